/*
 * sched-policy-nodes.c: the nodes side of a pass.  Per GPU type, usable
 * nodes sit in buckets by free GPUs, so that a placement looks only at
 * nodes that can hold a replica; gangs are placed all or nothing; the
 * first gangs that cannot start get a reservation at the earliest time the
 * expected ends of running jobs free enough room (Slurm's shadow time).
 */
#include "sched-int.h"

#include <stdlib.h>
#include <string.h>

/* Membership 0 is a node's own GPU type, 1 the pseudo-type of all nodes. */
static int
sched_member(int type)
{
	return type == SCHED_ALL_TYPE ? 1 : 0;
}

/* A node's bucket in a type: its free GPUs, clipped to the type's range. */
static int
sched_bucket_of(const struct sched_type *t, int64_t free_gpu)
{
	if (free_gpu <= 0)
		return 0;
	if (free_gpu >= t->nbuckets - 1)
		return t->nbuckets - 1;
	return (int)free_gpu;
}

/* Puts a node at the head of its bucket in one membership. */
static void
sched_link(struct sched_pass_state *st, int type, int32_t n)
{
	struct sched_type *t = &st->types[type];
	struct sched_nstate *s = &st->ns[n];
	int m = sched_member(type), b = sched_bucket_of(t, s->free_gpu);

	s->bucket[m] = b;
	s->prev[m] = -1;
	s->next[m] = t->head[b];
	if (t->head[b] != -1)
		st->ns[t->head[b]].prev[m] = n;
	t->head[b] = n;
}

/* Takes a node out of its bucket in one membership. */
static void
sched_unlink(struct sched_pass_state *st, int type, int32_t n)
{
	struct sched_type *t = &st->types[type];
	struct sched_nstate *s = &st->ns[n];
	int m = sched_member(type);

	if (s->prev[m] != -1)
		st->ns[s->prev[m]].next[m] = s->next[m];
	else
		t->head[s->bucket[m]] = s->next[m];
	if (s->next[m] != -1)
		st->ns[s->next[m]].prev[m] = s->prev[m];
}

/* Keeps the buckets true after a node's free GPUs changed. */
static void
sched_rebucket(struct sched_pass_state *st, int32_t n)
{
	struct sched_nstate *s = &st->ns[n];

	if (!s->usable)
		return;
	if (sched_bucket_of(&st->types[SCHED_ALL_TYPE], s->free_gpu) !=
	    s->bucket[1]) {
		sched_unlink(st, SCHED_ALL_TYPE, n);
		sched_link(st, SCHED_ALL_TYPE, n);
	}
	if (s->type > 0 && sched_bucket_of(&st->types[s->type], s->free_gpu) !=
	    s->bucket[0]) {
		sched_unlink(st, s->type, n);
		sched_link(st, s->type, n);
	}
}

/* The GPU product of a node: its field, else its label. */
static const char *
sched_node_product(const struct sched_node *n)
{
	size_t i;

	if (n->gpu_product != NULL && *n->gpu_product != '\0')
		return n->gpu_product;
	for (i = 0; i < n->nlabels; i++) {
		if (n->labels[i].key != NULL && n->labels[i].value != NULL &&
		    strcmp(n->labels[i].key, SCHED_GPU_LABEL) == 0)
			return n->labels[i].value;
	}
	for (i = 0; i < n->nlabels; i++) {
		if (n->labels[i].key != NULL && n->labels[i].value != NULL &&
		    strcmp(n->labels[i].key, SCHED_GPU_LABEL_GFD) == 0)
			return n->labels[i].value;
	}
	return NULL;
}

/*
 * Jobs carry no tolerations, so any hard taint keeps them off a node; *lasting
 * is false when every such taint is one Kubernetes sets on its own while a
 * node is NotReady, unreachable or cordoned (it goes when the node is back).
 */
