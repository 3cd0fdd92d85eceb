/*
 * completion: a shell completion script written from the command table,
 * so that every command and option the program has completes, and none it
 * lacks: a script kept by hand goes stale with the first new option.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* What the value of an option completes to, by its metavariable. */
enum comp_value {
	COMP_NONE,               /* free text */
	COMP_FILE,
	COMP_DIR,
	COMP_WORDS,              /* a fixed list (comp_words) */
};

struct comp_kind {
	const char *arg;
	enum comp_value value;
	const char *words;
};

/* Values known in advance, by metavariable; anything else is free text. */
static const struct comp_kind comp_kinds[] = {
	{ "FILE", COMP_FILE, NULL },
	{ "PATH", COMP_FILE, NULL },
	{ "DIR", COMP_DIR, NULL },
	{ "FORMAT", COMP_WORDS, "table wide json yaml csv name" },
	{ "STATE", COMP_WORDS, "queued held admitted running succeeded failed "
	    "cancelled timed_out" },
	{ "TYPE", COMP_WORDS, "RTX4090D RTX4090 RTX3090 any" },
	{ "MODE", COMP_WORDS, "on-behalf impersonate" },
};

/* The completion of an option's value. */
static const struct comp_kind *
comp_kind(const struct cli_opt *o)
{
	size_t i;

	for (i = 0; o->arg != NULL && i < nitems(comp_kinds); i++)
		if (strcmp(comp_kinds[i].arg, o->arg) == 0)
			return &comp_kinds[i];
	return NULL;
}

/* What a command's arguments are: files, command names, or anything. */
static enum comp_value
comp_args(const struct cli_cmd *cmd, bool *commands)
{
	*commands = strcmp(cmd->usage, "[COMMAND]") == 0;
	return strstr(cmd->usage, "FILE") != NULL ? COMP_FILE : COMP_NONE;
}

/* Prints "<sep>--name<sep>-x" for each option of a list (with takes,
 * only for those that take a value). */
static void
comp_opt_words(FILE *f, const struct cli_opt *opts, char sep, bool takes)
{
	const struct cli_opt *o;

	for (o = opts; o != NULL && o->name != NULL; o++) {
		if (takes && o->type == CLI_OPT_FLAG)
			continue;
		fprintf(f, "%c--%s", sep, o->name);
		if (o->shortopt != 0)
			fprintf(f, "%c-%c", sep, o->shortopt);
	}
}

/* Prints the bash case arms giving each option's value completion. */
static void
comp_bash_values(FILE *f, const struct cli_opt *opts)
{
	const struct cli_opt *o;
	const struct comp_kind *k;

	for (o = opts; o != NULL && o->name != NULL; o++) {
		if (o->type == CLI_OPT_FLAG || (k = comp_kind(o)) == NULL)
			continue;
		fprintf(f, "\t--%s", o->name);
		if (o->shortopt != 0)
			fprintf(f, "|-%c", o->shortopt);
		if (k->value == COMP_WORDS)
			fprintf(f, ") COMPREPLY=($(compgen -W '%s' -- \"$cur\"))"
			    " ;;\n", k->words);
		else
			fprintf(f, ") COMPREPLY=($(compgen -%c -- \"$cur\")) ;;\n",
			    k->value == COMP_DIR ? 'd' : 'f');
	}
}

/* bash: one function, the table as case arms; zsh loads it through
 * bashcompinit. */
