#!/bin/sh
# Scarce GPUs, two owners, informed mode (the scheduler reads nodes and
# every pod).  One RTX3090 node with 8 GPUs; owner u1 queues 16 one-GPU
# jobs, then u2 queues 4.  Asserted on the simulated cluster's own state,
# followed by a pod watch through the run (sched-watch.py): never more
# than 8 GPUs of ours admitted or running (the queue's view, sampled) or
# bound (the cluster's), no pod of ours Unschedulable for GPUs, and u2
# running all 4 within one job's duration of the first start.  Then the
# same queue again with `sched --once` run back to back, as cron would:
# no over-admission, and no admitted job left without its objects.
# Last, `gpu: {type: any}` with nodes readable: a concrete type recorded
# and the node selector of that type rendered.
. "$top_srcdir/tests/lib.sh"
plan 14

check "ailab-kubesim starts" start_kubesim \
    --cluster "$FIXTURES/sched-scarce.yaml" --speed 20 --seed 8

# mkspec NAME N: a sweep of N one-GPU RTX3090 jobs of 2 simulated minutes
# (6 s of real time).
mkspec() {
	spec_file "$1" type=RTX3090 cpu=1 memory=4Gi timeout= duration=2m \
	    sweep="$2"
}
mkspec big 16
mkspec small 4
aq --context alice -q submit --owner u1 "$TMP/big.yaml" >/dev/null &&
    aq --context bob -q submit --owner u2 "$TMP/small.yaml" >/dev/null
ok "u1 queues 16 one-GPU jobs, then u2 queues 4" $?

watched_sched admin 300 "sched --until-empty runs all 20 jobs"
is "every job succeeded, each on its first attempt" "$(aq ls --all -o json |
    json_val 'sum(1 for j in d if j["state"] == "succeeded" and j["attempts"] == 1)')" 20

W="$TMP/watch.json"
val() { python3 -c "import json, sys; r = json.load(open(sys.argv[1])); print($1)" "$W"; }
echo "# $(val '"%d pod events, %d queue samples" % (r["events"], r["queue_samples"])')"
ok "the run was followed (pod events and queue samples seen)" \
    "$(val '0 if r["events"] > 40 and r["queue_samples"] > 10 else 1')"
is "never more than 8 GPUs admitted or running (the queue's view)" \
    "$(val 'r["max_queue_gpus"] <= 8 and r["max_queue_gpus"] > 0')" True
is "never more than 8 GPUs bound (the cluster's view)" \
    "$(val 'r["max_bound_gpus"] <= 8')" True
is "no pod of ours Unschedulable for GPUs" "$(val 'r["unschedulable"]')" "[]"
# u2 reaches 4 running within one job's duration (120 simulated seconds)
# of the first pod running.
out=$(val '"%s %s" % (r["owner_running"].get("u2", {}).get("4"), r["t0"])')
echo "# u2 had 4 running at, first event at (simulated s): $out"
is "u2 runs all 4 within one job's duration" "$(val '
(r["owner_running"].get("u2", {}).get("4") or 1e18) - r["t0"] <= 120')" True

# Run-time estimates: u1's sweep ran 16 times; nine more of it, one pass:
# eight fit, and the ninth's reason says what planning expects of it.
mkspec big9 9
sed -i 's/^name: big9/name: big/' "$TMP/big9.yaml"
aq --context alice -q submit --owner u1 -g big "$TMP/big9.yaml" >/dev/null
aq --context admin sched --once >/dev/null 2>&1
aq why "$(aq ls --state queued -o json | json_val 'd[-1]["id"]')" >"$TMP/why"
like "why names the run-time estimate and what it rests on" "$TMP/why" \
    "expected to run 2m[0-9s]* \(p75 of 1[0-9] runs of group 'big'\)"
aq -q cancel --group big >/dev/null 2>&1
timeout 120 "$AILAB_QUEUE" --context admin sched --until-empty >/dev/null 2>&1

# The same with cron's sched --once, run back to back: each run admits
# only what fits and creates every object of what it admitted.
rm -f "$AILAB_QUEUE_DB"*
aq --context alice -q submit --owner u1 "$TMP/big.yaml" >/dev/null &&
    aq --context bob -q submit --owner u2 "$TMP/small.yaml" >/dev/null
worst=0
missing=
for i in 1 2 3 4 5; do
	aq --context admin sched --once >/dev/null 2>&1
	n=$(aq ls -o json | json_val 'sum(j["gpu"]["count"] * j["replicas"]
          for j in d if j["state"] in ("admitted", "running"))')
	[ "$n" -gt "$worst" ] && worst=$n
	for id in $(aq ls --state admitted -o json | json_val '*[j["id"] for j in d]'); do
		c=$(kube_count "/apis/apps/v1/namespaces/$(job_field "$id" '["namespace"]')/deployments?labelSelector=ailab-queue.io/job-id%3D$id" admin)
		[ "$c" -ge 1 ] || missing="$missing $id"
	done
done
is "sched --once five times: at most 8 GPUs admitted or running" \
    "$([ "$worst" -le 8 ] && [ "$worst" -gt 0 ] && echo yes || echo "no ($worst)")" yes
is "sched --once leaves no admitted job without its objects" "$missing" ""

# gpu: {type: any} with nodes readable: a concrete type is recorded, and
# the rendered objects select that type's nodes.
cat >"$TMP/any.yaml" <<EOT
name: anyjob
command: python train.py
gpu: {type: any, count: 2}
resources: {cpu: 1, memory: 4Gi}
annotations:
  ailab-kubesim.io/duration: 1m
EOT
rm -f "$AILAB_QUEUE_DB"*
id=$(aq --context alice -q submit "$TMP/any.yaml")
aq --context admin sched --once >/dev/null 2>&1
t=$(job_field "$id" '["run_gpu_type"]')
matches "type any: admitted on a concrete GPU type" "$t" \
    '^RTX(3090|4090)$'
sel=$(kube_get "/apis/apps/v1/namespaces/alice/deployments?labelSelector=ailab-queue.io/job-id%3D$id" admin |
    json_val 'd["items"][0]["spec"]["template"]["spec"].get("nodeSelector", {}).get("gpu-model", "-")')
is "... and its objects select that type's nodes" "$sel" "$t"
finish
