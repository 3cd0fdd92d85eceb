# api: the JSON of the shared queue's HTTP API (docs/api.md), linked by the
# server and by the CLI's client.
noinst_LIBRARIES += api/libapi.a
api_libapi_a_SOURCES = \
	api/api.h \
	api/api-json.c \
	api/api-intake.c
api_libapi_a_CPPFLAGS = $(API_CPPFLAGS)
api_libapi_a_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)

# The API's codec, and the intake's frame and codec (a submit handed to
# the scheduler).
API_UNIT_TESTS = tests/unit/test-api-json tests/unit/test-api-intake
if HAVE_CMOCKA
check_PROGRAMS += $(API_UNIT_TESTS)
TESTS += $(API_UNIT_TESTS)
tests_unit_test_api_json_CFLAGS = $(UNIT_CFLAGS)
# No $(SQLITE_LIBS): api/ is plain data, and this link proves it (it
# takes only store-state.o and store-record.o from libstore.a).
tests_unit_test_api_json_LDADD = api/libapi.a store/libstore.a \
	common/libcommon.a $(JANSSON_LIBS) $(CMOCKA_LIBS)
tests_unit_test_api_intake_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_api_intake_LDADD = $(tests_unit_test_api_json_LDADD) \
	$(SQLITE_LIBS)
endif
