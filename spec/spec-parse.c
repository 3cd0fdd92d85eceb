#include "spec.h"

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

#include "common.h"

#define SPEC_DEFAULT_IMAGE "harbor-local.ai.iiis.co/llm-course/lab-cpu:v2"
#define SPEC_DEFAULT_CPU_MILLI 8000
#define SPEC_DEFAULT_MEMORY ((int64_t)16 << 30)
#define SPEC_MAX_REPLICAS 64
#define SPEC_MAX_GPUS 8

static const char *const spec_gpu_types[] = { "RTX4090D", "RTX4090",
	"RTX3090" };
static const char *const spec_keys[] = { "name", "namespace", "image",
	"command", "gpu", "replicas", "resources", "priority" };

struct spec_ctx {
	const char *file;
	yaml_document_t *doc;
	struct spec_diags *diags;
	int errors;
};

/* Records one diagnostic at a node's position. */
static void printflike(3, 4)
spec_error(struct spec_ctx *c, const yaml_node_t *at, const char *fmt, ...)
{
	struct spec_diag *d;
	va_list ap;

	c->diags->v = xreallocarray(c->diags->v, c->diags->n + 1,
	    sizeof *c->diags->v);
	d = &c->diags->v[c->diags->n++];
	d->file = xstrdup(c->file);
	d->line = at != NULL ? (int)at->start_mark.line + 1 : 0;
	d->col = at != NULL ? (int)at->start_mark.column + 1 : 0;
	va_start(ap, fmt);
	xvasprintf(&d->msg, fmt, ap);
	va_end(ap);
	c->errors++;
}

/* Frees the diagnostics and empties the list. */
void
spec_diags_release(struct spec_diags *d)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].msg);
	}
	free(d->v);
	d->v = NULL;
	d->n = 0;
}

/* One diagnostic as compilers print them. */
char *
spec_diag_format(const struct spec_diag *d)
{
	if (d->line == 0)
		return xprintf("%s: %s", d->file, d->msg);
	return xprintf("%s:%d:%d: %s", d->file, d->line, d->col, d->msg);
}

/* A scalar's text, or NULL (with a diagnostic) for any other node. */
static const char *
spec_scalar(struct spec_ctx *c, yaml_node_t *n, const char *key)
{
	if (n->type != YAML_SCALAR_NODE) {
		spec_error(c, n, "'%s' must be a single value", key);
		return NULL;
	}
	return (const char *)n->data.scalar.value;
}

/* Reads a bounded non-negative integer field. */
static int
spec_int(struct spec_ctx *c, yaml_node_t *n, const char *key, int min,
    int max, int *out)
{
	const char *s = spec_scalar(c, n, key);
	char *end;
	long v;

	if (s == NULL)
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0) {
		spec_error(c, n, "'%s' must be an integer, not '%s'", key, s);
		return -1;
	}
	if (v < min || v > max) {
		spec_error(c, n, "'%s' must be between %d and %d, not %ld",
		    key, min, max, v);
		return -1;
	}
	*out = (int)v;
	return 0;
}

/* Reads a quantity field. */
static int
spec_quantity(struct spec_ctx *c, yaml_node_t *n, const char *key, int scale,
    int64_t *out)
{
	const char *s = spec_scalar(c, n, key);
	char *cause = NULL;

	if (s == NULL)
		return -1;
	if (quantity_parse(s, scale, out, &cause) != 0) {
		spec_error(c, n, "'%s': %s", key, cause);
		free(cause);
		return -1;
	}
	if (*out <= 0) {
		spec_error(c, n, "'%s' must be positive", key);
		return -1;
	}
	return 0;
}

/* True for a DNS-1123 label: what Kubernetes requires of object names. */
static bool
spec_is_dns_label(const char *s, size_t max)
{
	size_t i, len = strlen(s);

	if (len == 0 || len > max)
		return false;
	for (i = 0; i < len; i++) {
		if (!islower((unsigned char)s[i]) &&
		    !isdigit((unsigned char)s[i]) && s[i] != '-')
			return false;
	}
	return isalnum((unsigned char)s[0]) && isalnum((unsigned char)s[len - 1]);
}

