#!/bin/sh
# bench/submit: the cost of queueing. Times N (default 1000) sequential
# `ailab-queue submit` runs of a one-job file, one submit of a file of
# 10,000 job documents, and one submit of a 10,000-job sweep (a 100 x 100
# grid), each on a fresh database, ROUNDS times (default 3), printing
# medians; the sweep's CPU time and max RSS come from /usr/bin/time -v. With SLURM=1
# and a running Slurm (bench/slurm/start.sh) each round also times N
# sequential `sbatch --hold --wrap true` and one `sbatch --hold
# --array=0-9999 --wrap true`, alternating with ours.
# Usage: bench/submit.sh [BINARY]   Figures: docs/performance.md.
set -eu
AQ=${1:-./ailab-queue}
N=${N:-1000}
ROUNDS=${ROUNDS:-3}
. "$(dirname "$0")/lib.sh"
export AILAB_QUEUE_NAMESPACE=alice

printf 'name: bench\ncommand: python train.py\ngpu: {type: RTX4090D, count: 1}\n' \
    >"$tmp/one.yaml"
i=0
while [ $i -lt 10000 ]; do
	[ $i -gt 0 ] && echo ---
	printf "name: j%d\ncommand: \"true\"\n" $i
	i=$((i + 1))
done >"$tmp/many.yaml"
sweep100 "$tmp/sweep.yaml" sweep

r=0
while [ $r -lt "$ROUNDS" ]; do
	fresh "$AQ" seq
	timed "$tmp/seq" "$N" "$AQ" submit "$tmp/one.yaml"
	[ "$("$AQ" ls | tail -n +2 | wc -l)" -eq "$N" ]

	fresh "$AQ" many
	timed "$tmp/many" 1 "$AQ" submit "$tmp/many.yaml"

	fresh "$AQ" sweep
	timed "$tmp/sweep" 1 "$AQ" submit "$tmp/sweep.yaml"
	[ "$("$AQ" ls | tail -n +2 | wc -l)" -eq 10000 ]
	fresh "$AQ" sweep
	/usr/bin/time -v "$AQ" submit "$tmp/sweep.yaml" >/dev/null \
	    2>"$tmp/time.out"
	awk -F': ' '/Maximum resident/ { print $2 }' "$tmp/time.out" \
	    >>"$tmp/sweep-rss"
	# CPU (user + system), which a loaded machine disturbs less than
	# the wall time.
	awk -F': ' '/User time|System time/ { s += $2 } END { print s }' \
	    "$tmp/time.out" >>"$tmp/sweep-cpu"

	if [ "${SLURM:-0}" = 1 ]; then
		timed "$tmp/sbatch" "$N" sbatch --hold --wrap true
		timed "$tmp/sbatch-array" 1 sbatch --hold --array=0-9999 \
		    --wrap true
		scancel --user="$(id -un)"
	fi
	r=$((r + 1))
done

python3 - "$tmp" "$N" <<'PY'
import os, statistics, sys
d, n = sys.argv[1], int(sys.argv[2])
def med(name):
    p = os.path.join(d, name)
    if not os.path.exists(p):
        return None
    v = [int(l) for l in open(p)]
    return statistics.median(v) / 1e6, len(v)
s, k = med("seq")
print("%d sequential submits of a one-job file: %.2f s, %.2f ms each, "
      "%.0f a second (median of %d)" % (n, s, s * 1000 / n, n / s, k))
s, k = med("many")
print("one submit of 10,000 documents: %.0f ms (median of %d)" % (s * 1e3, k))
s, k = med("sweep")
rss = max(int(l) for l in open(os.path.join(d, "sweep-rss")))
cpu = statistics.median(float(l) for l in open(os.path.join(d, "sweep-cpu")))
print("one submit of a 10,000-job sweep: %.0f ms (median of %d), "
      "CPU %.0f ms, max RSS %.1f MiB" % (s * 1e3, k, cpu * 1e3, rss / 1024))
if med("sbatch"):
    s, k = med("sbatch")
    print("%d sequential sbatch --hold --wrap true: %.2f s, %.2f ms each, "
          "%.0f a second (median of %d)" % (n, s, s * 1000 / n, n / s, k))
    s, k = med("sbatch-array")
    print("sbatch --hold --array=0-9999 --wrap true: %.0f ms (median of %d)"
          % (s * 1e3, k))
PY
