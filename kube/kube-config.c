/*
 * kube-config.c: kubeconfig loading, merging, selection and credentials, as
 * client-go's clientcmd does it (../shared/reference/kubernetes.md, 1).
 */
#include "kube-int.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <netinet/in.h>
#include <arpa/nameser.h>
#include <poll.h>
#include <resolv.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <yaml.h>

extern char **environ;

#define KC_MAX_FILE (4 * 1024 * 1024)
#define KC_MAX_EXEC_OUT (1024 * 1024)
#define KC_EXEC_TIMEOUT_MS (5 * 60 * 1000)
#define KC_TOKEN_FILE_TTL 60
#define KC_SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"
#define KC_ABSENT "no kubeconfig"

/* What one file's parse needs to report errors well. */
struct kc_parse {
	const char *file;
	char *dir;
	yaml_document_t *doc;
	struct kube_config *cfg;
	/* Names defined by this file, for the duplicate check. */
	char **seen;
	size_t nseen;
};

/* Frees bytes that may be secret after wiping them. */
void
kube_blob_free(struct kube_blob *b)
{
	if (b->data != NULL) {
		explicit_bzero(b->data, b->len);
		free(b->data);
	}
	b->data = NULL;
	b->len = 0;
}

/* Frees a string that may be secret after wiping it. */
static void
kc_secret_free(char *s)
{
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

/* Releases the credentials handed out for one request. */
void
kube_creds_release(struct kube_creds *c)
{
	kc_secret_free(c->token);
	kube_blob_free(&c->cert);
	kube_blob_free(&c->key);
	memset(c, 0, sizeof *c);
}

/* Copies a blob, so a request's credentials outlive cache refreshes. */
static void
kc_blob_copy(struct kube_blob *dst, const struct kube_blob *src)
{
	dst->data = NULL;
	dst->len = 0;
	if (src->data == NULL)
		return;
	dst->data = xmalloc(src->len + 1);
	memcpy(dst->data, src->data, src->len);
	dst->data[src->len] = '\0';
	dst->len = src->len;
}

/*
 * Decodes base64, as kubeconfig *-data fields need, with the resolver
 * library's b64_pton: libcrypto would cost the queue front, which reads
 * kubeconfigs for their namespace, milliseconds of loading on every run.
 * Whitespace is skipped; anything else outside the alphabet fails.
 */
int
kube_base64_decode(const char *s, size_t len, struct kube_blob *out)
{
	char *src;
	unsigned char *buf;
	int n;

	out->data = NULL;
	out->len = 0;
	if (len > INT_MAX / 2)
		return -1;
	/* b64_pton reads a C string; the input may be a slice. */
	src = xmalloc(len + 1);
	memcpy(src, s, len);
	src[len] = '\0';
	buf = xmalloc(len + 4);
	n = b64_pton(src, buf, len + 3);
	free(src);
	if (n < 0) {
		free(buf);
		return -1;
	}
	buf[n] = '\0';
	out->data = buf;
	out->len = (size_t)n;
	return 0;
}

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

/* Reads a whole small file; NULL with errno set on failure. */
static char *
kc_read_file(const char *path, size_t max, size_t *lenp)
{
	FILE *f;
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	for (;;) {
		if (len + 4096 + 1 > cap) {
			cap = cap == 0 ? 8192 : cap * 2;
			buf = xreallocarray(buf, 1, cap);
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (len > max) {
			fclose(f);
			free(buf);
			errno = EFBIG;
			return NULL;
		}
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		fclose(f);
		free(buf);
		errno = EIO;
		return NULL;
	}
	fclose(f);
	buf[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return buf;
}

/* Reads a file into a blob for CA and client certificate files. */
static int
kc_read_blob(const char *path, struct kube_blob *out)
{
	size_t len;
	char *s;

	if ((s = kc_read_file(path, KC_MAX_FILE, &len)) == NULL)
		return -1;
	out->data = (unsigned char *)s;
	out->len = len;
	return 0;
}

/* The directory part of a path, for resolving relative paths. */
static char *
kc_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');
	char cwd[PATH_MAX];

	if (slash == NULL)
		return xstrdup(getcwd(cwd, sizeof cwd) != NULL ? cwd : ".");
	if (slash == path)
		return xstrdup("/");
	if (*path != '/' && getcwd(cwd, sizeof cwd) != NULL)
		return xprintf("%s/%.*s", cwd, (int)(slash - path), path);
	return xstrndup(path, (size_t)(slash - path));
}

/* A path named in a kubeconfig, made absolute against that file's dir. */
static char *
kc_resolve(const struct kc_parse *p, const char *path)
{
	if (path == NULL || *path == '\0' || *path == '/')
		return path != NULL && *path != '\0' ? xstrdup(path) : NULL;
	return xprintf("%s/%s", p->dir, path);
}

/* One error message about a field, with file and line. */
static int
kc_err(const struct kc_parse *p, const yaml_node_t *n, char **cause,
    const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n != NULL)
		*cause = xprintf("%s:%lu: %s", p->file,
		    (unsigned long)n->start_mark.line + 1, msg);
	else
		*cause = xprintf("%s: %s", p->file, msg);
	free(msg);
	return -1;
}

/* The value of key in a mapping node, or NULL. */
static yaml_node_t *
kc_get(const struct kc_parse *p, yaml_node_t *map, const char *key)
{
	yaml_node_pair_t *pair;
	yaml_node_t *k;

	if (map == NULL || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (pair = map->data.mapping.pairs.start;
	    pair < map->data.mapping.pairs.top; pair++) {
		k = yaml_document_get_node(p->doc, pair->key);
		if (k != NULL && k->type == YAML_SCALAR_NODE &&
		    strcmp((char *)k->data.scalar.value, key) == 0)
			return yaml_document_get_node(p->doc, pair->value);
	}
	return NULL;
}

/* True for a YAML null (~, null, empty plain scalar). */
static bool
kc_is_null(const yaml_node_t *n)
{
	const char *v;

	if (n == NULL)
		return true;
	if (n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	v = (const char *)n->data.scalar.value;
	return *v == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
	    strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0;
}

/* A string field: *out stays NULL when absent or null. */
static int
kc_string(const struct kc_parse *p, yaml_node_t *map, const char *key,
    const char *where, char **out, char **cause)
{
	yaml_node_t *n = kc_get(p, map, key);

	*out = NULL;
	if (kc_is_null(n))
		return 0;
	if (n->type != YAML_SCALAR_NODE)
		return kc_err(p, n, cause, "%s.%s: expected a string", where,
		    key);
	if (n->data.scalar.length != strlen((char *)n->data.scalar.value))
		return kc_err(p, n, cause, "%s.%s: contains a NUL byte", where,
		    key);
	*out = xstrdup((const char *)n->data.scalar.value);
	return 0;
}

/* A boolean field, with YAML 1.1's spellings as sigs.k8s.io/yaml reads. */
static int
kc_bool(const struct kc_parse *p, yaml_node_t *map, const char *key,
    const char *where, bool *out, char **cause)
{
	static const char *yes[] = { "true", "True", "TRUE", "yes", "Yes",
	    "YES", "on", "On", "ON" };
	static const char *no[] = { "false", "False", "FALSE", "no", "No",
	    "NO", "off", "Off", "OFF" };
	yaml_node_t *n = kc_get(p, map, key);
	const char *v;
	size_t i;

	*out = false;
	if (kc_is_null(n))
		return 0;
	if (n->type == YAML_SCALAR_NODE) {
		v = (const char *)n->data.scalar.value;
		for (i = 0; i < nitems(yes); i++) {
			if (strcmp(v, yes[i]) == 0) {
				*out = true;
				return 0;
			}
			if (strcmp(v, no[i]) == 0)
				return 0;
		}
	}
	return kc_err(p, n, cause, "%s.%s: expected true or false", where, key);
}

/* A base64 field decoded into a blob; the error never shows the data. */
static int
kc_data(const struct kc_parse *p, yaml_node_t *map, const char *key,
    const char *where, struct kube_blob *out, char **cause)
{
	char *s;
	int ret;

	if (kc_string(p, map, key, where, &s, cause) != 0)
		return -1;
	if (s == NULL)
		return 0;
	ret = kube_base64_decode(s, strlen(s), out);
	kc_secret_free(s);
	if (ret != 0 || out->len == 0) {
		kube_blob_free(out);
		return kc_err(p, kc_get(p, map, key), cause,
		    "%s.%s: not valid base64", where, key);
	}
	return 0;
}

/* A list of strings (exec args). */
static int
kc_strings(const struct kc_parse *p, yaml_node_t *map, const char *key,
    const char *where, char ***out, size_t *n, char **cause)
{
	yaml_node_t *seq = kc_get(p, map, key), *it;
	yaml_node_item_t *item;

	*out = NULL;
	*n = 0;
	if (kc_is_null(seq))
		return 0;
	if (seq->type != YAML_SEQUENCE_NODE)
		return kc_err(p, seq, cause, "%s.%s: expected a list", where,
		    key);
	for (item = seq->data.sequence.items.start;
	    item < seq->data.sequence.items.top; item++) {
		it = yaml_document_get_node(p->doc, *item);
		if (it == NULL || it->type != YAML_SCALAR_NODE)
			return kc_err(p, it, cause, "%s.%s[%zu]: expected a "
			    "string", where, key, *n);
		*out = xreallocarray(*out, *n + 1, sizeof **out);
		(*out)[(*n)++] = xstrdup((const char *)it->data.scalar.value);
	}
	return 0;
}

/* Frees a NULL-safe string array. */
static void
kc_strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Frees an exec stanza. */
static void
kc_exec_free(struct kube_exec *e)
{
	if (e == NULL)
		return;
	free(e->api_version);
	free(e->command);
	kc_strv_free(e->args, e->nargs);
	kc_strv_free(e->env, e->nenv);
	free(e->install_hint);
	free(e->interactive_mode);
	free(e);
}

/* Frees what a cluster stanza holds, wiping its CA data. */
static void
kc_cluster_release(struct kube_cluster *c)
{
	free(c->name);
	free(c->file);
	free(c->server);
	free(c->ca_file);
	kube_blob_free(&c->ca_data);
	free(c->tls_server_name);
	free(c->proxy_url);
	free(c->exec_config);
}

/* Frees what a user stanza holds, wiping its secrets. */
static void
kc_user_release(struct kube_user *u)
{
	free(u->name);
	free(u->file);
	kc_secret_free(u->token);
	free(u->token_file);
	free(u->cert_file);
	free(u->key_file);
	kube_blob_free(&u->cert_data);
	kube_blob_free(&u->key_data);
	free(u->username);
	kc_secret_free(u->password);
	kc_exec_free(u->exec);
	if (u->oidc != NULL) {
		free(u->oidc->issuer);
		free(u->oidc->client_id);
		kc_secret_free(u->oidc->id_token);
		free(u->oidc);
	}
	free(u->auth_provider);
	free(u->as);
}

/* Frees what a context stanza holds. */
static void
kc_context_release(struct kube_context *c)
{
	free(c->name);
	free(c->file);
	free(c->cluster);
	free(c->user);
	free(c->namespace);
}

/* Frees the merged stanzas, so that the in-cluster account can replace
 * them and kube_config_free release them. */
static void
kc_stanzas_release(struct kube_config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->nclusters; i++)
		kc_cluster_release(&cfg->clusters[i]);
	free(cfg->clusters);
	for (i = 0; i < cfg->nusers; i++)
		kc_user_release(&cfg->users[i]);
	free(cfg->users);
	for (i = 0; i < cfg->ncontexts; i++)
		kc_context_release(&cfg->contexts[i]);
	free(cfg->contexts);
	cfg->clusters = NULL;
	cfg->users = NULL;
	cfg->contexts = NULL;
	cfg->nclusters = cfg->nusers = cfg->ncontexts = 0;
	cfg->cluster = NULL;
	cfg->user = NULL;
}

/* Frees a loaded configuration and wipes its secrets. */
void
kube_config_free(struct kube_config *cfg)
{
	if (cfg == NULL)
		return;
	kc_strv_free(cfg->files, cfg->nfiles);
	kc_stanzas_release(cfg);
	free(cfg->current_context);
	free(cfg->context_name);
	free(cfg->namespace);
	kube_creds_release(&cfg->exec_creds);
	kc_secret_free(cfg->file_token);
	free(cfg);
}

/* The cluster stanza of one entry of 'clusters'. */
static int
kc_parse_cluster(struct kc_parse *p, yaml_node_t *n, struct kube_cluster *c,
    char **cause)
{
	char where[300], *s = NULL;
	yaml_node_t *ext, *e;
	yaml_node_item_t *it;

	snprintf(where, sizeof where, "clusters[name=%s].cluster", c->name);
	if (n == NULL || n->type != YAML_MAPPING_NODE)
		return kc_err(p, n, cause, "%s: expected a mapping", where);
	if (kc_string(p, n, "server", where, &c->server, cause) != 0 ||
	    kc_string(p, n, "certificate-authority", where, &s, cause) != 0)
		return -1;
	c->ca_file = kc_resolve(p, s);
	free(s);
	if (kc_data(p, n, "certificate-authority-data", where, &c->ca_data,
	    cause) != 0 ||
	    kc_bool(p, n, "insecure-skip-tls-verify", where, &c->insecure,
	    cause) != 0 ||
	    kc_string(p, n, "tls-server-name", where, &c->tls_server_name,
	    cause) != 0 ||
	    kc_string(p, n, "proxy-url", where, &c->proxy_url, cause) != 0 ||
	    kc_bool(p, n, "disable-compression", where, &c->disable_compression,
	    cause) != 0)
		return -1;
	ext = kc_get(p, n, "extensions");
	if (ext != NULL && ext->type == YAML_SEQUENCE_NODE) {
		for (it = ext->data.sequence.items.start;
		    it < ext->data.sequence.items.top; it++) {
			e = yaml_document_get_node(p->doc, *it);
			if (kc_string(p, e, "name", where, &s, cause) != 0)
				return -1;
			if (s != NULL && strcmp(s,
			    "client.authentication.k8s.io/exec") == 0)
				c->exec_config = xstrdup("{}");
			free(s);
		}
	}
	return 0;
}

/* The exec stanza of a user. */
static int
kc_parse_exec(struct kc_parse *p, yaml_node_t *n, const char *uname,
    struct kube_exec **out, char **cause)
{
	struct kube_exec *e = xcalloc(1, sizeof *e);
	char where[300], *cmd = NULL, *name, *value;
	yaml_node_t *env, *item;
	yaml_node_item_t *it;
	size_t i;

	snprintf(where, sizeof where, "users[name=%s].user.exec", uname);
	*out = e;
	if (n->type != YAML_MAPPING_NODE)
		return kc_err(p, n, cause, "%s: expected a mapping", where);
	if (kc_string(p, n, "apiVersion", where, &e->api_version, cause) != 0 ||
	    kc_string(p, n, "command", where, &cmd, cause) != 0 ||
	    kc_strings(p, n, "args", where, &e->args, &e->nargs, cause) != 0 ||
	    kc_string(p, n, "installHint", where, &e->install_hint,
	    cause) != 0 ||
	    kc_bool(p, n, "provideClusterInfo", where, &e->provide_cluster_info,
	    cause) != 0 ||
	    kc_string(p, n, "interactiveMode", where, &e->interactive_mode,
	    cause) != 0) {
		free(cmd);
		return -1;
	}
	if (cmd == NULL || *cmd == '\0') {
		free(cmd);
		return kc_err(p, n, cause, "%s.command: required", where);
	}
	/* Only a command with a '/' is a path; otherwise PATH finds it. */
	if (strchr(cmd, '/') != NULL && *cmd != '/') {
		e->command = kc_resolve(p, cmd);
		free(cmd);
	} else
		e->command = cmd;
	if (e->api_version == NULL)
		return kc_err(p, n, cause, "%s.apiVersion: required", where);
	if (strcmp(e->api_version, "client.authentication.k8s.io/v1") != 0 &&
	    strcmp(e->api_version, "client.authentication.k8s.io/v1beta1") != 0)
		return kc_err(p, kc_get(p, n, "apiVersion"), cause,
		    "%s.apiVersion: '%s' is not supported (use "
		    "client.authentication.k8s.io/v1 or v1beta1)", where,
		    e->api_version);
	if (e->interactive_mode == NULL) {
		if (strcmp(e->api_version,
		    "client.authentication.k8s.io/v1") == 0)
			return kc_err(p, n, cause, "%s.interactiveMode: "
			    "required for client.authentication.k8s.io/v1 "
			    "(Never, IfAvailable or Always)", where);
		e->interactive_mode = xstrdup("IfAvailable");
	}
	if (strcmp(e->interactive_mode, "Never") != 0 &&
	    strcmp(e->interactive_mode, "IfAvailable") != 0 &&
	    strcmp(e->interactive_mode, "Always") != 0)
		return kc_err(p, kc_get(p, n, "interactiveMode"), cause,
		    "%s.interactiveMode: '%s' is not Never, IfAvailable or "
		    "Always", where, e->interactive_mode);
	env = kc_get(p, n, "env");
	if (kc_is_null(env))
		return 0;
	if (env->type != YAML_SEQUENCE_NODE)
		return kc_err(p, env, cause, "%s.env: expected a list", where);
	for (it = env->data.sequence.items.start, i = 0;
	    it < env->data.sequence.items.top; it++, i++) {
		item = yaml_document_get_node(p->doc, *it);
		if (item == NULL || item->type != YAML_MAPPING_NODE)
			return kc_err(p, item, cause, "%s.env[%zu]: expected "
			    "{name, value}", where, i);
		if (kc_string(p, item, "name", where, &name, cause) != 0)
			return -1;
		if (kc_string(p, item, "value", where, &value, cause) != 0) {
			free(name);
			return -1;
		}
		if (name == NULL || *name == '\0' || strchr(name, '=') != NULL) {
			free(name);
			free(value);
			return kc_err(p, item, cause, "%s.env[%zu].name: "
			    "missing or invalid", where, i);
		}
		e->env = xreallocarray(e->env, e->nenv + 1, sizeof *e->env);
		e->env[e->nenv++] = xprintf("%s=%s", name,
		    value != NULL ? value : "");
		free(name);
		kc_secret_free(value);
	}
	return 0;
}

/* The auth-provider stanza: oidc is the one provider still supported. */
static int
kc_parse_auth_provider(struct kc_parse *p, yaml_node_t *n,
    struct kube_user *u, char **cause)
{
	char where[300], *name = NULL, *rt = NULL;
	yaml_node_t *conf;
	struct kube_oidc *o;

	snprintf(where, sizeof where, "users[name=%s].user.auth-provider",
	    u->name);
	if (n->type != YAML_MAPPING_NODE)
		return kc_err(p, n, cause, "%s: expected a mapping", where);
	if (kc_string(p, n, "name", where, &name, cause) != 0)
		return -1;
	if (name == NULL)
		return kc_err(p, n, cause, "%s.name: required", where);
	if (strcmp(name, "oidc") != 0) {
		u->auth_provider = name;
		return 0;
	}
	free(name);
	conf = kc_get(p, n, "config");
	snprintf(where, sizeof where, "users[name=%s].user.auth-provider."
	    "config", u->name);
	u->oidc = o = xcalloc(1, sizeof *o);
	if (kc_string(p, conf, "idp-issuer-url", where, &o->issuer,
	    cause) != 0 ||
	    kc_string(p, conf, "client-id", where, &o->client_id, cause) != 0 ||
	    kc_string(p, conf, "id-token", where, &o->id_token, cause) != 0 ||
	    kc_string(p, conf, "refresh-token", where, &rt, cause) != 0)
		return -1;
	o->has_refresh = rt != NULL;
	kc_secret_free(rt);
	return 0;
}

/* The user stanza of one entry of 'users'. */
static int
kc_parse_user(struct kc_parse *p, yaml_node_t *n, struct kube_user *u,
    char **cause)
{
	char where[300], *s = NULL;
	yaml_node_t *x;

	snprintf(where, sizeof where, "users[name=%s].user", u->name);
	if (kc_is_null(n))
		return 0;
	if (n->type != YAML_MAPPING_NODE)
		return kc_err(p, n, cause, "%s: expected a mapping", where);
	if (kc_string(p, n, "token", where, &u->token, cause) != 0 ||
	    kc_string(p, n, "tokenFile", where, &s, cause) != 0)
		return -1;
	u->token_file = kc_resolve(p, s);
	free(s);
	if (kc_string(p, n, "client-certificate", where, &s, cause) != 0)
		return -1;
	u->cert_file = kc_resolve(p, s);
	free(s);
	if (kc_string(p, n, "client-key", where, &s, cause) != 0)
		return -1;
	u->key_file = kc_resolve(p, s);
	free(s);
	if (kc_data(p, n, "client-certificate-data", where, &u->cert_data,
	    cause) != 0 ||
	    kc_data(p, n, "client-key-data", where, &u->key_data, cause) != 0 ||
	    kc_string(p, n, "username", where, &u->username, cause) != 0 ||
	    kc_string(p, n, "password", where, &u->password, cause) != 0 ||
	    kc_string(p, n, "as", where, &u->as, cause) != 0)
		return -1;
	if ((x = kc_get(p, n, "exec")) != NULL && !kc_is_null(x) &&
	    kc_parse_exec(p, x, u->name, &u->exec, cause) != 0)
		return -1;
	if ((x = kc_get(p, n, "auth-provider")) != NULL && !kc_is_null(x) &&
	    kc_parse_auth_provider(p, x, u, cause) != 0)
		return -1;
	return 0;
}

/* The context stanza of one entry of 'contexts'. */
static int
kc_parse_context(struct kc_parse *p, yaml_node_t *n, struct kube_context *c,
    char **cause)
{
	char where[300];

	snprintf(where, sizeof where, "contexts[name=%s].context", c->name);
	if (n == NULL || n->type != YAML_MAPPING_NODE)
		return kc_err(p, n, cause, "%s: expected a mapping", where);
	if (kc_string(p, n, "cluster", where, &c->cluster, cause) != 0 ||
	    kc_string(p, n, "user", where, &c->user, cause) != 0 ||
	    kc_string(p, n, "namespace", where, &c->namespace, cause) != 0)
		return -1;
	return 0;
}

enum kc_list { KC_CLUSTERS, KC_USERS, KC_CONTEXTS };

/* True if an earlier file already defined the name: first one wins. */
static bool
kc_defined(struct kube_config *cfg, enum kc_list which, const char *name)
{
	size_t i;

	switch (which) {
	case KC_CLUSTERS:
		for (i = 0; i < cfg->nclusters; i++)
			if (strcmp(cfg->clusters[i].name, name) == 0)
				return true;
		break;
	case KC_USERS:
		for (i = 0; i < cfg->nusers; i++)
			if (strcmp(cfg->users[i].name, name) == 0)
				return true;
		break;
	case KC_CONTEXTS:
		for (i = 0; i < cfg->ncontexts; i++)
			if (strcmp(cfg->contexts[i].name, name) == 0)
				return true;
		break;
	}
	return false;
}

/* One of the named lists; stanzas whose name is taken are dropped whole. */
static int
kc_parse_list(struct kc_parse *p, yaml_node_t *root, enum kc_list which,
    char **cause)
{
	static const char *keys[] = { "clusters", "users", "contexts" };
	static const char *inner[] = { "cluster", "user", "context" };
	struct kube_config *cfg = p->cfg;
	yaml_node_t *seq, *item, *body;
	yaml_node_item_t *it;
	char *name, where[64];
	size_t i, idx, first_seen = p->nseen;
	int ret;

	seq = kc_get(p, root, keys[which]);
	if (kc_is_null(seq))
		return 0;
	if (seq->type != YAML_SEQUENCE_NODE)
		return kc_err(p, seq, cause, "%s: expected a list", keys[which]);
	for (it = seq->data.sequence.items.start, idx = 0;
	    it < seq->data.sequence.items.top; it++, idx++) {
		item = yaml_document_get_node(p->doc, *it);
		snprintf(where, sizeof where, "%s[%zu]", keys[which], idx);
		if (item == NULL || item->type != YAML_MAPPING_NODE)
			return kc_err(p, item, cause, "%s: expected a mapping",
			    where);
		if (kc_string(p, item, "name", where, &name, cause) != 0)
			return -1;
		if (name == NULL || *name == '\0') {
			free(name);
			return kc_err(p, item, cause, "%s.name: required",
			    where);
		}
		for (i = first_seen; i < p->nseen; i++) {
			if (strcmp(p->seen[i], name) == 0) {
				kc_err(p, item, cause, "%s: duplicate name "
				    "\"%s\" in list", keys[which], name);
				free(name);
				return -1;
			}
		}
		p->seen = xreallocarray(p->seen, p->nseen + 1, sizeof *p->seen);
		p->seen[p->nseen++] = xstrdup(name);
		body = kc_get(p, item, inner[which]);
		if (kc_defined(cfg, which, name)) {
			free(name);
			continue;
		}
		ret = 0;
		switch (which) {
		case KC_CLUSTERS:
			cfg->clusters = xreallocarray(cfg->clusters,
			    cfg->nclusters + 1, sizeof *cfg->clusters);
			memset(&cfg->clusters[cfg->nclusters], 0,
			    sizeof *cfg->clusters);
			cfg->clusters[cfg->nclusters].name = name;
			cfg->clusters[cfg->nclusters].file = xstrdup(p->file);
			ret = kc_parse_cluster(p, body,
			    &cfg->clusters[cfg->nclusters++], cause);
			break;
		case KC_USERS:
			cfg->users = xreallocarray(cfg->users, cfg->nusers + 1,
			    sizeof *cfg->users);
			memset(&cfg->users[cfg->nusers], 0, sizeof *cfg->users);
			cfg->users[cfg->nusers].name = name;
			cfg->users[cfg->nusers].file = xstrdup(p->file);
			ret = kc_parse_user(p, body, &cfg->users[cfg->nusers++],
			    cause);
			break;
		case KC_CONTEXTS:
			cfg->contexts = xreallocarray(cfg->contexts,
			    cfg->ncontexts + 1, sizeof *cfg->contexts);
			memset(&cfg->contexts[cfg->ncontexts], 0,
			    sizeof *cfg->contexts);
			cfg->contexts[cfg->ncontexts].name = name;
			cfg->contexts[cfg->ncontexts].file = xstrdup(p->file);
			ret = kc_parse_context(p, body,
			    &cfg->contexts[cfg->ncontexts++], cause);
			break;
		}
		if (ret != 0)
			return -1;
	}
	return 0;
}

/* Parses one kubeconfig file and merges it into cfg (first wins). */
static int
kc_load_file(struct kube_config *cfg, const char *file, char **cause)
{
	struct kc_parse p = { .file = file, .cfg = cfg };
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	char *text, *cc = NULL;
	size_t len, i;
	int ret = -1;

	if ((text = kc_read_file(file, KC_MAX_FILE, &len)) == NULL) {
		*cause = xprintf("cannot read kubeconfig '%s': %s", file,
		    strerror(errno));
		return -1;
	}
	cfg->files = xreallocarray(cfg->files, cfg->nfiles + 1,
	    sizeof *cfg->files);
	cfg->files[cfg->nfiles++] = xstrdup(file);
	if (!yaml_parser_initialize(&parser))
		fatalx("yaml_parser_initialize failed");
	yaml_parser_set_input_string(&parser, (unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		*cause = xprintf("%s:%lu:%lu: invalid YAML: %s", file,
		    (unsigned long)parser.problem_mark.line + 1,
		    (unsigned long)parser.problem_mark.column + 1,
		    parser.problem != NULL ? parser.problem : "parse error");
		yaml_parser_delete(&parser);
		kc_secret_free(text);
		return -1;
	}
	p.doc = &doc;
	p.dir = kc_dirname(file);
	root = yaml_document_get_root_node(&doc);
	if (root == NULL || kc_is_null(root)) {
		ret = 0;        /* an empty file is an empty config */
		goto out;
	}
	if (root->type != YAML_MAPPING_NODE) {
		kc_err(&p, root, cause, "not a kubeconfig (expected a mapping "
		    "with clusters, users and contexts)");
		goto out;
	}
	if (kc_parse_list(&p, root, KC_CLUSTERS, cause) != 0 ||
	    kc_parse_list(&p, root, KC_USERS, cause) != 0 ||
	    kc_parse_list(&p, root, KC_CONTEXTS, cause) != 0 ||
	    kc_string(&p, root, "current-context", "kubeconfig", &cc,
	    cause) != 0)
		goto out;
	if (cfg->current_context == NULL && cc != NULL && *cc != '\0') {
		cfg->current_context = cc;
		cc = NULL;
	}
	ret = 0;
out:
	free(cc);
	for (i = 0; i < p.nseen; i++)
		free(p.seen[i]);
	free(p.seen);
	free(p.dir);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	kc_secret_free(text);
	return ret;
}

/* True if the named file exists (missing $KUBECONFIG entries are skipped). */
static bool
kc_exists(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0;
}

/* Loads the files in $KUBECONFIG order, dropping duplicates and blanks. */
static int
kc_load_env_list(struct kube_config *cfg, const char *list, bool *any,
    char **cause)
{
	char *copy = xstrdup(list), *s, *tok, **done = NULL;
	size_t ndone = 0, i;
	int ret = -1;
	bool dup;

	*any = false;
	for (s = copy; (tok = strsep(&s, ":")) != NULL;) {
		if (*tok == '\0')
			continue;
		for (dup = false, i = 0; i < ndone; i++)
			if (strcmp(done[i], tok) == 0)
				dup = true;
		if (dup)
			continue;
		done = xreallocarray(done, ndone + 1, sizeof *done);
		done[ndone++] = tok;
		if (!kc_exists(tok))
			continue;
		*any = true;
		if (kc_load_file(cfg, tok, cause) != 0)
			goto out;
	}
	ret = 0;
out:
	free(done);
	free(copy);
	return ret;
}

/* The merged cluster of that name, or NULL. */
static struct kube_cluster *
kc_find_cluster(struct kube_config *cfg, const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < cfg->nclusters; i++)
		if (strcmp(cfg->clusters[i].name, name) == 0)
			return &cfg->clusters[i];
	return NULL;
}

/* The merged user of that name, or NULL. */
static struct kube_user *
kc_find_user(struct kube_config *cfg, const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < cfg->nusers; i++)
		if (strcmp(cfg->users[i].name, name) == 0)
			return &cfg->users[i];
	return NULL;
}

/* The merged context of that name, or NULL. */
static struct kube_context *
kc_find_context(struct kube_config *cfg, const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < cfg->ncontexts; i++)
		if (strcmp(cfg->contexts[i].name, name) == 0)
			return &cfg->contexts[i];
	return NULL;
}

