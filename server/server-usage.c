/*
 * GET /v1/usage: GPU-hours of the jobs the caller may see over a window
 * (24h, 7d or 30d), per user, per group and per GPU type, and the
 * fair-share usage the scheduler keeps (decayed GPU-hours) of the users
 * the caller may see: everyone for an admin, else only themselves.
 */
#include "server-int.h"

#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "store-ui.h"

/* The window of the query (its name and length): 0, or -1 after a 400. */
static int
server_usage_window(struct server_req *r, const char **name, int64_t *ms)
{
	const char *w;

	if ((w = server_query(r, "window")) == NULL)
		w = "7d";
	if ((*name = store_usage_window(w, ms)) != NULL)
		return 0;
	server_reply_error(r, 400, NULL, "'window' must be 24h, 7d or 30d");
	return -1;
}

/* See server-int.h: the document is store_usage_report's, shared with
 * `ailab-queue usage` so both count GPU-hours the same way. */
void
server_usage_handle(struct server_req *r)
{
	const char *w, *owner;
	int64_t until = now_ms(), len;
	char *cause = NULL;
	json_t *o;

	if (server_usage_window(r, &w, &len) != 0)
		return;
	owner = server_query(r, "owner");
	if (owner != NULL && strlen(owner) > STORE_USAGE_MAX_OWNER) {
		server_reply_error(r, 400, NULL, "'owner' is too long");
		return;
	}
	if (store_usage_report(r->srv->store, w, until - len, until,
	    r->user->admin ? NULL : r->user->name, r->user->admin ? NULL :
	    r->user->ta_namespaces, owner, &o, &cause) != 0) {
		server_reply_store(r, cause, "reading the queue");
		return;
	}
	server_reply_json(r, 200, o);
}
