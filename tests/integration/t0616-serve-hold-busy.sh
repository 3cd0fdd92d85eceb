#!/bin/sh
# A hold answers at once whatever else the server is waiting for (found
# by bench/torture.sh: a hold unanswered for minutes).  The server has
# one thread: (1) a pass whose creates hang on a slow cluster (a 10-minute
# latency fault) must not hold up a hold, which records its state and
# leaves the effect to a later pass; (2) a queue another process keeps
# locked must not stall the server for minutes in SQLite's busy waits:
# the hold is answered 503 with a Retry-After at once (nothing done, the
# client asks again), other requests are served meanwhile, and once the
# lock goes the hold is taken.  Asserted on the store and, for the pass
# in progress, on the simulated cluster's own state.
. "$top_srcdir/tests/integration/t06-serve-lib.sh"
plan 11

bail_unless start_kubesim
bail_unless start_serve a --no-lease --interval 1s -v
printf '%s\n' 'name: big' 'namespace: alice' 'command: python train.py' \
    'gpu: {type: RTX4090D, count: 4}' 'resources: {cpu: 2, memory: 8Gi}' \
    'annotations: {ailab-kubesim.io/duration: 1h}' >"$TMP/big.yaml"

# (1) Two jobs queued held; then every API request waits 10 minutes.
is "job 1 is submitted, held" "$(submit alice "$TMP/big.yaml" hold=true)" 201
is "job 2 is submitted, held" "$(submit alice "$TMP/big.yaml" hold=true)" 201
kubesim_fault '{"latencyMs": 600000}'
is "job 1 is released" "$(api alice POST /v1/jobs/1/release)" 200
ok_within "a pass admits job 1 and sends its creates to the slow cluster" \
    30 job_state_is 1 admitted
is "job 2 is released behind it (alice's quota has room for one)" \
    "$(api alice POST /v1/jobs/2/release)" 200
is "hold of job 2 is answered while that pass waits for the cluster" \
    "$(api alice POST /v1/jobs/2/hold)" 200
is "the store has job 2 held; job 1's Deployment is not in the cluster yet" \
    "$(job_state 2) $(job_objects 1 deployments)" "held 0"

# (2) A queue kept locked by another process until told to let go.
lock_queue
curl -s -D "$TMP/headers" -o "$TMP/body" -X POST --max-time 60 \
    -H 'Authorization: Bearer alice-token' "$SERVE_URL/v1/jobs/2/release" >/dev/null
like "release of job 2 while the queue is locked: 503 at once" "$TMP/headers" \
    "^HTTP/1.1 503"
like "with a Retry-After, the client asks again" "$TMP/headers" "^Retry-After: 1"
is "the server answers other requests meanwhile" "$(api - GET /healthz)" 200
unlock_queue
is "once the lock is gone, the release is taken" \
    "$(api alice POST /v1/jobs/2/release) $(job_state 2)" "200 queued"
kubesim_fault '{"latencyMs": 0}'
finish
