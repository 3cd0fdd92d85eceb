#!/bin/sh
# Scarce GPUs seen with a user's own credentials (namespace-only sight, as
# on ailab: alice may list neither nodes nor other namespaces' pods).  One RTX3090
# node with 8 GPUs and one RTX4090 node; alice's queue holds 16 one-GPU
# RTX3090 jobs of owner u1, 4 of u2, a 2x4-GPU RTX3090 gang, and 4 jobs
# that take RTX3090 or RTX4090.  The scheduler admits on quota alone, so
# some pods find no room; asserted on the simulated cluster's own state,
# followed by a pod watch (sched-watch.py): no job holds quota with a pod
# Unschedulable for GPUs much past the 30 s grace (by more than two of the
# scheduler's pass gaps, measured, and 10 s of slack), every job
# finishes, the mode is said once and shown by why, and jobs that accept
# either type run on RTX4090 while RTX3090 is judged full.
. "$top_srcdir/tests/lib.sh"
plan 9

check "ailab-kubesim starts" start_kubesim \
    --cluster "$FIXTURES/sched-scarce.yaml" --speed 10 --seed 9

# mkspec NAME N TYPE COUNT REPLICAS: a sweep of N jobs of 2 simulated
# minutes (12 s of real time).
mkspec() {
	spec_file "$1" type="$3" gpus="$4" replicas="$5" cpu=1 memory=4Gi \
	    timeout= duration=2m sweep="$2"
}
mkspec big 16 RTX3090 1 1
mkspec small 4 RTX3090 1 1
mkspec gang 1 RTX3090 4 2
mkspec either 4 '[RTX3090, RTX4090]' 1 1
rc=0
aq --context alice -q submit --owner u1 "$TMP/big.yaml" >/dev/null || rc=1
aq --context alice -q submit --owner u2 "$TMP/small.yaml" >/dev/null || rc=1
aq --context alice -q submit --owner u2 "$TMP/gang.yaml" >/dev/null || rc=1
aq --context alice -q submit --owner u1 "$TMP/either.yaml" >/dev/null || rc=1
ok "25 jobs queued in alice's namespace" $rc

watched_sched alice 400 "sched --until-empty, as alice, runs every job"
is "every job succeeded" "$(jobs_succeeded)" 25
is "the scheduler said once that it sees only its namespace" \
    "$(grep -c 'warning: namespace-only: the credentials cannot list nodes and pods of other namespaces' "$TMP/sched.out")" 1

W="$TMP/watch.json"
val() { python3 -c "import json, sys; r = json.load(open(sys.argv[1])); print($1)" "$W"; }
n=$(val 'len(r["unschedulable"])')
worst=$(val 'max([u[1] for u in r["unschedulable"]] or [0])')
# The gang is given back at the first pass past the 30 s grace, and its
# pods deleted by that pass's effects: two of the longest gaps between
# passes (1 s of real time, 10 s simulated, on an idle machine; more when
# the machine is loaded) bound the lateness.
gap=$(pass_gap 10)
bound=$(python3 -c "print(30 + 2 * $gap + 10)")
echo "# $n pods were Unschedulable for GPUs; the longest for $worst simulated s; longest pass gap $gap s; bound $bound s"
ok "some pods found no room (the scenario bites)" "$([ "$n" -gt 0 ]; echo $?)"
ok "none held quota Unschedulable past the grace and two pass gaps (simulated)" \
    "$(val "0 if all(u[1] <= $bound for u in r['unschedulable']) else 1")"
is "the jobs that take either type ran, some on RTX4090" \
    "$(aq ls --all --name 'either-*' -o json |
    json_val 'len(d), any(j["run_gpu_type"] == "RTX4090" for j in d)')" "4 True"

# why says what the scheduler could see, for a job that waits.
id=$(aq --context alice -q submit --hold "$TMP/gang.yaml")
aq why "$id" >"$TMP/why"
like "why notes the namespace-only sight" "$TMP/why" \
    "^note: the scheduler's sight is namespace-only"
finish
