#!/bin/sh
# A group's GPU cap (sweep or for_each `max_gpus`): the scheduler never
# lets the group's admitted and running jobs hold more GPUs together, says
# so in the waiting jobs' reasons, and runs the rest as GPUs come back.
# A job bigger than the cap is a spec error.  Asserted on the queue and on
# the simulated cluster's pods.
. "$top_srcdir/tests/lib.sh"
plan 8

check "ailab-kubesim starts" start_kubesim
cat >"$TMP/sweep.yaml" <<'EOT'
name: cap
command: "true"
gpu: {type: RTX4090, count: 2}
resources: {cpu: 1, memory: 1Gi}
annotations: {ailab-kubesim.io/duration: 20s}
sweep: {list: [{x: a}, {x: b}, {x: c}, {x: d}], max_gpus: 4}
EOT
check "submit four 2-GPU jobs capped at 4 GPUs" aq --context alice submit "$TMP/sweep.yaml"
check "one pass" aq --context admin sched --once
is "two admitted, two waiting" "$(aq --context alice ls -o json |
    json_val 'sorted(j["state"] for j in d)')" "['admitted', 'admitted', 'queued', 'queued']"
aq --context alice why 3 >"$TMP/why" 2>&1
like "the waiting ones say why" "$TMP/why" "group cap max_gpus 4 reached \\(4 held, this job needs 2\\)"

check "the group runs to its end" sched_until_empty 300
aq --context alice ls --all -o json >"$TMP/all.json"
python3 - "$TMP/all.json" >"$TMP/overlap" 2>&1 <<'PY'
import json, sys
jobs = json.load(open(sys.argv[1]))
assert [j["state"] for j in jobs] == ["succeeded"] * 4, jobs
ev = []
for j in jobs:
    ev.append((j["started_at"], 1))
    ev.append((j["finished_at"], -1))
most = now = 0
for _, d in sorted(ev, key=lambda e: (e[0], e[1])):
    now += d
    most = max(most, now)
print("most at once", most)
PY
is "never more than two of them (4 GPUs) ran at once" "$(cat "$TMP/overlap")" "most at once 2"

sed 's/max_gpus: 4/max_gpus: 1/' "$TMP/sweep.yaml" >"$TMP/small.yaml"
fails "a job bigger than the cap is a spec error" 2 aq --context alice validate "$TMP/small.yaml"
finish
