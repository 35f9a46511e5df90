/*
 * lockout.c - lockout policy; the rules are in lockout.h.
 */
#include "config.h"

#include <string.h>

#include "lockout.h"

bool
lockout_locked(const struct lockout_policy *p, const struct mfa_state *st,
    int64_t now)
{
	(void)p;
	return st->locked_until != 0 && now < st->locked_until;
}

uint64_t
lockout_duration(const struct lockout_policy *p, const struct mfa_state *st)
{
	uint64_t d = p->unlock_time, cap = p->max_time;
	uint32_t i;

	if (p->unlock_time == 0)
		return 0;
	if (cap < d)
		cap = d;
	/* Multiply until the cap: at most ~20 rounds for any config. */
	for (i = 0; p->growth > 1 && i < st->lock_step && d < cap; i++)
		d *= p->growth;
	return d < cap ? d : cap;
}

bool
lockout_fail(const struct lockout_policy *p, struct mfa_state *st,
    int64_t now)
{
	uint64_t d;

	/* A lock that has run out starts a fresh count. */
	if (st->locked_until != 0 && now >= st->locked_until) {
		st->locked_until = 0;
		st->fail_count = 0;
	}
	/*
	 * The interval runs from the first failure.  A clock stepped back
	 * (now < first_fail) keeps the count: losing failures is worse.
	 */
	if (st->fail_count == 0 ||
	    (now >= st->first_fail &&
	    now - st->first_fail >= (int64_t)p->fail_interval)) {
		st->fail_count = 0;
		st->first_fail = now;
	}
	if (st->fail_count < UINT32_MAX)
		st->fail_count++;
	st->last_fail = now;
	if (p->deny == 0 || st->fail_count < p->deny)
		return false;
	d = lockout_duration(p, st);
	if (d == 0 || now > INT64_MAX - (int64_t)d)
		st->locked_until = STATE_LOCKED_FOREVER;
	else
		st->locked_until = now + (int64_t)d;
	if (st->lock_step < UINT32_MAX)
		st->lock_step++;
	return true;
}

void
lockout_success(struct mfa_state *st, int64_t now, const char *rhost)
{
	size_t i, n = 0;

	lockout_clear(st);
	st->last_success = now;
	memset(st->last_rhost, 0, sizeof(st->last_rhost));
	if (rhost != NULL)
		n = strnlen(rhost, sizeof(st->last_rhost) - 1);
	/* PAM_RHOST is client-controlled: keep printable ASCII only. */
	for (i = 0; i < n; i++)
		st->last_rhost[i] = rhost[i] > 0x20 && rhost[i] < 0x7f ?
		    rhost[i] : '?';
}

void
lockout_clear(struct mfa_state *st)
{
	st->fail_count = 0;
	st->first_fail = 0;
	st->locked_until = 0;
	st->lock_step = 0;
}
