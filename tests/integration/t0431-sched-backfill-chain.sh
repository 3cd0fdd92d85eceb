#!/bin/sh
# The backfill chain at --speed 1.  The cluster stamps a pod's start to the
# second, 1-3 s after the scheduler admitted it, and the scheduler's clock
# is the API server's Date (to the second).  A 2x8-GPU job is queued with
# ten 1-GPU jobs and reserves both RTX4090D nodes in the first pass; then a
# 1-GPU job (timeout 10 min, runs 4 s) arrives every 0.3 s.  A 1-GPU job
# may use the reserved nodes only if it ends (its timeout) by the
# reservation, and a job backfilled so must never move it later: planned
# from its stamped start, each one did, and the next planned to end with
# it, a chain lasting as long as the stream.  Planned from its admission,
# only the jobs of the reservation's first second fit, and the 2x8 job
# starts once the first ones end.  Read from /sim/audit.
. "$top_srcdir/tests/lib.sh"
plan 5

check "ailab-kubesim starts" start_kubesim \
    --cluster "$FIXTURES/sched-small.yaml"
spec_file small type=RTX4090D gpus=1 replicas=1 cpu=4 memory=16Gi \
    duration=4s
spec_file big type=RTX4090D gpus=8 replicas=2 cpu=4 memory=16Gi \
    duration=1m

for i in 1 2 3 4 5 6 7 8 9 10; do
	aq --context bob -q submit "$TMP/small.yaml" >/dev/null
done
BIG=$(aq --context bob -q submit "$TMP/big.yaml" | tail -1)
start_sched --context admin sched --interval 1s
ok_within "the first 1-GPU job runs" 20 job_in 1 running
# A stream of 1-GPU jobs for 20 s, or until the 2x8 job runs.
stream_until_running "$BIG" 66 0.3 "$TMP/small.yaml"
ok "the 2x8 job starts while 1-GPU jobs keep arriving ($STREAM_S s, $STREAMED arrived)" \
    $(job_in "$BIG" running; echo $?)
# The workloads' creations in order: how many of the stream's came before
# the 2x8 job's (-1 if it was never created).
before=$(created_before "$BIG")
ok "at most 4 of the stream's jobs started before it, in its reservation's first second ($before)" \
    $([ "$before" -ge 0 ] && [ "$before" -le 4 ]; echo $?)
stop_sched
ok "the scheduler stopped cleanly" $?
finish
