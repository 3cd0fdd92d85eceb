# The command line.  Two programs come from it: ailab-queue, the queue front
# that people and scripts run, and ailab-queue-cluster (installed in
# pkglibexecdir), the whole program, which the front runs for every command
# that needs the cluster client.  The front leaves libcurl out: loading it
# costs more than a whole submit.  Where it links, the front is linked
# whole (FRONT_LDFLAGS, -static-pie) and then never uses the password
# database (FRONT_CPPFLAGS, cli/cli-passwd.c, which it compiles itself for
# that reason): a third program, ailab-queue-dynamic (pkglibexecdir), the
# front linked against the shared libc, does the commands that need it.
# configure.ac says why.
noinst_LIBRARIES += cli/libcli.a
cli_libcli_a_SOURCES = \
	cli/cli.h \
	cli/cli.c \
	cli/cli-config.c \
	cli/cli-queue.c \
	cli/cli-intake.h \
	cli/cli-intake.c \
	cli/cli-jobs.h \
	cli/cli-jobs.c \
	cli/cli-select.c \
	cli/cli-output.c \
	cli/cli-man.c \
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
	cli/cli-intake-serve.c \
	cli/cli-remote.h \
	cli/cli-remote.c \
	cli/cli-remote-http.c \
	cli/cmd-serve.c \
	cli/cmd-quota.c \
	cli/cmd-whoami.c \
	cli/cmd-sched.c \
	cli/cmd-logs.c \
	cli/cmd-exec.c \
	cli/cmd-cleanup.c \
	cli/cmd-completion.c \
	cli/cmd-demo.c \
	cli/cmd-usage.c
cli_libclicluster_a_CPPFLAGS = $(AM_CPPFLAGS) -DPKGDATADIR='"$(pkgdatadir)"'
cli_libclicluster_a_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(YAML_CFLAGS) \
	$(EVENT_CFLAGS) $(CURL_CFLAGS) $(OPENSSL_CFLAGS)

bin_PROGRAMS += ailab-queue
ailab_queue_SOURCES = cli/main.c cli/cli-table.c cli/cli-passwd.c
ailab_queue_CPPFLAGS = $(AM_CPPFLAGS) -DCLI_FRONT $(FRONT_CPPFLAGS)
ailab_queue_LDFLAGS = $(AM_LDFLAGS) $(FRONT_LDFLAGS)
# The front's modules (no libcurl, libevent or server), in link order.
FRONT_MODULE_LIBS = cli/libcli.a api/libapi.a spec/libspec.a \
	store/libstore.a kube/libkube.a common/libcommon.a
ailab_queue_LDADD = $(FRONT_MODULE_LIBS) $(FRONT_LIBS) -lm

# The queue front as the shared libc links it, for the commands that look
# a user up, when the front itself is linked whole (cli_front_handoff).
if FRONT_WHOLE
pkglibexec_PROGRAMS += ailab-queue-dynamic
ailab_queue_dynamic_SOURCES = cli/main.c cli/cli-table.c cli/cli-passwd.c
ailab_queue_dynamic_CPPFLAGS = $(AM_CPPFLAGS) -DCLI_FRONT
ailab_queue_dynamic_LDFLAGS = $(AM_LDFLAGS) $(FRONT_DYNAMIC_LDFLAGS)
ailab_queue_dynamic_LDADD = $(FRONT_MODULE_LIBS) $(FRONT_DYNAMIC_LIBS) -lm
endif

# The password database as the whole program looks it up (cli-passwd.c):
# the queue front compiles that file itself, with its own flags.
noinst_LIBRARIES += cli/libclipasswd.a
cli_libclipasswd_a_SOURCES = cli/cli-passwd.c

pkglibexec_PROGRAMS += ailab-queue-cluster
ailab_queue_cluster_SOURCES = cli/main.c cli/cli-table.c
ailab_queue_cluster_LDADD = cli/libclicluster.a cli/libcli.a \
	cli/libclipasswd.a $(SERVER_LIBS) $(CORE_LIBS)

# Output for people: escaping for terminals, CSV cells.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-cli-output
TESTS += tests/unit/test-cli-output
tests_unit_test_cli_output_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_cli_output_LDADD = cli/libcli.a common/libcommon.a \
	$(JANSSON_LIBS) $(YAML_LIBS) $(CMOCKA_LIBS)
endif

# The manual page, written by the program from its command table, so it
# names every command and option the program has (help --man).
nodist_man_MANS = ailab-queue.1
CLEANFILES += ailab-queue.1
ailab-queue.1: ailab-queue-cluster$(EXEEXT)
	$(AM_V_GEN)./ailab-queue-cluster help --man >$@.tmp && mv $@.tmp $@

# Shell completion scripts, written from the same table, installed where
# Debian's bash-completion, zsh and fish look.
bashcompdir = $(datadir)/bash-completion/completions
nodist_bashcomp_DATA = completion/ailab-queue
zshcompdir = $(datadir)/zsh/vendor-completions
nodist_zshcomp_DATA = completion/_ailab-queue
fishcompdir = $(datadir)/fish/vendor_completions.d
nodist_fishcomp_DATA = completion/ailab-queue.fish
CLEANFILES += completion/ailab-queue completion/_ailab-queue \
	completion/ailab-queue.fish
completion/ailab-queue: ailab-queue-cluster$(EXEEXT)
	$(AM_V_GEN)$(MKDIR_P) completion && \
	    ./ailab-queue-cluster completion bash >$@.tmp && mv $@.tmp $@
completion/_ailab-queue: ailab-queue-cluster$(EXEEXT)
	$(AM_V_GEN)$(MKDIR_P) completion && \
	    ./ailab-queue-cluster completion zsh >$@.tmp && mv $@.tmp $@
completion/ailab-queue.fish: ailab-queue-cluster$(EXEEXT)
	$(AM_V_GEN)$(MKDIR_P) completion && \
	    ./ailab-queue-cluster completion fish >$@.tmp && mv $@.tmp $@
