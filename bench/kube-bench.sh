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
. "$(dirname "$0")/lib.sh"

# restart [TLS-OPTIONS...]: a fresh simulator, its kubeconfig in
# $tmp/kubeconfig.
restart() {
	[ -n "$SIMPID" ] && kill "$SIMPID" && wait "$SIMPID" 2>/dev/null
	sim_start "$SIM" "$@"
}

run() {
	for op in get create; do
		for k in 1 8 64; do
			echo "$1 $("$BENCH" --kubeconfig "$tmp/kubeconfig" \
			    --context alice --op "$op" --inflight "$k" \
			    --count "$N")"
		done
	done
}

restart
run http

openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=bench-ca" \
	-keyout "$tmp/ca.key" -out "$tmp/ca.crt" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
	-keyout "$tmp/srv.key" -out "$tmp/srv.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' >"$tmp/ext"
openssl x509 -req -in "$tmp/srv.csr" -CA "$tmp/ca.crt" -CAkey "$tmp/ca.key" \
	-CAcreateserial -days 1 -extfile "$tmp/ext" -out "$tmp/srv.crt" \
	2>/dev/null
restart --tls-cert "$tmp/srv.crt" --tls-key "$tmp/srv.key"
# Verify the server with our CA, as users do.
sed -i "/insecure-skip-tls-verify/d; /certificate-authority/d; \
s|^\(    server: .*\)$|\1\n    certificate-authority: $tmp/ca.crt|" "$tmp/kubeconfig"
run https
