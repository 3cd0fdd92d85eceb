/*
 * sched-policy-visit.c: one job's turn in a pass (sched_visit): the cheap
 * checks, quota, the types to try in the user's order, a gang placement
 * on each (memoised by shape within the pass), or, without sight of
 * nodes, the judgements of full types; then, blocked by capacity, a
 * reservation where it starts soonest.  Pure, like the rest of the
 * policy.
 */
#include "sched-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCHED_MAX_TRY 16

/*
 * Quota: the whole gang against every ResourceQuota of the namespace, minus
 * what was admitted but not yet counted; 0 if it fits, else -1 with the
 * decision filled.
 */
static int
sched_quota_check(struct sched_ctx *c, size_t idx, const int64_t *need,
    struct sched_decision *d)
{
	const struct sched_nsinfo *ns;
	char a[32], b[32], h[32];
	size_t off = 0, i, k;
	int32_t n = c->job_ns[idx];
	int64_t used, extra;

	if (n < 0)
		return 0;
	ns = &c->ns[n];
	for (i = 0; i < ns->nq; i++) {
		size_t q = c->qorder[ns->qfirst + i];

		for (k = 0; k < c->snap->quotas[q].nitems; k++) {
			const struct sched_qitem *it = &c->qitems[q][k];

			if (it->res < 0 || need[it->res] == 0)
				continue;
			extra = ns->pending[it->res] + ns->pass[it->res];
			used = it->used + extra;
			if (used + need[it->res] <= it->hard)
				continue;
			sched_fmt_res(a, sizeof a, it->res, need[it->res]);
			sched_fmt_res(h, sizeof h, it->hard < 0 ? 0 : it->res,
			    it->hard);
			if (need[it->res] > it->hard) {
				d->verdict = SCHED_VERDICT_NEVER;
				sched_say(d->reason, &off, "quota %s: needs %s,"
				    " hard limit %s (can never fit)", it->key,
				    a, h);
				return -1;
			}
			sched_fmt_res(b, sizeof b, it->res, used);
			sched_say(d->reason, &off, "quota %s: needs %s, %s of "
			    "%s used", it->key, a, b, h);
			if (extra > 0) {
				sched_fmt_res(a, sizeof a, it->res, extra);
				sched_say(d->reason, &off, " (%s admitted, not "
				    "yet counted)", a);
			}
			return -1;
		}
	}
	return 0;
}

/* Field by field: shapes are built as compound literals, whose padding
 * holds anything. */
static bool
sched_shape_eq(const struct sched_shape *a, const struct sched_shape *b)
{
	return a->type == b->type && a->gpus == b->gpus &&
	    a->replicas == b->replicas && a->cpu == b->cpu && a->mem == b->mem;
}

/* Memo slot of a shape: hashing the five numbers that decide a fit. */
static size_t
sched_memo_hash(const struct sched_shape *s)
{
	uint64_t h = 1469598103934665603ull;

	h = (h ^ (uint64_t)s->type) * 1099511628211ull;
	h = (h ^ (uint64_t)s->gpus) * 1099511628211ull;
	h = (h ^ (uint64_t)s->replicas) * 1099511628211ull;
	h = (h ^ (uint64_t)s->cpu) * 1099511628211ull;
	h = (h ^ (uint64_t)s->mem) * 1099511628211ull;
	return (size_t)(h ^ (h >> 29));
}

/* The memo entry of a shape, created if absent. */
static struct sched_memo *
sched_memo_get(struct sched_pass_state *st, const struct sched_shape *s)
{
	struct sched_memo *old;
	size_t i, cap, oldcap;

	if (st->memo == NULL || (st->memo_n + 1) * 2 > st->memo_cap) {
		old = st->memo;
		oldcap = st->memo_cap;
		cap = oldcap ? oldcap * 2 : 256;
		st->memo = xcalloc(cap, sizeof *st->memo);
		st->memo_cap = cap;
		for (i = 0; i < oldcap; i++) {
			struct sched_memo *e;

			if (!old[i].used)
				continue;
			e = sched_memo_get(st, &old[i].shape);
			*e = old[i];
		}
		free(old);
	}
	i = sched_memo_hash(s) & (st->memo_cap - 1);
	while (st->memo[i].used) {
		if (sched_shape_eq(&st->memo[i].shape, s))
			return &st->memo[i];
		i = (i + 1) & (st->memo_cap - 1);
	}
	st->memo[i].used = true;
	st->memo[i].shape = *s;
	st->memo[i].min_end = INT64_MAX;
	st->memo_n++;
	return &st->memo[i];
}

