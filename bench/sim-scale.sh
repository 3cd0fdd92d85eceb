#!/bin/sh
# bench/sim-scale: ailab-kubesim at size.  A cluster of 5,000 nodes, 100,000
# pods over 100 namespaces created and run (--speed 1000, pods that run for
# ever), then: GET latency, a namespace LIST by label, a LIST by
# spec.nodeName, a cluster-wide LIST in pages of 500, watch delivery while
# pods are created, and the simulator's resident memory.
# Usage: bench/sim-scale.sh [KUBESIM [SIM-BENCH [NODES [PODS]]]]
#        (run from a build dir; PODS a multiple of 1,000)
set -eu
SIM=${1:-./ailab-kubesim}
LOAD=${2:-./bench/sim-bench}
NODES=${3:-5000}
PODS=${4:-100000}
NS=$((PODS / 1000))
min() { [ "$1" -lt "$2" ] && echo "$1" || echo "$2"; }
GETS=$(min 20000 "$PODS")
JOBS=$(min 2000 $((PODS / 10)))
NODEQ=$(min 2000 $((NODES - 10)))
. "$(dirname "$0")/lib.sh"

{
	echo "nodeGroups:"
	echo "- {count: $NODES, namePrefix: scale-, gpu: NVIDIA-GeForce-RTX-4090,"
	echo "   gpuCount: 8, cpu: '256', memory: 2Ti, labels: {gpu-model: RTX4090}}"
	echo "namespaces:"
	i=0
	while [ $i -lt "$NS" ]; do echo "- name: s$i"; i=$((i + 1)); done
	echo "- name: w"
	echo "users:"
	echo "- {name: admin, token: admin-token, admin: true}"
} >"$tmp/cluster.yaml"

sim_start "$SIM" --cluster "$tmp/cluster.yaml" --speed 1000 --seed 1
port=$SIM_PORT
url=$SIM_URL
mem() { grep -E '^(VmHWM|VmRSS)' "/proc/$SIMPID/status" | tr -s ' \t' ' ' |
    tr '\n' ' '; echo; }
echo "cluster: $NODES nodes, $NS namespaces; memory at start: $(mem)"

# Pods p-N in namespace s(N/1000); 10 pods per ailab-queue.io/job, 7 queues.
body='{"metadata":{"name":"p-{n}","labels":{"app":"bench","ailab-queue.io/job":"j{n/10}","ailab-queue.io/queue":"q{n%7}"},"annotations":{"ailab-kubesim.io/duration":"forever"}},"spec":{"containers":[{"name":"c","image":"x","resources":{"requests":{"cpu":"100m","memory":"128Mi"}}}]}}'
start=$(now)
i=0
while [ $i -lt "$NS" ]; do
	"$LOAD" 127.0.0.1 "$port" admin-token POST "/api/v1/namespaces/s$i/pods" \
	    1000 8 "$body" $((i * 1000)) >"$tmp/create.$i"
	i=$((i + 1))
done
created=$(now)
tail -1 "$tmp/create.$((NS - 1))"
echo "$PODS pods created in $(echo "$created - $start" | bc) s" \
    "($(echo "$PODS / ($created - $start)" | bc) pods/s)"
while [ "$(not_in /api/v1/pods Running)" -gt 0 ]; do sleep 1; done
end=$(now)
echo "all $PODS Running $(echo "$end - $start" | bc) s after the first create"
echo "memory with $PODS running pods: $(mem)"

"$LOAD" 127.0.0.1 "$port" admin-token GET \
    "/api/v1/namespaces/s{n/1000}/pods/p-{n}" "$GETS" 8
"$LOAD" 127.0.0.1 "$port" admin-token GET \
    "/api/v1/namespaces/s{n/1000}/pods/p-{n}" $((GETS / 10)) 1
"$LOAD" 127.0.0.1 "$port" admin-token GET \
    "/api/v1/namespaces/s{n/100}/pods?labelSelector=ailab-queue.io%2Fjob%3Dj{n}" \
    2000 1
"$LOAD" 127.0.0.1 "$port" admin-token GET \
    "/api/v1/namespaces/s{n}/pods?labelSelector=ailab-queue.io%2Fqueue%3Dq3" \
    $NS 1
"$LOAD" 127.0.0.1 "$port" admin-token GET \
    "/api/v1/pods?fieldSelector=spec.nodeName%3Dscale-{n}" "$NODEQ" 1 "" 10

python3 - "$url" <<'PY'
import json, sys, time, urllib.request
url = sys.argv[1]
def get(path):
    r = urllib.request.Request(url + path,
        headers={"Authorization": "Bearer admin-token"})
    return json.load(urllib.request.urlopen(r))
t0 = time.monotonic(); n = 0; pages = 0; cont = ""
while True:
    d = get("/api/v1/pods?limit=500" + ("&continue=" + cont if cont else ""))
    n += len(d["items"]); pages += 1
    cont = d["metadata"].get("continue", "")
    if not cont:
        break
t = time.monotonic() - t0
print("cluster-wide LIST in pages of 500: %d pods, %d pages in %.2f s "
      "(%.1f ms a page)" % (n, pages, t, 1000 * t / pages))
PY

# Watch delivery: one watcher on namespace w and 20 idle pod watches,
# while 1,000 pods are created one at a time.
python3 - "$port" <<'PY'
import http.client, json, sys, threading, time
port = int(sys.argv[1]); H = {"Authorization": "Bearer admin-token"}
def conn():
    return http.client.HTTPConnection("127.0.0.1", port, timeout=120)
idle = []
for i in range(20):
    c = conn(); c.request("GET", "/api/v1/namespaces/s0/pods?watch=1&"
        "labelSelector=none%3Dx&resourceVersion=1", headers=H)
    idle.append(c)
c = conn(); c.request("GET", "/api/v1/namespaces/w/pods", headers=H)
rv = json.load(c.getresponse())["metadata"]["resourceVersion"]
w = conn(); w.request("GET", "/api/v1/namespaces/w/pods?watch=1&"
    "resourceVersion=" + rv, headers=H)
resp = w.getresponse()
sent = {}; got = {}; N = 1000
def reader():
    while len(got) < N:
        line = resp.readline()
        if not line:
            break
        ev = json.loads(line)
        if ev["type"] == "ADDED":
            got[ev["object"]["metadata"]["name"]] = time.monotonic()
th = threading.Thread(target=reader); th.start()
body = ('{"metadata":{"name":"w-%d","annotations":{"ailab-kubesim.io/'
    'duration":"forever"}},"spec":{"containers":[{"name":"c","image":"x"}]}}')
p = conn(); t0 = time.monotonic()
for i in range(N):
    sent["w-%d" % i] = time.monotonic()
    p.request("POST", "/api/v1/namespaces/w/pods", body % i,
        dict(H, **{"Content-Type": "application/json"}))
    p.getresponse().read()
th.join(60)
t = time.monotonic() - t0
lat = sorted(got[k] - sent[k] for k in got)
print("watch: %d of %d ADDED events in %.2f s; create to event p50 %.2f ms, "
      "p99 %.2f ms (20 other pod watches open)" % (len(got), N, t,
      1000 * lat[len(lat) // 2], 1000 * lat[len(lat) * 99 // 100]))
PY
echo "memory at the end: $(mem)"
