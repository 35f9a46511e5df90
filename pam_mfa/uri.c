/*
 * uri.c - otpauth:// Key URI construction; see uri.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "otp.h"
#include "uri.h"

#define URI_MAX 1024

/* Append s percent-encoded (RFC 3986 unreserved kept) at *pos. */
static int
pct_append(char *buf, size_t *pos, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (*pos + 4 >= URI_MAX)
			return -1;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~') {
			buf[(*pos)++] = (char)c;
		} else {
			buf[(*pos)++] = '%';
			buf[(*pos)++] = hex[c >> 4];
			buf[(*pos)++] = hex[c & 15];
		}
	}
	buf[*pos] = '\0';
	return 0;
}

static int
raw_append(char *buf, size_t *pos, const char *s)
{
	size_t n = strlen(s);

	if (*pos + n >= URI_MAX)
		return -1;
	memcpy(buf + *pos, s, n + 1);
	*pos += n;
	return 0;
}

enum mfa_err
uri_otpauth(const char *issuer, const char *account,
    const struct mfa_token *tok, char **out)
{
	char tail[96];
	char *buf, *b32 = NULL;
	size_t pos = 0;
	enum mfa_err rc;
	int bad = 0;

	*out = NULL;
	if ((rc = token_check(tok)) != MFA_OK)
		return rc;
	if ((buf = malloc(URI_MAX)) == NULL)
		return MFA_ENOMEM;
	if ((rc = otp_secret_base32(tok, &b32)) != MFA_OK) {
		free(buf);
		return rc;
	}
	if (tok->type == MFA_TOTP)
		snprintf(tail, sizeof(tail), "&algorithm=%s&digits=%u&period=%u",
		    token_algo_name(tok->algo), tok->digits, tok->period);
	else
		snprintf(tail, sizeof(tail), "&algorithm=%s&digits=%u&counter=%llu",
		    token_algo_name(tok->algo), tok->digits,
		    (unsigned long long)tok->counter);
	bad |= raw_append(buf, &pos, tok->type == MFA_TOTP ?
	    "otpauth://totp/" : "otpauth://hotp/");
	bad |= pct_append(buf, &pos, issuer);
	bad |= raw_append(buf, &pos, ":");
	bad |= pct_append(buf, &pos, account);
	bad |= raw_append(buf, &pos, "?secret=");
	bad |= raw_append(buf, &pos, b32);
	bad |= raw_append(buf, &pos, "&issuer=");
	bad |= pct_append(buf, &pos, issuer);
	bad |= raw_append(buf, &pos, tail);
	crypto_wipe(b32, strlen(b32));
	free(b32);
	if (bad) {
		crypto_wipe(buf, URI_MAX);
		free(buf);
		return MFA_EINTERNAL;
	}
	*out = buf;
	return MFA_OK;
}
