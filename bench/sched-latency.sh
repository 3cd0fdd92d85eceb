#!/bin/sh
# bench/sched-latency: what one pass costs, with the cluster in the
# scheduler's watch-fed cache, when one pod ends.  NODES nodes of 8
# RTX4090D GPUs (ailab-kubesim at --speed 10) are each filled by a job of
# ours that runs for ever; FOREIGN pods of someone else (100m CPU, no
# GPU) run beside them; QUEUED jobs of 8 GPUs wait behind.  Then a
# long-running `sched -v` (default --interval 2s) is followed: the passes
# while nothing changes, and after one running job is cancelled the pass
# that tears it down and the one that, its pod gone, admits the first
# waiting job into the freed node (decisions made, creates sent: the
# phases up to "record"; "whole pass" also waits for the creates'
# answers).  Prints the phases of those passes from the log, and the
# scheduler's peak and current resident memory.  The foreign pods are
# preloaded in bulk (POST /sim/preload), so the issue's 95,000 take
# minutes, not the half hour of one create request each.
# With IDLE=N, N passes while nothing changes (default 5) are waited for
# and summed up: the median and range of their wall-clock and CPU times
# (the CPU time is what a machine shared with other work stretches
# least).
# PRELOAD=N: foreign pods per preload request (default 10000).
# REFRESH=1: then waits (up to 150 s) for the pass that writes the
# reasons held back behind the head of the queue, and prints it.
# Usage: [SIM=PATH] [IDLE=N] [PRELOAD=N] [REFRESH=1] bench/sched-latency.sh [BUILDDIR [NODES
#        [QUEUED [FOREIGN [QPS]]]]]
# Defaults: . 200 10000 0 2000; the issue's large case is
# `bench/sched-latency.sh BUILD 5000 100000 95000`.
set -eu
B=${1:-.}
NODES=${2:-200}
QUEUED=${3:-10000}
FOREIGN=${4:-0}
QPS=${5:-2000}
IDLE=${IDLE:-5}
AQ="$B/ailab-queue"
SIM=${SIM:-$B/ailab-kubesim}
. "$(dirname "$0")/lib.sh"

passes() { grep -c 'whole pass' "$tmp/loop.out" || true; }
# wait_passes N: until the loop has logged N passes in all.
wait_passes() {
	i=0
	while [ "$(passes)" -lt "$1" ]; do
		i=$((i + 1))
		[ $i -gt 6000 ] && { tail "$tmp/loop.out" >&2; exit 1; }
		kill -0 "$SCHEDPID" 2>/dev/null || { tail "$tmp/loop.out" >&2;
		    exit 1; }
		sleep 0.1
	done
}
mem() {
	grep -E '^(VmHWM|VmRSS)' "/proc/$SCHEDPID/status" |
	    tr -s ' \t' ' ' | tr '\n' ' '
}

start_cluster "$NODES"

# The foreign pods come from the simulator's bulk preload (POST
# /sim/preload, docs/kubesim.md): created, bound and started as pods sent
# through the API would be, without an HTTP request each, in requests of
# at most PRELOAD pods.
if [ "$FOREIGN" -gt 0 ]; then
	start=$(now)
	tmpl='{"metadata":{"labels":{"app":"other"},"annotations":{"ailab-kubesim.io/duration":"forever"}},"spec":{"containers":[{"name":"c","image":"x","resources":{"requests":{"cpu":"100m","memory":"128Mi"}}}]}}'
	done_=0
	while [ "$done_" -lt "$FOREIGN" ]; do
		n=$((FOREIGN - done_))
		[ "$n" -gt "${PRELOAD:-10000}" ] && n=${PRELOAD:-10000}
		curl -sS --fail-with-body --max-time 1800 -o "$tmp/preload.out" \
		    -H 'Authorization: Bearer admin-token' \
		    -H 'Content-Type: application/json' --data-binary \
		    "{\"count\":$n,\"firstIndex\":$done_,\"namePrefix\":\"p-\",\"namespaces\":[\"default\"],\"template\":$tmpl}" \
		    "$SIM_URL/sim/preload" || { cat "$tmp/preload.out" >&2; exit 1; }
		done_=$((done_ + n))
	done
	echo "$FOREIGN foreign pods preloaded in $(since "$start") s"
fi

grid "$tmp/fill.yaml" fill "$NODES" 8
"$AQ" --context bench -q submit "$tmp/fill.yaml" >/dev/null
grid "$tmp/wait.yaml" wait "$QUEUED" 8
start=$(now)
"$AQ" --context bench -q submit "$tmp/wait.yaml" >/dev/null
echo "$NODES fill jobs and $QUEUED waiting jobs queued in $(since "$start") s"

