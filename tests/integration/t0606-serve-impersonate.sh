#!/bin/sh
# serve --mode impersonate: the server creates and deletes each user's
# objects as that user (Impersonate-User), so the cluster's RBAC, quota and
# audit log see the user; in on-behalf mode they see the server.  Checked
# on the simulator's audit log (GET /sim/audit), not on the queue's view.
. "$top_srcdir/tests/integration/t06-serve-lib.sh"
plan 10

check "ailab-kubesim starts" start_kubesim --speed 20
check "serve --mode impersonate starts" start_serve imp --no-lease \
    --interval 1s --mode impersonate
check "a second server, on behalf, on its own queue" start_serve beh \
    --no-lease --interval 1s --db "$TMP/behalf.db"

cat >"$TMP/job.yaml" <<'EOT'
name: imp
image: busybox
command: [sh, -c, "echo hello"]
resources: {cpu: 1, memory: 1Gi}
annotations:
  ailab-kubesim.io/duration: 20s
EOT
SERVE_URL=$SERVE_URL_imp
is "alice submits to the impersonating server" \
    "$(submit alice "$TMP/job.yaml" namespace=alice)" 201
IMP=$(jq_body 'b["items"][0]["id"]')
SERVE_URL=$SERVE_URL_beh
is "bob submits to the on-behalf server" \
    "$(submit bob "$TMP/job.yaml" namespace=bob)" 201
BEH=$(jq_body 'b["items"][0]["id"]')

# Both jobs run to the end and their objects are deleted.
ended() {
	SERVE_URL=$SERVE_URL_imp
	[ "$(api alice GET "/v1/jobs/$IMP")" = 200 ] &&
	    [ "$(jq_body 'b["state"], b["cleaned"]')" = "succeeded True" ] &&
	    SERVE_URL=$SERVE_URL_beh &&
	    [ "$(api bob GET "/v1/jobs/$BEH")" = 200 ] &&
	    [ "$(jq_body 'b["state"], b["cleaned"]')" = "succeeded True" ]
}
ok_within "both jobs succeed and are cleaned up" 120 ended

sim_get /sim/audit >"$TMP/audit.json"
# who NS VERB: the users (and impersonators) that did VERB in NS.
who() {
	python3 - "$TMP/audit.json" "$1" "$2" <<'EOT'
import json, sys
a = json.load(open(sys.argv[1]))["items"]
print(" ".join(sorted({e["user"] + "/" + e.get("impersonatedBy", "-")
    for e in a if e.get("namespace") == sys.argv[2] and e["verb"] == sys.argv[3]})))
EOT
}
is "alice's objects were created as alice, by the server" \
    "$(who alice create)" "alice/admin"
is "and deleted as alice" "$(who alice delete)" "alice/admin"
is "bob's objects were created by the server itself" \
    "$(who bob create)" "admin/-"
is "and deleted by it" "$(who bob delete)" "admin/-"
finish
