/*
 * kube-config-exec.c: the credentials of each request, as client-go's
 * plugins give them: exec plugins (ExecCredential, run without a shell,
 * cached until they expire), tokenFile (re-read every minute), the oidc
 * id-token, static tokens and client certificates
 * (../shared/reference/kubernetes.md, 1).
 */
#include "kube-int.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <arpa/nameser.h>
#include <poll.h>
#include <resolv.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define KC_MAX_EXEC_OUT (1024 * 1024)
#define KC_EXEC_TIMEOUT_MS (5 * 60 * 1000)
#define KC_TOKEN_FILE_TTL 60

/* Parses RFC 3339 ("2026-01-02T03:04:05Z", fractions, offsets). */
int64_t
kube_parse_time(const char *s)
{
	struct tm tm;
	const char *p;
	int64_t t;
	int oh, om;

	memset(&tm, 0, sizeof tm);
	if (s == NULL || (p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL)
		return -1;
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	t = (int64_t)timegm(&tm);
	if (*p == 'Z' || *p == 'z')
		return p[1] == '\0' ? t : -1;
	if ((*p == '+' || *p == '-') && sscanf(p + 1, "%2d:%2d", &oh, &om) == 2 &&
	    strlen(p) == 6) {
		t += (*p == '+' ? -1 : 1) * (oh * 3600 + om * 60);
		return t;
	}
	return -1;
}

/* The KUBERNETES_EXEC_INFO value handed to an exec plugin. */
static char *
kc_exec_info(const struct kube_config *cfg, bool interactive)
{
	const struct kube_cluster *c = cfg->cluster;
	json_t *o, *spec, *cl;
	char *s, *b64;

	spec = json_pack("{s:b}", "interactive", interactive);
	if (cfg->user->exec->provide_cluster_info) {
		cl = json_pack("{s:s}", "server", c->server);
		if (c->tls_server_name != NULL)
			json_object_set_new(cl, "tls-server-name",
			    json_string(c->tls_server_name));
		if (c->insecure)
			json_object_set_new(cl, "insecure-skip-tls-verify",
			    json_true());
		if (c->ca_data.data != NULL) {
			b64 = xmalloc(4 * ((c->ca_data.len + 2) / 3) + 1);
			if (b64_ntop(c->ca_data.data, c->ca_data.len, b64,
			    4 * ((c->ca_data.len + 2) / 3) + 1) < 0)
				fatalx("b64_ntop: buffer too small");
			json_object_set_new(cl, "certificate-authority-data",
			    json_string(b64));
			free(b64);
		}
		if (c->proxy_url != NULL)
			json_object_set_new(cl, "proxy-url",
			    json_string(c->proxy_url));
		if (c->disable_compression)
			json_object_set_new(cl, "disable-compression",
			    json_true());
		if (c->exec_config != NULL)
			json_object_set_new(cl, "config", json_object());
		json_object_set_new(spec, "cluster", cl);
	}
	o = json_pack("{s:s,s:s,s:o}", "kind", "ExecCredential", "apiVersion",
	    cfg->user->exec->api_version, "spec", spec);
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (s == NULL)
		fatalx("json_dumps failed");
	return s;
}

/* Reads a child's stdout with a size bound and a deadline. */
static int
kc_read_child(int fd, char **out, size_t *lenp, char **cause)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int64_t deadline = now_ms() + KC_EXEC_TIMEOUT_MS;
	char *buf = xmalloc(KC_MAX_EXEC_OUT + 1);
	size_t len = 0;
	ssize_t n;
	int r;

	for (;;) {
		r = poll(&pfd, 1, (int)(deadline - now_ms() > 0 ?
		    deadline - now_ms() : 0));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			*cause = xstrdup("timed out");
			goto fail;
		}
		n = read(fd, buf + len, KC_MAX_EXEC_OUT - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*cause = xprintf("read: %s", strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len >= KC_MAX_EXEC_OUT) {
			*cause = xstrdup("output too large");
			goto fail;
		}
	}
	buf[len] = '\0';
	*out = buf;
	*lenp = len;
	return 0;
fail:
	explicit_bzero(buf, len);
	free(buf);
	return -1;
}

