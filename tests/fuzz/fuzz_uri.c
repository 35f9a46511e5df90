/*
 * fuzz_uri.c - uri_otpauth with a fuzzed token, issuer and account: the
 * URI holds no byte outside the RFC 3986 unreserved set and its fixed
 * separators, and parses back to the same issuer, account, secret and
 * parameters; an issuer and account the config and user.h allow always
 * fit.  Input: flags, secret length, HOTP counter[8], secret[64], then
 * issuer NUL account.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "otp.h"
#include "token.h"
#include "uri.h"
#include "user.h"

#define HDR_SIZE	(2 + 8 + MFA_SECRET_MAX)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~';
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;		/* lower case is not what pct_append writes */
}

/* 1 if the n bytes at s percent-decode to exactly want. */
static int
pct_equal(const char *s, size_t n, const char *want)
{
	size_t i, o = 0, wlen = strlen(want);
	int hi, lo;

	for (i = 0; i < n; i++, o++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '%') {
			if (i + 2 >= n || (hi = hexval(s[i + 1])) < 0 ||
			    (lo = hexval(s[i + 2])) < 0)
				return 0;
			c = (unsigned char)(hi << 4 | lo);
			/* Unreserved bytes are never encoded. */
			if (unreserved(c))
				return 0;
			i += 2;
		} else if (!unreserved(c)) {
			return 0;
		}
		if (o >= wlen || (unsigned char)want[o] != c)
			return 0;
	}
	return o == wlen;
}

/* 1 if query (up to its end) is exactly the parameters tok calls for. */
static int
query_ok(const char *q, const struct mfa_token *tok, const char *issuer)
{
	static const char *const keys[] = { "secret", "issuer", "algorithm",
	    "digits", "period", "counter" };
	char want[6][32];
	const char *vals[6] = { NULL };
	size_t vlen[6] = { 0 };
	char *b32 = NULL;
	const char *p, *amp, *eq;
	size_t k, n;
	int ok = 0;

	if (otp_secret_base32(tok, &b32) != MFA_OK)
		abort();
	for (p = q; *p != '\0'; p = *amp != '\0' ? amp + 1 : amp) {
		if ((amp = strchr(p, '&')) == NULL)
			amp = p + strlen(p);
		if ((eq = memchr(p, '=', (size_t)(amp - p))) == NULL)
			goto out;
		for (k = 0; k < 6; k++)
			if (strlen(keys[k]) == (size_t)(eq - p) &&
			    memcmp(p, keys[k], (size_t)(eq - p)) == 0)
				break;
		if (k == 6 || vals[k] != NULL)
			goto out;
		vals[k] = eq + 1;
		vlen[k] = (size_t)(amp - eq - 1);
	}
	snprintf(want[2], sizeof(want[2]), "%s", token_algo_name(tok->algo));
	snprintf(want[3], sizeof(want[3]), "%u", tok->digits);
	snprintf(want[4], sizeof(want[4]), "%u", tok->period);
	snprintf(want[5], sizeof(want[5]), "%llu",
	    (unsigned long long)tok->counter);
	if (vals[0] == NULL || vlen[0] != strlen(b32) ||
	    memcmp(vals[0], b32, vlen[0]) != 0)
		goto out;
	if (vals[1] == NULL || !pct_equal(vals[1], vlen[1], issuer))
		goto out;
	for (k = 2; k < 6; k++) {
		/* period for TOTP, counter for HOTP, never both. */
		if ((k == 4 && tok->type != MFA_TOTP) ||
		    (k == 5 && tok->type != MFA_HOTP)) {
			if (vals[k] != NULL)
				goto out;
			continue;
		}
		n = strlen(want[k]);
		if (vals[k] == NULL || vlen[k] != n ||
		    memcmp(vals[k], want[k], n) != 0)
			goto out;
	}
	ok = 1;
out:
	crypto_wipe(b32, strlen(b32));
	free(b32);
	return ok;
}

