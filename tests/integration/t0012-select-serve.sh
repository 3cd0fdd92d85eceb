#!/bin/sh
# Job selection against a shared queue server (--server): ranges, lists
# and filters select among the jobs the caller may see; -n and --owner go
# to the server's list (another user's jobs only for admins); retry leaves
# cancelled jobs alone; wait counts each end; submit - sends standard
# input.  The server's own answers (GET /v1/jobs/ID) show what changed.
. "$top_srcdir/tests/integration/t06-serve-lib.sh"
plan 39

serve_on_kubesim --no-schedule --user-max-queued 0

printf 'name: a-1\nimage: busybox\ncommand: ["true"]\n---\nname: a-2\nimage: busybox\ncommand: ["true"]\n---\nname: b-1\nimage: busybox\ncommand: ["true"]\n' >"$TMP/three.yaml"
q --context alice submit --group g "$TMP/three.yaml" "$TMP/three.yaml" >"$TMP/a.ids" 2>"$TMP/err"
is "alice queues 6 jobs" "$(tr '\n' ' ' <"$TMP/a.ids")" "1 2 3 4 5 6 "
q --context bob submit "$TMP/three.yaml" >/dev/null 2>&1
ok "bob queues 3 jobs (7-9)" $?

fails "no selection: exit 2" 2 q --context alice cancel
like "it says so" "$TMP/err" "cancel: no jobs selected"
is "nothing changed on the server" "$(served_state alice 1)" queued

check "hold a range" q --context alice hold 1-3
like "with a summary" "$TMP/err" "^3 jobs: 3 held$"
is "the server holds job 2" "$(served_state alice 2)" held
check "ls --state held -q" q --context alice ls --state held -q
is "the held ids" "$(out_ids)" "1 2 3"
check "release --name GLOB -o name" q --context alice release --name 'a-*' -o name
is "it names the released jobs" "$(out_ids)" "1 2"
is "b-1 stays held on the server" "$(served_state alice 3)" held

fails "cancel of a list with bob's job in it: exit 1" 1 q --context alice cancel 1,7
like "bob's job is not found for alice" "$TMP/err" "^ailab-queue: job 7 not found$"
is "bob's job is untouched" "$(served_state bob 7)" queued
is "alice's job is cancelled" "$(served_state alice 1)" cancelled

fails "retry of a cancelled job on a server: exit 1" 1 q --context alice retry 1
like "it says to add --state cancelled" "$TMP/err" "job 1 is cancelled: not retried"
is "it stays cancelled on the server" "$(served_state alice 1)" cancelled
check "retry --state cancelled" q --context alice retry 1 --state cancelled
is "now queued on the server" "$(served_state alice 1)" queued

# -n and --owner: the server's own filters.
check "admin: ls -n bob" q --context admin ls -n bob -q
is "bob's jobs only" "$(out_ids)" "7 8 9"
check "admin: ls --owner alice" q --context admin ls --owner alice -q
is "alice's active jobs" "$(out_ids)" "1 2 3 4 5 6"
fails "alice: ls --owner bob is refused (403)" 1 q --context alice ls --owner bob
check "admin: cancel -n bob -o json" q --context admin cancel -n bob -o json
is "the result object names bob's jobs" "$(python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); print([i["id"] for i in o["items"]], o["counts"])' "$TMP/out")" "[7, 8, 9] {'cancelled': 3}"
is "alice's jobs are untouched" "$(served_state alice 4)" queued

# More named ids than the client asks for one by one: the server's list.
check "admin: ls of a range of 100 ids" q --context admin ls 1-100 -q
is "every job in it, any state" "$(out_ids)" "1 2 3 4 5 6 7 8 9"

fails "wait on the server: exit 1" 1 q --context bob wait 7-9
is "counts the cancelled" "$(cat "$TMP/out")" "3 ended: 3 cancelled"

printf 'name: piped\nimage: busybox\ncommand: ["true"]\n' | q --context alice submit - >"$TMP/out" 2>"$TMP/err"
is "submit - on a server" "$(cat "$TMP/out") $(served_state alice 10)" "10 queued"
printf 'name: piped\nimage: busybox\nbogus: 1\n' | q --context alice submit - >"$TMP/out" 2>"$TMP/err"
is "a bad piped spec: exit 2" $? 2
like "named <stdin>:line:col" "$TMP/err" "^<stdin>:3:1: unknown key 'bogus'"
finish
