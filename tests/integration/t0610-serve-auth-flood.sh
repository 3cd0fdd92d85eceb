#!/bin/sh
# Unauthenticated TokenReview amplification (issue 18, item 4): requests
# with junk tokens cost the cluster a bounded number of TokenReviews per
# client address (a bucket of failed authentications, then 429 with
# Retry-After), refused tokens are remembered apart from real users, and
# a real user's cached review survives a flood from many addresses.
# Counts come from the simulator's audit log (GET /sim/audit).
. "$top_srcdir/tests/integration/t06-serve-lib.sh"
plan 13

# flood.py URL N SOURCE...: N requests with distinct junk tokens from each
# SOURCE on one kept-alive connection; prints "401s 429s others
# 429s-without-Retry-After seconds".
cat >"$TMP/flood.py" <<'EOT'
import http.client, sys, time, uuid
url, n, sources = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
host, port = url.split("//")[1].rsplit(":", 1)
counts = {401: 0, 429: 0}
other = no_retry = 0
t0 = time.time()
for src in sources:
    c = http.client.HTTPConnection(host, int(port), timeout=30,
                                   source_address=(src, 0))
    for i in range(n):
        c.request("GET", "/v1/jobs", headers={
            "Authorization": "Bearer junk-" + uuid.uuid4().hex})
        r = c.getresponse()
        r.read()
        if r.status in counts:
            counts[r.status] += 1
        else:
            other += 1
        if r.status == 429 and r.getheader("Retry-After") is None:
            no_retry += 1
    c.close()
print(counts[401], counts[429], other, no_retry, "%.1f" % (time.time() - t0))
EOT
# reviews: the TokenReviews the cluster has seen so far.
reviews() {
	sim_get /sim/audit | json_val 'sum(1 for e in d["items"] if e.get("resource") == "tokenreviews")'
}

check "ailab-kubesim starts" start_kubesim
# Reviews are kept an hour rather than a minute, so that alice's
# outlives the floods however long a loaded machine takes over them: the
# check below is about eviction, not expiry.
echo 'token_cache: 1h' >"$TMP/serve.yaml"
check "serve starts" start_serve a --no-schedule --auth-fail-rate 1 \
    --auth-fail-burst 10 --token-cache-entries 50 --config "$TMP/serve.yaml"
is "alice is reviewed and served" "$(api alice GET /v1/whoami)" 200
r0=$(reviews)

python3 "$TMP/flood.py" "$SERVE_URL" 400 127.0.0.2 >"$TMP/flood1"
read -r n401 n429 nother noretry secs <"$TMP/flood1"
r1=$(reviews)
is "400 junk tokens from one address: each 401 or 429" "$nother" 0
ok "most are 429 ($n429 of 400), each with Retry-After" \
    "$([ "$n429" -ge 300 ] && [ "$noretry" -eq 0 ]; echo $?)"
bound=$(python3 -c "import math; print(10 + math.ceil($secs) + 1)")
ok "TokenReviews: $((r1 - r0)), at most the burst and the rate allow ($bound)" \
    "$([ $((r1 - r0)) -le "$bound" ]; echo $?)"
is "one TokenReview per 401" "$((r1 - r0))" "$n401"

# 20 junk tokens from each of 40 addresses: far more refused tokens
# than the 50 answers the cache keeps.
srcs=$(seq -f '127.0.1.%g' 1 40)
# shellcheck disable=SC2086
python3 "$TMP/flood.py" "$SERVE_URL" 20 $srcs >"$TMP/flood2"
read -r n401 n429 nother noretry secs <"$TMP/flood2"
# Addresses take turns: their buckets refill by at most the time in all.
bound=$(python3 -c "import math; print(40 * 10 + math.ceil($secs) + 40)")
ok "a flood from 40 addresses is reviewed $n401 times (at most $bound), the rest 429" \
    "$([ "$nother" -eq 0 ] && [ "$n401" -gt 50 ] && [ "$n401" -le "$bound" ]; echo $?)"
r2=$(reviews)
is "alice is still served" "$(api alice GET /v1/whoami)" 200
is "from her cached review: no new TokenReview" "$(reviews)" "$r2"
is "and from the flooded address too" \
    "$(api alice GET /v1/whoami --interface 127.0.0.2)" 200
curl -s --max-time 20 "$SERVE_URL/metrics" >"$TMP/metrics"
like "/metrics counts the refused requests" "$TMP/metrics" \
    '^ailab_queue_auth_limited_total [1-9][0-9]*$'

check "serve exits 0 on SIGTERM, no sanitizer report" stop_serve a
finish
