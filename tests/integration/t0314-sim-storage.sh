#!/bin/sh
# Storage in ailab-kubesim: StorageClasses (kubectl, python3-kubernetes),
# WaitForFirstConsumer and Immediate binding, the scheduler's claim checks,
# claim protection, ephemeral volumes and their collection, storage quota
# in the apiserver's words, and terminal pods against the pods quota; on
# the roomy cluster (mechanics), then on a file's own classes and on the
# built-in cluster (ailab's quota and standing claims).
. "$top_srcdir/tests/sim/sim-lib.sh"
plan 90

check "openssl makes a CA and a server certificate" sim_tls
check "starts with TLS" sim_start_tls --cluster "$FIXTURES/sim-roomy.yaml" \
    --speed 20 --seed 3
NS=/api/v1/namespaces
# claim NAME CLASS SIZE [MODE]: a PersistentVolumeClaim body.
claim() {
	printf '{"metadata":{"name":"%s"},"spec":{"accessModes":["%s"],%s"resources":{"requests":{"storage":"%s"}}}}' \
	    "$1" "${4:-ReadWriteOnce}" "${2:+\"storageClassName\":\"$2\",}" "$3"
}
# pod NAME VOLUMES-JSON [GPUS]: a pod that runs until deleted.
pod() {
	printf '{"metadata":{"name":"%s","annotations":{"ailab-kubesim.io/duration":"forever"}},"spec":{"volumes":%s,"containers":[{"name":"c","image":"busybox","resources":{"limits":{"cpu":"1","memory":"1Gi","nvidia.com/gpu":"%s"}}}]}}' \
	    "$1" "$2" "${3:-0}"
}
pvcvol() { printf '[{"name":"v","persistentVolumeClaim":{"claimName":"%s"}}]' "$1"; }
getpvc() { api GET "$NS/$1/persistentvolumeclaims/$2" >/dev/null; }
getpod() { api GET "$NS/$1/pods/$2" >/dev/null; }
phase_is() { getpvc "$1" "$2"; jget 'd["status"]["phase"]' | grep -qx "$3"; }
pod_phase_is() { getpod "$1" "$2"; jget 'd["status"]["phase"]' | grep -qx "$3"; }
gone() { [ "$(api GET "$1")" = 404 ]; }
# events NS: "object reason message" lines of a namespace's events.
events() { get_jget "$NS/$1/events" admin-token '"\n".join(e["involvedObject"]["name"]+" "+e["reason"]+" "+e["message"] for e in d["items"])' >"$TMP/events"; }
has_event() { events "$1"; grep -qxF "$2" "$TMP/events"; }
PREEMPT='preemption: 0/50 nodes are available: 50 Preemption is not helpful for scheduling.'

# StorageClasses: discovery, kubectl, rights.
is "storage.k8s.io/v1 serves storageclasses" "$(get_jget /apis/storage.k8s.io/v1 admin-token '[r["name"]+":"+str(r["namespaced"])+":"+",".join(r.get("shortNames",[])) for r in d["resources"]]')" '["storageclasses:False:sc"]'
check "kubectl get storageclass" ka get storageclass
like "columns as kubectl prints them" "$TMP/out" '^NAME +PROVISIONER +RECLAIMPOLICY +VOLUMEBINDINGMODE +ALLOWVOLUMEEXPANSION +AGE$'
like "rancher-local-path waits for a consumer" "$TMP/out" '^rancher-local-path +rancher.io/local-path +Delete +WaitForFirstConsumer +false +[0-9][0-9a-z]*$'
like "kadalu classes bind at once and expand" "$TMP/out" '^kadalu.gfs-sata-users +kadalu +Delete +Immediate +true '
is "ailab's five classes" "$(tail -n +2 "$TMP/out" | awk '{print $1}' | sort | tr '\n' ' ')" \
    "kadalu.gfs-nvme-share kadalu.gfs-sata-share kadalu.gfs-sata-users nfs-users rancher-local-path "
