/*
 * common-yaml.h: the one YAML reader of ailab-queue.  YAML text (libyaml's
 * event API) becomes bounded trees whose nodes keep their line and column,
 * so that the spec, the CLI config, the server config and the kubeconfig
 * all name file:line:col in their errors and all refuse the same hostile
 * input: deep nesting, long strings, NUL bytes, duplicate keys, and
 * aliases past a budget (billion laughs).  Aliases and YAML 1.1 merge keys
 * ('<<') are expanded as kubectl and helm (go-yaml) expand them: a user's
 * kubeconfig or copied helm values file may share clusters, users or
 * defaults through anchors.  A node reached through an alias is a copy
 * that keeps its anchor's node's line and column.
 */
#ifndef COMMON_YAML_H
#define COMMON_YAML_H

#include <stdbool.h>
#include <stddef.h>

#include "common.h"

enum ytree_type {
	YTREE_SCALAR,
	YTREE_SEQ,
	YTREE_MAP,
};

/* A YAML node with its place (1-based; 0: made, not read); a mapping keeps
 * keys and values alternately in kids (kids[2i] a scalar key, kids[2i+1]
 * its value). */
struct ytree_node {
	enum ytree_type type;
	int line;
	int col;
	bool plain;              /* an unquoted scalar */
	char *s;                 /* scalar text */
	struct ytree_node **kids;
	size_t n;
};

/* The bounds of one parse; a field left 0 takes the default. */
struct ytree_limits {
	size_t max_depth;        /* nesting; default 64 */
	size_t max_string;       /* bytes of one scalar; default 64 KiB */
	size_t max_docs;         /* documents; default 1 */
	size_t max_alias_nodes;  /* nodes aliases and merges may copy in one
				    parse; default 100,000 */
	size_t max_alias_bytes;  /* bytes of text they may copy; 4 MiB */
	size_t max_alias_depth;  /* aliases within aliases; default 16 */
	const char *what;        /* "a job spec": named when refusing aliases */
};

/* Where a parse failed (0:0 when nowhere in particular). */
struct ytree_mark {
	int line;
	int col;
};

/*
 * Parses every document of buf into trees.  0, or -1 with *cause (the
 * caller frees it) and *at: not valid YAML, an alias to no anchor (or
 * inside its anchor's node), a bound passed (aliases: at the alias or the
 * '<<' key that passes it), a NUL in a string, a key that is not a
 * non-empty scalar or is repeated, a '<<' of something not a mapping.
 * *docs and its trees are the caller's (ytree_docs_free).
 */
int ytree_parse(const char *buf, size_t len, const struct ytree_limits *,
    struct ytree_node ***docs, size_t *ndocs, struct ytree_mark *at,
    char **cause);
/* Frees what ytree_parse returned. */
void ytree_docs_free(struct ytree_node **, size_t);
/*
 * The text of one file as one document: *root is NULL for an empty file.
 * On error *cause is "FILE:LINE:COL: why", FILE the name given.
 */
int ytree_parse_file_text(const char *file, const char *buf, size_t len,
    const struct ytree_limits *, struct ytree_node **root, char **cause);

/* Reads a whole regular file of at most max bytes, NUL-terminated; 0 or
 * -1 with *cause (strerror's words, no file name).  *buf is the caller's. */
int ytree_read_file(const char *path, size_t max, char **buf, size_t *len,
    char **cause);

struct ytree_node *ytree_new(enum ytree_type, int line, int col);
struct ytree_node *ytree_scalar(const char *, int line, int col);
/* Frees a tree; NULL is a no-op. */
void ytree_free(struct ytree_node *);
/* Wipes every string of a tree that may hold secrets (a kubeconfig's
 * tokens and keys), then frees it; NULL is a no-op. */
void ytree_free_wipe(struct ytree_node *);
/* Adds a child, taking it. */
void ytree_append(struct ytree_node *, struct ytree_node *);
/* The value of a key of a mapping, or NULL (also for NULL or no mapping). */
struct ytree_node *ytree_get(const struct ytree_node *, const char *);
/* Replaces (or adds) a key of a mapping, taking v. */
void ytree_set(struct ytree_node *, const char *, struct ytree_node *v);
/* Removes a key of a mapping, returning its value (the caller's). */
struct ytree_node *ytree_take(struct ytree_node *, const char *);
/* True for NULL or a plain null scalar (~, null, Null, NULL, empty). */
bool ytree_is_null(const struct ytree_node *);

/* "FILE:LINE:COL: message" about a node ("FILE: message" for NULL or a
 * node without a place); the caller frees it. */
char *ytree_errorf(const char *file, const struct ytree_node *,
    const char *, ...) printflike(3, 4);
/* "FILE:LINE:COL: unknown WHAT 'key'", with "(did you mean 'x'?)" when a
 * candidate is close; the caller frees it. */
char *ytree_unknown(const char *file, const struct ytree_node *key,
    const char *what, const char *const *cands, size_t n);

#endif
