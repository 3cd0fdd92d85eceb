#!/usr/bin/python3
"""bench/replay.py: a trace replay benchmark for ailab-queue's scheduler.

1. Generates a job trace shaped like published GPU-cluster statistics
   (Microsoft Philly run times, SenseTime Helios sizes and outcomes,
   Alibaba PAI's mostly 1-GPU tasks; docs/performance.md, "Trace replay"),
   or reloads one written earlier (--out, --trace).
2. Simulates two reference policies offline, event-driven with exact
   times, on the node model of the cluster file: strict FIFO and EASY
   backfill with exact run times.
3. Replays the trace against ailab-kubesim with the real `ailab-queue
   sched` (skipped with --offline-only), measuring from the simulated
   cluster's pods, not from the queue.
4. Prints one table (or --json) of utilisation, waits, slowdown, fairness,
   re-queues, Pending pods and makespan per policy.

Python 3 standard library only.  Importable: generate_trace, load_trace,
save_trace, trace_stats, read_cluster, simulate, metrics, format_table and
replay are the library; main() is the command line.
"""
import argparse
import datetime
import heapq
import http.client
import json
import math
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

# --- Published statistics the generator is shaped on (docs/performance.md,
# "Sources of the trace statistics"; ../shared/reference/scheduling.md
# section 6).

# Microsoft Philly (Jeon et al., ATC'19): job run times of the 83,154-job
# column of alibaba/clusterdata analysis/philly_runtime.csv.
PHILLY_MEDIAN_S = 1186.0
PHILLY_P75_S = 56 * 60.0
PHILLY_P90_S = 3.6 * 3600
PHILLY_MEAN_S = 4.1 * 3600
RUN_MIN_S = 120
RUN_MAX_S = 24 * 3600

# SenseTime Helios (Hu et al., SC'21): GPU jobs ask a median of 1 GPU and
# a mean of 3.7; Alibaba PAI (Weng et al., NSDI'22): whole-GPU tasks are
# almost all 1-GPU.  (GPUs per replica, replicas): share.  Single-replica
# jobs of 1, 2, 4 and 8 GPUs, gangs of 8-GPU replicas up to 8 x 8 = 64.
# Mean 3.77 GPUs, median 1.
SIZES = [((1, 1), 0.64), ((2, 1), 0.12), ((4, 1), 0.10), ((8, 1), 0.08),
         ((8, 2), 0.025), ((8, 3), 0.01), ((8, 4), 0.01), ((8, 6), 0.005),
         ((8, 8), 0.01)]

# Helios GPU jobs: 62% completed, 22% cancelled, 16% failed.
OUTCOMES = [("completed", 0.62), ("cancelled", 0.22), ("failed", 0.16)]
FAIL_EXIT_CODE = 1

# Our assumption (the real mix of ailab is not published): most jobs take
# any GPU, some insist on one type.
GPU_TYPES = [("any", 0.80), ("RTX4090D", 0.15), ("RTX3090", 0.05)]

# Our assumption: 30% of jobs carry a timeout, a generous over-estimate of
# 2x to 5x the run the user planned, rounded up as people write them.
TIMEOUT_SHARE = 0.30
TIMEOUT_FACTOR = (2.0, 5.0)

# Arrivals: Poisson, rate swinging +-50% over the day, peak at 15:00, the
# trace starting at 08:00.  Users: Zipf-like activity, weight 1/k.
DAY_SWING = 0.5
DAY_PEAK_H = 15.0
TRACE_START_H = 8.0
ZIPF_S = 1.0

# The GPU products of the site profile (spec language, "Site profile").
PRODUCT_TYPES = {
    "NVIDIA-GeForce-RTX-4090-D": "RTX4090D",
    "NVIDIA-GeForce-RTX-4090": "RTX4090",
    "NVIDIA-GeForce-RTX-3090": "RTX3090",
}

# Bounded slowdown's floor on the run time (s).
BSLD_TAU_S = 600.0

Z90 = 1.2815515655446004

JOBID = "ailab-queue.io/job-id"
ATTEMPT = "ailab-queue.io/attempt"
RANK = "ailab-queue.io/rank"
GPU_RES = "nvidia.com/gpu"
PRODUCT_LABEL = "nvidia.com/gpu.product"


class ReplayError(Exception):
    """A failure the command line reports as one message."""


# --- Trace generation.

def lognormal_params(median, p90):
    """The (mu, sigma) of the log-normal with this median and p90."""
    mu = math.log(median)
    return mu, (math.log(p90) - mu) / Z90


def _stratified(rng, n, table):
    """n values in the table's shares (largest remainder), shuffled: a
    few hundred jobs then hit the shares exactly instead of by chance."""
    tot = sum(w for _, w in table)
    exact = [n * w / tot for _, w in table]
    counts = [int(x) for x in exact]
    order = sorted(range(len(table)),
                   key=lambda i: (-(exact[i] - counts[i]), i))
    for i in order[:n - sum(counts)]:
        counts[i] += 1
    out = [table[i][0] for i in range(len(table)) for _ in range(counts[i])]
    rng.shuffle(out)
    return out


def _round_timeout(s):
    """A timeout as a user writes it: up in quarter hours to 4 h, then in
    hours."""
    step = 900 if s <= 4 * 3600 else 3600
    return int(math.ceil(s / step) * step)


def _day_rate(t):
    """Relative arrival rate at trace time t (s): 1 +- DAY_SWING."""
    h = TRACE_START_H + t / 3600.0
    return 1.0 + DAY_SWING * math.cos(2 * math.pi * (h - DAY_PEAK_H) / 24)


def _arrivals(rng, n, span):
    """n arrival times of a Poisson process with the daily swing, given n
    events in [0, span): iid draws of the rate's density, sorted."""
    out = []
    while len(out) < n:
        t = rng.uniform(0, span)
        if rng.uniform(0, 1 + DAY_SWING) <= _day_rate(t):
            out.append(int(t))
    out.sort()
    return out


def generate_trace(jobs=300, users=40, load=1.2, seed=1, nodes=None,
                   total_gpus=None):
    """A trace of `jobs` jobs from `users` users whose requested
    GPU-seconds are `load` times the cluster's GPUs over the arrival span.
    nodes (read_cluster) or total_gpus give the cluster (default 400)."""
    if jobs < 1 or users < 1 or not load > 0:
        raise ValueError("jobs and users must be >= 1 and load > 0")
    if total_gpus is None:
        total_gpus = sum(n["gpus"] for n in nodes) if nodes else 400
    rng = random.Random(seed)
    mu, sigma = lognormal_params(PHILLY_MEDIAN_S, PHILLY_P90_S)
    sizes = _stratified(rng, jobs, SIZES)
    outcomes = _stratified(rng, jobs, OUTCOMES)
    types = _stratified(rng, jobs, GPU_TYPES)
    timed = _stratified(rng, jobs, [(True, TIMEOUT_SHARE),
                                    (False, 1 - TIMEOUT_SHARE)])
    weights = [1.0 / (k + 1) ** ZIPF_S for k in range(users)]
    out = []
    for i in range(jobs):
        g, r = sizes[i]
        run = int(round(min(RUN_MAX_S, max(RUN_MIN_S,
                                           rng.lognormvariate(mu, sigma)))))
        # Philly's run times are what jobs ran, failed and killed ones
        # included: a failed or cancelled job stopped part way into the
        # run its user planned (which only its timeout reflects).
        planned = run
        if outcomes[i] != "completed":
            planned = int(min(RUN_MAX_S,
                              max(run, math.ceil(run /
                                                 rng.uniform(0.1, 0.9)))))
        timeout = None
        if timed[i]:
            timeout = _round_timeout(planned * rng.uniform(*TIMEOUT_FACTOR))
        user = rng.choices(range(users), weights)[0]
        out.append({"id": i, "name": "t%04d" % i, "user": "u%d" % (user + 1),
                    "submit": 0, "gpus": g, "replicas": r, "type": types[i],
                    "run": run, "outcome": outcomes[i],
                    "exit_code": FAIL_EXIT_CODE if outcomes[i] == "failed"
                    else 0, "planned": planned, "timeout": timeout})
    work = sum(j["gpus"] * j["replicas"] * j["run"] for j in out)
    span = work / (total_gpus * load)
    for j, t in zip(out, _arrivals(rng, jobs, span)):
        j["submit"] = t
    trace = {"format": "ailab-queue-replay-trace", "version": 1,
             "params": {"jobs": jobs, "users": users, "load": load,
                        "seed": seed, "total_gpus": total_gpus,
                        "span_s": round(span)},
             "jobs": out}
    if nodes:
        check_trace(trace, nodes)
    return trace