is "a student may not create one" "$(api POST /apis/storage.k8s.io/v1/storageclasses alice-token '{"metadata":{"name":"x"},"provisioner":"p"}'; jget 'd["message"]')" \
    '403storageclasses.storage.k8s.io is forbidden: User "alice" cannot create resource "storageclasses" in API group "storage.k8s.io" at the cluster scope'
is "a class needs a provisioner" "$(api POST /apis/storage.k8s.io/v1/storageclasses admin-token '{"metadata":{"name":"x"},"volumeBindingMode":"Later"}'; jget 'd["message"]')" \
    '422StorageClass.storage.k8s.io "x" is invalid: [provisioner: Required value, volumeBindingMode: Unsupported value: "Later": supported values: "Immediate", "WaitForFirstConsumer"]'

# Claims: validation, Immediate binding, unknown class, no class.
is "a claim without modes or size" "$(api POST "$NS/alice/persistentvolumeclaims" alice-token '{"metadata":{"name":"bad"},"spec":{}}'; jget 'd["message"]')" \
    '422PersistentVolumeClaim "bad" is invalid: [spec.accessModes: Required value: at least 1 access mode is required, spec.resources[storage]: Required value]'
is "an nfs-users claim" "$(api POST "$NS/alice/persistentvolumeclaims" alice-token "$(claim home nfs-users 2T ReadWriteMany)")" 201
is "it is Pending, protected" "$(jget 'd["status"]["phase"]+" "+",".join(d["metadata"]["finalizers"])')" "Pending kubernetes.io/pvc-protection"
ok_within "Immediate: it binds at once" 10 phase_is alice home Bound
is "with its volume's size and modes" "$(jget '[d["spec"]["volumeName"]=="pvc-"+d["metadata"]["uid"], d["status"]["capacity"]["storage"], d["status"]["accessModes"]]')" '[true, "2T", ["ReadWriteMany"]]'
api GET "/api/v1/persistentvolumes/$(jget 'd["spec"]["volumeName"]')" >/dev/null
is "the volume names its claim" "$(jget '[d["spec"]["claimRef"]["namespace"]+"/"+d["spec"]["claimRef"]["name"], d["spec"]["storageClassName"], d["status"]["phase"], "nodeAffinity" in d["spec"]]')" '["alice/home", "nfs-users", "Bound", false]'
api POST "$NS/alice/persistentvolumeclaims" alice-token "$(claim odd no-such-class 1Gi)" >/dev/null
ok_within "an unknown class: ProvisioningFailed" 10 has_event alice 'odd ProvisioningFailed storageclass.storage.k8s.io "no-such-class" not found'
is "... and it stays Pending" "$(getpvc alice odd; jget 'd["status"]["phase"]')" Pending
api POST "$NS/alice/persistentvolumeclaims" alice-token "$(claim plain '' 1Gi)" >/dev/null
ok_within "no class and no default: FailedBinding" 10 has_event alice 'plain FailedBinding no persistent volumes available for this claim and no storage class is set'

# WaitForFirstConsumer: Pending until its pod is scheduled.
api POST "$NS/alice/persistentvolumeclaims" alice-token "$(claim scratch rancher-local-path 100Gi)" >/dev/null
ok_within "a local-path claim waits for its consumer" 10 has_event alice 'scratch WaitForFirstConsumer waiting for first consumer to be created before binding'
is "... Pending, no node chosen" "$(getpvc alice scratch; jget '[d["status"]["phase"], "volume.kubernetes.io/selected-node" in d["metadata"].get("annotations",{})]')" '["Pending", false]'
is "a pod mounting it and the home claim" "$(api POST "$NS/alice/pods" alice-token "$(pod w1 '[{"name":"s","persistentVolumeClaim":{"claimName":"scratch"}},{"name":"h","persistentVolumeClaim":{"claimName":"home"}}]')")" 201
ok_within "the pod runs" 10 pod_phase_is alice w1 Running
NODE=$(jget 'd["spec"]["nodeName"]')
getpvc alice scratch
is "the claim is Bound on the pod's node" "$(jget 'd["status"]["phase"]+" "+d["metadata"]["annotations"]["volume.kubernetes.io/selected-node"]')" "Bound $NODE"
api GET "/api/v1/persistentvolumes/$(jget 'd["spec"]["volumeName"]')" >/dev/null
is "its volume is pinned to that node" "$(jget 'd["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"][0]["matchExpressions"][0]')" \
    "{\"key\": \"kubernetes.io/hostname\", \"operator\": \"In\", \"values\": [\"$NODE\"]}"
