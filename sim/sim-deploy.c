/*
 * The Deployment and ReplicaSet controllers: a ReplicaSet per pod
 * template hash, rolling updates within maxSurge and maxUnavailable, and
 * replicas kept at the count asked for.
 */
#include "sim-ctrl.h"

/* Reconciles a ReplicaSet: pod count, FailedCreate, status. */
void
sim_rs_sync(struct sim *sim, json_t *rs)
{
	const char *uid = sim_str(rs, "metadata.uid");
	const char *ns = sim_str(rs, "metadata.namespace");
	json_t *pods = sim_owned(sim, uid, SIM_RT_PODS), *p, *cp, *st = NULL;
	json_int_t want = json_integer_value(sim_path(rs, "spec.replicas"));
	json_int_t active = 0, ready = 0, n;
	size_t i;
	bool failed = false;

	json_array_foreach(pods, i, p) {
		if (!sim_pod_is_terminal(p) &&
		    sim_path(p, "metadata.deletionTimestamp") == NULL) {
			active++;
			if (sim_pod_ready(p))
				ready++;
		}
	}
	cp = json_deep_copy(rs);
	if (sim_path(rs, "metadata.deletionTimestamp") == NULL &&
	    active < want && sim_may_try(sim, uid)) {
		for (n = 0; n < want - active && n < 500; n++) {
			json_t *pod = json_object(), *meta = json_object();
			json_t *made, *x;

			json_object_set_new(meta, "generateName", json_sprintf(
			    "%s-", sim_str(rs, "metadata.name")));
			json_object_set_new(meta, "namespace", json_string(ns));
			x = sim_path(rs, "spec.template.metadata");
			json_object_update_new(meta, json_pack("{s:o*s:o*}",
			    "labels", json_deep_copy(json_object_get(x,
			    "labels")), "annotations", json_deep_copy(
			    json_object_get(x, "annotations"))));
			json_object_set_new(meta, "ownerReferences",
			    sim_owner_ref(rs));
			json_object_set_new(pod, "metadata", meta);
			json_object_set_new(pod, "spec", json_deep_copy(
			    sim_path(rs, "spec.template.spec")));
			made = sim_admit_create(sim, SIM_RT_PODS, pod, &st);
			if (made == NULL) {
				char *m = xprintf("Error creating: %s",
				    sim_str(st, "message"));

				sim_event_record(sim, rs, "Warning",
				    "FailedCreate", m);
				sim_cond_set(cp, "ReplicaFailure", "True",
				    "FailedCreate", sim_str(st, "message"),
				    sim_now(sim));
				free(m);
				json_decref(st);
				sim_hold_off(sim, uid);
				failed = true;
				break;
			}
			active++;
		}
		if (!failed)
			sim_cond_del(cp, "ReplicaFailure");
	} else if (active > want) {
		json_t *res;

		json_array_foreach(pods, i, p) {
			if (active <= want)
				break;
			if (sim_pod_is_terminal(p) ||
			    sim_path(p, "metadata.deletionTimestamp") != NULL)
				continue;
			res = NULL;
			sim_delete(sim, SIM_RT_PODS, ns,
			    sim_str(p, "metadata.name"), NULL, -1, &res);
			json_decref(res);
			active--;
		}
	} else if (active == want)
		sim_cond_del(cp, "ReplicaFailure");
	json_decref(pods);
	sim_set(cp, "status.replicas", json_integer(active));
	sim_set(cp, "status.fullyLabeledReplicas", json_integer(active));
	sim_set(cp, "status.readyReplicas", json_integer(ready));
	sim_set(cp, "status.availableReplicas", json_integer(ready));
	sim_set(cp, "status.observedGeneration", json_integer(
	    json_integer_value(sim_path(rs, "metadata.generation"))));
	if (json_array_size(sim_path(cp, "status.conditions")) == 0)
		json_object_del(json_object_get(cp, "status"), "conditions");
	sim_put_if_changed(sim, SIM_RT_REPLICASETS, rs, cp);
}