def save_trace(trace, path):
    """Writes a trace as JSON."""
    with open(path + ".tmp", "w") as f:
        json.dump(trace, f, indent=1)
        f.write("\n")
    os.replace(path + ".tmp", path)


def load_trace(path):
    """Reads a trace written by save_trace; ReplayError names the file
    and the job of anything wrong in it."""
    try:
        with open(path) as f:
            trace = json.load(f)
    except (OSError, ValueError) as e:
        raise ReplayError("cannot read trace '%s': %s" % (path, e))
    if not isinstance(trace, dict) or not isinstance(trace.get("jobs"),
                                                     list):
        raise ReplayError("%s: not a replay trace (no 'jobs' list)" % path)
    ints = ("id", "submit", "gpus", "replicas", "run", "exit_code")
    seen = set()
    for k, j in enumerate(trace["jobs"]):
        where = "%s: jobs[%d]" % (path, k)
        if not isinstance(j, dict):
            raise ReplayError("%s: not an object" % where)
        for f in ints:
            if not isinstance(j.get(f), int) or isinstance(j.get(f), bool):
                raise ReplayError("%s: '%s' must be an integer" % (where, f))
        if j["gpus"] < 1 or j["replicas"] < 1 or j["run"] < 1 or \
                j["submit"] < 0:
            raise ReplayError("%s: 'gpus', 'replicas' and 'run' must be "
                              ">= 1, 'submit' >= 0" % where)
        to = j.get("timeout")
        if to is not None and (not isinstance(to, int) or to < j["run"]):
            raise ReplayError("%s: 'timeout' must be null or an integer "
                              ">= 'run'" % where)
        for f in ("name", "user", "type"):
            if not isinstance(j.get(f), str) or \
                    not re.fullmatch(r"[a-zA-Z][a-zA-Z0-9-]{0,47}", j[f]):
                raise ReplayError("%s: '%s' must be a name" % (where, f))
        if j["id"] in seen:
            raise ReplayError("%s: duplicate id %d" % (where, j["id"]))
        seen.add(j["id"])
        j.setdefault("outcome", "completed" if j["exit_code"] == 0
                     else "failed")
        j.setdefault("planned", j["run"])
    trace.setdefault("params", {})
    return trace


def check_trace(trace, nodes):
    """Raises ReplayError for a job no type of the cluster could ever
    hold."""
    empty = {n["name"]: n["gpus"] for n in nodes}
    by_type, order = _node_types(nodes)
    for j in trace["jobs"]:
        if _fits(j, empty, None, by_type, order) is None:
            raise ReplayError("job %s (%d x %d GPUs of %s) fits no type of "
                              "the cluster" % (j["name"], j["replicas"],
                                               j["gpus"], j["type"]))


def _pct(xs, p):
    """The p-th percentile (0..100), linear between closest ranks."""
    if not xs:
        return float("nan")
    xs = sorted(xs)
    k = (len(xs) - 1) * p / 100.0
    lo = int(math.floor(k))
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def trace_stats(trace, total_gpus=None):
    """What the trace looks like, to set beside the published figures."""
    jobs = trace["jobs"]
    if total_gpus is None:
        total_gpus = trace.get("params", {}).get("total_gpus", 400)
    gpus = [j["gpus"] * j["replicas"] for j in jobs]
    runs = [j["run"] for j in jobs]
    first = min(j["submit"] for j in jobs)
    span = trace.get("params", {}).get("span_s") or \
        max(1, max(j["submit"] for j in jobs) - first)
    work = sum(g * j["run"] for g, j in zip(gpus, jobs))
    per_user = {}
    for j in jobs:
        per_user[j["user"]] = per_user.get(j["user"], 0) + 1
    n = len(jobs)
    # Demand if every job started on arrival: GPUs busy over the
    # arrival span, on average and at the peak, over the cluster's.
    ev = sorted([(j["submit"], g) for g, j in zip(gpus, jobs)] +
                [(j["submit"] + j["run"], -g) for g, j in zip(gpus, jobs)])
    busy = peak = 0
    for _, d in ev:
        busy += d
        peak = max(peak, busy)
    in_span = sum(g * max(0, min(j["submit"] + j["run"], first + span) -
                          j["submit"]) for g, j in zip(gpus, jobs))

    def share(key, val):
        return sum(1 for j in jobs if j[key] == val) / n

    return {
        "jobs": n, "users": len(per_user),
        "top_user_share": max(per_user.values()) / n,
        "gpus_median": _pct(gpus, 50), "gpus_mean": sum(gpus) / n,
        "gang_jobs": sum(1 for j in jobs if j["replicas"] > 1),
        "run_median_s": _pct(runs, 50), "run_p75_s": _pct(runs, 75),
        "run_p90_s": _pct(runs, 90), "run_mean_s": sum(runs) / n,
        "completed": share("outcome", "completed"),
        "cancelled": share("outcome", "cancelled"),
        "failed": share("outcome", "failed"),
        "type_any": share("type", "any"),
        "with_timeout": sum(1 for j in jobs if j.get("timeout")) / n,
        "gpu_seconds": work, "span_s": span,
        "offered_load": work / (total_gpus * span),
        "demand_in_span": in_span / (total_gpus * span),
        "demand_peak": peak / total_gpus,
    }


# --- The cluster's node model.

def _yaml_scalar(v):
    """A plain or quoted YAML scalar of the cluster file, as a string."""
    v = v.strip()
    if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"":
        v = v[1:-1]
    return v


