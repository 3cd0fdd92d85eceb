#!/bin/sh
# A waiting job's estimated start, carried as data.  The only RTX3090 node
# (8 GPUs) runs two 4-GPU jobs with timeouts of 2h and 3h; an 8-GPU job
# queued behind them gets a reservation, and its estimated_start (ls -o
# json, show, the server's list and get) is when the 3h job's timeout
# ends it, on the simulated cluster's clock: within the span of that clock
# from before the two were admitted to after the pass that reserved, plus
# 3h (a running job's planned end is its start plus its timeout, and it
# started, on that clock, between the two).  A second 8-GPU job, behind the first one's 8-day run, has none
# ("no start expected within the window"), and why says why.  Cancelling
# the 3h job brings the estimate forward to the 2h job's end; admission
# clears it.  No wall-clock bound: every bound comes from the cluster's
# own clock (GET /sim/clock) and the test's timeouts.
. "$top_srcdir/tests/integration/t06-serve-lib.sh"
plan 23

check "ailab-kubesim starts" start_kubesim \
    --cluster "$FIXTURES/sched-scarce.yaml" --seed 17

# mkspec NAME GPUS TIMEOUT: an RTX3090 job that runs until its timeout.
mkspec() {
	spec_file "$1" type=RTX3090 gpus="$2" cpu=1 memory=4Gi timeout="$3"
}
mkspec r2h 4 2h
mkspec r3h 4 3h
mkspec big 8 8d
mkspec big2 8 1h
# The cluster's clock (ms), as the scheduler reads it.
clock() {
	curl -sf -H 'Authorization: Bearer admin-token' "$KUBESIM_URL/sim/clock" |
	    python3 -c 'import json, sys; print(json.load(sys.stdin)["now"])'
}
# pass: one scheduler pass; a failed one is counted (and told at the end).
PASS_FAILS=0
pass() {
	"$AILAB_QUEUE" --context admin sched --once >>"$TMP/sched.out" 2>&1 ||
	    PASS_FAILS=$((PASS_FAILS + 1))
}
# field ID EXPR: a Python expression over job ID's `show -o json` (j).
field() {
	aq show "$1" -o json | python3 -c "import json, sys, datetime
j = json.load(sys.stdin)
def ms(t):
    return None if t is None else int(datetime.datetime.strptime(t,
        '%Y-%m-%dT%H:%M:%SZ').replace(tzinfo=datetime.timezone.utc)
        .timestamp() * 1000)
print($2)"
}
H=3600000

c0=$(clock)
aq --context alice -q submit "$TMP/r2h.yaml" "$TMP/r3h.yaml" >/dev/null &&
    pass
is "the 2h and 3h jobs are admitted on the only RTX3090 node" \
    "$(aq ls -o json | json_val '*[j["state"] for j in d]')" "admitted admitted"
aq --context alice -q submit "$TMP/big.yaml" "$TMP/big2.yaml" >/dev/null &&
    pass
c1=$(clock)
is "the 8-GPU jobs wait" "$(field 3 'j["state"]') $(field 4 'j["state"]')" \
    "queued queued"
matches "job 3's reason is a reservation on RTX3090" "$(field 3 'j["reason"]')" \
    '^reserved on RTX3090, expected start '
echo "# cluster clock before admission $c0, after the reservation $c1"
echo "# job 3: $(field 3 'j["estimated_start"]')"
is "job 3's estimated_start: when the 3h job's timeout ends it" \
    "$(field 3 "$c0 + 3 * $H - 1000 <= ms(j['estimated_start']) <= $c1 + 3 * $H")" \
    True
is "job 4 has none" "$(field 4 'j["estimated_start"]')" None
matches "job 4's reason: no start expected within the window" "$(field 4 'j["reason"]')" \
    '^no start expected within the window'
is "ls -o json carries the same estimated_start" \
    "$(aq ls -o json | json_val '[j["estimated_start"] for j in d]')" \
    "[None, None, '$(field 3 'j["estimated_start"]')', None]"
aq ls >"$TMP/ls"
like "ls has a START column" "$TMP/ls" '^ID +NAME +STATE +GPU +AGE +START +REASON$'
like "ls: job 3 starts in ~N (relative)" "$TMP/ls" \
    '^3 +big +queued +8x RTX3090 x1 +[0-9]+[smhd] +~([0-9]+[smhd]|now) +reserved on'
like "ls: job 4 has '-'" "$TMP/ls" '^4 +big2 +queued +8x RTX3090 x1 +[0-9]+[smhd] +- +no start'
aq why 3 >"$TMP/why3"
like "why 3: relative and absolute estimate" "$TMP/why3" \
    "^estimated start: ~([0-9]+[smhd]|now) \\($(field 3 'j["estimated_start"]'), on the cluster's clock\\)$"
aq why 4 >"$TMP/why4"
like "why 4: none, and the window is why" "$TMP/why4" \
    '^estimated start: none: at the planned ends of what runs .*reservation window'
is "why -o json: estimated_start" "$(aq why 3 -o json | json_val 'd["estimated_start"]')" \
    "$(field 3 'j["estimated_start"]')"
aq show 3 >"$TMP/show3"
like "show: one Start line" "$TMP/show3" '^Start: +~([0-9]+[smhd]|now) \(estimated\)$'

# The server's API (the same queue, API only) carries it in list and get.
check "serve starts" start_serve a --no-schedule
is "GET /v1/jobs: estimated_start of the waiting jobs" "$(api admin GET \
    '/v1/jobs?state=queued'; echo; jq_body '[j["estimated_start"] for j in b["items"]]')" \
    "200
['$(field 3 'j["estimated_start"]')', None]"
is "GET /v1/jobs/3: estimated_start" "$(api admin GET /v1/jobs/3; echo
    jq_body 'b["estimated_start"]')" "200
$(field 3 'j["estimated_start"]')"

# The 3h job cancelled: the next pass plans job 3 at the 2h job's end.
aq -q cancel 2 >/dev/null && pass && pass
c2=$(clock)
echo "# job 3 after the cancel: $(field 3 'j["estimated_start"]') (clock $c2)"
is "cancelling the 3h job brings the estimate to the 2h job's end" \
    "$(field 3 "$c0 + 2 * $H - 1000 <= ms(j['estimated_start']) <= $c2 + 2 * $H")" \
    True
is "the cluster shows only the 2h job's pods on the RTX3090 node" "$(
    sim_get /sim/state |
    python3 -c 'import json, sys
ids = set()
for p in json.load(sys.stdin)["pods"]:
    l = p["metadata"].get("labels") or {}
    if p["status"].get("phase") in ("Pending", "Running") and \
       l.get("app.kubernetes.io/managed-by") == "ailab-queue":
        ids.add(l["ailab-queue.io/job-id"])
print(" ".join(sorted(ids)))')" "1"

# The 2h job cancelled too: once its pods are gone job 3 is admitted,
# and keeps no estimate.
aq -q cancel 1 >/dev/null
admitted3() { pass; [ "$(field 3 'j["state"]')" = admitted ]; }
ok_within "job 3 admitted" 60 admitted3
is "an admitted job has no estimated_start" "$(field 3 'j["estimated_start"]')" None
[ "$PASS_FAILS" -ne 0 ] && tail -n 20 "$TMP/sched.out" | sed 's/^/# /'
is "every sched --once exited 0" "$PASS_FAILS" 0
finish
