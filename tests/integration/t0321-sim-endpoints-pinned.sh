#!/bin/sh
# The endpoints controllers at work among many Services that share their
# selector's label keys (values differ) in three namespaces: a pod's
# change rewrites the Endpoints and EndpointSlices of exactly the
# Services whose pods it changes (every other resourceVersion stays),
# also after a Service's selector changed and after a Service was
# deleted; and pods pinned to a node by hostname (nodeSelector or node
# affinity) land on it, or stay Pending with the scheduler's event when
# the node is missing or full.
. "$top_srcdir/tests/sim/sim-lib.sh"
skip_unless "kubectl not installed" command -v kubectl
plan 43

cat >"$TMP/cluster.yaml" <<'EOT'
nodeGroups:
- {count: 3, namePrefix: n-, gpu: NVIDIA-GeForce-RTX-4090-D, gpuCount: 8,
   gpuFamily: ada-lovelace, computeMajor: 8, computeMinor: 9, cpu: '8',
   memory: 64Gi}
namespaces:
- name: ns-a
- name: ns-b
- name: ns-c
users:
- {name: admin, token: admin-token, groups: ["system:masters"], admin: true}
EOT
sim_tls
check "starts a cluster of 3 nodes" sim_start_tls \
    --cluster "$TMP/cluster.yaml" --speed 10

# svc NS NAME SELECTOR-FLOW-MAP [LABELS-FLOW-MAP]: one Service on port 80
# -> 8080, labelled tier=t unless told ("{}": none at all).
svc() {
	printf -- '---\napiVersion: v1\nkind: Service\nmetadata: {name: %s, namespace: %s, labels: %s}\nspec: {selector: %s, ports: [{port: 80, targetPort: 8080}]}\n' \
	    "$2" "$1" "${4:-{tier: t\}}" "$3"
}
# pod NS NAME LABELS-FLOW-MAP: a pod that runs until deleted.
pod() {
	printf -- '---\napiVersion: v1\nkind: Pod\nmetadata: {name: %s, namespace: %s, labels: %s, annotations: {ailab-kubesim.io/duration: forever}}\nspec: {containers: [{name: c, image: busybox}]}\n' \
	    "$2" "$1" "$3"
}

# Seven Services a namespace on the keys app and role (r1b names them in
# the other order), five pods.
for ns in ns-a ns-b ns-c; do
	for r in r1 r2 r3 r4; do
		svc $ns $r "{app: web, role: $r}"
	done
	svc $ns r1b "{role: r1, app: web}"
	svc $ns all "{app: web}" "{}"
	svc $ns db "{app: db, role: r1}"
	for r in r1 r2 r3 r4; do
		pod $ns p-$r "{app: web, role: $r}"
	done
	pod $ns p-db "{app: db, role: r1}"
done >"$TMP/objs.yaml"
check "21 Services and 15 pods created" ka apply -f "$TMP/objs.yaml"

# running: every pod of the test Running with an IP.
running() {
	api GET /api/v1/pods >/dev/null &&
	    [ "$(jget 'len([p for p in d["items"] if p["status"].get("phase") == "Running" and p["status"].get("podIP")])')" = "$1" ]
}
ok_within "all 15 pods Running" 60 running 15

# eps NS NAME: the sorted pod names the Endpoints and the slices list.
eps() {
	a=$(get_jget "/api/v1/namespaces/$1/endpoints/$2" admin-token 'sorted(a["targetRef"]["name"] for s in d.get("subsets", []) for a in s.get("addresses", []))')
	b=$(get_jget "/apis/discovery.k8s.io/v1/namespaces/$1/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3D$2" admin-token 'sorted(e["targetRef"]["name"] for s in d["items"] for e in s["endpoints"])')
	echo "$a $b"
}
# settled NS NAME WANT: the Service's Endpoints and slices list WANT.
settled() { [ "$(eps "$1" "$2")" = "$3 $3" ]; }
ok_within "the Endpoints settle" 30 settled ns-c all '["p-r1", "p-r2", "p-r3", "p-r4"]'
is "a Service sharing keys selects only its value" "$(eps ns-a r2)" \
    '["p-r2"] ["p-r2"]'
is "the keys in the other order select alike" "$(eps ns-b r1b)" \
    '["p-r1"] ["p-r1"]'
is "another app on the same keys" "$(eps ns-c db)" '["p-db"] ["p-db"]'