start=$(now)
"$AQ" --context admin --qps "$QPS" -v sched >"$tmp/loop.out" 2>&1 &
SCHEDPID=$!
poll 30000 0.2 at_least "$NODES" running ||
    { tail "$tmp/loop.out" >&2; exit 1; }
echo "all $NODES fill jobs running $(since "$start") s after the scheduler" \
    "started"
# The cluster as the scheduler's cache should hold it: the fill jobs' pods
# and the foreign ones, all Running (paged, as a client lists); the run
# stops here if they are not.
python3 - "$SIM_URL" "$NODES" "$FOREIGN" <<'PY'
import json, sys, urllib.parse, urllib.request
count, cont = {}, ""
while True:
    req = urllib.request.Request(sys.argv[1] + "/api/v1/pods?limit=5000" +
        ("&continue=" + urllib.parse.quote(cont) if cont else ""),
        headers={"Authorization": "Bearer admin-token"})
    d = json.load(urllib.request.urlopen(req, timeout=600))
    for p in d["items"]:
        k = (p["metadata"]["namespace"], p["status"].get("phase"))
        count[k] = count.get(k, 0) + 1
    cont = d["metadata"].get("continue")
    if not cont:
        break
print("pods in the cluster: %d (%s)" % (sum(count.values()), ", ".join(
    "%s %s: %d" % (ns, ph, n) for (ns, ph), n in sorted(count.items()))))
if (count.get(("bench", "Running"), 0) != int(sys.argv[2]) or
        count.get(("default", "Running"), 0) != int(sys.argv[3])):
    sys.exit("expected %s job pods and %s foreign pods Running" %
             (sys.argv[2], sys.argv[3]))
PY
echo "first passes (lists and a first reason for every job):"
grep 'pass:' "$tmp/loop.out" | head -n 4 | sed 's/^.*pass: /  /'

# Steady: nothing changes for a few passes.
n=$(passes)
wait_passes $((n + IDLE))
echo "passes while nothing changes:"
grep 'pass:' "$tmp/loop.out" | tail -n 6 | sed 's/^.*pass: /  /'
grep 'whole pass' "$tmp/loop.out" | tail -n "$IDLE" |
    sed -n 's/.*whole pass \([0-9]*\) ms\(, cpu \([0-9]*\) ms\)\{0,1\}.*/\1 \3/p' |
    python3 -c 'import sys, statistics as s
w, c = [], []
for l in sys.stdin:
    f = l.split()
    w.append(int(f[0]))
    c += [int(f[1])] if len(f) > 1 else []
def m(v):
    return "%g ms (%d-%d)" % (s.median(v), min(v), max(v)) if v else "-"
print("  %d idle passes: whole pass median %s, cpu median %s" %
    (len(w), m(w), m(c)))'
echo "scheduler memory: $(mem)"

# One pod ends: a running job is cancelled; its teardown, then the pass
# its pod's deletion wakes, which admits a waiting job.
id=$(sqlite3 "$AILAB_QUEUE_DB" "SELECT min(id) FROM jobs WHERE state =
    'running'")
n=$(wc -l <"$tmp/loop.out")
"$AQ" -q cancel "$id" >/dev/null
poll 3000 0.1 at_least 1 cancelled || true
poll 3000 0.1 at_least "$NODES" admitted running || true
n2=$(passes)
wait_passes $((n2 + 2))
echo "after job $id is cancelled (its pod deleted, a waiting job admitted):"
tail -n +"$((n + 1))" "$tmp/loop.out" | grep -E 'pass:|-> |deleted' |
    head -n 24 | sed 's/^[^ ]* ailab-queue info: /  /' | cut -c1-260
echo "scheduler memory: $(mem)"
# With REFRESH=1, also the pass that writes the reasons' changes held
# back behind the head of the queue (at most a minute
# after the last that did, sched/sched-apply.c).
if [ "${REFRESH:-0}" = 1 ]; then
	refreshed() { tail -n +"$((n + 1))" "$tmp/loop.out" |
	    grep -q '([1-9][0-9]* behind the head)'; }
	poll 1500 0.1 refreshed || true
	wait_passes $(($(passes) + 1))
	echo "the refresh of what was held back:"
	tail -n +"$((n + 1))" "$tmp/loop.out" | awk '
	    /\([1-9][0-9]* behind the head\)/ { hit = 1 }
	    hit && /pass: [0-9]+ jobs read|reasons [0-9]+ ms|whole pass/ {
		print; if (/whole pass/) exit }' |
	    sed 's/^[^ ]* ailab-queue info: /  /' | cut -c1-260
fi
sched_stop
