#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>
#include <yaml.h>

/* One row's colour, around one of its cells (cli_table_style_last). */
struct cli_style {
	int col;                 /* -1: none */
	const char *pre;         /* static strings */
	const char *post;
};

struct cli_table {
	int ncols;
	char **headers;
	char ***rows;
	struct cli_style *styles;
	size_t nrows;
	size_t cap;
};

/*
 * Decodes one UTF-8 sequence at s (well-formed, no overlong form, no
 * surrogate, at most U+10FFFF); its length, or 0 when the byte at s does
 * not start one.
 */
static size_t
cli_utf8(const unsigned char *s, unsigned int *cp)
{
	size_t n, i;
	unsigned int c = s[0], min;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
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
	*cp = c;
	return n;
}

/* See cli.h: text a terminal shows as it is, and on one line. */
char *
cli_text(const char *s)
{
	const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");
	unsigned int cp;
	char *out, *o;
	size_t n;

	/* An escape is at most 6 bytes ("\u202e") for at least 1 in. */
	o = out = xmalloc(strlen((const char *)p) * 6 + 1);
	while (*p != '\0') {
		n = cli_utf8(p, &cp);
		if (n == 0)
			o += sprintf(o, "\\x%02x", (unsigned int)*p++);
		else if (cp == '\t' || cp == '\n' || cp == '\r') {
			*o++ = '\\';
			*o++ = cp == '\t' ? 't' : cp == '\n' ? 'n' : 'r';
			p++;
		} else if (cp < 0x20 || cp == 0x7f) {
			o += sprintf(o, "\\x%02x", cp);
			p++;
		} else if ((cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 ||
		    cp == 0x2029 || (cp >= 0x202a && cp <= 0x202e) ||
		    (cp >= 0x2066 && cp <= 0x2069)) {
			/* C1 controls, line separators and the bidi
			 * overrides that reorder what is shown. */
			o += sprintf(o, "\\u%04x", cp);
			p += n;
		} else {
			memcpy(o, p, n);
			o += n;
			p += n;
		}
	}
	*o = '\0';
	return out;
}

/* See cli.h: prints text for people, escaped as cli_text does. */
void
cli_put_text(FILE *f, const char *s)
{
	char *t = cli_text(s);

	fputs(t, f);
	free(t);
}

/* A table with the given column headers. */
struct cli_table *
cli_table_new(const char *const *headers, int ncols)
{
	struct cli_table *t = xcalloc(1, sizeof *t);
	int i;

	t->ncols = ncols;
	t->headers = xcalloc((size_t)ncols, sizeof *t->headers);
	for (i = 0; i < ncols; i++)
		t->headers[i] = cli_text(headers[i]);
	return t;
}

/* Adds a row; the cells are copied, escaped as cli_text does, so no text
 * of a job can move the cursor or start a row of its own (NULL and ""
 * print as "-"). */
void
cli_table_add(struct cli_table *t, const char *const *cells)
{
	char **row;
	int i;

	if (t->nrows == t->cap) {
		t->cap = t->cap == 0 ? 32 : t->cap * 2;
		t->rows = xreallocarray(t->rows, t->cap, sizeof *t->rows);
		t->styles = xreallocarray(t->styles, t->cap,
		    sizeof *t->styles);
	}
	row = xcalloc((size_t)t->ncols, sizeof *row);
	for (i = 0; i < t->ncols; i++)
		row[i] = cli_text(cells[i] != NULL && *cells[i] != '\0' ?
		    cells[i] : "-");
	t->styles[t->nrows].col = -1;
	t->rows[t->nrows++] = row;
}

/* See cli.h: colours one cell of the last row. */
void
cli_table_style_last(struct cli_table *t, int col, const char *pre,
    const char *post)
{
	if (t->nrows == 0 || col < 0 || col >= t->ncols)
		return;
	t->styles[t->nrows - 1].col = col;
	t->styles[t->nrows - 1].pre = pre;
	t->styles[t->nrows - 1].post = post;
}

/* Display width of UTF-8 text, ignoring colour escapes. */
static size_t
cli_width(const char *s)
{
	mbstate_t st;
	wchar_t wc;
	size_t w = 0, n;
	int cw;

	memset(&st, 0, sizeof st);
	while (*s != '\0') {
		if (*s == '\033') {
			while (*s != '\0' && *s != 'm')
				s++;
			if (*s == 'm')
				s++;
			continue;
		}
		n = mbrtowc(&wc, s, MB_CUR_MAX, &st);
		if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
			memset(&st, 0, sizeof st);
			s++;
			w++;
			continue;
		}
		cw = wcwidth(wc);
		w += cw > 0 ? (size_t)cw : 0;
		s += n;
	}
	return w;
}

