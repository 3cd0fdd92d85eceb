/*
 * spec-helm.c: a values file of the cluster's helm chart read as a job
 * spec.  Students have these files already; their keys are mapped onto
 * the spec's, in place, before the spec's own keys are read, and what the
 * chart would do that the queue does not (an ingress, an e-mail) is
 * refused by name.
 */
#include "spec-int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The keys of the chart's values template (user/values-template.yaml),
 * and EMAIL of the admin chart's. */
static const char *const spec_helm_keys[] = { "NameSpace", "BaseName",
	"ContainerImage", "GPU", "DeployName", "Label", "ContainerName",
	"NVMEStorage", "Limits", "UseShm", "ShmSize", "Replicas", "UseIB",
	"UID", "GID", "NoGFS", "Command", "Args", "ExtraPort", "IngressHost",
	"EMAIL" };

/* Gives a tree and all its nodes one place, so errors about what a
 * string held point at the string. */
static void
spec_node_place(struct ytree_node *n, int line, int col)
{
	size_t i;

	n->line = line;
	n->col = col;
	for (i = 0; i < n->n; i++)
		spec_node_place(n->kids[i], line, col);
}

/* Doubles every '$' of a scalar: the chart's values have no variables, so
 * what they hold reaches the pod as written. */
static void
spec_node_literal(struct ytree_node *n)
{
	size_t i, k, dollars = 0;
	char *s;

	for (i = 0; n->s[i] != '\0'; i++)
		dollars += n->s[i] == '$';
	if (dollars == 0)
		return;
	s = xmalloc(i + dollars + 1);
	for (i = 0, k = 0; n->s[i] != '\0'; i++) {
		if (n->s[i] == '$')
			s[k++] = '$';
		s[k++] = n->s[i];
	}
	s[k] = '\0';
	free(n->s);
	n->s = s;
}

/*
 * Reads the chart's Command or Args (taking v): the chart pastes the value
 * into the container as its command or args, so it is a YAML list written
 * as a string ('["python", "app.py"]'); a real list is read too.  NULL for
 * an empty value (the chart's default) or after a diagnostic (*bad set).
 */
static struct ytree_node *
spec_helm_argv(struct spec_ctx *c, struct ytree_node *v, const char *key,
    bool *bad)
{
	struct spec_diags scratch = { 0 };
	struct spec_ctx sc = { .file = c->file, .diags = &scratch };
	struct ytree_node **docs = NULL, *l = NULL;
	size_t ndocs = 0, i;
	bool ok;

	if (ytree_is_null(v) || (v->type == YTREE_SCALAR &&
	    v->s[0] == '\0')) {
		ytree_free(v);
		return NULL;
	}
	if (v->type == YTREE_SEQ) {
		l = v;
		v = NULL;
	} else if (v->type == YTREE_SCALAR &&
	    spec_yaml_parse(&sc, v->s, strlen(v->s), &docs, &ndocs) == 0 &&
	    ndocs == 1 && docs[0]->type == YTREE_SEQ) {
		l = docs[0];
		docs[0] = NULL;
		spec_node_place(l, v->line, v->col);
	}
	ytree_docs_free(docs, ndocs);
	spec_diags_release(&scratch);
	ok = l != NULL && l->n > 0;
	for (i = 0; ok && i < l->n; i++)
		ok = l->kids[i]->type == YTREE_SCALAR;
	if (!ok) {
		spec_error(c, l != NULL ? l : v, "'%s' must be a non-empty list "
		    "of strings (exec form, no shell), such as "
		    "'[\"python\", \"app.py\"]'; for a shell command line "
		    "write 'command: python app.py' instead", key);
		*bad = true;
		ytree_free(l);
		ytree_free(v);
		return NULL;
	}
	for (i = 0; i < l->n; i++)
		spec_node_literal(l->kids[i]);
	ytree_free(v);
	return l;
}

/* Maps Command and Args onto an exec-form command: Args follow Command,
 * as Kubernetes runs a container's command with its args. */