/* Checks that a file named in the kubeconfig can be read. */
static int
kc_check_file(const char *file, const char *stanza, const char *field,
    const char *path, char **cause)
{
	if (access(path, R_OK) != 0) {
		*cause = xprintf("%s: %s.%s: cannot read '%s': %s", file,
		    stanza, field, path, strerror(errno));
		return -1;
	}
	return 0;
}

/* client-go's validation of the selected cluster (validation.go). */
static int
kc_validate_cluster(struct kube_cluster *c, char **cause)
{
	char st[300];
	const char *s = c->server;

	snprintf(st, sizeof st, "clusters[name=%s].cluster", c->name);
	if (s == NULL || *s == '\0') {
		*cause = xprintf("%s: %s.server: required (no server found "
		    "for cluster '%s')", c->file, st, c->name);
		return -1;
	}
	if (strncmp(s, "https://", 8) != 0 && strncmp(s, "http://", 7) != 0) {
		if (strstr(s, "://") != NULL) {
			*cause = xprintf("%s: %s.server: '%s' is not an http "
			    "or https URL", c->file, st, s);
			return -1;
		}
		c->server = xprintf("https://%s", s);
		free((char *)s);
	}
	if (c->ca_file != NULL && c->ca_data.data != NULL) {
		*cause = xprintf("%s: %s: certificate-authority-data and "
		    "certificate-authority are both specified", c->file, st);
		return -1;
	}
	if (c->insecure && (c->ca_file != NULL || c->ca_data.data != NULL)) {
		*cause = xprintf("%s: %s: specifying a root certificates file "
		    "with the insecure flag is not allowed "
		    "(insecure-skip-tls-verify with certificate-authority%s)",
		    c->file, st, c->ca_data.data != NULL ? "-data" : "");
		return -1;
	}
	if (c->ca_file != NULL && kc_check_file(c->file, st,
	    "certificate-authority", c->ca_file, cause) != 0)
		return -1;
	if (c->proxy_url != NULL && !has_prefix(c->proxy_url, "http://") &&
	    !has_prefix(c->proxy_url, "https://") &&
	    !has_prefix(c->proxy_url, "socks5://")) {
		*cause = xprintf("%s: %s.proxy-url: scheme must be http, https "
		    "or socks5", c->file, st);
		return -1;
	}
	return 0;
}

