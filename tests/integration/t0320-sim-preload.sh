#!/bin/sh
# POST /sim/preload: hundreds of Running pods in one request, seen as pods
# created through the API are (kubectl, field selectors, /sim/state, a
# watch from before, quota status), never more on a node than it holds;
# and the requests it must refuse whole: no room, over quota, unknown
# namespace, a taken name, too many, a bad template, a non-admin.
. "$top_srcdir/tests/sim/sim-lib.sh"
skip_unless "kubectl not installed" command -v kubectl
plan 37

# Three nodes of 10 CPUs: 100 pods of 100m each by CPU (110 by pod count).
rtx_cluster 3 10 64Gi >"$TMP/cluster.yaml" <<'EOT'
namespaces:
- name: default
- name: team
  quota: {pods: '150', requests.cpu: '20'}
users:
- {name: alice, token: alice-token, groups: [students], namespaces: [team]}
- {name: admin, token: admin-token, groups: ["system:masters"], admin: true}
EOT
sim_tls
check "starts a cluster of 3 nodes" sim_start_tls \
    --cluster "$TMP/cluster.yaml" --speed 10
npods() { ka get pods -A --no-headers 2>/dev/null | wc -l | tr -d ' '; }
podrv() { api GET /api/v1/pods >/dev/null; jget 'd["metadata"]["resourceVersion"]'; }

is "a student may not preload" "$(api POST /sim/preload alice-token '{"count":1}')" 403
is "GET is not served" "$(api GET /sim/preload)" 405
RV0=$(podrv)

# 250 pods in turn in two namespaces: 125 each.
is "250 pods preloaded" "$(api POST /sim/preload admin-token '{"count":250,"namespaces":["default","team"],"namePrefix":"bg-"}')" 201
is "all created and running" "$(jget '[d["created"], d["running"], d["pending"], d["namespaces"]]')" '[250, 250, 0, {"default": 125, "team": 125}]'
is "the reply's versions frame the change" "$(jget 'd["fromResourceVersion"]')" "$RV0"
RV1=$(jget 'd["resourceVersion"]')
is "kubectl get pods -A lists them" "$(npods)" 250
check "kubectl -o json" ka get pods -n team -o json
is "Running, bound, each with its own resourceVersion" "$(jget '[len(d["items"]), len([p for p in d["items"] if p["status"]["phase"] == "Running" and p["spec"].get("nodeName")]), len(set(p["metadata"]["resourceVersion"] for p in d["items"]))]' "$TMP/out")" '[125, 125, 125]'
is "with the apiserver's defaults and the template's knobs" "$(jget 'sorted(set((p["spec"]["restartPolicy"], p["status"]["qosClass"], p["metadata"]["labels"]["app"], p["metadata"]["annotations"]["ailab-kubesim.io/duration"]) for p in d["items"]))' "$TMP/out")" '[["Always", "Burstable", "preload", "forever"]]'
is "the list's resourceVersion is the reply's" "$(podrv)" "$RV1"

# Placement: every node holds what it can, no more (100 x 100m = 10 CPUs).
pernode() {
	for n in n-01 n-02 n-03; do
		ka get pods -A --no-headers --field-selector "spec.nodeName=$n" |
		    wc -l | tr -d ' '
	done | tr '\n' ' '
}
# fits: how many nodes hold pods and whether all hold 100 or fewer.
fits() { echo "$1" | $PY -c 'import sys; c = [int(x) for x in sys.stdin.read().split()]; print(sum(c), len([x for x in c if x > 0]), max(c) <= 100)'; }
is "on the 3 nodes, none over its 10 CPUs" "$(fits "$(pernode)")" "250 3 True"
is "/sim/state has them, bound" "$(get_jget /sim/state admin-token 'len([p for p in d["pods"] if p["metadata"]["name"].startswith("bg-") and p["spec"].get("nodeName") and p["status"]["phase"] == "Running"])')" 250
is "its resourceVersion is the list's" "$(jget 'str(d["resourceVersion"])')" "$RV1"

