/*
 * libFuzzer target: arbitrary bytes as what a client sends to the shared
 * queue's server, one or more pipelined HTTP/1.x requests on one
 * connection.  The server is the real one (server_new on 127.0.0.1, port
 * 0, over a real store in a private temporary directory and a parse
 * worker), driven on the target's event base: each input is written to a
 * fresh loopback connection, the write side shut, and the base run until
 * the server closes it.  libevent's evhttp frames the bytes; what the
 * server's own code does with them is what is fuzzed: the path and query
 * decoding and their UTF-8 and size checks, forged Impersonate-* headers,
 * Authorization, routing and methods, query parameters (set=, group=,
 * filename=, namespace=, state=, limit=, continue=, tail=, ...),
 * Content-Type, JSON bodies of the actions and YAML specs of submissions.
 *
 * Authentication and authorization answers are put in the server's cache
 * at start, so no cluster is needed for them: "Bearer admin-token" is an
 * admin, "Bearer alice-token" a user allowed to create in namespaces
 * "alice" and "fuzz", "Bearer refused-token" a refused one.  Any other
 * token, and the quota and logs paths, reach the kube client, whose
 * cluster is 127.0.0.1:1, where nothing listens, without retries: they
 * end in the server's answer to an unreachable cluster.  A stream
 * (/v1/events?watch=true) is closed by the client after 300 ms.  A parse
 * worker (another process) that dies on a spec aborts the target, so
 * that its crash is a finding here too.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <openssl/evp.h>

#include "kube.h"
#include "server-int.h"
#include "spec.h"
#include "store.h"

int LLVMFuzzerInitialize(int *, char ***);
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct event_base *fz_base;
static struct server *fz_srv;
static char fz_dir[64];
static bool fz_show;

/* One exchange: the client's connection and whether it has ended. */
struct fz_conn {
	struct bufferevent *bev;
	struct event *guard;
	bool done;
};

/* Hex SHA-256, as the server keys its cache. */
static void
fz_sha256(const char *s, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;

	EVP_Digest(s, strlen(s), md, &n, EVP_sha256(), NULL);
	for (i = 0; i < n && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	out[64] = '\0';
}

/* A user the cache answers for token, as a TokenReview would have. */
static struct server_user *
fz_user(const char *token, const char *name, const char *group, bool admin)
{
	struct server_cache_entry *e;
	struct server_user *u;
	char key[65];

	fz_sha256(token, key);
	e = server_cache_add(&fz_srv->cache, key, INT64_C(1) << 40);
	u = e->user = xcalloc(1, sizeof *u);
	u->name = xstrdup(name);
	u->groups = xcalloc(1, sizeof *u->groups);
	u->groups[0] = xstrdup(group);
	u->ngroups = 1;
	u->admin = admin;
	return u;
}

/* An allowed access review of user u, as server_auth_review keys it. */
static void
fz_allow(const struct server_user *u, const char *verb, const char *group,
    const char *resource, const char *ns)
{
	struct server_cache_entry *e;
	char q[512], key[65];

	snprintf(q, sizeof q, "%s|%s|%s|%s|%s||%s", u->name, verb, group,
	    resource, ns, u->groups[0]);
	fz_sha256(q, key);
	e = server_cache_add(&fz_srv->cache, key, INT64_C(1) << 40);
	e->allowed = true;
}

/* A token the cluster refused, as the negative cache keeps it. */
static void
fz_refused(const char *token)
{
	struct server_cache_entry *e;
	char key[65];

	fz_sha256(token, key);
	e = server_cache_add(&fz_srv->negcache, key, INT64_C(1) << 40);
	e->code = 401;
	e->message = xstrdup("token refused");
}

/* Writes the kubeconfig of a cluster where nothing listens. */
static void
fz_kubeconfig(const char *path)
{
	FILE *f;

	if ((f = fopen(path, "w")) == NULL)
		abort();
	fputs("apiVersion: v1\nkind: Config\ncurrent-context: c\n"
	    "clusters:\n- name: k\n  cluster:\n    server: http://127.0.0.1:1\n"
	    "users:\n- name: u\n  user:\n    token: server-token\n"
	    "contexts:\n- name: c\n  context:\n    cluster: k\n    user: u\n",
	    f);
	fclose(f);
}

/* The server, its store, cluster client and cached answers. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const nss[] = { "alice", "fuzz" };
	struct kube_config_opts ko = { .incluster_root = "/nonexistent" };
	/* A cluster that is not there fails at once, not after retries. */
	struct kube_client_opts kopts = { .max_retries = -1,
		.connect_timeout_ms = 1000 };
	struct server_config cfg;
	struct kube_config *kcfg;
	struct kube_client *kube;
	struct store *store;
	struct server_user *u;
	char path[128], kpath[128], *cause = NULL;
	size_t i;

	(void)argc;
	(void)argv;
	fz_show = getenv("FUZZ_HTTP_SHOW") != NULL;
	log_init("fuzz-http", fz_show ? LOG_LEVEL_DEBUG : LOG_LEVEL_ERROR);
	snprintf(fz_dir, sizeof fz_dir, "/tmp/fuzz-http.XXXXXX");
	if (mkdtemp(fz_dir) == NULL)
		abort();
	snprintf(path, sizeof path, "%s/queue.db", fz_dir);
	snprintf(kpath, sizeof kpath, "%s/kubeconfig", fz_dir);
	fz_kubeconfig(kpath);
	ko.kubeconfig = kpath;
	fz_base = event_base_new();
	if (store_open(path, &store, &cause) != 0 ||
	    kube_config_load(&ko, &kcfg, &cause) != 0 ||
	    (kube = kube_client_new(fz_base, kcfg, &kopts, &cause)) == NULL ||
	    server_config_init(&cfg, NULL, &cause) != 0)
		goto fail;
	free(cfg.listen);
	cfg.listen = xstrdup("127.0.0.1:0");
	cfg.rate = 1e9;
	cfg.burst = 1000000000;
	cfg.auth_fail_rate = 0;
	cfg.max_connections_per_address = 100000;
	cfg.parse_workers = 1;
	cfg.lease = false;
	fz_srv = server_new(fz_base, store, kube, spec_site_builtin(), &cfg,
	    &cause);
	server_config_release(&cfg);
	if (fz_srv == NULL)
		goto fail;
	fz_user("admin-token", "admin", "system:masters", true);
	u = fz_user("alice-token", "alice", "system:authenticated", false);
	for (i = 0; i < sizeof nss / sizeof nss[0]; i++) {
		fz_allow(u, "create", "batch", "jobs", nss[i]);
		fz_allow(u, "create", "apps", "deployments", nss[i]);
		fz_allow(u, "list", "", "resourcequotas", nss[i]);
	}
	fz_refused("refused-token");
	return 0;
fail:
	fprintf(stderr, "fuzz-http: %s\n", cause != NULL ? cause : "?");
	abort();
}

