#!/bin/sh
# ailab-kubesim's audit log: who changed what and who read which pod's log,
# with the client's User-Agent, the object's labels and the answer's code,
# in memory (GET /sim/audit) and, with --audit-log, every entry in a file.
. "$top_srcdir/tests/sim/sim-lib.sh"
plan 13

AUDIT="$TMP/audit.jsonl"
check "starts with --audit-log" sim_start --cluster "$FIXTURES/sim-roomy.yaml" \
    --speed 50 --audit-log "$AUDIT"
NS=/api/v1/namespaces/alice
POD='{"metadata":{"name":"p1","labels":{"team":"a","run":"1"},"annotations":{"ailab-kubesim.io/duration":"1s"}},"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"busybox","resources":{"limits":{"cpu":"1","memory":"1Gi"}}}]}}'
# ua AGENT METHOD PATH [BODY]: a request as alice with this User-Agent.
ua() {
	CURL_EXTRA="-A $1" api "$2" "$3" alice-token "${4:-}"
}
is "a create" "$(ua tool-a/1 POST $NS/pods "$POD")" 201
is "the same create again" "$(ua tool-b/2 POST $NS/pods "$POD")" 409
ok_within "the pod ends" 20 sh -c "curl -s -H 'Authorization: Bearer admin-token' $SIM_URL$NS/pods/p1 | grep -q Succeeded"
is "its log is read" "$(ua tool-c/3 GET $NS/pods/p1/log)" 200
is "a list is not audited" "$(ua tool-c/3 GET $NS/pods)" 200
is "a delete" "$(ua tool-d/4 DELETE $NS/pods/p1)" 200

# The file and memory hold the same entries; reads other than logs are not
# in either.
row='" ".join(str(e.get(k)) for k in ("seq","user","verb","resource","subresource","name","userAgent","code")) + " " + json.dumps(e.get("labels"), sort_keys=True)'
$PY -c "import json,sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    print($row)" "$AUDIT" >"$TMP/file"
get_jget /sim/audit admin-token "\"\\n\".join($row for e in d[\"items\"])" >"$TMP/mem"
is "four entries in the file" "$(wc -l <"$TMP/file")" 4
is "memory holds the same" "$(cat "$TMP/mem")" "$(cat "$TMP/file")"
L='{"run": "1", "team": "a"}'
is "the create: 201, the name and labels from its body" "$(sed -n 1p "$TMP/file")" "1 alice create pods None p1 tool-a/1 201 $L"
is "the refused create: 409" "$(sed -n 2p "$TMP/file")" "2 alice create pods None p1 tool-b/2 409 $L"
is "the log read: subresource log, the pod's labels" "$(sed -n 3p "$TMP/file")" "3 alice get pods log p1 tool-c/3 200 $L"
is "the delete: the deleted object's labels" "$(sed -n 4p "$TMP/file")" "4 alice delete pods None p1 tool-d/4 200 $L"
finish
