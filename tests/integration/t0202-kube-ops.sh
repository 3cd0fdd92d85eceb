#!/bin/sh
# kube/ operations against ailab-kubesim: paged lists, create and
# AlreadyExists, Forbidden, quota rejections, delete with preconditions and
# without orphaning a Job's pods, pod logs, whoami and quota commands, the
# namespace from -n and the kubeconfig context.
. "$top_srcdir/tests/lib.sh"

PROBE="$top_builddir/tests/kube-probe"
skip_unless "needs ailab-kubesim" test -x "${AILAB_KUBESIM:-}"
plan 61

check "ailab-kubesim is up" start_kubesim
# The probe is given the kubeconfig explicitly.
KC=$KUBECONFIG
unset KUBECONFIG

probe() { "$PROBE" --kubeconfig "$KC" --budget-ms 5000 "$@"; }
# val FILE EXPR: a value from a JSON file, or "0" if there is none.
val() { json_val "$2" "$1" 2>/dev/null || echo 0; }

check "admin lists 53 nodes in pages of 7" probe --context admin list nodes - 7
like "all pages merged" "$TMP/out" '^items=53 '

check "alice creates a service" probe --context alice create-svc alice s1
fails "creating it again is AlreadyExists" 1 \
	probe --context alice create-svc alice s1
like "reason AlreadyExists, code 409" "$TMP/err" 'code=409 reason=AlreadyExists'

# kube_create_owned: a name held by an object with our identity is taken,
# unless that object is being deleted (an earlier attempt's, going).
check "alice creates an owned service (held by a finalizer)" \
	probe --context alice create-svc-owned alice s9 hold
check "creating it again takes it as ours" \
	probe --context alice create-svc-owned alice s9
like "adopted" "$TMP/err" 'status=200 attempts=1 adopted'
check "it is deleted, and stays while its finalizer holds it" \
	probe --context alice delete services alice s9
fails "creating it again meets the object on its way out" 1 \
	probe --context alice create-svc-owned alice s9
like "AlreadyExists, said to be leaving, not adopted" "$TMP/err" \
	'^status=409 attempts=1 leaving$'

# An owned name whose object cannot be read (every GET fails, the POST
# does not) is not given up as someone else's: the read's error stands.
check "alice creates another owned service" \
	probe --context alice create-svc-owned alice s8
check "the simulator fails every GET from now on" \
	probe --context admin raw POST /sim/faults \
	'{"error500": 1, "methods": ["GET"]}'
like "the fault is scoped to GET" "$TMP/out" '"methods": *\[ *"GET" *\]'
fails "creating it again cannot read what holds the name" 1 \
	probe --context alice create-svc-owned alice s8
like "the read's 500 is the answer, not AlreadyExists" "$TMP/err" \
	'^status=500 '
check "POSTs were not failed" \
	probe --context alice create-svc alice s7
check "faults off" probe --context admin raw POST /sim/faults \
	'{"error500": 0, "methods": []}'
check "with the read back, the name is taken as ours" \
	probe --context alice create-svc-owned alice s8
like "adopted" "$TMP/err" 'status=200 attempts=1 adopted'
fails "a fault scoped to a method that does not exist is refused" 1 \
	probe --context admin raw POST /sim/faults '{"methods": ["FETCH"]}'

fails "bob may not read alice's namespace" 1 \
	probe --context bob raw GET /api/v1/namespaces/alice/services/s1
like "reason Forbidden" "$TMP/err" 'code=403 reason=Forbidden'

fails "a missing object is NotFound" 1 \
	probe --context alice raw GET /api/v1/namespaces/alice/services/nope
like "reason NotFound" "$TMP/err" 'code=404 reason=NotFound'