static void
spec_helm_command(struct spec_ctx *c, struct ytree_node *d)
{
	struct ytree_node *cv = ytree_take(d, "Command");
	struct ytree_node *av = ytree_take(d, "Args");
	struct ytree_node *cmd = NULL, *args = NULL;
	bool bad = false;
	size_t i;

	if (cv != NULL && ytree_get(d, "command") != NULL) {
		spec_error(c, cv, "use 'Command' or 'command', not both");
		ytree_free(cv);
		ytree_free(av);
		return;
	}
	if (cv != NULL)
		cmd = spec_helm_argv(c, cv, "Command", &bad);
	if (av != NULL) {
		int line = av->line, col = av->col;

		args = spec_helm_argv(c, av, "Args", &bad);
		if (args != NULL && cmd == NULL && !bad) {
			spec_error_at(c, line, col, "'Args' is used only with "
			    "'Command' (the chart ignores it otherwise): add "
			    "'Command', or write the whole command line in "
			    "'command'");
			bad = true;
		}
	}
	if (!bad && cmd != NULL) {
		for (i = 0; args != NULL && i < args->n; i++) {
			ytree_append(cmd, args->kids[i]);
			args->kids[i] = NULL;
		}
		if (args != NULL)
			args->n = 0;
		ytree_set(d, "command", cmd);
		cmd = NULL;
	}
	ytree_free(cmd);
	ytree_free(args);
}

/* Takes a chart key ailab-queue does not read: its default (empty) passes,
 * anything else is refused with what to do instead. */
static void
spec_helm_refuse(struct spec_ctx *c, struct ytree_node *d, const char *key,
    const char *why)
{
	struct ytree_node *v = ytree_take(d, key);

	if (v != NULL && !ytree_is_null(v) && (v->type !=
	    YTREE_SCALAR || v->s[0] != '\0'))
		spec_error(c, v, "'%s' is not supported: %s", key, why);
	ytree_free(v);
}

/* The chart's keys that are the spec's under another name, in the order
 * the conversion has always set them. */
static const struct {
	const char *chart;
	const char *spec;
} spec_helm_renames[] = {
	{ "NameSpace", "namespace" },
	{ "ContainerImage", "image" },
	{ "ContainerName", "container_name" },
	{ "Replicas", "replicas" },
	{ "UseIB", "ib" },
	{ "UID", "uid" },
	{ "GID", "gid" },
};

/* The chart's Limits mapping (CPU, memory, GPU) becomes the spec's gpu
 * count and resources; *gpu may already hold the GPU type. */
static void
spec_helm_limits(struct spec_ctx *c, struct ytree_node *lim,
    struct ytree_node **gpu, struct ytree_node **res)
{
	static const char *const lk[] = { "CPU", "memory", "GPU" };
	struct ytree_node *v;
	size_t i;

	if (lim->type != YTREE_MAP) {
		spec_error(c, lim, "'Limits' must be a mapping of CPU, memory "
		    "and GPU");
		return;
	}
	for (i = 0; i + 1 < lim->n; i += 2) {
		const char *k = lim->kids[i]->s;

		if (strcmp(k, "CPU") != 0 && strcmp(k, "memory") != 0 &&
		    strcmp(k, "GPU") != 0)
			spec_unknown_key(c, lim->kids[i], "Limits.", lk,
			    nitems(lk));
	}
	if ((v = ytree_take(lim, "GPU")) != NULL) {
		if (*gpu == NULL)
			*gpu = ytree_new(YTREE_MAP, v->line, v->col);
		ytree_set(*gpu, "count", v);
	}
	if ((v = ytree_take(lim, "CPU")) != NULL) {
		*res = ytree_new(YTREE_MAP, v->line, v->col);
		ytree_set(*res, "cpu", v);
	}
	if ((v = ytree_take(lim, "memory")) != NULL) {
		if (*res == NULL)
			*res = ytree_new(YTREE_MAP, v->line, v->col);
		ytree_set(*res, "memory", v);
	}
}

/* The chart's UseShm (with ShmSize, 8Gi by default) becomes the spec's
 * shm; a false UseShm drops both. */
static void
spec_helm_shm(struct spec_ctx *c, struct ytree_node *d)
{
	struct ytree_node *use_shm, *shm_size;
	bool b;

	use_shm = ytree_take(d, "UseShm");
	shm_size = ytree_take(d, "ShmSize");
	if (use_shm != NULL && spec_bool(c, use_shm, "UseShm", &b) == 0 && b) {
		if (shm_size == NULL)
			shm_size = ytree_scalar("8Gi", use_shm->line,
			    use_shm->col);
		ytree_set(d, "shm", shm_size);
		shm_size = NULL;
	}
	ytree_free(use_shm);
	ytree_free(shm_size);
}

/* Maps a helm values file of the cluster's chart onto a spec, in place:
 * the chart's keys become spec keys; other keys pass through. */