/* Validates an ExecCredential and keeps its status in cfg->exec_creds. */
static int
kc_exec_parse(struct kube_config *cfg, const char *text, size_t len,
    char **cause)
{
	const struct kube_exec *e = cfg->user->exec;
	struct kube_creds *c = &cfg->exec_creds;
	json_t *o, *st;
	const char *kind, *av, *tok, *cert, *key, *exp;
	json_error_t jerr;
	int ret = -1;

	if ((o = json_loadb(text, len, 0, &jerr)) == NULL) {
		*cause = xprintf("exec plugin '%s' for user '%s' wrote invalid "
		    "JSON (line %d): %s", e->command, cfg->user->name,
		    jerr.line, jerr.text);
		return -1;
	}
	kind = json_string_value(json_object_get(o, "kind"));
	av = json_string_value(json_object_get(o, "apiVersion"));
	st = json_object_get(o, "status");
	if (kind == NULL || strcmp(kind, "ExecCredential") != 0) {
		*cause = xprintf("exec plugin '%s' for user '%s': output is not "
		    "an ExecCredential", e->command, cfg->user->name);
		goto out;
	}
	if (av == NULL || strcmp(av, e->api_version) != 0) {
		*cause = xprintf("exec plugin '%s' for user '%s': ExecCredential "
		    "apiVersion '%s' does not match the configured '%s'",
		    e->command, cfg->user->name, av != NULL ? av : "",
		    e->api_version);
		goto out;
	}
	if (!json_is_object(st)) {
		*cause = xprintf("exec plugin '%s' for user '%s': "
		    "ExecCredential has no status", e->command,
		    cfg->user->name);
		goto out;
	}
	tok = json_string_value(json_object_get(st, "token"));
	cert = json_string_value(json_object_get(st, "clientCertificateData"));
	key = json_string_value(json_object_get(st, "clientKeyData"));
	exp = json_string_value(json_object_get(st, "expirationTimestamp"));
	if ((cert == NULL) != (key == NULL)) {
		*cause = xprintf("exec plugin '%s' for user '%s': "
		    "clientCertificateData and clientKeyData must both be "
		    "present or both absent", e->command, cfg->user->name);
		goto out;
	}
	if ((tok == NULL || *tok == '\0') && cert == NULL) {
		*cause = xprintf("exec plugin '%s' for user '%s': "
		    "ExecCredential status has neither token nor client "
		    "certificate", e->command, cfg->user->name);
		goto out;
	}
	kube_creds_release(c);
	c->from_exec = true;
	if (exp != NULL && (c->expires = kube_parse_time(exp)) < 0) {
		*cause = xprintf("exec plugin '%s' for user '%s': invalid "
		    "expirationTimestamp '%s'", e->command, cfg->user->name,
		    exp);
		c->expires = 0;
		goto out;
	}
	if (tok != NULL && *tok != '\0')
		c->token = xstrdup(tok);
	if (cert != NULL) {
		c->cert.len = strlen(cert);
		c->cert.data = (unsigned char *)xstrdup(cert);
		c->key.len = strlen(key);
		c->key.data = (unsigned char *)xstrdup(key);
	}
	cfg->exec_valid = true;
	ret = 0;
out:
	/* Wipe the token in jansson's copy before freeing it. */
	if (st != NULL && (tok = json_string_value(json_object_get(st,
	    "token"))) != NULL)
		explicit_bzero((char *)tok, strlen(tok));
	if (st != NULL && (key = json_string_value(json_object_get(st,
	    "clientKeyData"))) != NULL)
		explicit_bzero((char *)key, strlen(key));
	json_decref(o);
	return ret;
}

