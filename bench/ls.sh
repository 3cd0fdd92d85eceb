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
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export AILAB_QUEUE_DB="$tmp/q.db" AILAB_QUEUE_NAMESPACE=alice NO_COLOR=1

axis=$(seq -s, 0 99)
g=0
while [ $g -lt 10 ]; do
	printf 'name: s%d\ncommand: python train.py --a ${a} --b ${b}\n' $g
	printf 'gpu: {type: RTX4090D, count: 1}\nsweep:\n  grid:\n'
	printf '    a: [%s]\n    b: [%s]\n' "$axis" "$axis"
	g=$((g + 1))
done >"$tmp/all.yaml"
# One file per sweep: a file holds at most 100,000 jobs, each its group.
python3 - "$tmp" <<'PY'
import sys
d = sys.argv[1]
docs = open(d + "/all.yaml").read().split("name: ")[1:]
for i, doc in enumerate(docs):
    open("%s/s%d.yaml" % (d, i), "w").write("name: " + doc)
PY
g=0
while [ $g -lt 10 ]; do
	"$AQ" submit "$tmp/s$g.yaml" >/dev/null
	g=$((g + 1))
done
# The first nine sweeps ran and ended an hour ago: a fixture written
# straight into the file, as bench/sched-pass.sh does, since running
# 90,000 jobs is not what is measured.
sqlite3 "$AILAB_QUEUE_DB" "UPDATE jobs SET state = 'succeeded',
    cleaned = 1, attempts = 1, started_at = submitted_at - 3600000,
    finished_at = submitted_at - 60000, run_gpu_type = 'RTX4090D'
    WHERE id <= 90000"
echo "queue: $(sqlite3 "$AILAB_QUEUE_DB" "SELECT count(*) FROM jobs") jobs," \
    "$("$AQ" ls | tail -n +2 | wc -l) active," \
    "$(du -k "$AILAB_QUEUE_DB" | cut -f1) KiB"

if [ "${SLURM:-0}" = 1 ]; then
	sbatch --hold --array=0-9999 --wrap true >/dev/null
fi

# run NAME CMD...: one run timed (nanoseconds from date, since time -v
# prints hundredths) and one under /usr/bin/time -v for its max RSS,
# appended to $tmp/NAME as "seconds KiB".
run() {
	name=$1
	shift
	t0=$(date +%s%N)
	"$@" >/dev/null
	t1=$(date +%s%N)
	/usr/bin/time -v "$@" >/dev/null 2>"$tmp/time.out"
	k=$(awk -F': ' '/Maximum resident/ { print $2 }' "$tmp/time.out")
	echo "$(( (t1 - t0) / 1000 ))e-6 $k" >>"$tmp/$name"
}

r=0
while [ $r -lt "$ROUNDS" ]; do
	run ls "$AQ" ls
	run ls-all "$AQ" ls --all
	run report "$AQ" report s9
	[ "${SLURM:-0}" = 1 ] && run squeue squeue -r
	r=$((r + 1))
done
for name in ls ls-all report squeue; do
	[ -s "$tmp/$name" ] || continue
	python3 - "$name" "$tmp/$name" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[2])]
s = statistics.median(float(r[0]) for r in rows)
k = max(int(r[1]) for r in rows)
print("%-8s median %4.0f ms (of %d), max RSS %.1f MiB" %
      (sys.argv[1], s * 1000, len(rows), k / 1024))
PY
done
