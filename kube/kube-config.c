/*
 * kube-config.c: which kubeconfig files are read and in what order, the
 * context selected and its cluster and user validated, as client-go's
 * clientcmd does it (../shared/reference/kubernetes.md, 1).  A file's YAML
 * is kube-config-read.c's, the credentials a user yields
 * kube-config-exec.c's, the secret bytes kube-config-secret.c's and their
 * base64 kube-config-tls.c's, which the queue front does not link.
 */
#include "kube-int.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KC_SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"
#define KC_ABSENT "no kubeconfig"

/* See kube-int.h. */
void
kube_strv_free(char **v, size_t n)
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
	kube_strv_free(e->args, e->nargs);
	kube_strv_free(e->env, e->nenv);
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
	kube_secret_free(u->token);
	free(u->token_file);
	free(u->cert_file);
	free(u->key_file);
	kube_blob_free(&u->cert_data);
	kube_blob_free(&u->key_data);
	free(u->username);
	kube_secret_free(u->password);
	kc_exec_free(u->exec);
	if (u->oidc != NULL) {
		free(u->oidc->issuer);
		free(u->oidc->client_id);
		kube_secret_free(u->oidc->id_token);
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
	kube_strv_free(cfg->files, cfg->nfiles);
	kc_stanzas_release(cfg);
	free(cfg->current_context);
	free(cfg->context_name);
	free(cfg->namespace);
	kube_creds_release(&cfg->exec_creds);
	kube_secret_free(cfg->file_token);
	free(cfg);
}

/* True if the named file exists (missing $KUBECONFIG entries are skipped). */
static bool
kc_exists(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0;
}

/* Reads one file into cfg and decodes what it added, if asked to. */
static int
kc_read(struct kube_config *cfg, const char *file,
    int (*decode)(struct kube_config *, char **), char **cause)
{
	if (kube_config_read(cfg, file, cause) != 0)
		return -1;
	return decode != NULL ? decode(cfg, cause) : 0;
}

/* Loads the files in $KUBECONFIG order, dropping duplicates and blanks. */
static int
kc_load_env_list(struct kube_config *cfg, const char *list,
    int (*decode)(struct kube_config *, char **), bool *any, char **cause)
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
		if (kc_read(cfg, tok, decode, cause) != 0)
			goto out;
	}
	ret = 0;
out:
	free(done);
	free(copy);
	return ret;
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
		ns = kube_read_file(nsfile, 4096, &len);
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
kube_config_load_with(const struct kube_config_opts *opts,
    int (*decode)(struct kube_config *, char **), struct kube_config **out,
    char **cause)
{
	struct kube_config *cfg = xcalloc(1, sizeof *cfg);
	struct kube_context *ctx;
	const char *env, *home, *name;
	char *path;
	bool any = true, possible;

	*out = NULL;
	*cause = NULL;
	if (opts->kubeconfig != NULL && *opts->kubeconfig != '\0') {
		if (kc_read(cfg, opts->kubeconfig, decode, cause) != 0)
			goto fail;
	} else if ((env = getenv("KUBECONFIG")) != NULL && *env != '\0') {
		if (kc_load_env_list(cfg, env, decode, &any, cause) != 0)
			goto fail;
	} else if ((home = getenv("HOME")) != NULL && *home != '\0') {
		path = xprintf("%s/.kube/config", home);
		any = kc_exists(path);
		if (any && kc_read(cfg, path, decode, cause) != 0) {
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
	if ((ctx = kube_config_find_context(cfg, name)) == NULL) {
		*cause = xprintf("%s: context '%s' not found%s",
		    cfg->nfiles > 0 ? cfg->files[0] : "kubeconfig", name,
		    opts->context != NULL ? " (--context)" :
		    " (current-context)");
		goto fail;
	}
	cfg->context_name = xstrdup(name);
	if ((cfg->cluster = kube_config_find_cluster(cfg,
	    ctx->cluster)) == NULL) {
		*cause = xprintf("%s: contexts[name=%s].context.cluster: "
		    "cluster '%s' not found", ctx->file, ctx->name,
		    ctx->cluster != NULL ? ctx->cluster : "");
		goto fail;
	}
	if (ctx->user != NULL && *ctx->user != '\0' &&
	    (cfg->user = kube_config_find_user(cfg, ctx->user)) == NULL) {
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

/* The kubeconfig for its context and namespace: the queue front's, which
 * must not link the base64 and TLS code (see kube.h). */
int
kube_config_load_context(const struct kube_config_opts *opts,
    struct kube_config **out, char **cause)
{
	return kube_config_load_with(opts, NULL, out, cause);
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
