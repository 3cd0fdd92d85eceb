#!/bin/sh
# `cleanup --grace 0s` beside a running scheduler (found by
# bench/torture.sh): a cleanup reads the queue, then lists the cluster; a
# job submitted and admitted in between has objects in the listing but not
# in its read, and looked orphaned.  Cleanup must never delete a live
# job's objects, whatever the grace.  gdb stops the cleanup right after its
# read of the queue while a scheduler admits a job; asserted on the
# simulated cluster's audit log and objects.
. "$top_srcdir/tests/lib.sh"
plan 9
need_gdb

bail_unless start_kubesim --cluster "$FIXTURES/sim-roomy.yaml" \
    --speed 600 --audit-log "$TMP/audit.jsonl"
SEL='labelSelector=ailab-queue.io%2Fjob-id%3D2'

printf '%s\n' 'name: long' 'command: python train.py' \
    'annotations: {ailab-kubesim.io/duration: 100h}' >"$TMP/long.yaml"
# Job 1, held, makes namespace alice one the cleanup lists.
aq --context alice submit -q --hold "$TMP/long.yaml" >/dev/null
cat >"$TMP/between.sh" <<EOT2
"$AILAB_QUEUE" --context alice submit -q "$TMP/long.yaml" >"$TMP/submit.out" 2>&1
timeout 60 "$AILAB_QUEUE" --context alice sched --once >>"$TMP/sched.out" 2>&1
EOT2
# LeakSanitizer cannot run under ptrace: off for this run only.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
    timeout 120 gdb -batch -ex 'break sched_clock_refresh' -ex run \
    -ex "shell sh $TMP/between.sh" -ex continue \
    --args "$top_builddir/ailab-queue-cluster" --context alice cleanup \
    --grace 0s >"$TMP/gdb.out" 2>&1
like "the cleanup stopped after reading the queue" "$TMP/gdb.out" \
    "Breakpoint 1, .*sched_clock_refresh"
like "it went on to the end" "$TMP/gdb.out" "exited normally"
is "meanwhile job 2 was admitted, attempt 1" \
    "$(job_field 2 '["state"]') $(job_field 2 '["attempts"]')" "admitted 1"
is "its Deployment and Service were created" \
    "$(audited create deployments 2) $(audited create services 2)" "1 1"
is "the cleanup deleted none of them" \
    "$(audited delete deployments 2) $(audited delete services 2)" "0 0"
is "they are still in the cluster" \
    "$(kube_count "/apis/apps/v1/namespaces/alice/deployments?$SEL") $(kube_count "/api/v1/namespaces/alice/services?$SEL")" "1 1"
sched_once
sched_once
is "the job runs on, its objects created once" \
    "$(job_field 2 '["state"]') $(audited create deployments 2) $(audited create services 2)" \
    "running 1 1"
# Once the job ended and is cleaned, a leftover of it is an orphan: the
# same Service made again by hand goes with a zero grace.
kube_get "/api/v1/namespaces/alice/services?$SEL" | python3 -c '
import json, sys
o = json.load(sys.stdin)["items"][0]
m = o["metadata"]
print(json.dumps({"apiVersion": "v1", "kind": "Service",
    "metadata": {"name": m["name"], "labels": m["labels"]},
    "spec": {"clusterIP": "None", "selector": o["spec"].get("selector", {}),
             "ports": o["spec"].get("ports") or [{"port": 1}]}}))' >"$TMP/svc.json"
aq --context alice cancel 2 >/dev/null
sched_once
is "the cancelled job is torn down and cleaned" \
    "$(job_field 2 '["state"]') $(job_field 2 '["cleaned"]') $(kube_count "/api/v1/namespaces/alice/services?$SEL")" \
    "cancelled True 0"
curl -s -o /dev/null -H 'Authorization: Bearer admin-token' \
    -H 'Content-Type: application/json' -d @"$TMP/svc.json" \
    "$KUBESIM_URL/api/v1/namespaces/alice/services"
aq --context alice cleanup --grace 0s >"$TMP/cleanup.out" 2>&1
is "a leftover of a cleaned job is still deleted as an orphan" \
    "$(kube_count "/api/v1/namespaces/alice/services?$SEL")" 0
finish
