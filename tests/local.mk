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
	tests/integration/t0006-output-escapes.sh \
	tests/integration/t0007-damaged-db.sh \
	tests/integration/t0008-sched-lock.sh \
	tests/integration/t0009-completion.sh \
	tests/integration/t0013-crash-submit.sh \
	tests/integration/t0014-crash-act.sh \
	tests/integration/t0019-spec-man.sh \
	tests/integration/t0020-tty.sh \
	tests/integration/t0021-exec.sh \
	tests/integration/t0022-usage.sh \
	tests/integration/t0023-groups-owner.sh \
	tests/integration/t0024-roster-server-same.sh \
	tests/integration/t0010-list-sweep.sh \
	tests/integration/t0011-select.sh \
	tests/integration/t0012-select-serve.sh \
	tests/integration/t0016-module-rules.sh \
	tests/integration/t0017-front-no-nss.sh \
	tests/integration/t0025-wrap-watch.sh \
	tests/integration/t0026-wide-cells.sh \
	tests/integration/t0027-front-kubeconfig.sh \
	tests/integration/t0015-config-marks.sh \
	tests/integration/t0501-cleanup.sh \
	tests/integration/t0502-lifecycle.sh \
	tests/integration/t0417-sched-estimated-start.sh \
	tests/integration/t0419-sched-deps.sh \
	tests/integration/t0421-sched-group-gpus.sh \
	tests/integration/t0318-sched-exit-contract.sh \
	tests/integration/t0422-sched-follow-changed.sh \
	tests/integration/t0423-sched-resync.sh \
	tests/integration/t0425-sched-reasons-held.sh \
	tests/integration/t0426-sched-resync-slice.sh \
	tests/integration/t0427-sched-reasons-behind-wake.sh \
	tests/integration/t0428-submit-intake.sh \
	tests/integration/t0429-submit-intake-faults.sh \
	tests/integration/t0430-sched-intake-stream.sh \
	tests/integration/t0503-kube-literal.sh \
	tests/integration/t0504-results.sh \
	tests/integration/t0505-cleanup-race.sh \
	tests/integration/t0651-serve-cli.sh \
	tests/integration/t0652-serve-cli-tls.sh \
	tests/integration/t0653-serve-cli-run.sh \
	tests/integration/t0654-serve-owners.sh \
	tests/integration/t0655-serve-results.sh \
	tests/integration/t0619-serve-cli-https.sh \
	tests/integration/t0620-serve-cli-retry.sh
TESTS += $(INTEGRATION_TESTS)
EXTRA_DIST += $(INTEGRATION_TESTS) tests/lib.sh tests/lib tests/spec \
	tests/fixtures \
	tests/integration/sched-gpu-time.py tests/unit/unit.h

# The queue server client's answer parsing (cli/cli-remote*.c), linked as
# the whole program is, with its command table.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-cli-remote
TESTS += tests/unit/test-cli-remote
tests_unit_test_cli_remote_SOURCES = tests/unit/test-cli-remote.c \
	cli/cli-table.c
tests_unit_test_cli_remote_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_cli_remote_LDADD = $(ailab_queue_cluster_LDADD) \
	$(CMOCKA_LIBS)
endif

# The include flags each module's library is built with, for t0016 (the
# module rules the build enforces): written from the Makefile's own
# variables, so the test checks the flags the build really uses.
check_DATA = tests/module-flags.sh
CLEANFILES += tests/module-flags.sh
tests/module-flags.sh: Makefile
	$(AM_V_GEN)$(MKDIR_P) tests && { \
	  echo "CC='$(CC)'"; \
	  echo "DEP_CFLAGS='$(JANSSON_CFLAGS) $(YAML_CFLAGS) $(SQLITE_CFLAGS) $(EVENT_CFLAGS) $(CURL_CFLAGS) $(OPENSSL_CFLAGS)'"; \
	  echo "flags_common='$(COMMON_CPPFLAGS)'"; \
	  echo "flags_store='$(STORE_CPPFLAGS)'"; \
	  echo "flags_spec='$(SPEC_CPPFLAGS)'"; \
	  echo "flags_kube='$(KUBE_CPPFLAGS)'"; \
	  echo "flags_sched='$(SCHED_CPPFLAGS)'"; \
	  echo "flags_api='$(API_CPPFLAGS)'"; \
	  echo "flags_server='$(SERVER_CPPFLAGS)'"; \
	  echo "flags_cli='$(CLI_CPPFLAGS)'"; \
	  echo "flags_sim='$(SIM_CPPFLAGS)'"; \
	} > $@-t && mv $@-t $@
