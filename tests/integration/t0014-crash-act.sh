#!/bin/sh
# Actions on a whole group (hold, release, cancel) killed (SIGKILL) at
# points along their run: every job is in the state its event log ends in,
# moved at most once by each run, the file passes SQLite's integrity
# check, and running the action again finishes the group.
. "$top_srcdir/tests/lib.sh"
plan 10

grid_sweep 50 100
check "submit a sweep of 5,000 jobs" aq submit "$TMP/sweep.yaml"

# consistent: 0 when every job's state is the one its last event names
# and the file is whole; otherwise prints what is wrong.
consistent() {
	[ "$(sq "PRAGMA integrity_check")" = ok ] || { echo "# integrity"; return 1; }
	n=$(sq "SELECT count(*) FROM jobs j WHERE j.state IS NOT (SELECT
	    e.to_state FROM events e WHERE e.job_id = j.id ORDER BY e.id DESC
	    LIMIT 1)")
	[ "$n" = 0 ] || { echo "# $n jobs not in their last event's state"; return 1; }
}

bad=0
for delay in 0.02 0.05 0.1 0.2 0.4; do
	kill_during "$delay" hold --group sw
	consistent || bad=$((bad + 1))
done
is "each killed hold left every job in its logged state" "$bad" 0
is "no job was held twice" \
    "$(sq "SELECT count(*) FROM (SELECT job_id FROM events WHERE to_state =
    'held' GROUP BY job_id HAVING count(*) > 1)")" 0
check "hold --group again" aq hold --group sw
is "every job is held" "$(sq "SELECT count(*) FROM jobs WHERE state = 'held'")" 5000
is "each held once, logged once" \
    "$(sq "SELECT count(DISTINCT job_id) || ' ' || count(*) FROM events WHERE
    to_state = 'held'")" "5000 5000"

bad=0
for delay in 0.05 0.2; do
	kill_during "$delay" release --group sw
	consistent || bad=$((bad + 1))
done
for delay in 0.05 0.2; do
	kill_during "$delay" cancel --group sw
	consistent || bad=$((bad + 1))
done
is "each killed release and cancel left every job in its logged state" "$bad" 0
aq cancel --group sw >/dev/null 2>&1
is "cancel --group again: every job cancelled" \
    "$(sq "SELECT count(*) FROM jobs WHERE state = 'cancelled'")" 5000
is "each cancelled once" \
    "$(sq "SELECT count(*) FROM events WHERE to_state = 'cancelled'")" 5000
is "the queue lists no active job" "$(aq ls -q | wc -l | tr -d ' ')" 0
finish
