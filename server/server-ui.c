/*
 * The dashboard's static files under /ui/ (docs/dashboard.md): plain files
 * of one directory (cfg.ui_dir, installed in pkgdatadir/ui), served only
 * by names made of safe characters, only regular files of a known type and
 * bounded size, never a directory listing, every answer with a strict
 * Content-Security-Policy.  The files hold no secret: no authentication.
 */
#include "server-int.h"

#include <sys/stat.h>

#include <errno.h>
#include <event2/buffer.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The largest file served: the dashboard's files are a few KiB. */
#define SERVER_UI_MAX_FILE (1024 * 1024)
/* The longest name below /ui/. */
#define SERVER_UI_MAX_NAME 128

/* Only this origin's scripts, styles, images and API; no inline script
 * or style, no framing, no plugins, no form posting elsewhere. */
#define SERVER_UI_CSP "default-src 'none'; script-src 'self'; " \
	"style-src 'self'; img-src 'self' data:; connect-src 'self'; " \
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

/* The types the dashboard uses; any other name is not served. */
static const struct {
	const char *ext;
	const char *type;
} server_ui_types[] = {
	{ ".html", "text/html; charset=utf-8" },
	{ ".css", "text/css; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
	{ ".ico", "image/x-icon" },
	{ ".txt", "text/plain; charset=utf-8" },
};

/* The headers of every /ui/ answer, found or not. */
static void
server_ui_headers(struct server_req *r, const char *cache)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(r->req);

	evhttp_add_header(h, "Content-Security-Policy", SERVER_UI_CSP);
	evhttp_add_header(h, "X-Frame-Options", "DENY");
	evhttp_add_header(h, "Referrer-Policy", "no-referrer");
	evhttp_add_header(h, "Cache-Control", cache);
}

/* A plain-text error of /ui/ (the API's JSON shape is for /v1/). */
static void
server_ui_error(struct server_req *r, int code, const char *text)
{
	server_ui_headers(r, "no-store");
	server_reply_text(r, code, "text/plain; charset=utf-8", text,
	    strlen(text));
}

/* The Content-Type of a name, or NULL if it is not one the dashboard
 * serves. */
static const char *
server_ui_type(const char *name)
{
	const char *dot = strrchr(name, '.');
	size_t i;

	if (dot == NULL)
		return NULL;
	for (i = 0; i < nitems(server_ui_types); i++)
		if (strcmp(dot, server_ui_types[i].ext) == 0)
			return server_ui_types[i].type;
	return NULL;
}

/* Is name (below /ui/, already percent-decoded) one the server may open:
 * segments of letters, digits, '-', '_' and '.', none empty, none
 * starting with '.' (so neither '..' nor hidden files)? */
bool
server_ui_is_safe_name(const char *name)
{
	const char *p;
	bool start = true;

	if (*name == '\0' || strlen(name) > SERVER_UI_MAX_NAME)
		return false;
	for (p = name; *p != '\0'; p++) {
		if (*p == '/') {
			if (start)
				return false;
			start = true;
			continue;
		}
		if (start && *p == '.')
			return false;
		start = false;
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
		    *p == '.'))
			return false;
	}
	return !start;
}

/* Reads a regular file of at most SERVER_UI_MAX_FILE bytes into buf: 0,
 * or -1 with the HTTP code to give (404 for anything not servable). */
static int
server_ui_read(const char *dir, const char *name, struct evbuffer *buf,
    struct stat *st, int *code)
{
	char *path = xprintf("%s/%s", dir, name);
	int fd;

	*code = 404;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	free(path);
	if (fd < 0)
		return -1;
	if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode) ||
	    st->st_size > SERVER_UI_MAX_FILE) {
		close(fd);
		return -1;
	}
	if (st->st_size > 0 && evbuffer_add_file(buf, fd, 0, st->st_size) !=
	    0) {
		*code = 500;
		return -1;
	}
	if (st->st_size == 0)
		close(fd);
	return 0;
}

/* See server-int.h: GET /ui/NAME ("/ui/" is index.html). */
void
server_ui_handle(struct server_req *r)
{
	const char *name = r->path + 4, *type, *inm;
	struct evbuffer *buf;
	struct stat st;
	char etag[64];
	int code;

	if (r->method != EVHTTP_REQ_GET && r->method != EVHTTP_REQ_HEAD) {
		evhttp_add_header(evhttp_request_get_output_headers(r->req),
		    "Allow", "GET, HEAD");
		server_ui_error(r, 405, "use GET\n");
		return;
	}
	if (*name == '\0')
		name = "index.html";
	if (r->srv->cfg.ui_dir == NULL || !server_ui_is_safe_name(name) ||
	    (type = server_ui_type(name)) == NULL) {
		server_ui_error(r, 404, "not found\n");
		return;
	}
	buf = evbuffer_new();
	if (server_ui_read(r->srv->cfg.ui_dir, name, buf, &st, &code) != 0) {
		evbuffer_free(buf);
		server_ui_error(r, code, code == 404 ? "not found\n" :
		    "cannot read the file\n");
		return;
	}
	snprintf(etag, sizeof etag, "\"%" PRIx64 "-%" PRIx64 "\"",
	    (uint64_t)st.st_mtime, (uint64_t)st.st_size);
	/* Revalidated on every use, so that an upgrade shows at once. */
	server_ui_headers(r, "no-cache");
	evhttp_add_header(evhttp_request_get_output_headers(r->req), "ETag",
	    etag);
	inm = evhttp_find_header(evhttp_request_get_input_headers(r->req),
	    "If-None-Match");
	if (inm != NULL && strcmp(inm, etag) == 0) {
		evbuffer_free(buf);
		server_reply_text(r, 304, type, "", 0);
		return;
	}
	server_reply_buffer(r, 200, type, buf);
	evbuffer_free(buf);
}
