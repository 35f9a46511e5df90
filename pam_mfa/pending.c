/*
 * pending.c - a pending token's expiry and activation; see pending.h.
 */
#include "config.h"

#include <string.h>

#include "account.h"
#include "crypto.h"
#include "pending.h"

int
pending_expired(const struct mfa_conf *conf, const struct mfa_token *tok,
    int64_t now)
{
	if (conf->pending_lifetime == 0)
		return 0;
	/* A creation time ahead of the clock is no younger than now. */
	return now - (tok->created < now ? tok->created : now) >=
	    (int64_t)conf->pending_lifetime;
}

enum mfa_err
pending_activate(const struct mfa_conf *conf, struct mfa_store *store,
    const char *user, struct mfa_token *tok, uint64_t expect_id,
    const char *code, size_t len, int64_t now, unsigned nbackup,
    char codes[][BACKUP_TEXT_MAX + 1], int *confirmed,
    struct auth_result *res)
{
	enum mfa_err rc;
	uint64_t matched = 0;

	*confirmed = 0;
	memset(res, 0, sizeof(*res));
	if (pending_expired(conf, tok, now))
		return MFA_EEXPIRED;
	if ((rc = auth_confirm(conf, store, user, tok, code, len, now,
	    &matched, res)) != MFA_OK)
		return rc;
	*confirmed = 1;
	tok->flags &= (uint16_t)~TOKEN_F_PENDING;
	tok->replaces = 0;	/* a pending token's only */
	if ((rc = backup_generate(tok, nbackup, codes)) != MFA_OK)
		return rc;
	/* None active: only while the pending token is still this one. */
	rc = expect_id == 0 ? store_activate(store, user, tok, matched + 1) :
	    store_install(store, user, tok, expect_id, STORE_ANY_GEN,
	    matched + 1);
	if (rc == MFA_OK)
		res->token_id = tok->id;
	return rc;
}

enum mfa_err
pending_login(const struct mfa_conf *conf, struct mfa_store *store,
    const struct auth_request *req, struct auth_result *res)
{
	struct mfa_token tok;
	enum mfa_err rc;
	int confirmed;

	memset(res, 0, sizeof(*res));
	if ((rc = store_pending_meta(store, req->user, &tok)) != MFA_OK)
		goto out;
	/* The uid as read; the unseal below authenticates it (token.h),
	 * the creation time too. */
	if (req->acct == NULL) {
		rc = MFA_EINTERNAL;
		goto out;
	}
	if ((rc = account_token_check(req->acct, &tok)) != MFA_OK ||
	    (rc = store_unseal(store, req->user, &tok)) != MFA_OK)
		goto out;
	rc = pending_activate(conf, store, req->user, &tok, 0, req->code,
	    req->code_len, req->now, 0, NULL, &confirmed, res);
	res->activated = rc == MFA_OK;
out:
	token_wipe(&tok);
	return rc;
}

enum mfa_err
pending_usable(const struct mfa_conf *conf, struct mfa_store *store,
    const struct mfa_account *acct, int64_t now, unsigned *digits)
{
	struct mfa_token tok;
	enum mfa_err rc;

	*digits = 0;
	if (!conf->enroll_at_login)
		return MFA_ENOTENROLLED;
	if ((rc = store_pending_meta(store, acct->name, &tok)) != MFA_OK)
		goto out;
	if ((rc = account_token_check(acct, &tok)) != MFA_OK)
		goto out;
	if (pending_expired(conf, &tok, now))
		rc = MFA_ENOTENROLLED;
	else
		*digits = tok.digits;
out:
	token_wipe(&tok);
	return rc;
}
