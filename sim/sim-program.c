/*
 * sim-program.c: what the program of a simulated container does, told by
 * the pod knobs (docs/kubesim.md): how long each run lasts, its exit code,
 * whether a restarted container runs it again, the termination message it
 * leaves, and the log it writes.  Generic: no client's names.
 */
#include "sim-int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

#define SIM_DEFAULT_DURATION_S 60
#define SIM_LOG_EVERY_S 20
#define SIM_LOG_MAX_LINES 5000
/* The kubelet's bounds on a termination message: the file's first 4096
 * bytes; from the log, the last 80 lines and at most 2048 bytes. */
#define SIM_TERM_MESSAGE_MAX 4096
#define SIM_TERM_LOG_LINES 80
#define SIM_TERM_LOG_BYTES 2048

/* The annotation value of a pod, or NULL. */
static const char *
sim_annot(json_t *pod, const char *k)
{
	return json_string_value(json_object_get(sim_path(pod,
	    "metadata.annotations"), k));
}

/* The knobs of a pod's simulated program, the documented contract tests
 * drive the simulator by (docs/kubesim.md, "Pod knobs"). */
static const char *const sim_knobs[] = {
	"duration", "durations", "exit-code", "exit-codes", "exit-codes-label",
	"after-exit", "termination-message",
};

/* See sim.h. */
bool
sim_is_pod_knob(const char *arg)
{
	size_t i, n = strcspn(arg, "=");

	if (arg[n] != '=')
		return false;
	for (i = 0; i < nitems(sim_knobs); i++)
		if (strlen(sim_knobs[i]) == n && strncmp(arg, sim_knobs[i], n)
		    == 0)
			return true;
	return false;
}

/* A knob's value: the pod's annotation SIM_KNOB_PREFIX<name>, else the
 * --pod-default the simulator was started with, else NULL. */
static const char *
sim_knob(struct sim *sim, json_t *pod, const char *name)
{
	char key[128];
	const char *v;
	size_t i, n = strlen(name);

	snprintf(key, sizeof key, "%s%s", SIM_KNOB_PREFIX, name);
	if ((v = sim_annot(pod, key)) != NULL)
		return v;
	for (i = 0; i < sim->opt.npod_defaults; i++)
		if (strncmp(sim->opt.pod_defaults[i], name, n) == 0 &&
		    sim->opt.pod_defaults[i][n] == '=')
			return sim->opt.pod_defaults[i] + n + 1;
	return NULL;
}

/*
 * The entry of a comma list knob for this run: indexed by the restart count
 * plus, when exit-codes-label names a label, that label's value counted
 * from 1 (a run number a controller keeps there); the last entry repeats.
 * The entry's text up to its comma, in buf; NULL without the knob.
 */
static const char *
sim_knob_entry(struct sim *sim, json_t *pod, const char *name,
    int64_t restarts, char *buf, size_t size)
{
	const char *list = sim_knob(sim, pod, name);
	const char *key = sim_knob(sim, pod, "exit-codes-label");
	const char *lv = key == NULL ? NULL : json_string_value(json_object_get(
	    sim_path(pod, "metadata.labels"), key));
	long a = lv ? strtol(lv, NULL, 10) : 1;
	long idx = (a > 0 && a < 1000000 ? a - 1 : 0) + (long)restarts, i;
	const char *p = list, *next;

	if (list == NULL)
		return NULL;
	for (i = 0; i < idx && (next = strchr(p, ',')) != NULL; i++)
		p = next + 1;
	snprintf(buf, size, "%.*s", (int)strcspn(p, ","), p);
	return buf;
}

/* Run time in ms of this run from the durations or duration knob; -1
 * means forever. */
int64_t
sim_pod_duration(struct sim *sim, json_t *pod, int64_t restarts)
{
	char buf[64];
	const char *d = sim_knob_entry(sim, pod, "durations", restarts, buf,
	    sizeof buf);
	int64_t s;

	if (d == NULL)
		d = sim_knob(sim, pod, "duration");
	if (d == NULL)
		return SIM_DEFAULT_DURATION_S * 1000;
	if (strcmp(d, "forever") == 0)
		return -1;
	if (duration_parse(d, &s, NULL) != 0)
		return SIM_DEFAULT_DURATION_S * 1000;
	return s * 1000;
}

