/*
 * The server's configuration: defaults, a YAML file (--config), then the
 * command line, all through one setter so that every way of saying a
 * thing is checked the same (docs/operations.md, "Shared queue server").
 */
#include "server-int.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common-yaml.h"

/* The largest configuration file read. */
#define SERVER_CONFIG_MAX (1024 * 1024)

/* See server.h. */
const char *
server_mode_name(enum server_mode m)
{
	return m == SERVER_MODE_IMPERSONATE ? "impersonate" : "on-behalf";
}

/* Appends an admin group. */
static void
server_config_add_admin(struct server_config *c, const char *g)
{
	c->admin_groups = xreallocarray(c->admin_groups, c->nadmin_groups + 2,
	    sizeof *c->admin_groups);
	c->admin_groups[c->nadmin_groups++] = xstrdup(g);
	c->admin_groups[c->nadmin_groups] = NULL;
}

/* The TA entry of a group, made if need be. */
static struct server_ta *
server_config_ta(struct server_config *c, const char *group)
{
	size_t i;

	for (i = 0; i < c->ntas; i++)
		if (strcmp(c->tas[i].group, group) == 0)
			return &c->tas[i];
	c->tas = xreallocarray(c->tas, c->ntas + 1, sizeof *c->tas);
	memset(&c->tas[c->ntas], 0, sizeof c->tas[c->ntas]);
	c->tas[c->ntas].group = xstrdup(group);
	return &c->tas[c->ntas++];
}

/* Adds a class namespace to a TA group. */
static void
server_config_ta_add(struct server_ta *t, const char *ns)
{
	t->namespaces = xreallocarray(t->namespaces, t->n + 2,
	    sizeof *t->namespaces);
	t->namespaces[t->n++] = xstrdup(ns);
	t->namespaces[t->n] = NULL;
}

static int server_config_int(const char *, const char *, long long,
    long long, long long *, char **);

/* A priority as specs say it: low, normal, high or 0..1000. */
static int
server_config_priority(const char *key, const char *v, int *out,
    char **cause)
{
	long long n;

	if (strcmp(v, "low") == 0)
		*out = 250;
	else if (strcmp(v, "normal") == 0)
		*out = 500;
	else if (strcmp(v, "high") == 0)
		*out = 750;
	else if (server_config_int(key, v, 0, 1000, &n, cause) != 0) {
		free(*cause);
		*cause = xprintf("invalid value for '%s': '%s' (low, normal, "
		    "high or an integer from 0 to 1000)", key, v);
		return -1;
	} else
		*out = (int)n;
	return 0;
}

/* Sets the highest priority of a group or user ("WHO=PRIORITY"). */
static int
server_config_priority_group(struct server_config *c, const char *value,
    char **cause)
{
	const char *eq = strchr(value, '=');
	char *who;
	size_t i;
	int max;

	if (eq == NULL || eq == value || eq[1] == '\0') {
		*cause = xprintf("invalid value for 'priority_groups': '%s' "
		    "(GROUP=PRIORITY or user:NAME=PRIORITY)", value);
		return -1;
	}
	if (server_config_priority("priority_groups", eq + 1, &max,
	    cause) != 0)
		return -1;
	who = xstrndup(value, (size_t)(eq - value));
	for (i = 0; i < c->npriorities; i++)
		if (strcmp(c->priorities[i].who, who) == 0) {
			c->priorities[i].max = max;
			free(who);
			return 0;
		}
	c->priorities = xreallocarray(c->priorities, c->npriorities + 1,
	    sizeof *c->priorities);
	c->priorities[c->npriorities].who = who;
	c->priorities[c->npriorities++].max = max;
	return 0;
}

/* See server.h. */
int
server_config_priority_max(const struct server_config *c, const char *user,
    const char *const *groups, size_t ngroups)
{
	const struct server_priority *p;
	int max = c->priority_max;
	size_t i, g;

	for (i = 0; i < c->npriorities; i++) {
		p = &c->priorities[i];
		if (p->max <= max)
			continue;
		if (strncmp(p->who, "user:", 5) == 0) {
			if (user != NULL && strcmp(p->who + 5, user) == 0)
				max = p->max;
			continue;
		}
		for (g = 0; g < ngroups; g++)
			if (strcmp(p->who, groups[g]) == 0)
				max = p->max;
	}
	return max;
}