static bool
sched_node_is_tainted(const struct sched_node *n, bool *lasting)
{
	size_t i;
	bool hard = false;

	*lasting = false;
	for (i = 0; i < n->ntaints; i++) {
		if (n->taints[i].effect != SCHED_TAINT_NO_SCHEDULE &&
		    n->taints[i].effect != SCHED_TAINT_NO_EXECUTE)
			continue;
		hard = true;
		if (n->taints[i].key == NULL ||
		    !has_prefix(n->taints[i].key, "node.kubernetes.io/"))
			*lasting = true;
	}
	return hard;
}

/* Events are walked in time order, ties by node for determinism. */
static int
sched_event_cmp(const void *a, const void *b)
{
	const struct sched_event *x = a, *y = b;

	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	if (x->node != y->node)
		return x->node < y->node ? -1 : 1;
	return 0;
}

/*
 * Planning needs an end for every running job, estimated when unlimited;
 * it counts from the admission when known (sched.h, admitted_at), so a
 * start stamped later never moves it, nor a reservation, back.
 */
static int64_t
sched_running_end(const struct sched_config *cfg, int64_t now,
    const struct sched_running *r)
{
	int64_t from = r->admitted_at > 0 && r->admitted_at < r->started_at ?
	    r->admitted_at : r->started_at;
	int64_t p = sched_after(from, r->est_s > 0 ? r->est_s :
	    cfg->default_duration_s), half;

	if (r->ends_at > 0)
		return r->ends_at;
	if (r->timeout_s > 0)
		return sched_after(from, r->timeout_s);
	if (now < p)
		return p;
	half = (now - r->started_at) / 2;	/* Slurm's soft-limit rule */
	return now + (half > 15 * 60000 ? half : 15 * 60000);
}

/* The GPU type of a name, or -1 if no node has it. */
int
sched_type_find(const struct sched_pass_state *st, const char *name)
{
	char buf[SCHED_TYPE_NAME_MAX];

	sched_gpu_type_normalize(name, buf, sizeof buf);
	if (buf[0] == '\0')
		return -1;
	return sched_intern_find(&st->type_names, buf);
}

/* Type order for "any": by name, so that a pass is deterministic. */
static void
sched_sort_type_names(struct sched_pass_state *st)
{
	size_t i, j;
	int32_t x;

	for (i = 1; i + 1 < st->ntypes; i++) {
		x = st->types_by_name[i];
		for (j = i; j > 0 && strcmp(st->types[st->types_by_name[j - 1]].name,
		    st->types[x].name) > 0; j--)
			st->types_by_name[j] = st->types_by_name[j - 1];
		st->types_by_name[j] = x;
	}
}

/* Each node's free room and GPU type, and the GPU types: those of the
 * nodes, and those site limits name even without nodes. */
static void
sched_nodes_types(struct sched_pass_state *st)
{
	const struct sched_snapshot *sn = st->snap;
	size_t i;

	for (i = 0; i < st->nnodes; i++) {
		const struct sched_node *nd = &sn->nodes[i];
		struct sched_nstate *s = &st->ns[i];
		const char *prod = sched_node_product(nd);
		char buf[SCHED_TYPE_NAME_MAX];
		struct sched_type *t;
		bool added;
		int32_t ti;

		s->free_cpu = nd->alloc_cpu_milli - nd->req_cpu_milli;
		s->free_mem = nd->alloc_memory_bytes - nd->req_memory_bytes;
		s->free_gpu = (int64_t)nd->alloc_gpus - nd->req_gpus;
		s->usable = nd->ready && !nd->unschedulable &&
		    !sched_node_is_tainted(nd, &s->tainted);
		s->res = -1;
		s->type = -1;
		if (prod == NULL || nd->alloc_gpus <= 0)
			continue;
		sched_gpu_type_normalize(prod, buf, sizeof buf);
		if (buf[0] == '\0')
			continue;
		t = &st->types[st->ntypes];
		memcpy(t->name, buf, sizeof buf);
		ti = sched_intern_add(&st->type_names, t->name,
		    (int32_t)st->ntypes, &added);
		if (added) {
			t->product = prod;
			t->first_res = -1;
			st->ntypes++;
		}
		s->type = ti;
		st->types[ti].nnodes++;
	}

	/* Types named by site limits exist even without nodes. */
	for (i = 0; i < sn->nlimits; i++) {
		struct sched_type *t = &st->types[st->ntypes];
		bool added;

		if (sn->limits[i].gpu_type == NULL)
			continue;
		sched_gpu_type_normalize(sn->limits[i].gpu_type, t->name,
		    sizeof t->name);
		if (t->name[0] == '\0')
			continue;
		sched_intern_add(&st->type_names, t->name,
		    (int32_t)st->ntypes, &added);
		if (added) {
			t->first_res = -1;
			st->ntypes++;
		}
	}
}

