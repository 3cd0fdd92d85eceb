#!/bin/sh
# bench/torture.sh BUILD_DIR DURATION [OPTIONS]: the torture run of issue
# 18. Two local queues and a shared server in one namespace of
# ailab-kubesim, with API faults, concurrent CLI users and kill -9 of
# sched, serve and cleanup for DURATION (90s, 30m); then it drains and
# checks every job ended exactly once, each object was created at most
# once per attempt, no queue touched another's objects (the simulator's
# audit log), nothing is left in the cluster and the databases are whole.
# Prints PASS/FAIL lines and exits 1 on any failure. Options: `--help`.
# docs/operations.md, "Torture run"; figures in docs/performance.md.
here=$(cd "$(dirname "$0")" && pwd)
exec /usr/bin/python3 "$here/torture.py" "$@"
