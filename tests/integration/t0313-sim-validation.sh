#!/bin/sh
# ailab-kubesim as strict as a 1.32 API server, through the real kubectl and
# the API: container resources (GPU request and limit, whole GPUs, cpu
# request under limit), fieldValidation (Strict, Warn, Ignore), immutable
# selectors and Job templates, QoS classes, imagePullPolicy and toleration
# defaults, LimitRanges/Endpoints/EndpointSlices, and node loss: taint
# eviction after 300 simulated seconds, pods Terminating, Jobs with
# podReplacementPolicy Failed waiting for them.
. "$top_srcdir/tests/sim/sim-lib.sh"
skip_unless "kubectl not installed" command -v kubectl
plan 74

check "openssl makes a CA and a server certificate" sim_tls
# A cluster of its own: quotas that ask only for requests, room for all.
cat >"$TMP/cluster.yaml" <<'EOF'
nodeGroups:
- {count: 6, namePrefix: gpu-, gpu: NVIDIA-GeForce-RTX-4090, gpuCount: 8,
   cpu: "64", memory: 512Gi}
namespaces:
- name: alice
  quota: {requests.nvidia.com/gpu: "16", requests.cpu: "128",
          requests.memory: 1Ti, pods: "100"}
- name: bob
  quota: {requests.nvidia.com/gpu: "8", requests.cpu: "64",
          requests.memory: 512Gi, pods: "50"}
users:
- {name: alice, token: alice-token, namespaces: [alice]}
- {name: bob, token: bob-token, namespaces: [bob]}
- {name: admin, token: admin-token, admin: true}
EOF
check "starts with TLS" sim_start_tls --speed 1 --cluster "$TMP/cluster.yaml"
# pod NAME RESOURCES [IMAGE]: a pod manifest (YAML) on stdout.
pod() {
	cat <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: $1
  annotations: {ailab-kubesim.io/duration: forever}
spec:
  containers:
  - name: c
    image: ${3:-busybox:1.36}
    resources: $2
EOF
}
# field NAME JSON-EXPR: the expression over alice's pod NAME.
field() { get_jget "/api/v1/namespaces/alice/pods/$1" alice-token "$2"; }

# Container resources: GPUs whole, request = limit, cpu request <= limit.
pod gpu-bad '{requests: {cpu: 1, memory: 1Gi, nvidia.com/gpu: 2}, limits: {nvidia.com/gpu: 1}}' >"$TMP/gpu-bad.yaml"
fails "apply a pod whose GPU request is not its limit" 1 k apply -f "$TMP/gpu-bad.yaml"
like "kubectl prints the 422" "$TMP/err" '^The Pod "gpu-bad" is invalid: spec.containers\[0\].resources.requests: Invalid value: "2": must be equal to nvidia.com/gpu limit of 1$'
is "the API answers 422" "$(api POST /api/v1/namespaces/alice/pods alice-token "$($PY -c 'import json,sys,yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))' "$TMP/gpu-bad.yaml")")" 422
is "an Invalid Status with its cause" "$(jget 'd["kind"]+" "+d["reason"]+" "+d["details"]["causes"][0]["reason"]+" "+d["details"]["causes"][0]["field"]')" "Status Invalid FieldValueInvalid spec.containers[0].resources.requests"
is "a GPU request without a limit" "$(api POST /api/v1/namespaces/alice/pods alice-token '{"metadata":{"name":"g2"},"spec":{"containers":[{"name":"c","image":"x","resources":{"requests":{"cpu":"1","memory":"1Gi","nvidia.com/gpu":"1"}}}]}}')" 422
is "needs one" "$(jget 'd["message"]')" 'Pod "g2" is invalid: spec.containers[0].resources.limits: Required value: Limit must be set for non overcommitable resources'
is "half a GPU" "$(api POST /api/v1/namespaces/alice/pods alice-token '{"metadata":{"name":"g3"},"spec":{"containers":[{"name":"c","image":"x","resources":{"requests":{"cpu":"1","memory":"1Gi"},"limits":{"nvidia.com/gpu":"0.5"}}}]}}')" 422
is "is not whole" "$(jget 'd["message"]')" 'Pod "g3" is invalid: spec.containers[0].resources.limits[nvidia.com/gpu]: Invalid value: "500m": must be an integer'
is "a cpu request over its limit" "$(api POST /api/v1/namespaces/alice/pods alice-token '{"metadata":{"name":"g4"},"spec":{"containers":[{"name":"c","image":"x","resources":{"requests":{"cpu":"2","memory":"1Gi"},"limits":{"cpu":"1500m"}}}]}}')" 422
is "is refused" "$(jget 'd["message"]')" 'Pod "g4" is invalid: spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1500m'
is "a Deployment's template too" "$(api POST /apis/apps/v1/namespaces/alice/deployments alice-token '{"metadata":{"name":"d1"},"spec":{"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"x","resources":{"requests":{"rdma/rdma_shared_device_a":"1"},"limits":{"rdma/rdma_shared_device_a":"2"}}}]}}}}')" 422
is "named by its path" "$(jget 'd["message"]')" 'Deployment.apps "d1" is invalid: spec.template.spec.containers[0].resources.requests: Invalid value: "1": must be equal to rdma/rdma_shared_device_a limit of 2'

