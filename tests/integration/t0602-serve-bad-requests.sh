#!/bin/sh
# Bad requests to the shared queue: each is refused cleanly with the
# documented status, the server keeps serving, and nothing in the queue
# changes.  Then the per-user rate limit, slow clients, and a graceful
# SIGTERM.
. "$top_srcdir/tests/integration/t06-serve-lib.sh"
plan 43

serve_on_kubesim --no-schedule --timeout 2s

printf '%s\n' 'name: train' 'namespace: alice' 'image: busybox' \
    'command: [sh, -c, "echo hi"]' >"$TMP/good.yaml"
is "a good submission" "$(submit alice "$TMP/good.yaml")" 201
queue_json >"$TMP/before.json"

# Bodies and specs.
head -c 1100000 /dev/zero | tr '\0' '#' >"$TMP/big.yaml"
is "a body over 1 MiB: 413" "$(submit alice "$TMP/big.yaml")" 413
printf 'name: [unclosed\n  image: x\n' >"$TMP/broken.yaml"
is "malformed YAML: 422" "$(submit alice "$TMP/broken.yaml")" 422
like "with a file:line:col diagnostic" "$TMP/body" '"broken.yaml:[0-9]+:[0-9]+: '
printf 'name: t\nnamespace: alice\nimage: x\ncommand: [a]\ngpux: 1\n' \
    >"$TMP/unknown.yaml"
is "an unknown spec field: 422" "$(submit alice "$TMP/unknown.yaml")" 422
like "naming the field and its line" "$TMP/body" "unknown.yaml:5:1: unknown key 'gpux'"
printf '%s\n' 'name: lab' 'namespace: alice' 'image: x' 'command: [a]' \
    'for_each: {roster: /etc/passwd, as: s}' >"$TMP/roster.yaml"
is "a roster naming a file on the server: 422" \
    "$(submit alice "$TMP/roster.yaml")" 422
like "the server reads no file for a user" "$TMP/body" "roster.yaml:5:20: 'for_each.roster' names a file .'/etc/passwd'., and files are not read here"
{
	printf 'name: many\nnamespace: alice\nimage: x\ncommand: [a]\n'
	printf 'sweep:\n  grid:\n    i: [%s]\n' "$(seq -s, 1 10001)"
} >"$TMP/many.yaml"
# Refused from the sweep's axes before anything is expanded.
is "a sweep of more than 10,000 jobs: 422" \
    "$(api alice POST /v1/jobs?filename=many.yaml --max-time 300 \
    -H 'Content-Type: application/yaml' --data-binary @"$TMP/many.yaml")" 422
like "naming the place and the count" "$TMP/body" "many.yaml:[0-9]+:[0-9]+: 'sweep.grid' makes 10001 jobs .*: at most 10000 may be submitted at once"
is "an unknown query parameter: 400" \
    "$(submit alice "$TMP/good.yaml" colour=red)" 400
is "a form body is not a spec: 415" \
    "$(api alice POST /v1/jobs --data-binary @"$TMP/good.yaml")" 415
is "malformed JSON: 400" "$(api alice POST /v1/jobs/cancel -d '{"ids":[1')" 400
is "an unknown JSON field: 400" \
    "$(api alice POST /v1/jobs/cancel -d '{"ids":[1],"owner":"bob"}')" 400
is "the error shape is stable" \
    "$(jq_body 'sorted(b["error"].keys())')" "['code', 'message', 'reason']"
python3 -c 'print("x" * 40000)' >"$TMP/hdr"
is "huge headers: 400, the connection closed" \
    "$(api alice GET /v1/jobs -H "X-Filler: $(cat "$TMP/hdr")")" 400
is "a forged Impersonate-User header: 400" \
    "$(submit alice "$TMP/good.yaml" -H 'Impersonate-User: bob')" 400
is "and Impersonate-Group too" \
    "$(api alice GET /v1/jobs -H 'Impersonate-Group: system:masters')" 400
is "a wrong method: 405" "$(api alice DELETE /v1/jobs/1)" 405

