#!/bin/sh
# The dashboard over HTTP, with curl: its files under /ui/ (types, a strict
# Content-Security-Policy, caching, no listing, no path traversal however
# encoded, no symlink or oversized file), the session a token buys (an
# HttpOnly, SameSite=Strict cookie), the CSRF value every state change by
# cookie needs, visibility unchanged, the event stream as Server-Sent
# Events, logout, and GET /v1/cluster agreeing with `quota`.
. "$top_srcdir/tests/integration/t06-serve-lib.sh"
plan 56

# A copy of the dashboard with things that must never be served.
mkdir -p "$TMP/ui/sub"
cp "$top_srcdir"/ui/index.html "$top_srcdir"/ui/app.js \
    "$top_srcdir"/ui/app.css "$TMP/ui/"
echo secret >"$TMP/ui/.hidden.txt"
echo inside >"$TMP/ui/sub/inside.txt"
ln -s /etc/passwd "$TMP/ui/passwd.txt"
head -c 1048577 /dev/zero >"$TMP/ui/big.txt"
echo bytes >"$TMP/ui/data.bin"

check "ailab-kubesim starts" start_kubesim
check "serve starts with --ui-dir" start_serve a --no-schedule \
    --ui-dir "$TMP/ui"

# get PATH [CURL ARGS]: status of a GET without a token; headers to
# $TMP/hdr, body to $TMP/body.
get() {
	_p=$1
	shift
	curl -s --path-as-is -D "$TMP/hdr" -o "$TMP/body" -w '%{http_code}' \
	    --max-time 20 "$@" "$SERVE_URL$_p"
}
# hdr NAME: a response header's value.
hdr() {
	tr -d '\r' <"$TMP/hdr" | sed -n "s/^$1: //Ip" | head -n 1
}

is "/ui/ is the dashboard's page" "$(get /ui/) $(hdr Content-Type)" \
    "200 text/html; charset=utf-8"
check "the page is the file, byte for byte" cmp -s "$TMP/body" "$top_srcdir/ui/index.html"
CSP=$(hdr Content-Security-Policy)
case "$CSP" in
*"default-src 'none'"*"script-src 'self'"*) r=0 ;;
*) r=1 ;;
esac
ok "a Content-Security-Policy of 'self' scripts only" $r
case "$CSP" in
*unsafe*|*http:*|*https:*|*'*'*) r=1 ;;
*) r=0 ;;
esac
ok "the policy allows no inline code and no other origin" $r
is "no type sniffing" "$(hdr X-Content-Type-Options)" nosniff
is "revalidated on every use" "$(hdr Cache-Control)" no-cache
grep -q '<script[^>]*src=' "$TMP/body" && ! grep -q '<script>' "$TMP/body" &&
    ! grep -Eqi ' on[a-z]+=| style=' "$TMP/body"
ok "the page has no inline script, handler or style" $?
ETAG=$(hdr ETag)
is "an unchanged file is 304 to If-None-Match" \
    "$(get /ui/ -H "If-None-Match: $ETAG")" 304
is "JavaScript is served as such" "$(get /ui/app.js) $(hdr Content-Type)" \
    "200 text/javascript; charset=utf-8"
is "CSS too" "$(get /ui/app.css) $(hdr Content-Type)" \
    "200 text/css; charset=utf-8"
is "/ redirects to the dashboard" "$(get /) $(hdr Location)" "302 /ui/"
is "POST to a file is 405" "$(get /ui/app.js -X POST)" 405

is "no directory listing" "$(get /ui/sub/)" 404
is "nor of a directory without its slash" "$(get /ui/sub)" 404
is "a file in a subdirectory is served" "$(get /ui/sub/inside.txt)" 200
is "hidden files are not served" "$(get /ui/.hidden.txt)" 404
is "a symlink out of the directory is not followed" \
    "$(get /ui/passwd.txt)" 404
is "a file over 1 MiB is not served" "$(get /ui/big.txt)" 404
is "nor a file of an unknown type" "$(get /ui/data.bin)" 404
# A file of a served type just outside the directory: only the name
# rules stand between it and a traversal.
echo outside-secret >"$TMP/secret.txt"
for p in /ui/../secret.txt /ui/sub/../../secret.txt /ui/%2e%2e/secret.txt \
    /ui/..%2fsecret.txt /ui/%2E%2E%2Fsecret.txt /ui/sub/%2e%2e%2f%2e%2e/secret.txt \
    /ui/.%2e/secret.txt /ui/%252e%252e/secret.txt '/ui/..\secret.txt' \
    /ui/%00index.html "/ui/$TMP/secret.txt" /ui/%2F..%2Fsecret.txt \
    /ui/../../../../etc/passwd /ui/sub/%2e%2e/index.html; do
	c=$(get "$p")
	if [ "$c" = 404 ] || [ "$c" = 400 ] &&
	    ! grep -q 'root:\|outside-secret' "$TMP/body"; then
		r=0
	else
		echo "# $p: $c"
		r=1
	fi
	ok "traversal $p is refused" $r
done

