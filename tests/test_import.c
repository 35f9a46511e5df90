/*
 * test_import.c - the parsers of pam-mfa import: google-authenticator
 * files and pam_oath users file lines as their modules write them, every
 * refusal with its reason, and hostile input (NUL, CR, overlong lines,
 * huge numbers, mutations of good files): a refusal leaves no secret and
 * names none; an import is a token pam_mfa accepts.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "import.h"
#include "mfa.h"
#include "token.h"

/* RFC 4226's key, "12345678901234567890". */
#define KEY_B32	"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
#define KEY_HEX	"3132333435363738393031323334353637383930"
#define KEY	"12345678901234567890"
/* A string literal and its length, NULs inside included. */
#define LIT(s)	(s), (sizeof(s) - 1)

/* As google-authenticator -t -d -r 3 -R 30 -w 3 -e 5 writes it. */
#define GA_TOTP KEY_B32 "\n\" RATE_LIMIT 3 30\n\" WINDOW_SIZE 3\n" \
	"\" DISALLOW_REUSE\n\" TOTP_AUTH\n25391161\n49320923\n90395331\n" \
	"98051365\n89583286\n"

/* The tests' local time is UTC. */
static int64_t
utc_mktime(struct tm *tm)
{
	return (int64_t)timegm(tm);
}

static int64_t
no_mktime(struct tm *tm)
{
	(void)tm;
	return -1;
}

static int
all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != 0)
			return 0;
	return 1;
}

/* Nothing of the secret in what is shown; nothing of it kept. */
static void
assert_refusal_clean(const struct import_result *res)
{
	unsigned i;

	assert_true(all_zero(&res->tok, sizeof(res->tok)));
	assert_true(all_zero(res->backup, sizeof(res->backup)));
	assert_int_equal(res->backup_count, 0);
	assert_null(strstr(res->reason, KEY_B32));
	assert_null(strstr(res->reason, KEY_HEX));
	for (i = 0; i < res->warning_count; i++) {
		assert_null(strstr(res->warning[i], KEY_B32));
		assert_null(strstr(res->warning[i], KEY_HEX));
	}
}

static void
google_refused_n(const char *text, size_t len, const char *reason)
{
	struct import_result res;

	if (import_google(text, len, &res) != IMPORT_REFUSED)
		fail_msg("accepted: %.60s", text);
	if (strcmp(res.reason, reason) != 0)
		fail_msg("reason \"%s\", want \"%s\"", res.reason, reason);
	assert_refusal_clean(&res);
	import_result_wipe(&res);
}

static void
google_refused(const char *text, const char *reason)
{
	google_refused_n(text, strlen(text), reason);
}

static void
google_ok(const char *text, struct import_result *res)
{
	if (import_google(text, strlen(text), res) != IMPORT_OK)
		fail_msg("refused (%s): %.60s", res->reason, text);
	assert_int_equal(res->tok.algo, MFA_SHA1);
	assert_int_equal(res->tok.digits, 6);
	assert_int_equal(res->tok.secret_len, 20);
	assert_memory_equal(res->tok.secret, KEY, 20);
	assert_int_equal(res->tok.cipher, 0);
	assert_int_equal(res->tok.id, 0);
	assert_string_equal(res->user, "");
	/* With an id it is a token the store takes. */
	res->tok.id = 1;
	assert_int_equal(token_check(&res->tok), MFA_OK);
	res->tok.id = 0;
}

