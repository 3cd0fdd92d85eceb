/*
 * The cluster description: the built-in ailab default or a YAML file, turned
 * into Node, Namespace, ResourceQuota and PersistentVolumeClaim objects and
 * a user table; and the kubeconfig written for those users.
 */
#include "sim-int.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"
#include "common-yaml.h"

/*
 * The built-in cluster: ailab as its operators publish it
 * (../shared/reference/ailab-cluster.md, the admin chart of iiisthu/ailab).
 * What is not published (the mix of GPU types, cpu and memory of a node)
 * is an assumption; docs/kubesim.md lists both.
 */
static const char sim_builtin_yaml[] =
    "# 3 control-plane nodes, tainted, without GPUs.\n"
    "nodeGroups:\n"
    "- {names: [ailab-master-1, ailab-master-2, ailab-master-3],\n"
    "   cpu: '32', memory: 128Gi,\n"
    "   labels: {node-role.kubernetes.io/control-plane: ''},\n"
    "   taints: [{key: node-role.kubernetes.io/control-plane,\n"
    "             effect: NoSchedule}]}\n"
    "# 50 GPU workers; RTX4090D cards have 48 GB (the values template).\n"
    "- {count: 20, namePrefix: ailab-4090d-, gpu: NVIDIA-GeForce-RTX-4090-D,\n"
    "   gpuCount: 8, gpuMemory: 49140, gpuFamily: ada-lovelace,\n"
    "   labels: {gpu-model: RTX4090D},\n"
    "   computeMajor: 8, computeMinor: 9, cpu: '64', memory: 512Gi}\n"
    "- {count: 20, namePrefix: ailab-4090-, gpu: NVIDIA-GeForce-RTX-4090,\n"
    "   gpuCount: 8, gpuMemory: 24564, gpuFamily: ada-lovelace,\n"
    "   labels: {gpu-model: RTX4090},\n"
    "   computeMajor: 8, computeMinor: 9, cpu: '64', memory: 512Gi}\n"
    "- {count: 10, namePrefix: ailab-3090-, gpu: NVIDIA-GeForce-RTX-3090,\n"
    "   gpuCount: 8, gpuMemory: 24576, gpuFamily: ampere,\n"
    "   labels: {gpu-model: RTX3090},\n"
    "   computeMajor: 8, computeMinor: 6, cpu: '48', memory: 256Gi}\n"
    "# Every user namespace: the admin chart's quota (quota.yaml) and the\n"
    "# four standing claims of the admin, gfshome, gfsshare and ssdshare\n"
    "# charts (23T of the 40T storage quota).\n"
    "defaultQuotaName: quota-cpu-mem-gpu-pvc\n"
    "defaultQuota: {limits.cpu: '56', limits.memory: 500Gi,\n"
    "   requests.cpu: '56', requests.memory: 500Gi,\n"
    "   requests.nvidia.com/gpu: '4', requests.storage: 40T,\n"
    "   count/pods: '10'}\n"
    "defaultClaims:\n"
    "- {namePrefix: pvc-nfshome-, storageClassName: nfs-users, storage: 2T}\n"
    "- {namePrefix: gfs-sata-pvc-, storageClassName: kadalu.gfs-sata-users,\n"
    "   storage: 10T}\n"
    "- {namePrefix: gfs-sata-share-pvc-,\n"
    "   storageClassName: kadalu.gfs-sata-share, storage: 10T}\n"
    "- {namePrefix: gfs-nvme-pvc-share-,\n"
    "   storageClassName: kadalu.gfs-nvme-share, storage: 1T}\n"
    "namespaces:\n"
    "- name: default\n"
    "- name: kube-system\n"
    "- name: alice\n"
    "- name: bob\n"
    "- name: carol\n"
    "- name: ml101\n"
    "# Users are namespace admins only (rbac.yaml); alice is also bound in\n"
    "# the class namespace ml101, as its TA.\n"
    "users:\n"
    "- {name: alice, token: alice-token, groups: [students],\n"
    "   namespaces: [alice, ml101]}\n"
    "- {name: bob, token: bob-token, groups: [students], namespaces: [bob]}\n"
    "- {name: carol, token: carol-token, groups: [students],\n"
    "   namespaces: [carol]}\n"
    "- {name: admin, token: admin-token, groups: [system:masters],\n"
    "   admin: true}\n"
    "# A shared server's service account (examples/serve/rbac.yaml): reviews,\n"
    "# reads everywhere, workloads in the user namespaces, its Lease in\n"
    "# default.\n"
    "- {name: sched-sa, token: sched-sa-token,\n"
    "   groups: [system:auth-delegator], readAll: true,\n"
    "   namespaces: [alice, bob, carol, ml101, default],\n"
    "   resources: [deployments, jobs, services, leases]}\n";

