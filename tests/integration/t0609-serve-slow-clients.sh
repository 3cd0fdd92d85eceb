#!/bin/sh
# Connection hygiene from the first byte (issue 18, item 3): clients that
# trickle their headers, their body or a TLS handshake a byte at a time,
# or idle on a kept-alive connection, are closed at their deadline (which
# bytes do not extend) while other clients are served; connections
# beyond the per-address and the total caps are closed at once.  Counts,
# not times: each slow client runs for a minute at most, and must be
# closed before it gives up.  Clients come from other loopback addresses
# (127.0.0.2, ...) so that the per-address cap is the test's to choose.
. "$top_srcdir/tests/integration/t06-serve-lib.sh"
skip_unless "needs openssl" command -v openssl
plan 25

# slow.py URL N SOURCE MODE: N connections from SOURCE, each sending a
# byte or a line a second for at most 60 s (MODE headers, body, tls) or
# idling after one request (idle), or holding still (hold: reports after
# 2 s how many were closed, then keeps the rest open until killed).
# Prints "CLOSED EARLIEST" (seconds).
cat >"$TMP/slow.py" <<'EOT'
import socket, ssl, sys, time
url, n, src, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
host, port = url.split("//")[1].rsplit(":", 1)
hello = b""
if mode == "tls":
    ctx = ssl.create_default_context()
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_hostname="localhost")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    hello = out.read()
socks = []
for i in range(n):
    s = socket.create_connection(("127.0.0.1", int(port)),
                                 source_address=(src, 0))
    if mode == "idle":
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(0.2)
        s.recv(4096)
    if mode == "body":
        s.sendall(b"POST /v1/jobs HTTP/1.1\r\nHost: x\r\n"
                  b"Content-Length: 100000\r\n\r\n")
    s.setblocking(False)
    socks.append(s)
t0 = time.time()
closed = {}
step = 0
reported = False
while len(closed) < n and time.time() - t0 < 60:
    for k, s in enumerate(socks):
        if k in closed:
            continue
        try:
            if s.recv(65536) == b"":
                closed[k] = time.time() - t0
                continue
        except BlockingIOError:
            pass
        except OSError:
            closed[k] = time.time() - t0
            continue
        try:
            if mode == "headers":
                s.send(b"GET /healthz HTTP/1.1\r\n" if step == 0
                       else b"X-Slow: %d\r\n" % step)
            elif mode == "body":
                s.send(b"x")
            elif mode == "tls" and step < len(hello):
                s.send(hello[step:step + 1])
        except BlockingIOError:
            pass
        except OSError:
            closed[k] = time.time() - t0
    if mode == "hold" and not reported and time.time() - t0 >= 2:
        print(len(closed), flush=True)
        reported = True
    step += 1
    time.sleep(1 if mode != "hold" else 0.2)
if mode != "hold":
    print(len(closed), "%.1f" % min(closed.values()) if closed else "-")
EOT

check "ailab-kubesim starts" start_kubesim

# Plain HTTP: 3 s for the headers, 3 s for a body, 4 s idle.
check "serve starts" start_serve a --no-schedule --header-timeout 3s \
    --body-timeout 3s --timeout 4s
spawn P1 python3 "$TMP/slow.py" "$SERVE_URL" 8 127.0.0.2 headers >"$TMP/headers.out" 2>&1
spawn P2 python3 "$TMP/slow.py" "$SERVE_URL" 4 127.0.0.3 body >"$TMP/body.out" 2>&1
spawn P3 python3 "$TMP/slow.py" "$SERVE_URL" 2 127.0.0.4 idle >"$TMP/idle.out" 2>&1
sleep 1
is "other clients are served meanwhile" "$(api5 alice GET /v1/jobs)" \
    " 200 200 200 200 200"
wait "$P1" "$P2" "$P3"
read -r n first <"$TMP/headers.out"
is "8 connections trickling a header line a second are all closed" "$n" 8
ok "none before the header deadline (first after ${first}s)" \
    "$(python3 -c "print(0 if float('$first') >= 2.5 else 1)")"
