# ailab-kubesim for the integration tests: started on a private port with
# a kubeconfig for its users, read and told about faults over its API
# (docs/kubesim.md).  Sourced by tests/lib.sh.

# start_kubesim [ARGS...]: starts ailab-kubesim on a free loopback port,
# writing a kubeconfig for its users to $TMP/kubeconfig; sets KUBESIM_PID,
# KUBESIM_URL and KUBECONFIG.  Stopped by PID at exit.  What ailab-queue's
# Deployment wrapper does is told to the simulator through its generic pod
# knobs (docs/kubesim.md): a restarted container whose command ended only
# waits, the exit code goes to the termination message as the wrapper
# writes it, and exit-codes lists are indexed by the queue's attempt label.
start_kubesim() {
	spawn KUBESIM_PID "$AILAB_KUBESIM" --listen 127.0.0.1:0 \
	    --kubeconfig-out "$TMP/kubeconfig" --pod-default=after-exit=idle \
	    --pod-default='termination-message=ailab-queue-exit=$(EXIT_CODE)' \
	    --pod-default=exit-codes-label=ailab-queue.io/attempt \
	    "$@" >"$TMP/kubesim.out" 2>"$TMP/kubesim.err"
	KUBESIM_URL=
	wait_for 10 kubesim_up
	KUBECONFIG="$TMP/kubeconfig"
	export KUBECONFIG
	[ -n "$KUBESIM_URL" ]
}

# kubesim_up: start_kubesim's simulator printed its URL (now in
# KUBESIM_URL) and wrote its kubeconfig.
kubesim_up() {
	KUBESIM_URL=$(sed -n 's/^url //p' "$TMP/kubesim.out")
	[ -n "$KUBESIM_URL" ] && [ -s "$TMP/kubeconfig" ]
}

# start_kubesim_tls [ARGS...]: start_kubesim over TLS with sim_tls's
# certificates (tests/sim/sim-lib.sh) under $TMP/tls.
start_kubesim_tls() {
	start_kubesim --tls-cert "$TMP/tls/srv.crt" --tls-key "$TMP/tls/srv.key" \
	    --tls-ca "$TMP/tls/ca.crt" "$@"
}

# kube_token USER: the bearer token of a user of the simulated cluster.
kube_token() {
	kubectl config view --raw -o \
	    jsonpath="{.users[?(@.name==\"$1\")].user.token}"
}

# stale_plugin VERSION STALE: $TMP/stale.sh, an exec credential plugin
# (client.authentication.k8s.io/VERSION) whose first token is STALE and
# every later one alice's; it counts its runs in $TMP/stale.count.
stale_plugin() {
	cat >"$TMP/stale.sh" <<EOF
#!/bin/sh
echo run >>"$TMP/stale.count"
tok=alice-token
[ "\$(wc -l <"$TMP/stale.count")" -eq 1 ] && tok=$2
printf '{"apiVersion":"client.authentication.k8s.io/$1","kind":"ExecCredential","status":{"token":"%s"}}\n' "\$tok"
EOF
	chmod +x "$TMP/stale.sh"
}

# kube_get PATH [USER]: GET an API path as a user (default alice) over
# plain HTTP (kubectl does not send tokens without TLS; curl does).
kube_get() {
	curl -sf -H "Authorization: Bearer $(kube_token "${2:-alice}")" \
	    "$KUBESIM_URL$1"
}

# sim_get PATH: GET a path of the simulator as its admin (/sim/state,
# /sim/audit and the API alike), without kubectl.
sim_get() {
	curl -sS -H 'Authorization: Bearer admin-token' "$KUBESIM_URL$1"
}

# kube_count PATH [USER]: how many items a list returns.
kube_count() {
	kube_get "$@" | python3 -c \
	    'import json,sys; print(len(json.load(sys.stdin)["items"]))'
}

