#!/bin/sh
# 20 processes submitting 100 jobs each at once: 2000 jobs, unique ids.
# First use: 20 processes submitting at once to a queue that does not exist
# yet, 10 times over: every job recorded, no error.
. "$top_srcdir/tests/lib.sh"
plan 8

printf 'name: c\ncommand: "true"\n' >"$TMP/one.yaml"
aq ls >/dev/null 2>&1    # create the database once, as a first user would
pids=
for i in $(seq 0 19); do
	(
		errs=0
		for n in $(seq 1 100); do
			aq submit "$TMP/one.yaml" >>"$TMP/ids.$i" 2>>"$TMP/errs" ||
			    errs=$((errs + 1))
		done
		exit $errs
	) &
	pids="$pids $!"
done
failed=0
for p in $pids; do
	wait "$p" || failed=$((failed + 1))
done
is "no submitting process saw an error" "$failed" 0
is "nothing was printed on stderr" "$(wc -c <"$TMP/errs" | tr -d ' ')" 0
cat "$TMP"/ids.* | sort -n >"$TMP/all"
is "2000 ids were printed, all unique" "$(sort -u "$TMP/all" | wc -l | tr -d ' ')" 2000
is "2000 jobs are recorded" "$(aq ls -o json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" 2000

# The database (and its directory) made by whichever of 20 submits comes
# first, the others finding it whole.
lost=0
errs=0
for trial in $(seq 1 10); do
	db="$TMP/first$trial/queue.db"
	pids=
	for i in $(seq 1 20); do
		aq --db "$db" submit "$TMP/one.yaml" >/dev/null 2>>"$TMP/first.err" &
		pids="$pids $!"
	done
	for p in $pids; do
		wait "$p" || errs=$((errs + 1))
	done
	n=$(aq --db "$db" ls -o json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
	lost=$((lost + 20 - n))
done
is "first use: no submit failed in 10 trials of 20" "$errs" 0
is "first use: nothing printed on stderr" "$(wc -c <"$TMP/first.err" | tr -d ' ')" 0
is "first use: all 200 jobs recorded" "$lost" 0
is "first use: the database is 0600" "$(stat -c %a "$TMP/first1/queue.db")" 600
if [ -s "$TMP/first.err" ]; then sed 's/^/# /' "$TMP/first.err" | sort | uniq -c | head -n 5; fi
finish
