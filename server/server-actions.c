/*
 * The /v1/ actions (cancel, hold, release, retry) on one job or on a
 * selection, as the local commands take them (docs/api.md): each job the
 * caller may not see is "not found", and a store another process holds
 * gives 503 with a Retry-After rather than a half-done batch.  The jobs
 * are read in one query (who may see them, their states) and acted on by
 * store_act, a transaction a chunk of STORE_ACT_CHUNK, not one each.
 */
#include "server-int.h"

#include <event2/buffer.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "sched-loop.h"
#include "store-server.h"

/* One job a request names, in the order its items are answered. */
struct server_act_ent {
	int64_t id;
	bool from_group;             /* a group's retry skips what needs none */
};

/* A job as read before acting: whether the caller may see it, and what
 * the retry checks need. */
struct server_act_seen {
	int64_t id;
	bool visible;
	bool mine;                   /* the caller's: counts to their limit */
	bool cleaned;
	enum store_state state;
};

/* The jobs of a run as the store lists them, by id. */
struct server_act_read {
	const struct server_user *user;
	struct server_act_seen *seen;
	size_t n, cap;
};

/* The store's enum for an action's name (the router only lets the four
 * through). */
static enum store_act
server_act_kind(const char *action)
{
	return strcmp(action, "cancel") == 0 ? STORE_ACT_CANCEL :
	    strcmp(action, "hold") == 0 ? STORE_ACT_HOLD :
	    strcmp(action, "release") == 0 ? STORE_ACT_RELEASE :
	    STORE_ACT_RETRY;
}

/* An action the store could not take because another process held the
 * queue locked: nothing was done, so the client may ask again. */
static json_t *
server_busy_item(int64_t id)
{
	return api_action_itemf(id, false, "busy", "job %lld: the queue is busy "
	    "(another process holds it locked): nothing was done; retry in a "
	    "moment", (long long)id);
}

/* A job the caller may not see, or that is not there: the same answer,
 * so that nobody learns of others' jobs by probing ids. */
static json_t *
server_not_found_item(int64_t id)
{
	return api_action_itemf(id, false, "not_found", "job %lld not found",
	    (long long)id);
}

/* One listed job into the run's table. */
static int
server_act_read_row(const struct store_row *row, void *arg)
{
	struct server_act_read *w = arg;
	struct server_act_seen *sn;

	if (w->n == w->cap) {
		w->cap = w->cap == 0 ? 64 : w->cap * 2;
		w->seen = xreallocarray(w->seen, w->cap, sizeof *w->seen);
	}
	sn = &w->seen[w->n++];
	sn->id = row->job.id;
	sn->visible = server_auth_can_see(w->user, &row->job);
	sn->mine = strcmp(row->job.owner, w->user->name) == 0;
	sn->cleaned = row->job.cleaned;
	sn->state = row->job.state;
	return 0;
}

/* bsearch's order: by id. */
static int
server_act_seen_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a;
	int64_t y = ((const struct server_act_seen *)b)->id;

	return x < y ? -1 : x > y;
}

/*
 * The limit a retry meets, as a submit does (max_queued waiting jobs of
 * the caller): NULL while *waiting (read once a run, -1 before) is under
 * it, else why not (allocated).
 */
static char *
server_retry_room(struct server_req *r, int64_t *waiting)
{
	int64_t max = server_max_queued(r->srv);
	char *cause = NULL;

	if (max <= 0)
		return NULL;
	if (*waiting < 0 && store_owner_waiting(r->srv->store, r->user->name,
	    waiting, &cause) != 0) {
		log_warnx("%s", cause);
		free(cause);
		*waiting = -1;
		return xstrdup("cannot read the queue");
	}
	if (*waiting < max)
		return NULL;
	return xprintf("user '%s' may have at most %" PRId64 " waiting jobs "
	    "(queued or held) and has %" PRId64 ": not queued again",
	    r->user->name, max, *waiting);
}

/*
 * Before the store acts: the item of a job the server itself answers
 * (not found, over the limit), NULL to let the store act on it, or
 * *skip for a group's job a retry leaves alone.
 */
