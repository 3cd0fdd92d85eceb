/* Unit tests for store/'s wake-up beside the database: a listener hears
 * writers of any process, writers without one do nothing and never block,
 * and nothing but a FIFO is ever used. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <event2/event.h>

#include "unit.h"
#include "store-fixture.h"
#include "store-int.h"

struct fixture {
	struct store_fixture q;
	char wake[128];
	struct event_base *base;
	int calls;
};

/* A new queue and an event base to listen on. */
static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);

	if (store_fixture_open(&f->q, "queue.db") != 0)
		return -1;
	snprintf(f->wake, sizeof f->wake, "%s.wake", f->q.path);
	f->base = event_base_new();
	*state = f;
	return 0;
}

/* The base, the queue and its directory gone. */
static int
teardown(void **state)
{
	struct fixture *f = *state;
	int rc;

	event_base_free(f->base);
	rc = store_fixture_close(&f->q);
	free(f);
	return rc;
}

/* The listener's callback: counts, and lets the test go on. */
static void
on_wake(void *arg)
{
	struct fixture *f = arg;

	f->calls++;
	event_base_loopbreak(f->base);
}

/* Runs the base until a callback or two seconds. */
static void
run(struct fixture *f)
{
	struct timeval tv = { 2, 0 };

	event_base_loopexit(f->base, &tv);
	event_base_dispatch(f->base);
}

/* A wake from this process and one from another reach the listener; many
 * at once make one callback; the FIFO is 0600 and goes with the listener. */
static void
test_wake_listener(void **state)
{
	struct fixture *f = *state;
	struct store_wake *w = NULL;
	struct stat st;
	char *cause = NULL;
	pid_t pid;
	int status;

	assert_string_take(store_wake_path(f->q.s), f->wake);
	assert_int_equal(store_wake_listen(f->q.s, f->base, on_wake, f, &w,
	    &cause), 0);
	assert_non_null(w);
	assert_int_equal(lstat(f->wake, &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);

	store_wake(f->q.s);
	store_wake(f->q.s);
	store_wake(f->q.s);
	run(f);
	assert_int_equal(f->calls, 1);

	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		store_wake(f->q.s);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	run(f);
	assert_int_equal(f->calls, 2);

	/* Nothing pending: no callback. */
	{
		struct timeval tv = { 0, 100000 };

		event_base_loopexit(f->base, &tv);
		event_base_dispatch(f->base);
	}
	assert_int_equal(f->calls, 2);

	store_wake_free(w);
	assert_int_equal(lstat(f->wake, &st), -1);
	assert_int_equal(errno, ENOENT);
	store_wake_free(NULL);
}

/* Without a listener a wake does nothing: it makes no file and does not
 * wait on a FIFO nobody reads (one a scheduler left when it died), which
 * the next listener replaces.  A full FIFO does not block writers. */
static void
test_wake_no_listener(void **state)
{
	struct fixture *f = *state;
	struct store_wake *w = NULL;
	struct stat st, old;
	char *cause = NULL;
	int i, fd;

	store_wake(f->q.s);
	assert_int_equal(lstat(f->wake, &st), -1);
	assert_int_equal(errno, ENOENT);

	assert_int_equal(mkfifo(f->wake, 0644), 0);
	assert_int_equal(lstat(f->wake, &old), 0);
	store_wake(f->q.s);

	assert_int_equal(store_wake_listen(f->q.s, f->base, on_wake, f, &w,
	    &cause), 0);
	assert_int_equal(lstat(f->wake, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);

	/* A FIFO of one page, filled and more: writers return at once. */
	fd = open(f->wake, O_RDONLY | O_NONBLOCK);
	assert_true(fd != -1);
	assert_true(fcntl(fd, F_SETPIPE_SZ, 4096) != -1);
	for (i = 0; i < 5000; i++)
		store_wake(f->q.s);
	close(fd);
	run(f);
	assert_true(f->calls >= 1);
	store_wake_free(w);
	assert_int_equal(lstat(f->wake, &st), -1);
}

/* A regular file or a symbolic link where the FIFO goes is refused by the
 * listener and left as it is, and a writer writes nothing through it. */
static void
test_wake_refuses_others(void **state)
{
	struct fixture *f = *state;
	struct store_wake *w = NULL;
	struct stat st;
	char *cause = NULL, other[160], buf[8];
	int fd;

	fd = open(f->wake, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd != -1);
	assert_int_equal(write(fd, "data", 4), 4);
	close(fd);
	store_wake(f->q.s);
	assert_int_equal(lstat(f->wake, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_size, 4);
	assert_int_equal(store_wake_listen(f->q.s, f->base, on_wake, f, &w,
	    &cause), -1);
	assert_null(w);
	assert_non_null(strstr(cause, f->wake));
	assert_cause(cause, "not a FIFO");
	assert_int_equal(lstat(f->wake, &st), 0);
	assert_int_equal(st.st_size, 4);
	assert_int_equal(unlink(f->wake), 0);

	/* A link to someone's FIFO: not written through, not replaced. */
	snprintf(other, sizeof other, "%s/other.fifo", f->q.dir);
	assert_int_equal(mkfifo(other, 0600), 0);
	fd = open(other, O_RDONLY | O_NONBLOCK);
	assert_true(fd != -1);
	assert_int_equal(symlink(other, f->wake), 0);
	store_wake(f->q.s);
	/* No byte: 0 (no writer left) or EAGAIN, never data. */
	assert_true(read(fd, buf, sizeof buf) <= 0);
	assert_int_equal(store_wake_listen(f->q.s, f->base, on_wake, f, &w,
	    &cause), -1);
	assert_cause(cause, "not a FIFO");
	assert_int_equal(lstat(f->wake, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_wake_listener, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_wake_no_listener, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_wake_refuses_others,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
