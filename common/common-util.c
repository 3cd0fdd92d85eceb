#include "common.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Wall-clock milliseconds, the unit of every timestamp in the queue. */
int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Every timer in the tree is armed in milliseconds, and libevent and
 * setitimer want seconds and microseconds. */
struct timeval
time_tv_ms(int64_t ms)
{
	return (struct timeval){ (time_t)(ms / 1000),
	    (suseconds_t)((ms % 1000) * 1000) };
}

/* Reads the timestamps of Kubernetes objects. */
int
time_parse_rfc3339(const char *s, int64_t *out)
{
	struct tm tm;
	const char *p;
	int64_t ms = 0, scale = 100;

	if (s == NULL)
		return -1;
	memset(&tm, 0, sizeof tm);
	p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (p == NULL)
		return -1;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++) {
			ms += (*p - '0') * scale;
			scale /= 10;
		}
	}
	if (*p != 'Z' || p[1] != '\0')
		return -1;
	*out = (int64_t)timegm(&tm) * 1000 + ms;
	return 0;
}

/* The date and time of day of a second since the epoch, in UTC, as the
 * RFC 3339 times of Kubernetes begin. */
static void
time_format_seconds(char *buf, size_t len, int64_t s)
{
	time_t t = (time_t)s;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
}

/* Writes times as metav1.Time marshals them. */
char *
time_format_rfc3339(int64_t ms)
{
	char buf[32];

	time_format_seconds(buf, sizeof buf, ms / 1000);
	return xprintf("%sZ", buf);
}

/* Writes times as metav1.MicroTime marshals them. */
char *
time_format_rfc3339_micro(int64_t us)
{
	char buf[32];

	time_format_seconds(buf, sizeof buf, us / 1000000);
	return xprintf("%s.%06dZ", buf, (int)(us % 1000000));
}

/* One strict UTF-8 decoder for the terminal, the spec's diagnostics and
 * the API's JSON, so that all three agree on what text is. */
size_t
utf8_decode(const char *str, size_t len, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)str;
	uint32_t c, min = 0;
	size_t n, i;

	if (len == 0)
		return 0;
	if ((c = s[0]) < 0x80)
		n = 1;
	else if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		c &= 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		c &= 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		c &= 0x07;
		min = 0x10000;
	} else
		return 0;
	if (n > len)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	if (cp != NULL)
		*cp = c;
	return n;
}

/* mkdir -p: creates missing parents with the same mode. */
int
mkdir_p(const char *path, unsigned int mode)
{
	char *copy, *p;
	int ret = -1;

	copy = xstrdup(path);
	for (p = copy + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, mode) != 0 && errno != EEXIST)
			goto out;
		*p = '/';
	}
	if (mkdir(copy, mode) != 0 && errno != EEXIST)
		goto out;
	ret = 0;
out:
	free(copy);
	return ret;
}

/* True if s begins with prefix. */
bool
has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Levenshtein distance over bytes, bounded to short words. */
static size_t
edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, *row, prev, tmp, best;

	if (la > 64 || lb > 64)
		return (size_t)-1;
	row = xcalloc(lb + 1, sizeof *row);
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			best = prev + (a[i - 1] == b[j - 1] ? 0 : 1);
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = tmp;
		}
	}
	best = row[lb];
	free(row);
	return best;
}

/* The candidate nearest to word, if near enough to be a likely typo. */
const char *
closest_word(const char *word, const char *const *cands, size_t n)
{
	const char *best = NULL;
	size_t i, d, bestd = (size_t)-1, limit;

	limit = strlen(word) <= 4 ? 1 : 2;
	for (i = 0; i < n; i++) {
		d = edit_distance(word, cands[i]);
		if (d < bestd) {
			bestd = d;
			best = cands[i];
		}
	}
	return bestd <= limit ? best : NULL;
}

/* A pipe or socket may move fewer bytes than asked, and a signal may cut
 * a call short: the framed exchanges (the server's parse worker, the
 * scheduler's intake) need whole frames.  buf is only read when writing. */
static int
io_all(int fd, char *p, size_t len, bool writing)
{
	ssize_t n;

	while (len > 0) {
		n = writing ? write(fd, p, len) : read(fd, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* See io_all. */
int
read_all(int fd, void *buf, size_t len)
{
	return io_all(fd, buf, len, false);
}

/* See io_all. */
int
write_all(int fd, const void *buf, size_t len)
{
	return io_all(fd, (char *)(uintptr_t)buf, len, true);
}
