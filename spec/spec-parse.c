/* spec-parse.c: a YAML document to a validated template of jobs. */
#include "spec-int.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const spec_keys[] = { "name", "namespace", "image",
	"command", "workdir", "env", "gpu", "replicas", "resources", "shm",
	"scratch", "workload", "interactive", "priority", "timeout", "retries",
	"after", "after_ok", "after_any", "after_failed", "labels",
	"annotations", "sweep", "for_each", "ib",
	"container_name", "uid", "gid", "no_gfs", "ports" };

/* The keys of the chart's values template (user/values-template.yaml),
 * and EMAIL of the admin chart's. */
static const char *const spec_helm_keys[] = { "NameSpace", "BaseName",
	"ContainerImage", "GPU", "DeployName", "Label", "ContainerName",
	"NVMEStorage", "Limits", "UseShm", "ShmSize", "Replicas", "UseIB",
	"UID", "GID", "NoGFS", "Command", "Args", "ExtraPort", "IngressHost",
	"EMAIL" };

/* Env names ailab-queue sets itself for distributed training. */
static const char *const spec_reserved_env[] = { "PET_NNODES",
	"PET_NPROC_PER_NODE", "PET_NODE_RANK", "PET_MASTER_ADDR",
	"PET_MASTER_PORT", "MASTER_ADDR", "MASTER_PORT", "WORLD_SIZE", "RANK",
	"AILAB_STATE_DIR", "AILAB_TERMINATION_LOG" };

/* The closest candidate to a word, counting a swap of two neighbouring
 * letters ("nmae") as one typo; NULL when nothing is close. */
const char *
spec_closest(const char *w, const char *const *cands, size_t n)
{
	const char *near = closest_word(w, cands, n);
	size_t i, j, len = strlen(w);

	if (near != NULL)
		return near;
	for (i = 0; i < n; i++) {
		if (strlen(cands[i]) != len)
			continue;
		for (j = 0; j + 1 < len && w[j] == cands[i][j]; j++)
			;
		if (j + 1 < len && w[j] == cands[i][j + 1] &&
		    w[j + 1] == cands[i][j] &&
		    strcmp(w + j + 2, cands[i] + j + 2) == 0)
			return cands[i];
	}
	return NULL;
}

/* Adds an "unknown key" error with a did-you-mean hint. */
void
spec_unknown_key(struct spec_ctx *c, const struct ytree_node *k,
    const char *prefix, const char *const *cands, size_t n)
{
	const char *near = spec_closest(k->s, cands, n);

	if (near != NULL)
		spec_error(c, k, "unknown key '%s%s' (did you mean '%s%s'?)",
		    prefix, k->s, prefix, near);
	else
		spec_error(c, k, "unknown key '%s%s'", prefix, k->s);
}

/* A scalar's text, or NULL with a diagnostic. */
static const char *
spec_scalar(struct spec_ctx *c, const struct ytree_node *n, const char *key)
{
	if (n->type != YTREE_SCALAR) {
		spec_error(c, n, "'%s' must be a single value", key);
		return NULL;
	}
	return n->s;
}

/* A YAML boolean; 0 or -1 with a diagnostic. */
static int
spec_bool(struct spec_ctx *c, const struct ytree_node *n, const char *key,
    bool *out)
{
	static const char *const yes[] = { "true", "True", "TRUE", "yes",
		"Yes", "on" };
	static const char *const no[] = { "false", "False", "FALSE", "no",
		"No", "off" };
	const char *s = spec_scalar(c, n, key);
	size_t i;

	if (s == NULL)
		return -1;
	for (i = 0; i < nitems(yes); i++) {
		if (strcmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	spec_error(c, n, "'%s' must be true or false, not '%s'", key, s);
	return -1;
}

/* A bounded integer; 0 or -1 with a diagnostic. */
static int
spec_int(struct spec_ctx *c, const struct ytree_node *n, const char *key,
    long min, long max, int *out)
{
	const char *s = spec_scalar(c, n, key);
	char *end;
	long v;

	if (s == NULL)
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || isspace((unsigned char)*s)) {
		spec_error(c, n, "'%s' must be an integer, not '%s'", key, s);
		return -1;
	}
	if (v < min || v > max) {
		spec_error(c, n, "'%s' must be from %ld to %ld, not %ld", key,
		    min, max, v);
		return -1;
	}
	*out = (int)v;
	return 0;
}

/* A Kubernetes quantity; 0 or -1 with a diagnostic. */
static int
spec_quantity(struct spec_ctx *c, const struct ytree_node *n, const char *key,
    int scale, bool zero_ok, int64_t *out)
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
	if (*out < 0 || (*out == 0 && !zero_ok)) {
		spec_error(c, n, "'%s' must be positive, not '%s'", key, s);
		return -1;
	}
	return 0;
}

/* Checks a mapping of strings (env, labels, annotations). */
static void
spec_string_map(struct spec_ctx *c, const struct ytree_node *n,
    const char *key, int kind)
{
	const struct ytree_node *k, *v;
	size_t i, j;

	if (n->type != YTREE_MAP) {
		spec_error(c, n, "'%s' must be a mapping of names to values",
		    key);
		return;
	}
	for (i = 0; i + 1 < n->n; i += 2) {
		k = n->kids[i];
		v = n->kids[i + 1];
		if (v->type != YTREE_SCALAR)
			spec_error(c, v, "'%s.%s' must be a single value", key,
			    k->s);
		if (kind == 0) {
			bool okname = k->s[0] != '\0' &&
			    !isdigit((unsigned char)k->s[0]);

			for (j = 0; k->s[j] != '\0'; j++)
				if (!isalnum((unsigned char)k->s[j]) &&
				    strchr("_-.", k->s[j]) == NULL)
					okname = false;
			if (!okname)
				spec_error(c, k, "'%s.%s' is not a valid "
				    "environment variable name", key, k->s);
			for (j = 0; j < nitems(spec_reserved_env); j++)
				if (strcmp(k->s, spec_reserved_env[j]) == 0)
					spec_error(c, k, "'%s.%s' is set by "
					    "ailab-queue for distributed "
					    "training", key, k->s);
		} else {
			if (!spec_is_label_key(k->s))
				spec_error(c, k, "'%s.%s' is not a valid "
				    "Kubernetes %s key", key, k->s,
				    kind == 1 ? "label" : "annotation");
			else if (has_prefix(k->s, "ailab-queue.io/") ||
			    strcmp(k->s, "app.kubernetes.io/managed-by") == 0)
				spec_error(c, k, "'%s.%s' is reserved for "
				    "ailab-queue", key, k->s);
		}
	}
}

