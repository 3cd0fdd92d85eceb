/* spec-render.c: a stored spec to the Kubernetes objects that run it. */
#include "spec-int.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SPEC_MASTER_PORT 29500
/* Multus' network selection, how a pod joins the admin chart's per-namespace
 * IPoIB network. */
#define SPEC_NETWORKS_ANNOTATION "k8s.v1.cni.cncf.io/networks"

/* What an interactive pod runs: nothing but staying up for exec. */
static const char spec_idle_script[] =
    "trap 'exit 0' TERM INT\n"
    "while :; do sleep 3600 & wait $!; done\n";

/* True for a DNS-1123 label, what Kubernetes requires of names. */
bool
spec_is_dns_label(const char *s, size_t max)
{
	size_t i, len = strlen(s);

	if (len == 0 || len > max)
		return false;
	for (i = 0; i < len; i++)
		if (!islower((unsigned char)s[i]) &&
		    !isdigit((unsigned char)s[i]) && s[i] != '-')
			return false;
	return isalnum((unsigned char)s[0]) &&
	    isalnum((unsigned char)s[len - 1]);
}

/* True for a label value: empty, or up to 63 characters of [-_.A-Za-z0-9]
 * beginning and ending with an alphanumeric. */
bool
spec_is_label_value(const char *s)
{
	size_t i, len = strlen(s);

	if (len == 0)
		return true;
	if (len > 63)
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' &&
		    s[i] != '_' && s[i] != '.')
			return false;
	return isalnum((unsigned char)s[0]) &&
	    isalnum((unsigned char)s[len - 1]);
}

/* True for a qualified name: an optional DNS subdomain prefix and '/',
 * then a non-empty label value. */
bool
spec_is_label_key(const char *s)
{
	const char *slash = strchr(s, '/'), *name = s;
	size_t i, plen;

	if (slash != NULL) {
		plen = (size_t)(slash - s);
		if (plen == 0 || plen > 253)
			return false;
		for (i = 0; i < plen; i++)
			if (!islower((unsigned char)s[i]) &&
			    !isdigit((unsigned char)s[i]) && s[i] != '-' &&
			    s[i] != '.')
				return false;
		if (!isalnum((unsigned char)s[0]) ||
		    !isalnum((unsigned char)s[plen - 1]))
			return false;
		name = slash + 1;
	}
	return name[0] != '\0' && spec_is_label_value(name);
}

/* A label value made from any text (an owner name), so objects are always
 * valid: characters outside the label alphabet become '-'. */
static char *
spec_label_safe(const char *s)
{
	char *v = xstrndup(s != NULL ? s : "", 63);
	size_t i, len;

	for (i = 0; v[i] != '\0'; i++)
		if (!isalnum((unsigned char)v[i]) && v[i] != '-' &&
		    v[i] != '_' && v[i] != '.')
			v[i] = '-';
	while ((len = strlen(v)) > 0 && !isalnum((unsigned char)v[len - 1]))
		v[len - 1] = '\0';
	len = 0;
	while (v[len] != '\0' && !isalnum((unsigned char)v[len]))
		len++;
	memmove(v, v + len, strlen(v + len) + 1);
	return v;
}

/* Bytes as the shortest exact quantity, binary ("16Gi") or decimal
 * ("200G"), so objects read as users wrote them. */
char *
spec_format_bytes(int64_t v)
{
	static const char *const dec[] = { "", "k", "M", "G", "T", "P", "E" };
	char *bin = quantity_format_bytes(v), *d;
	int64_t n = v;
	size_t i = 0;

	while (n != 0 && n % 1000 == 0 && i + 1 < nitems(dec)) {
		n /= 1000;
		i++;
	}
	d = xprintf("%lld%s", (long long)n, dec[i]);
	if (strlen(d) < strlen(bin)) {
		free(bin);
		return d;
	}
	free(d);
	return bin;
}

/* Characters of the queue id that end object names: two queues of one
 * namespace collide only if these agree, and then a create meets an
 * object that is not the job's and the job fails instead of taking it. */
#define SPEC_QUEUE_TAG 5

