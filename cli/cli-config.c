/*
 * cli-config.c: which queue server, if any, the queue commands talk to:
 * --server URL, else $AILAB_QUEUE_SERVER, else `server:` in the user's
 * config file ($XDG_CONFIG_HOME/ailab-queue/config.yaml, ~/.config when
 * unset), which may also name `server_ca: FILE`.  The queue front reads
 * this on every queue command, so it costs one open() when there is no
 * file.
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common-yaml.h"

#define CLI_CONFIG_MAX (64 * 1024)
#define CLI_URL_MAX 2048

/* The config file's path, or NULL without a home directory. */
static char *
cli_config_path(void)
{
	const char *p = getenv("XDG_CONFIG_HOME"), *home;

	if (p != NULL && *p == '/')
		return xprintf("%s/ailab-queue/config.yaml", p);
	if ((home = cli_home()) == NULL || *home != '/')
		return NULL;
	return xprintf("%s/.config/ailab-queue/config.yaml", home);
}

/* True if host (up to its end) is this machine, where plain HTTP is safe. */
static bool
cli_config_is_loopback(const char *host, size_t len)
{
	if (len == 9 && strncmp(host, "localhost", 9) == 0)
		return true;
	if (len == 5 && strncmp(host, "[::1]", 5) == 0)
		return true;
	return len >= 9 && strncmp(host, "127.", 4) == 0 &&
	    strspn(host, "0123456789.") >= len;
}

/*
 * Checks a server URL and drops trailing slashes.  Plain http is refused
 * except to this machine (an SSH tunnel, a test): the requests carry the
 * user's cluster credential.
 */
static int
cli_config_check_url(char *url, char **cause)
{
	const char *host, *end;
	size_t len = strlen(url), i;
	bool tls;

	for (i = 0; i < len; i++) {
		if ((unsigned char)url[i] <= ' ' || url[i] == 0x7f ||
		    url[i] == '?' || url[i] == '#' || url[i] == '@') {
			*cause = xprintf("invalid queue server URL '%.128s': "
			    "use https://HOST[:PORT]", url);
			return -1;
		}
	}
	if (len > CLI_URL_MAX) {
		*cause = xprintf("the queue server URL is longer than %d bytes",
		    CLI_URL_MAX);
		return -1;
	}
	tls = strncmp(url, "https://", 8) == 0;
	if (!tls && strncmp(url, "http://", 7) != 0) {
		*cause = xprintf("invalid queue server URL '%.128s': use "
		    "https://HOST[:PORT]", url);
		return -1;
	}
	host = url + (tls ? 8 : 7);
	if (*host == '[')
		end = strchr(host, ']') != NULL ? strchr(host, ']') + 1 : host;
	else
		end = host + strcspn(host, ":/");
	if (end == host) {
		*cause = xprintf("invalid queue server URL '%.128s': no host",
		    url);
		return -1;
	}
	if (!tls && !cli_config_is_loopback(host, (size_t)(end - host))) {
		*cause = xprintf("refusing to send credentials over plain "
		    "http to '%.*s': use https:// (plain http only to this "
		    "machine)", (int)(end - host), host);
		return -1;
	}
	while (len > 0 && url[len - 1] == '/')
		url[--len] = '\0';
	return 0;
}

/* Reads a small file; NULL with errno set (ENOENT: there is none). */
static char *
cli_config_read(const char *path, size_t *lenp, char **cause)
{
	struct stat st;
	char *buf = NULL;
	ssize_t n;
	size_t len = 0;
	int fd;

	*cause = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		/* Another user's home ($HOME kept under setpriv, sudo): not
		 * this user's file, so there is none. */
		if (errno == EACCES && (stat(path, &st) != 0 ||
		    st.st_uid != geteuid()))
			return NULL;
		if (errno != ENOENT && errno != ENOTDIR)
			*cause = xprintf("cannot read '%s': %s", path,
			    strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		*cause = xprintf("'%s' is not a regular file", path);
		goto fail;
	}
	/* It says where the user's credential is sent. */
	if (st.st_uid != geteuid() || (st.st_mode & 022) != 0) {
		*cause = xprintf("'%s' may be changed by other users: it must "
		    "be yours and not group- or world-writable (chmod 600)",
		    path);
		goto fail;
	}
	if (st.st_size > CLI_CONFIG_MAX) {
		*cause = xprintf("'%s' is larger than %d bytes", path,
		    CLI_CONFIG_MAX);
		goto fail;
	}
	buf = xmalloc(CLI_CONFIG_MAX + 1);
	while ((n = read(fd, buf + len, CLI_CONFIG_MAX - len)) > 0)
		len += (size_t)n;
	if (n < 0) {
		*cause = xprintf("cannot read '%s': %s", path, strerror(errno));
		goto fail;
	}
	buf[len] = '\0';
	close(fd);
	*lenp = len;
	return buf;
fail:
	free(buf);
	close(fd);
	return NULL;
}

