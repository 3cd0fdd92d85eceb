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

start_kubesim --cluster "$top_srcdir/tests/fixtures/sched-scarce.yaml"
ok "ailab-kubesim starts" $?

cat >"$TMP/one.yaml" <<EOT
name: one
command: python train.py
gpu: {type: RTX3090, count: 1}
resources: {cpu: 1, memory: 4Gi}
timeout: 10m
annotations:
  sim.ailab-queue.io/duration: forever
EOT

field() { aq show "$1" -o json | python3 -c 'import json, sys
print(json.load(sys.stdin).get(sys.argv[1]) or "")' "$2"; }
in_state() { [ "$(field "$1" state)" = "$2" ]; }
# pods NS: "ID PHASE" of our pods in a namespace on the simulated cluster.
pods() {
	curl -sS -H 'Authorization: Bearer admin-token' \
	    "$KUBESIM_URL/sim/state" >"$TMP/state.json" &&
	python3 -c 'import json,sys
for p in json.load(open(sys.argv[1]))["pods"]:
    l = p["metadata"].get("labels") or {}
    if (p["metadata"]["namespace"] == sys.argv[2] and
        l.get("app.kubernetes.io/managed-by") == "ailab-queue"):
        print(l["ailab-queue.io/job-id"], p["status"]["phase"])' \
	    "$TMP/state.json" "$1" | sort -n | tr '\n' ' '
}

"$AILAB_QUEUE" --context alice -v sched --interval 1s \
    >"$TMP/sched.out" 2>&1 &
SCHED=$!
TEST_PIDS="$TEST_PIDS $SCHED"

A=$(aq --context alice -q submit "$TMP/one.yaml")
wait_for 60 in_state "$A" running
ok "a job in alice's namespace runs" $?

# bob's namespace joins the table on a pass that reads one changed job.
B=$(aq --context bob -q submit "$TMP/one.yaml")
wait_for 60 in_state "$B" failed
ok "a job in bob's namespace, which alice may not use, is failed" $?
like "  its reason names the namespace" "$(field "$B" reason >"$TMP/rb";
    echo "$TMP/rb")" "cannot use namespace 'bob'"

C=$(aq --context alice -q submit "$TMP/one.yaml")
wait_for 60 in_state "$C" running
ok "alice's next job runs" $?

D=$(aq --context bob -q submit "$TMP/one.yaml")
wait_for 60 in_state "$D" failed
ok "a second job in bob's namespace is failed too" $?

is "the cluster runs alice's two jobs" "$(pods alice)" \
    "$A Running $C Running "
is "  and nothing in bob's namespace" "$(pods bob)" ""
is "the scheduler is still running" "$(kill -0 "$SCHED" && echo yes)" yes
finish
