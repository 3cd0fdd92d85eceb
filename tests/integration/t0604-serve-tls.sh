#!/bin/sh
# `ailab-queue serve` over TLS (OpenSSL bufferevents under evhttp): a
# verified HTTPS API, plain HTTP refused on the TLS port, and at most
# --max-connections connections at once (more are closed at once).
. "$top_srcdir/tests/integration/t06-serve-lib.sh"
skip_unless "needs openssl" command -v openssl
plan 8

pki_server "$TMP/pki" server /CN=ailab-queue DNS:localhost

check "ailab-kubesim starts" start_kubesim
check "serve starts with TLS" start_serve t --no-schedule \
    --tls-cert "$TMP/pki/server.crt" --tls-key "$TMP/pki/server.key" \
    --max-connections 3
PORT=${SERVE_URL##*:}
SERVE_URL=https://localhost:$PORT
is "the URL it prints is https" "${SERVE_URL_t%%:*}" https
is "whoami over verified HTTPS" \
    "$(api alice GET /v1/whoami --cacert "$TMP/pki/ca.crt") $(jq_body 'b["username"]')" \
    "200 alice"
is "a client that does not trust the CA refuses it" \
    "$(api alice GET /v1/whoami)" 000
is "plain HTTP on the TLS port gets no answer" \
    "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$PORT/healthz")" 000

# Three idle TLS connections take every slot; a fourth client is closed
# at once, and served once one of them goes.
python3 - "$PORT" "$TMP/pki/ca.crt" "$TMP/hold" <<'EOT' &
import os, socket, ssl, sys, time
ctx = ssl.create_default_context(cafile=sys.argv[2])
conns = []
for i in range(3):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
    conns.append(ctx.wrap_socket(s, server_hostname="localhost"))
open(sys.argv[3], "w").close()
time.sleep(4)
for c in conns:
    c.close()
time.sleep(1)
EOT
HOLD=$!
TEST_PIDS="$TEST_PIDS $HOLD"
wait_for 10 test -e "$TMP/hold"
is "with every slot taken a new client is refused" \
    "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 --cacert "$TMP/pki/ca.crt" "$SERVE_URL/healthz")" 000
wait "$HOLD"
is "and is served once a slot frees" \
    "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 --cacert "$TMP/pki/ca.crt" "$SERVE_URL/healthz")" 200
finish