/* Running jobs: the room of pods not yet on the nodes' books is
 * subtracted here, and each replica's expected end becomes a release. */
static void
sched_nodes_running(struct sched_pass_state *st)
{
	const struct sched_snapshot *sn = st->snap;
	struct sched_intern names;
	size_t i, k, nt = 0;
	int32_t n;

	sched_intern_init(&names, st->nnodes);
	for (i = 0; i < st->nnodes; i++) {
		if (sn->nodes[i].name != NULL)
			sched_intern_add(&names, sn->nodes[i].name,
			    (int32_t)i, NULL);
	}
	st->events = xcalloc(1, sizeof *st->events);
	for (i = 0; i < sn->nrunning; i++) {
		if (sn->running[i].nodes != NULL && sn->running[i].replicas > 0)
			nt += (size_t)sn->running[i].replicas;
	}
	if (nt > 0 && st->nnodes > 0) {
		free(st->events);
		st->events = xcalloc(nt, sizeof *st->events);
	}
	for (i = 0; i < sn->nrunning && st->nnodes > 0; i++) {
		const struct sched_running *r = &sn->running[i];
		int64_t end = sched_running_end(st->cfg, st->now, r);
		int g = r->gpus > 0 ? r->gpus : 0;

		if (r->nodes == NULL)
			continue;
		for (k = 0; k < (size_t)(r->replicas > 0 ? r->replicas : 0);
		    k++) {
			if (r->nodes[k] == NULL)
				continue;
			n = sched_intern_find(&names, r->nodes[k]);
			if (n < 0)
				continue;
			if (!(r->counted != NULL ? r->counted[k] :
			    r->in_nodes)) {
				st->ns[n].free_gpu -= g;
				st->ns[n].free_cpu -= r->cpu_milli;
				st->ns[n].free_mem -= r->memory_bytes;
			}
			st->events[st->nevents++] = (struct sched_event){
				.at = end, .node = n, .gpu = g,
				.cpu = r->cpu_milli, .mem = r->memory_bytes };
		}
	}
	sched_intern_release(&names);
	qsort(st->events, st->nevents, sizeof *st->events, sched_event_cmp);
}

/* Node lists and buckets by free GPUs per type; the pseudo-type holds
 * every node. */
static void
sched_nodes_buckets(struct sched_pass_state *st)
{
	size_t i, k;
	int32_t n;

	st->types[SCHED_ALL_TYPE].nnodes = st->nnodes;
	for (k = 0; k < st->ntypes; k++) {
		st->types[k].nodes = xcalloc(st->types[k].nnodes + 1,
		    sizeof *st->types[k].nodes);
		st->types[k].nnodes = 0;
	}
	for (i = 0; i < st->nnodes; i++) {
		struct sched_type *all = &st->types[SCHED_ALL_TYPE];
		int64_t a = st->snap->nodes[i].alloc_gpus;

		all->nodes[all->nnodes++] = (int32_t)i;
		if (st->ns[i].type > 0) {
			struct sched_type *t = &st->types[st->ns[i].type];

			t->nodes[t->nnodes++] = (int32_t)i;
			if (a + 1 > t->nbuckets)
				t->nbuckets = (int)(a + 1 > SCHED_MAX_BUCKETS ?
				    SCHED_MAX_BUCKETS : a + 1);
		}
		if (a + 1 > all->nbuckets)
			all->nbuckets = (int)(a + 1 > SCHED_MAX_BUCKETS ?
			    SCHED_MAX_BUCKETS : a + 1);
	}
	for (k = 0; k < st->ntypes; k++) {
		struct sched_type *t = &st->types[k];

		if (t->nbuckets < 1)
			t->nbuckets = 1;
		t->head = xcalloc((size_t)t->nbuckets, sizeof *t->head);
		memset(t->head, 0xff, (size_t)t->nbuckets * sizeof *t->head);
		/* Linking at the head in reverse keeps snapshot order. */
		for (i = t->nnodes; i > 0; i--) {
			n = t->nodes[i - 1];
			if (st->ns[n].usable)
				sched_link(st, (int)k, n);
		}
	}
	st->types_by_name = xcalloc(st->ntypes, sizeof *st->types_by_name);
	for (k = 1; k < st->ntypes; k++)
		st->types_by_name[k - 1] = (int32_t)k;
	sched_sort_type_names(st);
}