/* "<name>-<id>", and "-<tag>" in a queue. */
static char *
spec_base(const char *name, const char *queue, int64_t id)
{
	if (queue == NULL || *queue == '\0')
		return xprintf("%s-%lld", name, (long long)id);
	return xprintf("%s-%lld-%.*s", name, (long long)id, SPEC_QUEUE_TAG,
	    queue);
}

/* The labels that pick one job's pods of one queue: every selector. */
static json_t *
spec_selector(const struct spec_run *run)
{
	json_t *l = json_object();

	json_object_set_new(l, SPEC_LABEL_MANAGED, json_string(SPEC_MANAGER));
	if (run->queue != NULL && *run->queue != '\0')
		json_object_set_new(l, SPEC_LABEL_QUEUE,
		    json_string(run->queue));
	json_object_set_new(l, SPEC_LABEL_JOB,
	    json_sprintf("%lld", (long long)run->job_id));
	return l;
}

/* The labels every object of a run carries (cleanup and the scheduler
 * find objects by them). */
static json_t *
spec_labels(const struct spec_run *run, int rank)
{
	char *owner = spec_label_safe(run->owner), *group;
	json_t *l;

	group = spec_label_safe(run->group);
	l = spec_selector(run);
	json_object_set_new(l, SPEC_LABEL_GROUP, json_string(group));
	json_object_set_new(l, SPEC_LABEL_OWNER, json_string(owner));
	json_object_set_new(l, SPEC_LABEL_ATTEMPT,
	    json_sprintf("%d", run->attempt));
	if (rank >= 0)
		json_object_set_new(l, SPEC_LABEL_RANK,
		    json_sprintf("%d", rank));
	free(owner);
	free(group);
	return l;
}

/* Standard object metadata. */
static json_t *
spec_meta(const char *name, const char *ns, json_t *labels)
{
	return json_pack("{s:s,s:s,s:o}", "name", name, "namespace", ns,
	    "labels", labels);
}

/* An env entry with a literal value. */
static void
spec_env(json_t *env, const char *name, const char *value)
{
	json_array_append_new(env, json_pack("{s:s,s:s}", "name", name,
	    "value", value));
}

/* An env entry with an integer value. */
static void
spec_env_int(json_t *env, const char *name, long long v)
{
	char buf[32];

	snprintf(buf, sizeof buf, "%lld", v);
	spec_env(env, name, buf);
}

/* An env entry of the rank: the number, or (rank -1, Indexed Jobs) read
 * from the pod's completion index. */
static void
spec_env_rank(json_t *env, const char *name, int rank)
{
	if (rank >= 0)
		spec_env_int(env, name, rank);
	else
		json_array_append_new(env, json_pack("{s:s,s:{s:{s:s}}}",
		    "name", name, "valueFrom", "fieldRef", "fieldPath",
		    "metadata.annotations['" SPEC_INDEX_ANNOTATION "']"));
}

/* Everything the render needs from a stored spec. */
struct spec_rjob {
	json_t *j;
	const char *name, *ns, *image, *workload, *container;
	const char *gpu_resource, *node_label;
	json_int_t replicas, gpus, cpu, mem, shm, scratch;
	bool interactive, shell, ib;
	char *base;
};

/* The node selection for the run's GPU type(s). */
static void
spec_render_nodes(struct spec_rjob *r, const struct spec_run *run,
    json_t *pod)
{
	json_t *prods = json_object_get(r->j, "gpu_products"), *vals, *p;
	const char *key;

	if (run->gpu_type != NULL && run->gpu_type[0] != '\0' &&
	    (p = json_object_get(prods, run->gpu_type)) != NULL) {
		json_object_set_new(pod, "nodeSelector", json_pack("{s:O}",
		    r->node_label, p));
		return;
	}
	if (json_object_size(prods) == 0)
		return;
	if (json_object_size(prods) == 1) {
		json_object_foreach(prods, key, p)
			json_object_set_new(pod, "nodeSelector",
			    json_pack("{s:O}", r->node_label, p));
		return;
	}
	vals = json_array();
	json_object_foreach(prods, key, p)
		json_array_append(vals, p);
	json_object_set_new(pod, "affinity", json_pack("{s:{s:{s:[{s:[{s:s,"
	    "s:s,s:o}]}]}}}", "nodeAffinity",
	    "requiredDuringSchedulingIgnoredDuringExecution",
	    "nodeSelectorTerms", "matchExpressions", "key", r->node_label,
	    "operator", "In", "values", vals));
}

