noinst_LIBRARIES += store/libstore.a
store_libstore_a_SOURCES = \
	store/store.h \
	store/store-int.h \
	store/store-act.c \
	store/store-db.c \
	store/store-delta.c \
	store/store-job.c \
	store/store-submit.c \
	store/store-after.c \
	store/store-sched.c \
	store/store-state.c \
	store/store-record.c \
	store/store-rows.c \
	store/store-wake.c \
	store/store-wake-listen.c \
	store/store-server.h \
	store/store-server.c \
	store/store-ui.h \
	store/store-ui.c
store_libstore_a_CPPFLAGS = $(STORE_CPPFLAGS)
# store-wake-listen.c alone uses libevent: the queue front, which links
# store_wake only, never pulls it in (nor links libevent).
store_libstore_a_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS) $(EVENT_CFLAGS) \
	$(JANSSON_CFLAGS)

# The unit tests' queue in a temporary directory, one copy for them all.
STORE_FIXTURE = tests/unit/store-fixture.c tests/unit/store-fixture.h

# Each store test: its file and the fixture, libstore and SQLite (and
# libevent, for the wake test).
STORE_TEST_CFLAGS = $(UNIT_CFLAGS) $(SQLITE_CFLAGS)
STORE_TEST_LDADD = store/libstore.a common/libcommon.a $(SQLITE_LIBS) \
	$(EVENT_LIBS) $(CMOCKA_LIBS)
STORE_TESTS = tests/unit/test-store tests/unit/test-store-file \
	tests/unit/test-store-sched tests/unit/test-store-wake \
	tests/unit/test-store-delta tests/unit/test-store-act

if HAVE_CMOCKA
check_PROGRAMS += $(STORE_TESTS)
TESTS += $(STORE_TESTS)
tests_unit_test_store_SOURCES = tests/unit/test-store.c $(STORE_FIXTURE)
tests_unit_test_store_CFLAGS = $(STORE_TEST_CFLAGS)
tests_unit_test_store_LDADD = $(STORE_TEST_LDADD)
tests_unit_test_store_file_SOURCES = tests/unit/test-store-file.c \
	$(STORE_FIXTURE)
tests_unit_test_store_file_CFLAGS = $(STORE_TEST_CFLAGS)
tests_unit_test_store_file_LDADD = $(STORE_TEST_LDADD)
tests_unit_test_store_sched_SOURCES = tests/unit/test-store-sched.c \
	$(STORE_FIXTURE)
tests_unit_test_store_sched_CFLAGS = $(STORE_TEST_CFLAGS)
tests_unit_test_store_sched_LDADD = $(STORE_TEST_LDADD)
tests_unit_test_store_wake_SOURCES = tests/unit/test-store-wake.c \
	$(STORE_FIXTURE)
tests_unit_test_store_wake_CFLAGS = $(STORE_TEST_CFLAGS)
tests_unit_test_store_wake_LDADD = $(STORE_TEST_LDADD)
tests_unit_test_store_delta_SOURCES = tests/unit/test-store-delta.c \
	$(STORE_FIXTURE)
tests_unit_test_store_delta_CFLAGS = $(STORE_TEST_CFLAGS)
tests_unit_test_store_delta_LDADD = $(STORE_TEST_LDADD)
tests_unit_test_store_act_SOURCES = tests/unit/test-store-act.c \
	$(STORE_FIXTURE)
tests_unit_test_store_act_CFLAGS = $(STORE_TEST_CFLAGS)
tests_unit_test_store_act_LDADD = $(STORE_TEST_LDADD)
endif