static json_t *
server_act_check(struct server_req *r, enum store_act act,
    const struct server_act_ent *e, const struct server_act_seen *sn,
    int64_t *waiting, bool *skip)
{
	json_t *item;
	char *msg;

	*skip = false;
	if (sn == NULL || !sn->visible)
		return server_not_found_item(e->id);
	if (act != STORE_ACT_RETRY || !store_state_is_terminal(sn->state)) {
		*skip = act == STORE_ACT_RETRY && e->from_group;
		return NULL;
	}
	if (e->from_group && sn->state == STORE_SUCCEEDED) {
		*skip = true;
		return NULL;
	}
	if ((msg = server_retry_room(r, waiting)) != NULL) {
		item = api_action_item(e->id, false, "limit_exceeded", msg);
		free(msg);
		return item;
	}
	/* Queued again: one more waiting job of its owner. */
	if (sn->cleaned && sn->mine && *waiting >= 0)
		(*waiting)++;
	return NULL;
}

/*
 * One run of jobs with no id twice (so that what was read of each still
 * holds when the store acts): one read of them all, the server's checks,
 * then store_act on the rest; the items appended in the run's order.
 */
static void
server_act_run(struct server_req *r, enum store_act act,
    const struct server_act_ent *ents, size_t n, json_t *items)
{
	static const char *const verbs[] = { [STORE_ACT_CANCEL] = "cancelled",
		[STORE_ACT_HOLD] = "held", [STORE_ACT_RELEASE] = "released",
		[STORE_ACT_RETRY] = "retried" };
	struct store *s = r->srv->store;
	struct server_act_read w = { .user = r->user };
	struct store_filter f;
	struct store_act_item *res = NULL;
	const struct server_act_seen *sn;
	json_t **out;
	int64_t *ids, waiting = -1;
	size_t *where, i, k = 0, done = 0;
	char *cause = NULL, *reason;
	bool skip, failed;

	ids = xcalloc(n + 1, sizeof *ids);
	where = xcalloc(n + 1, sizeof *where);
	out = xcalloc(n + 1, sizeof *out);
	for (i = 0; i < n; i++)
		ids[i] = ents[i].id;
	memset(&f, 0, sizeof f);
	f.ids = ids;
	f.nids = n;
	f.all = true;
	if ((failed = store_list_each(s, &f, 0, server_act_read_row, &w,
	    &cause) != 0)) {
		if (!store_is_busy(s))
			log_warnx("%s", cause != NULL ? cause : "reading jobs");
		free(cause);
		cause = NULL;
	}
	for (i = 0; i < n; i++) {
		if (failed) {
			out[i] = store_is_busy(s) ? server_busy_item(ents[i].id) :
			    server_not_found_item(ents[i].id);
			continue;
		}
		sn = w.n == 0 ? NULL : bsearch(&ents[i].id, w.seen, w.n,
		    sizeof *w.seen, server_act_seen_cmp);
		out[i] = server_act_check(r, act, &ents[i], sn, &waiting,
		    &skip);
		if (out[i] == NULL && !skip) {
			ids[k] = ents[i].id;
			where[k++] = i;
		}
	}
	if (k > 0) {
		reason = xprintf("%s by %s", verbs[act], r->user->name);
		res = xcalloc(k, sizeof *res);
		(void)store_act(s, act, ids, k, reason, res, &done, &cause);
		for (i = 0; i < k; i++)
			out[where[i]] = i < done ? api_act_item(act, &res[i]) :
			    store_is_busy(s) ? server_busy_item(ids[i]) :
			    api_action_item(ids[i], false, "conflict",
			    cause != NULL ? cause : "not done");
		store_act_items_release(res, k);
		free(reason);
	}
	for (i = 0; i < n; i++)
		if (out[i] != NULL)
			json_array_append_new(items, out[i]);
	free(res);
	free(cause);
	free(w.seen);
	free(out);
	free(where);
	free(ids);
}

/* An entry and its place, to find ids named twice. */
struct server_act_pos {
	int64_t id;
	size_t i;
};

