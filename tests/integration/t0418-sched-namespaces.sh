#!/bin/sh
# The scheduler keeps its table of namespaces across passes, adding those
# of jobs that join the queue and rebuilding it when a job leaves.  One
# running `sched` with alice's namespace-only credentials: a job in her
# namespace runs; a job in bob's namespace, which she may not use, joins
# the queue between passes and is failed with the namespace named; her
# next job still runs (a namespace failed in one pass is not failed in the
# next); and a second job in bob's namespace, after the first left the
# queue, is failed again.  Asserted on the queue and on the simulated
# cluster's own state: no object was made in bob's namespace.
. "$top_srcdir/tests/lib.sh"
plan 9

check "ailab-kubesim starts" start_kubesim \
    --cluster "$FIXTURES/sched-scarce.yaml"

spec_file one type=RTX3090 cpu=1 memory=4Gi

field() { aq show "$1" -o json | json_val 'd.get(sys.argv[2]) or ""' - "$2"; }
pods() { job_pods "$1" | tr '\n' ' '; }

start_sched --context alice -v sched --interval 1s

A=$(aq --context alice -q submit "$TMP/one.yaml")
ok_within "a job in alice's namespace runs" 60 job_state_is "$A" running

# bob's namespace joins the table on a pass that reads one changed job.
B=$(aq --context bob -q submit "$TMP/one.yaml")
ok_within "a job in bob's namespace, which alice may not use, is failed" \
    60 job_state_is "$B" failed
like "  its reason names the namespace" "$(field "$B" reason >"$TMP/rb";
    echo "$TMP/rb")" "cannot use namespace 'bob'"

C=$(aq --context alice -q submit "$TMP/one.yaml")
ok_within "alice's next job runs" 60 job_state_is "$C" running

D=$(aq --context bob -q submit "$TMP/one.yaml")
ok_within "a second job in bob's namespace is failed too" \
    60 job_state_is "$D" failed

is "the cluster runs alice's two jobs" "$(pods alice)" \
    "$A Running $C Running "
is "  and nothing in bob's namespace" "$(pods bob)" ""
is "the scheduler is still running" "$(kill -0 "$SCHED" && echo yes)" yes
finish
