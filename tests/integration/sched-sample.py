#!/usr/bin/python3
# Samples ailab-kubesim's own state (GET /sim/state, as the admin) while a
# t04xx scheduler scenario runs, and checks the cluster-side invariants the
# scheduler must keep.  Runs until the file STOP exists, then writes a JSON
# report to OUT:
#   samples          how many states were read
#   quota_over       "ns resource used>hard" seen at any sample
#   quota_refused    events or conditions that say a pod was refused for quota
#   duplicates       "kind ns job-id rank" with two live objects at once
#   partial_max_s    per job-id, the longest time (real seconds) its pods
#                    were partly but not all Running ("gang" jobs only)
#   gang_ranks_max   per job-id, the most replicas seen at once
#   running_max      per namespace, the most Running pods seen at once
#   first_running    per job-id, real time (since start) a pod first ran
#   managed_left     managed objects in the last sample
#   managed_left_names  and which they are
# GPU time for fair-share scenarios is not sampled here: sched-gpu-time.py
# takes it exactly from the pods' own timestamps.
# usage: sched-sample.py URL TOKEN STOP OUT [INTERVAL]
import json
import re
import sys
import time
import urllib.request

MANAGED = "app.kubernetes.io/managed-by"
JOBID = "ailab-queue.io/job-id"
RANK = "ailab-queue.io/rank"
SUFFIX = {"": 1, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12,
          "Ki": 1024, "Mi": 1024 ** 2, "Gi": 1024 ** 3, "Ti": 1024 ** 4}


def qty(s):
    m = re.fullmatch(r"([0-9.]+)([a-zA-Z]*)", str(s))
    if not m or m.group(2) not in SUFFIX:
        return float("nan")
    return float(m.group(1)) * SUFFIX[m.group(2)]


def labels(o):
    return (o.get("metadata") or {}).get("labels") or {}


def main():
    url, token, stop, out = sys.argv[1:5]
    interval = float(sys.argv[5]) if len(sys.argv) > 5 else 0.2
    rep = {"samples": 0, "errors": 0, "quota_over": [], "quota_refused": [],
           "duplicates": [], "partial_max_s": {}, "gang_ranks_max": {},
           "running_max": {}, "first_running": {}, "managed_left": -1}
    partial_since = {}
    t0 = time.time()
    last = None
    import os
    while True:
        done = os.path.exists(stop)
        req = urllib.request.Request(url + "/sim/state", headers={
            "Authorization": "Bearer " + token})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                st = json.load(r)
        except Exception:
            rep["errors"] += 1
            if done:
                break
            time.sleep(interval)
            continue
        now = time.time() - t0
        rep["samples"] += 1
        for q in st.get("resourcequotas", []):
            ns = q["metadata"]["namespace"]
            hard = (q.get("status") or {}).get("hard") or {}
            used = (q.get("status") or {}).get("used") or {}
            for k, v in used.items():
                if k in hard and qty(v) > qty(hard[k]):
                    s = "%s %s %s>%s" % (ns, k, v, hard[k])
                    if s not in rep["quota_over"]:
                        rep["quota_over"].append(s)
        for e in st.get("events", []):
            msg = e.get("message") or ""
            if e.get("reason") == "FailedCreate" or "exceeded quota" in msg:
                s = "%s %s: %s" % (e.get("reason"),
                                   (e.get("involvedObject") or {}).get("name"),
                                   msg)
                if s not in rep["quota_refused"]:
                    rep["quota_refused"].append(s)
        for kind in ("deployments", "replicasets", "jobs"):
            for o in st.get(kind, []):
                for c in (o.get("status") or {}).get("conditions") or []:
                    if c.get("type") in ("ReplicaFailure",) and \
                            c.get("status") == "True":
                        s = "%s %s %s" % (kind, o["metadata"]["name"],
                                          c.get("message"))
                        if s not in rep["quota_refused"]:
                            rep["quota_refused"].append(s)
        for kind in ("deployments", "jobs"):
            seen = {}
            for o in st.get(kind, []):
                lb = labels(o)
                if lb.get(MANAGED) != "ailab-queue" or JOBID not in lb:
                    continue
                if (o.get("metadata") or {}).get("deletionTimestamp"):
                    continue
                key = "%s %s %s %s" % (kind, o["metadata"]["namespace"],
                                       lb[JOBID], lb.get(RANK, "-"))
                seen[key] = seen.get(key, 0) + 1
            for k, n in seen.items():
                if n > 1 and k not in rep["duplicates"]:
                    rep["duplicates"].append(k)
        pods = {}
        running = {}
        for p in st.get("pods", []):
            lb = labels(p)
            if lb.get(MANAGED) != "ailab-queue" or JOBID not in lb:
                continue
            if (p.get("metadata") or {}).get("deletionTimestamp"):
                continue
            jid = lb[JOBID]
            ns = p["metadata"]["namespace"]
            ph = (p.get("status") or {}).get("phase")
            pods.setdefault(jid, []).append(ph)
            if ph == "Running":
                running[ns] = running.get(ns, 0) + 1
                if jid not in rep["first_running"]:
                    rep["first_running"][jid] = round(now, 2)
        for ns, n in running.items():
            rep["running_max"][ns] = max(rep["running_max"].get(ns, 0), n)
        for jid, phases in pods.items():
            rep["gang_ranks_max"][jid] = max(
                rep["gang_ranks_max"].get(jid, 0), len(phases))
            nrun = phases.count("Running")
            if 0 < nrun < len(phases) or (nrun > 0 and "Pending" in phases):
                partial_since.setdefault(jid, now)
                d = now - partial_since[jid]
                rep["partial_max_s"][jid] = round(max(
                    rep["partial_max_s"].get(jid, 0), d), 2)
            else:
                partial_since.pop(jid, None)
        last = st
        if done:
            break
        time.sleep(interval)
    if last is not None:
        left = []
        for kind in ("pods", "deployments", "replicasets", "jobs",
                     "services", "configmaps", "secrets"):
            for o in last.get(kind, []):
                if labels(o).get(MANAGED) == "ailab-queue":
                    md = o.get("metadata") or {}
                    left.append("%s %s/%s%s" % (
                        kind, md.get("namespace"), md.get("name"),
                        " (terminating)" if md.get("deletionTimestamp")
                        else ""))
        rep["managed_left"] = len(left)
        rep["managed_left_names"] = left
    with open(out + ".tmp", "w") as f:
        json.dump(rep, f, indent=1)
    os.rename(out + ".tmp", out)


main()