/*
 * Reads `server:` and `server_ca:` from the config file: a YAML mapping
 * of scalars, where an unknown key is an error at its line and column (a
 * typo must not send requests elsewhere).  0 when there is no file.
 */
static int
cli_config_load(const char *path, char **server, char **ca, char **cause)
{
	static const char *const keys[] = { "server", "server_ca" };
	static const struct ytree_limits lim = {
		.what = "the config file",
	};
	struct ytree_node *root = NULL, *k, *v;
	char *buf, **slot;
	size_t len = 0, i;
	int ret = -1;

	*server = *ca = NULL;
	if ((buf = cli_config_read(path, &len, cause)) == NULL)
		return *cause == NULL ? 0 : -1;
	if (ytree_parse_file_text(path, buf, len, &lim, &root, cause) != 0)
		goto out;
	if (ytree_is_null(root)) {
		ret = 0;
		goto out;
	}
	if (root->type != YTREE_MAP) {
		*cause = ytree_errorf(path, root, "expected a mapping of "
		    "settings to values (server: URL)");
		goto out;
	}
	for (i = 0; i + 1 < root->n; i += 2) {
		k = root->kids[i];
		v = root->kids[i + 1];
		if (strcmp(k->s, keys[0]) == 0)
			slot = server;
		else if (strcmp(k->s, keys[1]) == 0)
			slot = ca;
		else {
			*cause = ytree_unknown(path, k, "setting", keys,
			    nitems(keys));
			goto out;
		}
		if (v->type != YTREE_SCALAR) {
			*cause = ytree_errorf(path, v, "'%s' must be a single "
			    "value", k->s);
			goto out;
		}
		*slot = xstrdup(ytree_is_null(v) ? "" : v->s);
	}
	ret = 0;
out:
	if (ret != 0) {
		free(*server);
		free(*ca);
		*server = *ca = NULL;
	}
	ytree_free(root);
	free(buf);
	return ret;
}

/* A relative server_ca is relative to the config file's directory. */
static char *
cli_config_ca_path(const char *config, const char *ca)
{
	const char *slash = strrchr(config, '/');

	if (*ca == '/' || slash == NULL)
		return xstrdup(ca);
	return xprintf("%.*s/%s", (int)(slash - config), config, ca);
}

/* See cli.h. */
int
cli_config_server(struct cli_ctx *ctx)
{
	const char *v;
	char *path, *server = NULL, *ca = NULL, *cause = NULL;
	int ret = 0;

	if (ctx->server != NULL)
		return 0;
	path = cli_config_path();
	if (path != NULL && cli_config_load(path, &server, &ca, &cause) != 0) {
		cli_error_take(ctx, cause);
		ret = -1;
		goto out;
	}
	if ((v = cli_string(ctx, "server")) != NULL) {
		free(server);
		server = xstrdup(v);
		ctx->server_from = "--server";
	} else if ((v = getenv("AILAB_QUEUE_SERVER")) != NULL && *v != '\0') {
		free(server);
		server = xstrdup(v);
		ctx->server_from = "$AILAB_QUEUE_SERVER";
	} else if (server != NULL)
		ctx->server_from = "the config file";
	/* No server: a CA alone changes nothing. */
	if (server == NULL || *server == '\0')
		goto out;
	if (cli_config_check_url(server, &cause) != 0) {
		cli_error(ctx, "%s (from %s)", cause, ctx->server_from);
		free(cause);
		ret = -1;
		goto out;
	}
	ctx->server = server;
	server = NULL;
	if (ca != NULL && *ca != '\0')
		ctx->server_ca = cli_config_ca_path(path, ca);
out:
	free(server);
	free(ca);
	free(path);
	return ret;
}
