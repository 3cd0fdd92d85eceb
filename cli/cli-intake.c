/*
 * cli-intake.c: the queue front's half of a submit handed to the running
 * scheduler (cli-intake.h).  Plain blocking POSIX calls, no libevent and
 * no SQLite: this path exists to spare a submit both.
 */
#include "cli-intake.h"

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "spec.h"

/* A request is no larger than a spec file may be. */
_Static_assert(API_INTAKE_MAX == SPEC_MAX_FILE_SIZE,
    "the intake's bound is a spec file's");

/* How long a submit waits for the scheduler's reply: a pass in progress
 * delays it, a stopped scheduler must not hang a script for ever. */
#define CLI_INTAKE_TIMEOUT_S 60

/* See cli-intake.h. */
char *
cli_intake_path(const char *real_path)
{
	return xprintf("%s.sock", real_path);
}

/* See cli-intake.h. */
int
cli_intake_connect(struct cli_ctx *ctx, long *pid)
{
	const char *env = getenv("AILAB_QUEUE_INTAKE");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = CLI_INTAKE_TIMEOUT_S };
	struct ucred cred;
	socklen_t clen = sizeof cred;
	char *real, *path;
	int fd = -1;

	if ((env != NULL && strcmp(env, "0") == 0) || ctx->db_path == NULL ||
	    (real = realpath(ctx->db_path, NULL)) == NULL)
		return -1;
	path = cli_intake_path(real);
	free(real);
	if (strlen(path) >= sizeof sa.sun_path)
		goto fail;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0)
		goto fail;
	/* Jobs go only to a scheduler of the caller's own. */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) != 0 ||
	    cred.uid != geteuid())
		goto fail;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) != 0)
		goto fail;
	*pid = (long)cred.pid;
	free(path);
	return fd;
fail:
	if (fd != -1)
		close(fd);
	free(path);
	return -1;
}

/* The reply's document, or NULL when none came whole. */
static json_t *
cli_intake_reply(int fd)
{
	unsigned char hdr[API_INTAKE_HEADER];
	json_t *doc = NULL;
	size_t len, ntexts;
	char *body;

	if (read_all(fd, hdr, sizeof hdr) != 0)
		return NULL;
	if (api_intake_frame_lens(hdr, &len, &ntexts) != 0 || ntexts != 0)
		return NULL;
	body = xmalloc(len + 1);
	if (read_all(fd, body, len) == 0)
		doc = json_loadb(body, len, 0, NULL);
	free(body);
	return doc;
}

/* What a reply says, as an exit status: the ids, or the error printed. */
static int
cli_intake_status(struct cli_ctx *ctx, json_t *reply, int64_t *ids,
    size_t n)
{
	struct api_error err;
	char *cause = NULL;
	int ret;

	if (json_object_get(reply, "error") != NULL) {
		if (api_error_decode(reply, &err, &cause) != 0) {
			cli_error(ctx, "the scheduler's reply: %s", cause);
			free(cause);
			return CLI_EXIT_FAIL;
		}
		cli_error(ctx, "%s", err.message);
		ret = err.code == 400 ? CLI_EXIT_USAGE : CLI_EXIT_FAIL;
		api_error_release(&err);
		return ret;
	}
	if (api_intake_reply_decode(reply, ids, n, &cause) != 0) {
		cli_error(ctx, "the scheduler's reply: %s: the jobs may or may "
		    "not have been queued (see 'ailab-queue ls')", cause);
		free(cause);
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

/* See cli-intake.h. */
int
cli_intake_submit(struct cli_ctx *ctx, int fd,
    const struct store_job_new *jobs, size_t n, bool append, int64_t *ids,
    int *status, long pid)
{
	json_t *req, *reply;
	char *frame, *texts = NULL;
	size_t len, ntexts = 0;
	int ret = -1;

	/* Connected first (cli_intake_connect): with no scheduler listening,
	 * a sweep's request would be encoded for nothing (twice the CPU of
	 * its direct write).  A request too large to send closes the
	 * connection unsent. */
	if (fd == -1)
		return -1;
	if (n == 0) {
		close(fd);
		return -1;
	}
	if ((req = api_intake_request_encode(jobs, n, append, &texts,
	    &ntexts)) == NULL) {
		close(fd);
		return -1;
	}
	frame = api_intake_frame(req, texts, ntexts, &len);
	json_decref(req);
	free(texts);
	if (frame == NULL) {
		close(fd);
		return -1;
	}
	if (write_all(fd, frame, len) != 0)
		goto out;
	/* Sent whole: from here the scheduler may have queued the jobs, and
	 * writing them again could queue them twice. */
	ret = 0;
	if ((reply = cli_intake_reply(fd)) == NULL) {
		cli_error(ctx, "the scheduler of %s (pid %ld) did not answer: "
		    "the job%s may or may not have been queued; check "
		    "'ailab-queue ls'", ctx->db_path, pid, n == 1 ? "" : "s");
		*status = CLI_EXIT_FAIL;
		goto out;
	}
	*status = cli_intake_status(ctx, reply, ids, n);
	json_decref(reply);
out:
	if (fd != -1)
		close(fd);
	free(frame);
	return ret;
}
