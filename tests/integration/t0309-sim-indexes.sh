#!/bin/sh
# The simulator's indexes answer as a walk of the whole store would: label
# selectors after relabelling, field selectors on spec.nodeName after
# binding, deleted pods gone from every lookup, paged lists, watches that
# see a relabel, garbage collection through owner references, clock-driven
# Jobs (deadline, TTL) and quota usage after many creates and deletes.
. "$top_srcdir/tests/sim/sim-lib.sh"
plan 29

cat >"$TMP/cluster.yaml" <<'EOF'
nodeGroups:
- {count: 6, namePrefix: gpu-, gpu: NVIDIA-GeForce-RTX-4090, gpuCount: 8,
   cpu: '64', memory: 512Gi}
- {count: 2, namePrefix: tainted-, gpu: NVIDIA-GeForce-RTX-3090, gpuCount: 8,
   cpu: '64', memory: 512Gi,
   taints: [{key: dedicated, value: ml, effect: NoSchedule}]}
namespaces:
- name: a
- name: b
- name: q
  quota: {pods: '1000', requests.cpu: '100', count/pods: '1000'}
users:
- {name: admin, token: admin-token, admin: true}
EOF
# A small watch cache: objects are shared (interned) soon after they settle.
check "starts with a small cluster" sim_start --cluster "$TMP/cluster.yaml" \
    --speed 100 --seed 5 --watch-cache 200

# py EXPR: Python with get(path) (admin) over the simulator; prints EXPR.
py() {
	$PY - "$SIM_URL" "$1" <<'PY'
import json, sys, urllib.request, urllib.parse
url = sys.argv[1]
def get(path):
    r = urllib.request.Request(url + path,
        headers={"Authorization": "Bearer admin-token"})
    return json.load(urllib.request.urlopen(r))
def names(items):
    return [(p["metadata"]["namespace"], p["metadata"]["name"]) for p in items]
def pods(ns=None, q=""):
    base = "/api/v1/namespaces/%s/pods" % ns if ns else "/api/v1/pods"
    return get(base + ("?" + q if q else ""))["items"]
def paged(path, limit):
    out, cont = [], ""
    while True:
        sep = "&" if "?" in path else "?"
        d = get(path + sep + "limit=%d" % limit +
            ("&continue=" + urllib.parse.quote(cont) if cont else ""))
        out += d["items"]
        cont = d["metadata"].get("continue", "")
        if not cont:
            return out
def lab(p, k):
    return (p["metadata"].get("labels") or {}).get(k)
v = eval(sys.argv[2])
print(json.dumps(v) if isinstance(v, (dict, list, bool)) or v is None else v)
PY
}
mkpod() { # NS NAME GROUP [EXTRA-SPEC]
	api POST "/api/v1/namespaces/$1/pods" admin-token "{\"metadata\":{\"name\":\"$2\",\"labels\":{\"grp\":\"$3\",\"ailab-queue.io/job\":\"$2\"},\"annotations\":{\"ailab-kubesim.io/duration\":\"forever\"}},\"spec\":{${4:-}\"containers\":[{\"name\":\"c\",\"image\":\"x\",\"resources\":{\"requests\":{\"cpu\":\"100m\",\"memory\":\"64Mi\"}}}]}}"
}

bad=0
for i in $(seq 0 29); do
	[ "$(mkpod a "p-$i" "g$((i % 3))")" = 201 ] || bad=1
done
for i in $(seq 0 9); do
	[ "$(mkpod b "p-$i" g0)" = 201 ] || bad=1
done
ok "40 labelled pods in two namespaces" $bad

is "namespace LIST by label = the walk, in order" \
    "$(py 'names(pods("a", "labelSelector=grp%3Dg1")) == names([p for p in pods("a") if lab(p, "grp") == "g1"])')" true
is "it has the 10 pods" "$(py 'len(pods("a", "labelSelector=grp%3Dg1"))')" 10
is "cluster-wide LIST by label = the walk, in order" \
    "$(py 'names(pods(None, "labelSelector=grp%3Dg0")) == names([p for p in pods() if lab(p, "grp") == "g0"])')" true
is "set-based selector, paged by 3 = the walk" \
    "$(py 'names(paged("/api/v1/pods?labelSelector=grp+in+%28g1%2Cg2%29", 3)) == names([p for p in pods() if lab(p, "grp") in ("g1", "g2")])')" true
is "a label and a field selector together" \
    "$(py 'names(pods(None, "labelSelector=grp%3Dg0&fieldSelector=metadata.namespace%3Db")) == names([p for p in pods("b")])')" true

