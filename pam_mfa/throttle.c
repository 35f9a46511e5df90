/*
 * throttle.c - the per-source throttle around one attempt; see throttle.h.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "throttle.h"

void
throttle_policy(const struct mfa_conf *conf, struct source_policy *p)
{
	p->deny = conf->source_deny;
	p->interval = conf->source_interval;
	p->lock_time = conf->source_lock_time;
}

/* Whether rhost is counted under conf; *src its source. */
static int
counted(const struct mfa_conf *conf, const char *rhost, struct source *src,
    struct source_policy *p)
{
	throttle_policy(conf, p);
	source_parse(rhost, conf->source_ipv6_prefix, src);
	return source_counted(p, src, conf->source_allow,
	    conf->n_source_allow);
}

enum mfa_err
throttle_check(const struct mfa_conf *conf, struct mfa_store *store,
    const char *rhost, int64_t now, struct throttle_result *tr)
{
	struct source_policy p;
	struct source_rec r;
	struct source src;
	enum mfa_err rc;

	memset(tr, 0, sizeof(*tr));
	if (!counted(conf, rhost, &src, &p))
		return MFA_OK;
	if ((rc = store_source_get(store, src.key, &r)) != MFA_OK)
		return rc;
	if (!source_locked(&r, now))
		return MFA_OK;
	snprintf(tr->key, sizeof(tr->key), "%s", src.key);
	tr->fail_count = r.fail_count;
	tr->locked_until = r.locked_until;
	return MFA_ESOURCE;
}

void
throttle_count(const struct mfa_conf *conf, struct mfa_store *store,
    const char *rhost, int64_t now, enum mfa_err rc,
    struct throttle_result *tr)
{
	struct source_policy p;
	struct source_rec r;
	struct source src;

	memset(tr, 0, sizeof(*tr));
	if (rc != MFA_EBADCODE && rc != MFA_EREPLAY && rc != MFA_ELOCKED &&
	    rc != MFA_EPASSWORD)
		return;
	if (!counted(conf, rhost, &src, &p))
		return;
	snprintf(tr->key, sizeof(tr->key), "%s", src.key);
	tr->err = store_source_fail(store, &p, src.key, now, &r,
	    &tr->locked_now);
	tr->fail_count = r.fail_count;
	tr->locked_until = r.locked_until;
}
