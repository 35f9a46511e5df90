/*
 * test_split.c - the one-field split (password then code) and the host
 * profile table, as pure functions.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "auth.h"
#include "profile.h"

static void
test_split_table(void **st)
{
	static const struct {
		const char *field;
		size_t len;	/* 0: strlen */
		unsigned digits;
		unsigned backup_len;
		int ok;
		size_t pw_len;
	} cases[] = {
		{ "secret123456", 0, 6, 0, 1, 6 },
		{ "secret12345678", 0, 8, 0, 1, 6 },
		{ "secret12345678", 0, 6, 0, 1, 8 },	/* digits in passwords */
		{ "x123456", 0, 6, 0, 1, 1 },
		{ "123456", 0, 6, 0, 0, 0 },		/* no password */
		{ "12345", 0, 6, 0, 0, 0 },
		{ "", 0, 6, 0, 0, 0 },
		{ "secret12345a", 0, 6, 0, 0, 0 },
		{ "secret 23456", 0, 6, 0, 0, 0 },
		{ "secret123456\n", 0, 6, 0, 0, 0 },
		{ "pass\0word123456", 15, 6, 0, 1, 9 },	/* NUL: caller's problem,
							 * hosts can't send one */
		{ "secret123456", 0, 0, 0, 0, 0 },
		{ "secret123456789", 0, 9, 0, 0, 0 },
		/* Backup codes: only the hyphenated form, never a code. */
		{ "secret12345-67890", 0, 6, 10, 1, 6 },
		{ "secret1234-5678", 0, 6, 8, 1, 6 },
		{ "secret1234-5678", 0, 6, 10, 0, 0 },	/* wrong length */
		{ "secret12345-67890", 0, 6, 0, 0, 0 },	/* has none */
		{ "s-e12345-67890", 0, 8, 10, 1, 3 },
		{ "x12345-67890", 0, 6, 10, 1, 1 },
		{ "12345-67890", 0, 6, 10, 0, 0 },	/* no password */
		{ "secret1234567890", 0, 6, 10, 1, 10 }, /* plain: a code */
		{ "ab12345-678901", 0, 6, 10, 1, 8 },	/* "ab12345-" + code */
		{ "secret12345-6789a", 0, 6, 10, 0, 0 },
		{ "secret12345--7890", 0, 6, 10, 0, 0 },
	};
	size_t i, pw;

	(void)st;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = cases[i].len ? cases[i].len :
		    strlen(cases[i].field);

		assert_int_equal(auth_split_field(cases[i].field, len,
		    cases[i].digits, cases[i].backup_len, &pw), cases[i].ok);
		assert_int_equal(pw, cases[i].pw_len);
	}
	assert_int_equal(auth_split_field(NULL, 10, 6, 10, &pw), 0);
}

static void
test_profiles(void **st)
{
	static const char *const onefield[] = { "openvpn", "radius", "pppd",
	    "strongswan" };
	const struct mfa_profile *p;
	size_t i;

	(void)st;
	for (i = 0; i < sizeof(onefield) / sizeof(onefield[0]); i++) {
		assert_non_null(p = profile_find(onefield[i]));
		assert_int_equal(p->input, MFA_INPUT_ONEFIELD);
		assert_true(p->silent);
		assert_true(p->field_max <= 255);
	}
	assert_non_null(p = profile_find("openvpn-sc"));
	assert_int_equal(p->input, MFA_INPUT_PROMPT);
	assert_string_equal(p->code_prompt, "OTP: ");
	assert_non_null(p = profile_find("ocserv"));
	assert_true(p->silent);
	assert_non_null(p = profile_find("sshd"));
	assert_false(p->silent);
	assert_null(profile_find("telnet"));
	assert_null(profile_find(""));
	assert_null(profile_find("OPENVPN"));
	assert_int_equal(profile_default()->input, MFA_INPUT_PROMPT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_table),
		cmocka_unit_test(test_profiles),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