static void
test_google_totp(void **state)
{
	static const char *codes[] = { "25391161", "49320923", "90395331",
	    "98051365", "89583286" };
	struct import_result res;
	unsigned i;

	(void)state;
	google_ok(GA_TOTP, &res);
	assert_int_equal(res.tok.type, MFA_TOTP);
	assert_int_equal(res.tok.period, 30);
	assert_int_equal(res.next_step, 0);
	assert_int_equal(res.backup_count, 5);
	for (i = 0; i < 5; i++)
		assert_string_equal(res.backup[i], codes[i]);
	assert_int_equal(res.warning_count, 1);
	assert_string_equal(res.warning[0],
	    "RATE_LIMIT not carried over: pam_mfa's lockout applies");
	import_result_wipe(&res);
	assert_true(all_zero(&res, sizeof(res)));

	/* After logins: the used steps (unix time / 30) and the rate
	 * limiter's timestamps, as the module rewrites them. */
	google_ok(KEY_B32 "\n\" RATE_LIMIT 3 30 1700000000 1700000010\n"
	    "\" WINDOW_SIZE 3\n\" DISALLOW_REUSE 56666667 56666669 56666668\n"
	    "\" TOTP_AUTH\n25391161\n", &res);
	assert_int_equal(res.next_step, 56666670);
	assert_int_equal(res.backup_count, 1);
	import_result_wipe(&res);

	/* STEP_SIZE 60: steps of a minute; the defaults when absent. */
	google_ok(KEY_B32 "\n\" STEP_SIZE 60\n\" TOTP_AUTH\n", &res);
	assert_int_equal(res.tok.period, 60);
	assert_int_equal(res.backup_count, 0);
	assert_int_equal(res.warning_count, 0);
	import_result_wipe(&res);
	google_ok(KEY_B32 "\n\" STEP_SIZE 30 \n\" TOTP_AUTH\n", &res);
	assert_int_equal(res.tok.period, 30);
	import_result_wipe(&res);
	google_ok(KEY_B32 "\n\" TOTP_AUTH\n\" DISALLOW_REUSE\n", &res);
	assert_int_equal(res.next_step, 0);
	import_result_wipe(&res);
}

static void
test_google_hotp(void **state)
{
	struct import_result res;

	(void)state;
	/* As google-authenticator -c writes it: the next counter is 1. */
	google_ok(KEY_B32 "\n\" WINDOW_SIZE 5\n\" HOTP_COUNTER 1\n62453632\n"
	    "15990452\n34549579\n", &res);
	assert_int_equal(res.tok.type, MFA_HOTP);
	assert_int_equal(res.tok.counter, 1);
	assert_int_equal(res.next_step, 1);
	assert_int_equal(res.backup_count, 3);
	import_result_wipe(&res);
	google_ok(KEY_B32 "\n\" HOTP_COUNTER 4294967295\n", &res);
	assert_int_equal(res.tok.counter, 4294967295U);
	import_result_wipe(&res);
}

static void
test_google_forms(void **state)
{
	struct import_result res;

	(void)state;
	/* CRLF, no final newline, blank lines, lower case, padding. */
	google_ok(KEY_B32 "\r\n\" TOTP_AUTH\r\n\r\n25391161\r\n49320923",
	    &res);
	assert_int_equal(res.backup_count, 2);
	assert_string_equal(res.backup[1], "49320923");
	import_result_wipe(&res);
	google_ok("gezdgnbvgy3tqojqgezdgnbvgy3tqojq\n\" TOTP_AUTH", &res);
	import_result_wipe(&res);
	google_ok(KEY_B32 "\n\n\n\" TOTP_AUTH\n\n", &res);
	import_result_wipe(&res);
	/* Time skew: warned about, as pam_mfa has none. */
	google_ok(KEY_B32 "\n\" TOTP_AUTH\n\" TIME_SKEW -2\n"
	    "\" RESETTING_TIME_SKEW 56666667+2 56666668-1 \n", &res);
	assert_int_equal(res.warning_count, 1);
	assert_string_equal(res.warning[0], "TIME_SKEW -2 not carried over: "
	    "the authenticator's clock is that many steps off");
	import_result_wipe(&res);
	google_ok(KEY_B32 "\n\" TOTP_AUTH\n\" TIME_SKEW 0\n"
	    "\" RESETTING_TIME_SKEW \n", &res);
	assert_int_equal(res.warning_count, 0);
	import_result_wipe(&res);
}

static void
test_google_secret(void **state)
{
	struct import_result res;

	(void)state;
	/* 128 bits, the default of google-authenticator since 2016. */
	assert_int_equal(import_google("AEBAGBAFAYDQQCIKBMGA2DQPCA\n"
	    "\" TOTP_AUTH\n", 39, &res), IMPORT_OK);
	assert_int_equal(res.tok.secret_len, 16);
	import_result_wipe(&res);
	assert_int_equal(import_google("AEBAGBAFAYDQQCIKBMGA2DQPCA======\n"
	    "\" TOTP_AUTH\n", 45, &res), IMPORT_OK);
	assert_int_equal(res.tok.secret_len, 16);
	import_result_wipe(&res);
	/* 80 bits, its default before. */
	google_refused("AEBAGBAFAYDQQCIK\n\" TOTP_AUTH\n",
	    "secret is 80 bits; pam_mfa needs at least 128");
	google_refused("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"
	    "\" TOTP_AUTH\n", "secret is 520 bits; pam_mfa takes at most 512");
	google_refused("GEZDGNBVGY3TQOJ1GEZDGNBVGY3TQOJQ\n\" TOTP_AUTH\n",
	    "line 1: secret is not base32");
	google_refused("GEZDGNBV-GY3TQOJQGEZDGNBVGY3TQOJQ\n\" TOTP_AUTH\n",
	    "line 1: secret is not base32");
	google_refused("GEZDGNBV GY3TQOJQGEZDGNBVGY3TQOJQ\n\" TOTP_AUTH\n",
	    "line 1: secret is not base32");
	google_refused("GEZDGNBVGY3TQOJQ\xc3\xa9GEZDGNBVGY3TQOJQ\n",
	    "line 1: secret is not base32");
	/* 27 characters: no whole number of base32 blocks. */
	google_refused("GEZDGNBVGY3TQOJQGEZDGNBVGY3\n\" TOTP_AUTH\n",
	    "line 1: secret is not valid base32");
	google_refused("\" TOTP_AUTH\n" KEY_B32 "\n",
	    "line 1: no secret");
	google_refused("\n" KEY_B32 "\n\" TOTP_AUTH\n", "line 1: no secret");
}

