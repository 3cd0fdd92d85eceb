/*
 * common: what every module of ailab-queue and ailab-kubesim shares.
 *
 * Allocators that abort instead of failing, logging for daemons, the
 * Kubernetes quantity grammar and duration parsing.  Nothing here knows a
 * queue, a spec or a cluster.
 */
#ifndef COMMON_H
#define COMMON_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/time.h>

#define nitems(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__)
#define printflike(a, b) __attribute__((format(printf, a, b)))
#define deadfunc __attribute__((noreturn))
#else
#define printflike(a, b)
#define deadfunc
#endif

/* common-xmalloc.c: allocators that abort on failure; callers never check. */
void *xmalloc(size_t);
void *xcalloc(size_t, size_t);
void *xreallocarray(void *, size_t, size_t);
char *xstrdup(const char *);
char *xstrndup(const char *, size_t);
int xvasprintf(char **, const char *, va_list) printflike(2, 0);
/* Returns a newly allocated formatted string; the caller frees it. */
char *xprintf(const char *, ...) printflike(1, 2);
/* Appends printf-style text to *s (NULL: empty), replacing it. */
void xappendf(char **s, const char *, ...) printflike(2, 3);

/* common-log.c: logging for daemons and fatal errors for broken invariants. */
enum log_level {
	LOG_LEVEL_ERROR = 0,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
};
void log_init(const char *progname, enum log_level level);
enum log_level log_get_level(void);
/* One line at a level: log_warnx a runtime problem a daemon survives,
 * log_info what it does (-v), log_debug detail for debugging (-vv). */
void log_at(enum log_level, const char *, ...) printflike(2, 3);
#define log_warnx(...) log_at(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...) log_at(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) log_at(LOG_LEVEL_DEBUG, __VA_ARGS__)
void fatal(const char *, ...) printflike(1, 2) deadfunc;
void fatalx(const char *, ...) printflike(1, 2) deadfunc;

/*
 * common-quantity.c: the Kubernetes quantity grammar
 * (k8s.io/apimachinery/pkg/api/resource), shared by the spec language and
 * the Kubernetes client so that both read "1.5Gi" the same way.
 *
 * quantity_parse stores ceil(q * scale) in *out, where scale is 1 for plain
 * units (bytes, GPUs) and 1000 for milli-units (CPU).  Results are capped at
 * INT64_MAX as Kubernetes caps them.  On error, *cause (if not NULL) gets an
 * allocated message the caller frees.
 */
#define QUANTITY_UNITS 1
#define QUANTITY_MILLI 1000
int quantity_parse(const char *, int scale, int64_t *, char **);
/* Formats bytes as the shortest exact binary-suffixed quantity ("16Gi"). */
char *quantity_format_bytes(int64_t);
/* Formats millicores as Kubernetes does ("8", "500m"). */
char *quantity_format_milli(int64_t);

/*
 * common-duration.c: durations such as "90s", "10m", "2h", "1h30m", "1d",
 * in seconds.  A bare integer is seconds.
 */
int duration_parse(const char *, int64_t *, char **);
/* The same in milliseconds, also taking the unit "ms" and a decimal
 * fraction of a unit: "500ms", "0.5s", "1.5m", "0.25" (seconds).  A value
 * finer than a millisecond is refused, not rounded. */
int duration_parse_ms(const char *, int64_t *, char **);
char *duration_format(int64_t);
/* Milliseconds exactly, in the largest whole unit: "50ms", "2s", "1h". */
char *duration_format_ms(int64_t);

/* common-util.c */
/* Milliseconds since the epoch, from the realtime clock. */
int64_t now_ms(void);
/* A non-negative count of milliseconds as the struct timeval that
 * evtimer_add and setitimer take. */
struct timeval time_tv_ms(int64_t);
/* Reads an RFC 3339 UTC time as Kubernetes writes it ("2026-01-02T03:04:05Z",
 * fractions allowed) into ms since the epoch; 0 or -1. */
int time_parse_rfc3339(const char *, int64_t *);
/* Formats ms since the epoch as Kubernetes writes times, in seconds
 * ("2026-01-02T03:04:05Z"); the caller frees it. */
char *time_format_rfc3339(int64_t);
/* The same from microseconds, with them ("2026-01-02T03:04:05.123456Z"),
 * as metav1.MicroTime marshals. */
char *time_format_rfc3339_micro(int64_t);
/* The length of the well-formed UTF-8 sequence (no overlong form, no
 * surrogate, nothing above U+10FFFF) at the start of s's len bytes, its
 * code point in *cp if cp is not NULL; 0 when none starts there. */
size_t utf8_decode(const char *s, size_t len, uint32_t *cp);
/* Creates a directory and its parents with the given mode; 0 or -1 (errno). */
int mkdir_p(const char *, unsigned int);
/* Reads or writes exactly len bytes on fd, again after EINTR; 0, or -1 at
 * an end of file, an error or a timeout (errno). */
int read_all(int, void *, size_t);
int write_all(int, const void *, size_t);
/* True if s starts with prefix. */
bool has_prefix(const char *, const char *);
/* Closest candidate to word within a small distance, or NULL. */
const char *closest_word(const char *, const char *const *, size_t);

/*
 * One stored dependency of a job (the spec's after, after_ok, after_any,
 * after_failed): "[any:|failed:][group:]TARGET", TARGET a job name, a job
 * id (digits) or, after "group:", a group of the same owner.
 */
enum after_kind {
	AFTER_OK = 0,            /* after, after_ok: every job succeeded */
	AFTER_ANY,               /* after_any: every job ended, however */
	AFTER_FAILED             /* after_failed: every job ended, one not ok */
};
struct after_ref {
	enum after_kind kind;
	bool group;
	const char *target;      /* points into the entry */
	long long id;            /* TARGET as an id; 0: a name */
};
int after_parse(const char *, struct after_ref *);
const char *after_kind_field(enum after_kind);

#endif
