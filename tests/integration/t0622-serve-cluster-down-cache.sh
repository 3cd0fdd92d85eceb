#!/bin/sh
# Known users keep working while the cluster does not answer, for a
# bounded time: the server's cached answers (its TokenReviews and
# SubjectAccessReviews) outlive their TTL (token_cache) by a grace
# (token_cache_grace) used only when the cluster fails to answer a
# review within review_timeout.  With a 60 s latency fault and a 1 s
# TTL: alice's stale answers still let her list, submit and show, and
# still keep her out of bob's jobs; carol (never seen) gets a 503 with a
# Retry-After; a second server with no grace refuses alice 503 too.  The
# CLI against the server works for alice throughout.  After the fault,
# the queue is intact and the held jobs run, each workload created once.
. "$top_srcdir/tests/integration/t06-serve-lib.sh"
plan 16

bail_unless start_kubesim
printf '%s\n' 'token_cache: 1s' 'token_cache_grace: 10m' 'review_timeout: 2s' \
    >"$TMP/grace.yaml"
printf '%s\n' 'token_cache: 1s' 'token_cache_grace: 0s' 'review_timeout: 2s' \
    >"$TMP/nograce.yaml"
bail_unless start_serve a --no-lease --interval 1s --config "$TMP/grace.yaml" -v
bail_unless start_serve b --no-schedule --config "$TMP/nograce.yaml" -v
printf '%s\n' 'name: small' 'namespace: alice' 'command: python train.py' \
    'gpu: {type: RTX4090D, count: 1}' \
    'annotations: {ailab-kubesim.io/duration: 1h}' >"$TMP/job.yaml"

# Before the fault: alice and bob are known to server a, alice to b.
SERVE_URL=$SERVE_URL_a
is "alice submits job 1, held" "$(submit alice "$TMP/job.yaml" hold=true)" 201
is "bob lists (his list is empty)" "$(api bob GET /v1/jobs)" 200
SERVE_URL=$SERVE_URL_b
is "alice lists through the server without grace" \
    "$(api alice GET /v1/jobs)" 200

kubesim_fault '{"latencyMs": 60000}'
sleep 2
SERVE_URL=$SERVE_URL_a
is "past the TTL, alice still lists (her cached answer, in its grace)" \
    "$(api alice GET /v1/jobs)" 200
is "alice submits job 2, held" "$(submit alice "$TMP/job.yaml" hold=true)" 201
is "alice shows job 2" "$(api alice GET /v1/jobs/2)" 200
is "bob's cached answer still keeps him out of alice's job" \
    "$(api bob GET /v1/jobs/1)" 404
check "alice's CLI against the server lists her two jobs" \
    "$AILAB_QUEUE" --server "$SERVE_URL_a" --context alice ls --all -o json
is "the CLI's list" "$(python3 -c "import json; print(len(json.load(open('$TMP/out'))))")" 2
is "carol, never seen: 503" "$(api carol GET /v1/jobs -D "$TMP/headers")" 503
like "with a Retry-After" "$TMP/headers" "^Retry-After: [0-9]+"
SERVE_URL=$SERVE_URL_b
is "without grace, the server refuses alice 503 past the TTL" \
    "$(api alice GET /v1/jobs)" 503

kubesim_fault '{"latencyMs": 0}'
SERVE_URL=$SERVE_URL_a
is "after the fault, the store has both jobs held" \
    "$(job_state 1) $(job_state 2)" "held held"
is "alice releases job 1 and job 2" \
    "$(api alice POST /v1/jobs/1/release) $(api alice POST /v1/jobs/2/release)" \
    "200 200"
both_running() { [ "$(job_state 1) $(job_state 2)" = "running running" ]; }
ok_within "both jobs run" 120 both_running
is "each job's Deployment was created once, none twice" \
    "$(sim_get /sim/audit | json_val "sum(1 for e in d['items']
    if e.get('verb') == 'create' and e.get('resource') == 'deployments')")" 2
finish
