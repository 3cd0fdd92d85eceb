#!/bin/sh
# The golden-file driver for the spec language: for every tests/spec/NAME.yaml
# it runs `ailab-queue render` (or `validate`, see below) and compares exit
# status, stderr and stdout with NAME.expected.  Prints TAP.
#
# Per case, optional files beside NAME.yaml:
#   NAME.args       extra arguments, one a line (e.g. --set gpu.count=2)
#   NAME.site.yaml  a site profile, installed as $XDG_CONFIG_HOME/ailab-queue/site.yaml
# Cases are rendered with -n alice --id 7 -o yaml; the owner label is
# replaced by OWNER so the files do not depend on who runs them.
# SPEC_GOLDEN_UPDATE=1 rewrites the .expected files (review the diff!).
set -u
: "${AILAB_QUEUE:?run through make check, or set AILAB_QUEUE}"
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
dir=$top_srcdir/tests/spec
tmp=$(mktemp -d "${TMPDIR:-/tmp}/aq-spec.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export NO_COLOR=1 AILAB_QUEUE_DB="$tmp/queue.db"
unset AILAB_QUEUE_NAMESPACE KUBECONFIG 2>/dev/null || true
export HOME="$tmp/home"

n=0
failed=0
total=$(ls "$dir"/*.yaml | grep -cv '\.site\.yaml$')
echo "1..$total"
for f in "$dir"/*.yaml; do
	case $f in *.site.yaml) continue ;; esac
	name=$(basename "$f" .yaml)
	n=$((n + 1))
	rm -rf "$tmp/xdg"
	mkdir -p "$tmp/xdg/ailab-queue"
	export XDG_CONFIG_HOME="$tmp/xdg"
	if [ -f "$dir/$name.site.yaml" ]; then
		cp "$dir/$name.site.yaml" "$tmp/xdg/ailab-queue/site.yaml"
	fi
	set --
	if [ -f "$dir/$name.args" ]; then
		while IFS= read -r a; do
			set -- "$@" "$a"
		done <"$dir/$name.args"
	fi
	(cd "$dir" && "$AILAB_QUEUE" render -n alice --id 7 -o yaml "$@" \
	    "$name.yaml") >"$tmp/out" 2>"$tmp/err"
	rc=$?
	{
		echo "exit $rc"
		sed "s|$tmp|TMP|g" "$tmp/err"
		sed 's/\(ailab-queue.io\/owner: \).*/\1OWNER/' "$tmp/out"
	} >"$tmp/got"
	if [ "${SPEC_GOLDEN_UPDATE:-}" = 1 ]; then
		cp "$tmp/got" "$dir/$name.expected"
	fi
	if [ -f "$dir/$name.expected" ] && cmp -s "$tmp/got" "$dir/$name.expected"; then
		echo "ok $n - $name"
	else
		echo "not ok $n - $name"
		diff -u "$dir/$name.expected" "$tmp/got" 2>&1 | head -n 40 | sed 's/^/# /'
		failed=$((failed + 1))
	fi
done
[ "$failed" -eq 0 ]
