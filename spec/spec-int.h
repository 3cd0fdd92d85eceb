/* spec-int.h: what the files of the spec module share. */
#ifndef SPEC_INT_H
#define SPEC_INT_H

#include "spec.h"
#include "common.h"
#include "common-yaml.h"

struct spec_ctx {
	const char *file;
	struct spec_diags *diags;
	int errors;
	size_t max_jobs;         /* 0: SPEC_MAX_JOBS */
	bool no_files;           /* spec_options.no_files */
	const struct spec_roster_data *rosters;  /* spec_options.rosters */
	size_t nrosters;
};
/* The most jobs this load may make (spec_options.max_jobs). */
size_t spec_max_jobs(const struct spec_ctx *);

void spec_error(struct spec_ctx *, const struct ytree_node *, const char *,
    ...) printflike(3, 4);
void spec_error_at(struct spec_ctx *, int, int, const char *, ...)
    printflike(4, 5);

/* spec-yaml.c */
/* Parses every document of a buffer into trees (common-yaml.c: aliases,
 * depth and string length bounded); 0 or -1 with a diagnostic.  *docs is
 * the caller's (ytree_docs_free). */
int spec_yaml_parse(struct spec_ctx *, const char *buf, size_t len,
    struct ytree_node ***docs, size_t *ndocs);
/* Applies "a.b.c=value" to a document; 0 or -1 with a diagnostic. */
int spec_node_apply_set(struct spec_ctx *, struct ytree_node *,
    const char *);
/* True for printable UTF-8 (no control character) of at most max bytes. */
bool spec_is_text(const char *, size_t max);

/* spec-site.c */
struct spec_gpu_type {
	char *name;              /* RTX4090D */
	char *product;           /* node label value */
	int64_t memory;          /* bytes of one GPU's memory; 0: not said */
	int max_per_node;        /* GPUs a node of this type holds */
	int max_per_user;        /* 0: no limit */
};
struct spec_volume {
	char *name;
	char *claim;             /* pattern: ${namespace} is replaced */
	char *mount;
	bool read_only;
	bool gfs;                /* left out by no_gfs */
};
struct spec_site {
	char *gpu_resource;      /* nvidia.com/gpu */
	char *node_label;        /* gpu-model */
	char *default_image;
	struct spec_gpu_type *gpus;
	size_t ngpus;
	struct spec_volume *volumes;
	size_t nvolumes;
	char *scratch_class;     /* storage class of scratch volumes */
	char **scratch_mounts;
	size_t nscratch_mounts;
	int64_t scratch_default; /* bytes for helm files; 0: none */
	int64_t default_cpu_milli;
	int64_t default_memory;
	int64_t max_cpu_milli;   /* per replica */
	int64_t max_memory;
	int max_replicas;
	int64_t default_uid;     /* runAsUser and runAsGroup of pods */
	int64_t default_gid;
	int64_t interactive_timeout_s; /* an interactive job's unless it says */
	char *ib_resource;       /* extended resource for UseIB, or NULL */
	char *ib_network;        /* pod network for ib (${namespace}), or NULL */
	int64_t user_max_queued; /* limits.per_user.queued_jobs; 0: none */
};
const struct spec_gpu_type *spec_site_gpu(const struct spec_site *,
    const char *);

/* spec-roster.c */
/* A table of parameter rows: every row has a value (or NULL) per key. */
struct spec_params {
	char **keys;
	size_t nkeys;
	char **vals;             /* nrows * nkeys */
	size_t nrows;
	bool borrowed;           /* vals point into the tree: not freed */
	/* Where each value is in a CSV roster, for errors a value causes:
	 * the file, each row's line and each cell's column (NULL: none). */
	char *file;
	int *lines;              /* nrows */
	int *cols;               /* nrows * nkeys */
};
void spec_params_release(struct spec_params *);
/* Reads a roster (CSV with a header, or a YAML list of mappings) into
 * params whose keys are "<as>.<column>"; 0 or -1 with a diagnostic at n. */