/* Says, with numbers, why a gang does not fit a type now. */
static void
sched_say_fail(struct sched_ctx *c, char *buf, size_t *off,
    const char *label, const struct sched_shape *sh,
    const struct sched_fail *f)
{
	char cpu[32], mem[32], when[32];
	const char *s = sh->replicas > 1 ? "s" : "";

	if (f->room_ever < sh->replicas) {
		sched_say(buf, off, "%s: can never fit %d replica%s of %d "
		    "GPUs (the type holds %lld)", label, sh->replicas, s,
		    sh->gpus, (long long)f->room_ever);
		return;
	}
	if (f->room_nores >= sh->replicas && f->resv >= 0) {
		const struct sched_resv *r = &c->st.resv[f->resv];

		sched_fmt_time(when, sizeof when, r->start);
		sched_say(buf, off, "%s: reserved for job %lld (%s) from %s",
		    label, (long long)r->job_id, label, when);
		return;
	}
	sched_fmt_cpu(cpu, sizeof cpu, sh->cpu);
	sched_fmt_bytes(mem, sizeof mem, sh->mem);
	if (sh->gpus > 0 && f->room_gpu < sh->replicas) {
		if (sh->replicas == 1)
			sched_say(buf, off, "%s: needs 1 node with %d free, "
			    "best has %lld", label, sh->gpus,
			    (long long)f->best_gpu);
		else
			sched_say(buf, off, "%s: needs %d nodes with %d free, "
			    "room for %lld, best has %lld", label,
			    sh->replicas, sh->gpus, (long long)f->room_gpu,
			    (long long)f->best_gpu);
		return;
	}
	sched_say(buf, off, "%s: needs %d node%s with %s CPU and %s memory "
	    "free%s, room for %lld", label, sh->replicas, s, cpu, mem,
	    sh->gpus > 0 ? " beside the GPUs" : "", (long long)f->room);
	if (f->resv >= 0)
		sched_say(buf, off, " (job %lld's reservation kept)",
		    (long long)c->st.resv[f->resv].job_id);
}

/* Admission: take nodes, quota, group slot and charge the owner. */
static void
sched_admit(struct sched_ctx *c, size_t idx, int type, const char *label,
    const struct sched_shape *sh, int64_t end, const int64_t *need,
    struct sched_decision *d)
{
	struct sched_pass_state *st = &c->st;
	/* Planning expects a job without a timeout back after the default. */
	int64_t release = end != INT64_MAX ? end :
	    c->cfg->default_duration_s > 0 ?
	    sched_after(st->now, c->cfg->default_duration_s) : INT64_MAX;
	size_t k;

	d->verdict = SCHED_VERDICT_ADMIT;
	snprintf(d->reason, sizeof d->reason, "admitted");
	if (type != SCHED_ALL_TYPE && type >= 0) {
		d->gpu_type = label;
		d->gpu_product = st->types[type].product;
	} else if (type < 0 && c->snap->jobs[idx].gpus > 0)
		d->gpu_type = label;
	if (c->snap->nodes_readable && type >= 0) {
		sched_commit(st, sh, end, release);
		if (c->nslots + (size_t)sh->replicas > c->slots_cap) {
			c->slots_cap = (c->slots_cap + (size_t)sh->replicas) *
			    2;
			c->slots = xreallocarray(c->slots, c->slots_cap,
			    sizeof *c->slots);
		}
		c->slot_off[idx] = c->nslots;
		for (k = 0; k < (size_t)sh->replicas; k++)
			c->slots[c->nslots++] = st->pick[k];
	}
	if (c->job_ns[idx] >= 0) {
		for (k = 0; k < SCHED_NRES; k++)
			c->ns[c->job_ns[idx]].pass[k] += need[k];
	}
	c->group_admitted[c->job_group[idx]]++;
	c->group_gpus_admitted[c->job_group[idx]] += (int)need[SCHED_RES_GPU];
	c->usage[c->job_owner[idx]] += (double)need[SCHED_RES_GPU] *
	    (double)c->cfg->tau_commit_s / 3600.0;
	c->gusage[c->job_group[idx]] += (double)need[SCHED_RES_GPU] *
	    (double)c->cfg->tau_commit_s / 3600.0;
	if (c->lim != NULL && type > 0)
		c->lim_used[(size_t)c->job_owner[idx] * st->ntypes +
		    (size_t)type] += need[SCHED_RES_GPU];
	sched_wake_at(c, release);
	c->out->admitted[c->out->nadmitted++] = idx;
}

