#!/usr/bin/python3
# Exact GPU time of ailab-queue's pods in ailab-kubesim, in the simulated
# clock, from the pods' own container timestamps (not from sampling): what
# fair-share scenarios (t0406) judge.
#
# sched-gpu-time.py watch URL TOKEN STOP OUT
#   Watches every managed pod cluster-wide (as an admin: GET /api/v1/pods
#   ?watch=true, NDJSON, resumed from the last resourceVersion) until the
#   file STOP exists (OUT.ready exists once the first list is read: a pod
#   made after it is seen), then writes to OUT a JSON report:
#     now     the simulated time at the end (s, from GET /sim/state)
#     gaps    watches that ended 410 Expired, so changes may have been lost
#     errors  connections that failed (resumed without loss)
#     events  watch events read
#     incomplete  true if the cluster stopped answering before the end
#     pods    one entry per pod: uid, namespace, name, owner, group, job,
#             created, deleted (s, simulated; deleted is null if never),
#             wrapper, unschedulable (the cluster's scheduler once found no
#             room for it: admitted beyond the free GPUs),
#             use: [[start, end, gpus], ...]
#   A run is a container's startedAt..finishedAt (state.terminated or
#   lastState.terminated); a run still open ends when the pod was deleted
#   (deletionTimestamp less deletionGracePeriodSeconds), else at now.  Every run counts, except for the
#   Deployment wrapper (a pod with the emptyDir "ailab-state"): only its
#   first run is the job; after it the container only sleeps
#   (docs/kubesim.md).
#
# sched-gpu-time.py fair OUT KIND A B TOTAL
#   KIND is owner or group ("owner/group"); A and B its two values, each
#   with TOTAL jobs.  Both have work queued until one of them has had its
#   last job's pod created (the end).  At every start and end of a run of
#   either before the end, and at the instant their summed GPU-seconds reach
#   a third of the end's sum (before it each has run only a few rounds of
#   jobs, and one job moves the ratio more than the policy does), the gap
#   |a - b| / max(a, b) of their cumulative GPU-seconds is judged.  Prints
#   one line; exits 1 if a gap is over 20% or fewer than 5 instants were
#   judged.  Between those instants both sums are linear, so the gap is
#   monotone there: the worst is at one of them.  The line also counts the
#   pods that once found no room (admitted beyond the free GPUs: they then
#   start in the cluster's order, not the queue's).
import calendar
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

MANAGED = "app.kubernetes.io/managed-by"
JOBID = "ailab-queue.io/job-id"
OWNER = "ailab-queue.io/owner"
GROUP = "ailab-queue.io/group"


def ts(s):
    """RFC 3339 (seconds, as metav1.Time) to seconds since the epoch."""
    if not s:
        return None
    return calendar.timegm(time.strptime(s[:19], "%Y-%m-%dT%H:%M:%S"))


def gpus_of(c):
    r = c.get("resources") or {}
    v = (r.get("limits") or {}).get("nvidia.com/gpu",
                                    (r.get("requests") or {}).get(
                                        "nvidia.com/gpu", 0))
    return int(v)


class Pods:
    """What every event told about each pod, keyed by uid."""

    def __init__(self):
        self.pods = {}

    def see(self, o):
        md = o.get("metadata") or {}
        lb = md.get("labels") or {}
        if lb.get(MANAGED) != "ailab-queue" or JOBID not in lb:
            return
        p = self.pods.setdefault(md["uid"], {
            "uid": md["uid"], "namespace": md.get("namespace"),
            "name": md.get("name"), "owner": lb.get(OWNER, ""),
            "group": lb.get(OWNER, "") + "/" + lb.get(GROUP, ""),
            "job": lb[JOBID], "created": ts(md.get("creationTimestamp")),
            "deleted": None, "wrapper": False, "unschedulable": False,
            "gpus": {}, "runs": {}})
        if md.get("deletionTimestamp"):
            # The apiserver sets it to the delete plus the grace period.
            p["deleted"] = ts(md["deletionTimestamp"]) - \
                (md.get("deletionGracePeriodSeconds") or 0)
        for c in (o.get("status") or {}).get("conditions") or []:
            if c.get("type") == "PodScheduled" and \
                    c.get("reason") == "Unschedulable":
                p["unschedulable"] = True
        spec = o.get("spec") or {}
        p["wrapper"] = any(v.get("name") == "ailab-state" and
                           "emptyDir" in v
                           for v in spec.get("volumes") or [])
        for c in spec.get("containers") or []:
            p["gpus"][c["name"]] = gpus_of(c)
        for cs in (o.get("status") or {}).get("containerStatuses") or []:
            runs = p["runs"].setdefault(cs["name"], {})
            for st in (cs.get("lastState") or {}, cs.get("state") or {}):
                t = st.get("terminated")
                if t and t.get("startedAt"):
                    runs[ts(t["startedAt"])] = ts(t.get("finishedAt"))
                r = st.get("running")
                if r and r.get("startedAt"):
                    runs.setdefault(ts(r["startedAt"]), None)

    def report(self, now):
        out = []
        for p in self.pods.values():
            use = []
            for name, runs in p["runs"].items():
                starts = sorted(runs)
                if p["wrapper"]:
                    starts = starts[:1]
                for s in starts:
                    e = runs[s]
                    if e is None:
                        e = p["deleted"] if p["deleted"] is not None \
                            else now
                    use.append([s, max(s, e), p["gpus"].get(name, 0)])
            q = {k: p[k] for k in ("uid", "namespace", "name", "owner",
                                   "group", "job", "created", "deleted",
                                   "wrapper", "unschedulable")}
            q["use"] = sorted(use)
            out.append(q)
        return sorted(out, key=lambda q: (q["created"] or 0, q["name"]))


