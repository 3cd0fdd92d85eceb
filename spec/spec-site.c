/* spec-site.c: the site profile, built in for ailab and overridable. */
#include "spec-int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SPEC_SITE_FILE_MAX (256 * 1024)

/* The GPU types of the chart's values template: the node label value is the
 * short name, and the template's notes give each card's memory. */
static const struct {
	const char *name;
	int64_t memory_gb;
} spec_site_gpus[] = {
	{ "RTX4090D", 48 },
	{ "RTX4090", 24 },
	{ "RTX3090", 24 },
};

/* The standing claims the admin charts make in every user namespace and
 * the user chart mounts; "gfs" marks the three NoGFS leaves out. */
static const struct {
	const char *name, *claim, *mount;
	bool gfs;
} spec_site_volumes[] = {
	{ "nfshome", "pvc-nfshome-${namespace}", "/root", false },
	{ "gfshome", "gfs-sata-pvc-${namespace}", "/gfshome", true },
	{ "gfsshare", "gfs-sata-share-pvc-${namespace}", "/share", true },
	{ "ssdshare", "gfs-nvme-pvc-share-${namespace}", "/ssdshare", true },
};

/* The ailab cluster's conventions, as the operators' user chart
 * (user/userchart of iiisthu/ailab) and admin chart have them. */
struct spec_site *
spec_site_builtin(void)
{
	struct spec_site *s = xcalloc(1, sizeof *s);
	size_t i;

	s->gpu_resource = xstrdup("nvidia.com/gpu");
	s->node_label = xstrdup("gpu-model");
	s->default_image = xstrdup("harbor-local.ai.iiis.co/llm-course/"
	    "lab-cpu:latest");
	s->ngpus = nitems(spec_site_gpus);
	s->gpus = xcalloc(s->ngpus, sizeof *s->gpus);
	for (i = 0; i < s->ngpus; i++) {
		s->gpus[i].name = xstrdup(spec_site_gpus[i].name);
		s->gpus[i].product = xstrdup(spec_site_gpus[i].name);
		s->gpus[i].memory = spec_site_gpus[i].memory_gb * 1000 * 1000 *
		    1000;
		s->gpus[i].max_per_node = 8;
	}
	s->nvolumes = nitems(spec_site_volumes);
	s->volumes = xcalloc(s->nvolumes, sizeof *s->volumes);
	for (i = 0; i < s->nvolumes; i++) {
		s->volumes[i].name = xstrdup(spec_site_volumes[i].name);
		s->volumes[i].claim = xstrdup(spec_site_volumes[i].claim);
		s->volumes[i].mount = xstrdup(spec_site_volumes[i].mount);
		s->volumes[i].gfs = spec_site_volumes[i].gfs;
	}
	s->scratch_class = xstrdup("rancher-local-path");
	s->nscratch_mounts = 2;
	s->scratch_mounts = xcalloc(2, sizeof *s->scratch_mounts);
	s->scratch_mounts[0] = xstrdup("/scratch1");
	s->scratch_mounts[1] = xstrdup("/scratch2");
	s->scratch_default = (int64_t)100 << 30;
	s->default_cpu_milli = 8000;
	s->default_memory = (int64_t)16 << 30;
	s->max_cpu_milli = 128000;
	s->max_memory = (int64_t)512 << 30;
	s->max_replicas = 64;
	s->interactive_timeout_s = 24 * 3600;
	s->ib_resource = xstrdup("rdma/rdma_shared_device_a");
	s->ib_network = xstrdup("ipoibnetwork-${namespace}");
	return s;
}

/* Frees the volume list. */
static void
spec_site_free_volumes(struct spec_site *s)
{
	size_t i;

	for (i = 0; i < s->nvolumes; i++) {
		free(s->volumes[i].name);
		free(s->volumes[i].claim);
		free(s->volumes[i].mount);
	}
	free(s->volumes);
	s->volumes = NULL;
	s->nvolumes = 0;
}

/* Frees the scratch mount list. */
static void
spec_site_free_scratch(struct spec_site *s)
{
	size_t i;

	for (i = 0; i < s->nscratch_mounts; i++)
		free(s->scratch_mounts[i]);
	free(s->scratch_mounts);
	s->scratch_mounts = NULL;
	s->nscratch_mounts = 0;
}

