#!/bin/sh
# Hostile specs (issue 18 items 2, 11, 12): time and peak memory of
# `ailab-queue validate` on inputs built to be slow or large, and of
# spec_load_file with a server's limits (bench/spec-load --max-jobs 10000
# --no-files, when the build has it).
#
#   bench/spec-hostile.sh BUILD_DIR [WORK_DIR]
#
# BUILD_DIR holds ailab-queue (and ailab-queue-cluster), ideally an
# optimised build.  Inputs:
#   env.yaml     1 MiB, one job with ~80,000 env keys (duplicate-key check)
#   sweep.yaml   5.7 KB, a 1000 x 100 grid: 100,000 jobs
#   roster.yaml  a CSV roster of 100,000 rows (1.9 MB)
#   chain*.yaml  58,000 jobs, each 'after' the one before, in three files
# Figures in docs/performance.md, "Hostile specs".
set -eu
build=$1
work=${2:-$(mktemp -d "${TMPDIR:-/tmp}/spec-hostile.XXXXXX")}
mkdir -p "$work"
cd "$work"
export NO_COLOR=1 AILAB_QUEUE_NAMESPACE=alice AILAB_QUEUE_DB="$work/q.db"

python3 - <<'PY'
lines = ["name: envy", "command: \"true\"", "env:"]
size = sum(len(l) + 1 for l in lines)
i = 0
while True:
    l = "  K%06d: v" % i
    if size + len(l) + 1 > 1024 * 1024 - 16:
        break
    lines.append(l)
    size += len(l) + 1
    i += 1
open("env.yaml", "w").write("\n".join(lines) + "\n")

a = ",".join(str(x) for x in range(1000))
b = ",".join(str(x) for x in range(100))
open("sweep.yaml", "w").write(
    "name: big\ncommand: echo ${a} ${b}\nsweep:\n  grid:\n"
    "    a: [%s]\n    b: [%s]\n" % (a, b))

with open("roster.csv", "w") as f:
    f.write("name,seed\n")
    for k in range(100000):
        f.write("s%06d,%d\n" % (k, k * 7919 % 1000003))
open("roster.yaml", "w").write(
    "name: lab-${s.name}\ncommand: echo ${s.seed}\n"
    "for_each: {roster: roster.csv, as: s}\n")

n = 58000
per = n // 3 + 1
k = 0
for f in range(3):
    docs = []
    while len(docs) < per and k < n:
        after = "\nafter: j%06d" % (n - k + 1) if k > 0 else ""
        docs.append("name: j%06d\ncommand: 'true'%s" % (n - k, after))
        k += 1
    open("chain%d.yaml" % f, "w").write("\n---\n".join(docs) + "\n")
PY
ls -l env.yaml sweep.yaml roster.csv chain0.yaml | awk '{print "# " $5 " " $9}'

run() {
	label=$1
	shift
	/usr/bin/time -f "%e s %M KiB" -o "$work/time" "$@" \
	    >"$work/out" 2>"$work/err" || true
	printf '%-34s %s  %s\n' "$label" "$(cat "$work/time" | tail -n 1)" \
	    "$(tail -n 1 "$work/err" | cut -c1-110)"
}
aq=$build/ailab-queue
run "validate env.yaml (80k keys)" "$aq" validate env.yaml
run "validate sweep.yaml (100k jobs)" "$aq" validate sweep.yaml
run "validate roster.yaml (100k rows)" "$aq" validate roster.yaml
run "validate chain0-2.yaml (58k after)" "$aq" validate chain0.yaml \
    chain1.yaml chain2.yaml
if [ -x "$build/bench/spec-load" ]; then
	echo "# as a server loads them (max 10,000 jobs, no files):"
	"$build/bench/spec-load" --max-jobs 10000 --no-files env.yaml \
	    sweep.yaml roster.yaml | cut -c1-160
fi
