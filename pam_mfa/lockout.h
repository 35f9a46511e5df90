/*
 * lockout.h - the failed-attempt lockout policy.  Pure: the time is an
 * argument and only the state struct changes, so it is table-tested.
 *
 * deny failures within fail_interval seconds of the first of them lock the
 * user for unlock_time seconds (0: until an admin unlocks).  While locked
 * every attempt is refused before any code is checked, and is not recorded:
 * refused attempts do not extend the lock, so a lock ends on time however
 * hard an attacker keeps knocking, and a locked user costs no disk write.
 * A success clears the count.  deny = 0 disables the lockout.
 *
 * Escalation (growth > 1): each lock that follows another without a
 * success in between lasts growth times the one before, up to max_time
 * (never less than unlock_time): lock_step counts those locks, and the
 * n-th lasts unlock_time * growth^(n-1).  A success or an admin unlock
 * resets lock_step to 0; a lock running out does not.
 */
#ifndef MFA_LOCKOUT_H
#define MFA_LOCKOUT_H

#include <stdbool.h>
#include <stdint.h>

#include "state.h"

struct lockout_policy {
	unsigned deny;
	unsigned fail_interval;
	unsigned unlock_time;
	unsigned growth;	/* 0 or 1: every lock lasts unlock_time */
	unsigned max_time;	/* cap of an escalated lock, seconds */
};

bool lockout_locked(const struct lockout_policy *p, const struct mfa_state *st,
    int64_t now);
/* Record one failed attempt at now; true if it locked the user. */
bool lockout_fail(const struct lockout_policy *p, struct mfa_state *st,
    int64_t now);
/* Seconds the next lock of st lasts (0: until an admin unlocks). */
uint64_t lockout_duration(const struct lockout_policy *p,
    const struct mfa_state *st);
/* Record a successful attempt at now from rhost (NULL or ""). */
void lockout_success(struct mfa_state *st, int64_t now, const char *rhost);
/* Admin unlock: clear the count, the lock and the escalation step. */
void lockout_clear(struct mfa_state *st);

#endif
