/* common-yaml.c: YAML text to bounded trees that keep each node's place. */
#include "common-yaml.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

#define YTREE_DEPTH 64
#define YTREE_STRING (64 * 1024)
/* The depth no caller may raise past: the parse keeps a stack this deep. */
#define YTREE_DEPTH_MAX 256
/* What aliases (and merge keys) may add to one parse: go-yaml, which
 * kubectl and helm read with, allows some 400,000 alias-made nodes; a
 * quarter of that is far more than any kubeconfig, values file or spec
 * stream shares, and bounds a billion laughs to a few MiB and tens of
 * milliseconds. */
#define YTREE_ALIAS_NODES 100000
#define YTREE_ALIAS_BYTES (4 * 1024 * 1024)
#define YTREE_ALIAS_DEPTH 16

/* A new empty node at a place. */
struct ytree_node *
ytree_new(enum ytree_type type, int line, int col)
{
	struct ytree_node *n = xcalloc(1, sizeof *n);

	n->type = type;
	n->line = line;
	n->col = col;
	return n;
}

/* A new plain scalar node. */
struct ytree_node *
ytree_scalar(const char *s, int line, int col)
{
	struct ytree_node *n = ytree_new(YTREE_SCALAR, line, col);

	n->s = xstrdup(s);
	return n;
}

/* Frees a tree, zeroing its text first with wipe (it may be a
 * credential). */
static void
ytree_release(struct ytree_node *n, bool wipe)
{
	size_t i;

	if (n == NULL)
		return;
	for (i = 0; i < n->n; i++)
		ytree_release(n->kids[i], wipe);
	if (wipe && n->s != NULL)
		explicit_bzero(n->s, strlen(n->s));
	free(n->kids);
	free(n->s);
	free(n);
}

/* Frees a tree. */
void
ytree_free(struct ytree_node *n)
{
	ytree_release(n, false);
}

/* Frees a tree after zeroing its text, which may be a credential. */
void
ytree_free_wipe(struct ytree_node *n)
{
	ytree_release(n, true);
}

/* Frees the documents of one parse. */
void
ytree_docs_free(struct ytree_node **docs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		ytree_free(docs[i]);
	free(docs);
}

/* Adds a child, growing the array geometrically. */
void
ytree_append(struct ytree_node *p, struct ytree_node *k)
{
	if ((p->n & (p->n - 1)) == 0)
		p->kids = xreallocarray(p->kids, p->n == 0 ? 1 : p->n * 2,
		    sizeof *p->kids);
	p->kids[p->n++] = k;
}

/* The value under a key of a mapping, or NULL. */
struct ytree_node *
ytree_get(const struct ytree_node *m, const char *key)
{
	size_t i;

	if (m == NULL || m->type != YTREE_MAP)
		return NULL;
	for (i = 0; i + 1 < m->n; i += 2) {
		if (m->kids[i]->type == YTREE_SCALAR &&
		    strcmp(m->kids[i]->s, key) == 0)
			return m->kids[i + 1];
	}
	return NULL;
}

/* Replaces or adds a key's value, taking ownership of v. */
void
ytree_set(struct ytree_node *m, const char *key, struct ytree_node *v)
{
	size_t i;

	for (i = 0; i + 1 < m->n; i += 2) {
		if (m->kids[i]->type == YTREE_SCALAR &&
		    strcmp(m->kids[i]->s, key) == 0) {
			ytree_free(m->kids[i + 1]);
			m->kids[i + 1] = v;
			return;
		}
	}
	ytree_append(m, ytree_scalar(key, v->line, v->col));
	ytree_append(m, v);
}

/* Detaches a key's value from a mapping; the caller owns it. */
struct ytree_node *
ytree_take(struct ytree_node *m, const char *key)
{
	struct ytree_node *v;
	size_t i;

	if (m == NULL || m->type != YTREE_MAP)
		return NULL;
	for (i = 0; i + 1 < m->n; i += 2) {
		if (m->kids[i]->type == YTREE_SCALAR &&
		    strcmp(m->kids[i]->s, key) == 0) {
			v = m->kids[i + 1];
			ytree_free(m->kids[i]);
			memmove(&m->kids[i], &m->kids[i + 2],
			    (m->n - i - 2) * sizeof *m->kids);
			m->n -= 2;
			return v;
		}
	}
	return NULL;
}