/*
 * Holds a rank's pods on the node the scheduler placed it (an Indexed
 * Job's on the set of its ranks' nodes), beside the GPU type selection.
 * A job without GPUs that still names a type (the chart's GPU with
 * Limits.GPU 0) is held by the type alone: the scheduler places jobs
 * without GPUs on nodes of any type, and both together could name no node.
 */
static void
spec_render_placement(struct spec_rjob *r, const struct spec_run *run,
    int rank, json_t *pod)
{
	json_t *vals, *aff, *terms, *term, *exprs;
	size_t i, k;
	bool dup;

	if (run->nodes == NULL || run->nnodes == 0)
		return;
	if (r->gpus == 0 && json_object_size(json_object_get(r->j,
	    "gpu_products")) > 0)
		return;
	vals = json_array();
	for (i = 0; i < run->nnodes; i++) {
		if (rank >= 0 && i != (size_t)rank)
			continue;
		if (run->nodes[i] == NULL || run->nodes[i][0] == '\0')
			continue;
		for (k = 0, dup = false; k < i; k++)
			if (run->nodes[k] != NULL &&
			    strcmp(run->nodes[k], run->nodes[i]) == 0)
				dup = true;
		if (!dup || rank >= 0)
			json_array_append_new(vals, json_string(run->nodes[i]));
	}
	if (json_array_size(vals) == 0) {
		json_decref(vals);
		return;
	}
	if ((aff = json_object_get(pod, "affinity")) == NULL)
		json_object_set_new(pod, "affinity", aff = json_pack("{s:{s:{s:"
		    "[{s:[]}]}}}", "nodeAffinity",
		    "requiredDuringSchedulingIgnoredDuringExecution",
		    "nodeSelectorTerms", "matchExpressions"));
	terms = json_object_get(json_object_get(json_object_get(aff,
	    "nodeAffinity"), "requiredDuringSchedulingIgnoredDuringExecution"),
	    "nodeSelectorTerms");
	/* Terms are ORed: the hostname goes into each one, ANDed. */
	json_array_foreach(terms, i, term) {
		exprs = json_object_get(term, "matchExpressions");
		json_array_append_new(exprs, json_pack("{s:s,s:s,s:O}", "key",
		    "kubernetes.io/hostname", "operator", "In", "values",
		    vals));
	}
	json_decref(vals);
}

/*
 * A string Kubernetes passes through as written.  The kubelet expands
 * $(VAR) in a container's command, args and env values and reads $$ as one
 * $, leaving every other $ alone; a $ that begins either is doubled, so
 * "echo $(date) $$" reaches the process as written (and "$HOME" stays
 * "$HOME" for the shell).  ailab-queue itself refers to no variable there.
 */
static json_t *
spec_kube_literal(const char *s)
{
	json_t *v;
	char *out;
	size_t i, k, n = 0;

	for (i = 0; s[i] != '\0'; i++)
		if (s[i] == '$' && (s[i + 1] == '$' || s[i + 1] == '('))
			n++;
	if (n == 0)
		return json_string(s);
	out = xmalloc(i + n + 1);
	for (i = 0, k = 0; s[i] != '\0'; i++) {
		if (s[i] == '$' && (s[i + 1] == '$' || s[i + 1] == '('))
			out[k++] = '$';
		out[k++] = s[i];
	}
	out[k] = '\0';
	v = json_string(out);
	free(out);
	return v;
}

/* Escapes each string of an array (command, args) in place. */
static void
spec_kube_literal_array(json_t *a)
{
	json_t *e;
	size_t i;

	json_array_foreach(a, i, e)
		if (json_is_string(e))
			json_array_set_new(a, i,
			    spec_kube_literal(json_string_value(e)));
}

