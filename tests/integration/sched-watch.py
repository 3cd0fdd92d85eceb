#!/usr/bin/python3
# Follows a scheduler scenario from both sides until the file STOP exists,
# then writes a JSON report to OUT:
# - the simulated cluster's own view, from a cluster-wide watch of pods as
#   the admin (every change, none missed between samples): for pods of
#   ailab-queue, the most GPUs bound at once, every pod that was
#   Unschedulable for GPUs and for how long in simulated seconds (from the
#   condition's lastTransitionTime until bound or deleted), and per owner
#   the simulated time at which it first had N pods running at once;
# - the queue's view, from `ailab-queue ls -o json` every INTERVAL: the
#   most GPUs of jobs admitted or running at once.
# Report keys: events, max_bound_gpus, max_queue_gpus, unschedulable
# ([job-id, seconds, message] each, seconds up to the last event seen if
# still pending), owner_running ({owner: {N: first sim time}}), t0 (the
# first event's simulated time), queue_samples.
# usage: sched-watch.py URL TOKEN STOP OUT AILAB_QUEUE [INTERVAL]
import datetime
import http.client
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request

JOBID = "ailab-queue.io/job-id"
OWNER = "ailab-queue.io/owner"
MANAGED = "app.kubernetes.io/managed-by"


def ts(s):
    if not s:
        return None
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()


def gpus(p):
    n = 0
    for c in (p.get("spec") or {}).get("containers", []):
        v = ((c.get("resources") or {}).get("limits") or {}).get(
            "nvidia.com/gpu", "0")
        n += int(v)
    return n


def cond(p, t):
    for c in (p.get("status") or {}).get("conditions") or []:
        if c.get("type") == t:
            return c
    return None


class Watch:
    def __init__(self, url, token):
        self.url, self.token = url, token
        self.pods = {}
        self.rep = {"events": 0, "max_bound_gpus": 0, "unschedulable": {},
                    "owner_running": {}, "t0": None}
        self.last_t = None
        self.lock = threading.Lock()

    def event(self, typ, p):
        md = p.get("metadata") or {}
        lb = md.get("labels") or {}
        if lb.get(MANAGED) != "ailab-queue":
            return
        key = md.get("namespace", "") + "/" + md.get("name", "")
        self.rep["events"] += 1
        c = cond(p, "PodScheduled")
        # deletionTimestamp is the delete plus the grace period.
        t = (ts(md.get("deletionTimestamp")) and
             ts(md.get("deletionTimestamp")) -
             (md.get("deletionGracePeriodSeconds") or 0)) or (c and ts(
            c.get("lastTransitionTime"))) or ts(md.get("creationTimestamp"))
        if t is not None:
            self.last_t = t if self.last_t is None else max(self.last_t, t)
            if self.rep["t0"] is None:
                self.rep["t0"] = t
        if typ == "DELETED":
            self.pods.pop(key, None)
        else:
            self.pods[key] = p
        if c is not None and c.get("status") == "False" and \
                "Insufficient nvidia.com/gpu" in (c.get("message") or ""):
            u = self.rep["unschedulable"].setdefault(key, {
                "job": lb.get(JOBID), "since": ts(c.get("lastTransitionTime")),
                "until": None, "message": c.get("message")})
            u["until"] = None
        for k, u in self.rep["unschedulable"].items():
            q = self.pods.get(k)
            if u["until"] is not None:
                continue
            qc = cond(q, "PodScheduled") if q else None
            if q is None or md.get("deletionTimestamp") and k == key:
                u["until"] = self.last_t
            elif qc is not None and qc.get("status") == "True":
                u["until"] = ts(qc.get("lastTransitionTime")) or self.last_t
        bound = 0
        running = {}
        for q in self.pods.values():
            st = q.get("status") or {}
            if (q.get("spec") or {}).get("nodeName") and \
                    st.get("phase") not in ("Succeeded", "Failed"):
                bound += gpus(q)
            if st.get("phase") == "Running":
                o = ((q.get("metadata") or {}).get("labels") or {}).get(
                    OWNER, "")
                running[o] = running.get(o, 0) + 1
        self.rep["max_bound_gpus"] = max(self.rep["max_bound_gpus"], bound)
        for o, n in running.items():
            seen = self.rep["owner_running"].setdefault(o, {})
            for k in range(1, n + 1):
                seen.setdefault(str(k), self.last_t)

    def stream(self, rv):
        """Watches from rv until the stream ends; returns the last rv, or
        None when the server said the rv is too old (410: relist)."""
        q = "watch=true&allowWatchBookmarks=true"
        if rv:
            q += "&resourceVersion=" + rv
        req = urllib.request.Request(
            self.url + "/api/v1/pods?" + q,
            headers={"Authorization": "Bearer " + self.token})
        with urllib.request.urlopen(req, timeout=3600) as r:
            for line in r:
                if not line.strip():
                    continue
                ev = json.loads(line)
                obj = ev.get("object") or {}
                if ev.get("type") == "ERROR":
                    return None if obj.get("code") == 410 else rv
                rv = (obj.get("metadata") or {}).get("resourceVersion", rv)
                if ev.get("type") == "BOOKMARK":
                    continue
                with self.lock:
                    self.event(ev.get("type"), obj)
        return rv

    def relist(self):
        """Lists every pod: the state a watch resumes from."""
        req = urllib.request.Request(
            self.url + "/api/v1/pods",
            headers={"Authorization": "Bearer " + self.token})
        with urllib.request.urlopen(req, timeout=60) as r:
            body = json.load(r)
        with self.lock:
            self.pods = {}
            for p in body.get("items") or []:
                self.event("ADDED", p)
        return (body.get("metadata") or {}).get("resourceVersion")

    def run(self):
        # The first watch sends the current pods as ADDED; a stream cut
        # (the server restarting, faults) is watched again from the last
        # resourceVersion, and a 410 relists, so that no change is missed.
        rv = ""
        while True:
            try:
                if rv is None:
                    rv = self.relist()
                rv = self.stream(rv)
            except (OSError, ValueError, http.client.HTTPException):
                time.sleep(0.2)


def main():
    url, token, stop, out, aq = sys.argv[1:6]
    interval = float(sys.argv[6]) if len(sys.argv) > 6 else 0.2
    w = Watch(url, token)
    th = threading.Thread(target=w.run, daemon=True)
    th.start()
    maxq, samples = 0, 0
    while True:
        done = os.path.exists(stop)
        try:
            js = json.loads(subprocess.run(
                [aq, "ls", "-o", "json"], capture_output=True,
                timeout=30).stdout or b"[]")
            g = sum((j.get("gpu") or {}).get("count", 0) *
                    j.get("replicas", 1) for j in js
                    if j.get("state") in ("admitted", "running"))
            maxq = max(maxq, g)
            samples += 1
        except (ValueError, subprocess.SubprocessError):
            pass
        if done:
            break
        time.sleep(interval)
    time.sleep(0.5)
    with w.lock:
        rep = dict(w.rep)
        rep["max_queue_gpus"] = maxq
        rep["queue_samples"] = samples
        rep["unschedulable"] = [
            [u["job"], round((u["until"] or w.last_t or u["since"]) -
                             u["since"], 1), u["message"]]
            for u in w.rep["unschedulable"].values() if u["since"]]
    with open(out + ".tmp", "w") as f:
        json.dump(rep, f, indent=1)
    os.rename(out + ".tmp", out)


main()
