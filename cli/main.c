/* ailab-queue: a batch queue for the ailab GPU Kubernetes cluster. */
#include <locale.h>
#include <signal.h>
#include <sys/stat.h>

#include "cli.h"

int
main(int argc, char **argv)
{
	umask(077);
	signal(SIGPIPE, SIG_IGN);
	setlocale(LC_CTYPE, "");
	return cli_main(argc, argv);
}
