#!/bin/sh
# The object contract (spec/spec-contract.h) end to end: a job's exit code
# is read from the Deployment wrapper's termination message
# ("ailab-queue-exit=N" in lastState.terminated.message), before the
# container's exit code, which counts only when there is no message; the
# live log of a rank is read from that rank's pod of the current attempt,
# the pod the scheduler and the server pick too.  The simulator is told
# the wrapper's contract through its generic knobs (tests/lib.sh).
. "$top_srcdir/tests/lib.sh"
plan 18

bail_unless start_kubesim --speed 200
sched() { timeout 120 "$AILAB_QUEUE" sched --until-empty --interval 1s "$@" 2>"$TMP/sched.err"; }
# field ID EXPR: EXPR over `aq show ID -o json`, bound to d.
field() { aq show "$1" -o json | json_val "$2"; }

# The message says 42, the container 1: the message is the command's.
# Without a message (the wrapper killed before it wrote one), the
# container's exit code.  The default message is the wrapper's: its code.
cat >"$TMP/jobs.yaml" <<'YAML'
name: said
command: python train.py
annotations:
  ailab-kubesim.io/exit-code: "1"
  ailab-kubesim.io/termination-message: "ailab-queue-exit=42"
  ailab-kubesim.io/duration: 5m
---
name: silent
command: python train.py
annotations:
  ailab-kubesim.io/exit-code: "5"
  ailab-kubesim.io/termination-message: ""
  ailab-kubesim.io/duration: 5m
---
name: wrapped
command: python train.py
replicas: 2
annotations:
  ailab-kubesim.io/exit-code: "7"
  ailab-kubesim.io/duration: 5m
YAML
check "submit three jobs" aq submit "$TMP/jobs.yaml"
sched
ok "schedule them to their ends" $?
is "the message's exit code wins" "$(field 1 'd["state"], d["exit_code"]')" "failed 42"
is "no message: the container's exit code" "$(field 2 'd["state"], d["exit_code"]')" "failed 5"
is "the wrapper's message as the simulator writes it" "$(field 3 'd["state"], d["exit_code"]')" "failed 7"
# Both ranks exit 7; the first to end fails the gang, and the other may be
# stopped before its own end (no code), depending on which pod started first.
is "both replicas archived; each code recorded is the message's" \
    "$(field 3 'len(d["archived_replicas"]), sorted(set(r.get("exit_code") for r in d["archived_replicas"]) - {None})')" \
    "2 [7]"
check "why says which rank exited how" aq why 1
like "rank and code" "$TMP/out" 'rank 0 exited 42'

# A job on its second attempt (the first failed: exit-codes and durations
# are indexed by the attempt label; the second runs forever): its live log
# is rank 1's pod of attempt 2.
cat >"$TMP/live.yaml" <<'YAML'
name: live
command: python train.py
replicas: 2
retries: 1
annotations:
  ailab-kubesim.io/exit-codes: "3,0"
  ailab-kubesim.io/durations: "10m,forever"
YAML
check "submit a job that fails once" aq submit "$TMP/live.yaml"
# Attempt 2 never ends: run the scheduler until it runs.
start_sched sched --interval 1s
attempt2() { [ "$(field 4 'd["state"], d["attempts"]')" = "running 2" ]; }
ok_within "the second attempt runs" 60 attempt2
stop_sched
check "logs --rank 1 of the running job" aq logs 4 --rank 1
like "reads a live pod" "$TMP/err" '^live log of job 4 rank 1 \(pod live-4-'
pod=$(sed -n 's/^live log of job 4 rank 1 (pod \(.*\))$/\1/p' "$TMP/err")
ns=$(field 4 'd["namespace"]')
is "that pod is rank 1 of attempt 2" "$(kube_get "/api/v1/namespaces/$ns/pods/$pod" admin |
    json_val 'd["metadata"]["labels"]["ailab-queue.io/rank"], d["metadata"]["labels"]["ailab-queue.io/attempt"]')" "1 2"
like "its log is that pod's" "$TMP/out" "started in pod $ns/$pod\$"
check "logs --rank 1 --attempt 1: the archive" aq logs 4 --rank 1 --attempt 1
like "of attempt 1" "$TMP/err" '^archived log of job 4 rank 1, attempt 1'
like "rank 1's pod of that attempt" "$TMP/out" 'started in pod [^/]+/live-4-[0-9a-f]+-1-'
unlike "not the running one" "$TMP/out" "$pod"
finish
