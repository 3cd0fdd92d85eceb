#!/bin/sh
# bench/sched-e2e: the scheduler end to end against ailab-kubesim.
#  1. Admission rate: N one-GPU jobs (default 1000) that run for ever are
#     queued on a cluster with room for all of them; times from the start of
#     `ailab-queue sched` until every job is admitted, and until every job
#     is running (all pods Running, as the loop observes them).
#  2. One whole pass over a large queue: M more jobs (default 10000) that
#     cannot start are queued behind them; times `ailab-queue sched --once`
#     (list the cluster, reconcile the N running jobs, the policy over the
#     M + N jobs, store the reasons).
# Usage: bench/sched-e2e.sh [BUILDDIR [N [M [NODES]]]]
# BUILDDIR holds ailab-queue and ailab-kubesim (default .); NODES is the
# number of 8-GPU nodes (default 200).  On a busy 2-core machine the loop's
# listings at 1000 jobs time out (docs/performance.md); `300 3000 60` is
# the size measured under load.
set -eu
B=${1:-.}
N=${2:-1000}
M=${3:-10000}
NODES=${4:-200}
AQ="$B/ailab-queue"
SIM="$B/ailab-kubesim"
tmp=$(mktemp -d)
SIMPID=
SCHEDPID=
cleanup() {
	[ -n "$SCHEDPID" ] && kill "$SCHEDPID" 2>/dev/null || true
	[ -n "$SIMPID" ] && kill "$SIMPID" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

now() { date +%s.%N; }
count() {
	"$AQ" ls -o json | python3 -c 'import json, sys
d = json.load(sys.stdin)
print(sum(1 for j in d if j["state"] in sys.argv[1:]))' "$@"
}
# grid FILE NAME COUNT GPUS: a sweep of COUNT jobs of GPUS RTX4090D GPUs.
grid() {
	{
		printf 'name: %s\ncommand: python train.py --i ${i}\n' "$2"
		printf 'gpu: {type: RTX4090D, count: %d}\n' "$4"
		printf 'resources: {cpu: 1, memory: 1Gi}\ntimeout: 24h\n'
		printf 'annotations:\n  sim.ailab-queue.io/duration: forever\n'
		printf 'sweep:\n  grid:\n    i: [%s]\n' "$(seq -s, 1 "$3")"
	} >"$1"
}

cat >"$tmp/cluster.yaml" <<EOF
nodeGroups:
- {count: $NODES, namePrefix: n-, gpu: NVIDIA-GeForce-RTX-4090-D, gpuCount: 8,
   gpuFamily: ada-lovelace, computeMajor: 8, computeMinor: 9, cpu: '128',
   memory: 1Ti}
namespaces:
- name: default
- name: bench
  quota: {requests.nvidia.com/gpu: '1000000', pods: '1000000'}
users:
- {name: bench, token: bench-token, groups: [students], namespaces: [bench]}
- {name: admin, token: admin-token, groups: ["system:masters"], admin: true}
EOF
"$SIM" --listen 127.0.0.1:0 --cluster "$tmp/cluster.yaml" --speed 10 \
    --kubeconfig-out "$tmp/kubeconfig" >"$tmp/sim.out" 2>"$tmp/sim.err" &
SIMPID=$!
i=0
until grep -q '^url ' "$tmp/sim.out" 2>/dev/null; do
	i=$((i + 1))
	[ $i -gt 100 ] && { cat "$tmp/sim.err" >&2; exit 1; }
	sleep 0.1
done
export KUBECONFIG="$tmp/kubeconfig" AILAB_QUEUE_DB="$tmp/queue.db"

grid "$tmp/fit.yaml" fit "$N" 1
"$AQ" --context bench -q submit "$tmp/fit.yaml" >/dev/null
echo "$N one-GPU jobs queued on $NODES nodes of 8 GPUs"

start=$(now)
"$AQ" --context admin sched --interval 1s >"$tmp/sched.out" 2>&1 &
SCHEDPID=$!
admitted=
while :; do
	a=$(count admitted running)
	if [ -z "$admitted" ] && [ "$a" -ge "$N" ]; then
		admitted=$(now)
	fi
	[ "$(count running)" -ge "$N" ] && break
	sleep 0.2
done
running=$(now)
kill "$SCHEDPID"
wait "$SCHEDPID" || true
SCHEDPID=
python3 -c 'import sys
n, s, a, r = int(sys.argv[1]), *map(float, sys.argv[2:])
print("all admitted: %.2f s (%.0f jobs/s); all running: %.2f s (%.0f jobs/s)"
      % (a - s, n / (a - s), r - s, n / (r - s)))' "$N" "$start" "$admitted" \
    "$running"

# A pass over a large queue: M jobs of 8 GPUs that find no room (the N jobs
# spread over the nodes), reasons and positions stored for each.
grid "$tmp/wait.yaml" wait "$M" 8
"$AQ" --context bench -q submit "$tmp/wait.yaml" >/dev/null
start=$(now)
"$AQ" --context admin sched --once >"$tmp/once.out" 2>&1
end=$(now)
python3 -c 'import sys
n, m, s, e = int(sys.argv[1]), int(sys.argv[2]), *map(float, sys.argv[3:])
print("sched --once over %d queued + %d running jobs: %.2f s"
      % (m, n, e - s))' "$N" "$M" "$start" "$end"
echo "queued after the pass: $(count queued), running: $(count running)"