is "provisioned by rancher.io/local-path" "$(jget 'd["metadata"]["annotations"]["pv.kubernetes.io/provisioned-by"]+" "+d["spec"]["persistentVolumeReclaimPolicy"]')" "rancher.io/local-path Delete"
check "kubectl get pvc" ka get pvc -n alice
like "a Bound row as kubectl prints it" "$TMP/out" "^scratch +Bound +pvc-[0-9a-f-]+ +100Gi +RWO +rancher-local-path +<unset> +[0-9][0-9a-z]*$"
check "kubectl get pv" ka get pv
like "the volume row names the claim" "$TMP/out" "^pvc-[0-9a-f-]+ +2T +RWX +Delete +Bound +alice/home +nfs-users +<unset> +[0-9][0-9a-z]*$"

# The scheduler and claims.
api POST "$NS/alice/persistentvolumeclaims" alice-token "$(claim wait rancher-local-path 1Gi)" >/dev/null
api POST "$NS/alice/pods" alice-token "$(pod huge "$(pvcvol wait)" 9)" >/dev/null
ok_within "a claim whose pod cannot be placed: WaitForPodScheduled" 10 has_event alice 'wait WaitForPodScheduled waiting for pod huge to be scheduled'
is "... and it stays Pending" "$(getpvc alice wait; jget 'd["status"]["phase"]')" Pending
api DELETE "$NS/alice/pods/huge" alice-token >/dev/null
api POST "$NS/alice/pods" alice-token "$(pod lost "$(pvcvol missing)")" >/dev/null
unsched() { getpod alice "$1"; jget '[c["message"] for c in d["status"]["conditions"] if c["type"]=="PodScheduled"][0]' >"$TMP/why"; grep -qxF "$2" "$TMP/why"; }
ok_within "a missing claim: the scheduler's message" 10 unsched lost "0/50 nodes are available: persistentvolumeclaim \"missing\" not found. $PREEMPT"
api POST "$NS/alice/pods" alice-token "$(pod stuck "$(pvcvol odd)")" >/dev/null
ok_within "an unbound Immediate claim" 10 unsched stuck "0/50 nodes are available: pod has unbound immediate PersistentVolumeClaims. $PREEMPT"
api POST "$NS/alice/persistentvolumeclaims" alice-token "$(claim missing kadalu.gfs-nvme-share 1T ReadWriteMany)" >/dev/null
ok_within "once the claim exists the pod runs" 10 pod_phase_is alice lost Running
api POST "$NS/alice/pods" alice-token "$(pod w2 "$(pvcvol scratch)" 8)" >/dev/null
ok_within "a second pod of the local claim runs" 10 pod_phase_is alice w2 Running
is "... on the volume's node" "$(jget 'd["spec"]["nodeName"]')" "$NODE"
api POST "$NS/alice/pods" alice-token "$(pod w3 "$(pvcvol scratch)" 1)" >/dev/null
ok_within "a third finds its node full" 10 unsched w3 "0/50 nodes are available: 1 Insufficient nvidia.com/gpu, 49 node(s) didn't satisfy plugin(s) [VolumeBinding]. $PREEMPT"

# Claim protection.
api DELETE "$NS/alice/persistentvolumeclaims/scratch" alice-token >/dev/null
is "deleting a claim in use keeps it" "$(getpvc alice scratch; jget '["deletionTimestamp" in d["metadata"], d["status"]["phase"]]')" '[true, "Bound"]'
PV=$(jget 'd["spec"]["volumeName"]')
ok_within "pods of a claim being deleted wait" 10 unsched w3 "0/50 nodes are available: persistentvolumeclaim \"scratch\" is being deleted. $PREEMPT"
for p in w1 w2 w3; do api DELETE "$NS/alice/pods/$p" alice-token >/dev/null; done
ok_within "once its pods are gone the claim goes" 10 gone "$NS/alice/persistentvolumeclaims/scratch"
ok_within "... and its volume (reclaimPolicy Delete)" 10 gone "/api/v1/persistentvolumes/$PV"