/* Turns a plain scalar into the JSON value YAML 1.1 core would give. */
static json_t *
sim_yaml_scalar(const struct ytree_node *y)
{
	const char *v = y->s;
	size_t len = strlen(v);
	char *end;
	long long n;
	double d;

	if (!y->plain)
		return json_stringn(v, len);
	if (strcmp(v, "true") == 0 || strcmp(v, "True") == 0)
		return json_true();
	if (strcmp(v, "false") == 0 || strcmp(v, "False") == 0)
		return json_false();
	if (strcmp(v, "null") == 0 || strcmp(v, "~") == 0 || len == 0)
		return json_null();
	errno = 0;
	n = strtoll(v, &end, 10);
	if (*end == '\0' && errno == 0 && end != v)
		return json_integer(n);
	d = strtod(v, &end);
	if (*end == '\0' && end != v && strspn(v, "0123456789.-+eE") == len)
		return json_real(d);
	return json_stringn(v, len);
}

/* One node of common's YAML tree as JSON. */
static json_t *
sim_yaml_node(const struct ytree_node *y)
{
	json_t *out;
	size_t i;

	if (y->type == YTREE_SCALAR)
		return sim_yaml_scalar(y);
	out = y->type == YTREE_SEQ ? json_array() : json_object();
	for (i = 0; i < y->n; i++) {
		if (y->type == YTREE_SEQ)
			json_array_append_new(out, sim_yaml_node(y->kids[i]));
		else
			json_object_set_new(out, y->kids[i]->s,
			    sim_yaml_node(y->kids[i + 1]));
		i += y->type == YTREE_MAP;
	}
	return out;
}

/* Converts a YAML document (common's reader, bounded) to JSON; an empty
 * one is {}. */
json_t *
sim_yaml_to_json(const char *text, size_t len, char **cause)
{
	struct ytree_limits lim = { .max_string = 3 << 20,
		.what = "a request body" };
	struct ytree_node **docs;
	struct ytree_mark at;
	json_t *out;
	char *why;
	size_t n;

	if (ytree_parse(text, len, &lim, &docs, &n, &at, &why) != 0) {
		*cause = xprintf("line %d column %d: %s", at.line, at.col, why);
		free(why);
		return NULL;
	}
	out = n > 0 ? sim_yaml_node(docs[0]) : json_object();
	ytree_docs_free(docs, n);
	return out;
}

/* A string field of the cluster file, or a default. */
static const char *
sim_cfg_str(json_t *o, const char *k, const char *def)
{
	json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : def;
}

/* An integer field (number or numeric string), or a default. */
static long long
sim_cfg_int(json_t *o, const char *k, long long def)
{
	json_t *v = json_object_get(o, k);

	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_string(v))
		return strtoll(json_string_value(v), NULL, 10);
	return def;
}

