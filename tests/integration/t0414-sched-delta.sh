#!/bin/sh
# The scheduler keeps the queue in memory and reads only what changed
# since its last pass.  One running `sched` sees every change other
# processes make between its passes: jobs submitted, held and released,
# cancelled while waiting and while running, retried, and pruned by a
# cleanup; the simulated cluster (/sim/state) and the queue agree with
# what each change asked for, and an idle pass reads no job.
. "$top_srcdir/tests/lib.sh"
plan 19

check "ailab-kubesim starts" start_kubesim \
    --cluster "$FIXTURES/sched-small.yaml"

# RTX4090D jobs that run until stopped.
spec_file one
spec_file big gpus=8 replicas=2

pods_are() { [ "$(job_pods | tr '\n' ' ')" = "$1" ]; }

start_sched --context admin -v sched --interval 1s
ok_within "the scheduler made its first pass" 20 sched_passed 1
like "  reading the queue whole" "$TMP/sched.out" \
    'queue: 0 read, 0 gone \(whole\)'

# Submitted, and submitted held, by other processes.
A=$(aq --context alice -q submit "$TMP/one.yaml")
B=$(aq --context alice -q submit --hold "$TMP/one.yaml")
C=$(aq --context alice -q submit "$TMP/one.yaml")
wait_for 30 job_state_is "$C" running && wait_for 30 job_state_is "$A" running
ok "jobs submitted by another process run" $?
sched_settle
is "  a held one waits" "$(job_state "$B")" held
is "  the cluster has pods of the two running" "$(job_pods | tr '\n' ' ')" \
    "$A Running $C Running "

aq -q release "$B"
ok_within "a job released by another process runs" 30 job_state_is "$B" running

# A gang of 2x8 GPUs cannot start beside three running jobs: it waits,
# and cancelled while waiting it never reaches the cluster.
BIG=$(aq --context alice -q submit "$TMP/big.yaml")
sched_settle
is "a gang that does not fit waits" "$(job_state "$BIG")" queued
aq -q cancel "$BIG"
sched_settle
is "  cancelled while waiting, it is cancelled" "$(job_state "$BIG")" cancelled

# Cancelled while running: its pods go; retried, it runs again.
aq -q cancel "$A"
ok_within "a running job cancelled by another process ends" \
    30 job_state_is "$A" cancelled
ok_within "  and its pods are deleted" 30 pods_are "$B Running $C Running "
cleaned() { aq show "$1" -o json | grep -q '"cleaned": *true'; }
wait_for 30 cleaned "$A"
aq -q retry --state cancelled "$A"
ok_within "retried by another process, it runs again" \
    30 job_state_is "$A" running
is "  as its second attempt" \
    "$(aq show "$A" -o json | sed -n 's/^ *"attempts": *\([0-9]*\).*/\1/p')" 2

# Cancelled and then pruned by a cleanup: the records go, and the
# scheduler's queue with them.
aq -q cancel "$C"
ok_within "a cancelled job's pods are deleted" \
    30 pods_are "$A Running $B Running "
sched_settle
sleep 2
aq --context admin -q cleanup --max-age 1s >/dev/null 2>&1
fails "cleanup pruned the cancelled job" 1 aq show "$C"
fails "  and the cancelled gang" 1 aq show "$BIG"
sched_settle
tail -n 4 "$TMP/sched.out" >"$TMP/last"
like "the scheduler's queue holds the two running jobs" "$TMP/last" \
    'pass: 2 jobs read \(0 waiting\)'
like "  and an idle pass reads no job" "$TMP/last" \
    'queue: 0 read, 0 gone \(changed since the last pass\)'
is "the cluster has the pods of the queue's running jobs" \
    "$(job_pods | tr '\n' ' ')" "$A Running $B Running "

stop_sched
finish
