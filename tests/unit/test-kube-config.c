/* Unit tests for kube/kube-config.c over tests/fixtures/kubeconfig. */
#include "unit.h"
#include "kube-int.h"

static char fixdir[2048];
static char tmpdir[4096];
/* The test plugin's log of its runs ($PLUGIN_COUNTER), in tmpdir. */
static char counter[4096 + 16];

/* The absolute path of a fixture. */
static const char *
fx(const char *name)
{
	static char buf[8][4096 + 64];
	static int i;

	i = (i + 1) % 8;
	snprintf(buf[i], sizeof buf[i], "%s/%.*s", fixdir, 60, name);
	return buf[i];
}

/* Loads with --kubeconfig F; the config or NULL with the cause. */
static struct kube_config *
load(const char *file, const char *context, const char *ns, char **cause)
{
	struct kube_config_opts o = { .kubeconfig = file, .context = context,
	    .namespace = ns, .incluster_root = "/nonexistent" };
	struct kube_config *cfg = NULL;

	*cause = NULL;
	if (kube_config_load(&o, &cfg, cause) != 0)
		return NULL;
	return cfg;
}

/* Loads a fixture that must be good. */
static struct kube_config *
load_ok(const char *name)
{
	struct kube_config *cfg;
	char *cause;

	if ((cfg = load(fx(name), NULL, NULL, &cause)) == NULL)
		fail_msg("%s: %s", name, cause);
	return cfg;
}

/* Loads a fixture that must fail with a message containing each needle. */
static void
load_bad(const char *name, const char *needle1, const char *needle2)
{
	struct kube_config *cfg;
	char *cause;

	if ((cfg = load(fx(name), NULL, NULL, &cause)) != NULL)
		fail_msg("%s loaded but should fail", name);
	assert_non_null(cause);
	if (strstr(cause, name) == NULL)
		fail_msg("%s: error does not name the file: %s", name, cause);
	if (needle1 != NULL && strstr(cause, needle1) == NULL)
		fail_msg("%s: no '%s' in: %s", name, needle1, cause);
	if (needle2 != NULL && strstr(cause, needle2) == NULL)
		fail_msg("%s: no '%s' in: %s", name, needle2, cause);
	free(cause);
}

/* The credentials a config yields; must succeed. */
static void
creds_ok(struct kube_config *cfg, struct kube_creds *c)
{
	char *cause = NULL;

	if (kube_config_credentials(cfg, false, c, &cause) != 0)
		fail_msg("credentials: %s", cause);
}

/* A fixture that loads but whose credentials fail, with needle in the
 * cause. */
static void
creds_bad(const char *name, const char *needle)
{
	struct kube_config *cfg = load_ok(name);
	struct kube_creds c;
	char *cause = NULL;

	assert_int_equal(kube_config_credentials(cfg, false, &c, &cause), -1);
	assert_cause(cause, needle);
	kube_config_free(cfg);
}

/* The token a config's credentials carry is want. */
static void
creds_token(struct kube_config *cfg, const char *want)
{
	struct kube_creds c;

	creds_ok(cfg, &c);
	assert_string_equal(c.token, want);
	kube_creds_release(&c);
}

static void
test_token(void **state)
{
	struct kube_config *cfg = load_ok("token.yaml");

	(void)state;
	assert_string_equal(kube_config_server(cfg), "https://127.0.0.1:6443/");
	assert_string_equal(kube_config_namespace(cfg), "alice-ns");
	assert_string_equal(kube_config_context(cfg), "alice@ailab");
	assert_string_equal(kube_config_user(cfg), "alice");
	assert_string_equal(kube_config_auth_kind(cfg), "token");
	creds_token(cfg, "secret-token-alice");
	kube_config_free(cfg);
}