/* Prints a row padded to the column widths; the last column is not padded. */
static void
cli_table_row(FILE *f, char **cells, const struct cli_style *style,
    const size_t *widths, int ncols)
{
	int i;
	size_t w;

	for (i = 0; i < ncols; i++) {
		if (style != NULL && style->col == i) {
			fputs(style->pre, f);
			fputs(cells[i], f);
			fputs(style->post, f);
		} else
			fputs(cells[i], f);
		if (i == ncols - 1)
			break;
		for (w = cli_width(cells[i]); w < widths[i] + 3; w++)
			fputc(' ', f);
	}
	fputc('\n', f);
}

/* Prints the table with aligned columns, as kubectl does. */
void
cli_table_print(struct cli_table *t, FILE *f)
{
	size_t *widths, i, w;
	int c;

	widths = xcalloc((size_t)t->ncols, sizeof *widths);
	for (c = 0; c < t->ncols; c++) {
		widths[c] = cli_width(t->headers[c]);
		for (i = 0; i < t->nrows; i++)
			if ((w = cli_width(t->rows[i][c])) > widths[c])
				widths[c] = w;
	}
	cli_table_row(f, t->headers, NULL, widths, t->ncols);
	for (i = 0; i < t->nrows; i++)
		cli_table_row(f, t->rows[i], &t->styles[i], widths, t->ncols);
	free(widths);
}

/* Frees a table. */
void
cli_table_free(struct cli_table *t)
{
	size_t i;
	int c;

	if (t == NULL)
		return;
	for (i = 0; i < t->nrows; i++) {
		for (c = 0; c < t->ncols; c++)
			free(t->rows[i][c]);
		free(t->rows[i]);
	}
	for (c = 0; c < t->ncols; c++)
		free(t->headers[c]);
	free(t->headers);
	free(t->rows);
	free(t->styles);
	free(t);
}

/* True for a cell that a spreadsheet reads as a number ("-3", "2.5"),
 * which a leading sign does not make a formula. */
static bool
cli_csv_is_number(const char *s)
{
	if (*s == '-' || *s == '+')
		s++;
	if (*s < '0' || *s > '9')
		return false;
	while (*s >= '0' && *s <= '9')
		s++;
	if (*s == '.') {
		s++;
		if (*s < '0' || *s > '9')
			return false;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return *s == '\0';
}

/*
 * See cli.h: one CSV field (RFC 4180 quoting).  A cell a spreadsheet would
 * run as a formula (starting with = + - @, a tab or a carriage return, as
 * OWASP's CSV injection guidance lists them) gets a leading single quote,
 * so it is shown as text; numbers and a lone "-" are left alone.
 */
void
cli_csv_field(FILE *f, const char *s, bool last)
{
	const char *p;
	bool quote;

	if (s == NULL)
		s = "";
	quote = strpbrk(s, ",\"\r\n") != NULL;
	if (quote)
		fputc('"', f);
	if (strchr("=+-@\t\r", *s) != NULL && *s != '\0' &&
	    strcmp(s, "-") != 0 && !cli_csv_is_number(s))
		fputc('\'', f);
	for (p = s; *p != '\0'; p++) {
		if (*p == '"')
			fputc('"', f);
		fputc(*p, f);
	}
	if (quote)
		fputc('"', f);
	fputc(last ? '\n' : ',', f);
}

/* yaml_emitter write handler onto a stdio stream. */
static int
cli_yaml_write(void *data, unsigned char *buf, size_t size)
{
	return fwrite(buf, 1, size, data) == size;
}

/* Emits a scalar, quoting strings that YAML would read as another type. */
static int
cli_yaml_scalar(yaml_emitter_t *e, const char *s, bool is_string)
{
	yaml_event_t ev;
	yaml_scalar_style_t style = YAML_ANY_SCALAR_STYLE;
	static const char *const plain_words[] = { "true", "false", "null",
		"yes", "no", "on", "off", "~", "" };
	size_t i;
	char *end;

	if (is_string) {
		for (i = 0; i < nitems(plain_words); i++)
			if (strcasecmp(s, plain_words[i]) == 0)
				style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
		(void)strtod(s, &end);
		if (*s != '\0' && *end == '\0')
			style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
		if (strchr(s, '\n') != NULL)
			style = YAML_LITERAL_SCALAR_STYLE;
	}
	yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, -1, 1,
	    1, style);
	return yaml_emitter_emit(e, &ev);
}