/* An integer option within bounds. */
static int
server_config_int(const char *key, const char *v, long long lo, long long hi,
    long long *out, char **cause)
{
	char *end;

	errno = 0;
	*out = strtoll(v, &end, 10);
	if (*v == '\0' || *end != '\0' || errno != 0 || *out < lo ||
	    *out > hi) {
		*cause = xprintf("invalid value for '%s': '%s' (an integer "
		    "from %lld to %lld)", key, v, lo, hi);
		return -1;
	}
	return 0;
}

/* A duration option in seconds, within bounds. */
static int
server_config_duration(const char *key, const char *v, int64_t lo,
    int64_t hi, int *out, char **cause)
{
	int64_t s;
	char *c2 = NULL;

	if (duration_parse(v, &s, &c2) != 0 || s < lo || s > hi) {
		free(c2);
		*cause = xprintf("invalid value for '%s': '%s' (a duration "
		    "such as 30s, from %llds to %llds)", key, v,
		    (long long)lo, (long long)hi);
		return -1;
	}
	*out = (int)s;
	return 0;
}

/* A duration option in milliseconds ("50ms", "1.5s"), within bounds. */
static int
server_config_duration_ms(const char *key, const char *v, int64_t lo,
    int64_t hi, int64_t *out, char **cause)
{
	int64_t ms;
	char *c2 = NULL;

	if (duration_parse_ms(v, &ms, &c2) != 0 || ms < lo || ms > hi) {
		free(c2);
		*cause = xprintf("invalid value for '%s': '%s' (a duration "
		    "such as 10s or 500ms, from %lldms to %llds)", key, v,
		    (long long)lo, (long long)hi / 1000);
		return -1;
	}
	*out = ms;
	return 0;
}

/* A rate option: a number from 0 to 1e6. */
static int
server_config_rate(const char *key, const char *v, double *out,
    char **cause)
{
	char *end;

	*out = strtod(v, &end);
	if (*v == '\0' || *end != '\0' || !(*out >= 0) || *out > 1e6) {
		*cause = xprintf("invalid value for '%s': '%s' (a number per "
		    "second; 0: no limit)", key, v);
		return -1;
	}
	return 0;
}

/* Replaces a string option. */
static void
server_config_str(char **field, const char *v)
{
	free(*field);
	*field = xstrdup(v);
}

/* The settings for a slow cluster (docs/operations.md, "A slow or
 * unreachable cluster"), apart so that the setter stays short. */
static int
server_config_set_cluster(struct server_config *c, const char *key,
    const char *value, char **cause)
{
	if (strcmp(key, "review_timeout") == 0)
		return server_config_duration(key, value, 1, 300,
		    &c->review_timeout_s, cause);
	if (strcmp(key, "token_cache_grace") == 0)
		return server_config_duration(key, value, 0, 86400,
		    &c->token_grace_s, cause);
	*cause = xprintf("unknown setting '%s'", key);
	return -1;
}

