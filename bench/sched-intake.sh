#!/bin/sh
# bench/sched-intake: the scheduler's side of N sequential one-job submits
# through its intake (issue 19): its CPU time per submit (utime + stime of
# /proc/PID/stat over the loop, and `perf stat -p` when perf is installed),
# the passes it made meanwhile (counted in its -v log), and the submits'
# wall time with the load average.  The namespace 'alice' has a quota of
# one GPU: the first job is admitted, the others wait, as in
# bench/submit-one.sh.  With QUEUE=K, a sweep of K jobs is queued first
# and given SETTLE seconds (default 8), so that every pass of the loop
# reads K jobs more.  For each binary given, in turn, ROUNDS times
# (default 1).
# Usage: N=300 QUEUE=0 bench/sched-intake.sh BINARY...
# Figures: docs/performance.md, "pass19".
set -eu
[ $# -ge 1 ] || { echo "usage: bench/sched-intake.sh BINARY..." >&2; exit 2; }
N=${N:-300}
QUEUE=${QUEUE:-0}
ROUNDS=${ROUNDS:-1}
SIM=${SIM:-$(dirname "$1")/ailab-kubesim}
. "$(dirname "$0")/lib.sh"
alice_sim "$SIM"
export AILAB_QUEUE_NAMESPACE=alice
export AILAB_QUEUE_DB="$tmp/q.db"
printf 'name: bench\ncommand: python train.py\ngpu: {type: RTX4090D, count: 1}\n' \
    >"$tmp/one.yaml"
printf 'name: sw\ncommand: python train.py --i ${i}\ngpu: {type: RTX4090D, count: 1}\nsweep:\n  grid:\n    i: [%s]\n' \
    "$(seq -s, 1 "$QUEUE")" >"$tmp/sw.yaml"

# cpu: the scheduler's CPU time so far, in clock ticks (of 10 ms).
cpu() { awk '{ print $14 + $15 }' "/proc/$SCHEDPID/stat"; }
passes() { grep -c 'pass: effects' "$tmp/sched.log" || true; }

# run AQ: one measured loop of N submits by AQ into a fresh queue.
run() {
	rm -f "$tmp/q.db" "$tmp/q.db-wal" "$tmp/q.db-shm"
	"$1" ls >/dev/null 2>&1 || true
	[ "$QUEUE" -eq 0 ] || "$1" -q submit "$tmp/sw.yaml" >/dev/null
	"$1" -v --context admin sched --interval 2s >"$tmp/sched.log" 2>&1 &
	SCHEDPID=$!
	until [ -S "$tmp/q.db.sock" ]; do
		kill -0 "$SCHEDPID" 2>/dev/null || { cat "$tmp/sched.log" >&2; exit 1; }
		sleep 0.05
	done
	sleep "$([ "$QUEUE" -eq 0 ] && echo 1 || echo "${SETTLE:-8}")"
	p0=$(passes)
	c0=$(cpu)
	pp=
	if command -v perf >/dev/null 2>&1; then
		perf stat -x, -e task-clock -p "$SCHEDPID" -o "$tmp/perf" &
		pp=$!
		sleep 0.2
	fi
	l0=$(cut -d' ' -f1 /proc/loadavg)
	t0=$(date +%s%N)
	i=0
	while [ $i -lt "$N" ]; do
		"$1" submit "$tmp/one.yaml" >/dev/null
		i=$((i + 1))
	done
	t1=$(date +%s%N)
	c1=$(cpu)
	p1=$(passes)
	tc=?
	if [ -n "$pp" ]; then
		kill -INT "$pp"
		wait "$pp" || true
		tc=$(awk -F, '$3 == "task-clock" { printf "%.0f", $1 * 1000 / n }' \
		    n="$N" "$tmp/perf")
	fi
	kill "$SCHEDPID"
	wait "$SCHEDPID" || true
	SCHEDPID=
	echo "$1: $N submits, queue of $QUEUE more: $(( (t1 - t0) / N / 1000 )) us each (load $l0 to $(cut -d' ' -f1 /proc/loadavg)); scheduler CPU $(( (c1 - c0) * 10000 / N )) us a submit (ticks), $tc us (perf task-clock); $((p1 - p0)) passes"
}

r=0
while [ $r -lt "$ROUNDS" ]; do
	for aq in "$@"; do
		run "$aq"
	done
	r=$((r + 1))
done
