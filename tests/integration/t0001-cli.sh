#!/bin/sh
# The command line: help, version, prefixes, unknown commands and options.
. "$top_srcdir/tests/lib.sh"
plan 24

check "help lists the commands" aq help
like "help names submit" "$TMP/out" '^  submit +validate job spec'
like "help names ls" "$TMP/out" '^  ls +list jobs'
check "--help works without a command" aq --help
like "--help prints the usage" "$TMP/out" '^usage: ailab-queue'
check "--version" aq --version
like "--version prints the version" "$TMP/out" '^ailab-queue [0-9]+\.[0-9]+\.[0-9]+$'
for c in submit ls show cancel hold release help version; do
	aq "$c" --help >"$TMP/h" 2>&1
	rc=$?
	grep -q "^usage: ailab-queue $c" "$TMP/h"
	ok "$c --help prints its usage" $((rc + $?))
done
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