/* qsort's order: by id, then by place. */
static int
server_act_pos_cmp(const void *a, const void *b)
{
	const struct server_act_pos *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/*
 * Acts on the jobs in the order named, each answered as if acted on
 * alone: in runs of at most API_MAX_IDS jobs that name no id twice (a
 * second mention sees what the first did, as one job's call would).
 */
static void
server_act_list(struct server_req *r, enum store_act act,
    const struct server_act_ent *ents, size_t n, json_t *items)
{
	struct server_act_pos *pos;
	size_t *prev, i, start, end;

	pos = xcalloc(n + 1, sizeof *pos);
	prev = xcalloc(n + 1, sizeof *prev);
	for (i = 0; i < n; i++) {
		pos[i].id = ents[i].id;
		pos[i].i = i;
		prev[i] = SIZE_MAX;
	}
	qsort(pos, n, sizeof *pos, server_act_pos_cmp);
	for (i = 1; i < n; i++)
		if (pos[i].id == pos[i - 1].id)
			prev[pos[i].i] = pos[i - 1].i;
	for (start = 0; start < n; start = end) {
		end = start + 1;
		while (end < n && end - start < API_MAX_IDS &&
		    (prev[end] == SIZE_MAX || prev[end] < start))
			end++;
		server_act_run(r, act, ents + start, end - start, items);
	}
	free(prev);
	free(pos);
}

/* 503 with a Retry-After for an action the store was too busy to take,
 * which the client asks again (item is taken). */
static void
server_reply_busy(struct server_req *r, json_t *item)
{
	server_retry_after(r, 1);
	server_reply_error(r, 503, NULL, "%s", json_string_value(
	    json_object_get(item, "message")));
	json_decref(item);
}

/* POST /v1/jobs/{id}/ACTION. */
void
server_action_one(struct server_req *r)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(r->req);
	struct server_act_ent e = { .id = r->id };
	const char *res;
	json_t *items, *item, *o;
	int code;

	/* No body, or an empty JSON object: anything else (a stray byte
	 * too) is a client that means something this form does not do. */
	if (evbuffer_get_length(in) > 0) {
		o = json_loadb((const char *)evbuffer_pullup(in, -1),
		    evbuffer_get_length(in), 0, NULL);
		if (!json_is_object(o) || json_object_size(o) != 0) {
			json_decref(o);
			server_reply_error(r, 400, NULL, "this action takes no "
			    "body (or {})");
			return;
		}
		json_decref(o);
	}
	items = json_array();
	server_act_list(r, server_act_kind(r->action), &e, 1, items);
	item = json_incref(json_array_get(items, 0));
	json_decref(items);
	res = json_string_value(json_object_get(item, "result"));
	if (strcmp(res, "busy") == 0) {
		server_reply_busy(r, item);
		return;
	}
	code = strcmp(res, "limit_exceeded") == 0 ? 403 :
	    strcmp(res, "not_found") == 0 ? 404 :
	    strcmp(res, "conflict") == 0 ? 409 : 200;
	if (code != 200) {
		server_reply_error(r, code, code == 403 ? "LimitExceeded" :
		    NULL, "%s", json_string_value(json_object_get(item,
		    "message")));
		json_decref(item);
		return;
	}
	/* Every action, a hold too: a held job gives up its place and
	 * any reservation, which may let others start. */
	if (r->srv->sched != NULL)
		sched_loop_kick(r->srv->sched);
	server_reply_json(r, 200, json_pack("{s:[o]}", "items", item));
}

/* A group's job into the list of those the caller may see. */
static int
server_act_group_row(const struct store_row *row, void *arg)
{
	struct server_act_read *w = arg;

	if (!server_auth_can_see(w->user, &row->job))
		return 0;
	if (w->n == w->cap) {
		w->cap = w->cap == 0 ? 64 : w->cap * 2;
		w->seen = xreallocarray(w->seen, w->cap, sizeof *w->seen);
	}
	w->seen[w->n++].id = row->job.id;
	return 0;
}

/* The request's body: ids (checked) and the group's visible jobs, in
 * that order, as entries (*ents the caller's); -1 after an answer. */
static int
server_action_ents(struct server_req *r, json_t *body,
    struct server_act_ent **entsp, size_t *np)
{
	struct server_act_read w = { .user = r->user };
	struct server_act_ent *ents;
	struct store_filter f;
	json_t *ids = json_object_get(body, "ids"), *v;
	const char *group, *owner;
	char *cause = NULL;
	size_t i, n = 0;

