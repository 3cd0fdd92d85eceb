#!/bin/sh
# Behaviours of ../shared/reference/kubernetes.md that the simulator had
# but no test against it showed: label selectors notin, !k and k; the
# pods' selectable fields; what the Job controller puts on Indexed pods
# (labels, hostname, subdomain, JOB_COMPLETION_INDEX appended); the pod
# conditions; a Deployment's observedGeneration and conditions; dryRun on
# create, update, patch and delete; server-side apply's options;
# count/jobs.batch quota rejecting the Job itself; suspended Jobs; log
# timestamps, sinceSeconds and sinceTime, and follow with timestamps;
# publishNotReadyAddresses.
. "$top_srcdir/tests/sim/sim-lib.sh"
plan 49

printf '%s\n' 'nodeGroups:' \
    "- {count: 2, namePrefix: n-, gpu: NVIDIA-GeForce-RTX-4090, gpuCount: 8, cpu: '64', memory: 256Gi}" \
    'namespaces:' '- name: alice' '- name: q' \
    "  quota: {count/jobs.batch: '1'}" 'users:' \
    '- {name: admin, token: admin-token, admin: true}' >"$TMP/cluster.yaml"
check "starts" sim_start --cluster "$TMP/cluster.yaml" --speed 20 --seed 3

P=/api/v1/namespaces/alice/pods
mkpod() { # NAME LABELS-JSON
	api POST "$P" admin-token "{\"metadata\":{\"name\":\"$1\",\"labels\":$2,\"annotations\":{\"ailab-kubesim.io/duration\":\"forever\"}},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"x\",\"resources\":{\"limits\":{\"cpu\":\"100m\",\"memory\":\"64Mi\"}}}]}}"
}
bad=0
[ "$(mkpod a '{"tier":"web","env":"prod"}')" = 201 ] || bad=1
[ "$(mkpod b '{"tier":"db"}')" = 201 ] || bad=1
[ "$(mkpod c '{"env":"dev"}')" = 201 ] || bad=1
ok "three labelled pods" $bad
# names QUERY: the names of alice's pods that QUERY lists.
names() { get_jget "$P?$1" admin-token '[i["metadata"]["name"] for i in d["items"]]'; }
is "tier notin (db)" "$(names 'labelSelector=tier%20notin%20(db)')" '["a", "c"]'
is "!tier" "$(names 'labelSelector=!tier')" '["c"]'
is "env (exists), tier!=web" "$(names 'labelSelector=env,tier!%3Dweb')" '["c"]'

running() { api GET "$P/$1" >/dev/null; jget 'd["status"]["phase"]' | grep -qx Running; }
ok_within "pod a runs" 20 running a
IP=$(jget 'd["status"]["podIP"]')
is "pod conditions as the kubelet sets them" "$(jget 'sorted(c["type"]+"="+c["status"] for c in d["status"]["conditions"])')" \
    '["ContainersReady=True", "Initialized=True", "PodReadyToStartContainers=True", "PodScheduled=True", "Ready=True"]'
is "fieldSelector status.podIP" "$(names "fieldSelector=status.podIP%3D$IP")" '["a"]'
is "spec.schedulerName, spec.serviceAccountName, spec.hostNetwork" \
    "$(names 'fieldSelector=spec.schedulerName%3Ddefault-scheduler,spec.serviceAccountName%3Ddefault,spec.hostNetwork%3Dfalse')" '["a", "b", "c"]'

