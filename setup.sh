#!/bin/sh
# Installs the Debian 12 packages needed to build, test and run ailab-queue.
# Idempotent, and silent when there is nothing to do.
set -eu

pkgs="autoconf automake make gcc pkg-config ca-certificates
libcurl4-openssl-dev libyaml-dev libsqlite3-dev libevent-dev libjansson-dev
libssl-dev libcmocka-dev openssl python3 python3-kubernetes sqlite3 curl
chromium chromium-driver python3-selenium gdb groff-base"

missing=
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	    grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
# kubectl: whatever the machine has; else Debian's kubernetes-client.
if ! command -v kubectl >/dev/null 2>&1; then
	missing="$missing kubernetes-client"
fi
[ -z "$missing" ] && exit 0

sudo=
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		sudo=sudo
	else
		echo "setup.sh: missing packages:$missing; run as root" >&2
		exit 1
	fi
fi
echo "setup.sh: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
