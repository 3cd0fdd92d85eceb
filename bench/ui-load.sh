#!/bin/sh
# bench/ui-load: how long the dashboard's queue page takes to load with
# JOBS jobs (default 10,000) in the queue, in headless Chromium (the
# browser's own performance timing, read through python3-selenium): from
# navigation start to the DOM ready, to the list drawn, and to the main
# thread free again (docs/performance.md, "Dashboard").  Needs chromium,
# chromium-driver and python3-selenium (setup.sh); use an optimized build
# without sanitizers.
# Usage: bench/ui-load.sh [BUILD_DIR] [JOBS] [RUNS]
set -eu
B=${1:-.}
N=${2:-10000}
R=${3:-5}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
sim= srv=
trap 'kill $srv $sim 2>/dev/null; wait $srv $sim 2>/dev/null; rm -rf "$tmp"' EXIT

"$B/ailab-kubesim" --listen 127.0.0.1:0 --kubeconfig-out "$tmp/kc" \
    --pod-default=after-exit=idle \
    --pod-default='termination-message=ailab-queue-exit=$(EXIT_CODE)' \
    --pod-default=exit-codes-label=ailab-queue.io/attempt \
    >"$tmp/sim.out" 2>&1 &
sim=$!
while ! grep -q '^url ' "$tmp/sim.out" 2>/dev/null; do sleep 0.1; done
export KUBECONFIG="$tmp/kc" AILAB_QUEUE_DB="$tmp/q.db"

"$B/ailab-queue" --context admin serve --listen 127.0.0.1:0 --no-schedule \
    --user-max-queued 0 --ui-dir "$here/../ui" \
    >"$tmp/serve.out" 2>"$tmp/serve.err" &
srv=$!
while ! grep -q '^url ' "$tmp/serve.out" 2>/dev/null; do sleep 0.1; done
url=$(sed -n 's/^url //p' "$tmp/serve.out")

# N jobs of alice, in sweeps of at most 10,000 (the server's bound).
left=$N
while [ "$left" -gt 0 ]; do
	n=$left
	[ "$n" -gt 10000 ] && n=10000
	printf 'name: load\nnamespace: alice\nimage: busybox\ncommand: [sh]\nsweep:\n  grid:\n    i: [%s]\n' \
	    "$(seq -s, 1 "$n")" >"$tmp/sweep.yaml"
	"$B/ailab-queue" --server "$url" submit "$tmp/sweep.yaml" >/dev/null
	left=$((left - n))
done
echo "jobs $("$B/ailab-queue" ls -o json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')"
/usr/bin/python3 "$here/ui-load.py" "$url" "$R" "$tmp"
