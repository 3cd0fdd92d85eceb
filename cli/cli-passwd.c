/*
 * cli-passwd.c: the password database, for the owner of jobs and a home
 * without $HOME.  Not in libcli.a: the queue front compiles this file
 * with its own flags, because linked whole (-static-pie,
 * CLI_FRONT_NO_NSS) it must never reach the database: a static glibc
 * looks users up through NSS modules it dlopens (sss, ldap: a
 * university's users), which break when a glibc update lands until the
 * front is rebuilt.  There the lookups hand the command, argv unchanged,
 * to ailab-queue-dynamic, the same front linked against the shared libc
 * (cli_front_handoff); the commands that need no user (a submit through
 * the scheduler, ls, show) never get here.  The whole program links this
 * file as cli/libclipasswd.a.
 */
#include "cli.h"

#ifndef CLI_FRONT_NO_NSS
#include <pwd.h>
#include <stdio.h>
#include <unistd.h>
#endif

#ifdef CLI_FRONT_NO_NSS
const bool cli_front_no_nss = true;

/* See cli.h: in this front, the whole program answers instead. */
const char *
cli_passwd_name(void)
{
	cli_front_handoff();
}

/* See cli.h: in this front, the whole program answers instead. */
const char *
cli_passwd_home(void)
{
	cli_front_handoff();
}
#else
const bool cli_front_no_nss = false;

/* See cli.h: the caller's user name, kept for the run. */
const char *
cli_passwd_name(void)
{
	static char name[256];
	struct passwd *pw;

	if (*name == '\0' && (pw = getpwuid(getuid())) != NULL)
		snprintf(name, sizeof name, "%s", pw->pw_name);
	return *name != '\0' ? name : NULL;
}

/* See cli.h: the caller's home directory, kept for the run. */
const char *
cli_passwd_home(void)
{
	static char home[4096];
	struct passwd *pw;

	if (*home == '\0' && (pw = getpwuid(getuid())) != NULL &&
	    pw->pw_dir != NULL)
		snprintf(home, sizeof home, "%s", pw->pw_dir);
	return *home != '\0' ? home : NULL;
}
#endif
