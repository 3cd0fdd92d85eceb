#include "common.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define DURATION_MAX_SECONDS ((int64_t)100 * 365 * 86400)
#define DURATION_MAX_MS (DURATION_MAX_SECONDS * 1000)
/* Digits of a fraction ("0.125s"): enough for nanoseconds of a day. */
#define DURATION_MAX_FRACTION 9

/*
 * The one grammar of durations, in milliseconds: parts of digits and a
 * unit, a bare number alone being seconds.  Only with fine set does it
 * take the unit "ms" and a decimal fraction of a unit, and then a value
 * finer than a millisecond is refused rather than rounded.  0 or -1 with
 * *why saying what is wrong ("" for the grammar's usual hint).
 */
static int
duration_parse_any(const char *s, bool fine, int64_t *out, const char **why)
{
	const char *p = s;
	int64_t total = 0, n, frac, den, unit;
	int parts = 0, k;

	*why = "";
	while (*p != '\0') {
		if (!isdigit((unsigned char)*p))
			return -1;
		n = 0;
		while (isdigit((unsigned char)*p)) {
			n = n * 10 + (*p++ - '0');
			if (n > DURATION_MAX_MS)
				return -1;
		}
		frac = 0;
		den = 1;
		if (fine && *p == '.') {
			p++;
			for (k = 0; isdigit((unsigned char)*p); k++) {
				if (k == DURATION_MAX_FRACTION)
					return -1;
				frac = frac * 10 + (*p++ - '0');
				den *= 10;
			}
			if (k == 0)
				return -1;
		}
		switch (*p) {
		case 'd':
			unit = 86400000;
			p++;
			break;
		case 'h':
			unit = 3600000;
			p++;
			break;
		case 'm':
			p++;
			if (fine && *p == 's') {
				unit = 1;
				p++;
			} else
				unit = 60000;
			break;
		case 's':
			unit = 1000;
			p++;
			break;
		case '\0':
			if (parts != 0)
				return -1;
			unit = 1000;
			break;
		default:
			return -1;
		}
		if (n > DURATION_MAX_MS / unit)
			return -1;
		if (frac * unit % den != 0) {
			*why = "finer than a millisecond";
			return -1;
		}
		total += n * unit + frac * unit / den;
		if (total > DURATION_MAX_MS)
			return -1;
		parts++;
	}
	*out = total;
	return 0;
}

/* Parses "1h30m", "90s", "2d" or a bare number of seconds; 0 or -1. */
int
duration_parse(const char *s, int64_t *out, char **cause)
{
	const char *why;
	int64_t ms;

	if (s == NULL || *s == '\0' || strlen(s) > 64 ||
	    duration_parse_any(s, false, &ms, &why) != 0) {
		if (cause != NULL)
			*cause = xprintf("invalid duration '%s' (use a number "
			    "of seconds or units d, h, m, s as in '2h' or "
			    "'1h30m')", s ? s : "");
		return -1;
	}
	*out = ms / 1000;
	return 0;
}

/* Parses "500ms", "0.5s", "1m30s", "2h" or a bare number of seconds
 * ("0.25") into milliseconds; 0 or -1. */
int
duration_parse_ms(const char *s, int64_t *out, char **cause)
{
	const char *why = "";

	if (s != NULL && *s != '\0' && strlen(s) <= 64 &&
	    duration_parse_any(s, true, out, &why) == 0)
		return 0;
	if (cause == NULL)
		return -1;
	if (*why != '\0')
		*cause = xprintf("invalid duration '%s' (%s)", s, why);
	else
		*cause = xprintf("invalid duration '%s' (use a number of "
		    "seconds or units d, h, m, s, ms as in '500ms', '0.5s' or "
		    "'1m30s')", s != NULL ? s : "");
	return -1;
}

/* Formats a duration in milliseconds exactly, in its largest whole unit:
 * 50ms, 1500ms, 2s, 10m, 1h, 2d. */
char *
duration_format_ms(int64_t ms)
{
	if (ms < 0)
		ms = 0;
	if (ms != 0 && ms % 86400000 == 0)
		return xprintf("%lldd", (long long)(ms / 86400000));
	if (ms != 0 && ms % 3600000 == 0)
		return xprintf("%lldh", (long long)(ms / 3600000));
	if (ms != 0 && ms % 60000 == 0)
		return xprintf("%lldm", (long long)(ms / 60000));
	if (ms != 0 && ms % 1000 == 0)
		return xprintf("%llds", (long long)(ms / 1000));
	return xprintf("%lldms", (long long)ms);
}

/* Formats seconds compactly as kubectl prints ages: 45s, 12m, 3h, 5d. */
char *
duration_format(int64_t secs)
{
	if (secs < 0)
		secs = 0;
	if (secs < 120)
		return xprintf("%llds", (long long)secs);
	if (secs < 2 * 3600)
		return xprintf("%lldm", (long long)(secs / 60));
	if (secs < 2 * 86400)
		return xprintf("%lldh", (long long)(secs / 3600));
	return xprintf("%lldd", (long long)(secs / 86400));
}
