#!/bin/sh
# exec and shell: the real kubectl exec on the pod of a running job's rank,
# against ailab-kubesim over TLS (kubectl sends tokens only over TLS).  The
# simulator answers an exec with "exec POD CONTAINER: ARGV" and its
# /sim/audit records who exec'd where.
. "$top_srcdir/tests/sim/sim-lib.sh"
skip_unless "kubectl not installed" command -v kubectl
plan 25

check "openssl makes a CA and a server certificate" sim_tls
bail_unless start_kubesim_tls --speed 600
SIM_URL=$KUBESIM_URL
CURL_EXTRA="--cacert $TMP/tls/ca.crt"
q() { timeout 60 "$AILAB_QUEUE" --context alice "$@"; }
state() { q show "$1" -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])'; }

cat >"$TMP/jobs.yaml" <<'YAML'
name: box
interactive: true
replicas: 2
annotations: {ailab-kubesim.io/duration: forever}
---
name: later
interactive: true
---
name: fails
interactive: true
annotations: {ailab-kubesim.io/duration: forever, ailab-kubesim.io/exec-exit-code: "7"}
YAML
check "submit an interactive 2-replica job, a held one, one whose execs fail" q submit "$TMP/jobs.yaml"
running() { q sched --once >/dev/null 2>&1; [ "$(state 1)" = running ] && [ "$(state 3)" = running ]; }
check "hold job 2" q hold 2
ok_within "the 2-replica job and job 3 run" 60 running

# The pod of rank 1, read from the simulated cluster itself.
POD1=$(get_jget /api/v1/namespaces/alice/pods admin-token '[p["metadata"]["name"] for p in d["items"] if p["metadata"].get("labels", {}).get("ailab-queue.io/rank", p["metadata"].get("annotations", {}).get("batch.kubernetes.io/job-completion-index")) == "1"][0]')
CTR=$(jget '[p["spec"]["containers"][0]["name"] for p in d["items"] if p["metadata"]["name"] == "'"$POD1"'"][0]')
ok "the cluster has a pod of rank 1 ($POD1, container $CTR)" $?

check "exec --rank 1 with hostile words" q exec 1 --rank 1 -- printf '%s' "a b" '$(id)'
is "... reaches rank 1's pod, the words arrive literally" "$(cat "$TMP/out")" \
    "exec $POD1 $CTR: printf %s a b \$(id)"
check "exec of rank 0 by default" q exec 1 -- hostname
like "... names another pod" "$TMP/out" "^exec [^ ]+ $CTR: hostname\$"
is "... not rank 1's" "$(grep -c "$POD1" "$TMP/out")" 0
api GET /sim/audit admin-token >/dev/null
is "/sim/audit: alice's exec of rank 1's pod" "$(jget 'len([e for e in (d["items"] if isinstance(d, dict) else d) if e.get("subresource") == "exec" and e["user"] == "alice" and e["verb"] == "create" and e["name"] == "'"$POD1"'" and e.get("code") == 101])')" 1

check "shell, stdin not a terminal" q shell 1 --rank 1 </dev/null
is "... runs bash or sh in the pod's container" "$(cat "$TMP/out")" \
    "exec $POD1 $CTR: /bin/sh -c if [ -x /bin/bash ]; then exec /bin/bash; else exec /bin/sh; fi"
fails "exec -c a container the pod does not have" 1 q exec 1 -c nosuch -- true
like "... kubectl says so, in the apiserver's words" "$TMP/err" \
    "container nosuch is not valid for pod"

fails "the exit status is the command's (the pod's exec-exit-code, 7)" 7 q exec 3 -- false
like "... kubectl says so" "$TMP/err" "command terminated with exit code 7"
fails "exec on a held job: exit 1" 1 q exec 2 -- true
like "... names its state" "$TMP/err" "job 2 is held, not running"
fails "exec --rank 2 of a 2-replica job: exit 1" 1 q exec 1 --rank 2 -- true
like "... says it has 2 replicas" "$TMP/err" "job 1 has 2 replicas: no rank 2"
fails "exec without a command: usage, exit 2" 2 q exec 1
fails "kubectl not on PATH: exit 1" 1 env PATH=/nonexistent "$AILAB_QUEUE" --context alice exec 1 -- true
like "... an error naming kubectl" "$TMP/err" "'kubectl' is not on PATH"
fails "a queue server without a kubeconfig: exit 2" 2 env KUBECONFIG=/nonexistent HOME=/nonexistent "$AILAB_QUEUE" --server https://127.0.0.1:9 exec 1 -- true
finish
