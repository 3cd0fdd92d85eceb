#!/bin/sh
# Dependencies: after (after_ok), after_any and after_failed, on a job by
# name or on a whole group, judged by how what they name ended; names are
# checked at submit (a misspelt one is refused with the closest name the
# owner has, and nothing is queued); jobs of the same submission may name
# each other.  Asserted on the queue and on the simulated cluster: a job
# whose dependency can never be met makes no object.
. "$top_srcdir/tests/lib.sh"
plan 23

check "ailab-kubesim starts" start_kubesim

# job NAME EXIT [EXTRA]: a short CPU job ending with EXIT.
job() {
	printf 'name: %s\ncommand: "true"\nresources: {cpu: 1, memory: 1Gi}\n' "$1"
	printf 'annotations: {ailab-kubesim.io/duration: 2s, '
	printf 'ailab-kubesim.io/exit-code: "%s"}\n' "$2"
	[ -n "${3:-}" ] && printf '%s\n' "$3"
	echo ---
}
{
	job prep-ok 0
	job prep-bad 3
	printf 'name: sw\ncommand: "true"\nresources: {cpu: 1, memory: 1Gi}\n'
	printf 'annotations: {ailab-kubesim.io/duration: 2s, '
	printf 'ailab-kubesim.io/exit-code: "${c}"}\n'
	printf 'sweep: {list: [{c: "0"}, {c: "4"}]}\n---\n'
} >"$TMP/first.yaml"
check "submit two jobs and a sweep of two" aq --context alice submit "$TMP/first.yaml"

{
	job d-ok 0 "after: [prep-ok]"
	job d-okbad 0 "after: [prep-bad]"
	job d-any 0 "after_any: prep-bad"
	job d-failed 0 "after_failed: [prep-bad]"
	job d-failed-ok 0 "after_failed: [prep-ok]"
	job g-any 0 "after_any: [group:sw]"
	job g-ok 0 "after_ok: [group:sw]"
	job g-failed 0 "after_failed: [group:sw]"
	job inner-a 0
	job inner-b 0 "after: [inner-a]"
} >"$TMP/deps.yaml"
check "submit the dependent jobs (two naming each other)" \
    aq --context alice submit "$TMP/deps.yaml"

# Refused at submit, with the closest name; nothing queued.
before=$(aq --context alice ls --all -q | wc -l)
job x 0 "after: [prep-okk]" >"$TMP/bad1.yaml"
fails "a misspelt job name is refused" 2 aq --context alice submit "$TMP/bad1.yaml"
like "  with the closest name" "$TMP/err" "after: 'prep-okk' is not one of your jobs in namespace 'alice' \\(did you mean 'prep-ok'\\?\\)"
job x 0 "after_any: [group:sww]" >"$TMP/bad2.yaml"
fails "a misspelt group is refused" 2 aq --context alice submit "$TMP/bad2.yaml"
like "  with the closest group" "$TMP/err" "after_any: 'group:sww' is not one of your groups \\(did you mean 'group:sw'\\?\\)"
job x 0 "after_failed: [99999]" >"$TMP/bad3.yaml"
fails "an id that is not the owner's is refused" 2 aq --context alice submit "$TMP/bad3.yaml"
like "  saying so" "$TMP/err" "after_failed: job 99999 is not one of your jobs"
job x 0 "after: [prep-ok]
after_ok: [prep-bad]" >"$TMP/bad4.yaml"
fails "after and after_ok together are a spec error" 2 aq --context alice validate "$TMP/bad4.yaml"
like "  at the second" "$TMP/err" "bad4.yaml:[0-9]+:1: 'after_ok' and 'after' are the same: give one"
is "nothing was queued by the refusals" "$(aq --context alice ls --all -q | wc -l)" "$before"

check "the scheduler runs the queue to its end" \
    sched_until_empty 300 --context alice -v

aq --context alice ls --all -o json >"$TMP/all.json"
st() { json_val '*[(j["state"] + " | " + (j.get("reason") or "")) for j in d
    if j["name"] == sys.argv[2]]' "$TMP/all.json" "$1"; }
is "after: a dependency that succeeded" "$(st d-ok | cut -d' ' -f1)" succeeded
like "after: one that failed fails the job" "$(st d-okbad >"$TMP/r"; echo "$TMP/r")" "^failed \\| dependency job 2 did not succeed \\(after\\)"
is "after_any: runs after a failure" "$(st d-any | cut -d' ' -f1)" succeeded
is "after_failed: runs after a failure" "$(st d-failed | cut -d' ' -f1)" succeeded
like "after_failed: never runs after a success" "$(st d-failed-ok >"$TMP/r"; echo "$TMP/r")" "^failed \\| dependency job 1 succeeded \\(after_failed\\)"
is "after_any on a group: runs once every job ended" "$(st g-any | cut -d' ' -f1)" succeeded
like "after on a group with a failed job fails" "$(st g-ok >"$TMP/r"; echo "$TMP/r")" "^failed \\| dependency job 4 of group 'sw' did not succeed \\(after\\)"
is "after_failed on that group runs" "$(st g-failed | cut -d' ' -f1)" succeeded
is "jobs of one submission may name each other" "$(st inner-b | cut -d' ' -f1)" succeeded

# The order on the cluster: no dependent job's pod before what it waits on
# ended, and nothing at all for the jobs that could never run.
sim_get /sim/audit >"$TMP/audit.json"
python3 - "$TMP/audit.json" "$TMP/all.json" >"$TMP/order" 2>&1 <<'PY'
import json, sys
audit = json.load(open(sys.argv[1]))
entries = audit["items"] if isinstance(audit, dict) else audit
jobs = {j["name"]: j["id"] for j in json.load(open(sys.argv[2]))}
made = set()
for e in entries:
    if e.get("verb") == "create" and e.get("resource") == "deployments":
        labels = e.get("labels") or {}
        made.add(int(labels.get("ailab-queue.io/job-id", 0)))
for n in ("d-okbad", "d-failed-ok", "g-ok"):
    assert jobs[n] not in made, n
for n in ("d-ok", "d-any", "g-any", "inner-b"):
    assert jobs[n] in made, n
print("audit ok")
PY
like "the cluster saw no object of a job that could never run" "$TMP/order" "^audit ok$"
finish