/* True if two spellings name one GPU type. */
static bool
sched_same_type(const char *x, const char *y)
{
	char a[SCHED_TYPE_NAME_MAX], b[SCHED_TYPE_NAME_MAX];

	if (x == NULL || y == NULL)
		return false;
	sched_gpu_type_normalize(x, a, sizeof a);
	sched_gpu_type_normalize(y, b, sizeof b);
	return strcmp(a, b) == 0;
}

/* The index of the caller's block on a GPU type in force now, or -1. */
static ssize_t
sched_blocked(const struct sched_ctx *c, const char *type)
{
	size_t i;

	for (i = 0; i < c->snap->nblocked; i++) {
		if (c->snap->blocked[i].until > c->st.now &&
		    sched_same_type(c->snap->blocked[i].gpu_type, type))
			return (ssize_t)i;
	}
	return -1;
}

/* What runs on each blocked type now, against its max_gpus. */
void
sched_blocks_init(struct sched_ctx *c)
{
	const struct sched_snapshot *sn = c->snap;
	size_t i, k;

	c->blk_used = xcalloc(sn->nblocked + 1, sizeof *c->blk_used);
	for (i = 0; i < sn->nblocked; i++)
		for (k = 0; k < sn->nrunning; k++)
			if (sn->running[k].ends_at == 0 && sched_same_type(
			    sn->running[k].gpu_type, sn->blocked[i].gpu_type))
				c->blk_used[i] += (int64_t)sn->running[k].gpus *
				    sn->running[k].replicas;
}

/*
 * The reason of a job its dependencies hold (common.h: after_parse for
 * the entry's grammar): waiting for a job that has not ended, or never,
 * when one ended the wrong way or the entry names nothing of the owner's.
 * Returns false: the job is not admitted.
 */
static bool
sched_visit_deps(const struct sched_job *j, struct sched_decision *d,
    size_t *off)
{
	struct after_ref r;
	const char *field;

	if (j->dep_ref == NULL || after_parse(j->dep_ref, &r) != 0) {
		r.kind = AFTER_OK;
		r.group = false;
		r.target = sched_str(j->dep_ref);
	}
	field = after_kind_field(r.kind);
	if (j->deps == SCHED_DEPS_PENDING) {
		if (r.group)
			sched_say(d->reason, off, "waiting for job %lld of "
			    "group '%s' (%s)", (long long)j->dep_job, r.target,
			    field);
		else
			sched_say(d->reason, off, "waiting for job %lld (%s)",
			    (long long)j->dep_job, field);
		return false;
	}
	d->verdict = SCHED_VERDICT_NEVER;
	if (j->dep_job == 0)
		sched_say(d->reason, off, "%s: '%s%s' is not one of your %s "
		    "(not found)", field, r.group ? "group:" : "", r.target,
		    r.group ? "groups" : "jobs");
	else if (r.kind == AFTER_FAILED && r.group)
		sched_say(d->reason, off, "every job of group '%s' succeeded "
		    "(%s)", r.target, field);
	else if (r.kind == AFTER_FAILED)
		sched_say(d->reason, off, "dependency job %lld succeeded "
		    "(%s)", (long long)j->dep_job, field);
	else if (r.group)
		sched_say(d->reason, off, "dependency job %lld of group '%s' "
		    "did not succeed (%s)", (long long)j->dep_job, r.target,
		    field);
	else
		sched_say(d->reason, off, "dependency job %lld did not "
		    "succeed (%s)", (long long)j->dep_job, field);
	return false;
}

/* The checks a job passes before any placement (request, hold,
 * dependencies, backoff, group, quota); false with the decision filled
 * when it stops here. */
static bool
sched_visit_checks(struct sched_ctx *c, size_t idx, const int64_t *need,
    struct sched_decision *d)
{
	const struct sched_job *j = &c->snap->jobs[idx];
	struct sched_pass_state *st = &c->st;
	char when[32];
	size_t off = 0;
	int32_t g;

