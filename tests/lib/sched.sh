# Specs, jobs and the scheduler for the integration tests that run jobs
# on the simulated cluster.  Sourced by tests/lib.sh.

# watched_sched CONTEXT SECONDS DESCRIPTION: runs `sched --until-empty` as
# CONTEXT while tests/integration/sched-watch.py follows the simulated
# cluster's pods and the queue (report in $TMP/watch.json, the scheduler's
# output in $TMP/sched.out, with -v so every pass is a timestamped line);
# one TAP line for the scheduler's exit.
watched_sched() {
	spawn _watcher python3 "$top_srcdir/tests/integration/sched-watch.py" \
	    "$KUBESIM_URL" admin-token "$TMP/stop" "$TMP/watch.json" \
	    "$AILAB_QUEUE" 0.1
	sleep 0.5
	sched_until_empty "$2" --context "$1" -v
	ok "$3" $?
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

# spec_file NAME [FIELD=VALUE...]: writes $TMP/NAME.yaml, a job NAME of
# `python train.py` whose run on the simulated cluster lasts DURATION.
# Fields and defaults: type=RTX4090D gpus=1 replicas=1 cpu=2 memory=8Gi
# timeout=10m (empty: none) duration=forever namespace= (none) cmd=
# (python train.py) workload= (the default) sweep=N (a sweep of N jobs
# over i, the command given --i ${i}).
spec_file() {
	_name=$1
	shift
	_type=RTX4090D _gpus=1 _replicas=1 _cpu=2 _memory=8Gi _timeout=10m
	_duration=forever _ns= _cmd="python train.py" _sweep= _workload=
	for _kv in "$@"; do
		_v=${_kv#*=}
		case $_kv in
		namespace=*) _ns=$_v ;;
		type=* | gpus=* | replicas=* | cpu=* | memory=* | timeout=* | \
		duration=* | cmd=* | sweep=* | workload=*) eval "_${_kv%%=*}=\$_v" ;;
		*) echo "Bail out! spec_file: unknown field '$_kv'"; exit 1 ;;
		esac
	done
	{
		echo "name: $_name"
		[ -z "$_ns" ] || echo "namespace: $_ns"
		if [ -n "$_sweep" ]; then
			echo "command: $_cmd --i \${i}"
		else
			echo "command: $_cmd"
		fi
		echo "gpu: {type: $_type, count: $_gpus}"
		echo "replicas: $_replicas"
		echo "resources: {cpu: $_cpu, memory: $_memory}"
		[ -z "$_workload" ] || echo "workload: $_workload"
		[ -z "$_timeout" ] || echo "timeout: $_timeout"
		echo "annotations:"
		echo "  ailab-kubesim.io/duration: $_duration"
		[ -z "$_sweep" ] ||
		    printf 'sweep:\n  grid:\n    i: [%s]\n' "$(seq -s, 1 "$_sweep")"
	} >"$TMP/$_name.yaml"
}

# start_sched ARGS...: runs `ailab-queue ARGS` (a scheduler) in the
# background, its output in $TMP/sched.out; sets SCHED, stopped by PID at
# exit.
start_sched() {
	spawn SCHED "$AILAB_QUEUE" "$@" >"$TMP/sched.out" 2>&1
}

# stop_sched: SIGTERM to the start_sched scheduler; its exit status.  It
# is then no longer stopped at exit, so a test may start another.
stop_sched() {
	kill "$SCHED"
	wait "$SCHED"
	_rc=$?
	TEST_PIDS=$(echo "$TEST_PIDS" | sed "s/ $SCHED\\( \\|\$\\)/\\1/")
	return $_rc
}

# sched_all ARGS...: `sched --until-empty` a pass a second, 120 s at most.
sched_all() {
	timeout 120 "$AILAB_QUEUE" sched --until-empty --interval 1s "$@"
}

# sched_passes [FILE]: how many whole passes a `-v` scheduler logged (in
# $TMP/sched.out by default).
sched_passes() { grep -c 'whole pass' "${1:-$TMP/sched.out}"; }