	group = json_string_value(json_object_get(body, "group"));
	/* Groups are scoped by owner: the caller's, or group_owner's (whose
	 * jobs an admin, or a TA in the class namespaces, may act on). */
	owner = json_string_value(json_object_get(body, "group_owner"));
	if (owner == NULL)
		owner = r->user->name;
	if (group != NULL) {
		memset(&f, 0, sizeof f);
		f.all = true;
		f.group = group;
		f.group_owner = owner;
		if (store_list_each(r->srv->store, &f, 0, server_act_group_row,
		    &w, &cause) != 0) {
			free(w.seen);
			server_reply_store(r, cause, "listing group");
			return -1;
		}
		if (w.n == 0) {
			server_reply_error(r, 404, NULL, "group '%.128s' not "
			    "found", group);
			return -1;
		}
	}
	ents = xcalloc(json_array_size(ids) + w.n + 1, sizeof *ents);
	json_array_foreach(ids, i, v)
		ents[n++].id = json_integer_value(v);
	for (i = 0; i < w.n; i++) {
		ents[n].id = w.seen[i].id;
		ents[n++].from_group = true;
	}
	free(w.seen);
	*entsp = ents;
	*np = n;
	return 0;
}

/* POST /v1/jobs/ACTION with {"ids": [...], "group": "..."}. */
void
server_action_batch(struct server_req *r)
{
	static const char *const members[] = { "ids", "group", "group_owner",
		NULL };
	struct evbuffer *in = evhttp_request_get_input_buffer(r->req);
	struct server_act_ent *ents = NULL;
	json_error_t jerr;
	json_t *body, *ids, *g, *v, *items, *item;
	size_t n = 0, i, nbusy;
	char *cause = NULL;

	body = json_loadb((const char *)evbuffer_pullup(in, -1),
	    evbuffer_get_length(in), JSON_REJECT_DUPLICATES, &jerr);
	if (body == NULL) {
		server_reply_error(r, 400, NULL, "malformed JSON at line %d "
		    "column %d: %s", jerr.line, jerr.column, jerr.text);
		return;
	}
	if (api_check_members(body, members, &cause) != 0) {
		server_reply_error(r, 400, NULL, "%s", cause);
		free(cause);
		json_decref(body);
		return;
	}
	ids = json_object_get(body, "ids");
	g = json_object_get(body, "group");
	if ((ids != NULL && !json_is_array(ids)) ||
	    (g != NULL && !json_is_string(g)) ||
	    (json_object_get(body, "group_owner") != NULL &&
	    !json_is_string(json_object_get(body, "group_owner"))) ||
	    json_array_size(ids) > API_MAX_IDS || (ids == NULL && g == NULL)) {
		server_reply_error(r, 400, NULL, "the body is {\"ids\": [N, "
		    "...], \"group\": \"NAME\", \"group_owner\": \"USER\"} "
		    "with ids or group and at most %d ids", API_MAX_IDS);
		json_decref(body);
		return;
	}
	json_array_foreach(ids, i, v) {
		if (!json_is_integer(v) || json_integer_value(v) <= 0) {
			server_reply_error(r, 400, NULL, "'ids' must hold "
			    "positive integers");
			json_decref(body);
			return;
		}
	}
	if (server_action_ents(r, body, &ents, &n) != 0) {
		json_decref(body);
		return;
	}
	json_decref(body);
	items = json_array();
	server_act_list(r, server_act_kind(r->action), ents, n, items);
	free(ents);
	/* Nothing done, each for a busy queue: safe to ask again whole. */
	nbusy = 0;
	json_array_foreach(items, i, item)
		if (strcmp(json_string_value(json_object_get(item, "result")),
		    "busy") == 0)
			nbusy++;
	if (nbusy > 0 && nbusy == json_array_size(items)) {
		server_reply_busy(r, json_incref(json_array_get(items, 0)));
		json_decref(items);
		return;
	}
	/* Every action, a hold too: a held job gives up its place and
	 * any reservation, which may let others start. */
	if (r->srv->sched != NULL)
		sched_loop_kick(r->srv->sched);
	server_reply_json(r, 200, json_pack("{s:o}", "items", items));
}