/* True for what YAML reads as null, which every reader treats as absent. */
bool
ytree_is_null(const struct ytree_node *n)
{
	if (n == NULL)
		return true;
	if (n->type != YTREE_SCALAR || !n->plain)
		return false;
	return n->s[0] == '\0' || strcmp(n->s, "~") == 0 ||
	    strcmp(n->s, "null") == 0 || strcmp(n->s, "Null") == 0 ||
	    strcmp(n->s, "NULL") == 0;
}

/* Maps with more keys than this find duplicates through a hash set; a
 * scan of a few keys is cheaper than building one. */
#define YTREE_KEYSET_MIN 16

/*
 * The keys of one mapping being read, for finding a duplicate in constant
 * time: a 1 MiB file of tens of thousands of keys must not take seconds
 * comparing each key with every other.  Open addressing over pointers to
 * the key nodes' strings, which the mapping owns.
 */
struct ytree_keyset {
	const char **slots;
	size_t cap;              /* a power of two, or 0 before the first use */
	size_t n;
};

/* FNV-1a: short keys hash well and fast. */
static size_t
ytree_key_hash(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return (size_t)h;
}

/* Adds a key; true when it was there already (nothing is added then). */
static bool
ytree_keyset_add(struct ytree_keyset *ks, const char *key)
{
	const char **old = ks->slots;
	size_t oldcap = ks->cap, i, h;

	if ((ks->n + 1) * 2 > ks->cap) {
		ks->cap = ks->cap == 0 ? 64 : ks->cap * 2;
		ks->slots = xcalloc(ks->cap, sizeof *ks->slots);
		for (i = 0; i < oldcap; i++) {
			if (old[i] == NULL)
				continue;
			h = ytree_key_hash(old[i]) & (ks->cap - 1);
			while (ks->slots[h] != NULL)
				h = (h + 1) & (ks->cap - 1);
			ks->slots[h] = old[i];
		}
		free(old);
	}
	h = ytree_key_hash(key) & (ks->cap - 1);
	while (ks->slots[h] != NULL) {
		if (strcmp(ks->slots[h], key) == 0)
			return true;
		h = (h + 1) & (ks->cap - 1);
	}
	ks->slots[h] = key;
	ks->n++;
	return false;
}

/* Empties a key set for the next mapping at its depth. */
static void
ytree_keyset_release(struct ytree_keyset *ks)
{
	free(ks->slots);
	memset(ks, 0, sizeof *ks);
}

/* True when a mapping already has a key: a scan while it is small, then
 * its key set (filled with the keys so far on first use). */
static bool
ytree_map_has_key(struct ytree_node *p, struct ytree_keyset *ks,
    const char *key)
{
	size_t i;

	if (p->n / 2 < YTREE_KEYSET_MIN) {
		for (i = 0; i < p->n; i += 2)
			if (strcmp(p->kids[i]->s, key) == 0)
				return true;
		return false;
	}
	if (ks->n == 0)
		for (i = 0; i < p->n; i += 2)
			ytree_keyset_add(ks, p->kids[i]->s);
	return ytree_keyset_add(ks, key);
}

/* Adds a finished node to its parent, checking mapping keys: plain
 * strings, not empty, each once.  On error n is freed. */
static int
ytree_attach(struct ytree_node *p, struct ytree_keyset *ks,
    struct ytree_node *n, struct ytree_mark *at, char **cause)
{
	if (p->type == YTREE_MAP && (p->n % 2) == 0) {
		if (n->type != YTREE_SCALAR)
			*cause = xstrdup("keys must be plain strings");
		else if (n->s[0] == '\0')
			*cause = xstrdup("empty key ''");
		else if (ytree_map_has_key(p, ks, n->s))
			*cause = xprintf("duplicate key '%s'", n->s);
		else
			goto add;
		at->line = n->line;
		at->col = n->col;
		ytree_free(n);
		return -1;
	}
add:
	ytree_append(p, n);
	return 0;
}