static void
comp_bash(FILE *f, const char *shell)
{
	const struct cli_cmd *const *c;
	bool commands;

	if (strcmp(shell, "zsh") == 0)
		fprintf(f, "#compdef ailab-queue\n"
		    "autoload -U +X bashcompinit && bashcompinit\n");
	fprintf(f, "# %s completion for ailab-queue, written by "
	    "'ailab-queue completion %s'.\n\n", shell, shell);
	fprintf(f, "_ailab_queue_cmds='");
	for (c = cli_cmds; *c != NULL; c++)
		fprintf(f, "%s%s", c == cli_cmds ? "" : " ", (*c)->name);
	fprintf(f, "'\n\n# The command a word names, by unique prefix.\n"
	    "_ailab_queue_cmd() {\n\tlocal c m=\n"
	    "\tfor c in $_ailab_queue_cmds; do\n"
	    "\t\t[[ $c == \"$1\" ]] && { echo \"$c\"; return; }\n"
	    "\t\t[[ $c == \"$1\"* ]] && { [[ -n $m ]] && return; m=$c; }\n"
	    "\tdone\n\techo \"$m\"\n}\n\n");

	fprintf(f, "# The options of a command (and the global ones).\n"
	    "_ailab_queue_opts() {\n\techo '");
	comp_opt_words(f, cli_global_opts, ' ', false);
	fprintf(f, "'\n\tcase $1 in\n");
	for (c = cli_cmds; *c != NULL; c++) {
		if ((*c)->opts == NULL || (*c)->opts->name == NULL)
			continue;
		fprintf(f, "\t%s) echo '", (*c)->name);
		comp_opt_words(f, (*c)->opts, ' ', false);
		fprintf(f, "' ;;\n");
	}
	fprintf(f, "\tesac\n}\n\n");

	/* A case pattern cannot start with '|': a word no option is
	 * comes first. */
	fprintf(f, "# Whether an option of a command takes a value.\n"
	    "_ailab_queue_takes() {\n\tcase $2 in\n\t--*=*) return 1 ;;\n"
	    "\t_ailab_queue_none");
	comp_opt_words(f, cli_global_opts, '|', true);
	fprintf(f, ") return 0 ;;\n\tesac\n\tcase $1:$2 in\n");
	for (c = cli_cmds; *c != NULL; c++) {
		const struct cli_opt *o;

		for (o = (*c)->opts; o != NULL && o->name != NULL; o++) {
			if (o->type == CLI_OPT_FLAG)
				continue;
			fprintf(f, "\t%s:--%s", (*c)->name, o->name);
			if (o->shortopt != 0)
				fprintf(f, "|%s:-%c", (*c)->name, o->shortopt);
			fprintf(f, ") return 0 ;;\n");
		}
	}
	fprintf(f, "\tesac\n\treturn 1\n}\n\n");

	fprintf(f, "_ailab_queue() {\n"
	    "\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev= cmd= w i skip=0\n"
	    "\tCOMPREPLY=()\n"
	    "\tfor ((i = 1; i < COMP_CWORD; i++)); do\n"
	    "\t\tw=${COMP_WORDS[i]}\n"
	    "\t\tif ((skip)); then skip=0; continue; fi\n"
	    "\t\tcase $w in\n"
	    "\t\t-*) _ailab_queue_takes \"$cmd\" \"$w\" && skip=1 ;;\n"
	    "\t\t*) [[ -z $cmd ]] && cmd=$(_ailab_queue_cmd \"$w\") ;;\n"
	    "\t\tesac\n\tdone\n"
	    "\t((COMP_CWORD > 1)) && prev=${COMP_WORDS[COMP_CWORD - 1]}\n"
	    "\tif ((COMP_CWORD > 1)) && _ailab_queue_takes \"$cmd\" "
	    "\"$prev\"; then\n\t\tcase $prev in\n");
	comp_bash_values(f, cli_global_opts);
	for (c = cli_cmds; *c != NULL; c++)
		comp_bash_values(f, (*c)->opts);
	fprintf(f, "\t\tesac\n\t\treturn\n\tfi\n"
	    "\tif [[ $cur == -* ]]; then\n"
	    "\t\tCOMPREPLY=($(compgen -W \"$(_ailab_queue_opts \"$cmd\")\" "
	    "-- \"$cur\"))\n\t\treturn\n\tfi\n"
	    "\tif [[ -z $cmd ]]; then\n"
	    "\t\tCOMPREPLY=($(compgen -W \"$_ailab_queue_cmds\" -- \"$cur\"))\n"
	    "\t\treturn\n\tfi\n\tcase $cmd in\n");
	for (c = cli_cmds; *c != NULL; c++) {
		if (comp_args(*c, &commands) == COMP_FILE)
			fprintf(f, "\t%s) COMPREPLY=($(compgen -f -- \"$cur\")) "
			    ";;\n", (*c)->name);
		else if (commands)
			fprintf(f, "\t%s) COMPREPLY=($(compgen -W "
			    "\"$_ailab_queue_cmds\" -- \"$cur\")) ;;\n",
			    (*c)->name);
	}
	fprintf(f, "\tesac\n}\n\ncomplete -o filenames -F _ailab_queue "
	    "ailab-queue\n");
}