static void
test_namespace_flag_and_default(void **state)
{
	struct kube_config *cfg;
	char *cause;

	(void)state;
	cfg = load(fx("token.yaml"), NULL, "other", &cause);
	assert_non_null(cfg);
	assert_string_equal(kube_config_namespace(cfg), "other");
	kube_config_free(cfg);
	cfg = load_ok("server-prefix.yaml");
	assert_string_equal(kube_config_namespace(cfg), "default");
	assert_string_equal(kube_config_server(cfg),
	    "https://127.0.0.1:6443/k8s/clusters/c-1");
	kube_config_free(cfg);
}

static void
test_context_flag(void **state)
{
	struct kube_config *cfg;
	char *cause;

	(void)state;
	cfg = load(fx("merge-b.yaml"), "ctx-b", NULL, &cause);
	assert_non_null(cfg);
	assert_string_equal(kube_config_namespace(cfg), "ns-b2");
	kube_config_free(cfg);
	assert_null(load(fx("merge-b.yaml"), "nope", NULL, &cause));
	assert_non_null(strstr(cause, "context 'nope' not found"));
	assert_cause(cause, "--context");
	load_bad("missing-context.yaml", "context 'nope' not found",
	    "current-context");
	load_bad("missing-cluster.yaml", "cluster 'other' not found",
	    "contexts[name=c]");
}

/* $KUBECONFIG: first file to define a name wins the whole stanza. */
static void
test_merge_order(void **state)
{
	struct kube_config_opts o = { .incluster_root = "/nonexistent" };
	struct kube_config *cfg;
	char *cause = NULL, *env;

	(void)state;
	env = xprintf("%s:%s:%s:%s", fx("merge-a.yaml"), fx("missing.yaml"),
	    fx("merge-b.yaml"), fx("merge-a.yaml"));
	setenv("KUBECONFIG", env, 1);
	if (kube_config_load(&o, &cfg, &cause) != 0)
		fail_msg("%s", cause);
	/* current-context comes from b (a has none)... */
	assert_string_equal(kube_config_context(cfg), "ctx-a");
	/* ...but the context ctx-a, cluster and user are a's, whole. */
	assert_string_equal(kube_config_namespace(cfg), "ns-a");
	assert_string_equal(kube_config_server(cfg), "https://a.example:6443");
	assert_null(cfg->cluster->tls_server_name);
	creds_token(cfg, "token-from-a");
	assert_int_equal(cfg->nfiles, 2);
	kube_config_free(cfg);

	/* Reverse order: b wins. */
	free(env);
	env = xprintf("%s:%s", fx("merge-b.yaml"), fx("merge-a.yaml"));
	setenv("KUBECONFIG", env, 1);
	if (kube_config_load(&o, &cfg, &cause) != 0)
		fail_msg("%s", cause);
	assert_string_equal(kube_config_namespace(cfg), "ns-b");
	assert_string_equal(kube_config_server(cfg),
	    "https://only-b.example:6443");
	kube_config_free(cfg);

	/* Three files: a later file adds new names. */
	free(env);
	env = xprintf("%s:%s:%s", fx("merge-a.yaml"), fx("merge-c.yaml"),
	    fx("merge-b.yaml"));
	setenv("KUBECONFIG", env, 1);
	if (kube_config_load(&o, &cfg, &cause) != 0)
		fail_msg("%s", cause);
	assert_string_equal(kube_config_context(cfg), "ctx-c");
	assert_string_equal(kube_config_server(cfg), "https://c.example:6443");
	kube_config_free(cfg);
	free(env);
	unsetenv("KUBECONFIG");
}

static void
test_missing_files(void **state)
{
	struct kube_config_opts o = { .incluster_root = "/nonexistent" };
	struct kube_config *cfg;
	char *cause = NULL;

	(void)state;
	/* --kubeconfig must exist. */
	assert_null(load(fx("missing.yaml"), NULL, NULL, &cause));
	assert_non_null(strstr(cause, "missing.yaml"));
	assert_false(kube_config_is_absent_error(cause));
	free(cause);
	/* All of $KUBECONFIG missing: nothing to use. */
	setenv("KUBECONFIG", "/nonexistent/a:/nonexistent/b", 1);
	assert_int_equal(kube_config_load(&o, &cfg, &cause), -1);
	assert_true(kube_config_is_absent_error(cause));
	free(cause);
	/* No $KUBECONFIG and no ~/.kube/config. */
	unsetenv("KUBECONFIG");
	setenv("HOME", tmpdir, 1);
	assert_int_equal(kube_config_load(&o, &cfg, &cause), -1);
	assert_true(kube_config_is_absent_error(cause));
	free(cause);
	/* An empty file is an empty config, not an error of its own. */
	assert_null(load(fx("empty.yaml"), NULL, NULL, &cause));
	assert_cause(cause, "no current-context");
}

