#!/bin/sh
# serve --listen on an address other machines reach: over plain HTTP it
# warns that bearer tokens travel in clear; the URL it prints is the
# address it listens on (the host's name for 0.0.0.0), never a loopback
# address it does not mean.
. "$top_srcdir/tests/integration/t06-serve-lib.sh"
plan 11

check "ailab-kubesim starts" start_kubesim

# serve_on NAME ARGS...: starts serve as the admin, its URL in $URL.
serve_on() {
	_n=$1
	shift
	: >"$TMP/$_n.out"
	spawn _pid "$AILAB_QUEUE" --context admin serve --no-lease --no-schedule \
	    "$@" >"$TMP/$_n.out" 2>"$TMP/$_n.err"
	wait_for 20 grep -q '^url ' "$TMP/$_n.out"
	URL=$(sed -n 's/^url //p' "$TMP/$_n.out")
	[ -n "$URL" ]
}

serve_on any --listen 0.0.0.0:0
ok "serve starts on 0.0.0.0" $?
HOST=$(hostname)
PORT=${URL##*:}
is "its URL names this host, not 127.0.0.1" "$URL" "http://$HOST:$PORT"
like "it warns that tokens travel in clear" "$TMP/any.err" \
    "^ailab-queue: warning: serving plain HTTP at http://$HOST:$PORT \(all interfaces\): users' bearer tokens travel in clear"
is "and it does listen on every interface (loopback among them)" \
    "$(curl -s --max-time 10 "http://127.0.0.1:$PORT/healthz")" ok

serve_on lo --listen 127.0.0.1:0
ok "serve starts on 127.0.0.1" $?
like "its URL is the loopback address" "$TMP/lo.out" \
    '^url http://127\.0\.0\.1:[0-9]+$'
unlike "without a warning: nothing leaves the machine" "$TMP/lo.err" warning

if command -v openssl >/dev/null; then
	pki_ca "$TMP" tls localhost
	serve_on tls --listen 0.0.0.0:0 --tls-cert "$TMP/tls.crt" \
	    --tls-key "$TMP/tls.key"
	ok "serve starts on 0.0.0.0 with TLS" $?
	like "its URL is https on this host" "$TMP/tls.out" \
	    "^url https://$HOST:[0-9]+\$"
	! grep -q warning "$TMP/tls.err"
	ok "without a warning: tokens are encrypted" $?
else
	for i in 1 2 3; do ok "# SKIP needs openssl" 0; done
fi
finish
