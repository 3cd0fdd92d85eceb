#!/bin/sh
# bench/ls: what reading the queue costs at size (issue 19). Builds a queue
# of 100,000 jobs (ten 10,000-job sweeps, 90,000 of them ended) and times
# `ls` (its 10,000 active jobs), `ls --all` (100,000) and `report` of one
# 10,000-job group, ROUNDS times each (default 5), printing the median
# wall time and the largest max RSS (/usr/bin/time -v). With SLURM=1 and a
# running Slurm (bench/slurm/start.sh) it also times `squeue -r` over a
# held 10,000-task array, alternating with ours.
# Usage: bench/ls.sh [BINARY]   Figures: docs/performance.md, issue 19.
set -eu
AQ=${1:-./ailab-queue}
ROUNDS=${ROUNDS:-5}
. "$(dirname "$0")/lib.sh"
export AILAB_QUEUE_DB="$tmp/q.db" AILAB_QUEUE_NAMESPACE=alice NO_COLOR=1

queue100k "$AQ"
echo "queue: $(sqlite3 "$AILAB_QUEUE_DB" "SELECT count(*) FROM jobs") jobs," \
    "$("$AQ" ls | tail -n +2 | wc -l) active," \
    "$(du -k "$AILAB_QUEUE_DB" | cut -f1) KiB"

if [ "${SLURM:-0}" = 1 ]; then
	sbatch --hold --array=0-9999 --wrap true >/dev/null
fi

r=0
while [ $r -lt "$ROUNDS" ]; do
	rss_run "$tmp/ls" "$AQ" ls
	rss_run "$tmp/ls-all" "$AQ" ls --all
	rss_run "$tmp/report" "$AQ" report s9
	[ "${SLURM:-0}" = 1 ] && rss_run "$tmp/squeue" squeue -r
	r=$((r + 1))
done
for name in ls ls-all report squeue; do
	[ -s "$tmp/$name" ] || continue
	rss_summary '%-8s median %4.0f ms (of %d), max RSS %.1f MiB' \
	    "$name" "$tmp/$name"
done