static void
test_home_config(void **state)
{
	struct kube_config_opts o = { .incluster_root = "/nonexistent" };
	struct kube_config *cfg;
	char *cause = NULL, *dir, *cmd;

	(void)state;
	unsetenv("KUBECONFIG");
	dir = xprintf("%s/home", tmpdir);
	cmd = xprintf("mkdir -p %s/.kube && cp %s %s/.kube/config", dir,
	    fx("token.yaml"), dir);
	assert_int_equal(system(cmd), 0);
	setenv("HOME", dir, 1);
	if (kube_config_load(&o, &cfg, &cause) != 0)
		fail_msg("%s", cause);
	assert_string_equal(kube_config_namespace(cfg), "alice-ns");
	kube_config_free(cfg);
	free(cmd);
	free(dir);
}

static void
test_duplicates(void **state)
{
	(void)state;
	load_bad("duplicate-cluster.yaml", "duplicate name \"dup\" in list",
	    "clusters");
	load_bad("duplicate-context.yaml", "duplicate name \"c\" in list",
	    "contexts");
}

static void
test_relative_paths(void **state)
{
	struct kube_config *cfg;
	struct kube_creds c;
	char *cause, *want;

	(void)state;
	cfg = load_ok("relative/sub/config.yaml");
	want = xprintf("%s/relative/sub/../certs/ca.crt", fixdir);
	assert_string_equal(cfg->cluster->ca_file, want);
	free(want);
	creds_ok(cfg, &c);
	assert_non_null(strstr((char *)c.cert.data, "Y2xpZW50"));
	assert_non_null(strstr((char *)c.key.data, "a2V5"));
	assert_null(c.token);
	kube_creds_release(&c);
	assert_string_equal(kube_config_auth_kind(cfg), "client-certificate");
	kube_config_free(cfg);

	cfg = load(fx("relative/sub/config.yaml"), "rel-tf", NULL, &cause);
	assert_non_null(cfg);
	creds_token(cfg, "token-from-file");
	kube_config_free(cfg);

	cfg = load(fx("relative/sub/config.yaml"), "rel-exec", NULL, &cause);
	assert_non_null(cfg);
	want = xprintf("%s/relative/sub/../../plugin.sh", fixdir);
	assert_string_equal(cfg->user->exec->command, want);
	free(want);
	creds_ok(cfg, &c);
	assert_non_null(c.token);
	kube_creds_release(&c);
	kube_config_free(cfg);
}

static void
test_ca(void **state)
{
	struct kube_config *cfg;

	(void)state;
	cfg = load_ok("ca-data.yaml");
	assert_non_null(cfg->cluster->ca_data.data);
	assert_non_null(strstr((char *)cfg->cluster->ca_data.data,
	    "BEGIN CERTIFICATE"));
	assert_null(cfg->cluster->ca_file);
	kube_config_free(cfg);
	load_bad("ca-both.yaml", "certificate-authority-data and "
	    "certificate-authority are both specified", "clusters[name=k]");
	load_bad("ca-missing-file.yaml", "certificate-authority",
	    "no-such-ca.crt");
	load_bad("bad-base64.yaml", "certificate-authority-data",
	    "not valid base64");
}

static void
test_insecure(void **state)
{
	struct kube_config *cfg;

	(void)state;
	cfg = load_ok("insecure.yaml");
	assert_true(cfg->cluster->insecure);
	kube_config_free(cfg);
	load_bad("insecure-with-ca.yaml", "specifying a root certificates "
	    "file with the insecure flag is not allowed", NULL);
}

