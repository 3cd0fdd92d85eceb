#!/bin/sh
# Owners on one shared queue: a group and its max_running are its owner's
# (everyone's "lab1" has its own limit); `after` resolves only to the
# submitter's own jobs, with the same answer for another's job as for one
# that never was; a retry is held to the limit of waiting jobs as a
# submit is.
. "$top_srcdir/tests/integration/t06-serve-lib.sh"
plan 12

serve_on_kubesim --speed 600 -- --no-lease --interval 1s --user-max-queued 3
state() { q --context "$1" show "$2" -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])'; }
# running OWNER: how many of the owner's jobs run.
running() { q --context "$1" ls -o json | python3 -c 'import json,sys; print(sum(1 for j in json.load(sys.stdin) if j["state"] == "running"))'; }

cat >"$TMP/lab1.yaml" <<'EOT'
name: lab1
image: busybox
command: [sh, -c, "python lab.py --i ${i}"]
annotations: {ailab-kubesim.io/duration: 10h}
sweep:
  grid: {i: [1, 2]}
  max_running: 1
EOT
q --context alice submit "$TMP/lab1.yaml" >"$TMP/a.ids" 2>"$TMP/err"
ok "alice submits lab1 (2 jobs, max_running 1)" $?
q --context bob submit "$TMP/lab1.yaml" >"$TMP/b.ids" 2>"$TMP/err"
ok "bob submits his lab1" $?
wait_for 30 sh -c "[ \"\$(q() { timeout 60 '$AILAB_QUEUE' --server '$S' \"\$@\"; }; q --context bob ls -o json | python3 -c 'import json,sys; print(sum(1 for j in json.load(sys.stdin) if j[\"state\"] == \"running\"))')\" = 1 ]"
is "alice's lab1 runs one job" "$(running alice)" 1
is "bob's lab1 runs one too: his group, his limit" "$(running bob)" 1

A1=$(head -1 "$TMP/a.ids")
printf 'name: peek\nimage: busybox\ncommand: [true]\nafter: %s\n' "$A1" >"$TMP/peek.yaml"
printf 'name: none\nimage: busybox\ncommand: [true]\nafter: 99999\n' >"$TMP/none.yaml"
q --context bob submit "$TMP/peek.yaml" >/dev/null 2>"$TMP/why.p"
rc_p=$?
q --context bob submit "$TMP/none.yaml" >/dev/null 2>"$TMP/why.n"
rc_n=$?
like "bob's after on alice's job: refused at submit as not found ($rc_p)" "$TMP/why.p" "after: job $A1 is not one of your jobs"
like "as for a job that never was ($rc_n)" "$TMP/why.n" "after: job 99999 is not one of your jobs"

# carol: limit 3 waiting jobs; 3 cancelled, 3 queued, then a retry.
cat >"$TMP/c.yaml" <<'EOT'
name: c
namespace: carol
image: busybox
command: [sh, -c, "echo ${i}"]
sweep:
  grid: {i: [1, 2, 3]}
EOT
q --context carol submit --hold "$TMP/c.yaml" >"$TMP/c1.ids" 2>"$TMP/err" &&
    q --context carol cancel $(cat "$TMP/c1.ids") >/dev/null 2>&1 &&
    q --context carol submit --hold "$TMP/c.yaml" >/dev/null 2>&1
ok "carol has 3 cancelled and 3 held jobs" $?
C1=$(head -1 "$TMP/c1.ids")
is "retry past the limit is refused (403)" \
    "$(api carol POST "/v1/jobs/$C1/retry") $(jq_body 'b["error"]["reason"]')" \
    "403 LimitExceeded"
like "saying the limit" "$TMP/body" "at most 3 waiting jobs"
is "the job stays cancelled" "$(state carol "$C1")" cancelled
finish
