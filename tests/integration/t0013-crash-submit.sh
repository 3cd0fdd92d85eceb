#!/bin/sh
# A sweep submit killed (SIGKILL) at points along its run leaves the queue
# whole: all of the sweep or none of it, each job with its "submitted"
# event, the file passing SQLite's integrity check; and the ids a submit
# printed are in the queue even when it is killed right after printing.
. "$top_srcdir/tests/lib.sh"
plan 9

# 40 x 50 = 2,000 jobs: many statements of many rows, a shared spec.
grid_sweep 40 50
aq ls >/dev/null 2>&1    # the queue exists before the first kill

bad_count=0
bad_events=0
bad_integrity=0
bad_spec=0
for delay in 0.01 0.03 0.05 0.08 0.12 0.2 0.3 0.5; do
	kill_during "$delay" submit "$TMP/sweep.yaml"
	jobs=$(sq "SELECT count(*) FROM jobs")
	[ $((jobs % 2000)) -eq 0 ] || bad_count=$((bad_count + 1))
	[ "$(sq "SELECT count(*) FROM events WHERE reason = 'submitted'")" = \
	    "$jobs" ] || bad_events=$((bad_events + 1))
	[ "$(sq "PRAGMA integrity_check")" = ok ] ||
	    bad_integrity=$((bad_integrity + 1))
	# Every job's whole spec reads back (its shared text and its own).
	[ "$(sq "SELECT count(*) FROM jobs j WHERE json_valid(
	    CASE WHEN j.spec_base IS NULL THEN j.spec ELSE (SELECT substr(
	    b.spec, 1, j.spec_prefix) FROM specs b WHERE b.id = j.spec_base)
	    || j.spec END)")" = "$jobs" ] || bad_spec=$((bad_spec + 1))
done
echo "# jobs after 8 kills: $(sq "SELECT count(*) FROM jobs") (2,000 a submit that finished)"
is "each kill left whole sweeps only" "$bad_count" 0
is "each job has its submitted event" "$bad_events" 0
is "the file passed the integrity check after each kill" "$bad_integrity" 0
is "every job's spec reads back whole" "$bad_spec" 0

# Killed as soon as it prints: every printed id is in the queue.
before=$(sq "SELECT count(*) FROM jobs")
"$AILAB_QUEUE" submit "$TMP/sweep.yaml" >"$TMP/ids" 2>/dev/null &
pid=$!
wait_for 30 test -s "$TMP/ids"
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
first=$(head -n 1 "$TMP/ids")
is "the killed submit printed an id" "$(echo "$first" | grep -c '^[0-9][0-9]*$')" 1
is "the whole sweep is queued" "$(sq "SELECT count(*) FROM jobs")" \
    $((before + 2000))
is "the printed ids are its jobs" \
    "$(sq "SELECT count(*) FROM jobs WHERE id >= $first AND id < $first + 2000")" \
    2000

# The queue still takes work: a new submit after the kills.
check "a submit after the kills" aq submit "$TMP/sweep.yaml"
is "its ids follow the others'" "$(head -n 1 "$TMP/out")" \
    "$(($(sq "SELECT max(id) FROM jobs") - 1999))"
finish
