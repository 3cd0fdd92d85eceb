#!/bin/sh
# submit, ls, show on a local queue: ids, columns, JSON, filters, files.
. "$top_srcdir/tests/lib.sh"
plan 27

cat >"$TMP/jobs.yaml" <<'YAML'
name: resnet
command: python train.py --lr 0.1
gpu: {type: RTX4090D, count: 2}
replicas: 1
resources: {cpu: 8, memory: 16Gi}
---
name: bert
command: [python, bert.py]
gpu: {type: RTX3090, count: 1}
replicas: 4
---
name: prep
command: ./prep.sh
YAML

check "submit a file of three documents" aq submit "$TMP/jobs.yaml"
is "submit prints three ids" "$(tr '\n' ' ' <"$TMP/out")" "1 2 3 "
db=$AILAB_QUEUE_DB
is "the database file is 0600" "$(stat -c %a "$db")" 600

check "ls" aq ls
like "ls has the header" "$TMP/out" '^ID +NAME +STATE +GPU +AGE +START +REASON$'
like "ls shows the GPU column" "$TMP/out" '^1 +resnet +queued +2x RTX4090D x1 +[0-9]+s '
like "ls shows replicas" "$TMP/out" '^2 +bert +queued +1x RTX3090 x4 '
like "ls shows a CPU job" "$TMP/out" '^3 +prep +queued +cpu x1 '

check "ls -o json" aq ls -o json
py_ok "ls -o json has id, name, state, namespace, group, submitted_at" "$TMP/out" <<'PY'
import json, sys
jobs = json.load(open(sys.argv[1]))
assert [j["id"] for j in jobs] == [1, 2, 3], jobs
for j in jobs:
    for k in ("id", "name", "state", "namespace", "group", "submitted_at"):
        assert k in j, k
assert jobs[0]["gpu"] == {"type": "RTX4090D", "count": 2}
assert jobs[1]["spec"]["command"] == ["python", "bert.py"]
PY

check "ls -o yaml" aq ls -o yaml
like "yaml output is YAML" "$TMP/out" '^- id: 1$'
check "ls -o wide" aq ls -o wide
like "wide adds namespace, owner, group, priority" "$TMP/out" '^ID .*REASON +NAMESPACE +OWNER +GROUP +PRIORITY$'

check "submit --group" aq submit --group sweep-a "$TMP/jobs.yaml"
check "ls --group" aq ls --group sweep-a -o json
is "ls --group lists only the group" "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$TMP/out")" 3
check "ls --name glob" aq ls --name 'res*' -o json
is "ls --name matches two jobs" "$(python3 -c 'import json,sys; print([j["id"] for j in json.load(open(sys.argv[1]))])' "$TMP/out")" "[1, 4]"

check "submit --dry-run" aq submit --dry-run "$TMP/jobs.yaml"
like "dry run prints the jobs" "$TMP/out" '^resnet +default +2x RTX4090D x1 +8 +16Gi'
aq ls -a -o json >"$TMP/all"
is "dry run queued nothing" "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$TMP/all")" 6

check "show" aq show 2
like "show prints the state history" "$TMP/out" '^20[0-9-]+T[0-9:]+Z +- +queued +submitted$'

# The default database path: $XDG_STATE_HOME, directory 0700.
unset AILAB_QUEUE_DB
XDG_STATE_HOME="$TMP/state" aq submit "$TMP/jobs.yaml" >/dev/null 2>&1
is "the XDG state database exists with mode 600" "$(stat -c %a "$TMP/state/ailab-queue/queue.db" 2>&1)" 600
is "its directory is 0700" "$(stat -c %a "$TMP/state/ailab-queue")" 700
HOME="$TMP/home" aq submit "$TMP/jobs.yaml" >/dev/null 2>&1
is "without XDG the database is under ~/.local/state" "$(stat -c %a "$TMP/home/.local/state/ailab-queue/queue.db" 2>&1)" 600
finish
