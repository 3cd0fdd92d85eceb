/*
 * The manual page, written from the command table (help --man) at build
 * time: each command's usage, summary, help and options are the ones the
 * program prints, so the page cannot fall behind the program.  The
 * sections that are not in the table (environment, files, exit status,
 * examples) are here.
 */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "config.h"

/* Prints text for roff: backslashes escaped, a line's leading '.' or '\''
 * guarded, '-' as a minus so options copy and paste. */
static void
man_text(FILE *f, const char *s)
{
	bool bol = true;

	for (; s != NULL && *s != '\0'; s++) {
		if (bol && (*s == '.' || *s == '\''))
			fputs("\\&", f);
		if (*s == '\\')
			fputs("\\e", f);
		else if (*s == '-')
			fputs("\\-", f);
		else
			fputc(*s, f);
		bol = *s == '\n';
	}
}

/* A help paragraph: its lines joined, indented example lines kept as
 * they are in a no-fill block. */
static void
man_paragraphs(FILE *f, const char *help)
{
	const char *p = help, *nl;
	bool nofill = false;

	if (help == NULL)
		return;
	fputs(".PP\n", f);
	for (; *p != '\0'; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL)
			nl = p + strlen(p);
		if (p[0] == ' ' && p[1] == ' ' && !nofill) {
			fputs(".PP\n.nf\n.RS\n", f);
			nofill = true;
		} else if (p[0] != ' ' && nofill) {
			fputs(".RE\n.fi\n.PP\n", f);
			nofill = false;
		}
		if (nl > p) {
			char line[1024];
			size_t n = (size_t)(nl - p);

			if (n >= sizeof line)
				n = sizeof line - 1;
			memcpy(line, p, n);
			line[n] = '\0';
			man_text(f, nofill ? line + 2 : line);
			fputc('\n', f);
		}
		if (*nl == '\0')
			break;
	}
	if (nofill)
		fputs(".RE\n.fi\n", f);
}

/* The options of a list, one tagged paragraph each. */
static void
man_opts(FILE *f, const struct cli_opt *opts)
{
	const struct cli_opt *o;

	for (o = opts; o != NULL && o->name != NULL; o++) {
		fputs(".TP\n", f);
		if (o->shortopt != 0)
			fprintf(f, "\\fB\\-%c\\fR, ", o->shortopt);
		fputs("\\fB\\-\\-", f);
		man_text(f, o->name);
		fputs("\\fR", f);
		if (o->arg != NULL) {
			fputs(" \\fI", f);
			man_text(f, o->arg);
			fputs("\\fR", f);
		}
		fputc('\n', f);
		man_text(f, o->help);
		fputc('\n', f);
	}
}