bound() { [ "$(py 'len([p for p in pods() if not p["spec"].get("nodeName")])')" = 0 ]; }
ok_within "every pod is bound" 20 bound
is "no pod on a tainted node" \
    "$(py 'len([p for p in pods() if p["spec"]["nodeName"].startswith("tainted")])')" 0
is "LIST by spec.nodeName = the walk, for every node" \
    "$(py 'all(names(pods(None, "fieldSelector=spec.nodeName%3D" + n["metadata"]["name"])) == names([p for p in pods() if p["spec"].get("nodeName") == n["metadata"]["name"]]) for n in get("/api/v1/nodes")["items"])')" true
is "spec.nodeName within one namespace" \
    "$(py 'names(pods("b", "fieldSelector=spec.nodeName%3Dgpu-03")) == names([p for p in pods("b") if p["spec"]["nodeName"] == "gpu-03"])')" true

# A watch on grp=g1 from now, then a relabel by merge patch.
RV=$(py 'get("/api/v1/namespaces/a/pods")["metadata"]["resourceVersion"]')
spawn WPID curl -sN -H 'Authorization: Bearer admin-token' --max-time 5 \
    "$SIM_URL/api/v1/namespaces/a/pods?watch=1&labelSelector=grp%3Dg1&resourceVersion=$RV&timeoutSeconds=3" \
    >"$TMP/watch" 2>/dev/null
sleep 0.5
is "relabel p-1 by merge patch" "$(api PATCH /api/v1/namespaces/a/pods/p-1 admin-token '{"metadata":{"labels":{"grp":"g9"}}}' application/merge-patch+json)" 200
is "it left grp=g1" "$(py '"p-1" in [p["metadata"]["name"] for p in pods("a", "labelSelector=grp%3Dg1")]')" false
is "and is found under grp=g9" "$(py '[p["metadata"]["name"] for p in pods(None, "labelSelector=grp%3Dg9")]')" '["p-1"]'
wait "$WPID"
is "the g1 watch saw it leave (DELETED)" \
    "$($PY -c 'import json,sys; print([(e["type"], e["object"]["metadata"]["name"]) for e in map(json.loads, open(sys.argv[1])) if e["type"] != "BOOKMARK"])' "$TMP/watch")" \
    "[('DELETED', 'p-1')]"
curl -sN -H 'Authorization: Bearer admin-token' --max-time 5 \
    "$SIM_URL/api/v1/namespaces/a/pods?watch=1&labelSelector=grp%3Dg9&resourceVersion=$RV&timeoutSeconds=1" \
    >"$TMP/watch" 2>/dev/null
is "a g9 watch from before the patch replays it as ADDED" \
    "$($PY -c 'import json,sys; print([(e["type"], e["object"]["metadata"]["name"]) for e in map(json.loads, open(sys.argv[1]))])' "$TMP/watch")" \
    "[('ADDED', 'p-1')]"
api PATCH /api/v1/namespaces/a/pods/p-1 admin-token '[{"op":"remove","path":"/metadata/labels/grp"}]' application/json-patch+json >/dev/null
is "a JSON patch removing the label empties grp=g9" "$(py 'len(pods(None, "labelSelector=grp%3Dg9"))')" 0

NODE=$(py 'get("/api/v1/namespaces/a/pods/p-4")["spec"]["nodeName"]')
is "delete p-4 at once" "$(api DELETE '/api/v1/namespaces/a/pods/p-4?gracePeriodSeconds=0')" 200
is "gone from its label, namespace and node lookups" \
    "$(py '[n for (ns, n) in names(pods("a", "labelSelector=grp%3Dg1") + pods(None, "labelSelector=ailab-queue.io%2Fjob%3Dp-4") + pods("a") + pods(None, "fieldSelector=spec.nodeName%3D'"$NODE"'")) if ns == "a" and n == "p-4"]')" '[]'
api DELETE /api/v1/namespaces/a/pods/p-7 >/dev/null
gone7() { [ "$(py 'len(pods(None, "fieldSelector=metadata.name%3Dp-7&labelSelector=grp%3Dg1"))')" = 0 ]; }
ok_within "a gracefully deleted pod leaves the lookups when it ends" 20 gone7

