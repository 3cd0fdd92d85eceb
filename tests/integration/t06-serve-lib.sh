# Shared by the t06xx tests of `ailab-queue serve` (sourced after
# tests/lib.sh; not a test itself).  Every process is started in the
# background, recorded in TEST_PIDS and stopped by PID at exit.

# skip_without_serve: a TAP skip when this build has no serve command.
skip_without_serve() {
	if ! "$AILAB_QUEUE" serve --help >/dev/null 2>&1; then
		echo "1..0 # SKIP 'ailab-queue serve' is not in the command table"
		exit 0
	fi
}

# start_serve NAME [ARGS...]: starts `ailab-queue serve` on a free port
# with the admin's kubeconfig context; sets SERVE_PID_<NAME> and
# SERVE_URL_<NAME> (and SERVE_PID, SERVE_URL for the last one started).
start_serve() {
	_n=$1
	shift
	# Made here: the background job's own redirection may come late.
	: >"$TMP/serve-$_n.out"
	"$AILAB_QUEUE" --context admin serve --listen 127.0.0.1:0 "$@" \
	    >"$TMP/serve-$_n.out" 2>"$TMP/serve-$_n.err" &
	SERVE_PID=$!
	TEST_PIDS="$TEST_PIDS $SERVE_PID"
	SERVE_URL=
	_i=0
	while [ $_i -lt 100 ]; do
		SERVE_URL=$(sed -n 's/^url //p' "$TMP/serve-$_n.out")
		[ -n "$SERVE_URL" ] && break
		sleep 0.1
		_i=$((_i + 1))
	done
	eval "SERVE_PID_$_n=$SERVE_PID; SERVE_URL_$_n=$SERVE_URL"
	[ -n "$SERVE_URL" ]
}

# api USER METHOD PATH [CURL ARGS...]: one request as a simulated user
# (USER "-" sends no token); the body goes to $TMP/body, the status is
# printed.
api() {
	_u=$1
	_m=$2
	_p=$3
	shift 3
	if [ "$_u" = - ]; then
		curl -s -o "$TMP/body" -w '%{http_code}' -X "$_m" \
		    --max-time 20 "$@" "$SERVE_URL$_p"
	else
		curl -s -o "$TMP/body" -w '%{http_code}' -X "$_m" \
		    --max-time 20 -H "Authorization: Bearer $_u-token" "$@" \
		    "$SERVE_URL$_p"
	fi
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

# queue_json: the whole queue as the local CLI prints it.
queue_json() {
	"$AILAB_QUEUE" ls --all -o json
}
