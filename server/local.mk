# server: the shared queue's HTTP API (`ailab-queue serve`, docs/api.md),
# a noinst library linked by the program and the tests.  The store queries
# it needs live in store/ (store-server.c, store-ui.c), in libstore.a.
noinst_LIBRARIES += server/libserver.a
server_libserver_a_SOURCES = \
	server/server.h \
	server/server-int.h \
	server/server-auth.c \
	server/server-cache.c \
	server/server-cluster.c \
	server/server-config.c \
	server/server-conn.c \
	server/server-events.c \
	server/server-groups.c \
	server/server-hash.c \
	server/server-http.c \
	server/server-jobs.c \
	server/server-actions.c \
	server/server-lease.c \
	server/server-metrics.c \
	server/server-frame.c \
	server/server-parse.c \
	server/server-rights.c \
	server/server-session.c \
	server/server-ui.c \
	server/server-usage.c
server_libserver_a_CPPFLAGS = $(SERVER_CPPFLAGS)
server_libserver_a_CFLAGS = $(AM_CFLAGS) $(EVENT_CFLAGS) $(JANSSON_CFLAGS) \
	$(YAML_CFLAGS) $(OPENSSL_CFLAGS) $(CURL_CFLAGS)
# What a program that links the server adds to its LDADD.
SERVER_LIBS = server/libserver.a api/libapi.a

# The server's tests link the whole server but the CLI; test-server-store
# (its queries in store/) the store alone.
SERVER_UNIT_TESTS = tests/unit/test-server-config \
	tests/unit/test-server-cache tests/unit/test-server-store \
	tests/unit/test-server-ui tests/unit/test-server-metrics \
	tests/unit/test-server-rights
SERVER_TEST_LDADD = $(SERVER_LIBS) $(CORE_LIBS) $(CMOCKA_LIBS)
if HAVE_CMOCKA
check_PROGRAMS += $(SERVER_UNIT_TESTS)
TESTS += $(SERVER_UNIT_TESTS)
tests_unit_test_server_config_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_server_config_LDADD = $(SERVER_TEST_LDADD)
tests_unit_test_server_cache_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_server_cache_LDADD = $(SERVER_TEST_LDADD)
tests_unit_test_server_store_SOURCES = tests/unit/test-server-store.c \
	$(STORE_FIXTURE)
tests_unit_test_server_store_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_server_store_LDADD = store/libstore.a \
	common/libcommon.a $(SQLITE_LIBS) $(CMOCKA_LIBS)
tests_unit_test_server_ui_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_server_ui_LDADD = $(SERVER_TEST_LDADD)
tests_unit_test_server_metrics_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_server_metrics_LDADD = $(SERVER_TEST_LDADD)
tests_unit_test_server_rights_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_server_rights_LDADD = $(SERVER_TEST_LDADD)
endif

# Integration tests over the real `ailab-queue serve` (t06xx: server).
SERVER_INTEGRATION_TESTS = \
	tests/integration/t0601-serve-auth.sh \
	tests/integration/t0602-serve-bad-requests.sh \
	tests/integration/t0603-serve-lease.sh \
	tests/integration/t0604-serve-tls.sh \
	tests/integration/t0605-serve-ops.sh \
	tests/integration/t0606-serve-impersonate.sh \
	tests/integration/t0607-serve-kick.sh \
	tests/integration/t0608-serve-parse.sh \
	tests/integration/t0609-serve-slow-clients.sh \
	tests/integration/t0610-serve-auth-flood.sh \
	tests/integration/t0611-serve-rights.sh \
	tests/integration/t0612-serve-listen.sh \
	tests/integration/t0613-serve-access-log.sh \
	tests/integration/t0614-serve-priority.sh \
	tests/integration/t0615-serve-metrics.sh \
	tests/integration/t0616-serve-hold-busy.sh \
	tests/integration/t0617-serve-roster.sh \
	tests/integration/t0618-serve-groups.sh \
	tests/integration/t0621-serve-slow-cluster.sh \
	tests/integration/t0622-serve-cluster-down-cache.sh \
	tests/integration/t0623-serve-settings.sh \
	tests/integration/t0624-serve-batch-act.sh \
	tests/integration/t0625-serve-lease-slow.sh \
	tests/integration/t0626-serve-stepdown-abort.sh
TESTS += $(SERVER_INTEGRATION_TESTS)
EXTRA_DIST += $(SERVER_INTEGRATION_TESTS) tests/integration/t06-serve-lib.sh
