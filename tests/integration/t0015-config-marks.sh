#!/bin/sh
# The configuration files go through the one YAML reader: a bad CLI config
# and a bad kubeconfig each name FILE:LINE:COL in one line and exit with the
# documented status (2: an unusable config; 1: a command that needed the
# cluster and failed, as whoami without a kubeconfig in t0001).
. "$top_srcdir/tests/lib.sh"
plan 33

mkdir -p "$TMP/xdg/ailab-queue"
C="$TMP/xdg/ailab-queue/config.yaml"
# conf TEXT: the CLI config file, the user's own and 0600.
conf() { printf '%b' "$1" >"$C"; chmod 600 "$C"; }
one_line() { is "$1: one line on stderr" "$(wc -l <"$TMP/err" | tr -d ' ')" 1; }
cq() { env XDG_CONFIG_HOME="$TMP/xdg" "$AILAB_QUEUE" "$@"; }

conf 'server: https://q.example\nservr: https://r.example\n'
fails "a misspelt setting is refused" 2 cq ls
like "at file:line:col, with the setting meant" "$TMP/err" \
    "config.yaml:2:1: unknown setting 'servr' \(did you mean 'server'\?\)"
one_line "a misspelt setting"

conf 'server: [https://q.example\n'
fails "a config that is not YAML is refused" 2 cq ls
like "at file:line:col" "$TMP/err" "config.yaml:2:1: not valid YAML"

conf 'server: &u https://q.example\nserver_ca: *v\n'
fails "an alias to no anchor is refused" 2 cq ls
like "where it stands" "$TMP/err" \
    "config.yaml:2:12: unknown anchor 'v'"

conf 'server: https://q.example\nserver: https://r.example\n'
fails "a setting given twice is refused" 2 cq ls
like "at the second" "$TMP/err" "config.yaml:2:1: duplicate key 'server'"

conf 'server:\n  url: https://q.example\n'
fails "a setting that is not a single value is refused" 2 cq ls
like "at its value" "$TMP/err" "config.yaml:2:3: 'server' must be a single value"

conf '- server\n'
fails "a config that is not a mapping is refused" 2 cq ls
like "at its start" "$TMP/err" "config.yaml:1:1: expected a mapping of settings"

conf '# nothing set yet\n'
check "a config of comments alone is no config" cq ls
conf 'server:\nserver_ca: ca.pem\n'
check "an empty server is the local queue" cq ls

# The kubeconfig: the same reader, the same places.
cat >"$TMP/kc-type.yaml" <<'EOT'
apiVersion: v1
clusters:
- name: k
  cluster:
    server: [https://k.example]
contexts:
- name: c
  context: {cluster: k}
current-context: c
EOT
fails "a kubeconfig field of the wrong type: whoami exits 1" 1 \
    env KUBECONFIG="$TMP/kc-type.yaml" "$AILAB_QUEUE" whoami
like "at file:line:col and the field's path" "$TMP/err" \
    "kc-type.yaml:5:13: clusters\[name=k\]\.cluster\.server: expected a string"
one_line "a kubeconfig field of the wrong type"

printf 'apiVersion: v1\nclusters: [\n' >"$TMP/kc-yaml.yaml"
fails "a kubeconfig that is not YAML" 1 \
    env KUBECONFIG="$TMP/kc-yaml.yaml" "$AILAB_QUEUE" whoami
like "at file:line:col" "$TMP/err" "kc-yaml.yaml:3:1: not valid YAML"

cat >"$TMP/kc-alias.yaml" <<'EOT'
clusters:
- name: k
  cluster: &k {server: https://k.example}
- name: k2
  cluster: *j
EOT
fails "an alias to no anchor in a kubeconfig is refused" 1 \
    env KUBECONFIG="$TMP/kc-alias.yaml" "$AILAB_QUEUE" whoami
like "where it stands" "$TMP/err" \
    "kc-alias.yaml:5:12: unknown anchor 'j'"

printf 'clusters: []\nusers: []\nclusters: []\n' >"$TMP/kc-dup.yaml"
fails "a key twice in a kubeconfig is refused" 1 \
    env KUBECONFIG="$TMP/kc-dup.yaml" "$AILAB_QUEUE" whoami
like "at the second" "$TMP/err" "kc-dup.yaml:3:1: duplicate key 'clusters'"

# Against a queue server the kubeconfig gives the token: a broken one
# fails the command (exit 1, as whoami) before any request.
conf 'server: https://127.0.0.1:9\n'
fails "a queue command with a broken kubeconfig exits 1" 1 \
    env KUBECONFIG="$TMP/kc-type.yaml" XDG_CONFIG_HOME="$TMP/xdg" \
    "$AILAB_QUEUE" ls
like "naming file:line:col" "$TMP/err" "kc-type.yaml:5:13: "
one_line "a queue command with a broken kubeconfig"

# The server's --config: the same reader, exit 2 before it serves.
printf 'listen: 127.0.0.1:0\nta_groups:\n  tas: cs101\n' >"$TMP/serve.yaml"
fails "a server config value of the wrong kind" 2 \
    "$AILAB_QUEUE" serve --config "$TMP/serve.yaml"
like "at file:line:col" "$TMP/err" \
    "serve.yaml:3:8: wrong kind of value for 'ta_groups'"
printf 'listen: 127.0.0.1:0\nlisten: 127.0.0.1:1\n' >"$TMP/serve.yaml"
fails "a server setting twice" 2 \
    "$AILAB_QUEUE" serve --config "$TMP/serve.yaml"
like "at the second" "$TMP/err" "serve.yaml:2:1: duplicate key 'listen'"

# The queue's own spec errors are unchanged by the move.
printf 'name: x\ncomand: "true"\n' >"$TMP/typo.yaml"
fails "a spec with a typo" 2 aq validate "$TMP/typo.yaml"
like "at file:line:col" "$TMP/err" \
    "typo.yaml:2:1: unknown key 'comand' \(did you mean 'command'\?\)"
finish
