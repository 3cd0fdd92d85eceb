#!/bin/sh
# The server's batch actions go through store_act (a transaction a chunk
# of jobs) with every answer as before: one group "hw" of alice's holds
# 350 jobs, 200 of hers and 100 an admin added in namespace ml101, 50 of
# hers in namespace alice, all submitted held.  Another user acts on
# none of them (404 for the group, "not found" for ids); alice acts only
# on her own 250 (the admin's are not in her answer); cancelled jobs
# refuse a release, reported in their items while the others are done;
# an admin acts on all 350.  Asserted on the items, the store, each job's
# event log, and the cluster: the scheduler in the server sees the
# change at once (released jobs run, a held job has no Deployment).
. "$top_srcdir/tests/integration/t06-serve-lib.sh"
plan 31

bail_unless start_kubesim --cluster "$FIXTURES/sim-roomy.yaml"
bail_unless start_serve a --no-lease --interval 1h --user-max-queued 0

# sweep NAME NAMESPACE N: a spec of N one-pod jobs of 4 GPUs each: the
# quotas let 8 of them run in ml101 and 4 in alice.
sweep() {
	{
		printf 'name: %s\nnamespace: %s\nimage: busybox\n' "$1" "$2"
		printf 'command: [sh, -c, "echo ${i}"]\n'
		printf 'resources: {cpu: 1, memory: 1Gi}\n'
		printf 'gpu: {type: RTX4090D, count: 4}\n'
		printf 'annotations: {ailab-kubesim.io/duration: 1h}\n'
		printf 'sweep:\n  grid:\n    i: [%s]\n' "$(seq -s, 1 "$3")"
	} >"$TMP/$1.yaml"
}
sweep s200 ml101 200
sweep s100 ml101 100
sweep s50 alice 50
is "alice submits 200 jobs, held, as group hw (ids 1-200)" \
    "$(submit alice "$TMP/s200.yaml" 'group=hw&hold=true')" 201
is "the admin adds 100 to alice's hw (ids 201-300)" \
    "$(submit admin "$TMP/s100.yaml" 'group=hw&group_owner=alice&append=true&hold=true')" 201
is "alice adds 50 in her own namespace (ids 301-350)" \
    "$(submit alice "$TMP/s50.yaml" 'group=hw&append=true&hold=true')" 201

# states: "STATE:COUNT ..." of jobs FROM-TO in the store.
states() {
	queue_json | python3 -c '
import collections, json, sys
lo, hi = int(sys.argv[1]), int(sys.argv[2])
c = collections.Counter(j["state"] for j in json.load(sys.stdin) if lo <= j["id"] <= hi)
print(" ".join("%s:%d" % kv for kv in sorted(c.items())))' "$1" "$2"
}
# items: "RESULT:COUNT ..." of the last answer's items.
items() {
	jq_body '" ".join("%s:%d" % kv for kv in sorted(__import__("collections").Counter(i["result"] for i in b["items"]).items()))'
}
# last_event ID: the reason of a job's latest event, as the CLI shows it.
last_event() {
	aq show "$1" -o json | python3 -c \
	    'import json,sys; print(json.load(sys.stdin)["events"][-1]["reason"])'
}
# has_event ID REASON: whether a job's log has that event.
has_event() {
	aq show "$1" -o json | python3 -c \
	    'import json,sys; sys.exit(sys.argv[1] not in [e["reason"] for e in json.load(sys.stdin)["events"]])' "$2"
}
is "all 350 held" "$(states 1 350)" "held:350"

is "bob acts on alice's group: 404" \
    "$(api bob POST /v1/jobs/release -d '{"group": "hw", "group_owner": "alice"}')" 404
is "bob names her jobs by id: 200, each not found" \
    "$(api bob POST /v1/jobs/release -d '{"ids": [1, 250, 340]}'; echo " $(items)")" \
    "200 not_found:3"
is "bob's single-job form: 404" "$(api bob POST /v1/jobs/7/cancel)" 404
is "ids of no job at all: each not found" \
    "$(api alice POST /v1/jobs/hold -d '{"ids": [9998, 9999]}'; echo " $(items)")" \
    "200 not_found:2"
is "  the single-job form: 404" "$(api alice POST /v1/jobs/9999/hold)" 404
is "nothing changed" "$(states 1 350)" "held:350"

is "alice cancels 1-5 by id, 5 named twice: the second already" \
    "$(api alice POST /v1/jobs/cancel -d '{"ids": [1, 2, 3, 4, 5, 5]}'; echo " $(jq_body '[i["result"] for i in b["items"]]')")" \
    "200 ['cancelled', 'cancelled', 'cancelled', 'cancelled', 'cancelled', 'already']"
is "alice names the admin's job 250: not found" \
    "$(api alice POST /v1/jobs/release -d '{"ids": [250]}'; echo " $(jq_body 'b["items"][0]["result"]')")" \
    "200 not_found"
