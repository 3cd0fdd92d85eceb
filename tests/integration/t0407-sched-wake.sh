#!/bin/sh
# Event-driven passes.  A scheduler started with '--interval 60s' acts on a
# local submit, cancel, release and hold within seconds, woken through the
# FIFO beside the database: the simulated cluster shows the objects made
# or deleted long before the interval.  And --interval's bounds and
# grammar (milliseconds) for sched and serve.
. "$top_srcdir/tests/lib.sh"
plan 21

# --interval: milliseconds, 50ms to 1h; mistakes are exit 2 naming it.
fails "sched --interval 10ms is refused (exit 2)" 2 \
    aq sched --once --interval 10ms
like "  with the option and the bounds" "$TMP/err" \
    "invalid value for '--interval': '10ms' \(from 50ms to 1h\)"
fails "sched --interval 2h is refused (exit 2)" 2 \
    aq sched --once --interval 2h
like "  with the option and the bounds" "$TMP/err" \
    "invalid value for '--interval': '2h' \(from 50ms to 1h\)"
fails "sched --interval 0.0001s is refused (exit 2)" 2 \
    aq sched --once --interval 0.0001s
like "  finer than a millisecond" "$TMP/err" \
    "invalid value for '--interval': invalid duration '0.0001s' \(finer than a millisecond\)"
fails "serve --interval 20ms is refused (exit 2)" 2 \
    timeout 10 "$AILAB_QUEUE" serve --no-lease --listen 127.0.0.1:0 \
    --interval 20ms
like "  with the option and the bounds" "$TMP/err" \
    "invalid value for '--interval': '20ms' \(from 50ms to 1h\)"

check "ailab-kubesim starts" start_kubesim \
    --cluster "$FIXTURES/sched-small.yaml"

# RTX4090D jobs that run until stopped (but promise to end within 10
# minutes); has N ID: job ID has N Deployments (one a replica).
spec_file one
spec_file big gpus=8 replicas=2
has() { [ "$(job_deployments "$2")" = "$1" ]; }

# A long interval: every pass after the first must come from a wake-up
# (or from the cluster's watch events, which follow our own changes).
start_sched --context admin -v sched --interval 60s
first_pass() { sched_passed 1 && [ -p "$AILAB_QUEUE_DB.wake" ]; }
ok_within "the scheduler made its first pass and listens on <db>.wake" \
    10 first_pass
is "the FIFO is the owner's only (0600)" \
    "$(stat -c %a "$AILAB_QUEUE_DB.wake")" 600

# Submit: the Deployment exists within 5 s, far less than the interval.
ONE=$(aq --context alice -q submit "$TMP/one.yaml")
ok_within "submit: the job's Deployment is created within 5 s" 5 has 1 "$ONE"
ok_within "  and the job runs" 10 job_state_is "$ONE" running
sleep 1

# Cancel: its objects go within 5 s.
aq -q cancel "$ONE"
ok_within "cancel: the job's Deployment is deleted within 5 s" 5 has 0 "$ONE"

# Release: a job submitted held is created within 5 s of its release.
HELD=$(aq --context alice -q submit --hold "$TMP/one.yaml")
sleep 1
is "a held job has no objects" "$(job_deployments "$HELD")" 0
aq -q release "$HELD"
ok_within "release: the job's Deployment is created within 5 s" 5 has 1 "$HELD"
wait_for 10 job_state_is "$HELD" running
sleep 1

# Hold: a 2x8-GPU job cannot start while the released job holds one GPU
# of the two RTX4090D nodes, and reserves both; a 1-GPU job behind it
# waits for that reservation.  Holding the big job gives it up: the small
# one starts within 5 s.
BIG=$(aq --context alice -q submit "$TMP/big.yaml")
SMALL=$(aq --context alice -q submit "$TMP/one.yaml")
waits() { aq why "$SMALL" | grep -q "job $BIG"; }
ok_within "a 1-GPU job waits behind the 2x8 job's reservation" 5 waits
sleep 1
is "  and has no objects" "$(job_deployments "$SMALL")" 0
aq -q hold "$BIG"
ok_within "hold: the job behind is created within 5 s" 5 has 1 "$SMALL"

check "SIGTERM stops the scheduler" stop_sched
[ ! -e "$AILAB_QUEUE_DB.wake" ]
ok "  and it removes the FIFO" $?
finish