/* Makes what the kubelet expands in a container literal: its command,
 * args and env values. */
static void
spec_kube_literal_container(json_t *c)
{
	json_t *e, *v;
	size_t i;

	spec_kube_literal_array(json_object_get(c, "command"));
	spec_kube_literal_array(json_object_get(c, "args"));
	json_array_foreach(json_object_get(c, "env"), i, e)
		if ((v = json_object_get(e, "value")) != NULL &&
		    json_is_string(v))
			json_object_set_new(e, "value",
			    spec_kube_literal(json_string_value(v)));
}

/* The container of one rank (rank -1: an Indexed Job's template). */
static json_t *
spec_render_container(struct spec_rjob *r, int rank, json_t *mounts)
{
	json_t *c, *cmd, *args, *env, *e, *res, *lim, *req, *user;
	const char *k;
	char *q, *mem, *master;
	size_t i;
	bool nccl_ib = false;

	c = json_object();
	json_object_set_new(c, "name", json_string(r->container));
	json_object_set_new(c, "image", json_string(r->image));
	/* As the chart: nodes keep the course images, and a tag is pulled
	 * once per node, never on every start. */
	json_object_set_new(c, "imagePullPolicy", json_string("IfNotPresent"));
	/* RDMA registers (locks) memory for the HCA. */
	if (r->ib)
		json_object_set_new(c, "securityContext", json_pack("{s:{s:[s]}}",
		    "capabilities", "add", "IPC_LOCK"));
	user = json_object_get(r->j, "command");
	if (r->interactive)
		cmd = json_pack("[s,s,s]", "/bin/sh", "-c", spec_idle_script);
	else {
		args = json_array();
		if (r->shell) {
			json_array_append_new(args, json_string("/bin/sh"));
			json_array_append_new(args, json_string("-c"));
		}
		json_array_foreach(user, i, e)
			json_array_append(args, e);
		if (strcmp(r->workload, "deployment") == 0) {
			cmd = json_pack("[s,s,s,s]", "/bin/sh", "-c",
			    spec_wrapper_script, "ailab-queue-wrapper");
			json_object_set_new(c, "command", cmd);
			json_object_set_new(c, "args", args);
			cmd = NULL;
		} else
			cmd = args;
	}
	if (cmd != NULL)
		json_object_set_new(c, "command", cmd);
	if ((e = json_object_get(r->j, "workdir")) != NULL)
		json_object_set(c, "workingDir", e);

	env = json_array();
	json_object_foreach(json_object_get(r->j, "env"), k, e) {
		spec_env(env, k, json_string_value(e));
		if (strcmp(k, "NCCL_IB_DISABLE") == 0)
			nccl_ib = true;
	}
	master = xprintf("%s-0.%s", r->base, r->base);
	spec_env_int(env, "PET_NNODES", r->replicas);
	spec_env_int(env, "PET_NPROC_PER_NODE", r->gpus > 0 ? r->gpus : 1);
	spec_env_rank(env, "PET_NODE_RANK", rank);
	spec_env(env, "PET_MASTER_ADDR", master);
	spec_env_int(env, "PET_MASTER_PORT", SPEC_MASTER_PORT);
	spec_env(env, "MASTER_ADDR", master);
	spec_env_int(env, "MASTER_PORT", SPEC_MASTER_PORT);
	spec_env_int(env, "WORLD_SIZE", r->replicas);
	spec_env_rank(env, "RANK", rank);
	if (r->gpus > 0 && !r->ib && !nccl_ib)
		spec_env(env, "NCCL_IB_DISABLE", "1");
	free(master);
	json_object_set_new(c, "env", env);

	q = quantity_format_milli(r->cpu);
	mem = spec_format_bytes(r->mem);
	req = json_pack("{s:s,s:s}", "cpu", q, "memory", mem);
	lim = json_pack("{s:s,s:s}", "cpu", q, "memory", mem);
	free(q);
	free(mem);
	if (r->gpus > 0)
		json_object_set_new(lim, r->gpu_resource,
		    json_sprintf("%lld", (long long)r->gpus));
	if ((e = json_object_get(r->j, "ib_resource")) != NULL) {
		json_object_set_new(req, json_string_value(e),
		    json_string("1"));
		json_object_set_new(lim, json_string_value(e),
		    json_string("1"));
	}
	res = json_pack("{s:o,s:o}", "requests", req, "limits", lim);
	json_object_set_new(c, "resources", res);
	json_object_set_new(c, "volumeMounts", mounts);
	json_object_set_new(c, "terminationMessagePath",
	    json_string(SPEC_TERMINATION_LOG));
	json_object_set_new(c, "terminationMessagePolicy",
	    json_string("File"));
	spec_kube_literal_container(c);
	return c;
}

