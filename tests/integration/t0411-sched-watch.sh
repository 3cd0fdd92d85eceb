#!/bin/sh
# The scheduler's watch-fed cache through broken watches.  One 8-GPU
# RTX3090 node; 20 one-GPU jobs of 2 simulated minutes and 2 that run for
# ever.  While they run, the simulated API server expires every watch's
# resourceVersion (an ERROR 410 on every open watch, its history
# compacted: every kind is listed again), restarts (every connection cut:
# watches resume from their last resourceVersion), and then cuts every
# request for a few seconds, during which the RTX4090 node goes NotReady
# and back and the history is compacted again (the watches, when they get
# through, find their resourceVersion gone and relist).  Asserted on the
# simulated cluster's own state, followed by a pod watch (sched-watch.py):
# every job runs to completion, never more than 8 GPUs of ours admitted,
# running or bound; the watches were listed again; and afterwards the
# scheduler's cache (`sched --dump-cache`, on SIGUSR1) agrees with a fresh
# LIST of the cluster (/sim/state): the same objects of every kind at the
# same resourceVersions.  Then the same in namespace-only sight, as alice.
. "$top_srcdir/tests/lib.sh"
plan 13

check "ailab-kubesim starts" start_kubesim \
    --cluster "$FIXTURES/sched-scarce.yaml" --speed 20 --seed 11

# mkspec NAME N DURATION: a sweep of N one-GPU RTX3090 jobs.
mkspec() {
	spec_file "$1" type=RTX3090 cpu=1 memory=4Gi timeout= duration="$3" \
	    sweep="$2"
}
# states: the jobs' states, counted ("succeeded=20 running=2").
states() { aq ls --all -o json | count_by state; }
# settled WANT: the queue's states are WANT.
settled() { [ "$(states)" = "$1" ]; }
# cancel_running: cancels the jobs that run (for ever).
cancel_running() {
	aq -q cancel $(aq ls --state running -o json | json_val '*[j["id"] for j in d]') >/dev/null
}

# compare CONTEXT NAMESPACE: the scheduler's cache (dumped on SIGUSR1)
# against the simulator's state, kind by kind; prints the differences.
compare() {
	rm -f "$TMP/cache.json"
	kill -USR1 "$SCHED"
	wait_for 10 test -s "$TMP/cache.json" || { echo "no dump"; return; }
	sim_get /sim/state >"$TMP/state.json"
	python3 - "$TMP/cache.json" "$TMP/state.json" "$2" <<'EOT'
import json, sys
cache, state = (json.load(open(f)) for f in sys.argv[1:3])
ns = sys.argv[3]
MANAGED = ("app.kubernetes.io/managed-by", "ailab-queue")
def key(o):
    m = o["metadata"]
    return (m["namespace"] + "/" if m.get("namespace") else "") + m["name"]
def ours(o):
    return (o["metadata"].get("labels") or {}).get(MANAGED[0]) == MANAGED[1]
def live(o):
    return (o.get("status") or {}).get("phase") not in ("Succeeded", "Failed")
def inns(o):
    return ns == "" or o["metadata"].get("namespace") == ns
want = {
    "nodes": [o for o in state["nodes"]],
    "pods": [o for o in state["pods"] if live(o)],
    "resourcequotas": [o for o in state["resourcequotas"] if inns(o)],
    "deployments": [o for o in state["deployments"] if ours(o) and inns(o)],
    "jobs": [o for o in state["jobs"] if ours(o) and inns(o)],
    "services": [o for o in state["services"] if ours(o) and inns(o)],
    "ourpods": [o for o in state["pods"] if ours(o) and inns(o)],
}
bad = []
for kind, objs in sorted(want.items()):
    if ns != "" and kind in ("nodes", "pods"):
        # Not hers to read: kept empty.
        if cache.get(kind, {}).get("objects"):
            bad.append("%s: cached without sight" % kind)
        continue
    if kind not in cache:
        bad.append("%s: not in the cache" % kind)
        continue
    have = cache[kind]["objects"]
    w = {key(o): o["metadata"]["resourceVersion"] for o in objs}
    for k in sorted(set(w) | set(have)):
        if w.get(k) != have.get(k):
            bad.append("%s %s: cluster %s, cache %s" % (kind, k, w.get(k),
                       have.get(k)))
lists = {k: sum(s["lists"] for s in v["scopes"]) for k, v in cache.items()}
print("lists " + " ".join("%s=%d" % kv for kv in sorted(lists.items())))
print("objects " + " ".join("%s=%d" % (k, len(v["objects"]))
                            for k, v in sorted(cache.items())))
for b in bad[:20]:
    print("diff " + b)
print("agree" if not bad else "disagree")
EOT
}

