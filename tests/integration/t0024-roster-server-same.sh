#!/bin/sh
# A roster submitted to a shared server (--server) gives what it gives on
# a local queue: the client reads the roster (CSV with a quoted field over
# two lines, or a YAML list) relative to the spec and sends its rows; the
# dry runs print the same jobs, and errors the same file.csv:line:col.
# From standard input the roster is found from the working directory. A
# spec and rosters too big for the server are refused by the client,
# nothing queued.
. "$top_srcdir/tests/integration/t06-serve-lib.sh"
plan 14

serve_on_kubesim --no-schedule --user-max-queued 0
cd "$TMP" || exit 1
mkdir -p spec/data
printf 'id,ns,name\ns1,alice,Al\ns2,alice,"Bo\nB"\n' >spec/data/class.csv
printf -- '- {id: y1, ns: alice, name: Yu}\n- {id: y2, ns: alice, name: "O'"'"'Brien"}\n' >spec/data/class.yaml
cat >spec/lab.yaml <<'EOT'
name: lab-${s.id}
namespace: ${s.ns}
image: busybox
command: echo ${s.name}
for_each: {roster: data/class.csv, as: s}
---
name: ylab-${s.id}
namespace: ${s.ns}
image: busybox
command: echo ${s.name}
for_each: {roster: data/class.yaml, as: s}
EOT
# both DESC STATUS ARGS...: the local queue and the server, compared.
both() {
	_d=$1
	_w=$2
	shift 2
	aq --context alice --server "$S" "$@" >r.out 2>r.err
	_r=$?
	aq --context alice --server '' "$@" >l.out 2>l.err
	_l=$?
	[ "$_r" = "$_w" ] && [ "$_l" = "$_w" ] && cmp -s r.out l.out && cmp -s r.err l.err
	_ok=$?
	[ $_ok -eq 0 ] || { echo "# exit server $_r local $_l"; diff r.out l.out | head -5 | sed 's/^/#   /'; diff r.err l.err | head -5 | sed 's/^/#   /'; }
	ok "$_d" $_ok
}
both "a dry run of two rosters: the same jobs" 0 submit --dry-run -o json spec/lab.yaml
is "  four of them, the values as they were" \
    "$(json_val '" ".join(j["name"] for j in d)' r.out)" "lab-s1 lab-s2 ylab-y1 ylab-y2"
like "  a value over two lines arrives whole" r.out 'Bo\\nB'

printf 'id,ns,name\ns1,alice,Al\ns2,Alice,Bo\n' >spec/data/class.csv
both "a bad namespace in the CSV: the same error" 2 submit spec/lab.yaml
like "  at its cell" r.err "^data/class.csv:3:4: namespace 'Alice' is not a DNS-1123 label"

printf 'id,ns,name\ns1,alice,Al\n' >spec/data/class.csv
cd spec || exit 1
aq --context alice --server "$S" submit - <lab.yaml >../out 2>../err
ok "from standard input, the rosters found from the working directory" $?
is "  three jobs queued" "$(wc -l <../out)" 3
cd .. || exit 1

# Past what a server takes (1 MiB): refused by the client, naming the
# file.
python3 -c 'import sys
sys.stdout.write("id,ns,name\n" + "".join("s%d,alice,%s\n" % (i, "x" * 200) for i in range(6000)))' >spec/data/class.csv
fails "a roster past 1 MiB for the server: exit 2" 2 aq --context alice --server "$S" submit spec/lab.yaml
like "  the client says why" "$TMP/err" "^spec/lab.yaml: roster 'spec/data/class.csv': file is larger than 1048576 bytes"
is "  nothing more queued" "$(aq --context admin --server "$S" ls -q | wc -l)" 3
printf 'id,ns,name\ns1,alice,Al\n' >spec/data/class.csv
rm spec/data/class.yaml
fails "a missing roster: exit 2" 2 aq --context alice --server "$S" submit spec/lab.yaml
like "  named as the client looked for it" "$TMP/err" "^spec/lab.yaml: roster 'spec/data/class.yaml': "
finish