def read_cluster(path):
    """The GPU nodes of an ailab-kubesim cluster file: a list of
    {name, type, gpus}.  Reads only the nodeGroups entries' count,
    namePrefix, gpu and gpuCount (the standard library has no YAML
    parser; flow or block mappings, one per group, nested values
    skipped)."""
    try:
        with open(path) as f:
            lines = f.read().splitlines()
    except OSError as e:
        raise ReplayError("cannot read cluster file '%s': %s" % (path, e))
    entries, inside = [], False
    for line in lines:
        line = re.sub(r"(^|\s)#.*$", "", line).rstrip()
        if not line:
            continue
        if not line[0].isspace() and not line.startswith("-"):
            inside = line.startswith("nodeGroups:")
            continue
        if not inside:
            continue
        if re.match(r"\s*- ", line) and (not entries or
                                         not line.startswith("   ")):
            entries.append(line.split("- ", 1)[1])
        elif entries:
            entries[-1] += "\n" + line
    nodes = []
    for k, text in enumerate(entries):
        text = text.strip()
        if text.startswith("{"):
            text = text[1:text.rfind("}")]
        prev = None
        while prev != text:
            prev = text
            text = re.sub(r"\{[^{}]*\}|\[[^\[\]]*\]", "", text)
        g = {}
        for part in re.split(r"[,\n]", text):
            if ":" in part:
                key, val = part.split(":", 1)
                g[key.strip()] = _yaml_scalar(val)
        try:
            count = int(g.get("count", "1"))
            gpus = int(g.get("gpuCount", "8" if "gpu" in g else "0"))
        except ValueError:
            raise ReplayError("%s: nodeGroups[%d]: bad count or gpuCount" %
                              (path, k))
        if "gpu" not in g or gpus <= 0:
            continue
        typ = PRODUCT_TYPES.get(g["gpu"], g["gpu"])
        prefix = g.get("namePrefix", "node-")
        for i in range(count):
            nodes.append({"name": "%s%02d" % (prefix, i + 1), "type": typ,
                          "gpus": gpus})
    if not nodes:
        raise ReplayError("%s: no GPU nodes in nodeGroups" % path)
    return nodes


def _node_types(nodes):
    """Node names per GPU type, and the types in the file's order (the
    fixed order in which `any` tries them)."""
    by_type, order = {}, []
    for n in nodes:
        if n["type"] not in by_type:
            by_type[n["type"]] = []
            order.append(n["type"])
        by_type[n["type"]].append(n["name"])
    return by_type, order


def _place(free, names, g, r, cap):
    """Best fit: each of r replicas of g GPUs on the tightest node that
    holds it (ties to the first name); cap[n], when given, bounds what may
    be taken on node n.  The list of nodes, or None."""
    avail = {n: free[n] if cap is None else min(free[n], cap[n])
             for n in names}
    out = []
    for _ in range(r):
        best = None
        for n in names:
            a = avail[n]
            if a >= g and (best is None or a < avail[best]):
                best = n
        if best is None:
            return None
        avail[best] -= g
        out.append(best)
    return out


def _fits(job, free, cap, by_type, order):
    """Where a job fits: the first acceptable type (in the fixed order for
    `any`) with a placement, as (type, nodes), or None."""
    for typ in (order if job["type"] == "any" else [job["type"]]):
        if typ in by_type:
            pl = _place(free, by_type[typ], job["gpus"], job["replicas"],
                        cap)
            if pl is not None:
                return typ, pl
    return None


# --- Offline reference policies, event-driven with exact times.

def _reservation(head, free, running, by_type, order):
    """EASY's reservation for the blocked head: the earliest end of
    running jobs after which it fits (the shadow time) and, per node, the
    GPUs free then beyond those the head would take."""
    f = dict(free)
    ends = sorted(running)
    k = 0
    while k < len(ends):
        t = ends[k][0]
        while k < len(ends) and ends[k][0] == t:
            for n in ends[k][2]:
                f[n] += ends[k][3]
            k += 1
        got = _fits(head, f, None, by_type, order)
        if got is not None:
            spare = dict(f)
            for n in got[1]:
                spare[n] -= head["gpus"]
            return t, spare
    raise RuntimeError("job %s never fits" % head["name"])


def simulate(trace, nodes, policy):
    """Runs a trace under 'fifo' (strict: the head blocks everyone) or
    'easy' (backfill around the head's reservation, exact run times).
    Returns {id: {"start", "end", "type"}} in trace seconds."""
    if policy not in ("fifo", "easy"):
        raise ValueError("policy must be 'fifo' or 'easy'")
    check_trace(trace, nodes)
    by_type, order = _node_types(nodes)
    free = {n["name"]: n["gpus"] for n in nodes}
    jobs = sorted(trace["jobs"], key=lambda j: (j["submit"], j["id"]))
    running = []  # heap of (end, id, nodes, GPUs per replica)
    queue = []
    res = {}

    def start(j, got, t):
        typ, pl = got
        for n in pl:
            free[n] -= j["gpus"]
        heapq.heappush(running, (t + j["run"], j["id"], pl, j["gpus"]))
        res[j["id"]] = {"start": t, "end": t + j["run"], "type": typ}

    i = 0
    while i < len(jobs) or running:
        t = min(([jobs[i]["submit"]] if i < len(jobs) else []) +
                ([running[0][0]] if running else []))
        while running and running[0][0] == t:
            _, _, pl, g = heapq.heappop(running)
            for n in pl:
                free[n] += g
        while i < len(jobs) and jobs[i]["submit"] == t:
            queue.append(jobs[i])
            i += 1
        while queue:
            got = _fits(queue[0], free, None, by_type, order)
            if got is None:
                break
            start(queue.pop(0), got, t)
        if policy == "fifo" or not queue:
            continue
        shadow, spare = _reservation(queue[0], free, running, by_type,
                                     order)
        left = [queue[0]]
        for j in queue[1:]:
            late = t + j["run"] > shadow
            got = _fits(j, free, spare if late else None, by_type, order)
            if got is None:
                left.append(j)
                continue
            start(j, got, t)
            if late:
                for n in got[1]:
                    spare[n] -= j["gpus"]
        queue = left
    return res


# --- Metrics.

def metrics(records, total_gpus, gpu_seconds=None, requeued=0,
            pending_pod_s=0.0):
    """The table's figures for one policy.  records: one dict per job
    with user, gpus (all replicas), submit, start, end and run (s); jobs
    with no start or end count as unfinished and are left out."""
    done = [r for r in records
            if r.get("start") is not None and r.get("end") is not None]
    out = {"jobs": len(records), "unfinished": len(records) - len(done),
           "requeued": requeued, "pending_pod_s": pending_pod_s}
    if not done:
        return out
    waits = [max(0.0, r["start"] - r["submit"]) for r in done]
    makespan = max(r["end"] for r in done) - min(r["submit"] for r in done)
    if gpu_seconds is None:
        gpu_seconds = sum(r["gpus"] * r["run"] for r in done)
    bsld = [max(1.0, (w + r["run"]) / max(r["run"], BSLD_TAU_S))
            for w, r in zip(waits, done)]
    per_user = {}
    for b, r in zip(bsld, done):
        per_user.setdefault(r["user"], []).append(b)
    x = [sum(v) / len(v) for v in per_user.values()]
    # Busy while work still arrives: GPU-seconds of the jobs' runs
    # between the first and the last arrival.
    a0 = min(r["submit"] for r in records)
    a1 = max(r["submit"] for r in records)
    in_span = sum(r["gpus"] * max(0.0, min(r["end"], a1) -
                                  max(r["start"], a0)) for r in done)
    big = [w for w, r in zip(waits, done) if r["gpus"] > 8]
    one = [w for w, r in zip(waits, done) if r["gpus"] == 1]
    out.update({
        "gpu_seconds": gpu_seconds, "makespan_s": makespan,
        "utilisation": gpu_seconds / (total_gpus * makespan)
        if makespan > 0 else float("nan"),
        "utilisation_arrivals": in_span / (total_gpus * (a1 - a0))
        if a1 > a0 else float("nan"),
        "wait_mean_s": sum(waits) / len(waits),
        "wait_p50_s": _pct(waits, 50), "wait_p95_s": _pct(waits, 95),
        "wait_max_s": max(waits),
        "wait_p95_big_s": _pct(big, 95), "big_jobs": len(big),
        "wait_p95_one_s": _pct(one, 95), "one_gpu_jobs": len(one),
        "bsld_mean": sum(bsld) / len(bsld),
        "jain_users": sum(x) ** 2 / (len(x) * sum(v * v for v in x)),
    })
    return out


