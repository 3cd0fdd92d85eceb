/* spec-contract.c: how ailab-queue's objects say which job, rank and
 * attempt they belong to, and how a finished run reports its exit code. */
#include "spec-contract.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

/*
 * Runs the user's command ("$@") once per pod: the exit code goes to the
 * state emptyDir and the termination log, and a restarted container finds
 * it there and only waits, so a finished command never runs again.
 * SIGTERM is passed on to the command so that deletion is prompt.
 */
const char spec_wrapper_script[] =
    "d=\"${AILAB_STATE_DIR:-" SPEC_STATE_DIR "}\"\n"
    "if [ -f \"$d/exit\" ]; then\n"
    "  while :; do sleep 3600; done\n"
    "fi\n"
    "\"$@\" &\n"
    "pid=$!\n"
    "trap 'kill -TERM \"$pid\" 2>/dev/null' TERM INT\n"
    "while :; do\n"
    "  wait \"$pid\"\n"
    "  code=$?\n"
    "  kill -0 \"$pid\" 2>/dev/null || break\n"
    "done\n"
    "echo \"$code\" >\"$d/exit\"\n"
    "echo \"" SPEC_EXIT_MARKER "$code\" "
    ">\"${AILAB_TERMINATION_LOG:-" SPEC_TERMINATION_LOG "}\"\n"
    "exit \"$code\"\n";

/* A string member of an object member, or NULL. */
static const char *
spec_meta_str(const json_t *obj, const char *map, const char *key)
{
	return json_string_value(json_object_get(json_object_get(
	    json_object_get(obj, "metadata"), map), key));
}

/* The label selector of one job's objects in one queue. */
char *
spec_job_selector(const char *queue, int64_t job_id)
{
	if (queue == NULL)
		return xprintf(SPEC_LABEL_MANAGED "=" SPEC_MANAGER ","
		    SPEC_LABEL_JOB "=%lld", (long long)job_id);
	return xprintf(SPEC_LABEL_MANAGED "=" SPEC_MANAGER "," SPEC_LABEL_QUEUE
	    "=%s," SPEC_LABEL_JOB "=%lld", queue, (long long)job_id);
}

/* Deployment pods say their rank in a label; Indexed Job pods only in the
 * completion index (an annotation; a label too since Kubernetes 1.28). */
int
spec_pod_rank(const json_t *pod)
{
	const char *v;
	char *end;
	long r;

	v = spec_meta_str(pod, "labels", SPEC_LABEL_RANK);
	if (v == NULL)
		v = spec_meta_str(pod, "annotations", SPEC_INDEX_ANNOTATION);
	if (v == NULL)
		v = spec_meta_str(pod, "labels", SPEC_INDEX_ANNOTATION);
	if (v == NULL || *v == '\0')
		return -1;
	errno = 0;
	r = strtol(v, &end, 10);
	if (errno != 0 || *end != '\0' || r < 0 || r > 1000000)
		return -1;
	return (int)r;
}

/* True if the pod belongs to that attempt (or says no attempt: objects
 * made before attempts were labelled).  Pods of earlier attempts may still
 * be going away while the next runs; only the attempt label tells them
 * apart. */
static bool
spec_pod_is_attempt(const json_t *pod, int attempt)
{
	const char *a = spec_meta_str(pod, "labels", SPEC_LABEL_ATTEMPT);
	char want[16];

	snprintf(want, sizeof want, "%d", attempt);
	return a == NULL || strcmp(a, want) == 0;
}

/* One filter for every caller that looks at an attempt's pods. */
json_t *
spec_attempt_pods(const json_t *pods, int attempt)
{
	json_t *out = json_array(), *p;
	size_t i;

	json_array_foreach(pods, i, p)
		if (spec_pod_is_attempt(p, attempt))
			json_array_append(out, p);
	return out;
}

/*
 * A rank's pod of an attempt: pods of earlier attempts may still be going
 * away, and a Deployment may briefly hold two pods of one rank; the newest
 * one is the one that will run.
 */
json_t *
spec_pick_pod(const json_t *pods, int rank, int attempt)
{
	json_t *p, *best = NULL;
	const char *ts, *bts = NULL;
	size_t i;

	json_array_foreach(pods, i, p) {
		if (spec_pod_rank(p) != rank || !spec_pod_is_attempt(p, attempt))
			continue;
		ts = json_string_value(json_object_get(json_object_get(p,
		    "metadata"), "creationTimestamp"));
		if (best == NULL || (ts != NULL && (bts == NULL ||
		    strcmp(ts, bts) >= 0))) {
			best = p;
			bts = ts;
		}
	}
	return best;
}

/* The wrapper's first run is the previous container once it restarted;
 * logs, the server and the archive all read that one. */
bool
spec_pod_has_previous_run(const json_t *pod)
{
	const json_t *cs = json_array_get(json_object_get(json_object_get(pod,
	    "status"), "containerStatuses"), 0);

	return json_object_get(json_object_get(cs, "lastState"),
	    "terminated") != NULL;
}

/* The marker is what the wrapper says of the command it ran; exitCode is
 * the container's, which is the same unless something ended it first. */
int
spec_run_exit_code(const json_t *term, int *code)
{
	const char *msg, *p;
	char *end;
	long v;

	if (!json_is_object(term))
		return -1;
	msg = json_string_value(json_object_get(term, "message"));
	if (msg != NULL && (p = strstr(msg, SPEC_EXIT_MARKER)) != NULL) {
		errno = 0;
		v = strtol(p + strlen(SPEC_EXIT_MARKER), &end, 10);
		if (errno == 0 && end != p + strlen(SPEC_EXIT_MARKER) &&
		    v >= 0 && v <= 255) {
			*code = (int)v;
			return 0;
		}
	}
	if (!json_is_integer(json_object_get(term, "exitCode")))
		return -1;
	*code = (int)json_integer_value(json_object_get(term, "exitCode"));
	return 0;
}