/* The bounds asked for, with the defaults filled in. */
static void
ytree_limits_fill(const struct ytree_limits *in, struct ytree_limits *out)
{
	if (in != NULL)
		*out = *in;
	else
		memset(out, 0, sizeof *out);
	if (out->max_depth == 0)
		out->max_depth = YTREE_DEPTH;
	if (out->max_depth > YTREE_DEPTH_MAX)
		out->max_depth = YTREE_DEPTH_MAX;
	if (out->max_string == 0)
		out->max_string = YTREE_STRING;
	if (out->max_docs == 0)
		out->max_docs = 1;
	if (out->max_alias_nodes == 0)
		out->max_alias_nodes = YTREE_ALIAS_NODES;
	if (out->max_alias_bytes == 0)
		out->max_alias_bytes = YTREE_ALIAS_BYTES;
	if (out->max_alias_depth == 0)
		out->max_alias_depth = YTREE_ALIAS_DEPTH;
	if (out->what == NULL)
		out->what = "this file";
}

/* What a finished node holds, for the alias budgets: an alias costs what
 * its anchor's node holds. */
struct ytree_stats {
	size_t nodes;
	size_t bytes;            /* of scalar text */
	size_t height;           /* collections nested, itself counted */
	size_t level;            /* aliases nested inside */
};

/* An anchor of the document being read; node is NULL while the node is
 * still open (an alias to it then would contain itself). */
struct ytree_anchor {
	char *name;
	struct ytree_node *node; /* the tree's, borrowed */
	struct ytree_stats st;
};

/* A collection being read. */
struct ytree_frame {
	struct ytree_node *node;
	struct ytree_keyset keys;
	struct ytree_stats st;   /* of the kids so far */
	size_t anchor;           /* its anchor's index + 1, or 0 */
};

/* One parse: the open collections, the anchors of the current document
 * (by name through an open-addressing table of indices), what aliases
 * have cost so far, and the first error. */
struct ytree_state {
	struct ytree_limits lim;
	struct ytree_frame *frames;  /* grown with the depth: a spec of a few
				      * levels touches no 18 KB of frames */
	size_t nframes;
	size_t depth;
	size_t ndocs;
	struct ytree_anchor *anchors;
	size_t nanchors;
	size_t *slots;           /* anchor index + 1, 0 for empty */
	size_t nslots;           /* a power of two, or 0 */
	size_t alias_nodes;      /* made by aliases and merges so far */
	size_t alias_bytes;
	struct ytree_node **dead; /* merged-away values anchors may be in */
	size_t ndead;
	struct ytree_mark at;
	char *cause;
};

/* Records the first error of a parse at a place; -1 for the caller to
 * return. */
static int printflike(4, 5)
ytree_fail(struct ytree_state *st, int line, int col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	xvasprintf(&st->cause, fmt, ap);
	va_end(ap);
	st->at.line = line;
	st->at.col = col;
	return -1;
}

/* The slot of a name in the anchor table: its own, or the empty one where
 * it would go. */
static size_t
ytree_anchor_slot(const struct ytree_state *st, const char *name)
{
	size_t h = ytree_key_hash(name) & (st->nslots - 1);

	while (st->slots[h] != 0 &&
	    strcmp(st->anchors[st->slots[h] - 1].name, name) != 0)
		h = (h + 1) & (st->nslots - 1);
	return h;
}

/* The anchor of that name defined last in this document, or NULL. */
static struct ytree_anchor *
ytree_anchor_find(const struct ytree_state *st, const char *name)
{
	size_t h;

	if (st->nslots == 0)
		return NULL;
	h = ytree_anchor_slot(st, name);
	return st->slots[h] == 0 ? NULL : &st->anchors[st->slots[h] - 1];
}

/* Defines (or redefines: the later definition wins, as in YAML) an
 * anchor; its index + 1. */
static size_t
ytree_anchor_add(struct ytree_state *st, const char *name,
    struct ytree_node *node, const struct ytree_stats *stats)
{
	struct ytree_anchor *a;
	size_t h, i;

	if ((a = ytree_anchor_find(st, name)) == NULL) {
		if ((st->nanchors + 1) * 2 > st->nslots) {
			free(st->slots);
			st->nslots = st->nslots == 0 ? 16 : st->nslots * 2;
			st->slots = xcalloc(st->nslots, sizeof *st->slots);
			for (i = 0; i < st->nanchors; i++)
				st->slots[ytree_anchor_slot(st,
				    st->anchors[i].name)] = i + 1;
		}
		st->anchors = xreallocarray(st->anchors, st->nanchors + 1,
		    sizeof *st->anchors);
		a = &st->anchors[st->nanchors++];
		a->name = xstrdup(name);
		h = ytree_anchor_slot(st, name);
		st->slots[h] = st->nanchors;
	}
	a->node = node;
	if (stats != NULL)
		a->st = *stats;
	else
		memset(&a->st, 0, sizeof a->st);
	return (size_t)(a - st->anchors) + 1;
}

