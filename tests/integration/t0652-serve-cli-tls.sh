#!/bin/sh
# The CLI against a queue server over HTTPS: the server's certificate is
# verified (against server_ca from the config file, or the system's CAs),
# never skipped; a certificate for another name or from an unknown CA is
# refused before any credential is sent.
. "$top_srcdir/tests/integration/t06-serve-lib.sh"
plan 13

D="$TMP/tls"
pki_server "$D" srv /CN=127.0.0.1 IP:127.0.0.1,DNS:localhost &&
check "openssl makes a CA and a server certificate" pki_ca "$D" other other-ca

check "ailab-kubesim starts with TLS" start_kubesim --tls-cert "$D/srv.crt" \
    --tls-key "$D/srv.key" --tls-ca "$D/ca.crt"
check "serve starts with TLS" start_serve a --no-schedule \
    --tls-cert "$D/srv.crt" --tls-key "$D/srv.key"
case $SERVE_URL in https://*) r=0 ;; *) r=1 ;; esac
ok "its URL is https" $r

export XDG_CONFIG_HOME="$TMP/xdg"
mkdir -p "$XDG_CONFIG_HOME/ailab-queue"
printf 'server: %s\nserver_ca: %s\n' "$SERVE_URL" "$D/ca.crt" \
    >"$XDG_CONFIG_HOME/ailab-queue/config.yaml"
chmod 600 "$XDG_CONFIG_HOME/ailab-queue/config.yaml"

check "whoami over verified HTTPS" "$AILAB_QUEUE" whoami -o json
is "as alice" "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["username"])' <"$TMP/out")" alice
check "ls over verified HTTPS" "$AILAB_QUEUE" ls --all
like "an empty queue" "$TMP/err" "^no jobs$"

# A relative server_ca is the config file's directory's.
cp "$D/ca.crt" "$XDG_CONFIG_HOME/ailab-queue/ca.crt"
printf 'server: %s\nserver_ca: ca.crt\n' "$SERVE_URL" \
    >"$XDG_CONFIG_HOME/ailab-queue/config.yaml"
check "a relative server_ca" "$AILAB_QUEUE" ls --all

printf 'server: %s\nserver_ca: %s\n' "$SERVE_URL" "$D/other.crt" \
    >"$XDG_CONFIG_HOME/ailab-queue/config.yaml"
fails "a certificate from another CA is refused" 1 "$AILAB_QUEUE" ls
like "one line saying the server cannot be reached safely" "$TMP/err" \
    "^ailab-queue: cannot reach the queue server at https://.*(certificate|SSL)"
printf 'server: %s\n' "$SERVE_URL" \
    >"$XDG_CONFIG_HOME/ailab-queue/config.yaml"
fails "without server_ca the system CAs do not know it" 1 "$AILAB_QUEUE" ls
if grep -q alice-token "$TMP/err" "$TMP/serve-a.err"; then r=1; else r=0; fi
ok "no token in any message or log" $r

finish
