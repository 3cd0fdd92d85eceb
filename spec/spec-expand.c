/* spec-expand.c: templates to jobs: ${var} substitution, sweeps and
 * rosters, and the stored spec JSON. */
#include "spec-int.h"

#include <sys/mman.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The value of a variable, or NULL when it is unknown for this job. */
static const char *
spec_var(const struct spec_vars *vars, const char *name, size_t len)
{
	size_t i;

	if (len == 5 && memcmp(name, "index", 5) == 0)
		return vars->index;
	if (len == 5 && memcmp(name, "group", 5) == 0)
		return vars->group;
	for (i = 0; i < vars->p->nkeys; i++) {
		if (strlen(vars->p->keys[i]) == len &&
		    memcmp(vars->p->keys[i], name, len) == 0)
			return vars->p->vals[vars->row * vars->p->nkeys + i];
	}
	return NULL;
}

/* Where a ${var} stands in a shell command line (/bin/sh -c). */
enum spec_quote {
	SPEC_Q_NONE = 0,         /* outside quotes: a word of its own */
	SPEC_Q_SINGLE,           /* inside '...' */
	SPEC_Q_DOUBLE            /* inside "..." */
};

/* True when a value is one shell word that needs no quotes. */
static bool
spec_shell_plain(const char *v)
{
	if (*v == '\0')
		return false;
	for (; *v != '\0'; v++) {
		/* Bytes of UTF-8 beyond ASCII mean nothing to the shell. */
		if (!isalnum((unsigned char)*v) && (unsigned char)*v < 0x80 &&
		    strchr("_@%+=:,./-", *v) == NULL)
			return false;
	}
	return true;
}

/*
 * A value as the shell must see it to get it back literally where it
 * stands: quoted as a word outside quotes ('...' with each ' as '\''),
 * each ' closed and reopened inside '...', and \ " $ ` escaped inside
 * "...".  Sweep and roster values are data: a student's name O'Brien or a
 * value "$(id)" must reach the program as written, never run.
 */
static char *
spec_shell_value(const char *v, enum spec_quote q)
{
	size_t n = strlen(v), used = 0;
	char *out = xmalloc(n * 4 + 3);

	if (q == SPEC_Q_NONE && spec_shell_plain(v)) {
		memcpy(out, v, n + 1);
		return out;
	}
	if (q == SPEC_Q_NONE)
		out[used++] = '\'';
	for (; *v != '\0'; v++) {
		if (q != SPEC_Q_DOUBLE && *v == '\'') {
			memcpy(out + used, "'\\''", 4);
			used += 4;
			continue;
		}
		if (q == SPEC_Q_DOUBLE && strchr("\\\"$`", *v) != NULL)
			out[used++] = '\\';
		out[used++] = *v;
	}
	if (q == SPEC_Q_NONE)
		out[used++] = '\'';
	out[used] = '\0';
	return out;
}

/* The quoting state after one character of a shell command line;
 * *skip is set when the next character is escaped by a backslash. */
static enum spec_quote
spec_shell_step(enum spec_quote q, char ch, bool *skip)
{
	*skip = false;
	switch (q) {
	case SPEC_Q_NONE:
		if (ch == '\\')
			*skip = true;
		return ch == '\'' ? SPEC_Q_SINGLE : ch == '"' ? SPEC_Q_DOUBLE :
		    SPEC_Q_NONE;
	case SPEC_Q_SINGLE:
		return ch == '\'' ? SPEC_Q_NONE : SPEC_Q_SINGLE;
	case SPEC_Q_DOUBLE:
		if (ch == '\\')
			*skip = true;
		return ch == '"' ? SPEC_Q_NONE : SPEC_Q_DOUBLE;
	}
	return q;
}

/* See spec-int.h: ${var} and $$ substituted, or NULL after one
 * diagnostic at the node.  In a shell command line (shell set) a value is
 * quoted for where it stands (above) unless written ${var:raw}. */
char *
spec_subst(struct spec_ctx *c, const struct ytree_node *n,
    const struct spec_vars *vars, bool shell)
{
	const char *s = n->s, *end, *v;
	enum spec_quote q = SPEC_Q_NONE;
	char *out, *quoted = NULL;
	size_t cap = strlen(s) + 33, used = 0, vl, nl, need;
	bool raw, skip = false;

	if (strchr(s, '$') == NULL)
		return xstrdup(s);
	/* Room for short values (a sweep's): one allocation a row. */
	out = xmalloc(cap);
	while (*s != '\0') {
		if (s[0] == '$' && s[1] == '$') {
			out[used++] = '$';
			s += 2;
			skip = false;
			continue;
		}
		if (s[0] != '$' || s[1] != '{') {
			if (shell && !skip)
				q = spec_shell_step(q, *s, &skip);
			else
				skip = false;
			out[used++] = *s++;
			continue;
		}
		end = strchr(s + 2, '}');
		if (end == NULL) {
			spec_error(c, n, "unterminated '${' in '%s' (write $$ "
			    "for a literal $)", n->s);
			goto fail;
		}
		nl = (size_t)(end - s - 2);
		raw = nl > 4 && memcmp(end - 4, ":raw", 4) == 0;
		v = spec_var(vars, s + 2, raw ? nl - 4 : nl);
		if (v == NULL) {
			spec_error(c, n, "unknown variable '${%.*s}' (write "
			    "$${...} for a literal ${...})", (int)nl, s + 2);
			goto fail;
		}
		if (shell && !raw && (q != SPEC_Q_NONE || !spec_shell_plain(v)))
			v = quoted = spec_shell_value(v, q);
		skip = false;
		vl = strlen(v);
		need = used + vl + strlen(end + 1) + 1;
		if (need > SPEC_MAX_STRING * 4) {
			spec_error(c, n, "string longer than %d bytes after "
			    "substitution", SPEC_MAX_STRING * 4);
			goto fail;
		}
		if (need > cap) {
			cap = need * 2;
			out = xreallocarray(out, cap, 1);
		}
		memcpy(out + used, v, vl);
		used += vl;
		free(quoted);
		quoted = NULL;
		s = end + 1;
	}
	out[used] = '\0';
	return out;
fail:
	free(quoted);
	free(out);
	return NULL;
}

