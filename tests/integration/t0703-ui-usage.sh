#!/bin/sh
# GET /v1/usage and the dashboard's Usage page: GPU-hours of the jobs that
# ran in a window, per user, group and GPU type, only of the jobs the
# caller may see (an admin sees everyone's); the page draws a bar per user
# of the API's answer.  Jobs really run: serve schedules them on
# ailab-kubesim.
. "$top_srcdir/tests/integration/t06-serve-lib.sh"
plan 12

check "ailab-kubesim starts" start_kubesim
check "serve starts, scheduling" start_serve a --no-lease --interval 200ms \
    --ui-dir "$top_srcdir/ui"

printf '%s\n' 'name: gpu' 'namespace: alice' 'image: busybox' \
    'command: [sh, -c, "sleep 1000"]' 'gpu: {type: RTX4090, count: 1}' \
    'annotations: {ailab-kubesim.io/duration: forever}' >"$TMP/alice.yaml"
sed 's/alice/bob/' "$TMP/alice.yaml" >"$TMP/bob.yaml"
is "alice submits a GPU job in a group" \
    "$(submit alice "$TMP/alice.yaml" group=sweep1)" 201
is "bob submits one" "$(submit bob "$TMP/bob.yaml")" 201

running() {
	[ "$(queue_json | python3 -c 'import json,sys; print(sum(j["state"] == "running" for j in json.load(sys.stdin)))')" = 2 ]
}
ok_within "both jobs run" 60 running
sleep 1

is "alice's usage: her own GPU time only" \
    "$(api alice GET /v1/usage?window=24h) $(jq_body '[u["user"] for u in b["users"]], b["users"][0]["gpu_hours"] > 0, b["window"]')" \
    "200 ['alice'] True 24h"
is "per group and GPU type" \
    "$(jq_body '[(g["group"], g["owner"]) for g in b["groups"]], [t["type"] for t in b["types"]]')" \
    "[('sweep1', 'alice')] ['RTX4090']"
is "the total is the sum of the users'" \
    "$(jq_body 'abs(b["total_gpu_hours"] - sum(u["gpu_hours"] for u in b["users"])) < 1e-9')" True
is "bob sees only his" \
    "$(api bob GET /v1/usage) $(jq_body '[u["user"] for u in b["users"]], [f["user"] for f in b["fair_share"] if f["user"] != "bob"]')" \
    "200 ['bob'] []"
is "an admin sees everyone's" \
    "$(api admin GET /v1/usage?window=30d) $(jq_body 'sorted(u["user"] for u in b["users"])')" \
    "200 ['alice', 'bob']"
is "an unknown window is 400" "$(api alice GET /v1/usage?window=1y)" 400

if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] &&
    /usr/bin/python3 -c 'import selenium' 2>/dev/null; then
	export SERVE_URL TMP
	/usr/bin/python3 - >"$TMP/browser.out" 2>"$TMP/browser.err" <<'EOT'
import os
from selenium import webdriver
from selenium.common.exceptions import (NoSuchElementException,
                                        StaleElementReferenceException)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

URL, TMP = os.environ["SERVE_URL"], os.environ["TMP"]
o = webdriver.ChromeOptions()
o.binary_location = "/usr/bin/chromium"
for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
          "--user-data-dir=" + os.path.join(TMP, "chromium")):
    o.add_argument(a)
d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)
try:
    w = WebDriverWait(d, 30, ignored_exceptions=(
        NoSuchElementException, StaleElementReferenceException))
    d.get(URL + "/ui/#usage")
    w.until(lambda d: d.find_element(By.ID, "token").is_displayed())
    d.find_element(By.ID, "token").send_keys("alice-token")
    d.find_element(By.ID, "signin").click()
    w.until(lambda d: d.find_elements(By.CSS_SELECTOR,
                                      "#usage-users svg g[data-label]"))
    labels = [g.get_attribute("data-label") for g in d.find_elements(
        By.CSS_SELECTOR, "#usage-users svg g[data-label]")]
    bars = d.find_elements(By.CSS_SELECTOR, "#usage-users svg rect.bar")
    print("users %s bars %d" % (labels, len(bars)))
    if os.environ.get("UI_SCREENSHOTS"):
        d.save_screenshot(os.path.join(os.environ["UI_SCREENSHOTS"],
                                       "dashboard-usage.png"))
finally:
    d.quit()
EOT
	[ $? -ne 0 ] && grep -v '^#[0-9]* 0x' "$TMP/browser.err" | tail -n 5 | sed 's/^/# /'
	is "the Usage page draws one bar, alice's" "$(cat "$TMP/browser.out")" \
	    "users ['alice'] bars 1"
else
	skip_n 1 "chromium, chromium-driver or python3-selenium missing"
fi
finish
