/* api: the JSON encoding of jobs, events, replicas and errors. */
#include "api.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

/* See api.h: strict UTF-8 as JSON needs it (no overlong forms, no
 * surrogates, nothing above U+10FFFF). */
bool
api_is_utf8(const char *s, size_t len)
{
	return api_utf8_prefix(s, len) == len;
}

/* See api.h. */
size_t
api_utf8_prefix(const char *s, size_t len)
{
	size_t i = 0, n;

	while (i < len && (n = utf8_decode(s + i, len - i, NULL)) > 0)
		i += n;
	return i;
}

/* A JSON string of s, never NULL: every invalid byte becomes U+FFFD, so
 * that text a user sent (or a message that cut a character in two) can
 * always be said. */
static json_t *
api_string(const char *s)
{
	size_t len = strlen(s), off = 0, k;
	json_t *o;
	char *out, *p;

	if ((k = api_utf8_prefix(s, len)) == len)
		return json_string(s);
	p = out = xmalloc(3 * len + 1);
	while (off < len) {
		memcpy(p, s + off, k);
		p += k;
		off += k;
		if (off < len) {
			memcpy(p, "\xef\xbf\xbd", 3);
			p += 3;
			off++;
		}
		k = api_utf8_prefix(s + off, len - off);
	}
	*p = '\0';
	o = json_string(out);
	free(out);
	return o;
}

/* Sets a member to an RFC 3339 time, or leaves it out when ms is 0. */
static void
api_set_time(json_t *o, const char *key, int64_t ms, bool always)
{
	char *t;

	if (ms == 0 && !always)
		return;
	t = time_format_rfc3339(ms);
	json_object_set_new(o, key, json_string(t));
	free(t);
}

/* A string member or NULL (for optional ones). */
static const char *
api_str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* A required string member, copied. */
static int
api_get_str(const json_t *o, const char *key, char **out, char **cause)
{
	const char *s = api_str(o, key);

	if (s == NULL) {
		*cause = xprintf("member '%s' is missing or not a string", key);
		return -1;
	}
	*out = xstrdup(s);
	return 0;
}

/* A required integer member. */
static int
api_get_int(const json_t *o, const char *key, int64_t *out, char **cause)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v)) {
		*cause = xprintf("member '%s' is missing or not an integer",
		    key);
		return -1;
	}
	*out = json_integer_value(v);
	return 0;
}

/* A required integer member that the record holds as an int. */
static int
api_get_int32(const json_t *o, const char *key, int *out, char **cause)
{
	int64_t n;

	if (api_get_int(o, key, &n, cause) != 0)
		return -1;
	*out = (int)n;
	return 0;
}

/* An optional time member: 0 when absent or null. */
static int
api_get_time(const json_t *o, const char *key, int64_t *out, char **cause)
{
	json_t *v = json_object_get(o, key);

	*out = 0;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v) ||
	    time_parse_rfc3339(json_string_value(v), out) != 0) {
		*cause = xprintf("member '%s' is not an RFC 3339 time", key);
		return -1;
	}
	return 0;
}

/* See api.h: the one encoding of a job, for -o json and the server. */
json_t *
api_job_encode(const struct store_job *j)
{
	json_t *o, *spec;

	o = json_pack("{s:I,s:o,s:s,s:o,s:o,s:o,s:o,s:i,s:{s:s,s:i},s:i,s:I,"
	    "s:I,s:i,s:b,s:b}", "id", (json_int_t)j->id, "name",
	    api_string(j->name), "state", store_state_name(j->state),
	    "namespace", api_string(j->namespace), "owner",
	    api_string(j->owner), "group", j->group != NULL ?
	    api_string(j->group) : json_null(), "reason",
	    api_string(j->reason != NULL ? j->reason : ""), "priority",
	    j->priority, "gpu", "type", j->gpu_type != NULL ? j->gpu_type : "",
	    "count", j->gpu_count, "replicas", j->replicas, "cpu_milli",
	    (json_int_t)j->cpu_milli, "memory_bytes",
	    (json_int_t)j->memory_bytes, "attempts", j->attempts,
	    "cancel_requested", j->cancel_requested, "cleaned", j->cleaned);
	api_set_time(o, "submitted_at", j->submitted_at, true);
	api_set_time(o, "updated_at", j->updated_at, true);
	api_set_time(o, "started_at", j->started_at, false);
	api_set_time(o, "finished_at", j->finished_at, false);
	if (j->run_gpu_type != NULL && *j->run_gpu_type != '\0')
		json_object_set_new(o, "run_gpu_type",
		    json_string(j->run_gpu_type));
	if (j->has_exit_code)
		json_object_set_new(o, "exit_code", json_integer(j->exit_code));
	if (j->run_ms > 0)
		json_object_set_new(o, "run_ms", json_integer(j->run_ms));
	if (j->est_start != 0)
		api_set_time(o, "estimated_start", j->est_start, true);
	else
		json_object_set_new(o, "estimated_start", json_null());
	spec = j->spec_json != NULL ? json_loads(j->spec_json, 0, NULL) : NULL;
	json_object_set_new(o, "spec", spec != NULL ? spec : json_null());
	return o;
}

