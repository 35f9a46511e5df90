/*
 * clock.h - whether the kernel holds the system clock synchronised, the
 * flag chrony, ntpd and systemd-timesyncd keep (adjtimex(2), read only),
 * for require_clock_sync.  Read at the edge, once per attempt, as the
 * time is: the core takes the answer as an argument (auth.h).
 */
#ifndef MFA_CLOCK_H
#define MFA_CLOCK_H

#include "conf.h"
#include "mfa.h"

/*
 * MFA_OK if the kernel reports the clock synchronised; MFA_EUNSYNCED if
 * it reports it unsynchronised (STA_UNSYNC, or the TIME_ERROR state) or
 * can't be asked.  Changes nothing (modes 0).
 */
enum mfa_err clock_sync_status(void);

/* For an attempt: 1 if conf requires a synchronised clock and the
 * kernel does not report one, else 0 (the kernel not asked). */
int clock_unsynced(const struct mfa_conf *conf);

#endif
