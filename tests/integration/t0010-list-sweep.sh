#!/bin/sh
# ls, report and wait over a sweep whose jobs share one stored spec text:
# each job reads back its own whole spec, listings stream in id order and
# show only what they should.
. "$top_srcdir/tests/lib.sh"
plan 12

# 20 x 10 = 200 jobs; a parameter with a two-byte character, so that jobs
# differ in the middle of one.
cat >"$TMP/sweep.yaml" <<'Y'
name: sw
command: python train.py --lr ${lr} --tag ${tag}
sweep:
  grid:
    lr: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]
    tag: ["caf\u00e9", "caf\u00e8", a, b, c, d, e, f, g, h]
Y
printf 'name: alone\ncommand: "true"\n' >"$TMP/one.yaml"
check "submit a sweep of 200 jobs" aq submit "$TMP/sweep.yaml"
check "and one job" aq submit "$TMP/one.yaml"
check "cancel the first 100" aq cancel $(seq 1 100)

aq ls >"$TMP/ls"
is "ls: a header and the 101 active jobs" "$(wc -l <"$TMP/ls")" 102
is "in id order, the cancelled ones hidden" \
    "$(awk 'NR > 1 { print $1 }' "$TMP/ls" | tr '\n' ' ' | cut -c1-12)" \
    "101 102 103 "
like "columns aligned to the widest cell" "$TMP/ls" '^201   alone    queued   cpu x1   [0-9]+s +- +-$'

aq ls --all -o json >"$TMP/all.json"
python3 - "$TMP/all.json" >"$TMP/check" 2>&1 <<'PY'
import itertools, json, sys
jobs = json.load(open(sys.argv[1]))
assert len(jobs) == 201, len(jobs)
assert [j["id"] for j in jobs] == list(range(1, 202))
tags = ["caf\u00e9", "caf\u00e8", "a", "b", "c", "d", "e", "f", "g", "h"]
grid = list(itertools.product(range(1, 21), tags))
for j, (lr, tag) in zip(jobs, grid):
    s = j["spec"]
    assert s["name"] == j["name"], (s["name"], j["name"])
    assert s["params"] == {"lr": str(lr), "tag": tag}, s["params"]
    assert s["command"] == ["python train.py --lr %d --tag %s" % (lr, tag)]
assert jobs[200]["spec"]["name"] == "alone"
print("specs whole")
PY
like "every job reads back its own whole spec" "$TMP/check" "^specs whole$"

is "report: the parameters of each job, the totals" "$(aq report sw -o json |
    json_val 'len(d["jobs"]), d["jobs"][1]["params"]["tag"] == "caf\u00e8",
      d["jobs"][199]["params"], d["totals"]["failed"]')" \
    "200 True {'lr': '20', 'tag': 'h'} 100"

fails "wait --group stops at its timeout" 3 aq wait --group sw --timeout 1s
like "saying how many ended" "$TMP/err" "timed out waiting: 100 of 200 jobs ended"
fails "wait on an unknown id" 1 aq wait 1 999
like "says a job disappeared" "$TMP/err" "a job disappeared from the queue"
finish
