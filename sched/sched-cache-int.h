/*
 * sched-cache internals, shared by its files: sched-cache.c (the informers:
 * lists, watches, failures and fall-backs), sched-cache-store.c (what the
 * stores keep beside the objects: our objects by job, nodes parsed, pods'
 * requests per node, when our pods were first seen) and sched-cache-read.c
 * (what passes ask).
 */
#ifndef SCHED_CACHE_INT_H
#define SCHED_CACHE_INT_H

#include "sched-cache.h"

#include "kube.h"
#include "sched-map.h"

enum sched_inf_state {
	SCHED_INF_STARTING,
	SCHED_INF_SYNCED,
	SCHED_INF_FORBIDDEN,
	SCHED_INF_FAILED,
};

/* One kind in one scope: its watch and its store. */
struct sched_inf {
	struct sched_cache *c;
	enum sched_ck kind;
	char *ns;                    /* NULL: cluster-wide */
	struct kube_watch *w;
	enum sched_inf_state state;
	char *error;                 /* the cluster's last refusal */
	int failures;                /* give-ups in a row */
	struct event *retry;
	int64_t started;             /* local ms of the first list */
	int lists, streams, bookmarks;  /* of watches stopped before */
	bool syncing;                /* putting a list's items */
	/* "ns/name" (nodes: name) -> json_t *; for SCHED_CK_NODES a struct
	 * sched_cnode, for SCHED_CK_PODS a struct sched_cpod. */
	struct sched_map objs;
};

/* What the pods bound to one node request. */
struct sched_ntot {
	char *name;
	int64_t cpu;
	int64_t mem;
	int64_t gpu;
};

/* A pod of the cluster-wide store: just what node accounting needs, in
 * one allocation (95,000 of them are someone else's pods). */
struct sched_cpod {
	struct sched_ntot *at;       /* its node's totals; NULL: not counted */
	const char *ns;              /* interned */
	int64_t cpu;
	int64_t mem;
	int64_t gpu;
	bool deleting;
	char rv[];                   /* its resourceVersion */
};

/* A namespace's own informers, where cluster-wide ones are refused. */
struct sched_cns {
	struct sched_inf *inf[SCHED_CK_COUNT];
};

/* When one of our pods was first seen, against the quotas' changes. */
struct sched_cseen {
	uint64_t qgen;               /* its namespace's quota changes then */
	uint64_t qepoch;             /* the quota lists made by then */
	int64_t at;                  /* local ms */
	bool listed;                 /* came in a list: counted as lists were */
};

/* One job's objects of this queue. */
struct sched_cjob {
	char *ns;
	int64_t id;                  /* 0 if the label is not a number */
	json_t *items[SCHED_OBJ_COUNT];
};

struct sched_cache {
	struct kube_client *kube;
	struct sched_cache_opts opts;
	char *queue;
	struct sched_inf *all[SCHED_CK_COUNT];  /* NULL: kind not kept */
	struct sched_map nss;        /* ns -> struct sched_cns */
	struct sched_map jobs;       /* "ns/id" -> struct sched_cjob */
	struct sched_map ntots;      /* node name -> struct sched_ntot */
	struct sched_map deleting;   /* "ns/name" -> struct sched_cpod */
	struct sched_map nsnames;    /* ns -> its interned copy */
	struct sched_map qgen;       /* ns -> quota events seen (index) */
	uint64_t qepoch;             /* quota lists (SYNCs) made */
	struct sched_map seen;       /* "ns/name" of our pods -> cseen */
	struct sched_cnode **nodes;  /* in API order; rebuilt when dirty */
	size_t nnodes;
	bool nodes_dirty;
	uint64_t node_seq;
	/* Jobs whose objects changed since the loop last asked. */
	int64_t *changed;
	size_t nchanged;
	size_t capchanged;
	bool changed_all;
	/* Objects put or dropped since the heap was last given back. */
	size_t churn;
};

/* How each kind is listed and watched. */
struct sched_ck_info {
	enum kube_kind kind;
	const char *labels;
	const char *fields;
	bool namespaced;
	int obj;                     /* enum sched_obj, or -1 */
};
extern const struct sched_ck_info sched_ck_info[SCHED_CK_COUNT];

/* sched-cache.c */
/* The store key of an object: "ns/name", or the name of a node. */
char *sched_obj_key(const json_t *);
/* Adds or replaces one object of an informer's store. */
void sched_inf_put(struct sched_inf *, json_t *);

/* sched-cache-store.c */
void sched_cjob_add(struct sched_cache *, int slot, json_t *);
void sched_cjob_del(struct sched_cache *, int slot, json_t *);
void sched_cjob_free(void *);
/* Adds or replaces a node, kept as what the policy reads of it. */
void sched_cnode_put(struct sched_cache *, struct sched_inf *,
    const json_t *);
void sched_cnode_free(void *);
void sched_ntot_free(void *);
void sched_cpod_put(struct sched_cache *, struct sched_inf *,
    const json_t *);
void sched_cpod_drop(struct sched_cache *, const char *key,
    struct sched_cpod *);
uint64_t sched_qgen(const struct sched_cache *, const char *ns);
void sched_qgen_bump(struct sched_cache *, const json_t *quota);
void sched_seen_add(struct sched_cache *, const char *key, const json_t *,
    bool listed);
json_t *sched_cpod_slim(const json_t *, void *);
/* What the cache keeps of an object of inf's kind (arg: the informer). */
json_t *sched_obj_slim(const json_t *, void *);

#endif