/* Makes the Node objects of one node group (named by prefix or by list). */
static int
sim_cluster_nodes(struct sim *sim, json_t *g, int gi, char **cause)
{
	long long count = sim_cfg_int(g, "count", 1), i;
	json_t *names = json_object_get(g, "names");
	const char *prefix = sim_cfg_str(g, "namePrefix", "node-");
	const char *gpu = sim_cfg_str(g, "gpu", NULL);
	long long gcount = sim_cfg_int(g, "gpuCount", gpu ? 8 : 0);
	const char *cpu = sim_cfg_str(g, "cpu", NULL);
	const char *mem = sim_cfg_str(g, "memory", "256Gi");
	char cpubuf[32], *name, gbuf[32];
	int64_t check;

	if (cpu == NULL) {
		snprintf(cpubuf, sizeof cpubuf, "%lld", sim_cfg_int(g, "cpu", 64));
		cpu = cpubuf;
	}
	if (quantity_parse(cpu, QUANTITY_MILLI, &check, NULL) != 0 ||
	    quantity_parse(mem, QUANTITY_UNITS, &check, NULL) != 0) {
		*cause = xprintf("nodeGroups[%d]: bad cpu or memory", gi);
		return -1;
	}
	if (names != NULL) {
		json_t *e;
		size_t j;

		if (!json_is_array(names)) {
			*cause = xprintf("nodeGroups[%d]: 'names' must be a list "
			    "of names", gi);
			return -1;
		}
		json_array_foreach(names, j, e) {
			if (!json_is_string(e) || *json_string_value(e) == '\0') {
				*cause = xprintf("nodeGroups[%d]: 'names[%zu]' "
				    "must be a name", gi, j);
				return -1;
			}
		}
		count = (long long)json_array_size(names);
	}
	if (count < 0 || count > 100000) {
		*cause = xprintf("nodeGroups[%d]: bad count", gi);
		return -1;
	}
	for (i = 0; i < count; i++) {
		json_t *n, *labels, *alloc, *extra;
		const char *k;
		json_t *v;

		if (names != NULL)
			name = xstrdup(json_string_value(json_array_get(names,
			    (size_t)i)));
		else
			name = xprintf("%s%02lld", prefix, i + 1);
		if (sim_get(sim, SIM_RT_NODES, NULL, name) != NULL) {
			*cause = xprintf("nodeGroups[%d]: duplicate node '%s'",
			    gi, name);
			free(name);
			return -1;
		}
		labels = json_pack("{ssssssss}", "kubernetes.io/hostname", name,
		    "kubernetes.io/os", "linux", "kubernetes.io/arch", "amd64",
		    "beta.kubernetes.io/os", "linux");
		snprintf(gbuf, sizeof gbuf, "%lld", gcount);
		alloc = json_pack("{ssssssss}", "cpu", cpu, "memory", mem,
		    "pods", "110", "ephemeral-storage", "1Ti");
		if (gpu != NULL) {
			/* The labels NVIDIA's GPU feature discovery sets. */
			json_object_update_new(labels, json_pack("{sssssos"
			    "ssssssososs}", "nvidia.com/gpu.product", gpu,
			    "nvidia.com/gpu.count", gbuf, "nvidia.com/gpu.memory",
			    json_sprintf("%lld", sim_cfg_int(g, "gpuMemory",
			    24564)), "nvidia.com/gpu.replicas", "1",
			    "nvidia.com/gpu.sharing-strategy", "none",
			    "nvidia.com/gpu.family", sim_cfg_str(g, "gpuFamily",
			    "ampere"), "nvidia.com/gpu.compute.major",
			    json_sprintf("%lld", sim_cfg_int(g, "computeMajor",
			    8)), "nvidia.com/gpu.compute.minor", json_sprintf(
			    "%lld", sim_cfg_int(g, "computeMinor", 6)),
			    "nvidia.com/gpu.present", "true"));
			json_object_set_new(alloc, "nvidia.com/gpu",
			    json_string(gbuf));
		}
		extra = json_object_get(g, "labels");
		json_object_foreach(extra, k, v) {
			if (json_is_string(v))
				json_object_set(labels, k, v);
		}
		n = json_pack("{s{ssso}s{}s{sOsOs[{ssssssss}{ssssssss}]"
		    "s{ssssssssssssssssssss}s[{ssso}{ssss}]}}",
		    "metadata", "name", name, "labels", labels,
		    "spec",
		    "status", "capacity", alloc, "allocatable", alloc,
		    "conditions",
		    "type", "Ready", "status", "True", "reason", "KubeletReady",
		    "message", "kubelet is posting ready status",
		    "type", "MemoryPressure", "status", "False", "reason",
		    "KubeletHasSufficientMemory", "message",
		    "kubelet has sufficient memory available",
		    "nodeInfo", "kubeletVersion", "v1.32.4", "osImage",
		    "Debian GNU/Linux 12 (bookworm)", "containerRuntimeVersion",
		    "containerd://1.7.24", "architecture", "amd64",
		    "operatingSystem", "linux", "kernelVersion", "6.1.0-sim",
		    "kubeProxyVersion", "v1.32.4", "bootID", name, "machineID",
		    name, "systemUUID", name,
		    "addresses", "type", "InternalIP", "address", json_sprintf(
		    "10.%d.%lld.%lld", gi + 1, (i + 1) / 250, (i + 1) % 250),
		    "type", "Hostname", "address", name);
		json_decref(alloc);
		if (n == NULL)
			fatalx("node template");
		if (json_object_get(g, "taints") != NULL)
			sim_set(n, "spec.taints",
			    json_deep_copy(json_object_get(g, "taints")));
		sim_create_obj(sim, SIM_RT_NODES, n);
		free(name);
	}
	return 0;
}

