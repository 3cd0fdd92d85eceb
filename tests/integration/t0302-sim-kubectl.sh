#!/bin/sh
# The real kubectl against ailab-kubesim over HTTPS, with the kubeconfig the
# simulator writes: get, -o json, --watch, create/apply/delete, logs, auth;
# on the built-in cluster, ailab as published: 3 control-plane nodes and 50
# workers, the admin chart's quota and claims, users who may not list nodes.
. "$top_srcdir/tests/sim/sim-lib.sh"
skip_unless "kubectl not installed" command -v kubectl
plan 48

check "openssl makes a CA and a server certificate" sim_tls
check "starts with TLS" sim_start_tls --speed 20
is "the kubeconfig is 0600" "$(stat -c %a "$KC")" 600

check "get nodes" ka get nodes
is "53 nodes and a header" "$(wc -l <"$TMP/out" | tr -d ' ')" 54
like "columns as kubectl prints them" "$TMP/out" '^NAME +STATUS +ROLES +AGE +VERSION$'
like "a control-plane node" "$TMP/out" '^ailab-master-1 +Ready +control-plane +[0-9]+s +v1.32.4$'
like "a Ready worker" "$TMP/out" '^ailab-4090d-01 +Ready +<none> +[0-9]+s +v1.32.4$'
check "get nodes -o json" ka get nodes -o json
is "-o json has 53 items" "$(jget 'len(d["items"])' "$TMP/out")" 53
is "the control plane is tainted NoSchedule" "$(jget '" ".join(t["key"] + ":" + t["effect"] for n in d["items"] if n["metadata"]["name"] == "ailab-master-2" for t in n["spec"]["taints"])' "$TMP/out")" \
    node-role.kubernetes.io/control-plane:NoSchedule
check "get nodes by GPU label" ka get nodes -l nvidia.com/gpu.product=NVIDIA-GeForce-RTX-3090 -o name
is "10 RTX 3090 nodes" "$(wc -l <"$TMP/out" | tr -d ' ')" 10
check "get nodes by the chart's gpu-model label" ka get nodes -l gpu-model=RTX4090D -o jsonpath='{.items[*].metadata.labels.nvidia\.com/gpu\.memory}'
is "20 RTX4090D nodes of 48 GB cards" "$(tr ' ' '\n' <"$TMP/out" | sort | uniq -c | sed 's/^ *//')" "20 49140"
fails "kubectl get nodes as alice fails" 1 k get nodes
like "... Forbidden, in the apiserver's words" "$TMP/err" \
    '^Error from server \(Forbidden\): nodes is forbidden: User "alice" cannot list resource "nodes" in API group "" at the cluster scope$'
check "get pods, none yet" k get pods
like "no resources" "$TMP/err" 'No resources found in alice namespace'
check "get quota" k get quota
like "the admin chart's quota" "$TMP/out" '^quota-cpu-mem-gpu-pvc +[0-9a-z]+ +count/pods: 0/10, requests.cpu: 0/56, requests.memory: 0/500Gi, requests.nvidia.com/gpu: 0/4, requests.storage: [0-9A-Za-z.]+/40T +limits.cpu: 0/56, limits.memory: 0/500Gi$'
check "get the standing claims" k get pvc -o jsonpath='{range .items[*]}{.metadata.name} {.status.phase} {.status.capacity.storage} {.spec.storageClassName}{"\n"}{end}'
is "... home and shares, Bound" "$(cat "$TMP/out")" "pvc-nfshome-alice Bound 2T nfs-users
gfs-sata-pvc-alice Bound 10T kadalu.gfs-sata-users
gfs-sata-share-pvc-alice Bound 10T kadalu.gfs-sata-share
gfs-nvme-pvc-share-alice Bound 1T kadalu.gfs-nvme-share"

check "create -f a Deployment" k create -f "$top_srcdir/tests/sim/web-deployment.yaml"
like "created" "$TMP/out" '^deployment.apps/web created$'
check "apply -f a Job" k apply -f "$top_srcdir/tests/sim/train-job.yaml"
like "job created" "$TMP/out" '^job.batch/train created$'
check "apply -f again" k apply -f "$top_srcdir/tests/sim/train-job.yaml"
# The live object holds quantities as canonical strings ("2"), the file the
# integer 2: kubectl sends that difference again, as against any cluster
# (kubernetes/kubernetes#66450), and the patch merges as a no-op.
like "configured" "$TMP/out" '^job.batch/train configured$'
ok_within "the Deployment becomes 2/2" 20 sh -c "kubectl --kubeconfig '$KC' --context alice get deploy web | grep -Eq '^web +2/2 +2 +2 '"
ok_within "the Job completes" 30 sh -c "kubectl --kubeconfig '$KC' --context alice get jobs train | grep -Eq '^train +Complete +2/2 '"
check "get pods -o wide" k get pods -o wide
like "a running web pod on a node" "$TMP/out" '^web-[a-z0-9]+-[a-z0-9]{5} +1/1 +Running +0 +[0-9a-z]+ +10\.244\.[0-9.]+ +ailab-'
like "completed indexed pods" "$TMP/out" '^train-1-[a-z0-9]{5} +0/1 +Completed +0 '
check "get quota counts the GPUs" k get quota
like "2 GPUs in use" "$TMP/out" 'requests.nvidia.com/gpu: 2/4'
POD=$(k get pods -l batch.kubernetes.io/job-completion-index=0 -o name)
check "logs of a finished pod" k logs "$POD"
like "log says it started" "$TMP/out" 'container train started'
like "log ends with the exit code" "$TMP/out" 'exiting with code 0$'
timeout 4 kubectl --kubeconfig "$KC" --context alice get pods --watch >"$TMP/watch" 2>&1
like "get --watch streams rows" "$TMP/watch" '^web-'
check "delete the Deployment" k delete deployment web
like "deleted" "$TMP/out" '^deployment.apps "web" deleted$'
check "auth whoami" k auth whoami
like "whoami names alice" "$TMP/out" '^Username +alice$'
check "auth can-i create pods" k auth can-i create pods
fails "auth can-i in bob's namespace" 1 k auth can-i create pods -n bob
fails "get pods in bob's namespace" 1 k get pods -n bob
like "the Forbidden message" "$TMP/err" 'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "bob"'
finish
