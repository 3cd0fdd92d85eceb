# Shared by the benchmarks, sourced after they set their variables: a
# private directory $tmp, removed at exit with whatever they started
# (SIMPID, SCHEDPID, SRVPID, BGPID) stopped; ailab-kubesim and `ailab-queue
# serve` started on free ports; timing helpers, the jobs and the queues
# the measurements use, and a simulated cluster of RTX4090D nodes.

tmp=$(mktemp -d)
SIMPID=
SCHEDPID=
SRVPID=
BGPID=
cleanup() {
	for _p in $SCHEDPID $BGPID $SRVPID $SIMPID; do
		kill "$_p" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT PIPE TERM
. "$(dirname "$0")/../tests/lib/cluster.sh"

# now: seconds (with nanoseconds) for bc or python; ns: nanoseconds for
# the shell's arithmetic.
now() { date +%s.%N; }
ns() { date +%s%N; }
# since START [DIGITS]: the seconds from START (now's) until now, with
# DIGITS decimals (default 1).
since() { printf "%.${2:-1}f" "$(echo "$(now) - $1" | bc)"; }

# url_of NAME PID: the URL the program started as PID prints in
# $tmp/NAME.out once it listens; exits with $tmp/NAME.err if it stops
# first.
url_of() {
	until grep -q '^url ' "$tmp/$1.out"; do
		kill -0 "$2" 2>/dev/null || { cat "$tmp/$1.err" >&2; exit 1; }
		sleep 0.05
	done
	sed -n 's/^url //p' "$tmp/$1.out"
}

# sim_start KUBESIM ARGS...: KUBESIM on a free loopback port with ARGS, its
# output in $tmp/sim.out and sim.err and its kubeconfig in
# $tmp/kubeconfig; sets SIMPID, SIM_URL and SIM_PORT once it listens.
sim_start() {
	_sim=$1
	shift
	: >"$tmp/sim.out"
	"$_sim" --listen 127.0.0.1:0 --kubeconfig-out "$tmp/kubeconfig" "$@" \
	    >"$tmp/sim.out" 2>"$tmp/sim.err" &
	SIMPID=$!
	SIM_URL=$(url_of sim "$SIMPID")
	SIM_PORT=${SIM_URL##*:}
}

# alice_sim KUBESIM: sim_start on four 8-GPU RTX4090D nodes, where the
# namespace alice has a quota of one GPU (the first job runs, the others
# wait: what submit-one.sh and sched-intake.sh submit into); exports
# KUBECONFIG.
alice_sim() {
	rtx_cluster 4 128 1Ti >"$tmp/cluster.yaml" <<'EOT'
namespaces:
- name: default
- name: alice
  quota: {requests.nvidia.com/gpu: '1', pods: '100'}
users:
- {name: alice, token: alice-token, groups: [students], namespaces: [alice]}
- {name: admin, token: admin-token, groups: ["system:masters"], admin: true}
EOT
	sim_start "$1" --cluster "$tmp/cluster.yaml"
	export KUBECONFIG="$tmp/kubeconfig"
}

# not_in PODS PHASE: how many pods of the simulator's list PODS
# (/api/v1/pods or a namespace's) are not in PHASE.
not_in() {
	curl -s -H 'Authorization: Bearer admin-token' \
	    "$SIM_URL$1?fieldSelector=status.phase!%3D$2" |
	    python3 -c 'import json,sys; print(len(json.load(sys.stdin)["items"]))'
}

# aq_sim KUBESIM ARGS...: sim_start with the pod defaults ailab-queue's
# workloads expect (idle after exit, the exit marker in the termination
# message, exit codes by attempt); exports KUBECONFIG and a fresh
# AILAB_QUEUE_DB.
aq_sim() {
	_sim=$1
	shift
	sim_start "$_sim" --pod-default=after-exit=idle \
	    --pod-default='termination-message=ailab-queue-exit=$(EXIT_CODE)' \
	    --pod-default=exit-codes-label=ailab-queue.io/attempt "$@"
	export KUBECONFIG="$tmp/kubeconfig" AILAB_QUEUE_DB="$tmp/queue.db"
}

# serve_start AQ ARGS...: `AQ --context admin serve` on a free loopback
# port with ARGS, its output in $tmp/serve.out and serve.err; sets SRVPID
# and SERVE_URL once it listens.
serve_start() {
	_aq=$1
	shift
	"$_aq" --context admin serve --listen 127.0.0.1:0 "$@" \
	    >"$tmp/serve.out" 2>"$tmp/serve.err" &
	SRVPID=$!
	SERVE_URL=$(url_of serve "$SRVPID")
}

# at_least N STATE...: true once N jobs or more are in the STATEs.
at_least() {
	_n=$1
	shift
	[ "$(count "$@")" -ge "$_n" ]
}

# poll TRIES SECONDS CMD...: runs CMD until it succeeds, at most TRIES
# times SECONDS apart; false if it never does.
poll() {
	_tries=$1
	_pause=$2
	shift 2
	until "$@"; do
		_tries=$((_tries - 1))
		[ "$_tries" -gt 0 ] || return 1
		sleep "$_pause"
	done
}

# admit_wait N LOG: until N jobs are admitted or running ($admitted the
# time) and then all N running ($running); exits with the tail of LOG if
# the scheduler (SCHEDPID) stops first.
admit_wait() {
	admitted=
	while :; do
		if [ -z "$admitted" ] &&
		    [ "$(count admitted running)" -ge "$1" ]; then
			admitted=$(now)
		fi
		[ "$(count running)" -ge "$1" ] && break
		if ! kill -0 "$SCHEDPID" 2>/dev/null; then
			tail "$2" >&2
			exit 1
		fi
		sleep 0.2
	done
	running=$(now)
	# All may run between two looks at a small size.
	admitted=${admitted:-$running}
}

# sched_stop: stops the scheduler a benchmark started as SCHEDPID.
sched_stop() {
	kill "$SCHEDPID"
	wait "$SCHEDPID" || true
	SCHEDPID=
}

# count STATE...: the jobs of $AILAB_QUEUE_DB in any of the STATEs.
count() {
	sqlite3 "$AILAB_QUEUE_DB" "SELECT count(*) FROM jobs WHERE state IN
	    ($(printf "'%s'," "$@" | sed 's/,$//'))"
}

# fresh AQ [NAME]: a new empty queue $tmp/NAME.db (default q), made as a
# user's first command makes it, and exported as AILAB_QUEUE_DB.
fresh() {
	rm -f "$tmp/${2:-q}.db" "$tmp/${2:-q}.db-wal" "$tmp/${2:-q}.db-shm"
	export AILAB_QUEUE_DB="$tmp/${2:-q}.db"
	"$1" ls >/dev/null 2>&1 || true
}

# sweep100 FILE NAME: a 100 x 100 grid of one-GPU jobs (10,000), the
# queue benchmarks' sweep.
sweep100() {
	_axis=$(seq -s, 0 99)
	{
		printf 'name: %s\ncommand: python train.py --a ${a} --b ${b}\n' "$2"
		printf 'gpu: {type: RTX4090D, count: 1}\nsweep:\n  grid:\n'
		printf '    a: [%s]\n    b: [%s]\n' "$_axis" "$_axis"
	} >"$1"
}

# queue100k AQ: the queue of issue 19 in $AILAB_QUEUE_DB: ten 10,000-job
# sweeps s0 to s9, the first nine ended an hour ago (a fixture written
# straight into the file, since running 90,000 jobs is not what is
# measured).
queue100k() {
	_g=0
	while [ $_g -lt 10 ]; do
		sweep100 "$tmp/s$_g.yaml" "s$_g"
		"$1" submit "$tmp/s$_g.yaml" >/dev/null
		_g=$((_g + 1))
	done
	sqlite3 "$AILAB_QUEUE_DB" "UPDATE jobs SET state = 'succeeded',
	    cleaned = 1, attempts = 1, started_at = submitted_at - 3600000,
	    finished_at = submitted_at - 60000, run_gpu_type = 'RTX4090D'
	    WHERE id <= 90000"
}

# rss_run FILE CMD...: CMD run once timed (nanoseconds from date, since
# time -v prints hundredths) and once under /usr/bin/time -v for its max
# RSS, appended to FILE as "seconds KiB"; returns the timed run's status.
rss_run() {
	_f=$1
	shift
	_rc=0
	_t0=$(ns)
	"$@" >/dev/null 2>"$tmp/run.err" || _rc=$?
	_t1=$(ns)
	/usr/bin/time -v "$@" >/dev/null 2>"$tmp/time.out" || true
	echo "$(( (_t1 - _t0) / 1000 ))e-6 $(awk -F': ' \
	    '/Maximum resident/ { print $2 }' "$tmp/time.out")" >>"$_f"
	return $_rc
}

# rss_summary FORMAT NAME FILE: FORMAT (a name, the median in ms, the
# runs, the largest max RSS in MiB) over rss_run's FILE.
rss_summary() {
	python3 - "$@" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[3])]
s = statistics.median(float(r[0]) for r in rows)
k = max(int(r[1]) for r in rows)
print(sys.argv[1] % (sys.argv[2], s * 1000, len(rows), k / 1024))
PY
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
	rtx_cluster "$1" 128 1Ti >"$tmp/cluster.yaml" <<'EOT'
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
	aq_sim "$SIM" --cluster "$tmp/cluster.yaml" --speed 10 ${SIM_ARGS:-}
}

# timed FILE N CMD...: N sequential runs of CMD (its output dropped),
# their wall time in microseconds appended to FILE.
timed() {
	_f=$1
	_n=$2
	shift 2
	_t0=$(ns)
	_i=0
	while [ $_i -lt "$_n" ]; do
		"$@" >/dev/null
		_i=$((_i + 1))
	done
	echo $(( ($(ns) - _t0) / 1000 )) >>"$_f"
}