	if (j->replicas < 1 || j->gpus < 0 || j->cpu_milli < 0 ||
	    j->memory_bytes < 0) {
		d->verdict = SCHED_VERDICT_NEVER;
		sched_say(d->reason, &off, "invalid request: %d replicas of %d "
		    "GPUs", j->replicas, j->gpus);
		return false;
	}
	if (j->held) {
		sched_say(d->reason, &off, "held");
		return false;
	}
	if (j->deps == SCHED_DEPS_PENDING || j->deps == SCHED_DEPS_FAILED)
		return sched_visit_deps(j, d, &off);
	if (j->not_before > st->now) {
		sched_fmt_time(when, sizeof when, j->not_before);
		sched_say(d->reason, &off, "retry backoff until %s (in %llds)",
		    when, (long long)((j->not_before - st->now + 999) / 1000));
		sched_wake_at(c, j->not_before);
		return false;
	}
	g = c->job_group[idx];
	if (j->group != NULL && j->group_max_running > 0 &&
	    j->group_running + c->group_admitted[g] >= j->group_max_running) {
		sched_say(d->reason, &off, "group %s max_running %d reached",
		    j->group, j->group_max_running);
		return false;
	}
	if (j->group != NULL && j->group_max_gpus > 0 && j->group_gpus +
	    c->group_gpus_admitted[g] + j->gpus * j->replicas >
	    j->group_max_gpus) {
		sched_say(d->reason, &off, "group %s max_gpus %d reached "
		    "(%d held, this job needs %d)", j->group,
		    j->group_max_gpus, j->group_gpus +
		    c->group_gpus_admitted[g], j->gpus * j->replicas);
		return false;
	}
	return sched_quota_check(c, idx, need, d) == 0;
}

/* The types a job may go on, in the user's order (with the labels its
 * reasons use); how many. */
static size_t
sched_visit_types(struct sched_ctx *c, const struct sched_job *j,
    int *types, const char **labels)
{
	struct sched_pass_state *st = &c->st;
	size_t ntry = 0, i;
	int t;

	if (j->gpus == 0) {
		types[ntry] = SCHED_ALL_TYPE;
		labels[ntry++] = "cpu";
	} else if (j->ngpu_types == 0) {
		for (i = 0; i + 1 < st->ntypes && ntry < SCHED_MAX_TRY; i++) {
			t = st->types_by_name[i];
			if (st->types[t].nnodes == 0)
				continue;
			types[ntry] = t;
			labels[ntry++] = st->types[t].product;
		}
		/* Unseen nodes: "any" is each of the site's types. */
		if (ntry == 0 && !c->snap->nodes_readable) {
			for (i = 0; i < c->snap->nsite_types &&
			    ntry < SCHED_MAX_TRY; i++) {
				types[ntry] = -1;
				labels[ntry++] = c->snap->site_types[i];
			}
			if (ntry == 0) {
				types[ntry] = -1;
				labels[ntry++] = NULL;
			}
		}
	} else {
		for (i = 0; i < j->ngpu_types && ntry < SCHED_MAX_TRY; i++) {
			types[ntry] = sched_type_find(st,
			    sched_str(j->gpu_types[i]));
			labels[ntry++] = sched_str(j->gpu_types[i]);
		}
	}
	return ntry;
}

/* Whether this pass still tries to place the job: not past the backfill
 * depth behind the first reservation, nor past the admissions one pass
 * makes; false with the reason filled. */
static bool
sched_visit_gates(struct sched_ctx *c, struct sched_decision *d)
{
	struct sched_pass_state *st = &c->st;
	size_t off = 0;

	if (c->snap->nodes_readable && st->nresv > 0 &&
	    c->tested >= c->cfg->max_job_test) {
		if (c->untested[0] == '\0')
			sched_say(c->untested, &off, "not tested this pass: "
			    "backfill depth %zu reached behind job %lld's "
			    "reservation", c->cfg->max_job_test,
			    (long long)st->resv[0].job_id);
		memcpy(d->reason, c->untested, sizeof d->reason);
		return false;
	}
	if (c->cfg->max_admit > 0 && c->out->nadmitted >= c->cfg->max_admit) {
		sched_say(d->reason, &off, "not tried this pass: %zu jobs "
		    "admitted, as many as one pass creates", c->cfg->max_admit);
		sched_wake_at(c, st->now + 1);
		return false;
	}
	if (st->nresv > 0)
		c->tested++;
	return true;
}

