#!/bin/sh
# Fair share against ailab-kubesim.  (1) Two owners, ann and ben, each
# queue 100 one-GPU jobs for the cluster's only RTX3090 node (all of ann's
# first); (2) one owner, cat, queues two groups of 100 one-GPU jobs for the
# two RTX4090D nodes (all of g1's first).  Each owner's (and each of cat's
# groups') GPU-seconds come from the pods' own container timestamps in the
# simulated clock (sched-gpu-time.py, watching every pod): while both still
# have work queued (until one of them has had its last job created), they
# stay within 20% of each other at every job start and end, once a third
# of that period's GPU-seconds has run.  `submit --owner` lets one test
# process submit as two owners.
. "$top_srcdir/tests/lib.sh"
plan 9

check "ailab-kubesim starts" start_kubesim \
    --cluster "$FIXTURES/sched-fair.yaml" --speed 200 --seed 6

# mkspec NAME TYPE: a sweep of 100 one-GPU jobs of that type, 10 minutes
# each (3 s of real time: long beside the scheduler's latency).
mkspec() {
	spec_file "$1" type="$2" cpu=1 memory=4Gi timeout=1h duration=10m \
	    sweep=100
}
mkspec own RTX3090
mkspec grp RTX4090D
rc=0
aq --context alice -q submit --owner ann -g ann-own "$TMP/own.yaml" \
    >/dev/null || rc=1
aq --context bob -q submit --owner ben -g ben-own "$TMP/own.yaml" \
    >/dev/null || rc=1
aq --context alice -q submit --owner cat -g g1 "$TMP/grp.yaml" \
    >/dev/null || rc=1
aq --context alice -q submit --owner cat -g g2 "$TMP/grp.yaml" \
    >/dev/null || rc=1
is "400 jobs queued as three owners with --owner" \
    "$rc $(aq ls -o json | count_by owner)" "0 ann=100 ben=100 cat=200"
fails "--owner refuses a name that is not one (exit 2)" 2 \
    aq -q submit --owner 'a b' "$TMP/own.yaml"
like "... and says which option" "$TMP/err" "invalid value for '--owner': 'a b'"

GT="$top_srcdir/tests/integration/sched-gpu-time.py"
spawn WATCHER python3 "$GT" watch "$KUBESIM_URL" admin-token "$TMP/stop" "$TMP/gpu.json"
# A pod made and gone before the watch's first list would be missed.
wait_for 60 test -e "$TMP/gpu.json.ready"
sched_until_empty 600
ok "sched --until-empty runs all 400 jobs" $?
touch "$TMP/stop"
wait "$WATCHER"
is "every job succeeded" "$(jobs_succeeded)" 400

# Every job's 10-minute run, seen by a watch that lost nothing.
is "the watch saw each job's whole run (jobs, gaps, incomplete)" \
    "$(json_val 'len({p["job"] for p in d["pods"] if any(e - s >= 600 for s, e, _ in p["use"])}),
      d["gaps"], d["incomplete"]' "$TMP/gpu.json")" "400 0 False"

out=$(python3 "$GT" fair "$TMP/gpu.json" owner ann ben 100)
rc=$?
echo "# $out"
ok "owners ann and ben: GPU-seconds within 20% while both wait" $rc
out=$(python3 "$GT" fair "$TMP/gpu.json" group cat/g1 cat/g2 100)
rc=$?
echo "# $out"
ok "cat's groups g1 and g2: GPU-seconds within 20% while both wait" $rc
finish
