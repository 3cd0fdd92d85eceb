#!/bin/sh
# What a server that delegates to the cluster relies on: users with groups
# from the cluster file, TokenReview, SubjectAccessReview for admins and
# auth delegators, SelfSubjectAccessReview under impersonation, and Leases
# with resourceVersion conflicts for leader election.
. "$top_srcdir/tests/sim/sim-lib.sh"
plan 22

sim_cluster <<'EOF2'
- {name: alice, token: alice-token, groups: [students, ml101], namespaces: [alice]}
- {name: bob, token: bob-token, namespaces: [bob]}
- {name: queue-server, token: srv-token, groups: [system:auth-delegator]}
EOF2
check "starts" sim_start --cluster "$TMP/cluster.yaml"

TR='{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"alice-token"}}'
is "TokenReview by an admin" "$(api POST /apis/authentication.k8s.io/v1/tokenreviews admin-token "$TR")" 201
is "names the user and its groups" "$(jget '[d["status"]["authenticated"], d["status"]["user"]["username"], d["status"]["user"]["groups"]]')" \
    '[true, "alice", ["students", "ml101", "system:authenticated"]]'
is "TokenReview by an auth delegator" "$(api POST /apis/authentication.k8s.io/v1/tokenreviews srv-token "$TR")" 201
is "a bad token is not authenticated" "$(api POST /apis/authentication.k8s.io/v1/tokenreviews srv-token '{"spec":{"token":"nope"}}' >/dev/null; jget 'd["status"]["authenticated"]')" false
is "TokenReview by a student: 403" "$(api POST /apis/authentication.k8s.io/v1/tokenreviews alice-token "$TR")" 403

sar() { # TOKEN USER GROUPS-JSON VERB NS
	api POST /apis/authorization.k8s.io/v1/subjectaccessreviews "$1" \
	    "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SubjectAccessReview\",\"spec\":{\"user\":\"$2\",\"groups\":$3,\"resourceAttributes\":{\"verb\":\"$4\",\"resource\":\"pods\",\"namespace\":\"$5\"}}}"
}
is "SubjectAccessReview by the delegator" "$(sar srv-token alice '["students"]' list alice)" 201
is "alice may list pods in alice" "$(jget 'd["status"]["allowed"]')" true
sar srv-token alice '["students"]' list bob >/dev/null
is "but not in bob" "$(jget 'd["status"]["allowed"]')" false
sar admin-token someone '["system:masters"]' delete bob >/dev/null
is "system:masters may do anything" "$(jget 'd["status"]["allowed"]')" true
is "SubjectAccessReview by a student: 403" "$(sar alice-token bob '[]' list bob)" 403

SSAR='{"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectAccessReview","spec":{"resourceAttributes":{"verb":"create","resource":"pods","namespace":"alice"}}}'
CURL_EXTRA="-H Impersonate-User:alice -H Impersonate-Group:students"
is "SelfSubjectAccessReview as alice, by an admin" "$(api POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews admin-token "$SSAR")" 201
is "alice may create pods in alice" "$(jget 'd["status"]["allowed"]')" true
api POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews admin-token "$(echo "$SSAR" | sed 's/"alice"}/"bob"}/')" >/dev/null
is "not in bob" "$(jget 'd["status"]["allowed"]')" false
api POST /apis/authentication.k8s.io/v1/selfsubjectreviews admin-token '{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}' >/dev/null
is "SelfSubjectReview shows the impersonated user" "$(jget '[d["status"]["userInfo"]["username"], d["status"]["userInfo"]["groups"]]')" \
    '["alice", ["students", "system:authenticated"]]'
is "a student may not impersonate" "$(api POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews bob-token "$SSAR")" 403
CURL_EXTRA=

L=/apis/coordination.k8s.io/v1/namespaces/bob/leases
LEASE='{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"leader"},"spec":{"holderIdentity":"a","leaseDurationSeconds":15}}'
is "create a Lease" "$(api POST $L bob-token "$LEASE")" 201
RV=$(jget 'd["metadata"]["resourceVersion"]')
is "get it" "$(api GET $L/leader bob-token)" 200
is "renew with its resourceVersion" "$(api PUT $L/leader bob-token "{\"metadata\":{\"name\":\"leader\",\"resourceVersion\":\"$RV\"},\"spec\":{\"holderIdentity\":\"a\",\"leaseDurationSeconds\":15}}")" 200
is "a rival with the old resourceVersion: 409" "$(api PUT $L/leader bob-token "{\"metadata\":{\"name\":\"leader\",\"resourceVersion\":\"$RV\"},\"spec\":{\"holderIdentity\":\"b\",\"leaseDurationSeconds\":15}}")" 409
is "reason Conflict, holder unchanged" "$(jget 'd["reason"]')$(api GET $L/leader bob-token >/dev/null; jget 'd["spec"]["holderIdentity"]')" Conflicta

check "stops cleanly" sim_stop
finish
