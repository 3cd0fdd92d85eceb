#!/bin/sh
# Paged lists as one snapshot (../shared/reference/kubernetes.md, Lists):
# every page of a paged list has the first page's resourceVersion, so a
# client that watches from the last page's version sees every change made
# while it paged, an object of an early page included; a continue token
# from before a compaction is 410 Expired.  Streaming lists (watches with
# sendInitialEvents) and resourceVersionMatch, as ListOptions validation
# has them.
. "$top_srcdir/tests/sim/sim-lib.sh"
plan 24

sim_cluster <<'EOF'
- {name: alice, token: alice-token, namespaces: [alice]}
EOF
check "starts" sim_start --cluster "$TMP/cluster.yaml"

CM=/api/v1/namespaces/alice/configmaps
bad=0
for i in 1 2 3 4 5; do
	[ "$(api POST "$CM" alice-token "{\"metadata\":{\"name\":\"c$i\"},\"data\":{\"v\":\"0\"}}")" = 201 ] || bad=1
done
ok "five configmaps" $bad

is "page 1" "$(api GET "$CM?limit=2" alice-token)" 200
RV1=$(jget 'd["metadata"]["resourceVersion"]')
TOK=$(jget 'd["metadata"]["continue"]')
is "has c1 and c2" "$(jget '[i["metadata"]["name"] for i in d["items"]]')" '["c1", "c2"]'

# Changes while the client pages: c1 (already read) and a new object.
is "c1 changes" "$(api PATCH "$CM/c1" alice-token '{"data":{"v":"1"}}' application/merge-patch+json)" 200
C1RV=$(jget 'd["metadata"]["resourceVersion"]')
is "c6 is created" "$(api POST "$CM" alice-token '{"metadata":{"name":"c6"}}')" 201

is "page 2" "$(api GET "$CM?limit=2&continue=$TOK" alice-token)" 200
is "says the first page's resourceVersion" "$(jget 'd["metadata"]["resourceVersion"]')" "$RV1"
TOK=$(jget 'd["metadata"]["continue"]')
is "and so does the last page" "$(get_jget "$CM?limit=10&continue=$TOK" alice-token '[d["metadata"]["resourceVersion"], d["metadata"].get("continue", "")]')" "[\"$RV1\", \"\"]"

# A watch from the list's version replays what changed while paging.
curl -sS -N --max-time 3 -H 'Authorization: Bearer alice-token' \
    "$SIM_URL$CM?watch=1&resourceVersion=$RV1" 2>/dev/null >"$TMP/w"
is "a watch from it sees c1's change" "$($PY -c '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print([e["object"]["metadata"]["resourceVersion"] for e in ev
       if e["type"] == "MODIFIED" and e["object"]["metadata"]["name"] == "c1"])
' "$TMP/w")" "['$C1RV']"

# Streaming lists: a watch with sendInitialEvents sends the current state,
# then a BOOKMARK marked k8s.io/initial-events-end at its version.
NOWRV=$(get_jget "$CM" alice-token 'd["metadata"]["resourceVersion"]')
curl -sS -N --max-time 2 -H 'Authorization: Bearer alice-token' \
    "$SIM_URL$CM?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true" \
    2>/dev/null >"$TMP/wl"
is "sendInitialEvents: ADDED for each object, then the end bookmark" "$($PY -c '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print([e["type"] for e in ev[:7]], ev[6]["object"]["metadata"].get("annotations"),
      ev[6]["object"]["metadata"]["resourceVersion"] == sys.argv[2])
' "$TMP/wl" "$NOWRV")" "['ADDED', 'ADDED', 'ADDED', 'ADDED', 'ADDED', 'ADDED', 'BOOKMARK'] {'k8s.io/initial-events-end': 'true'} True"
[ "$(api GET "$CM?watch=1&sendInitialEvents=false" alice-token)" = 422 ]
ok "sendInitialEvents without resourceVersionMatch is Invalid" $?
like "in the apiserver's words" "$TMP/body" 'ListOptions.meta.k8s.io \\"\\" is invalid: resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan'
is "with the refusal as a cause of ListOptions" "$(jget '[d["details"]["kind"], d["details"]["group"], [(c["reason"], c["field"]) for c in d["details"]["causes"]]]')" '["ListOptions", "meta.k8s.io", [["FieldValueForbidden", "resourceVersionMatch"]]]'
is "resourceVersionMatch on a watch without sendInitialEvents" "$(api GET "$CM?watch=1&resourceVersionMatch=NotOlderThan" alice-token)" 422
is "on a list without resourceVersion" "$(api GET "$CM?resourceVersionMatch=NotOlderThan" alice-token)" 422
is "Exact with resourceVersion 0" "$(api GET "$CM?resourceVersionMatch=Exact&resourceVersion=0" alice-token)" 422
is "NotOlderThan an old version: the current state" "$(api GET "$CM?resourceVersionMatch=NotOlderThan&resourceVersion=1" alice-token)" 200
is "Exact at the current version" "$(api GET "$CM?resourceVersionMatch=Exact&resourceVersion=$NOWRV" alice-token)" 200
is "NotOlderThan a version not reached yet is 504" "$(api GET "$CM?resourceVersionMatch=NotOlderThan&resourceVersion=$((NOWRV + 1000))" alice-token)" 504
like "Too large resource version" "$TMP/body" "Too large resource version: $((NOWRV + 1000)), current: $NOWRV"

# Compaction: the token's version is gone.
TOK=$(get_jget "$CM?limit=2" alice-token 'd["metadata"]["continue"]')
api POST /sim/faults admin-token '{"expireWatches":true}' >/dev/null
is "a token from before a compaction" "$(api GET "$CM?limit=2&continue=$TOK" alice-token)" 410
is "is Expired" "$(jget 'd["reason"]')" Expired

check "stops cleanly" sim_stop
finish