/* Emits a JSON value as YAML events. */
static int
cli_yaml_node(yaml_emitter_t *e, json_t *v)
{
	yaml_event_t ev;
	const char *key;
	json_t *item;
	size_t i;
	char buf[64];

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
		    YAML_BLOCK_MAPPING_STYLE);
		if (!yaml_emitter_emit(e, &ev))
			return -1;
		json_object_foreach(v, key, item) {
			if (!cli_yaml_scalar(e, key, true) ||
			    cli_yaml_node(e, item) != 0)
				return -1;
		}
		yaml_mapping_end_event_initialize(&ev);
		return yaml_emitter_emit(e, &ev) ? 0 : -1;
	case JSON_ARRAY:
		yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
		    YAML_BLOCK_SEQUENCE_STYLE);
		if (!yaml_emitter_emit(e, &ev))
			return -1;
		json_array_foreach(v, i, item) {
			if (cli_yaml_node(e, item) != 0)
				return -1;
		}
		yaml_sequence_end_event_initialize(&ev);
		return yaml_emitter_emit(e, &ev) ? 0 : -1;
	case JSON_STRING:
		return cli_yaml_scalar(e, json_string_value(v), true) ? 0 : -1;
	case JSON_INTEGER:
		snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		return cli_yaml_scalar(e, buf, false) ? 0 : -1;
	case JSON_REAL:
		snprintf(buf, sizeof buf, "%.17g", json_real_value(v));
		return cli_yaml_scalar(e, buf, false) ? 0 : -1;
	case JSON_TRUE:
		return cli_yaml_scalar(e, "true", false) ? 0 : -1;
	case JSON_FALSE:
		return cli_yaml_scalar(e, "false", false) ? 0 : -1;
	case JSON_NULL:
		return cli_yaml_scalar(e, "null", false) ? 0 : -1;
	}
	return -1;
}

/* Writes a JSON value as one YAML document with libyaml's emitter. */
int
cli_emit_yaml(FILE *f, json_t *v)
{
	yaml_emitter_t e;
	yaml_event_t ev;
	int ret = -1;

	yaml_emitter_initialize(&e);
	yaml_emitter_set_output(&e, cli_yaml_write, f);
	yaml_emitter_set_unicode(&e, 1);
	yaml_emitter_set_width(&e, -1);
	yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
	if (!yaml_emitter_emit(&e, &ev))
		goto out;
	yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
	if (!yaml_emitter_emit(&e, &ev))
		goto out;
	if (cli_yaml_node(&e, v) != 0)
		goto out;
	yaml_document_end_event_initialize(&ev, 1);
	if (!yaml_emitter_emit(&e, &ev))
		goto out;
	yaml_stream_end_event_initialize(&ev);
	if (!yaml_emitter_emit(&e, &ev))
		goto out;
	ret = 0;
out:
	yaml_emitter_delete(&e);
	return ret;
}

/* Prints a value in the machine format asked for (JSON unless -o yaml). */
int
cli_print_value(struct cli_ctx *ctx, json_t *v)
{
	if (ctx->output == CLI_OUTPUT_YAML)
		return cli_emit_yaml(stdout, v);
	if (json_dumpf(v, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0)
		return -1;
	fputc('\n', stdout);
	return 0;
}

/* The age of a timestamp as kubectl prints it. */
char *
cli_age(int64_t ms)
{
	return duration_format((now_ms() - ms) / 1000);
}

/* The GPU column: "2x RTX4090D x1" is 2 RTX4090D per replica, 1 replica. */
char *
cli_gpu_text(const char *type, int count, int replicas)
{
	if (count == 0 || type == NULL || *type == '\0')
		return xprintf("cpu x%d", replicas);
	return xprintf("%dx %s x%d", count, type, replicas);
}

/* The colour of a state in tables on a terminal, unless NO_COLOR. */
const char *
cli_state_color(struct cli_ctx *ctx, enum store_state st)
{
	if (!ctx->color)
		return "";
	switch (st) {
	case STORE_SUCCEEDED:
		return "\033[32m";
	case STORE_FAILED:
	case STORE_TIMED_OUT:
		return "\033[31m";
	case STORE_RUNNING:
	case STORE_ADMITTED:
		return "\033[36m";
	case STORE_HELD:
		return "\033[33m";
	default:
		return "";
	}
}

/* Ends a colour started by cli_state_color. */
const char *
cli_color_reset(struct cli_ctx *ctx)
{
	return ctx->color ? "\033[0m" : "";
}
