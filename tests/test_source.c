/*
 * test_source.c - source.c's pure parts, table-driven: PAM_RHOST reduced
 * to its key (IPv4, IPv6 forms and prefixes, v4-mapped, host names and
 * garbage to the shared key, nothing for no rhost), source_allow's
 * networks, and the throttle policy on a test clock.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "source.h"

static void
test_keys(void **st)
{
	static const struct {
		const char *rhost;
		unsigned prefix;
		enum source_kind kind;
		const char *key;
	} t[] = {
		{ NULL, 64, SOURCE_NONE, "" },
		{ "", 64, SOURCE_NONE, "" },
		{ "192.0.2.7", 64, SOURCE_ADDR, "192.0.2.7" },
		{ "::ffff:192.0.2.7", 64, SOURCE_ADDR, "192.0.2.7" },
		{ "::FFFF:c000:0207", 64, SOURCE_ADDR, "192.0.2.7" },
		{ "2001:db8::1", 128, SOURCE_ADDR, "2001:db8::1" },
		{ "2001:0DB8:0000:0000:0000:0000:0000:0001", 128, SOURCE_ADDR,
		    "2001:db8::1" },
		{ "2001:db8:5:6:7:8:9:a", 64, SOURCE_ADDR,
		    "2001:db8:5:6::/64" },
		{ "2001:db8:5:6:7:8:9:a", 48, SOURCE_ADDR, "2001:db8:5::/48" },
		{ "2001:db8:5:6:7:8:9:a", 127, SOURCE_ADDR,
		    "2001:db8:5:6:7:8:9:a/127" },
		{ "2001:db8:5:6:7:8:9:b", 127, SOURCE_ADDR,
		    "2001:db8:5:6:7:8:9:a/127" },
		{ "::1", 64, SOURCE_ADDR, "::/64" },
		{ "host.example.com", 64, SOURCE_NAME, SOURCE_NONADDR },
		{ "192.0.2.7 ", 64, SOURCE_NAME, SOURCE_NONADDR },
		{ " 192.0.2.7", 64, SOURCE_NAME, SOURCE_NONADDR },
		{ "192.0.2.7\n", 64, SOURCE_NAME, SOURCE_NONADDR },
		{ "192.0.2", 64, SOURCE_NAME, SOURCE_NONADDR },
		{ "0x7f.1", 64, SOURCE_NAME, SOURCE_NONADDR },
		{ "fe80::1%eth0", 64, SOURCE_NAME, SOURCE_NONADDR },
		{ "[2001:db8::1]", 64, SOURCE_NAME, SOURCE_NONADDR },
		{ "\xc3\xa9t\xc3\xa9", 64, SOURCE_NAME, SOURCE_NONADDR },
		{ "\xff\xfe", 64, SOURCE_NAME, SOURCE_NONADDR },
		{ "non-address", 64, SOURCE_NAME, SOURCE_NONADDR },
	};
	struct source src;
	char longname[600];
	size_t i;

	(void)st;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		source_parse(t[i].rhost, t[i].prefix, &src);
		assert_int_equal(src.kind, t[i].kind);
		assert_string_equal(src.key, t[i].key);
	}
	memset(longname, '1', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	source_parse(longname, 64, &src);
	assert_int_equal(src.kind, SOURCE_NAME);
	assert_string_equal(src.key, SOURCE_NONADDR);
}

static void
test_allow(void **st)
{
	static const char *const bad[] = { "", "10.0.0.0/33", "::/129",
	    "10.0.0.0/", "10.0.0.0/08", "10.0.0.0/-1", "10.0.0.0/8/8",
	    "host.example", "10.0.0.0/ 8", NULL };
	struct source_net nets[3];
	struct source src;
	char buf[64];
	size_t i;

	(void)st;
	for (i = 0; bad[i] != NULL; i++)
		assert_int_equal(source_net_parse(bad[i], &nets[0]),
		    MFA_EINPUT);
	assert_int_equal(source_net_parse(NULL, &nets[0]), MFA_EINPUT);
	assert_int_equal(source_net_parse("10.1.2.3/8", &nets[0]), MFA_OK);
	assert_int_equal(source_net_parse("2001:db8:aaaa::/48", &nets[1]),
	    MFA_OK);
	assert_int_equal(source_net_parse("192.0.2.10", &nets[2]), MFA_OK);
	source_net_format(&nets[0], buf, sizeof(buf));
	assert_string_equal(buf, "10.0.0.0/8");
	source_net_format(&nets[1], buf, sizeof(buf));
	assert_string_equal(buf, "2001:db8:aaaa::/48");
	source_net_format(&nets[2], buf, sizeof(buf));
	assert_string_equal(buf, "192.0.2.10/32");

	source_parse("10.200.0.1", 64, &src);
	assert_true(source_allowed(&src, nets, 3));
	source_parse("::ffff:10.200.0.1", 64, &src);
	assert_true(source_allowed(&src, nets, 3));
	source_parse("11.0.0.1", 64, &src);
	assert_false(source_allowed(&src, nets, 3));
	source_parse("2001:db8:aaaa:ffff::1", 64, &src);
	assert_true(source_allowed(&src, nets, 3));
	source_parse("2001:db8:aaab::1", 64, &src);
	assert_false(source_allowed(&src, nets, 3));
	source_parse("192.0.2.10", 64, &src);
	assert_true(source_allowed(&src, nets, 3));
	source_parse("192.0.2.11", 64, &src);
	assert_false(source_allowed(&src, nets, 3));
	/* An IPv4 net holds no IPv6 address but the mapped ones. */
	source_parse("::a00:1", 128, &src);
	assert_false(source_allowed(&src, nets, 3));
	source_parse("host.example", 64, &src);
	assert_false(source_allowed(&src, nets, 3));
	/* A v4-mapped network written as IPv6: an IPv6 prefix, >= 96. */
	assert_int_equal(source_net_parse("::ffff:198.51.100.0/120",
	    &nets[0]), MFA_OK);
	source_net_format(&nets[0], buf, sizeof(buf));
	assert_string_equal(buf, "198.51.100.0/24");
	source_parse("198.51.100.200", 64, &src);
	assert_true(source_allowed(&src, nets, 1));
	source_parse("198.51.101.1", 64, &src);
	assert_false(source_allowed(&src, nets, 1));
	assert_int_equal(source_net_parse("::ffff:198.51.100.0/24",
	    &nets[0]), MFA_EINPUT);
}

