#!/bin/sh
# Two local queues of one user in one namespace, and objects changed behind
# a running job's back: each queue sees, adopts, deletes and reads logs of
# its own objects only; a lost Service is made again; a lost Deployment
# re-runs the job; a name held by someone else fails the job, never taken;
# a name held by an earlier attempt's object still being deleted waits.
. "$top_srcdir/tests/lib.sh"
[ -n "${KEEP:-}" ] && trap - EXIT
plan 30

bail_unless start_kubesim --speed 600
A="$TMP/a.db"
B="$TMP/b.db"
pass() { timeout 60 "$AILAB_QUEUE" --db "$1" sched --once >>"$TMP/sched.out" 2>&1; }
field() { aq --db "$1" show "$2" -o json | python3 -c "import json,sys; print(json.load(sys.stdin)$3)"; }
# until_state DB ID STATE: scheduler passes until the job is in STATE.
until_state() {
	_n=0
	while [ $_n -lt 20 ] && [ "$(field "$1" "$2" '["state"]')" != "$3" ]; do
		pass "$1"
		sleep 0.2
		_n=$((_n + 1))
	done
}
# api METHOD PATH: a request as alice; the body lands in $TMP/body.
api() {
	curl -s -o "$TMP/body" -w '%{http_code}' -X "$1" \
	    -H "Authorization: Bearer $(kube_token alice)" \
	    -H 'Content-Type: application/json' ${3:+--data "$3"} \
	    "$KUBESIM_URL$2"
}
# names KIND SELECTOR: the names of alice's objects of a kind, sorted.
names() {
	case $1 in
	deployments|jobs) _g=/apis/$([ "$1" = jobs ] && echo batch || echo apps)/v1 ;;
	*) _g=/api/v1 ;;
	esac
	kube_get "$_g/namespaces/alice/$1?labelSelector=$2" |
	    json_val '*sorted(o["metadata"]["name"] for o in d["items"])'
}

printf '%s\n' 'name: train' 'command: python train.py' \
    'annotations: {ailab-kubesim.io/duration: 1000h}' >"$TMP/train.yaml"
check "queue A: submit job 1" aq --db "$A" submit "$TMP/train.yaml"
pass "$A"
QA=$(kube_get "/apis/apps/v1/namespaces/alice/deployments?labelSelector=ailab-queue.io%2Fjob-id%3D1" | json_val 'd["items"][0]["metadata"]["labels"]["ailab-queue.io/queue"]')
check "queue B: submit job 1, same name" aq --db "$B" submit "$TMP/train.yaml"
pass "$B"
set -- $(names deployments 'ailab-queue.io%2Fjob-id%3D1')
is "both queues' job 1 run side by side, under different names" "$#" 2
DA=$(names deployments "ailab-queue.io%2Fqueue%3D$QA")
is "queue A's Deployment is named with its tag" "$(echo "$DA" | grep -c "^train-1-$(echo "$QA" | cut -c1-5)-0$")" 1
until_state "$A" 1 running
until_state "$B" 1 running
is "queue A's job 1 runs" "$(field "$A" 1 '["state"]')" running
is "queue B's job 1 runs" "$(field "$B" 1 '["state"]')" running

check "cancel job 1 in queue B" aq --db "$B" cancel 1
until_state "$B" 1 cancelled
pass "$A"
is "queue B's Deployment is gone" "$(names deployments 'ailab-queue.io%2Fjob-id%3D1')" "$DA"
is "queue A's Deployment is still there" "$(names deployments "ailab-queue.io%2Fqueue%3D$QA")" "$DA"
is "queue A's pod still runs" "$(kube_count "/api/v1/namespaces/alice/pods?labelSelector=ailab-queue.io%2Fqueue%3D$QA,ailab-queue.io%2Fjob-id%3D1&fieldSelector=status.phase%3DRunning")" 1
is "queue A's job 1 still runs, first attempt" "$(field "$A" 1 '["state"]') $(field "$A" 1 '["attempts"]')" "running 1"
check "queue A's live log" aq --db "$A" logs 1
like "is read from queue A's pod" "$TMP/err" "pod train-1-$(echo "$QA" | cut -c1-5)-0-"

# A distributed job whose Service and then a Deployment are deleted.
printf '%s\n' 'name: ddp' 'command: torchrun train.py' 'replicas: 2' \
    'annotations: {ailab-kubesim.io/duration: 1000h}' >"$TMP/ddp.yaml"