/* True when a string holds a ${...} reference. */
bool
spec_has_var(const char *s)
{
	for (; *s != '\0'; s++) {
		if (s[0] == '$' && s[1] == '$')
			s++;
		else if (s[0] == '$' && s[1] == '{')
			return true;
	}
	return false;
}

/* The site's GPU types with each card's memory, for messages:
 * "RTX4090D (48G), RTX4090 (24G), RTX3090 (24G)". */
static char *
spec_gpu_list(const struct spec_site *site)
{
	char *s = xstrdup(""), *n, *mem;
	size_t i;

	for (i = 0; i < site->ngpus; i++) {
		mem = site->gpus[i].memory > 0 ?
		    spec_format_bytes(site->gpus[i].memory) : NULL;
		n = xprintf("%s%s%s%s%s%s", s, i > 0 ? ", " : "",
		    site->gpus[i].name, mem != NULL ? " (" : "",
		    mem != NULL ? mem : "", mem != NULL ? ")" : "");
		free(mem);
		free(s);
		s = n;
	}
	return s;
}

/* Reads gpu: {type, count}; type is a name, a list or "any". */
static void
spec_gpu(struct spec_ctx *c, const struct spec_site *site,
    const struct ytree_node *n, struct spec_tmpl *t)
{
	const struct ytree_node *k, *v, *ty = NULL;
	const char *names[64];
	const char *near;
	size_t i, j, nnames;

	if (n->type != YTREE_MAP) {
		spec_error(c, n, "'gpu' must be a mapping such as "
		    "{type: RTX4090D, count: 1}");
		return;
	}
	for (i = 0; i + 1 < n->n; i += 2) {
		k = n->kids[i];
		v = n->kids[i + 1];
		if (strcmp(k->s, "type") == 0)
			ty = v;
		else if (strcmp(k->s, "count") == 0) {
			if (spec_int(c, v, "gpu.count", 0, 1024,
			    &t->gpu_count) == 0)
				t->gpu_count_set = true;
		} else {
			static const char *const gk[] = { "type", "count" };

			spec_unknown_key(c, k, "gpu.", gk, nitems(gk));
		}
	}
	if (ty == NULL || ytree_is_null(ty)) {
		if (t->gpu_count > 0)
			spec_error(c, n, "'gpu.type' is required when "
			    "'gpu.count' is not 0 (a type, a list of types, "
			    "or any)");
		return;
	}
	for (nnames = 0; nnames < site->ngpus && nnames < nitems(names);
	    nnames++)
		names[nnames] = site->gpus[nnames].name;
	if (ty->type == YTREE_SCALAR && strcmp(ty->s, "any") == 0) {
		t->gpu_any = true;
		t->gpu_type_node = ty;
	} else if (ty->type == YTREE_SCALAR || ty->type == YTREE_SEQ) {
		size_t cnt = ty->type == YTREE_SEQ ? ty->n : 1;

		if (cnt == 0) {
			spec_error(c, ty, "'gpu.type' must not be an empty "
			    "list");
			return;
		}
		t->gpu_type_node = ty;
		t->gpu_types = xcalloc(cnt, sizeof *t->gpu_types);
		for (j = 0; j < cnt; j++) {
			v = ty->type == YTREE_SEQ ? ty->kids[j] : ty;
			if (v->type != YTREE_SCALAR) {
				spec_error(c, v, "GPU types must be names");
				continue;
			}
			if (spec_site_gpu(site, v->s) == NULL) {
				near = spec_closest(v->s, names, nnames);
				if (near != NULL)
					spec_error(c, v, "unknown GPU type '%s' "
					    "(did you mean '%s'?)", v->s, near);
				else {
					char *known = spec_gpu_list(site);

					spec_error(c, v, "unknown GPU type '%s' "
					    "(the site has %s)", v->s, known);
					free(known);
				}
				continue;
			}
			for (i = 0; i < t->ngpu_types; i++)
				if (strcmp(t->gpu_types[i], v->s) == 0)
					break;
			if (i < t->ngpu_types) {
				spec_error(c, v, "GPU type '%s' is listed "
				    "twice", v->s);
				continue;
			}
			t->gpu_types[t->ngpu_types++] = v->s;
		}
	} else
		spec_error(c, ty, "'gpu.type' must be a GPU type, a list of "
		    "types, or any");
	if (!t->gpu_count_set)
		t->gpu_count = 1;
}

/* Reads resources: {cpu, memory}. */
static void
spec_resources(struct spec_ctx *c, const struct ytree_node *n,
    struct spec_tmpl *t)
{
	static const char *const rk[] = { "cpu", "memory" };
	const struct ytree_node *k, *v;
	size_t i;

	if (n->type != YTREE_MAP) {
		spec_error(c, n, "'resources' must be a mapping such as "
		    "{cpu: 8, memory: 16Gi}");
		return;
	}
	for (i = 0; i + 1 < n->n; i += 2) {
		k = n->kids[i];
		v = n->kids[i + 1];
		if (strcmp(k->s, "cpu") == 0) {
			if (spec_quantity(c, v, "resources.cpu",
			    QUANTITY_MILLI, false, &t->cpu_milli) == 0)
				t->cpu_node = v;
		} else if (strcmp(k->s, "memory") == 0) {
			if (spec_quantity(c, v, "resources.memory",
			    QUANTITY_UNITS, false, &t->memory_bytes) == 0)
				t->memory_node = v;
		} else
			spec_unknown_key(c, k, "resources.", rk, nitems(rk));
	}
}

/* Reads ports: a TCP port or a list of them, which the job's NodePort
 * Service exposes on rank 0 (the chart's ExtraPort). */
static void
spec_ports(struct spec_ctx *c, const struct ytree_node *n, const char *key,
    struct spec_tmpl *t)
{
	const struct ytree_node *v;
	size_t i, j, cnt = n->type == YTREE_SEQ ? n->n : 1;
	int p;

	if (n->type == YTREE_MAP) {
		spec_error(c, n, "'%s' must be a port number or a list of them",
		    key);
		return;
	}
	for (i = 0; i < cnt; i++) {
		v = n->type == YTREE_SEQ ? n->kids[i] : n;
		if (spec_int(c, v, key, 1, 65535, &p) != 0)
			continue;
		for (j = 0; j < t->nports && t->ports[j] != p; j++)
			;
		if (j < t->nports) {
			spec_error(c, v, "port %d is listed twice", p);
			continue;
		}
		/* One place stays free for the ssh port. */
		if (t->nports + 1 >= SPEC_MAX_PORTS) {
			spec_error(c, v, "'%s' lists more than %d ports", key,
			    SPEC_MAX_PORTS - 1);
			return;
		}
		t->ports[t->nports++] = p;
	}
}