/*
 * Builds the pass's view of the nodes: free room, GPU types, the running
 * jobs' releases, buckets by free GPUs, and the scratch that placement
 * and sweeps use.
 */
void
sched_nodes_init(struct sched_pass_state *st)
{
	const struct sched_snapshot *sn = st->snap;
	size_t i, maxpick = 1;
	int64_t maxg;

	st->nnodes = sn->nodes_readable ? sn->nnodes : 0;
	st->types = xcalloc(st->nnodes + sn->nlimits + 1, sizeof *st->types);
	st->ns = xcalloc(st->nnodes + 1, sizeof *st->ns);
	sched_intern_init(&st->type_names, 16);
	st->ntypes = 1;
	st->types[SCHED_ALL_TYPE].first_res = -1;
	sched_nodes_types(st);
	sched_nodes_running(st);
	sched_nodes_buckets(st);

	for (i = 0; i < sn->njobs; i++) {
		if (sn->jobs[i].replicas > 0 &&
		    (size_t)sn->jobs[i].replicas > maxpick)
			maxpick = (size_t)sn->jobs[i].replicas;
	}
	st->pick = xcalloc(maxpick, sizeof *st->pick);
	maxg = (int64_t)st->nnodes + 1;
	st->cand = xcalloc((size_t)maxg, sizeof *st->cand);
	st->cand_k = xcalloc((size_t)maxg, sizeof *st->cand_k);
	st->sw_gpu = xcalloc((size_t)maxg, sizeof *st->sw_gpu);
	st->sw_cpu = xcalloc((size_t)maxg, sizeof *st->sw_cpu);
	st->sw_mem = xcalloc((size_t)maxg, sizeof *st->sw_mem);
	st->sw_stamp = xcalloc((size_t)maxg, sizeof *st->sw_stamp);
	st->resv = xcalloc(st->cfg->max_reservations + 1 + st->nnodes,
	    sizeof *st->resv);
}

/* Frees what sched_nodes_init built. */
void
sched_nodes_release(struct sched_pass_state *st)
{
	size_t k;

	for (k = 0; k < st->ntypes; k++) {
		free(st->types[k].nodes);
		free(st->types[k].head);
	}
	free(st->types);
	free(st->types_by_name);
	sched_intern_release(&st->type_names);
	free(st->ns);
	free(st->events);
	free(st->pevents);
	free(st->resv);
	free(st->pick);
	free(st->cand);
	free(st->cand_k);
	free(st->sw_gpu);
	free(st->sw_cpu);
	free(st->sw_mem);
	free(st->sw_stamp);
}

/* Replicas of a shape that fit in the given room, at most the gang. */
static int64_t
sched_kfit(const struct sched_shape *sh, int64_t g, int64_t c, int64_t m)
{
	int64_t k = sh->replicas;

	if (g < 0 || c < 0 || m < 0)
		return 0;
	if (sh->gpus > 0 && g / sh->gpus < k)
		k = g / sh->gpus;
	if (sh->cpu > 0 && c / sh->cpu < k)
		k = c / sh->cpu;
	if (sh->mem > 0 && m / sh->mem < k)
		k = m / sh->mem;
	return k;
}

