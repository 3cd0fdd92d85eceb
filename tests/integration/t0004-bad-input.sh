#!/bin/sh
# Bad input: each a one-line error and a non-zero exit, the queue untouched.
. "$top_srcdir/tests/lib.sh"
plan 27

printf 'name: good\ncommand: "true"\n' >"$TMP/good.yaml"
aq submit "$TMP/good.yaml" >/dev/null
sum() { sha256sum "$AILAB_QUEUE_DB" | cut -d' ' -f1; }
before=$(sum)

# one_line DESCRIPTION: the last command's stderr is exactly one line.
one_line() { is "$1: one line on stderr" "$(wc -l <"$TMP/err" | tr -d ' ')" 1; }

fails "a missing file" 2 aq submit "$TMP/nope.yaml"
one_line "a missing file"
like "it names the file and the problem" "$TMP/err" "nope.yaml: No such file or directory"

printf 'name: x\ncommand: [unclosed\n' >"$TMP/broken.yaml"
fails "a file that is not YAML" 2 aq submit "$TMP/broken.yaml"
one_line "not YAML"
like "it gives file:line:col" "$TMP/err" "broken.yaml:[0-9]+:[0-9]+: not valid YAML"

head -c 300 /dev/urandom >"$TMP/random.bin"
fails "a binary file" 2 aq submit "$TMP/random.bin"

printf 'name: x\ncomand: "true"\n' >"$TMP/typo.yaml"
fails "an unknown key" 2 aq submit "$TMP/typo.yaml"
like "it points at the key and suggests the right one" "$TMP/err" "typo.yaml:2:1: unknown key 'comand' \(did you mean 'command'\?\)"

fails "one bad file among good ones queues nothing" 2 aq submit "$TMP/good.yaml" "$TMP/typo.yaml"
is "the queue is untouched after bad specs" "$(sum)" "$before"

fails "an unknown subcommand" 2 aq sbumit "$TMP/good.yaml"
one_line "an unknown subcommand"
fails "a bad option" 2 aq submit --frob "$TMP/good.yaml"
one_line "a bad option"
fails "a bad output format" 2 aq ls -o xml
is "the queue is untouched after bad commands" "$(sum)" "$before"

printf 'this is not a database\n' >"$TMP/text.db"
fails "a database file that is not SQLite" 1 aq --db "$TMP/text.db" submit "$TMP/good.yaml"
one_line "not SQLite"
like "it says so" "$TMP/err" "text.db: not an ailab-queue database"
is "that file is untouched" "$(cat "$TMP/text.db")" "this is not a database"

# Permissions do not stop root: drop to nobody for the read-only cases.
mkdir "$TMP/ro"
cp "$AILAB_QUEUE_DB" "$TMP/ro/queue.db"
chmod 755 "$TMP" "$TMP/ro"
chmod 644 "$TMP/ro/queue.db"
[ "$(id -u)" -eq 0 ] || chmod 444 "$TMP/ro/queue.db"
cp "$TMP/good.yaml" "$TMP/secret.yaml"
chmod 600 "$TMP/secret.yaml"
[ "$(id -u)" -eq 0 ] || chmod 000 "$TMP/secret.yaml"
rosum=$(sha256sum "$TMP/ro/queue.db" | cut -d' ' -f1)
if as_nobody test -x "$AILAB_QUEUE"; then
	as_nobody "$AILAB_QUEUE" --db "$TMP/ro/queue.db" submit "$TMP/good.yaml" \
	    >"$TMP/out" 2>"$TMP/err"
	ok "a read-only database is refused" $([ $? -eq 1 ]; echo $?)
	one_line "read-only database"
	like "it says read-only" "$TMP/err" "queue.db: the queue database is read-only"
	is "the read-only database is untouched" \
	    "$(sha256sum "$TMP/ro/queue.db" | cut -d' ' -f1)" "$rosum"
	as_nobody "$AILAB_QUEUE" --db "$TMP/ro/other.db" submit "$TMP/secret.yaml" \
	    >"$TMP/out" 2>"$TMP/err"
	ok "an unreadable spec file is refused" $([ $? -eq 2 ]; echo $?)
	like "it says permission denied" "$TMP/err" "secret.yaml: Permission denied"
else
	skip_n 6 "the build directory is not reachable by nobody"
fi
finish
