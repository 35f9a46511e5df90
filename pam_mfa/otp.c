/*
 * otp.c - code verification over liboath; see otp.h.
 */
#include "config.h"

#include <liboath/oath.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "otp.h"

#define OTP_WINDOW_MAX		10
#define OTP_LOOKAHEAD_MAX	1000

int
otp_code_wellformed(const struct mfa_token *tok, const char *code, size_t len)
{
	size_t i;

	if (code == NULL || len != tok->digits)
		return 0;
	for (i = 0; i < len; i++)
		if (code[i] < '0' || code[i] > '9')
			return 0;
	return 1;
}

enum mfa_err
otp_secret_base32(const struct mfa_token *tok, char **out)
{
	size_t len = 0;
	char *b32 = NULL;

	*out = NULL;
	if (oath_init() != OATH_OK)
		return MFA_ECRYPTO;
	if (oath_base32_encode((const char *)tok->secret, tok->secret_len,
	    &b32, &len) != OATH_OK || b32 == NULL)
		return MFA_ENOMEM;
	while (len > 0 && b32[len - 1] == '=')
		b32[--len] = '\0';
	*out = b32;
	return MFA_OK;
}

enum mfa_err
otp_secret_decode(const char *text, size_t len, int base32,
    unsigned char out[MFA_SECRET_MAX], size_t *outlen)
{
	char buf[2 * MFA_SECRET_MAX + 1], *bin = NULL;
	size_t binlen = 0;
	int rc;

	*outlen = 0;
	if (oath_init() != OATH_OK)
		return MFA_ECRYPTO;
	if (base32) {
		/* liboath takes padding; 64 bytes are 104 characters. */
		if (len > 2 * MFA_SECRET_MAX)
			return MFA_EINPUT;
		rc = oath_base32_decode(text, len, &bin, &binlen);
		if (rc == OATH_OK && bin != NULL && binlen > 0 &&
		    binlen <= MFA_SECRET_MAX) {
			memcpy(out, bin, binlen);
			*outlen = binlen;
		}
		if (bin != NULL) {
			crypto_wipe(bin, binlen);
			free(bin);
		}
		return *outlen > 0 ? MFA_OK : MFA_EINPUT;
	}
	if (len == 0 || len % 2 != 0 || len > 2 * MFA_SECRET_MAX)
		return MFA_EINPUT;
	memcpy(buf, text, len);
	buf[len] = '\0';
	binlen = MFA_SECRET_MAX;
	rc = oath_hex2bin(buf, (char *)out, &binlen);
	crypto_wipe(buf, sizeof(buf));
	if (rc != OATH_OK || binlen != len / 2) {
		crypto_wipe(out, MFA_SECRET_MAX);
		return MFA_EINPUT;
	}
	*outlen = binlen;
	return MFA_OK;
}

uint64_t
otp_step(const struct mfa_token *tok, int64_t now)
{
	if (now < 0 || tok->period == 0)
		return 0;
	return (uint64_t)now / tok->period;
}

enum mfa_err
otp_generate(const struct mfa_token *tok, uint64_t step,
    char out[MFA_CODE_MAX + 1])
{
	int flags = 0;
	int rc;

	memset(out, 0, MFA_CODE_MAX + 1);
	if (token_check(tok) != MFA_OK)
		return MFA_EINTERNAL;
	/* Required by the API; with liboath's built-in crypto it is cheap
	 * and idempotent.  oath_done() is never called: another module in
	 * the same process (pam_oath) may be using liboath. */
	if (oath_init() != OATH_OK)
		return MFA_ECRYPTO;
	if (tok->type == MFA_HOTP) {
		rc = oath_hotp_generate((const char *)tok->secret,
		    tok->secret_len, step, tok->digits, false,
		    OATH_HOTP_DYNAMIC_TRUNCATION, out);
	} else {
		if (step > (uint64_t)INT64_MAX / tok->period)
			return MFA_EINTERNAL;
		if (tok->algo == MFA_SHA256)
			flags = OATH_TOTP_HMAC_SHA256;
		else if (tok->algo == MFA_SHA512)
			flags = OATH_TOTP_HMAC_SHA512;
		rc = oath_totp_generate2((const char *)tok->secret,
		    tok->secret_len, (time_t)(step * tok->period),
		    tok->period, 0, tok->digits, flags, out);
	}
	if (rc != OATH_OK) {
		crypto_wipe(out, MFA_CODE_MAX + 1);
		return MFA_ECRYPTO;
	}
	return MFA_OK;
}

/*
 * Compare code with the codes of steps lo..hi (lo <= hi), every one of
 * them, so that the time taken does not tell where a match was; *found,
 * and *at the lowest step that matched.
 */
static enum mfa_err
otp_match(const struct mfa_token *tok, const char *code, uint64_t lo,
    uint64_t hi, bool *found, uint64_t *at)
{
	char cand[MFA_CODE_MAX + 1];
	enum mfa_err rc;
	uint64_t s;

	*found = false;
	for (s = lo;; s++) {
		int eq;

		if ((rc = otp_generate(tok, s, cand)) != MFA_OK)
			break;
		eq = crypto_equal(cand, code, tok->digits);
		if (eq && !*found) {
			*found = true;
			*at = s;
		}
		if (s == hi)
			break;
	}
	crypto_wipe(cand, sizeof(cand));
	return rc;
}

enum mfa_err
otp_verify(const struct mfa_token *tok, const struct otp_params *p,
    const char *code, size_t len, int64_t now, uint64_t next_step,
    uint64_t *matched)
{
	enum mfa_err rc;
	uint64_t first, last, below;
	bool ok = false, replay = false;

	*matched = 0;
	if (!otp_code_wellformed(tok, code, len))
		return MFA_EINPUT;
	if (p->window > OTP_WINDOW_MAX || p->lookahead > OTP_LOOKAHEAD_MAX)
		return MFA_EINTERNAL;
	if (tok->type == MFA_TOTP) {
		uint64_t t;

		if (now <= 0)
			return MFA_ECLOCK;
		t = otp_step(tok, now);
		/* The token's own step: the host's, moved by its resync. */
		if (tok->totp_offset < 0 &&
		    t < (uint64_t)-(int64_t)tok->totp_offset)
			return MFA_ECLOCK;
		t = (uint64_t)((int64_t)t + tok->totp_offset);
		first = t >= p->window ? t - p->window : 0;
		last = t + p->window;
	} else {
		/*
		 * HOTP: counters from the floor to floor + lookahead are
		 * acceptable, and a failure never moves the floor.  As many
		 * below it are computed only to name a replay as such.
		 */
		if (next_step > UINT64_MAX - p->lookahead)
			return MFA_EINTERNAL;
		first = next_step >= p->lookahead ? next_step - p->lookahead : 0;
		last = next_step + p->lookahead;
	}

	/*
	 * The acceptable steps (from the floor up) first, all of them; the
	 * steps below the floor only if none matched, to name a replay.  So
	 * a valid code costs the acceptable steps' codes alone, and whether
	 * it was valid is all the time taken tells (as the answer does).
	 */
	if (last >= next_step && (rc = otp_match(tok, code,
	    first > next_step ? first : next_step, last, &ok,
	    matched)) != MFA_OK)
		goto out;
	if (!ok && first < next_step && (rc = otp_match(tok, code, first,
	    last < next_step ? last : next_step - 1, &replay,
	    &below)) != MFA_OK)
		goto out;
	rc = ok ? MFA_OK : replay ? MFA_EREPLAY : MFA_EBADCODE;
out:
	if (rc != MFA_OK)
		*matched = 0;
	return rc;
}
