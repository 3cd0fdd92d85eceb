#include "store.h"

#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "store-int.h"

static const char *store_state_names[STORE_NSTATES] = {
	[STORE_QUEUED] = "queued",
	[STORE_HELD] = "held",
	[STORE_ADMITTED] = "admitted",
	[STORE_RUNNING] = "running",
	[STORE_SUCCEEDED] = "succeeded",
	[STORE_FAILED] = "failed",
	[STORE_CANCELLED] = "cancelled",
	[STORE_TIMED_OUT] = "timed_out",
};

#define S(x) (1u << (x))
#define TERMINAL (S(STORE_SUCCEEDED) | S(STORE_FAILED) | S(STORE_CANCELLED) | \
    S(STORE_TIMED_OUT))

/*
 * The job state machine: for each state, the set of states it may move to.
 * Terminal states lead back only to queued (a retry); everything else is a
 * bug in the caller and is refused.
 */
static const unsigned int store_state_next[STORE_NSTATES] = {
	/* A queued job may fail without running: it can never fit, or a job
	 * it depends on failed. */
	[STORE_QUEUED] = S(STORE_HELD) | S(STORE_ADMITTED) | S(STORE_CANCELLED) |
	    S(STORE_FAILED),
	[STORE_HELD] = S(STORE_QUEUED) | S(STORE_CANCELLED),
	[STORE_ADMITTED] = S(STORE_RUNNING) | S(STORE_QUEUED) | TERMINAL,
	[STORE_RUNNING] = S(STORE_QUEUED) | TERMINAL,
	[STORE_SUCCEEDED] = S(STORE_QUEUED),
	[STORE_FAILED] = S(STORE_QUEUED),
	[STORE_CANCELLED] = S(STORE_QUEUED),
	[STORE_TIMED_OUT] = S(STORE_QUEUED),
};

/* The name of a state as users see and type it. */
const char *
store_state_name(enum store_state s)
{
	if ((unsigned int)s >= STORE_NSTATES)
		return "unknown";
	return store_state_names[s];
}

/* Reads a state name; 0 or -1 if there is no such state. */
int
store_state_parse(const char *name, enum store_state *out)
{
	int i;

	for (i = 0; i < STORE_NSTATES; i++) {
		if (strcmp(name, store_state_names[i]) == 0) {
			*out = (enum store_state)i;
			return 0;
		}
	}
	return -1;
}

/* A state a job does not leave by itself. */
bool
store_state_is_terminal(enum store_state s)
{
	return (TERMINAL & S(s)) != 0;
}

/* A state in which the job may have objects on the cluster. */
bool
store_state_is_active(enum store_state s)
{
	return s == STORE_ADMITTED || s == STORE_RUNNING;
}

/* Whether the state machine allows moving from one state to another. */
bool
store_transition_is_allowed(enum store_state from, enum store_state to)
{
	if ((unsigned int)from >= STORE_NSTATES ||
	    (unsigned int)to >= STORE_NSTATES)
		return false;
	return (store_state_next[from] & S(to)) != 0;
}

/* Builds ",queued,running," from a state mask, for the list statement. */
char *
store_state_set(unsigned int mask)
{
	char *set = xstrdup(","), *tmp;
	int i;

	for (i = 0; i < STORE_NSTATES; i++) {
		if ((mask & (1u << i)) == 0)
			continue;
		tmp = xprintf("%s%s,", set, store_state_name((enum store_state)i));
		free(set);
		set = tmp;
	}
	return set;
}
