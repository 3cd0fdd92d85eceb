#!/bin/sh
# A job found ended in the pass that finds one of its objects missing: the
# object is not made again, since the teardown of that same pass deletes
# only what the scheduler has seen, and a create still in flight would be
# left behind in the cluster once the job is marked cleaned (found by
# bench/torture.sh: a Service whose create had failed under API faults).
. "$top_srcdir/tests/lib.sh"
plan 7

bail_unless start_kubesim --speed 600
pass() { timeout 60 "$AILAB_QUEUE" sched --once >>"$TMP/sched.out" 2>&1; }
SEL='labelSelector=ailab-queue.io%2Fjob-id%3D1'
# ended: the wrapper of job 1's pod has recorded its exit.
ended() {
	[ "$(kube_get "/api/v1/namespaces/alice/pods?$SEL" | json_val \
	    'bool(d["items"]) and d["items"][0]["status"]["containerStatuses"][0]["restartCount"] >= 1')" = True ]
}

printf '%s\n' 'name: short' 'command: python train.py' \
    'annotations: {ailab-kubesim.io/duration: 1s}' >"$TMP/short.yaml"
check "submit a short job" aq submit "$TMP/short.yaml"
pass
is "one pass admits it and creates its objects" "$(job_field 1 '["state"]')" admitted
SVC=$(kube_get "/api/v1/namespaces/alice/services?$SEL" | json_val 'd["items"][0]["metadata"]["name"]')
is "its Service is deleted behind the queue's back" "$(curl -s -o /dev/null -w '%{http_code}' -X DELETE -H 'Authorization: Bearer admin-token' "$KUBESIM_URL/api/v1/namespaces/alice/services/$SVC")" 200
ok_within "the job's run ends" 30 ended
pass
is "the next pass finds it succeeded" "$(job_field 1 '["state"]')" succeeded
is "and marks it cleaned" "$(job_field 1 '["cleaned"]')" True
# A create in flight lands after the pass's deletes: wait for it to.
sleep 1
is "nothing of it is left in the cluster" "$(kube_count "/api/v1/namespaces/alice/services?$SEL") $(kube_count "/apis/apps/v1/namespaces/alice/deployments?$SEL")" "0 0"
finish
