#!/bin/sh
# bench/serve-stall: /healthz and another user's submissions while
# `ailab-queue serve` validates one pathological 1 MiB spec (issue 18,
# item 2; docs/performance.md, "One spec must not stall the server").
# Use an optimized build without sanitizers.
# Usage: bench/serve-stall.sh [BUILD_DIR] [SERVE OPTIONS...]
set -eu
B=${1:-.}
[ $# -gt 0 ] && shift
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

"$B/ailab-queue" --context admin serve --listen 127.0.0.1:0 --no-lease \
    --no-schedule "$@" >"$tmp/serve.out" 2>"$tmp/serve.err" &
srv=$!
while ! grep -q '^url ' "$tmp/serve.out" 2>/dev/null; do sleep 0.1; done
url=$(sed -n 's/^url //p' "$tmp/serve.out")
python3 "$here/serve-stall.py" "$url"