/* Reads a priority: low, normal, high or 0..1000. */
static void
spec_priority(struct spec_ctx *c, const struct ytree_node *n,
    struct spec_tmpl *t)
{
	const char *s = spec_scalar(c, n, "priority");

	if (s == NULL)
		return;
	if (strcmp(s, "low") == 0)
		t->priority = 250;
	else if (strcmp(s, "normal") == 0)
		t->priority = 500;
	else if (strcmp(s, "high") == 0)
		t->priority = 750;
	else if (isdigit((unsigned char)s[0]) || s[0] == '-')
		spec_int(c, n, "priority", 0, 1000, &t->priority);
	else
		spec_error(c, n, "'priority' must be low, normal, high or an "
		    "integer from 0 to 1000, not '%s'", s);
}

/* True when s is a group name as --group takes it: printable UTF-8 of at
 * most 253 bytes, no control characters. */
static bool
spec_is_group_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 253)
		return false;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

/* Reads after, after_ok, after_any or after_failed (key): a job name, an
 * id or "group:NAME", or a list of them. */
static void
spec_after(struct spec_ctx *c, const struct ytree_node *k,
    const struct ytree_node *n, struct spec_tmpl *t)
{
	const struct ytree_node *v;
	struct after_ref r;
	enum after_kind kind = strcmp(k->s, "after_any") == 0 ? AFTER_ANY :
	    strcmp(k->s, "after_failed") == 0 ? AFTER_FAILED : AFTER_OK;
	size_t i, cnt = n->type == YTREE_SEQ ? n->n : 1;
	bool ok;

	if (t->after[kind] != NULL) {
		spec_error(c, k, "'%s' and '%s' are the same: give one",
		    k->s, strcmp(k->s, "after") == 0 ? "after_ok" : "after");
		return;
	}
	if (n->type == YTREE_MAP) {
		spec_error(c, n, "'%s' must be a job name or id, 'group:NAME', "
		    "or a list of them", k->s);
		return;
	}
	for (i = 0; i < cnt; i++) {
		v = n->type == YTREE_SEQ ? n->kids[i] : n;
		ok = v->type == YTREE_SCALAR && strncmp(v->s, "any:", 4) &&
		    strncmp(v->s, "failed:", 7) && strncmp(v->s, "ok:", 3) &&
		    after_parse(v->s, &r) == 0;
		if (ok && r.group)
			ok = spec_is_group_name(r.target);
		else if (ok)
			ok = spec_is_dns_label(v->s, 63);
		if (!ok)
			spec_error(c, v, "'%s' entries must be job names, ids or "
			    "'group:NAME'", k->s);
	}
	t->after[kind] = n;
}

/* Reads the values of one sweep parameter: a list of scalars. */
static int
spec_sweep_values(struct spec_ctx *c, const struct ytree_node *v,
    const char *key)
{
	size_t i;

	if (v->type != YTREE_SEQ || v->n == 0) {
		spec_error(c, v, "sweep parameter '%s' must be a non-empty "
		    "list of values", key);
		return -1;
	}
	for (i = 0; i < v->n; i++) {
		if (v->kids[i]->type != YTREE_SCALAR) {
			spec_error(c, v->kids[i], "sweep values must be single "
			    "values");
			return -1;
		}
	}
	return 0;
}

/* True for a parameter name usable as ${name}. */
static bool
spec_is_param_name(const char *s)
{
	if (!isalpha((unsigned char)*s) && *s != '_')
		return false;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
			return false;
	return true;
}

/* The most parameters one sweep may have, so that finding a ${name}
 * stays cheap. */
#define SPEC_MAX_PARAMS 256

/* Checks the names of a grid or zip mapping's parameters. */
static int
spec_sweep_names(struct spec_ctx *c, const struct ytree_node *m)
{
	size_t i;

	if (m->n / 2 > SPEC_MAX_PARAMS) {
		spec_error(c, m, "a sweep takes at most %d parameters",
		    SPEC_MAX_PARAMS);
		return -1;
	}
	for (i = 0; i < m->n; i += 2) {
		if (!spec_is_param_name(m->kids[i]->s) ||
		    strcmp(m->kids[i]->s, "index") == 0 ||
		    strcmp(m->kids[i]->s, "group") == 0) {
			spec_error(c, m->kids[i], "'%s' cannot be a parameter "
			    "name", m->kids[i]->s);
			return -1;
		}
		if (spec_sweep_values(c, m->kids[i + 1], m->kids[i]->s) != 0)
			return -1;
	}
	return 0;
}

/* The sizes of a grid's axes for a message: "100 x 100 x 10". */
static char *
spec_sweep_axes(const struct ytree_node *m)
{
	char *s = xstrdup(""), *n;
	size_t i;

	for (i = 1; i < m->n; i += 2) {
		if (strlen(s) > 200) {
			n = xprintf("%s x ...", s);
			free(s);
			return n;
		}
		n = xprintf("%s%s%zu", s, i > 1 ? " x " : "", m->kids[i]->n);
		free(s);
		s = n;
	}
	return s;
}

/* Sets up the table of a grid or zip of rows rows: its keys are the
 * mapping's names, its values borrowed from the tree. */
static void
spec_sweep_table(const struct ytree_node *m, size_t rows,
    struct spec_params *p)
{
	size_t nk = m->n / 2, i;

	p->nkeys = nk;
	p->keys = xcalloc(nk, sizeof *p->keys);
	for (i = 0; i < nk; i++)
		p->keys[i] = xstrdup(m->kids[2 * i]->s);
	p->nrows = rows;
	p->borrowed = true;
	p->vals = xcalloc(rows * nk, sizeof *p->vals);
}

/* Builds the rows of a grid: the product, the last parameter varying
 * fastest. */
static int
spec_sweep_grid(struct spec_ctx *c, const struct ytree_node *m,
    struct spec_params *p)
{
	size_t nk = m->n / 2, i, r, rem;
	uint64_t total = 1;