/* Frees a profile. */
void
spec_site_free(struct spec_site *s)
{
	size_t i;

	if (s == NULL)
		return;
	free(s->gpu_resource);
	free(s->node_label);
	free(s->default_image);
	for (i = 0; i < s->ngpus; i++) {
		free(s->gpus[i].name);
		free(s->gpus[i].product);
	}
	free(s->gpus);
	spec_site_free_volumes(s);
	free(s->scratch_class);
	spec_site_free_scratch(s);
	free(s->ib_resource);
	free(s->ib_network);
	free(s);
}

/* The queued jobs one user may have, for the shared server's submit. */
int64_t
spec_site_user_max_queued(const struct spec_site *s)
{
	return s->user_max_queued;
}

/* The GPUs of one type one user's running jobs may hold; an unknown type
 * has no limit. */
int
spec_site_user_max_gpus(const struct spec_site *s, const char *gpu_type)
{
	const struct spec_gpu_type *g;

	if (gpu_type == NULL || (g = spec_site_gpu(s, gpu_type)) == NULL)
		return 0;
	return g->max_per_user;
}

/* The site's GPU types by index, for walking them. */
const char *
spec_site_gpu_name(const struct spec_site *s, size_t i)
{
	return i < s->ngpus ? s->gpus[i].name : NULL;
}

/* A GPU type of the site by its exact name, or NULL. */
const struct spec_gpu_type *
spec_site_gpu(const struct spec_site *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->ngpus; i++)
		if (strcmp(s->gpus[i].name, name) == 0)
			return &s->gpus[i];
	return NULL;
}

/* Replaces a string setting from a scalar node. */
static void
spec_site_str(struct spec_ctx *c, const struct ytree_node *v, const char *key,
    char **out)
{
	if (v->type != YTREE_SCALAR || v->s[0] == '\0') {
		spec_error(c, v, "'%s' must be a non-empty string", key);
		return;
	}
	free(*out);
	*out = xstrdup(v->s);
}

/* Reads a non-negative integer setting. */
static void
spec_site_int(struct spec_ctx *c, const struct ytree_node *v, const char *key,
    int max, int *out)
{
	char *end;
	long l;

	if (v->type != YTREE_SCALAR) {
		spec_error(c, v, "'%s' must be an integer", key);
		return;
	}
	errno = 0;
	l = strtol(v->s, &end, 10);
	if (v->s[0] == '\0' || *end != '\0' || errno != 0 || l < 0 ||
	    l > max) {
		spec_error(c, v, "'%s' must be an integer from 0 to %d", key,
		    max);
		return;
	}
	*out = (int)l;
}

/* Reads a user or group id setting. */
static void
spec_site_id(struct spec_ctx *c, const struct ytree_node *v, const char *key,
    int64_t *out)
{
	int n = (int)*out;

	spec_site_int(c, v, key, INT32_MAX, &n);
	*out = n;
}

/* Reads a duration setting; "0" is none. */
static void
spec_site_duration(struct spec_ctx *c, const struct ytree_node *v,
    const char *key, int64_t *out)
{
	char *cause = NULL;

	if (v->type != YTREE_SCALAR) {
		spec_error(c, v, "'%s' must be a duration such as '24h'", key);
		return;
	}
	if (duration_parse(v->s, out, &cause) != 0) {
		spec_error(c, v, "'%s': %s", key, cause);
		free(cause);
	}
}

/* Reads a quantity setting. */
static void
spec_site_qty(struct spec_ctx *c, const struct ytree_node *v, const char *key,
    int scale, int64_t *out)
{
	char *cause = NULL;

	if (v->type != YTREE_SCALAR) {
		spec_error(c, v, "'%s' must be a quantity", key);
		return;
	}
	if (quantity_parse(v->s, scale, out, &cause) != 0) {
		spec_error(c, v, "'%s': %s", key, cause);
		free(cause);
	}
}

