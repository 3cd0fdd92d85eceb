# The dashboard in a real browser (headless Chromium, python3-selenium),
# against `serve` + ailab-kubesim started by t0702-ui-browser.sh.  Prints
# one "RESULT<TAB>STATUS<TAB>DESCRIPTION" line per check (the shell turns
# them into TAP) and "# ..." diagnostics.  Waits are for conditions, with
# generous bounds: nothing here asserts a speed.
import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import (NoSuchElementException,
                                        StaleElementReferenceException)
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

URL = os.environ["SERVE_URL"]
TMP = os.environ["TMP"]
AQ = os.environ["AILAB_QUEUE"]
ALICE_JOB = int(os.environ["ALICE_JOB"])
BOB_JOB = int(os.environ["BOB_JOB"])
BIG_JOB = int(os.environ["BIG_JOB"])
BIG_START = os.environ["BIG_START"]
WAIT = 30
# The page redraws as events arrive: an element read while it is being
# replaced is looked up again.
AGAIN = (NoSuchElementException, StaleElementReferenceException)


def result(ok, desc):
    print("RESULT\t%d\t%s" % (0 if ok else 1, desc), flush=True)


def check(desc, fn):
    """One check: fn returns truthy, or raises (a failure, with why)."""
    try:
        ok = bool(fn())
    except Exception as e:  # a failed wait or lookup is a failed check
        print("# %s: %s: %s" % (desc, type(e).__name__, str(e)[:300]))
        ok = False
    result(ok, desc)
    return ok


def http(method, path, cookie=None, csrf=None, token=None):
    """Status and JSON body of an API request outside the browser."""
    req = urllib.request.Request(URL + path, method=method,
                                 data=b"" if method != "GET" else None)
    if cookie:
        req.add_header("Cookie", "ailab_queue_session=" + cookie)
    if csrf:
        req.add_header("X-CSRF-Token", csrf)
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=20) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def cli(*args):
    return subprocess.run([AQ, "--server", URL] + list(args),
                          capture_output=True, text=True, timeout=60)


def browser():
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
              "--disable-gpu", "--window-size=1024,768",
              "--user-data-dir=" + os.path.join(TMP, "chromium")):
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    svc = Service("/usr/bin/chromedriver",
                  log_path=os.path.join(TMP, "chromedriver.log"))
    return webdriver.Chrome(service=svc, options=opts)


def shot(d, name):
    """A screenshot for docs/ when UI_SCREENSHOTS names a directory."""
    out = os.environ.get("UI_SCREENSHOTS")
    if out:
        d.save_screenshot(os.path.join(out, name + ".png"))


def visible(d, id_):
    return d.find_element(By.ID, id_).is_displayed()


def rows(d):
    """The queue page's rows as {id: (owner, state)}, read in one go."""
    return {int(i): (o, s) for i, o, s in d.execute_script(
        "return [...document.querySelectorAll('#jobs tbody tr')].map(tr => "
        "[tr.dataset.id, tr.querySelector('td.owner').textContent, "
        "tr.querySelector('td.state').textContent])")}


def sign_in(d, token):
    d.get(URL + "/ui/#queue")
    w = WebDriverWait(d, WAIT, ignored_exceptions=AGAIN)
    w.until(lambda d: visible(d, "view-signin"))
    d.find_element(By.ID, "token").send_keys(token)
    d.find_element(By.ID, "signin").click()
    w.until(lambda d: visible(d, "view-queue"))


