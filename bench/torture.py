#!/usr/bin/python3
"""Torture run of ailab-queue (issue 18): see bench/torture.sh and
docs/operations.md, "Torture run".

Two local queues (each its own database, `sched` and kubeconfig user) and
one shared server (`serve`, its own database, the sched-sa service
account) act in ONE namespace of ailab-kubesim with API faults, while
concurrent CLI users submit, cancel, hold, release, retry and read logs,
and a chaos loop kill -9's schedulers, the server and cleanup runs.  Then
it drains everything and checks, printing PASS/FAIL lines with numbers:

  jobs        every job the users were told of is in its queue, and every
              job ended exactly once (one more ending per retry)
  creates     each object was created (201) at most once per attempt, by
              its own queue, for a job and attempt its queue has
  isolation   no object labelled with one queue's id was created, changed,
              deleted or had its log read by another queue's process, and
              no deletecollection was sent
  leftovers   nothing of ours is left in the cluster after cleanup
  databases   PRAGMA integrity_check is ok, `ls --all` reads each queue
  processes   no daemon or command died of a signal we did not send, none
              hung

Only the standard library.  Exit status 0 when every check passed.
"""
import argparse
import json
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.request

TERMINAL = ("succeeded", "failed", "cancelled", "timed_out")
LABEL_QUEUE = "ailab-queue.io/queue"
LABEL_JOB = "ailab-queue.io/job-id"
LABEL_ATTEMPT = "ailab-queue.io/attempt"
NS = "alice"
KINDS = ("deployments", "replicasets", "jobs", "services", "pods")


def parse_duration(s):
    """Seconds from "90", "90s", "30m" or "2h"."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([smh]?)", s)
    if m is None:
        raise argparse.ArgumentTypeError("bad duration '%s'" % s)
    return float(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[
        m.group(2)]


def free_port():
    """A loopback port nothing listens on now, for a server restarted on it."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Stats:
    """Counters shared by the threads, and the log of what happened."""

    def __init__(self, log):
        self.lock = threading.Lock()
        self.c = {}
        self.log = log
        self.notes = []

    def add(self, key, n=1):
        with self.lock:
            self.c[key] = self.c.get(key, 0) + n

    def get(self, key):
        with self.lock:
            return self.c.get(key, 0)

    def note(self, msg):
        """Something a check will fail on, kept with its time."""
        with self.lock:
            self.notes.append(msg)
        self.say("NOTE " + msg)

    def say(self, msg):
        line = time.strftime("%H:%M:%S ") + msg
        with self.lock:
            self.log.write(line + "\n")
            self.log.flush()


class Daemon:
    """A long-running process (sched or serve) the chaos loop may kill."""

    def __init__(self, name, argv, env, wd, stats):
        self.name, self.argv, self.env, self.wd = name, argv, env, wd
        self.stats = stats
        self.proc = None
        self.lock = threading.Lock()
        self.starts = 0

    def start(self):
        with self.lock:
            self.starts += 1
            out = open(os.path.join(self.wd, "%s.%d.log" % (self.name,
                                                            self.starts)), "w")
            self.proc = subprocess.Popen(self.argv, env=self.env,
                                         stdout=out, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL)
            out.close()
            self.stats.say("started %s pid %d" % (self.name, self.proc.pid))

    def kill9(self):
        """kill -9 by pid; True if it was running."""
        with self.lock:
            p = self.proc
            if p is None or p.poll() is not None:
                return False
            p.send_signal(signal.SIGKILL)
            p.wait()
            self.stats.say("kill -9 %s pid %d" % (self.name, p.pid))
            self.proc = None
            return True

    def check_alive(self):
        """A daemon that exited on its own is a finding; it is restarted."""
        with self.lock:
            p = self.proc
            if p is None or p.poll() is None:
                return
            self.stats.note("%s (pid %d, start %d) exited by itself with %d" %
                            (self.name, p.pid, self.starts, p.returncode))
            self.stats.add("unexpected exits")
            self.proc = None
        self.start()

    def stop(self, timeout=60):
        """SIGTERM and wait; the exit status (None if it was not running)."""
        with self.lock:
            p = self.proc
            self.proc = None
        if p is None:
            return None
        if p.poll() is not None:
            return p.returncode
        p.send_signal(signal.SIGTERM)
        try:
            return p.wait(timeout)
        except subprocess.TimeoutExpired:
            p.send_signal(signal.SIGKILL)
            p.wait()
            return "hung"


