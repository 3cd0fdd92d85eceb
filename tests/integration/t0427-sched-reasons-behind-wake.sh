#!/bin/sh
# A pass with thousands of reasons and places to write does not hold the
# next pass back.  The store takes them 1,000 a turn of the event loop
# (one transaction each); a scheduler that goes on ends its pass without
# waiting for them, so that a wake (a submission, a pod that ended)
# starts the next pass between two chunks, and that pass drops what is
# left and takes it again, from what the store was given so far.  On a
# roomy cluster (ailab-kubesim at --speed 10), "hog" (two replicas of 8
# GPUs) takes alice's quota of 16 and 8,000 one-GPU jobs of a sweep wait
# behind it, under one `sched -v --interval 1s` run by gdb, which makes
# three chunks written after their pass ended (its creates answered)
# take a second more, the first of them with at least 3,000 rows left;
# while it is being written, one more job is submitted.  Asserted on the
# scheduler's log: the pass the submission woke started before the
# earlier pass's reasons were all written, and wrote the rest; on the
# store: in the end every waiting job has its reason and a place of its
# own, 1 to 8,001 (none lost with what was dropped).
. "$top_srcdir/tests/lib.sh"
plan 5
need_gdb

bail_unless start_kubesim --cluster "$FIXTURES/sim-roomy.yaml" --speed 10
spec_file hog gpus=8 replicas=2 cpu=1 memory=4Gi timeout= duration=forever
spec_file many cpu=1 memory=4Gi timeout= duration=forever sweep=8000
spec_file late cpu=1 memory=4Gi timeout= duration=forever
aq --context alice -q submit "$TMP/hog.yaml" >/dev/null &&
    aq --context alice -q submit "$TMP/many.yaml" >/dev/null
ok "hog and 8,000 jobs behind it queued" $?

# Three chunks of 1,000 rows written once their pass has ended take a
# second more, the first with 3,000 rows or more left, which says so in
# $TMP/writing (two more chunks at least follow it).
cat >"$TMP/gdb.cmds" <<EOT
set confirm off
set pagination off
python
import time
class Slow(gdb.Breakpoint):
    hits = 0
    def stop(self):
        lp = "((struct sched_loop *)arg)->"
        left = int(gdb.parse_and_eval(lp + "nwr")) - \
            int(gdb.parse_and_eval(lp + "wr_next"))
        if int(gdb.parse_and_eval(lp + "in_pass")) or left < 1000 or \
                Slow.hits >= 3 or (Slow.hits == 0 and left < 3000):
            return False
        Slow.hits += 1
        if Slow.hits == 1:
            open("$TMP/writing", "w").close()
        time.sleep(1)
        return False
Slow("sched_reasons_cb")
end
run
EOT
sched_under_gdb "$TMP/gdb.cmds" --context alice -v sched --interval 1s

wait_for 120 test -f "$TMP/writing"
aq --context alice -q submit "$TMP/late.yaml" >/dev/null
ok "one more job submitted while a pass's reasons are written" $?

# places: the waiting jobs with a reason, and their distinct places from
# 1 up.
places() {
	sqlite3 "$AILAB_QUEUE_DB" "SELECT count(*), count(DISTINCT position),
	    min(position), max(position) FROM jobs WHERE state = 'queued' AND
	    reason != '' AND position > 0"
}
settled() { [ "$(places)" = "8001|8001|1|8001" ]; }
wait_for 120 settled
r=$?
[ $r = 0 ] || echo "# waiting jobs with a reason, places, first, last: $(places)"
ok "every waiting job has its reason and its own place, 1 to 8,001" $r
grep -q 'pass: reasons [0-9]* ms ([0-9]* of [1-9][0-9][0-9][0-9]* written, the rest left to the next pass)' \
    "$TMP/sched.out"
ok "a pass started while an earlier pass's reasons were written" $?
# The pass that took the rest, writing what was left and what the new
# job moved.
awk '/the rest left to the next pass/ { hit = 1; next }
hit && /pass: reasons [0-9]* ms \([0-9]* written\)/ { print $8; exit }' \
    "$TMP/sched.out" | sed 's/(//' >"$TMP/rest"
[ -s "$TMP/rest" ] && [ "$(cat "$TMP/rest")" -gt 0 ]
r=$?
echo "# rows the next pass wrote: $(cat "$TMP/rest")"
ok "the next pass wrote the rest" $r
kill "$INFERIOR" 2>/dev/null
wait "$SCHED" 2>/dev/null
finish
