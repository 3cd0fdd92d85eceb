#!/bin/sh
# LocalSubjectAccessReview (POST .../namespaces/NS/localsubjectaccessreviews,
# the namespaced SubjectAccessReview the ClusterRole admin grants in its
# namespace) and the impersonation headers Impersonate-Uid and
# Impersonate-Extra-<key>, which SelfSubjectReview shows back
# (../shared/reference/kubernetes.md section 6).
. "$top_srcdir/tests/sim/sim-lib.sh"
plan 20

sim_cluster <<'EOF'
- {name: alice, token: alice-token, namespaces: [alice]}
- {name: bob, token: bob-token, namespaces: [bob]}
EOF
check "starts" sim_start --cluster "$TMP/cluster.yaml"

L=/apis/authorization.k8s.io/v1/namespaces/alice/localsubjectaccessreviews
lsar() { # USER VERB RESOURCE [NS]
	printf '{"apiVersion":"authorization.k8s.io/v1","kind":"LocalSubjectAccessReview","spec":{"user":"%s","resourceAttributes":{"namespace":"%s","verb":"%s","resource":"%s"}}}' \
	    "$1" "${4:-alice}" "$2" "$3"
}

is "alice reviews bob in her namespace" "$(api POST "$L" alice-token "$(lsar bob create pods)")" 201
is "as a LocalSubjectAccessReview" "$(jget '[d["apiVersion"], d["kind"], d["metadata"]["namespace"]]')" \
    '["authorization.k8s.io/v1", "LocalSubjectAccessReview", "alice"]'
is "bob may not create pods in alice" "$(jget 'd["status"]["allowed"]')" false
is "alice may" "$(api POST "$L" alice-token "$(lsar alice create pods)")" 201
is "allowed" "$(jget 'd["status"]["allowed"]')" true
is "bob may not review in alice's namespace" "$(api POST "$L" bob-token "$(lsar bob get pods)")" 403
like "in the apiserver's words" "$TMP/body" 'localsubjectaccessreviews.authorization.k8s.io is forbidden: User \\"bob\\" cannot create resource \\"localsubjectaccessreviews\\" in API group \\"authorization.k8s.io\\" in the namespace \\"alice\\"'
is "another namespace in the spec is Invalid" "$(api POST "$L" alice-token "$(lsar alice get pods bob)")" 422
is "naming the field" "$(jget 'd["details"]["causes"][0]["field"]')" spec.resourceAttributes.namespace
is "another metadata.namespace is a BadRequest" "$(api POST "$L" alice-token '{"metadata":{"namespace":"bob"},"spec":{"user":"bob","resourceAttributes":{"namespace":"alice","verb":"get","resource":"pods"}}}')" 400
is "non-resource attributes are Invalid" "$(api POST "$L" alice-token '{"spec":{"user":"bob","nonResourceAttributes":{"path":"/api","verb":"get"}}}')" 422
is "there is no cluster-wide collection" "$(api POST /apis/authorization.k8s.io/v1/localsubjectaccessreviews admin-token "$(lsar bob get pods)")" 404
is "discovery lists it, namespaced, create only" "$(get_jget /apis/authorization.k8s.io/v1 admin-token '[[r["namespaced"], r["verbs"]] for r in d["resources"] if r["name"] == "localsubjectaccessreviews"]')" '[[true, ["create"]]]'

# Impersonation with a uid and extra values.
SSR=/apis/authentication.k8s.io/v1/selfsubjectreviews
ssr() { # HEADER...
	set -- -sS -o "$TMP/body" -w '%{http_code}' -X POST \
	    -H 'Authorization: Bearer admin-token' \
	    -H 'Content-Type: application/json' \
	    --data-binary '{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}' "$@"
	curl "$@" "$SIM_URL$SSR"
}
is "an admin impersonates with a uid and extras" "$(ssr -H 'Impersonate-User: alice' \
    -H 'Impersonate-Uid: 1234-abcd' -H 'Impersonate-Extra-Scopes: view' \
    -H 'Impersonate-Extra-scopes: development' \
    -H 'Impersonate-Extra-Acme.com%2Fproject: p1')" 201
is "the uid is shown" "$(jget 'd["status"]["userInfo"]["uid"]')" 1234-abcd
is "extra values by lower-cased, decoded key, in order" "$(jget 'd["status"]["userInfo"]["extra"]')" \
    '{"scopes": ["view", "development"], "acme.com/project": ["p1"]}'
is "the user is alice" "$(jget 'd["status"]["userInfo"]["username"]')" alice
ssr -H 'Impersonate-User: alice' >/dev/null
is "without them, no uid and no extra" "$(jget '[k for k in ("uid", "extra") if k in d["status"]["userInfo"]]')" '[]'

check "stops cleanly" sim_stop
finish
