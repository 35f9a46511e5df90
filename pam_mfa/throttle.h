/*
 * throttle.h - the per-source throttle around one attempt: refuse a
 * throttled source before any code is checked, count a failed attempt
 * against its source.  Policy in source.h, records in the store
 * (store.h); no PAM, no logging.
 */
#ifndef MFA_THROTTLE_H
#define MFA_THROTTLE_H

#include <stdint.h>

#include "conf.h"
#include "mfa.h"
#include "source.h"
#include "store.h"

struct throttle_result {
	char key[SOURCE_KEY_MAX + 1];	/* the source counted, "" if none */
	uint32_t fail_count;	/* its failures, as saved */
	int locked_now;		/* this failure throttled it */
	int64_t locked_until;	/* throttled: until when */
	enum mfa_err err;	/* the failure could not be counted */
};

/*
 * MFA_ESOURCE (tr filled) if rhost's source is throttled at now; MFA_OK
 * if it is not, or is not counted (no throttle, no PAM_RHOST,
 * source_allow); else the store's error (the attempt is then denied).
 */
enum mfa_err throttle_check(const struct mfa_conf *conf,
    struct mfa_store *store, const char *rhost, int64_t now,
    struct throttle_result *tr);
/*
 * After an attempt whose outcome was rc: count a failure against rhost's
 * source if rc is one (a wrong or replayed code, a locked user, a failed
 * password) and the source is counted.  An error is left in tr->err: the
 * attempt has failed anyway.
 */
void throttle_count(const struct mfa_conf *conf, struct mfa_store *store,
    const char *rhost, int64_t now, enum mfa_err rc,
    struct throttle_result *tr);
/* The policy of conf. */
void throttle_policy(const struct mfa_conf *conf, struct source_policy *p);

#endif
