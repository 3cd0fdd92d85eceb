#!/bin/sh
# The built-in cluster is ailab as its operators publish it
# (../shared/reference/ailab-cluster.md): 3 tainted control-plane nodes, 50
# GPU workers with gpu-model labels, the admin chart's ResourceQuota and
# four Bound standing claims in every user namespace, students who are
# namespace admins only.  Then the cluster file keys behind it (node names,
# defaultQuota, defaultClaims, claims) and their errors.  With curl.
. "$top_srcdir/tests/sim/sim-lib.sh"
plan 34

check "the built-in cluster starts" sim_start

is "53 nodes" "$(get_jget /api/v1/nodes admin-token 'len(d["items"])')" 53
is "3 control-plane nodes, named as on ailab" \
    "$(jget '" ".join(n["metadata"]["name"] for n in d["items"] if "node-role.kubernetes.io/control-plane" in n["metadata"]["labels"])')" \
    "ailab-master-1 ailab-master-2 ailab-master-3"
is "... tainted NoSchedule, without GPUs" \
    "$(jget 'sorted(set(json.dumps([n["spec"].get("taints"), n["status"]["allocatable"].get("nvidia.com/gpu")]) for n in d["items"] if n["metadata"]["name"].startswith("ailab-master-")))')" \
    '["[[{\"key\": \"node-role.kubernetes.io/control-plane\", \"effect\": \"NoSchedule\"}], null]"]'
is "50 GPU workers by gpu-model" \
    "$(jget '" ".join("%s=%d" % (m, sum(1 for n in d["items"] if n["metadata"]["labels"].get("gpu-model") == m)) for m in ("RTX4090D", "RTX4090", "RTX3090"))')" \
    "RTX4090D=20 RTX4090=20 RTX3090=10"
is "the GFD labels stay; RTX4090D cards have 48 GB" \
    "$(jget '" ".join(sorted(set(n["metadata"]["labels"]["nvidia.com/gpu.product"] + ":" + n["metadata"]["labels"]["nvidia.com/gpu.memory"] for n in d["items"] if "gpu-model" in n["metadata"]["labels"])))')" \
    "NVIDIA-GeForce-RTX-3090:24576 NVIDIA-GeForce-RTX-4090-D:49140 NVIDIA-GeForce-RTX-4090:24564"

is "namespaces" "$(get_jget /api/v1/namespaces admin-token '" ".join(n["metadata"]["name"] for n in d["items"])')" \
    "default kube-system alice bob carol ml101"
is "the admin chart's quota in every user namespace, none elsewhere" \
    "$(get_jget /api/v1/resourcequotas admin-token '" ".join(q["metadata"]["namespace"] + "/" + q["metadata"]["name"] for q in d["items"])')" \
    "alice/quota-cpu-mem-gpu-pvc bob/quota-cpu-mem-gpu-pvc carol/quota-cpu-mem-gpu-pvc ml101/quota-cpu-mem-gpu-pvc"
is "... with its keys and hard limits" \
    "$(jget '", ".join(k + "=" + v for k, v in sorted(d["items"][0]["spec"]["hard"].items()))')" \
    "count/pods=10, limits.cpu=56, limits.memory=500Gi, requests.cpu=56, requests.memory=500Gi, requests.nvidia.com/gpu=4, requests.storage=40T"
is "four standing claims a user namespace, none elsewhere" \
    "$(get_jget /api/v1/persistentvolumeclaims admin-token '" ".join(sorted(set("%s=%d" % (c["metadata"]["namespace"], sum(1 for x in d["items"] if x["metadata"]["namespace"] == c["metadata"]["namespace"])) for c in d["items"])))')" \
    "alice=4 bob=4 carol=4 ml101=4"
is "bob's, named as the charts name them, Bound, of 23T in all" \
    "$(jget '" ".join("%s:%s:%s:%s" % (c["metadata"]["name"], c["status"]["phase"], c["status"]["capacity"]["storage"], c["spec"]["storageClassName"]) for c in d["items"] if c["metadata"]["namespace"] == "bob")')" \
    "pvc-nfshome-bob:Bound:2T:nfs-users gfs-sata-pvc-bob:Bound:10T:kadalu.gfs-sata-users gfs-sata-share-pvc-bob:Bound:10T:kadalu.gfs-sata-share gfs-nvme-pvc-share-bob:Bound:1T:kadalu.gfs-nvme-share"
is "... each bound to a volume" \
    "$(jget 'all(c["spec"]["volumeName"] == "pvc-" + c["metadata"]["uid"] and c["spec"]["accessModes"] == ["ReadWriteMany"] for c in d["items"])')" true

is "alice may not list nodes" "$(api GET /api/v1/nodes alice-token)" 403
is "... nor namespaces" "$(api GET /api/v1/namespaces alice-token)" 403
is "... but reads her claims" "$(api GET /api/v1/namespaces/alice/persistentvolumeclaims alice-token) $(jget 'len(d["items"])')" "200 4"
is "... and those of ml101, where she is bound too" "$(api GET /api/v1/namespaces/ml101/persistentvolumeclaims alice-token)" 200
is "bob may not list nodes" "$(api GET /api/v1/nodes bob-token)" 403
is "sched-sa lists nodes" "$(api GET /api/v1/nodes sched-sa-token)" 200
check "stops cleanly" sim_stop

