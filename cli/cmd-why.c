/* why: the reason a job waits, and its place in the queue. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* What the local queue's scheduler last said it can see of the cluster
 * (namespace-only or informed), or NULL (a server, or never run). */
static char *
cmd_why_sight(struct cli_ctx *ctx)
{
	char *v = NULL;

	if (cli_queue(ctx) != &cli_queue_local || cli_store(ctx) == NULL ||
	    store_meta_get(cli_store(ctx), "sched.sight", &v, NULL) != 0)
		return NULL;
	return v;
}

/*
 * Why a queued job has no estimated start, read from the shape of the
 * policy's reason (sched/sched-policy-visit.c): a start is planned only
 * for a job blocked by capacity that got one of the pass's reservations.
 */
static const char *
cmd_why_no_start(const char *r)
{
	static const struct {
		const char *prefix;
		const char *why;
	} known[] = {
		{ "no start expected within the window", "at the planned ends "
		  "of what runs (a timeout, else a run-time estimate or the "
		  "default day), nothing frees enough room for it within the "
		  "scheduler's reservation window (7 days)" },
		{ "not tested this pass: backfill depth", "it is behind the "
		  "backfill depth: a pass tries only so many jobs behind the "
		  "first reservation, and plans nothing for the rest" },
		{ "not tried this pass", "the pass had admitted as many jobs as "
		  "one pass creates; the next pass looks again" },
		{ "waiting for job", "it waits for the job it runs after" },
		{ "retry backoff", "it waits out its retry backoff first" },
		{ "group ", "its group runs as many jobs as it may at once" },
		{ "quota ", "it waits for its namespace's quota, not for GPUs" },
	};
	size_t i;

	if (*r == '\0')
		return "no scheduler pass has planned it yet";
	for (i = 0; i < nitems(known); i++)
		if (strncmp(r, known[i].prefix, strlen(known[i].prefix)) == 0)
			return known[i].why;
	if (strstr(r, ": user limit") != NULL)
		return "it waits under a per-user GPU limit, not for GPUs";
	if (strstr(r, "judged full") != NULL)
		return "the scheduler does not see the nodes, so it plans no "
		    "starts; it waits for the type to be judged free again";
	return "blocked by capacity, but behind the jobs a pass reserves "
	    "room for (only the first few blocked jobs get a planned start)";
}

/* The estimated start, from now and as a time, or why there is none. */
static void
cmd_why_start(const struct store_job *j)
{
	char *rel, *at;

	if (j->state != STORE_QUEUED)
		return;
	if (j->est_start == 0) {
		printf("estimated start: none: %s\n", cmd_why_no_start(
		    j->reason));
		return;
	}
	rel = cli_start_text(j->est_start);
	at = time_format_rfc3339(j->est_start);
	printf("estimated start: %s (%s, on the cluster's clock)\n", rel, at);
	free(rel);
	free(at);
}

/* Prints the job's state, reason and position as the scheduler saw them. */
static int
cmd_why_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct store_job *j = NULL;
	int64_t id;
	char *when, *sight, *name;
	json_t *o;
	int ret;

	(void)argc;
	if (cli_parse_id(ctx, argv[0], &id) != 0)
		return CLI_EXIT_USAGE;
	if ((ret = cli_queue(ctx)->why(ctx, id, &j)) != CLI_EXIT_OK)
		return ret;
	sight = cmd_why_sight(ctx);
	when = time_format_rfc3339(j->updated_at);
	if (cli_output_is_machine(ctx)) {
		o = json_pack("{s:I,s:s,s:s,s:s}", "id", (json_int_t)j->id,
		    "state", store_state_name(j->state), "reason", j->reason,
		    "updated_at", when);
		if (j->position > 0)
			json_object_set_new(o, "position",
			    json_integer(j->position));
		json_object_set_new(o, "estimated_start", json_null());
		if (j->est_start != 0 && j->state == STORE_QUEUED) {
			free(when);
			when = time_format_rfc3339(j->est_start);
			json_object_set_new(o, "estimated_start",
			    json_string(when));
		}
		if (sight != NULL)
			json_object_set_new(o, "scheduler_sight",
			    json_string(sight));
		cli_print_value(ctx, o);
		json_decref(o);
	} else {
		name = cli_text(j->name);
		printf("job %lld (%s) is %s", (long long)j->id, name,
		    store_state_name(j->state));
		free(name);
		if (j->state == STORE_QUEUED && j->position > 0)
			printf(", number %lld in the queue", (long long)j->position);
		printf("\n");
		if (*j->reason != '\0') {
			fputs("reason: ", stdout);
			cli_put_text(stdout, j->reason);
			fputc('\n', stdout);
		}
		else if (j->state == STORE_QUEUED)
			printf("reason: no scheduler pass has looked at it yet "
			    "(is 'ailab-queue sched' running?)\n");
		cmd_why_start(j);
		printf("as of %s\n", when);
		if (sight != NULL && strncmp(sight, "namespace-only", 14) == 0 &&
		    !store_state_is_terminal(j->state))
			printf("note: the scheduler's sight is %s\n", sight);
	}
	free(sight);
	free(when);
	store_job_free(j);
	return CLI_EXIT_OK;
}

const struct cli_cmd cli_cmd_why = {
	.name = "why",
	.usage = "ID",
	.summary = "say why a job waits, and where it is in the queue",
	.flags = CLI_NEEDS_STORE | CLI_REMOTE | CLI_READS,
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_why_exec,
};