def main():
    d = browser()
    w = WebDriverWait(d, WAIT, ignored_exceptions=AGAIN)
    try:
        check("alice signs in through the page",
              lambda: sign_in(d, "alice-token") or
              d.find_element(By.ID, "username").text == "alice")
        cookie = (d.get_cookie("ailab_queue_session") or {})
        check("the session cookie is HttpOnly and SameSite=Strict",
              lambda: cookie.get("httpOnly") is True and
              cookie.get("sameSite") == "Strict")
        check("the token is not kept in the page's storage",
              lambda: "alice-token" not in d.execute_script(
                  "return JSON.stringify(localStorage) + "
                  "JSON.stringify(sessionStorage) + document.cookie"))
        check("the queue page shows alice's job and not bob's",
              lambda: w.until(lambda d: ALICE_JOB in rows(d)) and
              BOB_JOB not in rows(d) and
              {o for o, _ in rows(d).values()} == {"alice"})

        big = d.execute_script(
            "const td = document.querySelector("
            "'#jobs tr[data-id=\"%d\"] td.start'); "
            "return td ? [td.textContent, td.title] : null" % BIG_JOB)
        print("# job %d's start cell: %r" % (BIG_JOB, big))
        check("a reserved job's row shows its estimated start, relative, "
              "with the API's time as its tooltip",
              lambda: big is not None and
              re.fullmatch(r"~([0-9]+[smhd]|now)", big[0]) is not None and
              big[1] == BIG_START)
        check("the owner filter is for admins and TAs only",
              lambda: not visible(d, "f-owner-label"))
        shot(d, "dashboard-queue")
        r = cli("submit", os.path.join(TMP, "alice.yaml"))
        new = int(r.stdout.split()[0]) if r.returncode == 0 else -1
        if r.returncode != 0:
            print("# submit: " + r.stderr.strip())
        check("a job submitted with the CLI appears without a reload",
              lambda: w.until(lambda d: new in rows(d)) and
              rows(d)[new][1] == "queued")
        check("the page was not reloaded (its sign-in state held)",
              lambda: d.execute_script("return performance.getEntriesByType"
                                       "('navigation').length") == 1)

        d.find_element(By.CSS_SELECTOR,
                       '#jobs tr[data-id="%d"] a' % new).click()
        w.until(lambda d: visible(d, "view-job") and
                "Job %d" % new in d.find_element(By.ID, "job-title").text)
        check("the job page shows its fields and history",
              lambda: "alice" in d.find_element(By.ID, "job-fields").text
              and "queued" in d.find_element(By.ID, "job-history").text)
        shot(d, "dashboard-job")
        btn = d.find_element(By.CSS_SELECTOR,
                             '#job-actions button[data-action="cancel"]')
        w.until(lambda d: btn.is_enabled())
        btn.click()
        w.until(lambda d: "cancelled" in
                d.find_element(By.ID, "job-fields").text)
        ls = cli("ls", "--all", "-o", "json")
        check("cancel on the page cancels the job (as the CLI's ls shows)",
              lambda: [j["state"] for j in json.loads(ls.stdout)
                       if j["id"] == new] == ["cancelled"])

        d.get(URL + "/ui/#cluster")
        w.until(lambda d: visible(d, "view-cluster") and
                d.find_elements(By.CSS_SELECTOR, "#gpu-types tbody tr"))
        page = {tr.get_attribute("data-type"):
                int(tr.find_element(By.CSS_SELECTOR, "td.free").text)
                for tr in d.find_elements(By.CSS_SELECTOR,
                                          "#gpu-types tbody tr")}
        code, api = http("GET", "/v1/cluster", token="alice-token")
        want = {t["type"]: t["free"] for t in api["types"]}
        print("# page %s api %s" % (page, want))
        check("the cluster page's free GPUs per type are the API's",
              lambda: code == 200 and page == want and len(want) > 0)
        shot(d, "dashboard-cluster")
        csp = [e["message"] for e in d.get_log("browser")
               if "Content Security Policy" in e["message"]]
        check("no script or style of the pages breaks the CSP",
              lambda: not csp or print("# " + csp[0]))
        check("the node map has one cell per node of the API",
              lambda: len(d.find_elements(By.CSS_SELECTOR, "#node-map li"))
              == len(api["nodes"]))

        d.get(URL + "/ui/#class/cls1")
        w.until(lambda d: len(d.find_elements(
            By.CSS_SELECTOR, "#class-report tbody tr")) == 6 and
            d.find_element(By.ID, "class-csv").is_displayed())
        shot(d, "dashboard-class")
        # A real download, under the page's CSP.
        dl = os.path.join(TMP, "downloads")
        os.makedirs(dl, exist_ok=True)
        d.execute_cdp_cmd("Page.setDownloadBehavior",
                          {"behavior": "allow", "downloadPath": dl})
        d.find_element(By.ID, "class-csv").click()
        path = os.path.join(dl, "cls1.csv")
        w.until(lambda d: os.path.exists(path) and
                not any(f.endswith(".crdownload") for f in os.listdir(dl)))
        with open(path, newline="") as f:
            csv = f.read()
        rep = cli("report", "cls1", "-o", "csv")
        if csv != rep.stdout:
            print("# page csv:\n# " + csv.replace("\n", "\n# "))
            print("# cli csv:\n# " + rep.stdout.replace("\n", "\n# "))
        check("the class page's CSV is what 'report -o csv' prints",
              lambda: rep.returncode == 0 and csv == rep.stdout and
              csv.count("\n") == 7)
        check("its totals line is the CLI's",
              lambda: d.find_element(By.ID, "class-totals").text ==
              "6 jobs: 0 succeeded, 0 failed, 0 timed out, 0 cancelled, "
              "0 running, 6 waiting; run time 0s")

        alice_cookie = cookie.get("value")
        d.find_element(By.ID, "signout").click()
        w.until(lambda d: visible(d, "view-signin"))
        check("after sign-out the old cookie is refused (401)",
              lambda: http("GET", "/v1/whoami", cookie=alice_cookie)[0]
              == 401)

        sign_in(d, "bob-token")
        check("bob signs in and sees none of alice's jobs",
              lambda: d.find_element(By.ID, "username").text == "bob" and
              ALICE_JOB not in rows(d))
        d.get(URL + "/ui/#job/%d" % ALICE_JOB)
        check("bob cannot open alice's job by its URL",
              lambda: w.until(lambda d: "not found" in
                              d.find_element(By.ID, "status").text) and
              "alice" not in d.find_element(By.ID, "job-fields").text)
        bob = d.get_cookie("ailab_queue_session")["value"]
        code, s = http("GET", "/v1/session", cookie=bob)
        check("bob's cookie, even with its CSRF value, cannot cancel "
              "alice's job",
              lambda: http("POST", "/v1/jobs/%d/cancel" % ALICE_JOB,
                           cookie=bob, csrf=s["csrf_token"])[0] == 404)
        check("a state change with the cookie but no CSRF header is 403",
              lambda: http("POST", "/v1/jobs/%d/hold" % BOB_JOB,
                           cookie=bob)[0] == 403)
    finally:
        d.quit()


main()
