#!/bin/sh
# A Lease holder that steps down in the middle of a pass cancels the
# pass's requests (sched_loop_abort): it sends nothing more, and the next
# holder finds the store as a crash would have left it.  Replica a holds
# the Lease as the service account sched-sa and reaches the cluster
# through a relay this test can make drop a's Lease calls (the connection
# of a request to a Lease is closed); replica b follows as admin, so that
# /sim/audit tells their requests apart.  Every create fails (500, not
# audited) while a admits a job: its creates are retried with backoff (for
# 10 s).  Then a's Lease calls are dropped and it steps down 4 s after its
# last renewal, its creates still retrying; the creates' fault is lifted
# then.  b takes the Lease over and runs the job.  Nothing of a's reaches
# the cluster after the drop began: without the abort its creates' next
# retries would.
. "$top_srcdir/tests/integration/t06-serve-lib.sh"
plan 18

audit() { sim_get /sim/audit >"$TMP/audit.json"; }

bail_unless start_kubesim --cluster "$FIXTURES/sim-roomy.yaml"
# The relay closes the connection of a request to a Lease while $TMP/cut
# exists; a's kubeconfig goes through it, its "admin" context acting as
# sched-sa.
start_relay "$TMP/kc-a" --cut "$TMP/cut" " /apis/coordination.k8s.io/"
awk '/^- name: / { c = $3 } c == "admin" && $0 == "    user: admin" {
	$0 = "    user: sched-sa" } 1' "$TMP/kc-a" >"$TMP/kc-sa"
chmod 600 "$TMP/kc-sa"
KUBECONFIG=$TMP/kc-sa
start_serve a --identity replica-a --lease-duration 6s --interval 1s -v
KUBECONFIG=$TMP/kubeconfig
ok_within "replica a (as sched-sa, through the relay) holds the Lease" \
    30 holder_is replica-a
check "replica b (as admin) serves too" start_serve b --identity replica-b \
    --lease-duration 6s --interval 1s -v
is "b follows" "$(leader "$SERVE_URL_b")" False

audit
AUSER=$(json_val '[e["user"] for e in d["items"] if e.get("resource") == "leases"][0]' \
    "$TMP/audit.json")
ok "a's Lease writes are audited as its own user ($AUSER)" $?
is "... which is not b's" "$(printf '%s' "$AUSER" | grep -c '^admin$')" 0

kubesim_fault '{"error500": 1, "methods": ["POST"]}'
printf 'name: once\nnamespace: alice\nimage: busybox\ncommand: [sh, -c, "echo hi"]\nresources: {cpu: 1, memory: 1Gi}\nannotations: {ailab-kubesim.io/duration: 5s}\n' \
    >"$TMP/once.yaml"
aq submit -q "$TMP/once.yaml" >/dev/null
ok "every create fails; a job is queued in the shared database" $?
admitted() { grep -q "job 1: queued -> admitted" "$TMP/serve-a.err"; }
ok_within "a admits it (its record stands) and tries to create its objects" \
    30 admitted
# Drop a's Lease calls, then mark where the audit stands: what a sent
# before has arrived by then.
touch "$TMP/cut"
sleep 0.5
audit
MARK=$(json_val 'max([e["seq"] for e in d["items"]] or [0])' "$TMP/audit.json")

lost() { grep -q "lease .*lost: this replica stops scheduling" "$TMP/serve-a.err"; }
ok_within "a loses the Lease" 40 lost
kubesim_fault '{"error500": 0}'
grep -q "pass aborted: [1-9][0-9]* requests* in flight cancelled" \
    "$TMP/serve-a.err"
ok "... mid-pass, and cancels the requests in flight" $?

ok_within "b takes the Lease over" 60 holder_is replica-b
rm -f "$TMP/cut"
one_set() { [ "$(job_objects 1 deployments services pods)" = "1 1 1" ]; }
ok_within "b makes what a's creates did not: one Deployment, Service and pod" \
    60 one_set
ok_within "the job runs to completion under b" 60 job_state_is 1 succeeded
is "a, whose Lease calls pass again, stays a follower" \
    "$(leader "$SERVE_URL_a")" False

# a's creates would have kept retrying for 10 s from their first try:
# wait past that, then read what reached the cluster.
sleep 4
audit
n=$(json_val "len([e for e in d['items'] if e['seq'] > $MARK and e['user'] == '$AUSER'])" \
    "$TMP/audit.json")
is "nothing of a's reached the cluster after it was cut off" "$n" 0
n=$(json_val "json.dumps([e['user'] for e in d['items'] if e.get('verb') == 'create' and e.get('resource') == 'deployments' and (e.get('labels') or {}).get('ailab-queue.io/job-id') == '1'])" \
    "$TMP/audit.json")
is "the job's Deployment was created once, by b" "$n" '["admin"]'
check "a exits cleanly on SIGTERM" stop_serve a
check "so does b" stop_serve b
finish