/* What trying one type came to. */
enum sched_try {
	SCHED_TRY_ADMITTED,
	SCHED_TRY_NEVER,             /* the type can never hold it */
	SCHED_TRY_CAPACITY,          /* no room now: worth a reservation */
	SCHED_TRY_LATER,             /* a limit or a judgement: not now */
};

/* A user's per-type GPU limit, checked before any placement. */
static enum sched_try
sched_try_limit(struct sched_ctx *c, size_t idx, int t, const char *label,
    const int64_t *need, char *segs, size_t *soff)
{
	const struct sched_job *j = &c->snap->jobs[idx];
	size_t k = (size_t)c->job_owner[idx] * c->st.ntypes + (size_t)t;
	int64_t lim = c->lim[k], used = c->lim_used[k];

	if (lim >= 0 && need[SCHED_RES_GPU] > lim) {
		sched_say(segs, soff, "%s: needs %lld GPUs, user limit %lld "
		    "(can never fit)", label, (long long)need[SCHED_RES_GPU],
		    (long long)lim);
		return SCHED_TRY_NEVER;
	}
	if (lim >= 0 && used + need[SCHED_RES_GPU] > lim) {
		sched_say(segs, soff, "%s: user limit, %s holds %lld of %lld "
		    "GPUs, needs %lld", label, sched_str(j->owner),
		    (long long)used, (long long)lim,
		    (long long)need[SCHED_RES_GPU]);
		return SCHED_TRY_LATER;
	}
	return SCHED_TRY_ADMITTED;
}

/* Without sight of nodes: admitted on quota alone, unless the type is
 * judged full at what runs there. */
static enum sched_try
sched_try_unseen(struct sched_ctx *c, size_t idx, int t, const char *label,
    const struct sched_shape *sh, int64_t end, const int64_t *need,
    struct sched_decision *d, char *segs, size_t *soff)
{
	const struct sched_type_block *b;
	ssize_t bi = sched_blocked(c, label);
	char when[32];

	if (bi >= 0) {
		b = &c->snap->blocked[bi];
		if (c->blk_used[bi] + need[SCHED_RES_GPU] > b->max_gpus) {
			sched_fmt_time(when, sizeof when, b->until);
			sched_say(segs, soff, "%s: judged full at %lld GPUs of "
			    "ours until %s%s%s", sched_str(label),
			    (long long)b->max_gpus, when, b->why != NULL ?
			    ": " : "", sched_str(b->why));
			sched_wake_at(c, b->until);
			return SCHED_TRY_LATER;
		}
		c->blk_used[bi] += need[SCHED_RES_GPU];
	}
	/* Quota alone; our pods' scheduling tells the rest. */
	sched_admit(c, idx, t, label, sh, end, need, d);
	return SCHED_TRY_ADMITTED;
}

/* One of the job's types: limits, then placement (or, without sight of
 * nodes, the judgements); admits the job when it fits. */
static enum sched_try
sched_try_type(struct sched_ctx *c, size_t idx, int t, const char *label,
    int64_t end, const int64_t *need, struct sched_decision *d, char *segs,
    size_t *soff)
{
	const struct sched_job *j = &c->snap->jobs[idx];
	struct sched_pass_state *st = &c->st;
	struct sched_shape sh = { .type = t, .gpus = j->gpus,
	    .replicas = j->replicas, .cpu = j->cpu_milli,
	    .mem = j->memory_bytes };
	enum sched_try r;
	struct sched_fail fail;
	struct sched_memo *memo;

	if (*soff > 0)
		sched_say(segs, soff, "; ");
	if (c->lim != NULL && t > 0 && (r = sched_try_limit(c, idx, t, label,
	    need, segs, soff)) != SCHED_TRY_ADMITTED)
		return r;
	if (!c->snap->nodes_readable)
		return sched_try_unseen(c, idx, t, label, &sh, end, need, d,
		    segs, soff);
	if (t < 0 || st->types[t].nnodes == 0) {
		sched_say(segs, soff, "%s: none of the %zu nodes has %s", label,
		    st->nnodes, t == SCHED_ALL_TYPE ? "room" :
		    "this GPU type");
		return SCHED_TRY_NEVER;
	}
	memo = sched_memo_get(st, &sh);
	if (memo->failed && end >= memo->min_end) {
		st->memo_hits++;
		fail = memo->fail;
	} else if (sched_place(st, &sh, end, &fail) == 0) {
		sched_admit(c, idx, t, label, &sh, end, need, d);
		return SCHED_TRY_ADMITTED;
	} else {
		memo->failed = true;
		memo->min_end = end;
		memo->fail = fail;
	}
	sched_say_fail(c, segs, soff, label, &sh, &fail);
	return fail.room_ever < sh.replicas ? SCHED_TRY_NEVER :
	    SCHED_TRY_CAPACITY;
}