static void
test_google_refused(void **state)
{
	(void)state;
	google_refused("", "empty file");
	google_refused(KEY_B32 "\n\" STEP_SIZE 45\n\" TOTP_AUTH\n",
	    "STEP_SIZE 45 not supported (30 or 60)");
	google_refused(KEY_B32 "\n\" STEP_SIZE 1\n\" TOTP_AUTH\n",
	    "STEP_SIZE 1 not supported (30 or 60)");
	google_refused(KEY_B32 "\n\" STEP_SIZE 61\n\" TOTP_AUTH\n",
	    "line 2: bad STEP_SIZE");
	google_refused(KEY_B32 "\n\" STEP_SIZE 0\n\" TOTP_AUTH\n",
	    "line 2: bad STEP_SIZE");
	google_refused(KEY_B32 "\n\" STEP_SIZE\n\" TOTP_AUTH\n",
	    "line 2: bad STEP_SIZE");
	google_refused(KEY_B32 "\n\" STEP_SIZE 3x\n\" TOTP_AUTH\n",
	    "line 2: bad STEP_SIZE");
	google_refused(KEY_B32 "\n\" TOTP_AUTH\n1234567\n",
	    "line 3: not a scratch code");
	google_refused(KEY_B32 "\n\" TOTP_AUTH\n01234567\n",
	    "line 3: not a scratch code");
	google_refused(KEY_B32 "\n\" TOTP_AUTH\n123456789\n",
	    "line 3: not a scratch code");
	google_refused(KEY_B32 "\n\" TOTP_AUTH\n1234567a\n",
	    "line 3: not a scratch code");
	google_refused(KEY_B32 "\n\" TOTP_AUTH\n 12345678\n",
	    "line 3: not a scratch code");
	google_refused(KEY_B32 "\n\" TOTP_AUTH\n12345678 \n",
	    "line 3: not a scratch code");
	google_refused(KEY_B32 "\n\" TOTP_AUTH\n+2345678\n",
	    "line 3: not a scratch code");
	google_refused(KEY_B32 "\n\" TOTP_AUTH\n12345678\r\r\n",
	    "line 3: not a scratch code");
	google_refused(KEY_B32 "\n\" TOTP_AUTH\n# comment\n",
	    "line 3: not a scratch code");
	google_refused(KEY_B32 "\n\" FOO 1\n\" TOTP_AUTH\n",
	    "line 2: unknown option");
	google_refused(KEY_B32 "\n\"TOTP_AUTH\n", "line 2: unknown option");
	google_refused(KEY_B32 "\n\" TOTP_AUTHX\n", "line 2: unknown option");
	google_refused(KEY_B32 "\n\"\n\" TOTP_AUTH\n",
	    "line 2: unknown option");
	google_refused(KEY_B32 "\n\" TOTP_AUTH\n\" TOTP_AUTH\n",
	    "line 3: TOTP_AUTH given twice");
	google_refused(KEY_B32 "\n\" TOTP_AUTH yes\n",
	    "line 2: TOTP_AUTH takes no value");
	google_refused(KEY_B32 "\n\" TOTP_AUTH\n\" HOTP_COUNTER 1\n",
	    "both TOTP_AUTH and HOTP_COUNTER");
	google_refused(KEY_B32 "\n12345678\n",
	    "neither TOTP_AUTH nor HOTP_COUNTER");
	google_refused(KEY_B32 "\n\" HOTP_COUNTER 0\n",
	    "line 2: bad HOTP_COUNTER");
	google_refused(KEY_B32 "\n\" HOTP_COUNTER -1\n",
	    "line 2: bad HOTP_COUNTER");
	google_refused(KEY_B32 "\n\" HOTP_COUNTER 4294967296\n",
	    "line 2: bad HOTP_COUNTER");
	google_refused(KEY_B32 "\n\" HOTP_COUNTER 99999999999999999999999\n",
	    "line 2: bad HOTP_COUNTER");
	google_refused(KEY_B32 "\n\" HOTP_COUNTER 18446744073709551616\n",
	    "line 2: bad HOTP_COUNTER");
	google_refused(KEY_B32 "\n\" TOTP_AUTH\n\" DISALLOW_REUSE 1 x\n",
	    "line 3: bad DISALLOW_REUSE");
	google_refused(KEY_B32 "\n\" TOTP_AUTH\n\" DISALLOW_REUSE 4294967296\n",
	    "line 3: bad DISALLOW_REUSE");
	google_refused(KEY_B32 "\n\" TOTP_AUTH\n\" DISALLOW_REUSE -5\n",
	    "line 3: bad DISALLOW_REUSE");
	google_refused(KEY_B32 "\n\" TOTP_AUTH\n\" RATE_LIMIT 0 30\n",
	    "line 3: bad RATE_LIMIT");
	google_refused(KEY_B32 "\n\" TOTP_AUTH\n\" RATE_LIMIT 3\n",
	    "line 3: bad RATE_LIMIT");
	google_refused(KEY_B32 "\n\" TOTP_AUTH\n\" RATE_LIMIT 3 3601\n",
	    "line 3: bad RATE_LIMIT");
	google_refused(KEY_B32 "\n\" TOTP_AUTH\n\" RATE_LIMIT 3 30 12 y\n",
	    "line 3: bad RATE_LIMIT");
	google_refused(KEY_B32 "\n\" TOTP_AUTH\n\" WINDOW_SIZE 0\n",
	    "line 3: bad WINDOW_SIZE");
	google_refused(KEY_B32 "\n\" TOTP_AUTH\n\" WINDOW_SIZE 101\n",
	    "line 3: bad WINDOW_SIZE");
	google_refused(KEY_B32 "\n\" TOTP_AUTH\n\" TIME_SKEW 1.5\n",
	    "line 3: bad TIME_SKEW");
	google_refused(KEY_B32 "\n\" TOTP_AUTH\n\" TIME_SKEW --1\n",
	    "line 3: bad TIME_SKEW");
	google_refused(KEY_B32 "\n\" TOTP_AUTH\n\" TIME_SKEW 1000001\n",
	    "line 3: bad TIME_SKEW");
	google_refused(KEY_B32 "\n\" TOTP_AUTH\n\" RESETTING_TIME_SKEW a\n",
	    "line 3: bad RESETTING_TIME_SKEW");
}

