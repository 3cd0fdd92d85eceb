#!/bin/sh
# bench/slurm/stop.sh: stops what bench/slurm/start.sh started, by pid.
for f in /run/slurmctld.pid /run/slurmd.pid; do
	[ -s "$f" ] && kill "$(cat "$f")" 2>/dev/null
done
exit 0
