#!/bin/sh
# bench/sweep: the CPU of one `ailab-queue submit` of a 10,000-job sweep
# (the 100 x 100 grid of bench/submit.sh) into a fresh queue, for every
# binary given, alternating (so a changing machine load falls on all of
# them alike): ROUNDS rounds (default 5) of RUNS submits each (default 5),
# CPU from `perf stat -e task-clock` (user + system from /usr/bin/time
# without perf), then RUNS more for the wall time (`date +%s%N` around
# the submit alone: the issue's bar), and max RSS from /usr/bin/time.
# After the last submit of a round, the CPU of `ls` on that queue as the
# sweep left it (`perf stat -r 5`), which reads whatever the sweep left
# in the WAL. Prints, per binary, the median of each round, the median of
# those, the best run, for CPU and wall, the largest RSS and the median
# `ls`, the size of the queue file (and of its WAL) the sweep left, with
# the load average before and after. CALLGRIND=1 adds the
# user-space instructions of one submit (valgrind --tool=callgrind).
# Usage: bench/sweep.sh BINARY...   Figures: docs/performance.md.
set -eu
[ $# -ge 1 ] || { echo "usage: bench/sweep.sh BINARY..." >&2; exit 2; }
ROUNDS=${ROUNDS:-5}
RUNS=${RUNS:-5}
. "$(dirname "$0")/lib.sh"
export AILAB_QUEUE_NAMESPACE=alice
sweep100 "$tmp/sweep.yaml" sweep

# cpu BINARY: one submit's CPU in ms on stdout, its max RSS (KiB) to rss.N.
cpu() {
	fresh "$1"
	if command -v perf >/dev/null 2>&1; then
		perf stat -x, -e task-clock "$1" submit "$tmp/sweep.yaml" \
		    2>"$tmp/perf.out" >/dev/null
		awk -F, '/task-clock/ { print $1 }' "$tmp/perf.out"
	else
		/usr/bin/time -f '%U %S' "$1" submit "$tmp/sweep.yaml" \
		    2>"$tmp/time.out" >/dev/null
		awk '{ print ($1 + $2) * 1000 }' "$tmp/time.out"
	fi
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
r=0
while [ $r -lt "$ROUNDS" ]; do
	b=0
	for aq in "$@"; do
		k=0
		while [ $k -lt "$RUNS" ]; do
			cpu "$aq" >>"$tmp/run.$b.$r"
			k=$((k + 1))
		done
		k=0
		while [ $k -lt "$RUNS" ]; do
			fresh "$aq"
			timed "$tmp/wall.$b.$r" 1 "$aq" submit "$tmp/sweep.yaml"
			k=$((k + 1))
		done
		fresh "$aq"
		/usr/bin/time -f %M "$aq" submit "$tmp/sweep.yaml" \
		    2>>"$tmp/rss.$b" >/dev/null
		cat "$tmp/q.db" "$tmp/q.db-wal" 2>/dev/null | wc -c \
		    >"$tmp/bytes.$b"
		if command -v perf >/dev/null 2>&1; then
			perf stat -x, -r 5 -e task-clock "$aq" ls \
			    2>"$tmp/perf.out" >/dev/null
			awk -F, '/task-clock/ { print $1 }' "$tmp/perf.out" \
			    >>"$tmp/ls.$b"
		fi
		[ "$("$aq" ls | tail -n +2 | wc -l)" -eq 10000 ]
		b=$((b + 1))
	done
	r=$((r + 1))
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "${CALLGRIND:-0}" = 1 ]; then
	b=0
	for aq in "$@"; do
		fresh "$aq"
		valgrind --tool=callgrind --callgrind-out-file=/dev/null "$aq" \
		    submit "$tmp/sweep.yaml" 2>&1 >/dev/null |
		    awk '/Collected/ { print $NF }' >"$tmp/ir.$b"
		b=$((b + 1))
	done
fi

python3 - "$tmp" "$ROUNDS" "$@" <<'PY'
import os, statistics, sys
d, rounds, bins = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
# rounds NAME SCALE: the median of each round, their median and the best.
def rounds_of(b, name, scale):
    meds, best = [], None
    for r in range(rounds):
        v = [float(l) / scale
             for l in open(os.path.join(d, "%s.%d.%d" % (name, b, r)))]
        meds.append(statistics.median(v))
        best = min(v) if best is None else min(best, min(v))
    return ("median of each round %s ms; median %.1f ms, best %.1f ms" % (
        ", ".join("%.1f" % m for m in meds), statistics.median(meds), best))
for b, aq in enumerate(bins):
    rss = max(int(l) for l in open(os.path.join(d, "rss.%d" % b)))
    line = ("%s: a 10,000-job sweep submit, CPU %s; wall %s; max RSS "
            "%.1f MiB" % (aq, rounds_of(b, "run", 1), rounds_of(b, "wall",
                                                              1000),
                          rss / 1024))
    line += "; queue file %.0f KiB" % (
        int(open(os.path.join(d, "bytes.%d" % b)).read()) / 1024)
    p = os.path.join(d, "ls.%d" % b)
    if os.path.exists(p):
        line += "; ls after it, CPU median %.1f ms" % statistics.median(
            float(l) for l in open(p))
    p = os.path.join(d, "ir.%d" % b)
    if os.path.exists(p):
        line += "; %.1f M instructions" % (
            int(open(p).read().replace(",", "")) / 1e6)
    print(line)
PY
