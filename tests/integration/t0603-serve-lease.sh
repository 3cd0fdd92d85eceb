#!/bin/sh
# Two `serve` processes on one database and one Lease: both serve the API,
# only the Lease holder schedules; SIGKILL the holder and the other takes
# over within the lease duration, without creating any job twice.
. "$top_srcdir/tests/integration/t06-serve-lib.sh"
plan 17

has_holder() { [ -n "$(lease_holder)" ]; }
passes() { metric "$1" ailab_queue_passes_total; }

# The roomy cluster: 20 one-pod jobs run at once (ailab allows 10 pods).
check "ailab-kubesim starts" start_kubesim --cluster "$FIXTURES/sim-roomy.yaml"
start_serve a --identity replica-a --lease-duration 6s --interval 1s
check "two replicas serve one database" start_serve b --identity replica-b \
    --lease-duration 6s --interval 1s
ok_within "one of them takes the Lease" 10 has_holder
sleep 3
H=$(lease_holder)
case $H in
replica-a) LEAD=a FOLLOW=b ;;
*) LEAD=b FOLLOW=a ;;
esac
eval "LURL=\$SERVE_URL_$LEAD FURL=\$SERVE_URL_$FOLLOW"
eval "LPID=\$SERVE_PID_$LEAD"
is "the holder says it leads" "$(leader "$LURL")" True
is "the other waits" "$(leader "$FURL")" False
[ "$(passes "$FURL")" = 0 ] && [ "$(passes "$LURL")" -gt 0 ]
ok "only the holder runs scheduler passes" $?

echo_sweep lease 10
SERVE_URL=$FURL
is "the follower's API queues jobs" "$(submit alice "$TMP/sweep.yaml")" 201
ok_within "the leader runs them" 30 alice_running "$FURL" 10
grep -q "pass:" "$TMP/serve-$FOLLOW.err"
[ $? -ne 0 ]
ok "the follower never ran a pass" $?

SERVE_URL=$LURL
submit alice "$TMP/sweep.yaml" >/dev/null
# The takeover is timed by the Lease itself (its acquireTime, written by
# the new holder) from the moment of the kill, not by this script's
# polling, which a loaded machine slows down.
T0=$(python3 -c 'import time; print(time.time())')
kill -KILL "$LPID"
ok_within "SIGKILL the leader: the other takes the Lease" \
    60 holder_is "replica-$FOLLOW"
TAKE=$(kube_get "$LEASE" admin | python3 -c '
import datetime, json, sys
t = json.load(sys.stdin)["spec"]["acquireTime"]
d = datetime.datetime.strptime(t, "%Y-%m-%dT%H:%M:%S.%fZ")
print(d.replace(tzinfo=datetime.timezone.utc).timestamp() - float(sys.argv[1]))' "$T0")
python3 -c 'import sys; sys.exit(not 0 <= float(sys.argv[1]) <= 10)' "${TAKE:-99}"
ok "within the lease duration and one retry (${TAKE:-?} s)" $?
is "it says it leads now" "$(leader "$FURL")" True
ok_within "it runs the jobs the dead leader left" 40 alice_running "$FURL" 20
n=$(kube_count "/apis/apps/v1/namespaces/alice/deployments?labelSelector=ailab-queue.io/job-id" admin)
is "no job was created twice (one Deployment per job)" "$n" 20
eval "FPID=\$SERVE_PID_$FOLLOW"
# An admin's write to the Lease, as a renewal cancelled in flight by the
# shutdown would make: the holder's copy is then one version old, and its
# release must read the Lease again rather than stop at the conflict.
# (The holder's own renewal may come between the read and the write: then
# the write conflicts, and is made again.)
touch_lease() {
	kube_get "$LEASE" admin | python3 -c 'import json, sys
d = json.load(sys.stdin)
d["metadata"].setdefault("labels", {})["touched"] = "1"
print(json.dumps(d))' >"$TMP/lease.json" &&
	    curl -sf -o /dev/null -X PUT -H 'Authorization: Bearer admin-token' \
	    -H 'Content-Type: application/json' \
	    --data-binary @"$TMP/lease.json" "$KUBESIM_URL$LEASE"
}
ok_within "an admin's write leaves the holder's copy of the Lease a version old" \
    20 touch_lease
kill -TERM "$FPID"
wait "$FPID"
is "SIGTERM: the new leader exits 0" $? 0
is "and gives the Lease up at once" "$(lease_holder)" ""
finish