static void
test_policy(void **st)
{
	struct source_policy p = { 3, 600, 900 }, off = { 0, 600, 900 };
	struct source_rec r;
	struct source src;

	(void)st;
	memset(&r, 0, sizeof(r));
	assert_false(source_fail(&p, &r, 1000));
	assert_false(source_fail(&p, &r, 1100));
	assert_false(source_locked(&r, 1100));
	assert_true(source_fail(&p, &r, 1200));
	assert_int_equal(r.locked_until, 2100);
	assert_true(source_locked(&r, 2099));
	assert_false(source_expired(&p, &r, 2099));
	assert_false(source_locked(&r, 2100));
	assert_true(source_expired(&p, &r, 2100));
	/* After the throttle a fresh count. */
	assert_false(source_fail(&p, &r, 2200));
	assert_int_equal(r.fail_count, 1);
	assert_int_equal(r.locked_until, 0);
	/* Spread beyond the interval: never throttled. */
	memset(&r, 0, sizeof(r));
	assert_false(source_fail(&p, &r, 5000));
	assert_false(source_fail(&p, &r, 5300));
	assert_false(source_fail(&p, &r, 5600));
	assert_int_equal(r.fail_count, 1);
	assert_false(source_expired(&p, &r, 6199));
	assert_true(source_expired(&p, &r, 6200));
	/* A clock stepped back keeps the count. */
	assert_false(source_expired(&p, &r, 5000));
	assert_false(source_fail(&p, &r, 5500));
	assert_int_equal(r.fail_count, 2);
	/* Off, or no rhost: not counted. */
	source_parse("192.0.2.1", 64, &src);
	assert_false(source_counted(&off, &src, NULL, 0));
	assert_true(source_counted(&p, &src, NULL, 0));
	source_parse(NULL, 64, &src);
	assert_false(source_counted(&p, &src, NULL, 0));
	source_parse("name.example", 64, &src);
	assert_true(source_counted(&p, &src, NULL, 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_allow),
		cmocka_unit_test(test_policy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