/* Room on a node now for a job ending at end, keeping reservations whole. */
static int64_t
sched_kfit_node(const struct sched_pass_state *st, const struct sched_shape *sh,
    int32_t n, int64_t end, int *resv)
{
	const struct sched_nstate *s = &st->ns[n];
	int64_t g = s->free_gpu, c = s->free_cpu, m = s->free_mem, k0, k;

	k0 = sched_kfit(sh, g, c, m);
	if (s->res < 0 || end <= st->resv[s->res].start)
		return k0;
	if (s->spare_gpu < g)
		g = s->spare_gpu;
	if (s->spare_cpu < c)
		c = s->spare_cpu;
	if (s->spare_mem < m)
		m = s->spare_mem;
	k = sched_kfit(sh, g, c, m);
	if (k < k0 && resv != NULL && *resv < 0)
		*resv = s->res;
	return k;
}

/* On failure, the numbers a reason needs; one scan of the type's nodes. */
static void
sched_fail_stats(struct sched_pass_state *st, const struct sched_shape *sh,
    int64_t end, struct sched_fail *f)
{
	const struct sched_type *t = &st->types[sh->type];
	size_t i;

	memset(f, 0, sizeof *f);
	f->resv = -1;
	for (i = 0; i < t->nnodes; i++) {
		int32_t n = t->nodes[i];
		const struct sched_nstate *s = &st->ns[n];
		const struct sched_node *nd = &st->snap->nodes[n];
		struct sched_shape gonly = *sh;
		int64_t g;

		if (!s->tainted)
			f->room_ever += sched_kfit(sh, nd->alloc_gpus,
			    nd->alloc_cpu_milli, nd->alloc_memory_bytes);
		if (!s->usable)
			continue;
		f->room += sched_kfit_node(st, sh, n, end, &f->resv);
		f->room_nores += sched_kfit(sh, s->free_gpu, s->free_cpu,
		    s->free_mem);
		gonly.cpu = 0;
		gonly.mem = 0;
		f->room_gpu += sched_kfit(&gonly, s->free_gpu, 0, 0);
		g = s->free_gpu;
		if (s->res >= 0 && end > st->resv[s->res].start &&
		    s->spare_gpu < g)
			g = s->spare_gpu;
		if (g > f->best_gpu)
			f->best_gpu = g;
	}
}

/* Gangs go on the fewest, tightest nodes: whole nodes stay free for gangs. */
int
sched_place(struct sched_pass_state *st, const struct sched_shape *sh,
    int64_t end, struct sched_fail *fail)
{
	const struct sched_type *t = &st->types[sh->type];
	int m = sched_member(sh->type);
	int64_t need = (int64_t)sh->gpus * sh->replicas, sum = 0, k;
	size_t nc = 0, i, r = 0;
	int b, b0;
	int32_t n;

	st->placements++;
	/* One node for the whole gang: the one with the fewest free GPUs. */
	if (need <= t->nbuckets - 1 || sh->gpus == 0) {
		b0 = sched_bucket_of(t, need);
		for (b = b0; b < t->nbuckets; b++) {
			for (n = t->head[b]; n != -1; n = st->ns[n].next[m]) {
				if (sched_kfit_node(st, sh, n, end, NULL) <
				    sh->replicas)
					continue;
				for (i = 0; i < (size_t)sh->replicas; i++)
					st->pick[i] = n;
				return 0;
			}
		}
	}
	/* Several nodes: the emptiest first, so the gang spans few nodes. */
	if (sh->replicas > 1) {
		b0 = sched_bucket_of(t, sh->gpus);
		for (b = t->nbuckets - 1; b >= b0 && sum < sh->replicas; b--) {
			for (n = t->head[b]; n != -1 && sum < sh->replicas;
			    n = st->ns[n].next[m]) {
				k = sched_kfit_node(st, sh, n, end, NULL);
				if (k <= 0)
					continue;
				st->cand[nc] = n;
				st->cand_k[nc++] = k;
				sum += k;
			}
		}
		if (sum >= sh->replicas) {
			for (i = 0; i < nc && r < (size_t)sh->replicas; i++) {
				for (k = 0; k < st->cand_k[i] &&
				    r < (size_t)sh->replicas; k++)
					st->pick[r++] = st->cand[i];
			}
			return 0;
		}
	}
	sched_fail_stats(st, sh, end, fail);
	return -1;
}

