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
. "$here/lib.sh"
aq_sim "$B/ailab-kubesim"
serve_start "$B/ailab-queue" --no-lease --no-schedule "$@"
python3 "$here/serve-stall.py" "$SERVE_URL"