/* The server's answer: dropped, or shown with FUZZ_HTTP_SHOW set (to
 * see what a corpus entry reaches). */
static void
fz_read_cb(struct bufferevent *bev, void *arg)
{
	struct evbuffer *in = bufferevent_get_input(bev);

	(void)arg;
	if (fz_show)
		fwrite(evbuffer_pullup(in, -1), 1, evbuffer_get_length(in),
		    stderr);
	evbuffer_drain(in, evbuffer_get_length(in));
}

/* The input is out: shut the write side, so the server sees its end. */
static void
fz_write_cb(struct bufferevent *bev, void *arg)
{
	(void)arg;
	if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		shutdown(bufferevent_getfd(bev), SHUT_WR);
}

/* The server closed the connection (or it failed): the exchange is over. */
static void
fz_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct fz_conn *c = arg;

	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		c->done = true;
		event_base_loopbreak(fz_base);
	}
}

/* A stream never ends by itself: the client leaves. */
static void
fz_guard_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct fz_conn *c = arg;

	(void)fd;
	(void)ev;
	c->done = true;
	event_base_loopbreak(fz_base);
}

/* Sends one input on a new connection and runs the server until it is
 * answered and closed. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct timeval tv = { 0, 300 * 1000 };
	struct fz_conn c = { 0 };
	int64_t died = fz_srv->m.parse_killed[SERVER_PARSED_FAILED];
	int i;

	sin.sin_port = htons((uint16_t)server_port(fz_srv));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c.bev = bufferevent_socket_new(fz_base, -1, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(c.bev, fz_read_cb, fz_write_cb, fz_event_cb, &c);
	bufferevent_enable(c.bev, EV_READ | EV_WRITE);
	if (bufferevent_socket_connect(c.bev, (struct sockaddr *)&sin,
	    sizeof sin) != 0)
		abort();
	bufferevent_write(c.bev, data, size);
	if (size == 0)
		shutdown(bufferevent_getfd(c.bev), SHUT_WR);
	c.guard = evtimer_new(fz_base, fz_guard_cb, &c);
	evtimer_add(c.guard, &tv);
	while (!c.done)
		event_base_loop(fz_base, EVLOOP_ONCE);
	event_free(c.guard);
	bufferevent_free(c.bev);
	/* Lets the server see the close and free what it holds. */
	for (i = 0; i < 4; i++)
		event_base_loop(fz_base, EVLOOP_NONBLOCK);
	/* A parse worker that died on a spec is a finding, though its
	 * crash is in another process (its sanitizer report is above). */
	if (fz_srv->m.parse_killed[SERVER_PARSED_FAILED] != died) {
		fprintf(stderr, "fuzz-http: a parse worker died on this "
		    "input\n");
		abort();
	}
	return 0;
}
