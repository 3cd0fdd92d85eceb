#!/bin/sh
# Faults, switched at start and at run time through POST /sim/faults:
# 500s, 429 with Retry-After, latency, dropped connections, expired
# watches, a node going NotReady and an API server restart.
. "$top_srcdir/tests/sim/sim-lib.sh"
plan 28

# The roomy cluster: pods without limits, quotas on requests only.
check "starts with --faults" sim_start --cluster "$FIXTURES/sim-roomy.yaml" \
    --speed 50 --faults '{"error500": 1.0}'
is "every request fails 500" "$(api GET /api/v1/nodes)" 500
is "as InternalError" "$(jget 'd["reason"]')" InternalError
is "students may not touch faults" "$(api POST /sim/faults alice-token '{"error500":0}')" 403
is "an admin clears them" "$(api POST /sim/faults admin-token '{"error500":0}')" 200
is "requests work again" "$(api GET /api/v1/nodes)" 200
api POST /sim/faults admin-token '{"error429":1.0,"retryAfterSeconds":2}' >/dev/null
is "429" "$(api GET /api/v1/nodes)" 429
like "with Retry-After" "$TMP/headers" '^Retry-After: 2'
is "TooManyRequests with retryAfterSeconds" "$(jget 'd["reason"]+" "+str(d["details"]["retryAfterSeconds"])')" "TooManyRequests 2"
api POST /sim/faults admin-token '{"error429":0,"latencyMs":300}' >/dev/null
T=$(curl -sS -o /dev/null -w '%{time_total}' -H 'Authorization: Bearer admin-token' "$SIM_URL/api/v1/nodes")
$PY -c "import sys; sys.exit(0 if float('$T') >= 0.29 else 1)"
ok "added latency ($T s)" $?
api POST /sim/faults admin-token '{"latencyMs":0,"drop":1.0}' >/dev/null
curl -sS --max-time 5 -o "$TMP/partial" -H 'Authorization: Bearer admin-token' "$SIM_URL/api/v1/nodes" 2>/dev/null
rc=$?
[ $rc -ne 0 ]
ok "a connection dropped mid-response (curl exit $rc)" $?
like "after part of a body" "$TMP/partial" '^\{"kind":"Status"'
api POST /sim/faults admin-token '{"drop":0}' >/dev/null
is "GET /sim/faults shows them" "$(get_jget /sim/faults admin-token 'd["drop"]')" 0.0
is "and counts what was injected" "$(jget '[d["injected"][k] for k in ("error500","error429","drop")]')" '[1, 1, 1]'

# Expired watches.
RV=$(api GET /api/v1/namespaces/bob/pods bob-token >/dev/null; jget 'd["metadata"]["resourceVersion"]')
curl -sS -N --max-time 10 -H 'Authorization: Bearer bob-token' \
    "$SIM_URL/api/v1/namespaces/bob/pods?watch=1&resourceVersion=$RV" >"$TMP/w1" &
W=$!
sleep 0.5
is "expire watches" "$(api POST /sim/faults admin-token '{"expireWatches":true}')" 200
wait "$W"
ok "the watch ends" $?
tail -1 "$TMP/w1" >"$TMP/w1.last"
is "with an ERROR 410 Expired" "$(jget 'd["type"]+" "+str(d["object"]["code"])+" "+d["object"]["reason"]' "$TMP/w1.last")" "ERROR 410 Expired"
curl -sS -N --max-time 5 -H 'Authorization: Bearer bob-token' \
    "$SIM_URL/api/v1/namespaces/bob/pods?watch=1&resourceVersion=$RV" | head -1 >"$TMP/w2"
is "the old resourceVersion is gone" "$(jget 'd["object"]["code"]' "$TMP/w2")" 410

# A node goes NotReady; evictAfter 0 evicts its pods at once (a cluster
# waits out their 300 s toleration, t0313): they stay Terminating, since
# the lost kubelet cannot confirm.
api POST /api/v1/namespaces/bob/pods bob-token '{"metadata":{"name":"n1","annotations":{"ailab-kubesim.io/duration":"forever"}},"spec":{"containers":[{"name":"c","image":"x","resources":{"requests":{"cpu":"1","memory":"1Gi"}}}]}}' >/dev/null
running() { api GET /api/v1/namespaces/bob/pods/n1 bob-token >/dev/null; jget 'd["status"]["phase"]' | grep -qx Running; }
ok_within "a pod runs" 10 running
NODE=$(jget 'd["spec"]["nodeName"]')
is "node NotReady" "$(api POST /sim/faults admin-token "{\"nodeNotReady\":\"$NODE\",\"evictAfter\":0}")" 200
evicted() { api GET /api/v1/namespaces/bob/pods/n1 bob-token >/dev/null; jget '"deletionTimestamp" in d["metadata"]' | grep -qx true; }
ok_within "its pod is evicted" 5 evicted
is "and Terminating, still Running" "$(jget 'd["status"]["phase"]+" "+[c["reason"] for c in d["status"]["conditions"] if c["type"]=="DisruptionTarget"][0]')" "Running DeletionByTaintManager"
is "the node is not Ready" "$(get_jget "/api/v1/nodes/$NODE" admin-token '[c["status"] for c in d["status"]["conditions"] if c["type"]=="Ready"][0]')" Unknown

# An API server restart: connections cut, state kept.
curl -sS -N --max-time 10 -H 'Authorization: Bearer bob-token' \
    "$SIM_URL/api/v1/namespaces/bob/pods?watch=1" >"$TMP/w3" 2>/dev/null &
W=$!
sleep 0.5
is "restart" "$(api POST /sim/faults admin-token '{"restart":true}')" 200
sleep 1
! kill -0 "$W" 2>/dev/null
ok "open watches are cut" $?
wait "$W"
is "same port serves again" "$(api GET /api/v1/namespaces/bob/pods/n1 bob-token)" 200
is "state is kept" "$(jget '"deletionTimestamp" in d["metadata"]')" true
check "stops cleanly" sim_stop
[ ! -s "$TMP/sim.err" ] || sed 's/^/# /' "$TMP/sim.err" | head -40
finish
