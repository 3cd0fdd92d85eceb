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
EXTRA_DIST += tests/spec/run.sh tests/fuzz

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-spec
TESTS += tests/unit/test-spec
tests_unit_test_spec_SOURCES = tests/unit/test-spec.c tests/unit/spec-whole.h
tests_unit_test_spec_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_test_spec_LDADD = spec/libspec.a common/libcommon.a \
	$(JANSSON_LIBS) $(YAML_LIBS) $(CMOCKA_LIBS) -lm
check_PROGRAMS += tests/unit/test-spec-queue
TESTS += tests/unit/test-spec-queue
tests_unit_test_spec_queue_SOURCES = tests/unit/test-spec-queue.c \
	tests/unit/spec-whole.h
tests_unit_test_spec_queue_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) \
	$(JANSSON_CFLAGS)
tests_unit_test_spec_queue_LDADD = spec/libspec.a common/libcommon.a \
	$(JANSSON_LIBS) $(YAML_LIBS) $(CMOCKA_LIBS) -lm
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
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-spec-bounds
TESTS += tests/unit/test-spec-bounds
tests_unit_test_spec_bounds_SOURCES = tests/unit/test-spec-bounds.c \
	tests/unit/spec-whole.h
tests_unit_test_spec_bounds_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) \
	$(JANSSON_CFLAGS)
tests_unit_test_spec_bounds_LDADD = spec/libspec.a common/libcommon.a \
	$(JANSSON_LIBS) $(YAML_LIBS) $(CMOCKA_LIBS) -lm
endif
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-spec-emit
TESTS += tests/unit/test-spec-emit
tests_unit_test_spec_emit_SOURCES = tests/unit/test-spec-emit.c
tests_unit_test_spec_emit_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) \
	$(JANSSON_CFLAGS)
tests_unit_test_spec_emit_LDADD = spec/libspec.a common/libcommon.a \
	$(JANSSON_LIBS) $(YAML_LIBS) $(CMOCKA_LIBS) -lm
endif
