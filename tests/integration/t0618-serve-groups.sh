#!/bin/sh
# Groups on the shared server are scoped by owner: alice and bob each have
# a group "hw1"; every lookup by group name is the caller's (or, for an
# admin, the owner named): ls, cancel, the API's group actions, rosters
# resubmitted, and dependencies (after: group:NAME resolves within the
# submitter's own groups).  A user who is not a TA may not join another's
# group.  GET /v1/usage gives a user their own standing only.
. "$top_srcdir/tests/integration/t06-serve-lib.sh"
plan 23

serve_on_kubesim --no-schedule --user-max-queued 0

printf 'name: a\nimage: busybox\ncommand: ["true"]\n---\nname: b\nimage: busybox\ncommand: ["true"]\n' >"$TMP/two.yaml"
printf 'name: c\nimage: busybox\ncommand: ["true"]\n' >"$TMP/one.yaml"
check "alice: a group hw1 of two" q --context alice submit --group hw1 "$TMP/two.yaml"
check "bob: his own group hw1 of one" q --context bob submit --group hw1 "$TMP/one.yaml"
is "  no clash: job 3" "$(out_ids)" 3

check "alice: ls --group hw1" q --context alice ls --group hw1 -q
is "  her two jobs" "$(out_ids)" "1 2"
check "bob: ls --group hw1" q --context bob ls --group hw1 -q
is "  his one" "$(out_ids)" 3
check "admin: ls --group hw1 --owner bob" q --context admin ls --group hw1 --owner bob -q
is "  bob's" "$(out_ids)" 3
check "admin: ls --group hw1" q --context admin ls --group hw1 -q
is "  none: the admin has no group hw1" "$(out_ids)" ""

check "bob: cancel --group hw1" q --context bob cancel --group hw1
is "  his job is cancelled" "$(served_state bob 3)" cancelled
is "  alice's are not" "$(served_state alice 1) $(served_state alice 2)" "queued queued"
is "bob: POST /v1/jobs/hold {group: hw1} finds only his group" \
    "$(api bob POST /v1/jobs/hold -d '{"group": "hw1"}'; echo; jq_body '[i["id"] for i in b["items"]]')" "200
[3]"
is "alice's group action holds hers" \
    "$(api alice POST /v1/jobs/hold -d '{"group": "hw1"}'; echo; jq_body '[i["id"] for i in b["items"]]')" "200
[1, 2]"

fails "bob (no TA) may not join alice's group: exit 1" 1 q --context bob submit --group hw1 --owner alice --append "$TMP/one.yaml"
like "  403, saying whose groups he may join" "$TMP/err" "user 'bob' may add jobs only to their own groups, not to those of 'alice'"

printf 'name: d\nimage: busybox\ncommand: ["true"]\nafter: [group:hw1]\n' >"$TMP/dep.yaml"
fails "carol: after group:hw1 (alice's and bob's, not hers): exit 2" 2 q --context carol submit "$TMP/dep.yaml"
like "  not one of her groups" "$TMP/err" "'group:hw1' is not one of your groups"
check "bob: after group:hw1 resolves to his own" q --context bob submit "$TMP/dep.yaml"
finish
