#!/bin/sh
# serve --access-log FILE (made 0600) and -v: one line per request with
# the method, the path without its query, the status, the body's bytes,
# the duration and the authenticated user ("-" if none), never a token or
# a cookie; a client cannot forge lines.
. "$top_srcdir/tests/integration/t06-serve-lib.sh"
plan 15

check "ailab-kubesim starts" start_kubesim
# An existing log readable by others is made 0600 (it names users).
: >"$TMP/access.log"
chmod 644 "$TMP/access.log"
check "serve starts with --access-log" start_serve a --no-lease --no-schedule \
    --access-log "$TMP/access.log"
is "the log is made 0600" "$(stat -c %a "$TMP/access.log")" 600

is "alice lists her jobs" "$(api alice GET '/v1/jobs?limit=5')" 200
is "a query holding a secret is refused" \
    "$(api alice GET '/v1/jobs?token=qs3cret' -H 'Cookie: ailab_queue_session=c00kie')" 400
is "no token: 401" "$(api - GET /v1/jobs)" 401
is "a path with a newline" "$(api - GET '/v1/x%0A127.0.0.1%20GET%20/forged')" 401
is "health" "$(api - GET /healthz)" 200
wait_for 5 grep -q healthz "$TMP/access.log"

LINE='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z 127\.0\.0\.1'
like "a line for alice: method, path, status, bytes, ms, user" \
    "$TMP/access.log" "$LINE GET /v1/jobs 200 [1-9][0-9]* [0-9]+ms alice\$"
like "the refused query: path without the query, her name" \
    "$TMP/access.log" "$LINE GET /v1/jobs 400 [0-9]+ [0-9]+ms alice\$"
like "no user: '-'" "$TMP/access.log" "$LINE GET /v1/jobs 401 [0-9]+ [0-9]+ms -\$"
unlike "never a token, a query secret or a cookie" "$TMP/access.log" 'alice-token|qs3cret|c00kie|Bearer'
[ "$(wc -l <"$TMP/access.log")" -eq 5 ] &&
    grep -q 'GET /v1/x%0A127.0.0.1%20GET%20/forged 401' "$TMP/access.log"
ok "five lines: a newline in a path is escaped, not a line of its own" $?
kill "$SERVE_PID"
wait "$SERVE_PID"

# Without --access-log, -v logs the same lines to stderr.
"$AILAB_QUEUE" -v --context admin serve --listen 127.0.0.1:0 --no-lease \
    --no-schedule >"$TMP/v.out" 2>"$TMP/v.err" &
TEST_PIDS="$TEST_PIDS $!"
wait_for 20 grep -q '^url ' "$TMP/v.out"
SERVE_URL=$(sed -n 's/^url //p' "$TMP/v.out")
api bob GET /v1/jobs >/dev/null
wait_for 5 grep -q 'access 127.0.0.1 GET /v1/jobs 200' "$TMP/v.err"
like "-v logs the line to stderr" "$TMP/v.err" \
    "access 127\.0\.0\.1 GET /v1/jobs 200 [0-9]+ [0-9]+ms bob\$"
unlike "without the token" "$TMP/v.err" 'bob-token'
finish
