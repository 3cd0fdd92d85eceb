#include "cli.h"

#include <langinfo.h>
#include <locale.h>
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

/*
 * Rows are kept compact, for tables of 100,000 jobs: a row is the number
 * of its style (two bytes: 0 for none, else 1 + its index in styles, the
 * few distinct ones), then every cell, escaped and NUL-terminated, one
 * after another (the headers first, unstyled), with the widest cell of
 * each column kept as rows come.  They fill blocks that are never moved:
 * one buffer grown by doubling copied itself at each step, and a copy's
 * pages are new pages, each a fault (ls --all of 100,000 jobs faulted in
 * twice its 9 MB).
 */
#define CLI_TABLE_BLOCK 65536
struct cli_table_block {
	struct cli_table_block *next;
	size_t len;
	size_t size;
	char data[];
};

struct cli_table {
	int ncols;
	size_t *widths;
	struct cli_table_block *head;
	struct cli_table_block *tail;
	size_t row;              /* where the last row starts in tail */
	size_t nrows;
	struct cli_style *styles;
	uint16_t nstyles;
};

/* See cli.h: text a terminal shows as it is, and on one line. */
char *
cli_text(const char *s)
{
	const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");
	uint32_t cp;
	char *out, *o;
	size_t n;

	/* An escape is at most 6 bytes ("\u202e") for at least 1 in. */
	o = out = xmalloc(strlen((const char *)p) * 6 + 1);
	while (*p != '\0') {
		/* At most 4 bytes; a NUL never continues a sequence. */
		n = utf8_decode((const char *)p, 4, &cp);
		if (n == 0)
			o += sprintf(o, "\\x%02x", (unsigned int)*p++);
		else if (cp == '\t' || cp == '\n' || cp == '\r') {
			*o++ = '\\';
			*o++ = cp == '\t' ? 't' : cp == '\n' ? 'n' : 'r';
			p++;
		} else if (cp < 0x20 || cp == 0x7f) {
			o += sprintf(o, "\\x%02x", (unsigned int)cp);
			p++;
		} else if ((cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 ||
		    cp == 0x2029 || (cp >= 0x202a && cp <= 0x202e) ||
		    (cp >= 0x2066 && cp <= 0x2069)) {
			/* C1 controls, line separators and the bidi
			 * overrides that reorder what is shown. */
			o += sprintf(o, "\\u%04x", (unsigned int)cp);
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

static size_t cli_width(const char *);

/* True when every byte of s is printable ASCII: text that cli_text
 * leaves as it is and that is as wide as it is long. */
static bool
cli_is_plain(const char *s, size_t *len)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < 0x20 || *p > 0x7e)
			return false;
	*len = (size_t)(p - (const unsigned char *)s);
	return true;
}

/* Room for n more bytes of the row being added: a row never spans two
 * blocks, so when the tail is full the row so far moves to a new one. */
static char *
cli_table_room(struct cli_table *t, size_t n)
{
	struct cli_table_block *b = t->tail;
	size_t part = b != NULL ? b->len - t->row : 0, size;

	if (b != NULL && b->len + n <= b->size)
		return b->data + b->len;
	size = part + n > CLI_TABLE_BLOCK ? part + n : CLI_TABLE_BLOCK;
	b = xmalloc(sizeof *b + size);
	b->next = NULL;
	b->size = size;
	b->len = part;
	if (part > 0) {
		memcpy(b->data, t->tail->data + t->row, part);
		t->tail->len = t->row;
	}
	if (t->tail != NULL)
		t->tail->next = b;
	else
		t->head = b;
	t->tail = b;
	t->row = 0;
	return b->data + part;
}

/* Appends one cell, escaped as cli_text does ("-" for NULL and ""), and
 * widens its column if need be. */
static void
cli_table_cell(struct cli_table *t, int col, const char *cell)
{
	char *esc = NULL;
	size_t n, w;

	if (cell == NULL || *cell == '\0')
		cell = "-";
	if (cli_is_plain(cell, &n))
		w = n;
	else {
		cell = esc = cli_text(cell);
		n = strlen(cell);
		w = cli_width(cell);
	}
	memcpy(cli_table_room(t, n + 1), cell, n + 1);
	t->tail->len += n + 1;
	if (w > t->widths[col])
		t->widths[col] = w;
	free(esc);
}

/* Starts a row with no style and adds its cells. */
static void
cli_table_cells(struct cli_table *t, const char *const *cells)
{
	static const uint16_t none = 0;
	int i;

	if (t->tail != NULL)
		t->row = t->tail->len;
	memcpy(cli_table_room(t, sizeof none), &none, sizeof none);
	t->tail->len += sizeof none;
	for (i = 0; i < t->ncols; i++)
		cli_table_cell(t, i, cells[i]);
}

/* A table with the given column headers. */
struct cli_table *
cli_table_new(const char *const *headers, int ncols)
{
	struct cli_table *t = xcalloc(1, sizeof *t);

	t->ncols = ncols;
	t->widths = xcalloc((size_t)ncols, sizeof *t->widths);
	cli_table_cells(t, headers);
	return t;
}

/* Adds a row; the cells are copied, escaped as cli_text does, so no text
 * of a job can move the cursor or start a row of its own (NULL and ""
 * print as "-"). */
void
cli_table_add(struct cli_table *t, const char *const *cells)
{
	cli_table_cells(t, cells);
	t->nrows++;
}

/* See cli.h: colours one cell of the last row. */
void
cli_table_style_last(struct cli_table *t, int col, const char *pre,
    const char *post)
{
	uint16_t n;

	if (t->nrows == 0 || col < 0 || col >= t->ncols)
		return;
	for (n = 0; n < t->nstyles; n++)
		if (t->styles[n].col == col && t->styles[n].pre == pre &&
		    t->styles[n].post == post)
			break;
	if (n == t->nstyles) {
		if (n == UINT16_MAX - 1)
			return;
		t->styles = xreallocarray(t->styles, n + 1u,
		    sizeof *t->styles);
		t->styles[n] = (struct cli_style){ col, pre, post };
		t->nstyles++;
	}
	n++;
	memcpy(t->tail->data + t->row, &n, sizeof n);
}

/*
 * Takes the user's character type (LANG, LC_ALL) for mbrtowc and wcwidth,
 * the only code it changes, when first needed: loading it costs a command
 * that prints no wide text (a submit) a tenth of its run.  A program that
 * chose a locale itself keeps it.  The text measured is UTF-8, so a
 * locale of another character set (which would also make glibc dlopen a
 * conversion module, a thing the queue front linked whole must never do:
 * cli-passwd.c) measures it as the C locale does, a column a byte.
 */
static void
cli_ctype_init(void)
{
	static bool done;
	const char *cur;

	if (done)
		return;
	done = true;
	cur = setlocale(LC_CTYPE, NULL);
	if (cur == NULL || strcmp(cur, "C") == 0) {
		setlocale(LC_CTYPE, "");
		if (strcmp(nl_langinfo(CODESET), "UTF-8") != 0)
			setlocale(LC_CTYPE, "C");
	}
}

/* Display width of UTF-8 text, ignoring colour escapes. */
static size_t
cli_width(const char *s)
{
	mbstate_t st;
	wchar_t wc;
	size_t w = 0, n;
	int cw;

	if (cli_is_plain(s, &n))
		return n;
	cli_ctype_init();
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

/* Prints the row starting at p, its cells padded to the column widths
 * (the last column is not padded); returns where the next row starts. */
static const char *
cli_table_row(FILE *f, const struct cli_table *t, const char *p)
{
	const struct cli_style *style = NULL;
	uint16_t k;
	size_t w, n;
	int i;

	memcpy(&k, p, sizeof k);
	p += sizeof k;
	if (k > 0)
		style = &t->styles[k - 1];
	for (i = 0; i < t->ncols; i++) {
		n = strlen(p);
		if (style != NULL && style->col == i) {
			fputs(style->pre, f);
			fwrite(p, 1, n, f);
			fputs(style->post, f);
		} else
			fwrite(p, 1, n, f);
		if (i < t->ncols - 1)
			for (w = cli_width(p); w < t->widths[i] + 3; w++)
				putc(' ', f);
		p += n + 1;
	}
	putc('\n', f);
	return p;
}

/* Prints the table with aligned columns, as kubectl does. */
void
cli_table_print(struct cli_table *t, FILE *f)
{
	const struct cli_table_block *b;
	const char *p;

	for (b = t->head; b != NULL; b = b->next)
		for (p = b->data; p < b->data + b->len;)
			p = cli_table_row(f, t, p);
}

/* Frees a table. */
void
cli_table_free(struct cli_table *t)
{
	struct cli_table_block *b, *next;

	if (t == NULL)
		return;
	for (b = t->head; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	free(t->widths);
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

/* Starts the one YAML document of a printout on f: the whole value's
 * (cli_emit_yaml) and a streamed array's (cli_stream_start) alike. */
static int
cli_yaml_open(yaml_emitter_t *e, FILE *f)
{
	yaml_event_t ev;

	yaml_emitter_initialize(e);
	yaml_emitter_set_output(e, cli_yaml_write, f);
	yaml_emitter_set_unicode(e, 1);
	yaml_emitter_set_width(e, -1);
	yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
	if (!yaml_emitter_emit(e, &ev))
		return -1;
	yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
	return yaml_emitter_emit(e, &ev) ? 0 : -1;
}

/* Ends what cli_yaml_open started and frees the emitter. */
static int
cli_yaml_close(yaml_emitter_t *e, int ret)
{
	yaml_event_t ev;

	yaml_document_end_event_initialize(&ev, 1);
	if (ret == 0 && !yaml_emitter_emit(e, &ev))
		ret = -1;
	yaml_stream_end_event_initialize(&ev);
	if (ret == 0 && !yaml_emitter_emit(e, &ev))
		ret = -1;
	yaml_emitter_delete(e);
	return ret;
}

/* Writes a JSON value as one YAML document with libyaml's emitter. */
static int
cli_emit_yaml(FILE *f, json_t *v)
{
	yaml_emitter_t e;
	int ret;

	ret = cli_yaml_open(&e, f);
	if (ret == 0)
		ret = cli_yaml_node(&e, v);
	return cli_yaml_close(&e, ret);
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

/* See cli.h: how far off a start is, in the units of ages but rounded to
 * the nearest (an estimate 2h59m away is "~3h", not "~2h"). */
char *
cli_start_text(int64_t est_ms)
{
	int64_t s;

	if (est_ms == 0)
		return xstrdup("-");
	if (est_ms <= now_ms())
		return xstrdup("~now");
	s = (est_ms - now_ms() + 999) / 1000;
	if (s < 120)
		return xprintf("~%llds", (long long)s);
	if ((s + 30) / 60 < 120)
		return xprintf("~%lldm", (long long)((s + 30) / 60));
	if ((s + 1800) / 3600 < 48)
		return xprintf("~%lldh", (long long)((s + 1800) / 3600));
	return xprintf("~%lldd", (long long)((s + 43200) / 86400));
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

/*
 * A JSON or YAML array printed an item at a time, so that a listing of
 * 100,000 jobs never holds them all: the same text cli_print_value prints
 * for the whole array.
 */
struct cli_stream {
	bool yaml;
	size_t n;
	yaml_emitter_t e;
	bool failed;
};

/* json_dump_callback writer: the text of one item, each line indented
 * two more spaces, as it sits inside the array. */
static int
cli_stream_write(const char *buf, size_t size, void *data)
{
	FILE *f = data;
	size_t i, from = 0;

	for (i = 0; i < size; i++) {
		if (buf[i] != '\n')
			continue;
		fwrite(buf + from, 1, i + 1 - from, f);
		fputs("  ", f);
		from = i + 1;
	}
	fwrite(buf + from, 1, size - from, f);
	return 0;
}

/* See cli.h: starts the array on stdout in the run's format. */
struct cli_stream *
cli_stream_start(struct cli_ctx *ctx)
{
	struct cli_stream *st = xcalloc(1, sizeof *st);
	yaml_event_t ev;

	st->yaml = ctx->output == CLI_OUTPUT_YAML;
	if (!st->yaml)
		return st;
	st->failed = cli_yaml_open(&st->e, stdout) != 0;
	yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
	    YAML_BLOCK_SEQUENCE_STYLE);
	if (!st->failed && !yaml_emitter_emit(&st->e, &ev))
		st->failed = true;
	return st;
}

/* See cli.h: one item (the reference is taken). */
void
cli_stream_item(struct cli_stream *st, json_t *v)
{
	if (st->yaml) {
		if (!st->failed && cli_yaml_node(&st->e, v) != 0)
			st->failed = true;
	} else {
		fputs(st->n == 0 ? "[\n  " : ",\n  ", stdout);
		json_dump_callback(v, cli_stream_write, stdout,
		    JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	}
	st->n++;
	json_decref(v);
}

/* See cli.h: closes the array; 0, or -1 if YAML could not be emitted. */
int
cli_stream_end(struct cli_stream *st)
{
	yaml_event_t ev;
	int ret;

	if (!st->yaml)
		fputs(st->n == 0 ? "[]\n" : "\n]\n", stdout);
	else {
		yaml_sequence_end_event_initialize(&ev);
		if (!st->failed && !yaml_emitter_emit(&st->e, &ev))
			st->failed = true;
		st->failed = cli_yaml_close(&st->e, st->failed ? -1 : 0) != 0;
	}
	ret = st->failed ? -1 : 0;
	free(st);
	return ret;
}

/* The -o formats, in the order the error and the help name them. */
static const struct {
	const char *name;
	enum cli_output out;
} cli_formats[] = {
	{ "table", CLI_OUTPUT_TABLE }, { "wide", CLI_OUTPUT_WIDE },
	{ "json", CLI_OUTPUT_JSON }, { "yaml", CLI_OUTPUT_YAML },
	{ "csv", CLI_OUTPUT_CSV }, { "name", CLI_OUTPUT_NAME },
};

#define CLI_FMT(x) (1u << (x))
#define CLI_FMT_MACHINE (CLI_FMT(CLI_OUTPUT_TABLE) | \
    CLI_FMT(CLI_OUTPUT_JSON) | CLI_FMT(CLI_OUTPUT_YAML))
#define CLI_FMT_ACTION (CLI_FMT_MACHINE | CLI_FMT(CLI_OUTPUT_NAME))

/*
 * The formats each command honours: one place, so that a format a command
 * would silently ignore is refused instead (cli_main).  A command not
 * named here prints no data and takes only the default.
 */
static const struct {
	const char *cmd;
	unsigned int formats;
} cli_command_formats[] = {
	{ "ls", CLI_FMT_ACTION | CLI_FMT(CLI_OUTPUT_WIDE) |
	    CLI_FMT(CLI_OUTPUT_CSV) },
	{ "show", CLI_FMT_MACHINE },
	{ "why", CLI_FMT_MACHINE },
	{ "submit", CLI_FMT_MACHINE },
	{ "render", CLI_FMT(CLI_OUTPUT_JSON) | CLI_FMT(CLI_OUTPUT_YAML) },
	{ "report", CLI_FMT_MACHINE | CLI_FMT(CLI_OUTPUT_CSV) },
	{ "quota", CLI_FMT_MACHINE | CLI_FMT(CLI_OUTPUT_WIDE) },
	{ "usage", CLI_FMT_MACHINE | CLI_FMT(CLI_OUTPUT_CSV) },
	{ "whoami", CLI_FMT_MACHINE },
	{ "cancel", CLI_FMT_ACTION },
	{ "hold", CLI_FMT_ACTION },
	{ "release", CLI_FMT_ACTION },
	{ "retry", CLI_FMT_ACTION },
	{ "wait", CLI_FMT_ACTION },
	{ "validate", CLI_FMT_MACHINE },
	{ "version", CLI_FMT_MACHINE },
};

/* A mask of formats as "a, b or c"; the caller frees it. */
static char *
cli_output_names(unsigned int mask)
{
	char *s = xstrdup("");
	size_t i, n = 0, total = 0;

	for (i = 0; i < nitems(cli_formats); i++)
		if (mask & CLI_FMT(cli_formats[i].out))
			total++;
	for (i = 0; i < nitems(cli_formats); i++) {
		if ((mask & CLI_FMT(cli_formats[i].out)) == 0)
			continue;
		n++;
		xappendf(&s, "%s%s", n == 1 ? "" : n == total ? " or " :
		    ", ", cli_formats[i].name);
	}
	return s;
}

/* See cli.h: a format by name; the error names every format. */
int
cli_output_parse(const char *s, enum cli_output *out, char **cause)
{
	size_t i;
	char *all;

	for (i = 0; i < nitems(cli_formats); i++) {
		if (strcmp(s, cli_formats[i].name) == 0) {
			*out = cli_formats[i].out;
			return 0;
		}
	}
	all = cli_output_names(~0u);
	*cause = xprintf("invalid value for '-o': '%s' (use %s)", s, all);
	free(all);
	return -1;
}

/* The formats a command prints: the table's entry, else the default. */
static unsigned int
cli_output_mask(const char *cmd)
{
	size_t i;

	for (i = 0; i < nitems(cli_command_formats); i++)
		if (strcmp(cli_command_formats[i].cmd, cmd) == 0)
			return cli_command_formats[i].formats;
	return CLI_FMT(CLI_OUTPUT_TABLE);
}

/* See cli.h: for a command's help. */
char *
cli_output_help(const char *cmd)
{
	return cli_output_names(cli_output_mask(cmd));
}

/* See cli.h: whether a command prints a format; *cause says which it
 * does when not. */
int
cli_output_check(const char *cmd, enum cli_output out, char **cause)
{
	unsigned int mask = cli_output_mask(cmd);
	size_t i;
	char *names;

	if (mask & CLI_FMT(out))
		return 0;
	names = cli_output_names(mask);
	for (i = 0; i < nitems(cli_formats); i++)
		if (cli_formats[i].out == out)
			break;
	*cause = xprintf("'%s' cannot print -o %s (it prints %s)", cmd,
	    i < nitems(cli_formats) ? cli_formats[i].name : "?", names);
	free(names);
	return -1;
}

/* See cli.h: -o json or -o yaml. */
bool
cli_output_is_machine(const struct cli_ctx *ctx)
{
	return ctx->output == CLI_OUTPUT_JSON || ctx->output == CLI_OUTPUT_YAML;
}