/* client-go's validation of the selected user's auth methods. */
static int
kc_validate_user(struct kube_user *u, char **cause)
{
	char st[300];

	snprintf(st, sizeof st, "users[name=%s].user", u->name);
	if (u->token != NULL && (u->username != NULL || u->password != NULL)) {
		*cause = xprintf("%s: %s: more than one authentication method "
		    "found for '%s'; found [token basicAuth], only one is "
		    "allowed", u->file, st, u->name);
		return -1;
	}
	if (u->exec != NULL && (u->oidc != NULL || u->auth_provider != NULL)) {
		*cause = xprintf("%s: %s: exec and auth-provider are both "
		    "specified for '%s'; only one is allowed", u->file, st,
		    u->name);
		return -1;
	}
	if (u->auth_provider != NULL) {
		*cause = xprintf("%s: %s.auth-provider: '%s' is not supported "
		    "(only oidc and exec plugins are)", u->file, st,
		    u->auth_provider);
		return -1;
	}
	if (u->cert_file != NULL && u->cert_data.data != NULL) {
		*cause = xprintf("%s: %s: client-certificate-data and "
		    "client-certificate are both specified", u->file, st);
		return -1;
	}
	if (u->key_file != NULL && u->key_data.data != NULL) {
		*cause = xprintf("%s: %s: client-key-data and client-key are "
		    "both specified", u->file, st);
		return -1;
	}
	if ((u->cert_file != NULL || u->cert_data.data != NULL) !=
	    (u->key_file != NULL || u->key_data.data != NULL)) {
		*cause = xprintf("%s: %s: %s given without %s", u->file, st,
		    u->key_file != NULL || u->key_data.data != NULL ?
		    "client-key" : "client-certificate",
		    u->key_file != NULL || u->key_data.data != NULL ?
		    "client-certificate" : "client-key");
		return -1;
	}
	if (u->cert_file != NULL && kc_check_file(u->file, st,
	    "client-certificate", u->cert_file, cause) != 0)
		return -1;
	if (u->key_file != NULL && kc_check_file(u->file, st, "client-key",
	    u->key_file, cause) != 0)
		return -1;
	if (u->token == NULL && u->token_file != NULL &&
	    kc_check_file(u->file, st, "tokenFile", u->token_file, cause) != 0)
		return -1;
	if (u->oidc != NULL && u->oidc->id_token == NULL && !u->oidc->has_refresh) {
		*cause = xprintf("%s: %s.auth-provider.config.id-token: "
		    "required (no refresh-token either)", u->file, st);
		return -1;
	}
	return 0;
}

