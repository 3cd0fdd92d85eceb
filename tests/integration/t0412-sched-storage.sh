#!/bin/sh
# Storage quota on the built-in ailab cluster: every namespace has 40T of
# requests.storage, of which its four standing claims hold about 23T.  A
# job whose scratch claims (two per replica) overflow it is never
# admitted, its reason naming the key, and nothing of it reaches the
# cluster; one that fits runs with its claims bound on its pod's node.
. "$top_srcdir/tests/lib.sh"
plan 9

bail_unless start_kubesim --speed 600
# claims: alice's claims as "name phase selected-node", one per line.
claims() {
	kube_get /api/v1/namespaces/alice/persistentvolumeclaims | json_val '"\n".join(
    "%s %s %s" % (c["metadata"]["name"], c["status"].get("phase"),
          (c["metadata"].get("annotations") or {}).get("volume.kubernetes.io/selected-node", "-"))
    for c in d["items"])'
}
claims >"$TMP/standing"
is "alice's namespace holds its four standing claims" "$(wc -l <"$TMP/standing")" 4

printf '%s\n' 'name: big' 'command: python prep.py' 'replicas: 2' \
    'scratch: 5Ti' 'annotations: {ailab-kubesim.io/duration: 10m}' \
    >"$TMP/big.yaml"
# At --speed 600 an hour is 6 s: the one that fits must outlive the
# checks below on a loaded machine (it is cancelled at the end).
printf '%s\n' 'name: fits' 'command: python train.py' 'scratch: 1Ti' \
    'annotations: {ailab-kubesim.io/duration: 1000h}' >"$TMP/fits.yaml"
aq submit "$TMP/big.yaml" >/dev/null && aq submit "$TMP/fits.yaml" >/dev/null
ok "submit a job of 4 x 5Ti scratch and one of 2 x 1Ti" $?
# passes_until SECONDS CMD...: scheduler passes until CMD succeeds, for
# at most SECONDS of real time (a bound on a loaded machine, not on speed).
passes_until() {
	_end=$(($(date +%s) + $1))
	shift
	until "$@"; do
		[ "$(date +%s)" -ge "$_end" ] && return 1
		sched_once
		sleep 0.3
	done
}
is_running() { [ "$(job_state 2)" = running ]; }
no_scratch() { [ -z "$(claims | grep -v -F -f "$TMP/standing")" ]; }
passes_until 120 is_running
is "the job that fits runs" "$(job_state 2)" running
is "the one that overflows requests.storage waits" "$(job_state 1)" queued
aq why 1 >"$TMP/why" 2>&1
like "its reason names the key and the numbers" "$TMP/why" "quota requests.storage: needs 20Ti, ~2[0-9].[0-9]T of 40T used"
is "nothing of it reached the cluster" \
    "$(kube_count '/api/v1/namespaces/alice/pods?labelSelector=ailab-queue.io%2Fjob-id%3D1')" 0
claims | grep -v -F -f "$TMP/standing" >"$TMP/scratch"
is "the running job has its two scratch claims" "$(wc -l <"$TMP/scratch")" 2
NODE=$(kube_get '/api/v1/namespaces/alice/pods?labelSelector=ailab-queue.io%2Fjob-id%3D2' | json_val 'd["items"][0]["spec"]["nodeName"]')
is "both are Bound on the node its pod landed on" \
    "$(awk '{print $2, $3}' "$TMP/scratch" | sort -u)" "Bound $NODE"
aq cancel 2 >/dev/null 2>&1
passes_until 120 no_scratch
is "they go with the pod" "$(claims | grep -v -F -f "$TMP/standing" | wc -l)" 0
finish