# Generic ephemeral volumes.
EPH='[{"name":"scr","ephemeral":{"volumeClaimTemplate":{"metadata":{"labels":{"app":"e"}},"spec":{"accessModes":["ReadWriteOnce"],"storageClassName":"%s","resources":{"requests":{"storage":"%s"}}}}}}]'
# shellcheck disable=SC2059
api POST "$NS/alice/pods" alice-token "$(pod e1 "$(printf "$EPH" rancher-local-path 50Gi)")" >/dev/null
ok_within "a pod with an ephemeral volume runs" 10 pod_phase_is alice e1 Running
E1NODE=$(jget 'd["spec"]["nodeName"]')
E1UID=$(jget 'd["metadata"]["uid"]')
getpvc alice e1-scr
is "its claim <pod>-<volume> is owned by the pod" "$(jget '[(r["kind"], r["name"], r["uid"], r["controller"], r["blockOwnerDeletion"]) for r in d["metadata"]["ownerReferences"]]')" \
    "[[\"Pod\", \"e1\", \"$E1UID\", true, true]]"
is "from the template, bound on the pod's node" "$(jget 'd["metadata"]["labels"]["app"]+" "+d["status"]["phase"]+" "+d["metadata"]["annotations"]["volume.kubernetes.io/selected-node"]')" "e Bound $E1NODE"
api DELETE "$NS/alice/pods/e1" alice-token >/dev/null
ok_within "deleting the pod collects its claim" 10 gone "$NS/alice/persistentvolumeclaims/e1-scr"
api POST "$NS/alice/persistentvolumeclaims" alice-token "$(claim e2-scr rancher-local-path 1Gi)" >/dev/null
# shellcheck disable=SC2059
api POST "$NS/alice/pods" alice-token "$(pod e2 "$(printf "$EPH" rancher-local-path 1Gi)")" >/dev/null
ok_within "a claim of that name not the pod's: FailedBinding" 10 has_event alice 'e2 FailedBinding ephemeral volume scr: PVC alice/e2-scr was not created for pod alice/e2 (pod is not owner)'
ok_within "... and the pod does not start" 10 unsched e2 "0/50 nodes are available: PVC alice/e2-scr was not created for pod alice/e2 (pod is not owner). $PREEMPT"

# A default class, given to new claims and to old ones without a class.
api PATCH /apis/storage.k8s.io/v1/storageclasses/nfs-users admin-token '{"metadata":{"annotations":{"storageclass.kubernetes.io/is-default-class":"true"}}}' application/merge-patch+json >/dev/null
check "kubectl marks the default class" ka get sc nfs-users
like "nfs-users (default)" "$TMP/out" '^nfs-users \(default\) +k8s-sigs.io/nfs-subdir-external-provisioner '
ok_within "the claim with no class gets it and binds" 10 phase_is alice plain Bound
is "... class nfs-users" "$(jget 'd["spec"]["storageClassName"]')" nfs-users
is "a new claim without a class" "$(api POST "$NS/alice/persistentvolumeclaims" alice-token "$(claim later '' 1Gi ReadWriteMany)"; jget 'd["spec"]["storageClassName"]')" 201nfs-users

