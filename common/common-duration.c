#include "common.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define DURATION_MAX_SECONDS ((int64_t)100 * 365 * 86400)

/* Parses "1h30m", "90s", "2d" or a bare number of seconds; 0 or -1. */
int
duration_parse(const char *s, int64_t *out, char **cause)
{
	const char *p = s;
	int64_t total = 0, n;
	int parts = 0;

	if (s == NULL || *s == '\0' || strlen(s) > 64) {
		if (cause != NULL)
			*cause = xprintf("invalid duration '%s'", s ? s : "");
		return -1;
	}
	while (*p != '\0') {
		if (!isdigit((unsigned char)*p))
			goto bad;
		n = 0;
		while (isdigit((unsigned char)*p)) {
			n = n * 10 + (*p++ - '0');
			if (n > DURATION_MAX_SECONDS)
				goto bad;
		}
		switch (*p) {
		case 'd':
			n *= 86400;
			p++;
			break;
		case 'h':
			n *= 3600;
			p++;
			break;
		case 'm':
			n *= 60;
			p++;
			break;
		case 's':
			p++;
			break;
		case '\0':
			if (parts != 0)
				goto bad;
			break;
		default:
			goto bad;
		}
		total += n;
		if (total > DURATION_MAX_SECONDS)
			goto bad;
		parts++;
	}
	*out = total;
	return 0;
bad:
	if (cause != NULL)
		*cause = xprintf("invalid duration '%s' (use a number of "
		    "seconds or units d, h, m, s as in '2h' or '1h30m')", s);
	return -1;
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
