/*
 * sim: ailab-kubesim, a simulated ailab Kubernetes cluster that answers the
 * Kubernetes REST API over HTTP(S).  It shares nothing with the client side
 * of ailab-queue beyond common/.
 *
 * The program's main owns the event_base and hands it to sim_new(); the
 * simulation (store, controllers, scheduler, kubelets, HTTP server) runs as
 * callbacks on that base.
 */
#ifndef SIM_H
#define SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct sim;

/* What main hands to sim_new(); strings are borrowed for sim's lifetime. */
struct sim_options {
	const char *listen;	  /* "127.0.0.1:0" */
	const char *cluster_file; /* NULL: the built-in ailab cluster */
	const char *kubeconfig_out;
	const char *tls_cert;
	const char *tls_key;
	const char *client_ca;
	const char *tls_ca;	  /* CA written into --kubeconfig-out */
	double speed;		  /* simulated seconds per real second */
	uint64_t seed;
	int watch_cache;	  /* events kept for watches from an old RV */
	const char *faults;	  /* JSON faults at start, or NULL */
	bool namespace_only;	  /* no cluster reads for non-admin users */
	const char *audit_log;	  /* every audit entry appended here, or NULL */
	/* --pod-default "KNOB=VALUE": a knob's value for pods that do not
	 * set it (docs/kubesim.md, "Pod knobs"). */
	const char *const *pod_defaults;
	size_t npod_defaults;
};

/* Pod knobs are the annotations SIM_KNOB_PREFIX<knob> on a pod. */
#define SIM_KNOB_PREFIX "ailab-kubesim.io/"
/* True if arg is "KNOB=VALUE" for a knob --pod-default may set. */
bool sim_is_pod_knob(const char *arg);

/*
 * Builds the cluster, binds the listener and arms the controllers.  NULL on
 * failure with an allocated message in *cause the caller frees.
 */
struct sim *sim_new(struct event_base *, const struct sim_options *,
    char **cause);
/* The URL clients use, e.g. "http://127.0.0.1:8080"; owned by sim. */
const char *sim_url(struct sim *);
/* Frees everything; NULL is a no-op. */
void sim_free(struct sim *);

#endif