	if (m->type != YTREE_MAP || m->n == 0) {
		spec_error(c, m, "'sweep.grid' must map parameter names to "
		    "lists of values");
		return -1;
	}
	if (spec_sweep_names(c, m) != 0)
		return -1;
	/* The product is counted (saturating) before any row is made. */
	for (i = 0; i < nk; i++) {
		rem = m->kids[2 * i + 1]->n;
		total = total > UINT64_MAX / rem ? UINT64_MAX : total * rem;
	}
	if (total > spec_max_jobs(c)) {
		char *axes = spec_sweep_axes(m);

		spec_error(c, m, "'sweep.grid' makes %s%llu jobs (%s): at "
		    "most %zu may be submitted at once", total == UINT64_MAX ?
		    "more than " : "", (unsigned long long)total, axes,
		    spec_max_jobs(c));
		free(axes);
		return -1;
	}
	spec_sweep_table(m, (size_t)total, p);
	for (r = 0; r < p->nrows; r++) {
		rem = r;
		for (i = nk; i-- > 0;) {
			const struct ytree_node *l = m->kids[2 * i + 1];

			p->vals[r * nk + i] = l->kids[rem % l->n]->s;
			rem /= l->n;
		}
	}
	return 0;
}

/* Builds the rows of a zip: the i-th values of every parameter. */
static int
spec_sweep_zip(struct spec_ctx *c, const struct ytree_node *m,
    struct spec_params *p)
{
	size_t nk = m->n / 2, i, r, len;

	if (m->type != YTREE_MAP || m->n == 0) {
		spec_error(c, m, "'sweep.zip' must map parameter names to "
		    "lists of values");
		return -1;
	}
	if (spec_sweep_names(c, m) != 0)
		return -1;
	len = m->kids[1]->n;
	for (i = 1; i < nk; i++) {
		if (m->kids[2 * i + 1]->n != len) {
			spec_error(c, m->kids[2 * i + 1], "zip lists must have "
			    "the same length: '%s' has %zu values, '%s' has "
			    "%zu", m->kids[2 * i]->s, m->kids[2 * i + 1]->n,
			    m->kids[0]->s, len);
			return -1;
		}
	}
	if (len > spec_max_jobs(c)) {
		spec_error(c, m, "'sweep.zip' makes %zu jobs: at most %zu may "
		    "be submitted at once", len, spec_max_jobs(c));
		return -1;
	}
	spec_sweep_table(m, len, p);
	for (r = 0; r < len; r++)
		for (i = 0; i < nk; i++)
			p->vals[r * nk + i] = m->kids[2 * i + 1]->kids[r]->s;
	return 0;
}

/* Builds the rows of an explicit list of parameter sets. */
static int
spec_sweep_list(struct spec_ctx *c, const struct ytree_node *l,
    struct spec_params *p)
{
	const struct ytree_node *r;
	size_t i, j, k;

	if (l->type != YTREE_SEQ || l->n == 0) {
		spec_error(c, l, "'sweep.list' must be a non-empty list of "
		    "parameter sets");
		return -1;
	}
	if (l->n > spec_max_jobs(c)) {
		spec_error(c, l, "'sweep.list' makes %zu jobs: at most %zu may "
		    "be submitted at once", l->n, spec_max_jobs(c));
		return -1;
	}
	for (i = 0; i < l->n; i++) {
		r = l->kids[i];
		if (r->type != YTREE_MAP) {
			spec_error(c, r, "a parameter set must be a mapping");
			return -1;
		}
		for (j = 0; j < r->n; j += 2) {
			if (r->kids[j + 1]->type != YTREE_SCALAR ||
			    !spec_is_param_name(r->kids[j]->s) ||
			    strcmp(r->kids[j]->s, "index") == 0 ||
			    strcmp(r->kids[j]->s, "group") == 0) {
				spec_error(c, r->kids[j], "parameter '%s' must "
				    "be a name with a single value",
				    r->kids[j]->s);
				return -1;
			}
			for (k = 0; k < p->nkeys; k++)
				if (strcmp(p->keys[k], r->kids[j]->s) == 0)
					break;
			if (k == p->nkeys) {
				if (p->nkeys >= SPEC_MAX_PARAMS) {
					spec_error(c, r, "a sweep takes at most "
					    "%d parameters", SPEC_MAX_PARAMS);
					return -1;
				}
				p->keys = xreallocarray(p->keys, p->nkeys + 1,
				    sizeof *p->keys);
				p->keys[p->nkeys++] = xstrdup(r->kids[j]->s);
			}
		}
	}
	p->nrows = l->n;
	p->borrowed = true;
	p->vals = xcalloc(l->n * (p->nkeys ? p->nkeys : 1), sizeof *p->vals);
	for (i = 0; i < l->n; i++) {
		r = l->kids[i];
		for (j = 0; j < r->n; j += 2) {
			for (k = 0; k < p->nkeys; k++)
				if (strcmp(p->keys[k], r->kids[j]->s) == 0)
					break;
			p->vals[i * p->nkeys + k] = r->kids[j + 1]->s;
		}
	}
	return 0;
}

/* Reads sweep: one of grid, list, zip, and max_running. */
static void
spec_sweep(struct spec_ctx *c, const struct ytree_node *n, struct spec_tmpl *t)
{
	static const char *const sk[] = { "grid", "list", "zip",
		"max_running", "max_gpus" };
	const struct ytree_node *k, *v, *form = NULL;
	size_t i;

	if (n->type != YTREE_MAP) {
		spec_error(c, n, "'sweep' must be a mapping with 'grid', "
		    "'list' or 'zip'");
		return;
	}
	for (i = 0; i + 1 < n->n; i += 2) {
		k = n->kids[i];
		v = n->kids[i + 1];
		if (strcmp(k->s, "max_running") == 0)
			spec_int(c, v, "sweep.max_running", 1, SPEC_MAX_JOBS,
			    &t->max_running);
		else if (strcmp(k->s, "max_gpus") == 0)
			spec_int(c, v, "sweep.max_gpus", 1, 1000000,
			    &t->max_gpus);
		else if (strcmp(k->s, "grid") == 0 || strcmp(k->s, "list") == 0 ||
		    strcmp(k->s, "zip") == 0) {
			if (form != NULL) {
				spec_error(c, k, "'sweep' takes one of 'grid', "
				    "'list' or 'zip'");
				continue;
			}
			form = k;
			if (k->s[0] == 'g')
				spec_sweep_grid(c, v, &t->params);
			else if (k->s[0] == 'l')
				spec_sweep_list(c, v, &t->params);
			else
				spec_sweep_zip(c, v, &t->params);
		} else
			spec_unknown_key(c, k, "sweep.", sk, nitems(sk));
	}
	if (form == NULL)
		spec_error(c, n, "'sweep' needs 'grid', 'list' or 'zip'");
	t->kind = "sweep";
}

/* Reads for_each: {roster, as}. */
static void
spec_for_each(struct spec_ctx *c, const struct ytree_node *n,
    struct spec_tmpl *t)
{
	static const char *const fk[] = { "roster", "as", "max_running",
		"max_gpus" };
	const struct ytree_node *k, *v, *roster = NULL;
	const char *as = "row";
	size_t i;

