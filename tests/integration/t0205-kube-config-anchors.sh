#!/bin/sh
# A kubeconfig whose clusters, users and contexts are shared through YAML
# anchors, aliases and merge keys, as some generators and hand-written
# multi-context files write them: kubectl reads it, and so does
# ailab-queue, which submits and runs a job to completion with it against
# ailab-kubesim over TLS (kubectl sends tokens only over TLS).  A billion
# laughs in a kubeconfig is refused by both, by ailab-queue at its place.
. "$top_srcdir/tests/sim/sim-lib.sh"
skip_unless "kubectl not installed" command -v kubectl
plan 21

check "openssl makes a CA and a server certificate" sim_tls
bail_unless start_kubesim_tls --speed 600

KC="$TMP/kc-anchored.yaml"
CA=$(base64 -w0 "$TMP/tls/ca.crt")
cat >"$KC" <<EOT
apiVersion: v1
kind: Config
clusters:
- name: ailab
  cluster: &cluster
    server: $KUBESIM_URL
    certificate-authority-data: $CA
- name: ailab-mirror
  cluster: *cluster
users:
- name: alice
  user: &alice {token: alice-token}
- name: alice-again
  user: *alice
- name: admin
  user: {token: admin-token}
contexts:
- name: alice
  context: &alice-ctx {cluster: ailab, user: alice, namespace: alice}
- name: alice-mirror
  context:
    <<: *alice-ctx
    cluster: ailab-mirror
    user: alice-again
- name: admin
  context: {<<: *alice-ctx, user: admin, namespace: default}
current-context: alice-mirror
EOT
chmod 600 "$KC"
export KUBECONFIG="$KC"
k() { timeout 30 kubectl --kubeconfig "$KC" "$@"; }
q() { timeout 60 "$AILAB_QUEUE" "$@"; }

check "kubectl reads the anchored kubeconfig" \
    k config view --raw -o jsonpath='{range .contexts[*]}{.name}={.context.cluster}/{.context.user}/{.context.namespace} {end}'
is "... with the aliases and merge keys expanded" "$(cat "$TMP/out")" \
    "admin=ailab/admin/default alice=ailab/alice/alice alice-mirror=ailab-mirror/alice-again/alice "
check "kubectl reaches the cluster through the aliased cluster and user" \
    k get pods -n alice
check "kubectl as admin (a merged context) lists nodes" \
    k --context admin get nodes -o name
is "... all 53" "$(wc -l <"$TMP/out" | tr -d ' ')" 53

check "ailab-queue whoami with the anchored kubeconfig" q whoami
like "... is alice through the aliased user" "$TMP/out" '^Username +alice$'
like "... in the merged context's namespace" "$TMP/out" '^Namespace +alice$'
check "ailab-queue quota in the merged context's namespace" q quota
like "... alice's quota" "$TMP/out" 'nvidia.com/gpu|GPU'
submit_short shared 30s
ok "a job is submitted in the current (merged) context" $?
q --context alice-mirror -v sched --until-empty --interval 1s \
    >"$TMP/sched.out" 2>&1
ok "the scheduler runs it to the end with the anchored kubeconfig" $?
is "the job succeeded" "$(job_state 1)" succeeded
is "it ran in alice's namespace" "$(job_field 1 '["namespace"]')" alice
check "the admin context (merged) reads the cluster for ailab-queue" \
    q --context admin whoami
like "... as admin" "$TMP/out" '^Username +admin$'

# Nine levels of nine aliases: 387 million nodes if expanded.
{
	printf 'apiVersion: v1\nkind: Config\n'
	printf 'l0: &l0 [x, x, x, x, x, x, x, x, x]\n'
	for i in 1 2 3 4 5 6 7 8; do
		p=$((i - 1))
		printf 'l%d: &l%d [*l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d]\n' \
		    $i $i $p $p $p $p $p $p $p $p $p
	done
	printf 'current-context: *l8\n'
} >"$TMP/laughs.yaml"
fails "ailab-queue refuses a billion laughs in a kubeconfig" 1 \
    env KUBECONFIG="$TMP/laughs.yaml" "$AILAB_QUEUE" whoami
like "... at the alias that passes the budget, naming the budget" "$TMP/err" \
    "laughs.yaml:8:10: YAML aliases expand to more than 100000 nodes in a kubeconfig"
fails "kubectl refuses it too" 1 \
    timeout 30 kubectl --kubeconfig "$TMP/laughs.yaml" config view
like "... for its aliases" "$TMP/err" 'excessive aliasing'
finish
