#!/bin/sh
# Fair share against ailab-kubesim.  (1) Two owners, ann and ben, each
# queue 100 one-GPU jobs for the cluster's only RTX3090 node (all of ann's
# first); (2) one owner, cat, queues two groups of 100 one-GPU jobs for the
# two RTX4090D nodes (all of g1's first).  The simulated cluster's own
# state, sampled throughout, gives each owner's (and each of cat's
# groups') GPU-seconds (Running pods' GPUs integrated between samples):
# while both still have work queued (until one of them has had its last
# job created), they stay within 20% of each other.  Samples before a
# third of that period's GPU-seconds are not judged: each side has then
# run only a few rounds of jobs, and samples (1-2 s apart under ASan) are
# a third of a job or more, so one sample's timing moves the ratio more
# than the policy does.  `submit --owner` lets one test
# process submit as two owners.
. "$top_srcdir/tests/lib.sh"
plan 9

start_kubesim --cluster "$top_srcdir/tests/fixtures/sched-fair.yaml" \
    --speed 200 --seed 6
ok "ailab-kubesim starts" $?

# mkspec NAME TYPE: a sweep of 100 one-GPU jobs of that type, 10 minutes
# each (3 s of real time: long beside the scheduler's latency).
mkspec() {
	cat >"$TMP/$1.yaml" <<EOT
name: $1
command: python train.py --i \${i}
gpu: {type: $2, count: 1}
resources: {cpu: 1, memory: 4Gi}
timeout: 1h
annotations:
  sim.ailab-queue.io/duration: 10m
sweep:
  grid:
    i: [$(seq -s, 1 100)]
EOT
}
mkspec own RTX3090
mkspec grp RTX4090D
rc=0
aq --context alice -q submit --owner ann -g ann-own "$TMP/own.yaml" \
    >/dev/null || rc=1
aq --context bob -q submit --owner ben -g ben-own "$TMP/own.yaml" \
    >/dev/null || rc=1
aq --context alice -q submit --owner cat -g g1 "$TMP/grp.yaml" \
    >/dev/null || rc=1
aq --context alice -q submit --owner cat -g g2 "$TMP/grp.yaml" \
    >/dev/null || rc=1
owners=$(aq ls -o json | python3 -c 'import json, sys
c = {}
for j in json.load(sys.stdin):
    c[j["owner"]] = c.get(j["owner"], 0) + 1
print(" ".join("%s=%d" % kv for kv in sorted(c.items())))')
is "400 jobs queued as three owners with --owner" "$rc $owners" \
    "0 ann=100 ben=100 cat=200"
fails "--owner refuses a name that is not one (exit 2)" 2 \
    aq -q submit --owner 'a b' "$TMP/own.yaml"
grep -q "invalid value for '--owner': 'a b'" "$TMP/err"
ok "... and says which option" $?

python3 "$top_srcdir/tests/integration/sched-sample.py" "$KUBESIM_URL" \
    admin-token "$TMP/stop" "$TMP/report.json" 0.2 &
SAMPLER=$!
TEST_PIDS="$TEST_PIDS $SAMPLER"
timeout 600 "$AILAB_QUEUE" --context admin sched --until-empty \
    --interval 1s >"$TMP/sched.out" 2>&1
rc=$?
[ $rc -ne 0 ] && tail -n 20 "$TMP/sched.out" | sed 's/^/# /'
ok "sched --until-empty runs all 400 jobs" $rc
touch "$TMP/stop"
wait "$SAMPLER"
is "every job succeeded" "$(aq ls --all -o json | python3 -c 'import json, sys
print(sum(1 for j in json.load(sys.stdin) if j["state"] == "succeeded"))')" \
    400

R="$TMP/report.json"
ok "the cluster was sampled during the run ($(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["samples"])' "$R") samples)" \
    "$(python3 -c 'import json, sys
print(0 if json.load(open(sys.argv[1]))["samples"] >= 50 else 1)' "$R")"

# fair KIND A B TOTAL: checks A and B (keys of the timeline's GPU-seconds,
# index KIND: 1 owners, 2 groups) while both have work queued; prints the
# worst ratio seen and exits 1 if it was beyond 20%.
fair() {
	python3 - "$R" "$@" <<'EOT'
import json, sys
rep = json.load(open(sys.argv[1]))
kind, a, b, total = int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
tl = rep["timeline"]
# Both have work queued until one of them has had its last job created.
end = None
for s in tl:
    seen = s[kind + 2]
    if seen.get(a, 0) >= total or seen.get(b, 0) >= total:
        end = s
        break
if end is None:
    end = tl[-1]
ga, gb = end[kind].get(a, 0), end[kind].get(b, 0)
worst, checked = 0.0, 0
for s in tl:
    if s[0] > end[0]:
        break
    x, y = s[kind].get(a, 0), s[kind].get(b, 0)
    if 3 * (x + y) < ga + gb:
        continue
    checked += 1
    worst = max(worst, abs(x - y) / max(x, y))
print("%s %.0f GPU-s, %s %.0f GPU-s when the first ran out of queued work "
      "(%.1f s); worst gap %.0f%% over %d samples" %
      (a, ga, b, gb, end[0], 100 * worst, checked))
sys.exit(0 if checked >= 5 and worst <= 0.20 else 1)
EOT
}
out=$(fair 1 ann ben 100)
rc=$?
echo "# $out"
ok "owners ann and ben: GPU-seconds within 20% while both wait" $rc
out=$(fair 2 cat/g1 cat/g2 100)
rc=$?
echo "# $out"
ok "cat's groups g1 and g2: GPU-seconds within 20% while both wait" $rc
finish