/* The user and group the pod's processes run as (the chart's UID, GID);
 * stored specs from before they were recorded say nothing. */
static void
spec_render_security(struct spec_rjob *r, json_t *pod)
{
	json_t *uid = json_object_get(r->j, "uid");
	json_t *gid = json_object_get(r->j, "gid");
	json_t *sc;

	if (!json_is_integer(uid) && !json_is_integer(gid))
		return;
	sc = json_object();
	if (json_is_integer(uid))
		json_object_set(sc, "runAsUser", uid);
	if (json_is_integer(gid))
		json_object_set(sc, "runAsGroup", gid);
	json_object_set_new(pod, "securityContext", sc);
}

/* The pod template of one rank (rank -1: an Indexed Job's template). */
static json_t *
spec_render_pod(struct spec_rjob *r, const struct spec_run *run, int rank)
{
	json_t *labels, *ann, *meta, *pod, *vols, *mounts, *v, *e, *l;
	char *q, *vn;
	size_t i;

	labels = json_object();
	json_object_update(labels, json_object_get(r->j, "labels"));
	l = spec_labels(run, rank);
	json_object_update(labels, l);
	json_decref(l);
	ann = json_deep_copy(json_object_get(r->j, "annotations"));
	if (ann == NULL)
		ann = json_object();
	json_object_set_new(ann, SPEC_ANNOTATION_ATTEMPT,
	    json_sprintf("%d", run->attempt));
	if ((e = json_object_get(r->j, "ib_network")) != NULL &&
	    json_object_get(ann, SPEC_NETWORKS_ANNOTATION) == NULL)
		json_object_set(ann, SPEC_NETWORKS_ANNOTATION, e);
	meta = json_pack("{s:o,s:o}", "labels", labels, "annotations", ann);

	vols = json_array();
	mounts = json_array();
	if (strcmp(r->workload, "deployment") == 0 && !r->interactive) {
		json_array_append_new(vols, json_pack("{s:s,s:{}}", "name",
		    SPEC_STATE_VOLUME, "emptyDir"));
		json_array_append_new(mounts, json_pack("{s:s,s:s}", "name",
		    SPEC_STATE_VOLUME, "mountPath", SPEC_STATE_DIR));
	}
	if (r->shm > 0) {
		q = spec_format_bytes(r->shm);
		json_array_append_new(vols, json_pack("{s:s,s:{s:s,s:s}}",
		    "name", "dshm", "emptyDir", "medium", "Memory",
		    "sizeLimit", q));
		json_array_append_new(mounts, json_pack("{s:s,s:s}", "name",
		    "dshm", "mountPath", "/dev/shm"));
		free(q);
	}
	json_array_foreach(json_object_get(r->j, "volumes"), i, v) {
		json_t *pvc = json_pack("{s:O}", "claimName",
		    json_object_get(v, "claim"));
		json_t *m = json_pack("{s:O,s:O}", "name",
		    json_object_get(v, "name"), "mountPath",
		    json_object_get(v, "mount"));

		if (json_is_true(json_object_get(v, "read_only"))) {
			json_object_set_new(pvc, "readOnly", json_true());
			json_object_set_new(m, "readOnly", json_true());
		}
		json_array_append_new(vols, json_pack("{s:O,s:o}", "name",
		    json_object_get(v, "name"), "persistentVolumeClaim", pvc));
		json_array_append_new(mounts, m);
	}
	if (r->scratch > 0) {
		q = spec_format_bytes(r->scratch);
		json_array_foreach(json_object_get(r->j, "scratch_mounts"), i,
		    e) {
			vn = xprintf("scratch%zu", i + 1);
			json_array_append_new(vols, json_pack("{s:s,s:{s:{s:{s:o},"
			    "s:{s:[s],s:O,s:{s:{s:s}}}}}}", "name", vn,
			    "ephemeral", "volumeClaimTemplate", "metadata",
			    "labels", spec_labels(run, -1), "spec",
			    "accessModes", "ReadWriteOnce", "storageClassName",
			    json_object_get(r->j, "scratch_class"), "resources",
			    "requests", "storage", q));
			json_array_append_new(mounts, json_pack("{s:s,s:O}",
			    "name", vn, "mountPath", e));
			free(vn);
		}
		free(q);
	}

	pod = json_object();
	if (rank >= 0) {
		q = xprintf("%s-%d", r->base, rank);
		json_object_set_new(pod, "hostname", json_string(q));
		free(q);
	}
	json_object_set_new(pod, "subdomain", json_string(r->base));
	json_object_set_new(pod, "restartPolicy", json_string(
	    strcmp(r->workload, "job") == 0 ? "Never" : "Always"));
	spec_render_security(r, pod);
	spec_render_nodes(r, run, pod);
	spec_render_placement(r, run, rank, pod);
	json_object_set_new(pod, "containers", json_pack("[o]",
	    spec_render_container(r, rank, mounts)));
	json_object_set_new(pod, "volumes", vols);
	return json_pack("{s:o,s:o}", "metadata", meta, "spec", pod);
}