read -r n first <"$TMP/body.out"
is "4 connections trickling their body a byte a second are closed" "$n" 4
read -r n first <"$TMP/idle.out"
is "2 kept-alive connections left idle are closed" "$n" 2
curl -s --max-time 20 "$SERVE_URL/metrics" >"$TMP/metrics"
like "/metrics counts the header deadlines" "$TMP/metrics" \
    '^ailab_queue_connections_closed_total\{reason="header_timeout"\} 8$'
like "and the body deadlines" "$TMP/metrics" \
    '^ailab_queue_connections_closed_total\{reason="body_timeout"\} 4$'
like "and the idle ones" "$TMP/metrics" \
    '^ailab_queue_connections_closed_total\{reason="idle_timeout"\} 2$'

# TLS: a handshake trickled a byte a second is a header deadline too.
pki_server "$TMP/pki" server /CN=ailab-queue DNS:localhost
check "serve starts with TLS" start_serve t --no-schedule \
    --tls-cert "$TMP/pki/server.crt" --tls-key "$TMP/pki/server.key" \
    --header-timeout 3s --timeout 20s
TLS_URL=https://localhost:${SERVE_URL##*:}
spawn P4 python3 "$TMP/slow.py" "$SERVE_URL" 5 127.0.0.2 tls >"$TMP/tls.out" 2>&1
sleep 1
is "a TLS client is served meanwhile" \
    "$(curl -s -o /dev/null -w '%{http_code}' --max-time 20 \
    --cacert "$TMP/pki/ca.crt" "$TLS_URL/healthz")" 200
wait "$P4"
read -r n first <"$TMP/tls.out"
is "5 connections trickling a TLS handshake a byte a second are closed" \
    "$n" 5

# The caps: 5 per address, 12 in all (long deadlines: only caps close).
check "serve starts with caps" start_serve c --no-schedule \
    --max-connections-per-address 5 --max-connections 12 --header-timeout 60s \
    --timeout 60s
# hold N SOURCE: N connections from SOURCE held open; how many of them
# were closed within 2 s is in $TMP/hold-SOURCE.
hold() {
	python3 "$TMP/slow.py" "$SERVE_URL" "$1" "$2" hold >"$TMP/hold-$2" 2>&1 &
	HOLD="$HOLD $!"
	TEST_PIDS="$TEST_PIDS $!"
	wait_for 20 test -s "$TMP/hold-$2"
}
HOLD=
hold 8 127.0.0.2
is "of 8 connections from one address, the 3 over 5 are closed at once" \
    "$(cat "$TMP/hold-127.0.0.2")" 3
hold 5 127.0.0.3
is "another address has its own 5" "$(cat "$TMP/hold-127.0.0.3")" 0
hold 5 127.0.0.4
is "at 12 open in all, new connections are closed at once" \
    "$(cat "$TMP/hold-127.0.0.4")" 3
is "so is a request from a fourth address" \
    "$(curl -s -o /dev/null -w '%{http_code}' --max-time 20 \
    --interface 127.0.0.5 "$SERVE_URL/healthz")" 000
# shellcheck disable=SC2086
kill $HOLD
# shellcheck disable=SC2086
wait $HOLD 2>/dev/null
healthz_ok() {
	[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
	    --interface 127.0.0.5 "$SERVE_URL/healthz")" = 200 ]
}
ok_within "and served once connections close" 20 healthz_ok
curl -s --max-time 20 "$SERVE_URL/metrics" >"$TMP/metrics"
like "/metrics counts those over the per-address cap" "$TMP/metrics" \
    '^ailab_queue_connections_refused_total\{reason="per_address"\} 3$'
like "and those over the total cap" "$TMP/metrics" \
    '^ailab_queue_connections_refused_total\{reason="max_connections"\} [4-9]'
n=$(grep -c 'refused .* connection' "$TMP/serve-c.err")
ok "refusals are logged, not one line each ($n lines)" \
    "$([ "$n" -ge 1 ] && [ "$n" -lt 7 ]; echo $?)"

for s in a t c; do
	stop_serve $s
	rc=$?
	[ "$s" = a ] && ok "serve exits 0 on SIGTERM, no sanitizer report" $rc
	[ "$s" = t ] && ok "so does the TLS one" $rc
	[ "$s" = c ] && ok "and the capped one" $rc
done
finish