/* Reads gpu_types: NAME: {product, max_per_node, max_per_user}. */
static void
spec_site_gpus_apply(struct spec_ctx *c, struct spec_site *s,
    const struct ytree_node *m)
{
	struct spec_gpu_type *g;
	const struct ytree_node *k, *v, *f;
	size_t i, j;

	if (m->type != YTREE_MAP) {
		spec_error(c, m, "'gpu_types' must be a mapping of names");
		return;
	}
	for (i = 0; i + 1 < m->n; i += 2) {
		k = m->kids[i];
		v = m->kids[i + 1];
		if (v->type != YTREE_MAP) {
			spec_error(c, v, "'gpu_types.%s' must be a mapping",
			    k->s);
			continue;
		}
		g = (struct spec_gpu_type *)spec_site_gpu(s, k->s);
		if (g == NULL) {
			s->gpus = xreallocarray(s->gpus, s->ngpus + 1,
			    sizeof *s->gpus);
			g = &s->gpus[s->ngpus++];
			memset(g, 0, sizeof *g);
			g->name = xstrdup(k->s);
			g->product = xstrdup(k->s);
			g->max_per_node = 8;
		}
		for (j = 0; j + 1 < v->n; j += 2) {
			f = v->kids[j + 1];
			if (strcmp(v->kids[j]->s, "product") == 0)
				spec_site_str(c, f, "product", &g->product);
			else if (strcmp(v->kids[j]->s, "max_per_node") == 0)
				spec_site_int(c, f, "max_per_node", 1024,
				    &g->max_per_node);
			else if (strcmp(v->kids[j]->s, "max_per_user") == 0)
				spec_site_int(c, f, "max_per_user", 1000000,
				    &g->max_per_user);
			else if (strcmp(v->kids[j]->s, "memory") == 0)
				spec_site_qty(c, f, "memory", QUANTITY_UNITS,
				    &g->memory);
			else
				spec_error(c, v->kids[j], "unknown key "
				    "'gpu_types.%s.%s'", k->s, v->kids[j]->s);
		}
	}
}

/* Reads volumes: a list of {name, claim, mount, read_only, gfs},
 * replacing. */
static void
spec_site_volumes_apply(struct spec_ctx *c, struct spec_site *s,
    const struct ytree_node *l)
{
	const struct ytree_node *v, *f;
	struct spec_volume *vol;
	size_t i;

	if (l->type != YTREE_SEQ) {
		spec_error(c, l, "'volumes' must be a list");
		return;
	}
	spec_site_free_volumes(s);
	s->volumes = xcalloc(l->n + 1, sizeof *s->volumes);
	for (i = 0; i < l->n; i++) {
		v = l->kids[i];
		if (v->type != YTREE_MAP ||
		    (f = ytree_get(v, "name")) == NULL ||
		    ytree_get(v, "claim") == NULL ||
		    ytree_get(v, "mount") == NULL) {
			spec_error(c, v, "a volume needs 'name', 'claim' and "
			    "'mount'");
			continue;
		}
		vol = &s->volumes[s->nvolumes++];
		spec_site_str(c, f, "name", &vol->name);
		spec_site_str(c, ytree_get(v, "claim"), "claim",
		    &vol->claim);
		spec_site_str(c, ytree_get(v, "mount"), "mount",
		    &vol->mount);
		f = ytree_get(v, "read_only");
		vol->read_only = f != NULL && f->type == YTREE_SCALAR &&
		    strcmp(f->s, "true") == 0;
		f = ytree_get(v, "gfs");
		vol->gfs = f != NULL && f->type == YTREE_SCALAR &&
		    strcmp(f->s, "true") == 0;
		if (vol->name == NULL || vol->claim == NULL ||
		    vol->mount == NULL) {
			free(vol->name);
			free(vol->claim);
			free(vol->mount);
			s->nvolumes--;
		}
	}
}

