#!/bin/sh
# Job selection shared by cancel, hold, release, retry, wait and ls: ids,
# ranges and lists, --state, --name (fnmatch), --group, --owner and -n;
# nothing selected is refused; many jobs get a summary; retry takes failed
# and timed-out jobs only unless --state names another state; wait counts
# each way a job ends; -o json|yaml|name|csv where a command prints them,
# refused where it cannot; submit - reads the spec from standard input.
. "$top_srcdir/tests/lib.sh"
plan 69

bail_unless start_kubesim --speed 600
ME=$(id -un)

# 1-2 succeed, 3-4 fail, 5 runs past its timeout; 6-7 are cancelled by
# their user before they run.
cat >"$TMP/sw.yaml" <<'YAML'
name: ok-1
command: "true"
annotations: {ailab-kubesim.io/duration: 1m}
---
name: ok-2
command: "true"
annotations: {ailab-kubesim.io/duration: 1m}
---
name: bad-1
command: "false"
annotations: {ailab-kubesim.io/exit-code: "2", ailab-kubesim.io/duration: 1m}
---
name: bad-2
command: "false"
annotations: {ailab-kubesim.io/exit-code: "2", ailab-kubesim.io/duration: 1m}
---
name: slow
command: python slow.py
timeout: 10m
annotations: {ailab-kubesim.io/duration: 2h}
YAML
printf 'name: later-1\ncommand: "true"\n---\nname: later-2\ncommand: "true"\n' >"$TMP/later.yaml"
aq submit --group sw "$TMP/sw.yaml" "$TMP/later.yaml" >/dev/null

# Nothing selected is refused, never every job.
fails "cancel with no ids and no filter: exit 2" 2 aq cancel
like "it says what to give" "$TMP/err" "^ailab-queue: cancel: no jobs selected: give ids \(19, 19-24, 19,21,30-32\) or a filter"
fails "wait with nothing selected: exit 2" 2 aq wait
fails "a reversed range: exit 2" 2 aq hold 5-3
like "it names the range" "$TMP/err" "invalid job id range '5-3'"
fails "a range past the bound: exit 2" 2 aq hold 1-200000
fails "a bad id in a list: exit 2" 2 aq hold 1,x
is "nothing was held by the refused commands" "$(aq ls --state held -q | wc -l | tr -d ' ')" 0

check "cancel a range" aq cancel 6-7
like "one line a job" "$TMP/err" "^job 7 cancelled$"
like "and a summary" "$TMP/err" "^2 jobs: 2 cancelled$"
check "run the rest to the end" sched_all
is "ok-1 succeeded (the scheduler saw it through)" "$(job_state 1)" succeeded
is "slow timed out" "$(job_state 5)" timed_out

# wait: each way of ending counted apart; 0 only if all succeeded.
fails "wait --group of a mixed group exits 1" 1 aq wait --group sw
is "it counts each end apart" "$(cat "$TMP/out")" "7 ended: 2 succeeded, 2 failed, 1 timed out, 2 cancelled"
check "wait of a list that succeeded exits 0" aq wait 1,2
is "all succeeded" "$(cat "$TMP/out")" "2 ended: 2 succeeded"
check "wait --state succeeded --group sw exits 0" aq wait --state succeeded --group sw
fails "wait -o json exits 1 too" 1 aq wait 1-7 -o json
is "the result object counts the ends" "$(python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); print(o["ok"], o["jobs"], o["succeeded"], o["failed"], o["timed_out"], o["cancelled"], [i["state"] for i in o["items"]][4])' "$TMP/out")" "False 7 2 2 1 2 timed_out"
fails "wait -o name: the ids that did not succeed" 1 aq wait --group sw -o name
is "those ids" "$(out_ids)" "3 4 5 6 7"
aq help wait >"$TMP/help"
like "wait --help documents exit 3" "$TMP/help" "^  3  --timeout passed"
like "and exit 1" "$TMP/help" "^  1  a job failed, timed out or was cancelled"

