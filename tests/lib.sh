# Shared by the integration tests: TAP output, a private temporary
# directory and database, and helpers that run the real binaries.
# Each test sources this file, calls plan, then ok/check/... and finish.

set -u
: "${AILAB_QUEUE:?run through make check, or set AILAB_QUEUE}"
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"

TAP_N=0
TAP_FAILED=0
TMP=$(mktemp -d "${TMPDIR:-/tmp}/aq-test.XXXXXX")
export AILAB_QUEUE_DB="$TMP/queue.db"
export NO_COLOR=1
unset AILAB_QUEUE_SERVER XDG_STATE_HOME 2>/dev/null || true
# The processes a test starts, stopped by PID at exit; never by name.
TEST_PIDS=

cleanup() {
	for p in $TEST_PIDS; do
		kill "$p" 2>/dev/null
	done
	for p in $TEST_PIDS; do
		wait "$p" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT

plan() { echo "1..$1"; }

# ok DESCRIPTION STATUS: one TAP line from an exit status.
ok() {
	TAP_N=$((TAP_N + 1))
	if [ "$2" -eq 0 ]; then
		echo "ok $TAP_N - $1"
	else
		echo "not ok $TAP_N - $1"
		TAP_FAILED=$((TAP_FAILED + 1))
	fi
}

# check DESCRIPTION CMD...: passes if the command exits 0.
check() {
	desc=$1
	shift
	"$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if [ $rc -ne 0 ]; then
		echo "# command failed ($rc): $*"
		sed 's/^/#   /' "$TMP/err" | head -n 20
	fi
	ok "$desc" $rc
}

# fails DESCRIPTION STATUS CMD...: passes if the command exits with STATUS.
fails() {
	desc=$1
	want=$2
	shift 2
	"$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if [ $rc -ne "$want" ]; then
		echo "# expected exit $want, got $rc: $*"
		sed 's/^/#   /' "$TMP/err" | head -n 20
	fi
	[ $rc -eq "$want" ]
	ok "$desc" $?
}

# is DESCRIPTION GOT WANT
is() {
	if [ "$2" != "$3" ]; then
		echo "# got:  '$2'"
		echo "# want: '$3'"
	fi
	[ "$2" = "$3" ]
	ok "$1" $?
}

# like DESCRIPTION FILE REGEX: passes if FILE has a line matching REGEX.
like() {
	if ! grep -Eq -- "$3" "$2"; then
		echo "# no line of $2 matches /$3/:"
		sed 's/^/#   /' "$2" | head -n 20
		ok "$1" 1
	else
		ok "$1" 0
	fi
}

aq() { "$AILAB_QUEUE" "$@"; }

# start_kubesim [ARGS...]: starts ailab-kubesim on a free loopback port,
# writing a kubeconfig for its users to $TMP/kubeconfig; sets KUBESIM_PID,
# KUBESIM_URL and KUBECONFIG.  Stopped by PID at exit.  What ailab-queue's
# Deployment wrapper does is told to the simulator through its generic pod
# knobs (docs/kubesim.md): a restarted container whose command ended only
# waits, the exit code goes to the termination message as the wrapper
# writes it, and exit-codes lists are indexed by the queue's attempt label.
start_kubesim() {
	"$AILAB_KUBESIM" --listen 127.0.0.1:0 --kubeconfig-out "$TMP/kubeconfig" \
	    --pod-default=after-exit=idle \
	    --pod-default='termination-message=ailab-queue-exit=$(EXIT_CODE)' \
	    --pod-default=exit-codes-label=ailab-queue.io/attempt \
	    "$@" >"$TMP/kubesim.out" 2>"$TMP/kubesim.err" &
	KUBESIM_PID=$!
	TEST_PIDS="$TEST_PIDS $KUBESIM_PID"
	KUBESIM_URL=
	_i=0
	while [ $_i -lt 100 ]; do
		KUBESIM_URL=$(sed -n 's/^url //p' "$TMP/kubesim.out")
		[ -n "$KUBESIM_URL" ] && [ -s "$TMP/kubeconfig" ] && break
		sleep 0.1
		_i=$((_i + 1))
	done
	KUBECONFIG="$TMP/kubeconfig"
	export KUBECONFIG
	[ -n "$KUBESIM_URL" ]
}

# kube_token USER: the bearer token of a user of the simulated cluster.
kube_token() {
	kubectl config view --raw -o \
	    jsonpath="{.users[?(@.name==\"$1\")].user.token}"
}

# kube_get PATH [USER]: GET an API path as a user (default alice) over
# plain HTTP (kubectl does not send tokens without TLS; curl does).
kube_get() {
	curl -sf -H "Authorization: Bearer $(kube_token "${2:-alice}")" \
	    "$KUBESIM_URL$1"
}

# kube_count PATH [USER]: how many items a list returns.
kube_count() {
	kube_get "$@" | python3 -c \
	    'import json,sys; print(len(json.load(sys.stdin)["items"]))'
}

# wait_for SECONDS CMD...: retries CMD every 0.2 s until it succeeds.
wait_for() {
	_limit=$(($1 * 5))
	shift
	_i=0
	while [ $_i -lt $_limit ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
		_i=$((_i + 1))
	done
	return 1
}

# watched_sched CONTEXT SECONDS DESCRIPTION: runs `sched --until-empty` as
# CONTEXT while tests/integration/sched-watch.py follows the simulated
# cluster's pods and the queue (report in $TMP/watch.json, the scheduler's
# output in $TMP/sched.out, with -v so every pass is a timestamped line);
# one TAP line for the scheduler's exit.
watched_sched() {
	python3 "$top_srcdir/tests/integration/sched-watch.py" "$KUBESIM_URL" \
	    admin-token "$TMP/stop" "$TMP/watch.json" "$AILAB_QUEUE" 0.1 &
	_watcher=$!
	TEST_PIDS="$TEST_PIDS $_watcher"
	sleep 0.5
	timeout "$2" "$AILAB_QUEUE" --context "$1" -v sched --until-empty \
	    --interval 1s >"$TMP/sched.out" 2>&1
	_rc=$?
	[ $_rc -ne 0 ] && tail -n 20 "$TMP/sched.out" | sed 's/^/# /'
	ok "$3" $_rc
	touch "$TMP/stop"
	wait "$_watcher"
}

# pass_gap SPEED: the longest real time between the ends of two passes in
# $TMP/sched.out, in the cluster's seconds at that simulated SPEED.  A
# bound in simulated seconds on what the scheduler does "at its next pass"
# adds this, so a machine that starves the scheduler stretches the bound
# rather than failing the test.
pass_gap() {
	python3 - "$TMP/sched.out" "$1" <<'PY'
import datetime, sys
ts = []
for line in open(sys.argv[1]):
    if "whole pass" in line:
        ts.append(datetime.datetime.strptime(line.split()[0],
                                             "%Y-%m-%dT%H:%M:%S.%fZ"))
gaps = [(b - a).total_seconds() for a, b in zip(ts, ts[1:])]
print(round(max(gaps or [0]) * float(sys.argv[2]), 1))
PY
}

finish() {
	[ "$TAP_FAILED" -eq 0 ]
	exit $?
}

# Test certificates, made with the openssl command line, 2 days valid.
# pki_ca DIR NAME CN: a self-signed CA, DIR/NAME.key and DIR/NAME.crt.
pki_ca() {
	mkdir -p "$1" &&
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$3" \
	    -keyout "$1/$2.key" -out "$1/$2.crt" >/dev/null 2>&1
}

# pki_cert DIR NAME SUBJECT CA [SAN]: DIR/NAME.key and DIR/NAME.crt for
# SUBJECT ("/CN=alice/O=students"), signed by DIR/CA.crt, with the
# subjectAltName SAN ("DNS:localhost,IP:127.0.0.1") when given.
pki_cert() {
	_ext=
	if [ -n "${5:-}" ]; then
		printf 'subjectAltName=%s\n' "$5" >"$1/$2.ext" || return 1
		_ext="-extfile $1/$2.ext"
	fi
	openssl req -newkey rsa:2048 -nodes -subj "$3" -keyout "$1/$2.key" \
	    -out "$1/$2.csr" >/dev/null 2>&1 &&
	openssl x509 -req -in "$1/$2.csr" -CA "$1/$4.crt" -CAkey "$1/$4.key" \
	    -CAcreateserial -days 2 $_ext -out "$1/$2.crt" >/dev/null 2>&1
}
