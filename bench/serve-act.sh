#!/bin/sh
# bench/serve-act: batch actions through the shared queue server (issue
# 19): for each build directory given, alternating, ROUNDS times (default
# 3), a fresh `ailab-queue serve` (API only, --no-schedule, so that no
# scheduler creates 10,000 workloads meanwhile) against ailab-kubesim
# gets a 10,000-job sweep from alice, then `ailab-queue --server URL
# hold --group`, `release --group` and `cancel --group` of it.  Prints,
# per build and action, the median wall time of the CLI command and the
# median CPU the server spent on it (from /proc/PID/stat), and checks the
# store after each action.  Figures: docs/performance.md.
# Usage: bench/serve-act.sh BUILD_DIR...   (optimized builds)
set -eu
[ $# -ge 1 ] || { echo "usage: bench/serve-act.sh BUILD_DIR..." >&2; exit 2; }
ROUNDS=${ROUNDS:-3}
. "$(dirname "$0")/lib.sh"
TCK=$(getconf CLK_TCK)

# cpu PID: user+system seconds of a process so far.
cpu() {
	awk -v t="$TCK" '{ print ($14 + $15) / t }' "/proc/$1/stat"
}

# one BUILD INDEX: one round of one build.
one() {
	b=$1
	i=$2
	rm -f "$tmp"/queue.db*
	sim_start "$b/ailab-kubesim"
	export KUBECONFIG="$tmp/kubeconfig" AILAB_QUEUE_DB="$tmp/queue.db"
	serve_start "$b/ailab-queue" --no-schedule --user-max-queued 0
	url=$SERVE_URL
	"$b/ailab-queue" --server "$url" --context alice -q submit \
	    "$tmp/s.yaml" >/dev/null
	for act in hold release cancel; do
		c0=$(cpu $SRVPID)
		t0=$(ns)
		"$b/ailab-queue" --server "$url" --context alice -q $act \
		    --group s >/dev/null 2>&1 ||
		    echo "$b $act: exit $?" >>"$tmp/errors"
		t1=$(ns)
		c1=$(cpu $SRVPID)
		want=$(case $act in hold) echo held ;; release) echo queued ;;
		    cancel) echo cancelled ;; esac)
		n=$("$b/ailab-queue" ls --all --state "$want" -q | wc -l)
		[ "$n" = 10000 ] ||
		    echo "$b $act: $n jobs $want, not 10000" >>"$tmp/errors"
		echo "$(( (t1 - t0) / 1000 ))e-6 $(echo "$c1 - $c0" | bc -l)" \
		    >>"$tmp/$i.$act"
	done
	kill $SRVPID $SIMPID
	wait $SRVPID $SIMPID 2>/dev/null || true
	SRVPID= SIMPID=
}

axis=$(seq -s, 0 99)
printf 'name: s\nnamespace: alice\nimage: busybox\n' >"$tmp/s.yaml"
printf 'command: [sh, -c, "echo ${a} ${b}"]\n' >>"$tmp/s.yaml"
printf 'sweep:\n  grid:\n    a: [%s]\n    b: [%s]\n' "$axis" "$axis" \
    >>"$tmp/s.yaml"
r=0
while [ $r -lt "$ROUNDS" ]; do
	i=0
	for b in "$@"; do
		one "$b" $i
		i=$((i + 1))
	done
	r=$((r + 1))
done
i=0
for b in "$@"; do
	echo "$b:"
	for act in hold release cancel; do
		python3 - "$act" "$tmp/$i.$act" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[2])]
w = statistics.median(float(r[0]) for r in rows)
c = statistics.median(float(r[1]) for r in rows)
print("  %-8s wall median %6.2f s, server CPU median %6.2f s (of %d)" %
      (sys.argv[1], w, c, len(rows)))
PY
	done
	i=$((i + 1))
done
[ -s "$tmp/errors" ] && cat "$tmp/errors"
exit 0
