#!/bin/sh
# bench/wake-latency: how long a submit waits for the scheduler.  On an
# idle queue with `ailab-queue sched --interval 60s` running, times from the
# start of `ailab-queue submit` (a one-job file) to the arrival of the job's
# Deployment at ailab-kubesim, seen by a watch on the namespace's
# Deployments; N submits (default 20), one every GAP seconds (default 1.5,
# so that each finds the loop idle).  Prints each submit and the median,
# p95 and max; a pass started by the interval would show as 60 s.
# Usage: bench/wake-latency.sh [BUILDDIR [N [GAP]]]
# BUILDDIR holds ailab-queue and ailab-kubesim (default .).
set -eu
B=${1:-.}
N=${2:-20}
GAP=${3:-1.5}
AQ="$B/ailab-queue"
SIM="$B/ailab-kubesim"
. "$(dirname "$0")/lib.sh"

start_cluster $((N / 8 + 2))
cat >"$tmp/one.yaml" <<EOT
name: one
command: python train.py
gpu: {type: RTX4090D, count: 1}
resources: {cpu: 1, memory: 1Gi}
timeout: 24h
annotations:
  ailab-kubesim.io/duration: forever
EOT

"$AQ" --context admin -v sched --interval 60s >"$tmp/sched.out" 2>&1 &
SCHEDPID=$!
ready() {
	[ -p "$AILAB_QUEUE_DB.wake" ] && grep -q 'whole pass' "$tmp/sched.out"
}
poll 300 0.1 ready || { cat "$tmp/sched.out" >&2; exit 1; }

python3 - "$AQ" "$tmp/one.yaml" "$SIM_URL" "$N" "$GAP" <<'EOF2'
import http.client, json, statistics, subprocess, sys, threading, time
from urllib.parse import urlparse

aq, spec, url, n, gap = sys.argv[1], sys.argv[2], sys.argv[3], \
    int(sys.argv[4]), float(sys.argv[5])
u = urlparse(url)
seen = {}                     # job id -> arrival time of its Deployment
cond = threading.Condition()

def watch():
    c = http.client.HTTPConnection(u.hostname, u.port)
    c.request("GET", "/apis/apps/v1/namespaces/bench/deployments?watch=true",
              headers={"Authorization": "Bearer admin-token"})
    r = c.getresponse()
    while True:
        line = r.readline()
        if not line:
            return
        t = time.time()
        ev = json.loads(line)
        if ev.get("type") != "ADDED":
            continue
        jid = ev["object"]["metadata"]["labels"].get("ailab-queue.io/job-id")
        with cond:
            seen.setdefault(jid, t)
            cond.notify_all()

threading.Thread(target=watch, daemon=True).start()
time.sleep(0.5)
lat, sub = [], []
for i in range(n):
    t0 = time.time()
    out = subprocess.run([aq, "--context", "bench", "-q", "submit", spec],
                         check=True, capture_output=True, text=True).stdout
    t1 = time.time()
    jid = out.split()[-1]
    with cond:
        if not cond.wait_for(lambda: jid in seen, timeout=90):
            c = http.client.HTTPConnection(u.hostname, u.port)
            c.request("GET", "/apis/apps/v1/namespaces/bench/deployments"
                      "?labelSelector=ailab-queue.io%2Fjob-id%3D" + jid,
                      headers={"Authorization": "Bearer admin-token"})
            listed = len(json.load(c.getresponse())["items"])
            why = subprocess.run([aq, "why", jid], capture_output=True,
                                 text=True).stdout
            sys.exit("job %s: no Deployment seen by the watch within 90 s "
                     "(%d listed now); ailab-queue why:\n%s"
                     % (jid, listed, why))
        t2 = seen[jid]
    lat.append((t2 - t0) * 1000)
    sub.append((t1 - t0) * 1000)
    print("submit %2d (job %s): submit %.1f ms, Deployment at %.1f ms"
          % (i + 1, jid, sub[-1], lat[-1]))
    time.sleep(gap)

def summary(what, v):
    v = sorted(v)
    p95 = v[min(len(v) - 1, int(round(0.95 * (len(v) - 1))))]
    print("%s over %d submits: median %.1f ms, p95 %.1f ms, max %.1f ms"
          % (what, len(v), statistics.median(v), p95, v[-1]))

summary("submit to Deployment", lat)
summary("submit's own run", sub)
EOF2