/* Records a release at a job's end, for later reservations of this pass. */
static void
sched_add_pevent(struct sched_pass_state *st, const struct sched_event *e)
{
	if (st->npevents == st->pevents_cap) {
		st->pevents_cap = st->pevents_cap ? st->pevents_cap * 2 : 256;
		st->pevents = xreallocarray(st->pevents, st->pevents_cap,
		    sizeof *st->pevents);
	}
	st->pevents[st->npevents++] = *e;
}

/* Admission takes the room at once, so later jobs of the pass see it. */
void
sched_commit(struct sched_pass_state *st, const struct sched_shape *sh,
    int64_t end, int64_t release)
{
	size_t i;

	for (i = 0; i < (size_t)sh->replicas; i++) {
		int32_t n = st->pick[i];
		struct sched_nstate *s = &st->ns[n];

		s->free_gpu -= sh->gpus;
		s->free_cpu -= sh->cpu;
		s->free_mem -= sh->mem;
		if (s->res >= 0 && end > st->resv[s->res].start) {
			s->spare_gpu -= sh->gpus;
			s->spare_cpu -= sh->cpu;
			s->spare_mem -= sh->mem;
		}
		sched_rebucket(st, n);
		if (release != INT64_MAX)
			sched_add_pevent(st, &(struct sched_event){
			    .at = release, .node = n, .gpu = sh->gpus,
			    .cpu = sh->cpu, .mem = sh->mem });
	}
}

/* A node a new reservation of the type may take: usable and not promised. */
static bool
sched_resv_candidate(const struct sched_pass_state *st, int type, int32_t n)
{
	const struct sched_nstate *s = &st->ns[n];

	if (!s->usable || s->res >= 0)
		return false;
	return type == SCHED_ALL_TYPE || s->type == type;
}

/* Room on a node at the sweep's current time. */
static int64_t
sched_sweep_k(const struct sched_pass_state *st, const struct sched_shape *sh,
    int32_t n)
{
	const struct sched_nstate *s = &st->ns[n];

	if (st->sw_stamp[n] == st->stamp)
		return sched_kfit(sh, st->sw_gpu[n], st->sw_cpu[n],
		    st->sw_mem[n]);
	return sched_kfit(sh, s->free_gpu, s->free_cpu, s->free_mem);
}

/* Sorts this pass's releases before a sweep walks them. */
static void
sched_sort_pevents(struct sched_pass_state *st)
{
	if (st->pevents_sorted == st->npevents)
		return;
	qsort(st->pevents, st->npevents, sizeof *st->pevents,
	    sched_event_cmp);
	st->pevents_sorted = st->npevents;
}

/* Orders reservation candidates by room, most first, then snapshot order. */
static int
sched_cand_cmp(const void *a, const void *b)
{
	const int64_t *x = a, *y = b;

	if (x[1] != y[1])
		return x[1] > y[1] ? -1 : 1;
	return x[0] < y[0] ? -1 : (x[0] > y[0]);
}