static void
test_tls_server_name_proxy(void **state)
{
	struct kube_config *cfg = load_ok("tls-server-name.yaml");

	(void)state;
	assert_string_equal(cfg->cluster->tls_server_name, "api.ailab.example");
	assert_string_equal(cfg->cluster->proxy_url, "socks5://127.0.0.1:1080");
	kube_config_free(cfg);
	load_bad("bad-proxy.yaml", "proxy-url", "http, https or socks5");
}

static void
test_token_vs_token_file(void **state)
{
	struct kube_config *cfg;
	char *path, *cmd, *cause;

	(void)state;
	cfg = load_ok("token-and-tokenfile.yaml");
	creds_token(cfg, "inline-token");
	kube_config_free(cfg);

	/* tokenFile is re-read: copy it somewhere we can rewrite. */
	path = xprintf("%s/tf.yaml", tmpdir);
	cmd = xprintf("sed 's|relative/sub/token.txt|%s/token|' %s > %s",
	    tmpdir, fx("tokenfile.yaml"), path);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	cmd = xprintf("%s/token", tmpdir);
	unit_write(cmd, "first\n");
	cfg = load_ok("tokenfile.yaml");
	creds_token(cfg, "token-from-file");
	kube_config_free(cfg);
	cfg = load(path, NULL, NULL, &cause);
	assert_non_null(cfg);
	free(path);
	assert_string_equal(kube_config_auth_kind(cfg), "tokenFile");
	creds_token(cfg, "first");
	unit_write(cmd, "second\n");
	/* Cached within the minute... */
	creds_token(cfg, "first");
	/* ...and read again once it has passed. */
	cfg->file_token_read -= 61;
	creds_token(cfg, "second");
	kube_config_free(cfg);
	free(cmd);
}

static void
test_basic_auth(void **state)
{
	struct kube_config *cfg = load_ok("basic.yaml");

	(void)state;
	assert_string_equal(kube_config_auth_kind(cfg), "basic");
	assert_string_equal(cfg->user->username, "admin");
	kube_config_free(cfg);
	load_bad("token-and-basic.yaml", "more than one authentication method",
	    "users[name=u]");
}

static void
test_client_certs(void **state)
{
	struct kube_config *cfg = load_ok("client-cert-data.yaml");
	struct kube_creds c;

	(void)state;
	creds_ok(cfg, &c);
	assert_int_equal(c.cert.len, 8);
	assert_memory_equal(c.cert.data, "CERTPEM\n", 8);
	assert_memory_equal(c.key.data, "KEYPEM\n", 7);
	kube_creds_release(&c);
	kube_config_free(cfg);
	load_bad("client-cert-no-key.yaml", "client-certificate given without "
	    "client-key", NULL);
}

/* Counts the runs the test plugin recorded since the counter's unlink. */
static int
plugin_runs(void)
{
	FILE *f = fopen(counter, "r");
	int n = 0, ch;

	if (f == NULL)
		return 0;
	while ((ch = fgetc(f)) != EOF)
		if (ch == '\n')
			n++;
	fclose(f);
	return n;
}

static void
test_exec_v1(void **state)
{
	struct kube_config *cfg = load_ok("exec-v1.yaml");
	struct kube_creds c;
	char *cause = NULL;

	(void)state;
	unlink(counter);
	assert_string_equal(kube_config_auth_kind(cfg), "exec");
	creds_ok(cfg, &c);
	/* env reached the plugin, KUBERNETES_EXEC_INFO said non-interactive
	 * and, with provideClusterInfo, carried the server. */
	assert_string_equal(c.token, "exec-hello-ni-cluster");
	assert_int_equal(c.expires, 0);
	kube_creds_release(&c);
	/* No expiry: cached forever. */
	creds_ok(cfg, &c);
	kube_creds_release(&c);
	assert_int_equal(plugin_runs(), 1);
	/* After a 401 the caller forces one re-run. */
	assert_true(kube_config_can_refresh(cfg));
	assert_int_equal(kube_config_credentials(cfg, true, &c, &cause), 0);
	kube_creds_release(&c);
	assert_int_equal(plugin_runs(), 2);
	kube_config_free(cfg);
}

