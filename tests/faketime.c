/*
 * faketime.c - the tests' clock, LD_PRELOADed into test processes only:
 * when MFA_FAKE_TIME holds a unix time, time() and clock_gettime(
 * CLOCK_REALTIME) return it, so lockout expiry is tested without sleeping.
 * It lives in tests/; the module reads the real clock through time().
 * When MFA_FAKE_NTP is set, adjtimex() and ntp_adjtime() answer for the
 * kernel's synchronisation (require_clock_sync, clock.c): "synced"
 * (TIME_OK, status 0), "unsync" (TIME_OK with STA_UNSYNC in status),
 * "error" (TIME_ERROR, status 0), "fail" (-1, EPERM); a read with
 * modes other than 0 is refused (EPERM), as the module must never set
 * the clock.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timex.h>
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

/* -2: MFA_FAKE_NTP unset (ask the kernel); else the answer, tx filled. */
static int
fake_ntp(struct timex *tx)
{
	const char *s = getenv("MFA_FAKE_NTP");
	unsigned modes = tx->modes;

	if (s == NULL || *s == '\0')
		return -2;
	if (modes != 0) {
		errno = EPERM;
		return -1;
	}
	memset(tx, 0, sizeof(*tx));
	if (strcmp(s, "synced") == 0)
		return TIME_OK;
	if (strcmp(s, "unsync") == 0) {
		tx->status = STA_UNSYNC;
		return TIME_OK;
	}
	if (strcmp(s, "error") == 0)
		return TIME_ERROR;
	errno = EPERM;
	return -1;
}

SHIM int
adjtimex(struct timex *tx)
{
	static int (*real)(struct timex *);
	int r;

	if ((r = fake_ntp(tx)) != -2)
		return r;
	if (real == NULL)
		real = (int (*)(struct timex *))dlsym(RTLD_NEXT, "adjtimex");
	return real(tx);
}

SHIM int
ntp_adjtime(struct timex *tx)
{
	static int (*real)(struct timex *);
	int r;

	if ((r = fake_ntp(tx)) != -2)
		return r;
	if (real == NULL)
		real = (int (*)(struct timex *))dlsym(RTLD_NEXT,
		    "ntp_adjtime");
	return real(tx);
}
