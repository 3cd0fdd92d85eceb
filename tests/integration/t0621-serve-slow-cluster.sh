#!/bin/sh
# The shared queue when the cluster is slow (a latency fault far beyond
# the server's review timeout): every request is answered rather than
# left hanging.  Users the server already knows keep submitting, listing
# and reading their jobs from its cache and the store; a token it has
# never seen, an access review it has no answer for, and a quota (which
# only the cluster knows) get a 503 with a Retry-After within the bound,
# nothing done.  Once the fault clears, everything works and the queue
# is intact: every job once, each workload created once.
# Asserted on HTTP status codes, the store and /sim/audit.
. "$top_srcdir/tests/integration/t06-serve-lib.sh"
plan 21

bail_unless start_kubesim
bail_unless start_serve a --no-lease --interval 1s --review-timeout 2s -v
# audit_count PY-EXPR: audit entries e for which the expression holds.
audit_count() { sim_get /sim/audit | json_val "sum(1 for e in d['items'] if $1)"; }
printf '%s\n' 'name: small' 'namespace: alice' 'command: python train.py' \
    'gpu: {type: RTX4090D, count: 1}' \
    'annotations: {ailab-kubesim.io/duration: 1h}' >"$TMP/job.yaml"
sed 's/^namespace: alice/namespace: ml101/' "$TMP/job.yaml" >"$TMP/ml101.yaml"

# Before the fault: alice is known to the server (her token and her
# right to create Deployments in her namespace are cached).
is "alice submits job 1" "$(submit alice "$TMP/job.yaml")" 201
running() { [ "$(job_state 1)" = running ]; }
ok_within "job 1 runs" 60 running

kubesim_fault '{"latencyMs": 8000}'
is "alice submits job 2 (held) while the cluster is slow: from the cache" \
    "$(submit alice "$TMP/job.yaml" hold=true)" 201
is "alice lists the queue" "$(api alice GET /v1/jobs)" 200
is "the list has both jobs" "$(jq_body "len(b['items'])")" 2
is "alice shows job 2" "$(api alice GET /v1/jobs/2)" 200
is "alice asks why job 2 waits" "$(api alice GET /v1/jobs/2/why)" 200
is "job 2 is held in the store" \
    "$(job_state 2)" held

# What needs the cluster: answered 503 within the bound, not silence.
code=$(api carol GET /v1/jobs -D "$TMP/headers")
is "a token the server has never seen: 503" "$code" 503
like "with a Retry-After" "$TMP/headers" "^Retry-After: [0-9]+"
like "saying the cluster did not answer" "$TMP/body" "did not answer"
code=$(api alice POST "/v1/jobs?filename=ml101.yaml&hold=true" \
    -H 'Content-Type: application/yaml' --data-binary "@$TMP/ml101.yaml" \
    -D "$TMP/headers")
is "alice submits into a namespace whose right is not cached: 503" \
    "$code" 503
like "with a Retry-After" "$TMP/headers" "^Retry-After: [0-9]+"
is "the quota, which only the cluster knows: 503" \
    "$(api alice GET '/v1/quota?namespace=alice' -D "$TMP/headers")" 503
is "the server's own health answers meanwhile" "$(api - GET /healthz)" 200
is "nothing was queued by the refused requests" \
    "$(queue_json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" 2

# The fault clears: everything works again, the queue intact.
kubesim_fault '{"latencyMs": 0}'
is "carol is known now: her (empty) list" "$(api carol GET /v1/jobs)" 200
is "alice submits job 3 into ml101" "$(submit alice "$TMP/ml101.yaml")" 201
is "alice releases job 2" "$(api alice POST /v1/jobs/2/release)" 200
all_running() {
	[ "$(job_state 1) $(job_state 2) $(job_state 3)" = "running running running" ]
}
ok_within "jobs 1, 2 and 3 run" 60 all_running
is "each job's Deployment was created once, none twice" \
    "$(audit_count "e.get('verb') == 'create' and e.get('resource') == 'deployments'")" 3
finish
