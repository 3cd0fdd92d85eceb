#!/bin/sh
# Timeouts, retries, logs that outlive their pods, class reports, wait.
. "$top_srcdir/tests/lib.sh"
plan 28

bail_unless start_kubesim --speed 600

cat >"$TMP/jobs.yaml" <<'YAML'
name: overdue
command: python train.py
gpu: {type: RTX4090D, count: 1}
timeout: 10m
annotations: {ailab-kubesim.io/duration: 2h}
---
name: flaky
command: python flaky.py
gpu: {type: RTX4090, count: 1}
retries: 2
annotations: {ailab-kubesim.io/exit-codes: "1,1,0", ailab-kubesim.io/duration: 3m}
---
name: chatty
command: python long.py
annotations: {ailab-kubesim.io/duration: 3h}
YAML
check "submit" aq submit "$TMP/jobs.yaml"
check "schedule to the end, keeping 2 KiB of each log" sched_all --log-limit 2Ki
is "a job past its timeout is stopped: timed_out" "$(job_field 1 '["state"]')" timed_out
aq why 1 >"$TMP/why"
like "why says it ran past its timeout" "$TMP/why" "timeout of 600s"
is "a job failing twice with retries: 2 succeeds" "$(job_field 2 '["state"]')" succeeded
is "after 3 attempts" "$(job_field 2 '["attempts"]')" 3
aq show 2 -o json | python3 -c '
import json, sys
ev = json.load(sys.stdin)["events"]
adm = [e for e in ev if e["to"] == "admitted"]
back = [e for e in ev if e["from"] in ("running", "admitted") and e["to"] == "queued"]
assert len(adm) == 3 and len(back) == 2, ev
assert "attempt 1 failed" in back[0]["reason"], back
' 
ok "its history keeps every attempt" $?

check "logs of a job whose pods are gone" aq logs 1
like "it says the log is archived" "$TMP/err" "archived log of job 1 rank 0"
like "and prints the log" "$TMP/out" "step [0-9]+: working"
check "logs of a long log" aq logs 3
like "it says only the end was kept" "$TMP/err" "only the end of the log was kept"
is "the kept end is at most the limit" "$([ "$(wc -c <"$TMP/out")" -le 2048 ] && echo yes)" yes
like "and ends with the run's last line" "$TMP/out" "exiting with code 0$"
check "logs --tail 2" aq logs 3 --tail 2
is "prints two lines" "$(wc -l <"$TMP/out" | tr -d ' ')" 2

# A class of 40: one job per roster row, reported in one table.
cat >"$TMP/lab.yaml" <<YAML
name: lab-\${student.id}
command: python grade.py --student \${student.id}
gpu: {type: [RTX4090D, RTX4090], count: 1}
annotations: {ailab-kubesim.io/duration: 2m}
for_each:
  roster: $top_srcdir/examples/roster/students.csv
  as: student
YAML
check "submit a roster of 40 students" aq submit --group lab1 "$TMP/lab.yaml"
check "run the class" sched_all
check "wait --group for a group that succeeded" aq wait --group lab1
check "report -o csv" aq report lab1 -o csv
is "41 lines: a header and 40 students" "$(wc -l <"$TMP/out" | tr -d ' ')" 41
like "the roster columns are in the header" "$TMP/out" "^ID,NAME,student\.id,student\.name,student\.email,STATE,EXIT"
check "report as a table" aq report lab1
like "totals follow the rows" "$TMP/out" "^40 jobs: 40 succeeded, 0 failed"

printf 'name: bad\ncommand: "false"\nannotations: {ailab-kubesim.io/exit-code: "2", ailab-kubesim.io/duration: 1m}\n' >"$TMP/bad.yaml"
aq submit --group mixed "$TMP/bad.yaml" "$TMP/bad.yaml" >/dev/null
sched_all >/dev/null 2>&1
fails "wait exits 1 when a job of the group failed" 1 aq wait --group mixed

# submit --wait beside a running scheduler.
printf 'name: good\ncommand: "true"\nannotations: {ailab-kubesim.io/duration: 1m}\n' >"$TMP/good.yaml"
spawn SCHED "$AILAB_QUEUE" sched --interval 1s >/dev/null 2>&1
fails "submit --wait exits 1 when one job of the group failed" 1 \
    timeout 120 "$AILAB_QUEUE" submit --wait "$TMP/good.yaml" "$TMP/bad.yaml"
like "it says how many did not succeed" "$TMP/err" "1 of 2 jobs did not succeed"
check "submit --wait exits 0 when all succeeded" \
    timeout 120 "$AILAB_QUEUE" submit --wait "$TMP/good.yaml" "$TMP/good.yaml"
finish
