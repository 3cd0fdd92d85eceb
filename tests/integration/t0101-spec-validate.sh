#!/bin/sh
# validate: the examples are valid; mistakes come back all at once as
# file:line:col with did-you-mean, exit 2; bounds are enforced.
. "$top_srcdir/tests/lib.sh"
plan 19
ex=$top_srcdir/examples
export AILAB_QUEUE_NAMESPACE=alice XDG_CONFIG_HOME="$TMP/xdg"

check "the 3x2 sweep example is valid" aq validate "$ex/sweep-3x2.yaml"
like "it has six jobs" "$TMP/out" 'sweep-3x2.yaml: ok \(6 jobs\)'
check "the 40-student roster example is valid" aq validate "$ex/roster/lab1.yaml"
like "it has forty jobs" "$TMP/out" 'lab1.yaml: ok \(40 jobs\)'
check "the seed's helm values template is valid unchanged" \
    aq validate "$ex/values-template.yaml"
check "the distributed example is valid" aq validate "$ex/ddp-job.yaml"

cat >"$TMP/bad.yaml" <<'YAML'
name: Bad_Name
comand: python x.py
gpu: {type: RTX4090DD, count: 1}
resources: {cpu: 8, memory: 16GB}
YAML
fails "a bad spec exits 2" 2 aq validate "$TMP/bad.yaml"
like "the unknown key has a did-you-mean" "$TMP/err" \
    "bad.yaml:2:1: unknown key 'comand' \(did you mean 'command'\?\)"
like "the GPU type has a did-you-mean" "$TMP/err" \
    "bad.yaml:3:13: unknown GPU type 'RTX4090DD' \(did you mean 'RTX4090D'\?\)"
like "the quantity error names the field" "$TMP/err" \
    "bad.yaml:4:29: 'resources.memory': invalid quantity '16GB'"
like "the errors are counted" "$TMP/err" 'ailab-queue: [0-9]+ errors'

head -c 1100000 /dev/zero | tr '\0' '#' >"$TMP/huge.yaml"
fails "a file over 1 MiB is refused" 2 aq validate "$TMP/huge.yaml"
like "with a clear error" "$TMP/err" 'huge.yaml: file is larger than'

printf 'name: n\ncommand: &c "true"\nenv: {A: *c}\n' >"$TMP/alias.yaml"
check "YAML aliases are expanded" aq validate "$TMP/alias.yaml"
printf 'name: n\ncommand: "true"\nresources: {cpu: &q 2x, memory: *q}\n' \
    >"$TMP/alias.yaml"
fails "an error through an alias" 2 aq validate "$TMP/alias.yaml"
like "is placed at the anchor's node" "$TMP/err" \
    "alias.yaml:3:18: 'resources.memory': invalid quantity '2x'"
printf 'name: n\ncommand: *c\n' >"$TMP/alias.yaml"
fails "an alias to no anchor is refused" 2 aq validate "$TMP/alias.yaml"
like "at the alias" "$TMP/err" "alias.yaml:2:10: unknown anchor 'c'"

mkdir -p "$TMP/xdg/ailab-queue"
printf 'gpu_types:\n  H100: {product: NVIDIA-H100, max_per_node: 8}\n' \
    >"$TMP/xdg/ailab-queue/site.yaml"
printf 'name: h\ncommand: "true"\ngpu: {type: H100, count: 8}\n' >"$TMP/h.yaml"
check "a user site profile adds GPU types" aq validate "$TMP/h.yaml"
finish
