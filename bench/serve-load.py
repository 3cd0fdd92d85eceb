#!/usr/bin/env python3
"""bench/serve-load.py: C concurrent clients each submit N one-job specs to
`ailab-queue serve` over keep-alive HTTP, as simulated users in turn.  A 429
is retried after its Retry-After (the rate limit is by design); any other
non-201 answer is a failure.  Prints the submit latency percentiles of the
successful requests, the 429 count and the failures, one "key value" a
line.

Usage: serve-load.py URL CLIENTS JOBS_PER_CLIENT
"""
import http.client
import sys
import threading
import time
import urllib.parse

USERS = [("alice", "alice"), ("bob", "bob"), ("carol", "carol"),
         ("admin", "ml101")]

url = urllib.parse.urlparse(sys.argv[1])
clients = int(sys.argv[2])
per_client = int(sys.argv[3])
lat = []
throttled = [0]
failures = []
lock = threading.Lock()


def client(c):
    user, ns = USERS[c % len(USERS)]
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    headers = {"Authorization": "Bearer %s-token" % user,
               "Content-Type": "application/yaml"}
    mine = []
    for s in range(per_client):
        body = ("name: l%d-%d\nnamespace: %s\nimage: busybox\n"
                "command: [sh, -c, \"true\"]\n"
                "resources: {cpu: 100m, memory: 128Mi}\n"
                "annotations:\n  ailab-kubesim.io/duration: 20s\n"
                % (c, s, ns))
        while True:
            t0 = time.monotonic()
            try:
                conn.request("POST", "/v1/jobs?filename=l.yaml", body,
                             headers)
                r = conn.getresponse()
                data = r.read()
            except (OSError, http.client.HTTPException) as e:
                with lock:
                    failures.append("client %d: %s" % (c, e))
                conn.close()
                conn = http.client.HTTPConnection(url.hostname, url.port,
                                                  timeout=60)
                break
            dt = time.monotonic() - t0
            if r.status == 429:
                with lock:
                    throttled[0] += 1
                time.sleep(float(r.getheader("Retry-After", "1")))
                continue
            if r.status != 201:
                with lock:
                    failures.append("client %d: %d %s" % (c, r.status,
                                                          data[:200]))
            else:
                mine.append(dt)
            break
    with lock:
        lat.extend(mine)


t0 = time.monotonic()
threads = [threading.Thread(target=client, args=(c,))
           for c in range(clients)]
for t in threads:
    t.start()
for t in threads:
    t.join()
wall = time.monotonic() - t0
lat.sort()


def pct(p):
    return lat[min(len(lat) - 1, int(p / 100.0 * len(lat)))] * 1000


print("submitted %d" % len(lat))
print("throttled_429 %d" % throttled[0])
print("failures %d" % len(failures))
for f in failures[:10]:
    print("failure %s" % f)
if lat:
    print("p50_ms %.1f" % pct(50))
    print("p99_ms %.1f" % pct(99))
    print("max_ms %.1f" % (lat[-1] * 1000))
print("wall_s %.1f" % wall)
print("rate_per_s %.0f" % (len(lat) / wall))
