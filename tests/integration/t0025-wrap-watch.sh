#!/bin/sh
# sbatch --wrap and squeue --iterate habits: `submit --wrap COMMAND` queues
# one job running a shell command, the command stored as written (quotes,
# $(...) and all), --name and --set giving the rest; `ls --watch` lists
# again every --interval, each listing under a line with the time.  Both
# also against a shared queue server (--server).
. "$top_srcdir/tests/integration/t06-serve-lib.sh"

plan 28

hostile='python train.py --note "O'"'"'Brien $(id)" && echo `uname`; rm -rf /'
check "submit --wrap queues one job" aq submit --wrap "$hostile" \
    --set gpu.type=RTX4090D --set gpu.count=2
is "it prints the new id" "$(cat "$TMP/out")" "1"
aq show 1 -o json >"$TMP/show.json"
is "the command is stored as written" \
    "$(json_val 'd["spec"]["command"][0]' "$TMP/show.json")" "$hostile"
is "its default name is wrap" "$(json_val 'd["name"]' "$TMP/show.json")" "wrap"
is "--set gave its GPUs" \
    "$(json_val 'd["gpu"]["count"], d["gpu"]["type"]' "$TMP/show.json")" "2 RTX4090D"

check "--name names it" aq submit --wrap 'echo hi' --name hello
is "the named job" "$(aq ls -o json | json_val '" ".join(j["name"] for j in d)')" "wrap hello"
check "--dry-run with --wrap queues nothing" aq submit --dry-run --wrap 'true'
like "and shows the job" "$TMP/out" '^wrap +default'
is "still two jobs" "$(aq ls -q | wc -l | tr -d ' ')" "2"

fails "--wrap with a FILE is refused" 2 aq submit --wrap 'true' x.yaml
like "saying why" "$TMP/err" "'--wrap' takes no FILE"
fails "an empty --wrap is refused" 2 aq submit --wrap ''
fails "a bad --name is an error at --wrap" 2 aq submit --wrap true --name 'Bad Name'
like "naming the field" "$TMP/err" "^--wrap:1:[0-9]+: job name 'Bad Name'"
fails "--name without --wrap is refused" 2 aq submit --name x
fails "submit with nothing to submit is refused" 2 aq submit

# ls --watch into a pipe: listing after listing, each under its time line.
timeout 3 "$AILAB_QUEUE" ls --watch --interval 500ms >"$TMP/watch" 2>&1
is "--watch runs until stopped" "$?" "124"
n=$(grep -c '^Every 0.5s: ailab-queue ls ' "$TMP/watch")
[ "$n" -ge 2 ]
ok "it listed again ($n listings in 3 s)" $?
[ "$(grep -c '^1 *wrap ' "$TMP/watch")" -eq "$n" ]
ok "every listing has the jobs" $?
fails "--interval without --watch is refused" 2 aq ls --interval 1s

# The same through a server: the made spec goes as standard input does.
serve_on_kubesim --no-schedule
q() { timeout 60 "$AILAB_QUEUE" --server "$SERVE_URL" --context alice "$@"; }
check "submit --wrap to the server" q submit --wrap "$hostile" --name remote
id=$(cat "$TMP/out")
is "the server answers 200 for it" "$(api alice GET "/v1/jobs/$id")" 200
is "the server stored the command as written" \
    "$(json_val 'd["name"], d["spec"]["command"][0]' "$TMP/body")" "remote $hostile"
timeout 3 "$AILAB_QUEUE" --server "$SERVE_URL" --context alice ls --watch \
    --interval 500ms -o name >"$TMP/watch" 2>&1
is "ls --watch against the server runs until stopped" "$?" "124"
[ "$(grep -cx "$id" "$TMP/watch")" -ge 2 ]
ok "listing the server's job again and again (-o name: ids alone)" $?

finish