/* Reads the command: a string for /bin/sh -c, or a list in exec form. */
static void
spec_command(struct spec_ctx *c, yaml_node_t *n, struct spec_job *j)
{
	yaml_node_item_t *it;
	yaml_node_t *item;
	size_t i = 0, count;

	if (n->type == YAML_SCALAR_NODE) {
		j->command = xcalloc(2, sizeof *j->command);
		j->command[0] = xstrdup((const char *)n->data.scalar.value);
		j->command_shell = true;
		return;
	}
	if (n->type != YAML_SEQUENCE_NODE) {
		spec_error(c, n, "'command' must be a string or a list");
		return;
	}
	count = (size_t)(n->data.sequence.items.top -
	    n->data.sequence.items.start);
	if (count == 0) {
		spec_error(c, n, "'command' must not be empty");
		return;
	}
	j->command = xcalloc(count + 1, sizeof *j->command);
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	    it++) {
		item = yaml_document_get_node(c->doc, *it);
		if (item->type != YAML_SCALAR_NODE) {
			spec_error(c, item, "'command' items must be strings");
			continue;
		}
		j->command[i++] = xstrdup((const char *)item->data.scalar.value);
	}
}

/* Reads the gpu mapping: {type, count}. */
static void
spec_gpu(struct spec_ctx *c, yaml_node_t *n, struct spec_job *j)
{
	yaml_node_pair_t *p;
	yaml_node_t *k, *v;
	const char *key, *type;
	bool have_count = false;
	size_t i;

	if (n->type != YAML_MAPPING_NODE) {
		spec_error(c, n, "'gpu' must be a mapping such as "
		    "{type: RTX4090D, count: 1}");
		return;
	}
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	    p++) {
		k = yaml_document_get_node(c->doc, p->key);
		v = yaml_document_get_node(c->doc, p->value);
		key = k->type == YAML_SCALAR_NODE ?
		    (const char *)k->data.scalar.value : "";
		if (strcmp(key, "type") == 0) {
			if ((type = spec_scalar(c, v, "gpu.type")) == NULL)
				continue;
			for (i = 0; i < nitems(spec_gpu_types); i++)
				if (strcmp(type, spec_gpu_types[i]) == 0)
					break;
			if (i == nitems(spec_gpu_types)) {
				const char *near = closest_word(type,
				    spec_gpu_types, nitems(spec_gpu_types));
				spec_error(c, v, "unknown GPU type '%s'%s%s%s "
				    "(known: RTX4090D, RTX4090, RTX3090)", type,
				    near ? " (did you mean '" : "",
				    near ? near : "", near ? "'?)" : "");
				continue;
			}
			free(j->gpu_type);
			j->gpu_type = xstrdup(type);
		} else if (strcmp(key, "count") == 0) {
			if (spec_int(c, v, "gpu.count", 0, SPEC_MAX_GPUS,
			    &j->gpu_count) == 0)
				have_count = true;
		} else
			spec_error(c, k, "unknown key 'gpu.%s'", key);
	}
	if (!have_count && j->gpu_type != NULL)
		j->gpu_count = 1;
	if (j->gpu_count > 0 && j->gpu_type == NULL)
		spec_error(c, n, "'gpu.type' is required when 'gpu.count' "
		    "is not 0");
}

/* Reads the resources mapping: {cpu, memory}. */
static void
spec_resources(struct spec_ctx *c, yaml_node_t *n, struct spec_job *j)
{
	yaml_node_pair_t *p;
	yaml_node_t *k, *v;
	const char *key;

	if (n->type != YAML_MAPPING_NODE) {
		spec_error(c, n, "'resources' must be a mapping such as "
		    "{cpu: 8, memory: 16Gi}");
		return;
	}
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	    p++) {
		k = yaml_document_get_node(c->doc, p->key);
		v = yaml_document_get_node(c->doc, p->value);
		key = k->type == YAML_SCALAR_NODE ?
		    (const char *)k->data.scalar.value : "";
		if (strcmp(key, "cpu") == 0)
			spec_quantity(c, v, "resources.cpu", QUANTITY_MILLI,
			    &j->cpu_milli);
		else if (strcmp(key, "memory") == 0)
			spec_quantity(c, v, "resources.memory", QUANTITY_UNITS,
			    &j->memory_bytes);
		else
			spec_error(c, k, "unknown key 'resources.%s'", key);
	}
}

