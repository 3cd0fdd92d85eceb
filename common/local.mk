noinst_LIBRARIES += common/libcommon.a
common_libcommon_a_SOURCES = \
	common/common.h \
	common/common-xmalloc.c \
	common/common-log.c \
	common/common-quantity.c \
	common/common-duration.c \
	common/common-util.c \
	common/common-after.c \
	common/common-yaml.h \
	common/common-yaml.c
common_libcommon_a_CFLAGS = $(AM_CFLAGS) $(YAML_CFLAGS)
common_libcommon_a_CPPFLAGS = $(COMMON_CPPFLAGS)

COMMON_TESTS = tests/unit/test-common tests/unit/test-common-dup \
	tests/unit/test-common-yaml
if HAVE_CMOCKA
check_PROGRAMS += $(COMMON_TESTS)
TESTS += $(COMMON_TESTS)
tests_unit_test_common_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_common_LDADD = common/libcommon.a $(CMOCKA_LIBS)
tests_unit_test_common_dup_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_common_dup_LDADD = common/libcommon.a $(CMOCKA_LIBS)
tests_unit_test_common_yaml_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_common_yaml_LDADD = common/libcommon.a $(YAML_LIBS) \
	$(CMOCKA_LIBS)
endif