/* Records the reservation: nodes promised, and what else fits beside it. */
static void
sched_reserve_commit(struct sched_pass_state *st, const struct sched_shape *sh,
    int64_t job_id, int64_t shadow)
{
	const struct sched_type *t = &st->types[sh->type];
	int64_t (*pairs)[2], best = -1, bestk = INT64_MAX, k, rem, take;
	size_t i, np = 0;
	int r = (int)st->nresv;

	pairs = xcalloc(t->nnodes + 1, sizeof *pairs);
	for (i = 0; i < t->nnodes; i++) {
		int32_t n = t->nodes[i];

		if (!sched_resv_candidate(st, sh->type, n))
			continue;
		k = sched_sweep_k(st, sh, n);
		if (k <= 0)
			continue;
		if (k >= sh->replicas && k < bestk) {
			best = n;
			bestk = k;
		}
		pairs[np][0] = n;
		pairs[np++][1] = k;
	}
	if (best >= 0) {
		pairs[0][0] = best;
		pairs[0][1] = sh->replicas;
		np = 1;
	} else
		qsort(pairs, np, sizeof *pairs, sched_cand_cmp);
	st->resv[r] = (struct sched_resv){ .job_id = job_id,
	    .type = sh->type, .start = shadow };
	rem = sh->replicas;
	for (i = 0; i < np && rem > 0; i++) {
		int32_t n = (int32_t)pairs[i][0];
		struct sched_nstate *s = &st->ns[n];
		bool sw = st->sw_stamp[n] == st->stamp;

		take = pairs[i][1] < rem ? pairs[i][1] : rem;
		rem -= take;
		s->res = r;
		s->spare_gpu = (sw ? st->sw_gpu[n] : s->free_gpu) -
		    take * sh->gpus;
		s->spare_cpu = (sw ? st->sw_cpu[n] : s->free_cpu) -
		    take * sh->cpu;
		s->spare_mem = (sw ? st->sw_mem[n] : s->free_mem) -
		    take * sh->mem;
		st->resv[r].nnodes++;
	}
	free(pairs);
	st->nresv++;
	if (st->types[sh->type].first_res < 0)
		st->types[sh->type].first_res = r;
}

/* Slurm's backfill shadow time: when the expected ends free enough room. */
int64_t
sched_reserve(struct sched_pass_state *st, const struct sched_shape *sh,
    int64_t job_id, bool commit)
{
	const struct sched_type *t = &st->types[sh->type];
	int64_t sum = 0, limit = sched_after(st->now, st->cfg->window_s);
	int64_t shadow = -1, k0, k1;
	size_t i = 0, j = 0;

	if (++st->stamp == 0) {
		memset(st->sw_stamp, 0, (st->nnodes + 1) * sizeof *st->sw_stamp);
		st->stamp = 1;
	}
	for (i = 0; i < t->nnodes; i++) {
		if (sched_resv_candidate(st, sh->type, t->nodes[i]))
			sum += sched_sweep_k(st, sh, t->nodes[i]);
	}
	if (sum >= sh->replicas)
		shadow = st->now;
	sched_sort_pevents(st);
	i = 0;
	while (shadow < 0 && (i < st->nevents || j < st->npevents)) {
		const struct sched_event *e;
		int32_t n;

		if (j >= st->npevents || (i < st->nevents &&
		    st->events[i].at <= st->pevents[j].at))
			e = &st->events[i++];
		else
			e = &st->pevents[j++];
		if (e->at > limit)
			break;
		n = e->node;
		if (sched_resv_candidate(st, sh->type, n)) {
			if (st->sw_stamp[n] != st->stamp) {
				st->sw_stamp[n] = st->stamp;
				st->sw_gpu[n] = st->ns[n].free_gpu;
				st->sw_cpu[n] = st->ns[n].free_cpu;
				st->sw_mem[n] = st->ns[n].free_mem;
			}
			k0 = sched_sweep_k(st, sh, n);
			st->sw_gpu[n] += e->gpu;
			st->sw_cpu[n] += e->cpu;
			st->sw_mem[n] += e->mem;
			k1 = sched_sweep_k(st, sh, n);
			sum += k1 - k0;
		}
		if (sum < sh->replicas)
			continue;
		/* Take every release at the same instant before deciding. */
		if ((i < st->nevents && st->events[i].at == e->at) ||
		    (j < st->npevents && st->pevents[j].at == e->at))
			continue;
		shadow = e->at > st->now ? e->at : st->now;
	}
	if (shadow < 0)
		return -1;
	if (commit)
		sched_reserve_commit(st, sh, job_id, shadow);
	return shadow;
}
