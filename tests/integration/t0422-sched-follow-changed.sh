#!/bin/sh
# A running job is followed when its objects change, not by looking at
# every running job every pass.  Three one-GPU jobs on a roomy cluster
# (ailab-kubesim at --speed 10) under one long-running `sched -v`: "keep"
# runs for ever, "short" for 40 simulated seconds, "capped" for ever with
# a timeout of 40 s.  Asserted on the simulated cluster (/sim/state) and
# the queue: "short" ends succeeded and "capped" timed out, both with
# their objects deleted, while "keep" still runs with its objects; and on
# the scheduler's log (each pass says how many running jobs it followed
# and whether it was the periodic resync): the passes that ended them
# were not resyncs (the pod's watch event, and the timeout's deadline,
# brought them), and passes in between followed none of the running jobs.
. "$top_srcdir/tests/lib.sh"
plan 8

bail_unless start_kubesim --cluster "$FIXTURES/sim-roomy.yaml" --speed 10
submit_short keep forever
submit_short short 40s
submit_short capped forever "timeout: 40s
"
start_sched --context alice -v sched --interval 2s

ok_within "the 40 s job ends succeeded" 90 job_state_is 2 succeeded
ok_within "the job capped at 40 s times out" 90 job_state_is 3 timed_out
ok_within "the ended job's objects are deleted (simulator's state)" \
    60 job_gone 2
ok_within "the timed-out job's objects are deleted (simulator's state)" \
    60 job_gone 3
[ "$(job_field 1 '["state"]')" = running ] && [ "$(job_objects 1)" -gt 0 ]
ok "the job that runs for ever runs, its objects in place" $?
is "the pass that ended the 40 s job followed it for its change, not a resync" \
    "$(sched_ended_by 2 'succeeded|timed_out')" "changed or due"
is "the pass that timed the capped job out followed it at its deadline" \
    "$(sched_ended_by 3 'succeeded|timed_out')" "changed or due"
grep -q 'pass: follow: 0 of [1-9][0-9]* running jobs followed (changed or due)' \
    "$TMP/sched.out"
ok "passes with nothing changed follow none of the running jobs" $?
stop_sched 2>/dev/null
finish
