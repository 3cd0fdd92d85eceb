#!/bin/sh
# 20 processes submitting 100 jobs each at once: 2000 jobs, unique ids.
. "$top_srcdir/tests/lib.sh"
plan 4

printf 'name: c\ncommand: "true"\n' >"$TMP/one.yaml"
aq ls >/dev/null 2>&1    # create the database once, as a first user would
i=0
pids=
while [ $i -lt 20 ]; do
	(
		n=0
		errs=0
		while [ $n -lt 100 ]; do
			aq submit "$TMP/one.yaml" >>"$TMP/ids.$i" 2>>"$TMP/errs" ||
			    errs=$((errs + 1))
			n=$((n + 1))
		done
		exit $errs
	) &
	pids="$pids $!"
	i=$((i + 1))
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
finish
