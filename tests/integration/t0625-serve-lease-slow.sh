#!/bin/sh
# A Lease holder whose cluster stops answering steps down before its
# Lease expires; the other replica takes over only after expiry; no
# workload is created twice.  Replica a reaches the cluster through a
# relay that this test can stall (the simulator's latencyMs fault delays
# every client alike; here only a's requests wait, as when a's node
# loses its way to the API server); replica b reaches it directly.  a's
# calls to the cluster outlive their deadline (a third of the 6 s lease)
# and are cancelled; a stops scheduling 4 s after its last renewal, b
# takes the Lease 6 s after it.  Meanwhile a's token review times out
# and its users are served from their cached answers in their grace:
# /metrics counts both.
. "$top_srcdir/tests/integration/t06-serve-lib.sh"
plan 18

# secs RFC3339: seconds since the epoch.
secs() {
	python3 -c '
import datetime, sys
t = sys.argv[1].rstrip("Z")
d = datetime.datetime.strptime(t[:26], "%Y-%m-%dT%H:%M:%S.%f")
print(d.replace(tzinfo=datetime.timezone.utc).timestamp())' "$1"
}

bail_unless start_kubesim --cluster "$FIXTURES/sim-roomy.yaml"
# The relay holds a's bytes back while $TMP/stall exists.
start_relay "$TMP/kc-a" --stall "$TMP/stall"

printf '%s\n' 'token_cache: 1s' 'token_cache_grace: 10m' 'review_timeout: 1s' \
    >"$TMP/a.yaml"
KUBECONFIG=$TMP/kc-a
start_serve a --identity replica-a --lease-duration 6s --interval 1s \
    --config "$TMP/a.yaml" -v
KUBECONFIG=$TMP/kubeconfig
ok_within "replica a (through the relay) holds the Lease" 20 holder_is replica-a
check "replica b (direct) serves too" start_serve b --identity replica-b \
    --lease-duration 6s --interval 1s -v
A=$SERVE_URL_a
B=$SERVE_URL_b

echo_sweep slow 5
SERVE_URL=$A
is "alice submits five jobs through a" "$(submit alice "$TMP/sweep.yaml")" 201
ok_within "a, the leader, runs them" 60 alice_running "$B" 5
SERVE_URL=$A
is "alice's answers are cached on a" "$(api alice GET /v1/jobs)" 200
is "a counts no review timeout yet" \
    "$(metric "$A" 'ailab_queue_review_timeouts_total{review="token"}')" 0

# Every record the Lease goes through from now until b holds it, as
# "holder renewTime acquireTime" lines: the times are the replicas' own.
python3 - "$KUBESIM_URL$LEASE" "$TMP/records" <<'EOT' &
import json, sys, time, urllib.request
req = urllib.request.Request(sys.argv[1],
    headers={"Authorization": "Bearer admin-token"})
last = None
while last is None or last[0] != "replica-b":
    try:
        spec = json.load(urllib.request.urlopen(req, timeout=5))["spec"]
    except Exception:
        time.sleep(0.1)
        continue
    rec = (spec.get("holderIdentity") or "-", spec.get("renewTime") or "-",
           spec.get("acquireTime") or "-")
    if rec != last:
        with open(sys.argv[2], "a") as f:
            f.write(" ".join(rec) + "\n")
        last = rec
    time.sleep(0.05)
EOT
WATCH=$!
TEST_PIDS="$TEST_PIDS $WATCH"
wait_for 10 test -s "$TMP/records"

# a's cluster stops answering.
touch "$TMP/stall"
down() { grep -q "lost: this replica stops scheduling" "$TMP/serve-a.err"; }
ok_within "a steps down" 30 down
grep -q "did not answer within\|not renewed for" "$TMP/serve-a.err"
ok "  its calls had a deadline" $?

SERVE_URL=$B
is "alice submits five more through b" "$(submit alice "$TMP/sweep.yaml")" 201
ok_within "b takes the Lease over" 30 holder_is replica-b
wait "$WATCH"
RENEW=$(secs "$(awk '$1 == "replica-a" { t = $2 } END { print t }' "$TMP/records")")
ACQ=$(secs "$(awk '$1 == "replica-b" { print $3; exit }' "$TMP/records")")
DOWN=$(secs "$(sed -n 's/ .*lease .*lost: this replica stops scheduling.*//p' \
    "$TMP/serve-a.err" | tail -n 1)")
python3 -c 'import sys; sys.exit(not 0 < float(sys.argv[2]) - float(sys.argv[1]) < 6)' \
    "$RENEW" "$DOWN"
ok "  a stopped before its Lease expired (renewed $RENEW, stopped $DOWN)" $?
python3 -c 'import sys; sys.exit(not float(sys.argv[2]) - float(sys.argv[1]) >= 5.95)' \
    "$RENEW" "$ACQ"
ok "  b took it only after it expired (taken $ACQ)" $?
ok_within "b runs the other five" 60 alice_running "$B" 10

# a serves alice from her cached answers: its review of her token
# times out (1 s) and the answer past its TTL stands in its grace.
SERVE_URL=$A
is "alice lists through a while its cluster is silent" \
    "$(api alice GET /v1/jobs)" 200
timeouts=$(metric "$A" 'ailab_queue_review_timeouts_total{review="token"}')
grace=$(metric "$A" 'ailab_queue_review_grace_answers_total{review="token"}')
[ "${timeouts:-0}" -ge 1 ] && [ "${grace:-0}" -ge 1 ]
ok "  /metrics counts the timeout ($timeouts) and the grace answer ($grace)" $?

rm -f "$TMP/stall"
sleep 3
is "the relay clears: a stays a follower, b leads" \
    "$(leader "$A") $(leader "$B")" "False True"
is "one Deployment a job, none created twice" \
    "$(created_deployments | json_val 'len(d), len(set(d))')" "10 10"
finish
