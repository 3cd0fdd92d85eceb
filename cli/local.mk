# The command line.  Two programs come from it: ailab-queue, the queue front
# that people and scripts run, and ailab-queue-cluster (installed in
# pkglibexecdir), the whole program, which the front runs for every command
# that needs the cluster client.  The front leaves libcurl out: loading it
# costs more than a whole submit.
noinst_LIBRARIES += cli/libcli.a
cli_libcli_a_SOURCES = \
	cli/cli.h \
	cli/cli.c \
	cli/cli-config.c \
	cli/cli-queue.c \
	cli/cli-jobs.h \
	cli/cli-jobs.c \
	cli/cli-output.c \
	cli/cmd-cancel.c \
	cli/cmd-help.c \
	cli/cmd-hold.c \
	cli/cmd-ls.c \
	cli/cmd-release.c \
	cli/cmd-show.c \
	cli/cmd-submit.c \
	cli/cmd-validate.c \
	cli/cmd-render.c \
	cli/cmd-version.c \
	cli/cmd-why.c \
	cli/cmd-retry.c \
	cli/cmd-wait.c \
	cli/cmd-report.c
cli_libcli_a_CPPFLAGS = $(AM_CPPFLAGS) -DPKGDATADIR='"$(pkgdatadir)"' \
	-DPKGLIBEXECDIR='"$(pkglibexecdir)"'
cli_libcli_a_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(YAML_CFLAGS)

# The commands that talk to the cluster, linked by ailab-queue-cluster only.
noinst_LIBRARIES += cli/libclicluster.a
cli_libclicluster_a_SOURCES = \
	cli/cli-kube.c \
	cli/cli-remote.h \
	cli/cli-remote.c \
	cli/cmd-serve.c \
	cli/cmd-quota.c \
	cli/cmd-whoami.c \
	cli/cmd-sched.c \
	cli/cmd-logs.c \
	cli/cmd-cleanup.c \
	cli/cmd-demo.c
cli_libclicluster_a_CPPFLAGS = $(AM_CPPFLAGS) -DPKGDATADIR='"$(pkgdatadir)"'
cli_libclicluster_a_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(YAML_CFLAGS) \
	$(EVENT_CFLAGS) $(CURL_CFLAGS) $(OPENSSL_CFLAGS)

bin_PROGRAMS += ailab-queue
ailab_queue_SOURCES = cli/main.c cli/cli-table.c
ailab_queue_CPPFLAGS = $(AM_CPPFLAGS) -DCLI_FRONT
ailab_queue_LDADD = cli/libcli.a api/libapi.a spec/libspec.a store/libstore.a \
	kube/libkube.a common/libcommon.a $(FRONT_LIBS) -lm

pkglibexec_PROGRAMS += ailab-queue-cluster
ailab_queue_cluster_SOURCES = cli/main.c cli/cli-table.c
ailab_queue_cluster_LDADD = cli/libclicluster.a cli/libcli.a $(SERVER_LIBS) \
	sched/libsched.a spec/libspec.a store/libstore.a kube/libkube.a \
	common/libcommon.a $(JANSSON_LIBS) $(YAML_LIBS) $(SQLITE_LIBS) \
	$(CURL_LIBS) $(EVENT_LIBS) $(OPENSSL_LIBS) -lm

# Output for people: escaping for terminals, CSV cells.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-cli-output
TESTS += tests/unit/test-cli-output
tests_unit_test_cli_output_SOURCES = tests/unit/test-cli-output.c
tests_unit_test_cli_output_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) \
	$(JANSSON_CFLAGS)
tests_unit_test_cli_output_LDADD = cli/libcli.a common/libcommon.a \
	$(JANSSON_LIBS) $(YAML_LIBS) $(CMOCKA_LIBS)
endif
