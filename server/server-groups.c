/*
 * The groups a submission's jobs join, checked before anything is queued.
 * Groups are scoped by owner: a job joins its submitter's group of that
 * name, unless the submission names the group's owner, which co-TAs do to
 * add jobs to a class group one of them created.  A roster whose group
 * already has jobs is refused unless the submission appends to it, as the
 * local queue does (store_check_groups).
 */
#include "server-int.h"

#include <stdlib.h>
#include <string.h>

#include "store.h"

/* Whether the caller may act on every job of owner's group: an admin, or
 * a TA whose class namespaces hold them all.  0, or -1 after a reply. */
static int
server_groups_may_join(struct server_req *r, const char *owner,
    const char *group)
{
	struct store_job *j;
	int64_t *ids = NULL;
	size_t n = 0, i;
	char *cause = NULL;
	int ret = -1;

	if (store_group_ids(r->srv->store, owner, group, &ids, &n,
	    &cause) != 0) {
		server_reply_store(r, cause, "reading the queue");
		return -1;
	}
	if (n == 0) {
		server_reply_error(r, 404, NULL, "group '%.128s' of user "
		    "'%.64s' not found: nothing queued", group, owner);
		goto out;
	}
	for (i = 0; i < n && !r->user->admin; i++) {
		j = NULL;
		if (store_get(r->srv->store, ids[i], &j, &cause) != 0 ||
		    j == NULL || !server_auth_can_see(r->user, j)) {
			free(cause);
			store_job_free(j);
			server_reply_error(r, 403, NULL, "user '%s' may not add "
			    "jobs to group '%.128s' of user '%.64s': it has "
			    "jobs outside your class namespaces; nothing queued",
			    r->user->name, group, owner);
			goto out;
		}
		store_job_free(j);
	}
	ret = 0;
out:
	free(ids);
	return ret;
}

/* See server-int.h. */
int
server_groups_check(struct server_req *r, struct store_job_new *jobs,
    size_t n, const char *owner, bool append)
{
	const char *last = NULL;
	char *cause = NULL;
	size_t i;

	if (owner != NULL && strcmp(owner, r->user->name) == 0)
		owner = NULL;
	if (owner != NULL && !r->user->admin &&
	    r->user->ta_namespaces == NULL) {
		server_reply_error(r, 403, NULL, "user '%s' may add jobs only "
		    "to their own groups, not to those of '%.64s': nothing "
		    "queued", r->user->name, owner);
		return -1;
	}
	for (i = 0; owner != NULL && i < n; i++) {
		if (jobs[i].group == NULL)
			continue;
		jobs[i].group_owner = owner;
		if (last != NULL && strcmp(last, jobs[i].group) == 0)
			continue;
		last = jobs[i].group;
		if (server_groups_may_join(r, owner, jobs[i].group) != 0)
			return -1;
	}
	if (!append && store_check_groups(r->srv->store, jobs, n,
	    &cause) != 0) {
		server_reply_error(r, 422, NULL, "nothing queued: %s", cause);
		free(cause);
		return -1;
	}
	return 0;
}
