# kube: the Kubernetes API client (kubeconfig, libcurl on the caller's
# libevent base, jansson), a noinst library linked by the programs and tests.
noinst_LIBRARIES += kube/libkube.a
kube_libkube_a_SOURCES = \
	kube/kube.h \
	kube/kube-int.h \
	kube/kube-config.c \
	kube/kube-config-exec.c \
	kube/kube-config-read.c \
	kube/kube-config-secret.c \
	kube/kube-config-tls.c \
	kube/kube-gpus.c \
	kube/kube-easy.c \
	kube/kube-http.c \
	kube/kube-json.c \
	kube/kube-ops.c
kube_libkube_a_CPPFLAGS = $(KUBE_CPPFLAGS)
kube_libkube_a_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS) $(EVENT_CFLAGS) \
	$(JANSSON_CFLAGS) $(YAML_CFLAGS) $(OPENSSL_CFLAGS)
KUBE_LIBS = kube/libkube.a common/libcommon.a $(CURL_LIBS) $(EVENT_LIBS) -lm \
	$(JANSSON_LIBS) $(YAML_LIBS) $(OPENSSL_LIBS)

KUBE_UNIT_TESTS = tests/unit/test-kube-config tests/unit/test-kube-json
if HAVE_CMOCKA
check_PROGRAMS += $(KUBE_UNIT_TESTS)
TESTS += $(KUBE_UNIT_TESTS)
tests_unit_test_kube_config_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_kube_config_LDADD = $(KUBE_LIBS) $(CMOCKA_LIBS)
tests_unit_test_kube_json_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_kube_json_LDADD = $(KUBE_LIBS) $(CMOCKA_LIBS)
endif

# A driver of the library for the integration tests (t02*.sh).
check_PROGRAMS += tests/kube-probe
tests_kube_probe_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(EVENT_CFLAGS)
tests_kube_probe_LDADD = $(KUBE_LIBS)

# Integration tests against ailab-kubesim (t02xx: kube).
KUBE_INTEGRATION_TESTS = \
	tests/integration/t0201-kube-tls.sh \
	tests/integration/t0202-kube-ops.sh \
	tests/integration/t0203-kube-watch.sh \
	tests/integration/t0204-kube-faults.sh \
	tests/integration/t0205-kube-config-anchors.sh
TESTS += $(KUBE_INTEGRATION_TESTS)
EXTRA_DIST += $(KUBE_INTEGRATION_TESTS)