/* What one template expands with: its shared, row-independent parts. */
struct spec_expand {
	struct spec_ctx *c;
	const struct spec_options *o;
	const struct spec_tmpl *t;
	const char *file;
	const char *ns;
	char *group;
	const char *group_kind;  /* NULL when group is */
	char *gpu_column;        /* spec_job.gpu_type of every job */
	bool name_has_var;
	json_t *shared;          /* the fields every job of it has */
	unsigned fixed;          /* SPEC_FIXED_*: members in shared */
	char *ns_own;            /* a row's namespace, when the spec's has
				  * a variable (a roster's ${s.ns}) */
	size_t nrows;
	struct spec_emit *emit;  /* NULL: each job's spec dumped from a tree */
	const char *emit_shared; /* the emitter's shared text in the set's
				  * memory (NULL: not copied there yet) */
	size_t emit_shared_len;
};

/* See spec-int.h: a substituted label value, refused at its node. */
int
spec_check_label(struct spec_ctx *c, const struct ytree_node *key,
    const struct ytree_node *val, const char *s)
{
	if (spec_is_label_value(s))
		return 0;
	spec_error(c, val, "label '%s' has value '%s', which is not a valid "
	    "label value (at most 63 letters, digits, '-', '_' or '.')",
	    key->s, s);
	return -1;
}

/* Substitutes a mapping of strings into a JSON object; -1 on error. */
static int
spec_subst_map(struct spec_expand *x, const struct ytree_node *m,
    const struct spec_vars *vars, json_t *obj, bool label_values)
{
	char *s;
	size_t i;

	for (i = 0; m != NULL && i + 1 < m->n; i += 2) {
		if (m->kids[i + 1]->type != YTREE_SCALAR)
			continue;
		if ((s = spec_subst(x->c, m->kids[i + 1], vars, false)) == NULL)
			return -1;
		if (label_values && spec_check_label(x->c, m->kids[i],
		    m->kids[i + 1], s) != 0) {
			free(s);
			return -1;
		}
		json_object_set_new(obj, m->kids[i]->s, json_string(s));
		free(s);
	}
	return 0;
}

/* A site pattern with ${namespace} replaced (a claim name, a network). */
static char *
spec_site_pattern(const char *pattern, const char *ns)
{
	char *s = xstrdup(pattern), *p, *n;

	while ((p = strstr(s, "${namespace}")) != NULL) {
		n = xprintf("%.*s%s%s", (int)(p - s), s, ns,
		    p + strlen("${namespace}"));
		free(s);
		s = n;
		if (strlen(s) > 4096)
			break;
	}
	return s;
}

/* Appends one dependency field's entries in the stored grammar
 * (common.h: after_parse): "any:" or "failed:" before each entry of
 * after_any and after_failed, after and after_ok entries as written. */
static void
spec_after_json(json_t *after, const struct ytree_node *n, enum after_kind k)
{
	static const char *const prefix[] = { "", "any:", "failed:" };
	size_t i, cnt;
	const char *s;

	if (n == NULL)
		return;
	cnt = n->type == YTREE_SEQ ? n->n : 1;
	for (i = 0; i < cnt; i++) {
		s = n->type == YTREE_SEQ ? n->kids[i]->s : n->s;
		json_array_append_new(after, json_sprintf("%s%s", prefix[k],
		    s));
	}
}