is "alice holds job 6, held already (single-job form): 409" \
    "$(api alice POST /v1/jobs/6/hold)" 409
like "  saying why" "$TMP/body" "job 6 is held: it cannot become held from there"

# Alice's group release: her 250 jobs, not the admin's 100; the five
# cancelled ones refused and named, the other 245 released.
is "alice releases group hw: 250 items" \
    "$(api alice POST /v1/jobs/release -d '{"group": "hw"}'; echo " $(items)")" \
    "200 conflict:5 released:245"
is "  the refusals are jobs 1-5, saying why" \
    "$(jq_body '[(i["id"], i["message"]) for i in b["items"] if not i["ok"]][0]')" \
    "(1, 'job 1 is cancelled: it cannot become queued from there')"
is "  no item names an admin's job" \
    "$(jq_body 'sorted(set(i["id"] for i in b["items"])) == list(range(1, 201)) + list(range(301, 351))')" \
    True
# The scheduler in the server was kicked (its own interval is an hour):
# alice's released jobs start, up to her namespaces' quotas (the
# others wait in the queue).
started() {
	[ "$(queue_json | python3 -c 'import json,sys; print(sum(1 for j in json.load(sys.stdin) if j["state"] in ("admitted", "running")))')" -gt 0 ]
}
ok_within "the scheduler starts released jobs at once" 60 started
is "the admin's 100 stay held" "$(states 201 300)" "held:100"
check "job 7's log: released by alice" has_event 7 "released by alice"
is "job 1's log ends with its cancel" "$(last_event 1)" "cancelled by alice"

passes() {
	curl -s "$SERVE_URL/metrics" | sed -n 's/^ailab_queue_passes_total //p'
}
# The admin's hold of the whole group: alice's queued jobs are held, her
# started ones refuse (running: cancel them instead), as do the admin's
# (held already) and the cancelled five.
P0=$(passes)
is "the admin holds group hw of alice: 350 items" \
    "$(api admin POST /v1/jobs/hold -d '{"group": "hw", "group_owner": "alice"}'; echo " $(jq_body 'len(b["items"])')")" \
    "200 350"
cp "$TMP/body" "$TMP/hold.json"
queue_json >"$TMP/q.json"
is "  the items held are the jobs the store holds, the refused the others" \
    "$(python3 -c '
import json, sys
items = json.load(open(sys.argv[1]))["items"]
q = {j["id"]: j["state"] for j in json.load(open(sys.argv[2]))}
held = {i["id"] for i in items if i["result"] == "held"}
refused = {i["id"] for i in items if i["result"] == "conflict"}
ok = held | refused == set(range(1, 351)) and not held & refused
ok = ok and held == {k for k, v in q.items() if v == "held"} - set(range(201, 301))
ok = ok and all(q[k] != "queued" for k in refused)
print(ok, len(held) > 0)' "$TMP/hold.json" "$TMP/q.json")" "True True"
H=$(python3 -c 'import json,sys; print(min(i["id"] for i in json.load(open(sys.argv[1]))["items"] if i["result"] == "held"))' "$TMP/hold.json")
is "job $H's log: held by admin" "$(last_event "$H")" "held by admin"
passed() { [ "$(passes)" -gt "$P0" ]; }
ok_within "a scheduler pass followed the hold" 60 passed
# deployed: the job ids of the Deployments the cluster holds now.
deployed() {
	sim_get /sim/state | python3 -c '
import json, sys
for d in json.load(sys.stdin).get("deployments", []):
    v = d["metadata"].get("labels", {}).get("ailab-queue.io/job-id")
    if v: print(v)' | sort
}
deployed >"$TMP/deployed"
aq ls --all --state held -q | sort >"$TMP/held"
is "a held job has no Deployment" "$(comm -12 "$TMP/deployed" "$TMP/held" | wc -l)" 0
[ -s "$TMP/deployed" ]
ok "  while started ones have theirs" $?

is "the admin cancels group hw: 350 items, none refused" \
    "$(api admin POST /v1/jobs/cancel -d '{"group": "hw", "group_owner": "alice"}'; echo " $(jq_body 'len(b["items"])') $(jq_body 'all(i["ok"] for i in b["items"])')")" \
    "200 350 True"
ended() { [ "$(states 1 350)" = "cancelled:350" ]; }
ok_within "every job ends cancelled" 120 ended
is "job 250's log: cancelled by admin" "$(last_event 250)" "cancelled by admin"
# One Deployment per job that started, none twice, none for a job that
# was held or cancelled before it could start.
is "no Deployment twice, none for the admin's held or the cancelled five" \
    "$(created_deployments | json_val 'len(d) > 0, len(d) == len(set(d)),
    sum(1 for i in d if i <= 5 or 201 <= i <= 300)')" "True True 0"
finish
