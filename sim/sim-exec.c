/*
 * sim-exec.c: pods/exec as the API server serves it to kubectl 1.32 and
 * client-go: a WebSocket upgrade (RFC 6455, written here: no WebSocket
 * library is a dependency) with the Kubernetes channel subprotocols
 * v5.channel.k8s.io and v4.channel.k8s.io.  Every binary message starts
 * with its channel: 0 stdin, 1 stdout, 2 stderr, 3 the status (a
 * metav1.Status), 4 resize; in v5 a 255 message closes a channel.
 *
 * The simulator runs nothing.  The command's stdout is one line,
 * "exec POD CONTAINER: ARGV joined by spaces", and its exit code is 0 or
 * the value of the pod annotation ailab-kubesim.io/exec-exit-code
 * (docs/kubesim.md).  stdin and resize messages are read and dropped.
 */
#include "sim-int.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common.h"

#define SIM_EXEC_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define SIM_EXEC_ANNOTATION SIM_KNOB_PREFIX "exec-exit-code"
#define SIM_EXEC_MAX_LINE 65536	/* the echoed command line, bounded */

/* One exec stream after the upgrade: the connection evhttp handed over. */
struct sim_exec {
	struct evhttp_connection *evcon;
	struct bufferevent *bev;
};

/* True if a comma-separated header value lists token (case-insensitive). */
static bool
sim_exec_has_token(const char *value, const char *token)
{
	size_t n = strlen(token);
	const char *p = value;

	while (p != NULL && *p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (strncasecmp(p, token, n) == 0 && (p[n] == '\0' ||
		    p[n] == ',' || p[n] == ' ' || p[n] == '\t'))
			return true;
		p = strchr(p, ',');
	}
	return false;
}

/* Appends one unmasked binary frame (channel byte + data), as a server
 * sends them (RFC 6455 section 5.2). */
static void
sim_exec_frame(struct evbuffer *out, int opcode, int channel,
    const void *data, size_t len)
{
	unsigned char h[10];
	size_t hl, plen = len + (channel >= 0 ? 1 : 0);
	unsigned char ch = (unsigned char)channel;
	int i;

	h[0] = (unsigned char)(0x80 | opcode);
	if (plen < 126) {
		h[1] = (unsigned char)plen;
		hl = 2;
	} else if (plen < 65536) {
		h[1] = 126;
		h[2] = (unsigned char)(plen >> 8);
		h[3] = (unsigned char)plen;
		hl = 4;
	} else {
		h[1] = 127;
		for (i = 0; i < 8; i++)
			h[2 + i] = (unsigned char)((uint64_t)plen >>
			    (8 * (7 - i)));
		hl = 10;
	}
	evbuffer_add(out, h, hl);
	if (channel >= 0)
		evbuffer_add(out, &ch, 1);
	evbuffer_add(out, data, len);
}

/* Ends the stream: evhttp frees the connection, its request and socket. */
static void
sim_exec_free(struct sim_exec *x)
{
	evhttp_connection_free(x->evcon);
	free(x);
}

/* Drops what the client sends (stdin, resize, its close frame). */
static void
sim_exec_read(struct bufferevent *bev, void *arg)
{
	(void)arg;
	evbuffer_drain(bufferevent_get_input(bev),
	    evbuffer_get_length(bufferevent_get_input(bev)));
}

/* Closes once everything written has gone out. */
static void
sim_exec_written(struct bufferevent *bev, void *arg)
{
	(void)bev;
	sim_exec_free(arg);
}

/* The client went away first. */
static void
sim_exec_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT))
		sim_exec_free(arg);
}

/* The metav1.Status of channel 3 for an exit code, as the kubelet's
 * remotecommand writes it (client-go turns it back into the exit code). */
static char *
sim_exec_status(int code, char **argv, size_t argc)
{
	json_t *st, *cmd;
	char *s, *m, *args;
	size_t i;

	if (code == 0)
		st = json_pack("{s{}ss}", "metadata", "status", "Success");
	else {
		cmd = json_array();
		for (i = 0; i < argc; i++)
			json_array_append_new(cmd, json_string(argv[i]));
		args = json_dumps(cmd, JSON_COMPACT);
		json_decref(cmd);
		m = xprintf("command terminated with non-zero exit code: "
		    "error executing command %s, exit code %d", args, code);
		free(args);
		s = xprintf("%d", code);
		st = json_pack("{s{}ssssss s{s[{ssss}]}}", "metadata",
		    "status", "Failure", "message", m, "reason",
		    "NonZeroExitCode", "details", "causes", "reason",
		    "ExitCode", "message", s);
		free(s);
		free(m);
	}
	s = json_dumps(st, JSON_COMPACT);
	json_decref(st);
	return s;
}

/* The exit code the pod's annotation asks for, 0 without one. */
static int
sim_exec_exit_code(json_t *pod)
{
	/* Not sim_str: its path would split the key at its dots. */
	const char *v = json_string_value(json_object_get(sim_path(pod,
	    "metadata.annotations"), SIM_EXEC_ANNOTATION));
	char *end;
	long n;

	if (v == NULL)
		return 0;
	n = strtol(v, &end, 10);
	if (*v == '\0' || *end != '\0' || n < 0 || n > 255)
		return 0;
	return (int)n;
}

/* The running state of a container by name, or NULL. */
static json_t *
sim_exec_container_status(json_t *pod, const char *ctr)
{
	json_t *cs;
	size_t i;

	json_array_foreach(sim_path(pod, "status.containerStatuses"), i, cs)
		if (sim_str(cs, "name") != NULL &&
		    strcmp(sim_str(cs, "name"), ctr) == 0)
			return cs;
	return NULL;
}

