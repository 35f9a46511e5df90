/*
 * resync.c - the bounded search for two consecutive codes and the
 * transaction that moves a token to them; see resync.h.
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "account.h"
#include "auth.h"
#include "crypto.h"
#include "lockout.h"
#include "otp.h"
#include "resync.h"

/* A shared store's conflicts: as many runs again as an attempt's. */
#define RESYNC_RETRIES	32

enum mfa_err
resync_search(const struct mfa_token *tok, const char *code1, size_t len1,
    const char *code2, size_t len2, int64_t now, uint64_t floor,
    uint64_t *second, int32_t *offset)
{
	char cand[MFA_CODE_MAX + 1];
	enum mfa_err rc;
	uint64_t first, last, s, t = 0, best = 0;
	int64_t d, bestd = 0;
	bool prev = false, found = false;
	int eq1, eq2;

	*second = 0;
	*offset = 0;
	if (!otp_code_wellformed(tok, code1, len1) ||
	    !otp_code_wellformed(tok, code2, len2))
		return MFA_EINPUT;
	if (tok->type == MFA_HOTP) {
		if (floor > UINT64_MAX - RESYNC_HOTP_MAX - 1)
			return MFA_EINTERNAL;
		first = floor;
		last = floor + RESYNC_HOTP_MAX + 1;
	} else {
		if (now <= 0)
			return MFA_ECLOCK;
		t = otp_step(tok, now);
		if (t < RESYNC_TOTP_MAX + 1)
			return MFA_ECLOCK;
		/* code1 at s, code2 at s + 1 = t + offset. */
		first = t - RESYNC_TOTP_MAX - 1;
		last = t + RESYNC_TOTP_MAX;
		if (first < floor)
			first = floor;
		if (first > last)
			return MFA_EBADCODE;	/* all of it spent */
	}
	/* s: the candidate for code2; prev: code1 matched at s - 1. */
	for (s = first;; s++) {
		if ((rc = otp_generate(tok, s, cand)) != MFA_OK)
			goto out;
		eq1 = crypto_equal(cand, code1, tok->digits);
		eq2 = crypto_equal(cand, code2, tok->digits);
		if (prev && eq2) {
			d = (int64_t)s - (int64_t)t;
			if (tok->type == MFA_HOTP) {
				if (!found)
					best = s;
			} else if (!found || (d < 0 ? -d : d) <
			    (bestd < 0 ? -bestd : bestd)) {
				best = s;
				bestd = d;
			}
			found = true;
		}
		prev = eq1;
		if (s == last)
			break;
	}
	rc = found ? MFA_OK : MFA_EBADCODE;
	if (found) {
		*second = best;
		*offset = tok->type == MFA_TOTP ? (int32_t)bestd : 0;
	}
out:
	crypto_wipe(cand, sizeof(cand));
	return rc;
}

/* One run of the search and its state; *install: a TOTP offset found. */
static enum mfa_err
resync_once(const struct mfa_conf *conf, struct mfa_store *store,
    const char *user, const struct mfa_account *acct, const char *code1,
    size_t len1, const char *code2, size_t len2, int64_t now, int unsynced,
    struct resync_result *res, struct mfa_token *tok)
{
	struct lockout_policy policy;
	struct mfa_state st;
	struct mfa_txn *txn;
	enum mfa_err rc, vrc;
	uint64_t second = 0;
	int32_t offset = 0;

	memset(res, 0, sizeof(*res));
	auth_policy(conf, &policy);
	if ((rc = store_begin(store, user, tok, &st, &txn)) != MFA_OK)
		return rc;
	if (tok->flags & TOKEN_F_PENDING) {
		rc = MFA_ENOTENROLLED;
		goto out_abort;
	}
	if ((rc = account_token_check(acct, tok)) != MFA_OK)
		goto out_abort;
	res->type = tok->type;
	res->fail_count = st.fail_count;
	res->locked_until = st.locked_until;
	if (lockout_locked(&policy, &st, now)) {
		rc = MFA_ELOCKED;
		goto out_abort;
	}
	if (unsynced && tok->type == MFA_TOTP) {
		rc = MFA_EUNSYNCED;
		goto out_abort;
	}
	if ((rc = store_unseal(store, user, tok)) != MFA_OK)
		goto out_abort;
	vrc = resync_search(tok, code1, len1, code2, len2, now, st.next_step,
	    &second, &offset);
	if (vrc != MFA_OK && vrc != MFA_EBADCODE) {
		rc = vrc;
		goto out_abort;
	}
	res->offset_old = res->offset = tok->totp_offset;
	res->floor_old = res->floor = st.next_step;
	if (vrc == MFA_OK) {
		/* Both codes are spent: the floor only ever rises. */
		if (second + 1 > st.next_step)
			st.next_step = second + 1;
		res->floor = st.next_step;
		res->offset = offset;
	} else {
		res->locked_now = lockout_fail(&policy, &st, now);
		res->fail_count = st.fail_count;
		res->locked_until = st.locked_until;
	}
	/* No verdict without its write, as for a login. */
	if ((rc = store_commit(txn, &st)) != MFA_OK)
		return rc;
	return vrc;

out_abort:
	store_abort(txn);
	return rc;
}

enum mfa_err
resync_run(const struct mfa_conf *conf, struct mfa_store *store,
    const char *user, const struct mfa_account *acct, const char *code1,
    size_t len1, const char *code2, size_t len2, int64_t now, int unsynced,
    struct resync_result *res)
{
	struct mfa_token tok;
	enum mfa_err rc;
	unsigned tries = 0;

	memset(res, 0, sizeof(*res));
	memset(&tok, 0, sizeof(tok));
	if (now <= 0)
		return MFA_ECLOCK;
	store_deadline_start(store);
	do {
		token_wipe(&tok);
		rc = resync_once(conf, store, user, acct, code1, len1, code2,
		    len2, now, unsynced, res, &tok);
	} while (rc == MFA_ECONFLICT && ++tries < RESYNC_RETRIES);
	/* TOTP: the offset goes into the token, sealed and bound
	 * (token.h), for this token only: had it been replaced since,
	 * MFA_EEXIST and nothing changes. */
	if (rc == MFA_OK && tok.type == MFA_TOTP &&
	    tok.totp_offset != res->offset) {
		tok.totp_offset = res->offset;
		rc = store_install(store, user, &tok, tok.id, tok.backup_gen,
		    0);
	}
	store_deadline_end(store);
	token_wipe(&tok);
	return rc;
}