class Torture:
    def __init__(self, a):
        self.a = a
        self.rng = random.Random(a.seed)
        self.stop_users = threading.Event()
        self.wd = a.workdir or tempfile.mkdtemp(prefix="aq-torture.")
        os.makedirs(self.wd, exist_ok=True)
        self.stats = Stats(open(os.path.join(self.wd, "torture.log"), "a"))
        self.aq = os.path.join(a.build, "ailab-queue")
        self.sim_bin = os.path.join(a.build, "ailab-kubesim")
        self.procs = []         # every Popen we started, stopped at exit
        self.plock = threading.Lock()
        self.results = []
        self.env = dict(os.environ)
        self.env["KUBECONFIG"] = os.path.join(self.wd, "kubeconfig")
        self.env["NO_COLOR"] = "1"
        for k in ("AILAB_QUEUE_SERVER", "AILAB_QUEUE_DB", "XDG_STATE_HOME"):
            self.env.pop(k, None)
        self.env["XDG_STATE_HOME"] = os.path.join(self.wd, "state")
        self.env["XDG_CONFIG_HOME"] = os.path.join(self.wd, "config")

    # -- the simulated cluster --------------------------------------------
    def start_sim(self):
        out = open(os.path.join(self.wd, "sim.out"), "w")
        err = open(os.path.join(self.wd, "sim.err"), "w")
        self.sim = subprocess.Popen(
            [self.sim_bin, "--listen", "127.0.0.1:0", "--cluster",
             self.a.cluster, "--speed", str(self.a.speed), "--seed",
             str(self.a.seed), "--kubeconfig-out", self.env["KUBECONFIG"],
             "--audit-log", os.path.join(self.wd, "audit.jsonl"),
             "--faults", json.dumps(self.base_faults()),
             # The Deployment wrapper, in the simulator's generic knobs.
             "--pod-default=after-exit=idle",
             "--pod-default=termination-message="
             "ailab-queue-exit=$(EXIT_CODE)",
             "--pod-default=exit-codes-label=ailab-queue.io/attempt"],
            stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        for _ in range(200):
            txt = open(os.path.join(self.wd, "sim.out")).read()
            m = re.search(r"^url (\S+)$", txt, re.M)
            if m and os.path.exists(self.env["KUBECONFIG"]):
                self.sim_url = m.group(1)
                return
            if self.sim.poll() is not None:
                break
            time.sleep(0.1)
        raise SystemExit("ailab-kubesim did not start: " +
                         open(os.path.join(self.wd, "sim.err")).read())

    def base_faults(self):
        f = self.a.faults
        return {"error500": f, "error429": f / 2, "drop": f,
                "retryAfterSeconds": 1, "latencyMs": 0}

    def sim_api(self, method, path, body=None):
        req = urllib.request.Request(
            self.sim_url + path, method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": "Bearer admin-token",
                     "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as r:
            return json.load(r)

    # -- the three queues -------------------------------------------------
    def setup_queues(self):
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        db = lambda n: os.path.join(self.wd, n + ".db")
        # name: (CLI prefix, the queue's own processes' prefix, kube user)
        self.queues = {
            "A": ([self.aq, "--server", "", "--db", db("a"), "--context",
                   "qa"],
                  [self.aq, "--server", "", "--db", db("a"), "--context",
                   "qa"], "qa", db("a")),
            "B": ([self.aq, "--server", "", "--db", db("b"), "--context",
                   "qb"],
                  [self.aq, "--server", "", "--db", db("b"), "--context",
                   "qb"], "qb", db("b")),
            "S": ([self.aq, "--server", self.url, "--context", "alice"],
                  [self.aq, "--server", "", "--db", db("s"), "--context",
                   "sched-sa"], "sched-sa", db("s")),
        }
        self.daemons = {
            "sched-A": Daemon("sched-A", self.queues["A"][1] +
                              ["sched", "--interval", "1s"], self.env,
                              self.wd, self.stats),
            "sched-B": Daemon("sched-B", self.queues["B"][1] +
                              ["sched", "--interval", "1s"], self.env,
                              self.wd, self.stats),
            "serve": Daemon("serve", self.queues["S"][1] +
                            ["serve", "--listen", "127.0.0.1:%d" % self.port,
                             "--interval", "1s", "--user-max-queued", "0",
                             "--rate", "100", "--burst", "200"],
                            self.env, self.wd, self.stats),
        }
        for d in self.daemons.values():
            d.start()
        # The server is up once its /healthz answers.
        for _ in range(300):
            try:
                urllib.request.urlopen(self.url + "/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.1)
        self.known = {q: set() for q in self.queues}   # ids users were given
        self.klock = threading.Lock()

    def run(self, argv, what, timeout=150):
        """Runs a command; counts its outcome; (rc, stdout)."""
        self.stats.add("cmd " + what)
        try:
            p = subprocess.run(argv, env=self.env, capture_output=True,
                               text=True, timeout=timeout,
                               stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            self.stats.note("hung (%ds): %s" % (timeout, " ".join(argv)))
            self.stats.add("hung commands")
            return None, ""
        if p.returncode < 0 or p.returncode >= 128:
            self.stats.note("%s died of a signal (%d): %s\n%s" % (
                what, p.returncode, " ".join(argv), p.stderr[-2000:]))
            self.stats.add("commands killed by a signal")
        elif p.returncode != 0:
            self.stats.add("cmd %s exit %d" % (what, p.returncode))
        return p.returncode, p.stdout

    # -- users ------------------------------------------------------------
    def spec(self, rng, qname, n):
        """A sweep of n jobs: a mix of lengths, failures, retries, timeouts,
        distributed and Indexed Job workloads, of 1 or 2 GPUs."""
        dur = rng.choice([10, 20, 40, 60, 120])
        kind = rng.random()
        codes, retries, timeout = "0", 0, ""
        if kind < 0.2:
            codes, retries = "1,0", 1
        elif kind < 0.3:
            codes, retries = "1", rng.choice([0, 1])
        elif kind < 0.35:
            dur, timeout = 600, "timeout: 60s\n"
        workload = "workload: job\n" if rng.random() < 0.15 else ""
        replicas = "replicas: 2\n" if rng.random() < 0.2 else ""
        name = "t%s%d" % (qname.lower(), rng.randrange(1000))
        return (
            "name: %s-${x}\n"
            "image: busybox\n"
            "command: [sh, -c, \"echo hi\"]\n"
            "gpu: {type: %s, count: %d}\n"
            "resources: {cpu: 1, memory: 1Gi}\n"
            "retries: %d\n%s%s%s"
            "annotations: {ailab-kubesim.io/duration: \"%ds\", "
            "ailab-kubesim.io/exit-codes: \"%s\"}\n"
            "sweep:\n  grid:\n    x: [%s]\n" % (
                name, rng.choice(["RTX4090D", "RTX4090"]),
                rng.choice([1, 1, 2]), retries, timeout, workload, replicas,
                dur, codes, ", ".join(str(i) for i in range(n))))

    def live_jobs(self, qname):
        """The queue's waiting and running jobs as `ls -o json` shows them."""
        rc, out = self.run(self.queues[qname][0] + ["ls", "-o", "json"],
                           "ls")
        if rc != 0:
            return None
        try:
            return json.loads(out)
        except ValueError:
            self.stats.note("ls -o json of %s is not JSON: %r" % (
                qname, out[:200]))
            return None

    def user(self, qname, seed):
        rng = random.Random(seed)
        cli = self.queues[qname][0]
        tmp = os.path.join(self.wd, "spec-%s-%d.yaml" % (qname, seed))
        while not self.stop_users.is_set():
            act = rng.choices(["submit", "cancel", "hold", "release",
                               "retry", "logs", "ls"],
                              [5, 1, 1, 1.5, 1, 0.7, 0.3])[0]
            with self.klock:
                ids = sorted(self.known[qname])
            if act == "submit":
                jobs = self.live_jobs(qname)
                if jobs is not None and len(jobs) < self.a.max_waiting:
                    with open(tmp, "w") as f:
                        f.write(self.spec(rng, qname, rng.randint(1, 5)))
                    extra = ["--hold"] if rng.random() < 0.1 else []
                    rc, out = self.run(cli + ["submit"] + extra + [tmp],
                                       "submit")
                    if rc == 0:
                        new = [int(x) for x in out.split() if x.isdigit()]
                        with self.klock:
                            self.known[qname].update(new)
                        self.stats.add("jobs submitted " + qname, len(new))
            elif act == "release":
                jobs = self.live_jobs(qname) or []
                held = [j["id"] for j in jobs if j["state"] == "held"]
                if held:
                    self.run(cli + ["release", str(rng.choice(held))],
                             "release")
            elif act in ("cancel", "hold", "retry", "logs") and ids:
                # Recent jobs are the interesting ones.
                jid = str(rng.choice(ids[-40:]))
                argv = cli + [act, jid]
                if act == "logs":
                    argv = cli + ["logs", "--tail", "3", jid]
                self.run(argv, act, timeout=30 if act == "logs" else 150)
            elif act == "ls":
                self.run(cli + ["ls", "--all"], "ls")
            time.sleep(rng.uniform(0.2, 1.5) * self.a.pace)

    # -- chaos ------------------------------------------------------------
    def cleanup_once(self, qname, grace="30s", kill_after=None):
        """One `cleanup` of a queue, as cron runs it; kill -9 it after
        kill_after seconds if it is still running then."""
        argv = self.queues[qname][1] + ["-q", "cleanup", "--grace", grace]
        if kill_after is None:
            rc, _ = self.run(argv, "cleanup")
            return rc
        self.stats.add("cmd cleanup")
        p = subprocess.Popen(argv, env=self.env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL,
                             stdin=subprocess.DEVNULL)
        try:
            p.wait(kill_after)
            self.stats.add("cleanup ended before its kill")
        except subprocess.TimeoutExpired:
            p.send_signal(signal.SIGKILL)
            p.wait()
            self.stats.add("kill -9 cleanup")
            self.stats.say("kill -9 cleanup of %s pid %d" % (qname, p.pid))
        return None

    def cron(self):
        """cleanup of each queue every 10 s, never killed."""
        while not self.stop_users.wait(10):
            for q in self.queues:
                self.cleanup_once(q)

    def chaos(self, seed):
        rng = random.Random(seed)
        while not self.stop_users.wait(rng.uniform(1, 2 * self.a.chaos)):
            kind = rng.choices(["sched", "serve", "cleanup", "api"],
                               [4, 1.5, 2, 2])[0]
            if kind == "sched":
                d = self.daemons[rng.choice(["sched-A", "sched-B"])]
                if d.kill9():
                    self.stats.add("kill -9 " + d.name)
                    time.sleep(rng.uniform(0, 2))
                    d.start()
            elif kind == "serve":
                d = self.daemons["serve"]
                if d.kill9():
                    self.stats.add("kill -9 serve")
                    time.sleep(rng.uniform(0, 2))
                    d.start()
            elif kind == "cleanup":
                # Not --grace 0s while schedulers run: an object created
                # between cleanup's read of the queue and its list of the
                # cluster would look orphaned (docs/performance.md).
                self.cleanup_once(rng.choice(list(self.queues)),
                                  kill_after=rng.uniform(0.01, 0.6))
            else:
                self.api_fault(rng)
            for d in self.daemons.values():
                d.check_alive()

    def api_fault(self, rng):
        """A burst of one kind of API trouble on top of the steady faults."""
        f = rng.choice(["expire", "restart", "latency", "burst500", "drops"])
        self.stats.add("api " + f)
        self.stats.say("api " + f)
        try:
            if f == "expire":
                self.sim_api("POST", "/sim/faults", {"expireWatches": True})
            elif f == "restart":
                self.sim_api("POST", "/sim/faults", {"restart": True})
            else:
                more = {"latency": {"latencyMs": 1500},
                        "burst500": {"error500": 0.5},
                        "drops": {"drop": 0.3}}[f]
                self.sim_api("POST", "/sim/faults", more)
                time.sleep(rng.uniform(1, 4))
                self.sim_api("POST", "/sim/faults", self.base_faults())
        except OSError as e:
            self.stats.note("the simulator's /sim/faults failed: %s" % e)

    # -- the end ----------------------------------------------------------
    def drain(self):
        """No more faults; held jobs released; every queue run until empty."""
        self.sim_api("POST", "/sim/faults", {"error500": 0, "error429": 0,
                                             "drop": 0, "latencyMs": 0})
        for d in self.daemons.values():
            d.check_alive()
        deadline = time.time() + self.a.drain
        for q in self.queues:
            for j in self.live_jobs(q) or []:
                if j["state"] == "held":
                    self.run(self.queues[q][0] + ["release", str(j["id"])],
                             "release")
        # Local queues: the daemons stop; sched --until-empty finishes.
        waits = []
        for q in ("A", "B"):
            rc = self.daemons["sched-" + q].stop()
            if rc not in (0, None):
                self.stats.note("sched-%s exited %s on SIGTERM" % (q, rc))
            p = subprocess.Popen(
                self.queues[q][1] + ["sched", "--until-empty", "--interval",
                                     "1s"], env=self.env,
                stdout=open(os.path.join(self.wd, "drain-%s.log" % q), "w"),
                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            waits.append((q, p))
        # The server: until every job has ended and been cleaned.
        while time.time() < deadline:
            jobs = self.all_jobs("S")
            if jobs is not None and all(j["state"] in TERMINAL and
                                        j["cleaned"] for j in jobs):
                break
            time.sleep(2)
        rc = self.daemons["serve"].stop()
        if rc not in (0, None):
            self.stats.note("serve exited %s on SIGTERM" % rc)
        for q, p in waits:
            try:
                rc = p.wait(max(1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                p.send_signal(signal.SIGKILL)
                p.wait()
                rc = "timeout"
            if rc != 0:
                self.stats.note("sched --until-empty of %s: %s" % (q, rc))
        self.drained_at = time.time()
        self.left_before_cleanup = self.leftovers()
        for q in self.queues:
            self.cleanup_once(q, grace="0s")

    def all_jobs(self, q):
        rc, out = self.run(self.queues[q][1] + ["ls", "--all", "-o", "json"],
                           "ls")
        if rc != 0:
            return None
        return json.loads(out)

    def leftovers(self):
        st = self.sim_api("GET", "/sim/state")
        left = {}
        for k in KINDS:
            for o in st.get(k, []):
                md = o["metadata"]
                ours = (md.get("labels") or {}).get(
                    "app.kubernetes.io/managed-by") == "ailab-queue"
                if md.get("namespace") == NS or ours:
                    lab = md.get("labels") or {}
                    left.setdefault(k, []).append(
                        "%s (queue %s job %s attempt %s)" % (
                            md["name"], lab.get(LABEL_QUEUE, "-")[:5],
                            lab.get(LABEL_JOB, "-"),
                            lab.get(LABEL_ATTEMPT, "-")))
        return left

    # -- checks -----------------------------------------------------------
    def check(self, name, ok, detail):
        self.results.append((name, ok, detail))
        print("%s %s: %s" % ("PASS" if ok else "FAIL", name, detail),
              flush=True)

    def checks(self):
        audit = [json.loads(l) for l in open(os.path.join(self.wd,
                                                           "audit.jsonl"))]
        jobs, bad_end, lost, ends, retries = {}, [], [], 0, 0
        for q in self.queues:
            jobs[q] = {j["id"]: j for j in (self.all_jobs(q) or [])}
            for i in sorted(self.known[q]):
                if i not in jobs[q]:
                    lost.append("%s/%d" % (q, i))
            for i, j in jobs[q].items():
                rc, out = self.run(self.queues[q][1] + ["show", str(i), "-o",
                                                        "json"], "show")
                ev = json.loads(out)["events"] if rc == 0 else []
                term = sum(1 for e in ev if e["to"] in TERMINAL)
                back = sum(1 for e in ev if e["from"] in TERMINAL)
                wrong = [e for e in ev if e["from"] in TERMINAL and
                         e["to"] != "queued"]
                ends += term
                retries += back
                if (j["state"] not in TERMINAL or not j["cleaned"] or
                        term != back + 1 or wrong or not ev or
                        ev[-1]["to"] != j["state"]):
                    bad_end.append("%s/%d %s cleaned=%s ends=%d retries=%d" %
                                   (q, i, j["state"], j["cleaned"], term,
                                    back))
        njobs = sum(len(j) for j in jobs.values())
        by_state = {}
        for q in jobs:
            for j in jobs[q].values():
                by_state[j["state"]] = by_state.get(j["state"], 0) + 1
        self.figures = {"jobs": {q: len(jobs[q]) for q in jobs},
                        "states": by_state}
        self.check("jobs: none lost", not lost,
                   "%d jobs the users were given, %d in the queues (%s)%s" %
                   (sum(len(k) for k in self.known.values()), njobs,
                    ", ".join("%s %d" % (q, len(jobs[q])) for q in jobs),
                    "; lost: " + " ".join(lost[:20]) if lost else ""))
        self.check("jobs: each ended exactly once", not bad_end,
                   "%d jobs, %d endings, %d retries after an end; states %s%s"
                   % (njobs, ends, retries, json.dumps(by_state,
                                                       sort_keys=True),
                      "; wrong: " + "; ".join(bad_end[:20]) if bad_end
                      else ""))

        # Which user each queue acts as, from what it created.
        user_q = {v[2]: q for q, v in self.queues.items()}
        owner = {}
        for e in audit:
            qid = (e.get("labels") or {}).get(LABEL_QUEUE)
            if e["verb"] == "create" and e.get("code") == 201 and qid:
                owner.setdefault(qid, set()).add(e["user"])
        qid_of = {}
        for qid, us in owner.items():
            for u in us:
                qid_of.setdefault(user_q.get(u, u), set()).add(qid)
        shared = [q for q, ids in qid_of.items() if len(ids) != 1]
        shared += [qid for qid, us in owner.items() if len(us) != 1]
        tags = {q: next(iter(ids))[:5] for q, ids in qid_of.items()
                if len(ids) == 1}

        creates, dup, bad_attempt = {}, [], []
        for e in audit:
            lab = e.get("labels") or {}
            if e["verb"] != "create" or e.get("code") != 201 or \
                    LABEL_QUEUE not in lab:
                continue
            key = (lab[LABEL_QUEUE], lab.get(LABEL_JOB),
                   lab.get(LABEL_ATTEMPT), e["resource"], e["name"])
            creates[key] = creates.get(key, 0) + 1
            if creates[key] == 2:
                dup.append("%s %s/%s (job %s attempt %s, seq %d)" % (
                    e["user"], e["resource"], e["name"], key[1], key[2],
                    e["seq"]))
            q = user_q.get(e["user"])
            j = jobs.get(q, {}).get(int(lab.get(LABEL_JOB, "0")))
            if j is None or int(lab.get(LABEL_ATTEMPT, "0")) > \
                    j["attempts"]:
                bad_attempt.append("%s/%s job %s attempt %s (%s)" % (
                    e["resource"], e["name"], key[1], key[2],
                    "no such job" if j is None else
                    "%d attempts" % j["attempts"]))
        n201 = sum(creates.values())
        n409 = sum(1 for e in audit if e["verb"] == "create" and
                   e.get("code") == 409)
        self.figures["creates"] = n201
        self.check("creates: at most once per attempt",
                   not dup and not bad_attempt and not shared,
                   "%d objects created (201) for %d (object, attempt) keys, "
                   "%d creates met AlreadyExists; queue ids %s%s%s%s" % (
                       n201, len(creates), n409,
                       json.dumps({q: sorted(v) for q, v in qid_of.items()},
                                  sort_keys=True),
                       "; twice: " + "; ".join(dup[:10]) if dup else "",
                       "; unknown attempt: " + "; ".join(bad_attempt[:10])
                       if bad_attempt else "",
                       "; queue ids not one per user: %s" % shared
                       if shared else ""))

        cross, dc, touched = [], 0, 0
        for e in audit:
            if e["verb"] == "deletecollection":
                dc += 1
                cross.append("deletecollection by %s of %s" % (
                    e["user"], e["resource"]))
                continue
            mine = user_q.get(e["user"])
            qid = (e.get("labels") or {}).get(LABEL_QUEUE)
            if qid is not None:
                touched += 1
                if e["user"] not in owner.get(qid, {e["user"]}):
                    cross.append("%s %s %s/%s%s of queue %s (seq %d)" % (
                        e["user"], e["verb"], e["resource"], e.get("name"),
                        "/" + e["subresource"] if e.get("subresource")
                        else "", qid, e["seq"]))
            elif e.get("name") and mine is not None:
                for q, t in tags.items():
                    if q != mine and re.search(r"-%s(-|$)" % t, e["name"]):
                        cross.append("%s %s %s/%s: a name of queue %s "
                                     "(seq %d)" % (e["user"], e["verb"],
                                                   e["resource"], e["name"],
                                                   q, e["seq"]))
        verbs = {}
        for e in audit:
            k = e["verb"] + ("/" + e["subresource"] if e.get("subresource")
                             else "")
            verbs[k] = verbs.get(k, 0) + 1
        self.figures["audit"] = {"entries": len(audit), "verbs": verbs}
        self.check("isolation: no queue touched another's objects",
                   not cross,
                   "%d audit entries (%s), %d on labelled objects, %d "
                   "deletecollection%s" % (
                       len(audit), json.dumps(verbs, sort_keys=True),
                       touched, dc,
                       "; crossed: " + "; ".join(cross[:20]) if cross
                       else ""))

        left = self.leftovers()
        self.check("leftovers: nothing of ours in the cluster",
                   not left,
                   "after drain and cleanup %s; before the last cleanup %s" %
                   (json.dumps(left, sort_keys=True) if left else "none",
                    json.dumps({k: len(v) for k, v in
                                self.left_before_cleanup.items()},
                               sort_keys=True)
                    if self.left_before_cleanup else "none"))
        # Not a failure (cleanup's orphan pass is the designed net), but
        # worth a look: what the queues themselves left once drained.
        self.figures["left_before_cleanup"] = self.left_before_cleanup
        for k, v in sorted(self.left_before_cleanup.items()):
            print("INFO left once drained, removed by cleanup: %s %s" % (
                k, ", ".join(v[:10])), flush=True)

        bad_db = []
        for q, v in self.queues.items():
            try:
                c = sqlite3.connect("file:%s?mode=ro" % v[3], uri=True)
                r = c.execute("PRAGMA integrity_check").fetchall()
                c.close()
            except sqlite3.Error as e:
                r = [(str(e),)]
            if r != [("ok",)]:
                bad_db.append("%s: %s" % (q, r[:5]))
            rc, _ = self.run(v[1] + ["ls", "--all"], "ls")
            if rc != 0:
                bad_db.append("%s: ls --all exit %s" % (q, rc))
        self.check("databases: integrity_check ok and ls --all reads them",
                   not bad_db, "; ".join(bad_db) if bad_db else
                   "3 databases ok")

        with self.stats.lock:
            notes = list(self.stats.notes)
        self.check("processes: no unexpected exit, signal or hang",
                   not notes, "%d unexpected exits, %d commands killed by a "
                   "signal, %d hung%s" % (
                       self.stats.get("unexpected exits"),
                       self.stats.get("commands killed by a signal"),
                       self.stats.get("hung commands"),
                       "; " + " | ".join(n[:300] for n in notes[:10])
                       if notes else ""))

    # -- the whole run ----------------------------------------------------
    def main(self):
        t0 = time.time()
        print("torture: %s for %ds, seed %d, in %s" % (
            self.a.build, self.a.duration, self.a.seed, self.wd), flush=True)
        self.start_sim()
        self.setup_queues()
        threads = []
        for q in self.queues:
            for u in range(self.a.users):
                threads.append(threading.Thread(
                    target=self.user, args=(q, self.a.seed * 100 + len(
                        threads)), daemon=True))
        threads.append(threading.Thread(target=self.chaos,
                                        args=(self.a.seed + 7,), daemon=True))
        threads.append(threading.Thread(target=self.cron, daemon=True))
        for t in threads:
            t.start()
        end = t0 + self.a.duration
        while time.time() < end:
            time.sleep(min(60, max(0.1, end - time.time())))
            for d in self.daemons.values():
                d.check_alive()
            print("torture: %4ds: %s" % (time.time() - t0, self.progress()),
                  flush=True)
        self.stop_users.set()
        for t in threads:
            t.join(300)
        chaos_end = time.time()
        faults = self.sim_api("GET", "/sim/faults")["injected"]
        print("torture: draining", flush=True)
        self.drain()
        self.checks()
        rc = self.stop_sim()
        if rc != 0:
            self.check("simulator: exits 0 on SIGTERM", False, "exit %s" % rc)
        with self.stats.lock:
            c = dict(self.stats.c)
        summary = {
            "seed": self.a.seed, "duration_s": self.a.duration,
            "chaos_s": round(chaos_end - t0), "drain_s":
            round(self.drained_at - chaos_end), "speed": self.a.speed,
            "faults_injected": faults, "counters": c,
            "figures": self.figures,
            "checks": [{"name": n, "ok": o, "detail": d}
                       for n, o, d in self.results]}
        with open(os.path.join(self.wd, "summary.json"), "w") as f:
            json.dump(summary, f, indent=1, sort_keys=True)
        print("torture: faults injected %s; kills: sched-A %d, sched-B %d, "
              "serve %d, cleanup %d; API: %s" % (
                  json.dumps(faults, sort_keys=True),
                  c.get("kill -9 sched-A", 0), c.get("kill -9 sched-B", 0),
                  c.get("kill -9 serve", 0), c.get("kill -9 cleanup", 0),
                  ", ".join("%s %d" % (k[4:], v) for k, v in sorted(c.items())
                            if k.startswith("api "))))
        print("torture: commands %s" % ", ".join(
            "%s %d" % (k[4:], v) for k, v in sorted(c.items())
            if k.startswith("cmd ")))
        failed = [n for n, o, _ in self.results if not o]
        print("torture: %d checks, %d failed; summary in %s" % (
            len(self.results), len(failed),
            os.path.join(self.wd, "summary.json")), flush=True)
        return 1 if failed else 0

    def progress(self):
        with self.stats.lock:
            c = dict(self.stats.c)
        return "submitted %s; kills %s; notes %d" % (
            "/".join(str(c.get("jobs submitted " + q, 0))
                     for q in self.queues),
            "/".join(str(c.get("kill -9 " + k, 0)) for k in
                     ("sched-A", "sched-B", "serve", "cleanup")),
            len(self.stats.notes))

    def stop_sim(self):
        self.sim.send_signal(signal.SIGTERM)
        try:
            return self.sim.wait(60)
        except subprocess.TimeoutExpired:
            self.sim.send_signal(signal.SIGKILL)
            self.sim.wait()
            return "hung"

    def stop_all(self):
        """Whatever we started that still runs, by pid."""
        for d in getattr(self, "daemons", {}).values():
            d.kill9()
        if getattr(self, "sim", None) is not None and self.sim.poll() is None:
            self.sim.send_signal(signal.SIGKILL)
            self.sim.wait()


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("build", help="build directory (ailab-queue, "
                   "ailab-kubesim)")
    p.add_argument("duration", type=parse_duration,
                   help="time under chaos: 90s, 30m, ...")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--speed", type=float, default=20,
                   help="simulated seconds per second (default 20)")
    p.add_argument("--faults", type=float, default=0.03,
                   help="share of API requests answered 500, and dropped; "
                   "half as many 429 (default 0.03)")
    p.add_argument("--users", type=int, default=2,
                   help="concurrent CLI users per queue (default 2)")
    p.add_argument("--chaos", type=float, default=5,
                   help="mean seconds between chaos events (default 5)")
    p.add_argument("--pace", type=float, default=1,
                   help="scales the users' pauses (default 1)")
    p.add_argument("--max-waiting", type=int, default=40,
                   help="users submit while a queue has fewer unended "
                   "jobs (default 40)")
    p.add_argument("--drain", type=parse_duration, default=900,
                   help="time allowed to drain at the end (default 15m)")
    p.add_argument("--cluster", default=os.path.join(
        here, "torture-cluster.yaml"))
    p.add_argument("--workdir", help="keep everything here (default a new "
                   "/tmp/aq-torture.XXXXXX, removed when all checks pass)")
    p.add_argument("--keep", action="store_true",
                   help="keep the work directory even when all passed")
    a = p.parse_args()
    t = Torture(a)
    rc = 2
    try:
        rc = t.main()
    except KeyboardInterrupt:
        print("torture: interrupted", flush=True)
    except Exception:
        traceback.print_exc()
        print("torture: the run itself failed", flush=True)
    finally:
        t.stop_all()
    if rc == 0 and not a.keep and not a.workdir:
        shutil.rmtree(t.wd, ignore_errors=True)
    elif rc != 0:
        print("torture: kept %s" % t.wd, flush=True)
    return rc


if __name__ == "__main__":
    sys.exit(main())