# Quota: carol may use 4 GPUs; a pod asking for 8 is refused at creation
# (with the cpu and memory limits the quota asks every pod for).
POD='{"apiVersion":"v1","kind":"Pod","metadata":{"name":"big"},"spec":{"containers":[{"name":"c","image":"busybox","resources":{"limits":{"cpu":"1","memory":"1Gi","nvidia.com/gpu":"8"}}}]}}'
fails "a pod over quota is refused" 1 \
	probe --context carol raw POST /api/v1/namespaces/carol/pods "$POD"
like "Forbidden, exceeded quota" "$TMP/err" '^quota-exceeded$'

# Merge patch.
check "merge patch adds a label" probe --context alice patch services alice \
	s1 '{"metadata":{"labels":{"team":"vision"}}}'
probe --context alice raw GET /api/v1/namespaces/alice/services/s1 \
	>"$TMP/s1.json" 2>/dev/null
is "the label is there, the others kept" \
	"$(val "$TMP/s1.json" "d['metadata']['labels']['team']+' '+d['metadata']['labels']['app']")" \
	"vision kube-probe"

# The client-side rate limit: 11 GETs at 10/s with a burst of 1 take at
# least a second (a lower bound, not a timing assertion on speed).
check "11 GETs under --qps 10" probe --context alice --qps 10 gets alice 11
secs=$(sed -n 's/^ok=11 failed=0 seconds=\([0-9.]*\)$/\1/p' "$TMP/out")
ok "were spread over at least 0.9 s ($secs s)" \
	"$(python3 -c "import sys; sys.exit(0 if float('${secs:-0}') >= 0.9 else 1)"; echo $?)"

# Delete preconditions: a wrong uid is a Conflict, the right one works.
probe --context alice raw GET /api/v1/namespaces/alice/services/s1 \
	>"$TMP/s1.json" 2>/dev/null
UID1=$(val "$TMP/s1.json" "d['metadata']['uid']")
fails "delete with a stale uid precondition is refused" 1 \
	probe --context alice delete services alice s1 uid=not-the-uid
like "reason Conflict" "$TMP/err" 'code=409 reason=Conflict'
check "delete with the right uid" \
	probe --context alice delete services alice s1 "uid=$UID1"
fails "gone after delete" 1 \
	probe --context alice raw GET /api/v1/namespaces/alice/services/s1

# A Job deleted through kube/ takes its pods with it (never Orphan).
JOB='{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"j1"},"spec":{"backoffLimit":0,"template":{"metadata":{"annotations":{"ailab-kubesim.io/duration":"1h"}},"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"busybox","resources":{"requests":{"cpu":"1","memory":"1Gi"},"limits":{"cpu":"1","memory":"1Gi"}}}]}}}}'
check "alice creates a job" \
	probe --context alice raw POST /apis/batch/v1/namespaces/alice/jobs "$JOB"
PODS=/api/v1/namespaces/alice/pods?labelSelector=job-name%3Dj1
# pods EXPR: EXPR over the job's pods, as alice lists them.
pods() {
	probe --context alice raw GET "$PODS" >"$TMP/pods.json" 2>/dev/null
	val "$TMP/pods.json" "$1"
}
runs() { [ "$(pods "len([p for p in d['items'] if p['status'].get('phase')=='Running'])")" -ge 1 ]; }
ok_within "the job's pod runs" 10 runs
POD1=$(val "$TMP/pods.json" "d['items'][0]['metadata']['name']")
check "logs with tailLines" probe --context alice logs alice "$POD1" tail=2
n=$(wc -l <"$TMP/out")
ok "1 or 2 lines ($n)" "$([ "$n" -ge 1 ] && [ "$n" -le 2 ]; echo $?)"
check "logs with limitBytes" probe --context alice logs alice "$POD1" limit=10
ok "10 bytes" "$([ "$(wc -c <"$TMP/out")" -eq 10 ]; echo $?)"
timeout 3 "$PROBE" --kubeconfig "$KC" --context alice logs alice "$POD1" \
	follow >"$TMP/follow.out" 2>&1
ok "follow keeps streaming until stopped" $(($? == 124 ? 0 : 1))
like "and streamed the log" "$TMP/follow.out" 'started'

