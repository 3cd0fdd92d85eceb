/*
 * spec-emit.c: a template's stored specs written as text.  The fields every
 * job shares are dumped by jansson once; each job's own fields (its name,
 * command, env, labels, params...) are written after that prefix, which
 * the jobs share (spec_emit_shared), every string written the way jansson
 * writes it, so a 10,000-job sweep builds no tree and copies no prefix per
 * job.  spec_tree_row (spec-expand.c) is the reference:
 * the text must equal its dump byte for byte (tests/unit/test-spec-emit.c).
 * The members no row changes (spec_fixed_members) are part of the prefix,
 * so a job's own text is its name and what varies.
 */
#include "spec-int.h"

#include <stdlib.h>
#include <string.h>

/* A growing text. */
struct spec_text {
	char *s;
	size_t len;
	size_t cap;
};

/* A string of the template that each job writes as a member (or a
 * command item), and its JSON once it is known never to change. */
struct spec_emit_str {
	const struct ytree_node *key;   /* NULL: a command item */
	const struct ytree_node *val;
	char *key_json;          /* "\"KEY\":"; NULL when jansson refuses it */
	bool label;              /* checked as a label value */
	bool shell;              /* a shell-form command: values quoted */
	bool fixed_known;        /* a value without '$', written once */
	char *fixed;             /* its JSON; NULL when jansson refused it */
};

struct spec_emit {
	struct spec_ctx *c;
	const struct spec_tmpl *t;
	json_t *str;             /* one jansson string, set to each value */
	struct spec_text out;    /* out.s[0, prefix) is the shared prefix */
	size_t prefix;
	bool top_first;          /* the shared object was empty */
	unsigned fixed;          /* SPEC_FIXED_*: members in the prefix */
	struct spec_text group;  /* the group's members, written once */
	struct spec_emit_str *cmd;
	size_t ncmd;
	struct spec_emit_str workdir;
	struct spec_emit_str *maps[3];   /* env, labels, annotations */
	size_t nmaps[3];
	char **pkeys;            /* "\"KEY\":" of each params key, or NULL */
};

/* The members of each map, in the order the stored spec has them. */
static const char *const spec_emit_map_names[3] = { "env", "labels",
	"annotations" };

/* True when a template string is the same text in every row. */
static bool
spec_fixed_str(const struct ytree_node *n)
{
	return n->type == YTREE_SCALAR && strchr(n->s, '$') == NULL;
}

/* True when every row gives map m (env, labels with label set, or
 * annotations) the same members, which no row's check refuses. */
static bool
spec_fixed_map(const struct ytree_node *m, bool label)
{
	size_t i;

	if (m == NULL)
		return true;
	if (m->type != YTREE_MAP)
		return false;
	for (i = 0; i + 1 < m->n; i += 2) {
		if (m->kids[i]->type != YTREE_SCALAR)
			return false;
		if (m->kids[i + 1]->type != YTREE_SCALAR)
			continue;
		if (!spec_fixed_str(m->kids[i + 1]) ||
		    (label && !spec_is_label_value(m->kids[i + 1]->s)))
			return false;
	}
	return true;
}

/* See spec-int.h: a command, workdir or map without a variable; shell,
 * group and group_kind always; none in a template of one job. */
unsigned
spec_fixed_members(const struct spec_tmpl *t, const char *group)
{
	const struct ytree_node *cmd = t->command;
	unsigned fixed = SPEC_FIXED_ROWS;
	size_t i;

	if (t->kind == NULL)
		return 0;
	if (cmd != NULL) {
		fixed |= SPEC_FIXED_SHELL | SPEC_FIXED_COMMAND;
		if (cmd->type == YTREE_SCALAR) {
			if (!spec_fixed_str(cmd))
				fixed &= ~(unsigned)SPEC_FIXED_COMMAND;
		} else if (cmd->type != YTREE_SEQ)
			fixed &= ~(unsigned)SPEC_FIXED_COMMAND;
		for (i = 0; cmd->type == YTREE_SEQ && i < cmd->n; i++)
			if (!spec_fixed_str(cmd->kids[i]))
				fixed &= ~(unsigned)SPEC_FIXED_COMMAND;
	}
	if (t->workdir != NULL && spec_fixed_str(t->workdir))
		fixed |= SPEC_FIXED_WORKDIR;
	if (spec_fixed_map(t->env, false))
		fixed |= SPEC_FIXED_ENV;
	if (spec_fixed_map(t->labels, true))
		fixed |= SPEC_FIXED_LABELS;
	if (spec_fixed_map(t->annotations, false))
		fixed |= SPEC_FIXED_ANNOTATIONS;
	if (group != NULL)
		fixed |= SPEC_FIXED_GROUP;
	return fixed;
}

