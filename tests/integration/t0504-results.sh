#!/bin/sh
# Results of a local queue: show reads for people (no spec dump) and
# -o json is the whole record with attempts; logs --attempt N reads that
# attempt's archive; a job that never started has no log (exit 1);
# logs --group --out writes a file per job and rank; report's RUNTIME is
# the cluster's; a retried job has no current exit code.
. "$top_srcdir/tests/lib.sh"
plan 62

bail_unless start_kubesim --speed 600
audit() {
	sim_get /sim/audit >"$TMP/audit.json"
	python3 -c "import json,sys; d=json.load(open(sys.argv[1]))['items']; print($1)" "$TMP/audit.json"
}

# Two ranks; the first attempt fails (exit 1), the second succeeds.  The
# run takes 10 minutes of the cluster's time, 1 s of ours (--speed 600).
cat >"$TMP/jobs.yaml" <<'YAML'
name: flaky
command: python flaky.py
gpu: {type: RTX4090, count: 1}
replicas: 2
retries: 1
timeout: 2h
resources: {memory: 128Gi, cpu: 4}
annotations: {ailab-kubesim.io/exit-codes: "1,0", ailab-kubesim.io/duration: 10m}
---
name: never
command: python never.py
priority: 123
YAML
check "submit a group of two" aq submit --group res "$TMP/jobs.yaml"
check "hold the second: it never starts" aq hold 2
check "schedule to the end" sched_all

# show, for people.
check "show" aq show 1
like "the GPUs as the job list prints them" "$TMP/out" '^GPUs: +1x RTX4090 x2$'
like "memory as a Kubernetes quantity" "$TMP/out" '^Memory: +128Gi per replica$'
like "cpu too" "$TMP/out" '^CPU: +4 per replica$'
like "priority by its name" "$TMP/out" '^Priority: +normal$'
like "the timeout" "$TMP/out" '^Timeout: +2h$'
like "retries used of allowed" "$TMP/out" '^Retries: +1 of 1 used$'
like "submitted, with its age" "$TMP/out" '^Submitted: +20[0-9-]+T[0-9:]+Z, [0-9]+[smhd] ago$'
like "ended, with its age" "$TMP/out" '^Ended: +20[0-9-]+T[0-9:]+Z, [0-9]+[smhd] ago$'
like "the exit code" "$TMP/out" '^Exit code: +0$'
like "attempt 1: its nodes, exit codes and how it ended" "$TMP/out" \
    '^1 +20[^ ]+Z +20[^ ]+Z +ailab-[^ ]+,ailab-[^ ]+ +1,(1|-) +attempt 1 failed'
like "attempt 2 succeeded" "$TMP/out" \
    '^2 +20[^ ]+Z +20[^ ]+Z +ailab-[^ ]+,ailab-[^ ]+ +0,0 +2 of 2 replicas exited 0$'
like "then the events" "$TMP/out" '^20[^ ]+Z +running +succeeded +2 of 2 replicas exited 0$'
unlike "no stored spec dump" "$TMP/out" 'memory_bytes|gpu_products|^v: 1|137438953472'
check "show of a job that never ran" aq show 2
like "its priority is a number" "$TMP/out" '^Priority: +123$'
like "it has no attempts" "$TMP/out" '^  none: it has not been admitted$'
like "no start" "$TMP/out" '^Started: +-$'

# show -o json: the whole record.
check "show -o json" aq show 1 -o json
# Rank 1 of attempt 1 may be stopped before it exits: no exit code.
is "archived replicas: two ranks of two attempts, with their exit codes" \
    "$(json_val 'sorted((r["attempt"], r["rank"], r.get("exit_code", 1)) for r in d["archived_replicas"])' "$TMP/out")" \
    "[(1, 0, 1), (1, 1, 1), (2, 0, 0), (2, 1, 0)]"
is "events, exit code and run length" \
    "$(json_val 'len(d["events"]), d["exit_code"], d["run_ms"] >= 590000' "$TMP/out")" \
    "7 0 True"
kube_get /api/v1/nodes admin >"$TMP/nodes.json"
is "the replicas ran on nodes of the cluster" \
    "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); n={x["metadata"]["name"] for x in json.load(open(sys.argv[2]))["items"]}; print(all(r["node"] in n for r in d["archived_replicas"]))' "$TMP/out" "$TMP/nodes.json")" True
