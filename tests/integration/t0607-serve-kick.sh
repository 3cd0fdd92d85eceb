#!/bin/sh
# Every change through the API starts a scheduler pass at once: with
# 'serve --interval 60s', a submit, cancel, release and hold show on the
# simulated cluster within seconds (the server kicks its loop in process;
# a local queue's commands use the FIFO instead, t0407).
. "$top_srcdir/tests/integration/t06-serve-lib.sh"
plan 9

check "ailab-kubesim starts" start_kubesim \
    --cluster "$FIXTURES/sched-small.yaml"
check "serve starts" start_serve a --no-lease --interval 60s -v
ok_within "it made its first pass" 10 sched_passed 1 "$TMP/serve-a.err"

# RTX4090D jobs in alice's namespace that run until stopped (but promise
# to end within 10 minutes); has N ID: job ID has N Deployments.
spec_file one namespace=alice
spec_file big gpus=8 replicas=2 namespace=alice
has() { [ "$(job_deployments "$2")" = "$1" ]; }
# post USER FILE [QUERY]: submits; prints the new job's id.
post() { submit "$@" >/dev/null && jq_body 'b["items"][0]["id"]'; }
act() { api alice POST "/v1/jobs/$1/$2" >/dev/null; }

ONE=$(post alice "$TMP/one.yaml")
ok_within "submit: the job's Deployment is created within 5 s" 5 has 1 "$ONE"
wait_for 10 served_job_is alice "$ONE" 'b["state"]' running
sleep 1
act "$ONE" cancel
ok_within "cancel: its Deployment is deleted within 5 s" 5 has 0 "$ONE"

HELD=$(post alice "$TMP/one.yaml" hold=true)
sleep 1
is "a held job has no objects" "$(job_deployments "$HELD")" 0
act "$HELD" release
ok_within "release: the job's Deployment is created within 5 s" 5 has 1 "$HELD"
wait_for 10 served_job_is alice "$HELD" 'b["state"]' running
sleep 1

# A 2x8-GPU job reserves both RTX4090D nodes (one GPU is taken); a 1-GPU
# job behind it waits.  Holding the big job lets the small one start.
BIG=$(post alice "$TMP/big.yaml")
SMALL=$(post alice "$TMP/one.yaml")
waits() { api alice GET "/v1/jobs/$SMALL/why" >/dev/null &&
    grep -q "job $BIG" "$TMP/body"; }
ok_within "a 1-GPU job waits behind the 2x8 job's reservation" 5 waits
sleep 1
act "$BIG" hold
ok_within "hold: the job behind is created within 5 s" 5 has 1 "$SMALL"
finish