# A watch from before the preload sees each pod added, bound and running.
curl -sS -N --max-time 10 $CURL_EXTRA -H 'Authorization: Bearer admin-token' \
    "$SIM_URL/api/v1/pods?watch=1&resourceVersion=$RV0&timeoutSeconds=2" \
    >"$TMP/watch"
$PY - "$TMP/watch" >"$TMP/wsum" <<'PY'
import json, sys
added, last = set(), {}
for line in open(sys.argv[1]):
    e = json.loads(line)
    n = e["object"]["metadata"]["namespace"] + "/" + e["object"]["metadata"]["name"]
    if e["type"] == "ADDED":
        added.add(n)
    last[n] = e["object"]["status"]["phase"]
print(len(added), sorted(set(last.values())), len(last))
PY
is "a watch from the version before sees 250 ADDED, last Running" "$(cat "$TMP/wsum")" "250 ['Running'] 250"

# Quota status counts them as the quota controller would.
quota() { ka get resourcequota -n team -o jsonpath='{.items[0].status.used.pods} {.items[0].status.used.requests\.cpu}'; }
is "team's quota status.used" "$(quota)" "125 12500m"

# Refusals: a clear 4xx, and nothing created (same count, same version).
unchanged() { is "$1: nothing created" "$(npods) $(podrv)" "$2 $3"; }
is "over quota: 403" "$(api POST /sim/preload admin-token '{"count":40,"namespaces":["team"],"namePrefix":"q-"}')" 403
like "naming the quota" "$TMP/body" 'exceeded quota: .*pods=40.*limited: .*pods=150'
unchanged "over quota" 250 "$RV1"
is "more than the nodes hold: 409" "$(api POST /sim/preload admin-token '{"count":51,"namePrefix":"big-"}')" 409
like "saying how many fit" "$TMP/body" 'room for 50 of the 51 pods'
unchanged "no room" 250 "$RV1"
is "an unknown namespace: 404" "$(api POST /sim/preload admin-token '{"count":1,"namespaces":["default","nope"]}')" 404
like "naming it" "$TMP/body" 'namespaces \\"nope\\" not found'
is "a name taken: 409 AlreadyExists" "$(api POST /sim/preload admin-token '{"count":5,"namespaces":["team"],"namePrefix":"bg-","firstIndex":0}')" 409
like "naming the pod" "$TMP/body" 'pods \\"bg-1\\" already exists in namespace team'
is "count over 100000: 400" "$(api POST /sim/preload admin-token '{"count":100001}')" 400
is "a template with spec.nodeName: 422" "$(api POST /sim/preload admin-token '{"count":1,"template":{"spec":{"nodeName":"n-0","containers":[{"name":"c","image":"x"}]}}}')" 422
is "an unknown template field: 400 (strict decoding)" "$(api POST /sim/preload admin-token '{"count":1,"template":{"spec":{"containerz":[]}}}')" 400
is "an invalid template: 422 from admission" "$(api POST /sim/preload admin-token '{"count":3,"template":{"spec":{"containers":[{"name":"c"}]}}}')" 422
unchanged "bad requests" 250 "$RV1"
$PY -c 'print("{\"count\":1,\"pad\":\"" + "x" * (4 << 20) + "\"}")' >"$TMP/big.json"
is "a body over the server's limit: 413" "$(api POST /sim/preload admin-token "@$TMP/big.json")" 413

# The last 50 fill the nodes exactly; one more finds no node.
is "the last 50 fit" "$(api POST /sim/preload admin-token '{"count":50,"namePrefix":"fill-"}')" 201
is "every node full, none over" "$(pernode)" "100 100 100 "
is "one more: 409" "$(api POST /sim/preload admin-token '{"count":1,"namePrefix":"more-"}')" 409
like "with the scheduler's reasons" "$TMP/body" 'room for 0 of the 1 pods: 0/3 nodes are available: 3 Insufficient cpu'
check "stops cleanly" sim_stop
finish