/* The in-cluster service account, when the environment allows it. */
static int
kc_in_cluster(struct kube_config *cfg, const char *root, bool *possible,
    char **cause)
{
	const char *host = getenv("KUBERNETES_SERVICE_HOST");
	const char *port = getenv("KUBERNETES_SERVICE_PORT");
	const char *pns = getenv("POD_NAMESPACE");
	struct kube_cluster *c;
	struct kube_user *u;
	struct stat sb;
	char *tok, *ns, *nsfile, *end;
	size_t len;

	if (root == NULL)
		root = "";
	*possible = false;
	tok = xprintf("%s%s/token", root, KC_SA_DIR);
	if (host == NULL || *host == '\0' || port == NULL || *port == '\0' ||
	    stat(tok, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		free(tok);
		return 0;
	}
	*possible = true;
	cfg->in_cluster = true;
	/* The account is used alone: stanzas of a kubeconfig without a
	 * current-context would otherwise be lost, not freed. */
	kc_stanzas_release(cfg);
	c = cfg->cluster = xcalloc(1, sizeof *c);
	cfg->clusters = c;
	cfg->nclusters = 1;
	c->name = xstrdup("in-cluster");
	c->file = xstrdup(tok);
	c->server = strchr(host, ':') != NULL ?
	    xprintf("https://[%s]:%s", host, port) :
	    xprintf("https://%s:%s", host, port);
	c->ca_file = xprintf("%s%s/ca.crt", root, KC_SA_DIR);
	if (access(c->ca_file, R_OK) != 0) {
		*cause = xprintf("in-cluster configuration: cannot read '%s': "
		    "%s", c->ca_file, strerror(errno));
		free(tok);
		return -1;
	}
	u = cfg->user = xcalloc(1, sizeof *u);
	cfg->users = u;
	cfg->nusers = 1;
	u->name = xstrdup("service-account");
	u->file = xstrdup(tok);
	u->token_file = tok;
	cfg->context_name = xstrdup("in-cluster");
	if (pns != NULL && *pns != '\0')
		cfg->namespace = xstrdup(pns);
	else {
		nsfile = xprintf("%s%s/namespace", root, KC_SA_DIR);
		ns = kc_read_file(nsfile, 4096, &len);
		free(nsfile);
		if (ns != NULL) {
			for (end = ns + len; end > ns && (end[-1] == '\n' ||
			    end[-1] == ' ' || end[-1] == '\r' || end[-1] == '\t');)
				*--end = '\0';
			if (*ns != '\0')
				cfg->namespace = ns;
			else
				free(ns);
		}
	}
	return 0;
}

/* Chooses files, merges them, selects the context and validates it. */
int
kube_config_load(const struct kube_config_opts *opts,
    struct kube_config **out, char **cause)
{
	struct kube_config *cfg = xcalloc(1, sizeof *cfg);
	struct kube_context *ctx;
	const char *env, *home, *name;
	char *path;
	bool any = true, possible;

	*out = NULL;
	*cause = NULL;
	if (opts->kubeconfig != NULL && *opts->kubeconfig != '\0') {
		if (kc_load_file(cfg, opts->kubeconfig, cause) != 0)
			goto fail;
	} else if ((env = getenv("KUBECONFIG")) != NULL && *env != '\0') {
		if (kc_load_env_list(cfg, env, &any, cause) != 0)
			goto fail;
	} else if ((home = getenv("HOME")) != NULL && *home != '\0') {
		path = xprintf("%s/.kube/config", home);
		any = kc_exists(path);
		if (any && kc_load_file(cfg, path, cause) != 0) {
			free(path);
			goto fail;
		}
		free(path);
	} else
		any = false;

	name = opts->context != NULL && *opts->context != '\0' ?
	    opts->context : cfg->current_context;
	if (name == NULL && opts->context == NULL) {
		/* Nothing selected: the in-cluster account, if there is one. */
		if (kc_in_cluster(cfg, opts->incluster_root, &possible,
		    cause) != 0)
			goto fail;
		if (!possible) {
			if (!any)
				*cause = xprintf(KC_ABSENT " found (tried %s) "
				    "and not running in a cluster; use "
				    "--kubeconfig FILE",
				    opts->kubeconfig != NULL ? "--kubeconfig" :
				    getenv("KUBECONFIG") != NULL &&
				    *getenv("KUBECONFIG") != '\0' ?
				    "$KUBECONFIG" : "~/.kube/config");
			else
				*cause = xprintf("%s: no current-context is "
				    "set; use --context NAME",
				    cfg->nfiles > 0 ? cfg->files[0] :
				    "kubeconfig");
			goto fail;
		}
		if (opts->namespace != NULL && *opts->namespace != '\0') {
			free(cfg->namespace);
			cfg->namespace = xstrdup(opts->namespace);
		}
		if (cfg->namespace == NULL)
			cfg->namespace = xstrdup("default");
		*out = cfg;
		return 0;
	}
	if ((ctx = kc_find_context(cfg, name)) == NULL) {
		*cause = xprintf("%s: context '%s' not found%s",
		    cfg->nfiles > 0 ? cfg->files[0] : "kubeconfig", name,
		    opts->context != NULL ? " (--context)" :
		    " (current-context)");
		goto fail;
	}
	cfg->context_name = xstrdup(name);
	if ((cfg->cluster = kc_find_cluster(cfg, ctx->cluster)) == NULL) {
		*cause = xprintf("%s: contexts[name=%s].context.cluster: "
		    "cluster '%s' not found", ctx->file, ctx->name,
		    ctx->cluster != NULL ? ctx->cluster : "");
		goto fail;
	}
	if (ctx->user != NULL && *ctx->user != '\0' &&
	    (cfg->user = kc_find_user(cfg, ctx->user)) == NULL) {
		*cause = xprintf("%s: contexts[name=%s].context.user: user "
		    "'%s' not found", ctx->file, ctx->name, ctx->user);
		goto fail;
	}
	if (kc_validate_cluster(cfg->cluster, cause) != 0)
		goto fail;
	if (cfg->user != NULL && kc_validate_user(cfg->user, cause) != 0)
		goto fail;
	if (opts->namespace != NULL && *opts->namespace != '\0')
		cfg->namespace = xstrdup(opts->namespace);
	else if (ctx->namespace != NULL && *ctx->namespace != '\0')
		cfg->namespace = xstrdup(ctx->namespace);
	else
		cfg->namespace = xstrdup("default");
	*out = cfg;
	return 0;
fail:
	kube_config_free(cfg);
	return -1;
}

/* Lets the CLI tell "no kubeconfig at all" from a broken one. */
bool
kube_config_is_absent_error(const char *cause)
{
	return cause != NULL && has_prefix(cause, KC_ABSENT);
}

/* The namespace in use, never NULL. */
const char *
kube_config_namespace(const struct kube_config *cfg)
{
	return cfg->namespace;
}

/* The server URL, with any path prefix. */
const char *
kube_config_server(const struct kube_config *cfg)
{
	return cfg->cluster->server;
}

/* The selected context ("in-cluster" in a pod). */
const char *
kube_config_context(const struct kube_config *cfg)
{
	return cfg->context_name != NULL ? cfg->context_name : "";
}

/* The selected user's name, for messages. */
const char *
kube_config_user(const struct kube_config *cfg)
{
	return cfg->user != NULL ? cfg->user->name : "";
}

/* The authentication kind, never the credential itself. */
const char *
kube_config_auth_kind(const struct kube_config *cfg)
{
	const struct kube_user *u = cfg->user;

	if (u == NULL)
		return "none";
	if (u->exec != NULL)
		return "exec";
	if (u->oidc != NULL)
		return "oidc";
	if (u->token != NULL)
		return "token";
	if (u->token_file != NULL)
		return "tokenFile";
	if (u->username != NULL)
		return "basic";
	if (u->cert_file != NULL || u->cert_data.data != NULL)
		return "client-certificate";
	return "none";
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
	cfg->exec_runs++;
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
	if (u->cert_data.data != NULL)
		kc_blob_copy(&out->cert, &u->cert_data);
	else if (u->cert_file != NULL && kc_read_blob(u->cert_file,
	    &out->cert) != 0) {
		*cause = xprintf("%s: users[name=%s].user.client-certificate: "
		    "cannot read '%s': %s", u->file, u->name, u->cert_file,
		    strerror(errno));
		goto fail;
	}
	if (u->key_data.data != NULL)
		kc_blob_copy(&out->key, &u->key_data);
	else if (u->key_file != NULL && kc_read_blob(u->key_file,
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
			kc_blob_copy(&out->cert, &cfg->exec_creds.cert);
			kc_blob_copy(&out->key, &cfg->exec_creds.key);
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
			time_t t = (time_t)exp;
			struct tm tm;
			char when[32];

			gmtime_r(&t, &tm);
			strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
			*cause = xprintf("%s: users[name=%s]: the oidc id-token "
			    "expired at %s; log in again to get a new one "
			    "(refreshing is not supported)", u->file, u->name,
			    when);
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
			if ((tok = kc_read_file(u->token_file, 1 << 20,
			    &len)) == NULL) {
				*cause = xprintf("%s: users[name=%s].user."
				    "tokenFile: cannot read '%s': %s", u->file,
				    u->name, u->token_file, strerror(errno));
				goto fail;
			}
			for (end = tok + len; end > tok && (end[-1] == '\n' ||
			    end[-1] == '\r' || end[-1] == ' ');)
				*--end = '\0';
			kc_secret_free(cfg->file_token);
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
	kc_secret_free(cfg->file_token);
	cfg->file_token = NULL;
}

/* See kube.h: the token part of the request credentials, nothing else. */
int
kube_config_bearer(struct kube_config *cfg, bool force, char **token,
    char **cause)
{
	struct kube_creds c;

	*token = NULL;
	if (kube_config_credentials(cfg, force, &c, cause) != 0)
		return -1;
	if (c.token != NULL && *c.token != '\0')
		*token = xstrdup(c.token);
	kube_creds_release(&c);
	return 0;
}

/* See kube.h: a token handed out by kube_config_bearer, wiped. */
void
kube_token_free(char *token)
{
	kc_secret_free(token);
}