# Garbage collection through owner references.
DEP='{"metadata":{"name":"web"},"spec":{"replicas":3,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"},"annotations":{"ailab-kubesim.io/duration":"forever"}},"spec":{"containers":[{"name":"c","image":"x"}]}}}}'
api POST /apis/apps/v1/namespaces/b/deployments admin-token "$DEP" >/dev/null
three() { [ "$(py 'len([p for p in pods("b", "labelSelector=app%3Dweb") if p["status"]["phase"] == "Running"])')" = 3 ]; }
ok_within "a Deployment gets 3 running pods" 20 three
api DELETE /apis/apps/v1/namespaces/b/deployments/web admin-token '{"propagationPolicy":"Background"}' >/dev/null
collected() { [ "$(py 'len(get("/apis/apps/v1/namespaces/b/replicasets")["items"]) + len(pods("b", "labelSelector=app%3Dweb"))')" = 0 ]; }
ok_within "deleting it collects its ReplicaSet and pods" 20 collected

# Jobs the clock drives: a deadline and a TTL after finishing.
JOB='{"metadata":{"name":"late"},"spec":{"activeDeadlineSeconds":20,"template":{"metadata":{"annotations":{"ailab-kubesim.io/duration":"forever"}},"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"x"}]}}}}'
api POST /apis/batch/v1/namespaces/b/jobs admin-token "$JOB" >/dev/null
deadline() { [ "$(py '[c["reason"] for c in get("/apis/batch/v1/namespaces/b/jobs/late")["status"].get("conditions", []) if c["type"] == "Failed"]')" = '["DeadlineExceeded"]' ]; }
ok_within "activeDeadlineSeconds fails a Job that runs on" 20 deadline
JOB='{"metadata":{"name":"brief"},"spec":{"ttlSecondsAfterFinished":30,"template":{"metadata":{"annotations":{"ailab-kubesim.io/duration":"5s"}},"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"x"}]}}}}'
api POST /apis/batch/v1/namespaces/b/jobs admin-token "$JOB" >/dev/null
ttl() { [ "$(api GET /apis/batch/v1/namespaces/b/jobs/brief)" = 404 ]; }
ok_within "ttlSecondsAfterFinished deletes a finished Job" 20 ttl

# Quota usage stays exact through many creates and deletes.
for i in $(seq 0 59); do
	mkpod q "x-$i" q >/dev/null
done
for i in $(seq 0 24); do
	api DELETE "/api/v1/namespaces/q/pods/x-$i?gracePeriodSeconds=0" >/dev/null
done
for i in $(seq 25 39); do
	api DELETE "/api/v1/namespaces/q/pods/x-$i" >/dev/null
done
twenty() { [ "$(py 'len(pods("q"))')" = 20 ]; }
ok_within "60 created, 40 deleted: 20 left" 20 twenty
used() { [ "$(py 'sorted(get("/api/v1/namespaces/q/resourcequotas/compute-quota")["status"]["used"].items())')" = '[["count/pods", "20"], ["pods", "20"], ["requests.cpu", "2"]]' ]; }
ok_within "quota used: exactly 20 pods and 2 CPUs" 10 used

# Pods that fit nowhere: alike pods share one walk's message, a pod that
# tolerates the taint is judged on its own.
big() { # NAME [TOLERATIONS]
	api POST /api/v1/namespaces/b/pods admin-token "{\"metadata\":{\"name\":\"$1\"},\"spec\":{${2:-}\"containers\":[{\"name\":\"c\",\"image\":\"x\",\"resources\":{\"limits\":{\"nvidia.com/gpu\":\"9\"}}}]}}" >/dev/null
}
big big-1; big big-2; big big-3
big big-t '"tolerations":[{"key":"dedicated","operator":"Exists"}],'
why() { py '[(p["metadata"]["name"], p["status"]["conditions"][0]["message"].split(". ")[0]) for p in pods("b") if p["metadata"]["name"].startswith("big")]'; }
judged() { why | grep -q big-t; [ "$(why | grep -o 'available' | wc -l)" = 4 ]; }
ok_within "four big pods are judged unschedulable" 10 judged
is "alike pods get the same message, the tolerant one its own" "$(why)" \
    '[["big-1", "0/8 nodes are available: 2 node(s) had untolerated taint {dedicated: ml}, 6 Insufficient nvidia.com/gpu"], ["big-2", "0/8 nodes are available: 2 node(s) had untolerated taint {dedicated: ml}, 6 Insufficient nvidia.com/gpu"], ["big-3", "0/8 nodes are available: 2 node(s) had untolerated taint {dedicated: ml}, 6 Insufficient nvidia.com/gpu"], ["big-t", "0/8 nodes are available: 8 Insufficient nvidia.com/gpu"]]'

check "stops cleanly" sim_stop
finish