/* Forgets the anchors at the end of a document: YAML scopes them to it. */
static void
ytree_anchors_reset(struct ytree_state *st)
{
	size_t i;

	for (i = 0; i < st->nanchors; i++)
		free(st->anchors[i].name);
	st->nanchors = 0;
	if (st->nslots > 0)
		memset(st->slots, 0, st->nslots * sizeof *st->slots);
}

/* A deep copy of a tree, marks included: a value reached through an alias
 * is placed where its anchor's node is. */
static struct ytree_node *
ytree_copy(const struct ytree_node *n)
{
	struct ytree_node *c = ytree_new(n->type, n->line, n->col);
	size_t i;

	c->plain = n->plain;
	if (n->s != NULL)
		c->s = xstrdup(n->s);
	for (i = 0; i < n->n; i++)
		ytree_append(c, ytree_copy(n->kids[i]));
	return c;
}

/* Adds a tree's nodes and text to a count, for what a merge copies. */
static void
ytree_count(const struct ytree_node *n, struct ytree_stats *acc)
{
	size_t i;

	acc->nodes++;
	if (n->s != NULL)
		acc->bytes += strlen(n->s);
	for (i = 0; i < n->n; i++)
		ytree_count(n->kids[i], acc);
}

/* Charges what an alias or a merge copies to the parse's budget: refused
 * before copying, so a billion laughs stops at the budget, not at the
 * memory's end. */
static int
ytree_charge(struct ytree_state *st, const struct ytree_stats *cost,
    int line, int col)
{
	if (cost->nodes > st->lim.max_alias_nodes - st->alias_nodes)
		return ytree_fail(st, line, col, "YAML aliases expand to more "
		    "than %zu nodes in %s", st->lim.max_alias_nodes,
		    st->lim.what);
	if (cost->bytes > st->lim.max_alias_bytes - st->alias_bytes)
		return ytree_fail(st, line, col, "YAML aliases expand to more "
		    "than %zu bytes in %s", st->lim.max_alias_bytes,
		    st->lim.what);
	st->alias_nodes += cost->nodes;
	st->alias_bytes += cost->bytes;
	return 0;
}

/* An alias as a copy of its anchor's node, within the bounds. */
static int
ytree_alias(struct ytree_state *st, const yaml_event_t *ev, int line,
    int col, struct ytree_node **done, struct ytree_stats *stats)
{
	const char *name = (const char *)ev->data.alias.anchor;
	struct ytree_anchor *a = ytree_anchor_find(st, name);

	if (a == NULL)
		return ytree_fail(st, line, col, "unknown anchor '%.64s' (an "
		    "alias must follow its anchor in the same document)",
		    name);
	if (a->node == NULL)
		return ytree_fail(st, line, col, "alias '*%.64s' is inside "
		    "the node it names", name);
	if (a->st.level >= st->lim.max_alias_depth)
		return ytree_fail(st, line, col, "YAML aliases nested more "
		    "than %zu deep in %s", st->lim.max_alias_depth,
		    st->lim.what);
	if (st->depth + a->st.height > st->lim.max_depth)
		return ytree_fail(st, line, col, "nesting deeper than %zu "
		    "levels", st->lim.max_depth);
	if (ytree_charge(st, &a->st, line, col) != 0)
		return -1;
	*done = ytree_copy(a->node);
	*stats = a->st;
	stats->level++;
	return 0;
}

/* The '<<' pair of a mapping (YAML 1.1 merge, which kubectl and helm
 * apply): its index, or the mapping's size. */
static size_t
ytree_merge_key(const struct ytree_node *m)
{
	size_t i;

	for (i = 0; i + 1 < m->n; i += 2)
		if (m->kids[i]->plain && strcmp(m->kids[i]->s, "<<") == 0)
			return i;
	return m->n;
}

/* Copies into a mapping the keys of one merged mapping it lacks; ks holds
 * the keys it has. */
