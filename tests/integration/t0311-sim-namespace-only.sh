#!/bin/sh
# Namespace-only users, as on ailab (the ClusterRole admin bound in their
# own namespace), the default: no nodes, no namespace list and no
# cluster-wide list or watch, with the apiserver's 403 wording; reviews
# answer the same.  clusterRead: true in a cluster file grants the cluster
# reads, --namespace-only-users takes them back.  On the built-in cluster
# every student is namespace-only and sched-sa reads everything (but
# secrets) and writes workloads in the user namespaces.  With curl and
# kubectl.
. "$top_srcdir/tests/sim/sim-lib.sh"
plan 53

printf '%s\n' 'users:' \
    '- {name: alice, token: alice-token, clusterRead: "no"}' >"$TMP/bad.yaml"
"$AILAB_KUBESIM" --listen 127.0.0.1:0 --cluster "$TMP/bad.yaml" \
    >"$TMP/out" 2>"$TMP/err"
is "clusterRead must be a boolean (exit 1)" "$?" 1
like "... the message names the file and the key" "$TMP/err" \
    "bad.yaml: users\\[0\\]: 'clusterRead' must be true or false"

sim_cluster <<'EOF2'
- {name: alice, token: alice-token, groups: [students], namespaces: [alice],
   clusterRead: false}
- {name: bob, token: bob-token, namespaces: [bob], clusterRead: true}
- {name: carol, token: carol-token, namespaces: [carol]}
EOF2
check "starts with a namespace-only user" sim_start \
    --cluster "$TMP/cluster.yaml"

# forbidden DESCRIPTION TOKEN PATH MESSAGE: a 403 Status with exactly
# this message.
forbidden() {
	is "$1" "$(api GET "$3" "$2") $(jget 'd["reason"] + " " + d["message"]')" \
	    "403 Forbidden $4"
}
forbidden "alice may not list nodes" alice-token /api/v1/nodes 'nodes is forbidden: User "alice" cannot list resource "nodes" in API group "" at the cluster scope'
forbidden "... nor get one" alice-token /api/v1/nodes/n-01 'nodes "n-01" is forbidden: User "alice" cannot get resource "nodes" in API group "" at the cluster scope'
forbidden "... nor watch them" alice-token '/api/v1/nodes?watch=true' 'nodes is forbidden: User "alice" cannot watch resource "nodes" in API group "" at the cluster scope'
forbidden "alice may not list namespaces" alice-token /api/v1/namespaces 'namespaces is forbidden: User "alice" cannot list resource "namespaces" in API group "" at the cluster scope'
is "but may get her own" "$(api GET /api/v1/namespaces/alice alice-token) $(jget 'd["metadata"]["name"]')" "200 alice"
forbidden "... not bob's (judged in that namespace, as the apiserver does)" alice-token /api/v1/namespaces/bob 'namespaces "bob" is forbidden: User "alice" cannot get resource "namespaces" in API group "" in the namespace "bob"'
is "nor delete her own" "$(api DELETE /api/v1/namespaces/alice alice-token)" 403
forbidden "no cluster-wide list of pods" alice-token /api/v1/pods 'pods is forbidden: User "alice" cannot list resource "pods" in API group "" at the cluster scope'
forbidden "... nor watch" alice-token '/api/v1/pods?watch=true' 'pods is forbidden: User "alice" cannot watch resource "pods" in API group "" at the cluster scope'
forbidden "... nor of deployments" alice-token /apis/apps/v1/deployments 'deployments.apps is forbidden: User "alice" cannot list resource "deployments" in API group "apps" at the cluster scope'
is "pods of her namespace" "$(api GET /api/v1/namespaces/alice/pods alice-token)" 200
is "bob (clusterRead: true) lists nodes" "$(api GET /api/v1/nodes bob-token) $(jget 'len(d["items"])')" "200 1"
forbidden "carol (no clusterRead: the default) may not" carol-token /api/v1/nodes 'nodes is forbidden: User "carol" cannot list resource "nodes" in API group "" at the cluster scope'

