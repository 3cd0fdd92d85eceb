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
	return cli_main(argc, argv);
}
