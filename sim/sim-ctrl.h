/*
 * Internals of the control plane, shared by sim-ctrl.c (the pass and the
 * controllers' helpers), sim-admit.c, sim-gc.c, sim-deploy.c and
 * sim-job.c.
 */
#ifndef SIM_CTRL_H
#define SIM_CTRL_H

#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "sim-int.h"

/* A controller: the type it owns and what syncs one object of it. */
struct sim_controller {
	enum sim_rt rt;
	void (*sync)(struct sim *, json_t *obj);
};

/* sim-ctrl.c: conditions, owners, back-off. */
void sim_cond_set(json_t *obj, const char *type, const char *status,
    const char *reason, const char *msg, int64_t now);
void sim_cond_del(json_t *obj, const char *type);
bool sim_cond_true(json_t *obj, const char *type);
void sim_put_if_changed(struct sim *, enum sim_rt, json_t *old, json_t *cp);
json_t *sim_owned(struct sim *, const char *uid, enum sim_rt want);
json_t *sim_owner_ref(json_t *obj);
bool sim_may_try(struct sim *, const char *uid);
void sim_hold_off(struct sim *, const char *uid);

/* sim-gc.c */
void sim_gc_foreground(struct sim *, enum sim_rt);

/* sim-deploy.c, sim-job.c: the controllers' syncs. */
void sim_deploy_sync(struct sim *, json_t *deployment);
void sim_rs_sync(struct sim *, json_t *rs);
void sim_job_sync(struct sim *, json_t *job);

#endif
