/*
 * Internals of the API server, shared by the files that serve a request:
 * sim-http.c (transport, replies), sim-route.c (paths), sim-auth.c (who
 * may), sim-list.c (list, watch), sim-write.c (writes), sim-logs.c (pod
 * streams), sim-admin.c and sim-preload.c (/sim/).
 */
#ifndef SIM_API_H
#define SIM_API_H

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "common.h"
#include "sim-int.h"

/* One request being served. */
struct sim_call {
	struct sim *sim;
	struct evhttp_request *req;
	struct sim_user *user;
	struct sim_user imp;	/* an impersonated or certificate user */
	bool imp_used;
	const char *impersonator;	/* who sent Impersonate-User, or NULL */
	enum evhttp_cmd_type method;
	struct evkeyvalq q;
	char *segs[12];
	int nsegs;
	int rest;		/* the first segment a route's "**" matched */
	const char *group;	/* API group of the path, "" for core */
	int rt;
	const char *ns;
	const char *name;
	const char *sub;
	json_t *audit;		/* this request's audit entry, or NULL */
};

/* sim-http.c: replies and request parsing. */
void sim_reply_json(struct sim_call *, int code, json_t *obj);
void sim_reply_status(struct sim_call *, int code, const char *reason,
    const char *msg, json_t *details);
void sim_no_route(struct sim_call *);
void sim_no_method(struct sim_call *);
void sim_not_found(struct sim_call *, enum sim_rt, const char *name);
int sim_dump_cb(const char *data, size_t len, void *arg);
const char *sim_q(struct sim_call *, const char *k);
bool sim_qbool(struct sim_call *, const char *k);
const char *sim_h(struct sim_call *, const char *k);
json_t *sim_body(struct sim_call *, bool yaml);

/* sim-route.c */
void sim_route(struct sim_call *);
/* The verb of a parsed request (path and query), as the faults scope it. */
const char *sim_route_verb(struct sim_call *);

/* sim-auth.c */
int sim_authenticate(struct sim_call *);
int sim_authorize(struct sim_call *, const char *verb, enum sim_rt,
    const char *ns, const char *name);
void sim_audit_object(struct sim_call *, json_t *obj);
void sim_audit_code(struct sim_call *, int code);
void sim_audit_commit(struct sim_call *);
void sim_review(struct sim_call *);

/* sim-list.c */
bool sim_wants_table(struct sim_call *);
int sim_selectors(struct sim_call *, enum sim_rt, struct sim_selector **ls,
    struct sim_selector **fs);
json_t *sim_collect(struct sim *, enum sim_rt, const char *ns,
    struct sim_selector *ls, struct sim_selector *fs, const char *start_ns,
    const char *start_name, long limit, char **next_ns, char **next_name,
    bool *start_missing);
void sim_list(struct sim_call *, json_t *unused);
void sim_watch_start(struct sim_call *, json_t *unused);

/* sim-write.c */
/* Handlers of sim-route.c's table: obj is the stored object, or NULL. */
void sim_create(struct sim_call *, json_t *unused);
void sim_delete_collection(struct sim_call *, json_t *unused);
void sim_update(struct sim_call *, json_t *old);
void sim_patch(struct sim_call *, json_t *old);
void sim_delete_one(struct sim_call *, json_t *obj);

/* sim-logs.c */
void sim_logs(struct sim_call *, json_t *pod);
void sim_exec_route(struct sim_call *);
void sim_logs_stop(void);

/* sim-admin.c */
void sim_admin(struct sim_call *);
/* sim-preload.c: POST /sim/preload, many Running pods in one request. */
void sim_admin_preload(struct sim_call *);

#endif
