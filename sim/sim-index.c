/*
 * Indexes that keep each request and each pass proportional to what it
 * touches rather than to the size of the store: the position of every
 * object (so that an index answers in the order a scan would), labels per
 * namespace, the kubelets' timers as a heap, and the small projection of a
 * replaced object that the watch history keeps.
 */
#include "sim-int.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdlib.h>
#include <string.h>

#include "common.h"

/* Canonical values checked per sweep (a pass every 20 ms). */
#define SIM_SWEEP_STEP 8192

/* One object found through an index, with its place in scan order. */
struct sim_cand {
	int64_t nsord;
	int64_t pos;
	json_t *obj;
};

/* Releases the timer heap and the scheduler's node table (the index
 * maps are the store's, sim_maps). */
void
sim_index_free(struct sim *sim)
{
	size_t j;

	free(sim->sweep_at);
	for (j = 0; j < sim->nheap; j++)
		free(sim->heap[j].key);
	free(sim->heap);
	sim_sched_free(sim);
}

/* "ns/name", the key of the position index. */
static char *
sim_nskey(const char *ns, const char *name)
{
	return xprintf("%s/%s", ns ? ns : "", name);
}

/* Adds or removes one object's labels in the label index of its type. */
static void
sim_label_set(struct sim *sim, enum sim_rt rt, const char *ns,
    const char *name, json_t *labels, bool add)
{
	const char *k;
	json_t *v, *set;
	char *lk;

	json_object_foreach(labels, k, v) {
		if (!json_is_string(v))
			continue;
		lk = xprintf("%s\x1f%s=%s", ns ? ns : "", k, json_string_value(v));
		if (add)
			json_object_set_new(sim_child(sim->label_idx[rt], lk),
			    name, json_true());
		else if ((set = json_object_get(sim->label_idx[rt], lk)) !=
		    NULL) {
			json_object_del(set, name);
			if (json_object_size(set) == 0)
				json_object_del(sim->label_idx[rt], lk);
		}
		free(lk);
	}
}

/* Keeps positions and labels in step with one change (old -> new). */
void
sim_index_labels(struct sim *sim, enum sim_rt rt, json_t *old, json_t *new)
{
	json_t *obj = new ? new : old, *ol, *nl;
	const char *ns = sim_str(obj, "metadata.namespace");
	const char *name = sim_str(obj, "metadata.name");
	char *pk;

	if (name == NULL)
		return;
	if (old == NULL || new == NULL) {
		pk = sim_nskey(ns, name);
		if (new != NULL)
			json_object_set_new(sim->pos[rt], pk,
			    json_integer(++sim->pos_seq));
		else
			json_object_del(sim->pos[rt], pk);
		free(pk);
	}
	ol = sim_path(old, "metadata.labels");
	nl = sim_path(new, "metadata.labels");
	if (ol == NULL && nl == NULL)
		return;
	if (ol != NULL && nl != NULL && json_equal(ol, nl))
		return;
	sim_label_set(sim, rt, ns, name, ol, false);
	sim_label_set(sim, rt, ns, name, nl, true);
}

/* Namespace -> its ordinal in the store's order, for one type. */
static json_t *
sim_ns_order(struct sim *sim, enum sim_rt rt)
{
	json_t *ord = json_object(), *m;
	const char *ns;
	json_int_t i = 0;

	json_object_foreach(sim->objs[rt], ns, m)
		json_object_set_new(ord, ns, json_integer(i++));
	return ord;
}

/* Orders candidates as a scan of namespaces then names meets them. */
static int
sim_cand_cmp(const void *a, const void *b)
{
	const struct sim_cand *x = a, *y = b;

	if (x->nsord != y->nsord)
		return x->nsord < y->nsord ? -1 : 1;
	if (x->pos != y->pos)
		return x->pos < y->pos ? -1 : 1;
	return 0;
}

/* Fills a candidate's place in scan order. */
static void
sim_cand_place(struct sim *sim, enum sim_rt rt, json_t *nsord,
    struct sim_cand *c)
{
	const char *ns = sim_str(c->obj, "metadata.namespace");
	char *pk = sim_nskey(ns, sim_str(c->obj, "metadata.name"));