/* True for the namespaces Kubernetes keeps itself: no user defaults there. */
static bool
sim_ns_is_system(const char *name)
{
	return strcmp(name, "default") == 0 || strncmp(name, "kube-", 5) == 0;
}

/* Makes the ResourceQuota of a namespace; where names it in messages. */
static int
sim_cluster_quota(struct sim *sim, const char *ns, const char *qname,
    json_t *quota, const char *where, char **cause)
{
	json_t *hard, *v, *obj;
	const char *k;
	int64_t x;

	if (!json_is_object(quota)) {
		*cause = xprintf("%s: must be a mapping of quantities", where);
		return -1;
	}
	hard = json_object();
	json_object_foreach(quota, k, v) {
		if (json_is_integer(v))
			json_object_set_new(hard, k, json_sprintf("%lld",
			    (long long)json_integer_value(v)));
		else if (json_is_string(v) && sim_key_parse(k, v, &x) == 0)
			json_object_set(hard, k, v);
		else {
			*cause = xprintf("%s.%s: bad quantity", where, k);
			json_decref(hard);
			return -1;
		}
	}
	obj = json_pack("{s{ssss}s{sO}s{sO}}", "metadata", "name", qname,
	    "namespace", ns, "spec", "hard", hard, "status", "hard", hard);
	json_decref(hard);
	sim_create_obj(sim, SIM_RT_RESOURCEQUOTAS, obj);
	return 0;
}

/*
 * Makes one standing PersistentVolumeClaim of a namespace (a user's home
 * and shares), Bound as the operators' charts leave it; stored like any
 * claim, so quota and the storage controllers see an ordinary PVC.
 */
