#!/bin/sh
# bench/submit-one: the cost of one `ailab-queue submit` of a one-job file,
# the case a sweep driver calling the CLI in a loop pays. Each round times
# N (default 1000) sequential submits into a fresh queue for every binary
# given, in turn (so a changing machine load falls on all of them alike),
# and with SLURM=1 and a running Slurm (bench/slurm/start.sh) N sequential
# `sbatch --hold --wrap true` in the same round. Each round also times N
# runs of /bin/true from the same loop: the floor, what starting any
# process costs here, which no submit can beat. Then, per binary, CPU
# time and page faults of one submit (`perf stat -r`, when perf is
# installed). Prints medians over ROUNDS (default 3), the load average
# and, with SLURM=1, each binary's rate and the floor's against sbatch's.
# Usage: bench/submit-one.sh BINARY...   Figures: docs/performance.md.
set -eu
[ $# -ge 1 ] || { echo "usage: bench/submit-one.sh BINARY..." >&2; exit 2; }
N=${N:-1000}
ROUNDS=${ROUNDS:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export AILAB_QUEUE_NAMESPACE=alice

ns() { date +%s%N; }

printf 'name: bench\ncommand: python train.py\ngpu: {type: RTX4090D, count: 1}\n' \
    >"$tmp/one.yaml"

# fresh: a new empty queue for the next binary's run.
fresh() {
	rm -f "$tmp/q.db" "$tmp/q.db-wal" "$tmp/q.db-shm"
	export AILAB_QUEUE_DB="$tmp/q.db"
	"$1" ls >/dev/null 2>&1 || true
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
r=0
while [ $r -lt "$ROUNDS" ]; do
	b=0
	for aq in "$@"; do
		fresh "$aq"
		t0=$(ns)
		i=0
		while [ $i -lt "$N" ]; do
			"$aq" submit "$tmp/one.yaml" >/dev/null
			i=$((i + 1))
		done
		echo $(( ($(ns) - t0) / 1000 )) >>"$tmp/seq.$b"
		[ "$("$aq" ls | tail -n +2 | wc -l)" -eq "$N" ]
		b=$((b + 1))
	done
	t0=$(ns)
	i=0
	while [ $i -lt "$N" ]; do
		/bin/true >/dev/null
		i=$((i + 1))
	done
	echo $(( ($(ns) - t0) / 1000 )) >>"$tmp/floor"
	if [ "${SLURM:-0}" = 1 ]; then
		t0=$(ns)
		i=0
		while [ $i -lt "$N" ]; do
			sbatch --hold --wrap true >/dev/null
			i=$((i + 1))
		done
		echo $(( ($(ns) - t0) / 1000 )) >>"$tmp/sbatch"
		scancel --user="$(id -un)"
	fi
	r=$((r + 1))
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

b=0
for aq in "$@"; do
	if command -v perf >/dev/null 2>&1; then
		fresh "$aq"
		perf stat -x, -r 200 -e task-clock,page-faults "$aq" submit \
		    "$tmp/one.yaml" 2>"$tmp/perf.$b" >/dev/null
	fi
	b=$((b + 1))
done

python3 - "$tmp" "$N" "$@" <<'PY'
import os, statistics, sys
d, n, bins = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
def med(name):
    v = [int(l) for l in open(os.path.join(d, name))]
    return statistics.median(v) / 1e6, len(v)
sb = None
if os.path.exists(os.path.join(d, "sbatch")):
    sb, k = med("sbatch")
    print("%d sequential sbatch --hold --wrap true: %.2f s, %.2f ms each, "
          "%.0f a second (median of %d)" % (n, sb, sb * 1e3 / n, n / sb, k))
# rate: how many times sbatch's rate a loop of the same length reaches.
def rate(s):
    return "" if sb is None else "; %.2fx sbatch's rate" % (sb / s)
s, k = med("floor")
print("the floor, %d sequential /bin/true: %.2f s, %.2f ms each, %.0f a "
      "second (median of %d)%s" % (n, s, s * 1e3 / n, n / s, k, rate(s)))
for b, aq in enumerate(bins):
    s, k = med("seq.%d" % b)
    line = ("%s: %d sequential submits of a one-job file: %.2f s, %.2f ms "
            "each, %.0f a second (median of %d)" % (aq, n, s, s * 1e3 / n,
                                                   n / s, k))
    line += rate(s)
    p = os.path.join(d, "perf.%d" % b)
    if os.path.exists(p):
        f = {}
        for l in open(p):
            c = l.strip().split(",")
            if len(c) > 2:
                f[c[2]] = c[0]
        line += "; one submit: %s ms task-clock, %s page faults" % (
            f.get("task-clock", "?"), f.get("page-faults", "?"))
    print(line)
PY
