#!/bin/sh
# Faults: with 20% of API responses failing (500s and 429s with
# Retry-After) and connections dropped mid-response, the scheduler still
# runs every job to success, the cluster never holds two live workloads
# for one job and rank, and nothing managed is left behind.
. "$top_srcdir/tests/lib.sh"
plan 6

check "ailab-kubesim starts with 20% failing responses and drops" \
    start_kubesim --cluster "$FIXTURES/sched-small.yaml" --speed 100 --seed 5 \
    --faults '{"error500": 0.1, "error429": 0.1, "retryAfterSeconds": 1, "drop": 0.05}'
curl -sS -H 'Authorization: Bearer admin-token' "$KUBESIM_URL/sim/faults" \
    >"$TMP/faults"
like "the faults are in force" "$TMP/faults" '"error500": *0\.1'

spec_file f type='[RTX4090D, RTX4090]' gpus=2 timeout=1h duration=2m \
    sweep=15
# Submitting touches only the local queue; no API call can fail here.
aq --context alice -q submit "$TMP/f.yaml" >/dev/null &&
    aq --context bob -q submit "$TMP/f.yaml" >/dev/null
ok "30 jobs submitted" $?

start_sampler 0.2
sched_until_empty 100
rc=$?
stop_sampler
is "sched --until-empty ends and every job succeeded" "$rc $(jobs_succeeded)" \
    "0 30"
R="$TMP/report.json"
is "cluster: never two live workloads for one job and rank" \
    "$(json_val 'd["duplicates"]' "$R")" "[]"
is "cluster: nothing managed by ailab-queue is left" \
    "$(json_val 'd["managed_left"]' "$R")" 0
json_val '"\n".join(d["managed_left_names"])' "$R" | sed -n 's/^\(..*\)$/# left: \1/p'
finish