/* The stored fields that do not depend on the row. */
static json_t *
spec_shared_json(const struct spec_tmpl *t, const struct spec_options *o,
    const char *ns)
{
	const struct spec_site *site = o->site;
	const struct spec_gpu_type *g;
	json_t *j, *gpu, *types, *prod, *vols, *mounts, *after, *ports;
	char *claim, *p;
	size_t i;
	int k;

	j = json_object();
	json_object_set_new(j, "v", json_integer(SPEC_JSON_VERSION));
	json_object_set_new(j, "namespace", json_string(ns));
	json_object_set_new(j, "image", json_string(t->image != NULL ?
	    t->image->s : site->default_image));
	if (t->container_name != NULL)
		json_object_set_new(j, "container_name",
		    json_string(t->container_name->s));
	gpu = json_object();
	types = json_array();
	prod = json_object();
	for (i = 0; i < t->ngpu_types; i++) {
		json_array_append_new(types, json_string(t->gpu_types[i]));
		g = spec_site_gpu(site, t->gpu_types[i]);
		json_object_set_new(prod, g->name, json_string(g->product));
	}
	if (t->gpu_any)
		for (i = 0; i < site->ngpus; i++)
			if (site->gpus[i].max_per_node >= t->gpu_count)
				json_object_set_new(prod, site->gpus[i].name,
				    json_string(site->gpus[i].product));
	json_object_set_new(gpu, "types", types);
	json_object_set_new(gpu, "any", json_boolean(t->gpu_any));
	json_object_set_new(gpu, "count", json_integer(t->gpu_count));
	json_object_set_new(j, "gpu", gpu);
	json_object_set_new(j, "replicas", json_integer(t->replicas));
	json_object_set_new(j, "cpu_milli", json_integer(t->cpu_milli));
	json_object_set_new(j, "memory_bytes", json_integer(t->memory_bytes));
	json_object_set_new(j, "shm_bytes", json_integer(t->shm_bytes));
	json_object_set_new(j, "scratch_bytes", json_integer(t->scratch_bytes));
	json_object_set_new(j, "workload", json_string(t->job_workload ?
	    "job" : "deployment"));
	json_object_set_new(j, "interactive", json_boolean(t->interactive));
	json_object_set_new(j, "ib", json_boolean(t->ib));
	json_object_set_new(j, "uid", json_integer(t->uid));
	json_object_set_new(j, "gid", json_integer(t->gid));
	ports = json_array();
	for (i = 0; i < t->nports; i++)
		json_array_append_new(ports, json_integer(t->ports[i]));
	json_object_set_new(j, "ports", ports);
	json_object_set_new(j, "priority", json_integer(t->priority));
	json_object_set_new(j, "timeout_s", json_integer(t->timeout_s));
	json_object_set_new(j, "retries", json_integer(t->retries));
	after = json_array();
	for (k = AFTER_OK; k <= AFTER_FAILED; k++)
		spec_after_json(after, t->after[k], (enum after_kind)k);
	json_object_set_new(j, "after", after);
	json_object_set_new(j, "max_running", json_integer(t->max_running));
	if (t->max_gpus > 0)
		json_object_set_new(j, "max_gpus", json_integer(t->max_gpus));

	/* The site's part, so a stored job renders the same later. */
	json_object_set_new(j, "gpu_resource", json_string(site->gpu_resource));
	json_object_set_new(j, "node_label", json_string(site->node_label));
	json_object_set_new(j, "gpu_products", prod);
	vols = json_array();
	for (i = 0; i < site->nvolumes; i++) {
		if (t->no_gfs && site->volumes[i].gfs)
			continue;
		claim = spec_site_pattern(site->volumes[i].claim, ns);
		json_array_append_new(vols, json_pack("{s:s,s:s,s:s,s:b}",
		    "name", site->volumes[i].name, "claim", claim, "mount",
		    site->volumes[i].mount, "read_only",
		    site->volumes[i].read_only));
		free(claim);
	}
	json_object_set_new(j, "volumes", vols);
	mounts = json_array();
	for (i = 0; i < site->nscratch_mounts; i++)
		json_array_append_new(mounts,
		    json_string(site->scratch_mounts[i]));
	json_object_set_new(j, "scratch_class",
	    json_string(site->scratch_class));
	json_object_set_new(j, "scratch_mounts", mounts);
	if (t->ib && site->ib_resource != NULL)
		json_object_set_new(j, "ib_resource",
		    json_string(site->ib_resource));
	if (t->ib && site->ib_network != NULL) {
		p = spec_site_pattern(site->ib_network, ns);
		json_object_set_new(j, "ib_network", json_string(p));
		free(p);
	}
	return j;
}

/* The text stored in the gpu_type column. */
static char *
spec_gpu_column(const struct spec_tmpl *t)
{
	char *s, *n;
	size_t i;

	if (t->gpu_count == 0)
		return xstrdup("");
	if (t->gpu_any)
		return xstrdup("any");
	s = xstrdup(t->gpu_types[0]);
	for (i = 1; i < t->ngpu_types; i++) {
		n = xprintf("%s,%s", s, t->gpu_types[i]);
		free(s);
		s = n;
	}
	return s;
}

/* True when a name may head every object and hostname of a job. */
static bool
spec_is_job_name(const char *s)
{
	return spec_is_dns_label(s, SPEC_MAX_NAME) &&
	    s[0] >= 'a' && s[0] <= 'z';
}

/*
 * Reports an error a roster value causes at its cell (file.csv:line:col)
 * when the template field n takes a roster column (the first it names),
 * pointing back at the field; false when it takes none, for the caller to
 * report at the field.
 */
static bool
spec_roster_error(struct spec_expand *x, const struct spec_vars *vars,
    const struct ytree_node *n, const char *what)
{
	const struct spec_params *p = vars->p;
	const char *v, *end, *file, *val;
	size_t k, len;

	if (p->cols == NULL || p->file == NULL)
		return false;
	for (v = strstr(n->s, "${"); v != NULL; v = strstr(end, "${")) {
		if ((end = strchr(v + 2, '}')) == NULL)
			return false;
		len = (size_t)(end - v - 2);
		if (len > 4 && memcmp(end - 4, ":raw", 4) == 0)
			len -= 4;
		for (k = 0; k < p->nkeys; k++) {
			if (strlen(p->keys[k]) != len ||
			    memcmp(p->keys[k], v + 2, len) != 0)
				continue;
			val = p->vals[vars->row * p->nkeys + k];
			file = x->c->file;
			x->c->file = p->file;
			spec_error_at(x->c, p->lines[vars->row],
			    p->cols[vars->row * p->nkeys + k], "%s (column "
			    "'%s' is '%s'; '%s' at %s:%d:%d)", what,
			    strchr(p->keys[k], '.') + 1, val ? val : "", n->s,
			    file, n->line, n->col);
			x->c->file = file;
			return true;
		}
	}
	return false;
}

