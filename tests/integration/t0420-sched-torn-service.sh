#!/bin/sh
# A job being torn down gets nothing created for it (found by
# bench/torture.sh: a Service created twice in one attempt).  Two paths:
# (1) one pass finds a running gang lost and its Service missing: it must
# requeue the job without re-creating the Service behind its teardown;
# (2) a scheduler killed inside that requeue's teardown (gdb, before any
# delete is sent) whose Service delete is taken to have landed (deleted by
# hand): once the lost node is back and the gang looks running again, the
# next scheduler must finish the requeue, not re-create the Service of an
# attempt it was tearing down.  Asserted on the simulated cluster's audit
# log: each object is created once per attempt.
. "$top_srcdir/tests/lib.sh"
plan 13
need_gdb

bail_unless start_kubesim --cluster "$FIXTURES/sim-roomy.yaml" \
    --speed 10 --audit-log "$TMP/audit.jsonl"
# node ID: the node of the job's live rank-1 pod.
node() { job_pod_list "$1" | awk '$2 == 1 && $4 == "live" { print $3 }'; }
# disrupted ID: a pod of the job carries a DisruptionTarget condition.
disrupted() {
	kube_get "/api/v1/namespaces/alice/pods?labelSelector=ailab-queue.io%2Fjob-id%3D$1" |
	    grep -q DisruptionTarget
}
settled() { ! disrupted "$1"; }
# del_service ID: deletes the job's Service as an admin; prints the code.
del_service() {
	_svc=$(kube_get "/api/v1/namespaces/alice/services?labelSelector=ailab-queue.io%2Fjob-id%3D$1" |
	    python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["metadata"]["name"])')
	curl -s -o /dev/null -w '%{http_code}' -X DELETE \
	    -H 'Authorization: Bearer admin-token' \
	    "$KUBESIM_URL/api/v1/namespaces/alice/services/$_svc"
}

printf '%s\n' 'name: ddp' 'command: torchrun train.py' 'replicas: 2' \
    'gpu: {type: any, count: 1}' \
    'annotations: {ailab-kubesim.io/duration: 2h}' >"$TMP/ddp.yaml"

# (1) Lost and missing its Service in the same pass.
aq --context alice submit -q "$TMP/ddp.yaml" >/dev/null
check "job 1, a two-replica gang, runs" sched_until_state 1 running
NODE=$(node 1)
is "its Service is deleted behind the queue's back" "$(del_service 1)" 200
kubesim_fault "{\"nodeNotReady\": \"$NODE\", \"evictAfter\": 0}"
check "the lost gang is sent back and runs again as attempt 2" \
    sched_until_state 1 running 2
is "attempt 1's Service was created once, not again behind its teardown" \
    "$(audited create services 1 1)" 1
kubesim_fault "{\"nodeReady\": \"$NODE\"}"
aq --context alice cancel 1 >/dev/null
sched_until_state 1 cancelled

# (2) A requeue's teardown cut short after its logs were kept.
aq --context alice submit -q "$TMP/ddp.yaml" >/dev/null
check "job 2 runs" sched_until_state 2 running
NODE=$(node 2)
kubesim_fault "{\"nodeNotReady\": \"$NODE\", \"evictAfter\": 0}"
ok_within "its rank 1 is evicted from $NODE" 30 disrupted 2
timeout 60 gdb -batch -ex 'break sched_teardown_delete' -ex run -ex kill \
    --args "$top_builddir/ailab-queue-cluster" --context alice sched --once \
    >"$TMP/gdb.out" 2>&1
like "a scheduler stopped in the teardown, before its deletes" "$TMP/gdb.out" \
    "Breakpoint 1, sched_teardown_delete"
is "the store still says running, attempt 1" \
    "$(job_field 2 '["state"]') $(job_field 2 '["attempts"]')" "running 1"
is "the teardown's Service delete landed, its Deployments' did not" \
    "$(del_service 2)" 200
# The node comes back: the evicted pod ends, the Deployment's replacement
# runs, and the gang looks running again, its Service missing.
kubesim_fault "{\"nodeReady\": \"$NODE\"}"
ok_within "the evicted pod is gone once its node is back" 60 settled 2
check "the next scheduler finishes the requeue: attempt 2 runs" \
    sched_until_state 2 running 2
is "attempt 1's Service was created once, not again" \
    "$(audited create services 2 1)" 1
aq why 2 >"$TMP/why" 2>&1; aq show 2 >>"$TMP/why" 2>&1
like "the history says the teardown was finished" "$TMP/why" \
    "attempt 1 was being torn down"
finish
