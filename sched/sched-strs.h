/*
 * sched-strs: a set of shared strings, each held by a count of references.
 * The queue the loop keeps repeats the same few strings in every job (the
 * owner, namespace, group and GPU type of a sweep's 100,000 jobs, and one
 * reason shared by every job behind the backfill depth): held once each
 * here instead of once a job, they cost a pointer a job.
 */
#ifndef SCHED_STRS_H
#define SCHED_STRS_H

#include <stddef.h>
#include <stdint.h>

struct sched_str;

struct sched_strs {
	struct sched_str **v;    /* chains by hash */
	size_t cap;              /* 0 or a power of two */
	size_t n;                /* strings held */
};

void sched_strs_init(struct sched_strs *);
/* Frees every string, whatever its count (the set is going away). */
void sched_strs_release(struct sched_strs *);
/* The set's copy of s with one more reference (NULL for NULL): valid
 * until that reference is given back by sched_strs_put. */
const char *sched_strs_get(struct sched_strs *, const char *s);
/* Gives back one reference to a string of the set (NULL: nothing); the
 * last one frees it. */
void sched_strs_put(struct sched_strs *, const char *s);

#endif
