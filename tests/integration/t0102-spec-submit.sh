#!/bin/sh
# submit of the full language: sweeps and rosters become groups, helm
# values files become interactive jobs, the stored spec has what the
# scheduler needs, and a bad file queues nothing.
. "$top_srcdir/tests/lib.sh"
plan 17
ex=$top_srcdir/examples
export AILAB_QUEUE_NAMESPACE=alice XDG_CONFIG_HOME="$TMP/xdg"
count() { python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$1"; }

check "submit the 3x2 sweep" aq submit "$ex/sweep-3x2.yaml"
is "six ids" "$(wc -l <"$TMP/out" | tr -d ' ')" 6
check "ls --group resnet-lr" aq ls --group resnet-lr -o json
is "the sweep is one group of six" "$(count "$TMP/out")" 6
check "show the first job as JSON" aq show 1 -o json
py_ok "the stored spec keeps max_running, group, timeout, retries, params" "$TMP/out" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
if isinstance(j, list):
    j = j[0]
s = j.get("spec") or j.get("spec_json")
if isinstance(s, str):
    s = json.loads(s)
assert s["max_running"] == 4, s
assert s["group"] == "resnet-lr" and s["group_kind"] == "sweep", s
assert s["timeout_s"] == 7200 and s["retries"] == 1, s
assert s["command"] == ["python train.py --lr 1e-3 --bs 32 --out /root/runs/resnet-lr-0"], s["command"]
assert s["gpu"] == {"types": ["RTX4090D"], "any": False, "count": 1}, s["gpu"]
assert s["labels"] == {"lr": "1e-3", "bs": "32"}, s["labels"]
PY

check "submit the 40-student roster" aq submit "$ex/roster/lab1.yaml"
check "ls --group lab1" aq ls --group lab1 -o json
is "the roster is one group of forty" "$(count "$TMP/out")" 40
like "jobs are named by student" "$TMP/out" '"name": "lab1-s2024040"'

check "submit the seed's helm values template unchanged" \
    aq submit "$ex/values-template.yaml"
id=$(cat "$TMP/out")
check "show it" aq show "$id" -o json
like "it is an interactive job named after BaseName" "$TMP/out" 'pytorch'

check "--set overrides a field" aq submit --dry-run -o json \
    --set gpu.count=2 --set priority=high "$ex/sweep-3x2.yaml"
like "the override is applied" "$TMP/out" '"priority": 750'

before=$(aq ls -a -o json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
printf 'name: ok\ncommand: "true"\n---\nname: bad\ncommand: "true"\nreplicas: 0\n' >"$TMP/mixed.yaml"
fails "a file with one bad document queues nothing" 2 aq submit "$TMP/mixed.yaml"
is "the queue is unchanged" "$(aq ls -a -o json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" "$before"
finish
