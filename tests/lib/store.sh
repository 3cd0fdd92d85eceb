# The queue's database file as other processes see it.  Sourced by
# tests/lib.sh.

# lock_queue: another process takes the write lock of the queue
# ($AILAB_QUEUE_DB, BEGIN IMMEDIATE) and keeps it until unlock_queue;
# returns once it is held (60 s at most).
lock_queue() {
	rm -f "$TMP/locked" "$TMP/unlock"
	python3 - "$AILAB_QUEUE_DB" "$TMP" <<'PY' &
import os, sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=60)
c.execute("BEGIN IMMEDIATE")
open(os.path.join(sys.argv[2], "locked"), "w").close()
while not os.path.exists(os.path.join(sys.argv[2], "unlock")):
    time.sleep(0.1)
c.execute("ROLLBACK")
PY
	LOCKER=$!
	TEST_PIDS="$TEST_PIDS $LOCKER"
	wait_for 60 test -e "$TMP/locked"
}

# unlock_queue: the lock_queue process lets go and ends.
unlock_queue() {
	touch "$TMP/unlock"
	wait "$LOCKER"
}

# as_nobody CMD...: runs CMD as nobody when the test runs as root (file
# permissions do not stop root), else as the test's user.
as_nobody() {
	if [ "$(id -u)" -eq 0 ]; then
		setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
	else
		"$@"
	fi
}

# sq SQL: one value from the queue file, read by the sqlite3 program.
sq() { sqlite3 "$AILAB_QUEUE_DB" "$1"; }

# kill_during DELAY ARGS...: runs `ailab-queue ARGS` (the binary itself,
# not through a function, so that $! is its pid), SIGKILLed after DELAY
# seconds.
kill_during() {
	_delay=$1
	shift
	"$AILAB_QUEUE" "$@" >/dev/null 2>&1 &
	_pid=$!
	sleep "$_delay"
	kill -9 "$_pid" 2>/dev/null
	wait "$_pid" 2>/dev/null
}

# grid_sweep A B: $TMP/sweep.yaml, a sweep "sw" of A x B jobs of one
# stored spec (a from 0 to A-1, b from 0 to B-1).
grid_sweep() {
	printf '%s\n' 'name: sw' 'command: python train.py --a ${a} --b ${b}' \
	    'sweep:' '  grid:' "    a: [$(seq -s, 0 $(($1 - 1)))]" \
	    "    b: [$(seq -s, 0 $(($2 - 1)))]" >"$TMP/sweep.yaml"
}
