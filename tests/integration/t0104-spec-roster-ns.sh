#!/bin/sh
# A roster that sends each student's job to that student's namespace
# (`namespace: ${s.ns}`): each job's namespace and the claims made from it
# are the row's, on the simulated cluster too; a bad value is an error at
# its cell of the CSV (file.csv:line:col), pointing back at the spec field
# that took it, and nothing is queued; submitting the class again is
# refused unless --append or a new --group.
. "$top_srcdir/tests/lib.sh"
plan 14

check "ailab-kubesim starts" start_kubesim
cd "$TMP" || exit 1
printf 'id,ns,name\ns1,alice,Al\ns2,bob,"Bo\nB"\ns3,carol,Ca\n' >class.csv
cat >lab.yaml <<'EOT'
name: lab1-${s.id}
namespace: ${s.ns}
command: echo ${s.name}
resources: {cpu: 1, memory: 1Gi}
annotations: {ailab-kubesim.io/duration: 2s}
for_each: {roster: class.csv, as: s}
EOT
aq --context admin submit --dry-run -o json lab.yaml >"$TMP/dry.json"
ok "the roster expands" $?
is "each job in its row's namespace, its claims made from it" \
    "$(json_val '"".join("%s %s %s " % (j["name"], j["namespace"], j["volumes"][0]["claim"]) for j in d)' "$TMP/dry.json")" \
    "lab1-s1 alice pvc-nfshome-alice lab1-s2 bob pvc-nfshome-bob lab1-s3 carol pvc-nfshome-carol "

printf 'id,ns,name\ns1,alice,Al\ns2,bob,"Bo\nB"\ns3,Carol,Ca\n' >bad-ns.csv
sed 's/class.csv/bad-ns.csv/' lab.yaml >bad-ns.yaml
fails "an upper-case namespace in the CSV is refused" 2 aq --context admin submit bad-ns.yaml
is "  at its cell, after a field over two lines" "$(cat "$TMP/err")" \
    "bad-ns.csv:5:4: namespace 'Carol' is not a DNS-1123 label (lowercase letters, digits and '-') (column 'ns' is 'Carol'; '\${s.ns}' at bad-ns.yaml:2:12)"
printf 'id,ns,name\ns1,alice,Al\nS2,bob,Bo\n' >bad-id.csv
sed 's/class.csv/bad-id.csv/' lab.yaml >bad-id.yaml
fails "an upper-case id is refused" 2 aq --context admin validate bad-id.yaml
like "  at its row and column of the CSV" "$TMP/err" "^bad-id.csv:3:1: job name 'lab1-S2' must be a DNS-1123 label .*column 'id' is 'S2'; 'lab1-\\\$\\{s.id\\}' at bad-id.yaml:1:7\\)$"
is "nothing was queued" "$(aq --context admin ls --all -q | wc -l)" 0

aq --context admin -q submit lab.yaml >/dev/null && sched_until_empty 120
ok "the TA's roster runs to its end" $?
is "the cluster made each Deployment in its student's namespace" \
    "$(sim_get /sim/audit | json_val '" ".join(sorted(e.get("namespace", "?")
      for e in (d["items"] if isinstance(d, dict) else d)
      if e.get("verb") == "create" and e.get("resource") == "deployments"))')" "alice bob carol"
fails "submitting the roster again is refused" 2 aq --context admin submit lab.yaml
like "  saying why and what to do" "$TMP/err" "the roster's group 'lab1' already has 3 of your jobs: .* give --append to add these, or --group NAME for a new group"
check "--append adds them" aq --context admin -q submit --append lab.yaml
check "a new --group is a new class" aq --context admin -q submit --group lab1-again lab.yaml
finish
