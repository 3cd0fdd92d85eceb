#!/bin/sh
# One request must not stall the server (issue 18, item 2): submitted
# specs are parsed and expanded by worker processes, so while one is
# stuck (its worker stopped with SIGSTOP: a parse that never ends) /healthz,
# requests that parse nothing and another user's submission are all
# answered before it; a user's further specs wait behind their own, at
# most --parse-queue-per-user of them, and users take turns; the stuck
# one is answered 503 at the wall-clock bound and its worker replaced.  A spec over its CPU
# budget is refused 422; a full queue is 503, which the CLI waits out.  Behaviour is asserted by
# the order of answers and by counts, not by times.
. "$top_srcdir/tests/integration/t06-serve-lib.sh"
plan 35

# worker N: the pid of the server's live parse worker N (aq-parse-N; a
# replaced one may linger a second as a zombie).
worker() {
	ps -o pid=,stat=,comm= --ppid "$SERVE_PID" |
	    awk -v n="aq-parse-$1" '$3 == n && $2 !~ /^Z/ { print $1 }'
}
# parse_metric STATE|REASON: a value of the parse metrics on /metrics.
parse_metric() {
	curl -s --max-time 20 "$SERVE_URL/metrics" |
	    awk -v k="$1" 'index($1, "ailab_queue_parse_") == 1 &&
	    index($1, "\"" k "\"") { print $2 }'
}
# submit_bg NAME USER FILE: a submission in the background; its status
# lands in $TMP/NAME.code when it is answered.
submit_bg() {
	curl -s -o "$TMP/$1.body" -w '%{http_code}' --max-time 120 \
	    -H "Authorization: Bearer $2-token" \
	    -H 'Content-Type: application/yaml' -D "$TMP/$1.headers" \
	    --data-binary "@$3" "$SERVE_URL/v1/jobs?filename=$(basename "$3")" \
	    >"$TMP/$1.tmp"
	mv "$TMP/$1.tmp" "$TMP/$1.code"
}
# has_worker N: the server's parse worker N is up (polled by wait_for:
# the command substitution must happen at each try, not once before).
has_worker() { [ -n "$(worker "$1")" ]; }
running_is() { [ "$(parse_metric running)" = "$1" ]; }
queued_is() { [ "$(parse_metric queued)" = "$1" ]; }

for u in alice bob carol; do
	printf 'name: t\nnamespace: %s\nimage: x\ncommand: [a]\n' "$u" \
	    >"$TMP/$u.yaml"
done
# The issue's pathological spec: 1 MiB of env keys.
python3 - "$TMP/big.yaml" <<'EOT'
import sys
lines = ["name: big", "namespace: alice", "image: x", "command: [a]", "env:"]
size, i = sum(len(l) + 1 for l in lines), 0
while size + 16 < 1024 * 1024:
    l = "  K%d: v" % i
    lines.append(l)
    size += len(l) + 1
    i += 1
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
EOT

check "ailab-kubesim starts" start_kubesim
# A 10 s budget: its wall-clock bound (30 s) must outlast the steps from
# alice's stuck spec to carol's waiting one on a loaded machine.
check "serve starts" start_serve a --no-schedule --parse-workers 2 \
    --parse-timeout 10s --parse-queue-per-user 3
wait_for 20 has_worker 0
wait_for 20 has_worker 1
W0=$(worker 0)
W1=$(worker 1)
ok "with two parse workers, aq-parse-0 and aq-parse-1 ($W0, $W1)" \
    "$([ -n "$W0" ] && [ -n "$W1" ]; echo $?)"

# A parse that never ends: worker 0 stopped, alice's big spec in it.
kill -STOP "$W0"
spawn STUCK submit_bg stuck alice "$TMP/big.yaml"
ok_within "alice's spec is in a worker" 30 running_is 1
is "/healthz answers meanwhile" "$(api5 - GET /healthz)" " 200 200 200 200 200"
is "so does a request that parses nothing" "$(api alice GET /v1/jobs)" 200
is "bob's submission is parsed by the other worker" \
    "$(submit bob "$TMP/bob.yaml")" 201
ok "all before alice's stuck spec is answered" \
    "$([ ! -e "$TMP/stuck.code" ]; echo $?)"

# alice's next specs wait behind her own: one worker at most per user.
spawn A2 submit_bg a2 alice "$TMP/alice.yaml"
wait_for 30 queued_is 1
spawn A3 submit_bg a3 alice "$TMP/alice.yaml"
ok_within "alice's next two specs wait for her worker" 30 queued_is 2
is "a fourth is refused: 429" "$(api alice POST /v1/jobs \
    -H 'Content-Type: application/yaml' --data-binary "@$TMP/alice.yaml" \
    -D "$TMP/h429")" 429
like "with Retry-After" "$TMP/h429" "^Retry-After: [0-9]+"
like "saying why" "$TMP/body" "user 'alice' already has 3 specs being validated"
is "carol is still served" "$(submit carol "$TMP/carol.yaml")" 201