# An Indexed Job: what the controller puts on its pods.
J=/apis/batch/v1/namespaces/alice/jobs
is "an Indexed Job with a subdomain" "$(api POST "$J" admin-token '{"metadata":{"name":"tr"},"spec":{"completionMode":"Indexed","completions":2,"parallelism":2,"template":{"metadata":{"annotations":{"ailab-kubesim.io/duration":"forever"}},"spec":{"subdomain":"tr-svc","restartPolicy":"Never","containers":[{"name":"c","image":"x","env":[{"name":"A","value":"1"}],"resources":{"limits":{"cpu":"100m","memory":"64Mi"}}}]}}}}')" 201
JUID=$(jget 'd["metadata"]["uid"]')
twopods() { [ "$(names 'labelSelector=batch.kubernetes.io/job-name%3Dtr')" != '[]' ] && [ "$(jget 'len(d["items"])')" = 2 ]; }
ok_within "it makes two pods" 20 twopods
is "labels job-name, batch.kubernetes.io/job-name, controller-uid and the index" \
    "$(jget '[[p["metadata"]["labels"].get(k) for k in ("job-name", "batch.kubernetes.io/job-name", "batch.kubernetes.io/controller-uid", "batch.kubernetes.io/job-completion-index")] for p in sorted(d["items"], key=lambda p: p["metadata"]["annotations"]["batch.kubernetes.io/job-completion-index"])]')" \
    "[[\"tr\", \"tr\", \"$JUID\", \"0\"], [\"tr\", \"tr\", \"$JUID\", \"1\"]]"
is "hostname <job>-<index>, the template's subdomain, names <job>-<index>-<rand>" \
    "$(jget 'sorted([p["spec"].get("hostname"), p["spec"].get("subdomain"), p["metadata"]["name"].rsplit("-", 1)[0]] for p in d["items"])')" \
    '[["tr-0", "tr-svc", "tr-0"], ["tr-1", "tr-svc", "tr-1"]]'
is "JOB_COMPLETION_INDEX appended after the template's env" \
    "$(jget '[[e["name"] for e in p["spec"]["containers"][0]["env"]] for p in d["items"]][0]')" '["A", "JOB_COMPLETION_INDEX"]'

# A Deployment reports observedGeneration and its conditions.
D=/apis/apps/v1/namespaces/alice/deployments
is "a Deployment" "$(api POST "$D" admin-token '{"metadata":{"name":"web"},"spec":{"replicas":1,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"},"annotations":{"ailab-kubesim.io/duration":"forever"}},"spec":{"containers":[{"name":"c","image":"x","resources":{"limits":{"cpu":"100m","memory":"64Mi"}}}]}}}}')" 201
available() { api GET "$D/web" >/dev/null; jget 'd["status"].get("availableReplicas")' | grep -qx 1; }
ok_within "it becomes available" 20 available
is "observedGeneration = generation" "$(jget 'd["status"]["observedGeneration"] == d["metadata"]["generation"]')" true
is "Available (MinimumReplicasAvailable), Progressing (NewReplicaSetAvailable)" \
    "$(jget 'sorted(c["type"]+"="+c["status"]+"/"+c["reason"] for c in d["status"]["conditions"])')" \
    '["Available=True/MinimumReplicasAvailable", "Progressing=True/NewReplicaSetAvailable"]'

# dryRun=All answers as a create would and stores nothing.
is "a dry-run create" "$(api POST "$P?dryRun=All" admin-token '{"metadata":{"name":"dry"},"spec":{"containers":[{"name":"c","image":"x","resources":{"limits":{"cpu":"100m","memory":"64Mi"}}}]}}')" 201
is "is defaulted" "$(jget 'd["spec"]["containers"][0]["resources"]["requests"]["cpu"]')" 100m
is "and not stored" "$(api GET "$P/dry")" 404