/*
 * The NodePort Service of a job with ports (the ssh port of an interactive
 * job, ExtraPort): the chart's Service, but reaching rank 0 only, and named
 * after it; NULL when the job has no ports.
 */
static json_t *
spec_render_ports(struct spec_rjob *r, const struct spec_run *run)
{
	json_t *ports = json_object_get(r->j, "ports"), *out, *sel, *e;
	json_t *labels;
	char *name;
	json_int_t p;
	size_t i;

	if (json_array_size(ports) == 0)
		return NULL;
	labels = spec_labels(run, -1);
	sel = spec_selector(run);
	json_object_set_new(sel, strcmp(r->workload, "job") == 0 ?
	    SPEC_INDEX_ANNOTATION : SPEC_LABEL_RANK, json_string("0"));
	out = json_array();
	json_array_foreach(ports, i, e) {
		p = json_integer_value(e);
		if (p < 1 || p > 65535)
			continue;
		name = p == SPEC_SSH_PORT ? xstrdup("ssh") :
		    xprintf("tcp-%lld", (long long)p);
		json_array_append_new(out, json_pack("{s:s,s:s,s:I,s:I}",
		    "name", name, "protocol", "TCP", "port", p, "targetPort",
		    p));
		free(name);
	}
	name = xprintf("%s-0", r->base);
	e = json_pack("{s:s,s:s,s:o,s:{s:s,s:o,s:o}}", "apiVersion", "v1",
	    "kind", "Service", "metadata", spec_meta(name, r->ns, labels),
	    "spec", "type", "NodePort", "selector", sel, "ports", out);
	free(name);
	return e;
}

