/*
 * store-wake.c: the writers' half of the wake-up beside the database (see
 * store.h).  Plain POSIX and no libevent, so that the queue front, which
 * links none, can wake a running scheduler after its commit.
 */
#include "store-int.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* See store.h: the FIFO's name, "<db>.wake", beside the database file
 * itself (symbolic links resolved), so a command run through a link wakes
 * the scheduler too. */
char *
store_wake_path(const struct store *s)
{
	return xprintf("%s.wake", s->real_path);
}

/*
 * See store.h: one byte into the FIFO if a scheduler reads it.  Opening
 * without O_NONBLOCK would wait for a reader, so no listener is ENXIO (or
 * ENOENT), and a full FIFO is EAGAIN: wakes are already pending.  Nothing
 * but a FIFO is written to, and no symbolic link is followed.
 */
void
store_wake(const struct store *s)
{
	struct sigaction ign, old;
	struct stat st;
	char *path;
	ssize_t n;
	int fd;

	path = store_wake_path(s);
	fd = open(path, O_WRONLY | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY |
	    O_CLOEXEC);
	free(path);
	if (fd == -1)
		return;
	if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode)) {
		/*
		 * A listener that exits between open and write makes it
		 * EPIPE, and SIGPIPE, which would kill a command whose
		 * commit is done: ignore it for that one write (commands
		 * are single-threaded).
		 */
		memset(&ign, 0, sizeof ign);
		ign.sa_handler = SIG_IGN;
		sigemptyset(&ign.sa_mask);
		if (sigaction(SIGPIPE, &ign, &old) == 0) {
			n = write(fd, "w", 1);
			(void)n;
			sigaction(SIGPIPE, &old, NULL);
		}
	}
	close(fd);
}