static void
test_google_hostile(void **state)
{
	static char big[IMPORT_GOOGLE_MAX + 2];
	char codes[17 * 9 + 64];
	struct import_result res;
	size_t n;
	unsigned i;

	(void)state;
	google_refused_n(LIT(KEY_B32 "\n\" TOTP_AUTH\n\0" "12345678\n"),
	    "contains a NUL byte");
	google_refused_n(LIT(KEY_B32 "\0\n\" TOTP_AUTH\n"),
	    "contains a NUL byte");
	google_refused_n(LIT(KEY_B32 "\n\" TOTP_AUTH\n12345678\0"),
	    "contains a NUL byte");

	/* 16 scratch codes are taken, a 17th is refused. */
	n = (size_t)snprintf(codes, sizeof(codes), "%s\n\" TOTP_AUTH\n",
	    KEY_B32);
	for (i = 0; i < 16; i++)
		n += (size_t)snprintf(codes + n, sizeof(codes) - n, "%08u\n",
		    10000000 + i);
	google_ok(codes, &res);
	assert_int_equal(res.backup_count, 16);
	assert_string_equal(res.backup[15], "10000015");
	import_result_wipe(&res);
	snprintf(codes + n, sizeof(codes) - n, "99999999\n");
	google_refused(codes, "more than 16 scratch codes");

	/* An overlong line, a file over the size the module reads. */
	memset(big, 'A', sizeof(big));
	memcpy(big, KEY_B32 "\n\" TOTP_AUTH\n\" ", 47);
	big[47 + IMPORT_LINE_MAX] = '\n';
	google_refused_n(big, 47 + IMPORT_LINE_MAX + 1,
	    "line 3: longer than 2048 bytes");
	google_refused_n(big, IMPORT_GOOGLE_MAX + 1, "larger than 65536 bytes");
	/* 64 KiB, mostly blank lines, is read to its end. */
	memset(big, '\n', sizeof(big));
	memcpy(big, KEY_B32 "\n\" TOTP_AUTH\n", 45);
	assert_int_equal(import_google(big, IMPORT_GOOGLE_MAX, &res),
	    IMPORT_OK);
	import_result_wipe(&res);
	big[IMPORT_GOOGLE_MAX - 1] = 'A';
	google_refused_n(big, IMPORT_GOOGLE_MAX,
	    "line 65493: not a scratch code");
	/* A line exactly at the limit is read (and refused as a code). */
	memset(big, '1', sizeof(big));
	memcpy(big, KEY_B32 "\n\" TOTP_AUTH\n", 45);
	google_refused_n(big, 45 + IMPORT_LINE_MAX,
	    "line 3: not a scratch code");
	google_refused_n(big, 46 + IMPORT_LINE_MAX,
	    "line 3: longer than 2048 bytes");
}