# kubesim_fault JSON: posts a fault to the simulator's /sim/faults.
kubesim_fault() {
	curl -sS -o /dev/null -H 'Authorization: Bearer admin-token' \
	    -d "$1" "$KUBESIM_URL/sim/faults"
}

# job_objects ID [KIND...]: how many Deployments, Jobs, Services and pods
# of the queue's job ID the simulator holds, not counting those being
# deleted; with KINDs (deployments, services, ...) a count of each.
job_objects() {
	sim_get /sim/state | python3 -c 'import json, sys
st = json.load(sys.stdin)
def n(k):
    return sum(1 for o in st.get(k, [])
               if (o["metadata"].get("labels") or {}).get("ailab-queue.io/job-id")
               == sys.argv[1] and not o["metadata"].get("deletionTimestamp"))
ks = sys.argv[2:]
print(" ".join(str(n(k)) for k in ks) if ks else
      sum(map(n, ("deployments", "jobs", "services", "pods"))))' "$@"
}

# audited VERB RESOURCE ID [ATTEMPT]: how many VERB requests on job ID's
# objects of RESOURCE (deployments, services) succeeded (2xx), by the
# simulator's --audit-log "$TMP/audit.jsonl"; with ATTEMPT, that attempt's.
audited() {
	python3 -c 'import json, sys
n = 0
for l in open(sys.argv[1]):
    e = json.loads(l)
    lb = e.get("labels") or {}
    if e.get("verb") == sys.argv[2] and e.get("resource") == sys.argv[3] \
            and 200 <= e.get("code", 0) < 300 \
            and lb.get("ailab-queue.io/job-id") == sys.argv[4] \
            and sys.argv[5] in ("", lb.get("ailab-queue.io/attempt")):
        n += 1
print(n)' "$TMP/audit.jsonl" "$1" "$2" "$3" "${4:-}"
}

# created_deployments: the job ids of the Deployments the simulator
# created (2xx), in order, as a list (GET /sim/audit).
created_deployments() {
	sim_get /sim/audit | json_val '[int(e["labels"]["ailab-queue.io/job-id"])
    for e in d["items"] if e.get("verb") == "create" and
    e.get("resource") == "deployments" and e.get("code", 201) < 300]'
}

# job_gone ID: the job has no object left but those being deleted.
job_gone() { [ "$(job_objects "$1")" = 0 ]; }

# job_deployments ID: how many Deployments job ID has in alice's
# namespace (one a replica).
job_deployments() {
	kube_count "/apis/apps/v1/namespaces/alice/deployments?labelSelector=ailab-queue.io%2Fjob-id%3D$1" \
	    admin
}

# job_pod_list ID: job ID's pods in alice's namespace as "attempt rank
# node live|deleting", one a line, sorted.
job_pod_list() {
	kube_get "/api/v1/namespaces/alice/pods?labelSelector=ailab-queue.io%2Fjob-id%3D$1" |
	    python3 -c '
import json, sys
for p in json.load(sys.stdin)["items"]:
    lb = p["metadata"].get("labels") or {}
    print(lb.get("ailab-queue.io/attempt"), lb.get("ailab-queue.io/rank"),
          p["spec"].get("nodeName") or "-",
          "deleting" if p["metadata"].get("deletionTimestamp") else "live")' | sort
}

# job_pods [NS]: "ID PHASE" of every pod of the queue's jobs on the
# simulated cluster (in namespace NS if given), one a line, by job id.
job_pods() {
	sim_get /sim/state >"$TMP/state.json" &&
	python3 -c 'import json,sys
for p in json.load(open(sys.argv[1]))["pods"]:
    l = p["metadata"].get("labels") or {}
    if (sys.argv[2] in ("", p["metadata"]["namespace"]) and
        l.get("app.kubernetes.io/managed-by") == "ailab-queue"):
        print(l["ailab-queue.io/job-id"], p["status"]["phase"])' \
	    "$TMP/state.json" "${1:-}" | sort -n
}
