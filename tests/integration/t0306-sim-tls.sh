#!/bin/sh
# HTTPS with a certificate made by the openssl command line, client
# certificate authentication (CN = user, O = groups), impersonation and the
# review APIs.
. "$top_srcdir/tests/sim/sim-lib.sh"
plan 22

check "openssl makes a CA, a server and a client certificate" sim_tls
D="$TMP/tls"
pki_cert "$D" root /CN=eve/O=system:masters ca
ok "and an admin client certificate" $?
fails "a missing key file is refused" 1 "$AILAB_KUBESIM" --listen 127.0.0.1:0 \
    --tls-cert "$D/srv.crt" --tls-key "$D/nope.key"
like "naming the file" "$TMP/err" "nope.key"
check "starts with TLS and a client CA" sim_start --tls-cert "$D/srv.crt" \
    --tls-key "$D/srv.key" --client-ca "$D/ca.crt"
like "the URL is https" "$TMP/sim.out" '^url https://127.0.0.1:[0-9]+$'
CURL_EXTRA="--cacert $D/ca.crt"
is "verified HTTPS with a token" "$(api GET /api/v1/namespaces/alice/pods alice-token)" 200
CURL_EXTRA="--cacert $D/ca.crt --cert $D/cli.crt --key $D/cli.key"
is "a client certificate authenticates" "$(api POST /apis/authentication.k8s.io/v1/selfsubjectreviews - '{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}')" 201
is "CN is the user" "$(jget 'd["status"]["userInfo"]["username"]')" alice
is "O are the groups" "$(jget 'd["status"]["userInfo"]["groups"]')" '["students", "system:authenticated"]'
is "with alice's rights" "$(api GET /api/v1/namespaces/alice/pods -)" 200
is "and not bob's" "$(api GET /api/v1/namespaces/bob/pods -)" 403
CURL_EXTRA="--cacert $D/ca.crt --cert $D/root.crt --key $D/root.key"
is "system:masters in O makes an admin" "$(api GET /api/v1/pods -)" 200
CURL_EXTRA="--cacert $D/ca.crt -H Impersonate-User:bob"
is "an admin impersonates bob" "$(api GET /api/v1/namespaces/bob/pods admin-token)" 200
is "as bob, alice's namespace is forbidden" "$(api GET /api/v1/namespaces/alice/pods admin-token)" 403
like "the message names bob" "$TMP/body" 'User \\"bob\\" cannot list'
is "alice may not impersonate" "$(api GET /api/v1/namespaces/bob/pods alice-token)" 403
like "impersonate forbidden message" "$TMP/body" 'cannot impersonate resource \\"users\\"'
CURL_EXTRA="--cacert $D/ca.crt"
api POST /apis/authentication.k8s.io/v1/tokenreviews admin-token '{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"bob-token"}}' >/dev/null
is "TokenReview" "$(jget '("yes" if d["status"]["authenticated"] else "no")+" "+d["status"]["user"]["username"]')" "yes bob"
is "TokenReview is not for students" "$(api POST /apis/authentication.k8s.io/v1/tokenreviews alice-token '{"spec":{"token":"bob-token"}}')" 403
api POST /apis/authorization.k8s.io/v1/subjectaccessreviews admin-token '{"spec":{"user":"bob","resourceAttributes":{"namespace":"alice","verb":"list","resource":"pods"}}}' >/dev/null
is "SubjectAccessReview: bob may not list alice's pods" "$(jget 'd["status"]["allowed"]')" false
api POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews bob-token '{"spec":{"resourceAttributes":{"namespace":"bob","verb":"create","group":"batch","resource":"jobs"}}}' >/dev/null
is "SelfSubjectAccessReview: bob may create jobs in bob" "$(jget 'd["status"]["allowed"]')" true
finish