static void
oath_ok(const char *line, struct import_result *res)
{
	if (import_oath_line(line, strlen(line), utc_mktime, res) !=
	    IMPORT_OK)
		fail_msg("refused (%s): %s", res->reason, line);
	assert_int_equal(res->tok.algo, MFA_SHA1);
	assert_int_equal(res->tok.secret_len, 20);
	assert_memory_equal(res->tok.secret, KEY, 20);
	assert_int_equal(res->tok.cipher, 0);
	assert_int_equal(res->backup_count, 0);
	res->tok.id = 1;
	assert_int_equal(token_check(&res->tok), MFA_OK);
	res->tok.id = 0;
}

static void
oath_refused_n(const char *line, size_t len, const char *user,
    const char *reason)
{
	struct import_result res;

	if (import_oath_line(line, len, utc_mktime, &res) != IMPORT_REFUSED)
		fail_msg("not refused: %s", line);
	if (strcmp(res.reason, reason) != 0)
		fail_msg("reason \"%s\", want \"%s\"", res.reason, reason);
	if (strcmp(res.user, user) != 0)
		fail_msg("user \"%s\", want \"%s\": %s", res.user, user, line);
	assert_refusal_clean(&res);
	import_result_wipe(&res);
}

static void
oath_refused(const char *line, const char *user, const char *reason)
{
	oath_refused_n(line, strlen(line), user, reason);
}

static void
test_oath_hotp(void **state)
{
	struct import_result res;

	(void)state;
	oath_ok("HOTP\talice\t-\t" KEY_HEX "\n", &res);
	assert_string_equal(res.user, "alice");
	assert_int_equal(res.tok.type, MFA_HOTP);
	assert_int_equal(res.tok.digits, 6);
	assert_int_equal(res.tok.counter, 0);
	assert_int_equal(res.next_step, 0);
	assert_int_equal(res.warning_count, 0);
	import_result_wipe(&res);
	/* A counter alone is the first to try. */
	oath_ok("HOTP/E/8 bob 1234 " KEY_HEX " 5", &res);
	assert_int_equal(res.tok.digits, 8);
	assert_int_equal(res.tok.counter, 5);
	assert_int_equal(res.next_step, 5);
	assert_int_equal(res.warning_count, 1);
	assert_string_equal(res.warning[0], "PIN not carried over: pam_mfa "
	    "leaves the password to the password module");
	assert_null(strstr(res.warning[0], "1234"));
	import_result_wipe(&res);
	/* As liboath rewrites it after a login with counter 9 (520489). */
	oath_ok("HOTP/E\tcarol\t+\t" KEY_HEX "\t9\t520489\t"
	    "2024-05-01T10:00:00L\n", &res);
	assert_int_equal(res.tok.counter, 10);
	assert_int_equal(res.next_step, 10);
	assert_int_equal(res.warning_count, 0);
	import_result_wipe(&res);
	oath_ok("HOTP/E/6 dave - " KEY_HEX " 4294967295", &res);
	assert_int_equal(res.next_step, 4294967295U);
	import_result_wipe(&res);
	oath_refused("HOTP/E/6 dave - " KEY_HEX " 4294967295 123456",
	    "dave", "bad counter");
}

