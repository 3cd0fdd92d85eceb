# Integration tests: numbered shell scripts that drive the real binaries and
# print TAP.  tests/lib.sh holds what they share.
TEST_EXTENSIONS = .sh
SH_LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) \
	$(top_srcdir)/build-aux/tap-driver.sh
SH_LOG_COMPILER = $(SHELL)
AM_TESTS_ENVIRONMENT = \
	top_srcdir='$(abs_top_srcdir)'; export top_srcdir; \
	top_builddir='$(abs_top_builddir)'; export top_builddir; \
	AILAB_QUEUE='$(abs_top_builddir)/ailab-queue'; export AILAB_QUEUE; \
	AILAB_KUBESIM='$(abs_top_builddir)/ailab-kubesim'; export AILAB_KUBESIM;

INTEGRATION_TESTS = \
	tests/integration/t0001-cli.sh \
	tests/integration/t0002-submit.sh \
	tests/integration/t0003-states.sh \
	tests/integration/t0004-bad-input.sh \
	tests/integration/t0005-concurrent.sh \
	tests/integration/t0501-cleanup.sh \
	tests/integration/t0502-lifecycle.sh
TESTS += $(INTEGRATION_TESTS)
EXTRA_DIST += $(INTEGRATION_TESTS) tests/lib.sh tests/spec tests/fixtures
