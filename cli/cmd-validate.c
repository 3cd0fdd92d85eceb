/* validate: checks job spec files and reports every error at once. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "spec.h"

static const struct cli_opt cmd_validate_opts[] = {
	{ "set", 0, CLI_OPT_LIST, "KEY=VALUE",
	  "override a field of every spec (dotted keys, YAML values)" },
	{ NULL, 0, 0, NULL, NULL }
};

/* Prints diagnostics as file:line:col: message, one a line. */
static void
cli_spec_print_diags(const struct spec_diags *d)
{
	size_t i;
	char *s;

	for (i = 0; i < d->n; i++) {
		s = spec_diag_format(&d->v[i]);
		cli_put_text(stderr, s);
		fputc('\n', stderr);
		free(s);
	}
}

/* One file, or standard input for '-' (named <stdin> in diagnostics, its
 * rosters read from the current directory). */
static int
cli_spec_load_one(struct cli_ctx *ctx, const char *path,
    const struct spec_options *o, struct spec_set **out,
    struct spec_diags *diags)
{
	const char *buf;
	char *cause = NULL;
	size_t len;

	if (strcmp(path, "-") != 0)
		return spec_load_file(path, o, out, diags);
	*out = NULL;
	if (cli_stdin(ctx, SPEC_MAX_FILE_SIZE, &buf, &len, &cause) != 0) {
		cli_error(ctx, "%s: %s", cli_stdin_name(ctx), cause);
		free(cause);
		return -1;
	}
	return spec_load_buffer(cli_stdin_name(ctx), buf, len, o, out, diags);
}

/* Loads every file with the site profile and --set, so that validate,
 * render and submit read specs the same way; prints diagnostics and
 * returns -1 when anything is wrong.  *sets (argc entries) is the
 * caller's: free with cli_spec_free. */
int
cli_spec_load(struct cli_ctx *ctx, int argc, char **argv, const char *group,
    struct spec_set ***setsp)
{
	struct spec_options o = { 0 };
	struct spec_diags diags = { 0 };
	struct spec_site *site = NULL;
	struct spec_set **sets;
	char **sets_arg;
	int f, n = 0, ret = -1;

	sets = xcalloc((size_t)argc, sizeof *sets);
	*setsp = sets;
	if (spec_site_load(&site, &diags) != 0)
		goto out;
	sets_arg = cli_list(ctx, "set", &n);
	o.site = site;
	o.sets = (const char *const *)sets_arg;
	o.nsets = (size_t)n;
	o.group = group;
	o.default_namespace = cli_default_namespace(ctx);
	ret = 0;
	for (f = 0; f < argc; f++)
		if (cli_spec_load_one(ctx, argv[f], &o, &sets[f], &diags) != 0)
			ret = -1;
	if (ret == 0 && spec_check_after(sets, (size_t)argc, &diags) != 0)
		ret = -1;
out:
	cli_spec_print_diags(&diags);
	if (ret != 0 && diags.n > 1)
		cli_error(ctx, "%s%zu errors", strcmp(ctx->cmd->name,
		    "submit") == 0 ? "nothing queued: " : "", diags.n);
	spec_diags_release(&diags);
	spec_site_free(site);
	return ret;
}

/* Frees what cli_spec_load returned. */
void
cli_spec_free(struct spec_set **sets, int argc)
{
	int f;

	for (f = 0; sets != NULL && f < argc; f++)
		spec_set_free(sets[f]);
	free(sets);
}

/* Validates the files; prints a summary unless -q, or for -o json|yaml
 * the result object (diagnostics stay on stderr, as they are). */
static int
cmd_validate_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct spec_set **sets = NULL;
	json_t *files = NULL, *o;
	size_t n = 0;
	int f, ret = CLI_EXIT_USAGE;
	bool ok;

	ok = cli_spec_load(ctx, argc, argv, NULL, &sets) == 0;
	if (cli_output_is_machine(ctx)) {
		files = json_array();
		for (f = 0; f < argc; f++)
			json_array_append_new(files, json_pack("{s:s,s:b,s:I}",
			    "file", strcmp(argv[f], "-") == 0 ? "<stdin>" :
			    argv[f], "ok", ok, "jobs", ok ?
			    (json_int_t)sets[f]->n : (json_int_t)0));
	}
	if (!ok)
		goto out;
	for (f = 0; f < argc; f++) {
		n += sets[f]->n;
		if (!ctx->quiet && files == NULL) {
			cli_put_text(stdout, argv[f]);
			printf(": ok (%zu job%s)\n", sets[f]->n,
			    sets[f]->n == 1 ? "" : "s");
		}
	}
	ret = CLI_EXIT_OK;
out:
	if (files != NULL) {
		o = json_pack("{s:b,s:I,s:o}", "ok", ok, "jobs", (json_int_t)n,
		    "files", files);
		if (cli_print_value(ctx, o) != 0 && ret == CLI_EXIT_OK)
			ret = CLI_EXIT_FAIL;
		json_decref(o);
	}
	cli_spec_free(sets, argc);
	return ret;
}

const struct cli_cmd cli_cmd_validate = {
	.name = "validate",
	.usage = "[--set KEY=VALUE]... FILE...",
	.summary = "check job spec files and report every error",
	.help = "Reads each FILE as submit would (helm values files included)\n"
	    "and prints every error as file:line:col: message. Exits 0 when\n"
	    "all files are valid, 2 otherwise. FILE '-' is standard input,\n"
	    "named <stdin> in errors. -o json|yaml prints {ok, jobs, files:\n"
	    "[{file, ok, jobs}]} on stdout; the errors stay on stderr.\n",
	.opts = cmd_validate_opts,
	.min_args = 1,
	.max_args = -1,
	.exec = cmd_validate_exec,
};
