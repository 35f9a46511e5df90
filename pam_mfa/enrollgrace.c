/*
 * enrollgrace.c - how long the unenrolled still pass; see enrollgrace.h.
 */
#include "config.h"

#include "enrollgrace.h"

#define DAY	86400

enum mfa_err
enrollgrace_check(const struct mfa_conf *conf, int64_t now,
    unsigned *days_left)
{
	*days_left = 0;
	if (conf->enroll_deadline == 0)
		return MFA_OK;
	if (now <= 0)
		return MFA_ECLOCK;
	if (now >= conf->enroll_deadline)
		return MFA_EDEADLINE;
	/* The deadline is a midnight (UTC): today is one of the days. */
	*days_left = (unsigned)((conf->enroll_deadline - now + DAY - 1) / DAY);
	return MFA_OK;
}