def offline_records(trace, res):
    """metrics() records from simulate()'s result."""
    out = []
    for j in trace["jobs"]:
        r = res.get(j["id"], {})
        out.append({"id": j["id"], "user": j["user"],
                    "gpus": j["gpus"] * j["replicas"], "submit": j["submit"],
                    "start": r.get("start"), "end": r.get("end"),
                    "run": j["run"]})
    return out


def _dur(s):
    """A duration for people."""
    if s is None or s != s:
        return "-"
    if abs(s) < 100:
        return "%.0f s" % s
    if abs(s) < 2 * 3600:
        return "%.1f min" % (s / 60)
    return "%.2f h" % (s / 3600)


ROWS = [
    ("GPU utilisation over the makespan", "utilisation",
     lambda v: "%.1f%%" % (100 * v)),
    ("GPU utilisation while jobs arrive", "utilisation_arrivals",
     lambda v: "%.1f%%" % (100 * v)),
    ("mean wait", "wait_mean_s", _dur),
    ("p95 wait", "wait_p95_s", _dur),
    ("p95 wait, jobs of >8 GPUs", "wait_p95_big_s", _dur),
    ("p95 wait, 1-GPU jobs", "wait_p95_one_s", _dur),
    ("mean bounded slowdown (600 s)", "bsld_mean", lambda v: "%.2f" % v),
    ("Jain's index, users' mean slowdowns", "jain_users",
     lambda v: "%.3f" % v),
    ("jobs re-queued", "requeued", lambda v: "%d" % v),
    ("pod-seconds Pending for GPUs", "pending_pod_s",
     lambda v: "%.0f" % v),
    ("makespan", "makespan_s", _dur),
    ("jobs unfinished", "unfinished", lambda v: "%d" % v),
]


def format_table(results):
    """One aligned table: a row per figure, a column per policy
    (results: list of (name, metrics dict))."""
    head = ["figure"] + [name for name, _ in results]
    rows = [head]
    for label, key, fmt in ROWS:
        row = [label]
        for _, m in results:
            v = m.get(key)
            row.append("-" if v is None or v != v else fmt(v))
        rows.append(row)
    w = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = []
    for r in rows:
        lines.append("  ".join([r[0].ljust(w[0])] +
                               [c.rjust(w[i + 1])
                                for i, c in enumerate(r[1:])]).rstrip())
    return "\n".join(lines)


def format_trace(st, params):
    """One paragraph on what the trace is."""
    return ("trace: %d jobs, %d users (the busiest %.0f%% of jobs), load "
            "%.2f, seed %s; GPUs a job: median %g, mean %.2f (%d gangs); "
            "run: median %s, p75 %s, p90 %s, mean %s; %.0f%% completed, "
            "%.0f%% cancelled, %.0f%% failed; %.0f%% any type, %.0f%% "
            "with a timeout; arrivals over %s; demand if every job started "
            "on arrival: %.0f%% of the GPUs over that span, peak %.0f%%" %
            (st["jobs"], st["users"], 100 * st["top_user_share"],
             st["offered_load"], params.get("seed", "-"), st["gpus_median"],
             st["gpus_mean"], st["gang_jobs"], _dur(st["run_median_s"]),
             _dur(st["run_p75_s"]), _dur(st["run_p90_s"]),
             _dur(st["run_mean_s"]), 100 * st["completed"],
             100 * st["cancelled"], 100 * st["failed"],
             100 * st["type_any"], 100 * st["with_timeout"],
             _dur(st["span_s"]), 100 * st["demand_in_span"],
             100 * st["demand_peak"]))


# --- Replay against ailab-kubesim.

