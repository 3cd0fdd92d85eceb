#!/bin/sh
# kube/ over HTTPS against ailab-kubesim, with a CA, server and client
# certificates made here by the openssl command line: verification with
# the CA (file and data), failure without it or with another CA,
# tls-server-name, client certificates (file and data), exec plugins, and
# no credential in -v output.
. "$top_srcdir/tests/lib.sh"

PROBE="$top_builddir/tests/kube-probe"
skip_unless "needs ailab-kubesim and openssl" test -x "${AILAB_KUBESIM:-}"
skip_unless "needs ailab-kubesim and openssl" command -v openssl
plan 20

# Certificates: a CA, a server certificate for localhost and a name
# that is not an address, another CA, and a client certificate for carol.
pki_ca "$TMP/pki" ca test-ca
pki_ca "$TMP/pki" other other-ca
pki_cert "$TMP/pki" server /CN=ailab-api ca DNS:ailab-api.test,DNS:localhost
pki_cert "$TMP/pki" client /O=students/CN=carol ca
ok "openssl made the CA and certificates" \
	"$([ -s "$TMP/pki/server.crt" ] && [ -s "$TMP/pki/client.crt" ]; echo $?)"

spawn SIM "$AILAB_KUBESIM" --listen 127.0.0.1:0 --tls-cert "$TMP/pki/server.crt" \
	--tls-key "$TMP/pki/server.key" --client-ca "$TMP/pki/ca.crt" \
	>"$TMP/sim.out" 2>"$TMP/sim.err"
# listening: the simulator said its PORT.
listening() {
	PORT=$(sed -n 's/^listening on .*:\([0-9][0-9]*\)$/\1/p' "$TMP/sim.out")
	[ -n "$PORT" ]
}
ok_within "ailab-kubesim serves HTTPS" 10 listening

# kc FILE SERVER CLUSTER-LINES USER-LINES: writes a kubeconfig.
kc() {
	{
		printf 'apiVersion: v1\nkind: Config\ncurrent-context: t\n'
		printf 'clusters:\n- name: c\n  cluster:\n    server: %s\n' "$2"
		[ -n "$3" ] && printf '%s\n' "$3" | sed 's/^/    /'
		printf 'users:\n- name: u\n  user:\n'
		printf '%s\n' "$4" | sed 's/^/    /'
		printf 'contexts:\n- name: t\n  context: {cluster: c, user: u'
		printf ', namespace: alice}\n'
	} >"$1"
}
CADATA=$(base64 -w0 <"$TMP/pki/ca.crt")

# The CA named by a relative path, resolved against the kubeconfig's dir.
kc "$TMP/pki/ca-file.yaml" "https://localhost:$PORT" \
	"certificate-authority: ca.crt" "token: alice-token"
check "verified with certificate-authority (relative path)" \
	aq --kubeconfig "$TMP/pki/ca-file.yaml" whoami -o json
like "the cluster sees alice" "$TMP/out" '"username": "alice"'

kc "$TMP/ca-data.yaml" "https://localhost:$PORT" \
	"certificate-authority-data: $CADATA" "token: alice-token"
check "verified with certificate-authority-data" \
	aq --kubeconfig "$TMP/ca-data.yaml" whoami

kc "$TMP/no-ca.yaml" "https://localhost:$PORT" "" "token: alice-token"
fails "fails without the CA" 1 aq --kubeconfig "$TMP/no-ca.yaml" whoami
like "the error is about the certificate" "$TMP/err" \
	'[Cc]ertificate|SSL|verify'

kc "$TMP/other-ca.yaml" "https://localhost:$PORT" \
	"certificate-authority: $TMP/pki/other.crt" "token: alice-token"
fails "fails with another CA" 1 aq --kubeconfig "$TMP/other-ca.yaml" whoami

# 127.0.0.1 is not in the certificate; tls-server-name makes it verify.
kc "$TMP/by-ip.yaml" "https://127.0.0.1:$PORT" \
	"certificate-authority: $TMP/pki/ca.crt" "token: alice-token"
fails "an address not in the certificate fails" 1 \
	aq --kubeconfig "$TMP/by-ip.yaml" whoami
kc "$TMP/sni.yaml" "https://127.0.0.1:$PORT" \
	"certificate-authority: $TMP/pki/ca.crt
tls-server-name: ailab-api.test" "token: alice-token"
check "tls-server-name verifies the certificate's name" \
	aq --kubeconfig "$TMP/sni.yaml" whoami

kc "$TMP/insecure.yaml" "https://127.0.0.1:$PORT" \
	"insecure-skip-tls-verify: true" "token: alice-token"
check "insecure-skip-tls-verify connects" \
	aq --kubeconfig "$TMP/insecure.yaml" whoami

# Client certificates: CN is the user, O the groups.
kc "$TMP/pki/cert.yaml" "https://localhost:$PORT" \
	"certificate-authority: ca.crt" "client-certificate: client.crt
client-key: client.key"
check "client certificate (files)" \
	aq --kubeconfig "$TMP/pki/cert.yaml" whoami -o json
like "the cluster sees carol" "$TMP/out" '"username": "carol"'
kc "$TMP/cert-data.yaml" "https://localhost:$PORT" \
	"certificate-authority-data: $CADATA" \
	"client-certificate-data: $(base64 -w0 <"$TMP/pki/client.crt")
client-key-data: $(base64 -w0 <"$TMP/pki/client.key")"
check "client certificate (data)" \
	aq --kubeconfig "$TMP/cert-data.yaml" whoami -o json
like "carol again" "$TMP/out" '"username": "carol"'

# An exec plugin run with argv, its env and KUBERNETES_EXEC_INFO.
cat >"$TMP/plugin.sh" <<'EOF'
#!/bin/sh
case "$KUBERNETES_EXEC_INFO" in *'"interactive":false'*) ;; *) exit 3 ;; esac
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s"}}\n' "$WHO-token"
EOF
chmod +x "$TMP/plugin.sh"
kc "$TMP/exec.yaml" "https://localhost:$PORT" \
	"certificate-authority-data: $CADATA" "exec:
  apiVersion: client.authentication.k8s.io/v1
  command: $TMP/plugin.sh
  interactiveMode: Never
  env: [{name: WHO, value: bob}]"
check "exec plugin credentials" aq --kubeconfig "$TMP/exec.yaml" whoami -o json
like "the cluster sees bob" "$TMP/out" '"username": "bob"'

# A 401 re-runs the plugin once: its first token is stale, the second good.
stale_plugin v1beta1 stale-token
kc "$TMP/stale.yaml" "https://localhost:$PORT" \
	"certificate-authority-data: $CADATA" "exec:
  apiVersion: client.authentication.k8s.io/v1beta1
  command: $TMP/stale.sh"
check "a 401 re-runs the exec plugin once and succeeds" \
	aq --kubeconfig "$TMP/stale.yaml" whoami
is "the plugin ran twice" "$(wc -l <"$TMP/stale.count" | tr -d ' ')" 2

# No credential in verbose output or errors.
aq --kubeconfig "$TMP/ca-data.yaml" -vv whoami >"$TMP/v.out" 2>&1
aq --kubeconfig "$TMP/no-ca.yaml" -vv whoami >>"$TMP/v.out" 2>&1
unlike "no token in -vv output or errors" "$TMP/v.out" 'alice-token'

finish