/* Reads a priority: a name or 0..1000. */
static void
spec_priority(struct spec_ctx *c, yaml_node_t *n, struct spec_job *j)
{
	const char *s = spec_scalar(c, n, "priority");

	if (s == NULL)
		return;
	if (strcmp(s, "low") == 0)
		j->priority = 250;
	else if (strcmp(s, "normal") == 0)
		j->priority = 500;
	else if (strcmp(s, "high") == 0)
		j->priority = 750;
	else
		spec_int(c, n, "priority", 0, 1000, &j->priority);
}

/* Frees one job. */
static void
spec_job_free(struct spec_job *j)
{
	char **p;

	if (j == NULL)
		return;
	free(j->name);
	free(j->namespace);
	free(j->image);
	if (j->command != NULL) {
		for (p = j->command; *p != NULL; p++)
			free(*p);
		free(j->command);
	}
	free(j->gpu_type);
	free(j->file);
	free(j);
}

/* Turns one YAML document into a job, adding diagnostics as it goes. */
static struct spec_job *
spec_document(struct spec_ctx *c, yaml_node_t *root)
{
	struct spec_job *j;
	yaml_node_pair_t *p;
	yaml_node_t *k, *v;
	const char *key, *s, *near;
	int before = c->errors;

	if (root->type != YAML_MAPPING_NODE) {
		spec_error(c, root, "a job spec must be a mapping of keys such "
		    "as 'name', 'image' and 'command'");
		return NULL;
	}
	j = xcalloc(1, sizeof *j);
	j->file = xstrdup(c->file);
	j->line = (int)root->start_mark.line + 1;
	j->replicas = 1;
	j->cpu_milli = SPEC_DEFAULT_CPU_MILLI;
	j->memory_bytes = SPEC_DEFAULT_MEMORY;
	j->priority = 500;
	for (p = root->data.mapping.pairs.start;
	    p < root->data.mapping.pairs.top; p++) {
		k = yaml_document_get_node(c->doc, p->key);
		v = yaml_document_get_node(c->doc, p->value);
		if (k->type != YAML_SCALAR_NODE) {
			spec_error(c, k, "keys must be plain strings");
			continue;
		}
		key = (const char *)k->data.scalar.value;
		if (strcmp(key, "name") == 0) {
			if ((s = spec_scalar(c, v, key)) == NULL)
				continue;
			if (!spec_is_dns_label(s, 50))
				spec_error(c, v, "'name' must be a DNS-1123 "
				    "label of at most 50 characters (lowercase "
				    "letters, digits and '-'), not '%s'", s);
			j->name = xstrdup(s);
		} else if (strcmp(key, "namespace") == 0) {
			if ((s = spec_scalar(c, v, key)) == NULL)
				continue;
			if (!spec_is_dns_label(s, 63))
				spec_error(c, v, "'namespace' must be a "
				    "DNS-1123 label, not '%s'", s);
			j->namespace = xstrdup(s);
		} else if (strcmp(key, "image") == 0) {
			if ((s = spec_scalar(c, v, key)) == NULL)
				continue;
			if (*s == '\0' || strchr(s, ' ') != NULL)
				spec_error(c, v, "'image' must be an image "
				    "reference, not '%s'", s);
			j->image = xstrdup(s);
		} else if (strcmp(key, "command") == 0)
			spec_command(c, v, j);
		else if (strcmp(key, "gpu") == 0)
			spec_gpu(c, v, j);
		else if (strcmp(key, "replicas") == 0)
			spec_int(c, v, key, 1, SPEC_MAX_REPLICAS, &j->replicas);
		else if (strcmp(key, "resources") == 0)
			spec_resources(c, v, j);
		else if (strcmp(key, "priority") == 0)
			spec_priority(c, v, j);
		else {
			near = closest_word(key, spec_keys, nitems(spec_keys));
			if (near != NULL)
				spec_error(c, k, "unknown key '%s' (did you "
				    "mean '%s'?)", key, near);
			else
				spec_error(c, k, "unknown key '%s'", key);
		}
	}
	if (j->name == NULL)
		spec_error(c, root, "'name' is required");
	if (j->image == NULL)
		j->image = xstrdup(SPEC_DEFAULT_IMAGE);
	if (c->errors != before) {
		spec_job_free(j);
		return NULL;
	}
	return j;
}

/* Parses YAML text holding one or more job documents. */
int
spec_load_buffer(const char *name, const char *buf, size_t len,
    struct spec_set **out, struct spec_diags *diags)
{
	struct spec_ctx c = { .file = name, .diags = diags };
	struct spec_set *set;
	struct spec_job *j;
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	yaml_node_t fake;
	size_t cap = 0;

