#!/bin/sh
# The dashboard in a real browser: headless Chromium driven by
# python3-selenium (Debian's, under /usr/bin/python3) against `serve` and
# ailab-kubesim.  Sign-in, the queue live through the event stream (and a
# reserved job's estimated start, relative with the time as a tooltip), cancel
# from the job page, the cluster page against /v1/cluster, sign-out, and
# another user who sees nothing of alice's.  The checks are in
# t0702-ui-browser.py; skipped where Chromium or Selenium is missing.
. "$top_srcdir/tests/integration/t06-serve-lib.sh"
skip_unless "chromium, chromium-driver or python3-selenium missing (setup.sh installs them)" \
    sh -c '[ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] &&
    /usr/bin/python3 -c "import selenium"'
plan 27

# The scarce cluster (one RTX3090 node of 8 GPUs), so that one pass of the
# scheduler leaves a job with a reservation, hence an estimated start.
check "ailab-kubesim starts" start_kubesim \
    --cluster "$FIXTURES/sched-scarce.yaml"
check "serve starts" start_serve a --no-schedule --ui-dir "$top_srcdir/ui"

for n in hog big; do
	cat >"$TMP/$n.yaml" <<EOT
name: $n
command: python train.py
gpu: {type: RTX3090, count: 8}
resources: {cpu: 1, memory: 4Gi}
timeout: 2h
annotations:
  ailab-kubesim.io/duration: forever
EOT
done
aq --context alice -q submit --owner alice "$TMP/hog.yaml" >/dev/null
BIG_JOB=$(aq --context alice -q submit --owner alice "$TMP/big.yaml")
aq --context admin sched --once >"$TMP/sched.out" 2>&1
BIG_START=$(job_field "$BIG_JOB" '["estimated_start"]')
matches "one pass: the 8-GPU job behind the hog has an estimated start" \
    "$BIG_START" '^20[0-9-]+T[0-9:]+Z$'

user_specs
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

export SERVE_URL TMP ALICE_JOB BOB_JOB BIG_JOB BIG_START
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
