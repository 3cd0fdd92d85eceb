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
. "$(dirname "$0")/lib.sh"

# count STATE...: jobs in those states as `ls -o json` shows them.
count() {
	"$AQ" ls -o json | python3 -c 'import json, sys
d = json.load(sys.stdin)
print(sum(1 for j in d if j["state"] in sys.argv[1:]))' "$@"
}

start_cluster "$NODES"

grid "$tmp/fit.yaml" fit "$N" 1
"$AQ" --context bench -q submit "$tmp/fit.yaml" >/dev/null
echo "$N one-GPU jobs queued on $NODES nodes of 8 GPUs"

start=$(now)
"$AQ" --context admin sched --interval 1s >"$tmp/sched.out" 2>&1 &
SCHEDPID=$!
admit_wait "$N" "$tmp/sched.out"
sched_stop
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
echo "sched --once over $M queued + $N running jobs: $(since "$start" 2) s"
echo "queued after the pass: $(count queued), running: $(count running)"
