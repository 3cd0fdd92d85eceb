/*
 * A small world for the scheduling policy's unit tests (test-sched-policy*.c):
 * nodes, queue, running jobs and quotas in plain structs, one pass at a
 * time; shared so that each test program stays on one topic.
 */
#ifndef SCHED_WORLD_H
#define SCHED_WORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sched.h"

#define W_NODES 64
#define W_JOBS 512
#define W_RUN 512
#define GiB (1024LL * 1024 * 1024)
#define MIN 60000LL
#define HOUR (60 * MIN)
#define T0 1800000000000LL	/* 2027-01-15T08:00:00Z */

#define P_4090D "NVIDIA-GeForce-RTX-4090-D"
#define P_4090 "NVIDIA-GeForce-RTX-4090"

extern const char *const T_4090D[1];
extern const char *const T_4090[1];
extern const char *const T_BOTH[2];

/* A small world: nodes, queue, running jobs, quotas; one pass at a time. */
struct world {
	struct sched_node nodes[W_NODES];
	size_t nnodes;
	char node_names[W_NODES][16];
	struct sched_job jobs[W_JOBS];
	size_t njobs;
	struct sched_running running[W_RUN];
	const char *run_nodes[W_RUN][16];
	size_t nrunning;
	struct sched_quota quotas[4];
	struct sched_quota_item qitems[4][16];
	size_t nquotas;
	struct sched_pending pending[4];
	size_t npending;
	struct sched_user_limit limits[4];
	size_t nlimits;
	struct sched_usage usage[8];
	size_t nusage;
	struct sched_taint taint_nosched, taint_noexec, taint_prefer, taint_k8s;
	int64_t now;
	bool unreadable;
	struct sched_config cfg;
	struct sched_result res;
};

/* Each test starts from an empty world at T0 with default tunables. */
int setup(void **state);

/* Releases the last result and the world. */
int teardown(void **state);

/* A cmocka test that starts from its own new world. */
#define world_test(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

/* Adds a Ready, schedulable node with 32 CPUs and 256Gi. */
struct sched_node *add_node(struct world *w, const char *product, int gpus,
    int used);

/* Adds a queued job of 1 CPU and 8Gi per replica. */
struct sched_job *add_job(struct world *w, int64_t id, const char *owner,
    const char *const *types, size_t ntypes, int gpus, int replicas,
    int64_t timeout_s);

/* Adds a running job of one replica on node n, counted in its requests. */
struct sched_running *add_running(struct world *w, int64_t id,
    const char *owner, size_t node, int gpus, int64_t started,
    int64_t timeout_s);

/* Adds a ResourceQuota for namespace ns with one key. */
struct sched_quota *add_quota(struct world *w, const char *ns, const char *key,
    int64_t hard, int64_t used);

/* Adds one more key to a quota. */
void quota_key(struct world *w, struct sched_quota *q, const char *key,
    int64_t hard, int64_t used);

/* Runs one pass over the world as it stands. */
void pass(struct world *w);

/* The decision about job id in the last pass. */
const struct sched_decision *dec(struct world *w, int64_t id);

/* Asserts a job's verdict and that its reason contains text. */
void expect(struct world *w, int64_t id, enum sched_verdict v,
    const char *text);

/* Reasons of waiting jobs other than "held" must carry numbers. */
void expect_numbers(struct world *w);

#endif
