#!/bin/sh
# Many jobs across three namespaces with tight quotas, run to completion by
# 'ailab-queue sched --until-empty' against ailab-kubesim.  The cluster's
# own state, sampled during the run, must show that no pod was ever
# refused for quota (no FailedCreate event, no ReplicaFailure condition),
# that quota used never exceeded hard, and that nothing managed is left.
. "$top_srcdir/tests/lib.sh"
plan 10

N=${T0401_JOBS:-67}	# jobs per namespace: 201 in all
check "ailab-kubesim starts with three quota-bound namespaces" start_kubesim \
    --cluster "$FIXTURES/sched-quotas.yaml" --speed 300

# One sweep per namespace, submitted through each student's context.
spec_file q timeout=1h duration=30s sweep="$N"
rc=0
for c in ua ub uc; do
	aq --context "$c" -q submit "$TMP/q.yaml" >/dev/null || rc=1
done
ok "$((N * 3)) jobs submitted to ns-a, ns-b and ns-c" $rc

start_sampler 0.2
sched_until_empty 110
ok "sched --until-empty ends by itself" $?
stop_sampler

aq ls --all -o json >"$TMP/ls.json"
is "every job succeeded" \
    "$(json_val 'sum(1 for j in d if j["state"] == "succeeded")' "$TMP/ls.json")" \
    "$((N * 3))"
is "each ran once" "$(json_val 'max(j["attempts"] for j in d)' "$TMP/ls.json")" 1
R="$TMP/report.json"
ok "the cluster was sampled during the run ($(json_val 'd["samples"]' "$R") samples)" \
    "$(json_val '0 if d["samples"] >= 20 else 1' "$R")"
is "quota used never exceeded hard" "$(json_val 'd["quota_over"]' "$R")" "[]"
is "no pod refused for quota" "$(json_val 'd["quota_refused"]' "$R")" "[]"
# The quotas were the bound: each namespace filled its smallest limit.
is "namespaces ran up to their quota (ns-a, ns-b, ns-c)" \
    "$(json_val '" ".join(str(d["running_max"].get(n, 0)) for n in ("ns-a","ns-b","ns-c"))' "$R")" \
    "4 2 5"
is "nothing managed by ailab-queue is left in the cluster" \
    "$(json_val 'd["managed_left"]' "$R")" 0
finish