# snap FILE: the resourceVersion of every Endpoints and EndpointSlice.
snap() { get_jget /sim/state admin-token '{("ep/" + o["metadata"]["namespace"] + "/" + o["metadata"]["name"]): o["metadata"]["resourceVersion"] for o in d["endpoints"]} | {("slice/" + o["metadata"]["namespace"] + "/" + o["metadata"]["labels"]["kubernetes.io/service-name"] + "/" + o["metadata"]["name"]): o["metadata"]["resourceVersion"] for o in d["endpointslices"]}' >"$1"; }
# changed OLD NEW: what was written, added or removed between two snaps.
changed() {
	$PY -c 'import json,sys
a = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2]))
out = []
for k in sorted(set(a) | set(b)):
    if k not in b: out.append("-" + k)
    elif k not in a: out.append("+" + k)
    elif a[k] != b[k]: out.append(k)
print(" ".join(x.rsplit("/", 1)[0] if x.lstrip("+-").startswith("slice/") else x for x in out))' "$1" "$2"
}
snap "$TMP/s0"
is "one Endpoints and one slice for each of the 21 Services" \
    "$(jget 'len(d)' "$TMP/s0")" 42

# A pod deleted: its three Services (r1, r1b, all of ns-a) and none else.
check "delete ns-a/p-r1" ka delete pod -n ns-a p-r1 --wait=true
ok_within "its Services drop it" 30 settled ns-a r1b '[]'
snap "$TMP/s1"
is "only the Services that selected it were rewritten" \
    "$(changed "$TMP/s0" "$TMP/s1")" \
    "ep/ns-a/all ep/ns-a/r1 ep/ns-a/r1b slice/ns-a/all slice/ns-a/r1 slice/ns-a/r1b"
is "r1 lists nothing" "$(eps ns-a r1)" '[] []'
is "all lists the three others" "$(eps ns-a all)" \
    '["p-r2", "p-r3", "p-r4"] ["p-r2", "p-r3", "p-r4"]'
is "ns-b's r1 keeps its pod" "$(eps ns-b r1)" '["p-r1"] ["p-r1"]'

# A pod relabelled: the Service it leaves and the one it joins; all
# (a Service without labels) keeps the same addresses and is not
# rewritten.
check "relabel ns-a/p-r2 role=r3" ka label pod -n ns-a p-r2 role=r3 --overwrite
ok_within "r3 takes it" 30 settled ns-a r3 '["p-r2", "p-r3"]'
snap "$TMP/s2"
is "only the Services it left and joined were rewritten" \
    "$(changed "$TMP/s1" "$TMP/s2")" \
    "ep/ns-a/r2 ep/ns-a/r3 slice/ns-a/r2 slice/ns-a/r3"

# A Service's selector changed: it follows its new value, not its old.
check "ns-b/r4 now selects role=r1" ka patch service -n ns-b r4 --type merge \
    -p '{"spec":{"selector":{"role":"r1"}}}'
ok_within "r4 lists p-r1 instead of p-r4" 30 settled ns-b r4 '["p-r1"]'
snap "$TMP/s3"
is "only r4's objects were rewritten" "$(changed "$TMP/s2" "$TMP/s3")" \
    "ep/ns-b/r4 slice/ns-b/r4"
pod ns-b p-r1x "{app: web, role: r1}" >"$TMP/p.yaml"
check "a new role=r1 pod in ns-b" ka apply -f "$TMP/p.yaml"
ok_within "r4 lists it" 30 settled ns-b r4 '["p-r1", "p-r1x"]'
ok_within "all lists it" 30 settled ns-b all \
    '["p-r1", "p-r1x", "p-r2", "p-r3", "p-r4"]'
snap "$TMP/s4"
is "the four Services that select it, r4 by its new selector" \
    "$(changed "$TMP/s3" "$TMP/s4")" \
    "ep/ns-b/all ep/ns-b/r1 ep/ns-b/r1b ep/ns-b/r4 slice/ns-b/all slice/ns-b/r1 slice/ns-b/r1b slice/ns-b/r4"
pod ns-b p-r4x "{app: web, role: r4}" >"$TMP/p.yaml"
ka apply -f "$TMP/p.yaml" >/dev/null 2>&1
ok_within "a new role=r4 pod joins all" 30 settled ns-b all \
    '["p-r1", "p-r1x", "p-r2", "p-r3", "p-r4", "p-r4x"]'
