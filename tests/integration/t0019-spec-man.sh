#!/bin/sh
# ailab-queue-spec(5), the spec language's manual page: it renders without
# a warning, describes every key the parser accepts (read from the
# parser's own tables) and no key it does not, and its examples validate.
. "$top_srcdir/tests/lib.sh"
plan 6

page="$top_srcdir/docs/ailab-queue-spec.5"
parser="$top_srcdir/spec/spec-parse.c"
helm_parser="$top_srcdir/spec/spec-helm.c"
groff -man -Tascii -ww -z "$page" >"$TMP/groff" 2>&1
is "the page renders without a warning" "$(cat "$TMP/groff")" ""
groff -man -Tascii -P-cbou "$page" 2>/dev/null >"$TMP/man.txt"

# keys ARRAY FILE: the strings of one of the parser's key tables.
keys() {
	sed -n "/^static const char \*const $1\[\] = {/,/};/p" "$2" |
	    grep -o '"[^"]*"' | tr -d '"'
}
# The spec's keys: the first string of each entry of its field table.
sed -n '/^} spec_fields\[\] = {/,/^};/p' "$parser" |
    sed -n 's/^[[:space:]]*{ "\([^"]*\)".*/\1/p' >"$TMP/keys"
keys spec_helm_keys "$helm_parser" >"$TMP/helm"
[ "$(wc -l <"$TMP/keys")" -gt 20 ] && [ "$(wc -l <"$TMP/helm")" -gt 15 ]
ok "the parser's tables are read ($(wc -l <"$TMP/keys") keys, $(wc -l <"$TMP/helm") helm keys)" $?

# The FIELDS section: each entry's tag line, indented 7 columns.
sed -n '/^FIELDS/,/^VARIABLES/p' "$TMP/man.txt" |
    sed -n 's/^       \([a-z_]\{1,\}\)\(, \([a-z_]*\)\)\{0,1\}.*/\1 \3/p' |
    tr ' ' '\n' | sed '/^$/d' | sort -u >"$TMP/described"
missing=$(sort "$TMP/keys" | comm -23 - "$TMP/described" | tr '\n' ' ')
is "every key the parser accepts is described" "$missing" ""
extra=$(sort -u "$TMP/keys" | comm -13 - "$TMP/described" | tr '\n' ' ')
is "no key is described that the parser refuses" "$extra" ""

helm=$(sed -n '/^HELM VALUES/,/^LIMITS/p' "$TMP/man.txt" | tr -s ' \n,()' '\n')
missing=
for k in $(cat "$TMP/helm"); do
	printf '%s\n' "$helm" | grep -qx "$k" || missing="$missing $k"
done
is "every helm key the parser reads is named" "$missing" ""

# The page's two specs (SYNOPSIS, EXAMPLES) are valid as written.
awk '/^\.nf/ {n++; f = 1; next} /^\.fi/ {f = 0} f {print > (dir "/ex" n ".yaml")}' \
    dir="$TMP" "$page"
sed -i 's/\\-/-/g' "$TMP/ex1.yaml" "$TMP/ex2.yaml"
printf 'id\nal\nbo\n' >"$TMP/students.csv"
aq validate "$TMP/ex1.yaml" "$TMP/ex2.yaml" >"$TMP/out" 2>&1
ok "the page's examples validate" $?
finish