int spec_roster_load(struct spec_ctx *, const struct ytree_node *,
    const char *path, const char *as, struct spec_params *);
/* Parses CSV text with a header and at most max_rows rows; 0 or -1 with
 * *cause. */
int spec_csv_parse(const char *, size_t, const char *prefix,
    size_t max_rows, struct spec_params *, char **cause);

/* Ports one job may expose through its NodePort Service. */
#define SPEC_MAX_PORTS 16
/* The ssh port of an interactive job, as the chart's Service has it. */
#define SPEC_SSH_PORT 22

/* spec-parse.c: one validated document, strings not yet substituted. */
struct spec_tmpl {
	struct ytree_node *doc;
	bool helm;
	const struct ytree_node *name, *ns, *image, *command, *workdir;
	const struct ytree_node *env, *labels, *annotations;
	const struct ytree_node *after[3]; /* by enum after_kind */
	const struct ytree_node *container_name, *gpu_type_node;
	const struct ytree_node *cpu_node, *memory_node, *shm_node;
	const struct ytree_node *replicas_node, *interactive_node;
	const char **gpu_types;  /* point into the tree */
	size_t ngpu_types;
	bool gpu_any;
	int gpu_count;
	bool gpu_count_set;
	int replicas;
	int64_t cpu_milli;
	int64_t memory_bytes;
	int64_t shm_bytes;
	int64_t scratch_bytes;
	bool job_workload;
	bool interactive;
	bool command_key;
	bool ib;
	bool no_gfs;
	int64_t uid;             /* runAsUser */
	int64_t gid;             /* runAsGroup */
	int ports[SPEC_MAX_PORTS]; /* the Service's, ssh first if interactive */
	size_t nports;
	int priority;
	int64_t timeout_s;
	int retries;
	const char *kind;        /* "sweep", "roster" or NULL */
	int max_running;
	int max_gpus;            /* of its group at once; 0: no limit */
	struct spec_params params;
};
int spec_tmpl_read(struct spec_ctx *, struct ytree_node *,
    const struct spec_options *, struct spec_tmpl *);
void spec_tmpl_release(struct spec_tmpl *);
bool spec_has_var(const char *);
const char *spec_closest(const char *, const char *const *, size_t);
void spec_unknown_key(struct spec_ctx *, const struct ytree_node *,
    const char *, const char *const *, size_t);
/* A value's readers: the text, a YAML boolean, a bounded integer; NULL
 * or -1 after a diagnostic naming key. */
const char *spec_scalar(struct spec_ctx *, const struct ytree_node *,
    const char *key);
int spec_bool(struct spec_ctx *, const struct ytree_node *, const char *key,
    bool *);
int spec_int(struct spec_ctx *, const struct ytree_node *, const char *key,
    long min, long max, int *);

/* spec-sweep.c: 'sweep' and 'for_each' into t->params (and t->kind). */
void spec_sweep(struct spec_ctx *, const struct ytree_node *,
    struct spec_tmpl *);
void spec_for_each(struct spec_ctx *, const struct ytree_node *,
    struct spec_tmpl *);

/* spec-helm.c: a helm values file's keys rewritten in place into the
 * spec's, before they are read. */
bool spec_is_helm(const struct ytree_node *);
void spec_helm_convert(struct spec_ctx *, struct ytree_node *,
    const struct spec_site *);

/* spec-expand.c */
/* The variables of one job: parameters, ${index} and ${group}. */
struct spec_vars {
	const struct spec_params *p;
	size_t row;
	const char *index;
	const char *group;
};
/* A scalar with ${var} and $$ substituted (allocated), or NULL after one
 * diagnostic at the node (an unknown variable, a broken reference); with
 * shell set (a shell-form command) each value is quoted for where it
 * stands, unless written ${var:raw}. */
char *spec_subst(struct spec_ctx *, const struct ytree_node *,
    const struct spec_vars *, bool shell);
