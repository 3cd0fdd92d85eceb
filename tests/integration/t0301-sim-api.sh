#!/bin/sh
# ailab-kubesim's REST API over HTTP: discovery, Status errors, the verbs,
# selectors, paging, conflicts, authorization and a clean SIGTERM.
. "$top_srcdir/tests/sim/sim-lib.sh"
plan 60

# The roomy cluster: users who read nodes, quotas on requests only.
check "starts on a free port and prints it" sim_start \
    --cluster "$FIXTURES/sim-roomy.yaml" --speed 50 --seed 7
[ -n "$SIM_PORT" ] && [ "$SIM_PORT" -gt 0 ]
ok "the port is a number" $?

is "/version answers" "$(api GET /version -)" 200
is "/version says 1.32" "$(jget 'd["gitVersion"]')" v1.32.4
is "/api lists v1" "$(api GET /api -; jget 'd["versions"]')" '200["v1"]'
is "/apis lists the groups" "$(get_jget /apis - '",".join(g["name"] for g in d["groups"])')" \
    "apps,batch,coordination.k8s.io,discovery.k8s.io,authentication.k8s.io,authorization.k8s.io,storage.k8s.io"
is "batch/v1 serves jobs" "$(get_jget /apis/batch/v1 - '[r["kind"] for r in d["resources"] if r["name"]=="jobs"][0]')" Job
is "no credentials: 401" "$(api GET /api/v1/namespaces/alice/pods -)" 401
is "401 is a Status" "$(jget 'd["kind"]+"/"+d["reason"]')" Status/Unauthorized
is "bad token: 401" "$(api GET /api/v1/nodes nope)" 401

# Nodes as GPU Feature Discovery labels them.
is "alice lists nodes" "$(api GET /api/v1/nodes alice-token)" 200
is "50 nodes" "$(jget 'len(d["items"])')" 50
is "20 RTX 4090 D" "$(jget 'sum(1 for n in d["items"] if n["metadata"]["labels"].get("nvidia.com/gpu.product")=="NVIDIA-GeForce-RTX-4090-D")')" 20
is "20 RTX 4090" "$(jget 'sum(1 for n in d["items"] if n["metadata"]["labels"].get("nvidia.com/gpu.product")=="NVIDIA-GeForce-RTX-4090")')" 20
is "10 RTX 3090" "$(jget 'sum(1 for n in d["items"] if n["metadata"]["labels"].get("nvidia.com/gpu.product")=="NVIDIA-GeForce-RTX-3090")')" 10
is "8 allocatable GPUs" "$(jget 'd["items"][0]["status"]["allocatable"]["nvidia.com/gpu"]')" 8
is "set-based label selector" "$(get_jget '/api/v1/nodes?labelSelector=nvidia.com%2Fgpu.product%20in%20(NVIDIA-GeForce-RTX-3090,NVIDIA-GeForce-RTX-4090)' admin-token 'len(d["items"])')" 30
is "!= and exists" "$(get_jget '/api/v1/nodes?labelSelector=nvidia.com%2Fgpu.family!%3Dampere,nvidia.com%2Fgpu.present' admin-token 'len(d["items"])')" 40
is "does not exist" "$(get_jget '/api/v1/nodes?labelSelector=!nvidia.com%2Fgpu.present' admin-token 'len(d["items"])')" 0
is "bad selector: 400" "$(api GET '/api/v1/nodes?labelSelector=a%20in%20b')" 400

# Authorization per namespace.
is "bob cannot list alice's pods" "$(api GET /api/v1/namespaces/alice/pods bob-token)" 403
is "the real forbidden message" "$(jget 'd["message"]')" \
    'pods is forbidden: User "bob" cannot list resource "pods" in API group "" in the namespace "alice"'
is "cluster-wide pod list is admin only" "$(api GET /api/v1/pods alice-token)" 403
like "at the cluster scope" "$TMP/body" 'at the cluster scope'
is "admin lists all pods" "$(api GET /api/v1/pods)" 200

# Create, get, conflicts.
POD='{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p1","labels":{"app":"a","tier":"x"},"annotations":{"ailab-kubesim.io/duration":"forever"}},"spec":{"containers":[{"name":"c","image":"busybox","resources":{"requests":{"cpu":"100m","memory":"64Mi"}}}]}}'
is "create a pod: 201" "$(api POST /api/v1/namespaces/alice/pods alice-token "$POD")" 201
is "it has a uid" "$(jget 'len(d["metadata"]["uid"])')" 36
RV1=$(jget 'd["metadata"]["resourceVersion"]')
is "same name again: 409" "$(api POST /api/v1/namespaces/alice/pods alice-token "$POD")" 409
is "AlreadyExists message" "$(jget 'd["reason"]+": "+d["message"]')" 'AlreadyExists: pods "p1" already exists'
is "unknown pod: 404" "$(api GET /api/v1/namespaces/alice/pods/nope alice-token)" 404
is "NotFound message" "$(jget 'd["message"]+" "+d["details"]["kind"]')" 'pods "nope" not found pods'
is "unknown namespace: 404" "$(api POST /api/v1/namespaces/zz/pods "" "$POD")" 404
is "invalid name: 422" "$(api POST /api/v1/namespaces/alice/pods alice-token '{"metadata":{"name":"Bad_Name"},"spec":{"containers":[{"name":"c","image":"x"}]}}')" 422
is "Invalid with a cause" "$(jget 'd["reason"]+" "+d["details"]["causes"][0]["field"]')" "Invalid metadata.name"
is "missing containers: 422" "$(api POST /api/v1/namespaces/alice/pods alice-token '{"metadata":{"name":"x"},"spec":{}}')" 422
like "names the field" "$TMP/body" 'spec.containers: Required value'
is "generateName: 201" "$(api POST /api/v1/namespaces/alice/pods alice-token '{"metadata":{"generateName":"gen-","annotations":{"ailab-kubesim.io/duration":"forever"}},"spec":{"containers":[{"name":"c","image":"x","resources":{"requests":{"cpu":"1","memory":"1Gi"}}}]}}')" 201
jget 'd["metadata"]["name"]' >"$TMP/gen"
like "a generated name" "$TMP/gen" '^gen-[a-z0-9]{5}$'

