/*
 * bench/spec-sweep: validating and expanding a 10,000-job sweep (a 100 x
 * 100 grid) and inserting it into a fresh queue in one transaction, and
 * rendering every job's objects, with the CPU time of the first two
 * steps beside their wall time.  Usage: bench/spec-sweep [DB-DIR] [RUNS]
 * Figures in docs/performance.md, "Spec language" and issue 19.
 */
#include <sys/resource.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "common.h"
#include "spec.h"
#include "store.h"

/* Seconds of CPU (user and system) this process has used: on a shared
 * machine it moves less with the load than the wall clock does. */
static double
bench_cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* The spec text: a 100 x 100 grid with labels, env and a command. */
static char *
bench_spec(void)
{
	char *lr = xstrdup(""), *bs = xstrdup(""), *n, *s;
	int i;

	for (i = 0; i < 100; i++) {
		n = xprintf("%s%s%de-5", lr, i ? ", " : "", i + 1);
		free(lr);
		lr = n;
		n = xprintf("%s%s%d", bs, i ? ", " : "", 8 * (i + 1));
		free(bs);
		bs = n;
	}
	s = xprintf("name: bench\ncommand: python train.py --lr ${lr} --bs "
	    "${bs}\nworkdir: /root/proj\nenv: {RUN: \"${index}\"}\n"
	    "gpu: {type: [RTX4090D, RTX4090], count: 1}\n"
	    "resources: {cpu: 8, memory: 16Gi}\nshm: 8Gi\ntimeout: 2h\n"
	    "labels: {lr: \"${lr}\"}\nsweep:\n  grid: {lr: [%s], bs: [%s]}\n"
	    "  max_running: 50\n", lr, bs);
	free(lr);
	free(bs);
	return s;
}

/* One run: load, insert, render; prints the times. */
static int
bench_run(const char *dir, int run, const char *text)
{
	struct spec_options o = { .default_namespace = "alice" };
	struct spec_run r = { .attempt = 1, .owner = "alice" };
	struct spec_diags d = { 0 };
	struct store_job_new *jobs;
	struct spec_set *set = NULL;
	struct store *st = NULL;
	int64_t *ids;
	double t0, t1, t2, t3, c0, c1, c2;
	char *path, *cause = NULL, *whole;
	json_t *objs;
	size_t i;
	int ret = -1;

	c0 = bench_cpu();
	t0 = bench_now();
	if (spec_load_buffer("bench.yaml", text, strlen(text), &o, &set,
	    &d) != 0) {
		fprintf(stderr, "spec-sweep: the spec does not load\n");
		goto out;
	}
	t1 = bench_now();
	c1 = bench_cpu();
	path = xprintf("%s/bench-%d-%d.db", dir, (int)getpid(), run);
	if (store_open(path, &st, &cause) != 0) {
		fprintf(stderr, "spec-sweep: %s\n", cause);
		free(path);
		goto out;
	}
	jobs = xcalloc(set->n, sizeof *jobs);
	ids = xcalloc(set->n, sizeof *ids);
	for (i = 0; i < set->n; i++) {
		jobs[i].name = set->jobs[i]->name;
		jobs[i].namespace = set->jobs[i]->namespace;
		jobs[i].owner = "alice";
		jobs[i].group = set->jobs[i]->group;
		jobs[i].group_kind = set->jobs[i]->group_kind;
		jobs[i].priority = set->jobs[i]->priority;
		jobs[i].gpu_type = set->jobs[i]->gpu_type;
		jobs[i].gpu_count = set->jobs[i]->gpu_count;
		jobs[i].replicas = set->jobs[i]->replicas;
		jobs[i].cpu_milli = set->jobs[i]->cpu_milli;
		jobs[i].memory_bytes = set->jobs[i]->memory_bytes;
		jobs[i].spec_shared = set->jobs[i]->spec_shared;
		jobs[i].spec_shared_len = set->jobs[i]->spec_shared_len;
		jobs[i].spec_json = set->jobs[i]->spec_own;
	}
	if (store_submit(st, jobs, set->n, ids, &cause) != 0) {
		fprintf(stderr, "spec-sweep: %s\n", cause);
		free(jobs);
		free(ids);
		free(path);
		goto out;
	}
	t2 = bench_now();
	c2 = bench_cpu();
	for (i = 0; i < set->n; i++) {
		r.job_id = ids[i];
		r.group = set->jobs[i]->group;
		whole = spec_job_json(set->jobs[i]);
		objs = spec_render_job_json(whole, &r, &cause);
		free(whole);
		if (objs == NULL)
			fatalx("render: %s", cause);
		json_decref(objs);
	}
	t3 = bench_now();
	printf("run %d: %zu jobs: load+validate+expand %.3f s (CPU %.3f s), "
	    "insert (one transaction) %.3f s (CPU %.3f s), render all %.3f s, "
	    "total %.3f s\n", run, set->n, t1 - t0, c1 - c0, t2 - t1, c2 - c1,
	    t3 - t2, t3 - t0);
	free(jobs);
	free(ids);
	unlink(path);
	free(path);
	ret = 0;
out:
	free(cause);
	store_close(st);
	spec_set_free(set);
	spec_diags_release(&d);
	return ret;
}

int
main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/tmp";
	int runs = argc > 2 ? atoi(argv[2]) : 5, i;
	struct rusage ru;
	char *text = bench_spec();

	printf("spec: %zu bytes\n", strlen(text));
	for (i = 0; i < runs; i++)
		if (bench_run(dir, i + 1, text) != 0)
			return 1;
	getrusage(RUSAGE_SELF, &ru);
	printf("peak RSS %ld MiB\n", ru.ru_maxrss / 1024);
	free(text);
	return 0;
}
