/*
 * Run-time estimates from what the queue has seen.  Users rarely give a
 * timeout, and backfill without an idea of when jobs end cannot work: this
 * keeps the last runs of each owner's job family (its group, else its name
 * without the trailing index a sweep adds) and of each owner, and answers
 * a percentile of them.  Pure bookkeeping: runs in, estimates out.
 */
#ifndef SCHED_ESTIMATE_H
#define SCHED_ESTIMATE_H

#include <stddef.h>
#include <stdint.h>

/* Runs remembered per family and per owner. */
#define SCHED_EST_KEEP 16
/* The estimate is this percentile of the remembered runs. */
#define SCHED_EST_PERCENTILE 75
/* Fewer runs than this say nothing about a family. */
#define SCHED_EST_MIN_RUNS 2

struct sched_est;

struct sched_est *sched_est_new(void);
void sched_est_free(struct sched_est *);

/* Remembers one ended run of run_ms (cluster clock) of an owner's job. */
void sched_est_add(struct sched_est *, const char *owner, const char *name,
    const char *group, int64_t run_ms);

/*
 * The estimated run time of an owner's job, in seconds, or 0 when the
 * queue knows too little.  basis (may be NULL) gets what it rests on, as
 * a reason shows it: "p75 of 9 runs of group 'lr'".
 */
int64_t sched_est_get(const struct sched_est *, const char *owner,
    const char *name, const char *group, char *basis, size_t len);

/* The family a job's runs are kept under: "g:<group>" or "n:<stem>". */
char *sched_est_family(const char *name, const char *group);

#endif