def _ts(s):
    """Epoch seconds of an RFC 3339 time, or None."""
    if not s:
        return None
    try:
        return datetime.datetime.fromisoformat(
            s.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _products_of(pod):
    """The GPU products a pod may run on (its nodeSelector or required
    node affinity on the product label), or None for any."""
    spec = pod.get("spec") or {}
    sel = (spec.get("nodeSelector") or {}).get(PRODUCT_LABEL)
    if sel:
        return [sel]
    terms = ((((spec.get("affinity") or {}).get("nodeAffinity") or {})
              .get("requiredDuringSchedulingIgnoredDuringExecution") or {})
             .get("nodeSelectorTerms") or [])
    for t in terms:
        for e in t.get("matchExpressions") or []:
            if e.get("key") == PRODUCT_LABEL and e.get("operator") == "In":
                return list(e.get("values") or [])
    return None


def _gpus_of(pod):
    """GPUs a pod's containers ask for."""
    n = 0
    for c in (pod.get("spec") or {}).get("containers") or []:
        r = c.get("resources") or {}
        v = (r.get("limits") or {}).get(GPU_RES) or \
            (r.get("requests") or {}).get(GPU_RES) or 0
        try:
            n += int(v)
        except ValueError:
            pass
    return n


class _PodWatch(threading.Thread):
    """Follows every pod of the simulated cluster (a watch as the admin)
    and keeps, per pod, the simulated times the replay measures."""

    def __init__(self, url, token, clock, life_s):
        super().__init__(daemon=True)
        u = urllib.parse.urlparse(url)
        self.host, self.port = u.hostname, u.port
        self.token = token
        self.clock = clock
        self.life_s = int(life_s)
        self.pods = {}
        self.lock = threading.Lock()
        self.rv = None
        self.stopping = False
        self.conn = None
        self.reconnects = 0
        self.relists = 0
        self.connected = threading.Event()

    def run(self):
        while not self.stopping:
            try:
                self._follow()
            except (OSError, http.client.HTTPException, ValueError):
                pass
            if not self.stopping:
                self.reconnects += 1
                time.sleep(0.2)

    def _follow(self):
        q = {"watch": "true", "allowWatchBookmarks": "true",
             "timeoutSeconds": str(self.life_s)}
        if self.rv:
            q["resourceVersion"] = self.rv
        self.conn = http.client.HTTPConnection(self.host, self.port)
        self.conn.request("GET", "/api/v1/pods?" + urllib.parse.urlencode(q),
                          headers={"Authorization": "Bearer " + self.token})
        resp = self.conn.getresponse()
        if resp.status != 200:
            resp.read()
            raise OSError("watch answered %d" % resp.status)
        self.connected.set()
        while True:
            line = resp.readline()
            if not line:
                return
            ev = json.loads(line)
            obj = ev.get("object") or {}
            rv = (obj.get("metadata") or {}).get("resourceVersion")
            if ev.get("type") == "ERROR":
                # 410 Expired: start again from the current state.
                self.rv = None
                self.relists += 1
                return
            if ev.get("type") in ("ADDED", "MODIFIED", "DELETED"):
                self._pod(obj, ev["type"] == "DELETED")
            if rv:
                self.rv = rv

    def stop(self):
        self.stopping = True
        try:
            if self.conn is not None and self.conn.sock is not None:
                self.conn.sock.shutdown(2)
        except OSError:
            pass

    def _pod(self, o, deleted):
        md = o.get("metadata") or {}
        lb = md.get("labels") or {}
        if JOBID not in lb:
            return
        key = md.get("uid") or "%s/%s" % (md.get("namespace"),
                                          md.get("name"))
        now = self.clock()
        with self.lock:
            p = self.pods.get(key)
            if p is None:
                try:
                    jid = int(lb[JOBID])
                    att = int(lb.get(ATTEMPT, "1"))
                except ValueError:
                    return
                p = self.pods[key] = {
                    "name": md.get("name"), "job": jid, "attempt": att,
                    "rank": lb.get(RANK, ""), "gpus": _gpus_of(o),
                    "products": _products_of(o),
                    "created": _ts(md.get("creationTimestamp")) or now}
            st = o.get("status") or {}
            for c in st.get("conditions") or []:
                if c.get("type") != "PodScheduled":
                    continue
                t = _ts(c.get("lastTransitionTime")) or now
                if c.get("status") == "True":
                    p.setdefault("bound", t)
                elif c.get("reason") == "Unschedulable" and \
                        "Insufficient " + GPU_RES in (c.get("message") or ""):
                    p.setdefault("unsched", t)
            if (o.get("spec") or {}).get("nodeName"):
                p["node"] = o["spec"]["nodeName"]
            cs = st.get("containerStatuses") or []
            cs = cs[0] if cs else {}
            term = (cs.get("lastState") or {}).get("terminated") or \
                (cs.get("state") or {}).get("terminated")
            running = (cs.get("state") or {}).get("running")
            if term and term.get("finishedAt"):
                p["run_start"] = _ts(term.get("startedAt")) or \
                    p.get("run_start")
                p["run_end"] = _ts(term.get("finishedAt"))
                p["exit_code"] = term.get("exitCode")
            elif running and "run_start" not in p:
                p["run_start"] = _ts(running.get("startedAt"))
            if md.get("deletionTimestamp"):
                # The apiserver's deletionTimestamp is the delete plus
                # the grace period.
                p.setdefault("deleting", (_ts(md["deletionTimestamp"]) -
                                          (md.get("deletionGracePeriodSeconds")
                                           or 0)) if _ts(
                    md["deletionTimestamp"]) else now)
            if deleted:
                p.setdefault("gone", now)

    def snapshot(self):
        with self.lock:
            return {k: dict(v) for k, v in self.pods.items()}


def _size_class(gpus):
    """The size classes the report splits waiting reasons by."""
    return "1 GPU" if gpus == 1 else "2-8 GPUs" if gpus <= 8 else ">8 GPUs"


class _QueueSampler(threading.Thread):
    """Reads `ailab-queue ls -o json` every period seconds and counts, per
    size class, the reasons queued jobs give (numbers and times folded to
    N), to say why jobs waited."""

    def __init__(self, argv, env, period=2.0):
        super().__init__(daemon=True)
        self.argv, self.env, self.period = argv, env, period
        self.reasons = {}
        self.samples = 0
        self.stopping = threading.Event()

    def run(self):
        while not self.stopping.wait(self.period):
            r = subprocess.run(self.argv, env=self.env,
                               capture_output=True, text=True)
            if r.returncode != 0:
                continue
            try:
                active = json.loads(r.stdout)
            except ValueError:
                continue
            self.samples += 1
            for a in active:
                if a.get("state") != "queued":
                    continue
                g = (a.get("gpu") or {}).get("count", 0) * \
                    a.get("replicas", 1)
                why = re.sub(r"\d[\d.:TZ-]*", "N",
                             a.get("reason") or "(none yet)")[:160]
                c = self.reasons.setdefault(_size_class(g), {})
                c[why] = c.get(why, 0) + 1

    def top(self, n=4):
        return {k: sorted(v.items(), key=lambda kv: -kv[1])[:n]
                for k, v in self.reasons.items()}


def _spec_yaml(j):
    """The job spec of a trace job: its GPUs, its replicas, a timeout if
    it has one, and the simulator's run time and exit code."""
    lines = ["name: %s" % j["name"],
             "command: python train.py --trace-job %d" % j["id"],
             "gpu: {type: %s, count: %d}" % (j["type"], j["gpus"]),
             "replicas: %d" % j["replicas"],
             "resources: {cpu: 1, memory: 4Gi}"]
    if j.get("timeout"):
        lines.append("timeout: %ds" % j["timeout"])
    lines += ["annotations:",
              "  sim.ailab-queue.io/duration: %ds" % j["run"],
              "  sim.ailab-queue.io/exit-code: \"%d\"" % j["exit_code"]]
    return "\n".join(lines) + "\n"


def _log(msg):
    sys.stderr.write("replay: %s\n" % msg)
    sys.stderr.flush()


class _Procs:
    """The processes the replay started, stopped by PID, newest first."""

    def __init__(self):
        self.procs = []

    def start(self, argv, **kw):
        p = subprocess.Popen(argv, **kw)
        self.procs.append(p)
        return p

    def stop(self, p, grace=15):
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(grace)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def stop_all(self):
        for p in reversed(self.procs):
            self.stop(p)


def _pass_stats(path):
    """Pass timings from the scheduler's -v log."""
    whole, pol = [], []
    try:
        with open(path, errors="replace") as f:
            for line in f:
                m = re.search(r"pass: effects \d+ ms, whole pass (\d+) ms",
                              line)
                if m:
                    whole.append(int(m.group(1)))
                m = re.search(r"pass: .* policy (\d+) ms", line)
                if m:
                    pol.append(int(m.group(1)))
    except OSError:
        pass
    out = {"passes": len(whole)}
    if whole:
        out.update({"pass_ms_median": _pct(whole, 50),
                    "pass_ms_p95": _pct(whole, 95), "pass_ms_max": max(whole),
                    "policy_ms_max": max(pol) if pol else None})
    return out


def _start_sim(procs, sim, cluster_file, speed, tmp, env):
    """Starts ailab-kubesim on a free loopback port, writing its
    kubeconfig to $KUBECONFIG; returns the process and its URL."""
    simout = open(os.path.join(tmp, "sim.out"), "w+")
    with open(os.path.join(tmp, "sim.err"), "w") as err:
        simp = procs.start([sim, "--listen", "127.0.0.1:0", "--cluster",
                            cluster_file, "--kubeconfig-out",
                            env["KUBECONFIG"], "--speed", repr(speed),
                            "--seed", "1",
                            # The Deployment wrapper, in the simulator's
                            # generic knobs (docs/kubesim.md).
                            "--pod-default=after-exit=idle",
                            "--pod-default=termination-message="
                            "ailab-queue-exit=$(EXIT_CODE)",
                            "--pod-default=exit-codes-label="
                            "ailab-queue.io/attempt"],
                           stdout=simout, stderr=err,
                           env=env)
    try:
        for _ in range(200):
            simout.seek(0)
            m = re.search(r"^url (\S+)$", simout.read(), re.M)
            if m and os.path.exists(env["KUBECONFIG"]):
                return simp, m.group(1)
            if simp.poll() is not None:
                break
            time.sleep(0.05)
    finally:
        simout.close()
    with open(os.path.join(tmp, "sim.err")) as f:
        raise ReplayError("ailab-kubesim did not start: %s" %
                          f.read().strip())


def _read(path):
    """A whole (log) file."""
    with open(path, errors="replace") as f:
        return f.read()


def _kubeconfig_token(path, user):
    """The bearer token of a user of the kubeconfig the simulator wrote
    (its layout: '- name: U', 'user:', 'token: T')."""
    with open(path) as f:
        m = re.search(r"^- name: %s\n\s+user:\n\s+token: (\S+)$" %
                      re.escape(user), f.read(), re.M)
    if m is None:
        raise ReplayError("the cluster file has no user '%s' with a token" %
                          user)
    return m.group(1)


def _sim_get(url, token, path):
    """One GET of the simulator, as JSON."""
    req = urllib.request.Request(url + path, headers={
        "Authorization": "Bearer " + token})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)


