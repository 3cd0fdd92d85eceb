/*
 * The server's configuration: defaults, a YAML file (--config), then the
 * command line, all through one setter so that every way of saying a
 * thing is checked the same (docs/operations.md, "Shared queue server").
 * Every setting is one entry of SERVER_SETTINGS (server.h): its name,
 * type, field, default and bounds drive the defaults, the setter, the
 * file's reader and the table `serve --settings` prints.
 */
#include "server-int.h"

#include <errno.h>
#include <stddef.h>
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

/* Appends a copy of s to a NULL-terminated list of n strings. */
static void
server_config_strv_add(char ***v, size_t *n, const char *s)
{
	*v = xreallocarray(*v, *n + 2, sizeof **v);
	(*v)[(*n)++] = xstrdup(s);
	(*v)[*n] = NULL;
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

/* Stores an integer in a field of its size (int or int64_t). */
static void
server_config_store_int(void *field, size_t size, long long n)
{
	if (size == sizeof(int64_t))
		*(int64_t *)field = n;
	else if (size == sizeof(int))
		*(int *)field = (int)n;
	else
		fatalx("server: a setting of %zu bytes", size);
}

/* A duration option within the setting's bounds, in whole seconds
 * ("30s") or, for SERVER_SET_MS, in milliseconds ("50ms", "1.5s"). */
static int
server_config_duration(const struct server_setting *st, const char *v,
    void *field, char **cause)
{
	bool ms = st->type == SERVER_SET_MS;
	int64_t d;
	char *c2 = NULL;

	if ((ms ? duration_parse_ms(v, &d, &c2) : duration_parse(v, &d,
	    &c2)) != 0 || d < st->min || d > st->max) {
		free(c2);
		*cause = ms ? xprintf("invalid value for '%s': '%s' (a "
		    "duration such as 10s or 500ms, from %lldms to %llds)",
		    st->name, v, st->min, st->max / 1000) : xprintf("invalid "
		    "value for '%s': '%s' (a duration such as 30s, from %llds "
		    "to %llds)", st->name, v, st->min, st->max);
		return -1;
	}
	server_config_store_int(field, st->size, d);
	return 0;
}

/* A rate option: a number per second within the setting's bounds. */
static int
server_config_rate(const struct server_setting *st, const char *v,
    double *out, char **cause)
{
	char *end;

	*out = strtod(v, &end);
	if (*v == '\0' || *end != '\0' || !(*out >= st->min) ||
	    *out > st->max) {
		*cause = xprintf("invalid value for '%s': '%s' (%s; 0: no "
		    "limit)", st->name, v, st->unit);
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

/* Sets a switch: true/on or false/off. */
static int
server_config_bool(const struct server_setting *st, const char *v,
    bool *out, char **cause)
{
	if (strcmp(v, "true") == 0 || strcmp(v, "on") == 0)
		*out = true;
	else if (strcmp(v, "false") == 0 || strcmp(v, "off") == 0)
		*out = false;
	else {
		*cause = xprintf("invalid value for '%s': '%s' (true or "
		    "false)", st->name, v);
		return -1;
	}
	return 0;
}

/* Sets the mode: on-behalf or impersonate. */
static int
server_config_mode(const char *v, enum server_mode *out, char **cause)
{
	if (strcmp(v, "on-behalf") == 0)
		*out = SERVER_MODE_ON_BEHALF;
	else if (strcmp(v, "impersonate") == 0)
		*out = SERVER_MODE_IMPERSONATE;
	else {
		*cause = xprintf("invalid value for 'mode': '%s' (on-behalf "
		    "or impersonate)", v);
		return -1;
	}
	return 0;
}

/* Adds "GROUP=NS[,NS...]" to the TA groups. */
static int
server_config_ta_set(struct server_config *c, const char *value,
    char **cause)
{
	char *copy, *tok, *save = NULL;
	const char *eq;
	struct server_ta *t;

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
		server_config_strv_add(&t->namespaces, &t->n, tok);
	free(copy);
	return 0;
}

/* Every setting, from SERVER_SETTINGS in server.h. */
#define SERVER_SETTING_ENTRY(name, opt, arg, type, field, def, shown, lo,  \
    hi, unit, help)							   \
	{ name, opt, arg, SERVER_SET_##type,				   \
	  offsetof(struct server_config, field),			   \
	  sizeof(((struct server_config *)0)->field), def, shown, lo, hi,  \
	  unit, help },
static const struct server_setting server_setting_table[] = {
	SERVER_SETTINGS(SERVER_SETTING_ENTRY)
};
#undef SERVER_SETTING_ENTRY

/* See server.h. */
const struct server_setting *
server_settings(size_t *n)
{
	*n = nitems(server_setting_table);
	return server_setting_table;
}

/* See server.h. */
const struct server_setting *
server_setting_find(const char *name)
{
	size_t i;

	for (i = 0; i < nitems(server_setting_table); i++)
		if (strcmp(server_setting_table[i].name, name) == 0)
			return &server_setting_table[i];
	return NULL;
}

/* Sets one value of a setting by its type: the table's one parser each. */
static int
server_config_apply(struct server_config *c, const struct server_setting *st,
    const char *value, char **cause)
{
	void *field = (char *)c + st->offset;
	char *copy, *tok, *save = NULL;
	long long n;

	switch (st->type) {
	case SERVER_SET_STRING:
	case SERVER_SET_PATH:
		server_config_str(field, value);
		return 0;
	case SERVER_SET_INT:
		if (server_config_int(st->name, value, st->min, st->max, &n,
		    cause) != 0)
			return -1;
		server_config_store_int(field, st->size, n);
		return 0;
	case SERVER_SET_SECONDS:
	case SERVER_SET_MS:
		return server_config_duration(st, value, field, cause);
	case SERVER_SET_RATE:
		return server_config_rate(st, value, field, cause);
	case SERVER_SET_BOOL:
		return server_config_bool(st, value, field, cause);
	case SERVER_SET_MODE:
		return server_config_mode(value, field, cause);
	case SERVER_SET_PRIORITY:
		return server_config_priority(st->name, value, field, cause);
	case SERVER_SET_GROUPS:
		copy = xstrdup(value);
		for (tok = strtok_r(copy, ",", &save); tok != NULL;
		    tok = strtok_r(NULL, ",", &save))
			server_config_strv_add(&c->admin_groups,
			    &c->nadmin_groups, tok);
		free(copy);
		return 0;
	case SERVER_SET_TA:
		return server_config_ta_set(c, value, cause);
	case SERVER_SET_PRIORITIES:
		return server_config_priority_group(c, value, cause);
	}
	fatalx("server: setting '%s' of no type", st->name);
}

/* See server.h. */
int
server_config_set(struct server_config *c, const char *key,
    const char *value, char **cause)
{
	const struct server_setting *st;

	if (strlen(value) > 4096) {
		*cause = xprintf("value of '%s' is too long", key);
		return -1;
	}
	/* "ta" is the option's name for a TA group, older than the file's. */
	st = server_setting_find(strcmp(key, "ta") == 0 ? "ta_groups" : key);
	if (st == NULL) {
		*cause = xprintf("unknown setting '%s'", key);
		return -1;
	}
	return server_config_apply(c, st, value, cause);
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
    const struct server_setting *st, const struct ytree_node *v,
    char **cause)
{
	const struct ytree_node *g, *l;
	bool ta = st->type == SERVER_SET_TA;
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
			ret = server_config_set_at(c, path, l, st->name, kv,
			    cause);
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
	*cause = ytree_errorf(path, v, "wrong kind of value for '%s'",
	    st->name);
	return -1;
}

/* An unknown key of the file, with the nearest setting's name. */
static char *
server_config_unknown(const char *path, const struct ytree_node *k)
{
	const char *names[nitems(server_setting_table)];
	size_t i;

	for (i = 0; i < nitems(server_setting_table); i++)
		names[i] = server_setting_table[i].name;
	return ytree_unknown(path, k, "setting", names, nitems(names));
}

/* Reads the file's top-level mapping into the config, each key by the
 * shape its setting's type takes. */
static int
server_config_doc(struct server_config *c, const char *path,
    const struct ytree_node *root, char **cause)
{
	const struct server_setting *st;
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
		if ((st = server_setting_find(k->s)) == NULL) {
			*cause = server_config_unknown(path, k);
			return -1;
		}
		if (st->type == SERVER_SET_TA ||
		    st->type == SERVER_SET_PRIORITIES) {
			if (server_config_groups(c, path, st, v, cause) != 0)
				return -1;
			continue;
		}
		if (st->type == SERVER_SET_GROUPS && v->type == YTREE_SEQ) {
			for (j = 0; j < v->n; j++) {
				if (v->kids[j]->type != YTREE_SCALAR)
					goto badv;
				server_config_strv_add(&c->admin_groups,
				    &c->nadmin_groups, v->kids[j]->s);
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

/* Every setting's default from the table; those without one stay zero,
 * but for the per-user cap, which -1 leaves to the site profile. */
static void
server_config_defaults(struct server_config *c)
{
	const struct server_setting *st;
	char *cause = NULL;
	size_t i;

	memset(c, 0, sizeof *c);
	for (i = 0; i < nitems(server_setting_table); i++) {
		st = &server_setting_table[i];
		if (st->def != NULL &&
		    server_config_apply(c, st, st->def, &cause) != 0)
			fatalx("server: default of '%s': %s", st->name, cause);
	}
	c->user_max_queued = -1;
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

	server_config_defaults(c);
	if (path == NULL) {
		server_config_strv_add(&c->admin_groups,
		    &c->nadmin_groups, "system:masters");
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
		server_config_strv_add(&c->admin_groups,
		    &c->nadmin_groups, "system:masters");
	return ret;
}

/* A cell of the markdown table: text with its pipes escaped. */
static void
server_settings_cell(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '|')
			fputc('\\', f);
		fputc(*s, f);
	}
}

/* A duration bound as people write it ("0", "500ms", "5m", "7d"). */
static char *
server_settings_bound(long long ms)
{
	return ms == 0 ? xstrdup("0") : duration_format_ms(ms);
}

/* The values a setting accepts, from its type and bounds, for the doc. */
static char *
server_settings_values(const struct server_setting *st)
{
	long long unit = st->type == SERVER_SET_SECONDS ? 1000 : 1;
	char *lo, *hi, *out;

	switch (st->type) {
	case SERVER_SET_STRING:
		return xstrdup("text");
	case SERVER_SET_PATH:
		return xstrdup("a path");
	case SERVER_SET_INT:
		if (st->max == INT_MAX)
			return xprintf("%lld or more", st->min);
		return xprintf("%lld to %lld", st->min, st->max);
	case SERVER_SET_SECONDS:
	case SERVER_SET_MS:
		lo = server_settings_bound(st->min * unit);
		hi = server_settings_bound(st->max * unit);
		out = xprintf("%s to %s", lo, hi);
		free(lo);
		free(hi);
		return out;
	case SERVER_SET_RATE:
		return xprintf("%lld to %lld per second", st->min, st->max);
	case SERVER_SET_BOOL:
		return xstrdup("true, false");
	case SERVER_SET_MODE:
		return xstrdup("on-behalf, impersonate");
	case SERVER_SET_PRIORITY:
		return xstrdup("low, normal, high or 0 to 1000");
	case SERVER_SET_GROUPS:
		return xstrdup("a list of groups");
	case SERVER_SET_TA:
		return xstrdup("group: [namespace, ...]");
	case SERVER_SET_PRIORITIES:
		return xstrdup("group or user:NAME: priority");
	}
	fatalx("server: setting '%s' of no type", st->name);
}

/* See server.h. */
char *
server_settings_markdown(void)
{
	const struct server_setting *st;
	char *out = NULL, *v;
	size_t i, len = 0;
	FILE *f;

	if ((f = open_memstream(&out, &len)) == NULL)
		fatal("open_memstream");
	fputs("| setting | option | default | values | meaning |\n"
	    "|---|---|---|---|---|\n", f);
	for (i = 0; i < nitems(server_setting_table); i++) {
		st = &server_setting_table[i];
		fprintf(f, "| `%s` | ", st->name);
		if (st->option != NULL)
			fprintf(f, "`--%s%s%s`", st->option,
			    st->arg != NULL ? " " : "",
			    st->arg != NULL ? st->arg : "");
		fputs(" | ", f);
		server_settings_cell(f, st->shown);
		fputs(" | ", f);
		v = server_settings_values(st);
		server_settings_cell(f, v);
		free(v);
		fputs(" | ", f);
		server_settings_cell(f, st->help);
		fputs(" |\n", f);
	}
	if (fclose(f) != 0)
		fatal("open_memstream");
	return out;
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
