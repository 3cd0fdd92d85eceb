/* spec-parse.c: a YAML document to a validated template of jobs. */
#include "spec-int.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
const char *
spec_scalar(struct spec_ctx *c, const struct ytree_node *n, const char *key)
{
	if (n->type != YTREE_SCALAR) {
		spec_error(c, n, "'%s' must be a single value", key);
		return NULL;
	}
	return n->s;
}

/* A YAML boolean; 0 or -1 with a diagnostic. */
int
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
int
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

/*
 * The keys of a job spec, one handler each: the table drives the parse
 * and the did-you-mean of an unknown key, and t0019 holds the manual page
 * (docs/ailab-queue-spec.5) to it.  A handler validates one value into
 * the template and reports through diagnostics; the value is never null
 * (null means "unset", except for 'name').
 */
typedef void spec_field_fn(struct spec_ctx *, const struct ytree_node *k,
    const struct ytree_node *v, struct spec_tmpl *, const struct spec_site *);

/* 'gpu': {type, count}; type is a name, a list or "any", against the
 * site's GPU types. */
static void
spec_f_gpu(struct spec_ctx *c, const struct ytree_node *key,
    const struct ytree_node *n, struct spec_tmpl *t,
    const struct spec_site *site)
{
	const struct ytree_node *k, *v, *ty = NULL;
	const char *names[64];
	const char *near;
	size_t i, j, nnames;

	(void)key;
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

/* 'resources': {cpu, memory} per replica. */
static void
spec_f_resources(struct spec_ctx *c, const struct ytree_node *key,
    const struct ytree_node *n, struct spec_tmpl *t,
    const struct spec_site *site)
{
	static const char *const rk[] = { "cpu", "memory" };
	const struct ytree_node *k, *v;
	size_t i;

	(void)key, (void)site;
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

/* 'ports': a TCP port or a list of them, which the job's NodePort
 * Service exposes on rank 0 (the chart's ExtraPort). */
static void
spec_f_ports(struct spec_ctx *c, const struct ytree_node *k,
    const struct ytree_node *n, struct spec_tmpl *t,
    const struct spec_site *site)
{
	const char *key = t->helm ? "ExtraPort" : "ports";
	const struct ytree_node *v;
	size_t i, j, cnt = n->type == YTREE_SEQ ? n->n : 1;
	int p;

	(void)k, (void)site;
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

/* 'priority': low, normal, high or 0..1000. */
static void
spec_f_priority(struct spec_ctx *c, const struct ytree_node *k,
    const struct ytree_node *n, struct spec_tmpl *t,
    const struct spec_site *site)
{
	const char *s = spec_scalar(c, n, "priority");

	(void)k, (void)site;
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

/* 'after', 'after_ok', 'after_any' or 'after_failed' (k): dependencies
 * on a job name, an id or "group:NAME", or a list of them. */
static void
spec_f_after(struct spec_ctx *c, const struct ytree_node *k,
    const struct ytree_node *n, struct spec_tmpl *t,
    const struct spec_site *site)
{
	const struct ytree_node *v;
	struct after_ref r;
	enum after_kind kind = strcmp(k->s, "after_any") == 0 ? AFTER_ANY :
	    strcmp(k->s, "after_failed") == 0 ? AFTER_FAILED : AFTER_OK;
	size_t i, cnt = n->type == YTREE_SEQ ? n->n : 1;
	bool ok;

	(void)site;
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

/* Releases what a template holds. */
void
spec_tmpl_release(struct spec_tmpl *t)
{
	free(t->gpu_types);
	spec_params_release(&t->params);
}

/* 'name': checked whole after the loop (a sweep's names need the rows). */
static void
spec_f_name(struct spec_ctx *c, const struct ytree_node *k,
    const struct ytree_node *v, struct spec_tmpl *t,
    const struct spec_site *site)
{
	(void)k, (void)site;
	if (spec_scalar(c, v, "name") != NULL)
		t->name = v;
}

/* 'namespace' and 'container_name': DNS labels; a namespace may be a
 * roster's ${var}, checked once substituted. */
static void
spec_f_label(struct spec_ctx *c, const struct ytree_node *k,
    const struct ytree_node *v, struct spec_tmpl *t,
    const struct spec_site *site)
{
	bool ns = strcmp(k->s, "namespace") == 0;

	(void)site;
	if (spec_scalar(c, v, k->s) == NULL)
		return;
	if (!spec_is_dns_label(v->s, 63) && !(ns && spec_has_var(v->s)))
		spec_error(c, v, "'%s' must be a DNS-1123 label, not '%s'",
		    k->s, v->s);
	else
		*(ns ? &t->ns : &t->container_name) = v;
}

/* 'image': one reference, no blanks, bounded. */
static void
spec_f_image(struct spec_ctx *c, const struct ytree_node *k,
    const struct ytree_node *v, struct spec_tmpl *t,
    const struct spec_site *site)
{
	(void)k, (void)site;
	if (spec_scalar(c, v, "image") == NULL)
		return;
	if (v->s[0] == '\0' || strpbrk(v->s, " \t\n") != NULL ||
	    strlen(v->s) > 1024)
		spec_error(c, v, "'image' must be an image reference, not "
		    "'%s'", v->s);
	else
		t->image = v;
}

/* 'command': a shell string or an argv list of strings, never empty. */
static void
spec_f_command(struct spec_ctx *c, const struct ytree_node *k,
    const struct ytree_node *v, struct spec_tmpl *t,
    const struct spec_site *site)
{
	size_t j;

	(void)k, (void)site;
	t->command_key = true;
	if (v->type == YTREE_MAP) {
		spec_error(c, v, "'command' must be a string or a list");
		return;
	}
	if (v->type == YTREE_SEQ) {
		if (v->n == 0) {
			spec_error(c, v, "'command' must not be empty");
			return;
		}
		for (j = 0; j < v->n; j++)
			if (v->kids[j]->type != YTREE_SCALAR)
				spec_error(c, v->kids[j], "'command' items "
				    "must be strings");
	} else if (v->s[0] == '\0') {
		spec_error(c, v, "'command' must not be empty");
		return;
	}
	t->command = v;
}

/* 'workdir': absolute, or a ${var}. */
static void
spec_f_workdir(struct spec_ctx *c, const struct ytree_node *k,
    const struct ytree_node *v, struct spec_tmpl *t,
    const struct spec_site *site)
{
	(void)k, (void)site;
	if (spec_scalar(c, v, "workdir") == NULL)
		return;
	if (v->s[0] != '/' && !spec_has_var(v->s))
		spec_error(c, v, "'workdir' must be an absolute path, not "
		    "'%s'", v->s);
	t->workdir = v;
}

/* 'env', 'labels', 'annotations': maps of strings, each with its own
 * key rules (spec_string_map's kind). */
static void
spec_f_map(struct spec_ctx *c, const struct ytree_node *k,
    const struct ytree_node *v, struct spec_tmpl *t,
    const struct spec_site *site)
{
	(void)site;
	if (strcmp(k->s, "env") == 0) {
		spec_string_map(c, v, "env", 0);
		t->env = v;
	} else if (strcmp(k->s, "labels") == 0) {
		spec_string_map(c, v, "labels", 1);
		t->labels = v;
	} else {
		spec_string_map(c, v, "annotations", 2);
		t->annotations = v;
	}
}

/* 'replicas': the gang's size, within the site's bound. */
static void
spec_f_replicas(struct spec_ctx *c, const struct ytree_node *k,
    const struct ytree_node *v, struct spec_tmpl *t,
    const struct spec_site *site)
{
	(void)k;
	if (spec_int(c, v, "replicas", 1, site->max_replicas,
	    &t->replicas) == 0)
		t->replicas_node = v;
}

/* 'shm' and 'scratch': quantities of bytes. */
static void
spec_f_bytes(struct spec_ctx *c, const struct ytree_node *k,
    const struct ytree_node *v, struct spec_tmpl *t,
    const struct spec_site *site)
{
	(void)site;
	if (strcmp(k->s, "scratch") == 0)
		spec_quantity(c, v, "scratch", QUANTITY_UNITS, true,
		    &t->scratch_bytes);
	else if (spec_quantity(c, v, "shm", QUANTITY_UNITS, true,
	    &t->shm_bytes) == 0)
		t->shm_node = v;
}

/* 'workload': the chart's Deployment, or a Job. */
static void
spec_f_workload(struct spec_ctx *c, const struct ytree_node *k,
    const struct ytree_node *v, struct spec_tmpl *t,
    const struct spec_site *site)
{
	(void)k, (void)site;
	if (spec_scalar(c, v, "workload") == NULL)
		return;
	if (strcmp(v->s, "job") == 0)
		t->job_workload = true;
	else if (strcmp(v->s, "deployment") != 0)
		spec_error(c, v, "'workload' must be deployment or job, not "
		    "'%s'", v->s);
}

/* 'interactive', 'ib', 'no_gfs': booleans, named as the user wrote them
 * (a helm values file's UseIB and NoGFS). */
static void
spec_f_bool(struct spec_ctx *c, const struct ytree_node *k,
    const struct ytree_node *v, struct spec_tmpl *t,
    const struct spec_site *site)
{
	bool b;

	(void)site;
	if (strcmp(k->s, "interactive") == 0) {
		if (spec_bool(c, v, "interactive", &b) == 0)
			t->interactive = b;
		t->interactive_node = v;
	} else if (strcmp(k->s, "ib") == 0) {
		if (spec_bool(c, v, t->helm ? "UseIB" : "ib", &b) == 0)
			t->ib = b;
	} else if (spec_bool(c, v, t->helm ? "NoGFS" : "no_gfs", &b) == 0)
		t->no_gfs = b;
}

/* 'uid' and 'gid': the ids the container runs as. */
static void
spec_f_id(struct spec_ctx *c, const struct ytree_node *k,
    const struct ytree_node *v, struct spec_tmpl *t,
    const struct spec_site *site)
{
	bool uid = k->s[0] == 'u';
	const char *what = uid ? (t->helm ? "UID" : "uid") :
	    (t->helm ? "GID" : "gid");
	int id;

	(void)site;
	if (spec_int(c, v, what, 0, INT32_MAX, &id) == 0)
		*(uid ? &t->uid : &t->gid) = id;
}

/* 'timeout': a duration, 0 for none. */
static void
spec_f_timeout(struct spec_ctx *c, const struct ytree_node *k,
    const struct ytree_node *v, struct spec_tmpl *t,
    const struct spec_site *site)
{
	char *cause = NULL;

	(void)k, (void)site;
	if (spec_scalar(c, v, "timeout") == NULL)
		return;
	if (duration_parse(v->s, &t->timeout_s, &cause) != 0) {
		spec_error(c, v, "'timeout': %s", cause);
		free(cause);
	} else if (t->timeout_s < 0)
		spec_error(c, v, "'timeout' must not be negative");
}

/* 'retries': how often a failed job is queued again. */
static void
spec_f_retries(struct spec_ctx *c, const struct ytree_node *k,
    const struct ytree_node *v, struct spec_tmpl *t,
    const struct spec_site *site)
{
	(void)k, (void)site;
	spec_int(c, v, "retries", 0, 100, &t->retries);
}

/* 'sweep' and 'for_each': one or the other makes a group. */
static void
spec_f_group(struct spec_ctx *c, const struct ytree_node *k,
    const struct ytree_node *v, struct spec_tmpl *t,
    const struct spec_site *site)
{
	(void)site;
	if (strcmp(k->s, "for_each") == 0) {
		if (ytree_get(t->doc, "sweep") == NULL)
			spec_for_each(c, v, t);
	} else if (ytree_get(t->doc, "for_each") != NULL)
		spec_error(c, k, "use 'sweep' or 'for_each', not both");
	else
		spec_sweep(c, v, t);
}

static const struct spec_field {
	const char *key;
	spec_field_fn *read;
} spec_fields[] = {
	{ "name", spec_f_name },
	{ "namespace", spec_f_label },
	{ "image", spec_f_image },
	{ "command", spec_f_command },
	{ "workdir", spec_f_workdir },
	{ "env", spec_f_map },
	{ "gpu", spec_f_gpu },
	{ "replicas", spec_f_replicas },
	{ "resources", spec_f_resources },
	{ "shm", spec_f_bytes },
	{ "scratch", spec_f_bytes },
	{ "workload", spec_f_workload },
	{ "interactive", spec_f_bool },
	{ "priority", spec_f_priority },
	{ "timeout", spec_f_timeout },
	{ "retries", spec_f_retries },
	{ "after", spec_f_after },
	{ "after_ok", spec_f_after },
	{ "after_any", spec_f_after },
	{ "after_failed", spec_f_after },
	{ "labels", spec_f_map },
	{ "annotations", spec_f_map },
	{ "sweep", spec_f_group },
	{ "for_each", spec_f_group },
	{ "ib", spec_f_bool },
	{ "container_name", spec_f_label },
	{ "uid", spec_f_id },
	{ "gid", spec_f_id },
	{ "no_gfs", spec_f_bool },
	{ "ports", spec_f_ports },
};

/* The handler of a key, NULL for a key no spec has. */
static spec_field_fn *
spec_field_find(const char *key)
{
	size_t i;

	for (i = 0; i < nitems(spec_fields); i++)
		if (strcmp(spec_fields[i].key, key) == 0)
			return spec_fields[i].read;
	return NULL;
}

/* Reports an unknown key with the nearest known one; true when that is
 * 'name', whose "required" would then only repeat the point. */
static bool
spec_field_unknown(struct spec_ctx *c, const struct ytree_node *k,
    struct spec_tmpl *t)
{
	const char *keys[nitems(spec_fields)], *near;
	size_t i;

	for (i = 0; i < nitems(spec_fields); i++)
		keys[i] = spec_fields[i].key;
	near = spec_closest(k->s, keys, nitems(keys));
	spec_unknown_key(c, k, "", keys, nitems(keys));
	/* "did you mean 'command'" says enough: no "required" either. */
	if (near != NULL && strcmp(near, "command") == 0)
		t->command_key = true;
	return near != NULL && strcmp(near, "name") == 0;
}

/* Whether the GPUs asked for fit a node and a user's share: each type
 * named must hold them; with 'any', one type must. */
static void
spec_tmpl_gpus(struct spec_ctx *c, const struct spec_tmpl *t,
    const struct spec_site *site)
{
	const struct spec_gpu_type *g;
	size_t i, fit = 0, ntypes = t->gpu_any ? site->ngpus : t->ngpu_types;

	if (t->gpu_count <= 0)
		return;
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

/* Validates one document into a template; 0 or -1 (with diagnostics). */
int
spec_tmpl_read(struct spec_ctx *c, struct ytree_node *d,
    const struct spec_options *o, struct spec_tmpl *t)
{
	const struct spec_site *site = o->site;
	const struct ytree_node *k, *v;
	spec_field_fn *read;
	int before = c->errors;
	bool name_typo = false;
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
		if ((read = spec_field_find(k->s)) != NULL)
			read(c, k, v, t, site);
		else if (spec_field_unknown(c, k, t))
			name_typo = true;
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
	spec_tmpl_gpus(c, t, site);
	return c->errors == before ? 0 : -1;
}
