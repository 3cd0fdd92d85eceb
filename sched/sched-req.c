/*
 * sched-req.c: the requests of a pass in flight, known to the loop until
 * their callbacks run, so that an abort (sched_loop_abort, when a replica
 * loses its Lease) cancels them all and frees what their callbacks would
 * have freed.  The requests are made where their effects are decided
 * (sched-apply.c, sched-teardown.c) with sched_req_cb as their callback.
 */
#include "sched-loop-int.h"

#include <stdlib.h>

#include "common.h"

/* A request of a pass in flight (sched-loop-int.h). */
struct sched_req {
	struct sched_loop *loop;
	struct kube_request *req;    /* NULL until sent */
	kube_done_cb cb;
	void *arg;
	void (*drop)(void *);
	void *ctx;
	bool fired;                  /* its callback ran before it was sent */
	struct sched_req *prev, *next;
};

/* Takes a request off the loop's list. */
static void
sched_req_unlink(struct sched_req *w)
{
	if (w->prev != NULL)
		w->prev->next = w->next;
	else
		w->loop->reqs = w->next;
	if (w->next != NULL)
		w->next->prev = w->prev;
	w->prev = w->next = NULL;
}

/* See sched-loop-int.h: the wrapper the request carries as its argument. */
struct sched_req *
sched_req_new(struct sched_loop *loop, kube_done_cb cb, void *arg,
    void (*drop)(void *), void *ctx)
{
	struct sched_req *w = xcalloc(1, sizeof *w);

	w->loop = loop;
	w->cb = cb;
	w->arg = arg;
	w->drop = drop;
	w->ctx = ctx;
	w->next = loop->reqs;
	if (loop->reqs != NULL)
		loop->reqs->prev = w;
	loop->reqs = w;
	return w;
}

/* See sched-loop-int.h: the request is known from now on, unless it has
 * finished already. */
void
sched_req_sent(struct sched_req *w, struct kube_request *req)
{
	if (w->fired) {
		free(w);
		return;
	}
	w->req = req;
}

/* A tracked request finished: forgotten, then its own callback runs. */
void
sched_req_cb(struct kube_response *r, void *p)
{
	struct sched_req *w = p;
	kube_done_cb cb = w->cb;
	void *arg = w->arg;

	sched_req_unlink(w);
	if (w->req == NULL)
		w->fired = true;        /* sched_req_sent frees it */
	else
		free(w);
	cb(r, arg);
}

/* See sched-loop-int.h: their contexts are dropped once each. */
size_t
sched_req_cancel_all(struct sched_loop *loop)
{
	struct sched_req *w, *o;
	size_t n = 0;

	while ((w = loop->reqs) != NULL) {
		sched_req_unlink(w);
		kube_request_cancel(w->req);
		n++;
		if (w->drop != NULL) {
			for (o = loop->reqs; o != NULL; o = o->next)
				if (o->ctx == w->ctx)
					o->drop = NULL;
			w->drop(w->ctx);
		}
		free(w);
	}
	return n;
}
