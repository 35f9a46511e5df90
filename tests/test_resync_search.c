/*
 * test_resync_search.c - resync_search's bounds (pam-mfa resync): an HOTP
 * pair found at the last counter of its range and not one past it, nor
 * below the replay floor; a TOTP pair found at either bound of the offset
 * and not one period past it, nor below the floor; codes out of order,
 * one alone, or of the wrong length refused.  Codes from oathtool.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "resync.h"
#include "testutil.h"

#define SECRET	"3132333435363738393031323334353637383930"
#define NOW	1900000000LL	/* a multiple of 30 */

static void
tok_init(struct mfa_token *tok, enum mfa_otp_type type)
{
	memset(tok, 0, sizeof(*tok));
	tok->id = 1;
	tok->type = type;
	tok->algo = MFA_SHA1;
	tok->digits = 6;
	tok->period = 30;
	memcpy(tok->secret, "12345678901234567890", 20);
	tok->secret_len = 20;
}

static void
hotp(char out[16], unsigned long long c)
{
	char copt[48];

	snprintf(copt, sizeof(copt), "--counter=%llu", c);
	assert_int_equal(tu_oathtool(out, 16, "--hotp", copt, SECRET,
	    (char *)NULL), 0);
}

/* The TOTP code of step s. */
static void
totp(char out[16], long long s)
{
	char nopt[48];

	snprintf(nopt, sizeof(nopt), "--now=@%lld", s * 30);
	assert_int_equal(tu_oathtool(out, 16, "--totp", nopt, SECRET,
	    (char *)NULL), 0);
}

static enum mfa_err
search(const struct mfa_token *tok, const char *c1, const char *c2,
    uint64_t floor, uint64_t *second, int32_t *offset)
{
	return resync_search(tok, c1, strlen(c1), c2, strlen(c2), NOW, floor,
	    second, offset);
}

static void
test_hotp_bounds(void **state)
{
	struct mfa_token tok;
	char a[16], b[16], c[16];
	uint64_t second, floor = 1000;
	int32_t offset;

	(void)state;
	tok_init(&tok, MFA_HOTP);
	/* The last pair in range: code1 at floor + RESYNC_HOTP_MAX. */
	hotp(a, floor + RESYNC_HOTP_MAX);
	hotp(b, floor + RESYNC_HOTP_MAX + 1);
	hotp(c, floor + RESYNC_HOTP_MAX + 2);
	assert_int_equal(search(&tok, a, b, floor, &second, &offset), MFA_OK);
	assert_int_equal(second, floor + RESYNC_HOTP_MAX + 1);
	assert_int_equal(offset, 0);
	/* One past it. */
	assert_int_equal(search(&tok, b, c, floor, &second, &offset),
	    MFA_EBADCODE);
	assert_int_equal(second, 0);
	/* At the floor, and one below it (spent). */
	hotp(a, floor - 1);
	hotp(b, floor);
	hotp(c, floor + 1);
	assert_int_equal(search(&tok, b, c, floor, &second, &offset), MFA_OK);
	assert_int_equal(second, floor + 1);
	assert_int_equal(search(&tok, a, b, floor, &second, &offset),
	    MFA_EBADCODE);
	/* Out of order, or the same code twice. */
	assert_int_equal(search(&tok, c, b, floor, &second, &offset),
	    MFA_EBADCODE);
	assert_int_equal(search(&tok, b, b, floor, &second, &offset),
	    MFA_EBADCODE);
	/* Not codes of the token's length. */
	assert_int_equal(search(&tok, "12345", b, floor, &second, &offset),
	    MFA_EINPUT);
	assert_int_equal(search(&tok, b, "1234567", floor, &second, &offset),
	    MFA_EINPUT);
	assert_int_equal(search(&tok, b, "12345a", floor, &second, &offset),
	    MFA_EINPUT);
	token_wipe(&tok);
}

static void
test_totp_bounds(void **state)
{
	struct mfa_token tok;
	char a[16], b[16], c[16];
	long long t = NOW / 30;
	uint64_t second;
	int32_t offset;

	(void)state;
	tok_init(&tok, MFA_TOTP);
	/* The token ahead by the most: code2 at t + RESYNC_TOTP_MAX. */
	totp(a, t + RESYNC_TOTP_MAX - 1);
	totp(b, t + RESYNC_TOTP_MAX);
	totp(c, t + RESYNC_TOTP_MAX + 1);
	assert_int_equal(search(&tok, a, b, 0, &second, &offset), MFA_OK);
	assert_int_equal(offset, RESYNC_TOTP_MAX);
	assert_int_equal(second, (uint64_t)(t + RESYNC_TOTP_MAX));
	assert_int_equal(search(&tok, b, c, 0, &second, &offset),
	    MFA_EBADCODE);
	assert_int_equal(offset, 0);
	/* Behind by the most, and one more. */
	totp(a, t - RESYNC_TOTP_MAX - 2);
	totp(b, t - RESYNC_TOTP_MAX - 1);
	totp(c, t - RESYNC_TOTP_MAX);
	assert_int_equal(search(&tok, b, c, 0, &second, &offset), MFA_OK);
	assert_int_equal(offset, -RESYNC_TOTP_MAX);
	assert_int_equal(search(&tok, a, b, 0, &second, &offset),
	    MFA_EBADCODE);
	/* Below the floor: spent, never matched. */
	assert_int_equal(search(&tok, b, c, (uint64_t)(t - RESYNC_TOTP_MAX),
	    &second, &offset), MFA_EBADCODE);
	/* In step, ahead by 3: the offsets. */
	totp(a, t - 1);
	totp(b, t);
	assert_int_equal(search(&tok, a, b, 0, &second, &offset), MFA_OK);
	assert_int_equal(offset, 0);
	totp(a, t + 2);
	totp(b, t + 3);
	assert_int_equal(search(&tok, a, b, 0, &second, &offset), MFA_OK);
	assert_int_equal(offset, 3);
	/* Out of order. */
	assert_int_equal(search(&tok, b, a, 0, &second, &offset),
	    MFA_EBADCODE);
	/* No clock. */
	assert_int_equal(resync_search(&tok, a, 6, b, 6, 0, 0, &second,
	    &offset), MFA_ECLOCK);
	token_wipe(&tok);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hotp_bounds),
		cmocka_unit_test(test_totp_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
