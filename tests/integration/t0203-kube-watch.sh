#!/bin/sh
# kube/ watches against ailab-kubesim: the server ends streams (short
# timeoutSeconds), expires them (410 as an ERROR event, then relist),
# drops connections mid-response, and sends bookmarks; every object is
# seen exactly once and none is lost.
. "$top_srcdir/tests/lib.sh"

PROBE="$top_builddir/tests/kube-probe"
skip_unless "needs ailab-kubesim" test -x "${AILAB_KUBESIM:-}"
plan 11

check "ailab-kubesim is up" start_kubesim
# The probe is given the kubeconfig explicitly.
KC=$KUBECONFIG
unset KUBECONFIG

# 120 services created while the watch runs with 1-second streams; at a
# quarter the server expires every watch (ERROR 410), from half to three
# quarters 30% of responses are cut mid-body, and at five eighths the API
# server restarts (every connection cut, streams mid-way included).
check "watch sees every object once through ends, 410s and drops" \
	"$PROBE" --kubeconfig "$KC" --context alice --watch-timeout 1 \
	watch-check alice 120 admin
cp "$TMP/out" "$TMP/watch.out"
like "all 120 seen, none doubled" "$TMP/watch.out" \
	'^created=120 create_failures=0 seen=120 doubled=0 '
unlike "no event applied twice" "$TMP/watch.out" '^DOUBLED'
streams=$(sed -n 's/.* streams=\([0-9]*\) .*/\1/p' "$TMP/watch.out")
relists=$(sed -n 's/.* relists=\([0-9]*\) .*/\1/p' "$TMP/watch.out")
ok "streams ended by the server were watched again ($streams streams)" \
	"$([ "${streams:-0}" -ge 3 ]; echo $?)"
ok "the 410 made it relist ($relists lists)" \
	"$([ "${relists:-0}" -ge 2 ]; echo $?)"
like "the expiry came as an ERROR event" "$TMP/watch.out" '^FAULT expireWatches'
like "and the server restarted" "$TMP/watch.out" '^FAULT restart'

# A quiet watch gets bookmarks (the simulator sends one every 5 s).
check "bookmarks arrive on a quiet watch" \
	"$PROBE" --kubeconfig "$KC" --context bob watch-idle bob 7
like "at least one bookmark, on one stream" "$TMP/out" \
	'^bookmarks=[1-9][0-9]* streams=1 relists=1 '

# An idle stream (no byte for the idle timeout) is cut and watched again.
"$PROBE" --kubeconfig "$KC" --context bob --idle-timeout-ms 1000 \
	watch-idle bob 5 >"$TMP/idle.out" 2>&1
like "a silent stream is cut after 1 s and re-opened" "$TMP/idle.out" \
	'^bookmarks=0 streams=([3-9]|[1-9][0-9]+) relists=1 '

finish