/* Exit code for this run: the exit-codes list's entry, else exit-code. */
int
sim_pod_exit_code(struct sim *sim, json_t *pod, int64_t restarts)
{
	char buf[64];
	const char *one = sim_knob_entry(sim, pod, "exit-codes", restarts, buf,
	    sizeof buf);

	if (one == NULL)
		one = sim_knob(sim, pod, "exit-code");
	return one != NULL ? (int)strtol(one, NULL, 10) : 0;
}

/* True if the pod's program, once it exited, only waits when its container
 * is restarted (it keeps its completion in a volume): after-exit idle. */
bool
sim_pod_is_idle_after_exit(struct sim *sim, json_t *pod)
{
	const char *v = sim_knob(sim, pod, "after-exit");

	return v != NULL && strcmp(v, "idle") == 0;
}

/*
 * What the program wrote to its terminationMessagePath as it exited: the
 * termination-message knob with each "$(EXIT_CODE)" replaced by the run's
 * exit code, cut to the kubelet's 4096 bytes; NULL when it wrote nothing.
 * Allocated.
 */
char *
sim_term_message(struct sim *sim, json_t *pod, int code)
{
	const char *m = sim_knob(sim, pod, "termination-message"), *p;
	static const char var[] = "$(EXIT_CODE)";
	char *out, num[16];
	size_t len = 0, cap;

	if (m == NULL || *m == '\0')
		return NULL;
	snprintf(num, sizeof num, "%d", code);
	cap = strlen(m) + 1;
	for (p = m; (p = strstr(p, var)) != NULL; p += sizeof var - 1)
		cap += strlen(num);
	out = xmalloc(cap);
	for (p = m; *p != '\0';) {
		if (strncmp(p, var, sizeof var - 1) == 0) {
			memcpy(out + len, num, strlen(num));
			len += strlen(num);
			p += sizeof var - 1;
		} else
			out[len++] = *p++;
	}
	out[len > SIM_TERM_MESSAGE_MAX ? SIM_TERM_MESSAGE_MAX : len] = '\0';
	return out;
}

/*
 * The message of a failed run under terminationMessagePolicy
 * FallbackToLogsOnError and an empty message file: the end of its log, at
 * most 80 lines and 2048 bytes, as the kubelet takes it.  Allocated, or
 * NULL without a log.
 */
static char *
sim_term_log_tail(struct sim *sim, json_t *pod, const char *container,
    bool previous)
{
	char *log, *p, *out;
	bool running;
	size_t len;
	int lines = 0;

	if ((log = sim_pod_log(sim, pod, container, previous, false, 0,
	    &running)) == NULL)
		return NULL;
	len = strlen(log);
	p = log + len;
	/* Back over the last SIM_TERM_LOG_LINES newline-ended lines. */
	while (p > log) {
		if (p[-1] == '\n' && p != log + len &&
		    ++lines == SIM_TERM_LOG_LINES)
			break;
		p--;
	}
	if ((size_t)(log + len - p) > SIM_TERM_LOG_BYTES)
		p = log + len - SIM_TERM_LOG_BYTES;
	out = xstrdup(p);
	free(log);
	return out;
}

/*
 * terminationMessagePolicy FallbackToLogsOnError: a failed run that wrote no
 * message gets the end of its log (Kubernetes' kubelet does the same).
 */
void
sim_term_fallback(struct sim *sim, json_t *cp, json_t *status, json_t *term,
    bool previous)
{
	json_t *c;
	const char *name = sim_str(status, "name");
	char *tail;
	size_t i;

	json_array_foreach(sim_path(cp, "spec.containers"), i, c) {
		if (name == NULL || sim_str(c, "name") == NULL ||
		    strcmp(name, sim_str(c, "name")) != 0)
			continue;
		if (sim_str(c, "terminationMessagePolicy") == NULL ||
		    strcmp(sim_str(c, "terminationMessagePolicy"),
		    "FallbackToLogsOnError") != 0)
			return;
		if ((tail = sim_term_log_tail(sim, cp, name, previous)) != NULL)
			json_object_set_new(term, "message", json_string(tail));
		free(tail);
		return;
	}
}

