#!/bin/sh
# ailab-kubesim's routing: a path it does not serve gets the Kubernetes
# 404 Status for every verb, a method a path does not take gets 405, and
# the paths it serves still reach their handlers.
. "$top_srcdir/tests/sim/sim-lib.sh"
plan 41

check "starts" sim_start --cluster "$FIXTURES/sim-roomy.yaml" --seed 7

MSG='the server could not find the requested resource'
# not_found VERB PATH: 404 and the apiserver's NotFound Status.
not_found() {
	is "$1 $2: 404" "$(api "$1" "$2" admin-token '{}')" 404
	is "$1 $2: the NotFound Status" \
	    "$(jget 'd["kind"]+"|"+d["status"]+"|"+d["reason"]+"|"+d["message"]+"|"+str(d["code"])')" \
	    "Status|Failure|NotFound|$MSG|404"
}

for verb in GET POST PUT PATCH DELETE; do
	not_found "$verb" /nope
done
not_found GET /api/v2
not_found GET /apis/nogroup/v1/things
not_found GET /api/v1/widgets
not_found GET /apis/batch/v1/nodes
not_found GET /api/v1/namespaces/alice/nodes
not_found GET /api/v1/pods/p1
not_found GET /api/v1/namespaces/alice/pods/p1/bogus
not_found POST /sim/nothing
not_found GET /openapi/v3/apis/nogroup/v1
not_found GET /a/b/c/d/e/f/g/h/i/j/k/l/m

is "PUT on a collection: 405" "$(api PUT /api/v1/namespaces/alice/pods admin-token '{}')" 405
is "405 is MethodNotAllowed" "$(jget 'd["reason"]')" MethodNotAllowed
is "GET on a review type: 405" "$(api GET /apis/authorization.k8s.io/v1/selfsubjectaccessreviews)" 405
is "/healthz: 200" "$(api GET /healthz -)" 200
is "/livez: ok" "$(api GET /livez -; cat "$TMP/body")" 200ok
is "/apis/batch/v1 is discovery" "$(api GET /apis/batch/v1 -; jget 'd["groupVersion"]')" 200batch/v1
is "/sim/state is for admins" "$(api GET /sim/state alice-token)" 403
is "an unknown path is 404 before credentials" "$(api GET /nope -)" 404
is "a resource path wants credentials" "$(api GET /api/v1/nodes -)" 401

check "stops" sim_stop
finish
