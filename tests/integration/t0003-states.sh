#!/bin/sh
# hold, release, cancel and the state history they leave.
. "$top_srcdir/tests/lib.sh"
plan 19

printf 'name: a\ncommand: "true"\n---\nname: b\ncommand: "true"\n' >"$TMP/two.yaml"
aq submit "$TMP/two.yaml" >/dev/null
aq submit --group g "$TMP/two.yaml" >/dev/null

check "hold a queued job" aq hold 1
is "it is held" "$(aq ls -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["state"])')" held
fails "holding it again is refused" 1 aq hold 1
like "the refusal says why" "$TMP/err" "job 1 is held: it cannot become held from there"
check "release it" aq release 1
is "it is queued again" "$(aq ls -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["state"])')" queued
fails "releasing a queued job is refused" 1 aq release 1

check "cancel a queued job" aq cancel 2
like "cancel says it is done" "$TMP/err" "job 2 cancelled"
aq ls -o json >"$TMP/ls"
is "ls hides the cancelled job" "$(python3 -c 'import json,sys; print([j["id"] for j in json.load(open(sys.argv[1]))])' "$TMP/ls")" "[1, 3, 4]"
aq ls --all -o json >"$TMP/ls"
is "ls --all shows it" "$(python3 -c 'import json,sys; print([j["state"] for j in json.load(open(sys.argv[1]))][1])' "$TMP/ls")" cancelled
fails "releasing a cancelled job is refused" 1 aq release 2

check "cancel --group" aq cancel --group g
aq ls --state cancelled -o json >"$TMP/ls"
is "the whole group is cancelled" "$(python3 -c 'import json,sys; print([j["id"] for j in json.load(open(sys.argv[1]))])' "$TMP/ls")" "[2, 3, 4]"
fails "cancel of an unknown job fails" 1 aq cancel 99
like "it names the job" "$TMP/err" "job 99 not found"
fails "a bad id is a usage error" 2 aq cancel abc

aq show 1 -o json >"$TMP/show"
py_ok "show -o json has the full history" "$TMP/show" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
got = [(e["from"], e["to"]) for e in j["events"]]
assert got == [(None, "queued"), ("queued", "held"), ("held", "queued")], got
assert j["events"][1]["reason"].startswith("held by ")
PY
fails "an unknown state filter is a usage error" 2 aq ls --state runing
finish
