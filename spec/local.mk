noinst_LIBRARIES += spec/libspec.a
spec_libspec_a_SOURCES = \
	spec/spec.h \
	spec/spec-int.h \
	spec/spec-contract.h \
	spec/spec-contract.c \
	spec/spec-yaml.c \
	spec/spec-parse.c \
	spec/spec-sweep.c \
	spec/spec-helm.c \
	spec/spec-expand.c \
	spec/spec-emit.c \
	spec/spec-roster.c \
	spec/spec-site.c \
	spec/spec-render.c
spec_libspec_a_CPPFLAGS = $(SPEC_CPPFLAGS)
spec_libspec_a_CFLAGS = $(AM_CFLAGS) $(YAML_CFLAGS) $(JANSSON_CFLAGS)

# The golden cases of tests/spec/, run by one driver over the real binary.
TESTS += tests/spec/run.sh
EXTRA_DIST += tests/spec/run.sh tests/fuzz tests/unit/spec-whole.h

# The spec tests: spec-whole.h's load (test-spec-emit has its own).
SPEC_UNIT_TESTS = tests/unit/test-spec tests/unit/test-spec-queue \
	tests/unit/test-spec-bounds tests/unit/test-spec-emit
SPEC_TEST_LDADD = spec/libspec.a common/libcommon.a $(JANSSON_LIBS) \
	$(YAML_LIBS) $(CMOCKA_LIBS) -lm
if HAVE_CMOCKA
check_PROGRAMS += $(SPEC_UNIT_TESTS)
TESTS += $(SPEC_UNIT_TESTS)
tests_unit_test_spec_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_spec_LDADD = $(SPEC_TEST_LDADD)
tests_unit_test_spec_queue_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_spec_queue_LDADD = $(SPEC_TEST_LDADD)
tests_unit_test_spec_bounds_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_spec_bounds_LDADD = $(SPEC_TEST_LDADD)
tests_unit_test_spec_emit_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_spec_emit_LDADD = $(SPEC_TEST_LDADD)
endif

SPEC_INTEGRATION_TESTS = \
	tests/integration/t0101-spec-validate.sh \
	tests/integration/t0102-spec-submit.sh \
	tests/integration/t0103-spec-render.sh \
	tests/integration/t0104-spec-roster-ns.sh
TESTS += $(SPEC_INTEGRATION_TESTS)
EXTRA_DIST += $(SPEC_INTEGRATION_TESTS)

# In a VPATH build (distcheck) the golden driver's log goes to tests/spec/
# of the build tree, which nothing else creates.
tests/spec/run.log: tests/spec/$(am__dirstamp)
tests/spec/$(am__dirstamp):
	@$(MKDIR_P) tests/spec
	@: > tests/spec/$(am__dirstamp)
DISTCLEANFILES = tests/spec/$(am__dirstamp)
