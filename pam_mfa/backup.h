/*
 * backup.h - backup codes: single-use codes for a user without their
 * phone.  Only salted PBKDF2-HMAC-SHA256 hashes are kept, in the token's
 * slots, which the store seals with the secret (token.h); which ones are
 * spent is a bitmap in the state, set under the user's lock, so a code is
 * accepted at most once.
 *
 * A backup code is BACKUP_LEN_NEW (10) digits, shown as two halves joined
 * by a hyphen ("12345-67890"); codes imported from google-authenticator
 * keep their 8 digits ("1234-5678").  A reply is a backup code, with or
 * without the hyphen, when its length is the token's backup length, which
 * is never the length of its one-time codes.  In one-field mode only the
 * hyphenated form is recognised: the hyphen sits where a one-time code
 * would have a digit, so the two never mix.  Pure, apart from the KDF.
 */
#ifndef MFA_BACKUP_H
#define MFA_BACKUP_H

#include <stddef.h>
#include <stdint.h>

#include "mfa.h"
#include "token.h"

#define BACKUP_LEN_NEW		10	/* digits of a generated code */
#define BACKUP_LEN_IMPORTED	8	/* google-authenticator scratch codes */
#define BACKUP_TEXT_MAX		(BACKUP_LEN_NEW + 1)	/* with the hyphen */
#define BACKUP_ITER_DEFAULT	20000	/* PBKDF2 iterations per code */
#define BACKUP_ITER_MIN		1000
#define BACKUP_ITER_MAX		10000000

/*
 * If text[0..len) is a backup code of backup_len digits (hyphenated in the
 * middle, or, when hyphen_only is 0, plain), copy its digits to out
 * (NUL-ended) and return 1; else 0.
 */
int backup_parse(const char *text, size_t len, unsigned backup_len,
    int hyphen_only, char out[BACKUP_LEN_NEW + 1]);

/* The display form of digits: "12345-67890". */
void backup_format(const char *digits, unsigned len,
    char out[BACKUP_TEXT_MAX + 1]);

/*
 * Replace tok's backup codes with n new random ones (n <= TOKEN_BACKUP_MAX)
 * of BACKUP_LEN_NEW digits, under a new generation; codes[i] receives the
 * display form of each.  The caller wipes codes.
 */
enum mfa_err backup_generate(struct mfa_token *tok, unsigned n,
    char codes[][BACKUP_TEXT_MAX + 1]);

/*
 * Replace tok's backup codes with the given digit strings, all of len
 * digits (import).  Each is hashed with a fresh salt.
 */
enum mfa_err backup_set(struct mfa_token *tok, const char *const *digits,
    unsigned n, unsigned len);

/*
 * Check digits (backup_len of them) against every slot.  MFA_OK with *slot
 * if it matches an unused one, MFA_EREPLAY if it matches a spent one
 * (bit i of used), MFA_EBADCODE otherwise.  Every slot is hashed, so the
 * time does not depend on which matched.
 */
enum mfa_err backup_match(const struct mfa_token *tok, uint32_t used,
    const char *digits, unsigned *slot);

/* Unused codes left. */
unsigned backup_left(const struct mfa_token *tok, uint32_t used);

#endif
