/*
 * kube-easy.c: one attempt of a request on a libcurl easy handle: the URL,
 * TLS trust, credentials and headers it goes with, the body it sends, and
 * what comes back (the body bounded, the server's clock, and the header
 * lines of a byte request).  kube-http.c runs the attempts on the multi
 * handle and decides what follows them.
 */
#include "kube-int.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "config.h"

/* See kube-int.h. */
const char *
kube_header_find(char *const *h, size_t n, const char *name)
{
	size_t i, l = strlen(name);
	const char *v;

	for (i = 0; i < n; i++) {
		if (strncasecmp(h[i], name, l) != 0 || h[i][l] != ':')
			continue;
		for (v = h[i] + l + 1; *v == ' ' || *v == '\t'; v++)
			;
		return v;
	}
	return NULL;
}

/* See kube.h: the lines are kept as the peer sent them, trimmed. */
const char *
kube_response_header(const struct kube_response *r, const char *name)
{
	return kube_header_find(r->headers, r->nheaders, name);
}

/* CURLOPT_WRITEFUNCTION: buffer, bounded; streams flush after the call. */
static size_t
ke_write_cb(char *p, size_t size, size_t n, void *arg)
{
	struct kube_request *r = arg;
	struct kube_client *c = r->client;
	size_t len = size * n;

	if (r->stream_abort)
		return 0;
	if (r->len + len > (r->max_body > 0 ? r->max_body :
	    (size_t)c->opts.max_body)) {
		r->too_large = true;
		return 0;
	}
	if (r->len + len + 1 > r->cap) {
		r->cap = r->cap == 0 ? 16384 : r->cap;
		while (r->cap < r->len + len + 1)
			r->cap *= 2;
		r->buf = xreallocarray(r->buf, 1, r->cap);
	}
	memcpy(r->buf + r->len, p, len);
	r->len += len;
	r->buf[r->len] = '\0';
	if (r->stream && !r->pending) {
		long code = 0;

		curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &code);
		if (code == 200) {
			r->pending = true;
			r->pnext = c->pending;
			c->pending = r;
		}
	}
	return len;
}

/*
 * Keeps a header line of a byte request's answer, bounded in number and
 * length; a status line starts a new answer (after a 100 Continue).
 */
static void
ke_keep_header(struct kube_request *r, const char *p, size_t len)
{
	while (len > 0 && (p[len - 1] == '\r' || p[len - 1] == '\n' ||
	    p[len - 1] == ' ' || p[len - 1] == '\t'))
		len--;
	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		kube_strv_free(r->hdrs, r->nhdrs);
		r->hdrs = NULL;
		r->nhdrs = 0;
		return;
	}
	if (len == 0 || len > KUBE_MAX_HEADER_LEN ||
	    r->nhdrs == KUBE_MAX_HEADERS || memchr(p, ':', len) == NULL)
		return;
	r->hdrs = xreallocarray(r->hdrs, r->nhdrs + 1, sizeof *r->hdrs);
	r->hdrs[r->nhdrs++] = xstrndup(p, len);
}

/* CURLOPT_HEADERFUNCTION: keeps the server's Date for its clock, and a
 * byte request's headers. */
static size_t
ke_header_cb(char *p, size_t size, size_t n, void *arg)
{
	struct kube_request *r = arg;
	struct kube_client *c = r->client;
	size_t len = size * n;
	char buf[128];
	time_t t;

	if (r->raw || c->service)
		ke_keep_header(r, p, len);
	if (len > 5 && len < sizeof buf && strncasecmp(p, "Date:", 5) == 0) {
		memcpy(buf, p + 5, len - 5);
		buf[len - 5] = '\0';
		if ((t = curl_getdate(buf, NULL)) > 0) {
			c->server_ms = (int64_t)t * 1000;
			c->server_seen_us = kube_mono_us();
		}
	}
	return len;
}

/* The server's clock estimated from its last Date header. */
int64_t
kube_client_server_time(const struct kube_client *c)
{
	if (c->server_ms == 0)
		return 0;
	return c->server_ms + (kube_mono_us() - c->server_seen_us) / 1000;
}

/* How old the Date header behind kube_client_server_time is. */
int64_t
kube_client_server_time_age(const struct kube_client *c)
{
	if (c->server_ms == 0)
		return -1;
	return (kube_mono_us() - c->server_seen_us) / 1000;
}

/* The peer's side of an attempt: TLS trust, proxy, compression, and the
 * client certificate an API server may ask for. */
