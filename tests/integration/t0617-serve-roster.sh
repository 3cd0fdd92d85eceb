#!/bin/sh
# Rosters through the shared server: the client reads the roster next to
# the spec and sends its rows with it (a bundle), the server expands them
# without reading any file; a bad value is an error at its cell of the CSV
# (file.csv:line:col), nothing queued; submitting the class again is
# refused unless --append; co-TAs (one TA group) add jobs to, and act on,
# the class group one of them created, naming its owner.
. "$top_srcdir/tests/integration/t06-serve-lib.sh"
plan 25

serve_on_kubesim --no-schedule --ta students=ml101 --user-max-queued 0
# sjob USER ID EXPR: a member of the job as the server answers it.
sjob() { api "$1" GET "/v1/jobs/$2" >/dev/null; python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($3)" "$TMP/body"; }

cd "$TMP" || exit 1
mkdir class
printf 'id,ns\ns1,ml101\ns2,ml101\n' >class/hw1.csv
printf '%s\n' 'name: hw1-${s.id}' 'namespace: ${s.ns}' 'image: busybox' \
    'command: ["true"]' 'for_each: {roster: class/hw1.csv, as: s}' >hw1.yaml
check "alice submits a roster to the server" q --context alice submit --group hw1 hw1.yaml
is "one job per row" "$(tr '\n' ' ' <"$TMP/out")" "1 2 "
is "the server expanded the rows" "$(sjob alice 2 'j["name"], j["namespace"], j["group"], j["owner"]')" \
    "hw1-s2 ml101 hw1 alice"

printf 'id,ns\ns1,ml101\nS2,ml101\n' >class/bad.csv
sed 's|class/hw1.csv|class/bad.csv|' hw1.yaml >bad.yaml
fails "an upper-case id in the CSV: exit 2" 2 q --context alice submit bad.yaml
like "  at its row and column of the CSV" "$TMP/err" "^class/bad.csv:3:1: job name 'hw1-S2' must be a DNS-1123 label .*column 'id' is 'S2'; 'hw1-\\\$\\{s.id\\}' at bad.yaml:1:7\\)$"
sed 's|class/hw1.csv|class/none.csv|' hw1.yaml >none.yaml
fails "a roster that is not there: exit 2" 2 q --context alice submit none.yaml
like "  named where the client looked" "$TMP/err" "^none.yaml: roster 'class/none.csv': No such file"
# The server alone, sent the spec without its rows, reads no file.
is "the spec without its rows: 422" \
    "$(api alice POST '/v1/jobs?filename=hw1.yaml' -H 'Content-Type: application/yaml' --data-binary @hw1.yaml)" 422
like "  at the roster's place" "$TMP/body" "hw1.yaml:5:20: 'for_each.roster' names a file .'class/hw1.csv'., and files are not read here"
is "a malformed bundle: 422" \
    "$(api alice POST '/v1/jobs?filename=hw1.yaml&bundle=true' -H 'Content-Type: application/json' -d '{"spec": 1}')" 422
is "nothing more was queued" "$(q --context admin ls --all -q | tr '\n' ' ')" "1 2 "

fails "the class again: exit 2" 2 q --context alice submit --group hw1 hw1.yaml
like "  refused, saying what to do" "$TMP/err" "the roster's group 'hw1' already has 2 of your jobs: .* give --append"
check "--append adds them" q --context alice submit --group hw1 --append hw1.yaml
is "  as jobs 3 and 4" "$(tr '\n' ' ' <"$TMP/out")" "3 4 "

# bob, a co-TA (students are TAs of ml101), adds a row of his own
# namespace to alice's class group.
printf 'id,ns\ns3,bob\n' >class/late.csv
sed 's|class/hw1.csv|class/late.csv|' hw1.yaml >late.yaml
check "bob: a dry run into his own group hw1 (none there yet)" q --context bob submit --group hw1 --dry-run late.yaml
check "bob adds a job to alice's class group (--owner alice --append)" q --context bob submit --group hw1 --owner alice --append late.yaml
is "  his job, in her group" "$(sjob bob 5 'j["owner"], j["group"]')" "bob hw1"
fails "into a group alice does not have: exit 1" 1 q --context bob submit --group hw9 --owner alice late.yaml
like "  not found" "$TMP/err" "group 'hw9' of user 'alice' not found: nothing queued"

# carol, another co-TA, cancels alice's class jobs by group and owner;
# bob's own group 'hw1' has none.
fails "bob: cancel --group hw1 (his own: none)" 1 q --context bob cancel --group hw1
is "carol cancels alice's group" "$(api carol POST /v1/jobs/cancel -d '{"group": "hw1", "group_owner": "alice"}'; echo; jq_body '[i["id"] for i in b["items"]]')" "200
[1, 2, 3, 4]"
is "  bob's job, outside her class namespaces, stays queued" "$(sjob bob 5 'j["state"]')" queued
finish