# fieldValidation: kubectl asks for Strict by default.
cat >"$TMP/typo.yaml" <<'EOF'
apiVersion: v1
kind: Pod
metadata: {name: typo}
spec:
  containers:
  - name: c
    imagee: busybox
    image: busybox
    resources: {requests: {cpu: 100m, memory: 64Mi}}
EOF
fails "create --validate=strict of a misspelt field" 1 k create --validate=strict -f "$TMP/typo.yaml"
like "the strict decoding error" "$TMP/err" '^Error from server \(BadRequest\): error when creating ".*typo.yaml": Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.containers\[0\].imagee"$'
fails "kubectl's default is strict too" 1 k create -f "$TMP/typo.yaml"
check "create --validate=warn" k create --validate=warn -f "$TMP/typo.yaml"
like "prints the server's warning" "$TMP/err" '^Warning: unknown field "spec.containers\[0\].imagee"$'
is "and the field is dropped" "$(field typo '"imagee" in d["spec"]["containers"][0]')" false
TYPO='{"metadata":{"name":"typo2","labelz":{}},"spec":{"containers":[{"name":"c","image":"x","resources":{"requests":{"cpu":"1","memory":"1Gi"}}}]}}'
is "without fieldValidation (Warn)" "$(api POST /api/v1/namespaces/alice/pods alice-token "$TYPO")" 201
like "a Warning header" "$TMP/headers" '^Warning: 299 - "unknown field \\"metadata.labelz\\""'
is "Ignore" "$(api POST '/api/v1/namespaces/alice/pods?fieldValidation=Ignore' alice-token "$(echo "$TYPO" | sed 's/typo2/typo3/')")" 201
unlike "warns of nothing" "$TMP/headers" '^Warning'
is "Strict over the API" "$(api POST '/api/v1/namespaces/alice/pods?fieldValidation=Strict' alice-token "$(echo "$TYPO" | sed 's/typo2/typo4/')")" 400
is "is BadRequest" "$(jget 'd["reason"]+": "+d["message"]')" 'BadRequest: Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "metadata.labelz"'
is "an unknown directive" "$(api POST '/api/v1/namespaces/alice/pods?fieldValidation=strict' alice-token "$TYPO")" 422

# Immutable fields.
check "create a Deployment" k create -f "$top_srcdir/tests/sim/web-deployment.yaml"
sed 's/app: web}/app: web2}/' "$top_srcdir/tests/sim/web-deployment.yaml" >"$TMP/web2.yaml"
fails "its selector cannot change" 1 k apply -f "$TMP/web2.yaml"
like "field is immutable" "$TMP/err" '^The Deployment "web" is invalid: spec.selector: Invalid value: v1.LabelSelector\{MatchLabels:map\[string\]string\{"app":"web2"\}, MatchExpressions:\[\]v1.LabelSelectorRequirement\(nil\)\}: field is immutable$'
is "the selector is kept" "$(get_jget /apis/apps/v1/namespaces/alice/deployments/web alice-token 'd["spec"]["selector"]')" '{"matchLabels": {"app": "web"}}'
check "create a Job" k create -f "$top_srcdir/tests/sim/train-job.yaml"
is "its template cannot change" "$(api PATCH /apis/batch/v1/namespaces/alice/jobs/train alice-token '{"spec":{"template":{"spec":{"restartPolicy":"OnFailure"}}}}' application/merge-patch+json)" 422
is "field is immutable" "$(jget 'd["message"]')" 'Job.batch "train" is invalid: spec.template: Invalid value: core.PodTemplateSpec{...}: field is immutable'
IMG=$(k get job train -o 'jsonpath={.spec.template.spec.containers[0].image}')
check "a strategic patch merges containers by name" k patch job train -p "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"train\",\"image\":\"$IMG\"}]}}}}"