/* Blocked by capacity on the types in cap: reserve where it starts
 * soonest (starting the reason with it). */
static void
sched_visit_reserve(struct sched_ctx *c, size_t idx, const int *cap,
    size_t ncap, const int *types, const char **labels, size_t ntry,
    size_t *off)
{
	const struct sched_job *j = &c->snap->jobs[idx];
	struct sched_decision *d = &c->out->decisions[idx];
	struct sched_shape sh = { .gpus = j->gpus, .replicas = j->replicas,
	    .cpu = j->cpu_milli, .mem = j->memory_bytes };
	int64_t shadow, best_shadow = -1;
	const char *best_label = NULL;
	int best_type = -1;
	char when[32];
	size_t i;

	for (i = 0; i < ncap; i++) {
		sh.type = cap[i];
		shadow = sched_reserve(&c->st, &sh, j->id, false);
		if (shadow >= 0 && (best_shadow < 0 || shadow < best_shadow)) {
			best_shadow = shadow;
			best_type = cap[i];
		}
	}
	if (best_type < 0) {
		sched_say(d->reason, off, "no start expected within the "
		    "window; ");
		return;
	}
	sh.type = best_type;
	sched_reserve(&c->st, &sh, j->id, true);
	for (i = 0; i < ntry; i++) {
		if (types[i] == best_type)
			best_label = labels[i];
	}
	d->reserved_start = best_shadow;
	sched_wake_at(c, best_shadow);
	sched_fmt_time(when, sizeof when, best_shadow);
	sched_say(d->reason, off, "reserved on %s, expected start %s; ",
	    best_label, when);
}

/* One job of the pass, in order: the checks, placement, reservation. */
void
sched_visit(struct sched_ctx *c, size_t idx, bool starving)
{
	const struct sched_job *j = &c->snap->jobs[idx];
	struct sched_decision *d = &c->out->decisions[idx];
	struct sched_pass_state *st = &c->st;
	int64_t need[SCHED_NRES], end;
	int types[SCHED_MAX_TRY], cap[SCHED_MAX_TRY];
	const char *labels[SCHED_MAX_TRY];
	char segs[SCHED_REASON_MAX] = "";
	size_t ntry, ncap = 0, nnever = 0, off = 0, soff = 0, i;

	d->job_id = j->id;
	d->position = ++c->position;
	d->verdict = SCHED_VERDICT_WAIT;
	sched_job_quota_need(j, need);
	if (!sched_visit_checks(c, idx, need, d))
		return;
	if ((ntry = sched_visit_types(c, j, types, labels)) == 0) {
		d->verdict = SCHED_VERDICT_NEVER;
		sched_say(d->reason, &off, "needs %d GPUs per replica, none of "
		    "the %zu nodes has a GPU (can never fit)", j->gpus,
		    st->nnodes);
		return;
	}
	if (!sched_visit_gates(c, d))
		return;
	/* A hard limit ends it for sure; an estimate is what planning and
	 * backfill go by when there is no limit. */
	end = j->timeout_s > 0 ? sched_after(st->now, j->timeout_s) :
	    j->est_s > 0 ? sched_after(st->now, j->est_s) : INT64_MAX;
	for (i = 0; i < ntry; i++) {
		switch (sched_try_type(c, idx, types[i], labels[i], end, need,
		    d, segs, &soff)) {
		case SCHED_TRY_ADMITTED:
			return;
		case SCHED_TRY_NEVER:
			nnever++;
			break;
		case SCHED_TRY_CAPACITY:
			cap[ncap++] = types[i];
			break;
		case SCHED_TRY_LATER:
			break;
		}
	}
	if (nnever == ntry) {
		d->verdict = SCHED_VERDICT_NEVER;
		sched_say(d->reason, &off, "%s", segs);
		return;
	}
	if (ncap > 0 && (st->nresv < c->cfg->max_reservations || starving))
		sched_visit_reserve(c, idx, cap, ncap, types, labels, ntry,
		    &off);
	sched_say(d->reason, &off, "%s", segs);
}
