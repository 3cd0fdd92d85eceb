#!/bin/sh
# Text of jobs reaches people escaped: no terminal escape runs, no newline
# makes a row of its own; CSV cells a spreadsheet would run as formulas are
# neutralised; -o json keeps every byte.
. "$top_srcdir/tests/lib.sh"
plan 22

esc=$(printf '\033')
# A roster whose cells try an OSC title, a colour, a forged row, formulas.
printf 'name,score\n"ann\033]0;pwn\007","=HYPERLINK(""http://evil/"",""click"")"\n"bob\nFAKE 99 succeeded",@SUM(1+1)\n"cy\033[2J",-2+3\ndee,-5\n"eve\302\233","\tcmd"\n' >"$TMP/r.csv"
printf 'name: lab-${index}\ncommand: "true"\nfor_each: {roster: r.csv, as: s}\n' >"$TMP/lab.yaml"
check "submit a roster with hostile cells" aq submit "$TMP/lab.yaml"

# no_raw FILE: no ESC, BEL or C1 CSI byte in it.
no_raw() { ! LC_ALL=C grep -q "$esc\|$(printf '\007')\|$(printf '\302\233')" "$1"; }

check "report as a table" aq report lab
no_raw "$TMP/out"
ok "the table holds no raw escape" $?
is "one line per job, a header, a blank line and the totals" "$(wc -l <"$TMP/out" | tr -d ' ')" 8
like "ESC and BEL are shown escaped" "$TMP/out" '^1 +lab-0 +ann\\x1b\]0;pwn\\x07 '
like "a newline in a cell is shown as backslash n, on its row" "$TMP/out" '^2 +lab-1 +bob\\nFAKE 99 succeeded +'
like "a C1 control is shown as backslash u009b" "$TMP/out" 'eve\\u009b'

check "report -o csv" aq report lab -o csv
like "a formula is neutralised with a quote" "$TMP/out" "^1,lab-0,.*,\"'=HYPERLINK\(\"\"http://evil/\"\",\"\"click\"\"\)\","
like "so is an @ formula" "$TMP/out" ",'@SUM\(1\+1\),"
like "and an expression with a sign" "$TMP/out" ",'-2\+3,"
like "a negative number stays a number" "$TMP/out" '^4,lab-3,dee,-5,'
like "a cell starting with a tab is neutralised" "$TMP/out" "^5,lab-4,.*,'	cmd,"

aq report lab -o json >"$TMP/json"
py_ok "-o json keeps the cells exactly" "$TMP/json" <<'PY'
import json, sys
jobs = json.load(open(sys.argv[1]))["jobs"]
assert jobs[0]["params"]["s.name"] == "ann\x1b]0;pwn\x07", jobs[0]
assert jobs[0]["params"]["s.score"] == "=HYPERLINK(\"http://evil/\",\"click\")"
assert jobs[1]["params"]["s.name"] == "bob\nFAKE 99 succeeded"
PY

# A reason quoting the cluster's text (as a scheduler records them, here
# written straight into the database) reaches ls, show and why escaped.
python3 -c '
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE jobs SET reason = ? WHERE id = 1",
    ("Back-off pulling image \"x\x1b]0;pwn\x07\"\n9    fake   running",))
db.commit()
' "$AILAB_QUEUE_DB"
for c in "ls -o wide" "show 1" "why 1"; do
	aq $c >"$TMP/out" 2>&1
	no_raw "$TMP/out" && ! grep -q '^9    fake' "$TMP/out"
	ok "$c: the reason is escaped, on its line" $?
done

# --group is shown in tables and sent as JSON: printable text only.
fails "a group name with control characters is refused" 2 \
    aq submit --group "$(printf 'g\033[31mX\nY')" "$TMP/lab.yaml"
like "the error shows them escaped, on one line" "$TMP/err" "--group 'g\\\\x1b\[31mX\\\\x0aY' must be printable text"
is "on one line" "$(wc -l <"$TMP/err" | tr -d ' ')" 1
fails "bytes that are not UTF-8 too" 2 aq submit --group "$(printf 'g\377\376')" "$TMP/lab.yaml"
no_raw "$TMP/err" && ! LC_ALL=C grep -q "$(printf '\377')" "$TMP/err"
ok "and are shown as backslash xff" $?
finish
