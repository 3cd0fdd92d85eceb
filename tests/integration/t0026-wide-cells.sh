#!/bin/sh
# Table columns measure wide text in the user's locale, which the front
# takes only when a cell is not plain ASCII (cli-output.c), not at start.
. "$top_srcdir/tests/lib.sh"

skip_unless "no C.UTF-8 locale" sh -c "locale -a | grep -Eqi '^c\.utf-?8\$'"
plan 6

cat >"$TMP/sweep.yaml" <<'YAML'
name: sw
command: "echo ${w}"
sweep:
  grid:
    w: [训练, ab]
YAML
check "a sweep with a wide parameter" aq submit "$TMP/sweep.yaml"
is "two ids" "$(tr '\n' ' ' <"$TMP/out")" "1 2 "

utf8() { env -u LC_ALL -u LC_CTYPE LANG=C.UTF-8 "$AILAB_QUEUE" "$@"; }
check "report in a UTF-8 locale" utf8 report sw
# 训练 is two characters of two columns each: the column is four wide.
like "two wide characters count four columns" "$TMP/out" \
    '^2 +sw-1 +ab {5}queued '
check "report in the C locale" env LC_ALL=C "$AILAB_QUEUE" report sw
like "without one, each byte counts a column" "$TMP/out" \
    '^2 +sw-1 +ab {7}queued '
finish
