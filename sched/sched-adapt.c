#include "sched-adapt.h"

#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "spec.h"

/* Copies the strings of a JSON array into a NULL-terminated vector. */
static char **
sched_spec_strings(const json_t *arr, size_t *n)
{
	char **v;
	json_t *e;
	size_t i, k = 0;

	*n = 0;
	if (json_array_size(arr) == 0)
		return NULL;
	v = xcalloc(json_array_size(arr) + 1, sizeof *v);
	json_array_foreach(arr, i, e) {
		if (json_is_string(e))
			v[k++] = xstrdup(json_string_value(e));
	}
	*n = k;
	return v;
}

/* Reads the scheduler's part of a stored spec (spec-expand writes it). */
int
sched_spec_read(const struct store_job *j, struct sched_spec *sp,
    char **cause)
{
	json_t *o, *gpu;
	json_error_t err;

	memset(sp, 0, sizeof *sp);
	if ((o = json_loads(j->spec_json, 0, &err)) == NULL ||
	    !json_is_object(o)) {
		if (cause != NULL)
			*cause = xprintf("job %lld: stored spec is not JSON: %s",
			    (long long)j->id, err.text);
		json_decref(o);
		return -1;
	}
	sp->deployment = strcmp(json_string_value(json_object_get(o,
	    "workload")) != NULL ? json_string_value(json_object_get(o,
	    "workload")) : "deployment", "job") != 0;
	sp->interactive = json_is_true(json_object_get(o, "interactive"));
	sp->timeout_s = json_integer_value(json_object_get(o, "timeout_s"));
	sp->gang_timeout_s = json_integer_value(json_object_get(o,
	    "gang_timeout_s"));
	sp->retries = (int)json_integer_value(json_object_get(o, "retries"));
	sp->max_running = (int)json_integer_value(json_object_get(o,
	    "max_running"));
	gpu = json_object_get(o, "gpu");
	if (!json_is_true(json_object_get(gpu, "any")))
		sp->types = sched_spec_strings(json_object_get(gpu, "types"),
		    &sp->ntypes);
	sp->after = sched_spec_strings(json_object_get(o, "after"),
	    &sp->nafter);
	json_decref(o);
	return 0;
}

/* Frees what sched_spec_read allocated. */
void
sched_spec_release(struct sched_spec *sp)
{
	size_t i;

	for (i = 0; i < sp->ntypes; i++)
		free(sp->types[i]);
	free(sp->types);
	for (i = 0; i < sp->nafter; i++)
		free(sp->after[i]);
	free(sp->after);
	memset(sp, 0, sizeof *sp);
}

/* The objects of one attempt, rendered by the spec module. */
json_t *
sched_spec_render(const struct store_job *j, int attempt,
    const char *gpu_type, char **cause)
{
	struct spec_run run = {
		.job_id = j->id,
		.attempt = attempt,
		.owner = j->owner,
		.group = j->group,
		.gpu_type = gpu_type != NULL && *gpu_type != '\0' ? gpu_type :
		    NULL,
	};

	return spec_render_job_json(j->spec_json, &run, cause);
}
