#!/bin/sh
# bench/migrate8: what schema 8 (a waiting job's estimated start, issues
# 16/17) costs a queue that upgrades.  Builds bench/ls.sh's queue of
# 100,000 jobs (10,000 active, 1,000 of them with a reservation), turns a
# copy back into a version 7 file (no est_start, the old index of active
# jobs), then ROUNDS times (default 5): the first `ls` on a fresh copy of
# that file (which migrates it) and a second `ls`; medians in ms.  Needs
# the sqlite3 shell.  Usage: bench/migrate8.sh [BINARY]
set -eu
AQ=${1:-./ailab-queue}
ROUNDS=${ROUNDS:-5}
. "$(dirname "$0")/lib.sh"
export AILAB_QUEUE_DB="$tmp/q.db" AILAB_QUEUE_NAMESPACE=alice NO_COLOR=1

# bench/ls.sh's queue; of the last sweep, one job in ten reserved, the
# rest behind the backfill depth.  Then back to version 7, which only
# undoes what schema 8 added: a binary whose queue is past schema 8
# (store/store-db.c: 9 remade groups, 10 specs.refs) would re-run those
# on columns and tables already there, so it is refused (the figures in
# docs/performance.md come from a schema-8 build, before 98ccaa9).
AILAB_QUEUE_DB="$tmp/probe.db" "$AQ" ls >/dev/null 2>&1
v=$(sqlite3 "$tmp/probe.db" 'PRAGMA user_version')
if [ "$v" != 8 ]; then
	echo "bench/migrate8.sh: $AQ makes schema $v; this bench needs a" \
	    "schema-8 build (a commit before 98ccaa9)" >&2
	exit 2
fi
queue100k "$AQ"
sqlite3 "$AILAB_QUEUE_DB" \
    "UPDATE jobs SET reason = 'reserved on RTX4090D, expected start
    2026-12-05T00:00:00Z; ' WHERE id > 90000 AND id % 10 = 0;
UPDATE jobs SET reason = 'not tested this pass: backfill depth 1000
    reached behind job 90010''s reservation'
    WHERE id > 90000 AND id % 10 != 0;
DROP INDEX jobs_active;
ALTER TABLE jobs DROP COLUMN est_start;
CREATE INDEX jobs_active ON jobs(id, state, name, namespace, owner,
    group_id, reason, cancel_requested, priority, gpu_type, gpu_count,
    replicas, submitted_at)
    WHERE state IN ('queued','held','admitted','running');
PRAGMA user_version = 7;
VACUUM;"
cp "$AILAB_QUEUE_DB" "$tmp/v7.db"
export AILAB_QUEUE_DB="$tmp/m.db"

ms() { echo $(( ($2 - $1) / 1000000 )); }
r=0
while [ $r -lt "$ROUNDS" ]; do
	rm -f "$tmp"/m.db*
	cp "$tmp/v7.db" "$tmp/m.db"
	t0=$(ns)
	"$AQ" ls >/dev/null
	t1=$(ns)
	"$AQ" ls >/dev/null
	t2=$(ns)
	echo "$(ms "$t0" "$t1") $(ms "$t1" "$t2")" >>"$tmp/times"
	r=$((r + 1))
done
echo "version after: $(sqlite3 "$tmp/m.db" 'PRAGMA user_version')," \
    "reservation reasons emptied: $(sqlite3 "$tmp/m.db" "SELECT count(*)
    FROM jobs WHERE state = 'queued' AND reason = ''")"
python3 - "$tmp/times" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
print("first ls (migrates) median %d ms, next ls median %d ms (of %d)" % (
    statistics.median(int(r[0]) for r in rows),
    statistics.median(int(r[1]) for r in rows), len(rows)))
PY
