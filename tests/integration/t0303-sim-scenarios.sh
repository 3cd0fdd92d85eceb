#!/bin/sh
# Scenarios the scheduler relies on: quota refusal through a Deployment,
# an unschedulable pod, an Indexed Job, Job deletion without a policy,
# watches (410 Expired, timeouts, bookmarks) and quota admission messages.
. "$top_srcdir/tests/sim/sim-lib.sh"
plan 37

# The roomy cluster: a 16-GPU quota, pods without limits.
check "starts" sim_start --cluster "$FIXTURES/sim-roomy.yaml" --speed 100 \
    --seed 3 --watch-cache 50

# A Deployment over quota is created, gets ReplicaFailure and no pods.
DEP='{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"big"},"spec":{"replicas":1,"selector":{"matchLabels":{"app":"big"}},"template":{"metadata":{"labels":{"app":"big"}},"spec":{"containers":[{"name":"c","image":"x","resources":{"limits":{"nvidia.com/gpu":"8"}}}]}}}}'
is "Deployment over quota is created" "$(api POST /apis/apps/v1/namespaces/carol/deployments carol-token "$DEP")" 201
cond() { get_jget /apis/apps/v1/namespaces/carol/deployments/big carol-token '[c for c in d["status"].get("conditions",[]) if c["type"]=="ReplicaFailure"][0]["reason"]' | grep -qx FailedCreate; }
ok_within "it gets ReplicaFailure FailedCreate" 10 cond
jget '[c for c in d["status"]["conditions"] if c["type"]=="ReplicaFailure"][0]["message"]' >"$TMP/msg"
like "with the quota message" "$TMP/msg" '^pods "big-[a-z0-9]+-[a-z0-9]{5}" is forbidden: exceeded quota: compute-quota, requested: requests.nvidia.com/gpu=8, used: requests.nvidia.com/gpu=0, limited: requests.nvidia.com/gpu=4$'
is "and no pods" "$(get_jget /api/v1/namespaces/carol/pods carol-token 'len(d["items"])')" 0
api GET '/api/v1/namespaces/carol/events?fieldSelector=reason%3DFailedCreate' carol-token >/dev/null
like "a FailedCreate event on the ReplicaSet" "$TMP/body" '"kind":"ReplicaSet"'

# Requests are required when a quota tracks cpu or memory.
is "pod without requests in alice: 403" "$(api POST /api/v1/namespaces/alice/pods alice-token '{"metadata":{"name":"noreq"},"spec":{"containers":[{"name":"c","image":"x"}]}}')" 403
is "failed quota message" "$(jget 'd["message"]')" \
    'pods "noreq" is forbidden: failed quota: compute-quota: must specify requests.cpu for: c; requests.memory for: c'

# A pod that fits no node stays Pending, Unschedulable.
is "a 16-GPU pod is created" "$(api POST /api/v1/namespaces/alice/pods alice-token '{"metadata":{"name":"huge"},"spec":{"containers":[{"name":"c","image":"x","resources":{"requests":{"cpu":"1","memory":"1Gi"},"limits":{"nvidia.com/gpu":"16"}}}]}}')" 201
unsched() { get_jget /api/v1/namespaces/alice/pods/huge alice-token 'd["status"]["conditions"][0]["reason"]' | grep -qx Unschedulable; }
ok_within "it becomes Unschedulable" 10 unsched
is "still Pending" "$(jget 'd["status"]["phase"]')" Pending
is "the scheduler's message" "$(jget 'd["status"]["conditions"][0]["message"]')" \
    '0/50 nodes are available: 50 Insufficient nvidia.com/gpu. preemption: 0/50 nodes are available: 50 Preemption is not helpful for scheduling.'
is "a pod for a GPU model nobody has" "$(api POST /api/v1/namespaces/alice/pods alice-token '{"metadata":{"name":"a100"},"spec":{"nodeSelector":{"nvidia.com/gpu.product":"NVIDIA-A100"},"containers":[{"name":"c","image":"x","resources":{"requests":{"cpu":"1","memory":"1Gi"}}}]}}')" 201
sel() { get_jget /api/v1/namespaces/alice/pods/a100 alice-token 'd["status"]["conditions"][0]["message"]' | grep -q "50 node(s) didn't match Pod's node affinity/selector"; }
ok_within "node selector mismatch is explained" 10 sel
AFF='{"metadata":{"name":"aff"},"spec":{"affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchExpressions":[{"key":"nvidia.com/gpu.product","operator":"In","values":["NVIDIA-GeForce-RTX-3090"]}]}]}}},"containers":[{"name":"c","image":"x","resources":{"requests":{"cpu":"1","memory":"1Gi"},"limits":{"nvidia.com/gpu":"1"}}}]}}'
is "a pod with node affinity" "$(api POST /api/v1/namespaces/ml101/pods alice-token "$AFF")" 201
bound() { get_jget /api/v1/namespaces/ml101/pods/aff alice-token 'd["spec"]["nodeName"]' | grep -q '^ailab-3090-'; }
ok_within "lands on an RTX 3090 node" 10 bound