check "delete the job" probe --context alice delete jobs alice j1
gone() { [ "$(pods "len(d['items'])")" -eq 0 ]; }
ok_within "its pods are deleted too (Background, not Orphan)" 10 gone

# proxy-url: requests go through a forward proxy (a small one made here).
cat >"$TMP/proxy.py" <<'EOF'
import http.server, socketserver, sys, urllib.request
class P(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        with open(sys.argv[1], "a") as f: f.write(self.command + " " + self.path + "\n")
        n = int(self.headers.get("Content-Length") or 0)
        req = urllib.request.Request(self.path, data=self.rfile.read(n) if n else None, method=self.command, headers={k: v for k, v in self.headers.items() if k.lower() in ("authorization", "accept", "content-type")})
        try: r = urllib.request.build_opener(urllib.request.ProxyHandler({})).open(req)
        except urllib.error.HTTPError as e: r = e
        body = r.read()
        self.send_response(r.status if hasattr(r, "status") else r.code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers(); self.wfile.write(body)
    do_POST = do_GET
s = socketserver.TCPServer(("127.0.0.1", 0), P)
print(s.server_address[1], flush=True); s.serve_forever()
EOF
spawn PROXY python3 "$TMP/proxy.py" "$TMP/proxy.log" >"$TMP/proxy.port"
wait_for 5 test -s "$TMP/proxy.port"
sed "s|^\(    server: .*\)$|\1\n    proxy-url: http://127.0.0.1:$(cat "$TMP/proxy.port")|" \
	"$KC" >"$TMP/proxied.kubeconfig"
check "whoami through proxy-url" aq --kubeconfig "$TMP/proxied.kubeconfig" \
	--context bob whoami
like "the proxy carried the request" "$TMP/proxy.log" 'selfsubjectreviews'

# The commands.
check "whoami as bob" aq --kubeconfig "$KC" --context bob whoami -o json
is "bob in namespace bob" "$(val "$TMP/out" "d['username']+' '+d['namespace']")" \
	"bob bob"
check "quota as alice" aq --kubeconfig "$KC" --context alice quota -o json
is "alice's GPU quota" "$(val "$TMP/out" "[r['hard'] for q in d['quotas'] for r in q['resources'] if r['resource']=='requests.nvidia.com/gpu'][0]")" "4"
check "quota as admin for -n bob" \
	aq --kubeconfig "$KC" --context admin -n bob quota -o json
is "admin sees 400 GPUs on 50 nodes, namespace bob" "$(val "$TMP/out" "'%s %s %s' % (d['gpus']['total']['allocatable'], d['gpus']['total']['nodes'], d['namespace'])")" "400 50 bob"

check "quota as bob (no node access)" aq --kubeconfig "$KC" --context bob quota
like "says free GPUs are not shown, and why" "$TMP/out" \
	"^Free GPUs: not shown: user 'bob' may not list nodes"

# Jobs without a namespace take the context's; local commands never need
# a cluster, and a broken kubeconfig is only a warning for them.
check "submit with context bob" aq --kubeconfig "$KC" --context bob \
	submit "$top_srcdir/examples/ddp-job.yaml"
check "submit with -n team over the context" aq --kubeconfig "$KC" \
	--context bob -n team submit "$top_srcdir/examples/ddp-job.yaml"
printf 'clusters: [\n' >"$TMP/broken.yaml"
KUBECONFIG="$TMP/broken.yaml" aq submit "$top_srcdir/examples/ddp-job.yaml" \
	>"$TMP/out" 2>"$TMP/err"
ok "submit works with a broken kubeconfig" $?
like "with a warning naming the file" "$TMP/err" \
	"^warning: .*broken.yaml:.*using namespace 'default'"
aq ls -o json >"$TMP/ls.json"
is "namespaces: context, -n, default" \
	"$(val "$TMP/ls.json" "' '.join(sorted(set(j['namespace'] for j in d)))")" \
	"bob default team"

finish
