#!/bin/sh
# Debian's python3-kubernetes client against ailab-kubesim over HTTPS:
# list, create, delete and watch pods, deployments and jobs.
. "$top_srcdir/tests/sim/sim-lib.sh"
skip_unless "python3-kubernetes not installed" /usr/bin/python3 -c \
    'import kubernetes'
skip_unless "openssl failed" sim_tls
KC="$TMP/kubeconfig"
# The roomy cluster: alice reads nodes, pods need no limits.
if ! sim_start --cluster "$FIXTURES/sim-roomy.yaml" \
    --speed 20 --kubeconfig-out "$KC" \
    --tls-cert "$TMP/tls/srv.crt" --tls-key "$TMP/tls/srv.key" \
    --tls-ca "$TMP/tls/ca.crt"; then
	echo "1..1"
	echo "not ok 1 - ailab-kubesim starts"
	exit 1
fi
timeout 120 /usr/bin/python3 "$top_srcdir/tests/sim/test_client.py" "$KC"