static void
test_exec_v1beta1(void **state)
{
	struct kube_config *cfg = load_ok("exec-v1beta1.yaml");
	struct kube_creds c;

	(void)state;
	unlink(counter);
	/* interactiveMode defaults to IfAvailable for v1beta1. */
	assert_string_equal(cfg->user->exec->interactive_mode, "IfAvailable");
	creds_ok(cfg, &c);
	assert_non_null(c.token);
	assert_true(has_prefix(c.token, "exec-none-"));
	assert_int_equal(c.expires, kube_parse_time("2099-01-01T00:00:00Z"));
	kube_creds_release(&c);
	creds_ok(cfg, &c);
	kube_creds_release(&c);
	assert_int_equal(plugin_runs(), 1);
	kube_config_free(cfg);
	load_bad("exec-v1-no-mode.yaml", "interactiveMode", "required");
}

static void
test_exec_expired(void **state)
{
	struct kube_config *cfg = load_ok("exec-expired.yaml");
	struct kube_creds c;

	(void)state;
	unlink(counter);
	creds_ok(cfg, &c);
	kube_creds_release(&c);
	/* Expired: the next request runs the plugin again. */
	creds_ok(cfg, &c);
	kube_creds_release(&c);
	assert_int_equal(plugin_runs(), 2);
	kube_config_free(cfg);
}

static void
test_exec_errors(void **state)
{
	struct kube_config *cfg;
	struct kube_creds c;

	(void)state;
	creds_bad("exec-wrong-version.yaml", "does not match");
	creds_bad("exec-fails.yaml", "exit status 1");
	/* Always needs a terminal; the test's stdin is not one. */
	if (!isatty(0))
		creds_bad("exec-always.yaml", "stdin is not a terminal");

	cfg = load_ok("exec-cert.yaml");
	creds_ok(cfg, &c);
	assert_null(c.token);
	assert_string_equal((char *)c.cert.data, "CERT");
	assert_string_equal((char *)c.key.data, "KEY");
	kube_creds_release(&c);
	kube_config_free(cfg);

	load_bad("exec-and-oidc.yaml", "exec and auth-provider", NULL);
}

static void
test_oidc(void **state)
{
	struct kube_config *cfg;
	struct kube_creds c;
	char *cause = NULL;

	(void)state;
	cfg = load_ok("oidc.yaml");
	assert_string_equal(kube_config_auth_kind(cfg), "oidc");
	creds_ok(cfg, &c);
	assert_non_null(c.token);
	assert_int_equal(c.expires, 4102444800LL);
	kube_creds_release(&c);
	kube_config_free(cfg);

	cfg = load_ok("oidc-expired.yaml");
	assert_int_equal(kube_config_credentials(cfg, false, &c, &cause), -1);
	assert_non_null(strstr(cause, "oidc id-token expired at "
	    "2001-09-09T01:46:40Z"));
	assert_non_null(strstr(cause, "oidc-expired.yaml"));
	/* The token never appears in the error. */
	assert_null(strstr(cause, cfg->user->oidc->id_token));
	free(cause);
	kube_config_free(cfg);
	load_bad("auth-provider-gcp.yaml", "'gcp' is not supported", NULL);
}

static void
test_malformed(void **state)
{
	(void)state;
	load_bad("malformed.yaml", "valid YAML", ":5:");
	load_bad("not-a-map.yaml", "not a kubeconfig", NULL);
	load_bad("bad-type.yaml", "clusters[name=k].cluster.server",
	    "expected a string");
	load_bad("bad-bool.yaml", "insecure-skip-tls-verify",
	    "expected true or false");
	load_bad("no-server.yaml", "server", "required");
}

