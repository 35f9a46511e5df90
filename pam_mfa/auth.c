/*
 * auth.c - one attempt: lock the user's state, refuse if locked, verify,
 * record the outcome, save; see auth.h.
 */
#include "config.h"

#include <string.h>

#include "account.h"
#include "auth.h"
#include "backup.h"
#include "crypto.h"
#include "lockout.h"
#include "otp.h"
#include "pending.h"

int
auth_split_field(const char *field, size_t len, unsigned digits,
    unsigned backup_len, size_t *pw_len)
{
	char bdigits[BACKUP_LEN_NEW + 1];
	int is_backup;

	*pw_len = 0;
	if (field == NULL || digits == 0 || digits > MFA_CODE_MAX ||
	    len <= digits)
		return 0;
	/* The hyphen stands where a one-time code has a digit. */
	if (backup_len != 0 && len > backup_len + 1) {
		is_backup = backup_parse(field + len - backup_len - 1,
		    backup_len + 1, backup_len, 1, bdigits);
		crypto_wipe(bdigits, sizeof(bdigits));
		if (is_backup) {
			*pw_len = len - backup_len - 1;
			return 1;
		}
	}
	if (!auth_code_wellformed(field + len - digits, digits))
		return 0;
	*pw_len = len - digits;
	return 1;
}

int
auth_code_wellformed(const char *code, size_t len)
{
	char digits[BACKUP_LEN_NEW + 1];
	size_t i;
	int hyphenated;

	if (code == NULL || len == 0 || len > MFA_ANSWER_MAX)
		return 0;
	/* "1234-5678", "12345-67890": a backup code as it is shown. */
	hyphenated = backup_parse(code, len, BACKUP_LEN_IMPORTED, 1, digits) ||
	    backup_parse(code, len, BACKUP_LEN_NEW, 1, digits);
	crypto_wipe(digits, sizeof(digits));
	if (hyphenated)
		return 1;
	if (len > BACKUP_LEN_NEW)
		return 0;
	for (i = 0; i < len; i++)
		if (code[i] < '0' || code[i] > '9')
			return 0;
	return 1;
}

void
auth_policy(const struct mfa_conf *conf, struct lockout_policy *p)
{
	p->deny = conf->deny;
	p->fail_interval = conf->fail_interval;
	p->unlock_time = conf->unlock_time;
	p->growth = conf->unlock_growth;
	p->max_time = conf->unlock_time_max;
}

/* What a backup code matched before the lock, in which token. */
struct backup_pre {
	int is_backup;		/* the reply is one of this token's shape */
	int matched;		/* and its hash matched slot */
	unsigned slot;
	uint64_t token_id;
	uint32_t gen;
};

/*
 * A backup code's hash is slow (one PBKDF2; one per slot for a set with
 * a salt per code, backup.h): match it before the user's lock is taken,
 * so that the user's other logins never wait on it, and refuse a locked
 * user before any hashing.  Which slot matched is kept with the token's
 * id and generation; under the lock the attempt only checks those are
 * unchanged and the slot unspent.  Nothing here decides the attempt or
 * writes.
 */
static enum mfa_err
backup_prematch(const struct mfa_conf *conf, struct mfa_store *store,
    const struct auth_request *req, struct auth_result *res,
    struct backup_pre *pre)
{
	char digits[BACKUP_LEN_NEW + 1];
	struct mfa_token tok;
	enum mfa_err rc;

	memset(pre, 0, sizeof(*pre));
	/* Shorter replies are one-time codes: no extra read for them. */
	if (req->code_len < BACKUP_LEN_IMPORTED)
		return MFA_OK;
	if ((rc = store_token_meta(store, req->user, &tok)) != MFA_OK)
		return rc;
	pre->is_backup = !(tok.flags & TOKEN_F_PENDING) &&
	    tok.backup_count > 0 && backup_parse(req->code, req->code_len,
	    tok.backup_len, 0, digits);
	if (!pre->is_backup) {
		token_wipe(&tok);
		return MFA_OK;
	}
	rc = auth_check_locked(conf, store, req->user, req->now, res);
	/* The hashes are sealed with the secret (token.h). */
	if (rc == MFA_OK)
		rc = store_unseal(store, req->user, &tok);
	if (rc == MFA_OK) {
		/* Spent or not: the state, under the lock, says. */
		rc = backup_match(&tok, 0, digits, &pre->slot);
		pre->matched = rc == MFA_OK;
		if (rc == MFA_EBADCODE)
			rc = MFA_OK;
	}
	pre->token_id = tok.id;
	pre->gen = tok.backup_gen;
	crypto_wipe(digits, sizeof(digits));
	token_wipe(&tok);
	return rc;
}

