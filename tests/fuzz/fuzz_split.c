/*
 * fuzz_split.c - what a client sends, checked before any file is touched:
 * auth_split_field (one-time and backup codes), auth_code_wellformed and
 * user_valid over any bytes
 * (the first byte picks the code length, 0..9, and the backup code length,
 * none, 8 or 10).  Each must agree with the rule its header states; a
 * split leaves a password of at least one byte and a code of exactly that
 * many ASCII digits or a hyphenated backup code, never both; a valid user
 * name can't leave the state directory.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "mfa.h"
#include "user.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
all_digits(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return 0;
	return 1;
}

/* user.h: 1..MFA_USER_MAX of [A-Za-z0-9._@-], not starting with . or -. */
static int
user_rule(const char *p, size_t n)
{
	size_t i;

	if (n == 0 || n > MFA_USER_MAX || p[0] == '.' || p[0] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._@-", p[i]) == NULL ||
		    p[i] == '\0')
			return 0;
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned blens[3] = { 0, 8, 10 };
	const char *field;
	unsigned digits, blen, half;
	size_t len, pw_len = (size_t)-1;
	int ok, want, want_backup;

	if (size == 0)
		return 0;
	digits = data[0] % 10;
	blen = blens[(data[0] / 10) % 3];
	half = blen / 2;
	field = (const char *)data + 1;
	len = size - 1;

	ok = auth_split_field(field, len, digits, blen, &pw_len);
	want_backup = blen != 0 && len > blen + 1 &&
	    field[len - half - 1] == '-' &&
	    all_digits(field + len - blen - 1, half) &&
	    all_digits(field + len - half, half);
	want = digits >= 1 && digits <= MFA_CODE_MAX && len > digits &&
	    (want_backup || all_digits(field + len - digits, digits));
	if (ok != want)
		abort();
	/* The hyphen can't be a one-time code's digit: never both. */
	if (want_backup && digits >= half + 1 && len > digits &&
	    all_digits(field + len - digits, digits))
		abort();
	if (ok && want_backup && pw_len + blen + 1 != len)
		abort();
	if (ok && !want_backup && (pw_len + digits != len ||
	    !all_digits(field + pw_len, len - pw_len)))
		abort();
	if (ok && (pw_len < 1 ||
	    !auth_code_wellformed(field + pw_len, len - pw_len)))
		abort();
	if (!ok && pw_len != 0)
		abort();

	want = (len >= 1 && len <= 10 && all_digits(field, len)) ||
	    ((len == 9 || len == 11) && field[len / 2] == '-' &&
	    all_digits(field, len / 2) && all_digits(field + len / 2 + 1,
	    len / 2));
	if (auth_code_wellformed(field, len) != want)
		abort();

	ok = user_valid(field, len);
	if (ok != user_rule(field, len))
		abort();
	/* USER.token and USER.state stay in the directory, unhidden. */
	if (ok && (memchr(field, '/', len) != NULL ||
	    memchr(field, '\0', len) != NULL || field[0] == '.'))
		abort();
	return 0;
}
