#!/bin/sh
# kube/ operations against ailab-kubesim: paged lists, create and
# AlreadyExists, Forbidden, quota rejections, delete with preconditions and
# without orphaning a Job's pods, pod logs, whoami and quota commands, the
# namespace from -n and the kubeconfig context.
. "$top_srcdir/tests/lib.sh"

PROBE="$top_builddir/tests/kube-probe"
if [ ! -x "${AILAB_KUBESIM:-}" ]; then
	echo "1..0 # SKIP needs ailab-kubesim"
	exit 0
fi
plan 32

KC="$TMP/sim.kubeconfig"
"$AILAB_KUBESIM" --listen 127.0.0.1:0 --kubeconfig-out "$KC" \
	>"$TMP/sim.out" 2>"$TMP/sim.err" &
TEST_PIDS="$TEST_PIDS $!"
for _ in $(seq 1 100); do
	grep -q '^listening on' "$TMP/sim.out" && [ -s "$KC" ] && break
	sleep 0.1
done
ok "ailab-kubesim is up" "$([ -s "$KC" ]; echo $?)"

probe() { "$PROBE" --kubeconfig "$KC" --budget-ms 5000 "$@"; }
# val FILE EXPR: a value from a JSON file, or "0" if there is none.
val() {
	python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@" 2>/dev/null || echo 0
}

check "admin lists 50 nodes in pages of 7" probe --context admin list nodes - 7
like "all pages merged" "$TMP/out" '^items=50 '

check "alice creates a service" probe --context alice create-svc alice s1
fails "creating it again is AlreadyExists" 1 \
	probe --context alice create-svc alice s1
like "reason AlreadyExists, code 409" "$TMP/err" 'code=409 reason=AlreadyExists'

fails "bob may not read alice's namespace" 1 \
	probe --context bob raw GET /api/v1/namespaces/alice/services/s1
like "reason Forbidden" "$TMP/err" 'code=403 reason=Forbidden'

fails "a missing object is NotFound" 1 \
	probe --context alice raw GET /api/v1/namespaces/alice/services/nope
like "reason NotFound" "$TMP/err" 'code=404 reason=NotFound'

# Quota: carol may use 4 GPUs; a pod asking for 8 is refused at creation.
POD='{"apiVersion":"v1","kind":"Pod","metadata":{"name":"big"},"spec":{"containers":[{"name":"c","image":"busybox","resources":{"limits":{"nvidia.com/gpu":"8"}}}]}}'
fails "a pod over quota is refused" 1 \
	probe --context carol raw POST /api/v1/namespaces/carol/pods "$POD"
like "Forbidden, exceeded quota" "$TMP/err" '^quota-exceeded$'

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
JOB='{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"j1"},"spec":{"backoffLimit":0,"template":{"metadata":{"annotations":{"sim.ailab-queue.io/duration":"1h"}},"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"busybox","resources":{"requests":{"cpu":"1","memory":"1Gi"},"limits":{"cpu":"1","memory":"1Gi"}}}]}}}}'
check "alice creates a job" \
	probe --context alice raw POST /apis/batch/v1/namespaces/alice/jobs "$JOB"
PODS=/api/v1/namespaces/alice/pods?labelSelector=job-name%3Dj1
n=0
for _ in $(seq 1 100); do
	probe --context alice raw GET "$PODS" >"$TMP/pods.json" 2>/dev/null
	n=$(val "$TMP/pods.json" "len([p for p in d['items'] if p['status'].get('phase')=='Running'])")
	[ "$n" -ge 1 ] && break
	sleep 0.1
done
ok "the job's pod runs" "$([ "$n" -ge 1 ]; echo $?)"
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
for _ in $(seq 1 100); do
	probe --context alice raw GET "$PODS" >"$TMP/pods.json" 2>/dev/null
	n=$(val "$TMP/pods.json" "len(d['items'])")
	[ "$n" -eq 0 ] && break
	sleep 0.1
done
ok "its pods are deleted too (Background, not Orphan)" "$([ "$n" -eq 0 ]; echo $?)"

# The commands.
check "whoami as bob" aq --kubeconfig "$KC" --context bob whoami -o json
is "bob in namespace bob" "$(val "$TMP/out" "d['username']+' '+d['namespace']")" \
	"bob bob"
check "quota as alice" aq --kubeconfig "$KC" --context alice quota -o json
is "alice's GPU quota" "$(val "$TMP/out" "[r['hard'] for q in d['quotas'] for r in q['resources'] if r['resource']=='requests.nvidia.com/gpu'][0]")" "16"
check "quota as admin for -n bob" \
	aq --kubeconfig "$KC" --context admin -n bob quota -o json
is "admin sees 400 GPUs on 50 nodes, namespace bob" "$(val "$TMP/out" "'%s %s %s' % (d['gpus']['total']['allocatable'], d['gpus']['total']['nodes'], d['namespace'])")" "400 50 bob"

finish
