/*
 * cli-intake-serve.c: the scheduler's half of a submit handed to it
 * (cli-intake.h): a listener on the loop's event base, a bufferevent a
 * connection, one request and one reply each.  The store work is the
 * direct submit's: the same checks, store_submit, the same events.
 */
#include "cli-intake.h"

#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "api.h"
#include "cli-jobs.h"

/* How long a connection may take to send its request, or to read the
 * reply: a client is a process on this machine. */
#define CLI_INTAKE_IO_S 10

struct cli_intake_conn {
	struct cli_intake *in;
	struct bufferevent *bev;
	long pid;
	bool refused;            /* another user's: told so once it spoke */
	LIST_ENTRY(cli_intake_conn) entry;
};

struct cli_intake {
	struct store *store;
	struct evconnlistener *lev;
	char *path;
	dev_t dev;               /* the socket made, to remove only that one */
	ino_t ino;
	uid_t uid;
	void (*kick)(void *);
	void *arg;
	LIST_HEAD(, cli_intake_conn) conns;
};

/* Ends a connection, whatever it was doing. */
static void
cli_intake_conn_free(struct cli_intake_conn *c)
{
	LIST_REMOVE(c, entry);
	bufferevent_free(c->bev);
	free(c);
}

/* The reply is written: the connection is done. */
static void
cli_intake_written(struct bufferevent *bev, void *arg)
{
	if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		cli_intake_conn_free(arg);
}

/* The client left, or took too long: nothing more to do for it (a
 * commit already made stays made). */
static void
cli_intake_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	(void)what;
	cli_intake_conn_free(arg);
}

/* Sends doc (taken) as the one reply and closes once it is out. */
static void
cli_intake_reply(struct cli_intake_conn *c, json_t *doc)
{
	char *frame;
	size_t len;
	ssize_t n;

	frame = api_intake_frame(doc, NULL, 0, &len);
	json_decref(doc);
	if (frame == NULL) {
		cli_intake_conn_free(c);
		return;
	}
	/* Sent now, not when the loop next polls: a pass or a write of
	 * reasons due in the same turn of the loop would otherwise run
	 * first, with the client waiting.  A fresh local socket takes a
	 * reply whole; what it does not take, the bufferevent sends. */
	n = send(bufferevent_getfd(c->bev), frame, len, MSG_DONTWAIT |
	    MSG_NOSIGNAL);
	if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
	    errno != EINTR) {
		free(frame);
		cli_intake_conn_free(c);
		return;
	}
	if (n < 0)
		n = 0;
	if ((size_t)n == len) {
		free(frame);
		cli_intake_conn_free(c);
		return;
	}
	bufferevent_disable(c->bev, EV_READ);
	bufferevent_setcb(c->bev, NULL, cli_intake_written, cli_intake_event,
	    c);
	bufferevent_write(c->bev, frame + n, len - (size_t)n);
	free(frame);
}

/* The error reply: code 400 for a mistake the user fixes (exit 2). */
static void
cli_intake_error(struct cli_intake_conn *c, int code, const char *message)
{
	cli_intake_reply(c, api_error_encode(code, NULL, message));
}

/* The store's part of a submit, as the direct path does it: the jobs
 * decoded from req and texts (which own their strings) checked, then
 * recorded; the reply after the commit, then what can wait for it: a
 * pass, and the checkpoint the commit made due. */
