/*
 * The plain records the store hands out (jobs, events, replicas) and how
 * they are freed.  Nothing here touches SQLite, so api/, which decodes the
 * same records from JSON, links this file without the database library.
 */
#include "store.h"

#include <stdlib.h>

/* Frees a job returned by store_get or store_list. */
void
store_job_free(struct store_job *j)
{
	if (j == NULL)
		return;
	free(j->name);
	free(j->namespace);
	free(j->owner);
	free(j->group);
	free(j->reason);
	free(j->gpu_type);
	free(j->spec_json);
	free(j->run_gpu_type);
	free(j->run_nodes);
	free(j);
}

/* Frees an array of jobs and the array. */
void
store_jobs_free(struct store_job **jobs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		store_job_free(jobs[i]);
	free(jobs);
}

/* Frees what store_events returned. */
void
store_events_free(struct store_event *ev, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(ev[i].reason);
	free(ev);
}

/* Frees what store_replicas returned. */
void
store_replicas_free(struct store_replica *r, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(r[i].node);
		free(r[i].reason);
		free(r[i].log);
	}
	free(r);
}