/* Under the lock: the backup code's verdict, from the match made before
 * it if the token is still the one matched, else matched again (tok then
 * opened by the caller). */
static enum mfa_err
backup_verdict(const struct mfa_token *tok, const struct mfa_state *st,
    const struct auth_request *req, const struct backup_pre *pre,
    unsigned *slot)
{
	char digits[BACKUP_LEN_NEW + 1];
	enum mfa_err rc;

	*slot = pre->slot;
	if (tok->id == pre->token_id && tok->backup_gen == pre->gen) {
		if (!pre->matched)
			return MFA_EBADCODE;
		return st->backup_used & (1U << pre->slot) ? MFA_EREPLAY :
		    MFA_OK;
	}
	/* New codes since (rare): match them here. */
	if (tok->backup_count == 0 || !backup_parse(req->code, req->code_len,
	    tok->backup_len, 0, digits))
		return MFA_EBADCODE;
	rc = backup_match(tok, st->backup_used, digits, slot);
	crypto_wipe(digits, sizeof(digits));
	return rc;
}

/*
 * How many times an attempt runs again after a shared store's
 * MFA_ECONFLICT (store.h): each conflict means another attempt on the user
 * was saved, so this bounds the attempts that can overtake this one; the
 * store's deadline bounds the time.
 */
#define AUTH_RETRIES	32

/* One run of an attempt: the verdict only once its state is saved. */
static enum mfa_err
attempt_once(const struct mfa_conf *conf, struct mfa_store *store,
    const struct auth_request *req, const struct lockout_policy *pp,
    const struct backup_pre *ppre, struct auth_result *res)
{
	struct otp_params params = { conf->window, conf->hotp_lookahead };
	struct lockout_policy policy = *pp;
	struct backup_pre pre = *ppre;
	struct mfa_token tok;
	struct mfa_state st;
	struct mfa_txn *txn;
	enum mfa_err rc, vrc;
	uint64_t matched = 0;
	unsigned slot = 0;

	memset(res, 0, sizeof(*res));
	if ((rc = store_begin(store, req->user, &tok, &st, &txn)) != MFA_OK)
		return rc;
	if (tok.flags & TOKEN_F_PENDING) {
		rc = MFA_ENOTENROLLED;
		goto out_abort;
	}
	/* The uid as read; the unseal below authenticates it (token.h). */
	if (req->acct == NULL) {
		rc = MFA_EINTERNAL;
		goto out_abort;
	}
	if ((rc = account_token_check(req->acct, &tok)) != MFA_OK)
		goto out_abort;
	if (lockout_locked(&policy, &st, req->now)) {
		res->fail_count = st.fail_count;
		res->locked_until = st.locked_until;
		res->lock_step = st.lock_step;
		rc = MFA_ELOCKED;
		goto out_abort;
	}
	/* The clock decides a TOTP code only: HOTP and backup codes
	 * don't depend on it.  Nothing is counted: the user is not at
	 * fault. */
	if (req->clock_unsynced && !pre.is_backup && tok.type == MFA_TOTP) {
		rc = MFA_EUNSYNCED;
		goto out_abort;
	}
	if (pre.is_backup) {
		/* New codes since the match (rare): open them here. */
		if ((tok.id != pre.token_id || tok.backup_gen != pre.gen) &&
		    (rc = store_unseal(store, req->user, &tok)) != MFA_OK)
			goto out_abort;
		vrc = backup_verdict(&tok, &st, req, &pre, &slot);
	} else {
		/* Not locked: only now is the secret decrypted. */
		if ((rc = store_unseal(store, req->user, &tok)) != MFA_OK)
			goto out_abort;
		vrc = otp_verify(&tok, &params, req->code, req->code_len,
		    req->now, st.next_step, &matched);
	}
	switch (vrc) {
	case MFA_OK:
		if (pre.is_backup) {
			st.backup_used |= 1U << slot;
			res->backup = 1;
			res->backup_left = backup_left(&tok, st.backup_used);
		} else {
			st.next_step = matched + 1;
		}
		lockout_success(&st, req->now, req->rhost);
		res->token_id = tok.id;
		break;
	case MFA_EINPUT:	/* digits, but not as many as enrolled */
		vrc = MFA_EBADCODE;
		/* FALLTHROUGH */
	case MFA_EBADCODE:
	case MFA_EREPLAY:
		res->locked_now = lockout_fail(&policy, &st, req->now);
		res->locked_until = st.locked_until;
		res->lock_step = st.lock_step;
		break;
	default:
		rc = vrc;
		goto out_abort;
	}
	res->fail_count = st.fail_count;
	token_wipe(&tok);
	/* A success or failure that can't be saved is an error. */
	if ((rc = store_commit(txn, &st)) != MFA_OK)
		return rc;
	return vrc;

out_abort:
	token_wipe(&tok);
	store_abort(txn);
	return rc;
}

