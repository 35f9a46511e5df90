/*
 * otp.h - one-time code verification (RFC 4226 HOTP, RFC 6238 TOTP) through
 * liboath.  Pure: the time and the replay floor are arguments, nothing is
 * read or written, nothing is logged.
 */
#ifndef MFA_OTP_H
#define MFA_OTP_H

#include <stddef.h>
#include <stdint.h>

#include "mfa.h"
#include "token.h"

struct otp_params {
	unsigned window;	/* TOTP: steps accepted either side of now */
	unsigned lookahead;	/* HOTP: counters accepted past next_step */
};

/* True if code is exactly tok->digits ASCII digits. */
int otp_code_wellformed(const struct mfa_token *tok, const char *code,
    size_t len);

/*
 * Check code against tok at unix time now (TOTP: the host's step moved by
 * tok->totp_offset, pam-mfa resync's).  Only steps (TOTP) or counters
 * (HOTP) >= next_step are acceptable; on MFA_OK *matched is the lowest
 * acceptable one that matched, and the caller must raise its floor past it.
 * MFA_EREPLAY: the code matches only steps below the floor.  MFA_EBADCODE:
 * no match.  MFA_EINPUT: not a well-formed code.  Every acceptable
 * candidate is computed and compared in constant time, matched or not;
 * those below the floor only when none of them matched (a valid code
 * costs the acceptable ones alone, and the time tells no more than the
 * answer does).
 */
enum mfa_err otp_verify(const struct mfa_token *tok,
    const struct otp_params *p, const char *code, size_t len, int64_t now,
    uint64_t next_step, uint64_t *matched);

/*
 * The code for step (TOTP) or counter (HOTP) into out[MFA_CODE_MAX + 1].
 * Used by the CLI to confirm enrollment and by tests.
 */
enum mfa_err otp_generate(const struct mfa_token *tok, uint64_t step,
    char out[MFA_CODE_MAX + 1]);

/*
 * The secret in RFC 4648 base32 without padding, as authenticator apps
 * take it, in a NUL-terminated string the caller wipes and frees.
 */
enum mfa_err otp_secret_base32(const struct mfa_token *tok, char **out);

/*
 * A secret given as text (import): RFC 4648 base32 (base32 1, padding
 * allowed) or hex, into out.  MFA_EINPUT if it is not valid or longer than
 * MFA_SECRET_MAX bytes; the caller checks the minimum.
 */
enum mfa_err otp_secret_decode(const char *text, size_t len, int base32,
    unsigned char out[MFA_SECRET_MAX], size_t *outlen);

/* The TOTP step containing unix time now. */
uint64_t otp_step(const struct mfa_token *tok, int64_t now);

#endif
