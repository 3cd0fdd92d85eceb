#!/bin/sh
# The CLI against a queue server over HTTPS with a private CA, through
# kube's client: the certificate is verified against server_ca and only
# it (the kubeconfig's cluster settings, insecure-skip-tls-verify
# included, are the cluster's, not the queue server's); a certificate from
# another CA or for another name is refused before any request reaches
# the server; bodies go out as they are (a YAML spec) and answers come
# back whole; the token never shows.
. "$top_srcdir/tests/integration/t06-serve-lib.sh"
plan 18

D="$TMP/pki"
pki_server "$D" srv /CN=127.0.0.1 IP:127.0.0.1,DNS:localhost &&
pki_cert "$D" elsewhere /CN=elsewhere.example ca DNS:elsewhere.example &&
check "openssl makes the CAs and the certificates" pki_ca "$D" other other-ca

bail_unless start_kubesim
bail_unless start_serve a --no-schedule --no-lease \
    --tls-cert "$D/srv.crt" --tls-key "$D/srv.key" --access-log "$TMP/a.log"
A=$SERVE_URL
bail_unless start_serve b --no-schedule --no-lease \
    --tls-cert "$D/elsewhere.crt" --tls-key "$D/elsewhere.key" \
    --access-log "$TMP/b.log"
B=$SERVE_URL
# The kubeconfig of alice with a cluster that skips verification: that
# is the cluster's business, never the queue server's.
cat >"$TMP/alice.yaml" <<EOF
apiVersion: v1
kind: Config
current-context: a
clusters:
- name: c
  cluster: {server: '$KUBESIM_URL', insecure-skip-tls-verify: true}
users:
- name: alice
  user: {token: alice-token}
contexts:
- name: a
  context: {cluster: c, user: alice, namespace: alice}
EOF
chmod 600 "$TMP/alice.yaml"
export KUBECONFIG="$TMP/alice.yaml"
export XDG_CONFIG_HOME="$TMP/xdg"
mkdir -p "$XDG_CONFIG_HOME/ailab-queue"
# at_least FILE N: FILE has N lines or more.
at_least() { [ "$(wc -l <"$1")" -ge "$2" ]; }
# conf URL CA: the config file naming the server and its CA.
conf() {
	printf 'server: %s\nserver_ca: %s\n' "$1" "$2" \
	    >"$XDG_CONFIG_HOME/ailab-queue/config.yaml"
	chmod 600 "$XDG_CONFIG_HOME/ailab-queue/config.yaml"
}

conf "$A" "$D/ca.crt"
cat >"$TMP/job.yaml" <<'EOF'
# a comment the server reads, and a sweep it expands
name: tls
image: busybox
command: [sh, -c, "echo {i}"]
sweep:
  grid:
    i: [1, 2, 3]
EOF
check "submit over verified HTTPS" aq submit --hold -o json "$TMP/job.yaml"
is "three jobs queued from the YAML body" \
    "$(python3 -c 'import json,sys; print(len(json.load(sys.stdin)))' <"$TMP/out")" 3
check "ls over verified HTTPS" aq ls --all -o json
is "the list comes back whole" \
    "$(python3 -c 'import json,sys; print(sorted(j["id"] for j in json.load(sys.stdin)))' <"$TMP/out")" \
    "[1, 2, 3]"
aq -vv show 2 >"$TMP/vv.out" 2>"$TMP/vv.err"
ok "show -vv" $?
like "debug output names the request" "$TMP/vv.err" "GET $A/v1/jobs/2"

n=$(wc -l <"$TMP/a.log")
conf "$A" "$D/other.crt"
fails "a certificate from another CA is refused" 1 aq ls
is "one line" "$(wc -l <"$TMP/err")" 1
like "naming the server and the certificate problem" "$TMP/err" \
    "^ailab-queue: cannot reach the queue server at $A: .*(certificate|SSL)"
# The next request is the next line of the server's log.
conf "$A" "$D/ca.crt"
aq whoami >/dev/null 2>&1
wait_for 10 at_least "$TMP/a.log" $((n + 1))
is "nothing reached the server (no credential sent)" \
    "$(wc -l <"$TMP/a.log") $(tail -n 1 "$TMP/a.log" | cut -d' ' -f3-4)" \
    "$((n + 1)) GET /v1/whoami"

conf "$B" "$D/ca.crt"
fails "a certificate for another name is refused" 1 aq ls
like "naming the server" "$TMP/err" \
    "^ailab-queue: cannot reach the queue server at $B: "
curl -sk -o /dev/null --max-time 20 "$B/healthz"
wait_for 10 at_least "$TMP/b.log" 1
is "nothing reached that server before" \
    "$(wc -l <"$TMP/b.log") $(cut -d' ' -f3-4 "$TMP/b.log")" "1 GET /healthz"

printf 'server: %s\n' "$A" >"$XDG_CONFIG_HOME/ailab-queue/config.yaml"
fails "no server_ca: the system's CAs, which do not know it" 1 aq ls

conf "$A" "$TMP/missing.crt"
fails "a server_ca that is not there" 1 aq ls
like "is named" "$TMP/err" "^ailab-queue: server_ca '$TMP/missing.crt': "

if grep -q alice-token "$TMP/err" "$TMP/out" "$TMP/vv.err" "$TMP/vv.out" \
    "$TMP/a.log" "$TMP/serve-a.err"; then r=1; else r=0; fi
ok "no token in any message or log" $r

finish