snap "$TMP/s5"
is "r4's old selector no longer counts" "$(changed "$TMP/s4" "$TMP/s5")" \
    "ep/ns-b/all slice/ns-b/all"

# A Service deleted: its objects go, and a pod it would have selected
# touches only the Services left.
check "delete ns-c/r2" ka delete service -n ns-c r2 --wait=true
gone() { [ "$(api GET /api/v1/namespaces/ns-c/endpoints/r2)" = 404 ] &&
    api GET '/apis/discovery.k8s.io/v1/namespaces/ns-c/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dr2' >/dev/null &&
    [ "$(jget 'len(d["items"])')" = 0 ]; }
ok_within "its Endpoints and slice are gone" 30 gone
snap "$TMP/s6"
is "nothing else was rewritten" "$(changed "$TMP/s5" "$TMP/s6")" \
    "-ep/ns-c/r2 -slice/ns-c/r2"
pod ns-c p-r2x "{app: web, role: r2}" >"$TMP/p.yaml"
ka apply -f "$TMP/p.yaml" >/dev/null 2>&1
ok_within "a new role=r2 pod joins all" 30 settled ns-c all \
    '["p-r1", "p-r2", "p-r2x", "p-r3", "p-r4"]'
snap "$TMP/s7"
is "only all; the deleted Service is not made again" \
    "$(changed "$TMP/s6" "$TMP/s7")" "ep/ns-c/all slice/ns-c/all"

# Pinned pods.  pinned NAME CPU SPEC-EXTRA: a pod of CPU requests in ns-a.
pinned() {
	printf -- '---\napiVersion: v1\nkind: Pod\nmetadata: {name: %s, namespace: ns-a, annotations: {ailab-kubesim.io/duration: forever}}\nspec: {containers: [{name: c, image: busybox, resources: {requests: {cpu: "%s"}}}], %s}\n' \
	    "$1" "$2" "$3"
}
aff() { echo "affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [$1]}}}"; }
{
	pinned sel-2 100m "nodeSelector: {kubernetes.io/hostname: n-02}"
	pinned aff-3 6 "$(aff '{matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [n-03]}]}')"
	pinned two-terms 100m "$(aff '{matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [n-09]}]}, {matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [n-01]}]}')"
} >"$TMP/pin.yaml"
check "three pinned pods created" ka apply -f "$TMP/pin.yaml"
node_of() { api GET "/api/v1/namespaces/ns-a/pods/$1" >/dev/null; jget 'd["spec"].get("nodeName")'; }
allbound() { for p in sel-2 aff-3 two-terms; do
	[ "$(node_of $p)" != null ] || return 1; done; }
ok_within "all three bound" 30 allbound
is "the nodeSelector's node" "$(node_of sel-2)" n-02
is "the affinity's node" "$(node_of aff-3)" n-03
is "the node of the term that names a node there is" "$(node_of two-terms)" n-01

PRE='preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.'
{
	pinned missing 100m "nodeSelector: {kubernetes.io/hostname: n-09}"
	pinned full 4 "$(aff '{matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [n-03]}]}')"
	pinned other-label 100m "nodeSelector: {kubernetes.io/hostname: n-01, gpu-model: none}"
} >"$TMP/pin2.yaml"
check "three pods no node takes created" ka apply -f "$TMP/pin2.yaml"
# event NAME: the message of the pod's FailedScheduling event.
event() {
	api GET "/api/v1/namespaces/ns-a/events?fieldSelector=involvedObject.name%3D$1" >/dev/null &&
	    jget '[e["message"] for e in d["items"] if e["reason"] == "FailedScheduling"][0]'
}
events() { for p in missing full other-label; do
	event $p >/dev/null 2>&1 || return 1; done; }
ok_within "each has its FailedScheduling event" 30 events
is "a missing node: Pending, no node matches" "$(node_of missing) $(event missing)" \
    "null 0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. $PRE"
is "a full node: Pending, its cpu short, the others not matching" \
    "$(node_of full) $(event full)" \
    "null 0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match Pod's node affinity/selector. $PRE"
is "its host but not its other label: no node matches" \
    "$(node_of other-label) $(event other-label)" \
    "null 0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. $PRE"
check "kubectl shows them Pending" ka get pods -n ns-a missing full other-label --no-headers
like "all three Pending" "$TMP/out" '^other-label +0/1 +Pending'
finish