/*
 * A shared store's conflict (another gateway's attempt saved first) runs
 * the attempt again on the state that attempt left: a code is accepted
 * at most once and every failure counts, across gateways, and no verdict
 * is returned before its state is saved.
 */
static enum mfa_err
attempt_active(const struct mfa_conf *conf, struct mfa_store *store,
    const struct auth_request *req, struct auth_result *res)
{
	struct lockout_policy policy;
	struct backup_pre pre;
	enum mfa_err rc;
	unsigned tries = 0;

	auth_policy(conf, &policy);
	/* The backup code's hashing (CPU, before any lock) is not the
	 * store's time: the attempt's deadline starts after it. */
	if ((rc = backup_prematch(conf, store, req, res, &pre)) == MFA_OK) {
		store_deadline_start(store);
		do
			rc = attempt_once(conf, store, req, &policy, &pre,
			    res);
		while (rc == MFA_ECONFLICT && ++tries < AUTH_RETRIES);
		store_deadline_end(store);
	}
	return rc;
}

enum mfa_err
auth_attempt(const struct mfa_conf *conf, struct mfa_store *store,
    const struct auth_request *req, struct auth_result *res)
{
	enum mfa_err rc;

	memset(res, 0, sizeof(*res));
	if (!auth_code_wellformed(req->code, req->code_len))
		return MFA_EINPUT;
	if (req->now <= 0)
		return MFA_ECLOCK;
	/* A throttled source: refused before any code, any user's lock. */
	if ((rc = throttle_check(conf, store, req->rhost, req->now,
	    &res->source)) != MFA_OK)
		return rc;
	rc = attempt_active(conf, store, req, res);
	/* No active token: the first login may activate a pending one.  A
	 * token made active meanwhile (a login racing with this code, an
	 * admin) takes the attempt: the code is then a replay, or wrong. */
	if (rc == MFA_ENOTENROLLED && conf->enroll_at_login &&
	    (rc = pending_login(conf, store, req, res)) == MFA_EEXIST)
		rc = attempt_active(conf, store, req, res);
	/* Once per attempt, a pending token's wrong code included. */
	throttle_count(conf, store, req->rhost, req->now, rc, &res->source);
	return rc;
}

/*
 * Begin a transaction on an enrolled user's state, for the steps that
 * check no code.  MFA_ELOCKED (transaction ended, res filled) if locked.
 */
static enum mfa_err
begin_unlocked(const struct mfa_conf *conf, struct mfa_store *store,
    const char *user, int64_t now, struct auth_result *res,
    struct lockout_policy *policy, struct mfa_state *st, struct mfa_txn **txn)
{
	struct mfa_token tok;
	enum mfa_err rc;

	memset(res, 0, sizeof(*res));
	if (now <= 0)
		return MFA_ECLOCK;
	auth_policy(conf, policy);
	if ((rc = store_begin(store, user, &tok, st, txn)) != MFA_OK)
		return rc;
	token_wipe(&tok);
	res->fail_count = st->fail_count;
	res->locked_until = st->locked_until;
	res->lock_step = st->lock_step;
	if (lockout_locked(policy, st, now)) {
		store_abort(*txn);
		return MFA_ELOCKED;
	}
	return MFA_OK;
}

enum mfa_err
auth_token_owner(struct mfa_store *store, const struct mfa_account *acct)
{
	struct mfa_token tok;
	enum mfa_err rc;

	rc = store_token_meta(store, acct->name, &tok);
	if (rc == MFA_OK)
		rc = account_token_check(acct, &tok);
	token_wipe(&tok);
	return rc == MFA_ENOTENROLLED ? MFA_OK : rc;
}

