#!/bin/sh
# bench/sched-requests: the requests a running scheduler sends the API
# server per minute while nothing changes.  JOBS one-GPU jobs that run for
# ever are admitted on NODES nodes of 8 GPUs (ailab-kubesim at --speed 10)
# and all running; then, for SECONDS, every request the simulator serves
# is counted from its request log (-vv: one line per request), by what it
# is: watch streams opened, lists, the cluster's clock (GET /version), and
# anything else.  Twice: the scheduler as the admin (informed sight: every
# kind watched cluster-wide) and as the namespace's user (namespace-only
# sight for pods: those kinds watched in the namespace).
# Usage: [SIM=PATH] bench/sched-requests.sh [BUILDDIR [JOBS [NODES [SECONDS]]]]
# Defaults: . 1000 200 60.
set -eu
B=${1:-.}
JOBS=${2:-1000}
NODES=${3:-200}
SECS=${4:-60}
AQ="$B/ailab-queue"
SIM=${SIM:-$B/ailab-kubesim}
SIM_ARGS=-vv
. "$(dirname "$0")/lib.sh"

# window CONTEXT: runs the scheduler as CONTEXT, waits until every job
# runs and 15 s more (its first lists done), then counts SECS seconds of
# the simulator's request log.
window() {
	"$AQ" --context "$1" sched >"$tmp/sched-$1.out" 2>&1 &
	SCHEDPID=$!
	poll 3000 0.2 at_least "$JOBS" running ||
	    { tail "$tmp/sched-$1.out" >&2; exit 1; }
	sleep 15
	t0=$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)
	sleep "$SECS"
	t1=$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)
	sched_stop
	python3 - "$tmp/sim.err" "$t0" "$t1" "$SECS" "$1" <<'EOT'
import re, sys
log, t0, t1, secs, who = sys.argv[1], sys.argv[2], sys.argv[3], \
    float(sys.argv[4]), sys.argv[5]
kinds = {"watch": 0, "list": 0, "clock": 0, "other": 0}
other = {}
for line in open(log, errors="replace"):
    m = re.match(r"(\S+) ailab-kubesim debug: (\d+) (\S+)", line)
    if not m or not (t0 <= m.group(1) < t1) or m.group(3).startswith("/sim/"):
        continue
    uri = m.group(3)
    if "watch=1" in uri or "watch=true" in uri:
        kinds["watch"] += 1
    elif uri.startswith("/version"):
        kinds["clock"] += 1
    elif m.group(2) == "1":
        kinds["list"] += 1
    else:
        kinds["other"] += 1
        other[uri.split("?")[0]] = other.get(uri.split("?")[0], 0) + 1
n = sum(kinds.values())
print("%s: %d requests in %.0f s = %.1f a minute (%s)" % (
    who, n, secs, n * 60 / secs,
    ", ".join("%s %d" % kv for kv in kinds.items())))
for k, v in sorted(other.items(), key=lambda kv: -kv[1])[:5]:
    print("  other: %d %s" % (v, k))
EOT
}

start_cluster "$NODES"
grid "$tmp/run.yaml" run "$JOBS" 1
"$AQ" --context bench -q submit "$tmp/run.yaml" >/dev/null
echo "$JOBS one-GPU jobs that run for ever on $NODES nodes of 8 GPUs;" \
    "counting $SECS s of requests once all run"
window admin
window bench