static int
ytree_merge_one(struct ytree_state *st, struct ytree_frame *f,
    const struct ytree_node *src, struct ytree_keyset *ks, int line, int col)
{
	struct ytree_stats cost;
	size_t j;

	for (j = 0; j + 1 < src->n; j += 2) {
		if (ytree_keyset_add(ks, src->kids[j]->s))
			continue;
		memset(&cost, 0, sizeof cost);
		ytree_count(src->kids[j], &cost);
		ytree_count(src->kids[j + 1], &cost);
		if (ytree_charge(st, &cost, line, col) != 0)
			return -1;
		ytree_append(f->node, ytree_copy(src->kids[j]));
		ytree_append(f->node, ytree_copy(src->kids[j + 1]));
		f->st.nodes += cost.nodes;
		f->st.bytes += cost.bytes;
	}
	return 0;
}

/* Applies a mapping's merge key when it closes: the keys of the merged
 * mapping (or of each in a list, the first winning) that the mapping does
 * not set itself, as kubectl and helm (go-yaml) read them.  Heights and
 * alias levels stay those of the '<<' value, which bound the copies. */
static int
ytree_merge(struct ytree_state *st, struct ytree_frame *f)
{
	struct ytree_node *m = f->node, *v;
	struct ytree_keyset ks;
	struct ytree_stats gone;
	size_t i, k;
	int line, col, ret = -1;

	if ((i = ytree_merge_key(m)) == m->n)
		return 0;
	line = m->kids[i]->line;
	col = m->kids[i]->col;
	v = m->kids[i + 1];
	for (k = 0; v->type == YTREE_SEQ && k < v->n; k++)
		if (v->kids[k]->type != YTREE_MAP)
			break;
	if (v->type == YTREE_SCALAR || (v->type == YTREE_SEQ && k < v->n))
		return ytree_fail(st, line, col, "'<<' must merge a mapping "
		    "or a list of mappings");
	memset(&gone, 0, sizeof gone);
	ytree_count(m->kids[i], &gone);
	ytree_count(v, &gone);
	f->st.nodes -= gone.nodes;
	f->st.bytes -= gone.bytes;
	ytree_free(m->kids[i]);
	memmove(&m->kids[i], &m->kids[i + 2], (m->n - i - 2) * sizeof
	    *m->kids);
	m->n -= 2;
	st->dead = xreallocarray(st->dead, st->ndead + 1, sizeof *st->dead);
	st->dead[st->ndead++] = v;
	memset(&ks, 0, sizeof ks);
	for (k = 0; k < m->n; k += 2)
		ytree_keyset_add(&ks, m->kids[k]->s);
	if (v->type == YTREE_MAP)
		ret = ytree_merge_one(st, f, v, &ks, line, col);
	else {
		for (k = 0; k < v->n; k++)
			if ((ret = ytree_merge_one(st, f, v->kids[k], &ks,
			    line, col)) != 0)
				break;
		if (v->n == 0)
			ret = 0;
	}
	ytree_keyset_release(&ks);
	return ret;
}

/* Opens a collection on the stack, defining its anchor as still open. */
static int
ytree_open(struct ytree_state *st, const yaml_event_t *ev, int line, int col)
{
	struct ytree_frame *f;
	const yaml_char_t *anchor;

	if (st->depth >= st->lim.max_depth)
		return ytree_fail(st, line, col, "nesting deeper than %zu "
		    "levels", st->lim.max_depth);
	if (st->depth == st->nframes) {
		st->nframes = st->nframes == 0 ? 8 : st->nframes * 2;
		if (st->nframes > st->lim.max_depth)
			st->nframes = st->lim.max_depth;
		st->frames = xreallocarray(st->frames, st->nframes,
		    sizeof *st->frames);
	}
	f = &st->frames[st->depth++];
	memset(f, 0, sizeof *f);
	if (ev->type == YAML_SEQUENCE_START_EVENT) {
		f->node = ytree_new(YTREE_SEQ, line, col);
		anchor = ev->data.sequence_start.anchor;
	} else {
		f->node = ytree_new(YTREE_MAP, line, col);
		anchor = ev->data.mapping_start.anchor;
	}
	if (anchor != NULL)
		f->anchor = ytree_anchor_add(st, (const char *)anchor, NULL,
		    NULL);
	return 0;
}

/* Closes the innermost collection (applying a merge key), defining its
 * anchor unless a node inside it redefined the name since. */
static int
ytree_close(struct ytree_state *st, struct ytree_node **done,
    struct ytree_stats *stats)
{
	struct ytree_frame *f = &st->frames[st->depth - 1];
	struct ytree_anchor *a;