/* Reads scratch: {storage_class, mounts, default}. */
static void
spec_site_scratch_apply(struct spec_ctx *c, struct spec_site *s,
    const struct ytree_node *m)
{
	const struct ytree_node *f;
	size_t i;

	if (m->type != YTREE_MAP) {
		spec_error(c, m, "'scratch' must be a mapping");
		return;
	}
	if ((f = ytree_get(m, "storage_class")) != NULL)
		spec_site_str(c, f, "scratch.storage_class", &s->scratch_class);
	if ((f = ytree_get(m, "default")) != NULL)
		spec_site_qty(c, f, "scratch.default", QUANTITY_UNITS,
		    &s->scratch_default);
	if ((f = ytree_get(m, "mounts")) != NULL) {
		if (f->type != YTREE_SEQ) {
			spec_error(c, f, "'scratch.mounts' must be a list");
			return;
		}
		spec_site_free_scratch(s);
		s->scratch_mounts = xcalloc(f->n + 1, sizeof *s->scratch_mounts);
		for (i = 0; i < f->n; i++) {
			if (f->kids[i]->type != YTREE_SCALAR ||
			    f->kids[i]->s[0] != '/') {
				spec_error(c, f->kids[i], "scratch mounts must "
				    "be absolute paths");
				continue;
			}
			s->scratch_mounts[s->nscratch_mounts++] =
			    xstrdup(f->kids[i]->s);
		}
	}
}

/* Reads limits: {per_user: {queued_jobs: N, running_gpus: {TYPE: N}}}. */
static void
spec_site_limits_apply(struct spec_ctx *c, struct spec_site *s,
    const struct ytree_node *m)
{
	const struct ytree_node *u, *f, *v;
	struct spec_gpu_type *g;
	int n;
	size_t i;

	if (m->type != YTREE_MAP) {
		spec_error(c, m, "'limits' must be a mapping");
		return;
	}
	for (i = 0; i + 1 < m->n; i += 2)
		if (strcmp(m->kids[i]->s, "per_user") != 0)
			spec_error(c, m->kids[i], "unknown key 'limits.%s'",
			    m->kids[i]->s);
	if ((u = ytree_get(m, "per_user")) == NULL ||
	    ytree_is_null(u))
		return;
	if (u->type != YTREE_MAP) {
		spec_error(c, u, "'limits.per_user' must be a mapping");
		return;
	}
	for (i = 0; i + 1 < u->n; i += 2) {
		if (strcmp(u->kids[i]->s, "queued_jobs") != 0 &&
		    strcmp(u->kids[i]->s, "running_gpus") != 0)
			spec_error(c, u->kids[i], "unknown key "
			    "'limits.per_user.%s'", u->kids[i]->s);
	}
	if ((f = ytree_get(u, "queued_jobs")) != NULL) {
		n = 0;
		spec_site_int(c, f, "limits.per_user.queued_jobs",
		    SPEC_MAX_JOBS * 100, &n);
		s->user_max_queued = n;
	}
	if ((f = ytree_get(u, "running_gpus")) == NULL ||
	    ytree_is_null(f))
		return;
	if (f->type != YTREE_MAP) {
		spec_error(c, f, "'limits.per_user.running_gpus' must be a "
		    "mapping of GPU types to counts");
		return;
	}
	for (i = 0; i + 1 < f->n; i += 2) {
		v = f->kids[i + 1];
		g = (struct spec_gpu_type *)spec_site_gpu(s, f->kids[i]->s);
		if (g == NULL) {
			spec_error(c, f->kids[i], "unknown GPU type '%s' in "
			    "'limits.per_user.running_gpus'", f->kids[i]->s);
			continue;
		}
		spec_site_int(c, v, "limits.per_user.running_gpus", 1000000,
		    &g->max_per_user);
	}
}

