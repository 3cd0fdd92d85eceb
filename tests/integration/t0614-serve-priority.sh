#!/bin/sh
# Priority above normal is the site's to give: a submission asking for
# more than priority_max (default normal) is refused with 400 naming the
# limit, unless the user's group or name is allowed more
# (priority_groups); admins are not limited.
. "$top_srcdir/tests/integration/t06-serve-lib.sh"
plan 14

check "ailab-kubesim starts" start_kubesim
cat >"$TMP/serve.yaml" <<'EOT'
priority_groups:
  students: 600
EOT
check "serve starts with priority_groups" start_serve a --no-lease \
    --no-schedule --config "$TMP/serve.yaml" --priority-group user:alice=high

# job NS PRIORITY: a spec in NS asking for PRIORITY.
job() {
	cat >"$TMP/p-$2.yaml" <<EOT
name: p-$2
namespace: $1
image: busybox
command: [sleep, "1"]
priority: $2
resources: {cpu: 1, memory: 1Gi}
EOT
	echo "$TMP/p-$2.yaml"
}
count() { queue_json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }

is "bob (students) may ask for normal" "$(submit bob "$(job bob normal)")" 201
is "and for 600, his group's limit" "$(submit bob "$(job bob 600)")" 201
is "not for high: 400" "$(submit bob "$(job bob high)")" 400
is "the message names the priority, the limit and the user" \
    "$(jq_body 'b["error"]["message"]')" \
    "job 'p-high' asks for priority 750 (high), above the limit of 600 for user 'bob' on this server (priority_max; priority_groups allows more to some groups): nothing queued"
is "alice (user:alice) may ask for high" "$(submit alice "$(job alice high)")" 201
is "not for 900" "$(submit alice "$(job alice 900)")" 400
like "naming her limit" "$TMP/body" "above the limit of 750 \\(high\\) for user 'alice'"
is "a dry run is refused alike" "$(submit alice "$(job alice 901)" dry_run=true)" 400
is "the admin may ask for anything" "$(submit admin "$(job bob 1000)")" 201
is "three of bob's and alice's, the admin's: four jobs queued, none refused" \
    "$(count)" 4
is "with the priorities asked for" \
    "$(queue_json | python3 -c 'import json,sys; print(" ".join(str(j["priority"]) for j in sorted(json.load(sys.stdin), key=lambda j: j["id"])))')" \
    "500 600 750 1000"
stop_serve a

# Without the server's settings nobody but the admins goes above normal.
start_serve b --no-lease --no-schedule
is "by default, high is refused to a student" \
    "$(submit alice "$(job alice high)") $(jq_body '"limit of 500 (normal)" in b["error"]["message"]')" \
    "400 True"
finish
