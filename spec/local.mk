noinst_LIBRARIES += spec/libspec.a
spec_libspec_a_SOURCES = \
	spec/spec.h \
	spec/spec-parse.c
spec_libspec_a_CFLAGS = $(AM_CFLAGS) $(YAML_CFLAGS) $(JANSSON_CFLAGS)