# Both workers stuck (bob's spec in worker 1 now): carol's next spec
# waits too, after alice's two, but users take turns: it is parsed
# before alice's third (first come, first served would put it last).
kill -STOP "$W1"
spawn B2 submit_bg b2 bob "$TMP/bob.yaml"
wait_for 30 running_is 2
spawn C2 submit_bg c2 carol "$TMP/carol.yaml"
ok_within "carol's next spec waits with alice's two" 30 queued_is 3

wait "$STUCK"
is "the stuck spec is answered 503 at the bound (30 s)" \
    "$(cat "$TMP/stuck.code")" 503
like "with Retry-After" "$TMP/stuck.headers" "^Retry-After: [0-9]+"
wait "$A2" "$A3" "$C2"
is "then the waiting specs are parsed" \
    "$(cat "$TMP/a2.code") $(cat "$TMP/a3.code") $(cat "$TMP/c2.code")" \
    "201 201 201"
id_of() {
	python3 -c "import json; print(json.load(open('$TMP/$1.body'))['items'][0]['id'])"
}
ok "in turns: carol's before alice's third (ids: alice $(id_of a2), $(id_of a3); carol $(id_of c2))" \
    "$([ "$(id_of c2)" -lt "$(id_of a3)" ]; echo $?)"
N0=$(worker 0)
ok "worker 0 was replaced ($W0 -> $N0)" \
    "$([ -n "$N0" ] && [ "$N0" != "$W0" ] && ! kill -0 "$W0" 2>/dev/null; echo $?)"
wait "$B2"
is "bob's stuck spec is answered 503 too" "$(cat "$TMP/b2.code")" 503
is "/metrics: two specs stopped at the deadline" \
    "$(parse_metric deadline)" 2
is "and one refused for the user's share" "$(parse_metric user)" 1

# A CPU budget of 100 ms; a queue of one.
check "serve starts with a 100 ms budget" start_serve b --no-schedule \
    --parse-workers 2 --parse-timeout 100ms --parse-queue 1
# 10,000 jobs of 300 env keys, each value the job's own (a value no job
# changes is written once for all): far more than 100 ms of CPU in any
# build.
python3 - "$TMP/heavy.yaml" <<'EOT'
import sys
env = "".join("  E%d: value-%d-${i}\n" % (i, i) for i in range(300))
open(sys.argv[1], "w").write(
    "name: heavy\nnamespace: alice\nimage: x\ncommand: [a]\nenv:\n" + env +
    "sweep:\n  grid:\n    i: [%s]\n" % ",".join(str(i) for i in range(10000)))
EOT
is "a spec over its CPU budget: 422" "$(submit alice "$TMP/heavy.yaml")" 422
like "saying so" "$TMP/body" "took more than the server's budget of 100 ms of CPU"
is "a small one after it is queued" "$(submit alice "$TMP/alice.yaml")" 201
is "/metrics: one spec out of budget" "$(parse_metric cpu_budget)" 1

# A queue of one, on a server whose wall-clock bound (30 s) outlasts
# filling it on a loaded machine (that of a 100 ms budget is 5 s).
check "serve starts with a queue of one" start_serve c --no-schedule \
    --parse-workers 2 --parse-timeout 10s --parse-queue 1
wait_for 20 has_worker 0
wait_for 20 has_worker 1
kill -STOP "$(worker 0)" "$(worker 1)"
spawn Q1 submit_bg q1 alice "$TMP/alice.yaml"
wait_for 30 running_is 1
spawn Q2 submit_bg q2 bob "$TMP/bob.yaml"
wait_for 30 running_is 2
spawn Q3 submit_bg q3 carol "$TMP/carol.yaml"
wait_for 30 queued_is 1
is "with both workers busy and one spec waiting, another is refused: 503" \
    "$(submit admin "$TMP/alice.yaml")" 503
like "the queue is full" "$TMP/body" "1 specs are waiting to be validated"
# The CLI is told 503 with a Retry-After of a second and asks again a
# few times: the workers are let go once it says it waits, so that its
# retry finds room whatever the load (not when the wall-clock bound
# happens to fall within its retries).
spawn CLI "$AILAB_QUEUE" --context admin --server "$SERVE_URL" -v submit \
    "$TMP/alice.yaml" >"$TMP/cli.out" 2>"$TMP/cli.err"
wait_for 60 grep -q "the queue server is busy: waiting" "$TMP/cli.err"
told=$?
kill -CONT "$(worker 0)" "$(worker 1)"
wait "$CLI"
rc=$?
[ $rc -ne 0 ] && sed 's/^/#   /' "$TMP/cli.err" | tail -n 5
ok "the CLI waits out such a 503 (its Retry-After) and submits" \
    "$([ $told -eq 0 ] && [ $rc -eq 0 ]; echo $?)"
wait "$Q1" "$Q2" "$Q3"
is "the waiting one is parsed once a worker is free" \
    "$(cat "$TMP/q3.code")" 201

for s in a b c; do
	check "serve $s exits 0 on SIGTERM, no sanitizer report" stop_serve $s
done
finish
