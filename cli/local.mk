noinst_LIBRARIES += cli/libcli.a
cli_libcli_a_SOURCES = \
	cli/cli.h \
	cli/cli.c \
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
	cli/cmd-quota.c \
	cli/cmd-whoami.c \
	cli/cmd-sched.c \
	cli/cmd-why.c \
	cli/cmd-retry.c \
	cli/cmd-wait.c \
	cli/cmd-logs.c \
	cli/cmd-cleanup.c \
	cli/cmd-demo.c \
	cli/cmd-report.c
cli_libcli_a_CPPFLAGS = $(AM_CPPFLAGS) -DPKGDATADIR='"$(pkgdatadir)"'
cli_libcli_a_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(YAML_CFLAGS) \
	$(EVENT_CFLAGS)

bin_PROGRAMS += ailab-queue
ailab_queue_SOURCES = cli/main.c
ailab_queue_LDADD = cli/libcli.a sched/libsched.a spec/libspec.a \
	store/libstore.a kube/libkube.a common/libcommon.a $(JANSSON_LIBS) $(YAML_LIBS) \
	$(SQLITE_LIBS) $(CURL_LIBS) $(EVENT_LIBS) $(OPENSSL_LIBS) -lm
