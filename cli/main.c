/* ailab-queue: a batch queue for the ailab GPU Kubernetes cluster. */
#include <signal.h>
#include <sys/stat.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "cli.h"

/*
 * Keeps the scheduler's per-pass arrays (megabytes at 100,000 jobs) in the
 * heap between passes: glibc would otherwise map them afresh, or hand the
 * heap's top back, at every free, and each pass would fault and clear
 * those pages again (docs/performance.md, issue 13).
 */
static void
main_malloc_tune(void)
{
#ifdef __GLIBC__
	mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
	mallopt(M_TRIM_THRESHOLD, 128 * 1024 * 1024);
#endif
}

#ifdef CLI_FRONT
/*
 * A fixed seed for jansson's object hashes in the queue front: its first
 * object otherwise opens /dev/urandom (three system calls a submit).  A
 * random seed defends a program that hashes other people's keys against
 * hash flooding; the front hashes only its own user's (their specs, their
 * queue, their scheduler's replies), so a crafted file could only slow
 * the command of the user who wrote it.  The whole program, which serves
 * other users' requests, keeps jansson's random seed.
 */
static void
main_json_seed(void)
{
	json_object_seed(0x61716c62);
}
#endif

/*
 * Sets up what every command shares and runs it.  The locale is taken
 * only when wide text is measured (cli-output.c): most runs print none.
 */
int
main(int argc, char **argv)
{
	umask(077);
	signal(SIGPIPE, SIG_IGN);
	main_malloc_tune();
#ifdef CLI_FRONT
	main_json_seed();
#endif
	return cli_main(argc, argv);
}