# Text that is not UTF-8 (issue 18, item 17): refused naming the field.
is "set=%FF%FE: 400" "$(submit alice "$TMP/good.yaml" 'set=%FF%FE')" 400
like "naming 'set' as not UTF-8" "$TMP/body" "query parameter 'set' is not valid UTF-8"
is "set=KEY=%FF%FE: 400" "$(submit alice "$TMP/good.yaml" 'set=env.X=%FF%FE')" 400
is "set=%FF%FE=1: 400" "$(submit alice "$TMP/good.yaml" 'set=%FF%FE=1')" 400
is "group=%FF%FE: 400" "$(submit alice "$TMP/good.yaml" 'group=%FF%FE')" 400
like "naming 'group' as not UTF-8" "$TMP/body" "query parameter 'group' is not valid UTF-8"
is "a group with a newline: 400" "$(submit alice "$TMP/good.yaml" 'group=a%0Ab')" 400
like "naming 'group'" "$TMP/body" "'group' must be 1 to 253 bytes of printable text"
is "a path that is not UTF-8, without a token: 400" "$(api - GET /%FF%FE)" 400
is "and the server is still up" "$(api - GET /healthz)" 200
is "an unknown parameter whose value is cut mid-character: 400" \
    "$(api alice GET "/v1/jobs?$(python3 -c 'print("x" * 63)')%C3%A9=1")" 400
like "with a JSON body" "$TMP/body" '"reason":"BadRequest"'
# A one-job action takes no body or {}: any other byte is refused.
codes=
for b in x '{' '1' '[]' '{"a":1}'; do
	codes="$codes $(api alice POST /v1/jobs/1/hold --data-binary "$b")"
done
is "a one-job action with a 1-7 byte body that is not {}: 400" "$codes" \
    " 400 400 400 400 400"
queue_json >"$TMP/after.json"
check "the queue is unchanged after every bad request" cmp -s "$TMP/before.json" "$TMP/after.json"

# Slow clients: 40 connections that never finish their headers are
# closed after --timeout while the server keeps answering others.
python3 - "$SERVE_URL" >"$TMP/slow.out" 2>&1 <<'EOT' &
import socket, sys, time
host, port = sys.argv[1].split("//")[1].split(":")
socks = []
for i in range(40):
    s = socket.create_connection((host, int(port)))
    s.sendall(b"GET /v1/jobs HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    socks.append(s)
t0 = time.time()
closed = 0
for s in socks:
    s.settimeout(15)
    try:
        while s.recv(4096):
            pass
        closed += 1
    except OSError:
        pass
print(closed, int(time.time() - t0))
EOT
SLOW=$!
TEST_PIDS="$TEST_PIDS $SLOW"
sleep 0.5
is "other clients are served while slow ones hang" \
    "$(api5 alice GET /v1/jobs)" " 200 200 200 200 200"
wait "$SLOW"
read -r closed secs <"$TMP/slow.out"
[ "${closed:-0}" -eq 40 ] && [ "${secs:-99}" -le 10 ]
ok "every slow connection is closed by the timeout ($closed in ${secs}s)" $?
is "the server still answers" "$(api - GET /healthz)" 200

# The per-user token bucket: burst 3, then 429 with Retry-After.  A
# token every 1000 s: none comes back during the five requests, however
# slowly a loaded machine sends them.
start_serve b --no-schedule --rate 0.001 --burst 3
is "beyond the burst: 429" "$(api5 alice GET /v1/jobs -D "$TMP/headers")" \
    " 200 200 200 429 429"
like "with Retry-After" "$TMP/headers" "^Retry-After: [0-9]+"
is "another user has their own bucket" "$(api bob GET /v1/jobs)" 200

kill -TERM "$SERVE_PID_a"
wait "$SERVE_PID_a"
is "SIGTERM: serve exits 0" $? 0
if grep -q "Sanitizer" "$TMP/serve-a.err"; then
	sed 's/^/#   /' "$TMP/serve-a.err" | head -n 30
	ok "and cleanly (no sanitizer report)" 1
else
	ok "and cleanly (no sanitizer report)" 0
fi
finish