static void
test_oath_totp(void **state)
{
	struct import_result res;

	(void)state;
	oath_ok("HOTP/T30 alice - " KEY_HEX, &res);
	assert_int_equal(res.tok.type, MFA_TOTP);
	assert_int_equal(res.tok.period, 30);
	assert_int_equal(res.tok.digits, 6);
	assert_int_equal(res.next_step, 0);
	import_result_wipe(&res);
	oath_ok("HOTP/T60/8 alice - " KEY_HEX " 0", &res);
	assert_int_equal(res.tok.period, 60);
	assert_int_equal(res.tok.digits, 8);
	import_result_wipe(&res);
	oath_ok("HOTP/T30/6 alice - " KEY_HEX, &res);
	import_result_wipe(&res);
	/* 1111111111 is step 37037037, whose code is 050471 (RFC 6238):
	 * the floor goes past it, whether logged in at that step or two
	 * steps later (a code from inside the window). */
	oath_ok("HOTP/T30 alice - " KEY_HEX " 3 050471 2005-03-18T01:58:31L",
	    &res);
	assert_int_equal(res.next_step, 37037038);
	assert_int_equal(res.warning_count, 0);
	import_result_wipe(&res);
	oath_ok("HOTP/T30 alice - " KEY_HEX " 3 050471 2005-03-18T01:59:31L",
	    &res);
	assert_int_equal(res.next_step, 37037038);
	import_result_wipe(&res);
	oath_ok("HOTP/T30 alice - " KEY_HEX " 3 050471 2005-03-18T01:56:31L",
	    &res);
	assert_int_equal(res.next_step, 37037038);
	import_result_wipe(&res);
	/* 60 s, 8 digits: step 18518518, code 19360094. */
	oath_ok("HOTP/T60/8 alice - " KEY_HEX " 0 19360094 "
	    "2005-03-18T01:58:31L", &res);
	assert_int_equal(res.next_step, 18518519);
	import_result_wipe(&res);
	/* Not the code of any step near its time: which codes were used is
	 * unknown (the time read in another zone than written). */
	oath_refused("HOTP/T30 alice - " KEY_HEX " 3 000000 "
	    "2005-03-18T01:58:31L", "alice", "last OTP not found within 130 "
	    "steps of its time (is TZ pam_oath's?)");
	/* The search reaches 130 steps either side, no further. */
	oath_ok("HOTP/T30 alice - " KEY_HEX " 3 882570 2005-03-18T01:58:31L",
	    &res);
	assert_int_equal(res.next_step, 37037037 + 130 + 1);
	import_result_wipe(&res);
	oath_ok("HOTP/T30 alice - " KEY_HEX " 3 750232 2005-03-18T01:58:31L",
	    &res);
	assert_int_equal(res.next_step, 37037037 - 130 + 1);
	import_result_wipe(&res);
	oath_refused("HOTP/T30 alice - " KEY_HEX " 3 004287 "
	    "2005-03-18T01:58:31L", "alice", "last OTP not found within 130 "
	    "steps of its time (is TZ pam_oath's?)");
	assert_int_equal(import_oath_line(LIT("HOTP/T30 alice - " KEY_HEX
	    " 3 050471 2005-03-18T01:58:31L"), no_mktime, &res),
	    IMPORT_REFUSED);
	assert_string_equal(res.reason, "bad time of the last OTP");
	assert_refusal_clean(&res);
	import_result_wipe(&res);
	oath_refused("HOTP/T30 alice - " KEY_HEX " 3 050471", "alice",
	    "last OTP without its time");
}

static void
test_oath_skipped_lines(void **state)
{
	static const char *lines[] = { "", "\n", "   \t  \r\n",
	    "# HOTP alice - " KEY_HEX, "  #HOTP alice - " KEY_HEX "\n",
	    "#", "# a b c d e f g h i j k\n" };
	struct import_result res;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		if (import_oath_line(lines[i], strlen(lines[i]), utc_mktime,
		    &res) != IMPORT_EMPTY)
			fail_msg("line %zu not skipped", i);
		assert_true(all_zero(&res.tok, sizeof(res.tok)));
		import_result_wipe(&res);
	}
	/* CRLF, as liboath's strtok on " \t\r\n" takes it. */
	oath_ok("HOTP alice - " KEY_HEX " 2\r\n", &res);
	assert_int_equal(res.next_step, 2);
	import_result_wipe(&res);
}

