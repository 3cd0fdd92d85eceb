#!/bin/sh
# cleanup for cron: nothing left after a run, silent, idempotent, safe in
# parallel, never touches what is not ours, survives API failures.
. "$top_srcdir/tests/lib.sh"
plan 23

bail_unless start_kubesim --speed 600
sel='labelSelector=app.kubernetes.io/managed-by%3Dailab-queue'
# ours: objects with our label still on the (simulated) cluster
ours() {
	echo $(($(kube_count "/apis/apps/v1/namespaces/alice/deployments?$sel") +
	    $(kube_count "/apis/batch/v1/namespaces/alice/jobs?$sel") +
	    $(kube_count "/api/v1/namespaces/alice/services?$sel") +
	    $(kube_count "/api/v1/namespaces/alice/pods?$sel")))
}
# queued_deployments: deployments labelled with a queue id
queued_deployments() {
	kube_count "/apis/apps/v1/namespaces/alice/deployments?labelSelector=ailab-queue.io%2Fqueue"
}

cat >"$TMP/sweep.yaml" <<YAML
name: c
command: python train.py --seed \${seed}
gpu: {type: RTX4090D, count: 1}
annotations: {ailab-kubesim.io/duration: 5m}
sweep:
  grid: {seed: [$(seq -s ', ' 1 50)]}
YAML
check "submit 50 jobs" aq submit "$TMP/sweep.yaml"
check "schedule them to the end" timeout 150 "$AILAB_QUEUE" sched --until-empty --interval 1s
is "all 50 succeeded" "$(aq ls --state succeeded -o json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" 50
is "the scheduler left none of our objects" "$(ours)" 0

check "cleanup after a clean run" aq cleanup
is "it printed nothing" "$(cat "$TMP/out" "$TMP/err")" ""
check "a second cleanup" aq cleanup
is "it printed nothing either" "$(cat "$TMP/out" "$TMP/err")" ""

# Objects left behind by a crash: admitted jobs whose records say cleaned.
printf 'name: o\ncommand: "true"\nannotations: {ailab-kubesim.io/duration: forever}\n' >"$TMP/o.yaml"
aq submit "$TMP/o.yaml" >/dev/null
aq submit "$TMP/o.yaml" >/dev/null
check "one scheduler pass creates their objects" aq sched --once
is "two deployments exist" "$(queued_deployments)" 2
sqlite3 "$AILAB_QUEUE_DB" "UPDATE jobs SET state = 'cancelled', cleaned = 1 WHERE name = 'o'"
# Labelled as ours but of no queue (another tool, or a hand-made copy).
curl -sf -H "Authorization: Bearer $(kube_token alice)" \
    -H 'Content-Type: application/json' -d '{"apiVersion":"apps/v1",
    "kind":"Deployment","metadata":{"name":"not-ours","labels":{
    "app.kubernetes.io/managed-by":"ailab-queue","ailab-queue.io/job-id":"1"}},
    "spec":{"replicas":1,"selector":{"matchLabels":{"app":"x"}},"template":{
    "metadata":{"labels":{"app":"x"}},"spec":{"containers":[{"name":"c",
    "image":"busybox","resources":{"requests":{"cpu":"1","memory":"1Gi"},
    "limits":{"cpu":"1","memory":"1Gi"}}}]}}}}' \
    "$KUBESIM_URL/apis/apps/v1/namespaces/alice/deployments" >/dev/null
ok "an object with our label but no queue id was created" $?
curl -sf -H "Authorization: Bearer $(kube_token alice)" \
    -H 'Content-Type: application/json' -d '{"apiVersion":"v1",
    "kind":"Service","metadata":{"name":"unlabelled"},"spec":{
    "clusterIP":"None","selector":{"app":"x"}}}' \
    "$KUBESIM_URL/api/v1/namespaces/alice/services" >/dev/null
check "cleanup with a long grace period" aq cleanup --grace 100d
is "young orphans are left alone" "$(queued_deployments)" 2
check "cleanup --dry-run" aq cleanup --dry-run --grace 0s
like "a dry run lists the orphans" "$TMP/out" "would delete orphan deployments alice/o-"
check "cleanup with no grace period" aq cleanup --grace 0s
is "our orphans are gone" "$(queued_deployments)" 0
check "an object of another queue or of nobody stays" \
    kube_get /apis/apps/v1/namespaces/alice/deployments/not-ours
check "an object without our labels stays" \
    kube_get /api/v1/namespaces/alice/services/unlabelled

# Two cleanups at once, and one beside a scheduler: no failures.
aq submit "$TMP/sweep.yaml" >/dev/null
timeout 120 "$AILAB_QUEUE" sched --until-empty --interval 1s >/dev/null 2>"$TMP/sched.err" &
sp=$!
aq cleanup >"$TMP/c1" 2>&1 &
c1=$!
aq cleanup >"$TMP/c2" 2>&1
r2=$?
wait $c1
r1=$?
wait $sp
is "two cleanups beside a scheduler both succeed silently" "$r1 $r2 $(cat "$TMP/c1" "$TMP/c2")" "0 0 "

# The API failing during cleanup: nothing lost; the next run finishes.
printf 'name: f\ncommand: "true"\nannotations: {ailab-kubesim.io/duration: forever}\ntimeout: 1m\n' >"$TMP/f.yaml"
aq submit "$TMP/f.yaml" >/dev/null
aq submit "$TMP/f.yaml" >/dev/null
aq sched --once >/dev/null 2>&1
sleep 1
kubesim_fault '{"error500": 0.6}'
aq cleanup >/dev/null 2>&1
kubesim_fault '{"error500": 0}'
# Every job is either cleaned up, or still marked for it.
is "with the API failing, every job is cleaned or still marked" \
    "$(aq ls -a -o json | json_val '[j["state"] for j in d if j["name"] == "f"
    and j["state"] not in ("running", "admitted", "timed_out")]')" "[]"
check "the next cleanup finishes the work" aq cleanup
curl -sf -X DELETE -H "Authorization: Bearer $(kube_token alice)" \
    "$KUBESIM_URL/apis/apps/v1/namespaces/alice/deployments/not-ours" >/dev/null
is "and leaves nothing of ours behind" "$(ours)" 0
finish
