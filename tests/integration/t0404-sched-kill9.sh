#!/bin/sh
# Crash safety: 'ailab-queue sched' is killed with SIGKILL at random moments
# during a run and restarted each time.  Every job must end exactly once
# (its event log is one unbroken chain with one terminal transition, one
# admission per attempt), the cluster, sampled throughout, must never hold
# two live Deployments or Jobs for the same job and rank, and nothing
# managed may be left behind: 50 kills at random moments (seeded by
# T0404_SEED, default 4; the seed and the moments are printed) during a
# 100-job run (60 single-replica Deployments, 20 two-replica gangs, 20
# batch Jobs, as two owners).  T0404_KILLS changes the number of kills.
# Under ASan the simulator serves a whole-state sample about once a
# second here, so a duplicate shorter than that could go unseen.
. "$top_srcdir/tests/lib.sh"
plan 8

KILLS=${T0404_KILLS:-50}
SEED=${T0404_SEED:-4}
check "ailab-kubesim starts" start_kubesim \
    --cluster "$FIXTURES/sched-small.yaml" --speed 100 --seed 4

spec_file one type='[RTX4090D, RTX4090]' timeout=1h duration=2m sweep=30
spec_file gang cmd="torchrun train.py" type='[RTX4090, RTX4090D]' gpus=4 \
    replicas=2 cpu=8 memory=32Gi timeout=1h duration=3m sweep=10
spec_file batch cmd="python eval.py" type=RTX3090 gpus=2 workload=job \
    timeout=1h duration=1m sweep=10
rc=0
for c in alice bob; do
	aq --context "$c" -q submit "$TMP/one.yaml" "$TMP/gang.yaml" \
	    "$TMP/batch.yaml" >/dev/null || rc=1
done
N=$(aq ls -o json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
is "100 jobs submitted" "$rc $N" "0 100"

start_sampler 0.1

# Kill at a random moment 0.1 to 1.5 s into each run (the seed keeps the
# moments reproducible), then restart.
i=0
killed=0
awk -v n="$KILLS" -v seed="$SEED" 'BEGIN { srand(seed);
    for (i = 0; i < n; i++) printf "%.2f\n", 0.1 + rand() * 1.4 }' \
    >"$TMP/moments"
echo "# seed $SEED, kill moments (s): $(tr '\n' ' ' <"$TMP/moments")"
while read -r t; do
	"$AILAB_QUEUE" --context admin sched --interval 1s \
	    >>"$TMP/sched.out" 2>&1 &
	S=$!
	sleep "$t"
	kill -9 "$S" 2>/dev/null && killed=$((killed + 1))
	wait "$S" 2>/dev/null
done <"$TMP/moments"
echo "# $killed of $KILLS runs killed with SIGKILL"
timeout 300 "$AILAB_QUEUE" --context admin sched --until-empty \
    --interval 1s >>"$TMP/sched.out" 2>&1
rc=$?
[ $rc -ne 0 ] && tail -n 20 "$TMP/sched.out" | sed 's/^/# /'
ok "a last scheduler runs the queue to the end" $rc
stop_sampler

# The event log of every job: one chain, one terminal transition at its
# end, one admission per attempt.
for id in $(seq 1 "$N"); do
	aq show "$id" -o json
done | python3 -c '
import json, sys
dec = json.JSONDecoder()
s = sys.stdin.read().strip()
bad = []
ok_jobs = 0
while s:
    j, n = dec.raw_decode(s)
    s = s[n:].strip()
    ev = j["events"]
    term = [e for e in ev if e["to"] in ("succeeded", "failed", "cancelled")]
    chain = all(ev[k]["from"] == ev[k - 1]["to"] for k in range(1, len(ev)))
    adm = sum(1 for e in ev if e["to"] == "admitted")
    if len(term) != 1 or ev[-1] is not term[0] or not chain or \
            adm != j["attempts"] or j["state"] != "succeeded":
        bad.append("%d:%s:%d/%d" % (j["id"], j["state"], len(term), adm))
    else:
        ok_jobs += 1
print(ok_jobs, " ".join(bad))' >"$TMP/chains"
is "every job succeeded, ending exactly once, one admission per attempt" \
    "$(cat "$TMP/chains")" "100 "
R="$TMP/report.json"
ok "the cluster was sampled throughout ($(json_val 'd["samples"], d["errors"]' "$R") samples, errors)" \
    "$(json_val '0 if d["samples"] >= 15 else 1' "$R")"
is "cluster: never two live workloads for one job and rank" \
    "$(json_val 'd["duplicates"]' "$R")" "[]"
is "cluster: no gang had more pods than replicas" \
    "$(json_val 'max(d["gang_ranks_max"].values() or [0])' "$R")" 2
is "cluster: nothing managed by ailab-queue is left" \
    "$(json_val 'd["managed_left"]' "$R")" 0
finish
