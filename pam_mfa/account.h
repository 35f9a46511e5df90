/*
 * account.h - who a user name names: the account the name service maps it
 * to (every spelling it accepts, "ALICE" or "alice@example.com", reaching
 * one account), and whether a token belongs to that account.  The only
 * file that asks the name service for a user (getpwnam_r); the module, the
 * CLI and the tests all resolve names through account_resolve.
 */
#ifndef MFA_ACCOUNT_H
#define MFA_ACCOUNT_H

#include <stdbool.h>
#include <sys/types.h>

#include "conf.h"
#include "mfa.h"
#include "token.h"

struct mfa_account {
	/* The store's key: the name service's pw_name (user_lookup "nss"),
	 * or the name as given (user_lookup "exact"). */
	char name[MFA_USER_MAX + 1];
	bool known;			/* the name service knows the name */
	uid_t uid;			/* if known */
	gid_t gid;			/* if known: the primary group */
	char pw_name[MFA_USER_MAX + 1];	/* if known: for group lookups */
};

/*
 * Resolve name (which passed user_valid) as lookup says.  "nss": through
 * getpwnam_r, a name it doesn't know is MFA_ENOUSER, a pw_name that fails
 * user_valid MFA_EINPUT; "exact": the name as given, with the uid and
 * groups of the account the name service gives for it if any.  A lookup
 * that fails (not "no such user") is MFA_ENSS; MFA_ENOMEM.  Re-entrant,
 * with a bounded buffer.
 */
enum mfa_err account_resolve(const char *name, enum mfa_user_lookup lookup,
    struct mfa_account *acct);

/*
 * Whether tok (its uid as read: authenticated once unsealed) may be used
 * by acct: MFA_OK for a token that records no uid (written before uids
 * were) or the account's; MFA_EUID for another uid (the name now belongs
 * to another account); MFA_ENOUSER if it records one and the name service
 * no longer knows the name.  Pure.
 */
enum mfa_err account_token_check(const struct mfa_account *acct,
    const struct mfa_token *tok);

/* Record acct's uid in tok (nothing if the name service doesn't know
 * it: the token is then checked by name alone). */
void account_token_bind(const struct mfa_account *acct,
    struct mfa_token *tok);

#endif
