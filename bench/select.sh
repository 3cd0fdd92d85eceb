#!/bin/sh
# bench/select: what a selection costs at size (issue 16).  Builds the
# queue bench/ls.sh builds (100,000 jobs in ten 10,000-job sweeps, 90,000
# of them ended) and times, for each binary given, alternating, ROUNDS
# times (default 5): `ls` (10,000 active), `ls -q`, `ls -n alice` and
# `ls --owner USER` (the store's namespace and owner filters), `ls --name
# 's9-1*'` (a glob the store narrows) and `ls --name 's9-[1]*'` (one only
# fnmatch decides), and `hold --group s9` then `release --group s9`
# (10,000 jobs selected, acted on and summed up).  Prints the median wall
# time and the largest max RSS (/usr/bin/time -v) of each.
# Usage: bench/select.sh BINARY...   Figures: docs/performance.md.
set -eu
[ $# -ge 1 ] || { echo "usage: bench/select.sh BINARY..." >&2; exit 2; }
ROUNDS=${ROUNDS:-5}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export AILAB_QUEUE_DB="$tmp/q.db" AILAB_QUEUE_NAMESPACE=alice NO_COLOR=1
ME=$(id -un)

axis=$(seq -s, 0 99)
g=0
while [ $g -lt 10 ]; do
	{
		printf 'name: s%d\ncommand: python train.py --a ${a} --b ${b}\n' $g
		printf 'gpu: {type: RTX4090D, count: 1}\nsweep:\n  grid:\n'
		printf '    a: [%s]\n    b: [%s]\n' "$axis" "$axis"
	} >"$tmp/s$g.yaml"
	"$1" submit "$tmp/s$g.yaml" >/dev/null
	g=$((g + 1))
done
# The first nine sweeps ended an hour ago: a fixture written straight
# into the file, as bench/ls.sh does.
sqlite3 "$AILAB_QUEUE_DB" "UPDATE jobs SET state = 'succeeded',
    cleaned = 1, attempts = 1, started_at = submitted_at - 3600000,
    finished_at = submitted_at - 60000, run_gpu_type = 'RTX4090D'
    WHERE id <= 90000"
echo "queue: $(sqlite3 "$AILAB_QUEUE_DB" "SELECT count(*) FROM jobs") jobs," \
    "$("$1" ls | tail -n +2 | wc -l) active"

# run NAME CMD...: one timed run and one under /usr/bin/time -v, appended
# to $tmp/NAME as "seconds KiB".  Exit 1 counts: an old binary refuses
# what it does not know, and that is shown as such.
run() {
	name=$1
	shift
	t0=$(date +%s%N)
	"$@" >/dev/null 2>&1 || echo "$name: exit $?" >>"$tmp/errors"
	t1=$(date +%s%N)
	/usr/bin/time -v "$@" >/dev/null 2>"$tmp/time.out" || true
	k=$(awk -F': ' '/Maximum resident/ { print $2 }' "$tmp/time.out")
	echo "$(( (t1 - t0) / 1000 ))e-6 $k" >>"$tmp/$name"
}

r=0
while [ $r -lt "$ROUNDS" ]; do
	b=0
	for aq in "$@"; do
		run "$b.ls" "$aq" ls
		run "$b.ls-q" "$aq" ls -q
		run "$b.ls-n" "$aq" ls -n alice
		run "$b.ls-owner" "$aq" ls --owner "$ME"
		run "$b.ls-name" "$aq" ls --name 's9-1*'
		run "$b.ls-fnmatch" "$aq" ls --name 's9-[1]*'
		run "$b.hold" "$aq" hold --group s9
		run "$b.release" "$aq" release --group s9
		b=$((b + 1))
	done
	r=$((r + 1))
done
b=0
for aq in "$@"; do
	echo "$aq:"
	for name in ls ls-q ls-n ls-owner ls-name ls-fnmatch hold release; do
		python3 - "$name" "$tmp/$b.$name" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[2])]
s = statistics.median(float(r[0]) for r in rows)
k = max(int(r[1]) for r in rows)
print("  %-10s median %5.0f ms (of %d), max RSS %.1f MiB" %
      (sys.argv[1], s * 1000, len(rows), k / 1024))
PY
	done
	b=$((b + 1))
done
[ -s "$tmp/errors" ] && sort "$tmp/errors" | uniq -c
exit 0