	t->kind = "roster";
	if (n->type != YTREE_MAP) {
		spec_error(c, n, "'for_each' must be a mapping such as "
		    "{roster: students.csv, as: student}");
		return;
	}
	for (i = 0; i + 1 < n->n; i += 2) {
		k = n->kids[i];
		v = n->kids[i + 1];
		if (strcmp(k->s, "roster") == 0) {
			if (spec_scalar(c, v, "for_each.roster") != NULL)
				roster = v;
		} else if (strcmp(k->s, "as") == 0) {
			if (spec_scalar(c, v, "for_each.as") == NULL)
				continue;
			if (!spec_is_param_name(v->s) ||
			    strcmp(v->s, "index") == 0 ||
			    strcmp(v->s, "group") == 0) {
				spec_error(c, v, "'for_each.as' must be a "
				    "name such as student");
				continue;
			}
			as = v->s;
		} else if (strcmp(k->s, "max_running") == 0)
			spec_int(c, v, "for_each.max_running", 1,
			    SPEC_MAX_JOBS, &t->max_running);
		else if (strcmp(k->s, "max_gpus") == 0)
			spec_int(c, v, "for_each.max_gpus", 1, 1000000,
			    &t->max_gpus);
		else
			spec_unknown_key(c, k, "for_each.", fk, nitems(fk));
	}
	if (roster == NULL) {
		spec_error(c, n, "'for_each.roster' is required");
		return;
	}
	if (spec_roster_load(c, roster, roster->s, as, &t->params) != 0)
		return;
	if (t->params.nrows == 0)
		spec_error(c, roster, "roster '%s' has no rows", roster->s);
}

/* Gives a tree and all its nodes one place, so errors about what a
 * string held point at the string. */
static void
spec_node_place(struct ytree_node *n, int line, int col)
{
	size_t i;

	n->line = line;
	n->col = col;
	for (i = 0; i < n->n; i++)
		spec_node_place(n->kids[i], line, col);
}

/* Doubles every '$' of a scalar: the chart's values have no variables, so
 * what they hold reaches the pod as written. */
static void
spec_node_literal(struct ytree_node *n)
{
	size_t i, k, dollars = 0;
	char *s;

	for (i = 0; n->s[i] != '\0'; i++)
		dollars += n->s[i] == '$';
	if (dollars == 0)
		return;
	s = xmalloc(i + dollars + 1);
	for (i = 0, k = 0; n->s[i] != '\0'; i++) {
		if (n->s[i] == '$')
			s[k++] = '$';
		s[k++] = n->s[i];
	}
	s[k] = '\0';
	free(n->s);
	n->s = s;
}

/*
 * Reads the chart's Command or Args (taking v): the chart pastes the value
 * into the container as its command or args, so it is a YAML list written
 * as a string ('["python", "app.py"]'); a real list is read too.  NULL for
 * an empty value (the chart's default) or after a diagnostic (*bad set).
 */
static struct ytree_node *
spec_helm_argv(struct spec_ctx *c, struct ytree_node *v, const char *key,
    bool *bad)
{
	struct spec_diags scratch = { 0 };
	struct spec_ctx sc = { .file = c->file, .diags = &scratch };
	struct ytree_node **docs = NULL, *l = NULL;
	size_t ndocs = 0, i;
	bool ok;

	if (ytree_is_null(v) || (v->type == YTREE_SCALAR &&
	    v->s[0] == '\0')) {
		ytree_free(v);
		return NULL;
	}
	if (v->type == YTREE_SEQ) {
		l = v;
		v = NULL;
	} else if (v->type == YTREE_SCALAR &&
	    spec_yaml_parse(&sc, v->s, strlen(v->s), &docs, &ndocs) == 0 &&
	    ndocs == 1 && docs[0]->type == YTREE_SEQ) {
		l = docs[0];
		docs[0] = NULL;
		spec_node_place(l, v->line, v->col);
	}
	for (i = 0; i < ndocs; i++)
		ytree_free(docs[i]);
	free(docs);
	spec_diags_release(&scratch);
	ok = l != NULL && l->n > 0;
	for (i = 0; ok && i < l->n; i++)
		ok = l->kids[i]->type == YTREE_SCALAR;
	if (!ok) {
		spec_error(c, l != NULL ? l : v, "'%s' must be a non-empty list "
		    "of strings (exec form, no shell), such as "
		    "'[\"python\", \"app.py\"]'; for a shell command line "
		    "write 'command: python app.py' instead", key);
		*bad = true;
		ytree_free(l);
		ytree_free(v);
		return NULL;
	}
	for (i = 0; i < l->n; i++)
		spec_node_literal(l->kids[i]);
	ytree_free(v);
	return l;
}

/* Maps Command and Args onto an exec-form command: Args follow Command,
 * as Kubernetes runs a container's command with its args. */
static void
spec_helm_command(struct spec_ctx *c, struct ytree_node *d)
{
	struct ytree_node *cv = ytree_take(d, "Command");
	struct ytree_node *av = ytree_take(d, "Args");
	struct ytree_node *cmd = NULL, *args = NULL;
	bool bad = false;
	size_t i;

	if (cv != NULL && ytree_get(d, "command") != NULL) {
		spec_error(c, cv, "use 'Command' or 'command', not both");
		ytree_free(cv);
		ytree_free(av);
		return;
	}
	if (cv != NULL)
		cmd = spec_helm_argv(c, cv, "Command", &bad);
	if (av != NULL) {
		int line = av->line, col = av->col;

		args = spec_helm_argv(c, av, "Args", &bad);
		if (args != NULL && cmd == NULL && !bad) {
			spec_error_at(c, line, col, "'Args' is used only with "
			    "'Command' (the chart ignores it otherwise): add "
			    "'Command', or write the whole command line in "
			    "'command'");
			bad = true;
		}
	}
	if (!bad && cmd != NULL) {
		for (i = 0; args != NULL && i < args->n; i++) {
			ytree_append(cmd, args->kids[i]);
			args->kids[i] = NULL;
		}
		if (args != NULL)
			args->n = 0;
		ytree_set(d, "command", cmd);
		cmd = NULL;
	}
	ytree_free(cmd);
	ytree_free(args);
}

/* Takes a chart key ailab-queue does not read: its default (empty) passes,
 * anything else is refused with what to do instead. */