/* 0 when s, the substituted value of label key, is a valid label value;
 * else -1 after a diagnostic at val. */
int spec_check_label(struct spec_ctx *, const struct ytree_node *key,
    const struct ytree_node *val, const char *s);
/* How a template's rows become stored specs: written as text past a
 * prefix dumped once (spec-emit.c), or each dumped from its own jansson
 * tree, the reference the text must match byte for byte. */
enum spec_expand_how {
	SPEC_EXPAND_TEXT,
	SPEC_EXPAND_TREE,
};
/* Adds the jobs of one validated template to a set; 0 or -1 after
 * diagnostics.  Both ways give the same jobs and the same diagnostics. */
int spec_expand_tmpl(struct spec_ctx *, const struct spec_options *,
    const struct spec_tmpl *, struct spec_set *, enum spec_expand_how);

/* spec-emit.c */
/*
 * The members of a sweep's or roster's stored spec that no row changes (no
 * ${...} in them, a label value valid as written), which spec_fixed_add
 * writes into the shared object, after its fields and before "name", so
 * that the rows share them in the text stored once (schema 6: specs) and
 * each row keeps only what varies; a command that varies goes before the
 * name (SPEC_FIXED_ROWS), as its first words are most often what the rows
 * share.  Both ways of writing (spec-emit.c and spec_tree_row) leave them
 * out of the row.  A template of one job keeps the layout it had: its
 * members after the name, in the order below.
 */
enum {
	SPEC_FIXED_COMMAND = 1 << 0,
	SPEC_FIXED_SHELL = 1 << 1,
	SPEC_FIXED_WORKDIR = 1 << 2,
	SPEC_FIXED_ENV = 1 << 3,         /* then labels, annotations */
	SPEC_FIXED_LABELS = 1 << 4,
	SPEC_FIXED_ANNOTATIONS = 1 << 5,
	SPEC_FIXED_GROUP = 1 << 6,       /* group and group_kind */
	SPEC_FIXED_ROWS = 1 << 7,        /* a sweep's or roster's layout */
};
/* The SPEC_FIXED_* members of a template whose jobs are in group (or
 * NULL), 0 for a template of one job; it reports nothing. */
unsigned spec_fixed_members(const struct spec_tmpl *, const char *group);
/* Adds the members fixed names to shared, in the order a row would have
 * them, as spec_tree_row would write them. */
void spec_fixed_add(json_t *shared, const struct spec_tmpl *, unsigned fixed,
    const char *group, const char *group_kind);
struct spec_emit;
/*
 * What writes a template's stored specs as text: the shared fields dumped
 * once (with the members fixed names, spec_fixed_add), each job's own
 * fields appended.  NULL when the template has what only a tree writes
 * alike (a key twice in a mapping or in the params, a shared object that
 * does not dump): the caller builds trees then.  shared and group are
 * borrowed for the emitter's life.
 */
struct spec_emit *spec_emit_new(struct spec_ctx *, const struct spec_tmpl *,
    const json_t *shared, unsigned fixed, const char *group,
    const char *group_kind);
/* One row's stored spec past the text every row shares (spec_emit_shared),
 * the job named name (already checked): *text is the emitter's until the
 * next call, not NUL-ended, *len its length; 0, or -1 after a diagnostic
 * (the same spec_tree_row gives). */
int spec_emit_row(struct spec_emit *, const struct spec_vars *,
    const char *name, const char **text, size_t *len);
/* The start of every row's stored spec, *len bytes (not NUL-ended), the
 * emitter's for its life. */
const char *spec_emit_shared(const struct spec_emit *, size_t *len);
void spec_emit_free(struct spec_emit *);

/* spec-render.c (spec_is_dns_label is public: spec.h) */
bool spec_is_label_value(const char *);
bool spec_is_label_key(const char *);
/* Bytes as the shortest exact quantity, "16Gi" or "48G" (allocated). */
char *spec_format_bytes(int64_t);

#endif
