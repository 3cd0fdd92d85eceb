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

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-common
TESTS += tests/unit/test-common
tests_unit_test_common_SOURCES = tests/unit/test-common.c
tests_unit_test_common_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_common_LDADD = common/libcommon.a $(CMOCKA_LIBS)
check_PROGRAMS += tests/unit/test-common-dup
TESTS += tests/unit/test-common-dup
tests_unit_test_common_dup_SOURCES = tests/unit/test-common-dup.c
tests_unit_test_common_dup_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_common_dup_LDADD = common/libcommon.a $(CMOCKA_LIBS)
check_PROGRAMS += tests/unit/test-common-yaml
TESTS += tests/unit/test-common-yaml
tests_unit_test_common_yaml_SOURCES = tests/unit/test-common-yaml.c
tests_unit_test_common_yaml_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_common_yaml_LDADD = common/libcommon.a $(YAML_LIBS) \
	$(CMOCKA_LIBS)
endif