/* A fixed map as a JSON object (allocated), as spec_tree_row's
 * substitution would fill it. */
static json_t *
spec_fixed_object(const struct ytree_node *m)
{
	json_t *o = json_object();
	size_t i;

	for (i = 0; m != NULL && i + 1 < m->n; i += 2)
		if (m->kids[i + 1]->type == YTREE_SCALAR)
			json_object_set_new(o, m->kids[i]->s,
			    json_string(m->kids[i + 1]->s));
	return o;
}

/* See spec-int.h: the members in spec_tree_row's order (command, shell,
 * workdir, env, labels, annotations, group, group_kind). */
void
spec_fixed_add(json_t *shared, const struct spec_tmpl *t, unsigned fixed,
    const char *group, const char *group_kind)
{
	const struct ytree_node *cmd = t->command;
	const struct ytree_node *maps[3] = { t->env, t->labels,
		t->annotations };
	json_t *a;
	size_t i, k;

	if ((fixed & SPEC_FIXED_COMMAND) != 0) {
		a = json_array();
		if (cmd->type == YTREE_SCALAR)
			json_array_append_new(a, json_string(cmd->s));
		for (i = 0; cmd->type == YTREE_SEQ && i < cmd->n; i++)
			json_array_append_new(a, json_string(cmd->kids[i]->s));
		json_object_set_new(shared, "command", a);
	}
	if ((fixed & SPEC_FIXED_SHELL) != 0)
		json_object_set_new(shared, "shell", json_boolean(
		    cmd->type == YTREE_SCALAR));
	if ((fixed & SPEC_FIXED_WORKDIR) != 0)
		json_object_set_new(shared, "workdir",
		    json_string(t->workdir->s));
	for (k = 0; k < 3; k++)
		if ((fixed & (SPEC_FIXED_ENV << k)) != 0)
			json_object_set_new(shared, spec_emit_map_names[k],
			    spec_fixed_object(maps[k]));
	if ((fixed & SPEC_FIXED_GROUP) != 0 && group != NULL) {
		json_object_set_new(shared, "group", json_string(group));
		json_object_set_new(shared, "group_kind",
		    json_string(group_kind));
	}
}

/* Makes room for n more bytes. */
static void
spec_text_reserve(struct spec_text *b, size_t n)
{
	if (b->cap - b->len >= n)
		return;
	while (b->cap - b->len < n)
		b->cap = b->cap < 256 ? 256 : b->cap * 2;
	b->s = xreallocarray(b->s, b->cap, 1);
}

/* Appends n bytes. */
static void
spec_text_add(struct spec_text *b, const char *s, size_t n)
{
	if (n == 0)
		return;
	spec_text_reserve(b, n);
	memcpy(b->s + b->len, s, n);
	b->len += n;
}

/* Appends a NUL-terminated string. */
static void
spec_text_puts(struct spec_text *b, const char *s)
{
	spec_text_add(b, s, strlen(s));
}

/*
 * Appends s as a JSON string exactly as jansson dumps it; -1, appending
 * nothing, when jansson refuses it (not UTF-8), where json_string() would
 * be NULL and the tree would lack the member.  Printable ASCII without
 * '"' or '\\' is what jansson writes unchanged between quotes; anything
 * else is jansson's own dump of the string.
 */
static int
spec_emit_string(json_t *str, struct spec_text *b, const char *s)
{
	size_t n = strlen(s), i, need;
	unsigned char ch;

	for (i = 0; i < n; i++) {
		ch = (unsigned char)s[i];
		if (ch < 0x20 || ch >= 0x7f || ch == '"' || ch == '\\')
			break;
	}
	if (i == n) {
		spec_text_reserve(b, n + 2);
		b->s[b->len++] = '"';
		memcpy(b->s + b->len, s, n);
		b->len += n;
		b->s[b->len++] = '"';
		return 0;
	}
	if (json_string_set(str, s) != 0)
		return -1;
	spec_text_reserve(b, n + 16);
	need = json_dumpb(str, b->s + b->len, b->cap - b->len, JSON_ENCODE_ANY);
	if (need == 0)
		fatalx("spec: jansson cannot dump a string");
	if (need > b->cap - b->len) {
		spec_text_reserve(b, need);
		if (json_dumpb(str, b->s + b->len, b->cap - b->len,
		    JSON_ENCODE_ANY) != need)
			fatalx("spec: jansson dumps a string two ways");
	}
	b->len += need;
	return 0;
}

