#!/bin/sh
# A job whose GPU type has no free node waits with a reason that names the
# type and gives the numbers; 'ailab-queue why' prints that reason and the
# job's place in the queue.  The cluster shows the type's only node full
# and no pod of the waiting jobs.
. "$top_srcdir/tests/lib.sh"
plan 10

check "ailab-kubesim starts" start_kubesim \
    --cluster "$FIXTURES/sched-small.yaml" --speed 10

# A spec of COUNT GPUs of TYPE for NAME that runs DURATION.
mkspec() {
	spec_file "$1" type="$2" gpus="$3" cpu=4 memory=16Gi timeout=2h \
	    duration="$4"
}
mkspec hog RTX3090 8 forever
mkspec w1 RTX3090 2 1m
mkspec w2 RTX3090 1 1m
mkspec other RTX4090 1 forever
aq --context alice -q submit "$TMP/hog.yaml" >/dev/null
start_sched --context admin sched --interval 1s
ok_within "the job filling the only RTX3090 node runs" 30 job_state_is 1 running
aq --context alice -q submit "$TMP/w1.yaml" "$TMP/w2.yaml" "$TMP/other.yaml" >/dev/null
ok "two RTX3090 jobs and an RTX4090 job submitted" $?
has_reason() { aq why "$1" | grep -q "^reason: .*RTX3090"; }
ok_within "the waiting job's reason names RTX3090" 30 has_reason 2
aq why 2 >"$TMP/why2"
like "why: the numbers (needs 1 node with 2 free, best has 0)" "$TMP/why2" \
    '^reason: .*RTX3090: needs 1 node with 2 free, best has 0'
like "why: first in the queue" "$TMP/why2" \
    '^job 2 \(w1\) is queued, number 1 in the queue$'
wait_for 30 has_reason 3
aq why 3 >"$TMP/why3"
like "why: the second waits behind it" "$TMP/why3" \
    '^job 3 \(w2\) is queued, number 2 in the queue$'
ok_within "a job of another type runs meanwhile" 30 job_state_is 4 running

# The simulated cluster's own view (GET /sim/state as the admin): the
# node is full, the waiting jobs have no pods.
sim_get /sim/state >"$TMP/state.json"
python3 -c 'import json,sys
for p in json.load(open(sys.argv[1]))["pods"]:
    l = p["metadata"].get("labels") or {}
    if l.get("app.kubernetes.io/managed-by") == "ailab-queue":
        print(l["ailab-queue.io/job-id"], p["spec"].get("nodeName"),
              p["status"]["phase"])' "$TMP/state.json" | sort >"$TMP/pods"
is "cluster: only the hog and the RTX4090 job have pods" \
    "$(awk '{print $1}' "$TMP/pods" | tr '\n' ' ')" "1 4 "
like "cluster: the hog holds the RTX3090 node" "$TMP/pods" '^1 s3090-01 Running$'
stop_sched
finish
