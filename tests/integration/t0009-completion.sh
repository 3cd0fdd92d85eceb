#!/bin/sh
# Shell completion and the manual page, both written from the command
# table: bash completes commands (by prefix too), each command's options,
# option values and file arguments; every command and option the program
# lists completes and is in the manual page, which renders without a
# warning.
. "$top_srcdir/tests/lib.sh"
plan 14

aq completion bash >"$TMP/c.bash"
ok "completion bash writes a script" $?
check "bash parses it" bash -n "$TMP/c.bash"
mkdir "$TMP/d" && : >"$TMP/d/sweep.yaml" && : >"$TMP/d/swap.txt"
# comp WORD...: what bash completes the last word to, sorted, on one line.
comp() {
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
_ailab_queue; printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' \
	    sh "$TMP/c.bash" "$@" | sed 's/ $//'
}
is "a command by its start" "$(comp ailab-queue can)" "cancel"
is "help completes command names" "$(comp ailab-queue help sch)" "sched"
is "a command's option" "$(comp ailab-queue cancel --g)" "--group"
is "after an abbreviated command" "$(comp ailab-queue sub --dr)" "--dry-run"
is "an option's value skipped to find the command" \
    "$(comp ailab-queue --db x.db ls --a)" "--all"
is "output formats" "$(comp ailab-queue -o '')" "csv json name table wide yaml"
is "job states" "$(comp ailab-queue ls --state r)" "running"
is "spec files for submit" "$(cd "$TMP/d" && comp ailab-queue submit sw)" "swap.txt sweep.yaml"

# Every command help lists, and every option its help lists, completes
# and is in the manual page.
aq help | awk '/^commands:/ {c = 1; next} /^$/ {c = 0} c {print $1}' >"$TMP/cmds"
missing=
for c in $(cat "$TMP/cmds"); do
	opts=$(comp ailab-queue "$c" --)
	for o in $(aq help "$c" | sed -n 's/^ *\(-., \)\{0,1\}\(--[a-z-]*\).*/\2/p'); do
		case " $opts " in *" $o "*) ;; *) missing="$missing $c:$o" ;; esac
	done
done
is "every command and option of help completes ($(wc -l <"$TMP/cmds") commands)" "$missing" ""

aq help --man >"$TMP/aq.1"
groff -man -Tascii -ww -z "$TMP/aq.1" >"$TMP/groff" 2>&1
is "the manual page renders without a warning" "$(cat "$TMP/groff")" ""
groff -man -Tascii -P-cbou "$TMP/aq.1" 2>/dev/null >"$TMP/man.txt"
missing=
for c in $(cat "$TMP/cmds"); do
	grep -q "^   $c\b" "$TMP/man.txt" || missing="$missing $c"
	for o in $(aq help "$c" | sed -n 's/^ *\(-., \)\{0,1\}\(--[a-z-]*\).*/\2/p'); do
		grep -q -- "$o\b" "$TMP/man.txt" || missing="$missing $c:$o"
	done
done
is "the manual page has every command and option" "$missing" ""
aq completion tcsh >/dev/null 2>"$TMP/err"
is "an unknown shell is a usage error" "$? $(cat "$TMP/err")" \
    "2 ailab-queue: completion: unknown shell 'tcsh' (bash, zsh or fish)"
finish