# sched_passed N [FILE]: the scheduler made N passes or more.
sched_passed() { [ "$(sched_passes "${2:-}")" -ge "$1" ]; }

# sched_settle [FILE]: waits (30 s at most) for two more passes, so that
# the last change was read and acted on.
sched_settle() {
	wait_for 30 sched_passed $(($(sched_passes "${1:-}") + 2)) "${1:-}"
}

# sched_once: one pass of a scheduler as alice, its output added to
# $TMP/sched.out.
sched_once() {
	timeout 60 "$AILAB_QUEUE" --context alice sched --once \
	    >>"$TMP/sched.out" 2>&1
}

# sched_until_state ID STATE [ATTEMPT]: sched_once passes (40 at most)
# until job ID is in STATE (on that attempt).
sched_until_state() {
	_n=0
	while [ $_n -lt 40 ]; do
		sched_once
		[ "$(job_state "$1")" = "$2" ] && { [ -z "${3:-}" ] ||
		    [ "$(job_field "$1" '["attempts"]')" = "$3" ]; } && return 0
		sleep 0.3
		_n=$((_n + 1))
	done
	return 1
}

# job_field ID EXPR: a field of `ailab-queue show ID -o json`, EXPR a
# Python subscript such as '["state"]'.
job_field() {
	aq show "$1" -o json |
	    python3 -c "import json,sys; print(json.load(sys.stdin)$2)"
}

# job_state ID: the job's state; job_state_is ID STATE.
job_state() { job_field "$1" '["state"]'; }
job_state_is() { [ "$(job_state "$1")" = "$2" ]; }

# jobs_running N: N jobs of the queue run.
jobs_running() {
	[ "$(aq ls --state running -o json | grep -c '"id"')" = "$1" ]
}

# submit_short NAME DURATION [YAML]: submits as alice a job NAME of
# `true` on one RTX4090D whose run on the simulated cluster lasts
# DURATION, YAML (lines ending in a newline) added to its spec.
submit_short() {
	printf 'name: %s\ncommand: "true"\ngpu: {type: RTX4090D, count: 1}\nannotations: {ailab-kubesim.io/duration: %s}\n%s' \
	    "$1" "$2" "${3:-}" >"$TMP/$1.yaml"
	aq --context alice submit -q "$TMP/$1.yaml" >/dev/null
}

# sched_ended_by ID STATES: how the pass that moved job ID from running
# to one of STATES (a regular expression, "succeeded|timed_out") followed
# it: the first follow line after that move in $TMP/sched.out.
sched_ended_by() {
	awk -v id="job $1:" -v to="running -> ($2)" '
	index($0, id) && $0 ~ to { hit = 1; next }
	hit && /pass: follow:/ { sub(/.*\(/, ""); sub(/\).*/, ""); print; exit }
	' "$TMP/sched.out"
}

# start_sampler SECONDS: samples the simulated cluster every SECONDS with
# tests/integration/sched-sample.py, its report in $TMP/report.json once
# stop_sampler has stopped it.
start_sampler() {
	spawn SAMPLER python3 "$top_srcdir/tests/integration/sched-sample.py" \
	    "$KUBESIM_URL" admin-token "$TMP/stop" "$TMP/report.json" "$1"
}
stop_sampler() {
	touch "$TMP/stop"
	wait "$SAMPLER"
}