def _sim_clock(url, token, speed):
    """The simulated time (epoch seconds) as a function of this host's
    monotonic clock: the simulator's is monotonic time scaled by the
    speed, read once from /sim/state."""
    t0 = time.monotonic()
    now = _sim_get(url, token, "/sim/state")["now"] / 1000.0
    ref = (t0 + time.monotonic()) / 2
    return lambda: now + (time.monotonic() - ref) * speed


def _sim_nodes(url, token):
    """The GPU nodes of the simulated cluster: name -> (product, GPUs)."""
    out = {}
    for n in _sim_get(url, token, "/api/v1/nodes").get("items", []):
        md = n.get("metadata") or {}
        alloc = (n.get("status") or {}).get("allocatable") or {}
        try:
            g = int(alloc.get(GPU_RES, "0"))
        except ValueError:
            g = 0
        if g > 0:
            out[md.get("name")] = ((md.get("labels") or {})
                                   .get(PRODUCT_LABEL), g)
    return out


def replay(trace, build, cluster_file, speed=500.0, interval="1s",
           max_real=1800.0, keep=False, quiet=False, qps=None):
    """Replays a trace against ailab-kubesim with `ailab-queue sched`
    from the build directory; returns (metrics records, extras).  Starts
    and stops its own simulator and scheduler, in a temporary directory."""
    aq = os.path.join(build, "ailab-queue")
    sim = os.path.join(build, "ailab-kubesim")
    for b in (aq, sim):
        if not os.access(b, os.X_OK):
            raise ReplayError("no program '%s' (build first, or give "
                              "--build)" % b)
    say = (lambda m: None) if quiet else _log
    tmp = tempfile.mkdtemp(prefix="aq-replay.")
    procs = _Procs()
    watch = None
    env = dict(os.environ)
    for k in ("AILAB_QUEUE_SERVER", "AILAB_QUEUE_NAMESPACE"):
        env.pop(k, None)
    env.update({"AILAB_QUEUE_DB": os.path.join(tmp, "queue.db"),
                "KUBECONFIG": os.path.join(tmp, "kubeconfig"),
                "XDG_CONFIG_HOME": os.path.join(tmp, "config"),
                "XDG_STATE_HOME": os.path.join(tmp, "state"),
                "NO_COLOR": "1"})
    real0 = time.monotonic()
    try:
        simp, url = _start_sim(procs, sim, cluster_file, speed, tmp, env)
        token = _kubeconfig_token(env["KUBECONFIG"], "admin")
        clock = _sim_clock(url, token, speed)
        simnodes = _sim_nodes(url, token)
        watch = _PodWatch(url, token, clock, max_real + 600)
        watch.start()
        if not watch.connected.wait(10):
            raise ReplayError("cannot watch the simulator's pods")
        schedlog = os.path.join(tmp, "sched.log")
        with open(schedlog, "w") as out:
            schedp = procs.start([aq, "--context", "admin", "-v"] +
                                 (["--qps", repr(qps)] if qps else []) +
                                 ["sched", "--interval", interval],
                                 stdout=out, stderr=subprocess.STDOUT,
                                 env=env)
        for _ in range(100):
            if "scheduling" in _read(schedlog) or schedp.poll() is not None:
                break
            time.sleep(0.05)
        if schedp.poll() is not None:
            raise ReplayError("ailab-queue sched exited: %s" %
                              _read(schedlog).strip()[-2000:])
        sampler = _QueueSampler([aq, "ls", "-o", "json"], env)
        sampler.start()
        specs = os.path.join(tmp, "specs")
        os.mkdir(specs)
        jobs = sorted(trace["jobs"], key=lambda j: (j["submit"], j["id"]))
        for j in jobs:
            with open(os.path.join(specs, j["name"] + ".yaml"), "w") as f:
                f.write(_spec_yaml(j))
        # Trace time 0 is now; a job is submitted at real time
        # submit / speed after it.
        first = min(j["submit"] for j in jobs)
        mono0 = time.monotonic() - first / speed
        sim0 = clock() - first
        qid = {}
        late = []
        last_note = time.monotonic()
        say("simulator %s at speed %g, scheduler interval %s; %d jobs "
            "over %s of simulated time (%.0f s real)" %
            (url, speed, interval, len(jobs), _dur(jobs[-1]["submit"]),
             (jobs[-1]["submit"] - first) / speed))
        for k, j in enumerate(jobs):
            due = mono0 + j["submit"] / speed
            d = due - time.monotonic()
            if d > 0:
                time.sleep(d)
            if time.monotonic() - real0 > max_real:
                say("--max-real reached while submitting")
                break
            r = subprocess.run([aq, "--context", "lab", "-q", "submit",
                                "--owner", j["user"],
                                os.path.join(specs, j["name"] + ".yaml")],
                               env=env, capture_output=True, text=True)
            if r.returncode != 0:
                raise ReplayError("submit of %s failed: %s" %
                                  (j["name"], r.stderr.strip()))
            late.append((time.monotonic() - due) * speed)
            for line in r.stdout.split():
                qid[int(line)] = j["id"]
            if time.monotonic() - last_note > 10:
                last_note = time.monotonic()
                say("%d of %d submitted" % (k + 1, len(jobs)))
        say("all submitted; waiting for the jobs to end")
        reason = "all jobs ended"
        while True:
            if time.monotonic() - real0 > max_real:
                reason = "--max-real %g s reached" % max_real
                break
            if schedp.poll() is not None:
                reason = "the scheduler exited (%d)" % schedp.returncode
                break
            r = subprocess.run([aq, "ls", "-o", "json"], env=env,
                               capture_output=True, text=True)
            active = json.loads(r.stdout) if r.returncode == 0 else None
            if active == []:
                break
            if time.monotonic() - last_note > 10 and active is not None:
                last_note = time.monotonic()
                states = {}
                for a in active:
                    states[a["state"]] = states.get(a["state"], 0) + 1
                say("%.0f s: %s" % (time.monotonic() - real0, ", ".join(
                    "%d %s" % (v, k) for k, v in sorted(states.items()))))
            time.sleep(1)
        # Let the watch see the last pods go.
        for _ in range(50):
            pods = watch.snapshot()
            if all("gone" in p or "deleting" in p for p in pods.values()):
                break
            time.sleep(0.1)
        sampler.stopping.set()
        procs.stop(schedp)
        passes = _pass_stats(schedlog)
        passes["wait_reasons"] = sampler.top()
        passes["reason_samples"] = sampler.samples
        r = subprocess.run([aq, "ls", "--all", "-o", "json"], env=env,
                           capture_output=True, text=True)
        final = json.loads(r.stdout) if r.returncode == 0 else []
        # Why jobs went back to the queue: their event history.
        requeues = {}
        for q in final:
            if q.get("attempts", 0) <= 1:
                continue
            r = subprocess.run([aq, "show", "-o", "json", str(q["id"])],
                               env=env, capture_output=True, text=True)
            if r.returncode != 0:
                continue
            for e in json.loads(r.stdout).get("events") or []:
                if e.get("to") == "queued" and e.get("from"):
                    why = (e.get("reason") or "").split(":")[0]
                    requeues[why] = requeues.get(why, 0) + 1
        passes["requeue_reasons"] = requeues
        sim_end = clock()
        real_s = time.monotonic() - real0
        pods = watch.snapshot()
        watch.stop()
        procs.stop(simp)
        watch.join(5)
        if keep:
            say("kept %s" % tmp)
    finally:
        if watch is not None:
            watch.stop()
        procs.stop_all()
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return _replay_results(trace, qid, pods, final, sim0, sim_end, late,
                           passes, reason, real_s, speed, interval,
                           simnodes, qps)


