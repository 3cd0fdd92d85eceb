#!/bin/sh
# The dashboard in a real browser: headless Chromium driven by
# python3-selenium (Debian's, under /usr/bin/python3) against `serve` and
# ailab-kubesim.  Sign-in, the queue live through the event stream, cancel
# from the job page, the cluster page against /v1/cluster, sign-out, and
# another user who sees nothing of alice's.  The checks are in
# t0702-ui-browser.py; skipped where Chromium or Selenium is missing.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/t06-serve-lib.sh"
skip_without_serve
if ! [ -x /usr/bin/chromium ] || ! [ -x /usr/bin/chromedriver ] ||
    ! /usr/bin/python3 -c 'import selenium' 2>/dev/null; then
	echo "1..0 # SKIP chromium, chromium-driver or python3-selenium missing (setup.sh installs them)"
	exit 0
fi
plan 25

start_kubesim
ok "ailab-kubesim starts" $?
start_serve a --no-schedule --ui-dir "$top_srcdir/ui"
ok "serve starts" $?

cat >"$TMP/alice.yaml" <<'EOT'
name: train
namespace: alice
image: busybox
command: [sh, -c, "echo hi"]
EOT
sed 's/alice/bob/' "$TMP/alice.yaml" >"$TMP/bob.yaml"
is "alice has a job" "$(submit alice "$TMP/alice.yaml")" 201
ALICE_JOB=$(jq_body 'b["items"][0]["id"]')
is "bob has a job" "$(submit bob "$TMP/bob.yaml")" 201
BOB_JOB=$(jq_body 'b["items"][0]["id"]')
# A sweep with a formula-like parameter and a comma (no labels: they
# could not hold them), for the class page's CSV.
sed -e 's/lr: \[1e-3, 3e-4, 1e-4\]/lr: ["=1+1", "3e-4", "a,b"]/' -e '/^labels:/d' \
    "$top_srcdir/examples/sweep-3x2.yaml" >"$TMP/sweep.yaml"
is "alice submits a sweep of six in group cls1" \
    "$(submit alice "$TMP/sweep.yaml" 'namespace=alice&group=cls1')" 201

export SERVE_URL TMP ALICE_JOB BOB_JOB
/usr/bin/python3 "$top_srcdir/tests/integration/t0702-ui-browser.py" \
    >"$TMP/browser.out" 2>"$TMP/browser.err"
rc=$?
grep '^#' "$TMP/browser.out"
[ $rc -ne 0 ] && sed 's/^/# /' "$TMP/browser.err" | grep -v "^#[0-9]* 0x\|^  *#[0-9]* 0x" | tail -n 20
TAB=$(printf '\t')
while IFS="$TAB" read -r tag st desc; do
	[ "$tag" = RESULT ] && ok "$desc" "$st"
done <"$TMP/browser.out"
ok "the browser session ran to its end" $rc
finish