def get(url, token, timeout=30):
    req = urllib.request.Request(url, headers={
        "Authorization": "Bearer " + token})
    return urllib.request.urlopen(req, timeout=timeout)


def watch(url, token, stop, out):
    sel = urllib.parse.quote(MANAGED + "=ailab-queue")
    pods = Pods()
    rep = {"gaps": 0, "errors": 0, "events": 0, "incomplete": False}
    rv = None
    failed = 0
    while True:
        done = os.path.exists(stop)
        if done and failed >= 25:
            rep["incomplete"] = True
            break
        try:
            if rv is None:
                # (Re)start from a list: its items and resourceVersion.
                with get(url + "/api/v1/pods?labelSelector=" + sel,
                         token) as r:
                    lst = json.load(r)
                for o in lst.get("items") or []:
                    pods.see(o)
                rv = lst["metadata"]["resourceVersion"]
                # From here on nothing is missed: OUT.ready says so.
                if not os.path.exists(out + ".ready"):
                    open(out + ".ready", "w").close()
            # One real second per watch, so STOP is seen soon; the next
            # one resumes where this one ended.
            with get(url + "/api/v1/pods?watch=true&allowWatchBookmarks="
                     "true&timeoutSeconds=1&labelSelector=%s&"
                     "resourceVersion=%s" % (sel, rv), token) as r:
                for line in r:
                    if not line.strip():
                        continue
                    ev = json.loads(line)
                    rep["events"] += 1
                    o = ev.get("object") or {}
                    if ev.get("type") == "ERROR":
                        if o.get("code") == 410:
                            rep["gaps"] += 1
                            rv = None
                            break
                        raise OSError(o.get("message"))
                    if ev.get("type") != "BOOKMARK":
                        pods.see(o)
                    rv = (o.get("metadata") or {}).get(
                        "resourceVersion", rv)
        except urllib.error.HTTPError as e:
            rep["errors"] += 1
            failed += 1
            if e.code == 410:
                rep["gaps"] += 1
                rv = None
            time.sleep(0.2)
            continue
        except (OSError, ValueError, KeyError):
            rep["errors"] += 1
            failed += 1
            time.sleep(0.2)
            continue
        failed = 0
        if done:
            break
    try:
        with get(url + "/sim/state", token) as r:
            rep["now"] = json.load(r)["now"] // 1000
    except (OSError, ValueError, KeyError):
        # The cluster is gone: open runs end at the last time seen.
        rep["incomplete"] = True
        rep["now"] = max([t for p in pods.pods.values()
                          for r in p["runs"].values()
                          for kv in r.items() for t in kv
                          if t is not None] or [0])
    rep["pods"] = pods.report(rep["now"])
    with open(out + ".tmp", "w") as f:
        json.dump(rep, f, indent=1)
    os.rename(out + ".tmp", out)


def cumulative(runs, t):
    return sum(g * (min(t, e) - s) for s, e, g in runs if s < t)


def fair(path, kind, a, b, total):
    rep = json.load(open(path))
    key = "owner" if kind == "owner" else "group"
    runs = {a: [], b: []}
    created = {a: {}, b: {}}
    npods = nunsched = 0
    for p in rep["pods"]:
        k = p[key]
        if k not in runs:
            continue
        npods += 1
        nunsched += p.get("unschedulable", False)
        runs[k].extend(p["use"])
        c = p["created"]
        if c is not None:
            created[k][p["job"]] = min(created[k].get(p["job"], c), c)
    t0 = min((s for k in runs for s, _, _ in runs[k]), default=0)
    # The end: one of them has had its last job created.
    last = [sorted(created[k].values())[total - 1]
            for k in (a, b) if len(created[k]) >= total]
    end = min(last) if last else max(
        (e for k in runs for _, e, _ in runs[k]), default=t0)
    ga, gb = cumulative(runs[a], end), cumulative(runs[b], end)
    # The instant their sum reaches a third of the end's (bisection).
    lo, hi = t0, end
    while hi - lo > 0.001:
        mid = (lo + hi) / 2
        if 3 * (cumulative(runs[a], mid) + cumulative(runs[b], mid)) < \
                ga + gb:
            lo = mid
        else:
            hi = mid
    points = sorted({hi, end} | {t for k in runs for s, e, _ in runs[k]
                                 for t in (s, e) if hi <= t <= end})
    worst, at = 0.0, None
    for t in points:
        x, y = cumulative(runs[a], t), cumulative(runs[b], t)
        g = abs(x - y) / max(x, y) if max(x, y) > 0 else 0.0
        if g > worst:
            worst, at = g, t
    print("%s %.0f GPU-s, %s %.0f GPU-s (simulated) when the first ran "
          "out of queued work (%.0f s after the first start); worst gap "
          "%.1f%% at %s over %d instants; %d of %d pods found no room at "
          "first (Unschedulable)" %
          (a, ga, b, gb, end - t0, 100 * worst,
           "-" if at is None else "%.0f s" % (at - t0), len(points),
           nunsched, npods))
    return 0 if len(points) >= 5 and worst <= 0.20 else 1


def main():
    if len(sys.argv) == 6 and sys.argv[1] == "watch":
        watch(*sys.argv[2:6])
        return 0
    if len(sys.argv) == 7 and sys.argv[1] == "fair" and \
            sys.argv[3] in ("owner", "group"):
        return fair(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5],
                    int(sys.argv[6]))
    sys.stderr.write("usage: sched-gpu-time.py watch URL TOKEN STOP OUT\n"
                     "       sched-gpu-time.py fair OUT owner|group A B "
                     "TOTAL\n")
    return 2


sys.exit(main())
