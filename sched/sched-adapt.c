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
	sp->max_gpus = (int)json_integer_value(json_object_get(o,
	    "max_gpus"));
	sp->scratch_bytes = json_integer_value(json_object_get(o,
	    "scratch_bytes"));
	sp->nscratch = (int)json_array_size(json_object_get(o,
	    "scratch_mounts"));
	sp->nservices = json_array_size(json_object_get(o, "ports")) > 0 ?
	    2 : 1;
	gpu = json_object_get(o, "gpu");
	if (!json_is_true(json_object_get(gpu, "any")))
		sp->types = sched_spec_strings(json_object_get(gpu, "types"),
		    &sp->ntypes);
	sp->after = sched_spec_strings(json_object_get(o, "after"),
	    &sp->nafter);
	json_decref(o);
	return 0;
}

const char *const sched_spec_paths[SCHED_SPEC_NFIELDS] = {
	"$.workload", "$.interactive", "$.timeout_s", "$.gang_timeout_s",
	"$.retries", "$.max_running", "$.gpu.any", "$.gpu.types", "$.after",
	"$.scratch_bytes", "$.scratch_mounts", "$.ports", "$.max_gpus"
};

/* The length of a JSON array field, 0 when absent or not an array. */
static int
sched_field_count(const char *v)
{
	json_t *a = v != NULL ? json_loads(v, 0, NULL) : NULL;
	int n = json_is_array(a) ? (int)json_array_size(a) : 0;

	json_decref(a);
	return n;
}

/* An integer field, 0 when absent. */
static int64_t
sched_field_int(const char *v)
{
	return v != NULL ? strtoll(v, NULL, 10) : 0;
}

/* A list field (JSON text of an array of strings), as a vector. */
static int
sched_field_strings(const char *v, char ***out, size_t *n, char **cause)
{
	json_error_t err;
	json_t *a;

	*out = NULL;
	*n = 0;
	if (v == NULL || strcmp(v, "[]") == 0)
		return 0;
	if ((a = json_loads(v, JSON_DECODE_ANY, &err)) == NULL) {
		if (cause != NULL)
			*cause = xprintf("stored spec is not JSON: %s",
			    err.text);
		return -1;
	}
	*out = sched_spec_strings(a, n);
	json_decref(a);
	return 0;
}

/* Reads the scheduler's part of a spec from extracted values, as
 * sched_spec_read reads it from the whole text. */
int
sched_spec_from_fields(const char *const *v, struct sched_spec *sp,
    char **cause)
{
	memset(sp, 0, sizeof *sp);
	sp->deployment = v[0] == NULL || strcmp(v[0], "job") != 0;
	sp->interactive = v[1] != NULL && strcmp(v[1], "1") == 0;
	sp->timeout_s = sched_field_int(v[2]);
	sp->gang_timeout_s = sched_field_int(v[3]);
	sp->retries = (int)sched_field_int(v[4]);
	sp->max_running = (int)sched_field_int(v[5]);
	if ((v[6] == NULL || strcmp(v[6], "1") != 0) &&
	    sched_field_strings(v[7], &sp->types, &sp->ntypes, cause) != 0)
		goto fail;
	if (sched_field_strings(v[8], &sp->after, &sp->nafter, cause) != 0)
		goto fail;
	sp->scratch_bytes = sched_field_int(v[9]);
	sp->nscratch = sched_field_count(v[10]);
	sp->nservices = sched_field_count(v[11]) > 0 ? 2 : 1;
	sp->max_gpus = (int)sched_field_int(v[12]);
	return 0;
fail:
	sched_spec_release(sp);
	return -1;
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

/* The objects of one attempt, rendered by the spec module, held on the
 * nodes the job was placed on (run_nodes, comma-separated by rank). */
json_t *
sched_spec_render(const char *queue, const struct store_job *j,
    int attempt, const char *gpu_type, const char *run_nodes, char **cause)
{
	struct spec_run run = {
		.queue = queue,
		.job_id = j->id,
		.attempt = attempt,
		.owner = j->owner,
		.group = j->group,
		.gpu_type = gpu_type != NULL && *gpu_type != '\0' ? gpu_type :
		    NULL,
	};
	char *copy = NULL, **nodes = NULL, *p, *next;
	size_t n = 0;
	json_t *objs;

	if (run_nodes != NULL && *run_nodes != '\0') {
		copy = xstrdup(run_nodes);
		nodes = xcalloc((size_t)(j->replicas > 0 ? j->replicas : 1),
		    sizeof *nodes);
		for (p = copy; p != NULL && n < (size_t)j->replicas; p = next) {
			if ((next = strchr(p, ',')) != NULL)
				*next++ = '\0';
			nodes[n++] = p;
		}
		run.nodes = (const char *const *)nodes;
		run.nnodes = n;
	}
	objs = spec_render_job_json(j->spec_json, &run, cause);
	free(nodes);
	free(copy);
	return objs;
}
