#!/bin/sh
# Simulated kubelets: durations and exit codes from annotations, restart
# policies and back-off, image pull failures, the generic knobs a run-once
# program is told by (after-exit, termination messages), logs, graceful and
# foreground deletion.
. "$top_srcdir/tests/sim/sim-lib.sh"
plan 35

# The roomy cluster: pods without limits, quotas on requests only.
check "starts" sim_start --cluster "$FIXTURES/sim-roomy.yaml" --speed 100 \
    --seed 5
mkpod() { # NAME RESTART ANNOTATIONS-JSON [IMAGE [VOLUMES-JSON [LABELS-JSON]]]
	_labels='{}'
	[ $# -ge 6 ] && _labels=$6
	api POST /api/v1/namespaces/bob/pods bob-token "{\"metadata\":{\"name\":\"$1\",\"annotations\":$3,\"labels\":$_labels},\"spec\":{\"restartPolicy\":\"$2\",\"volumes\":${5:-[]},\"containers\":[{\"name\":\"main\",\"image\":\"${4:-busybox}\",\"resources\":{\"requests\":{\"cpu\":\"100m\",\"memory\":\"64Mi\"}}}]}}"
}
getpod() { api GET "/api/v1/namespaces/bob/pods/$1" bob-token >/dev/null; }
phase_is() { getpod "$1"; jget 'd["status"]["phase"]' | grep -qx "$2"; }

is "exit-code 3, Never" "$(mkpod fail Never '{"ailab-kubesim.io/duration":"10s","ailab-kubesim.io/exit-code":"3"}')" 201
ok_within "it fails" 10 phase_is fail Failed
is "terminated with 3, reason Error" "$(jget 'str(d["status"]["containerStatuses"][0]["state"]["terminated"]["exitCode"])+" "+d["status"]["containerStatuses"][0]["state"]["terminated"]["reason"]')" "3 Error"

is "no annotations: default run" "$(mkpod dflt Never '{}')" 201
ok_within "the default 60s run succeeds" 10 phase_is dflt Succeeded
is "exit 0, Completed" "$(jget 'str(d["status"]["containerStatuses"][0]["state"]["terminated"]["exitCode"])+" "+d["status"]["containerStatuses"][0]["state"]["terminated"]["reason"]')" "0 Completed"

is "exit-codes 1,1,0 with OnFailure" "$(mkpod retry OnFailure '{"ailab-kubesim.io/duration":"5s","ailab-kubesim.io/exit-codes":"1,1,0"}')" 201
ok_within "restarts in place, then succeeds" 15 phase_is retry Succeeded
is "two restarts" "$(jget 'd["status"]["containerStatuses"][0]["restartCount"]')" 2
is "lastState is the failed run" "$(jget 'd["status"]["containerStatuses"][0]["lastState"]["terminated"]["exitCode"]')" 1

is "exit-codes 5,0 indexed by a label at 2" "$(mkpod att Never '{"ailab-kubesim.io/duration":"5s","ailab-kubesim.io/exit-codes":"5,0","ailab-kubesim.io/exit-codes-label":"run"}' busybox '[]' '{"run":"2"}')" 201
ok_within "picks the attempt's exit code" 10 phase_is att Succeeded

is "Always with exit 1" "$(mkpod crash Always '{"ailab-kubesim.io/duration":"5s","ailab-kubesim.io/exit-code":"1"}')" 201
crashloop() { getpod crash; jget 'd["status"]["containerStatuses"][0]["state"].get("waiting",{}).get("reason","")' | grep -qx CrashLoopBackOff; }
ok_within "goes CrashLoopBackOff" 10 crashloop
like "back-off message" "$TMP/body" 'back-off [0-9]+s restarting failed container=main pod=crash_bob'
is "phase stays Running" "$(jget 'd["status"]["phase"]')" Running

is "an image named to fail" "$(mkpod pull Never '{}' registry.example/fail-pull:1)" 201
backoff() { getpod pull; jget 'd["status"]["containerStatuses"][0]["state"]["waiting"]["reason"]' | grep -qx ImagePullBackOff; }
ok_within "ErrImagePull then ImagePullBackOff" 10 backoff
is "stays Pending" "$(jget 'd["status"]["phase"]')" Pending

is "a run-once program (after-exit idle)" "$(mkpod wrap Always '{"ailab-kubesim.io/duration":"10s","ailab-kubesim.io/exit-code":"7","ailab-kubesim.io/after-exit":"idle","ailab-kubesim.io/termination-message":"done: $(EXIT_CODE)"}')" 201
wrapped() { getpod wrap; jget 'd["status"]["containerStatuses"][0]["restartCount"]' | grep -qx 1; }
ok_within "its container exits once" 10 wrapped
is "termination message from the knob, exit code put in" "$(jget 'd["status"]["containerStatuses"][0]["lastState"]["terminated"]["message"]')" "done: 7"
sleep 1
getpod wrap
is "then it stays Running" "$(jget 'd["status"]["phase"]+" "+str(d["status"]["containerStatuses"][0]["restartCount"])+" "+",".join(d["status"]["containerStatuses"][0]["state"])')" "Running 1 running"
is "previous logs end with the exit code" "$(api GET '/api/v1/namespaces/bob/pods/wrap/log?previous=true' bob-token; tail -1 "$TMP/body")" "200[ailab-kubesim] exiting with code 7"

is "logs tailLines=1" "$(api GET '/api/v1/namespaces/bob/pods/fail/log?tailLines=1' bob-token; cat "$TMP/body")" "200[ailab-kubesim] exiting with code 3"
is "logs limitBytes=8" "$(api GET '/api/v1/namespaces/bob/pods/fail/log?limitBytes=8' bob-token; cat "$TMP/body")" "200[ailab-k"
is "forever pod" "$(mkpod svc Never '{"ailab-kubesim.io/duration":"forever"}')" 201
ok_within "it runs" 10 phase_is svc Running
curl -sS -N --max-time 2 -H 'Authorization: Bearer bob-token' \
    "$SIM_URL/api/v1/namespaces/bob/pods/svc/log?follow=true" >"$TMP/follow" 2>/dev/null
like "follow streams new lines" "$TMP/follow" 'step [0-9]+: working'

is "graceful delete answers the pod" "$(api DELETE /api/v1/namespaces/bob/pods/svc bob-token; jget '"deletionTimestamp" in d["metadata"]')" 200true
gone() { [ "$(api GET /api/v1/namespaces/bob/pods/svc bob-token)" = 404 ]; }
ok_within "then it is removed" 10 gone

DEP='{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"fg"},"spec":{"replicas":1,"selector":{"matchLabels":{"app":"fg"}},"template":{"metadata":{"labels":{"app":"fg"},"annotations":{"ailab-kubesim.io/duration":"forever"}},"spec":{"containers":[{"name":"c","image":"x","resources":{"requests":{"cpu":"1","memory":"1Gi"}}}]}}}}'
api POST /apis/apps/v1/namespaces/bob/deployments bob-token "$DEP" >/dev/null
running_fg() { api GET '/api/v1/namespaces/bob/pods?labelSelector=app%3Dfg' bob-token >/dev/null; jget 'd["items"][0]["status"]["phase"]' | grep -qx Running; }
ok_within "a deployment pod runs" 10 running_fg
api DELETE /apis/apps/v1/namespaces/bob/deployments/fg bob-token '{"propagationPolicy":"Foreground"}' >/dev/null
is "Foreground: the owner waits with a finalizer" "$(jget 'd["metadata"]["finalizers"]')" '["foregroundDeletion"]'
fg_gone() { [ "$(api GET /apis/apps/v1/namespaces/bob/deployments/fg bob-token)" = 404 ]; }
ok_within "and goes once its dependents are gone" 10 fg_gone
finish