static void
cli_intake_take(struct cli_intake_conn *c, json_t *req, const char *texts,
    size_t ntexts)
{
	struct cli_intake *in = c->in;
	struct store_job_new *jobs = NULL;
	int64_t *ids = NULL;
	char *cause = NULL, *msg;
	bool append, refused;
	size_t n;
	int code = 400, rc;

	if (api_intake_request_decode(req, texts, ntexts, &jobs, &n, &append,
	    &cause) != 0) {
		msg = xprintf("nothing queued: the scheduler cannot read the "
		    "request: %s", cause);
		goto fail;
	}
	/* The peer is this process's user: its jobs are that user's, as
	 * cli_jobs_record fills them in. */
	ids = xcalloc(n, sizeof *ids);
	store_checkpoint_defer(in->store, true);
	rc = cli_jobs_record(in->store, jobs, n, append, ids, &refused, &cause);
	store_checkpoint_defer(in->store, false);
	if (rc != 0) {
		if (!refused) {
			log_warnx("intake: submit of %zu job%s from pid %ld: "
			    "%s", n, n == 1 ? "" : "s", c->pid, cause);
			code = store_is_busy(in->store) ? 503 : 500;
		}
		msg = xprintf("nothing queued: %s", cause);
		goto fail;
	}
	if (n == 1)
		log_info("intake: queued job %lld from pid %ld",
		    (long long)ids[0], c->pid);
	else
		log_info("intake: queued jobs %lld-%lld from pid %ld",
		    (long long)ids[0], (long long)ids[n - 1], c->pid);
	cli_intake_reply(c, api_intake_reply_encode(ids, n));
	free(ids);
	free(jobs);
	in->kick(in->arg);
	store_checkpoint_due(in->store);
	return;
fail:
	cli_intake_error(c, code, msg);
	free(msg);
	free(cause);
	free(ids);
	free(jobs);
	store_checkpoint_due(in->store);
}

/* Reads the request as it comes; acts once it is whole. */
static void
cli_intake_read(struct bufferevent *bev, void *arg)
{
	struct cli_intake_conn *c = arg;
	struct evbuffer *inb = bufferevent_get_input(bev);
	unsigned char hdr[API_INTAKE_HEADER];
	size_t have = evbuffer_get_length(inb), len, ntexts;
	const char *body;
	json_error_t e;
	json_t *req;
	char *msg;

	if (c->refused) {
		/* Read before the reply: closing on unread bytes would reset
		 * the connection before the client reads why. */
		evbuffer_drain(inb, have);
		msg = xprintf("refused: the scheduler of %s takes submissions "
		    "from its own user only", store_path(c->in->store));
		cli_intake_error(c, 403, msg);
		free(msg);
		return;
	}
	if (have < sizeof hdr)
		return;
	evbuffer_copyout(inb, hdr, sizeof hdr);
	if (api_intake_frame_lens(hdr, &len, &ntexts) != 0) {
		log_warnx("intake: refused a request of %zu bytes from pid %ld",
		    len + ntexts, c->pid);
		cli_intake_error(c, 413, "nothing queued: the request is "
		    "empty or larger than a spec file may be");
		return;
	}
	if (have < sizeof hdr + len + ntexts)
		return;
	if (have > sizeof hdr + len + ntexts) {
		cli_intake_error(c, 400, "nothing queued: bytes after the "
		    "request");
		return;
	}
	/* The input stays as it is until the connection ends: the jobs
	 * borrow their texts from it. */
	body = (const char *)evbuffer_pullup(inb, -1) + sizeof hdr;
	req = json_loadb(body, len, 0, &e);
	if (req == NULL) {
		log_warnx("intake: a request from pid %ld is not JSON: %s",
		    c->pid, e.text);
		msg = xprintf("nothing queued: the request is not JSON: %s",
		    e.text);
		cli_intake_error(c, 400, msg);
		free(msg);
		return;
	}
	cli_intake_take(c, req, body + len, ntexts);
	json_decref(req);
}

/* A new connection: only the scheduler's own user may queue through
 * it; another is logged, and told why once it has sent something. */
static void
cli_intake_accept(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct cli_intake *in = arg;
	struct timeval tv = { .tv_sec = CLI_INTAKE_IO_S };
	struct cli_intake_conn *c;
	struct ucred cred;
	socklen_t clen = sizeof cred;

	(void)sa;
	(void)salen;
	c = xcalloc(1, sizeof *c);
	c->in = in;
	c->bev = bufferevent_socket_new(evconnlistener_get_base(lev), fd,
	    BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		evutil_closesocket(fd);
		free(c);
		return;
	}
	LIST_INSERT_HEAD(&in->conns, c, entry);
	bufferevent_set_timeouts(c->bev, &tv, &tv);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) != 0) {
		cli_intake_conn_free(c);
		return;
	}
	c->pid = (long)cred.pid;
	if (cred.uid != in->uid) {
		log_warnx("intake: refused a submission from uid %lu (pid %ld): "
		    "this scheduler runs as uid %lu", (unsigned long)cred.uid,
		    c->pid, (unsigned long)in->uid);
		c->refused = true;
	}
	bufferevent_setcb(c->bev, cli_intake_read, NULL, cli_intake_event, c);
	bufferevent_enable(c->bev, EV_READ);
}

