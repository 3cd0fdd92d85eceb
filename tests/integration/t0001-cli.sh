#!/bin/sh
# The command line: help, version, prefixes, unknown commands and options.
. "$top_srcdir/tests/lib.sh"
plan 27

check "help lists the commands" aq help
like "help names submit" "$TMP/out" '^  submit +validate job spec'
like "help names ls" "$TMP/out" '^  ls +list jobs'
check "--help works without a command" aq --help
like "--help prints the usage" "$TMP/out" '^usage: ailab-queue'
check "--version" aq --version
like "--version prints the version" "$TMP/out" '^ailab-queue [0-9]+\.[0-9]+\.[0-9]+$'
# Every command help lists, the queue front's own and those it hands to
# ailab-queue-cluster alike, answers --help with its usage.
cmds=$(aq help | sed -n '/^commands:/,/^$/s/^  \([a-z]*\) .*/\1/p')
is "help lists 20 commands or more" "$(test "$(echo "$cmds" | wc -l)" -ge 20 \
    && echo yes)" yes
bad=
for c in $cmds; do
	aq "$c" --help >"$TMP/h" 2>&1 && grep -q "^usage: ailab-queue $c" \
	    "$TMP/h" || bad="$bad $c"
done
is "every command's --help prints its usage" "$bad" ""
check "a cluster command by prefix goes to the whole program" aq sche --help
like "sche is sched" "$TMP/out" '^usage: ailab-queue sched'
fails "a cluster command's unknown option exits 2" 2 aq sched --bogus
like "and is named" "$TMP/err" "unknown option '--bogus'"
# Without a cluster, a cluster command fails in one line, exit 1.
fails "whoami without a kubeconfig exits 1" 1 env KUBECONFIG="$TMP/none" \
    "$AILAB_QUEUE" whoami
is "in one line" "$(wc -l <"$TMP/err" | tr -d ' ')" 1
# The queue front leaves the cluster client (libcurl and the thirty
# libraries it loads) to ailab-queue-cluster: loading them costs more than
# a submit.
readelf -d "$AILAB_QUEUE" >"$TMP/needed"
ok "the queue front does not load libcurl" \
    "$(grep -c 'libcurl' "$TMP/needed")"
# Nor the kubeconfig's TLS and base64 code: it reads the kubeconfig for
# the namespace only, and the resolver library (b64_pton) is one more
# library loaded at every start (issue 19).
ok "the queue front does not load libresolv" \
    "$(grep -c 'NEEDED.*libresolv' "$TMP/needed")"
readelf -d "$(dirname "$AILAB_QUEUE")/ailab-queue-cluster" >"$TMP/needed"
like "the whole program does" "$TMP/needed" 'libcurl'
check "help CMD by prefix" aq help subm
like "help submit shows the option table" "$TMP/out" '--dry-run'

fails "unknown command exits 2" 2 aq frobnicate
is "unknown command: one line" "$(wc -l <"$TMP/err" | tr -d ' ')" 1
aq sumbit 2>"$TMP/err"
like "a typo gets a did-you-mean hint" "$TMP/err" "did you mean 'submit'"
fails "an ambiguous prefix exits 2" 2 aq s
like "an ambiguous prefix names the candidates" "$TMP/err" 'could be submit, show'
fails "an unknown option exits 2" 2 aq ls --bogus
like "the unknown option is named" "$TMP/err" "unknown option '--bogus'"
finish