# QoS classes, imagePullPolicy and toleration defaults.
pod qos-g '{requests: {cpu: 1, memory: 1Gi}, limits: {cpu: 1, memory: 1Gi, nvidia.com/gpu: 1}}' busybox | k apply -f - >/dev/null
pod qos-b '{requests: {cpu: 100m, memory: 64Mi}, limits: {nvidia.com/gpu: 1}}' busybox:latest | k apply -f - >/dev/null
pod qos-e '{}' 'busybox@sha256:0000000000000000000000000000000000000000000000000000000000000000' | timeout 30 kubectl --kubeconfig "$KC" --context admin apply -n default -f - >/dev/null
is "requests and limits equal: Guaranteed" "$(field qos-g 'd["status"]["qosClass"]')" Guaranteed
is "requests from limits" "$(field qos-g 'd["spec"]["containers"][0]["resources"]["requests"]["nvidia.com/gpu"]')" 1
is "requests below limits: Burstable" "$(field qos-b 'd["status"]["qosClass"]')" Burstable
is "none: BestEffort" "$(get_jget /api/v1/namespaces/default/pods/qos-e admin-token 'd["status"]["qosClass"]')" BestEffort
is "a digest: IfNotPresent" "$(jget 'd["spec"]["containers"][0]["imagePullPolicy"]')" IfNotPresent
is "no tag: Always" "$(field qos-g 'd["spec"]["containers"][0]["imagePullPolicy"]')" Always
is "latest: Always" "$(field qos-b 'd["spec"]["containers"][0]["imagePullPolicy"]')" Always
is "a tag: IfNotPresent, in templates too" "$(get_jget /apis/apps/v1/namespaces/alice/deployments/web alice-token 'd["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"]')" IfNotPresent
is "300 s of not-ready and unreachable" "$(field qos-b '[t["key"]+":"+t["effect"]+":"+str(t["tolerationSeconds"]) for t in d["spec"]["tolerations"]]')" '["node.kubernetes.io/not-ready:NoExecute:300", "node.kubernetes.io/unreachable:NoExecute:300"]'
check "kubectl prints the QoS class" k get pod qos-b -o 'jsonpath={.status.qosClass}'
is "as the API has it" "$(cat "$TMP/out")" Burstable

# LimitRanges, Endpoints, EndpointSlices.
printf 'apiVersion: v1\nkind: LimitRange\nmetadata: {name: lr}\nspec:\n  limits: [{type: Container, default: {cpu: 500m}}]\n' >"$TMP/lr.yaml"
check "create a LimitRange" k apply -f "$TMP/lr.yaml"
printf 'apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: web}\n  ports: [{name: http, port: 80, targetPort: 8080}]\n' >"$TMP/svc.yaml"
check "create a Service" k apply -f "$TMP/svc.yaml"
eps() { api GET /api/v1/namespaces/alice/endpoints/web alice-token >/dev/null; jget 'len(d["subsets"][0]["addresses"])' | grep -qx 2; }
ok_within "its Endpoints list the 2 ready pods" 20 eps
is "on the target port" "$(jget 'd["subsets"][0]["ports"]')" '[{"port": 8080, "protocol": "TCP", "name": "http"}]'
check "get limitranges,endpoints,endpointslices" k get limitranges,endpoints,endpointslices -n alice
like "the LimitRange" "$TMP/out" '^limitrange/lr +[0-9T:Z-]+$'
like "the Endpoints" "$TMP/out" '^endpoints/web +10\.244\.[0-9.]+:8080,10\.244\.[0-9.]+:8080 +'
like "the EndpointSlice" "$TMP/out" '^endpointslice.discovery.k8s.io/web-[a-z0-9]{5} +IPv4 +8080 +10\.244\.'
is "the slice is the Service's" "$(get_jget '/apis/discovery.k8s.io/v1/namespaces/alice/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dweb' alice-token 'd["kind"]+" "+d["items"][0]["metadata"]["ownerReferences"][0]["kind"]+" "+str(len(d["items"][0]["endpoints"]))')" "EndpointSliceList Service 2"

