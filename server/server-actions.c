/*
 * The /v1/ actions (cancel, hold, release, retry) on one job or on a
 * selection, as the local commands take them (docs/api.md): each job the
 * caller may not see is "not found", and a store another process holds
 * gives 503 with a Retry-After rather than a half-done batch.
 */
#include "server-int.h"

#include <event2/buffer.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "sched-loop.h"
#include "store-server.h"

#define RETRY_FROM (STORE_STATE_BIT(STORE_SUCCEEDED) | \
    STORE_STATE_BIT(STORE_FAILED) | STORE_STATE_BIT(STORE_CANCELLED) | \
    STORE_STATE_BIT(STORE_TIMED_OUT))

/* NULL if the caller may queue one more job by retrying, else why not
 * (allocated): a retry queues a job like a submit, under the same limit. */
static char *
server_retry_room(struct server_req *r)
{
	int64_t max = server_max_queued(r->srv), waiting = 0;
	char *cause = NULL;

	if (max <= 0)
		return NULL;
	if (store_owner_waiting(r->srv->store, r->user->name, &waiting,
	    &cause) != 0) {
		log_warnx("%s", cause);
		free(cause);
		return xstrdup("cannot read the queue");
	}
	if (waiting < max)
		return NULL;
	return xprintf("user '%s' may have at most %" PRId64 " waiting jobs "
	    "(queued or held) and has %" PRId64 ": not queued again",
	    r->user->name, max, waiting);
}

/* An action the store could not take because another process held the
 * queue locked: nothing was done, so the client may ask again. */
static json_t *
server_busy_item(int64_t id)
{
	char *msg;
	json_t *item;

	msg = xprintf("job %" PRId64 ": the queue is busy (another process "
	    "holds it locked): nothing was done; retry in a moment", id);
	item = api_action_item(id, false, "busy", msg);
	free(msg);
	return item;
}

/* One action on one job the caller may see, as the local command does it;
 * from_group: a group's retry skips what does not need it. */
static json_t *
server_act(struct server_req *r, const char *action, int64_t id,
    bool from_group)
{
	struct store *s = r->srv->store;
	enum store_cancel_result cr;
	struct store_job *j = NULL;
	char *cause = NULL, *reason, *msg;
	json_t *item;

	if (store_get(s, id, &j, &cause) != 0 && store_is_busy(s)) {
		free(cause);
		return server_busy_item(id);
	}
	if (j == NULL || !server_auth_can_see(r->user, j)) {
		free(cause);
		store_job_free(j);
		msg = xprintf("job %" PRId64 " not found", id);
		item = api_action_item(id, false, "not_found", msg);
		free(msg);
		return item;
	}
	if (strcmp(action, "retry") == 0 && from_group &&
	    (j->state == STORE_SUCCEEDED || !store_state_is_terminal(j->state))) {
		store_job_free(j);
		return NULL;
	}
	reason = xprintf("%s by %s", strcmp(action, "cancel") == 0 ?
	    "cancelled" : strcmp(action, "hold") == 0 ? "held" :
	    strcmp(action, "release") == 0 ? "released" : "retried",
	    r->user->name);
	if (strcmp(action, "cancel") == 0) {
		if (store_cancel(s, id, reason, &cr, &cause) != 0) {
			item = store_is_busy(s) ? server_busy_item(id) :
			    api_action_item(id, false, "conflict", cause);
		} else if (cr == STORE_CANCEL_DONE) {
			msg = xprintf("job %" PRId64 " cancelled", id);
			item = api_action_item(id, true, "cancelled", msg);
			free(msg);
		} else if (cr == STORE_CANCEL_REQUESTED) {
			msg = xprintf("job %" PRId64 ": cancel requested; the "
			    "scheduler stops it", id);
			item = api_action_item(id, true, "cancel_requested",
			    msg);
			free(msg);
		} else if (cr == STORE_CANCEL_ALREADY) {
			msg = xprintf("job %" PRId64 " already ended or is being "
			    "cancelled", id);
			item = api_action_item(id, true, "already", msg);
			free(msg);
		} else {
			msg = xprintf("job %" PRId64 " not found", id);
			item = api_action_item(id, false, "not_found", msg);
			free(msg);
		}
	} else if (strcmp(action, "retry") == 0 &&
	    store_state_is_terminal(j->state) &&
	    (msg = server_retry_room(r)) != NULL) {
		item = api_action_item(id, false, "limit_exceeded", msg);
		free(msg);
	} else if (strcmp(action, "retry") == 0 &&
	    store_state_is_terminal(j->state) && !j->cleaned) {
		msg = xprintf("job %" PRId64 ": its cluster objects are still "
		    "being removed; retry it in a moment", id);
		item = api_action_item(id, false, "conflict", msg);
		free(msg);
	} else {
		unsigned int from = strcmp(action, "hold") == 0 ?
		    STORE_STATE_BIT(STORE_QUEUED) : strcmp(action,
		    "release") == 0 ? STORE_STATE_BIT(STORE_HELD) : RETRY_FROM;
		enum store_state to = strcmp(action, "hold") == 0 ? STORE_HELD :
		    STORE_QUEUED;
		const char *word = strcmp(action, "hold") == 0 ? "held" :
		    strcmp(action, "release") == 0 ? "released" : "queued";

		if (store_transition(s, id, from, to, reason, &cause) != 0)
			item = store_is_busy(s) ? server_busy_item(id) :
			    api_action_item(id, false, "conflict", cause);
		else {
			msg = xprintf("job %" PRId64 " %s", id, strcmp(word,
			    "queued") == 0 ? "queued again" : word);
			item = api_action_item(id, true, word, msg);
			free(msg);
		}
	}
	free(cause);
	free(reason);
	store_job_free(j);
	return item;
}

