#!/bin/sh
# Gangs.  (1) No starvation: a 2x8-GPU RTX4090D job waits while 1-GPU jobs
# with timeouts stream in behind it, reserves the two nodes and starts
# before any 1-GPU job that arrived after it (the order the simulator
# created their workloads in), both replicas at once.  (2) A gang that cannot
# fully start (2x8 GPUs on the cluster's only RTX3090 node, admitted on
# quota alone by a scheduler that cannot read every pod) never runs
# partially longer than a short grace: its type is judged full, its
# objects are deleted and it is re-queued with the reason.  Both read from the simulated cluster.
. "$top_srcdir/tests/lib.sh"
plan 11

check "ailab-kubesim starts" start_kubesim \
    --cluster "$FIXTURES/sched-small.yaml" --speed 60

# mkspec NAME TYPE COUNT REPLICAS DURATION: a spec file $TMP/NAME.yaml.
mkspec() {
	spec_file "$1" type="$2" gpus="$3" replicas="$4" cpu=4 memory=16Gi \
	    duration="$5"
}
mkspec small RTX4090D 1 1 8m
mkspec big RTX4090D 8 2 2m
mkspec part RTX3090 8 2 forever

start_sampler 0.2

# (1) Ten 1-GPU jobs hold the two nodes, then the big job arrives, then
# more 1-GPU jobs keep coming until it starts.
for i in 1 2 3 4 5 6 7 8 9 10; do
	aq --context bob -q submit "$TMP/small.yaml" >/dev/null
done
start_sched --context admin sched --interval 1s
ok_within "ten 1-GPU jobs run" 30 job_in 10 running
BIG=$(aq --context bob -q submit "$TMP/big.yaml" | tail -1)
stream_until_running "$BIG" 80 0.5 "$TMP/small.yaml"
ok "the 2x8 job starts while 1-GPU jobs keep arriving, no starvation ($STREAM_S s, $STREAMED arrived)" \
    $(job_in "$BIG" running; echo $?)
is "no 1-GPU job that arrived after it started before it" \
    "$(created_before "$BIG")" 0
aq show "$BIG" >"$TMP/big.show"
like "its history shows it waited for room on RTX4090D" "$TMP/big.show" 'RTX4090D'
stop_sched
aq cancel --all >/dev/null 2>&1 || true

# (2) A separate queue, scheduled as the student alice: she may list nodes
# but not every pod, so the scheduler admits on quota alone; the cluster
# says the gang does not fit (a pod Unschedulable for GPUs), so the
# scheduler judges RTX3090 full and gives the gang back after its 30 s
# (simulated) grace, long before the 10-minute gang timeout.
export AILAB_QUEUE_DB="$TMP/alice.db"
PART=$(aq --context alice -q submit "$TMP/part.yaml" | tail -1)
spawn SCHED "$AILAB_QUEUE" --context alice sched --interval 1s \
    --gang-timeout 10m >"$TMP/sched2.out" 2>&1
requeued() { aq show "$PART" | grep -q 'given back after'; }
ok_within "the partial gang is given back, long before the gang timeout" \
    40 requeued
aq why "$PART" >"$TMP/why"
like "why says it was given back or its type is judged full" \
    "$TMP/why" '^reason: .*(given back after [0-9]+s without room|RTX3090: judged full (at [0-9]+ GPUs of ours )?until)'
like "the recorded reason carries the cluster's Unschedulable message" \
    "$TMP/why" '^reason: .*Insufficient nvidia.com/gpu'
sleep 3
stop_sched
stop_sampler
R="$TMP/report.json"
is "cluster: the 2x8 job ran both replicas at once, never partially" \
    "$(json_val "d['gang_ranks_max'].get('$BIG'), d['partial_max_s'].get('$BIG', 0) < 3" "$R")" \
    "2 True"
P=$(json_val "d['partial_max_s'].get('$PART', -1)" "$R")
ok "cluster: the RTX3090 gang ran partially for $P s, at most the grace + 3 s" \
    "$(json_val "0 if 0 <= d['partial_max_s'].get('$PART', -1) <= 4 else 1" "$R")"
is "cluster: no duplicate workloads" "$(json_val 'd["duplicates"]' "$R")" "[]"
finish
