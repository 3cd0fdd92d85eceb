#!/usr/bin/env python3
"""bench/serve-stall.py: what other clients see while `ailab-queue serve`
validates one pathological spec (issue 18: 1 MiB of env keys, which the
spec module's duplicate-key check made quadratic).  One thread submits it
as alice; meanwhile the main thread asks /healthz every 100 ms on a new
connection, and bob submits a one-job spec once a second.  Prints, one
"key value" a line, the big submission's status and time, and the
latency of /healthz and of bob's submissions while it was in flight.

Usage: serve-stall.py URL
"""
import http.client
import sys
import threading
import time
import urllib.parse

url = urllib.parse.urlparse(sys.argv[1])
lines = ["name: big", "namespace: alice", "image: x", "command: [a]", "env:"]
size, i = sum(len(l) + 1 for l in lines), 0
while size + 16 < 1024 * 1024:
    lines.append("  K%d: v" % i)
    size += len(lines[-1]) + 1
    i += 1
big = ("\n".join(lines) + "\n").encode()
small = b"name: small\nnamespace: bob\nimage: x\ncommand: [a]\n"
result = {}


def request(method, path, body=None, token=None):
    c = http.client.HTTPConnection(url.hostname, url.port, timeout=600)
    h = {"Content-Type": "application/yaml"}
    if token:
        h["Authorization"] = "Bearer " + token
    t0 = time.time()
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    r.read()
    c.close()
    return r.status, time.time() - t0


def submit_big():
    result["big"] = request("POST", "/v1/jobs?filename=big.yaml", big,
                            "alice-token")


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(p / 100.0 * len(v)))] if v else 0


# Warm the review caches so that only parsing differs.
request("GET", "/v1/whoami", token="alice-token")
request("POST", "/v1/jobs?dry_run=true", small, "bob-token")
t = threading.Thread(target=submit_big)
t0 = time.time()
t.start()
health, bob, last_bob = [], [], 0.0
while t.is_alive():
    st, dt = request("GET", "/healthz")
    if t.is_alive():
        health.append(dt)
    if time.time() - last_bob >= 1.0:
        last_bob = time.time()
        st, dt = request("POST", "/v1/jobs?dry_run=true", small, "bob-token")
        if t.is_alive():
            bob.append(dt)
    time.sleep(0.1)
t.join()
print("spec_env_keys %d" % i)
print("big_status %d" % result["big"][0])
print("big_seconds %.1f" % result["big"][1])
print("healthz_during %d" % len(health))
print("healthz_p50_ms %.1f" % (1000 * pct(health, 50)))
print("healthz_max_ms %.1f" % (1000 * max(health or [0])))
print("bob_submits_during %d" % len(bob))
print("bob_p50_ms %.1f" % (1000 * pct(bob, 50)))
print("bob_max_ms %.1f" % (1000 * max(bob or [0])))
