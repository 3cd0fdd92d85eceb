noinst_LIBRARIES += store/libstore.a
store_libstore_a_SOURCES = \
	store/store.h \
	store/store-int.h \
	store/store-db.c \
	store/store-job.c \
	store/store-sched.c \
	store/store-state.c
store_libstore_a_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS)

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-store
TESTS += tests/unit/test-store
tests_unit_test_store_SOURCES = tests/unit/test-store.c
tests_unit_test_store_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_store_LDADD = store/libstore.a common/libcommon.a \
	$(SQLITE_LIBS) $(CMOCKA_LIBS)
endif

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-store-sched
TESTS += tests/unit/test-store-sched
tests_unit_test_store_sched_SOURCES = tests/unit/test-store-sched.c
tests_unit_test_store_sched_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_store_sched_LDADD = store/libstore.a common/libcommon.a \
	$(SQLITE_LIBS) $(CMOCKA_LIBS)
endif
