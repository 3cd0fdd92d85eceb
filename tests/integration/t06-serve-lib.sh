# Shared by the t06xx tests of `ailab-queue serve` (sourced instead of
# tests/lib.sh, which it sources; not a test itself): the test is a TAP
# skip when this build has no serve command.  Every process is started
# in the background, recorded in TEST_PIDS and stopped by PID at exit.
[ -n "${TAP_N:-}" ] || . "$top_srcdir/tests/lib.sh"

# skip_without_serve: a TAP skip when this build has no serve command.
skip_without_serve() {
	skip_unless "'ailab-queue serve' is not in the command table" \
	    "$AILAB_QUEUE" serve --help
}

# start_serve NAME [ARGS...]: starts `ailab-queue serve` on a free port
# with the admin's kubeconfig context; sets SERVE_PID_<NAME> and
# SERVE_URL_<NAME> (and SERVE_PID, SERVE_URL for the last one started).
start_serve() {
	_n=$1
	shift
	# Made here: the background job's own redirection may come late.
	: >"$TMP/serve-$_n.out"
	spawn SERVE_PID "$AILAB_QUEUE" --context admin serve \
	    --listen 127.0.0.1:0 "$@" >"$TMP/serve-$_n.out" 2>"$TMP/serve-$_n.err"
	SERVE_URL=
	wait_for 10 serve_up "$_n"
	eval "SERVE_PID_$_n=$SERVE_PID; SERVE_URL_$_n=$SERVE_URL"
	[ -n "$SERVE_URL" ]
}

# serve_up NAME: the server started as NAME printed its URL (now in
# SERVE_URL).
serve_up() {
	SERVE_URL=$(sed -n 's/^url //p' "$TMP/serve-$1.out")
	[ -n "$SERVE_URL" ]
}

# start_relay OUT [RELAY-OPTIONS...]: tests/lib/relay.py (stall or cut a
# replica's way to the cluster) in front of the simulator, and OUT a copy
# of $TMP/kubeconfig (0600) that reaches the cluster through it; one TAP
# line.
start_relay() {
	_out=$1
	shift
	python3 "$top_srcdir/tests/lib/relay.py" "$KUBESIM_URL" \
	    "$TMP/relay.port" "$@" &
	TEST_PIDS="$TEST_PIDS $!"
	ok_within "the relay listens" 10 test -s "$TMP/relay.port"
	_kport=${KUBESIM_URL##*:}
	sed "s/127.0.0.1:${_kport%/}/127.0.0.1:$(cat "$TMP/relay.port")/" \
	    "$TMP/kubeconfig" >"$_out"
	chmod 600 "$_out"
}

# The scheduler's Lease; lease_holder: who holds it ("" when nobody).
LEASE=/apis/coordination.k8s.io/v1/namespaces/default/leases/ailab-queue-scheduler
lease_holder() {
	kube_get "$LEASE" admin | json_val 'd["spec"].get("holderIdentity") or ""'
}
holder_is() { [ "$(lease_holder)" = "$1" ]; }

# leader URL: True or False, whether the server at URL says it leads.
leader() {
	curl -s --max-time 5 "$1/healthz?verbose=true" | json_val 'd["leader"]'
}

# metric URL NAME: the value of a sample on the server's /metrics.
metric() {
	curl -s --max-time 5 "$1/metrics" | sed -n "s/^$2 //p"
}

# alice_running URL N: alice has N running jobs, as the server at URL
# answers her (which becomes SERVE_URL).
alice_running() {
	SERVE_URL=$1
	[ "$(api alice GET '/v1/jobs?state=running')" = 200 ] &&
	    [ "$(jq_body 'len(b["items"])')" = "$2" ]
}

# api USER METHOD PATH [CURL ARGS...]: one request as a simulated user
# (USER "-" sends no token); the body goes to $TMP/body, the status is
# printed.
api() {
	_u=$1
	_m=$2
	_p=$3
	shift 3
	[ "$_u" = - ] || set -- -H "Authorization: Bearer $_u-token" "$@"
	curl -s -o "$TMP/body" -w '%{http_code}' -X "$_m" --max-time 20 "$@" \
	    "$SERVE_URL$_p"
}

# api5 ARGS...: api ARGS five times; the five codes, each after a space.
api5() {
	for _k in 1 2 3 4 5; do
		printf ' %s' "$(api "$@")"
	done
}

# echo_sweep NAME N: $TMP/sweep.yaml, a sweep NAME of N busybox jobs in
# alice's namespace, job i echoing i for 10 simulated minutes.
echo_sweep() {
	printf '%s\n' "name: $1" 'namespace: alice' 'image: busybox' \
	    'command: [sh, -c, "echo ${i}"]' 'resources: {cpu: 1, memory: 1Gi}' \
	    'annotations:' '  ailab-kubesim.io/duration: 10m' 'sweep:' '  grid:' \
	    "    i: [$(seq -s ', ' 1 "$2")]" >"$TMP/sweep.yaml"
}

# submit USER FILE [QUERY]: POSTs a spec file; prints the status.
submit() {
	api "$1" POST "/v1/jobs?filename=$(basename "$2")${3:+&$3}" \
	    -H 'Content-Type: application/yaml' --data-binary "@$2"
}

# jq_body EXPR: evaluates a Python expression over the last body (b).
jq_body() {
	python3 -c "import json,sys; b=json.load(open('$TMP/body')); print($1)"
}

# served_job_is USER ID EXPR VALUE: GET /v1/jobs/ID as USER answers 200
# with EXPR (over b, as jq_body) VALUE.
served_job_is() {
	[ "$(api "$1" GET "/v1/jobs/$2")" = 200 ] && [ "$(jq_body "$3")" = "$4" ]
}

# queue_json: the whole queue as the local CLI prints it.
queue_json() {
	"$AILAB_QUEUE" ls --all -o json
}

# serve_on_kubesim [SIM-ARGS... --] [ARGS...]: ailab-kubesim (with
# SIM-ARGS), then `serve a ARGS` on it, one TAP line each; S is the
# server's URL.
serve_on_kubesim() {
	_sim=
	case " $* " in
	*" -- "*)
		while [ "$1" != -- ]; do
			_sim="$_sim $1"
			shift
		done
		shift
		;;
	esac
	start_kubesim $_sim
	ok "ailab-kubesim starts" $?
	start_serve a "$@"
	ok "serve starts" $?
	S=$SERVE_URL
}

# q ARGS...: ailab-queue against the server serve_on_kubesim started.
q() { timeout 120 "$AILAB_QUEUE" --server "$S" "$@"; }

# served_state USER ID: job ID's state as the server answers USER.
served_state() {
	api "$1" GET "/v1/jobs/$2" >/dev/null
	jq_body 'b["state"]'
}

# user_specs: $TMP/alice.yaml and $TMP/bob.yaml, a job "train" that
# echoes hi, in each user's namespace.
user_specs() {
	for _u in alice bob; do
		printf 'name: train\nnamespace: %s\nimage: busybox\ncommand: [sh, -c, "echo hi"]\n' \
		    "$_u" >"$TMP/$_u.yaml"
	done
}

# stop_serve NAME: SIGTERM to the server started as NAME; 0 when it exits
# 0 with no sanitizer report (shown when there is one).
stop_serve() {
	eval "_pid=\$SERVE_PID_$1"
	kill -TERM "$_pid"
	wait "$_pid"
	_rc=$?
	if grep -q "Sanitizer" "$TMP/serve-$1.err"; then
		head -n 30 "$TMP/serve-$1.err" >&2
		_rc=1
	fi
	return $_rc
}

skip_without_serve