/* See server.h. */
int
server_config_set(struct server_config *c, const char *key,
    const char *value, char **cause)
{
	long long n;
	char *copy, *tok, *save = NULL, *eq;
	struct server_ta *t;
	char *end;

	if (strlen(value) > 4096) {
		*cause = xprintf("value of '%s' is too long", key);
		return -1;
	}
	if (strcmp(key, "listen") == 0)
		server_config_str(&c->listen, value);
	else if (strcmp(key, "tls_cert") == 0)
		server_config_str(&c->tls_cert, value);
	else if (strcmp(key, "tls_key") == 0)
		server_config_str(&c->tls_key, value);
	else if (strcmp(key, "identity") == 0)
		server_config_str(&c->identity, value);
	else if (strcmp(key, "ui_dir") == 0)
		server_config_str(&c->ui_dir, value);
	else if (strcmp(key, "lease_name") == 0)
		server_config_str(&c->lease_name, value);
	else if (strcmp(key, "lease_namespace") == 0)
		server_config_str(&c->lease_namespace, value);
	else if (strcmp(key, "access_log") == 0)
		server_config_str(&c->access_log, value);
	else if (strcmp(key, "priority_max") == 0)
		return server_config_priority(key, value, &c->priority_max,
		    cause);
	else if (strcmp(key, "priority_groups") == 0)
		return server_config_priority_group(c, value, cause);
	else if (strcmp(key, "mode") == 0) {
		if (strcmp(value, "on-behalf") == 0)
			c->mode = SERVER_MODE_ON_BEHALF;
		else if (strcmp(value, "impersonate") == 0)
			c->mode = SERVER_MODE_IMPERSONATE;
		else {
			*cause = xprintf("invalid value for 'mode': '%s' "
			    "(on-behalf or impersonate)", value);
			return -1;
		}
	} else if (strcmp(key, "admin_groups") == 0) {
		copy = xstrdup(value);
		for (tok = strtok_r(copy, ",", &save); tok != NULL;
		    tok = strtok_r(NULL, ",", &save))
			server_config_add_admin(c, tok);
		free(copy);
	} else if (strcmp(key, "ta") == 0) {
		if ((eq = strchr(value, '=')) == NULL || eq == value ||
		    eq[1] == '\0') {
			*cause = xprintf("invalid value for 'ta': '%s' "
			    "(GROUP=NAMESPACE[,NAMESPACE...])", value);
			return -1;
		}
		copy = xstrndup(value, (size_t)(eq - value));
		t = server_config_ta(c, copy);
		free(copy);
		copy = xstrdup(eq + 1);
		for (tok = strtok_r(copy, ",", &save); tok != NULL;
		    tok = strtok_r(NULL, ",", &save))
			server_config_ta_add(t, tok);
		free(copy);
	} else if (strcmp(key, "rate") == 0) {
		c->rate = strtod(value, &end);
		if (*value == '\0' || *end != '\0' || !(c->rate >= 0) ||
		    c->rate > 1e6) {
			*cause = xprintf("invalid value for 'rate': '%s' "
			    "(requests per second per user; 0: no limit)",
			    value);
			return -1;
		}
	} else if (strcmp(key, "burst") == 0) {
		if (server_config_int(key, value, 1, 1000000, &n, cause) != 0)
			return -1;
		c->burst = (int)n;
	} else if (strcmp(key, "max_connections") == 0) {
		if (server_config_int(key, value, 1, 100000, &n, cause) != 0)
			return -1;
		c->max_connections = (int)n;
	} else if (strcmp(key, "max_connections_per_address") == 0) {
		if (server_config_int(key, value, 1, 100000, &n, cause) != 0)
			return -1;
		c->max_connections_per_address = (int)n;
	} else if (strcmp(key, "auth_fail_rate") == 0)
		return server_config_rate(key, value, &c->auth_fail_rate,
		    cause);
	else if (strcmp(key, "token_cache_entries") == 0) {
		if (server_config_int(key, value, 1, 10000000, &n, cause) != 0)
			return -1;
		c->token_cache_entries = (int)n;
	} else if (strcmp(key, "auth_fail_burst") == 0) {
		if (server_config_int(key, value, 1, 1000000, &n, cause) != 0)
			return -1;
		c->auth_fail_burst = (int)n;
	} else if (strcmp(key, "parse_workers") == 0) {
		if (server_config_int(key, value, 1, 64, &n, cause) != 0)
			return -1;
		c->parse_workers = (int)n;
	} else if (strcmp(key, "parse_queue") == 0) {
		if (server_config_int(key, value, 0, 100000, &n, cause) != 0)
			return -1;
		c->parse_queue = (int)n;
	} else if (strcmp(key, "parse_queue_per_user") == 0) {
		if (server_config_int(key, value, 1, 100000, &n, cause) != 0)
			return -1;
		c->parse_queue_per_user = (int)n;
	} else if (strcmp(key, "parse_timeout") == 0)
		return server_config_duration_ms(key, value, 1, 3600 * 1000,
		    &c->parse_timeout_ms, cause);
	else if (strcmp(key, "header_timeout") == 0)
		return server_config_duration(key, value, 1, 3600,
		    &c->header_timeout_s, cause);
	else if (strcmp(key, "body_timeout") == 0)
		return server_config_duration(key, value, 1, 3600,
		    &c->body_timeout_s, cause);
	else if (strcmp(key, "user_max_queued") == 0) {
		if (server_config_int(key, value, 0, INT_MAX, &n, cause) != 0)
			return -1;
		c->user_max_queued = n;
	} else if (strcmp(key, "timeout") == 0)
		return server_config_duration(key, value, 1, 3600,
		    &c->timeout_s, cause);
	else if (strcmp(key, "token_cache") == 0)
		return server_config_duration(key, value, 1, 3600,
		    &c->token_ttl_s, cause);
	else if (strncmp(key, "review_", 7) == 0 ||
	    strcmp(key, "token_cache_grace") == 0)
		return server_config_set_cluster(c, key, value, cause);
	else if (strcmp(key, "session_ttl") == 0)
		return server_config_duration(key, value, 60, 7 * 86400,
		    &c->session_ttl_s, cause);
	else if (strcmp(key, "lease_duration") == 0)
		return server_config_duration(key, value, 3, 3600,
		    &c->lease_duration_s, cause);
	else if (strcmp(key, "lease") == 0) {
		if (strcmp(value, "true") == 0 || strcmp(value, "on") == 0)
			c->lease = true;
		else if (strcmp(value, "false") == 0 ||
		    strcmp(value, "off") == 0)
			c->lease = false;
		else {
			*cause = xprintf("invalid value for 'lease': '%s' "
			    "(true or false)", value);
			return -1;
		}
	} else {
		*cause = xprintf("unknown setting '%s'", key);
		return -1;
	}
	return 0;
}

