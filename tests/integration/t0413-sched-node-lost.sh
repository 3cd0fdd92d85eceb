#!/bin/sh
# A node stops reporting under a running distributed job.  The taint
# manager evicts the pod there (DisruptionTarget, DeletionByTaintManager)
# and its Deployment at once runs a replacement elsewhere; a restarted rank
# cannot rejoin a gang mid-run, so the scheduler sends the whole job back
# to the queue with the cause, and the next attempt runs off the lost node.
# Asserted on the simulated cluster's pods.  Scheduled as alice, who cannot
# see nodes: the pods alone tell.
. "$top_srcdir/tests/lib.sh"
plan 12

bail_unless start_kubesim --speed 10
# pods: job 1's pods as "attempt rank node deleting", one per line.
pods() { job_pod_list 1; }

printf '%s\n' 'name: ddp' 'command: torchrun train.py' 'replicas: 2' \
    'gpu: {type: any, count: 1}' \
    'annotations: {ailab-kubesim.io/duration: 2h}' >"$TMP/ddp.yaml"
aq submit -q "$TMP/ddp.yaml" >/dev/null
ok "a two-replica job of one GPU a rank is queued" $?
check "a two-replica job runs" sched_until_state 1 running
NODE=$(pods | awk '$2 == 1 && $4 == "live" {print $3}')
[ -n "$NODE" ] && [ "$NODE" != - ]
ok "rank 1 runs on a node ($NODE)" $?

# The node stops reporting; its pods are evicted at once.
kubesim_fault "{\"nodeNotReady\": \"$NODE\", \"evictAfter\": 0}"
check "the job is sent back and runs again as attempt 2" \
    sched_until_state 1 running 2
aq why 1 >"$TMP/why" 2>&1
aq show 1 >>"$TMP/why" 2>&1
like "the cause names the rank, the taint manager and the node" "$TMP/why" \
    "rank 1: pod [^ ]* DeletionByTaintManager on node $NODE"
pods >"$TMP/pods"
sed 's/^/# /' "$TMP/pods"
is "no pod of attempt 1 is left running" \
    "$(awk '$1 == 1 && $4 == "live"' "$TMP/pods" | wc -l)" 0
is "attempt 2 has its two ranks, none on the lost node" \
    "$(awk -v n="$NODE" '$1 == 2 && $4 == "live" && $3 != n' "$TMP/pods" | wc -l)" 2
is "the evicted pod waits on its unreachable node, Terminating" \
    "$(awk -v n="$NODE" '$1 == 1 && $3 == n && $4 == "deleting"' "$TMP/pods" | wc -l)" 1

# The apiserver's deletionTimestamp is the eviction plus the grace period;
# past it by the grace once more, the quota controller no longer charges
# the stuck pod (QuotaV1Pod) but for count/pods: a lost node does not hold
# alice's GPUs for ever.
kube_get '/api/v1/namespaces/alice/pods?labelSelector=ailab-queue.io%2Fattempt%3D1' |
    python3 -c '
import calendar, json, sys, time
t = lambda s: calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ"))
for p in json.load(sys.stdin)["items"]:
    md = p["metadata"]
    c = [c for c in p["status"]["conditions"] if c["type"] == "DisruptionTarget"]
    if md.get("deletionTimestamp") and c:
        print(t(md["deletionTimestamp"]) - t(c[0]["lastTransitionTime"]),
              md.get("deletionGracePeriodSeconds"))' >"$TMP/grace"
is "deletionTimestamp is the eviction plus the grace period" \
    "$(awk '{print ($1 == $2 && $2 > 0)}' "$TMP/grace")" 1
curl -sS -o /dev/null -H 'Authorization: Bearer admin-token' \
    -d "{\"advanceSeconds\": $(awk '{print 2 * $2 + 5}' "$TMP/grace")}" "$KUBESIM_URL/sim/clock"
# quota: the GPUs alice's quota charges; freed: down to the job's 2.
quota() {
	kube_get /api/v1/namespaces/alice/resourcequotas |
	    json_val 'd["items"][0]["status"]["used"].get("requests.nvidia.com/gpu")'
}
freed() { [ "$(quota)" = 2 ]; }
wait_for 6 freed
pods >"$TMP/pods"
is "past twice its grace the stuck pod no longer holds a GPU of quota" \
    "$(quota) $(awk '$4 == "deleting"' "$TMP/pods" | wc -l)" "2 1"

# The node comes back: its kubelet finishes the deletion.
kubesim_fault "{\"nodeReady\": \"$NODE\"}"
aq cancel -q 1 >/dev/null
n=0
while [ $n -lt 40 ] && [ -n "$(pods)" ]; do sched_once; sleep 0.3; n=$((n + 1)); done
is "cancelled after the node's return, nothing of the job is left" "$(pods | wc -l)" 0
is "the job is cancelled" "$(job_state 1)" cancelled
finish
