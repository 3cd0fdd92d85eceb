/*
 * kube-config-read.c: one kubeconfig file read (the common YAML reader)
 * into the stanzas it defines, merged as client-go merges $KUBECONFIG: the
 * first file to name a cluster, user or context wins it whole.  Errors
 * name file:line:col and the field's path.
 */
#include "kube-int.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common-yaml.h"

/* What one file's parse needs to report errors well. */
struct kc_parse {
	const char *file;
	char *dir;
	struct kube_config *cfg;
	/* Names defined by this file, for the duplicate check. */
	char **seen;
	size_t nseen;
};

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

/* One error message about a field, at file:line:col. */
static int
kc_err(const struct kc_parse *p, const struct ytree_node *n, char **cause,
    const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	*cause = ytree_errorf(p->file, n, "%s", msg);
	free(msg);
	return -1;
}

/* A string field: *out stays NULL when absent or null. */
static int
kc_string(const struct kc_parse *p, struct ytree_node *map, const char *key,
    const char *where, char **out, char **cause)
{
	struct ytree_node *n = ytree_get(map, key);

	*out = NULL;
	if (ytree_is_null(n))
		return 0;
	if (n->type != YTREE_SCALAR)
		return kc_err(p, n, cause, "%s.%s: expected a string", where,
		    key);
	*out = xstrdup(n->s);
	return 0;
}

/* A path field, made absolute against the file's directory. */
static int
kc_path(const struct kc_parse *p, struct ytree_node *map, const char *key,
    const char *where, char **out, char **cause)
{
	char *s;

	if (kc_string(p, map, key, where, &s, cause) != 0)
		return -1;
	*out = kc_resolve(p, s);
	free(s);
	return 0;
}