static int
sim_cluster_claim(struct sim *sim, const char *ns, json_t *cl,
    const char *where, char **cause)
{
	const char *name, *prefix, *sc;
	json_t *size, *modes, *e, *obj, *bound;
	char *full, *vol;
	int64_t x;
	size_t j;

	if (!json_is_object(cl)) {
		*cause = xprintf("%s: must be a mapping", where);
		return -1;
	}
	name = sim_cfg_str(cl, "name", NULL);
	prefix = sim_cfg_str(cl, "namePrefix", NULL);
	sc = sim_cfg_str(cl, "storageClassName", NULL);
	size = json_object_get(cl, "storage");
	modes = json_object_get(cl, "accessModes");
	if ((name == NULL) == (prefix == NULL)) {
		*cause = xprintf("%s: give one of 'name' and 'namePrefix'",
		    where);
		return -1;
	}
	if (sc == NULL && json_object_get(cl, "storageClassName") != NULL) {
		*cause = xprintf("%s: 'storageClassName' must be a name", where);
		return -1;
	}
	if (size == NULL || json_is_real(size) ||
	    sim_key_parse("requests.storage", size, &x) != 0 || x <= 0) {
		*cause = xprintf("%s: 'storage' must be a quantity", where);
		return -1;
	}
	if (modes != NULL) {
		if (!json_is_array(modes) || json_array_size(modes) == 0) {
			*cause = xprintf("%s: 'accessModes' must be a list",
			    where);
			return -1;
		}
		json_array_foreach(modes, j, e) {
			if (!json_is_string(e)) {
				*cause = xprintf("%s: 'accessModes[%zu]' must be "
				    "a name", where, j);
				return -1;
			}
		}
		modes = json_deep_copy(modes);
	} else
		modes = json_pack("[s]", "ReadWriteMany");
	full = name != NULL ? xstrdup(name) : xprintf("%s%s", prefix, ns);
	if (sim_get(sim, SIM_RT_PVCS, ns, full) != NULL) {
		*cause = xprintf("%s: duplicate claim '%s' in '%s'", where, full,
		    ns);
		free(full);
		json_decref(modes);
		return -1;
	}
	size = json_is_string(size) ? json_incref(size) :
	    json_sprintf("%lld", (long long)json_integer_value(size));
	obj = json_pack("{s{ss ss s{ssss}}s{sOs{s{sO}}ss}s{sssOs{sO}}}",
	    "metadata", "name", full, "namespace", ns, "annotations",
	    "pv.kubernetes.io/bind-completed", "yes",
	    "pv.kubernetes.io/bound-by-controller", "yes",
	    "spec", "accessModes", modes, "resources", "requests", "storage",
	    size, "volumeMode", "Filesystem",
	    "status", "phase", "Bound", "accessModes", modes, "capacity",
	    "storage", size);
	if (obj == NULL)
		fatalx("claim template");
	if (sc != NULL)
		sim_set(obj, "spec.storageClassName", json_string(sc));
	json_decref(modes);
	json_decref(size);
	/* Bound to a volume named after its uid, as a provisioner names it. */
	bound = json_deep_copy(sim_create_obj(sim, SIM_RT_PVCS, obj));
	vol = xprintf("pvc-%s", sim_str(bound, "metadata.uid"));
	sim_set(bound, "spec.volumeName", json_string(vol));
	sim_put(sim, SIM_RT_PVCS, bound);
	free(vol);
	free(full);
	return 0;
}

/* Makes the claims of a list for a namespace; what names the list. */
static int
sim_cluster_claims(struct sim *sim, const char *ns, json_t *list,
    const char *what, char **cause)
{
	char *where;
	json_t *cl;
	size_t j;
	int ret;

	if (!json_is_array(list)) {
		*cause = xprintf("%s: must be a list of claims", what);
		return -1;
	}
	json_array_foreach(list, j, cl) {
		where = xprintf("%s[%zu]", what, j);
		ret = sim_cluster_claim(sim, ns, cl, where, cause);
		free(where);
		if (ret != 0)
			return -1;
	}
	return 0;
}

/*
 * Makes a Namespace, its ResourceQuota and its standing claims.  A user
 * namespace (any but default and kube-*) without its own gets the
 * cluster's defaultQuota and defaultClaims; `quota: null` or `claims: []`
 * opts out.
 */
static int
sim_cluster_ns(struct sim *sim, json_t *c, json_t *n, int i, char **cause)
{
	const char *name = sim_cfg_str(n, "name", NULL);
	json_t *quota = json_object_get(n, "quota");
	json_t *claims = json_object_get(n, "claims"), *obj;
	const char *qname = sim_cfg_str(n, "quotaName", NULL);
	char *where;
	int ret;

	if (name == NULL) {
		*cause = xprintf("namespaces[%d]: 'name' is required", i);
		return -1;
	}
	if (sim_get(sim, SIM_RT_NAMESPACES, NULL, name) != NULL) {
		*cause = xprintf("namespaces[%d]: duplicate namespace '%s'", i,
		    name);
		return -1;
	}
	obj = json_pack("{s{sss{ss}}s{s[s]}s{ss}}", "metadata", "name", name,
	    "labels", "kubernetes.io/metadata.name", name, "spec", "finalizers",
	    "kubernetes", "status", "phase", "Active");
	sim_create_obj(sim, SIM_RT_NAMESPACES, obj);
	if (qname == NULL)
		qname = sim_cfg_str(c, "defaultQuotaName", "compute-quota");
	if (quota != NULL && !json_is_null(quota)) {
		where = xprintf("namespaces[%d].quota", i);
		ret = sim_cluster_quota(sim, name, qname, quota, where, cause);
		free(where);
		if (ret != 0)
			return -1;
	} else if (quota == NULL && !sim_ns_is_system(name) &&
	    json_object_get(c, "defaultQuota") != NULL &&
	    sim_cluster_quota(sim, name, qname, json_object_get(c,
	    "defaultQuota"), "defaultQuota", cause) != 0)
		return -1;
	if (claims != NULL) {
		where = xprintf("namespaces[%d].claims", i);
		ret = sim_cluster_claims(sim, name, claims, where, cause);
		free(where);
		if (ret != 0)
			return -1;
	} else if (!sim_ns_is_system(name) &&
	    json_object_get(c, "defaultClaims") != NULL &&
	    sim_cluster_claims(sim, name, json_object_get(c, "defaultClaims"),
	    "defaultClaims", cause) != 0)
		return -1;
	return 0;
}

