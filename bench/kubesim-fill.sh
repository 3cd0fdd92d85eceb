#!/bin/sh
# bench/kubesim-fill: what ailab-kubesim's CPU goes to while a cluster
# fills with jobs shaped like ailab-queue's multi-replica ones.  NODES
# nodes (node-0, node-1, ...; 8 GPUs, 256 CPUs), FOREIGN pods preloaded
# in namespace f (POST /sim/preload, 100m CPU each), then in namespace u
# JOBS headless Services whose selectors all share their keys
# (app.kubernetes.io/managed-by=ailab-queue, ailab-queue.io/queue=q(N%7),
# ailab-queue.io/job=N), and RANKS pods a job, each asking one GPU and
# pinned to its node by a kubernetes.io/hostname In node affinity, as
# ailab-queue places ranks (8/RANKS jobs to a node), created over 8
# connections (bench/sim-bench) and waited for until all are Running
# with their Endpoints written.  Prints the simulator's CPU time
# (utime+stime of /proc/PID/stat) and the wall clock of each phase.
# Usage: bench/kubesim-fill.sh [KUBESIM [SIM-BENCH [NODES [JOBS [FOREIGN
#        [RANKS]]]]]]   (from a build dir; defaults . . 1000 4000 20000 2;
#        JOBS * RANKS at most 8 * NODES, RANKS 1, 2, 4 or 8)
set -eu
SIM=${1:-./ailab-kubesim}
LOAD=${2:-./bench/sim-bench}
NODES=${3:-1000}
JOBS=${4:-4000}
FOREIGN=${5:-20000}
RANKS=${6:-2}
PER=$((8 / RANKS))	# jobs to a node
[ $((JOBS * RANKS)) -le $((8 * NODES)) ] || {
	echo "kubesim-fill: $JOBS jobs of $RANKS ranks need more than $NODES nodes" >&2
	exit 2
}
. "$(dirname "$0")/lib.sh"

{
	echo "nodeGroups:"
	echo "- gpu: NVIDIA-GeForce-RTX-4090"
	echo "  gpuCount: 8"
	echo "  cpu: '256'"
	echo "  memory: 2Ti"
	echo "  labels: {gpu-model: RTX4090}"
	echo "  names:"
	i=0
	while [ $i -lt "$NODES" ]; do
		echo "  - node-$i"
		i=$((i + 1))
	done
	echo "namespaces: [{name: f}, {name: u}]"
	echo "users:"
	echo "- {name: admin, token: admin-token, admin: true}"
} >"$tmp/cluster.yaml"

sim_start "$SIM" --cluster "$tmp/cluster.yaml" --speed 1000 --seed 1
url=$SIM_URL
port=$SIM_PORT
hz=$(getconf CLK_TCK)
# cpu: the simulator's user+system CPU seconds so far.
cpu() {
	awk -v hz="$hz" '{ sub(/^.*\) /, ""); printf "%.2f\n", ($12 + $13) / hz }' \
	    "/proc/$SIMPID/stat"
}
get() { curl -sf -H 'Authorization: Bearer admin-token' "$url$1"; }
# phase NAME: prints the CPU and wall clock since the last phase.
c0=$(cpu)
t0=$(now)
phase() {
	c1=$(cpu)
	t1=$(now)
	printf '%-44s sim cpu %7.2f s   wall %7.2f s   load %s\n' "$1" \
	    "$(echo "$c1 - $c0" | bc)" "$(echo "$t1 - $t0" | bc)" \
	    "$(cut -d' ' -f1 /proc/loadavg)"
	c0=$c1
	t0=$t1
}
phase "start ($NODES nodes)"

n=0
while [ $n -lt "$FOREIGN" ]; do
	k=$((FOREIGN - n > 10000 ? 10000 : FOREIGN - n))
	curl -sf -o /dev/null -H 'Authorization: Bearer admin-token' -d \
	    "{\"count\":$k,\"namespaces\":[\"f\"],\"namePrefix\":\"f-\",\"firstIndex\":$n}" \
	    "$url/sim/preload"
	n=$((n + k))
done
phase "preload $FOREIGN foreign pods"

sel='"app.kubernetes.io/managed-by":"ailab-queue","ailab-queue.io/queue":"q{n%7}","ailab-queue.io/job":"{n}"'
"$LOAD" 127.0.0.1 "$port" admin-token POST /api/v1/namespaces/u/services \
    "$JOBS" 8 "{\"metadata\":{\"name\":\"j{n}\",\"labels\":{$sel}},\"spec\":{\"clusterIP\":\"None\",\"publishNotReadyAddresses\":true,\"selector\":{$sel},\"ports\":[{\"name\":\"master\",\"port\":29500}]}}" \
    >"$tmp/svc"
phase "create $JOBS Services"

r=0
while [ $r -lt "$RANKS" ]; do
	"$LOAD" 127.0.0.1 "$port" admin-token POST /api/v1/namespaces/u/pods \
	    "$JOBS" 8 "{\"metadata\":{\"name\":\"j{n}-$r\",\"labels\":{$sel,\"ailab-queue.io/rank\":\"$r\"},\"annotations\":{\"ailab-kubesim.io/duration\":\"forever\"}},\"spec\":{\"hostname\":\"j{n}-$r\",\"subdomain\":\"j{n}\",\"affinity\":{\"nodeAffinity\":{\"requiredDuringSchedulingIgnoredDuringExecution\":{\"nodeSelectorTerms\":[{\"matchExpressions\":[{\"key\":\"gpu-model\",\"operator\":\"In\",\"values\":[\"RTX4090\"]},{\"key\":\"kubernetes.io/hostname\",\"operator\":\"In\",\"values\":[\"node-{n/$PER}\"]}]}]}}},\"containers\":[{\"name\":\"c\",\"image\":\"x\",\"ports\":[{\"containerPort\":29500}],\"resources\":{\"requests\":{\"cpu\":\"1\",\"memory\":\"1Gi\",\"nvidia.com/gpu\":\"1\"},\"limits\":{\"nvidia.com/gpu\":\"1\"}}}]}}" \
	    >"$tmp/pods.$r"
	r=$((r + 1))
done
phase "create $((JOBS * RANKS)) pinned pods"

while [ "$(not_in /api/v1/namespaces/u/pods Running)" -gt 0 ]; do sleep 1; done
phase "until all $((JOBS * RANKS)) Running"
# The last job's Endpoints list its ranks once the pass after the last
# start has run.
last=$((JOBS - 1))
while [ "$(get "/api/v1/namespaces/u/endpoints/j$last" | python3 -c \
    'import json,sys; d=json.load(sys.stdin); print(sum(len(s.get("addresses", [])) for s in d.get("subsets", [])))')" \
    -lt "$RANKS" ]; do
	sleep 0.2
done
phase "until the last Endpoints list its ranks"
get /api/v1/namespaces/u/pods >"$tmp/pods.json"
python3 - "$tmp/pods.json" "$PER" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); per = int(sys.argv[2])
bad = [p["metadata"]["name"] for p in d["items"]
       if p["spec"].get("nodeName") != "node-%d" % (int(p["metadata"]["labels"]["ailab-queue.io/job"]) // per)]
print("%d pods, %d off their pinned node" % (len(d["items"]), len(bad)))
PY
tail -n 2 "$tmp/pods.$((RANKS - 1))"
