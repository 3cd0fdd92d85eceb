# Shared by the integration tests: TAP output, a private temporary
# directory and database, and helpers that run the real binaries.
# Each test sources this file, calls plan, then ok/check/... and finish.
# What the tests of a topic share lives in tests/lib/ and is sourced here
# too: the simulator (kubesim.sh), certificates (pki.sh), specs and the
# scheduler (sched.sh), the queue's file (store.sh); the t03xx and t06xx
# tests source tests/sim/sim-lib.sh and tests/integration/t06-serve-lib.sh
# instead, which source this file.

set -u
: "${AILAB_QUEUE:?run through make check, or set AILAB_QUEUE}"
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
FIXTURES="$top_srcdir/tests/fixtures"

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

# spawn VAR CMD...: CMD in the background, its PID in VAR and stopped at
# exit.  Not for a CMD reading a here-document: a background command's
# standard input is /dev/null.
spawn() {
	_var=$1
	shift
	"$@" &
	eval "$_var=\$!"
	TEST_PIDS="$TEST_PIDS $!"
}

# skip_unless REASON CMD...: the whole test is a TAP skip saying REASON
# unless CMD succeeds.
skip_unless() {
	_why=$1
	shift
	"$@" >/dev/null 2>&1 && return 0
	echo "1..0 # SKIP $_why"
	exit 0
}

# bail_unless CMD...: a set-up step (start_kubesim, start_serve) the rest
# of the test needs: the test bails out, naming it, when it fails.
bail_unless() {
	"$@" && return 0
	echo "Bail out! $1 failed"
	exit 1
}

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

# skip_n N REASON: N TAP lines skipped for REASON.
skip_n() {
	_k=$1
	while [ "$_k" -gt 0 ]; do
		TAP_N=$((TAP_N + 1))
		echo "ok $TAP_N # skip $2"
		_k=$((_k - 1))
	done
}

# check DESCRIPTION CMD...: passes if the command exits 0.
check() {
	_what=$1
	shift
	fails "$_what" 0 "$@"
}

# py_ok DESCRIPTION ARGS... <PROGRAM: passes if the Python PROGRAM, read
# from standard input, exits 0 given ARGS; what it printed is shown if not.
py_ok() {
	_desc=$1
	shift
	python3 - "$@" >"$TMP/py" 2>&1
	_rc=$?
	[ $_rc -eq 0 ] || sed 's/^/# /' "$TMP/py" | head -n 40
	ok "$_desc" $_rc
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

# matches DESCRIPTION STRING REGEX: like, over STRING rather than a file.
matches() {
	printf '%s\n' "$2" >"$TMP/matches"
	like "$1" "$TMP/matches" "$3"
}

# unlike DESCRIPTION FILE REGEX: passes if no line of FILE matches REGEX.
unlike() {
	if grep -Eq -- "$3" "$2"; then
		echo "# a line of $2 matches /$3/:"
		grep -E -- "$3" "$2" | sed 's/^/#   /' | head -n 20
		ok "$1" 1
	else
		ok "$1" 0
	fi
}

aq() { "$AILAB_QUEUE" "$@"; }

# out_ids: the ids in $TMP/out, one line: "1 2 3".
out_ids() { tr '\n' ' ' <"$TMP/out" | sed 's/ $//'; }

# wait_for SECONDS CMD...: retries CMD every 0.1 s until it succeeds.
wait_for() {
	_limit=$(($1 * 10))
	shift
	_i=0
	while [ $_i -lt $_limit ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# ok_within DESCRIPTION SECONDS CMD...: one TAP line, ok once CMD
# succeeds (wait_for SECONDS CMD).
ok_within() {
	_desc=$1
	shift
	wait_for "$@"
	ok "$_desc" $?
}

finish() {
	[ "$TAP_FAILED" -eq 0 ]
	exit $?
}

. "$top_srcdir/tests/lib/cluster.sh"
. "$top_srcdir/tests/lib/kubesim.sh"
. "$top_srcdir/tests/lib/pki.sh"
. "$top_srcdir/tests/lib/sched.sh"
. "$top_srcdir/tests/lib/store.sh"