cat >"$TMP/cluster.yaml" <<'EOF2'
nodeGroups:
- {names: [cp-a, cp-b], cpu: '8', memory: 16Gi,
   labels: {node-role.kubernetes.io/control-plane: ''}}
- {count: 2, namePrefix: w-, gpu: NVIDIA-GeForce-RTX-3090}
defaultQuotaName: user-quota
defaultQuota: {requests.nvidia.com/gpu: 2, requests.storage: 1Ti}
defaultClaims:
- {namePrefix: home-, storage: 100Gi, storageClassName: nfs}
namespaces:
- name: default
- name: kube-public
- name: u1
- name: u2
  quotaName: big
  quota: {requests.nvidia.com/gpu: '8', persistentvolumeclaims: '5'}
  claims:
  - {name: data, storage: 1Ti, accessModes: [ReadWriteOnce]}
  - {namePrefix: scratch-, storage: 5Gi}
- name: u3
  quota: null
  claims: []
users:
- {name: admin, token: admin-token, admin: true}
EOF2
check "a cluster file with defaults and claims starts" sim_start \
    --cluster "$TMP/cluster.yaml"
is "nodes named by list and by prefix" \
    "$(get_jget /api/v1/nodes admin-token '" ".join(n["metadata"]["name"] for n in d["items"])')" \
    "cp-a cp-b w-01 w-02"
is "defaultQuota in u1, u2's own, none in u3 nor the system namespaces" \
    "$(get_jget /api/v1/resourcequotas admin-token '" ".join("%s/%s:%s" % (q["metadata"]["namespace"], q["metadata"]["name"], q["spec"]["hard"]["requests.nvidia.com/gpu"]) for q in d["items"])')" \
    "u1/user-quota:2 u2/big:8"
is "defaultClaims in u1, u2's own, none in u3" \
    "$(get_jget /api/v1/persistentvolumeclaims admin-token '" ".join("%s/%s:%s:%s:%s" % (c["metadata"]["namespace"], c["metadata"]["name"], c["spec"]["resources"]["requests"]["storage"], ",".join(c["spec"]["accessModes"]), c["spec"].get("storageClassName", "-")) for c in d["items"])')" \
    "u1/home-u1:100Gi:ReadWriteMany:nfs u2/data:1Ti:ReadWriteOnce:- u2/scratch-u2:5Gi:ReadWriteMany:-"
is "quota counts them as claims" \
    "$(api GET /api/v1/namespaces/u2/resourcequotas/big >/dev/null; jget 'd["status"]["used"]["persistentvolumeclaims"]')" 2
check "stops cleanly" sim_stop

# bad DESCRIPTION NAME EXPECTED: one TAP line, ok when the cluster file
# $TMP/NAME.yaml is refused (exit 1) with a message naming the file and
# the key.
bad() {
	"$AILAB_KUBESIM" --listen 127.0.0.1:0 --cluster "$TMP/$2.yaml" \
	    >"$TMP/out" 2>"$TMP/err"
	_rc=$?
	[ $_rc -eq 1 ] && grep -qF "$TMP/$2.yaml: $3" "$TMP/err"
	_ok=$?
	[ $_ok -eq 0 ] ||
	    { echo "# exit $_rc, stderr:"; sed 's/^/#   /' "$TMP/err"; }
	ok "$1" $_ok
}
printf 'nodeGroups:\n- {names: cp-a}\n' >"$TMP/b1.yaml"
bad "names must be a list" b1 "nodeGroups[0]: 'names' must be a list of names"
printf 'namespaces:\n- {name: u, claims: [{name: x}]}\n' >"$TMP/b2.yaml"
bad "a claim needs its storage" b2 "namespaces[0].claims[0]: 'storage' must be a quantity"
printf 'defaultClaims:\n- {name: x, namePrefix: y-, storage: 1Gi}\nnamespaces: [{name: u}]\n' >"$TMP/b3.yaml"
bad "a claim has a name or a prefix" b3 "defaultClaims[0]: give one of 'name' and 'namePrefix'"
printf 'namespaces:\n- {name: u, claims: [{name: x, storage: 1Gi}, {name: x, storage: 2Gi}]}\n' >"$TMP/b4.yaml"
bad "claim names are unique in a namespace" b4 "namespaces[0].claims[1]: duplicate claim 'x' in 'u'"
printf 'namespaces:\n- {name: u, claims: {name: x}}\n' >"$TMP/b5.yaml"
bad "claims is a list" b5 "namespaces[0].claims: must be a list of claims"
printf 'defaultQuota: {requests.cpu: lots}\nnamespaces: [{name: u}]\n' >"$TMP/b6.yaml"
bad "defaultQuota's quantities are checked" b6 "defaultQuota.requests.cpu: bad quantity"
printf 'namespaces: [{name: u}, {name: u}]\n' >"$TMP/b7.yaml"
bad "namespaces are unique" b7 "namespaces[1]: duplicate namespace 'u'"
printf 'namespaces:\n- {name: u, claims: [{name: x, storage: 1Gi, accessModes: ReadWriteOnce}]}\n' >"$TMP/b8.yaml"
bad "accessModes is a list" b8 "namespaces[0].claims[0]: 'accessModes' must be a list"
printf 'namespaces:\n- {name: u, claims: [{name: x, storage: 1Gi, storageClassName: [a]}]}\n' >"$TMP/b9.yaml"
bad "storageClassName is a name" b9 "namespaces[0].claims[0]: 'storageClassName' must be a name"
finish