static void
spec_helm_refuse(struct spec_ctx *c, struct ytree_node *d, const char *key,
    const char *why)
{
	struct ytree_node *v = ytree_take(d, key);

	if (v != NULL && !ytree_is_null(v) && (v->type !=
	    YTREE_SCALAR || v->s[0] != '\0'))
		spec_error(c, v, "'%s' is not supported: %s", key, why);
	ytree_free(v);
}

/* Maps a helm values file of the cluster's chart onto a spec, in place:
 * the chart's keys become spec keys; other keys pass through. */
static void
spec_helm_convert(struct spec_ctx *c, struct ytree_node *d,
    const struct spec_site *site)
{
	struct ytree_node *v, *w, *lim, *gpu = NULL, *res = NULL, *use_shm,
	    *shm_size;
	const char *near;
	bool b;
	size_t i;

	if ((v = ytree_take(d, "DeployName")) != NULL) {
		ytree_free(ytree_take(d, "BaseName"));
		ytree_set(d, "name", v);
	} else if ((v = ytree_take(d, "BaseName")) != NULL)
		ytree_set(d, "name", v);
	if ((v = ytree_take(d, "NameSpace")) != NULL)
		ytree_set(d, "namespace", v);
	if ((v = ytree_take(d, "ContainerImage")) != NULL)
		ytree_set(d, "image", v);
	if ((v = ytree_take(d, "ContainerName")) != NULL)
		ytree_set(d, "container_name", v);
	if ((v = ytree_take(d, "Replicas")) != NULL)
		ytree_set(d, "replicas", v);
	if ((v = ytree_take(d, "UseIB")) != NULL)
		ytree_set(d, "ib", v);
	if ((v = ytree_take(d, "UID")) != NULL)
		ytree_set(d, "uid", v);
	if ((v = ytree_take(d, "GID")) != NULL)
		ytree_set(d, "gid", v);
	v = ytree_take(d, "NoGFS");
	/* The template's comment spells it 'nogfs', which the chart never
	 * reads: whoever uncomments it means NoGFS. */
	if ((w = ytree_take(d, "nogfs")) != NULL && v != NULL) {
		spec_error(c, w, "'nogfs' and 'NoGFS' are one setting: keep "
		    "'NoGFS'");
		ytree_free(w);
	} else if (w != NULL)
		v = w;
	if (v != NULL)
		ytree_set(d, "no_gfs", v);
	if ((v = ytree_take(d, "ExtraPort")) != NULL) {
		if (ytree_get(d, "ports") != NULL) {
			spec_error(c, v, "use 'ExtraPort' or 'ports', not both");
			ytree_free(v);
		} else if (v->type == YTREE_SCALAR &&
		    strcmp(v->s, "0") == 0)
			ytree_free(v);      /* the chart's "no extra port" */
		else
			ytree_set(d, "ports", v);
	}
	spec_helm_refuse(c, d, "IngressHost", "ailab-queue creates no Ingress "
	    "(the chart's needs the operators' certificate issuer and TLS "
	    "secret); remove it and reach the port with 'kubectl "
	    "port-forward svc/<name>-<id>-0 <port>', or ask the operators "
	    "to publish it");
	spec_helm_refuse(c, d, "EMAIL", "it belongs to the admin chart (the "
	    "user its RoleBinding names); a job is created with your "
	    "kubeconfig's credentials: remove it");
	spec_helm_command(c, d);
	if ((v = ytree_take(d, "NVMEStorage")) != NULL)
		ytree_set(d, "scratch", v);
	else if (site->scratch_default > 0 && ytree_get(d, "scratch") ==
	    NULL) {
		char *q = quantity_format_bytes(site->scratch_default);

		ytree_set(d, "scratch", ytree_scalar(q, d->line,
		    d->col));
		free(q);
	}
	if ((v = ytree_take(d, "Label")) != NULL) {
		struct ytree_node *l = ytree_new(YTREE_MAP, v->line,
		    v->col);

		ytree_set(l, "app", v);
		ytree_set(d, "labels", l);
	}
	if ((v = ytree_take(d, "GPU")) != NULL) {
		gpu = ytree_new(YTREE_MAP, v->line, v->col);
		ytree_set(gpu, "type", v);
	}
	if ((lim = ytree_take(d, "Limits")) != NULL) {
		if (lim->type != YTREE_MAP)
			spec_error(c, lim, "'Limits' must be a mapping of CPU, "
			    "memory and GPU");
		else {
			static const char *const lk[] = { "CPU", "memory",
				"GPU" };

			for (i = 0; i + 1 < lim->n; i += 2) {
				const char *k = lim->kids[i]->s;

				if (strcmp(k, "CPU") != 0 &&
				    strcmp(k, "memory") != 0 &&
				    strcmp(k, "GPU") != 0)
					spec_unknown_key(c, lim->kids[i],
					    "Limits.", lk, nitems(lk));
			}
			if ((v = ytree_take(lim, "GPU")) != NULL) {
				if (gpu == NULL)
					gpu = ytree_new(YTREE_MAP,
					    v->line, v->col);
				ytree_set(gpu, "count", v);
			}
			if ((v = ytree_take(lim, "CPU")) != NULL) {
				res = ytree_new(YTREE_MAP, v->line,
				    v->col);
				ytree_set(res, "cpu", v);
			}
			if ((v = ytree_take(lim, "memory")) != NULL) {
				if (res == NULL)
					res = ytree_new(YTREE_MAP,
					    v->line, v->col);
				ytree_set(res, "memory", v);
			}
		}
		ytree_free(lim);
	}
	if (gpu != NULL) {
		/* The chart's default is no GPU: GPU alone picks the nodes. */
		if (ytree_get(gpu, "count") == NULL)
			ytree_set(gpu, "count", ytree_scalar("0",
			    gpu->line, gpu->col));
		ytree_set(d, "gpu", gpu);
	}
	if (res != NULL)
		ytree_set(d, "resources", res);
	use_shm = ytree_take(d, "UseShm");
	shm_size = ytree_take(d, "ShmSize");
	if (use_shm != NULL && spec_bool(c, use_shm, "UseShm", &b) == 0 && b) {
		if (shm_size == NULL)
			shm_size = ytree_scalar("8Gi", use_shm->line,
			    use_shm->col);
		ytree_set(d, "shm", shm_size);
		shm_size = NULL;
	}
	ytree_free(use_shm);
	ytree_free(shm_size);
	if (ytree_get(d, "command") == NULL &&
	    ytree_get(d, "interactive") == NULL)
		ytree_set(d, "interactive", ytree_scalar("true",
		    d->line, d->col));
	/* A chart key in the wrong case is a typo, not a spec key. */
	for (i = 0; i + 1 < d->n; i += 2) {
		const char *k = d->kids[i]->s;

		if (!isupper((unsigned char)k[0]))
			continue;
		near = spec_closest(k, spec_helm_keys, nitems(spec_helm_keys));
		if (near != NULL)
			spec_error(c, d->kids[i], "unknown key '%s' (did you "
			    "mean '%s'?)", k, near);
		else
			spec_error(c, d->kids[i], "unknown key '%s'", k);
		d->kids[i]->s[0] = '\0';
	}
}

