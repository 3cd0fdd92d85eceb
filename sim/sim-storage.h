/*
 * Internals of storage in simulation, shared by sim-storage.c (state,
 * admission, index), sim-volume.c (the controllers) and sim-volsched.c
 * (the scheduler's checks).
 */
#ifndef SIM_STORAGE_H
#define SIM_STORAGE_H

#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "sim-int.h"

#define SIM_PVC_PROTECTION "kubernetes.io/pvc-protection"
#define SIM_PV_PROTECTION "kubernetes.io/pv-protection"
#define SIM_SELECTED_NODE "volume.kubernetes.io/selected-node"
#define SIM_HOSTNAME "kubernetes.io/hostname"
#define SIM_LOCAL_PATH "rancher.io/local-path"
#define SIM_EPH_RETRY_MS 1000
#define SIM_EPH_RETRY_MAX_MS 30000

struct sim_storage {
	json_t *claims;		/* "ns/name" -> true: claims to sync */
	json_t *pending;	/* "ns/name" -> true: claims not bound yet */
	json_t *volumes;	/* name -> true: volumes to sync */
	json_t *pods;		/* "ns/name" -> [due, delay]: ephemeral claims */
	json_t *gone;		/* uid -> true: removed pods with dependents */
	json_t *users;		/* "ns/claim" -> { pod name: true }: mounts */
	json_t *available;	/* name -> true: volumes free to bind */
	bool starting;		/* the claims the cluster file made: no events */
};

/* sim-storage.c: helpers over claims, volumes, classes and pods. */
char *sim_storage_key(json_t *obj, const char *name);
void sim_finalizer_add(json_t *obj, const char *f);
const char *sim_annotation(json_t *obj, const char *k);
char *sim_vol_claim(json_t *pod, json_t *vol, bool *eph);
bool sim_claim_owned_by(json_t *pvc, json_t *pod);
bool sim_claim_is_bound(json_t *pvc);
json_t *sim_default_class(struct sim *);
bool sim_class_waits(json_t *sc);

/* sim-volume.c */
void sim_provision(struct sim *, json_t *pvc, json_t *sc, const char *node);

#endif