# Storage quota, as the admin chart sets it.
is "ailab's quota in bob" "$(api POST "$NS/bob/resourcequotas" admin-token '{"metadata":{"name":"quota-cpu-mem-gpu-pvc"},"spec":{"hard":{"requests.storage":"40T","count/pods":"10","persistentvolumeclaims":"8","rancher-local-path.storageclass.storage.k8s.io/requests.storage":"1Ti"}}}')" 201
is "the standing claims (defaultClaims), Bound" "$(get_jget "$NS/bob/persistentvolumeclaims" admin-token '" ".join(c["metadata"]["name"]+":"+c["spec"]["storageClassName"]+":"+c["status"]["capacity"]["storage"] for c in d["items"] if c["status"]["phase"]=="Bound")')" \
    "pvc-nfshome-bob:nfs-users:2T gfs-sata-pvc-bob:kadalu.gfs-sata-users:10T gfs-sata-share-pvc-bob:kadalu.gfs-sata-share:10T gfs-nvme-pvc-share-bob:kadalu.gfs-nvme-share:1T"
api POST "$NS/bob/persistentvolumeclaims" bob-token "$(claim data kadalu.gfs-sata-users 15T ReadWriteMany)" >/dev/null
is "a claim past requests.storage: 403" "$(api POST "$NS/bob/persistentvolumeclaims" bob-token "$(claim big kadalu.gfs-nvme-share 2Ti ReadWriteMany)"; jget 'd["message"]')" \
    '403persistentvolumeclaims "big" is forbidden: exceeded quota: quota-cpu-mem-gpu-pvc, requested: requests.storage=2Ti, used: requests.storage=38T, limited: requests.storage=40T'
is "a class-scoped limit" "$(api POST "$NS/bob/persistentvolumeclaims" bob-token "$(claim loc rancher-local-path 2Ti)"; jget 'd["message"]')" \
    '403persistentvolumeclaims "loc" is forbidden: exceeded quota: quota-cpu-mem-gpu-pvc, requested: rancher-local-path.storageclass.storage.k8s.io/requests.storage=2Ti,requests.storage=2Ti, used: rancher-local-path.storageclass.storage.k8s.io/requests.storage=0,requests.storage=38T, limited: rancher-local-path.storageclass.storage.k8s.io/requests.storage=1Ti,requests.storage=40T'
used_is() { api GET "$NS/$1/resourcequotas/$2" >/dev/null; jget "$3" | grep -qxF "$4"; }
ok_within "status.used counts the claims" 10 used_is bob quota-cpu-mem-gpu-pvc 'd["status"]["used"]["requests.storage"]+" "+d["status"]["used"]["persistentvolumeclaims"]' "38T 5"
# shellcheck disable=SC2059
api POST "$NS/bob/pods" bob-token "$(pod eq "$(printf "$EPH" kadalu.gfs-nvme-share 5T)")" >/dev/null
ok_within "an ephemeral claim past the quota: the controller's event" 10 has_event bob \
    'eq FailedBinding ephemeral volume scr: create PVC eq-scr: persistentvolumeclaims "eq-scr" is forbidden: exceeded quota: quota-cpu-mem-gpu-pvc, requested: requests.storage=5T, used: requests.storage=38T, limited: requests.storage=40T'
unsched_bob() { getpod bob eq; jget '[c["message"] for c in d["status"]["conditions"] if c["type"]=="PodScheduled"][0]' | grep -qxF "$1"; }
ok_within "... the pod waits for the ephemeral volume controller" 10 unsched_bob "0/50 nodes are available: waiting for ephemeral volume controller to create the persistentvolumeclaim \"eq-scr\". $PREEMPT"
api DELETE "$NS/bob/persistentvolumeclaims/data" bob-token >/dev/null
ok_within "once storage frees, the claim is made and the pod runs" 40 pod_phase_is bob eq Running