/*
 * Appends one log line written at ms, with an RFC 3339 timestamp when
 * asked, unless it was written before since (sinceSeconds, sinceTime).
 */
static void
sim_log_line(char **out, size_t *len, size_t *cap, int64_t since, bool ts,
    int64_t ms, const char *fmt, ...)
{
	char *line, *t = NULL;
	va_list ap;
	size_t n;

	if (ms < since)
		return;
	va_start(ap, fmt);
	xvasprintf(&line, fmt, ap);
	va_end(ap);
	if (ts)
		t = time_format_rfc3339_micro(ms * 1000);
	n = strlen(line) + (t ? strlen(t) + 1 : 0) + 1;
	if (*len + n + 1 > *cap) {
		*cap = (*len + n + 1) * 2;
		*out = xreallocarray(*out, *cap, 1);
	}
	*len += (size_t)snprintf(*out + *len, *cap - *len, "%s%s%s\n",
	    t ? t : "", t ? " " : "", line);
	free(t);
	free(line);
}

/*
 * The argv a container's process gets, as the kubelet makes it (the
 * expansion of k8s.io/kubernetes third_party/forked/golang/expansion):
 * command then args, where $(VAR) is the value of an env entry of the
 * container, $$ is one $, and a reference to anything else is left as
 * written.  Each env value is itself expanded against the entries before
 * it; fieldRef values come from the pod.  Service links are not made.  A
 * JSON array text the caller frees, or NULL without such a container.
 */
static char *
sim_container_argv(json_t *pod, const char *name)
{
	json_t *c = NULL, *e, *vars, *argv, *v;
	const char *s, *k, *p, *close, *fp;
	char *buf = NULL, *ref, *text;
	size_t i, len, cap = 0, phase;

	json_array_foreach(sim_path(pod, "spec.containers"), i, e)
		if (name == NULL || (sim_str(e, "name") != NULL &&
		    strcmp(sim_str(e, "name"), name) == 0)) {
			c = e;
			break;
		}
	if (c == NULL)
		return NULL;
	vars = json_object();
	argv = json_array();
	for (phase = 0; phase < 3; phase++) {
		json_array_foreach(json_object_get(c, phase == 0 ? "env" :
		    phase == 1 ? "command" : "args"), i, e) {
			k = phase == 0 ? sim_str(e, "name") : NULL;
			s = phase == 0 ? sim_str(e, "value") :
			    json_string_value(e);
			fp = phase == 0 ? sim_str(e, "valueFrom.fieldRef."
			    "fieldPath") : NULL;
			if (s == NULL && fp != NULL) {
				ref = NULL;
				if (has_prefix(fp, "metadata.annotations['") ||
				    has_prefix(fp, "metadata.labels['")) {
					p = strchr(fp, '\'') + 1;
					ref = xstrndup(p, strcspn(p, "'"));
					s = json_string_value(json_object_get(
					    sim_path(pod, has_prefix(fp,
					    "metadata.labels") ?
					    "metadata.labels" :
					    "metadata.annotations"), ref));
				} else
					s = sim_str(pod, fp);
				free(ref);
			}
			if (s == NULL || (phase == 0 && k == NULL))
				continue;
			for (len = 0, p = s; *p != '\0'; p++) {
				if (len + 2 >= cap || (p[0] == '$' &&
				    p[1] == '(')) {
					cap = cap * 2 + strlen(p) + 64;
					buf = xreallocarray(buf, cap, 1);
				}
				if (p[0] == '$' && p[1] == '$') {
					buf[len++] = '$';
					p++;
				} else if (p[0] == '$' && p[1] == '(' &&
				    (close = strchr(p + 2, ')')) != NULL) {
					ref = xstrndup(p + 2,
					    (size_t)(close - p - 2));
					v = json_object_get(vars, ref);
					text = v != NULL ? xstrdup(
					    json_string_value(v)) :
					    xprintf("$(%s)", ref);
					cap += strlen(text);
					buf = xreallocarray(buf, cap, 1);
					memcpy(buf + len, text, strlen(text));
					len += strlen(text);
					free(text);
					free(ref);
					p = close;
				} else
					buf[len++] = *p;
			}
			if (buf == NULL)
				buf = xreallocarray(buf, cap = 64, 1);
			buf[len] = '\0';
			if (phase == 0)
				json_object_set_new(vars, k, json_string(buf));
			else
				json_array_append_new(argv, json_string(buf));
		}
	}
	text = json_dumps(argv, JSON_COMPACT);
	json_decref(argv);
	json_decref(vars);
	free(buf);
	return text;
}

