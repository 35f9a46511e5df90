/*
 * enrollgrace.h - the end of the unenrolled exemption: with
 * enroll_deadline, a user the config exempts (unenrolled = "ignore")
 * passes without a code only before it.  Pure: the time is a parameter.
 */
#ifndef MFA_ENROLLGRACE_H
#define MFA_ENROLLGRACE_H

#include <stdint.h>

#include "conf.h"
#include "mfa.h"

/*
 * MFA_OK if an exempt unenrolled user may pass at now: *days_left is
 * then the days left, today counted (0: no deadline).  MFA_EDEADLINE
 * from the deadline on; MFA_ECLOCK if now is not a time.
 */
enum mfa_err enrollgrace_check(const struct mfa_conf *conf, int64_t now,
    unsigned *days_left);

#endif