/* Reads and checks the fields of a stored spec. */
static int
spec_rjob_read(struct spec_rjob *r, const char *spec_json,
    const struct spec_run *run, char **cause)
{
	json_error_t err;
	json_t *gpu;

	memset(r, 0, sizeof *r);
	if ((r->j = json_loads(spec_json, 0, &err)) == NULL) {
		*cause = xprintf("stored spec is not JSON: %s", err.text);
		return -1;
	}
	if (json_integer_value(json_object_get(r->j, "v")) !=
	    SPEC_JSON_VERSION) {
		*cause = xstrdup("stored spec has an unknown version");
		return -1;
	}
	gpu = json_object_get(r->j, "gpu");
	if (json_unpack_ex(r->j, &err, 0, "{s:s,s:s,s:s,s:s,s:I,s:I,s:I,s:I,"
	    "s:I,s:b,s:b,s:s,s:s}", "name", &r->name, "namespace", &r->ns,
	    "image", &r->image, "workload", &r->workload, "replicas",
	    &r->replicas, "cpu_milli", &r->cpu, "memory_bytes", &r->mem,
	    "shm_bytes", &r->shm, "scratch_bytes", &r->scratch, "interactive",
	    &r->interactive, "ib", &r->ib, "gpu_resource", &r->gpu_resource,
	    "node_label", &r->node_label) != 0 ||
	    json_unpack_ex(gpu, &err, 0, "{s:I}", "count", &r->gpus) != 0) {
		*cause = xprintf("stored spec is incomplete: %s", err.text);
		return -1;
	}
	r->shell = json_is_true(json_object_get(r->j, "shell"));
	r->container = json_string_value(json_object_get(r->j,
	    "container_name"));
	if (r->container == NULL)
		r->container = "main";
	if (r->replicas < 1 || r->replicas > 100000) {
		*cause = xstrdup("stored spec has a bad replica count");
		return -1;
	}
	r->base = spec_base(r->name, run->queue, run->job_id);
	if (strlen(r->base) + 1 + snprintf(NULL, 0, "%lld",
	    (long long)r->replicas - 1) > 63) {
		*cause = xprintf("object name '%s' is too long", r->base);
		return -1;
	}
	return 0;
}

/* Renders the objects of one run of a stored job. */
json_t *
spec_render_job_json(const char *spec_json, const struct spec_run *run,
    char **cause)
{
	struct spec_rjob r;
	json_t *out = NULL, *labels, *obj, *sel;
	json_int_t rank;
	char *name;

	if (spec_rjob_read(&r, spec_json, run, cause) != 0)
		goto out;
	out = json_array();
	labels = spec_labels(run, -1);
	json_array_append_new(out, json_pack("{s:s,s:s,s:o,s:{s:s,s:b,s:o,"
	    "s:[{s:s,s:i,s:i}]}}", "apiVersion", "v1", "kind", "Service",
	    "metadata", spec_meta(r.base, r.ns, labels), "spec", "clusterIP",
	    "None", "publishNotReadyAddresses", 1, "selector",
	    spec_selector(run), "ports", "name", "master", "port",
	    SPEC_MASTER_PORT, "targetPort", SPEC_MASTER_PORT));
	if ((obj = spec_render_ports(&r, run)) != NULL)
		json_array_append_new(out, obj);
	if (strcmp(r.workload, "job") == 0) {
		obj = json_pack("{s:s,s:s,s:o,s:{s:s,s:I,s:I,s:i,s:s,s:o}}",
		    "apiVersion", "batch/v1", "kind", "Job", "metadata",
		    spec_meta(r.base, r.ns, spec_labels(run, -1)), "spec",
		    "completionMode", "Indexed", "completions", r.replicas,
		    "parallelism", r.replicas, "backoffLimit", 0,
		    "podReplacementPolicy", "Failed", "template",
		    spec_render_pod(&r, run, -1));
		json_array_append_new(out, obj);
		goto out;
	}
	for (rank = 0; rank < r.replicas; rank++) {
		name = xprintf("%s-%lld", r.base, (long long)rank);
		labels = spec_labels(run, (int)rank);
		sel = spec_selector(run);
		json_object_set_new(sel, SPEC_LABEL_RANK,
		    json_sprintf("%lld", (long long)rank));
		obj = json_pack("{s:s,s:s,s:o,s:{s:i,s:{s:o},s:{s:s},s:o}}",
		    "apiVersion", "apps/v1", "kind", "Deployment", "metadata",
		    spec_meta(name, r.ns, labels), "spec", "replicas", 1,
		    "selector", "matchLabels", sel, "strategy", "type",
		    "Recreate", "template", spec_render_pod(&r, run, (int)rank));
		json_array_append_new(out, obj);
		free(name);
	}
out:
	json_decref(r.j);
	free(r.base);
	return out;
}
