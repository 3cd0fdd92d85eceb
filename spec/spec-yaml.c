/* spec-yaml.c: the spec's side of the YAML reader (common-yaml.c):
 * diagnostics at file:line:col and --set. */
#include "spec-int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The length of the well-formed UTF-8 sequence at s, 0 if it is none; a
 * sequence is at most 4 bytes, and a NUL never continues one. */
static size_t
spec_utf8_len(const unsigned char *s)
{
	return utf8_decode((const char *)s, 4, NULL);
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
spec_error(struct spec_ctx *c, const struct ytree_node *at, const char *fmt,
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

/* Parses every document into trees with the common reader, its one
 * error a diagnostic at its place. */
int
spec_yaml_parse(struct spec_ctx *c, const char *buf, size_t len,
    struct ytree_node ***docs, size_t *ndocs)
{
	static const struct ytree_limits lim = {
		.max_depth = SPEC_MAX_DEPTH,
		.max_string = SPEC_MAX_STRING,
		.max_docs = SPEC_MAX_DOCUMENTS,
		.what = "a job spec",
	};
	struct ytree_mark at;
	char *cause;

	if (ytree_parse(buf, len, &lim, docs, ndocs, &at, &cause) != 0) {
		spec_error_at(c, at.line, at.col, "%s", cause);
		free(cause);
		return -1;
	}
	return 0;
}

/* Applies one --set: a dotted path into the document and a YAML value, so
 * "gpu.count=2" and "sweep.grid.lr=[1e-3,1e-4]" both work. */
int
spec_node_apply_set(struct spec_ctx *c, struct ytree_node *doc,
    const char *arg)
{
	struct spec_ctx vc = { .file = "--set", .diags = c->diags };
	struct ytree_node **vdocs = NULL, *m = doc, *next, *v;
	const char *eq = strchr(arg, '=');
	char *path = NULL, *p, *dot;
	size_t nv = 0;
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
		v = ytree_scalar("", 0, 0);
	else {
		v = vdocs[0];
		vdocs[0] = NULL;
	}
	path = xstrndup(arg, (size_t)(eq - arg));
	if (path[0] == '.' || path[strlen(path) - 1] == '.' ||
	    strstr(path, "..") != NULL) {
		spec_error_at(c, 0, 0, "--set '%s': bad key", arg);
		ytree_free(v);
		goto out;
	}
	for (p = path; (dot = strchr(p, '.')) != NULL; p = dot + 1) {
		*dot = '\0';
		if (*p == '\0' || m->type != YTREE_MAP)
			break;
		next = ytree_get(m, p);
		if (next == NULL || next->type != YTREE_MAP) {
			next = ytree_new(YTREE_MAP, 0, 0);
			ytree_set(m, p, next);
		}
		m = next;
	}
	if (dot != NULL || *p == '\0' || m->type != YTREE_MAP) {
		spec_error_at(c, 0, 0, "--set '%s': bad key", arg);
		ytree_free(v);
		goto out;
	}
	ytree_set(m, p, v);
	ret = 0;
out:
	ytree_docs_free(vdocs, nv);
	free(path);
	return ret;
}