static void
test_oath_refused(void **state)
{
	(void)state;
	oath_refused("HOTP/E/7 alice - " KEY_HEX, "alice",
	    "7 digits not supported (6 or 8)");
	oath_refused("HOTP/T30/7 alice - " KEY_HEX, "alice",
	    "7 digits not supported (6 or 8)");
	oath_refused("TOTP alice - " KEY_HEX, "alice", "unknown token type");
	oath_refused("HOTP/T45 alice - " KEY_HEX, "alice",
	    "unknown token type");
	oath_refused("HOTP/T30/9 alice - " KEY_HEX, "alice",
	    "unknown token type");
	oath_refused("hotp alice - " KEY_HEX, "alice", "unknown token type");
	oath_refused("HOTP", "", "fewer than 4 fields (TYPE USER PIN SECRET)");
	oath_refused("HOTP alice -", "alice",
	    "fewer than 4 fields (TYPE USER PIN SECRET)");
	oath_refused("HOTP ../etc - " KEY_HEX, "", "invalid user name");
	oath_refused("HOTP -rf - " KEY_HEX, "", "invalid user name");
	oath_refused("HOTP alice - 31323334353637383930", "alice",
	    "secret is 80 bits; pam_mfa needs at least 128");
	oath_refused("HOTP alice - " KEY_HEX KEY_HEX KEY_HEX KEY_HEX, "alice",
	    "secret is 640 bits; pam_mfa takes at most 512");
	oath_refused("HOTP alice - " KEY_HEX "3", "alice",
	    "secret is an odd number of hex digits");
	oath_refused("HOTP alice - " KEY_HEX "zz", "alice",
	    "secret is not hex");
	oath_refused("HOTP alice - 0x" KEY_HEX, "alice", "secret is not hex");
	oath_refused("HOTP alice - " KEY_HEX " abc", "alice", "bad counter");
	oath_refused("HOTP alice - " KEY_HEX " -1", "alice", "bad counter");
	oath_refused("HOTP alice - " KEY_HEX " 1e3", "alice", "bad counter");
	oath_refused("HOTP alice - " KEY_HEX " 4294967296", "alice",
	    "bad counter");
	oath_refused("HOTP alice - " KEY_HEX " 18446744073709551616", "alice",
	    "bad counter");
	oath_refused("HOTP alice - " KEY_HEX " 99999999999999999999999999",
	    "alice", "bad counter");
	oath_refused("HOTP alice - " KEY_HEX " 1 12345", "alice",
	    "bad last OTP: not 6 digits");
	oath_refused("HOTP alice - " KEY_HEX " 1 12345a", "alice",
	    "bad last OTP: not 6 digits");
	oath_refused("HOTP alice - " KEY_HEX " 1 12345678", "alice",
	    "bad last OTP: not 6 digits");
	oath_refused("HOTP/E/8 alice - " KEY_HEX " 1 123456", "alice",
	    "bad last OTP: not 8 digits");
	oath_refused("HOTP alice - " KEY_HEX " 1 123456 2020-13-01T00:00:00L",
	    "alice", "bad time of the last OTP");
	oath_refused("HOTP alice - " KEY_HEX " 1 123456 2021-02-29T00:00:00L",
	    "alice", "bad time of the last OTP");
	oath_refused("HOTP alice - " KEY_HEX " 1 123456 2020-01-01T00:00:00Z",
	    "alice", "bad time of the last OTP");
	oath_refused("HOTP alice - " KEY_HEX " 1 123456 1969-12-31T23:59:59L",
	    "alice", "bad time of the last OTP");
	oath_refused("HOTP alice - " KEY_HEX " 1 123456 2020-01-01T24:00:00L",
	    "alice", "bad time of the last OTP");
	oath_refused("HOTP alice - " KEY_HEX " 1 123456 2020-1-01T00:00:00L",
	    "alice", "bad time of the last OTP");
	oath_refused("HOTP alice - " KEY_HEX " 1 123456 2020-01-01T00:00:00L x",
	    "alice", "more than 7 fields");
	oath_refused("HOTP alice - " KEY_HEX " 1 2 3 4 5 6 7 8 9 10 11",
	    "alice", "more than 7 fields");
}