	c->nsord = json_integer_value(json_object_get(nsord, ns ? ns : ""));
	c->pos = json_integer_value(json_object_get(sim->pos[rt], pk));
	free(pk);
}

/* Sorts an array of stored objects of one type into scan order. */
void
sim_index_sort(struct sim *sim, enum sim_rt rt, json_t *items)
{
	size_t n = json_array_size(items), i;
	struct sim_cand *c;
	json_t *nsord, *o;

	if (n < 2)
		return;
	nsord = sim_ns_order(sim, rt);
	c = xcalloc(n, sizeof *c);
	json_array_foreach(items, i, o) {
		c[i].obj = json_incref(o);
		sim_cand_place(sim, rt, nsord, &c[i]);
	}
	qsort(c, n, sizeof *c, sim_cand_cmp);
	json_array_clear(items);
	for (i = 0; i < n; i++)
		json_array_append_new(items, c[i].obj);
	free(c);
	json_decref(nsord);
}

/* What an index offers for a selector: its size and how to walk it. */
enum sim_via {
	SIM_VIA_NONE,
	SIM_VIA_NAME,
	SIM_VIA_NODE,
	SIM_VIA_LABEL,
};

/* Size of the label index sets a requirement names in one namespace. */
static size_t
sim_label_count(struct sim *sim, enum sim_rt rt, const char *ns,
    const struct sim_req *r)
{
	size_t n = 0;
	char *lk;
	int j;

	for (j = 0; j < r->nvalues; j++) {
		lk = xprintf("%s\x1f%s=%s", ns, r->key, r->values[j]);
		n += json_object_size(json_object_get(sim->label_idx[rt], lk));
		free(lk);
	}
	return n;
}

/* Appends the objects a label requirement names in one namespace. */
static void
sim_label_add(struct sim *sim, enum sim_rt rt, const char *ns,
    const struct sim_req *r, json_t *out)
{
	const char *name;
	json_t *set, *v, *o;
	char *lk;
	int j;

	for (j = 0; j < r->nvalues; j++) {
		lk = xprintf("%s\x1f%s=%s", ns, r->key, r->values[j]);
		set = json_object_get(sim->label_idx[rt], lk);
		json_object_foreach(set, name, v) {
			o = sim_get(sim, rt, ns, name);
			if (o != NULL)
				json_array_append(out, o);
		}
		free(lk);
	}
}

/* Collects candidates through an index; NULL when a scan is as cheap. */
static json_t *
sim_index_cands(struct sim *sim, enum sim_rt rt, const char *ns,
    const struct sim_selector *ls, const struct sim_selector *fs)
{
	enum sim_via via = SIM_VIA_NONE;
	const struct sim_req *best = NULL, *r;
	size_t scope = 0, size = 0, n;
	const char *nsk;
	json_t *m, *out, *set, *v, *o;
	int i;

	json_object_foreach(sim->objs[rt], nsk, m) {
		if (ns == NULL || strcmp(ns, nsk) == 0)
			scope += json_object_size(m);
	}
	for (i = 0; fs != NULL && i < fs->nreqs; i++) {
		r = &fs->reqs[i];
		if (r->op != SIM_SEL_EQ)
			continue;
		if (strcmp(r->key, "metadata.name") == 0) {
			n = ns ? 1 : json_object_size(sim->objs[rt]);
			if (via == SIM_VIA_NONE || n < size)
				via = SIM_VIA_NAME, best = r, size = n;
		} else if (rt == SIM_RT_PODS &&
		    strcmp(r->key, "spec.nodeName") == 0 && *r->values[0]) {
			n = json_object_size(json_object_get(sim->by_node,
			    r->values[0]));
			if (via == SIM_VIA_NONE || n < size)
				via = SIM_VIA_NODE, best = r, size = n;
		}
	}
	for (i = 0; ls != NULL && i < ls->nreqs; i++) {
		r = &ls->reqs[i];
		if (r->op != SIM_SEL_EQ && r->op != SIM_SEL_IN)
			continue;
		n = 0;
		json_object_foreach(sim->objs[rt], nsk, m) {
			if (ns == NULL || strcmp(ns, nsk) == 0)
				n += sim_label_count(sim, rt, nsk, r);
		}
		if (via == SIM_VIA_NONE || n < size)
			via = SIM_VIA_LABEL, best = r, size = n;
	}
	/* A walk of most of the scope is no cheaper than the scan. */
	if (via == SIM_VIA_NONE || size * 2 > scope + 16)
		return NULL;
	out = json_array();
	switch (via) {
	case SIM_VIA_NAME:
		json_object_foreach(sim->objs[rt], nsk, m) {
			if (ns != NULL && strcmp(ns, nsk) != 0)
				continue;
			o = json_object_get(m, best->values[0]);
			if (o != NULL)
				json_array_append(out, o);
		}
		break;
	case SIM_VIA_NODE:
		set = json_object_get(sim->by_node, best->values[0]);
		json_object_foreach(set, nsk, v) {
			if ((o = sim_get_at(sim, rt, nsk)) != NULL)
				json_array_append(out, o);
		}
		break;
	case SIM_VIA_LABEL:
		json_object_foreach(sim->objs[rt], nsk, m) {
			if (ns == NULL || strcmp(ns, nsk) == 0)
				sim_label_add(sim, rt, nsk, best, out);
		}
		break;
	default:
		break;
	}
	return out;
}

