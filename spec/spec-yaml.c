/* spec-yaml.c: YAML text to bounded trees that keep each node's place. */
#include "spec-int.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

/* The length of the well-formed UTF-8 sequence at s, 0 if it is none. */
static size_t
spec_utf8_len(const unsigned char *s)
{
	size_t n, i;
	unsigned int c = s[0], min;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		c &= 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		c &= 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		c &= 0x07;
		min = 0x10000;
	} else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	return n;
}

/* See spec-int.h: printable UTF-8 of at most max bytes. */
bool
spec_is_text(const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	if (strlen(s) > max)
		return false;
	while (*p != '\0') {
		if ((n = spec_utf8_len(p)) == 0 || *p < 0x20 || *p == 0x7f ||
		    (p[0] == 0xc2 && p[1] < 0xa0))
			return false;
		p += n;
	}
	return true;
}

/* A message made safe to show and to put in JSON: a byte that is not
 * UTF-8 or a control character becomes \xHH (the message quotes what the
 * user wrote, which may be either). */
static char *
spec_text_clean(char *msg)
{
	const unsigned char *p = (const unsigned char *)msg;
	char *out, *o;
	size_t n;

	for (; *p != '\0'; p += n)
		if ((n = spec_utf8_len(p)) == 0 || *p < 0x20 || *p == 0x7f)
			break;
	if (*p == '\0')
		return msg;
	o = out = xmalloc(strlen(msg) * 4 + 1);
	for (p = (const unsigned char *)msg; *p != '\0'; p += n) {
		if ((n = spec_utf8_len(p)) == 0 || *p < 0x20 || *p == 0x7f) {
			o += sprintf(o, "\\x%02x", (unsigned int)*p);
			n = 1;
			continue;
		}
		memcpy(o, p, n);
		o += n;
	}
	*o = '\0';
	free(msg);
	return out;
}

/* Records one diagnostic at a line and column (0: no place); past
 * SPEC_MAX_DIAGS only counts it, so a file of 90,000 bad keys costs no
 * more than one of a thousand. */
static void
spec_error_va(struct spec_ctx *c, int line, int col, const char *fmt,
    va_list ap)
{
	struct spec_diags *l = c->diags;
	struct spec_diag *d;

	c->errors++;
	if (l->n > SPEC_MAX_DIAGS)
		return;
	if ((l->n & (l->n - 1)) == 0)
		l->v = xreallocarray(l->v, l->n == 0 ? 1 : l->n * 2,
		    sizeof *l->v);
	d = &l->v[l->n++];
	d->file = xstrdup(c->file);
	if (l->n > SPEC_MAX_DIAGS) {
		d->line = d->col = 0;
		d->msg = xprintf("too many errors: the first %d are shown",
		    SPEC_MAX_DIAGS);
		return;
	}
	d->line = line;
	d->col = col;
	xvasprintf(&d->msg, fmt, ap);
	d->msg = spec_text_clean(d->msg);
}

/* Records one diagnostic at a node's place. */
void
spec_error(struct spec_ctx *c, const struct spec_node *at, const char *fmt,
    ...)
{
	va_list ap;

	va_start(ap, fmt);
	spec_error_va(c, at != NULL ? at->line : 0, at != NULL ? at->col : 0,
	    fmt, ap);
	va_end(ap);
}

