#!/bin/sh
# bench/sim-bench: what ailab-kubesim serves.  Requests per second for a GET
# of one object, a LIST of 10,000 pods and pod creation, then the time to
# create 10,000 pods and run them to completion at --speed 1000.
# Usage: bench/sim-bench.sh [KUBESIM [SIM-BENCH]]  (run from a build dir)
set -eu
SIM=${1:-./ailab-kubesim}
LOAD=${2:-./bench/sim-bench}
SRC=$(cd "$(dirname "$0")" && pwd)
. "$SRC/lib.sh"
sim_start "$SIM" --cluster "$SRC/sim-cluster.yaml" --speed 1000 --seed 1
port=$SIM_PORT
url=$SIM_URL

"$LOAD" 127.0.0.1 "$port" admin-token GET /api/v1/nodes/bench-01 20000 8
body='{"metadata":{"generateName":"p-","annotations":{"ailab-kubesim.io/duration":"forever"}},"spec":{"containers":[{"name":"c","image":"x","resources":{"requests":{"cpu":"10m","memory":"16Mi"}}}]}}'
"$LOAD" 127.0.0.1 "$port" admin-token POST /api/v1/namespaces/bench/pods \
    10000 8 "$body"
"$LOAD" 127.0.0.1 "$port" admin-token GET /api/v1/namespaces/bench/pods 20 2
"$LOAD" 127.0.0.1 "$port" admin-token GET \
    '/api/v1/namespaces/bench/pods?limit=500' 200 4
curl -s -X DELETE -H 'Authorization: Bearer admin-token' \
    "$url/api/v1/namespaces/bench/pods?gracePeriodSeconds=0" >/dev/null
rss=$(ps -o rss= -p "$SIMPID")
echo "resident memory after 10,000 pods: $((rss / 1024)) MiB"

# 10,000 pods of one simulated minute each, run to completion.
body='{"metadata":{"generateName":"r-","annotations":{"ailab-kubesim.io/duration":"60s"}},"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"x","resources":{"requests":{"cpu":"10m","memory":"16Mi"}}}]}}'
start=$(now)
"$LOAD" 127.0.0.1 "$port" admin-token POST /api/v1/namespaces/bench/pods \
    10000 8 "$body"
created=$(now)
while [ "$(not_in /api/v1/namespaces/bench/pods Succeeded)" -gt 0 ]; do
	sleep 0.2
done
end=$(now)
echo "10,000 pods created in $(echo "$created - $start" | bc) s," \
    "all Succeeded after $(echo "$end - $start" | bc) s (--speed 1000)"