static void
ke_setup_tls(struct kube_request *r, CURL *e)
{
	struct kube_client *c = r->client;
	const struct kube_cluster *cl;
	struct curl_blob blob;

	if (c->service) {
		/* Verified as curl does by default, against the CA given. */
		if (c->service_ca != NULL)
			curl_easy_setopt(e, CURLOPT_CAINFO, c->service_ca);
		return;
	}
	cl = c->cfg->cluster;
	if (!cl->disable_compression)
		curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	if (c->connect_to != NULL)
		curl_easy_setopt(e, CURLOPT_CONNECT_TO, c->connect_to);
	if (cl->proxy_url != NULL)
		curl_easy_setopt(e, CURLOPT_PROXY, cl->proxy_url);
	if (cl->insecure) {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	} else if (cl->ca_data.data != NULL) {
		blob.data = cl->ca_data.data;
		blob.len = cl->ca_data.len;
		blob.flags = CURL_BLOB_COPY;
		curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &blob);
	} else if (cl->ca_file != NULL)
		curl_easy_setopt(e, CURLOPT_CAINFO, cl->ca_file);
	if (r->creds.cert.data != NULL && r->creds.key.data != NULL) {
		blob.data = r->creds.cert.data;
		blob.len = r->creds.cert.len;
		blob.flags = CURL_BLOB_COPY;
		curl_easy_setopt(e, CURLOPT_SSLCERT_BLOB, &blob);
		curl_easy_setopt(e, CURLOPT_SSLCERTTYPE, "PEM");
		blob.data = r->creds.key.data;
		blob.len = r->creds.key.len;
		curl_easy_setopt(e, CURLOPT_SSLKEY_BLOB, &blob);
		curl_easy_setopt(e, CURLOPT_SSLKEYTYPE, "PEM");
	}
}

/* The headers of an attempt: who we are (token, password, impersonation)
 * and the body's type; a service sees the bearer token only. */
static void
ke_setup_headers(struct kube_request *r, CURL *e)
{
	struct kube_client *c = r->client;
	const struct kube_user *u = c->cfg != NULL ? c->cfg->user : NULL;
	char *h;

	r->headers = curl_slist_append(NULL, "Accept: application/json, */*");
	r->headers = curl_slist_append(r->headers,
	    "User-Agent: ailab-queue/" PACKAGE_VERSION);
	if (c->send_creds && r->creds.token != NULL) {
		h = xprintf("Authorization: Bearer %s", r->creds.token);
		r->headers = curl_slist_append(r->headers, h);
		explicit_bzero(h, strlen(h));
		free(h);
	} else if (c->send_creds && !c->service && u != NULL &&
	    u->username != NULL) {
		curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(e, CURLOPT_USERNAME, u->username);
		curl_easy_setopt(e, CURLOPT_PASSWORD,
		    u->password != NULL ? u->password : "");
	}
	if (!c->service && (c->impersonate != NULL || (u != NULL &&
	    u->as != NULL))) {
		h = xprintf("Impersonate-User: %s", c->impersonate != NULL ?
		    c->impersonate : u->as);
		r->headers = curl_slist_append(r->headers, h);
		free(h);
	}
	if (r->body != NULL) {
		h = xprintf("Content-Type: %s", r->content_type);
		r->headers = curl_slist_append(r->headers, h);
		free(h);
	}
	/* No "Expect: 100-continue" round trip. */
	r->headers = curl_slist_append(r->headers, "Expect:");
}

/* See kube-int.h: URL, TLS, auth, timeouts, body. */
int
kube_easy_setup(struct kube_request *r, char **cause)
{
	struct kube_client *c = r->client;
	char *url;
	CURL *e;

	if (c->send_creds && c->cfg != NULL && kube_config_credentials(c->cfg,
	    false, &r->creds, cause) != 0)
		return -1;
	if ((e = r->easy = curl_easy_init()) == NULL)
		fatalx("curl_easy_init failed");
	url = xprintf("%s%s", c->url_base, r->path);
	curl_easy_setopt(e, CURLOPT_URL, url);
	free(url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, r);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
	r->errbuf[0] = '\0';
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, ke_write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, ke_header_cb);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)c->opts.connect_timeout_ms);
	if (r->stream) {
		curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
		curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME,
		    (long)(c->opts.idle_timeout_ms + 999) / 1000);
	} else
		curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(r->timeout_ms > 0 ?
		    r->timeout_ms : c->opts.request_timeout_ms));
	ke_setup_tls(r, e);
	ke_setup_headers(r, e);
	if (r->body != NULL) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)r->body_len);
	}
	if (strcmp(r->method, "GET") != 0 && !(strcmp(r->method, "POST") == 0 &&
	    r->body != NULL))
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r->method);
	else if (strcmp(r->method, "POST") == 0)
		curl_easy_setopt(e, CURLOPT_POST, 1L);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->headers);
	return 0;
}