# Node loss: eviction after the 300 s toleration, in simulated time.
NODE=gpu-05
JOB='{"metadata":{"name":"NAME"},"spec":{"backoffLimit":3,"podReplacementPolicy":"POLICY","template":{"metadata":{"annotations":{"ailab-kubesim.io/duration":"forever"}},"spec":{"restartPolicy":"Never","nodeSelector":{"kubernetes.io/hostname":"'$NODE'"},"containers":[{"name":"c","image":"x:1","resources":{"requests":{"cpu":"1","memory":"1Gi"}}}]}}}}'
api POST /apis/batch/v1/namespaces/bob/jobs bob-token "$(echo "$JOB" | sed 's/NAME/jf/; s/POLICY/Failed/')" >/dev/null
api POST /apis/batch/v1/namespaces/bob/jobs bob-token "$(echo "$JOB" | sed 's/NAME/jt/; s/POLICY/TerminatingOrFailed/')" >/dev/null
jpods() { api GET "/api/v1/namespaces/bob/pods?labelSelector=job-name%3D$1" bob-token >/dev/null; }
running2() { for j in jf jt; do jpods $j; jget 'd["items"][0]["status"]["phase"]' | grep -qx Running || return 1; done; }
ok_within "two Jobs' pods run on $NODE" 15 running2
jpods jf; PF=$(jget 'd["items"][0]["metadata"]["name"]')
is "the node stops reporting" "$(api POST /sim/faults admin-token "{\"nodeNotReady\":\"$NODE\"}")" 200
is "its pods are not Ready, still Running" "$(get_jget /api/v1/namespaces/bob/pods/$PF bob-token 'd["status"]["phase"]+" "+[c["status"] for c in d["status"]["conditions"] if c["type"]=="Ready"][0]')" "Running False"
is "the node is tainted unreachable" "$(get_jget /api/v1/nodes/$NODE admin-token '[t["key"]+":"+t["effect"] for t in d["spec"]["taints"]]')" '["node.kubernetes.io/unreachable:NoSchedule", "node.kubernetes.io/unreachable:NoExecute"]'
api POST /sim/clock admin-token '{"advanceSeconds":290}' >/dev/null
sleep 0.5
is "290 s later it is not evicted" "$(get_jget /api/v1/namespaces/bob/pods/$PF bob-token '"deletionTimestamp" in d["metadata"]')" false
api POST /sim/clock admin-token '{"advanceSeconds":15}' >/dev/null
evicted() { api GET /api/v1/namespaces/bob/pods/$PF bob-token >/dev/null; jget '"deletionTimestamp" in d["metadata"]' | grep -qx true; }
ok_within "after 300 s it is evicted" 5 evicted
is "by taint eviction" "$(jget '[c["reason"] for c in d["status"]["conditions"] if c["type"]=="DisruptionTarget"][0]')" DeletionByTaintManager
check "kubectl shows it Terminating" timeout 30 kubectl --kubeconfig "$KC" --context bob get pod "$PF"
like "Terminating" "$TMP/out" "^$PF +1/1 +Terminating "
is "Failed: not replaced while it terminates" "$(get_jget /apis/batch/v1/namespaces/bob/jobs/jf admin-token '[d["status"][k] for k in ("active","terminating","failed")]')" "[0, 1, 0]"
jpods jf
is "one pod" "$(jget 'len(d["items"])')" 1
replaced() { jpods jt; jget 'len(d["items"])' | grep -qx 2; }
ok_within "TerminatingOrFailed: replaced at once" 5 replaced
is "and counted failed" "$(get_jget /apis/batch/v1/namespaces/bob/jobs/jt admin-token 'd["status"]["failed"]')" 1
api POST /sim/clock admin-token '{"advanceSeconds":600}' >/dev/null
sleep 0.5
is "10 min later it is still there" "$(api GET /api/v1/namespaces/bob/pods/$PF bob-token)" 200
check "force-delete it" timeout 30 kubectl --kubeconfig "$KC" --context bob delete pod "$PF" --grace-period=0 --force
jfnew() { jpods jf; jget '[p["metadata"]["name"] for p in d["items"]]' | grep -q jf- && ! jget '[p["metadata"]["name"] for p in d["items"]]' | grep -q "$PF"; }
ok_within "then the Failed Job replaces it" 5 jfnew
is "and counts it failed" "$(get_jget /apis/batch/v1/namespaces/bob/jobs/jf admin-token '[d["status"][k] for k in ("terminating","failed")]')" "[0, 1]"
api POST /sim/faults admin-token "{\"nodeReady\":\"$NODE\"}" >/dev/null
gone() { jpods jt; jget 'len(d["items"])' | grep -qx 1; }
ok_within "the node back, its kubelet ends the Terminating pod" 5 gone
check "stops cleanly" sim_stop
finish
