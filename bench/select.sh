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
. "$(dirname "$0")/lib.sh"
export AILAB_QUEUE_DB="$tmp/q.db" AILAB_QUEUE_NAMESPACE=alice NO_COLOR=1
ME=$(id -un)

queue100k "$1"
echo "queue: $(sqlite3 "$AILAB_QUEUE_DB" "SELECT count(*) FROM jobs") jobs," \
    "$("$1" ls | tail -n +2 | wc -l) active"

# run NAME CMD...: rss_run into $tmp/NAME.  Exit 1 counts: an old binary
# refuses what it does not know, and that is shown as such.
run() {
	name=$1
	shift
	rss_run "$tmp/$name" "$@" || echo "$name: exit $?" >>"$tmp/errors"
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
		rss_summary '  %-10s median %5.0f ms (of %d), max RSS %.1f MiB' \
		    "$name" "$tmp/$b.$name"
	done
	b=$((b + 1))
done
[ -s "$tmp/errors" ] && sort "$tmp/errors" | uniq -c
exit 0
