# Shared by the scheduler's benchmarks (sched-*.sh, sourced after they set
# AQ and SIM) and the simulator's (kubesim-*.sh): a private directory,
# cleanup of what they start, a simulator started on a free port, a sweep
# writer and a simulated cluster of RTX4090D nodes.

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

# sim_start KUBESIM ARGS...: KUBESIM on a free loopback port with ARGS, its
# output in $tmp/sim.out and sim.err; sets SIMPID and SIM_URL once it
# listens, or exits with its errors if it stops first.
sim_start() {
	_sim=$1
	shift
	: >"$tmp/sim.out"
	"$_sim" --listen 127.0.0.1:0 "$@" >"$tmp/sim.out" 2>"$tmp/sim.err" &
	SIMPID=$!
	until grep -q '^url ' "$tmp/sim.out"; do
		kill -0 "$SIMPID" 2>/dev/null || { cat "$tmp/sim.err" >&2; exit 1; }
		sleep 0.05
	done
	SIM_URL=$(sed -n 's/^url //p' "$tmp/sim.out")
}

# grid FILE NAME COUNT GPUS: a sweep of COUNT jobs of GPUS RTX4090D GPUs.
grid() {
	{
		printf 'name: %s\ncommand: python train.py --i ${i}\n' "$2"
		printf 'gpu: {type: RTX4090D, count: %d}\n' "$4"
		printf 'resources: {cpu: 1, memory: 1Gi}\ntimeout: 24h\n'
		printf 'annotations:\n  ailab-kubesim.io/duration: forever\n'
		printf 'sweep:\n  grid:\n    i: [%s]\n' "$(seq -s, 1 "$3")"
	} >"$1"
}

# start_cluster NODES: ailab-kubesim (--speed 10) with NODES nodes of 8
# RTX4090D GPUs and a namespace 'bench' whose quota never binds; exports
# KUBECONFIG (contexts bench and admin) and a fresh AILAB_QUEUE_DB.
# SIM_ARGS adds options to the simulator's command line (-vv: a line per
# request in $tmp/sim.err).
start_cluster() {
	cat >"$tmp/cluster.yaml" <<EOT
nodeGroups:
- {count: $1, namePrefix: n-, gpu: NVIDIA-GeForce-RTX-4090-D, gpuCount: 8,
   gpuFamily: ada-lovelace, computeMajor: 8, computeMinor: 9, cpu: '128',
   memory: 1Ti, labels: {gpu-model: RTX4090D}}
defaultClaims:                  # ailab's standing claims, which every job mounts
- {namePrefix: pvc-nfshome-, storageClassName: nfs-users, storage: 2T}
- {namePrefix: gfs-sata-pvc-, storageClassName: kadalu.gfs-sata-users,
   storage: 10T}
- {namePrefix: gfs-sata-share-pvc-, storageClassName: kadalu.gfs-sata-share,
   storage: 10T}
- {namePrefix: gfs-nvme-pvc-share-, storageClassName: kadalu.gfs-nvme-share,
   storage: 1T}
namespaces:
- name: default
- name: bench
  quota: {requests.nvidia.com/gpu: '10000000', pods: '10000000'}
users:
- {name: bench, token: bench-token, groups: [students], namespaces: [bench]}
- {name: admin, token: admin-token, groups: ["system:masters"], admin: true}
EOT
	# shellcheck disable=SC2086
	sim_start "$SIM" --cluster "$tmp/cluster.yaml" --speed 10 \
	    --pod-default=after-exit=idle \
	    --pod-default='termination-message=ailab-queue-exit=$(EXIT_CODE)' \
	    --pod-default=exit-codes-label=ailab-queue.io/attempt \
	    ${SIM_ARGS:-} --kubeconfig-out "$tmp/kubeconfig"
	export KUBECONFIG="$tmp/kubeconfig" AILAB_QUEUE_DB="$tmp/queue.db"
}