	if (f->node->type == YTREE_MAP && ytree_merge(st, f) != 0)
		return -1;
	f->st.nodes++;
	f->st.height++;
	if (f->anchor != 0) {
		a = &st->anchors[f->anchor - 1];
		if (a->node == NULL) {
			a->node = f->node;
			a->st = f->st;
		}
	}
	ytree_keyset_release(&f->keys);
	*done = f->node;
	*stats = f->st;
	f->node = NULL;
	st->depth--;
	return 0;
}

/* One scalar event as a node, defining its anchor. */
static int
ytree_scalar_event(struct ytree_state *st, const yaml_event_t *ev, int line,
    int col, struct ytree_node **done, struct ytree_stats *stats)
{
	struct ytree_node *n;

	if (ev->data.scalar.length > st->lim.max_string)
		return ytree_fail(st, line, col, "string longer than %zu "
		    "bytes", st->lim.max_string);
	if (memchr(ev->data.scalar.value, '\0', ev->data.scalar.length) !=
	    NULL)
		return ytree_fail(st, line, col, "strings must not contain "
		    "NUL characters");
	n = ytree_new(YTREE_SCALAR, line, col);
	n->s = xstrndup((const char *)ev->data.scalar.value,
	    ev->data.scalar.length);
	n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	memset(stats, 0, sizeof *stats);
	stats->nodes = 1;
	stats->bytes = ev->data.scalar.length;
	if (ev->data.scalar.anchor != NULL)
		ytree_anchor_add(st, (const char *)ev->data.scalar.anchor, n,
		    stats);
	*done = n;
	return 0;
}

/* One event: a node to attach in *done (a scalar, a copied alias, a closed
 * collection) or a collection opened; -1 for what the bounds refuse. */
static int
ytree_event(struct ytree_state *st, const yaml_event_t *ev,
    struct ytree_node **done, struct ytree_stats *stats)
{
	int line = (int)ev->start_mark.line + 1;
	int col = (int)ev->start_mark.column + 1;

	*done = NULL;
	switch (ev->type) {
	case YAML_ALIAS_EVENT:
		return ytree_alias(st, ev, line, col, done, stats);
	case YAML_SCALAR_EVENT:
		return ytree_scalar_event(st, ev, line, col, done, stats);
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		return ytree_open(st, ev, line, col);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		return ytree_close(st, done, stats);
	case YAML_DOCUMENT_START_EVENT:
		if (st->ndocs >= st->lim.max_docs)
			return ytree_fail(st, line, col, st->lim.max_docs == 1 ?
			    "more than one document in one file" : "more than "
			    "%zu documents in one file", st->lim.max_docs);
		return 0;
	case YAML_DOCUMENT_END_EVENT:
		ytree_anchors_reset(st);
		return 0;
	default:
		return 0;
	}
}

/* Puts a finished node in its parent (checking keys) or, at the top, in
 * the documents. */
static int
ytree_place(struct ytree_state *st, struct ytree_node *n,
    const struct ytree_stats *s, struct ytree_node ***docs, size_t *ndocs)
{
	struct ytree_frame *f;

	if (st->depth == 0) {
		*docs = xreallocarray(*docs, *ndocs + 1, sizeof **docs);
		(*docs)[(*ndocs)++] = n;
		st->ndocs = *ndocs;
		return 0;
	}
	f = &st->frames[st->depth - 1];
	if (ytree_attach(f->node, &f->keys, n, &st->at, &st->cause) != 0)
		return -1;
	f->st.nodes += s->nodes;
	f->st.bytes += s->bytes;
	if (s->height > f->st.height)
		f->st.height = s->height;
	if (s->level > f->st.level)
		f->st.level = s->level;
	return 0;
}

/* Frees what a parse holds besides the documents. */
static void
ytree_state_free(struct ytree_state *st)
{
	size_t i;

	for (i = 0; i < st->depth; i++) {
		ytree_free(st->frames[i].node);
		ytree_keyset_release(&st->frames[i].keys);
	}
	free(st->frames);
	ytree_anchors_reset(st);
	free(st->anchors);
	free(st->slots);
	for (i = 0; i < st->ndead; i++)
		ytree_free(st->dead[i]);
	free(st->dead);
	free(st->cause);
	free(st);
}

/* Parses every document with libyaml's event API so that deep nesting,
 * long strings and aliases past their budget are refused before any tree
 * grows past them. */
