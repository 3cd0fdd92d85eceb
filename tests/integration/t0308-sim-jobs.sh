#!/bin/sh
# Job failure handling (backoffLimit, FailedCreate events under quota,
# podReplacementPolicy), Deployment rollouts, and Leases with conflicts.
. "$top_srcdir/tests/sim/sim-lib.sh"
plan 17

# The roomy cluster: pods without limits, quotas on requests only.
check "starts" sim_start --cluster "$FIXTURES/sim-roomy.yaml" --speed 100 \
    --seed 11
jobcond() { # NS NAME TYPE
	api GET "/apis/batch/v1/namespaces/$1/jobs/$2" admin-token >/dev/null
	jget '[c["type"] for c in d["status"].get("conditions",[]) if c["status"]=="True"]' | grep -q "\"$3\""
}

JOB='{"metadata":{"name":"flaky"},"spec":{"backoffLimit":1,"template":{"metadata":{"annotations":{"ailab-kubesim.io/duration":"5s","ailab-kubesim.io/exit-code":"2"}},"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"x","resources":{"requests":{"cpu":"1","memory":"1Gi"}}}]}}}}'
is "a Job that always fails, backoffLimit 1" "$(api POST /apis/batch/v1/namespaces/bob/jobs bob-token "$JOB")" 201
ok_within "it fails" 15 jobcond bob flaky Failed
is "BackoffLimitExceeded after 2 failed pods" "$(jget '[c["reason"] for c in d["status"]["conditions"] if c["type"]=="Failed"][0]+" "+str(d["status"]["failed"])')" "BackoffLimitExceeded 2"
is "FailureTarget comes with it" "$(jget '[c["type"] for c in d["status"]["conditions"]]')" '["FailureTarget", "Failed"]'

JOB='{"metadata":{"name":"greedy"},"spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"x","resources":{"limits":{"nvidia.com/gpu":"8"}}}]}}}}'
is "a Job over quota is created" "$(api POST /apis/batch/v1/namespaces/carol/jobs carol-token "$JOB")" 201
ev() { get_jget '/api/v1/namespaces/carol/events?fieldSelector=involvedObject.name%3Dgreedy' carol-token 'd["items"][0]["reason"]' | grep -qx FailedCreate; }
ok_within "it gets a FailedCreate event" 10 ev
like "with the quota message" "$TMP/body" 'Error creating: pods \\"greedy-[a-z0-9]{5}\\" is forbidden: exceeded quota: compute-quota'
is "and no condition" "$(get_jget /apis/batch/v1/namespaces/carol/jobs/greedy carol-token 'd["status"].get("conditions")')" null

JOB='{"metadata":{"name":"rank"},"spec":{"completionMode":"Indexed","completions":1,"parallelism":1,"podReplacementPolicy":"Failed","template":{"metadata":{"annotations":{"ailab-kubesim.io/duration":"forever"}},"spec":{"restartPolicy":"Never","terminationGracePeriodSeconds":30,"containers":[{"name":"c","image":"x","resources":{"requests":{"cpu":"1","memory":"1Gi"}}}]}}}}'
api POST /apis/batch/v1/namespaces/bob/jobs bob-token "$JOB" >/dev/null
runs() { api GET '/api/v1/namespaces/bob/pods?labelSelector=job-name%3Drank' bob-token >/dev/null; jget 'd["items"][0]["status"]["phase"]' | grep -qx Running; }
ok_within "podReplacementPolicy Failed: a pod runs" 10 runs
P=$(jget 'd["items"][0]["metadata"]["name"]')
api DELETE "/api/v1/namespaces/bob/pods/$P" bob-token >/dev/null
is "no replacement while it terminates" "$(get_jget '/api/v1/namespaces/bob/pods?labelSelector=job-name%3Drank' bob-token 'len(d["items"])')" 1

DEP='{"metadata":{"name":"roll"},"spec":{"replicas":2,"selector":{"matchLabels":{"app":"roll"}},"template":{"metadata":{"labels":{"app":"roll"},"annotations":{"ailab-kubesim.io/duration":"forever"}},"spec":{"containers":[{"name":"c","image":"v1","resources":{"requests":{"cpu":"1","memory":"1Gi"}}}]}}}}'
api POST /apis/apps/v1/namespaces/bob/deployments bob-token "$DEP" >/dev/null
# The controller must see the first template before it changes, or (as in
# Kubernetes) only the second ReplicaSet is ever made.
firstrs() {
	api GET '/apis/apps/v1/namespaces/bob/replicasets?labelSelector=app%3Droll' bob-token >/dev/null
	[ "$(jget 'len(d["items"])')" = 1 ]
}
ok_within "the first ReplicaSet is made" 10 firstrs
api PATCH /apis/apps/v1/namespaces/bob/deployments/roll bob-token '{"spec":{"template":{"spec":{"containers":[{"name":"c","image":"v2","resources":{"requests":{"cpu":"1","memory":"1Gi"}}}]}}}}' application/strategic-merge-patch+json >/dev/null
is "a new template bumps generation" "$(jget 'd["metadata"]["generation"]')" 2
rolled() { get_jget '/api/v1/namespaces/bob/pods?labelSelector=app%3Droll' bob-token 'sorted(set(p["spec"]["containers"][0]["image"] for p in d["items"] if "deletionTimestamp" not in p["metadata"]))' | grep -qx '\["v2"\]'; }
ok_within "the rollout replaces the pods" 10 rolled
is "two ReplicaSets, the old one at 0" "$(get_jget '/apis/apps/v1/namespaces/bob/replicasets?labelSelector=app%3Droll' bob-token 'sorted(r["spec"]["replicas"] for r in d["items"])')" '[0, 2]'

LEASE='{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"leader"},"spec":{"holderIdentity":"a","leaseDurationSeconds":15,"renewTime":"2026-01-01T00:00:00.000000Z"}}'
api POST /apis/coordination.k8s.io/v1/namespaces/bob/leases bob-token "$LEASE" >/dev/null
OLD=$($PY -c 'import json,sys; d=json.load(open(sys.argv[1])); d["spec"]["holderIdentity"]="b"; print(json.dumps(d))' "$TMP/body")
is "a Lease is taken over by PUT" "$(api PUT /apis/coordination.k8s.io/v1/namespaces/bob/leases/leader bob-token "$OLD")" 200
is "the racing PUT gets 409" "$(api PUT /apis/coordination.k8s.io/v1/namespaces/bob/leases/leader bob-token "$OLD")" 409
finish