/* a-b (allocated): a sweep's job names, one a row, joined without a
 * printf's format parse. */
static char *
spec_join_dash(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	char *s = xmalloc(na + nb + 2);

	memcpy(s, a, na);
	s[na] = '-';
	memcpy(s + na + 1, b, nb + 1);
	return s;
}

/* The name of one row's job (allocated); NULL after a diagnostic. */
static char *
spec_row_name(struct spec_expand *x, const struct spec_vars *vars)
{
	const struct spec_tmpl *t = x->t;
	char *name;

	if (x->name_has_var || t->kind == NULL) {
		if ((name = spec_subst(x->c, t->name, vars, false)) == NULL)
			return NULL;
	} else
		name = spec_join_dash(t->name->s, vars->index);
	if (!spec_is_job_name(name)) {
		char *what = xprintf("job name '%s' must be a DNS-1123 label "
		    "of at most %d characters that starts with a letter "
		    "(lowercase letters, digits and '-')", name, SPEC_MAX_NAME);

		if (!spec_roster_error(x, vars, t->name, what))
			spec_error(x->c, t->name, "%s", what);
		free(what);
		free(name);
		return NULL;
	}
	return name;
}

/*
 * One row's stored spec built as a jansson tree over a copy of the shared
 * fields and dumped (allocated): the reference spec-emit.c must match
 * byte for byte, and the way for templates it does not take.
 */
static char *
spec_tree_row(struct spec_expand *x, const struct spec_vars *vars,
    const char *name)
{
	const struct spec_tmpl *t = x->t;
	char *s, *text = NULL;
	json_t *j, *cmd = NULL, *env, *labels, *ann, *params;
	size_t i, row = vars->row;
	bool ok, cmd_first = (x->fixed & SPEC_FIXED_ROWS) != 0;

	j = json_deep_copy(x->shared);
	if (t->command != NULL && (x->fixed & SPEC_FIXED_COMMAND) == 0) {
		cmd = json_array();
		if (t->command->type == YTREE_SCALAR) {
			if ((s = spec_subst(x->c, t->command, vars,
			    true)) == NULL) {
				json_decref(cmd);
				goto out;
			}
			json_array_append_new(cmd, json_string(s));
			free(s);
		} else
			for (i = 0; i < t->command->n; i++) {
				s = spec_subst(x->c, t->command->kids[i], vars,
				    false);
				if (s == NULL) {
					json_decref(cmd);
					goto out;
				}
				json_array_append_new(cmd, json_string(s));
				free(s);
			}
	}
	if (cmd != NULL && cmd_first)
		json_object_set(j, "command", cmd);
	json_object_set_new(j, "name", json_string(name));
	if (cmd != NULL && !cmd_first)
		json_object_set(j, "command", cmd);
	json_decref(cmd);
	if (t->command != NULL && (x->fixed & SPEC_FIXED_SHELL) == 0)
		json_object_set_new(j, "shell", json_boolean(
		    t->command->type == YTREE_SCALAR));
	if (t->workdir != NULL && (x->fixed & SPEC_FIXED_WORKDIR) == 0) {
		if ((s = spec_subst(x->c, t->workdir, vars, false)) == NULL)
			goto out;
		json_object_set_new(j, "workdir", json_string(s));
		free(s);
	}
	env = json_object();
	labels = json_object();
	ann = json_object();
	if ((x->fixed & SPEC_FIXED_ENV) == 0)
		json_object_set(j, "env", env);
	if ((x->fixed & SPEC_FIXED_LABELS) == 0)
		json_object_set(j, "labels", labels);
	if ((x->fixed & SPEC_FIXED_ANNOTATIONS) == 0)
		json_object_set(j, "annotations", ann);
	ok = ((x->fixed & SPEC_FIXED_ENV) != 0 ||
	    spec_subst_map(x, t->env, vars, env, false) == 0) &&
	    ((x->fixed & SPEC_FIXED_LABELS) != 0 ||
	    spec_subst_map(x, t->labels, vars, labels, true) == 0) &&
	    ((x->fixed & SPEC_FIXED_ANNOTATIONS) != 0 ||
	    spec_subst_map(x, t->annotations, vars, ann, false) == 0);
	json_decref(env);
	json_decref(labels);
	json_decref(ann);
	if (!ok)
		goto out;
	if (x->group != NULL && (x->fixed & SPEC_FIXED_GROUP) == 0) {
		json_object_set_new(j, "group", json_string(x->group));
		json_object_set_new(j, "group_kind",
		    json_string(x->group_kind));
	}
	if (t->kind != NULL) {
		json_object_set_new(j, "index", json_integer((json_int_t)row));
		params = json_object();
		for (i = 0; i < t->params.nkeys; i++)
			if (t->params.vals[row * t->params.nkeys + i] != NULL)
				json_object_set_new(params, t->params.keys[i],
				    json_string(t->params.vals[row *
				    t->params.nkeys + i]));
		json_object_set_new(j, "params", params);
	}
	if ((text = json_dumps(j, JSON_COMPACT)) == NULL)
		fatalx("spec: out of memory");
out:
	json_decref(j);
	return text;
}

/* Copies a string into a job's block, moving *at past it. */
static char *
spec_job_put(char **at, const char *s, size_t len)
{
	char *p = *at;

	memcpy(p, s, len);
	p[len] = '\0';
	*at += len + 1;
	return p;
}