# Server-side apply's options, and dryRun on every write: answered as the
# write would be, nothing stored.
C=/api/v1/namespaces/alice/configmaps
AP=application/apply-patch+yaml
is "an apply without fieldManager is Invalid" "$(api PATCH "$C/s1" admin-token 'apiVersion: v1
kind: ConfigMap
metadata: {name: s1}
data: {a: "1"}' $AP)" 422
like "PatchOptions" "$TMP/body" 'PatchOptions.meta.k8s.io \\"\\" is invalid: fieldManager: Required value: is required for apply patch'
is "with one it creates" "$(api PATCH "$C/s1?fieldManager=t" admin-token 'apiVersion: v1
kind: ConfigMap
metadata: {name: s1}
data: {a: "1"}' $AP)" 201
is "managedFields in an apply are refused" "$(api PATCH "$C/s1?fieldManager=t" admin-token 'apiVersion: v1
kind: ConfigMap
metadata: {name: s1, managedFields: [{manager: x}]}
data: {b: "2"}' $AP)" 400
is "force on a merge patch is Invalid" "$(api PATCH "$C/s1?force=true" admin-token '{"data":{"b":"2"}}' application/merge-patch+json)" 422
is "a dry-run apply answers the merge" "$(api PATCH "$C/s1?fieldManager=t&dryRun=All" admin-token 'apiVersion: v1
kind: ConfigMap
metadata: {name: s1}
data: {b: "2"}' $AP)" 200
is "with both keys" "$(jget 'sorted(d["data"])')" '["a", "b"]'
is "a dry-run merge patch" "$(api PATCH "$C/s1?dryRun=All" admin-token '{"data":{"c":"3"}}' application/merge-patch+json)" 200
is "a dry-run PUT" "$(api PUT "$C/s1?dryRun=All" admin-token '{"metadata":{"name":"s1"},"data":{"d":"4"}}')" 200
is "a dry-run delete" "$(api DELETE "$C/s1?dryRun=All")" 200
is "changed and deleted nothing" "$(api GET "$C/s1" >/dev/null; jget 'd["data"]')" '{"a": "1"}'

# count/jobs.batch rejects the Job object itself.
JQ=/apis/batch/v1/namespaces/q/jobs
job() { echo "{\"metadata\":{\"name\":\"$1\"},\"spec\":{\"suspend\":true,\"template\":{\"spec\":{\"restartPolicy\":\"Never\",\"containers\":[{\"name\":\"c\",\"image\":\"x\"}]}}}}"; }
is "a first Job under count/jobs.batch: 1" "$(api POST "$JQ" admin-token "$(job j1)")" 201
is "a second is Forbidden" "$(api POST "$JQ" admin-token "$(job j2)")" 403
like "exceeded quota" "$TMP/body" 'exceeded quota: [a-z-]+, requested: count/jobs.batch=1, used: count/jobs.batch=1, limited: count/jobs.batch=1'

# A suspended Job makes no pods and says so.
suspended() { api GET "$JQ/j1" >/dev/null; jget '[c["type"]+"="+c["status"]+"/"+c["reason"] for c in d["status"].get("conditions", [])]' | grep -q 'Suspended=True/JobSuspended'; }
ok_within "a suspended Job has Suspended=True (JobSuspended)" 20 suspended
is "and no pods" "$(api GET /api/v1/namespaces/q/pods >/dev/null; jget 'len(d["items"])')" 0

