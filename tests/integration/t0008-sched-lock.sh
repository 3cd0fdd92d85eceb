#!/bin/sh
# One scheduler per queue, whatever name the database is opened by: a
# second scheduler through a symbolic link finds the lock held, one through
# a second hard link is refused; a submit through the link wakes the one
# that runs.
. "$top_srcdir/tests/lib.sh"
plan 9

bail_unless start_kubesim --cluster "$FIXTURES/sched-small.yaml"
printf 'name: w\ncommand: python train.py\nannotations: {ailab-kubesim.io/duration: 1m}\n' >"$TMP/w.yaml"
aq ls >/dev/null 2>&1
start_sched sched --interval 1h
ok_within "a scheduler runs and listens" 10 test -p "$AILAB_QUEUE_DB.wake"

ln -s "$AILAB_QUEUE_DB" "$TMP/sym.db"
fails "a second scheduler through a symbolic link: exit 1" 1 \
    timeout 20 "$AILAB_QUEUE" --db "$TMP/sym.db" sched --once
like "it names the one running" "$TMP/err" "another scheduler is running on .*sym.db \(pid $SCHED\)"

# A submit through the link reaches the running scheduler's FIFO: the job
# is admitted long before the hour's interval.
aq --db "$TMP/sym.db" submit "$TMP/w.yaml" >/dev/null
admitted() { aq ls | grep -q 'running\|admitted'; }
ok_within "a submit through the link wakes the scheduler" 10 admitted

mkdir "$TMP/other"
ln "$AILAB_QUEUE_DB" "$TMP/other/hard.db"
fails "a second scheduler through a hard link: exit 1" 1 \
    timeout 20 "$AILAB_QUEUE" --db "$TMP/other/hard.db" sched --once
like "it says the file has two names" "$TMP/err" "hard.db: the database file has 2 names \(hard links\)"
check "the first scheduler stops on SIGTERM" stop_sched
fails "with the hard link, no scheduler starts at all" 1 \
    timeout 20 "$AILAB_QUEUE" sched --once
rm "$TMP/other/hard.db"
check "without it, one starts again" timeout 60 "$AILAB_QUEUE" sched --once
finish
