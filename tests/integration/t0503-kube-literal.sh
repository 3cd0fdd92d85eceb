#!/bin/sh
# What a job's command says reaches its process as written: Kubernetes (and
# ailab-kubesim, as the kubelet does) expands $(VAR) in command, args and
# env values and reads $$ as $, so render must escape them.
. "$top_srcdir/tests/lib.sh"
plan 8

bail_unless start_kubesim --speed 600

# $$$$ in a spec is a literal $$ (ailab-queue's own escape for one $).
cat >"$TMP/echo.yaml" <<'YAML'
name: literal
command: echo '$(date)' '$$$$' '$(MASTER_PORT)' '$(WHEN)' '$$HOME'
env: {WHEN: "$(date)"}
annotations: {ailab-kubesim.io/duration: 1m}
---
name: literal-exec
command: [printf, '%s\n', '$(RANK)', 'a$$$$b', '$$(x']
annotations: {ailab-kubesim.io/duration: 1m}
YAML
check "submit jobs whose commands hold \$(...) and \$\$" aq submit "$TMP/echo.yaml"
check "run them" sched_all
check "logs of the shell-form job" aq logs 1
grep -F '[ailab-kubesim] exec ' "$TMP/out" >"$TMP/exec1"
like "the sim reports the argv the kubelet made" "$TMP/exec1" 'exec \['
is "the shell command reached the process as written" \
    "$(python3 -c 'import json,sys; print(json.loads(sys.stdin.read().split(" exec ", 1)[1])[-1])' <"$TMP/exec1")" \
    "echo '\$(date)' '\$\$' '\$(MASTER_PORT)' '\$(WHEN)' '\$HOME'"
check "logs of the exec-form job" aq logs 2
grep -F '[ailab-kubesim] exec ' "$TMP/out" >"$TMP/exec2"
is "its arguments reached the process as written" \
    "$(python3 -c 'import json,sys; print(json.dumps(json.loads(sys.stdin.read().split(" exec ", 1)[1])[-4:]))' <"$TMP/exec2")" \
    '["%s\\n", "$(RANK)", "a$$b", "$(x"]'
aq render -n alice --id 9 -o json "$TMP/echo.yaml" >"$TMP/render.json"
py_ok "an env value is escaped for the kubelet too" "$TMP/render.json" <<'PY'
import json, sys
objs = json.load(open(sys.argv[1]))["items"]
env = [e for o in objs if o["kind"] == "Deployment"
       for c in o["spec"]["template"]["spec"]["containers"] for e in c["env"]
       if e["name"] == "WHEN"]
assert env and env[0]["value"] == "$$(date)", env
PY
finish
