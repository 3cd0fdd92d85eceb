#!/bin/sh
# A walk through the local queue: submit, list, hold, release, cancel, show.
# Uses a throw-away database unless AILAB_QUEUE_DB is set.
set -eu
AQ=${AILAB_QUEUE:-ailab-queue}
here=$(cd "$(dirname "$0")" && pwd)
if [ -z "${AILAB_QUEUE_DB:-}" ]; then
	AILAB_QUEUE_DB=$(mktemp -d)/queue.db
	export AILAB_QUEUE_DB
fi
run() { printf '\n$ ailab-queue %s\n' "$*"; "$AQ" "$@"; }

run submit --dry-run "$here/local-jobs.yaml"
run submit --group demo "$here/local-jobs.yaml"
run ls
run hold 2
run cancel 3
run ls --all -o wide
run release 2
run show 1
run ls -o json --state held,queued --name 'resnet*'
echo
echo "walkthrough done; the queue is $AILAB_QUEUE_DB"
