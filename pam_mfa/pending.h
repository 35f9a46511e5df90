/*
 * pending.h - a pending token's end: expiry after pending_lifetime, and
 * activation by a code from it, the one path for `pam-mfa enroll -C` and
 * for the first login (enroll_at_login).  No PAM, no logging, no prompt.
 */
#ifndef MFA_PENDING_H
#define MFA_PENDING_H

#include <stddef.h>
#include <stdint.h>

#include "account.h"
#include "auth.h"
#include "backup.h"
#include "conf.h"
#include "mfa.h"
#include "store.h"
#include "token.h"

/* Whether tok, a pending token, has outlived pending_lifetime at now
 * (its creation time is sealed with it: token.h).  0: it never does. */
int pending_expired(const struct mfa_conf *conf, const struct mfa_token *tok,
    int64_t now);

/*
 * Activate the pending token tok (secret in clear) with code: refused
 * with MFA_EEXPIRED (nothing checked, nothing written) once it has
 * expired; the code checked and counted as one login (auth_confirm:
 * MFA_ELOCKED, MFA_EBADCODE); then tok made the active token with nbackup
 * new backup codes (into codes[], for the caller to show and wipe) if the
 * active token is still expect_id (0: none), else MFA_EEXIST, and with
 * its replay floor past the step the code matched, so that the code
 * can't be used again (store_install).  *confirmed: the code was right,
 * whatever the install returned (the caller may find the token installed
 * though its state was not written).
 */
enum mfa_err pending_activate(const struct mfa_conf *conf,
    struct mfa_store *store, const char *user, struct mfa_token *tok,
    uint64_t expect_id, const char *code, size_t len, int64_t now,
    unsigned nbackup, char codes[][BACKUP_TEXT_MAX + 1], int *confirmed,
    struct auth_result *res);

/*
 * The first login of a user without an active token (auth_attempt, with
 * enroll_at_login): the pending token's code activates it with no backup
 * codes (the user makes them later: pam-mfa backup-codes), as `enroll -C`
 * would; res->activated on success.  MFA_ENOTENROLLED if the user has no
 * pending token, MFA_EEXPIRED if it has expired, MFA_EEXIST if a token
 * became active meanwhile or the pending token was replaced (auth_attempt
 * then runs the attempt on the active token), MFA_EUID if it was made
 * for another account.
 */
enum mfa_err pending_login(const struct mfa_conf *conf,
    struct mfa_store *store, const struct auth_request *req,
    struct auth_result *res);

/*
 * Whether a login of acct should be asked for a code to activate its
 * pending token (enroll_at_login, a pending token of this account not
 * expired as read, unopened): MFA_OK and *digits its code length, or
 * MFA_ENOTENROLLED (the key off, no pending token, expired), or the
 * store's error.  Only a prompt's decision: pending_login checks the
 * opened token again.
 */
enum mfa_err pending_usable(const struct mfa_conf *conf,
    struct mfa_store *store, const struct mfa_account *acct, int64_t now,
    unsigned *digits);

#endif
