#!/bin/sh
# sbatch --wrap and squeue --iterate habits: `submit --wrap COMMAND` queues
# one job running a shell command, the command stored as written (quotes,
# $(...) and all), --name and --set giving the rest; `ls --watch` lists
# again every --interval, each listing under a line with the time.
. "$top_srcdir/tests/lib.sh"

plan 21

hostile='python train.py --note "O'"'"'Brien $(id)" && echo `uname`; rm -rf /'
check "submit --wrap queues one job" aq submit --wrap "$hostile" \
    --set gpu.type=RTX4090D --set gpu.count=2
is "it prints the new id" "$(cat "$TMP/out")" "1"
aq show 1 -o json >"$TMP/show.json"
is "the command is stored as written" "$(python3 -c '
import json, sys
print(json.load(open(sys.argv[1]))["spec"]["command"][0])' "$TMP/show.json")" \
    "$hostile"
is "its default name is wrap" "$(python3 -c '
import json, sys
print(json.load(open(sys.argv[1]))["name"])' "$TMP/show.json")" "wrap"
is "--set gave its GPUs" "$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(d["gpu"]["count"], d["gpu"]["type"])' "$TMP/show.json")" "2 RTX4090D"

check "--name names it" aq submit --wrap 'echo hi' --name hello
is "the named job" "$(aq ls -o json | python3 -c '
import json, sys
print(" ".join(j["name"] for j in json.load(sys.stdin)))')" "wrap hello"
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

finish
