#!/bin/sh
# serve checks its own rights at start (SelfSubjectAccessReview): without
# the right to review tokens, or to run jobs where users submit, it
# refuses to start (exit 1) with a message naming what is missing; with
# the rights of examples/serve/rbac.yaml (the simulated sched-sa) it
# starts.
. "$top_srcdir/tests/integration/t06-serve-lib.sh"
plan 12

# The roomy cluster with two more server identities: one outside
# system:auth-delegator (no TokenReview), one without Jobs.
cp "$FIXTURES/sim-roomy.yaml" "$TMP/cluster.yaml"
cat >>"$TMP/cluster.yaml" <<'EOT'
- {name: nodelegate, token: nodelegate-token, readAll: true,
   namespaces: [alice, bob, carol, ml101, default],
   resources: [deployments, jobs, services, leases]}
- {name: nojobs, token: nojobs-token,
   groups: [system:auth-delegator], readAll: true,
   namespaces: [alice, bob, carol, ml101, default],
   resources: [deployments, services, leases]}
EOT
check "ailab-kubesim starts with the cluster file" start_kubesim \
    --cluster "$TMP/cluster.yaml"

# audit_writes USER: what USER changed in the cluster, but its reviews.
audit_writes() {
	sim_get /sim/audit |
	    python3 -c "
import json, sys
items = json.load(sys.stdin)['items']
print(len([i for i in items if i['user'] == '$1' and
    i['resource'] == 'selfsubjectaccessreviews']),
    ' '.join(sorted(set(i['resource'] for i in items if i['user'] == '$1' and
    i['resource'] != 'selfsubjectaccessreviews'))) or '-')"
}

fails "without TokenReview rights serve refuses to start (exit 1)" 1 \
    timeout 30 "$AILAB_QUEUE" --context nodelegate serve \
    --listen 127.0.0.1:0 --no-lease
like "naming the right" "$TMP/err" \
    "lack rights serve needs: create tokenreviews\.authentication\.k8s\.io cluster-wide \(to authenticate users by their tokens\)"
unlike "and printing no URL" "$TMP/out" '^url '
set -- $(audit_writes nodelegate)
[ "$1" -gt 0 ] && [ "$2" = - ]
ok "the cluster saw its access reviews and nothing else ($*)" $?

fails "without Jobs in the namespaces served it refuses (exit 1)" 1 \
    timeout 30 "$AILAB_QUEUE" --context nojobs serve \
    --listen 127.0.0.1:0 --no-lease
like "naming the verb, the resource and the namespaces" "$TMP/err" \
    "create jobs\.batch in namespaces 'default', 'alice', 'bob', 'carol', 'ml101' \(for the scheduler"
unlike "and only what is missing" "$TMP/err" "deployments|tokenreviews"

fails "a student's credentials are refused too" 1 \
    timeout 30 "$AILAB_QUEUE" --context bob serve --listen 127.0.0.1:0 \
    --no-lease
like "naming the cluster-wide reads" "$TMP/err" "list pods cluster-wide"

# The smallest rights serve needs: it starts and serves.
: >"$TMP/sa.out"
spawn SA "$AILAB_QUEUE" --context sched-sa serve --listen 127.0.0.1:0 \
    --no-lease >"$TMP/sa.out" 2>"$TMP/sa.err"
ok_within "with sched-sa's rights (examples/serve/rbac.yaml) it starts" \
    20 grep -q '^url ' "$TMP/sa.out"
SERVE_URL=$(sed -n 's/^url //p' "$TMP/sa.out")
is "and reviews users' tokens" \
    "$(api alice GET /v1/jobs) $(jq_body 'len(b["items"])')" "200 0"
finish