is "the cluster got a deployment per rank and attempt, none for the held job" \
    "$(audit '[len([e for e in d if e["verb"]=="create" and e["resource"]=="deployments" and e.get("name","").startswith(p)]) for p in ("flaky-1-", "never-2-")]')" "[4, 0]"

# logs --attempt.
before=$(audit 'len([e for e in d if e.get("subresource")=="log"])')
check "logs --attempt 1" aq logs 1 --attempt 1
like "says which attempt" "$TMP/err" '^archived log of job 1 rank 0, attempt 1, node ailab-'
like "the failed attempt's log" "$TMP/out" 'exiting with code 1$'
check "logs, the latest attempt by default" aq logs 1 --rank 1
like "attempt 2 of rank 1" "$TMP/err" '^archived log of job 1 rank 1, attempt 2, node ailab-'
like "the succeeded attempt's log" "$TMP/out" 'exiting with code 0$'
is "archived logs read nothing from the cluster" \
    "$(audit 'len([e for e in d if e.get("subresource")=="log"])')" "$before"
fails "an attempt the job has not had is a usage error" 2 aq logs 1 --attempt 3
like "it says how many it had" "$TMP/err" "job 1 has had 2 attempts: no attempt 3"
fails "--attempt 0 is a usage error" 2 aq logs 1 --attempt 0
fails "logs of a job that never started exits 1" 1 aq logs 2
like "saying so on stderr" "$TMP/err" "^ailab-queue: job 2 has not started: it has no log; held: held"
is "and printing nothing" "$(wc -c <"$TMP/out" | tr -d ' ')" 0

# logs --group --out.
check "logs --group --out" aq logs --group res --out "$TMP/logs"
is "one file per rank of the job that ran" "$(cd "$TMP/logs" && ls | tr '\n' ' ')" \
    "flaky-1-0.log flaky-1-1.log "
is "created 0600" "$(stat -c %a "$TMP/logs/flaky-1-0.log" "$TMP/logs/flaky-1-1.log" | tr '\n' ' ')" "600 600 "
aq logs 1 --rank 1 >"$TMP/rank1" 2>/dev/null
cmp -s "$TMP/rank1" "$TMP/logs/flaky-1-1.log"
ok "each holds that rank's log" $?
like "a summary names the skipped job" "$TMP/err" "^wrote 2 log files to .*; 1 of 2 jobs have not started$"
echo tampered >"$TMP/logs/flaky-1-0.log"
fails "files already there are refused" 1 aq logs --group res --out "$TMP/logs"
like "naming the file" "$TMP/err" "flaky-1-0.log' exists: --force overwrites it"
is "and left alone" "$(cat "$TMP/logs/flaky-1-0.log")" tampered
check "--force overwrites" aq logs --group res --out "$TMP/logs" --force
like "with the log" "$TMP/logs/flaky-1-0.log" 'exiting with code 0$'
fails "--group without --out is a usage error" 2 aq logs --group res
fails "--out of an unknown group exits 1" 1 aq logs --group nope --out "$TMP/x"

# report: the cluster's run time, 10 minutes, where ours was a second.
check "report -o json" aq report res -o json
is "run_seconds is the cluster's 10 minutes" \
    "$(json_val '[j["run_seconds"] >= 590 and j["run_seconds"] < 1200 for j in d["jobs"] if j["id"] == 1], [j["run_seconds"] for j in d["jobs"] if j["id"] == 2]' "$TMP/out")" \
    "[True] [0]"
check "report" aq report res
like "RUNTIME in the table" "$TMP/out" '^1 +flaky +succeeded +0 +2 +1[0-9]m +RTX4090 '

# retry: the queued job has no current exit code; its history keeps it.
check "retry the succeeded job" aq retry --state succeeded 1
check "show -o json" aq show 1 -o json
is "no current exit code or start, the replicas keep theirs" \
    "$(json_val 'd["state"], "exit_code" in d, d.get("started_at"), sorted({r.get("exit_code") for r in d["archived_replicas"] if r["rank"] == 0})' "$TMP/out")" \
    "queued False None [0, 1]"
check "show" aq show 1
like "says so to people" "$TMP/out" '^Exit code: +-$'
check "report" aq report res
like "report has no exit code or run time for it" "$TMP/out" '^1 +flaky +queued +- +2 +- +RTX4090 '
finish
