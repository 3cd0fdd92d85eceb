#!/bin/sh
# usage: GPU-hours per owner and per GPU type over a window, and the
# fair-share standing.  Jobs of known GPU counts run on ailab-kubesim for
# known simulated durations; usage must report, per owner and per type,
# the GPU-hours the queue recorded for them (GPUs times run time from
# `ls --all -o json`), within the bounds the test's own durations give;
# the table, -o json and -o csv agree; a queue server (GET /v1/usage,
# through --server) gives the same numbers from the same store.
. "$top_srcdir/tests/integration/t06-serve-lib.sh"
plan 25

check "ailab-kubesim starts" start_kubesim --cluster "$FIXTURES/sim-roomy.yaml"

# job NS NAME TYPE COUNT SECONDS
job() {
	printf 'namespace: %s\n' "$1"
	shift
	printf 'name: %s\ncommand: "true"\nresources: {cpu: 1, memory: 1Gi}\n' "$1"
	printf 'gpu: {type: %s, count: %s}\n' "$2" "$3"
	printf 'annotations: {ailab-kubesim.io/duration: %ss}\n---\n' "$4"
}
{ job alice a-big RTX4090 2 6; job alice a-small RTX3090 1 4; } >"$TMP/alice.yaml"
job bob b-one RTX4090 1 4 >"$TMP/bob.yaml"
fails "a bad --period is a usage error" 2 aq usage --period 1y
fails "a bad --by is a usage error" 2 aq usage --by node

# Submitted through a scheduling queue server, so that the jobs have two
# owners; the local commands read the same store ($AILAB_QUEUE_DB).
check "serve starts" start_serve a
is "alice submits two GPU jobs" "$(submit alice "$TMP/alice.yaml")" 201
is "bob submits one" "$(submit bob "$TMP/bob.yaml")" 201
ended() { [ "$(aq ls --all -o json | json_val 'len(d) == 3 and all(x["state"] in
    ("succeeded", "failed", "cancelled") for x in d)')" = True ]; }
ok_within "the server runs the jobs to their end" 60 ended

aq ls --all -o json >"$TMP/all.json"
aq usage -o json >"$TMP/u.json"
ok "usage -o json" $?

# The expected GPU-hours from the queue's own record, and the checks.
cat >"$TMP/check.py" <<'EOT'
import json, sys
from datetime import datetime
jobs = json.load(open(sys.argv[1]))
u = json.load(open(sys.argv[2]))
what = sys.argv[3]
def t(s): return datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").timestamp()
want = {"a-big": (2, 6), "a-small": (1, 4), "b-one": (1, 4)}
owner, typ = {}, {}
for j in jobs:
    g, d = want[j["name"]]
    assert j["state"] == "succeeded", j
    run = t(j["finished_at"]) - t(j["started_at"])
    # Whole-second stamps: within 1 s; at least the simulated duration.
    assert d - 1 <= run <= d + 30, (j["name"], run)
    h = g * run / 3600
    owner[j["owner"]] = owner.get(j["owner"], 0) + h
    ty = j.get("run_gpu_type") or j["gpu"]["type"]
    typ[ty] = typ.get(ty, 0) + h
got_o = {x["user"]: x["gpu_hours"] for x in u["users"]}
got_t = {x["type"]: x["gpu_hours"] for x in u["types"]}
tol = 3 * 2 / 3600.0            # stamps are whole seconds; 2 GPUs
if what == "owner":
    assert set(got_o) == set(owner), (got_o, owner)
    for k in owner:
        assert abs(got_o[k] - owner[k]) <= tol, (k, got_o[k], owner[k])
    # alice ran at least 2*6 + 1*4 GPU-seconds, bob 1*4.
    assert got_o["alice"] >= 16 / 3600 - tol and got_o["bob"] >= 4 / 3600 - tol
elif what == "type":
    assert set(got_t) == set(typ), (got_t, typ)
    for k in typ:
        assert abs(got_t[k] - typ[k]) <= tol, (k, got_t[k], typ[k])
elif what == "total":
    assert abs(u["total_gpu_hours"] - sum(owner.values())) <= tol
elif what == "fair":
    assert {x["user"] for x in u["fair_share"]} <= {"alice", "bob"}, u
    assert len(u["fair_share"]) > 0, u
elif what == "table":
    rows = {}
    for line in open(sys.argv[4]):
        f = line.split()
        if len(f) == 2 and f[0] != "OWNER":
            rows[f[0]] = f[1]
    for k, v in got_o.items():
        assert rows[k] == "%.3f" % v, (k, rows, got_o)
    assert rows["TOTAL"] == "%.3f" % u["total_gpu_hours"], rows
print("ok")
EOT
chk() {
	python3 "$TMP/check.py" "$TMP/all.json" "$@" >"$TMP/chk" 2>&1 && return
	sed 's/^/# /' "$TMP/chk" "$1"
	return 1
}
chk "$TMP/u.json" owner; ok "per-owner GPU-hours match the recorded runs" $?
chk "$TMP/u.json" type; ok "per-type GPU-hours match the recorded runs" $?
chk "$TMP/u.json" total; ok "the total is their sum" $?
chk "$TMP/u.json" fair; ok "the fair-share standing lists the owners" $?

aq usage >"$TMP/u.txt"
ok "usage prints a table" $?
chk "$TMP/u.json" table "$TMP/u.txt"; ok "the table and -o json agree" $?
like "  and says what ORDER means" "$TMP/u.txt" "^ORDER: where the scheduler puts"

aq usage --by type -o csv >"$TMP/u.csv"
like "-o csv --by type has a header" "$TMP/u.csv" "^type,gpu_hours"
like "  and the RTX3090 row" "$TMP/u.csv" "^RTX3090,0\\.00[0-9]"

is "--owner keeps that owner only" "$(aq usage --owner bob -o json |
    json_val '",".join(x["user"] for x in d["users"]), ",".join(x["type"] for x in d["types"])')" "bob RTX4090"

"$AILAB_QUEUE" --context admin --server "$SERVE_URL" usage -o json \
    >"$TMP/s.json" 2>"$TMP/err"
ok "usage --server (admin)" $?
chk "$TMP/s.json" owner; ok "  per owner as the local store says" $?
chk "$TMP/s.json" type; ok "  per type likewise" $?
"$AILAB_QUEUE" --context bob --server "$SERVE_URL" usage -o json \
    >"$TMP/sb.json" 2>"$TMP/err"
is "  bob through the server sees his own usage only" "$(json_val \
    '",".join(x["user"] for x in d["users"]), ",".join(x["user"] for x in d["fair_share"])' "$TMP/sb.json")" "bob bob"
# His standing is counted over every owner, not over what he may see:
# alice used more, so bob's share is below 1 and he comes first of 2.
is "  and his standing among all owners" "$(json_val 'd["fair_share_owners"],
    d["fair_share"][0]["order"], 0 < d["fair_share"][0]["share"] < 0.5' "$TMP/sb.json")" "2 1 True"
"$AILAB_QUEUE" --context bob --server "$SERVE_URL" usage >"$TMP/sb.txt" 2>"$TMP/err"
like "  printed as 1 of 2" "$TMP/sb.txt" "^bob .* 1 of 2\$"
like "  saying what it counts" "$TMP/sb.txt" "SHARE and ORDER count all 2"
finish