def _unschedulable(pods, simnodes):
    """Why each pod Pending for GPUs was: ("fragmented", ...) when the
    nodes it may use had enough free GPUs together but none alone, else
    ("short", ...): fewer free GPUs than it asks in all of them, so the
    scheduler admitted beyond what was free.  Occupancy comes from the
    pods' own bound-to-gone intervals."""
    held = sorted((p["bound"], p.get("gone") or p.get("deleting") or 1e300,
                   p.get("node"), p["gpus"]) for p in pods
                  if p.get("bound") is not None and p.get("node"))
    frag = short = 0
    for p in pods:
        u = p.get("unsched")
        if u is None:
            continue
        used = {}
        for b, e, n, g in held:
            if b > u:
                break
            if e > u:
                used[n] = used.get(n, 0) + g
        ok = [cap - used.get(n, 0) for n, (prod, cap) in simnodes.items()
              if p.get("products") is None or prod in p["products"]]
        if sum(ok) >= p["gpus"]:
            frag += 1
        else:
            short += 1
    return frag, short


def _placements(pods, simnodes):
    """How pods of fewer GPUs than a node holds were placed: how many
    landed on an empty node while a partly used node they could use had
    room (a best-fit placer keeps empty nodes for gangs), of how many."""
    held = sorted((p["bound"], p.get("gone") or p.get("deleting") or 1e300,
                   p.get("node"), p["gpus"], id(p)) for p in pods
                  if p.get("bound") is not None and p.get("node"))
    byid = {id(p): p for p in pods}
    broke = small = 0
    for b0, _, node, g, me in held:
        if node not in simnodes or g >= simnodes[node][1]:
            continue
        p = byid[me]
        small += 1
        used = {}
        for b, e, n, gg, other in held:
            if b > b0:
                break
            if e > b0 and other != me:
                used[n] = used.get(n, 0) + gg
        if used.get(node, 0) != 0:
            continue
        for n, (prod, cap) in simnodes.items():
            if (p.get("products") is None or prod in p["products"]) and \
                    0 < used.get(n, 0) and cap - used[n] >= g:
                broke += 1
                break
    return broke, small


def _replay_results(trace, qid, pods, final, sim0, sim_end, late, passes,
                    reason, real_s, speed, interval, simnodes, qps):
    """metrics() records and the replay's own figures from what the pod
    watch and the queue saw."""
    byid = {j["id"]: j for j in trace["jobs"]}
    per_job = {}
    gpu_s = held_s = pend_s = before_s = after_s = 0.0
    intervals = []
    for p in pods.values():
        tid = qid.get(p["job"])
        if tid is None:
            continue
        per_job.setdefault(tid, []).append(p)
        stop = p.get("deleting") or p.get("gone") or sim_end
        if p.get("run_start") is not None:
            gpu_s += p["gpus"] * max(0.0, (p.get("run_end") or stop) -
                                     p["run_start"])
        if p.get("bound") is not None:
            held_s += p["gpus"] * max(0.0, stop - p["bound"])
            before_s += p["gpus"] * max(0.0, (p.get("run_start") or stop) -
                                        p["bound"])
        if p.get("run_end") is not None:
            after_s += p["gpus"] * max(0.0, stop - p["run_end"])
        if p.get("unsched") is not None:
            until = p.get("bound") or stop
            pend_s += max(0.0, until - p["unsched"])
            intervals.append((p["unsched"], until))
    mine = [p for p in pods.values() if qid.get(p["job"]) is not None]
    frag, short = _unschedulable(mine, simnodes)
    broke, small = _placements(mine, simnodes)
    # The most pods Pending for GPUs at once.
    ev = sorted([(a, 1) for a, _ in intervals] +
                [(b, -1) for _, b in intervals])
    cur = peak = 0
    for _, d in ev:
        cur += d
        peak = max(peak, cur)
    attempts = {}
    states = {}
    for q in final:
        tid = qid.get(q["id"])
        if tid is not None:
            attempts[tid] = q.get("attempts", 0)
            states[q["state"]] = states.get(q["state"], 0) + 1
    records = []
    requeued = 0
    for tid, j in byid.items():
        rec = {"id": tid, "user": j["user"],
               "gpus": j["gpus"] * j["replicas"], "submit": j["submit"],
               "start": None, "end": None, "run": j["run"]}
        ps = per_job.get(tid, [])
        if ps:
            last = max(p["attempt"] for p in ps)
            if last > 1 or attempts.get(tid, 0) > 1:
                requeued += 1
            # The newest pod of each rank of the last attempt.
            ranks = {}
            for p in sorted(ps, key=lambda p: p["created"]):
                if p["attempt"] == last:
                    ranks[p["rank"]] = p
            lp = list(ranks.values())
            starts = [p.get("run_start") for p in lp]
            ends = [p.get("run_end") or p.get("deleting") or p.get("gone")
                    for p in lp]
            if len(lp) >= j["replicas"] and None not in starts:
                rec["start"] = max(starts) - sim0
                if None not in ends:
                    rec["end"] = max(ends) - sim0
        records.append(rec)
    extras = {
        "speed": speed, "interval": interval, "qps": qps, "real_s": real_s,
        "stopped": reason, "pods": len(pods),
        "gpu_seconds": gpu_s, "gpu_seconds_held": held_s,
        "gpu_seconds_bound_not_started": before_s,
        "gpu_seconds_after_exit": after_s,
        "pending_pod_s": pend_s, "pending_pods_peak": peak,
        "pending_pods": len(intervals), "pending_fragmented": frag,
        "pending_short": short, "small_pods": small,
        "small_pods_on_empty_node": broke,
        "requeued": requeued, "states": states,
        "submit_late_s_max": max(late) if late else 0.0,
        "submit_late_s_mean": sum(late) / len(late) if late else 0.0,
        "submitted": len(late),
    }
    extras.update(passes)
    return records, extras


# --- The command line.

def _default_build():
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.dirname(here)


