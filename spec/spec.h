/*
 * spec: job specs, from YAML text to validated jobs.
 *
 * Pure: no database, no cluster, no scheduler.  Errors are collected, each
 * with the file, line and column libyaml saw, so a user sees every mistake
 * at once.
 */
#ifndef SPEC_H
#define SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bounds on input, so that any file is read in bounded time and memory. */
#define SPEC_MAX_FILE_SIZE (1024 * 1024)
#define SPEC_MAX_DOCUMENTS 100000

struct spec_diag {
	char *file;
	int line;                /* 1-based; 0 when the error has no place */
	int col;
	char *msg;
};

struct spec_diags {
	struct spec_diag *v;
	size_t n;
};
void spec_diags_release(struct spec_diags *);
/* "file:line:col: message", allocated. */
char *spec_diag_format(const struct spec_diag *);

struct spec_job {
	char *name;
	char *namespace;         /* NULL: the context's namespace */
	char *image;
	char **command;          /* NULL-terminated; NULL: none */
	bool command_shell;      /* a string run by /bin/sh -c */
	char *gpu_type;          /* NULL or "" for a CPU job */
	int gpu_count;           /* per replica */
	int replicas;
	int64_t cpu_milli;       /* per replica */
	int64_t memory_bytes;    /* per replica */
	int priority;            /* 0..1000 */
	char *file;              /* where it came from */
	int line;
};

struct spec_set {
	struct spec_job **jobs;
	size_t n;
};

/*
 * Reads every YAML document of a file as one job spec.  On any error returns
 * -1 with diags filled (and *out NULL); the caller releases diags either way.
 */
int spec_load_file(const char *path, struct spec_set **out,
    struct spec_diags *diags);
int spec_load_buffer(const char *name, const char *buf, size_t len,
    struct spec_set **out, struct spec_diags *diags);
void spec_set_free(struct spec_set *);

/* The job as a JSON object text (allocated), as the queue records it. */
char *spec_job_to_json(const struct spec_job *);

#endif