/* Prints s in fish's single quotes. */
static void
comp_fish_quote(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; s != NULL && *s != '\0'; s++) {
		if (*s == '\'' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('\'', f);
}

/* fish: one complete line per option, under the command that has it. */
static void
comp_fish_opts(FILE *f, const char *cmd, const struct cli_opt *opts)
{
	const struct cli_opt *o;
	const struct comp_kind *k;

	for (o = opts; o != NULL && o->name != NULL; o++) {
		fprintf(f, "complete -c ailab-queue");
		if (cmd != NULL)
			fprintf(f, " -n '__fish_seen_subcommand_from %s'", cmd);
		fprintf(f, " -l %s", o->name);
		if (o->shortopt != 0)
			fprintf(f, " -s %c", o->shortopt);
		k = o->type == CLI_OPT_FLAG ? NULL : comp_kind(o);
		if (o->type != CLI_OPT_FLAG && k == NULL)
			fprintf(f, " -x");
		else if (k != NULL && k->value == COMP_WORDS) {
			fprintf(f, " -x -a ");
			comp_fish_quote(f, k->words);
		} else if (k != NULL)
			fprintf(f, " -r -F");
		fprintf(f, " -d ");
		comp_fish_quote(f, o->help);
		fputc('\n', f);
	}
}

/* fish: commands, then the options of each. */
static void
comp_fish(FILE *f)
{
	const struct cli_cmd *const *c;
	bool commands;

	fprintf(f, "# fish completion for ailab-queue, written by "
	    "'ailab-queue completion fish'.\n\ncomplete -c ailab-queue -f\n");
	for (c = cli_cmds; *c != NULL; c++) {
		fprintf(f, "complete -c ailab-queue -n __fish_use_subcommand "
		    "-a %s -d ", (*c)->name);
		comp_fish_quote(f, (*c)->summary);
		fputc('\n', f);
	}
	comp_fish_opts(f, NULL, cli_global_opts);
	for (c = cli_cmds; *c != NULL; c++) {
		comp_fish_opts(f, (*c)->name, (*c)->opts);
		if (comp_args(*c, &commands) == COMP_FILE)
			fprintf(f, "complete -c ailab-queue -n "
			    "'__fish_seen_subcommand_from %s' -F\n", (*c)->name);
		else if (commands)
			fprintf(f, "complete -c ailab-queue -n "
			    "'__fish_seen_subcommand_from %s' -a '%s'\n",
			    (*c)->name, "(ailab-queue completion --commands)");
	}
}

/* Writes the script for the shell named, or the command names alone. */
static int
cmd_completion_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	const struct cli_cmd *const *c;

	if (cli_flag(ctx, "commands")) {
		for (c = cli_cmds; *c != NULL; c++)
			printf("%s\n", (*c)->name);
		return CLI_EXIT_OK;
	}
	if (argc != 1) {
		cli_error(ctx, "completion: name a shell: bash, zsh or fish");
		return CLI_EXIT_USAGE;
	}
	if (strcmp(argv[0], "bash") == 0 || strcmp(argv[0], "zsh") == 0)
		comp_bash(stdout, argv[0]);
	else if (strcmp(argv[0], "fish") == 0)
		comp_fish(stdout);
	else {
		cli_error(ctx, "completion: unknown shell '%s' (bash, zsh or "
		    "fish)", argv[0]);
		return CLI_EXIT_USAGE;
	}
	return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

static const struct cli_opt cmd_completion_opts[] = {
	{ "commands", 0, CLI_OPT_FLAG, NULL, "list the command names only" },
	{ NULL, 0, 0, NULL, NULL }
};

const struct cli_cmd cli_cmd_completion = {
	.name = "completion",
	.usage = "bash|zsh|fish",
	.summary = "print a shell completion script",
	.help = "Load it in the running shell with\n"
	    "  source <(ailab-queue completion bash)\n"
	    "or install it where the shell looks: for bash\n"
	    "  ailab-queue completion bash "
	    ">/etc/bash_completion.d/ailab-queue\n"
	    "for zsh a file _ailab-queue in a directory of $fpath, for fish\n"
	    "  ~/.config/fish/completions/ailab-queue.fish\n",
	.opts = cmd_completion_opts,
	.max_args = 1,
	.exec = cmd_completion_exec,
};