static void
check_uri(const char *uri, const struct mfa_token *tok, const char *issuer,
    const char *account)
{
	const char *prefix = tok->type == MFA_TOTP ? "otpauth://totp/" :
	    "otpauth://hotp/";
	const char *label, *colon, *q, *p;

	for (p = uri; *p != '\0'; p++)
		if (!unreserved((unsigned char)*p) &&
		    strchr(":/?&=%", *p) == NULL)
			abort();
	if (strncmp(uri, prefix, strlen(prefix)) != 0)
		abort();
	label = uri + strlen(prefix);
	if ((q = strchr(label, '?')) == NULL || strchr(q + 1, '?') != NULL)
		abort();
	/* The label is issuer:account, each encoded, one raw ':'. */
	if ((colon = memchr(label, ':', (size_t)(q - label))) == NULL ||
	    memchr(colon + 1, ':', (size_t)(q - colon - 1)) != NULL ||
	    memchr(label, '/', (size_t)(q - label)) != NULL ||
	    memchr(label, '&', (size_t)(q - label)) != NULL ||
	    memchr(label, '=', (size_t)(q - label)) != NULL)
		abort();
	if (!pct_equal(label, (size_t)(colon - label), issuer) ||
	    !pct_equal(colon + 1, (size_t)(q - colon - 1), account))
		abort();
	if (!query_ok(q + 1, tok, issuer))
		abort();
}

/* What conf.c accepts as an issuer: 1..64 bytes, no control, no ':'. */
static int
issuer_allowed(const char *s)
{
	size_t n = strlen(s), i;

	if (n < 1 || n > 64)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f || s[i] == ':')
			return 0;
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char hdr[HDR_SIZE] = { 0 };
	struct mfa_token tok;
	const uint8_t *rest, *nul;
	char *issuer, *account, *uri = NULL;
	size_t rlen, ilen, alen;
	enum mfa_err rc;
	unsigned i;

	memcpy(hdr, data, size < HDR_SIZE ? size : HDR_SIZE);
	rest = data + (size < HDR_SIZE ? size : HDR_SIZE);
	rlen = size - (size_t)(rest - data);
	nul = memchr(rest, '\0', rlen);
	ilen = nul != NULL ? (size_t)(nul - rest) : rlen;
	alen = nul != NULL ? strnlen((const char *)nul + 1,
	    rlen - ilen - 1) : 0;
	if ((issuer = strndup((const char *)rest, ilen)) == NULL ||
	    (account = strndup(nul != NULL ? (const char *)nul + 1 : "",
	    alen)) == NULL)
		abort();

	memset(&tok, 0, sizeof(tok));
	tok.id = 1;
	tok.type = hdr[0] & 1 ? MFA_HOTP : MFA_TOTP;
	tok.algo = (enum mfa_algo)(1 + (hdr[0] >> 1 & 3));	/* 4: bad */
	tok.digits = hdr[0] & 8 ? 8 : 6;
	tok.period = hdr[0] & 16 ? 60 : 30;
	tok.secret_len = MFA_SECRET_MIN +
	    hdr[1] % (MFA_SECRET_MAX - MFA_SECRET_MIN + 1);
	for (i = 0; i < 8; i++)
		tok.counter |= (uint64_t)hdr[2 + i] << (8 * i);
	memcpy(tok.secret, hdr + 10, MFA_SECRET_MAX);

	rc = uri_otpauth(issuer, account, &tok, &uri);
	if (rc == MFA_OK) {
		if (uri == NULL)
			abort();
		check_uri(uri, &tok, issuer, account);
		crypto_wipe(uri, strlen(uri));
		free(uri);
	} else if (uri != NULL || (token_check(&tok) == MFA_OK &&
	    issuer_allowed(issuer) && user_valid(account, strlen(account)))) {
		abort();
	}
	token_wipe(&tok);
	crypto_wipe(hdr, sizeof(hdr));
	free(issuer);
	free(account);
	return 0;
}
