#!/bin/sh
# kube/ under faults from ailab-kubesim: 20% of responses 500, 10% 429
# with Retry-After, 5% of connections dropped mid-response.  GETs and
# creates succeed within their bounds (creates never doubled: a retried
# create that meets AlreadyExists recognises its own object); with no
# retries allowed the failure is a clear error.
. "$top_srcdir/tests/lib.sh"

PROBE="$top_builddir/tests/kube-probe"
skip_unless "needs ailab-kubesim" test -x "${AILAB_KUBESIM:-}"
plan 8

check "ailab-kubesim is up" start_kubesim
# The probe is given the kubeconfig explicitly.
KC=$KUBECONFIG
unset KUBECONFIG

check "60 GETs and 60 creates all succeed under faults" \
	"$PROBE" --kubeconfig "$KC" --context alice faults alice 60 admin
like "every GET succeeded" "$TMP/out" '^gets ok=60 failed=0'
like "every create succeeded" "$TMP/out" '^creates ok=60 failed=0'
attempts=$(sed -n 's/^gets ok=60 failed=0 attempts=\([0-9]*\)$/\1/p' "$TMP/out")
ok "retries happened ($attempts attempts for 60 GETs)" \
	"$([ "${attempts:-0}" -gt 60 ]; echo $?)"
"$PROBE" --kubeconfig "$KC" --context alice list services alice \
	>"$TMP/list.out" 2>&1
like "exactly 60 services exist" "$TMP/list.out" '^items=60 '

# No retries: a 500 is reported as it is.
"$PROBE" --kubeconfig "$KC" --context admin raw POST /sim/faults \
	'{"error500":1}' >/dev/null 2>&1
fails "with retries off a 500 fails" 1 "$PROBE" --kubeconfig "$KC" \
	--context alice --retries -1 raw GET /api/v1/namespaces/alice
like "with the server's reason" "$TMP/err" 'code=500 reason=InternalError'

finish