# Terminal pods and the pods quota (QuotaV1Pod): count/pods counts them.
api POST "$NS/carol/resourcequotas" admin-token '{"metadata":{"name":"pod-count"},"spec":{"hard":{"pods":"1","count/pods":"2"}}}' >/dev/null
api POST "$NS/carol/pods" carol-token '{"metadata":{"name":"done","annotations":{"ailab-kubesim.io/duration":"2s"}},"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"busybox"}]}}' >/dev/null
ok_within "a pod that finishes" 10 pod_phase_is carol done Succeeded
is "a second pod fits: the finished one is not in pods" "$(api POST "$NS/carol/pods" carol-token '{"metadata":{"name":"next"},"spec":{"containers":[{"name":"c","image":"busybox"}]}}')" 201
ok_within "status.used: pods 1, count/pods 2" 10 used_is carol pod-count 'd["status"]["used"]["pods"]+" "+d["status"]["used"]["count/pods"]' "1 2"
is "a third is refused in the apiserver's words" "$(api POST "$NS/carol/pods" carol-token '{"metadata":{"name":"third"},"spec":{"containers":[{"name":"c","image":"busybox"}]}}'; jget 'd["message"]')" \
    '403pods "third" is forbidden: exceeded quota: pod-count, requested: count/pods=1,pods=1, used: count/pods=2,pods=1, limited: count/pods=2,pods=1'

# The simulator's own record, and the python client.
is "/sim/state has classes and volumes" "$(get_jget /sim/state admin-token '[len(d["storageclasses"]), all(v["status"]["phase"]=="Bound" for v in d["persistentvolumes"])]')" '[5, true]'
is "/sim/audit: alice and bob created claims, the controller's are not theirs" "$(get_jget /sim/audit admin-token '[len([e for e in d["items"] if e["resource"]=="persistentvolumeclaims" and e["verb"]=="create" and e["user"]==u]) for u in ("alice", "bob")]')" \
    '[9, 3]'
if /usr/bin/python3 -c 'import kubernetes' 2>/dev/null; then
	timeout 60 /usr/bin/python3 - "$KC" >"$TMP/py" 2>"$TMP/pyerr" <<'EOF'
import sys
from kubernetes import client, config
config.load_kube_config(config_file=sys.argv[1], context="alice")
sc = client.StorageV1Api().list_storage_class()
print(" ".join(sorted(c.metadata.name + ":" + c.volume_binding_mode
                      for c in sc.items)))
v1 = client.CoreV1Api()
pvcs = v1.list_namespaced_persistent_volume_claim("alice")
print(" ".join(sorted(c.metadata.name + ":" + c.status.phase
                      for c in pvcs.items if c.metadata.name in
                      ("home", "plain", "odd"))))
print(len([v for v in v1.list_persistent_volume().items
           if v.spec.claim_ref.namespace == "alice"]) > 0)
EOF
	sed 's/^/# /' "$TMP/pyerr"
	is "python3-kubernetes lists the classes" "$(sed -n 1p "$TMP/py")" \
	    "kadalu.gfs-nvme-share:Immediate kadalu.gfs-sata-share:Immediate kadalu.gfs-sata-users:Immediate nfs-users:Immediate rancher-local-path:WaitForFirstConsumer"
	is "... the claims" "$(sed -n 2p "$TMP/py")" "home:Bound odd:Pending plain:Bound"
	is "... and, as alice, the volumes (ailab's PV role)" "$(sed -n 3p "$TMP/py")" True
else
	for i in 1 2 3; do ok "python3-kubernetes # SKIP not installed" 0; done
fi
check "stops cleanly" sim_stop

# A cluster file's own classes replace ailab's; ailab's users (clusterRead
# false) read volumes but not classes.
printf '%s\n' 'storageClasses:' '- {name: fast}' >"$TMP/bad.yaml"
"$AILAB_KUBESIM" --listen 127.0.0.1:0 --cluster "$TMP/bad.yaml" \
    >"$TMP/out" 2>"$TMP/err"
is "a class without a provisioner (exit 1)" "$?" 1
like "... the message names the file and the class" "$TMP/err" \
    'bad.yaml: storageClasses\[0\]: StorageClass.storage.k8s.io "fast" is invalid: provisioner: Required value'
cat >"$TMP/cluster.yaml" <<'EOF2'
nodeGroups:
- {count: 2, namePrefix: n-, gpu: NVIDIA-GeForce-RTX-4090, gpuCount: 8}
namespaces:
- name: alice
  quota: {requests.storage: 3T}
  claims:
  - {name: pvc-nfshome-alice, storageClassName: fast, storage: 2T}
