#!/bin/sh
# The shared queue's authentication and authorization against
# ailab-kubesim with several users: tokens are reviewed by the cluster, a
# user submits only where the cluster lets them create workloads, sees and
# changes only their own jobs; the admin group sees all, a TA group sees
# its class namespace.
. "$top_srcdir/tests/integration/t06-serve-lib.sh"
plan 32

check "ailab-kubesim starts" start_kubesim
check "serve starts and prints its URL" start_serve a --no-schedule \
    --ta students=ml101 --user-max-queued 5

user_specs
sed 's/namespace: alice/namespace: ml101/' "$TMP/alice.yaml" \
    >"$TMP/class.yaml"

is "/healthz needs no token" "$(api - GET /healthz)" 200
is "no token: 401" "$(api - GET /v1/jobs)" 401
is "the 401 has the stable error shape" \
    "$(jq_body 'b["error"]["code"], b["error"]["reason"]')" "401 Unauthorized"
is "an unknown token: 401" "$(api nobody GET /v1/jobs)" 401
is "whoami names the user from the TokenReview" \
    "$(api alice GET /v1/whoami) $(jq_body 'b["username"], b["admin"]')" \
    "200 alice False"

is "alice submits into her namespace" "$(submit alice "$TMP/alice.yaml")" 201
ALICE_JOB=$(jq_body 'b["items"][0]["id"]')
is "the owner is the authenticated user" \
    "$(jq_body 'b["items"][0]["owner"]')" alice
is "bob submits into his namespace" "$(submit bob "$TMP/bob.yaml")" 201
BOB_JOB=$(jq_body 'b["items"][0]["id"]')
is "alice submits into the class namespace" \
    "$(submit alice "$TMP/class.yaml")" 201
CLASS_JOB=$(jq_body 'b["items"][0]["id"]')

queue_json >"$TMP/before.json"
is "alice cannot submit into bob's namespace: 403" \
    "$(submit alice "$TMP/bob.yaml")" 403
like "the refusal names the user, the workload and the namespace" \
    "$TMP/body" "user 'alice' may not create deployments.apps in namespace 'bob'"
is "a client cannot choose the owner" \
    "$(submit alice "$TMP/alice.yaml" owner=bob)" 400
queue_json >"$TMP/after.json"
check "refused submissions leave the queue unchanged" cmp -s "$TMP/before.json" "$TMP/after.json"

is "alice lists only her own jobs" \
    "$(api alice GET '/v1/jobs?all=true') $(jq_body 'sorted(j["owner"] for j in b["items"])')" \
    "200 ['alice', 'alice']"
is "alice cannot see bob's job (404)" "$(api alice GET /v1/jobs/$BOB_JOB)" 404
is "alice cannot cancel bob's job (404)" \
    "$(api alice POST /v1/jobs/$BOB_JOB/cancel)" 404
is "nor through a batch cancel" \
    "$(api alice POST /v1/jobs/cancel -d "{\"ids\":[$BOB_JOB]}") $(jq_body 'b["items"][0]["result"]')" \
    "200 not_found"
is "bob's job is untouched" \
    "$(api bob GET /v1/jobs/$BOB_JOB) $(jq_body 'b["state"], b["cancel_requested"]')" \
    "200 queued False"
is "owner=bob shows alice (a TA of ml101) none of bob's private jobs" \
    "$(api alice GET '/v1/jobs?owner=bob') $(jq_body 'b["items"]')" "200 []"

is "the admin group lists everyone's jobs" \
    "$(api admin GET '/v1/jobs?all=true') $(jq_body 'len(b["items"])')" "200 3"
queue_json >"$TMP/local.json"
is "each job is the very object 'ls --all -o json' prints" "$(api admin GET '/v1/jobs?all=true' >/dev/null
    jq_body "b['items'] == json.load(open('$TMP/local.json'))")" True
is "the admin filters by owner" \
    "$(api admin GET '/v1/jobs?owner=bob') $(jq_body '[j["id"] for j in b["items"]]')" \
    "200 [$BOB_JOB]"
is "a TA group member (bob, students=ml101) sees the class job" \
    "$(api bob GET /v1/jobs/$CLASS_JOB) $(jq_body 'b["owner"]')" "200 alice"
is "and lists it with his own, not alice's private one" \
    "$(api bob GET /v1/jobs) $(jq_body 'sorted(j["id"] for j in b["items"])')" \
    "200 [$BOB_JOB, $CLASS_JOB]"

is "alice cancels her own job" \
    "$(api alice POST /v1/jobs/$ALICE_JOB/cancel) $(jq_body 'b["items"][0]["result"]')" \
    "200 cancelled"
is "paging: limit 1 gives a continue token" \
    "$(api admin GET '/v1/jobs?all=true&limit=1') $(jq_body 'len(b["items"]), "continue" in b')" \
    "200 1 True"
TOKEN=$(jq_body 'b["continue"]')
is "the next page goes on from it" \
    "$(api admin GET "/v1/jobs?all=true&limit=5&continue=$TOKEN") $(jq_body 'len(b["items"]), "continue" in b')" \
    "200 2 False"

# carol has 0 waiting jobs; the limit is 5: a sweep of 6 is refused whole.
cat >"$TMP/sweep.yaml" <<'EOT'
name: s
namespace: carol
image: busybox
command: [sh, -c, "echo ${i}"]
sweep:
  grid:
    i: [1, 2, 3, 4, 5, 6]
EOT
is "a submission over the per-user queued limit is refused" \
    "$(submit carol "$TMP/sweep.yaml") $(jq_body 'b["error"]["reason"]')" \
    "403 LimitExceeded"
like "the refusal says the limit" "$TMP/body" "at most 5 waiting jobs"
is "the show of a job carries events and archived replicas" \
    "$(api alice GET /v1/jobs/$ALICE_JOB) $(jq_body '[e["to"] for e in b["events"]], b["archived_replicas"]')" \
    "200 ['queued', 'cancelled'] []"
finish