mkspec short 20 2m
mkspec long 2 forever
aq --context alice -q submit --owner u1 "$TMP/short.yaml" >/dev/null &&
    aq --context alice -q submit --owner u2 "$TMP/long.yaml" >/dev/null
ok "22 jobs queued: 20 of 2 simulated minutes, 2 that run for ever" $?

spawn WATCHER python3 "$top_srcdir/tests/integration/sched-watch.py" \
    "$KUBESIM_URL" admin-token "$TMP/stop" "$TMP/watch.json" "$AILAB_QUEUE" 0.1
start_sched --context admin -v sched --interval 1s \
    --dump-cache "$TMP/cache.json"

# Faults while the first jobs run: every watch expired, then the API
# server restarted, then every request cut while a node changes.
running() { aq ls --state running -o json | grep -q '"id"'; }
wait_for 60 running
sleep 2
kubesim_fault '{"expireWatches": true}'
sleep 3
kubesim_fault '{"restart": true}'
sleep 3
kubesim_fault '{"drop": 1.0}'
kubesim_fault '{"nodeNotReady": "s4090-01"}'
sleep 2
kubesim_fault '{"nodeReady": "s4090-01"}'
kubesim_fault '{"expireWatches": true}'
sleep 2
kubesim_fault '{"drop": 0}'
ok "faults injected mid-run: watches expired, a restart, requests cut" $?

wait_for 150 settled "running=2 succeeded=20"
is "every finite job succeeded; the two that run for ever run" \
    "$(states)" "running=2 succeeded=20"
sleep 2
compare admin "" >"$TMP/cmp"
sed 's/^/# /' "$TMP/cmp"
like "the watches were listed again after the faults" "$TMP/cmp" \
    '^lists .*deployments=([3-9]|[1-9][0-9]).* pods=([3-9]|[1-9][0-9])'
is "the cache agrees with a fresh LIST of every kind" \
    "$(tail -n 1 "$TMP/cmp")" agree

cancel_running
gone() { [ "$(kube_count "/api/v1/namespaces/alice/pods" admin)" = 0 ]; }
wait_for 60 gone
sleep 1
compare admin "" >"$TMP/cmp2"
is "... and again once the cancelled jobs' objects are gone" \
    "$(tail -n 1 "$TMP/cmp2")" agree
check "the scheduler stops on SIGTERM (exit 0)" stop_sched
touch "$TMP/stop"
wait "$WATCHER"
W="$TMP/watch.json"
val() { python3 -c "import json, sys; r = json.load(open(sys.argv[1])); print($1)" "$W"; }
echo "# $(val '"%d pod events, %d queue samples" % (r["events"], r["queue_samples"])')"
is "never more than 8 GPUs admitted or running (the queue's view)" \
    "$(val 'r["max_queue_gpus"] <= 8 and r["max_queue_gpus"] > 0')" True
is "never more than 8 GPUs bound (the cluster's view)" \
    "$(val 'r["max_bound_gpus"] <= 8')" True

# Namespace-only sight: alice may list neither nodes nor other namespaces'
# pods, so her cache holds her namespace's objects and quota only.
export AILAB_QUEUE_DB="$TMP/alice.db"
mkspec few 6 1m
mkspec ever 1 forever
aq --context alice -q submit "$TMP/few.yaml" >/dev/null &&
    aq --context alice -q submit "$TMP/ever.yaml" >/dev/null
spawn SCHED "$AILAB_QUEUE" --context alice -v sched --interval 1s \
    --dump-cache "$TMP/cache.json" >"$TMP/sched2.out" 2>&1
wait_for 60 running
kubesim_fault '{"expireWatches": true}'
sleep 2
kubesim_fault '{"restart": true}'
wait_for 120 settled "running=1 succeeded=6"
is "as alice, through the same faults, every finite job succeeded" \
    "$(states)" "running=1 succeeded=6"
sleep 2
compare alice alice >"$TMP/cmp3"
sed 's/^/# /' "$TMP/cmp3"
like "her cache holds her namespace's kinds only, listed again" \
    "$TMP/cmp3" '^lists deployments=([2-9]|[1-9][0-9]) jobs=[0-9]+ nodes=0 ourpods=([2-9]|[1-9][0-9]) pods=0 resourcequotas=[0-9]+ services=[0-9]+$'
is "... and agrees with a fresh LIST of her namespace" \
    "$(tail -n 1 "$TMP/cmp3")" agree
cancel_running
stop_sched
finish
