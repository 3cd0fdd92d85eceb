#!/bin/sh
# bench/submit-one: the cost of one `ailab-queue submit` of a one-job file,
# the case a sweep driver calling the CLI in a loop pays. Each round times
# N (default 1000) sequential submits into a fresh queue for every binary
# given, in turn (so a changing machine load falls on all of them alike),
# and with SLURM=1 and a running Slurm (bench/slurm/start.sh) N sequential
# `sbatch --hold --wrap true` in the same round. Each round also times N
# runs of /bin/true from the same loop: the floor, what starting any
# process costs here, which no submit can beat. Then, per binary, CPU
# time and page faults of one submit (`perf stat -r`, when perf is
# installed). Prints medians over ROUNDS (default 3), the load average
# and, with SLURM=1, each binary's rate and the floor's against sbatch's.
# With SCHED=1 each round also times, per binary, N submits while that
# binary's `sched` runs on the fresh queue (against ailab-kubesim, SIM,
# default the one beside the first binary, whose namespace 'alice' has
# a quota of one GPU: the first job runs, the others wait), which a build with the intake
# (cli/cli-intake.h) hands to it; without it, the direct path, as
# AILAB_QUEUE_INTAKE=0 does, which the round also times (the scheduler
# running, woken by each commit).
# Usage: bench/submit-one.sh BINARY...   Figures: docs/performance.md.
set -eu
[ $# -ge 1 ] || { echo "usage: bench/submit-one.sh BINARY..." >&2; exit 2; }
N=${N:-1000}
ROUNDS=${ROUNDS:-3}
. "$(dirname "$0")/lib.sh"
if [ "${SCHED:-0}" = 1 ]; then
	SIM=${SIM:-$(dirname "$1")/ailab-kubesim}
	alice_sim "$SIM"
fi
export AILAB_QUEUE_NAMESPACE=alice

printf 'name: bench\ncommand: python train.py\ngpu: {type: RTX4090D, count: 1}\n' \
    >"$tmp/one.yaml"

# sched_start AQ: AQ's scheduler on the fresh queue, once it listens
# (its FIFO made: a build with the intake makes the socket first).
sched_start() {
	"$1" --context admin sched --interval 2s >"$tmp/sched.log" 2>&1 &
	SCHEDPID=$!
	until [ -p "$tmp/q.db.wake" ]; do
		kill -0 "$SCHEDPID" 2>/dev/null || { cat "$tmp/sched.log" >&2; exit 1; }
		sleep 0.05
	done
}

# submits AQ FILE: N sequential submits by AQ, their time added to FILE,
# and the queue checked to hold them.
submits() {
	timed "$2" "$N" "$1" submit "$tmp/one.yaml"
	[ "$("$1" ls --all | tail -n +2 | wc -l)" -eq "$N" ]
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
r=0
while [ $r -lt "$ROUNDS" ]; do
	b=0
	for aq in "$@"; do
		fresh "$aq"
		submits "$aq" "$tmp/seq.$b"
		if [ "${SCHED:-0}" = 1 ]; then
			fresh "$aq"
			sched_start "$aq"
			submits "$aq" "$tmp/sched.$b"
			sched_stop
			fresh "$aq"
			sched_start "$aq"
			(export AILAB_QUEUE_INTAKE=0; submits "$aq" "$tmp/direct.$b")
			sched_stop
		fi
		b=$((b + 1))
	done
	timed "$tmp/floor" "$N" /bin/true
	if [ "${SLURM:-0}" = 1 ]; then
		timed "$tmp/sbatch" "$N" sbatch --hold --wrap true
		scancel --user="$(id -un)"
	fi
	r=$((r + 1))
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

b=0
for aq in "$@"; do
	if command -v perf >/dev/null 2>&1; then
		fresh "$aq"
		perf stat -x, -r 200 -e task-clock,page-faults "$aq" submit \
		    "$tmp/one.yaml" 2>"$tmp/perf.$b" >/dev/null
		if [ "${SCHED:-0}" = 1 ]; then
			fresh "$aq"
			sched_start "$aq"
			perf stat -x, -r 200 -e task-clock,page-faults "$aq" \
			    submit "$tmp/one.yaml" 2>"$tmp/perf-sched.$b" \
			    >/dev/null
			sched_stop
		fi
	fi
	b=$((b + 1))
done

python3 - "$tmp" "$N" "$@" <<'PY'
import os, statistics, sys
d, n, bins = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
def med(name):
    v = [int(l) for l in open(os.path.join(d, name))]
    return statistics.median(v) / 1e6, len(v)
sb = None
if os.path.exists(os.path.join(d, "sbatch")):
    sb, k = med("sbatch")
    print("%d sequential sbatch --hold --wrap true: %.2f s, %.2f ms each, "
          "%.0f a second (median of %d)" % (n, sb, sb * 1e3 / n, n / sb, k))
# rate: how many times sbatch's rate a loop of the same length reaches.
def rate(s):
    return "" if sb is None else "; %.2fx sbatch's rate" % (sb / s)
s, k = med("floor")
print("the floor, %d sequential /bin/true: %.2f s, %.2f ms each, %.0f a "
      "second (median of %d)%s" % (n, s, s * 1e3 / n, n / s, k, rate(s)))
def perf(name):
    p = os.path.join(d, name)
    if not os.path.exists(p):
        return ""
    f = {}
    for l in open(p):
        c = l.strip().split(",")
        if len(c) > 2:
            f[c[2]] = c[0]
    return "; one submit: %s ms task-clock, %s page faults" % (
        f.get("task-clock", "?"), f.get("page-faults", "?"))
for b, aq in enumerate(bins):
    for what, tag in (("seq", ""), ("sched", " with its scheduler running"),
                      ("direct", " with its scheduler running, "
                       "AILAB_QUEUE_INTAKE=0")):
        if not os.path.exists(os.path.join(d, "%s.%d" % (what, b))):
            continue
        s, k = med("%s.%d" % (what, b))
        line = ("%s: %d sequential submits of a one-job file%s: %.2f s, "
                "%.2f ms each, %.0f a second (median of %d)" % (
                    aq, n, tag, s, s * 1e3 / n, n / s, k))
        line += rate(s)
        line += perf("%s.%d" % ({"seq": "perf", "sched": "perf-sched"}.get(
            what, "none"), b))
        print(line)
PY
