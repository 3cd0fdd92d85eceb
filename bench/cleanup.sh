#!/bin/sh
# bench/cleanup: one `ailab-queue cleanup` of N finished jobs (default
# 10,000) against ailab-kubesim.  Each job has a Service and a Deployment
# on the simulated cluster, as the scheduler leaves them when it crashes
# between a job's end and its cleanup.
# Usage: bench/cleanup.sh [BUILD_DIR] [N]
set -eu
B=${1:-.}
N=${2:-10000}
. "$(dirname "$0")/lib.sh"
aq_sim "$B/ailab-kubesim" --speed 100

i=0
while [ $i -lt "$N" ]; do
	[ $i -gt 0 ] && echo ---
	printf 'name: b\ncommand: "true"\n'
	i=$((i + 1))
done >"$tmp/jobs.yaml"
"$B/ailab-queue" submit "$tmp/jobs.yaml" >/dev/null
sqlite3 "$AILAB_QUEUE_DB" "UPDATE jobs SET state = 'succeeded', cleaned = 0,
    attempts = 1, finished_at = started_at"
token=$(kubectl config view --raw -o jsonpath='{.users[?(@.name=="alice")].user.token}')
python3 - "$SIM_URL" "$token" "$N" <<'PY'
import http.client, json, sys, urllib.parse
url, token, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
u = urllib.parse.urlparse(url)
c = http.client.HTTPConnection(u.hostname, u.port)
h = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
for i in range(1, n + 1):
    labels = {"app.kubernetes.io/managed-by": "ailab-queue",
              "ailab-queue.io/job-id": str(i)}
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {
        "name": "b-%d" % i, "labels": labels}, "spec": {"clusterIP": "None",
        "selector": {"ailab-queue.io/job-id": str(i)}}}
    c.request("POST", "/api/v1/namespaces/alice/services", json.dumps(svc), h)
    r = c.getresponse(); r.read()
    assert r.status == 201, r.status
PY
start=$(now)
"$B/ailab-queue" ${QPS:+--qps "$QPS"} cleanup
end=$(now)
left=$(sqlite3 "$AILAB_QUEUE_DB" "SELECT count(*) FROM jobs WHERE cleaned = 0")
echo "cleanup of $N finished jobs: $(echo "$end - $start" | bc) s" \
    "($(echo "$N / ($end - $start)" | bc) jobs/s); not cleaned after: $left"
