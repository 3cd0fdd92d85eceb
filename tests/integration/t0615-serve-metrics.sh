#!/bin/sh
# /metrics for admins: GPUs in use by the type of the nodes the jobs run
# on (not the list of types they asked for), GPUs wanted by waiting jobs
# by the type asked, and waiting jobs by the class of their reason; the
# earlier metrics keep their names.
. "$top_srcdir/tests/integration/t06-serve-lib.sh"
plan 13

check "ailab-kubesim starts" start_kubesim --speed 10
check "serve starts and schedules" start_serve a --no-lease --interval 1s

# gpu_job NAME COUNT [EXTRA]: alice's job of COUNT GPUs, either 4090 type.
gpu_job() {
	cat >"$TMP/$1.yaml" <<EOT
name: $1
namespace: alice
image: busybox
command: [sleep, "1"]
gpu: {type: [RTX4090D, RTX4090], count: $2}
resources: {cpu: 1, memory: 1Gi}
annotations:
  ailab-kubesim.io/duration: forever
${3:-}
EOT
	echo "$TMP/$1.yaml"
}
is "a job of 2 GPUs" "$(submit alice "$(gpu_job run 2)")" 201
RUN=$(jq_body 'b["items"][0]["id"]')
ok_within "runs" 60 served_job_is alice "$RUN" 'b["state"]' running
is "one of 4 GPUs over the quota's 4 with it" \
    "$(submit alice "$(gpu_job big 4)")" 201
is "one held" "$(submit alice "$(gpu_job later 1)" hold=true)" 201
is "one after the running one" \
    "$(submit alice "$(gpu_job next 1 "after: [run]")")" 201

# The type of the node the running job's pod is on, from the cluster.
NODE=$(kube_get /api/v1/namespaces/alice/pods admin | json_val '*sorted(set(p["spec"].get("nodeName", "")
    for p in d["items"] if p["status"].get("phase") == "Running"))')
TYPE=$(kube_get "/api/v1/nodes/$NODE" admin | json_val 'd["metadata"]["labels"]["gpu-model"]')
case $TYPE in RTX4090D|RTX4090) true ;; *) false ;; esac
ok "its pod runs on one node of a 4090 type ($NODE: $TYPE)" $?

# The waiting jobs' reasons are written by the next pass.
classes() {
	curl -s "$SERVE_URL/metrics" >"$TMP/metrics"
	grep -q '^ailab_queue_waiting_jobs{reason="quota"} 1$' "$TMP/metrics" &&
	    grep -q '^ailab_queue_waiting_jobs{reason="dependency"} 1$' "$TMP/metrics"
}
wait_for 30 classes
grep '^ailab_queue_waiting_jobs' "$TMP/metrics" | sort >"$TMP/classes"
cat >"$TMP/want" <<'EOT'
ailab_queue_waiting_jobs{reason="capacity"} 0
ailab_queue_waiting_jobs{reason="dependency"} 1
ailab_queue_waiting_jobs{reason="held"} 1
ailab_queue_waiting_jobs{reason="other"} 0
ailab_queue_waiting_jobs{reason="quota"} 1
ailab_queue_waiting_jobs{reason="reservation"} 0
EOT
cmp -s "$TMP/classes" "$TMP/want"
ok "waiting jobs by reason: quota 1, dependency 1, held 1" $? ||
    sed 's/^/#   /' "$TMP/classes"
is "GPUs in use: 2, of the type of the node it runs on" \
    "$(grep '^ailab_queue_gpus_in_use' "$TMP/metrics")" \
    "ailab_queue_gpus_in_use{gpu_type=\"$TYPE\"} 2"
is "GPUs wanted by waiting jobs, by the types they ask for" \
    "$(grep '^ailab_queue_gpus_requested_waiting' "$TMP/metrics")" \
    'ailab_queue_gpus_requested_waiting{gpu_type="RTX4090D,RTX4090"} 6'
grep -q '^# TYPE ailab_queue_waiting_jobs gauge$' "$TMP/metrics" &&
    grep -q '^# TYPE ailab_queue_gpus_in_use gauge$' "$TMP/metrics"
ok "declared as gauges" $?
grep -q '^ailab_queue_leader 1$' "$TMP/metrics" &&
    grep -Eq '^ailab_queue_jobs\{state="running",gpu_type="RTX4090D,RTX4090"\} 1$' "$TMP/metrics" &&
    grep -Eq '^ailab_queue_jobs\{state="queued",gpu_type="RTX4090D,RTX4090"\} 2$' "$TMP/metrics"
ok "the earlier metrics keep their names and labels" $?
finish