/* The pod-template-hash: FNV-1a of the template, safely encoded. */
static char *
sim_template_hash(json_t *tmpl)
{
	static const char alpha[] = "bcdfghjklmnpqrstvwxz2456789";
	char *s = json_dumps(tmpl, JSON_COMPACT | JSON_SORT_KEYS), num[16];
	uint32_t h = 2166136261u;
	const char *p;
	size_t i;

	for (p = s; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	free(s);
	snprintf(num, sizeof num, "%u", h);
	for (i = 0; num[i]; i++)
		num[i] = alpha[(unsigned char)num[i] % (sizeof alpha - 1)];
	return xstrdup(num);
}

/*
 * Creates the ReplicaSet of the Deployment's current template (named and
 * labelled by its hash); NULL after an Event when admission refuses it,
 * and the Deployment is synced again next pass.
 */
static json_t *
sim_deploy_new_rs(struct sim *sim, json_t *d, const char *hash,
    json_int_t want)
{
	const char *ns = sim_str(d, "metadata.namespace");
	const char *name = sim_str(d, "metadata.name");
	json_t *tmpl = json_deep_copy(sim_path(d, "spec.template"));
	json_t *sel = json_deep_copy(sim_path(d, "spec.selector"));
	json_t *labels, *obj, *st = NULL, *newrs;
	char *rsname = xprintf("%s-%s", name, hash), *m;

	labels = sim_child(sim_child(tmpl, "metadata"), "labels");
	json_object_set_new(labels, "pod-template-hash", json_string(hash));
	sim_set(sel, "matchLabels.pod-template-hash", json_string(hash));
	obj = json_pack("{s{sssssOso s{ss}}s{sIsoso}}", "metadata", "name",
	    rsname, "namespace", ns, "labels", labels, "ownerReferences",
	    sim_owner_ref(d), "annotations",
	    "deployment.kubernetes.io/revision", "1", "spec", "replicas", want,
	    "selector", sel, "template", tmpl);
	free(rsname);
	newrs = obj ? sim_admit_create(sim, SIM_RT_REPLICASETS, obj, &st) :
	    NULL;
	if (newrs == NULL) {
		m = xprintf("Failed to create new replica set: %s",
		    st ? sim_str(st, "message") : "error");
		sim_event_record(sim, d, "Warning", "FailedCreate", m);
		free(m);
		json_decref(st);
		/* Try again next pass, as when every pass synced all. */
		m = xprintf("%d/%s/%s", (int)SIM_RT_DEPLOYMENTS, ns, name);
		sim_ctrl_mark(sim, m);
		free(m);
	}
	return newrs;
}

/* Reconciles a Deployment: its ReplicaSets and status conditions. */
void
sim_deploy_sync(struct sim *sim, json_t *d)
{
	const char *uid = sim_str(d, "metadata.uid");
	json_t *rss, *rs, *newrs = NULL, *cp, *fail = NULL, *c;
	json_int_t want = json_integer_value(sim_path(d, "spec.replicas"));
	json_int_t tot = 0, ready = 0, upd = 0, avail;
	char *hash, *m;
	size_t i;
	int64_t now = sim_now(sim);

	if (sim_path(d, "metadata.deletionTimestamp") != NULL)
		return;
	hash = sim_template_hash(sim_path(d, "spec.template"));
	rss = sim_owned(sim, uid, SIM_RT_REPLICASETS);
	json_array_foreach(rss, i, rs) {
		const char *h = json_string_value(json_object_get(sim_path(rs,
		    "metadata.labels"), "pod-template-hash"));

		if (h != NULL && strcmp(h, hash) == 0)
			newrs = rs;
	}
	if (newrs == NULL)
		newrs = sim_deploy_new_rs(sim, d, hash, want);
	json_array_foreach(rss, i, rs) {
		json_int_t r = json_integer_value(sim_path(rs, "spec.replicas"));
		json_int_t target = rs == newrs ? want : 0;

		if (r != target) {
			cp = json_deep_copy(rs);
			sim_set(cp, "spec.replicas", json_integer(target));
			sim_put(sim, SIM_RT_REPLICASETS, cp);
		}
	}
	json_decref(rss);
	rss = sim_owned(sim, uid, SIM_RT_REPLICASETS);
	json_array_foreach(rss, i, rs) {
		tot += json_integer_value(sim_path(rs, "status.replicas"));
		ready += json_integer_value(sim_path(rs, "status.readyReplicas"));
		if (newrs != NULL && strcmp(sim_str(rs, "metadata.name"),
		    sim_str(newrs, "metadata.name")) == 0) {
			upd = json_integer_value(sim_path(rs, "status.replicas"));
			json_array_foreach(sim_path(rs, "status.conditions"), i,
			    c) {
				if (strcmp(sim_str(c, "type"), "ReplicaFailure") == 0)
					fail = c;
			}
			break;
		}
	}
	avail = ready;
	cp = json_deep_copy(d);
	sim_set(cp, "status.observedGeneration", json_integer(
	    json_integer_value(sim_path(d, "metadata.generation"))));
	sim_set(cp, "status.replicas", json_integer(tot));
	sim_set(cp, "status.updatedReplicas", json_integer(upd));
	sim_set(cp, "status.readyReplicas", json_integer(ready));
	sim_set(cp, "status.availableReplicas", json_integer(avail));
	if (want - avail > 0)
		sim_set(cp, "status.unavailableReplicas",
		    json_integer(want - avail));
	else
		json_object_del(json_object_get(cp, "status"),
		    "unavailableReplicas");
	if (avail >= want)
		sim_cond_set(cp, "Available", "True", "MinimumReplicasAvailable",
		    "Deployment has minimum availability.", now);
	else
		sim_cond_set(cp, "Available", "False",
		    "MinimumReplicasUnavailable",
		    "Deployment does not have minimum availability.", now);
	if (newrs != NULL) {
		if (upd == want && avail >= want)
			m = xprintf("ReplicaSet \"%s\" has successfully "
			    "progressed.", sim_str(newrs, "metadata.name"));
		else
			m = xprintf("ReplicaSet \"%s\" is progressing.",
			    sim_str(newrs, "metadata.name"));
		sim_cond_set(cp, "Progressing", "True", upd == want &&
		    avail >= want ? "NewReplicaSetAvailable" : "ReplicaSetUpdated",
		    m, now);
		free(m);
	}
	if (fail != NULL)
		sim_cond_set(cp, "ReplicaFailure", "True", "FailedCreate",
		    sim_str(fail, "message"), now);
	else
		sim_cond_del(cp, "ReplicaFailure");
	json_decref(rss);
	free(hash);
	/* A refreshed lastUpdateTime alone is not worth an update. */
	sim_put_if_changed(sim, SIM_RT_DEPLOYMENTS, d, cp);
}
