# bench/ui-load.py URL RUNS TMP: signs in as alice once, then loads the
# queue page RUNS times (each a fresh navigation) and prints the browser's
# timing of each (ms from navigation start) and their medians.
import os
import statistics
import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

url, runs, tmp = sys.argv[1], int(sys.argv[2]), sys.argv[3]
o = webdriver.ChromeOptions()
o.binary_location = "/usr/bin/chromium"
for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
          "--window-size=1280,900",
          "--user-data-dir=" + os.path.join(tmp, "chromium")):
    o.add_argument(a)
d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)
w = WebDriverWait(d, 120)
try:
    d.get(url + "/ui/")
    w.until(lambda d: d.find_element(By.ID, "token").is_displayed())
    d.find_element(By.ID, "token").send_keys("alice-token")
    d.find_element(By.ID, "signin").click()
    w.until(lambda d: d.execute_script(
        "return performance.getEntriesByName('queue-idle').length"))
    res = []
    for i in range(runs):
        d.get("about:blank")
        d.get(url + "/ui/#queue")
        w.until(lambda d: d.execute_script(
            "return performance.getEntriesByName('queue-idle').length"))
        t = d.execute_script(
            "const n = performance.getEntriesByType('navigation')[0];"
            "const m = k => performance.getEntriesByName(k)[0].startTime;"
            "return [n.domContentLoadedEventEnd, m('queue-rendered'),"
            " m('queue-idle'),"
            " document.querySelectorAll('#jobs tbody tr').length];")
        w.until(lambda d: d.execute_script(
            "return performance.getEntriesByName('queue-complete').length"))
        t += d.execute_script(
            "const m = k => performance.getEntriesByName(k)[0].startTime;"
            "const api = performance.getEntriesByType('resource')"
            ".filter(e => e.name.includes('/v1/jobs?'));"
            "return [m('queue-complete'), api.length,"
            " api.reduce((s, e) => s + e.responseStart - e.requestStart, 0),"
            " api.reduce((s, e) => s + e.encodedBodySize, 0),"
            " document.getElementById('queue-counts').textContent];")
        res.append(t)
        print("run %d: dom_ready %.0f ms, first_rows %.0f ms, "
              "interactive %.0f ms (%d rows), all_loaded %.0f ms "
              "(%d list requests, %.0f ms waiting for the server, %d bytes), "
              "counts '%s'" % (i + 1, *t))
    for k, name in enumerate(("dom_ready", "first_rows", "interactive",
                              "x", "all_loaded", "x", "server_wait")):
        if name == "x":
            continue
        print("median %s %.0f ms" % (name, statistics.median(
            r[k] for r in res)))
finally:
    d.quit()
