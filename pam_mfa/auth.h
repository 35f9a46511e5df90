/*
 * auth.h - one second-factor attempt, from a checked user name and code to
 * a decision, with the store transaction and the lockout around it.  No
 * PAM, no logging: the glue (pam_mfa.c) converses and reports.
 */
#ifndef MFA_AUTH_H
#define MFA_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "lockout.h"
#include "mfa.h"
#include "store.h"
#include "throttle.h"

struct mfa_account;

struct auth_request {
	const char *user;	/* passed user_valid: acct->name */
	const struct mfa_account *acct;	/* account_resolve's: the token
				 * must be this account's (account.h) */
	const char *code;	/* passed auth_code_wellformed; not NUL-ended:
				 * a one-time code or a backup code */
	size_t code_len;
	const char *rhost;	/* PAM_RHOST or NULL, kept for status */
	int64_t now;		/* unix time, read once by the caller */
	int clock_unsynced;	/* clock_unsynced(conf), read with now:
				 * a TOTP code is then refused */
};

struct auth_result {
	uint32_t fail_count;	/* failures counted after this attempt */
	int locked_now;		/* this failure locked the user */
	int64_t locked_until;	/* when locked: until when */
	uint32_t lock_step;	/* locks in a row (state.h) */
	uint64_t token_id;	/* accepted: the id of the token used */
	int backup;		/* accepted a backup code */
	unsigned backup_left;	/* then: unused backup codes left */
	int activated;		/* accepted a pending token's code, which
				 * made it active (pending.h) */
	struct throttle_result source;	/* the source's count (throttle.h) */
};

/*
 * One-field input: the password immediately followed by a code of digits
 * ASCII digits, or by a backup code of backup_len digits (0: none) in its
 * hyphenated form (backup.h).  On success *pw_len is the password's
 * length (at least 1) and the code is field[*pw_len..len).  Pure.
 */
int auth_split_field(const char *field, size_t len, unsigned digits,
    unsigned backup_len, size_t *pw_len);

/* True if code could be a one-time or a backup code (before any token):
 * 1..10 ASCII digits, or 4 or 5 digits, a hyphen and as many again. */
int auth_code_wellformed(const char *code, size_t len);

/* The lockout policy conf sets: every attempt's, and pam-mfa resync's. */
void auth_policy(const struct mfa_conf *conf, struct lockout_policy *p);

/*
 * Run one attempt.  MFA_OK only if the code is valid and unused and the
 * new state was saved.  A reply of the token's backup-code length is
 * checked against its backup codes (res->backup on success), anything
 * else as a one-time code; both count alike for the lockout.  MFA_ELOCKED
 * is returned before any code is checked and without a write, and so is
 * MFA_EUID or MFA_ENOUSER for a token enrolled for another account
 * (account_token_check), and MFA_EUNSYNCED for a TOTP code (not an HOTP
 * or a backup code) with req->clock_unsynced set, before the secret is
 * opened and without counting a failure.  Any error leaves the login
 * denied.  With enroll_at_login, a user without an active token has the
 * code checked against their pending token, which it activates
 * (pending_login).
 * MFA_ESOURCE, before any code is checked and with nothing counted
 * against the user, when req->rhost's source is throttled (throttle.h);
 * a failure is counted against the source (res->source).
 */
enum mfa_err auth_attempt(const struct mfa_conf *conf, struct mfa_store *store,
    const struct auth_request *req, struct auth_result *res);

/*
 * Whether the token of acct->name (if any) belongs to acct: MFA_OK if it
 * does or there is none, MFA_EUID if it records another uid, or the
 * store's error.  For the steps that check no code (preauth, authfail,
 * is the user enrolled), as auth_attempt checks the opened token.
 */
enum mfa_err auth_token_owner(struct mfa_store *store,
    const struct mfa_account *acct);

/*
 * preauth: MFA_ELOCKED if user is locked at now, MFA_OK if not, an error
 * otherwise (MFA_ENOTENROLLED for a user without a token).  No write.
 */
enum mfa_err auth_check_locked(const struct mfa_conf *conf,
    struct mfa_store *store, const char *user, int64_t now,
    struct auth_result *res);

/*
 * authfail: count a failed password as a failed attempt, as a wrong code
 * would be (MFA_EPASSWORD once saved).  A locked user: MFA_ELOCKED and
 * no write, as for a code.  From a throttled source (rhost):
 * MFA_ESOURCE, not counted against the user; otherwise counted against
 * the source too.
 */
enum mfa_err auth_fail_password(const struct mfa_conf *conf,
    struct mfa_store *store, const char *user, const char *rhost,
    int64_t now, struct auth_result *res);

/*
 * Confirm a pending token (secret in clear) with a code from it, as one
 * attempt on the user's state: refused while the user is locked
 * (MFA_ELOCKED, no write), a wrong code counted as a failed login
 * (MFA_EBADCODE once saved), so that nobody can guess their way through
 * the confirmation of a token they were not given.  The state is written
 * whatever the verdict, and no verdict is returned unless the write
 * succeeded.  MFA_OK: *matched is the step or counter the code matched
 * (the caller installs the token, store_install, which takes the lock
 * again).
 */
enum mfa_err auth_confirm(const struct mfa_conf *conf, struct mfa_store *store,
    const char *user, const struct mfa_token *pending, const char *code,
    size_t len, int64_t now, uint64_t *matched, struct auth_result *res);

#endif
