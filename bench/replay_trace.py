#!/usr/bin/python3
"""bench/replay_trace.py: the trace half of bench/replay.py.

Generates (or loads) a job trace shaped like published GPU-cluster
statistics, checks and summarises it, and simulates the reference
policies (strict FIFO, EASY backfill) offline on the cluster file's node
model; bench/replay.py replays the same trace against ailab-kubesim with
the real scheduler and prints both.  Split from replay.py so that no file
of the tree is over 1,200 lines.

Python 3 standard library only.
"""

import heapq
import json
import math
import os
import random
import re

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
