#!/bin/sh
# The CLI against a queue server that schedules: submit --wait follows the
# jobs to their end, logs prints the live log while a job runs and the
# archived one after, introduced as the local command introduces them;
# report and wait see the ended jobs.
. "$top_srcdir/tests/integration/t06-serve-lib.sh"
plan 16

serve_on_kubesim --speed 600 -- --no-lease --interval 1s --user-max-queued 0

cat >"$TMP/quick.yaml" <<'EOT'
name: quick
image: busybox
command: [sh, -c, "echo hello"]
gpu: {type: RTX4090D, count: 1}
annotations: {ailab-kubesim.io/duration: 2m}
sweep:
  grid: {lr: [1, 2]}
EOT
printf '%s\n' 'name: long' 'image: busybox' \
    'command: [sh, -c, "echo working"]' \
    'annotations: {ailab-kubesim.io/duration: 3h}' >"$TMP/long.yaml"
printf '%s\n' 'name: fails' 'image: busybox' 'command: [sh, -c, "exit 3"]' \
    'annotations: {ailab-kubesim.io/exit-codes: "3", ailab-kubesim.io/duration: 1m}' \
    >"$TMP/fail.yaml"

check "submit --wait of a sweep exits 0 when all succeeded" q submit --wait "$TMP/quick.yaml"
is "it printed the two ids" "$(tr '\n' ' ' <"$TMP/out")" "1 2 "
like "and followed them to their end" "$TMP/err" "^job 2 succeeded"
check "logs of an ended job" q logs 1
like "says it is archived, with the attempt and the node" "$TMP/err" \
    "^archived log of job 1 rank 0, attempt 1, node [^ ]+ \\(its pods are gone\\)$"
q logs 1 --tail 1 >"$TMP/out" 2>"$TMP/err"
is "logs --tail 1 prints one line" "$(wc -l <"$TMP/out")" 1
check "report of the sweep" q report quick -o json
is "both succeeded with exit code 0" "$(json_val '*["%s:%s" % (j["state"], j["exit_code"])
      for j in d["jobs"]], d["totals"]["succeeded"]' "$TMP/out")" "succeeded:0 succeeded:0 2"

q submit "$TMP/fail.yaml" >/dev/null 2>&1
q wait 3 >"$TMP/out" 2>"$TMP/err"
is "wait of a failing job exits 1" $? 1
like "saying so" "$TMP/err" "^ailab-queue: 1 of 1 jobs did not succeed$"

q submit "$TMP/long.yaml" >/dev/null 2>&1
ok_within "the long job runs" \
    60 sh -c "\"$AILAB_QUEUE\" --server $S ls -o json | grep -q '\"state\": \"running\"'"
check "logs of a running job" q logs 4
like "is the live log of its pod" "$TMP/err" \
    "^live log of job 4 rank 0 \\(pod [a-z0-9.-]+\\)$"
q cancel 4 >"$TMP/out" 2>"$TMP/err"
like "cancel of a running job asks the scheduler" "$TMP/err" \
    "^job 4: cancel requested; the scheduler stops it$"

finish