/* Errors never carry a credential, whatever the failure. */
static void
test_no_secrets_in_errors(void **state)
{
	char *cause;

	(void)state;
	assert_null(load(fx("token-and-basic.yaml"), NULL, NULL, &cause));
	assert_null(strstr(cause, "hunter2"));
	free(cause);
	assert_null(load(fx("insecure-with-ca.yaml"), NULL, NULL, &cause));
	assert_null(strstr(cause, "ZmFrZQ"));
	free(cause);
}

static void
test_in_cluster(void **state)
{
	struct kube_config_opts o = { 0 };
	struct kube_config *cfg;
	char *cause = NULL, *root;

	(void)state;
	root = xprintf("%s/incluster", fixdir);
	o.incluster_root = root;
	unsetenv("KUBECONFIG");
	setenv("HOME", tmpdir, 1);
	setenv("KUBERNETES_SERVICE_HOST", "fd00::1", 1);
	setenv("KUBERNETES_SERVICE_PORT", "443", 1);
	unsetenv("POD_NAMESPACE");
	if (kube_config_load(&o, &cfg, &cause) != 0)
		fail_msg("%s", cause);
	assert_true(cfg->in_cluster);
	assert_string_equal(kube_config_server(cfg), "https://[fd00::1]:443");
	assert_string_equal(kube_config_namespace(cfg), "team-ns");
	assert_non_null(strstr(cfg->cluster->ca_file, "serviceaccount/ca.crt"));
	creds_token(cfg, "sa-token-1");
	kube_config_free(cfg);

	setenv("KUBERNETES_SERVICE_HOST", "10.0.0.1", 1);
	setenv("POD_NAMESPACE", "from-env", 1);
	o.namespace = NULL;
	if (kube_config_load(&o, &cfg, &cause) != 0)
		fail_msg("%s", cause);
	assert_string_equal(kube_config_server(cfg), "https://10.0.0.1:443");
	assert_string_equal(kube_config_namespace(cfg), "from-env");
	kube_config_free(cfg);

	/* A kubeconfig without a current-context, in a pod: the account
	 * alone, the file's stanzas freed (fuzz-kubeconfig found them
	 * leaked; LeakSanitizer fails this test if they are again). */
	o.kubeconfig = fx("no-current-context.yaml");
	if (kube_config_load(&o, &cfg, &cause) != 0)
		fail_msg("%s", cause);
	assert_true(cfg->in_cluster);
	assert_int_equal(cfg->nclusters, 1);
	assert_int_equal(cfg->nusers, 1);
	assert_int_equal(cfg->ncontexts, 0);
	assert_string_equal(kube_config_server(cfg), "https://10.0.0.1:443");
	assert_string_equal(kube_config_user(cfg), "service-account");
	kube_config_free(cfg);
	o.kubeconfig = NULL;

	/* Without the environment variables: not in a cluster. */
	unsetenv("KUBERNETES_SERVICE_HOST");
	assert_int_equal(kube_config_load(&o, &cfg, &cause), -1);
	assert_true(kube_config_is_absent_error(cause));
	free(cause);
	unsetenv("KUBERNETES_SERVICE_PORT");
	unsetenv("POD_NAMESPACE");
	free(root);
}

/* Loads with --kubeconfig F as the queue front does: the context only. */
static struct kube_config *
load_context(const char *file, char **cause)
{
	struct kube_config_opts o = { .kubeconfig = file,
	    .incluster_root = "/nonexistent" };
	struct kube_config *cfg = NULL;

	*cause = NULL;
	if (kube_config_load_context(&o, &cfg, cause) != 0)
		fail_msg("%s: %s", file, *cause);
	return cfg;
}

/*
 * The queue front's load gives the context and namespace of a file whose
 * certificate data it leaves encoded; the client made from it decodes the
 * data, and refuses malformed data with kube_config_load's own message.
 */
