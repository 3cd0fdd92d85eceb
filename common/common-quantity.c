#include "common.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUANTITY_MAX_LEN 100
#define QUANTITY_MAX_DIGITS 20

typedef unsigned __int128 u128;

/* Sets *cause to a message naming the quantity; always returns -1. */
static int
quantity_error(char **cause, const char *s, const char *why)
{
	if (cause != NULL)
		*cause = xprintf("invalid quantity '%s': %s", s, why);
	return -1;
}

/* Reads the suffix into a power of ten and a power of two; 0 or -1. */
static int
quantity_suffix(const char *p, int *e10, int *e2)
{
	static const struct {
		const char *name;
		int e10, e2;
	} table[] = {
		{ "", 0, 0 }, { "n", -9, 0 }, { "u", -6, 0 }, { "m", -3, 0 },
		{ "k", 3, 0 }, { "M", 6, 0 }, { "G", 9, 0 }, { "T", 12, 0 },
		{ "P", 15, 0 }, { "E", 18, 0 }, { "Ki", 0, 10 },
		{ "Mi", 0, 20 }, { "Gi", 0, 30 }, { "Ti", 0, 40 },
		{ "Pi", 0, 50 }, { "Ei", 0, 60 },
	};
	size_t i;
	long exp;
	char *end;

	for (i = 0; i < nitems(table); i++) {
		if (strcmp(p, table[i].name) == 0) {
			*e10 = table[i].e10;
			*e2 = table[i].e2;
			return 0;
		}
	}
	if (*p != 'e' && *p != 'E')
		return -1;
	p++;
	if (*p == '\0' || (!isdigit((unsigned char)*p) && *p != '+' &&
	    *p != '-'))
		return -1;
	if ((*p == '+' || *p == '-') && !isdigit((unsigned char)p[1]))
		return -1;
	exp = strtol(p, &end, 10);
	if (*end != '\0' || exp > 1000 || exp < -1000)
		return -1;
	*e10 = (int)exp;
	*e2 = 0;
	return 0;
}

/* Parses a Kubernetes quantity exactly as apimachinery does, see common.h. */
int
quantity_parse(const char *s, int scale, int64_t *out, char **cause)
{
	const char *p = s;
	u128 m = 0, den, num, q, r, cap = (u128)INT64_MAX;
	int neg = 0, sticky = 0, e10 = 0, e2 = 0, se10, se2, digits = 0;
	int seen_digit = 0, seen_point = 0, i;

	if (s == NULL || *s == '\0')
		return quantity_error(cause, s ? s : "", "empty");
	if (strlen(s) > QUANTITY_MAX_LEN)
		return quantity_error(cause, "...", "too long");
	if (*p == '+' || *p == '-')
		neg = (*p++ == '-');
	for (; *p != '\0'; p++) {
		if (*p == '.') {
			if (seen_point)
				return quantity_error(cause, s,
				    "more than one decimal point");
			seen_point = 1;
			continue;
		}
		if (!isdigit((unsigned char)*p))
			break;
		seen_digit = 1;
		if (m == 0 && *p == '0') {
			if (seen_point)
				e10--;
			continue;
		}
		if (digits < QUANTITY_MAX_DIGITS) {
			m = m * 10 + (u128)(*p - '0');
			digits++;
			if (seen_point)
				e10--;
		} else if (!seen_point)
			e10++;
		else if (*p != '0')
			sticky = 1;
	}
	if (!seen_digit)
		return quantity_error(cause, s,
		    "must start with a number, as in '500m', '2' or '16Gi'");
	if (quantity_suffix(p, &se10, &se2) != 0)
		return quantity_error(cause, s, "unknown suffix (use one of "
		    "m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei or an exponent "
		    "such as e3)");
	e10 += se10;
	e2 = se2;
	if (scale == QUANTITY_MILLI)
		e10 += 3;
	else if (scale != QUANTITY_UNITS)
		fatalx("quantity_parse: bad scale %d", scale);

	if (m == 0) {
		*out = 0;
		return 0;
	}
	/* num = m * 2^e2 * 10^max(e10, 0), capped; den = 10^max(-e10, 0). */
	num = m << e2;
	for (; e10 > 0; e10--) {
		if (num > cap)
			break;
		num *= 10;
	}
	if (num > cap) {
		*out = neg ? -INT64_MAX : INT64_MAX;
		return 0;
	}
	if (-e10 > 38) {
		q = 0;
		r = num;
	} else {
		den = 1;
		for (i = 0; i < -e10; i++)
			den *= 10;
		q = num / den;
		r = num % den;
	}
	if (r != 0 || sticky)
		q++;
	if (q > cap)
		q = cap;
	*out = neg ? -(int64_t)q : (int64_t)q;
	return 0;
}

/* Formats a byte count with the largest binary suffix that divides it. */
char *
quantity_format_bytes(int64_t v)
{
	static const char *suffixes[] = { "Ei", "Pi", "Ti", "Gi", "Mi", "Ki" };
	size_t i;
	int shift;

	for (i = 0; i < nitems(suffixes); i++) {
		shift = 60 - 10 * (int)i;
		if (v != 0 && v % ((int64_t)1 << shift) == 0)
			return xprintf("%lld%s", (long long)(v >> shift),
			    suffixes[i]);
	}
	return xprintf("%lld", (long long)v);
}

/* Formats millicores the way Kubernetes prints CPU. */
char *
quantity_format_milli(int64_t v)
{
	if (v % 1000 == 0)
		return xprintf("%lld", (long long)(v / 1000));
	return xprintf("%lldm", (long long)v);
}