/* Applies one parsed site document over the profile. */
static void
spec_site_apply(struct spec_ctx *c, struct spec_site *s,
    const struct ytree_node *d)
{
	static const char *const keys[] = { "gpu_resource", "node_label",
		"default_image", "gpu_types", "volumes", "scratch", "defaults",
		"max", "ib_resource", "ib_network", "limits" };
	const struct ytree_node *k, *v, *f, *limits = NULL;
	const char *near;
	size_t i;

	if (d->type != YTREE_MAP) {
		spec_error(c, d, "a site profile must be a mapping");
		return;
	}
	for (i = 0; i + 1 < d->n; i += 2) {
		k = d->kids[i];
		v = d->kids[i + 1];
		if (strcmp(k->s, "gpu_resource") == 0)
			spec_site_str(c, v, k->s, &s->gpu_resource);
		else if (strcmp(k->s, "node_label") == 0)
			spec_site_str(c, v, k->s, &s->node_label);
		else if (strcmp(k->s, "default_image") == 0)
			spec_site_str(c, v, k->s, &s->default_image);
		else if (strcmp(k->s, "ib_resource") == 0)
			spec_site_str(c, v, k->s, &s->ib_resource);
		else if (strcmp(k->s, "ib_network") == 0)
			spec_site_str(c, v, k->s, &s->ib_network);
		else if (strcmp(k->s, "gpu_types") == 0)
			spec_site_gpus_apply(c, s, v);
		else if (strcmp(k->s, "volumes") == 0)
			spec_site_volumes_apply(c, s, v);
		else if (strcmp(k->s, "scratch") == 0)
			spec_site_scratch_apply(c, s, v);
		else if (strcmp(k->s, "limits") == 0)
			limits = v;     /* after gpu_types, which it names */
		else if (strcmp(k->s, "defaults") == 0 ||
		    strcmp(k->s, "max") == 0) {
			bool def = k->s[0] == 'd';

			if ((f = ytree_get(v, "cpu")) != NULL)
				spec_site_qty(c, f, "cpu", QUANTITY_MILLI,
				    def ? &s->default_cpu_milli :
				    &s->max_cpu_milli);
			if ((f = ytree_get(v, "memory")) != NULL)
				spec_site_qty(c, f, "memory", QUANTITY_UNITS,
				    def ? &s->default_memory : &s->max_memory);
			if (!def && (f = ytree_get(v, "replicas")) != NULL)
				spec_site_int(c, f, "max.replicas", 100000,
				    &s->max_replicas);
			if (def && (f = ytree_get(v, "uid")) != NULL)
				spec_site_id(c, f, "defaults.uid",
				    &s->default_uid);
			if (def && (f = ytree_get(v, "gid")) != NULL)
				spec_site_id(c, f, "defaults.gid",
				    &s->default_gid);
			if (def && (f = ytree_get(v,
			    "interactive_timeout")) != NULL)
				spec_site_duration(c, f,
				    "defaults.interactive_timeout",
				    &s->interactive_timeout_s);
		} else {
			near = closest_word(k->s, keys, nitems(keys));
			spec_error(c, k, "unknown key '%s'%s%s%s", k->s,
			    near ? " (did you mean '" : "", near ? near : "",
			    near ? "'?)" : "");
		}
	}
	if (limits != NULL && !ytree_is_null(limits))
		spec_site_limits_apply(c, s, limits);
}

/* Reads a site file over a profile. */
int
spec_site_apply_file(struct spec_site *s, const char *path,
    struct spec_diags *diags)
{
	struct spec_ctx c = { .file = path, .diags = diags };
	struct ytree_node **docs = NULL;
	size_t ndocs = 0, len, i;
	char *buf = NULL, *cause = NULL;

	if (ytree_read_file(path, SPEC_SITE_FILE_MAX, &buf, &len,
	    &cause) != 0) {
		spec_error_at(&c, 0, 0, "%s", cause);
		free(cause);
		return -1;
	}
	if (spec_yaml_parse(&c, buf, len, &docs, &ndocs) == 0)
		for (i = 0; i < ndocs; i++)
			if (!ytree_is_null(docs[i]))
				spec_site_apply(&c, s, docs[i]);
	ytree_docs_free(docs, ndocs);
	free(buf);
	return c.errors == 0 ? 0 : -1;
}

/* The profile a command uses: built in, then the system's, then the
 * user's file. */
int
spec_site_load(struct spec_site **out, struct spec_diags *diags)
{
	struct spec_site *s = spec_site_builtin();
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	char *path = NULL;
	int ret = 0;

	if (access("/etc/ailab-queue/site.yaml", F_OK) == 0 &&
	    spec_site_apply_file(s, "/etc/ailab-queue/site.yaml", diags) != 0)
		ret = -1;
	if (xdg != NULL && *xdg != '\0')
		path = xprintf("%s/ailab-queue/site.yaml", xdg);
	else if (home != NULL && *home != '\0')
		path = xprintf("%s/.config/ailab-queue/site.yaml", home);
	if (path != NULL && access(path, F_OK) == 0 &&
	    spec_site_apply_file(s, path, diags) != 0)
		ret = -1;
	free(path);
	*out = s;
	return ret;
}