	*out = NULL;
	set = xcalloc(1, sizeof *set);
	if (len > SPEC_MAX_FILE_SIZE) {
		spec_error(&c, NULL, "file is larger than %d bytes",
		    SPEC_MAX_FILE_SIZE);
		goto fail;
	}
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	for (;;) {
		if (!yaml_parser_load(&parser, &doc)) {
			memset(&fake, 0, sizeof fake);
			fake.start_mark = parser.problem_mark;
			spec_error(&c, &fake, "not valid YAML: %s",
			    parser.problem != NULL ? parser.problem : "error");
			break;
		}
		root = yaml_document_get_root_node(&doc);
		if (root == NULL) {
			yaml_document_delete(&doc);
			break;
		}
		if (set->n >= SPEC_MAX_DOCUMENTS) {
			spec_error(&c, root, "more than %d documents",
			    SPEC_MAX_DOCUMENTS);
			yaml_document_delete(&doc);
			break;
		}
		c.doc = &doc;
		j = spec_document(&c, root);
		if (j != NULL) {
			if (set->n == cap) {
				cap = cap == 0 ? 16 : cap * 2;
				set->jobs = xreallocarray(set->jobs, cap,
				    sizeof *set->jobs);
			}
			set->jobs[set->n++] = j;
		}
		yaml_document_delete(&doc);
	}
	yaml_parser_delete(&parser);
	if (c.errors == 0 && set->n == 0)
		spec_error(&c, NULL, "no job spec in file");
	if (c.errors != 0)
		goto fail;
	*out = set;
	return 0;
fail:
	spec_set_free(set);
	return -1;
}

/* Reads a file (bounded) and parses it. */
int
spec_load_file(const char *path, struct spec_set **out,
    struct spec_diags *diags)
{
	struct spec_ctx c = { .file = path, .diags = diags };
	struct stat st;
	char *buf = NULL;
	ssize_t r;
	size_t len = 0;
	int fd, ret = -1;

	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		spec_error(&c, NULL, "%s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		spec_error(&c, NULL, "not a regular file");
		goto out;
	}
	if (st.st_size > SPEC_MAX_FILE_SIZE) {
		spec_error(&c, NULL, "file is larger than %d bytes",
		    SPEC_MAX_FILE_SIZE);
		goto out;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	while (len < (size_t)st.st_size) {
		r = read(fd, buf + len, (size_t)st.st_size - len);
		if (r == -1) {
			spec_error(&c, NULL, "%s", strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	ret = spec_load_buffer(path, buf, len, out, diags);
out:
	free(buf);
	close(fd);
	return ret;
}

/* Frees a set and its jobs. */
void
spec_set_free(struct spec_set *set)
{
	size_t i;

	if (set == NULL)
		return;
	for (i = 0; i < set->n; i++)
		spec_job_free(set->jobs[i]);
	free(set->jobs);
	free(set);
}

/* The job as the JSON object the queue records and the scheduler renders. */
char *
spec_job_to_json(const struct spec_job *j)
{
	json_t *o, *cmd;
	char **p, *s;

	o = json_object();
	json_object_set_new(o, "name", json_string(j->name));
	if (j->namespace != NULL)
		json_object_set_new(o, "namespace", json_string(j->namespace));
	json_object_set_new(o, "image", json_string(j->image));
	if (j->command != NULL) {
		if (j->command_shell)
			cmd = json_string(j->command[0]);
		else {
			cmd = json_array();
			for (p = j->command; *p != NULL; p++)
				json_array_append_new(cmd, json_string(*p));
		}
		json_object_set_new(o, "command", cmd);
	}
	json_object_set_new(o, "gpu", json_pack("{s:s,s:i}", "type",
	    j->gpu_type != NULL ? j->gpu_type : "", "count", j->gpu_count));
	json_object_set_new(o, "replicas", json_integer(j->replicas));
	json_object_set_new(o, "resources", json_pack("{s:I,s:I}",
	    "cpu_milli", (json_int_t)j->cpu_milli, "memory_bytes",
	    (json_int_t)j->memory_bytes));
	json_object_set_new(o, "priority", json_integer(j->priority));
	s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	if (s == NULL)
		fatalx("spec_job_to_json: out of memory");
	return s;
}