# retry: failed and timed-out jobs only, never one the user cancelled
# unless --state cancelled says so.
fails "retry of a cancelled job is refused" 1 aq retry 6
like "it says why and what to add" "$TMP/err" "job 6 is cancelled: not retried \(only failed or timed_out jobs are, unless --state cancelled is given\)"
is "job 6 stays cancelled" "$(job_state 6)" cancelled
fails "retry of a succeeded job is refused" 1 aq retry 1
check "retry --group -o json" aq retry --group sw -o json
is "it retried the failed and timed-out jobs only" "$(python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); print(o["action"], o["ok"], [i["id"] for i in o["items"]], o["counts"])' "$TMP/out")" "retry True [3, 4, 5] {'queued': 3}"
is "the cancelled ones stay cancelled" "$(job_state 7)" cancelled
is "the succeeded ones stay succeeded" "$(job_state 2)" succeeded
check "retry --group --state cancelled -o name" aq retry --group sw --state cancelled -o name
is "it names the jobs queued again" "$(out_ids)" "6 7"
is "job 6 is queued again" "$(job_state 6)" queued

# Filters: --state, --name (fnmatch, brackets too), ids within filters.
check "hold by range and list" aq hold 3-5,7
like "a summary" "$TMP/err" "^4 jobs: 4 held$"
check "ls -q: the ids alone" aq ls --state held -q
is "the held ids" "$(out_ids)" "3 4 5 7"
check "release --name GLOB" aq release --name 'bad-*'
is "only bad-1 and bad-2 are released" "$(aq ls --state held -o name | tr '\n' ' ')" "5 7 "
check "hold --name with a bracket (fnmatch)" aq hold --name 'bad-[!2]'
is "only bad-1 is held" "$(aq ls --state held -o name | tr '\n' ' ')" "3 5 7 "
check "release of named ids narrowed by --state" aq release 3-7 --state held
like "a named job outside the filter is left alone" "$TMP/err" "^job 4 \(queued\) does not match the selection: left alone$"
is "3, 5 and 7 are queued" "$(aq ls --state queued -o name | tr '\n' ' ')" "3 4 5 6 7 "

# -n and --owner, locally.
printf 'name: other\ncommand: "true"\n' | aq -n team-a submit - >/dev/null
printf 'name: other\ncommand: "true"\n' | aq -n team-b submit - >/dev/null
check "ls -n NS" aq ls -n team-a -o name
is "only that namespace's job" "$(out_ids)" "8"
check "ls --owner of the queue's owner" aq ls --owner "$ME" -q
is "all the active jobs" "$(out_ids)" "3 4 5 6 7 8 9"
check "ls --owner of someone else" aq ls --owner nobody-else -q
is "none" "$(out_ids)" ""
check "cancel -n NS -o yaml" aq -n team-b cancel -o yaml
like "a YAML result object" "$TMP/out" "^action: cancel$"
is "only team-b's job was cancelled" "$(job_state 9) $(job_state 8)" "cancelled queued"

# -o formats: one table, refused where a command cannot honour one.
fails "an unknown format lists them all" 2 aq ls -o bogus
like "every format" "$TMP/err" "invalid value for '-o': 'bogus' \(use table, wide, json, yaml, csv or name\)"
fails "a format a command cannot print is refused" 2 aq cancel 8 -o csv
like "naming the command" "$TMP/err" "^ailab-queue: 'cancel' cannot print -o csv \(it prints table, json, yaml or name\)$"
is "and nothing was cancelled" "$(job_state 8)" queued
check "ls -o csv" aq ls -n team-a -o csv
is "a header and a record" "$(sed -n 2p "$TMP/out" | cut -d, -f1-3,10)" "8,other,queued,team-a"
check "version -o json" aq version -o json
is "a result object" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["program"])' "$TMP/out")" ailab-queue

# submit - and validate -: the spec from standard input.
printf 'name: piped\ncommand: "true"\n' | aq submit - >"$TMP/out" 2>"$TMP/err"
is "submit - queues the piped spec" "$(cat "$TMP/out") $(aq show 10 -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["name"])')" "10 piped"
printf 'name: piped\ncommand: "true"\nbogus: 1\n' | aq submit - >"$TMP/out" 2>"$TMP/err"
is "a bad piped spec: exit 2" $? 2
like "its error names <stdin>:line:col" "$TMP/err" "^<stdin>:3:1: unknown key 'bogus'$"
printf 'name: piped\ncommand: "true"\n' | aq validate - -o json >"$TMP/out"
is "validate - -o json" "$(python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); print(o["ok"], o["files"][0]["file"])' "$TMP/out")" "True <stdin>"
finish