# Sessions.
ALICE_TOKEN=$(kube_token alice)
: "${ALICE_TOKEN:=alice-token}"
is "a token signs in" "$(get /v1/session -X POST \
    -H "Authorization: Bearer alice-token")" 201
COOKIE=$(hdr Set-Cookie)
case "$COOKIE" in
ailab_queue_session=*"; Path=/; Max-Age="*"; HttpOnly; SameSite=Strict") r=0 ;;
*) r=1; echo "# $COOKIE" ;;
esac
ok "the cookie is HttpOnly, SameSite=Strict, for the whole site, expiring" $r
SID=$(echo "$COOKIE" | sed 's/^ailab_queue_session=\([^;]*\);.*/\1/')
CSRF=$(jq_body 'b["csrf_token"]')
is "the session names the user and has a CSRF value" \
    "$(jq_body 'b["username"]') ${#SID} ${#CSRF}" "alice 64 64"
! grep -q alice-token "$TMP/hdr" "$TMP/body" &&
    [ "$SID" != "$CSRF" ]
ok "neither the cookie nor the answer holds the token" $?
C="Cookie: ailab_queue_session=$SID"
is "the cookie authenticates" \
    "$(get /v1/whoami -H "$C") $(jq_body 'b["username"]')" "200 alice"
is "GET /v1/session gives the CSRF value back (page reloads)" \
    "$(get /v1/session -H "$C") $(jq_body 'b["csrf_token"]')" "200 $CSRF"

user_specs
submit alice "$TMP/alice.yaml" >/dev/null
JOB=$(jq_body 'b["items"][0]["id"]')
submit bob "$TMP/bob.yaml" >/dev/null
BOBJOB=$(jq_body 'b["items"][0]["id"]')
is "a state change by cookie without X-CSRF-Token is 403" \
    "$(get /v1/jobs/$JOB/cancel -X POST -H "$C")" 403
is "nor with a wrong one" "$(get /v1/jobs/$JOB/cancel -X POST -H "$C" \
    -H "X-CSRF-Token: $(echo "$CSRF" | tr 0-9a-f a-f0-9)")" 403
is "the job is still queued" \
    "$(aq ls -o json | python3 -c 'import json,sys; print([j["state"] for j in json.load(sys.stdin) if j["id"]=='"$JOB"'])')" \
    "['queued']"
is "a cookie sees only its user's jobs" \
    "$(get '/v1/jobs' -H "$C") $(jq_body '[j["owner"] for j in b["items"]]')" \
    "200 ['alice']"
is "nor acts on another's (404)" \
    "$(get /v1/jobs/$BOBJOB/cancel -X POST -H "$C" -H "X-CSRF-Token: $CSRF")" 404
curl -s -N --max-time 2 -H "$C" -H 'Accept: text/event-stream' \
    -D "$TMP/sse.hdr" "$SERVE_URL/v1/events?watch=true&since=0" \
    >"$TMP/sse" 2>/dev/null
grep -qi '^Content-Type: text/event-stream' "$TMP/sse.hdr" &&
    grep -q '^id: [0-9]' "$TMP/sse" &&
    grep -q "^data: {\"type\":\"EVENT\".*\"id\":$JOB," "$TMP/sse" &&
    ! grep -q "\"id\":$BOBJOB," "$TMP/sse"
ok "the event stream takes the cookie and speaks SSE, own jobs only" $?
is "with the CSRF value the page's cancel works" \
    "$(get /v1/jobs/$JOB/cancel -X POST -H "$C" -H "X-CSRF-Token: $CSRF")" 200

is "sign-out by cookie needs the CSRF value too" \
    "$(get /v1/session -X DELETE -H "$C")" 403
is "sign-out" "$(get /v1/session -X DELETE -H "$C" -H "X-CSRF-Token: $CSRF")" 200
like "the cookie is cleared" "$TMP/hdr" '^Set-Cookie: ailab_queue_session=; .*Max-Age=0'
is "the old cookie is 401 afterwards" "$(get /v1/whoami -H "$C")" 401
is "an unknown session is 401" "$(get /v1/whoami \
    -H "Cookie: ailab_queue_session=$(echo "$SID" | tr 0-9a-f a-f0-9)")" 401
! grep -q alice-token "$TMP/serve-a.err" "$TMP/serve-a.out"
ok "the token is never logged" $?

# /v1/cluster: the figures of quota, and the waiting demand.
is "GET /v1/cluster" "$(api alice GET /v1/cluster)" 200
cp "$TMP/body" "$TMP/cluster.json"
aq --context admin quota -n alice -o json >"$TMP/quota.json" 2>"$TMP/err"
python3 - "$TMP/cluster.json" "$TMP/quota.json" <<'EOT'
import json, sys
c = json.load(open(sys.argv[1]))
q = json.load(open(sys.argv[2]))["gpus"]
strip = lambda ts: [{k: t[k] for k in ("type", "nodes", "allocatable", "used", "free")} for t in ts]
sys.exit(not (strip(c["types"]) == strip(q["types"]) and c["nodes"] == q["nodes"]
              and len(c["nodes"]) > 0))
EOT
ok "its types and nodes are those 'quota' prints" $?
finish
