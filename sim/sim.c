/* The simulation object: virtual clock, randomness and the periodic pass. */
#include "sim-int.h"

#include <errno.h>
#include <event2/event.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common.h"

/* Real milliseconds from a monotonic clock, immune to clock steps. */
static int64_t
sim_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Simulated milliseconds since the epoch: real time sped up by --speed. */
int64_t
sim_now(struct sim *sim)
{
	return sim->sim0_ms +
	    (int64_t)((double)(sim_mono_ms() - sim->real0_ms) * sim->opt.speed);
}

/* Parses RFC 3339 ("2026-01-02T03:04:05Z", fraction ignored) to ms. */
int64_t
sim_time_parse(const char *s)
{
	struct tm tm;
	char *end;

	if (s == NULL)
		return -1;
	memset(&tm, 0, sizeof tm);
	end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (end == NULL)
		return -1;
	return (int64_t)timegm(&tm) * 1000;
}

/* splitmix64: small, fast and reproducible from --seed. */
uint64_t
sim_rand(struct sim *sim)
{
	uint64_t z = (sim->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Random name suffix from the alphabet of k8s.io/apimachinery/util/rand. */
void
sim_rand_suffix(struct sim *sim, char *buf, int n)
{
	static const char alpha[] = "bcdfghjklmnpqrstvwxz2456789";
	int i;

	for (i = 0; i < n; i++)
		buf[i] = alpha[sim_rand(sim) % (sizeof alpha - 1)];
	buf[n] = '\0';
}

/* The periodic pass: volumes, scheduler, kubelets, controllers, sharing. */
static void
sim_tick(evutil_socket_t fd, short what, void *arg)
{
	struct sim *sim = arg;

	(void)fd;
	(void)what;
	sim_storage_pass(sim);
	sim_sched_pass(sim);
	sim_kubelet_pass(sim);
	sim_ctrl_pass(sim);
	sim_intern_pass(sim);
	sim_intern_sweep(sim);
}

/* Builds the cluster, starts the server and arms the periodic pass. */
struct sim *
sim_new(struct event_base *base, const struct sim_options *opt, char **cause)
{
	struct sim *sim = xcalloc(1, sizeof *sim);
	struct timeval tv = { 0, 20000 };

	sim->base = base;
	sim->opt = *opt;
	if (sim->opt.speed <= 0)
		sim->opt.speed = 1;
	sim->rng = opt->seed;
	sim->real0_ms = sim_mono_ms();
	sim->sim0_ms = now_ms();
	sim_store_init(sim);
	if (sim_cluster_load(sim, opt->cluster_file, cause) != 0 ||
	    sim_storage_start(sim, cause) != 0)
		goto fail;
	if (opt->faults != NULL) {
		json_t *f = json_loads(opt->faults, 0, NULL);

		if (f == NULL) {
			*cause = xstrdup("--faults: not valid JSON");
			goto fail;
		}
		if (sim_faults_set(sim, f, cause) != 0) {
			json_decref(f);
			goto fail;
		}
		json_decref(f);
	}
	if (opt->audit_log != NULL &&
	    (sim->audit_log = fopen(opt->audit_log, "a")) == NULL) {
		*cause = xprintf("%s: %s", opt->audit_log, strerror(errno));
		goto fail;
	}
	if (opt->tls_cert != NULL && sim_tls_init(sim, cause) != 0)
		goto fail;
	if (sim_http_start(sim, cause) != 0)
		goto fail;
	if (opt->kubeconfig_out != NULL &&
	    sim_kubeconfig_write(sim, opt->kubeconfig_out, cause) != 0)
		goto fail;
	sim->tick = event_new(base, -1, EV_PERSIST, sim_tick, sim);
	event_add(sim->tick, &tv);
	return sim;
fail:
	sim_free(sim);
	return NULL;
}

/* The server's base URL. */
const char *
sim_url(struct sim *sim)
{
	return sim->url;
}

/* Frees what a user (of the cluster file, or impersonated) holds. */
void
sim_user_release(struct sim_user *u)
{
	free(u->name);
	free(u->token);
	json_decref(u->groups);
	json_decref(u->namespaces);
	json_decref(u->resources);
	free(u->uid);
	json_decref(u->extra);
}

/* Frees the simulation, closing every connection. */
void
sim_free(struct sim *sim)
{
	int i;

	if (sim == NULL)
		return;
	if (sim->tick != NULL)
		event_free(sim->tick);
	if (sim->restart_ev != NULL)
		event_free(sim->restart_ev);
	sim_http_stop(sim);
	sim_store_free(sim);
	if (sim->ssl != NULL)
		SSL_CTX_free(sim->ssl);
	for (i = 0; i < sim->nusers; i++)
		sim_user_release(&sim->users[i]);
	free(sim->users);
	json_decref(sim->cluster);
	json_decref(sim->audit);
	if (sim->audit_log != NULL)
		fclose(sim->audit_log);
	free(sim->host);
	free(sim->url);
	free(sim);
}
