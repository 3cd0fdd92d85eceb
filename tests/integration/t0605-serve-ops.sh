#!/bin/sh
# The rest of the API over a running scheduler: the event stream and its
# cursor, why, live then archived logs, hold/release/retry, dry runs,
# quota, health and metrics.
. "$top_srcdir/tests/integration/t06-serve-lib.sh"
plan 22

check "ailab-kubesim starts" start_kubesim --speed 10
check "serve starts and schedules" start_serve a --no-lease --interval 1s
is "healthz?verbose says it leads" \
    "$(api - GET '/healthz?verbose=true') $(jq_body 'b["status"], b["leader"]')" \
    "200 ok True"

cat >"$TMP/job.yaml" <<'EOT'
name: ops
namespace: alice
image: busybox
command: [sh, -c, "echo hello from ops"]
resources: {cpu: 1, memory: 1Gi}
annotations:
  ailab-kubesim.io/duration: 1h
EOT
queue_json >"$TMP/before.json"
is "a dry run validates and answers the specs" \
    "$(submit alice "$TMP/job.yaml" dry_run=true) $(jq_body 'b["dry_run"], b["items"][0]["namespace"]')" \
    "200 True alice"
queue_json >"$TMP/after.json"
check "and queues nothing" cmp -s "$TMP/before.json" "$TMP/after.json"

spawn WATCH curl -s -N --max-time 60 -H "Authorization: Bearer alice-token" \
    "$SERVE_URL/v1/events?watch=true" >"$TMP/watch.out"
sleep 0.5
is "submit" "$(submit alice "$TMP/job.yaml")" 201
ID=$(jq_body 'b["items"][0]["id"]')
ok_within "the job runs" 30 served_job_is alice "$ID" 'b["state"]' running
is "why says it runs" \
    "$(api alice GET "/v1/jobs/$ID/why") $(jq_body 'b["id"], b["state"]')" \
    "200 $ID running"
is "logs while it runs come live from the pod" \
    "$(api alice GET "/v1/jobs/$ID/logs" -D "$TMP/h1") $(sed -n 's/^X-Ailab-Log-Source: \([a-z]*\).*/\1/p' "$TMP/h1")" \
    "200 live"
# The run lasts an hour of the cluster's clock, so that it is still
# running whatever the load while why and the live logs are asked; then
# the clock is moved past its end.
curl -s -o /dev/null -X POST -H 'Authorization: Bearer admin-token' \
    -H 'Content-Type: application/json' -d '{"advanceSeconds":3600}' \
    "$KUBESIM_URL/sim/clock"
ok_within "the job succeeds" 60 \
    served_job_is alice "$ID" 'b["state"]' succeeded
ok_within "and is cleaned up" 30 \
    served_job_is alice "$ID" 'b["cleaned"]' True
is "its logs then come from the archive" \
    "$(api alice GET "/v1/jobs/$ID/logs" -D "$TMP/h2") $(sed -n 's/^X-Ailab-Log-Source: \([a-z]*\).*/\1/p' "$TMP/h2")" \
    "200 archived"
like "to the end of the run" "$TMP/body" "exiting with code 0"

wait_for 10 grep -q '"to":"succeeded"' "$TMP/watch.out"
kill "$WATCH" 2>/dev/null
wait "$WATCH" 2>/dev/null
python3 - "$TMP/watch.out" "$ID" >"$TMP/seq" <<'EOT'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
ev = [l for l in lines if l["type"] == "EVENT" and l["id"] == int(sys.argv[2])]
print(" ".join(e["event"]["to"] for e in ev))
print(ev[0]["cursor"])
EOT
is "the watch streamed every state change in order" "$(head -n 1 "$TMP/seq")" \
    "queued admitted running succeeded" || sed 's/^/#   /' "$TMP/watch.out" | cut -c1-150
FIRST=$(sed -n 2p "$TMP/seq")
is "resuming after the first cursor repeats nothing" \
    "$(api alice GET "/v1/events?since=$FIRST&job=$ID") $(jq_body '" ".join(i["event"]["to"] for i in b["items"])')" \
    "200 admitted running succeeded"

is "retry queues it again" \
    "$(api alice POST "/v1/jobs/$ID/retry") $(jq_body 'b["items"][0]["result"]')" \
    "200 queued"
is "submit held" "$(submit alice "$TMP/job.yaml" hold=true) $(jq_body 'b["items"][0]["state"]')" \
    "201 held"
HELD=$(jq_body 'b["items"][0]["id"]')
is "holding a held job is a conflict" "$(api alice POST "/v1/jobs/$HELD/hold")" 409
is "release" \
    "$(api alice POST "/v1/jobs/$HELD/release") $(jq_body 'b["items"][0]["result"]')" \
    "200 released"

is "quota of her namespace" \
    "$(api alice GET '/v1/quota?namespace=alice') $(jq_body 'b["quotas"][0]["name"]')" \
    "200 quota-cpu-mem-gpu-pvc"
is "not of bob's" "$(api alice GET '/v1/quota?namespace=bob')" 403
curl -s "$SERVE_URL/metrics" >"$TMP/metrics"
grep -q '^ailab_queue_leader 1$' "$TMP/metrics" &&
    grep -Eq '^ailab_queue_wait_seconds_count [1-9]' "$TMP/metrics" &&
    grep -Eq '^ailab_queue_api_requests_total\{code="201"\} [0-9]+' "$TMP/metrics" &&
    grep -Eq '^ailab_queue_jobs\{state="[a-z_]+",gpu_type="cpu"\} [0-9]+' "$TMP/metrics"
ok "metrics: leader, wait histogram, requests by code, jobs by state and type" $?
finish