/* Sets one value read from the file; an error names the node's place. */
static int
server_config_set_at(struct server_config *c, const char *path,
    const struct ytree_node *at, const char *key, const char *value,
    char **cause)
{
	char *why = NULL;

	if (server_config_set(c, key, value, &why) == 0)
		return 0;
	*cause = ytree_errorf(path, at, "%s", why);
	free(why);
	return -1;
}

/* A mapping of names to values (ta_groups: GROUP -> [NAMESPACE],
 * priority_groups: WHO -> PRIORITY), each pair set as "NAME=VALUE". */
static int
server_config_groups(struct server_config *c, const char *path,
    const char *key, const struct ytree_node *v, char **cause)
{
	const struct ytree_node *g, *l;
	bool ta = strcmp(key, "ta_groups") == 0;
	size_t i, j;
	char *kv;
	int ret;

	if (v->type != YTREE_MAP)
		goto badv;
	for (i = 0; i + 1 < v->n; i += 2) {
		g = v->kids[i];
		l = v->kids[i + 1];
		if (l->type != (ta ? YTREE_SEQ : YTREE_SCALAR)) {
			v = l;
			goto badv;
		}
		if (!ta) {
			kv = xprintf("%s=%s", g->s, l->s);
			ret = server_config_set_at(c, path, l, key, kv, cause);
			free(kv);
			if (ret != 0)
				return -1;
			continue;
		}
		for (j = 0; j < l->n; j++) {
			if (l->kids[j]->type != YTREE_SCALAR) {
				v = l->kids[j];
				goto badv;
			}
			kv = xprintf("%s=%s", g->s, l->kids[j]->s);
			ret = server_config_set_at(c, path, l->kids[j], "ta",
			    kv, cause);
			free(kv);
			if (ret != 0)
				return -1;
		}
	}
	return 0;
badv:
	*cause = ytree_errorf(path, v, "wrong kind of value for '%s'", key);
	return -1;
}

