#!/bin/sh
# bench/kubesim-same: do two builds of ailab-kubesim make the same objects?
# Runs one scripted scenario against each (--seed 1, --speed 1000, one
# change at a time with a pause after each, so the controllers' passes
# fall alike): Services whose selectors share label keys in two
# namespaces, pods whose labels come in different orders, a selector
# changed, a Service deleted and made again, pods relabelled and deleted,
# pods pinned by hostname (bound, on a missing node, on a full node).
# Then replays every watch event of pods, Endpoints, EndpointSlices and
# Events from the start and compares the two streams, timestamps blanked
# (they follow the real clock): same types, objects, resourceVersions
# and order, or the first difference.  For changes meant to keep the
# simulator's behaviour (sim13: the endpoints index, pinned pods).
# Usage: bench/kubesim-same.sh OLD-KUBESIM NEW-KUBESIM
set -eu
[ $# -eq 2 ] || { echo "usage: kubesim-same.sh OLD-KUBESIM NEW-KUBESIM" >&2; exit 2; }
. "$(dirname "$0")/lib.sh"
cat >"$tmp/cluster.yaml" <<'EOT'
nodeGroups:
- {count: 3, namePrefix: n-, gpu: NVIDIA-GeForce-RTX-4090, gpuCount: 8,
   cpu: '8', memory: 64Gi}
namespaces: [{name: a}, {name: b}]
users:
- {name: admin, token: admin-token, admin: true}
EOT

# scenario KUBESIM OUT: runs the scenario, writes the normalised events.
scenario() {
	sim_start "$1" --cluster "$tmp/cluster.yaml" --speed 1000 --seed 1
	u=$SIM_URL
	c() { curl -sf -o /dev/null -H 'Authorization: Bearer admin-token' \
	    -H "Content-Type: ${ct:-application/json}" "$@"; }
	svc() { c -d "{\"metadata\":{\"name\":\"$2\"},\"spec\":{\"selector\":$3,\"ports\":[{\"port\":80,\"targetPort\":8080}]}}" \
	    "$u/api/v1/namespaces/$1/services"; sleep 0.3; }
	pod() { c -d "{\"metadata\":{\"name\":\"$2\",\"labels\":$3,\"annotations\":{\"ailab-kubesim.io/duration\":\"forever\"}},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"x\",\"resources\":{\"requests\":{\"cpu\":\"${5:-100m}\"}}}]${4:-}}}" \
	    "$u/api/v1/namespaces/$1/pods"; sleep 0.5; }
	patch() { ct=application/merge-patch+json c -X PATCH -d "$2" "$u$1";
	    sleep 0.5; }
	for ns in a b; do
		svc $ns s1 '{"a":"x","b":"1"}'
		svc $ns s2 '{"b":"1","a":"x"}'
		svc $ns s3 '{"a":"x"}'
		svc $ns s4 '{"c":"z","a":"x"}'
		svc $ns s5 '{"a":"x","b":"2"}'
		svc $ns s6 '{"b":"1"}'
		svc $ns s7 '{"a":"y","b":"1"}'
	done
	pod a p1 '{"b":"1","a":"x","c":"z"}'
	pod a p2 '{"a":"x","c":"z","b":"1"}'
	pod a p3 '{"c":"z","b":"2","a":"x"}'
	pod b p1 '{"a":"x","b":"1"}'
	pod b p2 '{"a":"y","b":"1","c":"z"}'
	svc a s8 '{"c":"z","b":"1"}'
	patch /api/v1/namespaces/a/services/s1 '{"spec":{"selector":{"b":"2"}}}'
	patch /api/v1/namespaces/a/services/s3 '{"metadata":{"labels":{"t":"t"}}}'
	c -X DELETE "$u/api/v1/namespaces/a/services/s2"
	sleep 0.5
	patch /api/v1/namespaces/a/pods/p1 '{"metadata":{"labels":{"b":"2"}}}'
	pod a p4 '{"a":"x","b":"1","c":"z"}'
	c -X DELETE "$u/api/v1/namespaces/a/pods/p2?gracePeriodSeconds=0"
	sleep 1
	c -X DELETE "$u/api/v1/namespaces/b/pods/p2?gracePeriodSeconds=0"
	sleep 1
	svc a s2 '{"a":"x","c":"z"}'
	pod a p5 '{"c":"z","a":"x","b":"1"}'
	aff='"affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchExpressions":[{"key":"kubernetes.io/hostname","operator":"In","values":'
	pod b h1 '{"h":"1"}' ',"nodeSelector":{"kubernetes.io/hostname":"n-02"}'
	pod b h2 '{"h":"2"}' ",$aff[\"n-03\"]}]}]}}}" 6
	pod b h3 '{"h":"3"}' ",$aff[\"n-03\"]}]}]}}}" 4
	pod b h4 '{"h":"4"}' ',"nodeSelector":{"kubernetes.io/hostname":"n-09"}'
	pod b h5 '{"h":"5"}' ",$aff[\"n-09\"]}]},{\"matchExpressions\":[{\"key\":\"kubernetes.io/hostname\",\"operator\":\"In\",\"values\":[\"n-01\"]}]}]}}}"
	sleep 1
	for p in /api/v1/pods /api/v1/endpoints /api/v1/events \
	    /apis/discovery.k8s.io/v1/endpointslices; do
		curl -s -H 'Authorization: Bearer admin-token' \
		    "$u$p?watch=1&resourceVersion=1&timeoutSeconds=2"
	done | python3 -c '
import json, re, sys
for line in sys.stdin:
    e = json.loads(line)
    s = json.dumps(e["object"], sort_keys=True)
    print(e["type"], re.sub(r"\"\d{4}-\d\d-\d\dT[0-9:.]+Z\"", "\"T\"", s))
' >"$2"
	kill "$SIMPID"
	wait "$SIMPID" 2>/dev/null || true
	SIMPID=
}
scenario "$1" "$tmp/old"
scenario "$2" "$tmp/new"
echo "$(wc -l <"$tmp/old") and $(wc -l <"$tmp/new") events"
if cmp -s "$tmp/old" "$tmp/new"; then
	echo "same"
else
	diff "$tmp/old" "$tmp/new" | cut -c1-400 | head -n 20
	exit 1
fi
