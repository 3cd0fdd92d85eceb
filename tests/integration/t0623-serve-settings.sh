#!/bin/sh
# serve's settings come from one table (server/server.h): `serve
# --settings` prints it, docs/operations.md holds the same table, every
# setting has its option in --help, a value out of bounds is refused in
# the same words whether the file (with file:line:col) or the option says
# it, and the file and the options set the same things.
. "$top_srcdir/tests/integration/t06-serve-lib.sh"
plan 15

"$AILAB_QUEUE" serve --settings >"$TMP/settings.md" 2>"$TMP/settings.err"
ok "serve --settings prints the table" $?

# The doc's table, between its markers.
sed -n '/^<!-- settings:/,/^<!-- end of settings -->/p' \
    "$top_srcdir/docs/operations.md" | grep '^|' >"$TMP/doc.md"
if diff -u "$TMP/doc.md" "$TMP/settings.md" >"$TMP/doc.diff"; then
	ok "docs/operations.md lists exactly the settings, defaults and bounds" 0
else
	sed 's/^/#   /' "$TMP/doc.diff" | head -n 40
	ok "docs/operations.md lists exactly the settings, defaults and bounds" 1
fi

# Each row: | `name` | `--option ARG` | default | values | meaning |,
# as name, option, default and values separated by tabs.
tab=$(printf '\t')
sed -n '3,$p' "$TMP/settings.md" | awk -F' [|] ' -v OFS="$tab" '{
	name = $1; sub(/^[|] `/, "", name); sub(/`$/, "", name)
	opt = $2; sub(/^`/, "", opt); sub(/[ `].*$/, "", opt)
	print name, opt, $3, $4 }' >"$TMP/rows"
n=$(wc -l <"$TMP/rows")
[ "$n" -ge 30 ]
ok "the table has every setting ($n)" $?

"$AILAB_QUEUE" serve --help >"$TMP/help" 2>&1
missing=
while IFS="$tab" read -r name opt def vals; do
	grep -F -e "$opt " "$TMP/help" | grep -q -F -e "(default $def)" ||
	    missing="$missing $opt"
done <"$TMP/rows"
is "serve --help has every setting's option and default" "$missing" ""

# out_of_bounds NAME OPTION VALUE: the file's error and the option's.
bad=
out_of_bounds() {
	printf 'listen: 127.0.0.1:0\n%s: "%s"\n' "$1" "$3" >"$TMP/bad.yaml"
	"$AILAB_QUEUE" serve --config "$TMP/bad.yaml" 2>"$TMP/f.err"
	frc=$?
	"$AILAB_QUEUE" serve "$2" "$3" 2>"$TMP/o.err"
	orc=$?
	fmsg=$(sed -n "s|^ailab-queue: $TMP/bad.yaml:2:1: ||p" "$TMP/f.err")
	omsg=$(sed -n "s|^ailab-queue: $2: ||p" "$TMP/o.err")
	if [ $frc -ne 2 ] || [ $orc -ne 2 ] || [ -z "$fmsg" ] ||
	    [ "$fmsg" != "$omsg" ] ||
	    ! echo "$fmsg" | grep -q "^invalid value for '$1': '$3' "; then
		echo "# $1 $3: file ($frc) '$(cat "$TMP/f.err")'"
		echo "#   option ($orc) '$(cat "$TMP/o.err")'"
		bad="$bad $1"
	fi
}
# Every integer setting one past its maximum, every duration far past it.
nint=0
ndur=0
while IFS="$tab" read -r name opt def vals; do
	hi=$(echo "$vals" |
	    sed -n 's/^[0-9][0-9]* to \([0-9][0-9]*\)\( per second\)\{0,1\}$/\1/p')
	if [ -n "$hi" ]; then
		out_of_bounds "$name" "$opt" $((hi + 1))
		nint=$((nint + 1))
	elif echo "$vals" | grep -q '^[0-9][0-9a-z]* to [0-9][0-9]*[a-z][a-z]*$'
	then
		out_of_bounds "$name" "$opt" 9999d
		ndur=$((ndur + 1))
	fi
done <"$TMP/rows"
[ "$nint" -ge 10 ] && [ "$ndur" -ge 8 ]
ok "the bounded settings were all tried ($nint numbers, $ndur durations)" $?
is "each out-of-bounds value: the same error from the file (file:line:col) and the option" \
    "$bad" ""

printf 'listen: 127.0.0.1:0\nbrust: 5\n' >"$TMP/typo.yaml"
"$AILAB_QUEUE" serve --config "$TMP/typo.yaml" 2>"$TMP/typo.err"
is "an unknown setting is a usage error" $? 2
like "naming its place and the setting meant" "$TMP/typo.err" \
    "typo.yaml:2:1: unknown setting 'brust' \(did you mean 'burst'\?\)"

# The same settings by file and by option reach the server; an option
# overrides the file.
start_kubesim
printf 'listen: "256.0.0.1:1"\nlease: false\n' >"$TMP/serve.yaml"
start_serve file --config "$TMP/serve.yaml" --no-schedule -v
like "the option's --listen wins over the file's" "$TMP/serve-file.out" \
    '^url http://127\.0\.0\.1:[0-9]+$'
start_serve opt --no-lease --no-schedule -v
if grep -q 'no leader election' "$TMP/serve-file.err" &&
    grep -q 'no leader election' "$TMP/serve-opt.err"; then
	ok "lease: false in the file and --no-lease do the same" 0
else
	sed 's/^/#   /' "$TMP/serve-file.err" "$TMP/serve-opt.err" | head -n 20
	ok "lease: false in the file and --no-lease do the same" 1
fi

# The /v1/ routes: one 404 for a path no route has, one 405 naming the
# methods the path takes.
is "an unknown path under /v1/: 404" "$(api alice GET /v1/jobs/1/nothing)" 404
like "naming the path" "$TMP/body" "no such path '/v1/jobs/1/nothing'"
is "DELETE on /v1/jobs: 405" \
    "$(api alice DELETE /v1/jobs -D "$TMP/headers")" 405
like "Allow lists what the path takes" "$TMP/headers" '^Allow: GET, POST'
is "GET on an action: 405" "$(api alice GET /v1/jobs/cancel -D "$TMP/headers")" 405
finish