# Logs with timestamps: each line starts with an RFC 3339 time.
api GET "$P/a/log?timestamps=true" >/dev/null
$PY -c '
import re, sys
lines = [l for l in open(sys.argv[1]).read().splitlines() if l]
sys.exit(0 if lines and all(re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z ", l) for l in lines) else 1)
' "$TMP/body"
ok "log lines carry timestamps" $?

# A not-ready pod (crash-looping) is in a Service's notReadyAddresses,
# and in its addresses with publishNotReadyAddresses (DNS for ranks that
# are not Ready yet).
is "a crash-looping pod" "$(api POST "$P" admin-token '{"metadata":{"name":"cr","labels":{"app":"cr"},"annotations":{"ailab-kubesim.io/duration":"1s","ailab-kubesim.io/exit-code":"1"}},"spec":{"containers":[{"name":"c","image":"x","resources":{"limits":{"cpu":"100m","memory":"64Mi"}}}]}}')" 201
svc() { # NAME PUBLISH
	api POST /api/v1/namespaces/alice/services admin-token "{\"metadata\":{\"name\":\"$1\"},\"spec\":{\"clusterIP\":\"None\",\"publishNotReadyAddresses\":$2,\"selector\":{\"app\":\"cr\"},\"ports\":[{\"port\":80}]}}"
}
bad=0
[ "$(svc plain false)" = 201 ] || bad=1
[ "$(svc publish true)" = 201 ] || bad=1
ok "two headless Services select it" $bad
notready() { api GET "$P/cr" >/dev/null; jget '[d["status"].get("podIP") is not None] + [c["status"] for c in d["status"]["conditions"] if c["type"] == "Ready"]' | grep -qx '\[true, "False"\]'; }
ok_within "it has an IP and is not Ready" 20 notready
CRIP=$(jget 'd["status"]["podIP"]')
# eps SERVICE: [addresses' IPs, notReadyAddresses' IPs]
eps() { get_jget "/api/v1/namespaces/alice/endpoints/$1" admin-token '[[a["ip"] for s in d.get("subsets", []) for a in s.get(k, [])] for k in ("addresses", "notReadyAddresses")]'; }
synced() { [ "$(eps plain)" = "[[], [\"$CRIP\"]]" ]; }
ok_within "without publishNotReadyAddresses it is in notReadyAddresses" 10 synced
is "with it, in addresses" "$(eps publish)" "[[\"$CRIP\"], []]"

# sinceSeconds and sinceTime keep the lines written since; follow keeps
# the timestamps it was asked for.
api POST /sim/clock admin-token '{"advanceSeconds": 200}' >/dev/null
NOW=$(jget 'd["now"]')
# since_ok FILE FROM-MS: every line is stamped at or after FROM-MS, and
# there are some; prints the count.
since_ok() {
	$PY -c '
import datetime, sys
lines = [l for l in open(sys.argv[1]).read().splitlines() if l]
ts = [datetime.datetime.strptime(l.split(" ")[0][:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc).timestamp() * 1000 for l in lines]
print(len(lines) if lines and min(ts) >= int(sys.argv[2]) - 999 else "bad")
' "$@"
}
api GET "$P/a/log?timestamps=true" >/dev/null
ALL=$(grep -c . "$TMP/body")
api GET "$P/a/log?timestamps=true&sinceSeconds=50" >/dev/null
N=$(since_ok "$TMP/body" $((NOW - 50000)))
[ "$N" != bad ] && [ "$N" -lt "$ALL" ]
ok "sinceSeconds=50 keeps the last 50 s ($N of $ALL lines)" $?
SINCE=$($PY -c 'import datetime,sys; print(datetime.datetime.fromtimestamp(int(sys.argv[1]) / 1000 - 70, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))' "$NOW")
api GET "$P/a/log?timestamps=true&sinceTime=$SINCE" >/dev/null
N=$(since_ok "$TMP/body" $((NOW - 70000)))
[ "$N" != bad ] && [ "$N" -lt "$ALL" ]
ok "sinceTime keeps the lines from then ($N of $ALL)" $?
is "both at once are Invalid" "$(api GET "$P/a/log?sinceSeconds=5&sinceTime=$SINCE")" 422
is "sinceSeconds=0 is Invalid" "$(api GET "$P/a/log?sinceSeconds=0")" 422
curl -sS -N --max-time 4 -H 'Authorization: Bearer admin-token' \
    "$SIM_URL$P/a/log?follow=true&timestamps=true&sinceSeconds=30" >"$TMP/f" 2>/dev/null &
F=$!
sleep 1
api POST /sim/clock admin-token '{"advanceSeconds": 100}' >/dev/null
wait "$F"
N=$(since_ok "$TMP/f" $((NOW - 30000)))
[ "$N" != bad ] && [ "$N" -ge 5 ]
ok "a follow with timestamps stamps the lines that come later too ($N)" $?

check "stops cleanly" sim_stop
finish
