#!/bin/sh
# bench/replay: the trace replay benchmark (bench/replay.py): a trace shaped
# like published GPU-cluster statistics, strict FIFO and EASY backfill
# simulated offline, and the trace replayed against ailab-kubesim with the
# real `ailab-queue sched` (docs/performance.md, "Trace replay").  Use an
# optimised build without sanitizers.
# Usage: bench/replay.sh [BUILD_DIR] [replay.py options]
#   bench/replay.sh /tmp/bopt --load 1.2 --seed 1
#   bench/replay.sh --offline-only --load 1.5 --seed 1    (no build needed)
# BUILD_DIR holds ailab-queue and ailab-kubesim (default: the source tree);
# `python3 bench/replay.py --help` lists the options.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
if [ $# -gt 0 ] && [ -d "$1" ]; then
	B=$1
	shift
	set -- --build "$B" "$@"
fi
exec python3 "$here/replay.py" "$@"