/* The log of one run of a container, generated from its timeline. */
char *
sim_pod_log(struct sim *sim, json_t *pod, const char *container,
    bool previous, bool timestamps, int64_t since, bool *running)
{
	json_t *cs = sim_path(pod, "status.containerStatuses"), *c, *st = NULL;
	int64_t start, end, t, first;
	size_t i, len = 0, cap = 256;
	char *out, *argv;
	bool term = false;
	int code = 0;

	*running = false;
	json_array_foreach(cs, i, c) {
		if (container == NULL || (sim_str(c, "name") &&
		    strcmp(sim_str(c, "name"), container) == 0)) {
			st = previous ? sim_path(c, "lastState") :
			    json_object_get(c, "state");
			break;
		}
	}
	if (st == NULL)
		return NULL;
	if (json_object_get(st, "running") != NULL) {
		start = sim_time_parse(sim_str(st, "running.startedAt"));
		end = sim_now(sim);
		*running = true;
	} else if (json_object_get(st, "terminated") != NULL) {
		start = sim_time_parse(sim_str(st, "terminated.startedAt"));
		end = sim_time_parse(sim_str(st, "terminated.finishedAt"));
		code = (int)json_integer_value(sim_path(st,
		    "terminated.exitCode"));
		term = true;
	} else if (!previous && json_object_get(c, "lastState") != NULL &&
	    sim_path(c, "lastState.terminated") != NULL) {
		st = sim_path(c, "lastState");
		start = sim_time_parse(sim_str(st, "terminated.startedAt"));
		end = sim_time_parse(sim_str(st, "terminated.finishedAt"));
		code = (int)json_integer_value(sim_path(st,
		    "terminated.exitCode"));
		term = true;
	} else
		return NULL;
	if (start < 0)
		start = end;
	out = xmalloc(cap);
	out[0] = '\0';
	first = start + SIM_LOG_EVERY_S * 1000;
	if ((end - start) / (SIM_LOG_EVERY_S * 1000) > SIM_LOG_MAX_LINES)
		first = end - (int64_t)SIM_LOG_MAX_LINES * SIM_LOG_EVERY_S * 1000;
	sim_log_line(&out, &len, &cap, since, timestamps, start,
	    "[ailab-kubesim] container %s started in pod %s/%s",
	    container ? container : "", sim_str(pod, "metadata.namespace"),
	    sim_str(pod, "metadata.name"));
	if ((argv = sim_container_argv(pod, container != NULL ? container :
	    sim_str(c, "name"))) != NULL) {
		sim_log_line(&out, &len, &cap, since, timestamps, start,
		    "[ailab-kubesim] exec %s", argv);
		free(argv);
	}
	for (t = first; t <= end; t += SIM_LOG_EVERY_S * 1000)
		sim_log_line(&out, &len, &cap, since, timestamps, t,
		    "[ailab-kubesim] step %lld: working (%llds elapsed)",
		    (long long)((t - start) / (SIM_LOG_EVERY_S * 1000)),
		    (long long)((t - start) / 1000));
	if (term)
		sim_log_line(&out, &len, &cap, since, timestamps, end,
		    "[ailab-kubesim] exiting with code %d", code);
	return out;
}