/* Collects matching objects through an index, as the scan would order them. */
json_t *
sim_index_collect(struct sim *sim, enum sim_rt rt, const char *ns,
    const struct sim_selector *ls, const struct sim_selector *fs,
    const char *start_ns, const char *start_name, long limit, char **next_ns,
    char **next_name, bool *start_missing)
{
	json_t *cands, *items, *nsord = NULL, *o;
	struct sim_cand *c = NULL, start;
	size_t n, i;

	*start_missing = false;
	cands = sim_index_cands(sim, rt, ns, ls, fs);
	if (cands == NULL)
		return NULL;
	items = json_array();
	if (start_ns != NULL) {
		o = (ns != NULL && strcmp(ns, start_ns) != 0) ? NULL :
		    sim_get(sim, rt, start_ns, start_name);
		if (o == NULL) {
			*start_missing = true;
			goto out;
		}
	}
	n = json_array_size(cands);
	nsord = sim_ns_order(sim, rt);
	c = xcalloc(n + 1, sizeof *c);
	json_array_foreach(cands, i, o) {
		c[i].obj = o;
		sim_cand_place(sim, rt, nsord, &c[i]);
	}
	qsort(c, n, sizeof *c, sim_cand_cmp);
	memset(&start, 0, sizeof start);
	if (start_ns != NULL) {
		start.obj = sim_get(sim, rt, start_ns, start_name);
		sim_cand_place(sim, rt, nsord, &start);
	}
	for (i = 0; i < n; i++) {
		const char *ons = sim_str(c[i].obj, "metadata.namespace");

		if (start_ns != NULL && sim_cand_cmp(&c[i], &start) < 0)
			continue;
		if (ns != NULL && (ons == NULL || strcmp(ns, ons) != 0))
			continue;
		if (!sim_selector_matches(ls, sim_path(c[i].obj,
		    "metadata.labels")) || !sim_field_matches(fs, c[i].obj))
			continue;
		if (limit > 0 && (long)json_array_size(items) >= limit) {
			*next_ns = xstrdup(ons ? ons : "");
			*next_name = xstrdup(sim_str(c[i].obj, "metadata.name"));
			break;
		}
		json_array_append(items, c[i].obj);
	}
out:
	free(c);
	json_decref(nsord);
	json_decref(cands);
	return items;
}