is "SelfSubjectReview still works" "$(api POST /apis/authentication.k8s.io/v1/selfsubjectreviews alice-token '{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}') $(jget 'd["status"]["userInfo"]["username"]')" "201 alice"
# ssar TOKEN VERB RESOURCE NS: allowed, from a SelfSubjectAccessReview.
ssar() {
	api POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews "$1" \
	    "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SelfSubjectAccessReview\",\"spec\":{\"resourceAttributes\":{\"verb\":\"$2\",\"resource\":\"$3\",\"namespace\":\"$4\"}}}" >/dev/null
	jget 'd["status"]["allowed"]'
}
is "SelfSubjectAccessReview: alice may not list nodes" "$(ssar alice-token list nodes '')" false
is "... not even with her namespace set (as kubectl sends it)" "$(ssar alice-token list nodes alice)" false
is "... may list pods in alice" "$(ssar alice-token list pods alice)" true
is "... not cluster-wide" "$(ssar alice-token list pods '')" false
is "bob may list nodes" "$(ssar bob-token list nodes '')" true
api POST /apis/authorization.k8s.io/v1/subjectaccessreviews admin-token \
    '{"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview","spec":{"user":"alice","groups":["students"],"resourceAttributes":{"verb":"watch","resource":"nodes"}}}' >/dev/null
is "SubjectAccessReview agrees" "$(jget 'd["status"]["allowed"]')" false
api POST /apis/authorization.k8s.io/v1/subjectaccessreviews admin-token \
    '{"spec":{"user":"x","groups":[1],"resourceAttributes":{"verb":"get","resource":"pods","namespace":"bob"}}}' >/dev/null
is "a group that is not a string is no group (and no crash)" \
    "$(jget 'd["status"]["allowed"]') $(api GET /healthz -)" "false 200"
CURL_EXTRA="-H Impersonate-User:alice"
is "an admin impersonating alice gets her refusal" "$(api GET /api/v1/nodes admin-token)" 403
CURL_EXTRA=
check "stops cleanly" sim_stop

check "starts with --namespace-only-users" sim_start \
    --cluster "$TMP/cluster.yaml" --namespace-only-users
forbidden "it takes bob's clusterRead: true back" bob-token /api/v1/nodes 'nodes is forbidden: User "bob" cannot list resource "nodes" in API group "" at the cluster scope'
sim_stop

if ! command -v kubectl >/dev/null 2>&1; then
	# The rest is kubectl against the built-in cluster.
	i=$TAP_N
	while [ "$i" -lt 53 ]; do
		i=$((i + 1))
		echo "ok $i # SKIP kubectl not installed"
	done
	exit 0
fi

check "openssl makes a CA and a server certificate" sim_tls
check "the built-in cluster starts" sim_start_tls
k() { timeout 30 kubectl --kubeconfig "$KC" --context "$@"; }

fails "kubectl get nodes as alice fails" 1 k alice get nodes
like "... Forbidden, in the apiserver's words" "$TMP/err" \
    '^Error from server \(Forbidden\): nodes is forbidden: User "alice" cannot list resource "nodes" in API group "" at the cluster scope$'
fails "auth can-i list nodes: no" 1 k alice auth can-i list nodes
like "... says no" "$TMP/out" '^no$'
check "get pods -n alice works" k alice get pods -n alice
like "... none yet" "$TMP/err" 'No resources found in alice namespace'
check "get namespace alice works" k alice get namespace alice
fails "get pods -A is refused" 1 k alice get pods -A
like "... at the cluster scope" "$TMP/err" \
    'pods is forbidden: User "alice" cannot list resource "pods" in API group "" at the cluster scope'
fails "bob is namespace-only too" 1 k bob get nodes
check "the admin still lists nodes" k admin get nodes -o name
is "... all 53" "$(wc -l <"$TMP/out" | tr -d ' ')" 53

check "sched-sa lists nodes" k sched-sa get nodes -o name
check "... and pods of every namespace" k sched-sa get pods -A
check "auth can-i create deployments in bob as sched-sa: yes" \
    k sched-sa auth can-i create deployments.apps -n bob
fails "... delete jobs in kube-system: no" 1 \
    k sched-sa auth can-i delete jobs.batch -n kube-system
fails "... get secrets in bob: no" 1 k sched-sa auth can-i get secrets -n bob
fails "... create pods in bob: no" 1 k sched-sa auth can-i create pods -n bob
fails "... update quota in bob: no" 1 \
    k sched-sa auth can-i update resourcequotas -n bob
fails "... impersonate users: no" 1 k sched-sa auth can-i impersonate users
is "sched-sa reviews tokens" "$(api POST /apis/authentication.k8s.io/v1/tokenreviews sched-sa-token '{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"alice-token"}}') $(jget 'd["status"]["user"]["username"]')" "201 alice"
is "... and watches pods cluster-wide" \
    "$(api GET '/api/v1/pods?watch=true&timeoutSeconds=1' sched-sa-token)" 200
CURL_EXTRA=
check "stops cleanly" sim_stop
finish
