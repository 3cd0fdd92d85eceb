#!/bin/sh
# The resync is spread over the passes: each follows a slice of the
# running jobs, by id, so that every one is followed within 15 intervals
# and no pass follows them all (t0423: with fewer than 16 running, all
# at once).  On a roomy cluster (ailab-kubesim at --speed 10), 16
# one-GPU jobs of a sweep run for ever in ml101 (ids 1-16) and "short"
# (id 17) for 120 simulated seconds, under one `sched -v --interval 0.5s`
# run by gdb, which drops every change event of job 17 in the scheduler's
# cache (struck off the list each follow takes): the end of its pod is
# in the cache, but nothing tells a pass to look.  Asserted on the queue
# and the simulated cluster: "short" ends succeeded and its objects are
# deleted, the 16 others run; on the scheduler's log: the pass that ended
# "short" followed it for the resync's slice, no pass once the jobs run
# steady follows every running job, and every running job is in a slice
# within 15 intervals (plus the longest gap between two passes) of its
# last.
. "$top_srcdir/tests/lib.sh"
plan 7
need_gdb

bail_unless start_kubesim --cluster "$FIXTURES/sim-roomy.yaml" --speed 10
spec_file many namespace=ml101 timeout= duration=forever sweep=16
aq --context alice submit -q "$TMP/many.yaml" >/dev/null
spec_file short timeout= duration=120s
aq --context alice submit -q "$TMP/short.yaml" >/dev/null

# At the start of each follow, job 17 is struck off the cache's list of
# the jobs whose objects changed (id 0 is no job).
cat >"$TMP/gdb.cmds" <<'EOT'
set confirm off
set pagination off
python
class Drop(gdb.Breakpoint):
    def stop(self):
        cc = gdb.parse_and_eval("loop->cc")
        for i in range(int(cc["nchanged"])):
            if int(cc["changed"][i]) == 17:
                gdb.execute("set var loop->cc->changed[%d] = 0" % i)
        return False
Drop("sched_follow")
end
run
EOT
sched_under_gdb "$TMP/gdb.cmds" --context alice -v sched --interval 0.5s

ok_within "the 17 jobs run" 90 jobs_running 17
ok_within "the short job is followed to its end (succeeded), no event told" \
    120 job_state_is 17 succeeded
ok_within "its objects are deleted (simulator's state)" 60 job_gone 17
check "the 16 others run" jobs_running 16
case "$(sched_ended_by 17 'succeeded')" in
"changed or due; resync slice: "*) r=0 ;;
*) r=1; echo "# ended by: $(sched_ended_by 17 'succeeded')" ;;
esac
ok "the pass that ended it followed it for the resync's slice" $r
# Two whole periods (7.5 s each) after that, the log read from the first
# pass that found every running job steady (followed none of them).
sleep 16
awk '/pass: follow: 0 of 1[67] running jobs followed/ { steady = 1 }
steady && /pass: follow: / && ($6 == $8 || /\(all: /) { bad++; print "# " $0 }
steady && /resync slice: / { n++ }
END { exit steady && !bad && n >= 4 ? 0 : 1 }' "$TMP/sched.out"
ok "no pass of the steady run follows every running job" $?
# When each running job was in a slice: no gap longer than 15 intervals
# and the longest gap between two passes (a slice is only taken by a
# pass), and each of the 16 seen at least twice.
python3 - "$TMP/sched.out" >"$TMP/gaps" <<'EOT'
import re, sys
from datetime import datetime
def t(line):
    return datetime.strptime(line[:23], "%Y-%m-%dT%H:%M:%S.%f").timestamp()
seen = {i: [] for i in range(1, 17)}
passes, steady = [], False
for line in open(sys.argv[1]):
    if "pass: follow: " not in line:
        continue
    if re.search(r"follow: 0 of 1[67] running", line):
        steady = True
    if not steady:
        continue
    passes.append(t(line))
    m = re.search(r"resync slice: \d+ of \d+, ids (\d+)-(\d+)(, round)?", line)
    if not m:
        continue
    lo, hi, rnd = int(m.group(1)), int(m.group(2)), m.group(3)
    for i in seen:
        if (rnd and (i >= lo or i <= hi)) or (not rnd and lo <= i <= hi):
            seen[i].append(t(line))
gap = max(b - a for a, b in zip(passes, passes[1:]))
worst = max(max(b - a for a, b in zip(v, v[1:])) if len(v) > 1 else 1e9
            for v in seen.values())
print("longest gap between passes %.2f s, between slices of a job %.2f s"
      % (gap, worst))
sys.exit(0 if worst <= 15 * 0.5 + gap + 0.1 else 1)
EOT
r=$?
sed 's/^/# /' "$TMP/gaps"
ok "every running job is followed within 15 intervals of its last" $r
kill "$INFERIOR" 2>/dev/null
wait "$SCHED" 2>/dev/null
finish
