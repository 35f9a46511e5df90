/*
 * fuzz_split.c - what a client sends, checked before any file is touched:
 * auth_split_field, auth_code_wellformed and user_valid over any bytes
 * (the first byte picks the code length, 0..9).  Each must agree with the
 * rule its header states; a split leaves a password of at least one byte
 * and a code of exactly that many ASCII digits; a valid user name can't
 * leave the state directory.
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
	const char *field;
	unsigned digits;
	size_t len, pw_len = (size_t)-1;
	int ok, want;

	if (size == 0)
		return 0;
	digits = data[0] % 10;
	field = (const char *)data + 1;
	len = size - 1;

	ok = auth_split_field(field, len, digits, &pw_len);
	want = digits >= 1 && digits <= MFA_CODE_MAX && len > digits &&
	    all_digits(field + len - digits, digits);
	if (ok != want)
		abort();
	if (ok && (pw_len < 1 || pw_len + digits != len ||
	    !all_digits(field + pw_len, len - pw_len) ||
	    !auth_code_wellformed(field + pw_len, len - pw_len)))
		abort();
	if (!ok && pw_len != 0)
		abort();

	want = len >= 1 && len <= MFA_CODE_MAX && all_digits(field, len);
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