/* True if heap entry a is due before b. */
static bool
sim_due_less(const struct sim_due *a, const struct sim_due *b)
{
	return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

/* Pushes a timer onto the heap (taking key). */
static void
sim_heap_push(struct sim *sim, int64_t due, char *key)
{
	struct sim_due t;
	size_t i, p;

	if (sim->nheap == sim->heapcap) {
		sim->heapcap = sim->heapcap ? sim->heapcap * 2 : 1024;
		sim->heap = xreallocarray(sim->heap, sim->heapcap,
		    sizeof *sim->heap);
	}
	t.due = due;
	t.seq = sim->heap_seq++;
	t.key = key;
	for (i = sim->nheap++; i > 0; i = p) {
		p = (i - 1) / 2;
		if (!sim_due_less(&t, &sim->heap[p]))
			break;
		sim->heap[i] = sim->heap[p];
	}
	sim->heap[i] = t;
}

/* Removes the earliest timer; the caller took its key. */
static void
sim_heap_pop(struct sim *sim)
{
	struct sim_due last;
	size_t i = 0, c;

	if (sim->nheap == 0)
		return;
	last = sim->heap[--sim->nheap];
	for (;;) {
		c = 2 * i + 1;
		if (c >= sim->nheap)
			break;
		if (c + 1 < sim->nheap && sim_due_less(&sim->heap[c + 1],
		    &sim->heap[c]))
			c++;
		if (!sim_due_less(&sim->heap[c], &last))
			break;
		sim->heap[i] = sim->heap[c];
		i = c;
	}
	if (sim->nheap > 0)
		sim->heap[i] = last;
}

/* Arms a pod's kubelet timer; sim->kubelet holds the one that counts. */
void
sim_kubelet_arm(struct sim *sim, const char *key, int64_t due)
{
	const char *k;
	json_t *v;
	size_t i;

	json_object_set_new(sim->kubelet, key, json_integer(due));
	sim_heap_push(sim, due, xstrdup(key));
	if (sim->nheap <= 4 * json_object_size(sim->kubelet) + 4096)
		return;
	/* Mostly superseded timers: rebuild from the authoritative map. */
	for (i = 0; i < sim->nheap; i++)
		free(sim->heap[i].key);
	sim->nheap = 0;
	json_object_foreach(sim->kubelet, k, v)
		sim_heap_push(sim, json_integer_value(v), xstrdup(k));
}

/* Pops the timers due at now that still count, earliest first. */
json_t *
sim_kubelet_due(struct sim *sim, int64_t now)
{
	json_t *out = json_array(), *seen = json_object(), *v;
	struct sim_due top;

	while (sim->nheap > 0 && sim->heap[0].due <= now) {
		top = sim->heap[0];
		sim_heap_pop(sim);
		v = json_object_get(sim->kubelet, top.key);
		if (v != NULL && json_integer_value(v) == top.due &&
		    json_object_get(seen, top.key) == NULL) {
			json_object_set_new(seen, top.key, json_true());
			json_array_append_new(out, json_string(top.key));
		}
		free(top.key);
	}
	json_decref(seen);
	return out;
}

/* Queues a Deployment, ReplicaSet or Job ("rt/ns/name") for syncing. */
void
sim_ctrl_mark(struct sim *sim, const char *objkey)
{
	int rt = atoi(objkey);

	if (rt != SIM_RT_DEPLOYMENTS && rt != SIM_RT_REPLICASETS &&
	    rt != SIM_RT_JOBS)
		return;
	json_object_set_new(sim->ctrl_dirty[rt], objkey, json_true());
}

/* The part of a replaced object that watch filters can read. */
json_t *
sim_project(json_t *obj)
{
	static const char *paths[] = { "metadata.name", "metadata.namespace",
		"metadata.labels", "spec.nodeName", "spec.restartPolicy",
		"spec.schedulerName", "spec.serviceAccountName",
		"spec.hostNetwork", "status.phase", "status.podIP",
		"status.nominatedNodeName", "involvedObject", "reason", "type",
		"spec.unschedulable", "status.successful" };
	json_t *p = json_object(), *v;
	size_t i;

	for (i = 0; i < nitems(paths); i++) {
		v = sim_path(obj, paths[i]);
		if (v != NULL)
			sim_set(p, paths[i], json_incref(v));
	}
	return p;
}

/* Appends bytes to a growing key buffer. */
static void
sim_key_add(char **buf, size_t *len, size_t *cap, const void *p, size_t n)
{
	if (*len + n + 1 > *cap) {
		*cap = (*len + n + 1) * 2;
		*buf = xreallocarray(*buf, *cap, 1);
	}
	memcpy(*buf + *len, p, n);
	*len += n;
}

/*
 * The canonical copy of a value (new reference): equal subtrees of stored
 * objects become one shared, reference-counted tree.  Children are made
 * canonical first, so a parent's identity is its members' names and the
 * addresses of their canonical values.  Stored objects are never changed
 * in place (every writer stores a fresh copy), which makes sharing safe.
 */
static json_t *
sim_intern_value(struct sim *sim, json_t *v)
{
	char *key = NULL, num[32];
	size_t len = 0, cap = 0, i;
	const char *k;
	json_t *c, *canon, *found;
	int n;

	switch (json_typeof(v)) {
	case JSON_STRING:
		if (json_string_length(v) > 256)
			return json_incref(v);
		sim_key_add(&key, &len, &cap, "s", 1);
		sim_key_add(&key, &len, &cap, json_string_value(v),
		    json_string_length(v));
		break;
	case JSON_INTEGER:
		n = snprintf(num, sizeof num, "i%lld",
		    (long long)json_integer_value(v));
		sim_key_add(&key, &len, &cap, num, (size_t)n);
		break;
	case JSON_ARRAY:
		sim_key_add(&key, &len, &cap, "a", 1);
		json_array_foreach(v, i, c) {
			canon = sim_intern_value(sim, c);
			if (canon != c)
				json_array_set(v, i, canon);
			n = snprintf(num, sizeof num, "%p,", (void *)canon);
			sim_key_add(&key, &len, &cap, num, (size_t)n);
			json_decref(canon);
		}
		break;
	case JSON_OBJECT:
		sim_key_add(&key, &len, &cap, "o", 1);
		json_object_foreach(v, k, c) {
			canon = sim_intern_value(sim, c);
			if (canon != c)
				json_object_set(v, k, canon);
			n = snprintf(num, sizeof num, "%zu:", strlen(k));
			sim_key_add(&key, &len, &cap, num, (size_t)n);
			sim_key_add(&key, &len, &cap, k, strlen(k));
			n = snprintf(num, sizeof num, "%p,", (void *)canon);
			sim_key_add(&key, &len, &cap, num, (size_t)n);
			json_decref(canon);
		}
		break;
	default:
		/* true, false and null are singletons already; reals are rare. */
		return json_incref(v);
	}
	found = json_object_getn(sim->interned, key, len);
	if (found == NULL) {
		json_object_setn_nocheck(sim->interned, key, len, v);
		sim->intern_adds++;
		found = v;
	}
	free(key);
	return json_incref(found);
}

/* Notes that a holder of shared values outside the store let go of them. */
void
sim_intern_released(struct sim *sim)
{
	sim->intern_released++;
}

/*
 * A count that grows whenever a canonical value may have lost a user:
 * a store write (which also drops the oldest watch history entry), a
 * holder outside the store letting go, or the sweep dropping a value
 * (whose canonical members then lose a user).  Temporary references a
 * callback takes and drops cannot leave a value with fewer users than
 * before, so while this count stands still no new garbage can appear.
 */
static int64_t
sim_intern_epoch(struct sim *sim)
{
	return sim->rv + sim->intern_released;
}

/*
 * Drops canonical values no stored object uses any more, a slice of the
 * table at a time so that no pass stalls the server: each call walks
 * SIM_SWEEP_STEP entries, plus twice as many as were added since, from
 * where the last one stopped (so the sweep outpaces the garbage however
 * busy the server is).  A round (the whole table) starts only when
 * something may have become garbage since the last whole round started,
 * so an idle simulator does not walk its table 50 times a second, and
 * garbage is still dropped within one round of appearing.
 */
void
sim_intern_sweep(struct sim *sim)
{
	json_t *drop, *v, *x;
	const char *k;
	size_t i, klen, n = 0, step = SIM_SWEEP_STEP + 2 * sim->intern_adds;
	void *it;

	sim->intern_adds = 0;
	it = sim->sweep_at ? json_object_iter_at(sim->interned,
	    sim->sweep_at) : NULL;
	if (it == NULL) {
		/* A new round: only if something changed since the last. */
		if (sim_intern_epoch(sim) == sim->sweep_clean)
			return;
		sim->sweep_round = sim_intern_epoch(sim);
		it = json_object_iter(sim->interned);
	}
	free(sim->sweep_at);
	sim->sweep_at = NULL;
	drop = json_array();
	for (; it != NULL; it = json_object_iter_next(sim->interned, it)) {
		k = json_object_iter_key(it);
		klen = json_object_iter_key_len(it);
		v = json_object_iter_value(it);
		if (n++ == step) {
			sim->sweep_at = xmalloc(klen + 1);
			memcpy(sim->sweep_at, k, klen);
			sim->sweep_at[klen] = '\0';
			if (strlen(sim->sweep_at) != klen) {
				/* A key with a NUL: restart there next time. */
				free(sim->sweep_at);
				sim->sweep_at = NULL;
			}
			break;
		}
		if (v->refcount == 1)
			json_array_append_new(drop, json_stringn_nocheck(k, klen));
	}
	json_array_foreach(drop, i, x)
		json_object_deln(sim->interned, json_string_value(x),
		    json_string_length(x));
	sim->sweep_drops += json_array_size(drop);
	if (it == NULL) {
		sim->sweep_clean = sim->sweep_round;
		log_debug("shared values: %zu kept, %zu dropped this round",
		    json_object_size(sim->interned), sim->sweep_drops);
		sim->sweep_drops = 0;
	}
	if (json_array_size(drop) > 0)
		sim_intern_released(sim);
	json_decref(drop);
}

/* Shares what a stored object has in common with others. */
static void
sim_intern(struct sim *sim, json_t *obj)
{
	const char *k, *mk;
	json_t *v, *mv, *canon;

	json_object_foreach(obj, k, v) {
		if (strcmp(k, "metadata") == 0) {
			/* Names, uids and versions are unique: only the maps. */
			json_object_foreach(v, mk, mv) {
				if (!json_is_object(mv) && !json_is_array(mv))
					continue;
				canon = sim_intern_value(sim, mv);
				if (canon != mv)
					json_object_set(v, mk, canon);
				json_decref(canon);
			}
			continue;
		}
		canon = sim_intern_value(sim, v);
		if (canon != v)
			json_object_set(obj, k, canon);
		json_decref(canon);
	}
}

/*
 * Interns the objects stored a while ago and not changed since: a cursor
 * trails the watch history by a tenth of its size, so objects that change
 * again at once (a pod being bound and started, a crash-looping pod) are
 * not interned for nothing, while the many that settle are.
 */
void
sim_intern_pass(struct sim *sim)
{
	int lag = sim->nevents / 10, n, lo, hi, mid, first, i;
	struct sim_event *e;
	json_t *cur;

	if (lag < 1)
		lag = 1;
	n = sim->ev_count - lag;
	if (n <= 0)
		return;
	first = (sim->ev_head - sim->ev_count + sim->nevents) % sim->nevents;
	lo = 0;
	hi = n;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (sim->events[(first + mid) % sim->nevents].rv <=
		    sim->intern_rv)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (i = lo; i < n; i++) {
		e = &sim->events[(first + i) % sim->nevents];
		sim->intern_rv = e->rv;
		if (e->obj == NULL)
			continue;
		cur = sim_get(sim, e->rt, sim_str(e->obj, "metadata.namespace"),
		    sim_str(e->obj, "metadata.name"));
		if (cur == e->obj) {
			sim_intern(sim, cur);
			sim->interned_objs++;
		}
	}
#ifdef __GLIBC__
	/* Give back what sharing freed after a burst (at most every 5 s). */
	if (sim->interned_objs >= 20000 && now_ms() >= sim->trim_ms) {
		malloc_trim(0);
		sim->interned_objs = 0;
		sim->trim_ms = now_ms() + 5000;
	}
#endif
}