static void
test_context_only(void **state)
{
	struct event_base *base = event_base_new();
	const struct kube_config *used;
	struct kube_client *kc;
	struct kube_config *cfg;
	struct kube_creds c;
	char *cause, *want;

	(void)state;
	assert_null(load(fx("bad-base64.yaml"), NULL, NULL, &want));
	assert_non_null(want);
	cfg = load_context(fx("bad-base64.yaml"), &cause);
	assert_string_equal(kube_config_context(cfg), "c");
	assert_string_equal(kube_config_namespace(cfg), "default");
	assert_true(cfg->cluster->ca_data.encoded);
	assert_null(kube_client_new(base, cfg, NULL, &cause));
	assert_string_take(cause, want);
	free(want);

	cfg = load_context(fx("ca-data.yaml"), &cause);
	if ((kc = kube_client_new(base, cfg, NULL, &cause)) == NULL)
		fail_msg("client: %s", cause);
	used = kube_client_config(kc);
	assert_false(used->cluster->ca_data.encoded);
	assert_non_null(strstr((char *)used->cluster->ca_data.data,
	    "BEGIN CERTIFICATE"));
	kube_client_free(kc);

	/* Credentials asked of a context-only load decode them too. */
	cfg = load_context(fx("client-cert-data.yaml"), &cause);
	assert_true(cfg->user->cert_data.encoded);
	creds_ok(cfg, &c);
	assert_int_equal(c.cert.len, 8);
	assert_memory_equal(c.cert.data, "CERTPEM\n", 8);
	assert_memory_equal(c.key.data, "KEYPEM\n", 7);
	kube_creds_release(&c);
	kube_config_free(cfg);
	event_base_free(base);
}

static void
test_time_and_base64(void **state)
{
	struct kube_blob b;

	(void)state;
	assert_int_equal(kube_parse_time("1970-01-01T00:00:10Z"), 10);
	assert_int_equal(kube_parse_time("1970-01-01T01:00:10+01:00"), 10);
	assert_int_equal(kube_parse_time("1970-01-01T00:00:10.123456Z"), 10);
	assert_int_equal(kube_parse_time("yesterday"), -1);
	assert_int_equal(kube_base64_decode("aGVsbG8=", 8, &b), 0);
	assert_int_equal(b.len, 5);
	assert_memory_equal(b.data, "hello", 5);
	kube_blob_free(&b);
	assert_int_equal(kube_base64_decode("!!", 2, &b), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token),
		cmocka_unit_test(test_namespace_flag_and_default),
		cmocka_unit_test(test_context_flag),
		cmocka_unit_test(test_merge_order),
		cmocka_unit_test(test_missing_files),
		cmocka_unit_test(test_home_config),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_relative_paths),
		cmocka_unit_test(test_ca),
		cmocka_unit_test(test_insecure),
		cmocka_unit_test(test_tls_server_name_proxy),
		cmocka_unit_test(test_token_vs_token_file),
		cmocka_unit_test(test_basic_auth),
		cmocka_unit_test(test_client_certs),
		cmocka_unit_test(test_exec_v1),
		cmocka_unit_test(test_exec_v1beta1),
		cmocka_unit_test(test_exec_expired),
		cmocka_unit_test(test_exec_errors),
		cmocka_unit_test(test_oidc),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_no_secrets_in_errors),
		cmocka_unit_test(test_in_cluster),
		cmocka_unit_test(test_context_only),
		cmocka_unit_test(test_time_and_base64),
	};
	const char *src = getenv("top_srcdir");
	char *t;
	int ret;

	snprintf(fixdir, sizeof fixdir, "%s/tests/fixtures/kubeconfig",
	    src != NULL ? src : ".");
	snprintf(tmpdir, sizeof tmpdir, "%s/kube-config-XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if ((t = mkdtemp(tmpdir)) == NULL)
		return 1;
	unsetenv("KUBECONFIG");
	snprintf(counter, sizeof counter, "%s/count", tmpdir);
	setenv("PLUGIN_COUNTER", counter, 1);
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	if (unit_rmtree(tmpdir) != 0)
		ret = 1;
	return ret;
}
