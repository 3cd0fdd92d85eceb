#!/bin/sh
# A scheduler killed inside a requeue's teardown: attempt 1 failed, its log
# was kept and its objects deleted, and the process died before the store
# heard (found by bench/torture.sh).  The job is still "admitted" with no
# objects, as after an admission whose creates never happened; the next
# scheduler must finish the teardown, not run attempt 1 a second time.
# The kill lands at sched_teardown_finish under gdb; asserted on the
# simulated cluster's audit log.
. "$top_srcdir/tests/lib.sh"
plan 7
need_gdb

bail_unless start_kubesim --cluster "$FIXTURES/sim-roomy.yaml" \
    --speed 600 --audit-log "$TMP/audit.jsonl"

cat >"$TMP/flaky.yaml" <<'EOT'
name: flaky
command: python train.py
retries: 1
annotations:
  ailab-kubesim.io/duration: 1s
  ailab-kubesim.io/exit-codes: "1,0"
EOT
aq --context alice submit -q "$TMP/flaky.yaml" >/dev/null
sched_once
is "admitted and created as attempt 1" "$(job_field 1 '["state"]') $(job_field 1 '["attempts"]')" "admitted 1"
sleep 2
# The pass that sees attempt 1 fail keeps its log, deletes its objects,
# and is killed where it would record the requeue.
timeout 60 gdb -batch -ex 'break sched_teardown_finish' -ex run -ex kill \
    --args "$top_builddir/ailab-queue-cluster" --context alice sched --once \
    >"$TMP/gdb.out" 2>&1
like "the scheduler stopped in its teardown" "$TMP/gdb.out" "Breakpoint 1, sched_teardown_finish"
is "the store still says admitted, attempt 1" "$(job_field 1 '["state"]') $(job_field 1 '["attempts"]')" "admitted 1"
is "attempt 1's Deployment is gone from the cluster" \
    "$(kube_count '/apis/apps/v1/namespaces/alice/deployments?labelSelector=ailab-queue.io%2Fjob-id%3D1')" 0

sched_until_state 1 succeeded
is "the job then succeeds on attempt 2" "$(job_field 1 '["state"]') $(job_field 1 '["attempts"]')" "succeeded 2"
is "attempt 1 was created once, never again" "$(audited create deployments 1 1)" 1
aq why 1 >"$TMP/why" 2>&1; aq show 1 >>"$TMP/why" 2>&1
like "the history says the teardown was finished after the stop" "$TMP/why" \
    "attempt 1 ended and was being torn down when the scheduler stopped"
finish
