/* common-yaml.c: YAML text to bounded trees that keep each node's place. */
#include "common-yaml.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
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
	if (out->what == NULL)
		out->what = "this file";
}

/* One event as a node: a scalar, or a collection opened on the stack; the
 * node to attach (a scalar, a closed collection) in *done.  -1 with
 * *cause for what the bounds refuse. */
static int
ytree_event(const yaml_event_t *ev, const struct ytree_limits *lim,
    struct ytree_node **stack, size_t *depth, size_t ndocs,
    struct ytree_node **done, char **cause)
{
	int line = (int)ev->start_mark.line + 1;
	int col = (int)ev->start_mark.column + 1;
	struct ytree_node *n;

	*done = NULL;
	switch (ev->type) {
	case YAML_ALIAS_EVENT:
		*cause = xprintf("YAML aliases are not allowed in %s",
		    lim->what);
		return -1;
	case YAML_SCALAR_EVENT:
		if (ev->data.scalar.length > lim->max_string) {
			*cause = xprintf("string longer than %zu bytes",
			    lim->max_string);
			return -1;
		}
		if (memchr(ev->data.scalar.value, '\0',
		    ev->data.scalar.length) != NULL) {
			*cause = xstrdup("strings must not contain NUL "
			    "characters");
			return -1;
		}
		n = ytree_new(YTREE_SCALAR, line, col);
		n->s = xstrndup((const char *)ev->data.scalar.value,
		    ev->data.scalar.length);
		n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		*done = n;
		return 0;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		if (*depth >= lim->max_depth) {
			*cause = xprintf("nesting deeper than %zu levels",
			    lim->max_depth);
			return -1;
		}
		stack[(*depth)++] = ytree_new(ev->type ==
		    YAML_SEQUENCE_START_EVENT ? YTREE_SEQ : YTREE_MAP, line,
		    col);
		return 0;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		*done = stack[--(*depth)];
		return 0;
	case YAML_DOCUMENT_START_EVENT:
		if (ndocs >= lim->max_docs) {
			*cause = lim->max_docs == 1 ? xstrdup("more than one "
			    "document in one file") : xprintf("more than %zu "
			    "documents in one file", lim->max_docs);
			return -1;
		}
		return 0;
	default:
		return 0;
	}
}

/* Parses every document with libyaml's event API so that aliases, deep
 * nesting and long strings are refused before any tree grows. */
int
ytree_parse(const char *buf, size_t len, const struct ytree_limits *limits,
    struct ytree_node ***docs, size_t *ndocs, struct ytree_mark *at,
    char **cause)
{
	struct ytree_node *stack[YTREE_DEPTH_MAX + 1], *n;
	struct ytree_keyset keys[YTREE_DEPTH_MAX + 1];
	struct ytree_limits lim;
	yaml_parser_t parser;
	yaml_event_t ev;
	size_t depth = 0, i;
	int ret = -1;
	bool end;

	ytree_limits_fill(limits, &lim);
	*docs = NULL;
	*ndocs = 0;
	*cause = NULL;
	at->line = at->col = 0;
	memset(keys, 0, sizeof keys);
	if (!yaml_parser_initialize(&parser))
		fatalx("yaml_parser_initialize failed");
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	for (;;) {
		if (!yaml_parser_parse(&parser, &ev)) {
			at->line = (int)parser.problem_mark.line + 1;
			at->col = (int)parser.problem_mark.column + 1;
			*cause = xprintf("not valid YAML: %s", parser.problem !=
			    NULL ? parser.problem : "error");
			goto out;
		}
		end = ev.type == YAML_STREAM_END_EVENT;
		if (ytree_event(&ev, &lim, stack, &depth, *ndocs, &n,
		    cause) != 0) {
			at->line = (int)ev.start_mark.line + 1;
			at->col = (int)ev.start_mark.column + 1;
			yaml_event_delete(&ev);
			goto out;
		}
		if (ev.type == YAML_SEQUENCE_END_EVENT ||
		    ev.type == YAML_MAPPING_END_EVENT)
			ytree_keyset_release(&keys[depth]);
		yaml_event_delete(&ev);
		if (end)
			break;
		if (n == NULL)
			continue;
		if (depth > 0) {
			if (ytree_attach(stack[depth - 1], &keys[depth - 1], n,
			    at, cause) != 0)
				goto out;
			continue;
		}
		*docs = xreallocarray(*docs, *ndocs + 1, sizeof **docs);
		(*docs)[(*ndocs)++] = n;
	}
	ret = 0;
out:
	for (i = 0; i < depth; i++) {
		ytree_free(stack[i]);
		ytree_keyset_release(&keys[i]);
	}
	yaml_parser_delete(&parser);
	if (ret != 0) {
		ytree_docs_free(*docs, *ndocs);
		*docs = NULL;
		*ndocs = 0;
	}
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
