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

The trace and the offline policies are in bench/replay_trace.py.
The trace and the offline policies are in bench/replay_trace.py.
Python 3 standard library only.  Importable: generate_trace, load_trace,
save_trace, trace_stats, read_cluster, simulate, metrics, format_table and
replay are the library; main() is the command line.
"""

import argparse
import datetime
import http.client
import json
import os
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

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from replay_trace import (  # noqa: E402 (the trace half)
    JOBID, ATTEMPT, RANK, GPU_RES, PRODUCT_LABEL, ReplayError,
    generate_trace, save_trace, load_trace, check_trace, _pct, trace_stats,
    read_cluster, _node_types, simulate, metrics, offline_records, _dur,
    format_table, format_trace)


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
              "  ailab-kubesim.io/duration: %ds" % j["run"],
              "  ailab-kubesim.io/exit-code: \"%d\"" % j["exit_code"]]
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