/* See cli.h. */
void
cli_man(FILE *f)
{
	const struct cli_cmd *const *c;
	char *formats;

	fprintf(f, ".TH AILAB\\-QUEUE 1 \"\" \"ailab-queue %s\" "
	    "\"User Commands\"\n", PACKAGE_VERSION);
	fputs(".SH NAME\nailab\\-queue \\- a batch queue for the ailab GPU "
	    "Kubernetes cluster\n"
	    ".SH SYNOPSIS\n\\fBailab\\-queue\\fR [\\fIglobal options\\fR] "
	    "\\fICOMMAND\\fR [\\fIARGS\\fR]\n"
	    ".SH DESCRIPTION\n"
	    "Students and TAs describe jobs in YAML (one job, a parameter "
	    "sweep, one job per student of a class) and submit them to a "
	    "local queue (an SQLite file) or a shared queue server.  The "
	    "scheduler admits a job only when the namespace's quota and the "
	    "requested GPU type have room for its whole gang of replicas, "
	    "creates its workload wired for distributed training, follows it "
	    "to its end and cleans up; logs stay readable after the pods are "
	    "gone.  Unique prefixes of commands work (\\fBailab\\-queue "
	    "sub\\fR is \\fBsubmit\\fR); options go before or after the "
	    "command.\n"
	    ".SH GLOBAL OPTIONS\n", f);
	man_opts(f, cli_global_opts);
	fputs(".SH COMMANDS\n", f);
	for (c = cli_cmds; *c != NULL; c++) {
		fputs(".SS \"", f);
		man_text(f, (*c)->name);
		if (*(*c)->usage != '\0') {
			fputc(' ', f);
			man_text(f, (*c)->usage);
		}
		fputs("\"\n", f);
		man_text(f, (*c)->summary);
		fputs(".\n", f);
		man_paragraphs(f, (*c)->help);
		formats = cli_output_help((*c)->name);
		fputs(".PP\nOutput (\\fB\\-o\\fR): ", f);
		man_text(f, formats);
		fputs(".\n", f);
		free(formats);
		if ((*c)->opts != NULL && (*c)->opts->name != NULL) {
			fputs(".PP\nOptions:\n.RS\n", f);
			man_opts(f, (*c)->opts);
			fputs(".RE\n", f);
		}
	}
	fputs(".SH ENVIRONMENT\n"
	    ".TP\n\\fBAILAB_QUEUE_DB\\fR\nthe local queue's database when "
	    "\\fB\\-\\-db\\fR is not given.\n"
	    ".TP\n\\fBAILAB_QUEUE_SERVER\\fR\nthe shared queue server when "
	    "\\fB\\-\\-server\\fR is not given.\n"
	    ".TP\n\\fBKUBECONFIG\\fR\nthe kubeconfig when "
	    "\\fB\\-\\-kubeconfig\\fR is not given.\n"
	    ".TP\n\\fBXDG_STATE_HOME\\fR, \\fBXDG_CONFIG_HOME\\fR\nwhere the "
	    "default queue and the configuration file live.\n"
	    ".TP\n\\fBNO_COLOR\\fR\nwhen set, no colour in output.\n"
	    ".SH FILES\n"
	    ".TP\n\\fI$XDG_STATE_HOME/ailab\\-queue/queue.db\\fR\nthe local "
	    "queue (created 0600), with its lock and its wake-up FIFO "
	    "\\fIqueue.db.wake\\fR beside it.\n"
	    ".TP\n\\fI$XDG_CONFIG_HOME/ailab\\-queue/config.yaml\\fR\nthe "
	    "user's settings, such as the shared queue server.\n"
	    ".SH EXIT STATUS\n"
	    ".TP\n0\nsuccess.\n"
	    ".TP\n1\nthe command ran and something failed (a job did not "
	    "succeed, an action was refused).\n"
	    ".TP\n2\nbad command line or unusable input (an invalid spec, a "
	    "bad job id, no job selected, a format the command cannot "
	    "print).\n"
	    ".TP\n3\n\\fBwait \\-\\-timeout\\fR passed before the jobs ended.\n"
	    ".SH EXAMPLES\n"
	    "Check a sweep, queue it, and follow it:\n"
	    ".PP\n.nf\n.RS\n"
	    "ailab\\-queue validate sweep.yaml\n"
	    "ailab\\-queue submit \\-\\-group lr sweep.yaml\n"
	    "ailab\\-queue ls \\-\\-group lr\n"
	    "ailab\\-queue why 12\n"
	    "ailab\\-queue logs \\-f 12\n"
	    ".RE\n.fi\n.PP\n"
	    "Clean up from cron every ten minutes:\n"
	    ".PP\n.nf\n.RS\n"
	    "*/10 * * * * ailab\\-queue \\-q cleanup\n"
	    ".RE\n.fi\n"
	    ".SH SEE ALSO\n"
	    "\\fBkubectl\\fR(1), \\fBsbatch\\fR(1), \\fBsqlite3\\fR(1); "
	    "the spec language, the API and operations are described in "
	    "the documentation installed with the program "
	    "(docs/spec-language.md, docs/api.md, docs/operations.md).\n",
	    f);
}