/* A piece of a set's memory, its jobs laid one after another. */
struct spec_chunk {
	struct spec_chunk *next;
	size_t size;             /* of the whole chunk */
	size_t used;
	bool mapped;             /* mmap'd, not malloc'd */
};

/* Chunks from this size on are mapped with their pages populated. */
#define SPEC_CHUNK_MAP (256 * 1024)
#define SPEC_CHUNK_MAX (16 * 1024 * 1024)
#define SPEC_CHUNK_GROW (1024 * 1024)

/*
 * Memory for one job, freed with its set.  A 10,000-job sweep holds about
 * 12 MB of stored specs: taken a page fault at a time from malloc that was
 * a third of its expansion's time here, so large chunks are mapped with
 * their pages populated in one call.  A chunk holds what the rest of the
 * template is expected to take (hint bytes), at least 16 KiB (so a
 * one-job file maps nothing) or twice the last chunk up to 1 MiB, and at
 * most SPEC_CHUNK_MAX.  Under AddressSanitizer every job is its own
 * malloc, so an overrun still hits a red zone.
 */
static void *
spec_set_alloc(struct spec_set *set, size_t size, size_t hint)
{
	struct spec_chunk *c = set->mem;
	size_t want;
#if defined(__SANITIZE_ADDRESS__)
	(void)hint;
	want = sizeof *c + size;
	c = xmalloc(want);
	c->next = set->mem;
	c->size = c->used = want;
	c->mapped = false;
	set->mem = c;
	return c + 1;
#else
	size_t grow;
	void *p;

	size = (size + 15) & ~(size_t)15;
	if (c == NULL || c->size - c->used < size) {
		/* Later jobs run a little longer (their index has more
		 * digits): an eighth more than the hint.  Many one-job
		 * documents grow the chunks geometrically up to 1 MiB. */
		want = hint + hint / 8;
		grow = c == NULL ? 16384 : c->size * 2;
		if (grow > SPEC_CHUNK_GROW)
			grow = SPEC_CHUNK_GROW;
		if (want < grow)
			want = grow;
		if (want > SPEC_CHUNK_MAX)
			want = SPEC_CHUNK_MAX;
		while (want < sizeof *c + size + 16)
			want *= 2;
		p = MAP_FAILED;
#ifdef MAP_POPULATE
		if (want >= SPEC_CHUNK_MAP)
			p = mmap(NULL, want, PROT_READ | PROT_WRITE, MAP_PRIVATE |
			    MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
#endif
		c = p != MAP_FAILED ? p : xmalloc(want);
		c->mapped = p != MAP_FAILED;
		c->size = want;
		c->used = (sizeof *c + 15) & ~(size_t)15;
		c->next = set->mem;
		set->mem = c;
	}
	p = (char *)c + c->used;
	c->used += size;
	return p;
#endif
}

/*
 * A row's namespace, when the spec's names a variable (a roster sending
 * each student's job to that student's namespace): the fields shared by
 * the template's jobs (claims, the IB network) depend on it, so they are
 * made again when it changes from the row before.  0, or -1 with a
 * diagnostic.
 */
static int
spec_row_namespace(struct spec_expand *x, const struct spec_vars *vars)
{
	char *ns;

	if ((ns = spec_subst(x->c, x->t->ns, vars, false)) == NULL)
		return -1;
	if (!spec_is_dns_label(ns, 63)) {
		char *what = xprintf("namespace '%s' is not a DNS-1123 label "
		    "(lowercase letters, digits and '-')", ns);

		if (!spec_roster_error(x, vars, x->t->ns, what))
			spec_error(x->c, x->t->ns, "%s (row %zu)", what,
			    vars->row + 1);
		free(what);
		free(ns);
		return -1;
	}
	if (strcmp(ns, x->ns_own) == 0) {
		free(ns);
		return 0;
	}
	free(x->ns_own);
	x->ns = x->ns_own = ns;
	json_decref(x->shared);
	x->shared = spec_shared_json(x->t, x->o, x->ns);
	spec_fixed_add(x->shared, x->t, x->fixed, x->group, x->group_kind);
	if (x->emit != NULL) {
		spec_emit_free(x->emit);
		x->emit = spec_emit_new(x->c, x->t, x->shared, x->fixed,
		    x->group, x->group_kind);
		x->emit_shared = NULL;
	}
	return 0;
}

/* One job in one piece of its set's memory: the struct, its own part of
 * its stored spec and its strings (a 10,000-job sweep makes no small
 * string per job); the part it shares is the caller's, in the set. */
static struct spec_job *
spec_job_make(const struct spec_expand *x, struct spec_set *set,
    size_t rows_left, const char *name, const char *text, size_t len)
{
	struct spec_job *sj;
	size_t nl = strlen(name), nsl = strlen(x->ns), gl, kl, cl, fl, size;
	char *at;

	gl = x->group != NULL ? strlen(x->group) + 1 : 0;
	kl = x->group != NULL ? strlen(x->group_kind) + 1 : 0;
	cl = strlen(x->gpu_column);
	fl = strlen(x->file);
	size = sizeof *sj + len + nl + nsl + gl + kl + cl + fl + 5;
	sj = spec_set_alloc(set, size, size * rows_left);
	memset(sj, 0, sizeof *sj);
	at = (char *)(sj + 1);
	sj->spec_own = spec_job_put(&at, text, len);
	sj->name = spec_job_put(&at, name, nl);
	sj->namespace = spec_job_put(&at, x->ns, nsl);
	if (x->group != NULL) {
		sj->group = spec_job_put(&at, x->group, gl - 1);
		sj->group_kind = spec_job_put(&at, x->group_kind, kl - 1);
	}
	sj->gpu_type = spec_job_put(&at, x->gpu_column, cl);
	sj->file = spec_job_put(&at, x->file, fl);
	sj->priority = x->t->priority;
	sj->gpu_count = x->t->gpu_count;
	sj->replicas = x->t->replicas;
	sj->cpu_milli = x->t->cpu_milli;
	sj->memory_bytes = x->t->memory_bytes;
	sj->line = x->t->doc->line;
	return sj;
}

/* Copies the emitter's shared text into the set's memory once, for its
 * jobs to point at; hint: what the rest of the template will take. */
static void
spec_expand_shared(struct spec_expand *x, struct spec_set *set, size_t hint)
{
	const char *p = spec_emit_shared(x->emit, &x->emit_shared_len);
	char *at = spec_set_alloc(set, x->emit_shared_len + 1,
	    x->emit_shared_len + 1 + hint);

	x->emit_shared = spec_job_put(&at, p, x->emit_shared_len);
}

/* See spec.h: the two parts of a stored spec joined. */
char *
spec_job_json(const struct spec_job *sj)
{
	size_t n = strlen(sj->spec_own);
	char *s = xmalloc(sj->spec_shared_len + n + 1);

	if (sj->spec_shared_len > 0)
		memcpy(s, sj->spec_shared, sj->spec_shared_len);
	memcpy(s + sj->spec_shared_len, sj->spec_own, n + 1);
	return s;
}

/* n in decimal into buf (at least 21 bytes): a row's ${index}, once a
 * row, without a printf's format parse. */
static void
spec_decimal(char *buf, size_t n)
{
	char tmp[24];
	size_t k = 0;

	do {
		tmp[k++] = (char)('0' + n % 10);
		n /= 10;
	} while (n > 0);
	while (k > 0)
		*buf++ = tmp[--k];
	*buf = '\0';
}

/* Expands one row of a template into a job of the set; NULL after a
 * diagnostic. */
static struct spec_job *
spec_expand_row(struct spec_expand *x, struct spec_set *set, size_t row)
{
	const struct spec_tmpl *t = x->t;
	struct spec_vars vars;
	struct spec_job *sj = NULL;
	char idx[32], *name, *tree = NULL;
	const char *text;
	size_t len;

	spec_decimal(idx, row);
	vars.p = &t->params;
	vars.row = row;
	vars.index = idx;
	vars.group = x->group != NULL ? x->group : "";
	if (x->ns_own != NULL && spec_row_namespace(x, &vars) != 0)
		return NULL;
	if ((name = spec_row_name(x, &vars)) == NULL)
		return NULL;
	if (x->emit != NULL) {
		if (spec_emit_row(x->emit, &vars, name, &text, &len) != 0)
			goto out;
		if (x->emit_shared == NULL)
			spec_expand_shared(x, set, (sizeof *sj + len + 256) *
			    (x->nrows - row));
	} else {
		if ((tree = spec_tree_row(x, &vars, name)) == NULL)
			goto out;
		text = tree;
		len = strlen(tree);
	}
	sj = spec_job_make(x, set, x->nrows - row, name, text, len);
	if (x->emit != NULL) {
		sj->spec_shared = x->emit_shared;
		sj->spec_shared_len = x->emit_shared_len;
	}
out:
	free(tree);
	free(name);
	return sj;
}

/* Frees a set and its jobs. */
void
spec_set_free(struct spec_set *set)
{
	struct spec_chunk *c;

	if (set == NULL)
		return;
	while ((c = set->mem) != NULL) {
		set->mem = c->next;
		if (c->mapped)
			munmap(c, c->size);
		else
			free(c);
	}
	free(set->jobs);
	free(set);
}

/* Adds a job to a set, growing it geometrically. */
static void
spec_set_add(struct spec_set *set, struct spec_job *j)
{
	if ((set->n & (set->n - 1)) == 0)
		set->jobs = xreallocarray(set->jobs, set->n == 0 ? 1 :
		    set->n * 2, sizeof *set->jobs);
	set->jobs[set->n++] = j;
}

/* See spec-int.h: one validated template's jobs into the set. */
int
spec_expand_tmpl(struct spec_ctx *c, const struct spec_options *o,
    const struct spec_tmpl *t, struct spec_set *set, enum spec_expand_how how)
{
	struct spec_expand x = { .c = c, .o = o, .t = t, .file = c->file };
	struct spec_job *j;
	size_t nrows = t->kind != NULL ? t->params.nrows : 1, r, len;
	int ret = -1;

	if (set->n + nrows > spec_max_jobs(c)) {
		spec_error(c, t->doc, "the file makes more than %zu jobs: at "
		    "most %zu may be submitted at once", spec_max_jobs(c),
		    spec_max_jobs(c));
		return -1;
	}
	x.ns = t->ns != NULL ? t->ns->s : o->default_namespace;
	if (x.ns == NULL || x.ns[0] == '\0') {
		spec_error(c, t->doc, "no 'namespace' and no default "
		    "namespace");
		return -1;
	}
	x.nrows = nrows;
	x.name_has_var = spec_has_var(t->name->s);
	if (o->group != NULL && o->group[0] != '\0')
		x.group = xstrdup(o->group);
	else if (t->kind != NULL) {
		if (x.name_has_var) {
			const char *d = strstr(t->name->s, "${");

			x.group = xprintf("%.*s", (int)(d - t->name->s),
			    t->name->s);
			while (x.group[0] != '\0' &&
			    x.group[strlen(x.group) - 1] == '-')
				x.group[strlen(x.group) - 1] = '\0';
			if (x.group[0] == '\0') {
				free(x.group);
				x.group = xstrdup(t->kind);
			}
		} else
			x.group = xstrdup(t->name->s);
	}
	if (x.group != NULL)
		x.group_kind = t->kind != NULL ? t->kind : "batch";
	x.gpu_column = spec_gpu_column(t);
	if (t->ns != NULL && spec_has_var(t->ns->s))
		x.ns_own = xstrdup("");
	x.shared = spec_shared_json(t, o, x.ns);
	x.fixed = spec_fixed_members(t, x.group);
	spec_fixed_add(x.shared, t, x.fixed, x.group, x.group_kind);
	if (how == SPEC_EXPAND_TEXT)
		x.emit = spec_emit_new(c, t, x.shared, x.fixed, x.group,
		    x.group_kind);
	for (r = 0; r < nrows; r++) {
		if ((j = spec_expand_row(&x, set, r)) == NULL)
			goto out;
		spec_set_add(set, j);
		/* Long values times many jobs: bound what a file expands to. */
		len = j->spec_shared_len + strlen(j->spec_own);
		set->bytes += len;
		if (set->bytes > SPEC_MAX_EXPANDED || (r == 0 &&
		    len > SPEC_MAX_EXPANDED / nrows)) {
			spec_error(c, t->doc, "the jobs of this file take more "
			    "than %d MiB once expanded", SPEC_MAX_EXPANDED >>
			    20);
			goto out;
		}
	}
	ret = 0;
out:
	spec_emit_free(x.emit);
	json_decref(x.shared);
	free(x.ns_own);
	free(x.gpu_column);
	free(x.group);
	return ret;
}

/* See spec-int.h: the options' bound on jobs, never above SPEC_MAX_JOBS. */
size_t
spec_max_jobs(const struct spec_ctx *c)
{
	if (c->max_jobs == 0 || c->max_jobs > SPEC_MAX_JOBS)
		return SPEC_MAX_JOBS;
	return c->max_jobs;
}

/* Parses, validates and expands every document of a buffer. */
int
spec_load_buffer(const char *name, const char *buf, size_t len,
    const struct spec_options *opts, struct spec_set **out,
    struct spec_diags *diags)
{
	static const struct spec_options none;
	struct spec_ctx c = { .file = name, .diags = diags };
	struct spec_options o = opts != NULL ? *opts : none;
	struct spec_site *builtin = NULL;
	struct ytree_node **docs = NULL;
	struct spec_tmpl t;
	struct spec_set *set;
	size_t ndocs = 0, i, used = 0;

	*out = NULL;
	set = xcalloc(1, sizeof *set);
	c.max_jobs = o.max_jobs;
	c.no_files = o.no_files;
	c.rosters = o.rosters;
	c.nrosters = o.nrosters;
	if (o.site == NULL)
		o.site = builtin = spec_site_builtin();
	if (len > SPEC_MAX_FILE_SIZE) {
		spec_error_at(&c, 0, 0, "file is larger than %d bytes",
		    SPEC_MAX_FILE_SIZE);
		goto out;
	}
	/* A group name is shown in tables and sent as JSON: printable
	 * UTF-8, as long as a label value may be with its prefix. */
	if (o.group != NULL && !spec_is_text(o.group, 253)) {
		spec_error_at(&c, 0, 0, "--group '%s' must be printable text "
		    "(UTF-8, no control characters) of at most 253 bytes",
		    o.group);
		goto out;
	}
	if (spec_yaml_parse(&c, buf, len, &docs, &ndocs) != 0)
		goto out;
	for (i = 0; i < ndocs; i++) {
		if (ytree_is_null(docs[i]))
			continue;
		used++;
		if (spec_tmpl_read(&c, docs[i], &o, &t) == 0)
			spec_expand_tmpl(&c, &o, &t, set, SPEC_EXPAND_TEXT);
		spec_tmpl_release(&t);
	}
	if (c.errors == 0 && used == 0)
		spec_error_at(&c, 0, 0, "no job spec in file");
out:
	ytree_docs_free(docs, ndocs);
	spec_site_free(builtin);
	if (c.errors != 0) {
		spec_set_free(set);
		return -1;
	}
	*out = set;
	return 0;
}

/* Reads a file (bounded) and loads it. */
int
spec_load_file(const char *path, const struct spec_options *o,
    struct spec_set **out, struct spec_diags *diags)
{
	struct spec_ctx c = { .file = path, .diags = diags };
	char *buf = NULL, *cause = NULL;
	size_t len;
	int ret;

	*out = NULL;
	if (ytree_read_file(path, SPEC_MAX_FILE_SIZE, &buf, &len,
	    &cause) != 0) {
		spec_error_at(&c, 0, 0, "%s", cause);
		free(cause);
		return -1;
	}
	ret = spec_load_buffer(path, buf, len, o, out, diags);
	free(buf);
	return ret;
}

/* One job of a submission in the after graph. */
struct spec_after_node {
	const char *name;
	struct spec_job *job;
	int color;               /* 0 new, 1 on the path, 2 done */
	size_t edges;            /* its first edge in spec_after_graph.to */
	size_t nedges;
};

/* Orders after-graph nodes by name for bsearch. */
static int
spec_after_cmp(const void *a, const void *b)
{
	return strcmp(((const struct spec_after_node *)a)->name,
	    ((const struct spec_after_node *)b)->name);
}

/* Resolves every node's 'after' names to nodes once, into one array of
 * edges, so the walk parses no JSON. */
static size_t *
spec_after_edges(struct spec_after_node *v, size_t n)
{
	struct spec_after_node key, *next;
	struct after_ref ref;
	size_t *to = NULL, nto = 0, cap = 0, i, k;
	json_t *j, *e;
	char *text;

	for (i = 0; i < n; i++) {
		text = spec_job_json(v[i].job);
		j = json_loads(text, 0, NULL);
		free(text);
		v[i].edges = nto;
		json_array_foreach(json_object_get(j, "after"), k, e) {
			if (json_string_value(e) == NULL ||
			    after_parse(json_string_value(e), &ref) != 0 ||
			    ref.group)
				continue;
			key.name = ref.target;
			next = bsearch(&key, v, n, sizeof *v, spec_after_cmp);
			if (next == NULL)
				continue;
			if (nto == cap) {
				cap = cap == 0 ? 64 : cap * 2;
				to = xreallocarray(to, cap, sizeof *to);
			}
			to[nto++] = (size_t)(next - v);
		}
		v[i].nedges = nto - v[i].edges;
		json_decref(j);
	}
	return to;
}

/*
 * Walks the after edges from one job, depth first with a stack of its own
 * (a chain of tens of thousands of jobs must not overflow the C stack); -1
 * with a diagnostic when it finds a cycle or a chain deeper than
 * SPEC_MAX_AFTER_DEPTH.  stack has room for that many entries.
 */
static int
spec_after_walk(struct spec_after_node *v, const size_t *to, size_t start,
    size_t *stack, size_t *pos, struct spec_diags *d)
{
	struct spec_after_node *at, *next;
	struct spec_ctx c = { .diags = d };
	size_t depth = 0;

	if (v[start].color == 2)
		return 0;
	v[start].color = 1;
	stack[depth] = start;
	pos[depth++] = 0;
	while (depth > 0) {
		at = &v[stack[depth - 1]];
		if (pos[depth - 1] == at->nedges) {
			at->color = 2;
			depth--;
			continue;
		}
		next = &v[to[at->edges + pos[depth - 1]++]];
		if (next->color == 2)
			continue;
		if (next->color == 1) {
			c.file = next->job->file;
			spec_error_at(&c, next->job->line, 1, "'after' makes a "
			    "cycle through job '%s'", next->name);
			return -1;
		}
		if (depth == SPEC_MAX_AFTER_DEPTH) {
			c.file = next->job->file;
			spec_error_at(&c, next->job->line, 1, "'after' makes "
			    "more than %d jobs wait one for another, at job "
			    "'%s'", SPEC_MAX_AFTER_DEPTH, next->name);
			return -1;
		}
		next->color = 1;
		stack[depth] = (size_t)(next - v);
		pos[depth++] = 0;
	}
	return 0;
}

/* The last shared text looked at for 'after', and what it held. */
struct spec_after_memo {
	const char *shared;
	bool has;
};

/* Whether a job waits for others: its 'after' is among the fields a
 * template's jobs share, so a text they share is looked at once. */
static bool
spec_job_has_after(const struct spec_job *sj, struct spec_after_memo *m)
{
	if (sj->spec_shared == NULL)
		return strstr(sj->spec_own, "\"after\":[]") == NULL;
	if (sj->spec_shared != m->shared) {
		m->shared = sj->spec_shared;
		m->has = strstr(sj->spec_shared, "\"after\":[]") == NULL;
	}
	return m->has;
}

/* Refuses submissions whose jobs wait for each other in a circle, or in a
 * chain too deep to be meant. */
int
spec_check_after(struct spec_set *const *sets, size_t nsets,
    struct spec_diags *d)
{
	struct spec_after_node *v = NULL;
	struct spec_after_memo last = { NULL, false };
	size_t n = 0, cap = 0, i, k, *to = NULL, *stack = NULL, *pos = NULL;
	int ret = 0;

	for (i = 0; i < nsets; i++)
		for (k = 0; sets[i] != NULL && k < sets[i]->n; k++) {
			if (!spec_job_has_after(sets[i]->jobs[k], &last))
				continue;
			if (n == cap) {
				cap = cap == 0 ? 64 : cap * 2;
				v = xreallocarray(v, cap, sizeof *v);
			}
			memset(&v[n], 0, sizeof v[n]);
			v[n].name = sets[i]->jobs[k]->name;
			v[n].job = sets[i]->jobs[k];
			n++;
		}
	if (n == 0)
		return 0;
	qsort(v, n, sizeof *v, spec_after_cmp);
	to = spec_after_edges(v, n);
	stack = xcalloc(SPEC_MAX_AFTER_DEPTH, sizeof *stack);
	pos = xcalloc(SPEC_MAX_AFTER_DEPTH, sizeof *pos);
	for (i = 0; i < n; i++)
		if (spec_after_walk(v, to, i, stack, pos, d) != 0) {
			ret = -1;
			break;
		}
	free(stack);
	free(pos);
	free(to);
	free(v);
	return ret;
}
