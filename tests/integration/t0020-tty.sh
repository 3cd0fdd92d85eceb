#!/bin/sh
# On a terminal, as a person uses it (script(1) gives the commands a
# pseudo-terminal): bash completes a command name with TAB after
# `source <(ailab-queue completion bash)`, and `wait` keeps one progress
# line rewritten in place (carriage returns), which a pipe never gets;
# `ls` colours each row's state, a held job's yellow, unless NO_COLOR.
. "$top_srcdir/tests/lib.sh"
skip_unless "needs script(1) and bash" sh -c 'command -v script && command -v bash'
plan 9

PATH=$(dirname "$AILAB_QUEUE"):$PATH
export PATH
cd "$TMP" || exit 1

printf 'source <(ailab-queue completion bash)\nailab-queue can\t --help\nexit\n' |
    timeout 30 script -qec "bash --norc --noprofile -i" /dev/null \
    >"$TMP/bash.txt" 2>&1
ok "an interactive bash on a terminal runs the session" $?
like "TAB completed 'can' to 'cancel'" "$TMP/bash.txt" "ailab-queue cancel +--help"
like "and the completed command ran" "$TMP/bash.txt" "usage: ailab-queue cancel "

printf 'name: a\ncommand: "true"\nsweep: {grid: {x: [1, 2]}}\n' >s.yaml
aq submit s.yaml >/dev/null
timeout 30 script -qec "ailab-queue wait --group a --timeout 2s" /dev/null \
    </dev/null >"$TMP/wait.txt" 2>&1
is "wait on a terminal times out with its status" "$?" 3
is "one progress line rewritten in place, more than once" \
    "$(tr '\r' '\n' <"$TMP/wait.txt" | grep -c '^0/2 ended: 0 succeeded, 0 running, 2 waiting, 0 failed' | awk '{print ($1 > 1)}')" 1
aq wait --group a --timeout 1s >/dev/null 2>"$TMP/pipe.txt"
is "through a pipe: no carriage return" "$(tr -cd '\r' <"$TMP/pipe.txt" | wc -c)" 0

aq hold 2 >/dev/null
NO_COLOR= timeout 30 script -qec "ailab-queue ls" /dev/null </dev/null \
    >"$TMP/ls.txt" 2>&1
like "ls on a terminal colours the held job's state yellow" "$TMP/ls.txt" \
    "^2 +a-1 +$(printf '\033')\\[33mheld$(printf '\033')\\[0m "
like "and starts no colour for the queued one" "$TMP/ls.txt" "^1 +a-0 +queued"
NO_COLOR=1 timeout 30 script -qec "ailab-queue ls" /dev/null </dev/null \
    >"$TMP/ls-nc.txt" 2>&1
is "NO_COLOR: no escape at all" "$(tr -cd '\033' <"$TMP/ls-nc.txt" | wc -c)" 0
finish
