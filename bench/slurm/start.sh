#!/bin/sh
# bench/slurm/start.sh: starts munge and a one-node Slurm (slurmctld and
# slurmd on loopback) with bench/slurm/slurm.conf, as root, for the Slurm
# figures in docs/performance.md.  Needs `apt-get install slurm-wlm munge`
# (Debian 12: Slurm 22.05).  Stop it with bench/slurm/stop.sh.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
install -m 644 "$here/slurm.conf" /etc/slurm/slurm.conf
mkdir -p /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /run/munge
chown munge:munge /run/munge 2>/dev/null || true
[ -s /etc/munge/munge.key ] || mungekey --create
pgrep -x munged >/dev/null || su -s /bin/sh munge -c /usr/sbin/munged ||
    /usr/sbin/munged --force
# A clean state each time: no jobs left from an earlier run.
rm -rf /var/spool/slurmctld/*
/usr/sbin/slurmd
/usr/sbin/slurmctld -c
i=0
until scontrol ping 2>/dev/null | grep -q UP; do
	i=$((i + 1))
	[ $i -lt 60 ] || { echo "slurmctld did not start" >&2; exit 1; }
	sleep 0.5
done
scontrol update nodename=localhost state=resume 2>/dev/null || true
