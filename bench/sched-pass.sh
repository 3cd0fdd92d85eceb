#!/bin/sh
# bench/sched-pass: one whole scheduling pass at scale against ailab-kubesim,
# and jobs admitted per second end to end.
#  1. Fill: FILL jobs of 8 RTX4090D GPUs that run for ever (one per node
#     when FILL = NODES; one GPU each when FILL > NODES) are queued on
#     NODES 8-GPU nodes and `ailab-queue sched` runs (with --qps QPS) until
#     every one is admitted; then until every one is running.  Prints jobs
#     admitted per second.
#  2. Pass: M jobs that find no room (8 GPUs each, the nodes full) are
#     queued behind them and `sched --once -v` runs one pass; its log lines
#     "pass: ..." give the phases (store read, cluster lists, snapshot,
#     policy, reasons written).  Two more passes of a long-running loop
#     (`sched -v`) show the same with the loop's caches warm.
# Usage: [SIM=PATH] bench/sched-pass.sh [BUILDDIR [NODES [FILL [M [QPS]]]]]
# Defaults: . 5000 5000 100000 2000.  PERF=1 records `perf record -g` of
# the --once pass into $PERF_OUT (default /tmp/sched-pass.perf.data).
# SIM picks another ailab-kubesim binary than BUILDDIR's.
set -eu
B=${1:-.}
NODES=${2:-5000}
FILL=${3:-$NODES}
M=${4:-100000}
QPS=${5:-2000}
AQ="$B/ailab-queue"
SIM=${SIM:-$B/ailab-kubesim}
. "$(dirname "$0")/lib.sh"

start_cluster "$NODES"

if [ "$FILL" -gt 0 ]; then
	FG=8
	[ "$FILL" -gt "$NODES" ] && FG=1
	grid "$tmp/fill.yaml" fill "$FILL" "$FG"
	"$AQ" --context bench -q submit "$tmp/fill.yaml" >/dev/null
	echo "$FILL jobs of $FG GPUs queued on $NODES nodes of 8 GPUs"
	start=$(now)
	"$AQ" --context admin --qps "$QPS" -v sched --interval 1s \
	    >"$tmp/fill.out" 2>&1 &
	SCHEDPID=$!
	admit_wait "$FILL" "$tmp/fill.out"
	sched_stop
	python3 -c 'import sys
n, q, s, a, r = int(sys.argv[1]), sys.argv[2], *map(float, sys.argv[3:])
print("--qps %s: all admitted %.2f s (%.0f jobs/s); all running %.2f s "
      "(%.0f jobs/s)" % (q, a - s, n / (a - s), r - s, n / (r - s)))' \
	    "$FILL" "$QPS" "$start" "$admitted" "$running"
	echo "  the first pass of the loop:"
	grep 'pass:' "$tmp/fill.out" | head -n 2 | sed 's/^/    /'
fi

# The simulator's side of the lists a pass makes: each LIST timed with
# curl (first byte, last byte, size), the client's parsing excluded.
lst() {
	curl -s -o /dev/null -H 'Authorization: Bearer admin-token' \
	    -w "  LIST $1: first byte %{time_starttransfer} s, all %{time_total} s, %{size_download} bytes\n" \
	    "$SIM_URL$2"
}
echo "the simulator serving the lists of one pass:"
lst nodes /api/v1/nodes
lst 'pods (all namespaces)' \
    '/api/v1/pods?fieldSelector=status.phase!%3DSucceeded,status.phase!%3DFailed'
SEL='labelSelector=app.kubernetes.io%2Fmanaged-by%3Dailab-queue'
lst 'deployments (bench)' "/apis/apps/v1/namespaces/bench/deployments?$SEL"
lst 'services (bench)' "/api/v1/namespaces/bench/services?$SEL"
lst 'pods (bench)' "/api/v1/namespaces/bench/pods?$SEL"

grid "$tmp/wait.yaml" wait "$M" 8
start=$(now)
"$AQ" --context bench -q submit "$tmp/wait.yaml" >/dev/null
echo "submitted $M jobs in $(since "$start") s"
start=$(now)
if [ "${PERF:-0}" = 1 ]; then
	perf record -g -o "${PERF_OUT:-/tmp/sched-pass.perf.data}" -- \
	    "$AQ" --context admin --qps "$QPS" -v sched --once \
	    >"$tmp/once.out" 2>&1
else
	"$AQ" --context admin --qps "$QPS" -v sched --once >"$tmp/once.out" 2>&1
fi
echo "sched --once over $M queued + $FILL running jobs, $NODES nodes:" \
    "$(since "$start" 2) s"
grep 'pass:' "$tmp/once.out" | sed 's/^/  /'
echo "queued after the pass: $(count queued), running: $(count running)"

# A long-running loop: the first pass fills its caches, the next reuse them.
"$AQ" --context admin --qps "$QPS" -v sched --interval 1s \
    >"$tmp/loop.out" 2>&1 &
SCHEDPID=$!
three() { [ "$(grep -c 'pass:' "$tmp/loop.out" || true)" -ge 3 ]; }
poll 3000 0.1 three || true
sched_stop
echo "a long-running loop, its first three passes:"
grep "pass:" "$tmp/loop.out" | head -n 6 | sed 's/^/  /'