static void
test_oath_hostile(void **state)
{
	static char big[IMPORT_LINE_MAX + 64];
	struct import_result res;

	(void)state;
	oath_refused_n(LIT("HOTP alice - " KEY_HEX "\0 5"), "",
	    "contains a NUL byte");
	oath_refused_n(LIT("\0"), "", "contains a NUL byte");
	/* A 2 KiB line is read; one byte more is refused unread. */
	memset(big, ' ', sizeof(big));
	memcpy(big, "HOTP alice - " KEY_HEX, 53);
	assert_int_equal(import_oath_line(big, IMPORT_LINE_MAX, utc_mktime,
	    &res), IMPORT_OK);
	import_result_wipe(&res);
	oath_refused_n(big, IMPORT_LINE_MAX + 1, "",
	    "longer than 2048 bytes");
	/* A user name over the limit is not a user. */
	memset(big, 'u', sizeof(big));
	memcpy(big, "HOTP ", 5);
	memcpy(big + 5 + MFA_USER_MAX + 1, " - " KEY_HEX, 43);
	oath_refused_n(big, 5 + MFA_USER_MAX + 1 + 43, "", "invalid user name");
}

/* xorshift64: the mutations are the same on every run. */
static uint64_t
next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/*
 * Good inputs with bytes flipped, inserted, removed: whatever comes back
 * is a refusal that keeps nothing, or a token that passes token_check
 * with a floor and codes within bounds.
 */
static void
test_mutations(void **state)
{
	static const char *seeds[] = { GA_TOTP,
	    KEY_B32 "\n\" HOTP_COUNTER 7\n12345678\n",
	    KEY_B32 "\n\" DISALLOW_REUSE 56666667\n\" STEP_SIZE 60\n"
	    "\" TOTP_AUTH\n\" TIME_SKEW 1\n" };
	static const char *lines[] = {
	    "HOTP/E/8 bob 1234 " KEY_HEX " 5 12345678 2024-05-01T10:00:00L",
	    "HOTP/T30 alice - " KEY_HEX " 3 050471 2005-03-18T01:58:31L" };
	static const char alphabet[] =
	    "0123456789 \t\r\n\"#-+=:/TLZAHOPE\0\xff";
	char buf[512];
	struct import_result res;
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	enum import_status st;
	size_t len, pos;
	unsigned i, k, round, ok = 0, refused = 0;

	(void)state;
	for (round = 0; round < 20000; round++) {
		i = (unsigned)(next_rand(&seed) % 5);
		if (i < 3)
			len = strlen(seeds[i]);
		else
			len = strlen(lines[i - 3]);
		memcpy(buf, i < 3 ? seeds[i] : lines[i - 3], len);
		for (k = 0; k < 1 + next_rand(&seed) % 4; k++) {
			pos = len == 0 ? 0 : next_rand(&seed) % len;
			switch (next_rand(&seed) % 3) {
			case 0:
				if (len > 0)
					buf[pos] = alphabet[next_rand(&seed) %
					    (sizeof(alphabet) - 1)];
				break;
			case 1:
				if (len < sizeof(buf) - 1) {
					memmove(buf + pos + 1, buf + pos,
					    len - pos);
					buf[pos] = alphabet[next_rand(&seed) %
					    (sizeof(alphabet) - 1)];
					len++;
				}
				break;
			default:
				if (len > 0) {
					memmove(buf + pos, buf + pos + 1,
					    len - pos - 1);
					len--;
				}
				break;
			}
		}
		st = i < 3 ? import_google(buf, len, &res) :
		    import_oath_line(buf, len, utc_mktime, &res);
		if (st == IMPORT_OK) {
			ok++;
			res.tok.id = 1;
			assert_int_equal(token_check(&res.tok), MFA_OK);
			assert_true(res.backup_count <= TOKEN_BACKUP_MAX);
			assert_true(res.next_step <= (uint64_t)UINT32_MAX + 1 ||
			    res.tok.type == MFA_TOTP);
			if (res.tok.type == MFA_HOTP)
				assert_true(res.tok.counter == res.next_step);
		} else {
			if (st == IMPORT_REFUSED) {
				refused++;
				assert_true(res.reason[0] != '\0');
			}
			assert_refusal_clean(&res);
		}
		import_result_wipe(&res);
	}
	/* The mutations reach both outcomes. */
	assert_true(ok > 1000 && refused > 1000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_google_totp),
		cmocka_unit_test(test_google_hotp),
		cmocka_unit_test(test_google_forms),
		cmocka_unit_test(test_google_secret),
		cmocka_unit_test(test_google_refused),
		cmocka_unit_test(test_google_hostile),
		cmocka_unit_test(test_oath_hotp),
		cmocka_unit_test(test_oath_totp),
		cmocka_unit_test(test_oath_skipped_lines),
		cmocka_unit_test(test_oath_refused),
		cmocka_unit_test(test_oath_hostile),
		cmocka_unit_test(test_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