/* A key with its colon, as jansson writes a member's key (allocated), or
 * NULL when jansson refuses the key. */
static char *
spec_emit_key(json_t *str, const char *key)
{
	struct spec_text b = { 0 };

	if (spec_emit_string(str, &b, key) != 0) {
		free(b.s);
		return NULL;
	}
	spec_text_add(&b, ":", 2);
	return b.s;
}

/* Orders key pointers by their text. */
static int
spec_emit_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* True when no key occurs twice (a tree would keep one member there,
 * where it first was, holding the last value). */
static bool
spec_emit_unique(const char **keys, size_t n)
{
	size_t i;

	qsort(keys, n, sizeof *keys, spec_emit_cmp);
	for (i = 1; i < n; i++)
		if (strcmp(keys[i - 1], keys[i]) == 0)
			return false;
	return true;
}

/* Reads one of env, labels, annotations; -1 when the tree must write it
 * (not a mapping of scalar keys, or a key twice). */
static int
spec_emit_map(struct spec_emit *e, const struct ytree_node *m, int which)
{
	struct spec_emit_str *v;
	const char **keys;
	size_t i, n = 0;
	bool ok;

	if (m == NULL)
		return 0;
	if (m->type != YTREE_MAP)
		return -1;
	keys = xcalloc(m->n / 2 + 1, sizeof *keys);
	v = xcalloc(m->n / 2 + 1, sizeof *v);
	e->maps[which] = v;
	for (i = 0; i + 1 < m->n; i += 2) {
		if (m->kids[i]->type != YTREE_SCALAR) {
			free(keys);
			return -1;
		}
		keys[i / 2] = m->kids[i]->s;
		if (m->kids[i + 1]->type != YTREE_SCALAR)
			continue;
		v[n].key = m->kids[i];
		v[n].val = m->kids[i + 1];
		v[n].key_json = spec_emit_key(e->str, m->kids[i]->s);
		v[n].label = which == 1;
		e->nmaps[which] = ++n;
	}
	ok = spec_emit_unique(keys, m->n / 2);
	free(keys);
	return ok ? 0 : -1;
}

/* See spec-int.h: the shared prefix dumped and the template's strings
 * read once; NULL when the tree must write this template's jobs. */
