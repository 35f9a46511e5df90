/*
 * resync.h - pam-mfa resync: two consecutive codes from a user's token,
 * searched for in a bounded range, move an HOTP token's counter past the
 * look-ahead, or record a TOTP token's offset (token.h), which every
 * later TOTP check of that token applies.  Only ever at an admin's
 * command: a login never learns an offset.  No logging; the CLI reports.
 */
#ifndef MFA_RESYNC_H
#define MFA_RESYNC_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "mfa.h"
#include "store.h"
#include "token.h"

struct mfa_account;

/* HOTP: counters searched past the replay floor (the floor included). */
#define RESYNC_HOTP_MAX		10000
/* TOTP: offsets searched, in periods either way of the host's step. */
#define RESYNC_TOTP_MAX		TOKEN_OFFSET_MAX

/*
 * Where code1 then code2 (each tok->digits digits) are consecutive codes
 * of tok (secret in clear): HOTP, a counter c in [floor, floor +
 * RESYNC_HOTP_MAX] with code1 at c and code2 at c + 1, the lowest; TOTP,
 * a step s with code1 at s and code2 at s + 1, s at least floor, and s + 1
 * at most RESYNC_TOTP_MAX periods from the host's step at now, the
 * nearest to it.  On MFA_OK *second is the counter or step of code2 and,
 * for TOTP, *offset the periods from the host's step to it.  MFA_EBADCODE:
 * no such pair (codes below the floor are spent and never match);
 * MFA_EINPUT: not codes of the token's length.  Every candidate is
 * computed and compared in constant time, matched or not.  Pure.
 */
enum mfa_err resync_search(const struct mfa_token *tok, const char *code1,
    size_t len1, const char *code2, size_t len2, int64_t now,
    uint64_t floor, uint64_t *second, int32_t *offset);

struct resync_result {
	enum mfa_otp_type type;
	int32_t offset_old;	/* TOTP: the offset before, and after */
	int32_t offset;
	uint64_t floor_old;	/* the replay floor before, and after */
	uint64_t floor;
	uint32_t fail_count;	/* as lockout: after a wrong pair */
	int locked_now;
	int64_t locked_until;
};

/*
 * Resynchronise user's active token (the account acct's) with code1 and
 * code2, as one attempt on the user's state: refused while the user is
 * locked (MFA_ELOCKED, no write); a pair that is not found counts as one
 * failed login (MFA_EBADCODE once saved), so that nobody can search for
 * codes through it; a pair found spends both codes (the replay floor
 * moves past code2, never back) and, for TOTP, then records the offset
 * in the token (store_install: the same token, its floor kept).
 * MFA_ENOTENROLLED without an active token; MFA_EUNSYNCED for a TOTP
 * token with unsynced set (clock_unsynced: an offset measured against a
 * clock the kernel calls unsynchronised would carry its error), nothing
 * counted or written.
 */
enum mfa_err resync_run(const struct mfa_conf *conf, struct mfa_store *store,
    const char *user, const struct mfa_account *acct, const char *code1,
    size_t len1, const char *code2, size_t len2, int64_t now, int unsynced,
    struct resync_result *res);

#endif
