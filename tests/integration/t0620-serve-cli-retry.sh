#!/bin/sh
# The CLI's requests to a queue server go through kube's client, which
# keeps the shared queue's rules: an exec credential the server refuses
# (401) is fetched again once and the request repeated, never more; a
# server that is busy (503 with a Retry-After: a queue another process
# keeps locked) is asked again after the wait it names, a bounded number
# of times, and only then is its error shown.  Counted on the server's
# access log and the plugin's runs, not on the clock.
. "$top_srcdir/tests/integration/t06-serve-lib.sh"
plan 15

bail_unless start_kubesim
bail_unless start_serve a --no-schedule --no-lease \
    --access-log "$TMP/access.log"
S=$SERVE_URL
# lines PATTERN: how many access-log lines match; at_least PATTERN N.
lines() { grep -Ec "$1" "$TMP/access.log"; }
at_least() { [ "$(lines "$1")" -ge "$2" ]; }

# An exec plugin whose first token is stale (the server refuses it).
stale_plugin v1 alice-stale
# One whose every token is refused.
cat >"$TMP/never.sh" <<EOF
#!/bin/sh
echo run >>"$TMP/never.count"
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"alice-never"}}\n'
EOF
chmod +x "$TMP/stale.sh" "$TMP/never.sh"
# kc FILE PLUGIN: a kubeconfig whose user 'exec-alice' runs PLUGIN.
kc() {
	cat >"$1" <<EOF
apiVersion: v1
kind: Config
current-context: e
clusters:
- name: c
  cluster: {server: '$KUBESIM_URL'}
users:
- name: exec-alice
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: $2
      interactiveMode: Never
contexts:
- name: e
  context: {cluster: c, user: exec-alice, namespace: alice}
EOF
	chmod 600 "$1"
}
kc "$TMP/stale.yaml" "$TMP/stale.sh"
kc "$TMP/never.yaml" "$TMP/never.sh"

n0=$(lines ' GET /v1/whoami 401 ')
check "a stale exec credential: the request succeeds" \
    aq --kubeconfig "$TMP/stale.yaml" --server "$S" whoami -o json
like "as alice" "$TMP/out" '"username": "alice"'
is "the plugin ran twice" "$(wc -l <"$TMP/stale.count" | tr -d ' ')" 2
wait_for 5 at_least ' GET /v1/whoami 200 ' 1
is "the server saw one 401, then the answer" \
    "$(($(lines ' GET /v1/whoami 401 ') - n0)) $(lines ' GET /v1/whoami 200 ')" "1 1"

n0=$(lines ' GET /v1/whoami 401 ')
fails "a credential refused twice: exit 1" 1 \
    aq --kubeconfig "$TMP/never.yaml" --server "$S" whoami
like "it names the user and context" "$TMP/err" \
    "^ailab-queue: the queue server at $S refused the credentials of user 'exec-alice' in context 'e' .*check them in your kubeconfig$"
is "the plugin ran twice, not more" \
    "$(wc -l <"$TMP/never.count" | tr -d ' ')" 2
wait_for 5 at_least ' GET /v1/whoami 401 ' $((n0 + 2))
is "two 401s: one refresh, no loop" \
    "$(($(lines ' GET /v1/whoami 401 ') - n0))" 2
if grep -q 'alice-never\|alice-stale' "$TMP/err" "$TMP/out" \
    "$TMP/access.log" "$TMP/serve-a.err"; then r=1; else r=0; fi
ok "no token in the messages or the server's log" $r

# A busy server: the queue is locked by another process until told.
printf '%s\n' 'name: busy' 'image: busybox' 'command: [sh, -c, "true"]' \
    >"$TMP/job.yaml"
check "submit --hold" aq --server "$S" submit --hold "$TMP/job.yaml"
lock_queue
spawn REL aq --server "$S" -v release 1 >"$TMP/rel.out" 2>"$TMP/rel.err"
wait_for 60 grep -q ' POST /v1/jobs/release 503 ' "$TMP/access.log"
unlock_queue
wait "$REL"
ok "release while the queue is locked: answered 503, asked again, done" $?
like "-v says why it waited" "$TMP/rel.err" \
    "the queue server is busy: waiting 1 s"
is "the job is released" \
    "$(aq --server "$S" show 1 -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')" \
    queued

# Locked for good: the client gives up after its retries (5), with the
# server's error.
lock_queue
fails "hold while the queue stays locked: exit 1" 1 aq --server "$S" hold 1
unlock_queue
wait_for 5 at_least ' POST /v1/jobs/hold 503 ' 6
is "six tries, then the server's 503" "$(lines ' POST /v1/jobs/hold 503 ')" 6

finish