struct spec_emit *
spec_emit_new(struct spec_ctx *c, const struct spec_tmpl *t,
    const json_t *shared, unsigned fixed, const char *group,
    const char *group_kind)
{
	const struct ytree_node *cmd = t->command;
	struct spec_emit *e = xcalloc(1, sizeof *e);
	const char **keys;
	char *dump, *k;
	size_t i, n;
	bool ok;

	e->c = c;
	e->t = t;
	e->fixed = fixed;
	e->str = json_string("");
	if ((dump = json_dumps(shared, JSON_COMPACT)) == NULL)
		goto fail;
	n = strlen(dump);
	if (n < 2 || dump[n - 1] != '}') {
		free(dump);
		goto fail;
	}
	spec_text_add(&e->out, dump, n - 1);
	e->prefix = n - 1;
	e->top_first = n == 2;
	free(dump);

	if (cmd != NULL) {
		n = cmd->type == YTREE_SCALAR ? 1 : cmd->n;
		e->cmd = xcalloc(n + 1, sizeof *e->cmd);
		for (i = 0; i < n; i++) {
			e->cmd[i].val = cmd->type == YTREE_SCALAR ? cmd :
			    cmd->kids[i];
			e->cmd[i].shell = cmd->type == YTREE_SCALAR;
			if (e->cmd[i].val->type != YTREE_SCALAR)
				goto fail;
		}
		e->ncmd = n;
	}
	if (t->workdir != NULL && (fixed & SPEC_FIXED_WORKDIR) == 0) {
		e->workdir.key = t->workdir;
		e->workdir.val = t->workdir;
		e->workdir.key_json = xstrdup("\"workdir\":");
	}
	if (((fixed & SPEC_FIXED_ENV) == 0 &&
	    spec_emit_map(e, t->env, 0) != 0) ||
	    ((fixed & SPEC_FIXED_LABELS) == 0 &&
	    spec_emit_map(e, t->labels, 1) != 0) ||
	    ((fixed & SPEC_FIXED_ANNOTATIONS) == 0 &&
	    spec_emit_map(e, t->annotations, 2) != 0))
		goto fail;

	if (group != NULL && (fixed & SPEC_FIXED_GROUP) == 0) {
		/* Members the tree writes with json_string(): skipped
		 * alike when jansson refuses their text. */
		n = e->group.len;
		spec_text_puts(&e->group, ",\"group\":");
		if (spec_emit_string(e->str, &e->group, group) != 0)
			e->group.len = n;
		n = e->group.len;
		spec_text_puts(&e->group, ",\"group_kind\":");
		if (spec_emit_string(e->str, &e->group, group_kind) != 0)
			e->group.len = n;
	}

	if (t->kind != NULL) {
		n = t->params.nkeys;
		keys = xcalloc(n + 1, sizeof *keys);
		e->pkeys = xcalloc(n + 1, sizeof *e->pkeys);
		for (i = 0; i < n; i++) {
			keys[i] = t->params.keys[i];
			k = spec_emit_key(e->str, t->params.keys[i]);
			e->pkeys[i] = k;
		}
		ok = spec_emit_unique(keys, n);
		free(keys);
		if (!ok)
			goto fail;
	}
	return e;
fail:
	spec_emit_free(e);
	return NULL;
}

/* Frees the strings of one map or of the command. */
static void
spec_emit_strs_free(struct spec_emit_str *v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++) {
		free(v[i].key_json);
		free(v[i].fixed);
	}
	free(v);
}

/* Frees an emitter (NULL: nothing). */
void
spec_emit_free(struct spec_emit *e)
{
	size_t i;

	if (e == NULL)
		return;
	json_decref(e->str);
	free(e->out.s);
	free(e->group.s);
	spec_emit_strs_free(e->cmd, e->ncmd);
	free(e->workdir.key_json);
	free(e->workdir.fixed);
	for (i = 0; i < 3; i++)
		spec_emit_strs_free(e->maps[i], e->nmaps[i]);
	for (i = 0; e->pkeys != NULL && i < e->t->params.nkeys; i++)
		free(e->pkeys[i]);
	free(e->pkeys);
	free(e);
}

/*
 * Appends one member, or one item when f has no key, whose value is the
 * template string f substituted for this row, after a ',' unless *first;
 * leaves the text as it was when the tree would have no such member (its
 * key or value refused by jansson); -1 after the tree's diagnostic.
 */
static int
spec_emit_value(struct spec_emit *e, struct spec_emit_str *f,
    const struct spec_vars *vars, bool *first)
{
	struct spec_text *b = &e->out;
	size_t mark = b->len, at;
	char *s;
	int ret;

	if (f->fixed_known && f->fixed == NULL)
		return 0;
	if (f->key != NULL && f->key_json == NULL && f->fixed_known)
		return 0;
	if (!*first)
		spec_text_add(b, ",", 1);
	if (f->key != NULL && f->key_json != NULL)
		spec_text_puts(b, f->key_json);
	if (f->fixed_known) {
		spec_text_puts(b, f->fixed);
		*first = false;
		return 0;
	}
	if ((s = spec_subst(e->c, f->val, vars, f->shell)) == NULL)
		return -1;
	if (f->label && spec_check_label(e->c, f->key, f->val, s) != 0) {
		free(s);
		return -1;
	}
	at = b->len;
	ret = spec_emit_string(e->str, b, s);
	free(s);
	if (strchr(f->val->s, '$') == NULL) {
		f->fixed_known = true;
		if (ret == 0)
			f->fixed = xstrndup(b->s + at, b->len - at);
	}
	if (ret != 0 || (f->key != NULL && f->key_json == NULL)) {
		b->len = mark;
		return 0;
	}
	*first = false;
	return 0;
}