def _parser():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(
        prog="replay.py",
        description="Generate a GPU job trace from published cluster "
        "statistics, simulate strict FIFO and EASY backfill (exact run "
        "times) on it offline, replay it against ailab-kubesim with "
        "`ailab-queue sched`, and print one table of the three.",
        epilog="Examples: `replay.py --offline-only --load 1.2 --seed 1`; "
        "`replay.py --load 1.2 --seed 1 --out trace.json` (replay too, "
        "with the binaries of --build); `replay.py --trace trace.json`.  "
        "See docs/performance.md, \"Trace replay\".")
    g = p.add_argument_group("trace")
    g.add_argument("--jobs", type=int, default=300, metavar="N",
                   help="jobs in the trace (default 300)")
    g.add_argument("--users", type=int, default=40, metavar="U",
                   help="users, Zipf-like activity (default 40)")
    g.add_argument("--load", type=float, default=1.2, metavar="L",
                   help="offered load: requested GPU-seconds / (cluster "
                   "GPUs x arrival span) (default 1.2)")
    g.add_argument("--seed", type=int, default=1, metavar="S",
                   help="random seed (default 1)")
    g.add_argument("--out", metavar="FILE",
                   help="write the trace as JSON")
    g.add_argument("--trace", metavar="FILE",
                   help="reload a trace written by --out instead of "
                   "generating one")
    g = p.add_argument_group("runs")
    g.add_argument("--cluster", metavar="FILE",
                   default=os.path.join(here, "replay-cluster.yaml"),
                   help="ailab-kubesim cluster file: the node model of "
                   "every policy; the replay needs its users 'lab' "
                   "(namespace lab) and 'admin' (default "
                   "bench/replay-cluster.yaml)")
    g.add_argument("--offline-only", action="store_true",
                   help="only the trace and the offline policies (fast, "
                   "no binaries)")
    g.add_argument("--build", metavar="DIR", default=_default_build(),
                   help="directory holding ailab-queue and ailab-kubesim "
                   "(default the source tree)")
    g.add_argument("--speed", type=float, default=500.0, metavar="S",
                   help="simulated seconds per real second (default 500)")
    g.add_argument("--interval", default="1s", metavar="DURATION",
                   help="the scheduler's --interval (default 1s)")
    g.add_argument("--qps", type=float, metavar="N",
                   help="the scheduler's --qps (default its own, 50)")
    g.add_argument("--max-real", type=float, default=1800.0,
                   metavar="SECONDS",
                   help="stop the replay after this long (default 1800)")
    g.add_argument("--keep", action="store_true",
                   help="keep the replay's temporary directory (logs, "
                   "database)")
    g = p.add_argument_group("output")
    g.add_argument("--json", action="store_true",
                   help="print JSON instead of the table")
    return p


def main(argv=None):
    args = _parser().parse_args(argv)
    if args.jobs < 1 or args.users < 1 or not args.load > 0:
        _log("--jobs and --users must be >= 1 and --load > 0")
        return 2
    if not args.speed > 0 or not args.max_real > 0:
        _log("--speed and --max-real must be > 0")
        return 2
    try:
        nodes = read_cluster(args.cluster)
        total = sum(n["gpus"] for n in nodes)
        if args.trace:
            trace = load_trace(args.trace)
            check_trace(trace, nodes)
        else:
            trace = generate_trace(args.jobs, args.users, args.load,
                                   args.seed, nodes)
        if args.out:
            save_trace(trace, args.out)
        st = trace_stats(trace, total)
        results = []
        timings = {}
        for name, pol in (("FIFO", "fifo"), ("EASY", "easy")):
            t = time.monotonic()
            res = simulate(trace, nodes, pol)
            results.append((name, metrics(offline_records(trace, res),
                                          total)))
            timings[pol] = time.monotonic() - t
        extras = None
        if not args.offline_only:
            rec, extras = replay(trace, args.build, args.cluster,
                                 args.speed, args.interval, args.max_real,
                                 args.keep, qps=args.qps)
            results.append(("ailab-queue", metrics(
                rec, total, extras["gpu_seconds"], extras["requeued"],
                extras["pending_pod_s"])))
    except ReplayError as e:
        _log(str(e))
        return 1
    if args.json:
        json.dump({"trace": {"params": trace.get("params", {}),
                             "stats": st},
                   "cluster_gpus": total,
                   "results": {n: m for n, m in results},
                   "offline_s": timings, "replay": extras},
                  sys.stdout, indent=1)
        sys.stdout.write("\n")
        return 0
    print(format_trace(st, trace.get("params", {})))
    print("cluster: %d GPUs on %d nodes (%s)" % (
        total, len(nodes), ", ".join("%d %s" % (
            sum(n["gpus"] for n in nodes if n["type"] == t), t)
            for t in _node_types(nodes)[1])))
    print("run time: FIFO %.2f s, EASY %.2f s (offline)%s" % (
        timings["fifo"], timings["easy"],
        ", replay %.0f s" % extras["real_s"] if extras else ""))
    if extras:
        print(format_replay(extras))
    print()
    print(format_table(results))
    return 0


def format_replay(x):
    """A few lines on how the replay went, beside the table."""
    reasons = ", ".join("%s: %d" % kv for kv in
                        sorted(x.get("requeue_reasons", {}).items()))
    return "\n".join([
        "replay: speed %g, sched --interval %s (one interval = %s "
        "simulated)%s; %.0f s real, stopped: %s" % (
            x["speed"], x["interval"],
            _dur(x["speed"] * _seconds(x["interval"])),
            ", --qps %g" % x["qps"] if x.get("qps") else "",
            x["real_s"], x["stopped"]),
        "scheduler: %d passes, whole pass median %s ms, p95 %s ms, max %s "
        "ms (policy at most %s ms); submits late by up to %s simulated" % (
            x["passes"], _num(x.get("pass_ms_median")),
            _num(x.get("pass_ms_p95")), _num(x.get("pass_ms_max")),
            _num(x.get("policy_ms_max")), _dur(x["submit_late_s_max"])),
        "pods: %d; %d Pending for GPUs (at most %d at once): %d while the "
        "nodes they could use had enough free GPUs together but not on one "
        "node, %d while fewer were free (admitted beyond capacity)" % (
            x["pods"], x["pending_pods"], x["pending_pods_peak"],
            x["pending_fragmented"], x["pending_short"]),
        "placement: %d of %d pods smaller than a node were bound to an "
        "empty node while a partly used node they could use had room" % (
            x["small_pods_on_empty_node"], x["small_pods"]),
        "GPU-seconds: %.3g running, %.3g held by bound pods (%.3g before "
        "their container ran, %.3g after it exited)" % (
            x["gpu_seconds"], x["gpu_seconds_held"],
            x["gpu_seconds_bound_not_started"], x["gpu_seconds_after_exit"]),
        "queue: %s; jobs re-queued %d%s" % (
            ", ".join("%d %s" % (v, k)
                      for k, v in sorted(x["states"].items())),
            x["requeued"], " (%s)" % reasons if reasons else "")] +
        ["waiting %s (%d samples of the queue): %s" % (
            k, sum(n for _, n in v), "; ".join(
                "%d x '%s'" % (n, r) for r, n in v))
         for k, v in sorted(x.get("wait_reasons", {}).items())])


def _num(v):
    return "-" if v is None else "%.0f" % v


def _seconds(d):
    """Seconds of a duration like 1s, 500ms, 2m (for the report only)."""
    m = re.fullmatch(r"([0-9.]+)(ms|s|m|h)?", d)
    if not m:
        return float("nan")
    return float(m.group(1)) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600,
                                None: 1}[m.group(2)]


if __name__ == "__main__":
    def _term(signum, frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, _term)
    signal.signal(signal.SIGHUP, _term)
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