# Update with a stale resourceVersion, merge patch.
api GET /api/v1/namespaces/alice/pods/p1 alice-token >/dev/null
$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); d["metadata"]["labels"]["tier"]="y"; d["metadata"]["resourceVersion"]="1"; print(json.dumps(d))' "$TMP/body" >"$TMP/stale"
is "stale update: 409" "$(api PUT /api/v1/namespaces/alice/pods/p1 alice-token "$(cat "$TMP/stale")")" 409
is "Conflict message" "$(jget 'd["reason"]+": "+d["message"]')" \
    'Conflict: Operation cannot be fulfilled on pods "p1": the object has been modified; please apply your changes to the latest version and try again'
is "merge patch: 200" "$(api PATCH /api/v1/namespaces/alice/pods/p1 alice-token '{"metadata":{"labels":{"tier":"z","extra":"1"}}}' application/merge-patch+json)" 200
is "patched label" "$(jget 'd["metadata"]["labels"]["tier"]+d["metadata"]["labels"]["extra"]')" z1
RV2=$(jget 'd["metadata"]["resourceVersion"]')
[ "$RV2" -gt "$RV1" ]
ok "resourceVersion grows" $?
is "JSON patch: 200" "$(api PATCH /api/v1/namespaces/alice/pods/p1 alice-token '[{"op":"remove","path":"/metadata/labels/extra"}]' application/json-patch+json)" 200
is "label removed" "$(jget '"extra" in d["metadata"]["labels"]')" false

# Field selectors, limit and continue.
for i in 1 2 3 4 5; do
	api POST /api/v1/namespaces/bob/pods bob-token "{\"metadata\":{\"name\":\"b$i\",\"labels\":{\"n\":\"$i\"}},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"x\",\"resources\":{\"requests\":{\"cpu\":\"1\",\"memory\":\"1Gi\"}}}]}}" >/dev/null
done
is "fieldSelector metadata.name" "$(get_jget '/api/v1/namespaces/bob/pods?fieldSelector=metadata.name%3Db3' bob-token '[p["metadata"]["name"] for p in d["items"]]')" '["b3"]'
is "unknown field: 400" "$(api GET '/api/v1/namespaces/bob/pods?fieldSelector=spec.bogus%3D1' bob-token)" 400
like "field label not supported" "$TMP/body" 'field label not supported: spec.bogus'
is "limit=2 gives 2" "$(get_jget '/api/v1/namespaces/bob/pods?limit=2' bob-token 'len(d["items"])')" 2
TOK=$(jget 'd["metadata"]["continue"]')
RVL=$(jget 'd["metadata"]["resourceVersion"]')
is "second page" "$(get_jget "/api/v1/namespaces/bob/pods?limit=2&continue=$TOK" bob-token '[p["metadata"]["name"] for p in d["items"]]')" '["b3", "b4"]'
TOK=$(jget 'd["metadata"]["continue"]')
is "last page has no continue" "$(get_jget "/api/v1/namespaces/bob/pods?limit=2&continue=$TOK" bob-token 'd["items"][0]["metadata"]["name"]+"|"+d["metadata"].get("continue","")')" 'b5|'

# Delete: preconditions, deletecollection.
is "wrong uid precondition: 409" "$(api DELETE /api/v1/namespaces/bob/pods/b1 bob-token '{"preconditions":{"uid":"x"}}')" 409
like "precondition message" "$TMP/body" 'Precondition failed: UID in precondition: x'
is "delete: 200" "$(api DELETE '/api/v1/namespaces/bob/pods/b1?gracePeriodSeconds=0' bob-token)" 200
is "gone" "$(api GET /api/v1/namespaces/bob/pods/b1 bob-token)" 404
is "deletecollection by label" "$(api DELETE '/api/v1/namespaces/bob/pods?labelSelector=n%20in%20(2,3)&gracePeriodSeconds=0' bob-token)" 200
is "two left" "$(get_jget /api/v1/namespaces/bob/pods bob-token 'sorted(p["metadata"]["name"] for p in d["items"])')" '["b4", "b5"]'

# Quota status follows the pods.
is "quota used pods" "$(get_jget /api/v1/namespaces/bob/resourcequotas bob-token 'd["items"][0]["status"]["used"]["pods"]')" 2
is "bob cannot change his quota" "$(api PATCH /api/v1/namespaces/bob/resourcequotas/compute-quota bob-token '{"spec":{"hard":{"pods":"1000"}}}' application/merge-patch+json)" 403

check "SIGTERM stops it with status 0" sim_stop
finish