# sched_until_empty SECONDS [ARGS...]: `ailab-queue ARGS sched
# --until-empty` (ARGS: --context admin if none), a pass a second, its
# output in $TMP/sched.out; its exit status, its last lines shown on
# standard error when it failed.
sched_until_empty() {
	_secs=$1
	shift
	[ $# -gt 0 ] || set -- --context admin
	timeout "$_secs" "$AILAB_QUEUE" "$@" sched --until-empty \
	    --interval 1s >"$TMP/sched.out" 2>&1
	_rc=$?
	[ $_rc -ne 0 ] && tail -n 20 "$TMP/sched.out" | sed 's/^/# /' >&2
	return $_rc
}

# json_val EXPR [FILE [ARG...]]: a Python expression over the JSON in
# FILE (standard input when FILE is - or not given), bound to d; the ARGs
# are sys.argv[2:].
json_val() {
	_expr=$1
	shift
	[ $# -gt 0 ] || set -- -
	python3 -c "import json,sys
d = json.load(sys.stdin if sys.argv[1] == '-' else open(sys.argv[1]))
print($_expr)" "$@"
}

# count_by FIELD: how many items of the JSON list on standard input have
# each value of FIELD, sorted ("running=2 succeeded=20").
count_by() {
	json_val '" ".join("%s=%d" % kv for kv in sorted(
    __import__("collections").Counter(j[sys.argv[2]] for j in d).items()))' - "$1"
}

# need_gdb: bails out of a test that kills a process at a breakpoint when
# gdb is missing.
need_gdb() {
	if ! command -v gdb >/dev/null 2>&1; then
		echo "Bail out! gdb is needed (setup.sh installs it)"
		exit 1
	fi
}

# jobs_succeeded: how many jobs of the queue succeeded.
jobs_succeeded() {
	aq ls --all -o json | python3 -c 'import json, sys
print(sum(1 for j in json.load(sys.stdin) if j["state"] == "succeeded"))'
}

# sched_under_gdb CMDS ARGS...: runs `ailab-queue-cluster ARGS` under gdb
# with the command file CMDS (its breakpoints steer the scheduler), in the
# background, output in $TMP/sched.out; sets SCHED (gdb) and INFERIOR (the
# scheduler, which gdb starts stopped and then runs), both stopped at the
# end of the test.  Bails out if gdb never starts it.
sched_under_gdb() {
	_cmds=$1
	shift
	gdb -batch -x "$_cmds" --args "$top_builddir/ailab-queue-cluster" \
	    "$@" >"$TMP/sched.out" 2>&1 &
	SCHED=$!
	_n=0
	while [ -z "$(pgrep -P "$SCHED")" ] && [ $_n -lt 100 ]; do
		sleep 0.1
		_n=$((_n + 1))
	done
	INFERIOR=$(pgrep -P "$SCHED")
	[ -n "$INFERIOR" ] || { echo "Bail out! gdb did not start the scheduler"; exit 1; }
	TEST_PIDS="$TEST_PIDS $INFERIOR $SCHED"
}

# job_in ID STATE: job ID is in STATE (job_state_is), read without
# starting python, so that a loop sees a change as soon as the queue has
# it.
job_in() {
	aq show "$1" -o json | sed -n 's/^  "state": "\([a-z]*\)",$/\1/p' |
	    grep -qx "$2"
}

# stream_until_running BIG MAX PAUSE FILE: submits FILE as bob every PAUSE
# seconds until job BIG runs or MAX were submitted; STREAMED is how many
# were, STREAM_S the seconds the stream took.
stream_until_running() {
	_t0=$(date +%s)
	STREAMED=0
	while [ "$STREAMED" -lt "$2" ] && ! job_in "$1" running; do
		aq --context bob -q submit "$4" >/dev/null
		sleep "$3"
		STREAMED=$((STREAMED + 1))
	done
	STREAM_S=$(($(date +%s) - _t0))
}

# created_before ID: how many workloads of jobs submitted after job ID the
# simulator created before ID's, in the order of /sim/audit (a listing
# hides the jobs that ran and ended meanwhile); -1 if ID's never were.
created_before() {
	sim_get /sim/audit | json_val '(lambda ids, b: sum(1 for i in
	    ids[:ids.index(b)] if i > b) if b in ids else -1)([int(e["labels"][
	    "ailab-queue.io/job-id"]) for e in d["items"] if e.get("verb") ==
	    "create" and e.get("resource") in ("deployments", "jobs") and
	    e.get("code", 201) < 300 and "ailab-queue.io/job-id" in (e.get(
	    "labels") or {})], int(sys.argv[2]))' - "$1"
}
