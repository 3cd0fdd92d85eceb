/* common-after.c: the grammar of one stored dependency entry, shared by
 * the spec (which writes it), the store (which checks it at submit) and
 * the scheduler (which waits on it). */
#include "common.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/*
 * Splits "[any:|failed:|ok:][group:]TARGET" into its parts; TARGET points
 * into entry.  An entry of digits alone names a job by id.  -1 for an
 * empty target.  Names are DNS labels and hold no ':', so the prefixes
 * cannot be mistaken for a name.
 */
int
after_parse(const char *entry, struct after_ref *r)
{
	const char *p;

	memset(r, 0, sizeof *r);
	r->kind = AFTER_OK;
	if (strncmp(entry, "any:", 4) == 0) {
		r->kind = AFTER_ANY;
		entry += 4;
	} else if (strncmp(entry, "failed:", 7) == 0) {
		r->kind = AFTER_FAILED;
		entry += 7;
	} else if (strncmp(entry, "ok:", 3) == 0)
		entry += 3;
	if (strncmp(entry, "group:", 6) == 0) {
		r->group = true;
		entry += 6;
	}
	r->target = entry;
	if (*entry == '\0')
		return -1;
	if (!r->group) {
		for (p = entry; isdigit((unsigned char)*p); p++)
			;
		if (*p == '\0' && *entry != '0')
			r->id = strtoll(entry, NULL, 10);
	}
	return 0;
}

/* The spec field a kind is written in, for messages. */
const char *
after_kind_field(enum after_kind k)
{
	switch (k) {
	case AFTER_ANY:
		return "after_any";
	case AFTER_FAILED:
		return "after_failed";
	case AFTER_OK:
		break;
	}
	return "after";
}