storageClasses:
- name: fast
  provisioner: example.com/fast
  metadata: {annotations: {storageclass.kubernetes.io/is-default-class: "true"}}
users:
- {name: admin, token: admin-token, admin: true}
- {name: alice, token: alice-token, namespaces: [alice], clusterRead: false}
EOF2
check "starts with its own class" sim_start --cluster "$TMP/cluster.yaml"
is "only that class, marked default" "$(api GET /apis/storage.k8s.io/v1/storageclasses; jget '[(c["metadata"]["name"], c["volumeBindingMode"], c["reclaimPolicy"]) for c in d["items"]]')" \
    '200[["fast", "Immediate", "Delete"]]'
is "the file's claim is Bound at start, quietly" "$(api GET "$NS/alice/persistentvolumeclaims"; jget '[(c["metadata"]["name"], c["status"]["phase"], c["spec"]["accessModes"]) for c in d["items"]]'; api GET "$NS/alice/events" >/dev/null; jget 'len(d["items"])')" \
    '200[["pvc-nfshome-alice", "Bound", ["ReadWriteMany"]]]
0'
is "a claim without a class gets it" "$(api POST "$NS/alice/persistentvolumeclaims" alice-token "$(claim c '' 1Gi)"; jget 'd["spec"]["storageClassName"]')" 201fast
ok_within "... and binds" 10 phase_is alice c Bound
is "alice may not list classes" "$(api GET /apis/storage.k8s.io/v1/storageclasses alice-token; jget 'd["message"]')" \
    '403storageclasses.storage.k8s.io is forbidden: User "alice" cannot list resource "storageclasses" in API group "storage.k8s.io" at the cluster scope'
is "but may list volumes" "$(api GET /api/v1/persistentvolumes alice-token; jget 'len(d["items"])')" 2002
is "not delete one" "$(api DELETE "/api/v1/persistentvolumes/$(jget 'd["items"][0]["metadata"]["name"]' 2>/dev/null || echo x)" alice-token)" 403
check "stops cleanly" sim_stop

# The built-in cluster: ailab's quota and standing claims, with volumes.
check "the built-in cluster starts" sim_start
is "carol's four standing claims are Bound" "$(get_jget "$NS/carol/persistentvolumeclaims" admin-token '[c["metadata"]["name"] for c in d["items"] if c["status"]["phase"]=="Bound"]')" \
    '["pvc-nfshome-carol", "gfs-sata-pvc-carol", "gfs-sata-share-pvc-carol", "gfs-nvme-pvc-share-carol"]'
api GET "/api/v1/persistentvolumes/$(jget 'd["items"][0]["spec"]["volumeName"]')" >/dev/null
is "... with their volumes" "$(jget '[d["spec"]["claimRef"]["namespace"]+"/"+d["spec"]["claimRef"]["name"], d["spec"]["capacity"]["storage"], d["status"]["phase"]]')" \
    '["carol/pvc-nfshome-carol", "2T", "Bound"]'
ok_within "the quota counts them: requests.storage 23T" 10 used_is carol quota-cpu-mem-gpu-pvc 'd["status"]["used"]["requests.storage"]' 23T
is "a claim past ailab's 40T" "$(api POST "$NS/carol/persistentvolumeclaims" carol-token "$(claim big kadalu.gfs-sata-users 18T ReadWriteMany)"; jget 'd["message"]')" \
    '403persistentvolumeclaims "big" is forbidden: exceeded quota: quota-cpu-mem-gpu-pvc, requested: requests.storage=18T, used: requests.storage=23T, limited: requests.storage=40T'
# shellcheck disable=SC2059
api POST "$NS/carol/pods" carol-token "$(pod s1 "$(printf "$EPH" rancher-local-path 100Gi)")" >/dev/null
ok_within "a pod with 100Gi of scratch runs" 20 pod_phase_is carol s1 Running
ok_within "... and its claim counts: 23T and 100Gi" 10 used_is carol quota-cpu-mem-gpu-pvc 'd["status"]["used"]["requests.storage"]' 23107374182400
check "stops cleanly" sim_stop
finish
