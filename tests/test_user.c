/*
 * test_user.c - user_valid: names reach file names and log lines, so only
 * 1..MFA_USER_MAX bytes of [A-Za-z0-9._@-], not starting with '.' or '-',
 * get through.
 */
#include "config.h"

#include <string.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "mfa.h"
#include "user.h"

#define LEN_STRLEN	((size_t)-1)	/* the table's len: use strlen */

static const struct {
	const char *name;
	size_t len;
	bool valid;
} names[] = {
	{ "alice",			LEN_STRLEN, true },
	{ "a",				LEN_STRLEN, true },
	{ "a.b-c_d@example.org",	LEN_STRLEN, true },
	{ "Bob2",			LEN_STRLEN, true },
	{ "_svc",			LEN_STRLEN, true },
	{ "0day",			LEN_STRLEN, true },
	{ "a..b",			LEN_STRLEN, true },	/* no '/' */
	{ "a-",				LEN_STRLEN, true },
	{ "",				LEN_STRLEN, false },
	{ ".",				LEN_STRLEN, false },
	{ "..",				LEN_STRLEN, false },
	{ "../etc/passwd",		LEN_STRLEN, false },
	{ "a/b",			LEN_STRLEN, false },
	{ "/root",			LEN_STRLEN, false },
	{ "a\\b",			LEN_STRLEN, false },
	{ ".hidden",			LEN_STRLEN, false },
	{ "-rf",			LEN_STRLEN, false },
	{ "-",				LEN_STRLEN, false },
	{ "al ice",			LEN_STRLEN, false },
	{ " alice",			LEN_STRLEN, false },
	{ "alice ",			LEN_STRLEN, false },
	{ "al\tice",			LEN_STRLEN, false },
	{ "alice\n",			LEN_STRLEN, false },
	{ "alice\r",			LEN_STRLEN, false },
	{ "al\x7f" "ice",		LEN_STRLEN, false },
	{ "\x1b[31malice",		LEN_STRLEN, false },
	{ "al\x80ice",			LEN_STRLEN, false },
	{ "\xff",			LEN_STRLEN, false },
	{ "\xc0\xae\xc0\xae",		LEN_STRLEN, false },	/* ".." */
	{ "caf\xc3\xa9",		LEN_STRLEN, false },	/* UTF-8 */
	{ "\xc3\xa9",			LEN_STRLEN, false },
	{ "alice\0bob",			9,	    false },	/* NUL inside */
	{ "alice\0",			6,	    false },	/* NUL at end */
	{ "\0alice",			6,	    false },
	{ "a:b",			LEN_STRLEN, false },
	{ "a%b",			LEN_STRLEN, false },
	{ "a=b",			LEN_STRLEN, false },
	{ "a*",				LEN_STRLEN, false },
	{ "a$b",			LEN_STRLEN, false },
	{ "a;b",			LEN_STRLEN, false },
	{ "a'b",			LEN_STRLEN, false },
	{ "a\"b",			LEN_STRLEN, false },
	{ "a+b",			LEN_STRLEN, false },
	{ "a~",				LEN_STRLEN, false },
	/* Only len bytes count: the rest of the buffer is not the name. */
	{ "alice/../x",			5,	    true },
	{ "alice",			0,	    false },
};

static void
test_table(void **state)
{
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		len = names[i].len == LEN_STRLEN ? strlen(names[i].name) :
		    names[i].len;
		if (user_valid(names[i].name, len) != names[i].valid)
			fail_msg("entry %zu (len %zu): want %s", i, len,
			    names[i].valid ? "valid" : "invalid");
	}
	assert_false(user_valid(NULL, 5));
}

static void
test_length(void **state)
{
	char name[MFA_USER_MAX + 2];

	(void)state;
	assert_int_equal(MFA_USER_MAX, 128);
	memset(name, 'u', sizeof(name));
	assert_true(user_valid(name, 1));
	assert_true(user_valid(name, MFA_USER_MAX));
	assert_false(user_valid(name, MFA_USER_MAX + 1));
	assert_false(user_valid(name, MFA_USER_MAX + 2));
	assert_false(user_valid(name, SIZE_MAX));
	name[MFA_USER_MAX - 1] = '@';
	assert_true(user_valid(name, MFA_USER_MAX));
}

/*
 * Every byte value, first and later in a name: exactly the portable set is
 * accepted, and '.' and '-' only after the first byte.
 */
static void
test_every_byte(void **state)
{
	char name[3];
	int b;

	(void)state;
	for (b = 0; b < 256; b++) {
		bool alnum = (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') ||
		    (b >= '0' && b <= '9');
		bool inner = alnum || b == '.' || b == '-' || b == '_' ||
		    b == '@';
		bool first = alnum || b == '_' || b == '@';

		name[0] = 'x';
		name[1] = (char)b;
		name[2] = 'y';
		if (user_valid(name, 3) != inner)
			fail_msg("byte 0x%02x inside a name", b);
		name[0] = (char)b;
		name[1] = 'x';
		if (user_valid(name, 3) != first)
			fail_msg("byte 0x%02x first in a name", b);
		if (user_valid(name, 1) != first)
			fail_msg("byte 0x%02x as a whole name", b);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_length),
		cmocka_unit_test(test_every_byte),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