void
spec_helm_convert(struct spec_ctx *c, struct ytree_node *d,
    const struct spec_site *site)
{
	struct ytree_node *v, *w, *lim, *gpu = NULL, *res = NULL;
	size_t i;

	if ((v = ytree_take(d, "DeployName")) != NULL) {
		ytree_free(ytree_take(d, "BaseName"));
		ytree_set(d, "name", v);
	} else if ((v = ytree_take(d, "BaseName")) != NULL)
		ytree_set(d, "name", v);
	for (i = 0; i < nitems(spec_helm_renames); i++) {
		if ((v = ytree_take(d, spec_helm_renames[i].chart)) != NULL)
			ytree_set(d, spec_helm_renames[i].spec, v);
	}
	v = ytree_take(d, "NoGFS");
	/* The template's comment spells it 'nogfs', which the chart never
	 * reads: whoever uncomments it means NoGFS. */
	if ((w = ytree_take(d, "nogfs")) != NULL && v != NULL) {
		spec_error(c, w, "'nogfs' and 'NoGFS' are one setting: keep "
		    "'NoGFS'");
		ytree_free(w);
	} else if (w != NULL)
		v = w;
	if (v != NULL)
		ytree_set(d, "no_gfs", v);
	if ((v = ytree_take(d, "ExtraPort")) != NULL) {
		if (ytree_get(d, "ports") != NULL) {
			spec_error(c, v, "use 'ExtraPort' or 'ports', not both");
			ytree_free(v);
		} else if (v->type == YTREE_SCALAR &&
		    strcmp(v->s, "0") == 0)
			ytree_free(v);      /* the chart's "no extra port" */
		else
			ytree_set(d, "ports", v);
	}
	spec_helm_refuse(c, d, "IngressHost", "ailab-queue creates no Ingress "
	    "(the chart's needs the operators' certificate issuer and TLS "
	    "secret); remove it and reach the port with 'kubectl "
	    "port-forward svc/<name>-<id>-0 <port>', or ask the operators "
	    "to publish it");
	spec_helm_refuse(c, d, "EMAIL", "it belongs to the admin chart (the "
	    "user its RoleBinding names); a job is created with your "
	    "kubeconfig's credentials: remove it");
	spec_helm_command(c, d);
	if ((v = ytree_take(d, "NVMEStorage")) != NULL)
		ytree_set(d, "scratch", v);
	else if (site->scratch_default > 0 && ytree_get(d, "scratch") ==
	    NULL) {
		char *q = quantity_format_bytes(site->scratch_default);

		ytree_set(d, "scratch", ytree_scalar(q, d->line,
		    d->col));
		free(q);
	}
	if ((v = ytree_take(d, "Label")) != NULL) {
		struct ytree_node *l = ytree_new(YTREE_MAP, v->line,
		    v->col);

		ytree_set(l, "app", v);
		ytree_set(d, "labels", l);
	}
	if ((v = ytree_take(d, "GPU")) != NULL) {
		gpu = ytree_new(YTREE_MAP, v->line, v->col);
		ytree_set(gpu, "type", v);
	}
	if ((lim = ytree_take(d, "Limits")) != NULL) {
		spec_helm_limits(c, lim, &gpu, &res);
		ytree_free(lim);
	}
	if (gpu != NULL) {
		/* The chart's default is no GPU: GPU alone picks the nodes. */
		if (ytree_get(gpu, "count") == NULL)
			ytree_set(gpu, "count", ytree_scalar("0",
			    gpu->line, gpu->col));
		ytree_set(d, "gpu", gpu);
	}
	if (res != NULL)
		ytree_set(d, "resources", res);
	spec_helm_shm(c, d);
	if (ytree_get(d, "command") == NULL &&
	    ytree_get(d, "interactive") == NULL)
		ytree_set(d, "interactive", ytree_scalar("true",
		    d->line, d->col));
	/* A chart key in the wrong case is a typo, not a spec key. */
	for (i = 0; i + 1 < d->n; i += 2) {
		const char *k = d->kids[i]->s;

		if (!isupper((unsigned char)k[0]))
			continue;
		spec_unknown_key(c, d->kids[i], "", spec_helm_keys,
		    nitems(spec_helm_keys));
		d->kids[i]->s[0] = '\0';
	}
}

/* True when a document uses the keys of the cluster's helm values. */
bool
spec_is_helm(const struct ytree_node *d)
{
	size_t i;

	for (i = 0; i < nitems(spec_helm_keys); i++)
		if (ytree_get(d, spec_helm_keys[i]) != NULL)
			return true;
	return false;
}