/* Reads the file's top-level mapping into the config. */
static int
server_config_doc(struct server_config *c, const char *path,
    const struct ytree_node *root, char **cause)
{
	const struct ytree_node *k, *v;
	size_t i, j;

	if (ytree_is_null(root))
		return 0;
	if (root->type != YTREE_MAP) {
		*cause = ytree_errorf(path, root, "the configuration is a "
		    "mapping of settings");
		return -1;
	}
	for (i = 0; i + 1 < root->n; i += 2) {
		k = root->kids[i];
		v = root->kids[i + 1];
		if (strcmp(k->s, "ta_groups") == 0 ||
		    strcmp(k->s, "priority_groups") == 0) {
			if (server_config_groups(c, path, k->s, v, cause) != 0)
				return -1;
			continue;
		}
		if (strcmp(k->s, "admin_groups") == 0 && v->type == YTREE_SEQ) {
			for (j = 0; j < v->n; j++) {
				if (v->kids[j]->type != YTREE_SCALAR)
					goto badv;
				server_config_add_admin(c, v->kids[j]->s);
			}
			continue;
		}
		if (v->type != YTREE_SCALAR)
			goto badv;
		if (server_config_set_at(c, path, k, k->s, v->s, cause) != 0)
			return -1;
	}
	return 0;
badv:
	*cause = ytree_errorf(path, v, "wrong kind of value for '%s'", k->s);
	return -1;
}

/* See server.h. */
int
server_config_init(struct server_config *c, const char *path, char **cause)
{
	static const struct ytree_limits lim = {
		.what = "the server configuration",
	};
	struct ytree_node *root = NULL;
	char *buf, *why;
	size_t len;
	int ret = -1;

	memset(c, 0, sizeof *c);
	c->listen = xstrdup("127.0.0.1:8443");
	c->mode = SERVER_MODE_ON_BEHALF;
	c->rate = 20;
	c->burst = 100;
	c->max_connections = 1000;
	c->max_connections_per_address = 128;
	c->timeout_s = 30;
	c->header_timeout_s = 10;
	c->body_timeout_s = 30;
	c->auth_fail_rate = 1;
	c->auth_fail_burst = 20;
	c->parse_workers = 2;
	c->parse_timeout_ms = 10000;
	c->parse_queue = 64;
	c->parse_queue_per_user = 16;
	c->token_ttl_s = 60;
	c->token_grace_s = 600;
	c->review_timeout_s = 10;
	c->token_cache_entries = 10000;
	c->user_max_queued = -1;
	c->lease = true;
	c->lease_name = xstrdup("ailab-queue-scheduler");
	c->lease_namespace = xstrdup("default");
	c->lease_duration_s = 15;
	c->session_ttl_s = 8 * 3600;
	c->priority_max = 500;
	if (path == NULL) {
		server_config_add_admin(c, "system:masters");
		return 0;
	}
	if (ytree_read_file(path, SERVER_CONFIG_MAX, &buf, &len, &why) != 0) {
		*cause = xprintf("cannot read '%s': %s", path, why);
		free(why);
		return -1;
	}
	if (ytree_parse_file_text(path, buf, len, &lim, &root, cause) == 0)
		ret = server_config_doc(c, path, root, cause);
	ytree_free(root);
	free(buf);
	if (ret == 0 && c->nadmin_groups == 0)
		server_config_add_admin(c, "system:masters");
	return ret;
}

/* See server.h. */
void
server_config_release(struct server_config *c)
{
	size_t i, k;

	free(c->listen);
	free(c->tls_cert);
	free(c->tls_key);
	free(c->lease_name);
	free(c->lease_namespace);
	free(c->identity);
	free(c->ui_dir);
	free(c->access_log);
	for (i = 0; i < c->npriorities; i++)
		free(c->priorities[i].who);
	free(c->priorities);
	for (i = 0; i < c->nadmin_groups; i++)
		free(c->admin_groups[i]);
	free(c->admin_groups);
	for (i = 0; i < c->ntas; i++) {
		for (k = 0; k < c->tas[i].n; k++)
			free(c->tas[i].namespaces[k]);
		free(c->tas[i].namespaces);
		free(c->tas[i].group);
	}
	free(c->tas);
	memset(c, 0, sizeof *c);
}