/* See api.h; members the server adds later are ignored. */
int
api_job_decode(const json_t *o, struct store_job **out, char **cause)
{
	struct store_job *j;
	json_t *gpu, *v, *spec;
	const char *st;

	*out = NULL;
	if (!json_is_object(o)) {
		*cause = xstrdup("a job is not a JSON object");
		return -1;
	}
	j = xcalloc(1, sizeof *j);
	if (api_get_int(o, "id", &j->id, cause) != 0 ||
	    api_get_str(o, "name", &j->name, cause) != 0 ||
	    api_get_str(o, "namespace", &j->namespace, cause) != 0 ||
	    api_get_str(o, "owner", &j->owner, cause) != 0)
		goto fail;
	if ((st = api_str(o, "state")) == NULL ||
	    store_state_parse(st, &j->state) != 0) {
		*cause = xstrdup("member 'state' is not a job state");
		goto fail;
	}
	v = json_object_get(o, "group");
	if (json_is_string(v))
		j->group = xstrdup(json_string_value(v));
	else if (v != NULL && !json_is_null(v)) {
		*cause = xstrdup("member 'group' is not a string or null");
		goto fail;
	}
	j->reason = xstrdup(api_str(o, "reason") != NULL ?
	    api_str(o, "reason") : "");
	if (api_get_int32(o, "priority", &j->priority, cause) != 0)
		goto fail;
	gpu = json_object_get(o, "gpu");
	if (!json_is_object(gpu) || api_get_str(gpu, "type", &j->gpu_type,
	    cause) != 0 || api_get_int32(gpu, "count", &j->gpu_count,
	    cause) != 0) {
		if (*cause == NULL)
			*cause = xstrdup("member 'gpu' is not an object");
		goto fail;
	}
	if (api_get_int32(o, "replicas", &j->replicas, cause) != 0 ||
	    api_get_int(o, "cpu_milli", &j->cpu_milli, cause) != 0 ||
	    api_get_int(o, "memory_bytes", &j->memory_bytes, cause) != 0 ||
	    api_get_int32(o, "attempts", &j->attempts, cause) != 0)
		goto fail;
	j->cancel_requested = json_is_true(json_object_get(o,
	    "cancel_requested"));
	j->cleaned = json_is_true(json_object_get(o, "cleaned"));
	if (api_get_time(o, "submitted_at", &j->submitted_at, cause) != 0 ||
	    api_get_time(o, "updated_at", &j->updated_at, cause) != 0 ||
	    api_get_time(o, "started_at", &j->started_at, cause) != 0 ||
	    api_get_time(o, "finished_at", &j->finished_at, cause) != 0 ||
	    api_get_time(o, "estimated_start", &j->est_start, cause) != 0)
		goto fail;
	spec = json_object_get(o, "spec");
	j->spec_json = spec != NULL && !json_is_null(spec) ?
	    json_dumps(spec, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	if (j->spec_json == NULL)
		j->spec_json = xstrdup("null");
	j->run_gpu_type = xstrdup(api_str(o, "run_gpu_type") != NULL ?
	    api_str(o, "run_gpu_type") : "");
	v = json_object_get(o, "exit_code");
	if (json_is_integer(v)) {
		j->has_exit_code = true;
		j->exit_code = (int)json_integer_value(v);
	} else if (v != NULL) {
		*cause = xstrdup("member 'exit_code' is not an integer");
		goto fail;
	}
	v = json_object_get(o, "run_ms");
	if (json_is_integer(v) && json_integer_value(v) > 0)
		j->run_ms = json_integer_value(v);
	*out = j;
	return 0;
fail:
	store_job_free(j);
	return -1;
}

/* See api.h. */
json_t *
api_event_encode(const struct store_event *ev)
{
	json_t *o = json_object();

	api_set_time(o, "time", ev->at, true);
	json_object_set_new(o, "from", ev->from < 0 ? json_null() :
	    json_string(store_state_name((enum store_state)ev->from)));
	json_object_set_new(o, "to", json_string(store_state_name(ev->to)));
	json_object_set_new(o, "reason", api_string(ev->reason != NULL ?
	    ev->reason : ""));
	return o;
}

/* Fills *ev (release its reason, or the array with store_events_free). */
static int
api_event_decode(const json_t *o, struct store_event *ev, char **cause)
{
	enum store_state st;
	const char *s;
	json_t *from;

	memset(ev, 0, sizeof *ev);
	if (!json_is_object(o)) {
		*cause = xstrdup("an event is not a JSON object");
		return -1;
	}
	if (api_get_time(o, "time", &ev->at, cause) != 0)
		return -1;
	from = json_object_get(o, "from");
	ev->from = -1;
	if (json_is_string(from)) {
		if (store_state_parse(json_string_value(from), &st) != 0) {
			*cause = xstrdup("member 'from' is not a job state");
			return -1;
		}
		ev->from = (int)st;
	} else if (from != NULL && !json_is_null(from)) {
		*cause = xstrdup("member 'from' is not a string or null");
		return -1;
	}
	if ((s = api_str(o, "to")) == NULL || store_state_parse(s,
	    &ev->to) != 0) {
		*cause = xstrdup("member 'to' is not a job state");
		return -1;
	}
	ev->reason = xstrdup(api_str(o, "reason") != NULL ?
	    api_str(o, "reason") : "");
	return 0;
}

/* What remains of a replica, without its log text. */
static json_t *
api_replica_encode(const struct store_replica *r)
{
	json_t *o = json_object();

	json_object_set_new(o, "attempt", json_integer(r->attempt));
	json_object_set_new(o, "rank", json_integer(r->rank));
	json_object_set_new(o, "node", api_string(r->node != NULL ? r->node :
	    ""));
	if (r->has_exit_code)
		json_object_set_new(o, "exit_code", json_integer(r->exit_code));
	json_object_set_new(o, "reason", api_string(r->reason != NULL ?
	    r->reason : ""));
	json_object_set_new(o, "log_bytes", json_integer((json_int_t)
	    r->log_len));
	json_object_set_new(o, "log_truncated", json_boolean(r->log_truncated));
	api_set_time(o, "archived_at", r->archived_at, true);
	return o;
}

/* The reverse: the log text is not part of the object. */
static int
api_replica_decode(const json_t *o, struct store_replica *r, char **cause)
{
	json_t *ec;

	memset(r, 0, sizeof *r);
	if (!json_is_object(o)) {
		*cause = xstrdup("a replica is not a JSON object");
		return -1;
	}
	if (api_get_int32(o, "attempt", &r->attempt, cause) != 0 ||
	    api_get_int32(o, "rank", &r->rank, cause) != 0 ||
	    api_get_time(o, "archived_at", &r->archived_at, cause) != 0)
		return -1;
	ec = json_object_get(o, "exit_code");
	if (json_is_integer(ec)) {
		r->has_exit_code = true;
		r->exit_code = (int)json_integer_value(ec);
	}
	r->node = xstrdup(api_str(o, "node") != NULL ? api_str(o, "node") :
	    "");
	r->reason = xstrdup(api_str(o, "reason") != NULL ?
	    api_str(o, "reason") : "");
	r->log = xstrdup("");
	if (json_is_integer(json_object_get(o, "log_bytes")))
		r->log_len = (size_t)json_integer_value(json_object_get(o,
		    "log_bytes"));
	r->log_truncated = json_is_true(json_object_get(o, "log_truncated"));
	return 0;
}

/* See api.h: the Job with "events" and "archived_replicas" members
 * ("replicas" is the job's replica count). */
json_t *
api_job_detail_encode(const struct store_job *j, const struct store_event *ev,
    size_t nev, const struct store_replica *rep, size_t nrep)
{
	json_t *o = api_job_encode(j), *arr;
	size_t i;

	arr = json_array();
	for (i = 0; i < nev; i++)
		json_array_append_new(arr, api_event_encode(&ev[i]));
	json_object_set_new(o, "events", arr);
	arr = json_array();
	for (i = 0; i < nrep; i++)
		json_array_append_new(arr, api_replica_encode(&rep[i]));
	json_object_set_new(o, "archived_replicas", arr);
	return o;
}

/* See api.h. */
int
api_job_detail_decode(const json_t *o, struct store_job **job,
    struct store_event **evp, size_t *nevp, struct store_replica **repp,
    size_t *nrepp, char **cause)
{
	struct store_event *ev = NULL;
	struct store_replica *rep = NULL;
	json_t *evs, *reps;
	size_t nev = 0, nrep = 0, i;

	*job = NULL;
	*evp = NULL;
	*repp = NULL;
	*nevp = *nrepp = 0;
	evs = json_object_get(o, "events");
	reps = json_object_get(o, "archived_replicas");
	if ((evs != NULL && !json_is_array(evs)) ||
	    (reps != NULL && !json_is_array(reps))) {
		*cause = xstrdup("members 'events' and 'archived_replicas' "
		    "must be arrays");
		return -1;
	}
	if (api_job_decode(o, job, cause) != 0)
		return -1;
	ev = xcalloc(json_array_size(evs) + 1, sizeof *ev);
	for (i = 0; i < json_array_size(evs); i++, nev++)
		if (api_event_decode(json_array_get(evs, i), &ev[i], cause) != 0)
			goto fail;
	rep = xcalloc(json_array_size(reps) + 1, sizeof *rep);
	for (i = 0; i < json_array_size(reps); i++, nrep++)
		if (api_replica_decode(json_array_get(reps, i), &rep[i],
		    cause) != 0)
			goto fail;
	*evp = ev;
	*nevp = nev;
	*repp = rep;
	*nrepp = nrep;
	return 0;
fail:
	store_events_free(ev, nev);
	store_replicas_free(rep, nrep);
	store_job_free(*job);
	*job = NULL;
	return -1;
}

/* See api.h. */
const char *
api_reason_for_code(int code)
{
	switch (code) {
	case 400: return "BadRequest";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "NotFound";
	case 405: return "MethodNotAllowed";
	case 409: return "Conflict";
	case 410: return "Expired";
	case 413: return "RequestEntityTooLarge";
	case 415: return "UnsupportedMediaType";
	case 422: return "Invalid";
	case 429: return "TooManyRequests";
	case 502: return "ClusterError";
	case 503: return "Unavailable";
	default: return code >= 500 ? "InternalError" : "BadRequest";
	}
}

/* See api.h. */
json_t *
api_error_encode(int code, const char *reason, const char *message)
{
	return json_pack("{s:{s:i,s:s,s:o}}", "error", "code", code, "reason",
	    reason != NULL ? reason : api_reason_for_code(code), "message",
	    api_string(message != NULL ? message : ""));
}

/* See api.h. */
void
api_error_add_diagnostic(json_t *o, const char *diag)
{
	json_t *e = json_object_get(o, "error"), *d;

	if ((d = json_object_get(e, "diagnostics")) == NULL) {
		d = json_array();
		json_object_set_new(e, "diagnostics", d);
	}
	json_array_append_new(d, api_string(diag));
}

/* See api.h. */
void
api_error_set_retry_after(json_t *o, int seconds)
{
	json_object_set_new(json_object_get(o, "error"), "retry_after",
	    json_integer(seconds));
}

/* See api.h. */
int
api_error_decode(const json_t *o, struct api_error *err, char **cause)
{
	json_t *e = json_object_get(o, "error"), *d, *ra;
	size_t i;

	memset(err, 0, sizeof *err);
	err->retry_after = -1;
	if (!json_is_object(e)) {
		*cause = xstrdup("not an error body: no 'error' object");
		return -1;
	}
	if (api_get_int32(e, "code", &err->code, cause) != 0 ||
	    api_get_str(e, "reason", &err->reason, cause) != 0)
		return -1;
	err->message = xstrdup(api_str(e, "message") != NULL ?
	    api_str(e, "message") : "");
	d = json_object_get(e, "diagnostics");
	if (json_is_array(d) && json_array_size(d) > 0) {
		err->diagnostics = xcalloc(json_array_size(d),
		    sizeof *err->diagnostics);
		for (i = 0; i < json_array_size(d); i++)
			if (json_is_string(json_array_get(d, i)))
				err->diagnostics[err->ndiagnostics++] = xstrdup(
				    json_string_value(json_array_get(d, i)));
	}
	ra = json_object_get(e, "retry_after");
	if (json_is_integer(ra))
		err->retry_after = (int)json_integer_value(ra);
	return 0;
}

/* See api.h. */
void
api_error_release(struct api_error *err)
{
	size_t i;

	if (err == NULL)
		return;
	free(err->reason);
	free(err->message);
	for (i = 0; i < err->ndiagnostics; i++)
		free(err->diagnostics[i]);
	free(err->diagnostics);
	memset(err, 0, sizeof *err);
}

/* See api.h. */
json_t *
api_action_item(int64_t id, bool ok, const char *result, const char *message)
{
	return json_pack("{s:I,s:b,s:s,s:o}", "id", (json_int_t)id, "ok",
	    ok, "result", result, "message", api_string(message));
}

/* See api.h. */
json_t *
api_act_item(enum store_act act, const struct store_act_item *it)
{
	static const char *const words[] = { [STORE_ACT_CANCEL] = "cancelled",
		[STORE_ACT_HOLD] = "held", [STORE_ACT_RELEASE] = "released",
		[STORE_ACT_RETRY] = "queued" };
	long long id = (long long)it->id;

	switch (it->result) {
	case STORE_ACT_DONE:
		return api_action_itemf(it->id, true, words[act], "job %lld %s",
		    id, act == STORE_ACT_RETRY ? "queued again" : words[act]);
	case STORE_ACT_REQUESTED:
		return api_action_itemf(it->id, true, "cancel_requested", "job "
		    "%lld: cancel requested; the scheduler stops it", id);
	case STORE_ACT_ALREADY:
		return api_action_itemf(it->id, true, "already", "job %lld "
		    "already ended or is being cancelled", id);
	case STORE_ACT_REFUSED:
		return api_action_item(it->id, false, "conflict", it->cause);
	case STORE_ACT_UNCLEANED:
		return api_action_itemf(it->id, false, "conflict", "job %lld: its "
		    "cluster objects are still being removed; retry it in a "
		    "moment", id);
	case STORE_ACT_NOT_FOUND:
	default:
		return api_action_itemf(it->id, false, "not_found", "job %lld not "
		    "found", id);
	}
}

/* See api.h. */
json_t *
api_action_itemf(int64_t id, bool ok, const char *result, const char *fmt,
    ...)
{
	va_list ap;
	char *msg;
	json_t *item;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	item = api_action_item(id, ok, result, msg);
	free(msg);
	return item;
}

/* See api.h. */
int
api_check_members(const json_t *o, const char *const *known, char **cause)
{
	const char *key;
	json_t *v;
	size_t i;

	if (!json_is_object(o)) {
		*cause = xstrdup("the body is not a JSON object");
		return -1;
	}
	json_object_foreach((json_t *)o, key, v) {
		for (i = 0; known[i] != NULL; i++)
			if (strcmp(key, known[i]) == 0)
				break;
		if (known[i] == NULL) {
			*cause = xprintf("unknown field '%.64s'", key);
			return -1;
		}
	}
	return 0;
}
