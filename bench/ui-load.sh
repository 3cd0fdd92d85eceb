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
. "$here/lib.sh"
aq_sim "$B/ailab-kubesim"
serve_start "$B/ailab-queue" --no-schedule --user-max-queued 0 \
    --ui-dir "$here/../ui"
url=$SERVE_URL

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
