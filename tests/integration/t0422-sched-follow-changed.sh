#!/bin/sh
# A running job is followed when its objects change, not by looking at
# every running job every pass.  Three one-GPU jobs on a roomy cluster
# (ailab-kubesim at --speed 10) under one long-running `sched -v`: "keep"
# runs for ever, "short" for 40 simulated seconds, "capped" for ever with
# a timeout of 40 s.  Asserted on the simulated cluster (/sim/state) and
# the queue: "short" ends succeeded and "capped" timed out, both with
# their objects deleted, while "keep" still runs with its objects; and on
# the scheduler's log (each pass says how many running jobs it followed
# and whether it was the periodic resync): the passes that ended them
# were not resyncs (the pod's watch event, and the timeout's deadline,
# brought them), and passes in between followed none of the running jobs.
. "$top_srcdir/tests/lib.sh"
plan 8

start_kubesim --cluster "$top_srcdir/tests/fixtures/sim-roomy.yaml" \
    --speed 10 || { echo "Bail out! ailab-kubesim did not start"; exit 1; }
field() { aq show "$1" -o json | python3 -c "import json,sys; print(json.load(sys.stdin)$2)"; }
state_is() { [ "$(field "$1" '["state"]')" = "$2" ]; }
# objects ID: the job's Deployments, Services and pods not being deleted
# in the simulator's own state.
objects() {
	curl -sS -H 'Authorization: Bearer admin-token' \
	    "$KUBESIM_URL/sim/state" | python3 -c 'import json, sys
st = json.load(sys.stdin)
print(sum(1 for k in ("deployments", "jobs", "services", "pods")
          for o in st.get(k, [])
          if (o["metadata"].get("labels") or {}).get("ailab-queue.io/job-id")
          == sys.argv[1] and not o["metadata"].get("deletionTimestamp")))' "$1"
}
gone() { [ "$(objects "$1")" = 0 ]; }
# ended_by ID: how the pass that ended the job followed (the first
# follow line after the job's move to a final state).
ended_by() {
	awk -v id="job $1:" '
	index($0, id) && /running -> (succeeded|timed_out)/ { hit = 1; next }
	hit && /pass: follow:/ { sub(/.*\(/, ""); sub(/\).*/, ""); print; exit }
	' "$TMP/sched.out"
}

mk() {
	printf 'name: %s\ncommand: "true"\ngpu: {type: RTX4090D, count: 1}\nannotations: {sim.ailab-queue.io/duration: %s}\n%s' \
	    "$1" "$2" "$3" >"$TMP/$1.yaml"
	aq --context alice submit -q "$TMP/$1.yaml" >/dev/null
}
mk keep forever ""
mk short 40s ""
mk capped forever "timeout: 40s
"
"$AILAB_QUEUE" --context alice -v sched --interval 2s >"$TMP/sched.out" 2>&1 &
SCHED=$!
TEST_PIDS="$TEST_PIDS $SCHED"

wait_for 90 state_is 2 succeeded
ok "the 40 s job ends succeeded" $?
wait_for 90 state_is 3 timed_out
ok "the job capped at 40 s times out" $?
wait_for 60 gone 2
ok "the ended job's objects are deleted (simulator's state)" $?
wait_for 60 gone 3
ok "the timed-out job's objects are deleted (simulator's state)" $?
[ "$(field 1 '["state"]')" = running ] && [ "$(objects 1)" -gt 0 ]
ok "the job that runs for ever runs, its objects in place" $?
is "the pass that ended the 40 s job followed it for its change, not a resync" \
    "$(ended_by 2)" "changed or due"
is "the pass that timed the capped job out followed it at its deadline" \
    "$(ended_by 3)" "changed or due"
grep -q 'pass: follow: 0 of [1-9][0-9]* running jobs followed (changed or due)' \
    "$TMP/sched.out"
ok "passes with nothing changed follow none of the running jobs" $?
kill "$SCHED" 2>/dev/null
wait "$SCHED" 2>/dev/null
finish
