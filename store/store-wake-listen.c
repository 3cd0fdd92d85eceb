/*
 * store-wake-listen.c: the scheduler's half of the wake-up beside the
 * database (see store.h), on the caller's event base.  A file of its own,
 * so that programs that only write (the queue front) never link libevent.
 */
#include "store-int.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

/* Reads left undone before calling back; the level-triggered event brings
 * the rest. */
#define STORE_WAKE_READS 16

struct store_wake {
	char *path;
	int fd;
	dev_t dev;               /* the FIFO made, to remove only that one */
	ino_t ino;
	struct event *ev;
	void (*cb)(void *);
	void *arg;
};

/* Empties the FIFO, so that any number of wakes make one call back. */
static void
store_wake_read(evutil_socket_t fd, short what, void *arg)
{
	struct store_wake *w = arg;
	char buf[512];
	ssize_t n;
	int i;

	(void)what;
	for (i = 0; i < STORE_WAKE_READS; i++) {
		n = read(fd, buf, sizeof buf);
		if (n == -1 && errno == EINTR)
			continue;
		if (n < (ssize_t)sizeof buf)
			break;
	}
	w->cb(w->arg);
}

/*
 * Makes the FIFO afresh: what a scheduler that died left is removed (the
 * caller holds the scheduler lock, so nobody else listens); anything but a
 * FIFO there, a symbolic link included, is refused and left alone.
 */
static int
store_wake_make(const char *path, char **cause)
{
	struct stat st;

	if (lstat(path, &st) == 0) {
		if (!S_ISFIFO(st.st_mode)) {
			*cause = xprintf("%s: exists and is not a FIFO; remove "
			    "it", path);
			return -1;
		}
		if (unlink(path) != 0 && errno != ENOENT) {
			*cause = xprintf("%s: cannot remove the old FIFO: %s",
			    path, strerror(errno));
			return -1;
		}
	} else if (errno != ENOENT) {
		*cause = xprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	if (mkfifo(path, 0600) != 0) {
		*cause = xprintf("%s: cannot make the FIFO: %s", path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* See store.h. */
int
store_wake_listen(const struct store *s, struct event_base *base,
    void (*cb)(void *), void *arg, struct store_wake **out, char **cause)
{
	struct store_wake *w;
	struct stat st;

	*out = NULL;
	w = xcalloc(1, sizeof *w);
	w->fd = -1;
	w->cb = cb;
	w->arg = arg;
	w->path = store_wake_path(s);
	if (store_wake_make(w->path, cause) != 0)
		goto fail;
	/* O_RDWR: a FIFO with a writer never reads as ended (epoll would
	 * report that at once, forever) and writers never see ENXIO. */
	w->fd = open(w->path, O_RDWR | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
	if (w->fd == -1) {
		*cause = xprintf("%s: %s", w->path, strerror(errno));
		goto fail_unlink;
	}
	if (fstat(w->fd, &st) != 0 || !S_ISFIFO(st.st_mode) ||
	    st.st_uid != geteuid()) {
		*cause = xprintf("%s: replaced while being made", w->path);
		close(w->fd);
		w->fd = -1;
		goto fail;
	}
	w->dev = st.st_dev;
	w->ino = st.st_ino;
	/* Exactly 0600, whatever the umask: the database's writers. */
	if (fchmod(w->fd, 0600) != 0) {
		*cause = xprintf("%s: %s", w->path, strerror(errno));
		goto fail_unlink;
	}
	w->ev = event_new(base, w->fd, EV_READ | EV_PERSIST, store_wake_read,
	    w);
	if (w->ev == NULL || event_add(w->ev, NULL) != 0) {
		*cause = xprintf("%s: cannot watch the FIFO", w->path);
		goto fail_unlink;
	}
	*out = w;
	return 0;
fail_unlink:
	unlink(w->path);
fail:
	store_wake_free(w);
	return -1;
}

/* See store.h: stops listening and removes the FIFO if it is still the
 * one this listener made. */
void
store_wake_free(struct store_wake *w)
{
	struct stat st;

	if (w == NULL)
		return;
	if (w->ev != NULL)
		event_free(w->ev);
	if (w->fd != -1) {
		if (lstat(w->path, &st) == 0 && st.st_dev == w->dev &&
		    st.st_ino == w->ino)
			unlink(w->path);
		close(w->fd);
	}
	free(w->path);
	free(w);
}
