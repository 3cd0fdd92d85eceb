# Shared by the t03xx tests: start ailab-kubesim on a private port, TLS
# material made with the openssl command line, and small HTTP/JSON helpers.
# Sourced instead of tests/lib.sh, which it sources.
[ -n "${TAP_N:-}" ] || . "$top_srcdir/tests/lib.sh"
: "${AILAB_KUBESIM:?run through make check, or set AILAB_KUBESIM}"
PY=/usr/bin/python3
SIM_PID=
SIM_URL=
SIM_PORT=

# sim_start ARGS...: starts the simulator, waits for its "listening" line.
sim_start() {
	# A second start in one test must not read the first one's URL.
	rm -f "$TMP/sim.out"
	"$AILAB_KUBESIM" --listen 127.0.0.1:0 "$@" >"$TMP/sim.out" \
	    2>"$TMP/sim.err" &
	SIM_PID=$!
	TEST_PIDS="$TEST_PIDS $SIM_PID"
	i=0
	while ! grep -q '^url ' "$TMP/sim.out" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 100 ] || ! kill -0 "$SIM_PID" 2>/dev/null; then
			echo "ailab-kubesim did not start:" >&2
			cat "$TMP/sim.err" >&2
			return 1
		fi
		sleep 0.1
	done
	SIM_URL=$(sed -n 's/^url //p' "$TMP/sim.out")
	SIM_PORT=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$TMP/sim.out")
	return 0
}

# sim_stop: SIGTERM, then the exit status of the simulator.
sim_stop() {
	kill -TERM "$SIM_PID" 2>/dev/null
	wait "$SIM_PID"
	rc=$?
	TEST_PIDS=$(echo "$TEST_PIDS" | sed "s/ $SIM_PID//")
	return $rc
}

# sim_tls: a CA, a server certificate for 127.0.0.1 and a client
# certificate (CN=alice, O=students) under $TMP/tls.
sim_tls() {
	pki_server "$TMP/tls" srv /CN=127.0.0.1 IP:127.0.0.1,DNS:localhost &&
	pki_cert "$TMP/tls" cli /CN=alice/O=students ca
}

# sim_start_tls ARGS...: sim_start over TLS with sim_tls's certificates,
# writing its kubeconfig to $KC ($TMP/kubeconfig); api's curl trusts the
# CA.
sim_start_tls() {
	KC="$TMP/kubeconfig"
	CURL_EXTRA="--cacert $TMP/tls/ca.crt"
	sim_start --kubeconfig-out "$KC" --tls-cert "$TMP/tls/srv.crt" \
	    --tls-key "$TMP/tls/srv.key" --tls-ca "$TMP/tls/ca.crt" "$@"
}

# k, ka ARGS...: kubectl as alice, as the admin, through sim_start_tls's
# kubeconfig ($KC), a minute at most.
k() { timeout 60 kubectl --kubeconfig "$KC" --context alice "$@"; }
ka() { timeout 60 kubectl --kubeconfig "$KC" --context admin "$@"; }

# api METHOD PATH [TOKEN [BODY [CONTENT-TYPE]]]: prints the status code;
# the body lands in $TMP/body and the headers in $TMP/headers.  TOKEN "-"
# sends no credentials.
api() {
	_m=$1
	_p=$2
	_tok=${3:-admin-token}
	_body=${4:-}
	_ct=${5:-application/json}
	set -- -sS -X "$_m" -o "$TMP/body" -D "$TMP/headers" \
	    -w '%{http_code}' --max-time 20
	[ "$_tok" != "-" ] && set -- "$@" -H "Authorization: Bearer $_tok"
	[ -n "$_body" ] && set -- "$@" -H "Content-Type: $_ct" \
	    --data-binary "$_body"
	curl "$@" ${CURL_EXTRA:-} "$SIM_URL$_p"
}

# jget EXPR [FILE]: evaluates a Python expression over the JSON in FILE
# (default $TMP/body), bound to d.
jget() {
	$PY -c 'import json,sys
d = json.load(open(sys.argv[2]))
v = eval(sys.argv[1])
print(json.dumps(v) if isinstance(v, (dict, list, bool)) or v is None else v)' \
	    "$1" "${2:-$TMP/body}"
}

# get_jget PATH TOKEN EXPR: GET PATH as TOKEN ("-": none), then jget EXPR
# over the body.
get_jget() {
	api GET "$1" "$2" >/dev/null
	jget "$3"
}

# sim_cluster <USERS: writes $TMP/cluster.yaml, a cluster of one node of
# 8 RTX4090, namespaces alice and bob, the admin user and the users read
# from standard input (YAML list entries).
sim_cluster() {
	printf '%s\n' 'nodeGroups:' \
	    '- {count: 1, namePrefix: n-, gpu: NVIDIA-GeForce-RTX-4090, gpuCount: 8}' \
	    'namespaces:' '- name: alice' '- name: bob' 'users:' \
	    '- {name: admin, token: admin-token, admin: true}' \
	    >"$TMP/cluster.yaml"
	cat >>"$TMP/cluster.yaml"
}