/* 503 with a Retry-After for an action the store was too busy to take,
 * which the client asks again (item is taken). */
static void
server_reply_busy(struct server_req *r, json_t *item)
{
	evhttp_add_header(evhttp_request_get_output_headers(r->req),
	    "Retry-After", "1");
	server_reply_error(r, 503, NULL, "%s", json_string_value(
	    json_object_get(item, "message")));
	json_decref(item);
}

/* POST /v1/jobs/{id}/ACTION. */
void
server_action_one(struct server_req *r)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(r->req);
	const char *res;
	json_t *item, *o;

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
	item = server_act(r, r->action, r->id, false);
	res = json_string_value(json_object_get(item, "result"));
	if (strcmp(res, "busy") == 0) {
		server_reply_busy(r, item);
		return;
	}
	if (strcmp(res, "limit_exceeded") == 0) {
		server_reply_error(r, 403, "LimitExceeded", "%s",
		    json_string_value(json_object_get(item, "message")));
		json_decref(item);
		return;
	}
	if (strcmp(res, "not_found") == 0 || strcmp(res, "conflict") == 0) {
		server_reply_error(r, strcmp(res, "not_found") == 0 ? 404 : 409,
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

/* POST /v1/jobs/ACTION with {"ids": [...], "group": "..."}. */
void
server_action_batch(struct server_req *r)
{
	static const char *const members[] = { "ids", "group", "group_owner",
		NULL };
	struct evbuffer *in = evhttp_request_get_input_buffer(r->req);
	json_error_t jerr;
	json_t *body, *ids, *g, *v, *items, *item;
	int64_t *gids = NULL;
	size_t ng = 0, i, visible = 0, nbusy;
	const char *group = NULL, *owner;
	char *cause = NULL;
	struct store_job *j;

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
	group = json_string_value(g);
	/* Groups are scoped by owner: the caller's, or group_owner's (whose
	 * jobs an admin, or a TA in the class namespaces, may act on). */
	owner = json_string_value(json_object_get(body, "group_owner"));
	if (owner == NULL)
		owner = r->user->name;
	if (group != NULL) {
		if (store_group_ids(r->srv->store, owner, group, &gids, &ng,
		    &cause) != 0) {
			log_warnx("%s", cause);
			free(cause);
			json_decref(body);
			server_reply_error(r, 500, NULL, "cannot read the queue");
			return;
		}
		for (i = 0; i < ng; i++) {
			j = NULL;
			if (store_get(r->srv->store, gids[i], &j, &cause) == 0 &&
			    j != NULL && server_auth_can_see(r->user, j))
				gids[visible++] = gids[i];
			free(cause);
			cause = NULL;
			store_job_free(j);
		}
		if (visible == 0) {
			server_reply_error(r, 404, NULL, "group '%.128s' not "
			    "found", group);
			free(gids);
			json_decref(body);
			return;
		}
	}
	items = json_array();
	json_array_foreach(ids, i, v)
		json_array_append_new(items, server_act(r, r->action,
		    json_integer_value(v), false));
	for (i = 0; i < visible; i++)
		if ((item = server_act(r, r->action, gids[i], true)) != NULL)
			json_array_append_new(items, item);
	free(gids);
	json_decref(body);
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