/* Appends the index and params of one row: its values that are not
 * missing.  The index is the row's ${index}, the same decimal digits
 * jansson writes for it, with no printf a row. */
static void
spec_emit_params(struct spec_emit *e, const struct spec_vars *vars)
{
	const struct spec_params *p = &e->t->params;
	struct spec_text *b = &e->out;
	const char *v;
	size_t i, mark, row = vars->row;
	bool first = true;

	spec_text_puts(b, ",\"index\":");
	spec_text_puts(b, vars->index);
	spec_text_puts(b, ",\"params\":{");
	for (i = 0; i < p->nkeys; i++) {
		if ((v = p->vals[row * p->nkeys + i]) == NULL ||
		    e->pkeys[i] == NULL)
			continue;
		mark = b->len;
		if (!first)
			spec_text_add(b, ",", 1);
		spec_text_puts(b, e->pkeys[i]);
		if (spec_emit_string(e->str, b, v) != 0) {
			b->len = mark;
			continue;
		}
		first = false;
	}
	spec_text_add(b, "}", 1);
}

/* Appends the command of one row unless it is fixed (in the prefix);
 * -1 after the tree's diagnostic. */
static int
spec_emit_command(struct spec_emit *e, const struct spec_vars *vars,
    bool *first)
{
	struct spec_text *b = &e->out;
	size_t i;
	bool inner = true;

	if (e->t->command == NULL || (e->fixed & SPEC_FIXED_COMMAND) != 0)
		return 0;
	spec_text_puts(b, *first ? "\"command\":[" : ",\"command\":[");
	for (i = 0; i < e->ncmd; i++)
		if (spec_emit_value(e, &e->cmd[i], vars, &inner) != 0)
			return -1;
	spec_text_add(b, "]", 1);
	*first = false;
	return 0;
}

/* See spec-int.h: the members in the order spec_tree_row adds them. */
int
spec_emit_row(struct spec_emit *e, const struct spec_vars *vars,
    const char *name, const char **text, size_t *len)
{
	const struct spec_tmpl *t = e->t;
	struct spec_text *b = &e->out;
	size_t i, k;
	bool first = e->top_first, inner;

	/* A sweep's command that varies first: its words before the first
	 * variable are most often what every row shares with the first,
	 * which the store then keeps once (a name differs from its second
	 * part). */
	b->len = e->prefix;
	if ((e->fixed & SPEC_FIXED_ROWS) != 0 &&
	    spec_emit_command(e, vars, &first) != 0)
		return -1;
	/* The name was checked: a DNS label, plain ASCII jansson takes. */
	spec_text_puts(b, first ? "\"name\":" : ",\"name\":");
	if (spec_emit_string(e->str, b, name) != 0)
		fatalx("spec: a checked job name is not a JSON string");
	first = false;
	if ((e->fixed & SPEC_FIXED_ROWS) == 0 &&
	    spec_emit_command(e, vars, &first) != 0)
		return -1;
	if (t->command != NULL && (e->fixed & SPEC_FIXED_SHELL) == 0)
		spec_text_puts(b, t->command->type == YTREE_SCALAR ?
		    ",\"shell\":true" : ",\"shell\":false");
	if (e->workdir.val != NULL &&
	    spec_emit_value(e, &e->workdir, vars, &first) != 0)
		return -1;
	for (k = 0; k < 3; k++) {
		if ((e->fixed & (SPEC_FIXED_ENV << k)) != 0)
			continue;
		if (!first)
			spec_text_add(b, ",", 1);
		spec_text_add(b, "\"", 1);
		spec_text_puts(b, spec_emit_map_names[k]);
		spec_text_puts(b, "\":{");
		first = false;
		inner = true;
		for (i = 0; i < e->nmaps[k]; i++)
			if (spec_emit_value(e, &e->maps[k][i], vars,
			    &inner) != 0)
				return -1;
		spec_text_add(b, "}", 1);
	}
	spec_text_add(b, e->group.s, e->group.len);
	if (t->kind != NULL)
		spec_emit_params(e, vars);
	spec_text_add(b, "}", 1);
	*text = b->s + e->prefix;
	*len = b->len - e->prefix;
	return 0;
}

/* See spec-int.h: the text written once, which every row's follows. */
const char *
spec_emit_shared(const struct spec_emit *e, size_t *len)
{
	*len = e->prefix;
	return e->out.s;
}
