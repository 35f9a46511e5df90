/*
 * clock.c - the kernel's word on the clock's synchronisation; see clock.h.
 */
#include "config.h"

#include <string.h>
#include <sys/timex.h>

#include "clock.h"

enum mfa_err
clock_sync_status(void)
{
	struct timex tx;
	int state;

	memset(&tx, 0, sizeof(tx));	/* modes 0: read, set nothing */
	state = adjtimex(&tx);
	/* -1 (a sandbox refusing the call, say): not known to be synced. */
	if (state == -1 || state == TIME_ERROR || (tx.status & STA_UNSYNC))
		return MFA_EUNSYNCED;
	return MFA_OK;
}

int
clock_unsynced(const struct mfa_conf *conf)
{
	if (!conf->require_clock_sync)
		return 0;
	return clock_sync_status() != MFA_OK;
}