# An Indexed Job of 4 completes with 4 distinct hostnames.
JOB='{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"ix"},"spec":{"completionMode":"Indexed","completions":4,"parallelism":4,"template":{"metadata":{"annotations":{"ailab-kubesim.io/duration":"2m"}},"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"x","resources":{"limits":{"nvidia.com/gpu":"1"}}}]}}}}'
is "Indexed Job created" "$(api POST /apis/batch/v1/namespaces/ml101/jobs alice-token "$JOB")" 201
done_job() { get_jget /apis/batch/v1/namespaces/ml101/jobs/ix alice-token '[c["type"] for c in d["status"].get("conditions",[]) if c["status"]=="True"]' | grep -q Complete; }
ok_within "it completes" 20 done_job
is "completedIndexes" "$(jget 'd["status"]["completedIndexes"]+" "+str(d["status"]["succeeded"])')" "0-3 4"
is "SuccessCriteriaMet and Complete" "$(jget '[c["type"]+"="+c["reason"] for c in d["status"]["conditions"]]')" '["SuccessCriteriaMet=CompletionsReached", "Complete=CompletionsReached"]'
is "4 distinct hostnames" "$(get_jget '/api/v1/namespaces/ml101/pods?labelSelector=batch.kubernetes.io%2Fjob-name%3Dix' alice-token 'sorted(set(p["spec"]["hostname"] for p in d["items"]))')" '["ix-0", "ix-1", "ix-2", "ix-3"]'
is "index annotation = label" "$(jget 'all(p["metadata"]["annotations"]["batch.kubernetes.io/job-completion-index"]==p["metadata"]["labels"]["batch.kubernetes.io/job-completion-index"] for p in d["items"])')" true
is "JOB_COMPLETION_INDEX appended" "$(jget 'd["items"][0]["spec"]["containers"][0]["env"][-1]["name"]')" JOB_COMPLETION_INDEX
is "owner reference to the Job" "$(jget 'd["items"][0]["metadata"]["ownerReferences"][0]["kind"]')" Job

# Deleting a Job without a propagationPolicy leaves its pods (Orphan).
is "delete Job, no policy" "$(api DELETE /apis/batch/v1/namespaces/ml101/jobs/ix alice-token)" 200
like "with the apiserver's warning" "$TMP/headers" 'child pods are preserved by default when jobs are deleted'
sleep 0.5
is "the pods remain" "$(get_jget '/api/v1/namespaces/ml101/pods?labelSelector=batch.kubernetes.io%2Fjob-name%3Dix' alice-token 'len(d["items"])')" 4
is "orphaned: no owner" "$(jget 'any("ownerReferences" in p["metadata"] for p in d["items"])')" false

# Background deletion of a Job takes its pods.
JOB2='{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"bg"},"spec":{"template":{"metadata":{"annotations":{"ailab-kubesim.io/duration":"forever"}},"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"x"}]}}}}'
api POST /apis/batch/v1/namespaces/ml101/jobs alice-token "$JOB2" >/dev/null
sleep 0.5
is "delete Job, Background" "$(api DELETE /apis/batch/v1/namespaces/ml101/jobs/bg alice-token '{"propagationPolicy":"Background"}')" 200
gone() { get_jget '/api/v1/namespaces/ml101/pods?labelSelector=batch.kubernetes.io%2Fjob-name%3Dbg' alice-token 'len(d["items"])' | grep -qx 0; }
ok_within "its pods go" 10 gone

# Watches: a too-old resourceVersion, timeouts, bookmarks.
curl -sS -N --max-time 5 -H 'Authorization: Bearer admin-token' \
    "$SIM_URL/api/v1/namespaces/ml101/pods?watch=true&resourceVersion=1" >"$TMP/w410"
head -1 "$TMP/w410" >"$TMP/w410.1"
is "410 as an ERROR event" "$(jget 'd["type"]+" "+str(d["object"]["code"])+" "+d["object"]["reason"]' "$TMP/w410.1")" "ERROR 410 Expired"
like "too old resource version" "$TMP/w410.1" 'too old resource version: 1 \([0-9]+\)'
RV=$(api GET /api/v1/namespaces/bob/pods bob-token >/dev/null; jget 'd["metadata"]["resourceVersion"]')
( sleep 1; api POST /api/v1/namespaces/bob/pods bob-token '{"metadata":{"name":"w1"},"spec":{"containers":[{"name":"c","image":"x","resources":{"requests":{"cpu":"1","memory":"1Gi"}}}]}}' >/dev/null ) &
BG=$!
curl -sS -N --max-time 10 -H 'Authorization: Bearer bob-token' \
    "$SIM_URL/api/v1/namespaces/bob/pods?watch=1&resourceVersion=$RV&timeoutSeconds=3&allowWatchBookmarks=true" >"$TMP/w"
ok "timeoutSeconds ends the watch" $?
head -1 "$TMP/w" >"$TMP/w.1"
is "first event ADDED w1" "$(jget 'd["type"]+" "+d["object"]["metadata"]["name"]' "$TMP/w.1")" "ADDED w1"
like "then MODIFIED (scheduled)" "$TMP/w" '"type":"MODIFIED"'
curl -sS -N --max-time 10 -H 'Authorization: Bearer bob-token' \
    "$SIM_URL/api/v1/namespaces/bob/pods?watch=1&timeoutSeconds=7&allowWatchBookmarks=true" >"$TMP/wb"
like "an initial ADDED without resourceVersion" "$TMP/wb" '"type":"ADDED"'
like "bookmarks" "$TMP/wb" '"type":"BOOKMARK"'
wait "$BG"
finish
