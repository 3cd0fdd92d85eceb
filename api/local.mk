# api: the JSON of the shared queue's HTTP API (docs/api.md), linked by the
# server and by the CLI's client.
noinst_LIBRARIES += api/libapi.a
api_libapi_a_SOURCES = \
	api/api.h \
	api/api-json.c \
	api/api-intake.c
api_libapi_a_CPPFLAGS = $(API_CPPFLAGS)
api_libapi_a_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-api-json
TESTS += tests/unit/test-api-json
tests_unit_test_api_json_SOURCES = tests/unit/test-api-json.c
tests_unit_test_api_json_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) \
	$(JANSSON_CFLAGS)
# No $(SQLITE_LIBS): api/ is plain data, and this link proves it (it
# takes only store-state.o and store-record.o from libstore.a).
tests_unit_test_api_json_LDADD = api/libapi.a store/libstore.a \
	common/libcommon.a $(JANSSON_LIBS) $(CMOCKA_LIBS)
endif

# The intake's frame and codec (a submit handed to the scheduler).
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-api-intake
TESTS += tests/unit/test-api-intake
tests_unit_test_api_intake_SOURCES = tests/unit/test-api-intake.c
tests_unit_test_api_intake_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) \
	$(JANSSON_CFLAGS)
tests_unit_test_api_intake_LDADD = api/libapi.a store/libstore.a \
	common/libcommon.a $(JANSSON_LIBS) $(SQLITE_LIBS) $(CMOCKA_LIBS)
endif
