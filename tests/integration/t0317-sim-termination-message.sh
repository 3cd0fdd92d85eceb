#!/bin/sh
# Termination messages as the kubelet makes them, seen by the real kubectl:
# the termination-message knob (what the program writes to its
# terminationMessagePath), FallbackToLogsOnError, the 4096-byte cut;
# --pod-default for pods that set no knob; exit-codes indexed by a label
# the test names.  The simulator knows no client's names: this is the
# generic contract of docs/kubesim.md.
. "$top_srcdir/tests/sim/sim-lib.sh"
skip_unless "kubectl not installed" command -v kubectl
plan 26

fails "an unknown knob is refused" 2 "$AILAB_KUBESIM" --listen 127.0.0.1:0 \
    --pod-default=no-such-knob=1
like "naming it" "$TMP/err" "bad --pod-default 'no-such-knob=1'"
fails "a knob without a value is refused" 2 "$AILAB_KUBESIM" \
    --listen 127.0.0.1:0 --pod-default=duration

check "openssl makes a CA and a server certificate" sim_tls
check "starts with TLS and two pod defaults" sim_start_tls \
    --cluster "$FIXTURES/sim-roomy.yaml" --speed 1000 --seed 3 \
    --pod-default=duration=5s \
    --pod-default='termination-message=default says $(EXIT_CODE)'
k() { timeout 30 kubectl --kubeconfig "$KC" --context bob -n bob "$@"; }

# mkpod NAME RESTART POLICY ANNOTATIONS [LABELS]: a pod with one container
# under a terminationMessagePolicy, made with kubectl create.
mkpod() {
	_labels='{}'
	[ $# -ge 5 ] && _labels=$5
	cat >"$TMP/$1.json" <<EOF
{"apiVersion":"v1","kind":"Pod","metadata":{"name":"$1","annotations":$4,
 "labels":$_labels},
 "spec":{"restartPolicy":"$2","containers":[{"name":"main","image":"busybox",
  "terminationMessagePolicy":"$3",
  "resources":{"requests":{"cpu":"100m","memory":"64Mi"}}}]}}
EOF
	k create -f "$TMP/$1.json" >/dev/null
}
phase() { k get pod "$1" -o 'jsonpath={.status.phase}' 2>/dev/null; }
ended() { [ "$(phase "$1")" = Succeeded ] || [ "$(phase "$1")" = Failed ]; }
msg() {
	k get pod "$1" -o \
	    'jsonpath={.status.containerStatuses[0].state.terminated.message}'
}

mkpod said Never File '{"ailab-kubesim.io/exit-code":"3","ailab-kubesim.io/termination-message":"said $(EXIT_CODE), bye"}'
ok "a pod whose program writes a message" $?
ok_within "it ends" 15 ended said
is "Failed with exit code 3" "$(phase said) $(k get pod said -o 'jsonpath={.status.containerStatuses[0].state.terminated.exitCode}')" "Failed 3"
is "kubectl shows the message, exit code put in" "$(msg said)" "said 3, bye"

mkpod dflt Never File '{}'
ok "a pod with no knob" $?
ok_within "it ends" 15 ended dflt
is "the --pod-default message" "$(msg dflt)" "default says 0"

mkpod quiet Never File '{"ailab-kubesim.io/exit-code":"2","ailab-kubesim.io/termination-message":""}'
ok_within "a failing pod that writes nothing, policy File" 15 ended quiet
is "has no message" "$(msg quiet)" ""

mkpod fb Never FallbackToLogsOnError '{"ailab-kubesim.io/exit-code":"2","ailab-kubesim.io/termination-message":"","ailab-kubesim.io/duration":"1h"}'
ok_within "the same under FallbackToLogsOnError" 15 ended fb
msg fb >"$TMP/fb.msg"
is "the message ends as the run did" "$(tail -n 1 "$TMP/fb.msg")" "[ailab-kubesim] exiting with code 2"
is "cut to 2048 bytes (80 lines would be more)" "$(wc -c <"$TMP/fb.msg" | tr -d ' ')" 2048
k logs fb >"$TMP/fb.log"
is "the end of the log kubectl shows" "$(python3 -c 'import sys; print(open(sys.argv[2]).read().endswith(open(sys.argv[1]).read()))' "$TMP/fb.msg" "$TMP/fb.log")" True

mkpod fbok Never FallbackToLogsOnError '{"ailab-kubesim.io/termination-message":""}'
ok_within "a pod that succeeds under FallbackToLogsOnError" 15 ended fbok
is "has no message: the log is for failures" "$(msg fbok)" ""

long=$(python3 -c 'print("x" * 5000)')
mkpod long Never File "{\"ailab-kubesim.io/termination-message\":\"$long\"}"
ok_within "a program that writes 5000 bytes" 15 ended long
is "the message is cut to 4096" "$(msg long | wc -c | tr -d ' ')" 4096

# A run number a controller keeps in a label moves the exit-codes index.
mkpod run1 Never File '{"ailab-kubesim.io/exit-codes":"4,0","ailab-kubesim.io/exit-codes-label":"example.com/run"}' '{"example.com/run":"1"}'
mkpod run2 Never File '{"ailab-kubesim.io/exit-codes":"4,0","ailab-kubesim.io/exit-codes-label":"example.com/run"}' '{"example.com/run":"2"}'
both_ended() { ended run1 && ended run2; }
ok_within "two runs of one program" 15 both_ended
is "run 1 takes the first code, run 2 the second" "$(phase run1) $(phase run2)" "Failed Succeeded"

# A restarted run-once program only waits; the message of its run stays.
mkpod once Always File '{"ailab-kubesim.io/exit-code":"6","ailab-kubesim.io/after-exit":"idle"}'
once_done() { [ "$(k get pod once -o 'jsonpath={.status.containerStatuses[0].restartCount}')" = 1 ]; }
ok_within "an after-exit idle pod restarts once" 15 once_done
sleep 0.5
is "and then runs, its run's message in lastState" "$(phase once) $(k get pod once -o 'jsonpath={.status.containerStatuses[0].restartCount} {.status.containerStatuses[0].lastState.terminated.message}')" "Running 1 default says 6"
finish
