#!/bin/sh
# The latency fault scoped by HTTP method (latencyMethods) and by
# Kubernetes verb (latencyVerbs): a request in scope is held back, one out
# of scope is served as usual.  The latency is ten minutes, so a held
# request is one that gets no answer at all within its client's time
# limit (and leaves no trace in the audit log), whatever the machine's
# speed.
. "$top_srcdir/tests/sim/sim-lib.sh"
plan 24

sim_cluster <<'EOF'
- {name: alice, token: alice-token, namespaces: [alice]}
EOF
check "starts" sim_start --cluster "$TMP/cluster.yaml" --speed 10

CM=/api/v1/namespaces/alice/configmaps
is "a configmap" "$(api POST "$CM" alice-token '{"metadata":{"name":"c1"},"data":{"k":"v0"}}')" 201

# held METHOD PATH [BODY [CONTENT-TYPE]]: true if the request gets no
# answer within 3 s (curl's exit 28), as alice.
held() {
	_b=${3:-}
	if [ -n "$_b" ]; then
		curl -sS -o /dev/null --max-time 3 -X "$1" \
		    -H 'Authorization: Bearer alice-token' \
		    -H "Content-Type: ${4:-application/merge-patch+json}" \
		    --data-binary "$_b" "$SIM_URL$2" 2>/dev/null
	else
		curl -sS -o /dev/null --max-time 3 -X "$1" \
		    -H 'Authorization: Bearer alice-token' "$SIM_URL$2" \
		    2>/dev/null
	fi
	[ $? -eq 28 ]
}
# watch_first PATH: the first line a watch sends within 3 s, or nothing.
watch_first() {
	curl -sS -N --max-time 3 -H 'Authorization: Bearer alice-token' \
	    "$SIM_URL$1" 2>/dev/null | head -1
}

# Only PATCHes.
is "latency for PATCH only" "$(api POST /sim/faults admin-token '{"latencyMs":600000,"latencyMethods":["PATCH"]}')" 200
is "GET /sim/faults shows the scope" "$(jget '[d["latencyMs"], d["latencyMethods"], d["latencyVerbs"]]')" '[600000, ["PATCH"], []]'
check "a PATCH is held back" held PATCH "$CM/c1" '{"data":{"k":"v1"}}'
is "a GET is served" "$(api GET "$CM/c1" alice-token)" 200
is "the held PATCH has not been applied" "$(jget 'd["data"]["k"]')" v0
PUTBODY=$($PY -c 'import json,sys; d=json.load(open(sys.argv[1])); d["data"]["k"]="v2"; print(json.dumps(d))' "$TMP/body")
is "a PUT is served" "$(api PUT "$CM/c1" alice-token "$PUTBODY")" 200
is "a POST is served" "$(api POST "$CM" alice-token '{"metadata":{"name":"c2"}}')" 201
is "the held PATCH is not in the audit log" "$(get_jget /sim/audit admin-token '[e["verb"] for e in d["items"] if e.get("name") == "c1"]')" '["create", "update"]'

# Only watches: a list is served, a watch (of a collection or of one
# object) sends nothing, not even the ADDED events of what exists.
is "latency for watches only" "$(api POST /sim/faults admin-token '{"latencyMethods":[],"latencyVerbs":["watch"]}')" 200
is "the scope is shown" "$(jget '[d["latencyMethods"], d["latencyVerbs"]]')" '[[], ["watch"]]'
is "a list is served" "$(api GET "$CM" alice-token)" 200
is "a collection watch sends nothing" "$(watch_first "$CM?watch=1")" ""
is "nor does an object's watch" "$(watch_first "$CM/c1?watch=true")" ""
held PATCH "$CM/c1" '{"data":{"k":"v3"}}'
[ $? -ne 0 ]
ok "a PATCH is served" $?

# Only lists: watches are served again, lists are held.
api POST /sim/faults admin-token '{"latencyVerbs":["list"]}' >/dev/null
watch_first "$CM?watch=1" >"$TMP/w"
like "a watch is served" "$TMP/w" '"type":"ADDED"'
check "a list is held back" held GET "$CM"
is "a get of one object is served" "$(api GET "$CM/c1" alice-token)" 200

# Method and verb together must both match: DELETE of one object
# (delete), not of the collection (deletecollection).
api POST /sim/faults admin-token '{"latencyMethods":["DELETE"],"latencyVerbs":["deletecollection"]}' >/dev/null
is "a delete of one object is served" "$(api DELETE "$CM/c2" alice-token)" 200
check "a deletecollection is held back" held DELETE "$CM"

is "an unknown verb is refused" "$(api POST /sim/faults admin-token '{"latencyVerbs":["fetch"]}')" 400
is "and changes nothing" "$(get_jget /sim/faults admin-token 'd["latencyVerbs"]')" '["deletecollection"]'

check "stops cleanly" sim_stop
finish
