#!/bin/sh
# The queue front reads the kubeconfig for its context and namespace only
# (issue 19): the certificate data in it is the cluster client's to
# decode, so the front links no TLS or base64 code.  A local command takes
# the namespace of a kubeconfig whose CA data it never decodes; the
# cluster program still refuses that data, at file:line:col; and a
# kubeconfig the front cannot use at all still gets its one warning.
. "$top_srcdir/tests/lib.sh"
plan 12

unset AILAB_QUEUE_NAMESPACE KUBECONFIG 2>/dev/null || true
printf 'name: one\ncommand: python train.py\ngpu: {type: RTX4090D, count: 1}\n' \
    >"$TMP/one.yaml"

# kc FILE CA-DATA CLUSTER: a kubeconfig whose context c names CLUSTER in
# namespace alice, and whose cluster k has CA-DATA.
kc() {
	cat >"$1" <<EOT
apiVersion: v1
clusters:
- name: k
  cluster:
    server: https://127.0.0.1:9
    certificate-authority-data: '$2'
users:
- name: u
  user: {token: t}
contexts:
- name: c
  context: {cluster: $3, user: u, namespace: alice}
current-context: c
EOT
}

kc "$TMP/bad-ca.yaml" '!!!not base64!!!' k
check "submit with a kubeconfig whose CA data is not base64" \
    env KUBECONFIG="$TMP/bad-ca.yaml" "$AILAB_QUEUE" submit "$TMP/one.yaml"
is "prints the id" "$(cat "$TMP/out")" 1
is "and no warning: the front never decodes the CA" "$(cat "$TMP/err")" ""
check "show the job" aq show 1 -o json
like "in the context's namespace" "$TMP/out" '"namespace": "alice"'

fails "the cluster program refuses the CA data: whoami exits 1" 1 \
    env KUBECONFIG="$TMP/bad-ca.yaml" "$AILAB_QUEUE" whoami
like "at file:line:col and the field's path" "$TMP/err" \
    "bad-ca.yaml:6:33: clusters\[name=k\]\.cluster\.certificate-authority-data: not valid base64"
is "in one line" "$(wc -l <"$TMP/err" | tr -d ' ')" 1

# The front still reads and selects as before: a context naming no
# cluster is a broken kubeconfig, worth its warning, and 'default'.
kc "$TMP/no-cluster.yaml" "$(printf 'CA' | base64)" nope
check "submit with a context that names no cluster" \
    env KUBECONFIG="$TMP/no-cluster.yaml" "$AILAB_QUEUE" submit \
    "$TMP/one.yaml"
like "warns, naming the cluster" "$TMP/err" \
    "cluster 'nope' not found \(using namespace 'default'\)"
check "show it" aq show 2 -o json
like "in namespace default" "$TMP/out" '"namespace": "default"'

finish
