#!/bin/sh
# Results through a queue server that schedules: show -o json is the
# API's GET /v1/jobs/{id} exactly, archived replicas included; logs
# --attempt N asks the server for that attempt; a job that never started
# has no log (exit 1); logs --group --out and report's cluster run time
# work remotely too.
. "$top_srcdir/tests/integration/t06-serve-lib.sh"
plan 22

serve_on_kubesim --speed 600 -- --no-lease --interval 1s --user-max-queued 0

cat >"$TMP/flaky.yaml" <<'EOT'
name: flaky
image: busybox
command: [sh, -c, "echo hi"]
gpu: {type: RTX4090D, count: 1}
retries: 1
annotations: {ailab-kubesim.io/exit-codes: "1,0", ailab-kubesim.io/duration: 10m}
EOT
printf '%s\n' 'name: never' 'image: busybox' 'command: [sh, -c, "echo never"]' \
    >"$TMP/never.yaml"

q submit --group res "$TMP/flaky.yaml" >/dev/null 2>&1
q submit --group res --hold "$TMP/never.yaml" >/dev/null 2>&1
check "the flaky job succeeds on its second attempt" q wait 1

check "show -o json" q show 1 -o json
is "as GET /v1/jobs/1 answers it" "$(api alice GET /v1/jobs/1 >/dev/null; \
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1])) == json.load(open(sys.argv[2])))' "$TMP/out" "$TMP/body")" True
is "with both attempts' replicas" \
    "$(json_val '[(r["attempt"], r.get("exit_code")) for r in d["archived_replicas"]], d["exit_code"]' "$TMP/out")" \
    "[(1, 1), (2, 0)] 0"
check "show" q show 1
like "the attempts for people" "$TMP/out" '^1 +20[^ ]+Z +20[^ ]+Z +ailab-[^ ]+ +1 +attempt 1 failed'

check "logs --attempt 1" q logs 1 --attempt 1
like "the server's archive of attempt 1" "$TMP/err" '^archived log of job 1 rank 0, attempt 1, node ailab-'
like "the failed attempt's log" "$TMP/out" 'exiting with code 1$'
check "logs --attempt 2" q logs 1 --attempt 2
like "attempt 2" "$TMP/err" '^archived log of job 1 rank 0, attempt 2, node ailab-'
like "the succeeded attempt's log" "$TMP/out" 'exiting with code 0$'
fails "an attempt the job has not had is a usage error" 2 q logs 1 --attempt 3
fails "logs of a job that never started exits 1" 1 q logs 2
like "saying so" "$TMP/err" "^ailab-queue: job 2 has not started"

check "logs --group --out" q logs --group res --out "$TMP/logs"
is "one file, 0600" "$(cd "$TMP/logs" && stat -c '%n %a' *)" "flaky-1-0.log 600"
like "holding the latest attempt's log" "$TMP/logs/flaky-1-0.log" 'exiting with code 0$'

check "report -o json" q report res -o json
is "run_seconds is the cluster's 10 minutes" \
    "$(json_val '[j["run_seconds"] >= 590 and j["run_seconds"] < 1200 for j in d["jobs"] if j["id"] == 1]' "$TMP/out")" \
    "[True]"
finish