check "queue A: submit a 2-replica job (2)" aq --db "$A" submit "$TMP/ddp.yaml"
pass "$A"; pass "$A"
SVC=$(names services "ailab-queue.io%2Fqueue%3D$QA,ailab-queue.io%2Fjob-id%3D2")
is "its headless Service exists" "$(echo "$SVC" | wc -w)" 1
api DELETE "/api/v1/namespaces/alice/services/$SVC" >/dev/null
is "deleted behind the queue's back" "$(names services "ailab-queue.io%2Fqueue%3D$QA,ailab-queue.io%2Fjob-id%3D2")" ""
pass "$A"; pass "$A"
is "the next passes make it again" "$(names services "ailab-queue.io%2Fqueue%3D$QA,ailab-queue.io%2Fjob-id%3D2")" "$SVC"
set -- $(names deployments "ailab-queue.io%2Fqueue%3D$QA,ailab-queue.io%2Fjob-id%3D2")
api DELETE "/apis/apps/v1/namespaces/alice/deployments/$2" '{"propagationPolicy":"Background"}' >/dev/null
pass "$A"
aq --db "$A" show 2 -o json | python3 -c '
import json, sys
ev = json.load(sys.stdin)["events"]
back = [e for e in ev if e["from"] == "running" and e["to"] == "queued"]
assert back and "1 of its 2 Deployments were deleted while it ran" in back[-1]["reason"], ev
'
ok "a lost Deployment runs the job again, saying why" $?

# An Indexed Job's pods carry their rank only as the completion index.
printf '%s\n' 'name: ix' 'command: python shard.py' 'workload: job' \
    'replicas: 2' 'annotations: {ailab-kubesim.io/duration: 1000h}' \
    >"$TMP/ix.yaml"
check "queue A: submit a 2-pod Indexed Job (3)" aq --db "$A" submit "$TMP/ix.yaml"
until_state "$A" 3 running
check "live log of its rank 1" aq --db "$A" logs 3 --rank 1
like "read from the rank's pod" "$TMP/err" "live log of job 3 rank 1 \\(pod ix-3-"

# A name held by an object that is not the job's.
TAG=$(echo "$QA" | cut -c1-5)
is "someone makes a Deployment named as job 4 will be" "$(api POST /apis/apps/v1/namespaces/alice/deployments "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"clash-4-$TAG-0\"},\"spec\":{\"replicas\":0,\"selector\":{\"matchLabels\":{\"x\":\"y\"}},\"template\":{\"metadata\":{\"labels\":{\"x\":\"y\"}},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"i\"}]}}}}")" 201
sed 's/^name: train/name: clash/' "$TMP/train.yaml" >"$TMP/clash.yaml"
check "queue A: submit job 4" aq --db "$A" submit "$TMP/clash.yaml"
pass "$A"; pass "$A"
is "job 4 fails rather than take the object" "$(field "$A" 4 '["state"]')" failed
like "its reason names the object" "$TMP/sched.out" "Deployment clash-4-$TAG-0 exists in namespace 'alice' and is not this job's"
is "the object is left alone" "$(api GET "/apis/apps/v1/namespaces/alice/deployments/clash-4-$TAG-0")" 200

# A name held by the job's own object on its way out (as an earlier
# attempt's is while its delete completes): neither taken nor an error;
# the job is created once the name is free.
LINGER="{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"linger-5-$TAG-0\",\"finalizers\":[\"example.com/hold\"],\"labels\":{\"app.kubernetes.io/managed-by\":\"ailab-queue\",\"ailab-queue.io/queue\":\"$QA\",\"ailab-queue.io/job-id\":\"5\"}},\"spec\":{\"replicas\":0,\"selector\":{\"matchLabels\":{\"x\":\"y\"}},\"template\":{\"metadata\":{\"labels\":{\"x\":\"y\"}},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"i\"}]}}}}"
api POST /apis/apps/v1/namespaces/alice/deployments "$LINGER" >/dev/null
is "job 5's name is held by its own Deployment, being deleted" \
    "$(api DELETE "/apis/apps/v1/namespaces/alice/deployments/linger-5-$TAG-0")" 200
sed 's/^name: train/name: linger/' "$TMP/train.yaml" >"$TMP/linger.yaml"
aq --db "$A" submit -q "$TMP/linger.yaml" >/dev/null
pass "$A"; pass "$A"
# Queued or admitted (a queued job whose object is still going may wait
# for it), never failed, and the object is left as it was.
is "job 5 waits for the name instead of failing or taking the object" \
    "$(field "$A" 5 '["state"]' | sed 's/^queued$/admitted/') $(kube_get "/apis/apps/v1/namespaces/alice/deployments/linger-5-$TAG-0" | python3 -c 'import json,sys; m = json.load(sys.stdin)["metadata"]; print("deletionTimestamp" in m, m.get("finalizers"))')" \
    "admitted True ['example.com/hold']"
curl -s -o /dev/null -X PATCH -H "Authorization: Bearer $(kube_token alice)" \
    -H 'Content-Type: application/merge-patch+json' \
    --data '{"metadata":{"finalizers":null}}' \
    "$KUBESIM_URL/apis/apps/v1/namespaces/alice/deployments/linger-5-$TAG-0"
until_state "$A" 5 running
is "once the name is free job 5 is created and runs" "$(field "$A" 5 '["state"]')" running
is "its Deployment is a new one, not being deleted" \
    "$(kube_get "/apis/apps/v1/namespaces/alice/deployments/linger-5-$TAG-0" | python3 -c 'import json,sys; m = json.load(sys.stdin)["metadata"]; print("deletionTimestamp" in m, m.get("finalizers"))')" "False None"
finish