/* Runs the exec plugin with fork/execvp: never through a shell. */
static int
kc_exec_run(struct kube_config *cfg, char **cause)
{
	const struct kube_exec *e = cfg->user->exec;
	char **argv = NULL, **envp = NULL, *info = NULL, *out = NULL, *why;
	bool interactive = false;
	size_t n, i, len = 0;
	int pout[2] = { -1, -1 }, perr[2] = { -1, -1 }, status, ret = -1;
	int child_errno = 0;
	pid_t pid;

	if (strcmp(e->interactive_mode, "Always") == 0) {
		if (!isatty(STDIN_FILENO)) {
			*cause = xprintf("exec plugin '%s' for user '%s' is "
			    "configured to use interactive mode "
			    "(interactiveMode: Always) but stdin is not a "
			    "terminal", e->command, cfg->user->name);
			return -1;
		}
		interactive = true;
	} else if (strcmp(e->interactive_mode, "IfAvailable") == 0)
		interactive = isatty(STDIN_FILENO);

	argv = xcalloc(e->nargs + 2, sizeof *argv);
	argv[0] = e->command;
	for (i = 0; i < e->nargs; i++)
		argv[i + 1] = e->args[i];
	for (n = 0; environ[n] != NULL; n++)
		;
	envp = xcalloc(n + e->nenv + 2, sizeof *envp);
	memcpy(envp, environ, n * sizeof *envp);
	for (i = 0; i < e->nenv; i++)
		envp[n++] = e->env[i];
	info = kc_exec_info(cfg, interactive);
	envp[n++] = why = xprintf("KUBERNETES_EXEC_INFO=%s", info);
	free(info);
	info = why;

	if (pipe2(pout, O_CLOEXEC) != 0 || pipe2(perr, O_CLOEXEC) != 0) {
		*cause = xprintf("exec plugin '%s': pipe: %s", e->command,
		    strerror(errno));
		goto out;
	}
	if ((pid = fork()) < 0) {
		*cause = xprintf("exec plugin '%s': fork: %s", e->command,
		    strerror(errno));
		goto out;
	}
	if (pid == 0) {
		int fd;

		if (dup2(pout[1], STDOUT_FILENO) < 0)
			_exit(127);
		if (!interactive && (fd = open("/dev/null", O_RDONLY)) >= 0)
			dup2(fd, STDIN_FILENO);
		signal(SIGPIPE, SIG_DFL);
		execvpe(argv[0], argv, envp);
		child_errno = errno;
		(void)!write(perr[1], &child_errno, sizeof child_errno);
		_exit(127);
	}
	close(pout[1]);
	close(perr[1]);
	pout[1] = perr[1] = -1;
	if (kc_read_child(pout[0], &out, &len, &why) != 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		*cause = xprintf("exec plugin '%s' for user '%s': %s",
		    e->command, cfg->user->name, why);
		free(why);
		goto out;
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (read(perr[0], &child_errno, sizeof child_errno) ==
	    (ssize_t)sizeof child_errno) {
		*cause = xprintf("exec plugin '%s' for user '%s' could not be "
		    "run: %s%s%s", e->command, cfg->user->name,
		    strerror(child_errno), e->install_hint != NULL ? "; " : "",
		    e->install_hint != NULL ? e->install_hint : "");
		goto out;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		*cause = xprintf("exec plugin '%s' for user '%s' failed (%s %d)",
		    e->command, cfg->user->name, WIFEXITED(status) ?
		    "exit status" : "signal", WIFEXITED(status) ?
		    WEXITSTATUS(status) : WTERMSIG(status));
		goto out;
	}
	ret = kc_exec_parse(cfg, out, len, cause);
out:
	if (out != NULL) {
		explicit_bzero(out, len);
		free(out);
	}
	for (i = 0; i < 2; i++) {
		if (pout[i] >= 0)
			close(pout[i]);
		if (perr[i] >= 0)
			close(perr[i]);
	}
	free(info);
	free(envp);
	free(argv);
	return ret;
}

/* The exp claim of a JWT, from its base64url payload; -1 if none. */
static int64_t
kc_jwt_exp(const char *jwt)
{
	const char *dot1, *dot2;
	struct kube_blob raw = { 0 };
	json_t *claims;
	char *b64;
	size_t len, i;
	int64_t exp = -1;

	if ((dot1 = strchr(jwt, '.')) == NULL ||
	    (dot2 = strchr(dot1 + 1, '.')) == NULL)
		return -1;
	len = (size_t)(dot2 - dot1 - 1);
	b64 = xmalloc(len + 4);
	for (i = 0; i < len; i++) {
		b64[i] = dot1[1 + i] == '-' ? '+' : dot1[1 + i] == '_' ? '/' :
		    dot1[1 + i];
	}
	while (len % 4 != 0)
		b64[len++] = '=';
	b64[len] = '\0';
	if (kube_base64_decode(b64, len, &raw) == 0) {
		claims = json_loadb((char *)raw.data, raw.len, 0, NULL);
		if (json_is_integer(json_object_get(claims, "exp")))
			exp = json_integer_value(json_object_get(claims, "exp"));
		else if (json_is_real(json_object_get(claims, "exp")))
			exp = (int64_t)json_real_value(json_object_get(claims,
			    "exp"));
		json_decref(claims);
	}
	kube_blob_free(&raw);
	free(b64);
	return exp;
}

/* Whether a 401 may be answered by re-running the exec plugin. */
bool
kube_config_can_refresh(const struct kube_config *cfg)
{
	return cfg->user != NULL && cfg->user->exec != NULL;
}

/* Credentials for the next request; see kube-int.h. */
int
kube_config_credentials(struct kube_config *cfg, bool force,
    struct kube_creds *out, char **cause)
{
	struct kube_user *u = cfg->user;
	int64_t now = now_ms() / 1000, exp;
	char *tok, *end;
	size_t len;

	memset(out, 0, sizeof *out);
	if (u == NULL)
		return 0;
	if (kube_config_decode(cfg, cause) != 0)
		return -1;
	if (u->cert_data.data != NULL)
		kube_blob_copy(&out->cert, &u->cert_data);
	else if (u->cert_file != NULL && kube_read_blob(u->cert_file,
	    &out->cert) != 0) {
		*cause = xprintf("%s: users[name=%s].user.client-certificate: "
		    "cannot read '%s': %s", u->file, u->name, u->cert_file,
		    strerror(errno));
		goto fail;
	}
	if (u->key_data.data != NULL)
		kube_blob_copy(&out->key, &u->key_data);
	else if (u->key_file != NULL && kube_read_blob(u->key_file,
	    &out->key) != 0) {
		*cause = xprintf("%s: users[name=%s].user.client-key: cannot "
		    "read '%s': %s", u->file, u->name, u->key_file,
		    strerror(errno));
		goto fail;
	}
	if (u->exec != NULL) {
		if (force || !cfg->exec_valid || (cfg->exec_creds.expires != 0 &&
		    now > cfg->exec_creds.expires)) {
			cfg->exec_valid = false;
			if (kc_exec_run(cfg, cause) != 0)
				goto fail;
		}
		if (cfg->exec_creds.token != NULL)
			out->token = xstrdup(cfg->exec_creds.token);
		if (cfg->exec_creds.cert.data != NULL) {
			kube_blob_free(&out->cert);
			kube_blob_free(&out->key);
			kube_blob_copy(&out->cert, &cfg->exec_creds.cert);
			kube_blob_copy(&out->key, &cfg->exec_creds.key);
		}
		out->expires = cfg->exec_creds.expires;
		out->from_exec = true;
		return 0;
	}
	if (u->oidc != NULL) {
		if (u->oidc->id_token == NULL) {
			*cause = xprintf("%s: users[name=%s]: the oidc "
			    "id-token is missing and refreshing is not "
			    "supported; log in again to get a new kubeconfig",
			    u->file, u->name);
			goto fail;
		}
		exp = kc_jwt_exp(u->oidc->id_token);
		if (exp < 0) {
			*cause = xprintf("%s: users[name=%s].user.auth-provider."
			    "config.id-token: not a JWT with an exp claim",
			    u->file, u->name);
			goto fail;
		}
		if (exp <= now + 10) {
			char *when = time_format_rfc3339((int64_t)exp * 1000);

			*cause = xprintf("%s: users[name=%s]: the oidc id-token "
			    "expired at %s; log in again to get a new one "
			    "(refreshing is not supported)", u->file, u->name,
			    when);
			free(when);
			goto fail;
		}
		out->token = xstrdup(u->oidc->id_token);
		out->expires = exp;
		return 0;
	}
	if (u->token != NULL) {
		out->token = xstrdup(u->token);
		return 0;
	}
	if (u->token_file != NULL) {
		if (cfg->file_token == NULL ||
		    now - cfg->file_token_read >= KC_TOKEN_FILE_TTL) {
			if ((tok = kube_read_file(u->token_file, 1 << 20,
			    &len)) == NULL) {
				*cause = xprintf("%s: users[name=%s].user."
				    "tokenFile: cannot read '%s': %s", u->file,
				    u->name, u->token_file, strerror(errno));
				goto fail;
			}
			for (end = tok + len; end > tok && (end[-1] == '\n' ||
			    end[-1] == '\r' || end[-1] == ' ');)
				*--end = '\0';
			kube_secret_free(cfg->file_token);
			cfg->file_token = tok;
			cfg->file_token_read = now;
		}
		out->token = xstrdup(cfg->file_token);
	}
	return 0;
fail:
	kube_creds_release(out);
	return -1;
}

/* Forces the tokenFile to be read again on the next request (tests, 401). */
void
kube_config_forget_token_file(struct kube_config *cfg)
{
	cfg->file_token_read = 0;
	kube_secret_free(cfg->file_token);
	cfg->file_token = NULL;
}

