#!/bin/sh
# Requests per second of the kube/ client against ailab-kubesim: GETs and
# creates with 1, 8 and 64 requests in flight, over HTTP and over HTTPS
# (a certificate made here with openssl).  Figures: docs/performance.md.
#
# usage: bench/kube-bench.sh [BUILDDIR] [COUNT]   (from the source tree)
set -eu
B=${1:-.}
N=${2:-4000}
SIM="$B/ailab-kubesim"
BENCH="$B/bench/kube-bench"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kube-bench.XXXXXX")
PID=
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"' EXIT

# start_sim [TLS-OPTIONS...]: a fresh simulator, its kubeconfig in $TMP/kc.
start_sim() {
	[ -n "$PID" ] && kill "$PID" && wait "$PID" 2>/dev/null
	rm -f "$TMP/kc"
	"$SIM" --listen 127.0.0.1:0 --kubeconfig-out "$TMP/kc" "$@" \
		>"$TMP/sim.out" 2>"$TMP/sim.err" &
	PID=$!
	for _ in $(seq 1 100); do
		[ -s "$TMP/kc" ] && return 0
		sleep 0.1
	done
	echo "kube-bench: ailab-kubesim did not start" >&2
	exit 1
}

run() {
	for op in get create; do
		for k in 1 8 64; do
			echo "$1 $("$BENCH" --kubeconfig "$TMP/kc" --context alice \
			    --op "$op" --inflight "$k" --count "$N")"
		done
	done
}

start_sim
run http

openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=bench-ca" \
	-keyout "$TMP/ca.key" -out "$TMP/ca.crt" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
	-keyout "$TMP/srv.key" -out "$TMP/srv.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' >"$TMP/ext"
openssl x509 -req -in "$TMP/srv.csr" -CA "$TMP/ca.crt" -CAkey "$TMP/ca.key" \
	-CAcreateserial -days 1 -extfile "$TMP/ext" -out "$TMP/srv.crt" \
	2>/dev/null
start_sim --tls-cert "$TMP/srv.crt" --tls-key "$TMP/srv.key"
# Verify the server with our CA, as users do.
sed -i "/insecure-skip-tls-verify/d; /certificate-authority/d; \
s|^\(    server: .*\)$|\1\n    certificate-authority: $TMP/ca.crt|" "$TMP/kc"
run https