enum mfa_err
auth_check_locked(const struct mfa_conf *conf, struct mfa_store *store,
    const char *user, int64_t now, struct auth_result *res)
{
	struct lockout_policy policy;
	struct mfa_state st;
	struct mfa_txn *txn;
	enum mfa_err rc;

	rc = begin_unlocked(conf, store, user, now, res, &policy, &st, &txn);
	if (rc == MFA_OK)
		store_abort(txn);
	return rc;
}

static enum mfa_err
fail_password_once(const struct mfa_conf *conf, struct mfa_store *store,
    const char *user, int64_t now, struct auth_result *res)
{
	struct lockout_policy policy;
	struct mfa_state st;
	struct mfa_txn *txn;
	enum mfa_err rc;

	rc = begin_unlocked(conf, store, user, now, res, &policy, &st, &txn);
	if (rc != MFA_OK)
		return rc;
	res->locked_now = lockout_fail(&policy, &st, now);
	res->fail_count = st.fail_count;
	res->locked_until = st.locked_until;
	res->lock_step = st.lock_step;
	if ((rc = store_commit(txn, &st)) != MFA_OK)
		return rc;
	return MFA_EPASSWORD;
}

enum mfa_err
auth_fail_password(const struct mfa_conf *conf, struct mfa_store *store,
    const char *user, const char *rhost, int64_t now,
    struct auth_result *res)
{
	enum mfa_err rc;
	unsigned tries = 0;

	memset(res, 0, sizeof(*res));
	if (now <= 0)
		return MFA_ECLOCK;
	if ((rc = throttle_check(conf, store, rhost, now, &res->source)) !=
	    MFA_OK)
		return rc;
	store_deadline_start(store);
	do
		rc = fail_password_once(conf, store, user, now, res);
	while (rc == MFA_ECONFLICT && ++tries < AUTH_RETRIES);
	store_deadline_end(store);
	throttle_count(conf, store, rhost, now, rc, &res->source);
	return rc;
}

static enum mfa_err
confirm_once(const struct mfa_conf *conf, struct mfa_store *store,
    const char *user, const struct mfa_token *pending, const char *code,
    size_t len, int64_t now, uint64_t *matched, struct auth_result *res)
{
	struct otp_params params = { conf->window, conf->hotp_lookahead };
	struct lockout_policy policy;
	struct mfa_state st;
	struct mfa_txn *txn;
	enum mfa_err rc, vrc;

	memset(res, 0, sizeof(*res));
	*matched = 0;
	if (now <= 0)
		return MFA_ECLOCK;
	auth_policy(conf, &policy);
	if ((rc = store_begin_state(store, user, &st, &txn)) != MFA_OK)
		return rc;
	res->fail_count = st.fail_count;
	res->locked_until = st.locked_until;
	if (lockout_locked(&policy, &st, now)) {
		store_abort(txn);
		return MFA_ELOCKED;
	}
	vrc = otp_verify(pending, &params, code, len, now,
	    pending->type == MFA_HOTP ? pending->counter : 0, matched);
	if (vrc != MFA_OK && vrc != MFA_EBADCODE && vrc != MFA_EINPUT &&
	    vrc != MFA_EREPLAY) {
		store_abort(txn);
		return vrc;
	}
	if (vrc != MFA_OK) {
		res->locked_now = lockout_fail(&policy, &st, now);
		res->fail_count = st.fail_count;
		res->locked_until = st.locked_until;
	}
	/* Written whatever the verdict, and no verdict without the write: a
	 * caller who makes writes fail learns nothing and gets no guess. */
	if ((rc = store_commit(txn, &st)) != MFA_OK) {
		*matched = 0;
		return rc;
	}
	return vrc == MFA_OK ? MFA_OK : MFA_EBADCODE;
}

enum mfa_err
auth_confirm(const struct mfa_conf *conf, struct mfa_store *store,
    const char *user, const struct mfa_token *pending, const char *code,
    size_t len, int64_t now, uint64_t *matched, struct auth_result *res)
{
	enum mfa_err rc;
	unsigned tries = 0;

	store_deadline_start(store);
	do
		rc = confirm_once(conf, store, user, pending, code, len, now,
		    matched, res);
	while (rc == MFA_ECONFLICT && ++tries < AUTH_RETRIES);
	store_deadline_end(store);
	return rc;
}
