/*
 * cli-passwd.c: the password database, for the owner of jobs and a home
 * without $HOME.  Not in libcli.a: the queue front compiles this file
 * with its own flags, because linked whole (-static-pie,
 * CLI_FRONT_NO_NSS) it must never reach the database through NSS: a
 * static glibc looks users up through NSS modules it dlopens (sss, ldap:
 * a university's users), which break when a glibc update lands until the
 * front is rebuilt.  There a user is read from /etc/passwd itself when
 * nsswitch.conf has glibc answer from that file first, which it then
 * would; any other user hands the command, argv unchanged, to
 * ailab-queue-dynamic, the same front linked against the shared libc
 * (cli_front_handoff).  The commands that need no user (a submit through
 * the scheduler, ls, show) never get here.  The whole program links this
 * file as cli/libclipasswd.a.
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifndef CLI_FRONT_NO_NSS
#include <pwd.h>
#endif

/* The caller's entry, kept for the run. */
static char cli_passwd_user[256];
static char cli_passwd_dir[4096];

#ifdef CLI_FRONT_NO_NSS
const bool cli_front_no_nss = true;

/*
 * Whether glibc answers a user lookup from /etc/passwd before any other
 * source: the first source of nsswitch.conf's passwd line is files, with
 * no action after it ([SUCCESS=continue] would let a later source
 * answer).  Without the file, or with another order (sss or ldap first,
 * compat), the whole program looks the user up.
 */
static bool
cli_passwd_files_first(void)
{
	char line[1024], *p;
	bool first = false;
	FILE *f;

	if ((f = fopen("/etc/nsswitch.conf", "re")) == NULL)
		return false;
	while (fgets(line, sizeof line, f) != NULL) {
		p = line + strspn(line, " \t");
		if (strncmp(p, "passwd:", 7) != 0)
			continue;
		p += 7 + strspn(p + 7, " \t");
		/* strchr finds the NUL too: files may end the file. */
		first = strncmp(p, "files", 5) == 0 &&
		    strchr(" \t\n", p[5]) != NULL;
		if (first) {
			p += 5 + strspn(p + 5, " \t");
			first = *p != '[';
		}
		break;
	}
	fclose(f);
	return first;
}

/*
 * Reads the caller's entry from /etc/passwd (name:password:uid:gid:gecos:
 * home:shell), the first line with its uid, as glibc's files source does;
 * NIS markers (+, -) and lines too long to be an entry are passed over.
 * 0, or -1 when the file does not answer or names no such user.
 */
static int
cli_passwd_files(void)
{
	char line[4096], *field[7], *p, *end;
	unsigned long uid;
	FILE *f;
	int i, ret = -1;

	if (!cli_passwd_files_first() ||
	    (f = fopen("/etc/passwd", "re")) == NULL)
		return -1;
	while (ret == -1 && fgets(line, sizeof line, f) != NULL) {
		if ((p = strchr(line, '\n')) == NULL) {
			while (fgets(line, sizeof line, f) != NULL &&
			    strchr(line, '\n') == NULL)
				;
			continue;
		}
		*p = '\0';
		if (*line == '+' || *line == '-' || *line == '#')
			continue;
		for (p = line, i = 0; i < 7 && p != NULL; i++) {
			field[i] = p;
			if ((p = strchr(p, ':')) != NULL)
				*p++ = '\0';
		}
		if (i < 7 || *field[0] == '\0' || *field[2] == '\0')
			continue;
		uid = strtoul(field[2], &end, 10);
		if (*end != '\0' || *field[2] == '-' || uid != getuid())
			continue;
		snprintf(cli_passwd_user, sizeof cli_passwd_user, "%s",
		    field[0]);
		snprintf(cli_passwd_dir, sizeof cli_passwd_dir, "%s",
		    field[5]);
		ret = 0;
	}
	fclose(f);
	return ret;
}

/* See cli.h: from /etc/passwd, else the whole program answers. */
const char *
cli_passwd_name(void)
{
	if (*cli_passwd_user == '\0' && cli_passwd_files() != 0)
		cli_front_handoff();
	return cli_passwd_user;
}

/* See cli.h: from /etc/passwd, else the whole program answers. */
const char *
cli_passwd_home(void)
{
	if (*cli_passwd_user == '\0' && cli_passwd_files() != 0)
		cli_front_handoff();
	return *cli_passwd_dir != '\0' ? cli_passwd_dir : NULL;
}
#else
const bool cli_front_no_nss = false;

/* See cli.h: the caller's user name. */
const char *
cli_passwd_name(void)
{
	struct passwd *pw;

	if (*cli_passwd_user == '\0' && (pw = getpwuid(getuid())) != NULL)
		snprintf(cli_passwd_user, sizeof cli_passwd_user, "%s",
		    pw->pw_name);
	return *cli_passwd_user != '\0' ? cli_passwd_user : NULL;
}

/* See cli.h: the caller's home directory. */
const char *
cli_passwd_home(void)
{
	struct passwd *pw;

	if (*cli_passwd_dir == '\0' && (pw = getpwuid(getuid())) != NULL &&
	    pw->pw_dir != NULL)
		snprintf(cli_passwd_dir, sizeof cli_passwd_dir, "%s",
		    pw->pw_dir);
	return *cli_passwd_dir != '\0' ? cli_passwd_dir : NULL;
}
#endif