/* Checks a list of strings of a user; -1 with a message naming it if not. */
static int
sim_cfg_strings(json_t *o, const char *k, size_t i, char **cause)
{
	json_t *v = json_object_get(o, k), *e;
	size_t j;

	if (v == NULL)
		return 0;
	if (!json_is_array(v)) {
		*cause = xprintf("users[%zu]: '%s' must be a list of names", i,
		    k);
		return -1;
	}
	json_array_foreach(v, j, e) {
		if (!json_is_string(e)) {
			*cause = xprintf("users[%zu]: '%s[%zu]' must be a name",
			    i, k, j);
			return -1;
		}
	}
	return 0;
}

/* A boolean field of a user; -1 with a message naming it if not one. */
static int
sim_cfg_bool(json_t *o, const char *k, bool def, bool *out, size_t i,
    char **cause)
{
	json_t *v = json_object_get(o, k);

	if (v == NULL || json_is_null(v)) {
		*out = def;
		return 0;
	}
	if (!json_is_boolean(v)) {
		*cause = xprintf("users[%zu]: '%s' must be true or false", i, k);
		return -1;
	}
	*out = json_is_true(v);
	return 0;
}

/*
 * Reads the users table.  A user is a namespace admin only, as on ailab:
 * cluster reads (nodes, the namespace list) only with clusterRead: true,
 * which --namespace-only-users takes back from every non-admin user
 * (readAll still reads everything).
 */
static int
sim_cluster_users(struct sim *sim, json_t *users, char **cause)
{
	json_t *u;
	size_t i;

	sim->users = xcalloc(json_array_size(users) + 1, sizeof *sim->users);
	json_array_foreach(users, i, u) {
		struct sim_user *su = &sim->users[sim->nusers];
		const char *name = sim_cfg_str(u, "name", NULL);

		if (name == NULL) {
			*cause = xprintf("users[%zu]: 'name' is required", i);
			return -1;
		}
		su->name = xstrdup(name);
		su->token = sim_cfg_str(u, "token", NULL) ?
		    xstrdup(sim_cfg_str(u, "token", NULL)) : NULL;
		su->groups = json_is_array(json_object_get(u, "groups")) ?
		    json_deep_copy(json_object_get(u, "groups")) : json_array();
		json_array_append_new(su->groups,
		    json_string("system:authenticated"));
		su->namespaces = json_is_array(json_object_get(u, "namespaces")) ?
		    json_deep_copy(json_object_get(u, "namespaces")) :
		    json_array();
		sim->nusers++;
		if (sim_cfg_strings(u, "namespaces", i, cause) != 0 ||
		    sim_cfg_strings(u, "groups", i, cause) != 0 ||
		    sim_cfg_strings(u, "resources", i, cause) != 0)
			return -1;
		if (json_object_get(u, "resources") != NULL)
			su->resources = json_deep_copy(json_object_get(u,
			    "resources"));
		if (sim_cfg_bool(u, "admin", false, &su->admin, i, cause) != 0 ||
		    sim_cfg_bool(u, "clusterRead", false, &su->cluster_read, i,
		    cause) != 0 || sim_cfg_bool(u, "readAll", false,
		    &su->read_all, i, cause) != 0)
			return -1;
		if (sim->opt.namespace_only && !su->admin)
			su->cluster_read = false;
	}
	return 0;
}

