#!/bin/sh
# What goes wrong between a submit and the scheduler that takes it
# (issue 19).  A scheduler killed after its commit and before its reply
# (gdb, at cli_intake_reply): the submit exits 1 saying the job may or
# may not have been queued and to check `ls`, never writes it again
# itself, and the queue holds it exactly once.  Requests that are not
# a submit's (garbage, an announced length past a spec file's bound,
# JSON that is no request): an error reply each, logged, and the
# scheduler goes on taking submits.  A connection from another user
# (python3 as nobody, the socket made reachable for the test): refused
# with a reply saying why, and logged.
. "$top_srcdir/tests/lib.sh"
plan 14
need_gdb

check "ailab-kubesim starts" start_kubesim --cluster "$FIXTURES/sched-small.yaml"
spec_file one cpu=1 memory=1Gi
SOCK="$AILAB_QUEUE_DB.sock"
aq ls >/dev/null 2>&1
listening() { sched_passed 1 && [ -S "$SOCK" ]; }
njobs() { aq ls --all -o json | json_val 'len(d)'; }

# Killed between the commit and the reply.
cat >"$TMP/gdb.cmds" <<EOT
set confirm off
set pagination off
break cli_intake_reply
run
kill
quit
EOT
sched_under_gdb "$TMP/gdb.cmds" --context admin -v sched --interval 60s
ok_within "a scheduler under gdb listens" 30 listening
fails "a submit whose scheduler dies before replying exits 1" 1 \
    aq --context alice submit "$TMP/one.yaml"
like "  saying the job may or may not have been queued" "$TMP/err" \
    "may or may not have been queued; check 'ailab-queue ls'"
is "  prints no id" "$(cat "$TMP/out")" ""
wait "$SCHED" 2>/dev/null
is "  the queue holds the job once (committed, not written again)" \
    "$(njobs)" 1

# A client of requests that are no submit's: sends argv[2] (a Python
# expression of bytes; frame(b) is the JSON b behind its length and an
# empty texts section's) and prints the reply's error code and message.
cat >"$TMP/client.py" <<'PY'
import json, socket, struct, sys
def frame(b):
    return struct.pack(">II", len(b), 0) + b
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(eval(sys.argv[2]))
buf = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    buf += b
n = struct.unpack(">I", buf[:4])[0]
e = json.loads(buf[8:8 + n])["error"]
print(e["code"], e["message"])
PY
start_sched --context admin -v sched --interval 60s
ok_within "a new scheduler listens" 20 listening
python3 "$TMP/client.py" "$SOCK" 'b"hello, scheduler"' >"$TMP/r1"
like "garbage: a reply refusing it (413)" "$TMP/r1" "^413 nothing queued"
python3 "$TMP/client.py" "$SOCK" 'struct.pack(">II", 2 << 20, 0) + b"{}"' \
    >"$TMP/r2"
like "an announced 2 MiB: refused (413)" "$TMP/r2" "^413 nothing queued"
python3 "$TMP/client.py" "$SOCK" 'frame(b"{\"v\": 1}")' >"$TMP/r3"
like "JSON that is no request: refused (400)" "$TMP/r3" \
    "^400 nothing queued: the scheduler cannot read the request"
like "  the refusals logged" "$TMP/sched.out" \
    "intake: refused a request of [0-9]+ bytes from pid"
ID=$(aq --context alice submit "$TMP/one.yaml") &&
    grep -q "intake: queued job $ID from pid" "$TMP/sched.out"
ok "the scheduler goes on taking submits" $?

# Another user: refused, and logged.
# (the system's python3: a per-user one may not be nobody's to run)
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1 &&
    [ -x /usr/bin/python3 ]; then
	chmod 711 "$TMP"
	chmod 666 "$SOCK"
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    /usr/bin/python3 "$TMP/client.py" "$SOCK" 'frame(b"{}")' \
	    >"$TMP/r4"
	like "another user's connection: refused (403)" "$TMP/r4" \
	    "^403 refused: the scheduler of .* takes submissions from its own user only"
	like "  and logged" "$TMP/sched.out" \
	    "intake: refused a submission from uid $(id -u nobody) \(pid [0-9]+\)"
else
	ok "another user's connection: refused # SKIP needs root, setpriv and /usr/bin/python3" 0
	ok "  and logged # SKIP needs root, setpriv and /usr/bin/python3" 0
fi
