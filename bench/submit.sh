#!/bin/sh
# bench/submit: the cost of queueing. Times 1000 sequential `ailab-queue
# submit` runs of a one-job file, and one submit of a file of 10,000 job
# documents, each on a fresh database. Usage: bench/submit.sh [BINARY]
set -eu
AQ=${1:-./ailab-queue}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

now() { date +%s.%N; }

printf 'name: bench\ncommand: python train.py\ngpu: {type: RTX4090D, count: 1}\n' \
    >"$tmp/one.yaml"
i=0
while [ $i -lt 10000 ]; do
	[ $i -gt 0 ] && echo ---
	printf "name: j%d\ncommand: \"true\"\n" $i
	i=$((i + 1))
done >"$tmp/many.yaml"

export AILAB_QUEUE_DB="$tmp/seq.db"
"$AQ" ls >/dev/null 2>&1 || true
start=$(now)
i=0
while [ $i -lt 1000 ]; do
	"$AQ" submit "$tmp/one.yaml" >/dev/null
	i=$((i + 1))
done
end=$(now)
echo "1000 sequential submits: $(echo "$end - $start" | bc) s total," \
    "$(echo "($end - $start) * 1000 / 1000" | bc -l | cut -c1-5) ms each," \
    "$(echo "1000 / ($end - $start)" | bc) submits/s"

export AILAB_QUEUE_DB="$tmp/many.db"
start=$(now)
"$AQ" submit "$tmp/many.yaml" >/dev/null
end=$(now)
echo "one submit of 10,000 documents ($(wc -c <"$tmp/many.yaml") bytes):" \
    "$(echo "$end - $start" | bc) s," \
    "$(echo "10000 / ($end - $start)" | bc) jobs/s"
n=$("$AQ" ls -o json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
echo "jobs recorded: $n"