/* Builds the cluster from a file, or the built-in default when NULL. */
int
sim_cluster_load(struct sim *sim, const char *file, char **cause)
{
	json_t *c, *arr, *v;
	char *text = NULL, *why = NULL;
	size_t len, i;

	if (file != NULL && ytree_read_file(file, 8 << 20, &text, &len,
	    &why) != 0)
		goto bad;
	c = sim_yaml_to_json(file ? text : sim_builtin_yaml, file ? len :
	    strlen(sim_builtin_yaml), &why);
	free(text);
	if (c == NULL)
		goto bad;
	sim->cluster = c;
	arr = json_object_get(c, "nodeGroups");
	json_array_foreach(arr, i, v) {
		if (sim_cluster_nodes(sim, v, (int)i, &why) != 0)
			goto bad;
	}
	arr = json_object_get(c, "namespaces");
	json_array_foreach(arr, i, v) {
		if (sim_cluster_ns(sim, c, v, (int)i, &why) != 0)
			goto bad;
	}
	if (sim_get(sim, SIM_RT_NAMESPACES, NULL, "default") == NULL) {
		v = json_pack("{ss}", "name", "default");
		sim_cluster_ns(sim, c, v, 0, &why);
		json_decref(v);
	}
	if (sim_cluster_users(sim, json_object_get(c, "users"), &why) != 0)
		goto bad;
	return 0;
bad:
	*cause = xprintf("%s: %s", file ? file : "built-in", why);
	free(why);
	return -1;
}

/* Base64 of a buffer, for *-data fields; caller frees. */
static char *
sim_base64(const unsigned char *in, size_t len)
{
	char *out = xmalloc(4 * ((len + 2) / 3) + 1);

	EVP_EncodeBlock((unsigned char *)out, in, (int)len);
	return out;
}

/* Writes a kubeconfig with one context per user (0600, credentials). */
int
sim_kubeconfig_write(struct sim *sim, const char *path, char **cause)
{
	const char *ca = sim->opt.tls_ca;
	char *tmp, *cadata = NULL, *pem, *why;
	FILE *f;
	size_t n;
	int fd, i;

	if (ca != NULL) {
		if (ytree_read_file(ca, 65536, &pem, &n, &why) != 0) {
			*cause = xprintf("%s: %s", ca, why);
			free(why);
			return -1;
		}
		cadata = sim_base64((unsigned char *)pem, n);
		free(pem);
	}
	tmp = xprintf("%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd == -1 || (f = fdopen(fd, "w")) == NULL) {
		*cause = xprintf("%s: %s", path, strerror(errno));
		if (fd != -1)
			close(fd);
		free(tmp);
		free(cadata);
		return -1;
	}
	fprintf(f, "apiVersion: v1\nkind: Config\nclusters:\n- name: ailab-sim\n"
	    "  cluster:\n    server: %s\n", sim->url);
	if (cadata != NULL)
		fprintf(f, "    certificate-authority-data: %s\n", cadata);
	else if (sim->ssl != NULL)
		fprintf(f, "    insecure-skip-tls-verify: true\n");
	fprintf(f, "users:\n");
	for (i = 0; i < sim->nusers; i++) {
		if (sim->users[i].token == NULL)
			continue;
		fprintf(f, "- name: %s\n  user:\n    token: %s\n",
		    sim->users[i].name, sim->users[i].token);
	}
	fprintf(f, "contexts:\n");
	for (i = 0; i < sim->nusers; i++) {
		const char *ns = json_string_value(json_array_get(
		    sim->users[i].namespaces, 0));

		if (sim->users[i].token == NULL)
			continue;
		fprintf(f, "- name: %s\n  context:\n    cluster: ailab-sim\n"
		    "    user: %s\n    namespace: %s\n", sim->users[i].name,
		    sim->users[i].name, ns != NULL && strcmp(ns, "*") != 0 ?
		    ns : "default");
	}
	for (i = 0; i < sim->nusers; i++) {
		if (sim->users[i].token != NULL) {
			fprintf(f, "current-context: %s\n", sim->users[i].name);
			break;
		}
	}
	free(cadata);
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		*cause = xprintf("%s: %s", path, strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}