/* A boolean field, with YAML 1.1's spellings as sigs.k8s.io/yaml reads. */
static int
kc_bool(const struct kc_parse *p, struct ytree_node *map, const char *key,
    const char *where, bool *out, char **cause)
{
	static const char *yes[] = { "true", "True", "TRUE", "yes", "Yes",
	    "YES", "on", "On", "ON" };
	static const char *no[] = { "false", "False", "FALSE", "no", "No",
	    "NO", "off", "Off", "OFF" };
	struct ytree_node *n = ytree_get(map, key);
	const char *v;
	size_t i;

	*out = false;
	if (ytree_is_null(n))
		return 0;
	if (n->type == YTREE_SCALAR) {
		v = n->s;
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

/*
 * A base64 field, kept as its text and where it was written: decoding it
 * is kube_config_decode's, which the queue front, reading a kubeconfig
 * for its namespace, neither needs nor links.
 */
static int
kc_data(const struct kc_parse *p, struct ytree_node *map, const char *key,
    const char *where, struct kube_blob *out, char **cause)
{
	struct ytree_node *n;
	char *s;

	if (kc_string(p, map, key, where, &s, cause) != 0)
		return -1;
	if (s == NULL)
		return 0;
	n = ytree_get(map, key);
	out->data = (unsigned char *)s;
	out->len = strlen(s);
	out->encoded = true;
	out->line = n->line;
	out->col = n->col;
	return 0;
}

/* A list of strings (exec args). */
static int
kc_strings(const struct kc_parse *p, struct ytree_node *map, const char *key,
    const char *where, char ***out, size_t *n, char **cause)
{
	struct ytree_node *seq = ytree_get(map, key), *it;
	size_t i;

	*out = NULL;
	*n = 0;
	if (ytree_is_null(seq))
		return 0;
	if (seq->type != YTREE_SEQ)
		return kc_err(p, seq, cause, "%s.%s: expected a list", where,
		    key);
	for (i = 0; i < seq->n; i++) {
		it = seq->kids[i];
		if (it->type != YTREE_SCALAR)
			return kc_err(p, it, cause, "%s.%s[%zu]: expected a "
			    "string", where, key, *n);
		*out = xreallocarray(*out, *n + 1, sizeof **out);
		(*out)[(*n)++] = xstrdup(it->s);
	}
	return 0;
}

/* The cluster stanza of one entry of 'clusters'. */
static int
kc_parse_cluster(struct kc_parse *p, struct ytree_node *n,
    struct kube_cluster *c, char **cause)
{
	char where[300], *s = NULL;
	struct ytree_node *ext, *e;
	size_t i;

	snprintf(where, sizeof where, "clusters[name=%s].cluster", c->name);
	if (n == NULL || n->type != YTREE_MAP)
		return kc_err(p, n, cause, "%s: expected a mapping", where);
	if (kc_string(p, n, "server", where, &c->server, cause) != 0 ||
	    kc_path(p, n, "certificate-authority", where, &c->ca_file,
	    cause) != 0 ||
	    kc_data(p, n, "certificate-authority-data", where, &c->ca_data,
	    cause) != 0 ||
	    kc_bool(p, n, "insecure-skip-tls-verify", where, &c->insecure,
	    cause) != 0 ||
	    kc_string(p, n, "tls-server-name", where, &c->tls_server_name,
	    cause) != 0 ||
	    kc_string(p, n, "proxy-url", where, &c->proxy_url, cause) != 0 ||
	    kc_bool(p, n, "disable-compression", where, &c->disable_compression,
	    cause) != 0)
		return -1;
	ext = ytree_get(n, "extensions");
	if (ext != NULL && ext->type == YTREE_SEQ) {
		for (i = 0; i < ext->n; i++) {
			e = ext->kids[i];
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
kc_parse_exec(struct kc_parse *p, struct ytree_node *n, const char *uname,
    struct kube_exec **out, char **cause)
{
	struct kube_exec *e = xcalloc(1, sizeof *e);
	char where[300], *cmd = NULL, *name, *value;
	struct ytree_node *env, *item;
	size_t i;

	snprintf(where, sizeof where, "users[name=%s].user.exec", uname);
	*out = e;
	if (n->type != YTREE_MAP)
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
		return kc_err(p, ytree_get(n, "apiVersion"), cause,
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
		return kc_err(p, ytree_get(n, "interactiveMode"), cause,
		    "%s.interactiveMode: '%s' is not Never, IfAvailable or "
		    "Always", where, e->interactive_mode);
	env = ytree_get(n, "env");
	if (ytree_is_null(env))
		return 0;
	if (env->type != YTREE_SEQ)
		return kc_err(p, env, cause, "%s.env: expected a list", where);
	for (i = 0; i < env->n; i++) {
		item = env->kids[i];
		if (item->type != YTREE_MAP)
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
		kube_secret_free(value);
	}
	return 0;
}

/* The auth-provider stanza: oidc is the one provider still supported. */
static int
kc_parse_auth_provider(struct kc_parse *p, struct ytree_node *n,
    struct kube_user *u, char **cause)
{
	char where[300], *name = NULL, *rt = NULL;
	struct ytree_node *conf;
	struct kube_oidc *o;

	snprintf(where, sizeof where, "users[name=%s].user.auth-provider",
	    u->name);
	if (n->type != YTREE_MAP)
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
	conf = ytree_get(n, "config");
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
	kube_secret_free(rt);
	return 0;
}

/* The user stanza of one entry of 'users'. */
static int
kc_parse_user(struct kc_parse *p, struct ytree_node *n, struct kube_user *u,
    char **cause)
{
	char where[300];
	struct ytree_node *x;

	snprintf(where, sizeof where, "users[name=%s].user", u->name);
	if (ytree_is_null(n))
		return 0;
	if (n->type != YTREE_MAP)
		return kc_err(p, n, cause, "%s: expected a mapping", where);
	if (kc_string(p, n, "token", where, &u->token, cause) != 0 ||
	    kc_path(p, n, "tokenFile", where, &u->token_file, cause) != 0 ||
	    kc_path(p, n, "client-certificate", where, &u->cert_file,
	    cause) != 0 ||
	    kc_path(p, n, "client-key", where, &u->key_file, cause) != 0 ||
	    kc_data(p, n, "client-certificate-data", where, &u->cert_data,
	    cause) != 0 ||
	    kc_data(p, n, "client-key-data", where, &u->key_data, cause) != 0 ||
	    kc_string(p, n, "username", where, &u->username, cause) != 0 ||
	    kc_string(p, n, "password", where, &u->password, cause) != 0 ||
	    kc_string(p, n, "as", where, &u->as, cause) != 0)
		return -1;
	if ((x = ytree_get(n, "exec")) != NULL && !ytree_is_null(x) &&
	    kc_parse_exec(p, x, u->name, &u->exec, cause) != 0)
		return -1;
	if ((x = ytree_get(n, "auth-provider")) != NULL && !ytree_is_null(x) &&
	    kc_parse_auth_provider(p, x, u, cause) != 0)
		return -1;
	return 0;
}

/* The context stanza of one entry of 'contexts'. */
static int
kc_parse_context(struct kc_parse *p, struct ytree_node *n,
    struct kube_context *c, char **cause)
{
	char where[300];

	snprintf(where, sizeof where, "contexts[name=%s].context", c->name);
	if (n == NULL || n->type != YTREE_MAP)
		return kc_err(p, n, cause, "%s: expected a mapping", where);
	if (kc_string(p, n, "cluster", where, &c->cluster, cause) != 0 ||
	    kc_string(p, n, "user", where, &c->user, cause) != 0 ||
	    kc_string(p, n, "namespace", where, &c->namespace, cause) != 0)
		return -1;
	return 0;
}

enum kc_list { KC_CLUSTERS, KC_USERS, KC_CONTEXTS };

/* See kube-int.h: the merged cluster of that name, or NULL. */
struct kube_cluster *
kube_config_find_cluster(struct kube_config *cfg, const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < cfg->nclusters; i++)
		if (strcmp(cfg->clusters[i].name, name) == 0)
			return &cfg->clusters[i];
	return NULL;
}

/* See kube-int.h: the merged user of that name, or NULL. */
struct kube_user *
kube_config_find_user(struct kube_config *cfg, const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < cfg->nusers; i++)
		if (strcmp(cfg->users[i].name, name) == 0)
			return &cfg->users[i];
	return NULL;
}

/* See kube-int.h: the merged context of that name, or NULL. */
struct kube_context *
kube_config_find_context(struct kube_config *cfg, const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < cfg->ncontexts; i++)
		if (strcmp(cfg->contexts[i].name, name) == 0)
			return &cfg->contexts[i];
	return NULL;
}

/* True if an earlier file already defined the name: first one wins. */
static bool
kc_defined(struct kube_config *cfg, enum kc_list which, const char *name)
{
	switch (which) {
	case KC_CLUSTERS:
		return kube_config_find_cluster(cfg, name) != NULL;
	case KC_USERS:
		return kube_config_find_user(cfg, name) != NULL;
	case KC_CONTEXTS:
		return kube_config_find_context(cfg, name) != NULL;
	}
	return false;
}

/* One of the named lists; stanzas whose name is taken are dropped whole. */
static int
kc_parse_list(struct kc_parse *p, struct ytree_node *root, enum kc_list which,
    char **cause)
{
	static const char *keys[] = { "clusters", "users", "contexts" };
	static const char *inner[] = { "cluster", "user", "context" };
	struct kube_config *cfg = p->cfg;
	struct ytree_node *seq, *item, *body;
	char *name, where[64];
	size_t i, idx, first_seen = p->nseen;
	int ret;

	seq = ytree_get(root, keys[which]);
	if (ytree_is_null(seq))
		return 0;
	if (seq->type != YTREE_SEQ)
		return kc_err(p, seq, cause, "%s: expected a list", keys[which]);
	for (idx = 0; idx < seq->n; idx++) {
		item = seq->kids[idx];
		snprintf(where, sizeof where, "%s[%zu]", keys[which], idx);
		if (item->type != YTREE_MAP)
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
		body = ytree_get(item, inner[which]);
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
int
kube_config_read(struct kube_config *cfg, const char *file, char **cause)
{
	static const struct ytree_limits lim = {
		.max_string = KUBE_MAX_FILE,
		.what = "a kubeconfig",
	};
	struct kc_parse p = { .file = file, .cfg = cfg };
	struct ytree_node *root = NULL;
	char *text, *cc = NULL;
	size_t len, i;
	int ret = -1;

	if ((text = kube_read_file(file, KUBE_MAX_FILE, &len)) == NULL) {
		*cause = xprintf("cannot read kubeconfig '%s': %s", file,
		    strerror(errno));
		return -1;
	}
	cfg->files = xreallocarray(cfg->files, cfg->nfiles + 1,
	    sizeof *cfg->files);
	cfg->files[cfg->nfiles++] = xstrdup(file);
	ret = ytree_parse_file_text(file, text, len, &lim, &root, cause);
	kube_secret_free(text);
	if (ret != 0)
		return -1;
	ret = -1;
	p.dir = kc_dirname(file);
	if (ytree_is_null(root)) {
		ret = 0;        /* an empty file is an empty config */
		goto out;
	}
	if (root->type != YTREE_MAP) {
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
	ytree_free_wipe(root);
	return ret;
}
