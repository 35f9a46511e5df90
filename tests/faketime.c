/*
 * faketime.c - the tests' clock, LD_PRELOADed into test processes only:
 * when MFA_FAKE_TIME holds a unix time, time() and clock_gettime(
 * CLOCK_REALTIME) return it, so lockout expiry is tested without sleeping.
 * It lives in tests/; the module reads the real clock through time().
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <time.h>

/* The project builds with -fvisibility=hidden; these must interpose. */
#define SHIM __attribute__((visibility("default")))

static int
fake_now(time_t *out)
{
	const char *s = getenv("MFA_FAKE_TIME");
	char *end;
	long long v;

	if (s == NULL || *s == '\0')
		return 0;
	v = strtoll(s, &end, 10);
	if (*end != '\0' || v <= 0)
		return 0;
	*out = (time_t)v;
	return 1;
}

SHIM time_t
time(time_t *t)
{
	time_t now;

	if (!fake_now(&now)) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		now = ts.tv_sec;
	}
	if (t != NULL)
		*t = now;
	return now;
}

SHIM int
clock_gettime(clockid_t id, struct timespec *ts)
{
	static int (*real)(clockid_t, struct timespec *);
	time_t now;

	if (id == CLOCK_REALTIME && fake_now(&now)) {
		ts->tv_sec = now;
		ts->tv_nsec = 0;
		return 0;
	}
	if (real == NULL)
		real = (int (*)(clockid_t, struct timespec *))dlsym(RTLD_NEXT,
		    "clock_gettime");
	return real(id, ts);
}
