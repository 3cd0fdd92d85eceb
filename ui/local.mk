# ui: the dashboard's static files (plain HTML, CSS and JavaScript, no build
# step), installed in pkgdatadir/ui and served by `serve` under /ui/
# (docs/dashboard.md).
uidir = $(pkgdatadir)/ui
dist_ui_DATA = ui/index.html ui/app.css ui/app.js

# Integration tests of the dashboard (t07xx): its files over HTTP with curl,
# and the pages in a headless Chromium driven by python3-selenium.
UI_INTEGRATION_TESTS = \
	tests/integration/t0701-ui-serve.sh \
	tests/integration/t0702-ui-browser.sh \
	tests/integration/t0703-ui-usage.sh
TESTS += $(UI_INTEGRATION_TESTS)
EXTRA_DIST += $(UI_INTEGRATION_TESTS) tests/integration/t0702-ui-browser.py

# bench/ui-load.sh: the queue page with 10,000 jobs (docs/performance.md,
# "Dashboard").
EXTRA_DIST += bench/ui-load.sh bench/ui-load.py
