#!/bin/sh
# A stream of submits through the scheduler's intake (issue 19): a script
# submitting in a loop gets a pass when its stream pauses, and one now and
# then while it lasts, not a pass a job (sched_loop_submitted).  With
# --interval 60s, so that every pass here comes from the submits, and a
# namespace whose quota of one GPU a job admitted before the stream
# holds, so that no job's objects bring watch events during it.  The
# stream's bounds are set (--stream-pause 2s, --stream-bound 200ms) so
# that every submit of the loop joins the stream however loaded the
# machine (a sanitizer build takes tens of ms a submit, more than the
# default 30 ms pause).  Asserted: the 60 jobs of a stream are queued,
# each given a reason long before the interval (the pass the bound
# brings); a pass during the stream besides the first submission's; at
# most one pass each 200 ms of the stream and a few more, where a pass a
# job (main before pass19) made about one a submission; then a lone
# submit to a namespace with room is admitted without waiting for the
# interval.
. "$top_srcdir/tests/lib.sh"
plan 9

rtx_cluster 2 128 1Ti >"$TMP/cluster.yaml" <<'EOT'
namespaces:
- name: default
- name: alice
  quota: {requests.nvidia.com/gpu: '1', pods: '100'}
- name: bob
  quota: {requests.nvidia.com/gpu: '8', pods: '100'}
users:
- {name: alice, token: alice-token, groups: [students], namespaces: [alice]}
- {name: bob, token: bob-token, groups: [students], namespaces: [bob]}
- {name: admin, token: admin-token, groups: ["system:masters"], admin: true}
EOT
start_kubesim --cluster "$TMP/cluster.yaml"
ok "ailab-kubesim starts" $?
spec_file one cpu=1 memory=1Gi
aq ls >/dev/null 2>&1    # the queue exists: the scheduler's lock needs it
listening() { sched_passed 1 && [ -S "$AILAB_QUEUE_DB.sock" ]; }
start_sched --context admin -v sched --interval 60s --stream-pause 2s \
    --stream-bound 200ms
wait_for 20 listening
ok "the scheduler listens on <db>.sock" $?

# The job that holds the quota, running before the stream starts.
HOG=$(aq --context alice -q submit "$TMP/one.yaml")
job_state_is_on() {
	job_state_is "$1" admitted || job_state_is "$1" running
}
ok_within "a job holding alice's quota is admitted" 20 job_state_is_on "$HOG"
sleep 1

# The stream: 60 submits, 5 ms apart (and the time a submit takes).
N=60
: >"$TMP/ids"
rc=0
i=0
while [ $i -lt $N ]; do
	aq --context alice -q submit "$TMP/one.yaml" >>"$TMP/ids" || rc=1
	sleep 0.005
	i=$((i + 1))
done
LAST=$(tail -n 1 "$TMP/ids")
[ $rc -eq 0 ] && [ "$(sort -u "$TMP/ids" | wc -l)" -eq $N ] &&
    grep -q "intake: queued job $LAST " "$TMP/sched.out"
ok "$N submits through the scheduler: $N ids, each queued by its intake" $?

# settled: every job queued with a reason, the last one too: what a pass
# after the last submission leaves.
settled() {
	aq ls --all -o json | python3 -c '
import json, sys
jobs = json.load(sys.stdin)[1:]
wait = [j for j in jobs if j["state"] == "queued" and j.get("reason")]
sys.exit(not (len(jobs) == int(sys.argv[1]) == len(wait)))' $N
}
ok_within "  each waiting with a reason, well before the interval" 20 settled

# The passes that ended between the first and the last submission taken,
# those after the first one's, and the stream's length.
python3 - "$TMP/sched.out" >"$TMP/stream" <<'PY'
import datetime, sys
def t(line):
    return datetime.datetime.strptime(line.split()[0], "%Y-%m-%dT%H:%M:%S.%fZ")
subs, passes = [], []
for line in open(sys.argv[1]):
    if "intake: queued job" in line:
        subs.append(t(line))
    elif "whole pass" in line:
        passes.append(t(line))
subs = subs[1:]    # the job holding the quota came before the stream
n = sum(1 for p in passes if subs[0] <= p <= subs[-1])
mid = sum(1 for p in passes if subs[1] <= p <= subs[-1])
print(n, mid, int((subs[-1] - subs[0]).total_seconds() * 1000))
PY
read -r passes mid ms <"$TMP/stream"
echo "# $passes passes during a stream of $N submits in $ms ms"
[ "$mid" -ge 1 ]
ok "  a pass while the stream lasted, besides its first submission's" $?
# One each 200 ms (the bound), and a few more: the first submission's,
# one in progress when the stream began.
max=$((ms / 200 + 3))
[ "$passes" -le "$max" ] && [ "$passes" -lt $((N / 2)) ]
ok "  $passes passes during the stream of $N submits (at most $max)" $?

# A lone submit where there is room: admitted without the interval.
spec_file bobs cpu=1 memory=1Gi namespace=bob
ID=$(aq --context bob -q submit "$TMP/bobs.yaml")
ok "a lone submit through the scheduler" $?
ok_within "  is admitted long before the interval" 20 job_state_is_on "$ID"
finish