/* True when a document uses the keys of the cluster's helm values. */
static bool
spec_is_helm(const struct ytree_node *d)
{
	size_t i;

	for (i = 0; i < nitems(spec_helm_keys); i++)
		if (ytree_get(d, spec_helm_keys[i]) != NULL)
			return true;
	return false;
}

/* Releases what a template holds. */
void
spec_tmpl_release(struct spec_tmpl *t)
{
	free(t->gpu_types);
	spec_params_release(&t->params);
}

/* Validates one document into a template; 0 or -1 (with diagnostics). */
int
spec_tmpl_read(struct spec_ctx *c, struct ytree_node *d,
    const struct spec_options *o, struct spec_tmpl *t)
{
	const struct spec_site *site = o->site;
	const struct ytree_node *k, *v;
	const struct spec_gpu_type *g;
	int before = c->errors;
	bool b, name_typo = false;
	size_t i;

	memset(t, 0, sizeof *t);
	t->doc = d;
	t->replicas = 1;
	t->cpu_milli = site->default_cpu_milli;
	t->memory_bytes = site->default_memory;
	t->uid = site->default_uid;
	t->gid = site->default_gid;
	t->priority = 500;
	if (d->type != YTREE_MAP) {
		spec_error(c, d, "a job spec must be a mapping of keys such as "
		    "'name', 'image' and 'command'");
		return -1;
	}
	for (i = 0; i < o->nsets; i++)
		spec_node_apply_set(c, d, o->sets[i]);
	if (spec_is_helm(d)) {
		t->helm = true;
		spec_helm_convert(c, d, site);
	}
	for (i = 0; i + 1 < d->n; i += 2) {
		k = d->kids[i];
		v = d->kids[i + 1];
		if (k->s[0] == '\0')
			continue;
		if (ytree_is_null(v) && strcmp(k->s, "name") != 0)
			continue;
		if (strcmp(k->s, "name") == 0) {
			if (spec_scalar(c, v, "name") != NULL)
				t->name = v;
		} else if (strcmp(k->s, "namespace") == 0) {
			if (spec_scalar(c, v, "namespace") == NULL)
				continue;
			/* ${var}: a roster's or sweep's value per job,
			 * checked once substituted. */
			if (!spec_is_dns_label(v->s, 63) &&
			    !spec_has_var(v->s))
				spec_error(c, v, "'namespace' must be a "
				    "DNS-1123 label, not '%s'", v->s);
			else
				t->ns = v;
		} else if (strcmp(k->s, "image") == 0) {
			if (spec_scalar(c, v, "image") == NULL)
				continue;
			if (v->s[0] == '\0' || strpbrk(v->s, " \t\n") != NULL ||
			    strlen(v->s) > 1024)
				spec_error(c, v, "'image' must be an image "
				    "reference, not '%s'", v->s);
			else
				t->image = v;
		} else if (strcmp(k->s, "command") == 0) {
			t->command_key = true;
			if (v->type == YTREE_MAP) {
				spec_error(c, v, "'command' must be a string "
				    "or a list");
				continue;
			}
			if (v->type == YTREE_SEQ) {
				size_t j;

				if (v->n == 0) {
					spec_error(c, v, "'command' must not "
					    "be empty");
					continue;
				}
				for (j = 0; j < v->n; j++)
					if (v->kids[j]->type !=
					    YTREE_SCALAR)
						spec_error(c, v->kids[j],
						    "'command' items must be "
						    "strings");
			} else if (v->s[0] == '\0') {
				spec_error(c, v, "'command' must not be empty");
				continue;
			}
			t->command = v;
		} else if (strcmp(k->s, "workdir") == 0) {
			if (spec_scalar(c, v, "workdir") == NULL)
				continue;
			if (v->s[0] != '/' && !spec_has_var(v->s))
				spec_error(c, v, "'workdir' must be an "
				    "absolute path, not '%s'", v->s);
			t->workdir = v;
		} else if (strcmp(k->s, "env") == 0) {
			spec_string_map(c, v, "env", 0);
			t->env = v;
		} else if (strcmp(k->s, "labels") == 0) {
			spec_string_map(c, v, "labels", 1);
			t->labels = v;
		} else if (strcmp(k->s, "annotations") == 0) {
			spec_string_map(c, v, "annotations", 2);
			t->annotations = v;
		} else if (strcmp(k->s, "gpu") == 0)
			spec_gpu(c, site, v, t);
		else if (strcmp(k->s, "replicas") == 0) {
			if (spec_int(c, v, "replicas", 1, site->max_replicas,
			    &t->replicas) == 0)
				t->replicas_node = v;
		} else if (strcmp(k->s, "resources") == 0)
			spec_resources(c, v, t);
		else if (strcmp(k->s, "shm") == 0) {
			if (spec_quantity(c, v, "shm", QUANTITY_UNITS, true,
			    &t->shm_bytes) == 0)
				t->shm_node = v;
		} else if (strcmp(k->s, "scratch") == 0)
			spec_quantity(c, v, "scratch", QUANTITY_UNITS, true,
			    &t->scratch_bytes);
		else if (strcmp(k->s, "workload") == 0) {
			if (spec_scalar(c, v, "workload") == NULL)
				continue;
			if (strcmp(v->s, "job") == 0)
				t->job_workload = true;
			else if (strcmp(v->s, "deployment") != 0)
				spec_error(c, v, "'workload' must be deployment "
				    "or job, not '%s'", v->s);
		} else if (strcmp(k->s, "interactive") == 0) {
			if (spec_bool(c, v, "interactive", &b) == 0)
				t->interactive = b;
			t->interactive_node = v;
		} else if (strcmp(k->s, "ib") == 0) {
			if (spec_bool(c, v, t->helm ? "UseIB" : "ib", &b) == 0)
				t->ib = b;
		} else if (strcmp(k->s, "no_gfs") == 0) {
			if (spec_bool(c, v, t->helm ? "NoGFS" : "no_gfs",
			    &b) == 0)
				t->no_gfs = b;
		} else if (strcmp(k->s, "uid") == 0 ||
		    strcmp(k->s, "gid") == 0) {
			const char *what = k->s[0] == 'u' ? (t->helm ? "UID" :
			    "uid") : (t->helm ? "GID" : "gid");
			int id;

			if (spec_int(c, v, what, 0, INT32_MAX, &id) == 0)
				*(k->s[0] == 'u' ? &t->uid : &t->gid) = id;
		} else if (strcmp(k->s, "ports") == 0)
			spec_ports(c, v, t->helm ? "ExtraPort" : "ports", t); else if (strcmp(k->s, "container_name") == 0) {
			if (spec_scalar(c, v, "container_name") == NULL)
				continue;
			if (!spec_is_dns_label(v->s, 63))
				spec_error(c, v, "'container_name' must be a "
				    "DNS-1123 label, not '%s'", v->s);
			else
				t->container_name = v;
		} else if (strcmp(k->s, "priority") == 0)
			spec_priority(c, v, t);
		else if (strcmp(k->s, "timeout") == 0) {
			char *cause = NULL;

			if (spec_scalar(c, v, "timeout") == NULL)
				continue;
			if (duration_parse(v->s, &t->timeout_s, &cause) != 0) {
				spec_error(c, v, "'timeout': %s", cause);
				free(cause);
			} else if (t->timeout_s < 0)
				spec_error(c, v, "'timeout' must not be "
				    "negative");
		} else if (strcmp(k->s, "retries") == 0)
			spec_int(c, v, "retries", 0, 100, &t->retries);
		else if (strncmp(k->s, "after", 5) == 0)
			spec_after(c, k, v, t);
		else if (strcmp(k->s, "sweep") == 0) {
			if (ytree_get(d, "for_each") != NULL)
				spec_error(c, k, "use 'sweep' or 'for_each', "
				    "not both");
			else
				spec_sweep(c, v, t);
		} else if (strcmp(k->s, "for_each") == 0) {
			if (ytree_get(d, "sweep") == NULL)
				spec_for_each(c, v, t);
		} else {
			const char *near = spec_closest(k->s, spec_keys,
			    nitems(spec_keys));

			spec_unknown_key(c, k, "", spec_keys, nitems(spec_keys));
			/* "did you mean 'name'" says enough: no "required". */
			if (near != NULL && strcmp(near, "command") == 0)
				t->command_key = true;
			if (near != NULL && strcmp(near, "name") == 0)
				name_typo = true;
		}
	}
	if ((t->name == NULL || ytree_is_null(t->name)) && !name_typo)
		spec_error(c, d, t->helm ? "'BaseName' is required" :
		    "'name' is required");
	if (t->name != NULL && !ytree_is_null(t->name) &&
	    !spec_has_var(t->name->s)) {
		/* Checked here too, so a bad name shows with the other
		 * errors; names with variables are checked per job. */
		char *n = t->kind != NULL ? xprintf("%s-%zu", t->name->s,
		    t->params.nrows > 0 ? t->params.nrows - 1 : 0) :
		    xstrdup(t->name->s);

		if (!spec_is_dns_label(n, SPEC_MAX_NAME) || n[0] < 'a' ||
		    n[0] > 'z')
			spec_error(c, t->name, "job name '%s' must be a "
			    "DNS-1123 label of at most %d characters that "
			    "starts with a letter (lowercase letters, digits "
			    "and '-')", n, SPEC_MAX_NAME);
		free(n);
	}
	if (t->interactive && t->command != NULL)
		spec_error(c, t->command, "an interactive job has no "
		    "'command': its pods stay up for exec until cancelled");
	if (!t->interactive && t->command == NULL && !t->command_key)
		spec_error(c, d, "'command' is required (or 'interactive: "
		    "true' for pods that stay up)");
	if (t->interactive) {
		/* The chart's Service has ssh (22) besides ExtraPort. */
		for (i = 0; i < t->nports && t->ports[i] != SPEC_SSH_PORT; i++)
			;
		if (i == t->nports) {
			memmove(&t->ports[1], &t->ports[0], t->nports *
			    sizeof *t->ports);
			t->ports[0] = SPEC_SSH_PORT;
			t->nports++;
		}
	}
	/* A forgotten interactive job would hold its GPUs until someone
	 * notices: unless the spec says otherwise (timeout: 0 is none), it
	 * gets the site's limit. */
	if (t->interactive && ytree_get(d, "timeout") == NULL)
		t->timeout_s = site->interactive_timeout_s;
	if (t->interactive && t->job_workload)
		spec_error(c, t->interactive_node, "an interactive job needs "
		    "'workload: deployment'");
	if (t->cpu_milli > site->max_cpu_milli)
		spec_error(c, t->cpu_node, "'resources.cpu' is more than the "
		    "site allows per replica");
	if (t->memory_bytes > site->max_memory)
		spec_error(c, t->memory_node, "'resources.memory' is more than "
		    "the site allows per replica");
	if (t->shm_bytes > t->memory_bytes)
		spec_error(c, t->shm_node, "'shm' is larger than "
		    "'resources.memory'; /dev/shm counts against the memory "
		    "limit");
	if (t->max_running > 0 && t->kind == NULL)
		spec_error(c, d, "'max_running' needs a sweep or roster");
	/* A job the group's cap could never hold would wait for ever. */
	if (t->max_gpus > 0 && (long long)t->gpu_count * t->replicas >
	    t->max_gpus)
		spec_error(c, d, "one job needs %d GPUs (%d x %d replicas), "
		    "more than the group's 'max_gpus' %d", t->gpu_count *
		    t->replicas, t->gpu_count, t->replicas, t->max_gpus);
	if (t->gpu_count > 0) {
		size_t fit = 0, ntypes = t->gpu_any ? site->ngpus :
		    t->ngpu_types;

		for (i = 0; i < ntypes; i++) {
			g = t->gpu_any ? &site->gpus[i] :
			    spec_site_gpu(site, t->gpu_types[i]);
			if (t->gpu_count <= g->max_per_node)
				fit++;
			else if (!t->gpu_any)
				spec_error(c, t->gpu_type_node, "no %s node "
				    "holds %d GPUs (at most %d per replica)",
				    g->name, t->gpu_count, g->max_per_node);
			if (g->max_per_user > 0 && (int64_t)t->gpu_count *
			    t->replicas > g->max_per_user && !t->gpu_any)
				spec_error(c, t->gpu_type_node, "%d %s GPUs "
				    "is more than the %d a user may hold",
				    t->gpu_count * t->replicas, g->name,
				    g->max_per_user);
		}
		if (t->gpu_any && fit == 0)
			spec_error(c, t->gpu_type_node, "no node holds %d GPUs",
			    t->gpu_count);
	}
	(void)o;
	return c->errors == before ? 0 : -1;
}