/* Checks the request as the API server and kubelet do before upgrading:
 * 0 with *ctrp set, or -1 with *code and *msg (the caller's to free). */
static int
sim_exec_check(struct evhttp_request *req, json_t *pod, const char **ctrp,
    size_t argc, const char **proto, int *code, char **msg)
{
	struct evkeyvalq *h = evhttp_request_get_input_headers(req);
	const char *up = evhttp_find_header(h, "Upgrade");
	const char *pr = evhttp_find_header(h, "Sec-WebSocket-Protocol");
	const char *phase = sim_str(pod, "status.phase");
	const char *name = sim_str(pod, "metadata.name"), *ctr = *ctrp;
	json_t *ctrs = sim_path(pod, "spec.containers"), *x, *cs;
	size_t i;

	*code = 400;
	if (argc == 0) {
		*msg = xstrdup("you must specify at least 1 command");
		return -1;
	}
	if (sim_pod_container(pod, &ctr, msg) != 0)
		return -1;
	x = NULL;
	json_array_foreach(ctrs, i, x)
		if (ctr != NULL && strcmp(sim_str(x, "name"), ctr) == 0)
			break;
	if (ctr == NULL || i == json_array_size(ctrs)) {
		*msg = xprintf("container %s is not valid for pod %s",
		    ctr ? ctr : "", name);
		return -1;
	}
	*ctrp = ctr;
	if (phase != NULL && (strcmp(phase, "Succeeded") == 0 ||
	    strcmp(phase, "Failed") == 0)) {
		*msg = xprintf("cannot exec into a container in a completed "
		    "pod; current phase is %s", phase);
		return -1;
	}
	cs = sim_exec_container_status(pod, ctr);
	if (cs == NULL || sim_path(cs, "state.running") == NULL) {
		*msg = xprintf("unable to upgrade connection: container not "
		    "found (\"%s\")", ctr);
		return -1;
	}
	if (up == NULL || strcasecmp(up, "websocket") != 0) {
		*msg = xstrdup("Upgrade request required");
		return -1;
	}
	if (pr != NULL && sim_exec_has_token(pr, "v5.channel.k8s.io"))
		*proto = "v5.channel.k8s.io";
	else if (pr != NULL && sim_exec_has_token(pr, "v4.channel.k8s.io"))
		*proto = "v4.channel.k8s.io";
	else {
		*msg = xstrdup("unable to upgrade: the simulator speaks only "
		    "v5.channel.k8s.io and v4.channel.k8s.io");
		return -1;
	}
	if (evhttp_find_header(h, "Sec-WebSocket-Key") == NULL) {
		*msg = xstrdup("missing Sec-WebSocket-Key");
		return -1;
	}
	return 0;
}

/* The 101 answer with Sec-WebSocket-Accept (RFC 6455 section 4.2.2). */
static void
sim_exec_handshake(struct evbuffer *out, const char *key, const char *proto)
{
	unsigned char md[SHA_DIGEST_LENGTH];
	unsigned char acc[4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1];
	char *k = xprintf("%s%s", key, SIM_EXEC_GUID);

	SHA1((const unsigned char *)k, strlen(k), md);
	free(k);
	EVP_EncodeBlock(acc, md, SHA_DIGEST_LENGTH);
	evbuffer_add_printf(out, "HTTP/1.1 101 Switching Protocols\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: %s\r\nSec-WebSocket-Protocol: %s\r\n\r\n",
	    (const char *)acc, proto);
}

/*
 * Serves an exec on pod (already authorized and found): takes the
 * connection over from evhttp, writes the documented output and status,
 * closes.  Returns -1 with *code and *msg (for an API Status the caller
 * sends) when the request cannot be upgraded.
 */
int
sim_exec_start(struct evhttp_request *req, json_t *pod, const char *ctr,
    char **argv, size_t argc, int *code, char **msg)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct bufferevent *bev;
	struct evbuffer *out, *line;
	struct sim_exec *x;
	const char *proto = NULL;
	char *st;
	size_t i;
	int rc;

	if (sim_exec_check(req, pod, &ctr, argc, &proto, code, msg) != 0)
		return -1;
	if (evcon == NULL ||
	    (bev = evhttp_connection_get_bufferevent(evcon)) == NULL) {
		*code = 500;
		*msg = xstrdup("no connection to upgrade");
		return -1;
	}
	x = xcalloc(1, sizeof *x);
	x->evcon = evcon;
	x->bev = bev;
	out = bufferevent_get_output(bev);
	sim_exec_handshake(out, evhttp_find_header(
	    evhttp_request_get_input_headers(req), "Sec-WebSocket-Key"), proto);
	line = evbuffer_new();
	evbuffer_add_printf(line, "exec %s %s:", sim_str(pod, "metadata.name"),
	    ctr);
	for (i = 0; i < argc && evbuffer_get_length(line) < SIM_EXEC_MAX_LINE;
	    i++)
		evbuffer_add_printf(line, " %s", argv[i]);
	evbuffer_add(line, "\n", 1);
	sim_exec_frame(out, 0x2, 1, evbuffer_pullup(line, -1),
	    evbuffer_get_length(line));
	evbuffer_free(line);
	rc = sim_exec_exit_code(pod);
	st = sim_exec_status(rc, argv, argc);
	sim_exec_frame(out, 0x2, 3, st, strlen(st));
	free(st);
	/* Close frame, status 1000 (normal closure). */
	sim_exec_frame(out, 0x8, -1, "\x03\xe8", 2);
	bufferevent_set_timeouts(bev, NULL, NULL);
	bufferevent_setcb(bev, sim_exec_read, sim_exec_written, sim_exec_event,
	    x);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
	return 0;
}