/* accept failed (out of descriptors): logged, the listener goes on. */
static void
cli_intake_accept_error(struct evconnlistener *lev, void *arg)
{
	(void)lev;
	(void)arg;
	log_warnx("intake: accept: %s", strerror(errno));
}

/* Binds fd to path, made 0600 whatever the umask, after removing what a
 * dead scheduler left there (the caller holds the scheduler lock, so no
 * scheduler listens); anything but a socket is refused and left alone. */
static int
cli_intake_bind(struct cli_intake *in, int fd, char **cause)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old;
	int rc;

	if (lstat(in->path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			*cause = xprintf("%s: exists and is not a socket; "
			    "remove it", in->path);
			return -1;
		}
		if (unlink(in->path) != 0 && errno != ENOENT) {
			*cause = xprintf("%s: cannot remove the old socket: "
			    "%s", in->path, strerror(errno));
			return -1;
		}
	}
	memcpy(sa.sun_path, in->path, strlen(in->path) + 1);
	old = umask(0177);
	rc = bind(fd, (struct sockaddr *)&sa, sizeof sa);
	umask(old);
	if (rc != 0 || lstat(in->path, &st) != 0) {
		*cause = xprintf("%s: cannot make the socket: %s", in->path,
		    strerror(errno));
		return -1;
	}
	in->dev = st.st_dev;
	in->ino = st.st_ino;
	return 0;
}

/* See cli-intake.h. */
int
cli_intake_listen(struct store *s, struct event_base *base,
    void (*kick)(void *), void *arg, struct cli_intake **out, char **cause)
{
	struct sockaddr_un sa;
	struct cli_intake *in;
	char *real;
	int fd;

	*out = NULL;
	in = xcalloc(1, sizeof *in);
	in->store = s;
	in->uid = geteuid();
	in->kick = kick;
	in->arg = arg;
	LIST_INIT(&in->conns);
	real = realpath(store_path(s), NULL);
	in->path = cli_intake_path(real != NULL ? real : store_path(s));
	free(real);
	if (strlen(in->path) >= sizeof sa.sun_path) {
		log_warnx("%s: too long a path for a socket: submits write the "
		    "queue themselves", in->path);
		cli_intake_free(in);
		return 0;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		*cause = xprintf("socket: %s", strerror(errno));
		goto fail;
	}
	if (cli_intake_bind(in, fd, cause) != 0) {
		close(fd);
		goto fail;
	}
	in->lev = evconnlistener_new(base, cli_intake_accept, in,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 16, fd);
	if (in->lev == NULL) {
		*cause = xprintf("%s: cannot listen: %s", in->path,
		    strerror(errno));
		close(fd);
		unlink(in->path);
		goto fail;
	}
	evconnlistener_set_error_cb(in->lev, cli_intake_accept_error);
	*out = in;
	return 0;
fail:
	in->dev = 0;
	in->ino = 0;
	cli_intake_free(in);
	return -1;
}

/* See cli-intake.h. */
void
cli_intake_free(struct cli_intake *in)
{
	struct stat st;

	if (in == NULL)
		return;
	while (!LIST_EMPTY(&in->conns))
		cli_intake_conn_free(LIST_FIRST(&in->conns));
	if (in->lev != NULL) {
		evconnlistener_free(in->lev);
		if (lstat(in->path, &st) == 0 && st.st_dev == in->dev &&
		    st.st_ino == in->ino)
			unlink(in->path);
	}
	free(in->path);
	free(in);
}
