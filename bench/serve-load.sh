#!/bin/sh
# bench/serve-load: CLIENTS concurrent clients (default 50) each submit
# JOBS one-job specs (default 200) to `ailab-queue serve` against
# ailab-kubesim while the server's scheduler runs and `ailab-queue
# cleanup` runs every 5 s.  Checks that every job is recorded exactly once
# and that no request failed except 429s by design, then prints submit
# latency percentiles and the server's memory (docs/performance.md,
# "Shared queue server").  Use an optimized build without sanitizers.
# Usage: bench/serve-load.sh [BUILD_DIR] [CLIENTS] [JOBS]
set -eu
B=${1:-.}
C=${2:-50}
N=${3:-200}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
aq_sim "$B/ailab-kubesim" --speed 10
serve_start "$B/ailab-queue" --no-lease --rate 100 --burst 100 \
    --user-max-queued 0
url=$SERVE_URL

# Cleanup, as cron would run it, all through the load.
(while :; do
	"$B/ailab-queue" --context admin -q cleanup >/dev/null 2>&1 || true
	sleep 5
done) &
BGPID=$!

python3 "$here/serve-load.py" "$url" "$C" "$N" | tee "$tmp/load.out"
kill $BGPID 2>/dev/null
wait $BGPID 2>/dev/null || true
BGPID=
grep -E '^Vm(HWM|RSS)' "/proc/$SRVPID/status" | sed 's/^/server_/'

"$B/ailab-queue" ls --all -o json >"$tmp/ls.json"
python3 - "$tmp/ls.json" "$C" "$N" <<'EOT'
import json, sys
jobs = json.load(open(sys.argv[1]))
want = int(sys.argv[2]) * int(sys.argv[3])
names = [j["name"] for j in jobs]
ids = [j["id"] for j in jobs]
print("recorded %d (want %d), distinct names %d, distinct ids %d"
      % (len(jobs), want, len(set(names)), len(set(ids))))
states = {}
for j in jobs:
    states[j["state"]] = states.get(j["state"], 0) + 1
print("states %s" % json.dumps(states, sort_keys=True))
ok = len(jobs) == want and len(set(names)) == want and len(set(ids)) == want
sys.exit(0 if ok else 1)
EOT
grep -q '^failures 0$' "$tmp/load.out"
curl -s "$url/metrics" | grep -E '^ailab_queue_(passes_total|admissions_total|pass_duration)'
echo "ok: every job recorded exactly once, no failure but 429s"