int
ytree_parse(const char *buf, size_t len, const struct ytree_limits *limits,
    struct ytree_node ***docs, size_t *ndocs, struct ytree_mark *at,
    char **cause)
{
	struct ytree_state *st = xcalloc(1, sizeof *st);
	struct ytree_stats stats;
	struct ytree_node *n;
	yaml_parser_t parser;
	yaml_event_t ev;
	int ret = -1, rc;
	bool end;

	ytree_limits_fill(limits, &st->lim);
	*docs = NULL;
	*ndocs = 0;
	*cause = NULL;
	if (!yaml_parser_initialize(&parser))
		fatalx("yaml_parser_initialize failed");
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	for (;;) {
		if (!yaml_parser_parse(&parser, &ev)) {
			ytree_fail(st, (int)parser.problem_mark.line + 1,
			    (int)parser.problem_mark.column + 1, "not valid "
			    "YAML: %s", parser.problem != NULL ?
			    parser.problem : "error");
			goto out;
		}
		end = ev.type == YAML_STREAM_END_EVENT;
		rc = ytree_event(st, &ev, &n, &stats);
		yaml_event_delete(&ev);
		if (rc != 0)
			goto out;
		if (end)
			break;
		if (n != NULL && ytree_place(st, n, &stats, docs, ndocs) != 0)
			goto out;
	}
	ret = 0;
out:
	yaml_parser_delete(&parser);
	*at = st->at;
	if (ret != 0) {
		*cause = st->cause;
		st->cause = NULL;
		ytree_docs_free(*docs, *ndocs);
		*docs = NULL;
		*ndocs = 0;
	}
	ytree_state_free(st);
	return ret;
}

/* One file's text as the single document a config file is. */
int
ytree_parse_file_text(const char *file, const char *buf, size_t len,
    const struct ytree_limits *limits, struct ytree_node **root,
    char **cause)
{
	struct ytree_limits lim;
	struct ytree_mark at;
	struct ytree_node **docs;
	size_t ndocs;
	char *why;

	*root = NULL;
	ytree_limits_fill(limits, &lim);
	lim.max_docs = 1;
	if (ytree_parse(buf, len, &lim, &docs, &ndocs, &at, &why) != 0) {
		if (at.line > 0)
			*cause = xprintf("%s:%d:%d: %s", file, at.line, at.col,
			    why);
		else
			*cause = xprintf("%s: %s", file, why);
		free(why);
		return -1;
	}
	if (ndocs > 0) {
		*root = docs[0];
		docs[0] = NULL;
	}
	ytree_docs_free(docs, ndocs);
	return 0;
}

/* A message about a node, placed as compilers place theirs. */
char *
ytree_errorf(const char *file, const struct ytree_node *n, const char *fmt,
    ...)
{
	va_list ap;
	char *msg, *out;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n != NULL && n->line > 0)
		out = xprintf("%s:%d:%d: %s", file, n->line, n->col, msg);
	else
		out = xprintf("%s: %s", file, msg);
	free(msg);
	return out;
}

/* An unknown key with a did-you-mean hint: a typo in a config must say
 * what was meant, not only that it is wrong. */
char *
ytree_unknown(const char *file, const struct ytree_node *key,
    const char *what, const char *const *cands, size_t n)
{
	const char *near = closest_word(key->s, cands, n);

	if (near != NULL)
		return ytree_errorf(file, key, "unknown %s '%.64s' (did you "
		    "mean '%s'?)", what, key->s, near);
	return ytree_errorf(file, key, "unknown %s '%.64s'", what, key->s);
}

/* Reads a bounded regular file whole, NUL-terminated: what every reader
 * of a YAML (or CSV) file needs before parsing it. */
int
ytree_read_file(const char *path, size_t max, char **bufp, size_t *lenp,
    char **cause)
{
	struct stat st;
	char *buf = NULL;
	ssize_t r;
	size_t len = 0;
	int fd, ret = -1;

	*bufp = NULL;
	*lenp = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1) {
		*cause = xstrdup(strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		*cause = xstrdup("not a regular file");
		goto out;
	}
	if ((uint64_t)st.st_size > max) {
		*cause = xprintf("file is larger than %zu bytes", max);
		goto out;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	while (len < (size_t)st.st_size) {
		r = read(fd, buf + len, (size_t)st.st_size - len);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			*cause = xstrdup(strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	buf = NULL;
	ret = 0;
out:
	free(buf);
	close(fd);
	return ret;
}
