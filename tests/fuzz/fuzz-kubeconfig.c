/*
 * libFuzzer target: arbitrary bytes as a kubeconfig (kube_config_load),
 * loaded three ways: alone, with --context and --namespace, and first in
 * a $KUBECONFIG list merged with a valid file.  A config that loads has
 * its names read and, unless its user has an exec plugin, its bearer
 * credential (static token, tokenFile, oidc id-token's exp claim).
 *
 * The target never runs anything: credentials are asked for only when
 * kube_config_can_refresh() says there is no exec plugin, and build.sh
 * links this target with -Wl,--wrap=fork,--wrap=execvpe so that a path
 * that reached the plugin anyway aborts (a finding) instead of forking.
 * The environment kube_config_load reads is fixed at start: the input is
 * written as "config" in a private temporary directory (also HOME) that
 * holds the files the seed corpus names relative to it (relative/certs/...,
 * relative/sub/token.txt), and the in-cluster account is a fake one
 * under it.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kube-int.h"

int LLVMFuzzerInitialize(int *, char ***);
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);
pid_t __wrap_fork(void);
int __wrap_execvpe(const char *, char *const[], char *const[]);

static char fz_dir[64];
static char fz_config[128];
static char fz_list[300];
static char fz_sa[128];

/* The exec plugin must never run under the fuzzer. */
pid_t
__wrap_fork(void)
{
	fprintf(stderr, "fuzz-kubeconfig: fork reached\n");
	abort();
}

/* As __wrap_fork: no command ever starts. */
int
__wrap_execvpe(const char *file, char *const argv[], char *const envp[])
{
	(void)file;
	(void)argv;
	(void)envp;
	fprintf(stderr, "fuzz-kubeconfig: execvpe reached\n");
	abort();
}

/* Writes a small fixture file under the private directory. */
static void
fz_write(const char *rel, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", fz_dir, rel);
	if ((f = fopen(path, "w")) == NULL)
		abort();
	fputs(text, f);
	fclose(f);
}

/* Makes a directory under the private directory. */
static void
fz_mkdir(const char *rel)
{
	char path[256];

	snprintf(path, sizeof path, "%s/%s", fz_dir, rel);
	if (mkdir(path, 0700) != 0)
		abort();
}

/* The private directory, its files and a fixed environment. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const dirs[] = { "relative", "relative/certs",
		"relative/sub", "sa", "sa/var", "sa/var/run",
		"sa/var/run/secrets", "sa/var/run/secrets/kubernetes.io",
		"sa/var/run/secrets/kubernetes.io/serviceaccount" };
	size_t i;

	(void)argc;
	(void)argv;
	snprintf(fz_dir, sizeof fz_dir, "/tmp/fuzz-kubeconfig.XXXXXX");
	if (mkdtemp(fz_dir) == NULL)
		abort();
	for (i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
		fz_mkdir(dirs[i]);
	fz_write("relative/certs/ca.crt", "-----BEGIN CERTIFICATE-----\n"
	    "-----END CERTIFICATE-----\n");
	fz_write("relative/certs/client.crt", "client cert\n");
	fz_write("relative/certs/client.key", "client key\n");
	fz_write("relative/sub/token.txt", "file-token\n");
	fz_write("sa/var/run/secrets/kubernetes.io/serviceaccount/token",
	    "sa-token\n");
	fz_write("sa/var/run/secrets/kubernetes.io/serviceaccount/ca.crt",
	    "sa ca\n");
	fz_write("sa/var/run/secrets/kubernetes.io/serviceaccount/namespace",
	    "sa-ns\n");
	fz_write("base.yaml", "apiVersion: v1\nkind: Config\n"
	    "current-context: c\nclusters:\n- name: k\n  cluster:\n"
	    "    server: https://127.0.0.1:6443\nusers:\n- name: u\n"
	    "  user:\n    token: base-token\ncontexts:\n- name: c\n"
	    "  context:\n    cluster: k\n    user: u\n");
	snprintf(fz_config, sizeof fz_config, "%s/config", fz_dir);
	snprintf(fz_list, sizeof fz_list, "%s:%s/base.yaml", fz_config,
	    fz_dir);
	snprintf(fz_sa, sizeof fz_sa, "%s/sa", fz_dir);
	setenv("HOME", fz_dir, 1);
	/* An exec plugin found by name would be looked for here only. */
	setenv("PATH", "/nonexistent", 1);
	setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1", 1);
	setenv("KUBERNETES_SERVICE_PORT", "1", 1);
	unsetenv("POD_NAMESPACE");
	unsetenv("KUBECONFIG");
	return 0;
}

/* Reads what a loaded config offers, the credential only without exec. */
static void
fz_use(struct kube_config *cfg)
{
	struct kube_creds creds;
	char *cause = NULL;

	if (kube_config_namespace(cfg) == NULL ||
	    kube_config_server(cfg) == NULL ||
	    kube_config_context(cfg) == NULL ||
	    kube_config_user(cfg) == NULL ||
	    kube_config_auth_kind(cfg) == NULL)
		abort();
	if (kube_config_can_refresh(cfg))
		return;
	if (kube_config_credentials(cfg, false, &creds, &cause) != 0) {
		if (cause == NULL)
			abort();
		free(cause);
		return;
	}
	kube_creds_release(&creds);
}

/* Loads once with opts (KUBECONFIG set to list if not NULL). */
static void
fz_load(const struct kube_config_opts *o, const char *list)
{
	struct kube_config *cfg = NULL;
	char *cause = NULL;

	if (list != NULL)
		setenv("KUBECONFIG", list, 1);
	if (kube_config_load(o, &cfg, &cause) == 0) {
		if (cfg == NULL || cause != NULL)
			abort();
		fz_use(cfg);
		kube_config_free(cfg);
	} else {
		if (cfg != NULL || cause == NULL)
			abort();
		free(cause);
	}
	if (list != NULL)
		unsetenv("KUBECONFIG");
}

/* Writes the input as the private directory's "config" and loads it. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kube_config_opts alone = { .kubeconfig = fz_config,
		.incluster_root = fz_sa };
	struct kube_config_opts ctx = { .kubeconfig = fz_config,
		.context = "c", .namespace = "ns", .incluster_root = fz_sa };
	struct kube_config_opts env = { .incluster_root = "/nonexistent" };
	int fd;

	if ((fd = open(fz_config, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0)
		abort();
	if (size > 0 && write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
	fz_load(&alone, NULL);
	fz_load(&ctx, NULL);
	fz_load(&env, fz_list);
	return 0;
}