/* Records one diagnostic at an explicit place. */
void
spec_error_at(struct spec_ctx *c, int line, int col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	spec_error_va(c, line, col, fmt, ap);
	va_end(ap);
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

/* A new empty node at a place. */
struct spec_node *
spec_node_new(enum spec_node_type type, int line, int col)
{
	struct spec_node *n = xcalloc(1, sizeof *n);

	n->type = type;
	n->line = line;
	n->col = col;
	return n;
}

/* A new plain scalar node. */
struct spec_node *
spec_node_scalar(const char *s, int line, int col)
{
	struct spec_node *n = spec_node_new(SPEC_NODE_SCALAR, line, col);

	n->s = xstrdup(s);
	return n;
}

/* Frees a tree. */
void
spec_node_free(struct spec_node *n)
{
	size_t i;

	if (n == NULL)
		return;
	for (i = 0; i < n->n; i++)
		spec_node_free(n->kids[i]);
	free(n->kids);
	free(n->s);
	free(n);
}

/* Adds a child, growing the array geometrically. */
void
spec_node_append(struct spec_node *p, struct spec_node *k)
{
	if ((p->n & (p->n - 1)) == 0)
		p->kids = xreallocarray(p->kids, p->n == 0 ? 1 : p->n * 2,
		    sizeof *p->kids);
	p->kids[p->n++] = k;
}

/* The value under a key of a mapping, or NULL. */
struct spec_node *
spec_node_get(const struct spec_node *m, const char *key)
{
	size_t i;

	if (m == NULL || m->type != SPEC_NODE_MAP)
		return NULL;
	for (i = 0; i + 1 < m->n; i += 2) {
		if (m->kids[i]->type == SPEC_NODE_SCALAR &&
		    strcmp(m->kids[i]->s, key) == 0)
			return m->kids[i + 1];
	}
	return NULL;
}

/* Replaces or adds a key's value, taking ownership of v. */
void
spec_node_set(struct spec_node *m, const char *key, struct spec_node *v)
{
	size_t i;

	for (i = 0; i + 1 < m->n; i += 2) {
		if (m->kids[i]->type == SPEC_NODE_SCALAR &&
		    strcmp(m->kids[i]->s, key) == 0) {
			spec_node_free(m->kids[i + 1]);
			m->kids[i + 1] = v;
			return;
		}
	}
	spec_node_append(m, spec_node_scalar(key, v->line, v->col));
	spec_node_append(m, v);
}

/* Detaches a key's value from a mapping; the caller owns it. */
struct spec_node *
spec_node_take(struct spec_node *m, const char *key)
{
	struct spec_node *v;
	size_t i;

	if (m == NULL || m->type != SPEC_NODE_MAP)
		return NULL;
	for (i = 0; i + 1 < m->n; i += 2) {
		if (m->kids[i]->type == SPEC_NODE_SCALAR &&
		    strcmp(m->kids[i]->s, key) == 0) {
			v = m->kids[i + 1];
			spec_node_free(m->kids[i]);
			memmove(&m->kids[i], &m->kids[i + 2],
			    (m->n - i - 2) * sizeof *m->kids);
			m->n -= 2;
			return v;
		}
	}
	return NULL;
}

/* True for what YAML reads as null, which the spec treats as absent. */
bool
spec_node_is_null(const struct spec_node *n)
{
	if (n == NULL)
		return true;
	if (n->type != SPEC_NODE_SCALAR || !n->plain)
		return false;
	return n->s[0] == '\0' || strcmp(n->s, "~") == 0 ||
	    strcmp(n->s, "null") == 0 || strcmp(n->s, "Null") == 0 ||
	    strcmp(n->s, "NULL") == 0;
}

/* Maps with more keys than this find duplicates through a hash set; a
 * scan of a few keys is cheaper than building one. */
#define SPEC_KEYSET_MIN 16

/*
 * The keys of one mapping being read, for finding a duplicate in constant
 * time: a 1 MiB file of tens of thousands of keys must not take seconds
 * comparing each key with every other.  Open addressing over pointers to
 * the key nodes' strings, which the mapping owns.
 */
struct spec_keyset {
	const char **slots;
	size_t cap;              /* a power of two, or 0 before the first use */
	size_t n;
};

/* FNV-1a: short keys hash well and fast. */
static size_t
spec_key_hash(const char *s)
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
spec_keyset_add(struct spec_keyset *ks, const char *key)
{
	const char **old = ks->slots;
	size_t oldcap = ks->cap, i, h;

	if ((ks->n + 1) * 2 > ks->cap) {
		ks->cap = ks->cap == 0 ? 64 : ks->cap * 2;
		ks->slots = xcalloc(ks->cap, sizeof *ks->slots);
		for (i = 0; i < oldcap; i++) {
			if (old[i] == NULL)
				continue;
			h = spec_key_hash(old[i]) & (ks->cap - 1);
			while (ks->slots[h] != NULL)
				h = (h + 1) & (ks->cap - 1);
			ks->slots[h] = old[i];
		}
		free(old);
	}
	h = spec_key_hash(key) & (ks->cap - 1);
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
spec_keyset_release(struct spec_keyset *ks)
{
	free(ks->slots);
	memset(ks, 0, sizeof *ks);
}

/* True when a mapping already has a key: a scan while it is small, then
 * its key set (filled with the keys so far on first use). */
static bool
spec_map_has_key(struct spec_node *p, struct spec_keyset *ks, const char *key)
{
	size_t i;

	if (p->n / 2 < SPEC_KEYSET_MIN) {
		for (i = 0; i < p->n; i += 2)
			if (strcmp(p->kids[i]->s, key) == 0)
				return true;
		return false;
	}
	if (ks->n == 0)
		for (i = 0; i < p->n; i += 2)
			spec_keyset_add(ks, p->kids[i]->s);
	return spec_keyset_add(ks, key);
}

/* Adds a finished node to its parent, checking mapping keys: plain
 * strings, not empty, each once. */
static int
spec_yaml_attach(struct spec_ctx *c, struct spec_node *p,
    struct spec_keyset *ks, struct spec_node *n)
{
	if (p->type == SPEC_NODE_MAP && (p->n % 2) == 0) {
		if (n->type != SPEC_NODE_SCALAR) {
			spec_error(c, n, "keys must be plain strings");
			spec_node_free(n);
			return -1;
		}
		if (n->s[0] == '\0') {
			spec_error(c, n, "empty key ''");
			spec_node_free(n);
			return -1;
		}
		if (spec_map_has_key(p, ks, n->s)) {
			spec_error(c, n, "duplicate key '%s'", n->s);
			spec_node_free(n);
			return -1;
		}
	}
	spec_node_append(p, n);
	return 0;
}

/* Parses every document with libyaml's event API so that aliases, deep
 * nesting and long strings are refused before any tree grows. */
int
spec_yaml_parse(struct spec_ctx *c, const char *buf, size_t len,
    struct spec_node ***docs, size_t *ndocs)
{
	struct spec_node *stack[SPEC_MAX_DEPTH + 1], *n;
	struct spec_keyset keys[SPEC_MAX_DEPTH + 1];
	yaml_parser_t parser;
	yaml_event_t ev;
	size_t depth = 0, i;
	int line, col, ret = -1;
	bool done = false;

	*docs = NULL;
	*ndocs = 0;
	memset(keys, 0, sizeof keys);
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	while (!done) {
		if (!yaml_parser_parse(&parser, &ev)) {
			spec_error_at(c, (int)parser.problem_mark.line + 1,
			    (int)parser.problem_mark.column + 1,
			    "not valid YAML: %s", parser.problem != NULL ?
			    parser.problem : "error");
			goto out;
		}
		line = (int)ev.start_mark.line + 1;
		col = (int)ev.start_mark.column + 1;
		n = NULL;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_ALIAS_EVENT:
			spec_error_at(c, line, col, "YAML aliases are not "
			    "allowed in a job spec");
			yaml_event_delete(&ev);
			goto out;
		case YAML_SCALAR_EVENT:
			if (ev.data.scalar.length > SPEC_MAX_STRING) {
				spec_error_at(c, line, col, "string longer than "
				    "%d bytes", SPEC_MAX_STRING);
				yaml_event_delete(&ev);
				goto out;
			}
			n = spec_node_new(SPEC_NODE_SCALAR, line, col);
			n->s = xstrndup((const char *)ev.data.scalar.value,
			    ev.data.scalar.length);
			if (strlen(n->s) != ev.data.scalar.length) {
				spec_node_free(n);
				spec_error_at(c, line, col, "strings must not "
				    "contain NUL characters");
				yaml_event_delete(&ev);
				goto out;
			}
			n->plain = ev.data.scalar.style ==
			    YAML_PLAIN_SCALAR_STYLE;
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (depth >= SPEC_MAX_DEPTH) {
				spec_error_at(c, line, col, "nesting deeper "
				    "than %d levels", SPEC_MAX_DEPTH);
				yaml_event_delete(&ev);
				goto out;
			}
			stack[depth++] = spec_node_new(ev.type ==
			    YAML_SEQUENCE_START_EVENT ? SPEC_NODE_SEQ :
			    SPEC_NODE_MAP, line, col);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			n = stack[--depth];
			spec_keyset_release(&keys[depth]);
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (*ndocs >= SPEC_MAX_DOCUMENTS) {
				spec_error_at(c, line, col, "more than %d "
				    "documents in one file",
				    SPEC_MAX_DOCUMENTS);
				yaml_event_delete(&ev);
				goto out;
			}
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
		if (n == NULL)
			continue;
		if (depth > 0) {
			if (spec_yaml_attach(c, stack[depth - 1],
			    &keys[depth - 1], n) != 0)
				goto out;
			continue;
		}
		*docs = xreallocarray(*docs, *ndocs + 1, sizeof **docs);
		(*docs)[(*ndocs)++] = n;
	}
	ret = 0;
out:
	for (i = 0; i < depth; i++) {
		spec_node_free(stack[i]);
		spec_keyset_release(&keys[i]);
	}
	yaml_parser_delete(&parser);
	if (ret != 0) {
		for (i = 0; i < *ndocs; i++)
			spec_node_free((*docs)[i]);
		free(*docs);
		*docs = NULL;
		*ndocs = 0;
	}
	return ret;
}

/* Applies one --set: a dotted path into the document and a YAML value, so
 * "gpu.count=2" and "sweep.grid.lr=[1e-3,1e-4]" both work. */
int
spec_node_apply_set(struct spec_ctx *c, struct spec_node *doc,
    const char *arg)
{
	struct spec_ctx vc = { .file = "--set", .diags = c->diags };
	struct spec_node **vdocs = NULL, *m = doc, *next, *v;
	const char *eq = strchr(arg, '=');
	char *path = NULL, *p, *dot;
	size_t nv = 0, i;
	int ret = -1;

	if (eq == NULL || eq == arg) {
		spec_error_at(c, 0, 0, "--set '%s': expected key=value", arg);
		return -1;
	}
	if (spec_yaml_parse(&vc, eq + 1, strlen(eq + 1), &vdocs, &nv) != 0) {
		c->errors++;
		goto out;
	}
	if (nv == 0)
		v = spec_node_scalar("", 0, 0);
	else {
		v = vdocs[0];
		vdocs[0] = NULL;
	}
	path = xstrndup(arg, (size_t)(eq - arg));
	if (path[0] == '.' || path[strlen(path) - 1] == '.' ||
	    strstr(path, "..") != NULL) {
		spec_error_at(c, 0, 0, "--set '%s': bad key", arg);
		spec_node_free(v);
		goto out;
	}
	for (p = path; (dot = strchr(p, '.')) != NULL; p = dot + 1) {
		*dot = '\0';
		if (*p == '\0' || m->type != SPEC_NODE_MAP)
			break;
		next = spec_node_get(m, p);
		if (next == NULL || next->type != SPEC_NODE_MAP) {
			next = spec_node_new(SPEC_NODE_MAP, 0, 0);
			spec_node_set(m, p, next);
		}
		m = next;
	}
	if (dot != NULL || *p == '\0' || m->type != SPEC_NODE_MAP) {
		spec_error_at(c, 0, 0, "--set '%s': bad key", arg);
		spec_node_free(v);
		goto out;
	}
	spec_node_set(m, p, v);
	ret = 0;
out:
	for (i = 0; i < nv; i++)
		spec_node_free(vdocs[i]);
	free(vdocs);
	free(path);
	return ret;
}

/* Reads a bounded regular file whole, NUL-terminated. */
int
spec_read_file(const char *path, size_t max, char **bufp, size_t *lenp,
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
