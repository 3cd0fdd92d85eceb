#!/bin/sh
# pods/exec on ailab-kubesim with the real kubectl (WebSocket,
# v5.channel.k8s.io) and Debian's python3-kubernetes stream client: the
# documented output line, argv arriving word for word, exit codes from the
# ailab-kubesim.io/exec-exit-code annotation, the apiserver's refusals (a
# completed pod, a container that is not running, another user's
# namespace) and the audit entry of who exec'd where.
. "$top_srcdir/tests/sim/sim-lib.sh"
skip_unless "kubectl not installed" command -v kubectl
plan 29

check "openssl makes a CA and a server certificate" sim_tls
sim_cluster <<'EOF2'
- {name: alice, token: alice-token, namespaces: [alice]}
EOF2
check "starts with TLS" sim_start_tls --cluster "$TMP/cluster.yaml"

pod() { # NAME NS [ANNOTATION-VALUE]
	_ann=
	[ -n "${3:-}" ] && _ann=",\"annotations\":{\"ailab-kubesim.io/exec-exit-code\":\"$3\"}"
	api POST "/api/v1/namespaces/$2/pods" admin-token "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"$1\"$_ann},\"spec\":{\"containers\":[{\"name\":\"main\",\"image\":\"busybox\",\"command\":[\"sleep\",\"1000\"]},{\"name\":\"side\",\"image\":\"busybox\",\"command\":[\"sleep\",\"1000\"]}]}}"
}
is "a two-container pod in alice's namespace" "$(pod p1 alice)" 201
is "one whose command exits 3" "$(pod p3 alice 3)" 201
is "one in bob's namespace" "$(pod pb bob)" 201
running() { [ "$(ka get pod "$1" -n "$2" -o jsonpath='{.status.containerStatuses[0].state.running}')" != "" ]; }
ok_within "p1 runs" 30 running p1 alice
ok_within "p3 runs" 30 running p3 alice
ok_within "pb runs" 30 running pb bob

check "kubectl exec -c main" k exec p1 -c main -- printf '%s' "a b" '$(id)'
is "... prints the documented line, argv word for word" "$(cat "$TMP/out")" \
    'exec p1 main: printf %s a b $(id)'
check "kubectl exec -c side -i (stdin attached)" k exec -i p1 -c side -- cat </dev/null
is "... names the container" "$(cat "$TMP/out")" 'exec p1 side: cat'
is "two containers and no -c: refused by the apiserver" \
    "$(api POST '/api/v1/namespaces/alice/pods/p1/exec?command=true' alice-token)" 400
like "... in its words" "$TMP/body" \
    'a container name must be specified for pod p1, choose one of: \[main side\]'
is "no WebSocket upgrade: refused" \
    "$(api POST '/api/v1/namespaces/alice/pods/p1/exec?command=true&container=main' alice-token)" 400
like "... Upgrade request required" "$TMP/body" '"message":"Upgrade request required"'
fails "the annotation's exit code comes back through kubectl" 3 \
    k exec p3 -c main -- false
like "... with kubectl's message" "$TMP/err" 'command terminated with exit code 3'
fails "bob's namespace is forbidden to alice" 1 k exec -n bob pb -c main -- id
like "... (kubectl reads the pod first)" "$TMP/err" \
    'pods "pb" is forbidden: User "alice" cannot get resource "pods" in API group "" in the namespace "bob"'
is "the exec itself is forbidden in bob's namespace" \
    "$(api POST '/api/v1/namespaces/bob/pods/pb/exec?command=id&container=main' alice-token)" 403
like "... create on pods/exec, in the apiserver's words" "$TMP/body" \
    'pods \\"pb\\" is forbidden: User \\"alice\\" cannot create resource \\"pods/exec\\" in API group \\"\\" in the namespace \\"bob\\"'
is "/sim/audit has alice's exec of p1" "$(api GET /sim/audit admin-token; echo; jget '" ".join("%s %s %s/%s %s %s" % (e["user"], e["verb"], e["resource"], e.get("subresource"), e["name"], e.get("code")) for e in (d["items"] if isinstance(d, dict) else d) if e.get("subresource") == "exec" and e["name"] == "p1")')" \
    "200
alice create pods/exec p1 101 alice create pods/exec p1 101 alice create pods/exec p1 400 alice create pods/exec p1 400"
is "a pod that runs 1s and ends" "$(api POST /api/v1/namespaces/alice/pods admin-token '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"done","annotations":{"ailab-kubesim.io/duration":"1s"}},"spec":{"restartPolicy":"Never","containers":[{"name":"main","image":"busybox"}]}}')" 201
succeeded() { [ "$(ka get pod done -n alice -o jsonpath='{.status.phase}')" = Succeeded ]; }
ok_within "it succeeds" 60 succeeded
fails "a completed pod: refused" 1 k exec done -- true
like "... as the apiserver words it" "$TMP/err" \
    'cannot exec into a container in a completed pod; current phase is Succeeded'

if /usr/bin/python3 -c 'import kubernetes' 2>/dev/null; then
	timeout 60 /usr/bin/python3 - "$KC" >"$TMP/out" 2>"$TMP/err" <<'EOF2'
import sys
from kubernetes import client, config
from kubernetes.stream import stream
config.load_kube_config(config_file=sys.argv[1], context="alice")
v1 = client.CoreV1Api()
print(stream(v1.connect_get_namespaced_pod_exec, "p1", "alice",
             container="main", command=["echo", "x y"], stderr=True,
             stdin=False, stdout=True, tty=False), end="")
EOF2
	ok "python3-kubernetes stream() execs" $?
	is "... and reads the documented line" "$(cat "$TMP/out")" 'exec p1 main: echo x y'
else
	ok "# SKIP python3-kubernetes not installed" 0
	ok "# SKIP python3-kubernetes not installed" 0
fi
finish
