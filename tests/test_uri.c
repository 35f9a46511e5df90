/*
 * test_uri.c - the otpauth:// Key URI: its exact form, percent-encoding of
 * the label and issuer, and, with oathtool as an independent oracle, that
 * an authenticator fed the URI's parameters computes the codes the module
 * accepts.  oathtool also checks otp_generate with hex keys, here because
 * this test links testutil.c.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "otp.h"
#include "token.h"
#include "uri.h"
#include "testutil.h"

/* RFC 4226's key, base32 (RFC 4648) without padding. */
#define KEY20		"12345678901234567890"
#define KEY20_B32	"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

static void
tok_init(struct mfa_token *tok, enum mfa_otp_type type, enum mfa_algo algo,
    unsigned digits, unsigned period, const char *key, size_t keylen)
{
	memset(tok, 0, sizeof(*tok));
	tok->id = 1;
	tok->type = type;
	tok->algo = algo;
	tok->digits = digits;
	tok->period = period;
	tok->secret_len = keylen;
	memcpy(tok->secret, key, keylen);
}

/* uri_otpauth that must succeed; the caller frees. */
static char *
uri(const char *issuer, const char *account, const struct mfa_token *tok)
{
	char *u = NULL;

	assert_int_equal(uri_otpauth(issuer, account, tok, &u), MFA_OK);
	assert_non_null(u);
	return u;
}

static void
test_totp_exact(void **state)
{
	struct mfa_token tok;
	char *u;

	(void)state;
	tok_init(&tok, MFA_TOTP, MFA_SHA1, 6, 30, KEY20, 20);
	u = uri("Example", "alice", &tok);
	assert_string_equal(u, "otpauth://totp/Example:alice?secret="
	    KEY20_B32 "&issuer=Example&algorithm=SHA1&digits=6&period=30");
	free(u);

	tok_init(&tok, MFA_TOTP, MFA_SHA256, 8, 60, KEY20, 20);
	u = uri("Example", "alice", &tok);
	assert_string_equal(u, "otpauth://totp/Example:alice?secret="
	    KEY20_B32 "&issuer=Example&algorithm=SHA256&digits=8&period=60");
	free(u);
}

static void
test_hotp_exact(void **state)
{
	static const struct {
		uint64_t counter;
		const char *tail;
	} counters[] = {
		{ 0, "&counter=0" },
		{ 42, "&counter=42" },
		{ UINT64_MAX, "&counter=18446744073709551615" },
	};
	struct mfa_token tok;
	char want[256];
	size_t i;
	char *u;

	(void)state;
	for (i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
		tok_init(&tok, MFA_HOTP, MFA_SHA1, 6, 0, KEY20, 20);
		tok.counter = counters[i].counter;
		u = uri("Example", "bob", &tok);
		snprintf(want, sizeof(want), "otpauth://hotp/Example:bob?"
		    "secret=" KEY20_B32 "&issuer=Example&algorithm=SHA1"
		    "&digits=6%s", counters[i].tail);
		assert_string_equal(u, want);
		assert_null(strstr(u, "period="));
		free(u);
	}
}

/* Percent-encoding: RFC 3986 unreserved characters stay, all else %XX. */
static void
test_encoding(void **state)
{
	static const struct {
		const char *issuer, *account, *want;
	} cases[] = {
		{ "Demo VPN", "alice",
		    "otpauth://totp/Demo%20VPN:alice?secret=" KEY20_B32
		    "&issuer=Demo%20VPN&" },
		{ "Example", "a@b",
		    "otpauth://totp/Example:a%40b?secret=" },
		{ "Example", "alice@example.org",
		    "otpauth://totp/Example:alice%40example.org?" },
		{ "A&B=C?D#E/F+G%H", "x:y",
		    "otpauth://totp/A%26B%3DC%3FD%23E%2FF%2BG%25H:x%3Ay?"
		    "secret=" KEY20_B32
		    "&issuer=A%26B%3DC%3FD%23E%2FF%2BG%25H&" },
		{ "Caf\xc3\xa9", "u-1_2.3~4",
		    "otpauth://totp/Caf%C3%A9:u-1_2.3~4?secret=" KEY20_B32
		    "&issuer=Caf%C3%A9&" },
	};
	struct mfa_token tok;
	size_t i;
	char *u;

	(void)state;
	tok_init(&tok, MFA_TOTP, MFA_SHA1, 6, 30, KEY20, 20);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		u = uri(cases[i].issuer, cases[i].account, &tok);
		if (strncmp(u, cases[i].want, strlen(cases[i].want)) != 0)
			fail_msg("got %s\nwant %s...", u, cases[i].want);
		assert_null(strchr(u, ' '));
		free(u);
	}
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decode %XX in [s, s + n) into out; -1 on a malformed escape. */
static int
pct_decode(const char *s, size_t n, char *out, size_t outlen)
{
	size_t i, o = 0;
	int hi, lo;

	for (i = 0; i < n; i++) {
		if (o + 1 >= outlen)
			return -1;
		if (s[i] != '%') {
			out[o++] = s[i];
			continue;
		}
		if (i + 2 >= n || (hi = hexval(s[i + 1])) < 0 ||
		    (lo = hexval(s[i + 2])) < 0)
			return -1;
		out[o++] = (char)(hi << 4 | lo);
		i += 2;
	}
	out[o] = '\0';
	return 0;
}

/* The value of query parameter name in u, decoded; NULL if absent. */
static const char *
query_param(const char *u, const char *name, char *out, size_t outlen)
{
	const char *q = strchr(u, '?'), *p, *end;
	size_t n = strlen(name);

	if (q == NULL)
		return NULL;
	for (p = q + 1; p != NULL && *p != '\0'; p = end ? end + 1 : NULL) {
		end = strchr(p, '&');
		if (strncmp(p, name, n) == 0 && p[n] == '=') {
			const char *v = p + n + 1;
			size_t vn = end ? (size_t)(end - v) : strlen(v);

			return pct_decode(v, vn, out, outlen) == 0 ? out : NULL;
		}
	}
	return NULL;
}

/* Whatever the issuer and account, a scanner gets them back intact. */
static void
test_label_round_trip(void **state)
{
	static const char *const strs[] = {
		"Demo VPN", "a@b", "x:y", "A&B=C?D#E/F+G%H", "Caf\xc3\xa9",
		"100% \"quoted\" <tag>", "tab\there", "a",
	};
	char issuer[256], account[256], param[256], label[1024];
	size_t i, j, colon, q;
	struct mfa_token tok;
	char *u;

	(void)state;
	tok_init(&tok, MFA_TOTP, MFA_SHA1, 6, 30, KEY20, 20);
	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		for (j = 0; j < sizeof(strs) / sizeof(strs[0]); j++) {
			u = uri(strs[i], strs[j], &tok);
			assert_true(strlen(u) < sizeof(label));
			assert_int_equal(strncmp(u, "otpauth://totp/", 15), 0);
			/* The label: up to the '?' that starts the query. */
			q = strcspn(u + 15, "?");
			memcpy(label, u + 15, q);
			label[q] = '\0';
			/* Only the separator ':' is left raw in the label. */
			colon = strcspn(label, ":");
			assert_true(colon < q);
			assert_null(strchr(label + colon + 1, ':'));
			assert_int_equal(pct_decode(label, colon, issuer,
			    sizeof(issuer)), 0);
			assert_int_equal(pct_decode(label + colon + 1,
			    q - colon - 1, account, sizeof(account)), 0);
			assert_string_equal(issuer, strs[i]);
			assert_string_equal(account, strs[j]);
			assert_non_null(query_param(u, "issuer", param,
			    sizeof(param)));
			assert_string_equal(param, strs[i]);
			free(u);
		}
	}
}

/* Secret lengths whose base32 would be padded: no '=' in the URI. */
static void
test_no_padding(void **state)
{
	static const size_t lens[] = { 16, 17, 18, 19, 20, 21, 26, 32, 33, 64 };
	unsigned char key[MFA_SECRET_MAX];
	char param[256];
	struct mfa_token tok;
	size_t i, j;
	char *u;

	(void)state;
	for (i = 0; i < sizeof(key); i++)
		key[i] = (unsigned char)(i * 37 + 11);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		tok_init(&tok, MFA_TOTP, MFA_SHA1, 6, 30, (const char *)key,
		    lens[i]);
		u = uri("Example", "alice", &tok);
		assert_non_null(query_param(u, "secret", param, sizeof(param)));
		assert_null(strchr(param, '='));
		/* ceil(8 * len / 5) characters of [A-Z2-7]. */
		assert_int_equal(strlen(param), (lens[i] * 8 + 4) / 5);
		for (j = 0; param[j] != '\0'; j++)
			assert_true((param[j] >= 'A' && param[j] <= 'Z') ||
			    (param[j] >= '2' && param[j] <= '7'));
		free(u);
	}
}

static void
test_refusals(void **state)
{
	char issuer[600];
	struct mfa_token tok;
	char *u;

	(void)state;
	/* A token token_check refuses. */
	tok_init(&tok, MFA_HOTP, MFA_SHA256, 6, 0, KEY20, 20);
	u = (char *)&u;
	assert_int_not_equal(uri_otpauth("Example", "alice", &tok, &u),
	    MFA_OK);
	assert_null(u);
	/* A URI that would not fit: refused, not truncated. */
	tok_init(&tok, MFA_TOTP, MFA_SHA1, 6, 30, KEY20, 20);
	memset(issuer, ' ', sizeof(issuer) - 1);
	issuer[sizeof(issuer) - 1] = '\0';
	u = (char *)&u;
	assert_int_equal(uri_otpauth(issuer, "alice", &tok, &u),
	    MFA_EINTERNAL);
	assert_null(u);
}

/* "YYYY-MM-DD HH:MM:SS UTC" for oathtool's --now. */
static void
oath_time(char *buf, size_t len, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	assert_non_null(gmtime_r(&tt, &tm));
	assert_int_not_equal(strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm),
	    0);
}

/*
 * For every algorithm, length and step a token may have: what oathtool
 * computes from the URI's secret, algorithm, digits and period equals the
 * code otp_generate gives and otp_verify accepts.
 */
static void
test_oathtool_from_uri(void **state)
{
	static const enum mfa_algo algos[] = { MFA_SHA1, MFA_SHA256,
	    MFA_SHA512 };
	static const unsigned digits[] = { 6, 8 };
	static const unsigned periods[] = { 30, 60 };
	static const int64_t times[] = { 1700000000, 59, 2000000000 };
	static const size_t keylens[] = { 20, 32, 64 };
	unsigned char key[MFA_SECRET_MAX];
	char secret[256], algo[16], dig[8], per[8], now[64];
	char opt_totp[32], opt_dig[32], opt_step[32], opt_now[96];
	char out[64], code[MFA_CODE_MAX + 1];
	struct otp_params p = { 0, 0 };
	struct mfa_token tok;
	size_t a, c, d, s, t, i;
	uint64_t m;
	char *u;

	(void)state;
	for (i = 0; i < sizeof(key); i++)
		key[i] = (unsigned char)(0xc5 ^ (i * 7));
	/* All 12 combinations of algorithm, digits and period. */
	for (c = 0; c < 12; c++) {
		a = c / 4;
		d = c / 2 % 2;
		s = c % 2;
		tok_init(&tok, MFA_TOTP, algos[a], digits[d], periods[s],
		    (const char *)key, keylens[a]);
		u = uri("Demo VPN", "alice@example.org", &tok);
		assert_non_null(query_param(u, "secret", secret,
		    sizeof(secret)));
		assert_non_null(query_param(u, "algorithm", algo,
		    sizeof(algo)));
		assert_non_null(query_param(u, "digits", dig, sizeof(dig)));
		assert_non_null(query_param(u, "period", per, sizeof(per)));
		free(u);
		for (i = 0; algo[i] != '\0'; i++)
			algo[i] = (char)tolower((unsigned char)algo[i]);
		snprintf(opt_totp, sizeof(opt_totp), "--totp=%s", algo);
		snprintf(opt_dig, sizeof(opt_dig), "--digits=%s", dig);
		snprintf(opt_step, sizeof(opt_step), "--time-step-size=%ss",
		    per);
		for (t = 0; t < sizeof(times) / sizeof(times[0]); t++) {
			oath_time(now, sizeof(now), times[t]);
			snprintf(opt_now, sizeof(opt_now), "--now=%s", now);
			if (tu_oathtool(out, sizeof(out), opt_totp, opt_dig,
			    opt_step, "-b", secret, opt_now, NULL) != 0)
				fail_msg("oathtool %s %s %s -b %s %s failed",
				    opt_totp, opt_dig, opt_step, secret,
				    opt_now);
			assert_int_equal(otp_generate(&tok,
			    otp_step(&tok, times[t]), code), MFA_OK);
			if (strcmp(out, code) != 0)
				fail_msg("%s %s %s at %s: oathtool %s, "
				    "otp_generate %s", opt_totp, opt_dig,
				    opt_step, now, out, code);
			assert_int_equal(otp_verify(&tok, &p, out,
			    strlen(out), times[t], 0, &m), MFA_OK);
			assert_int_equal(m, otp_step(&tok, times[t]));
		}
	}
}

/* otp_generate against oathtool with the RFC 6238 hex keys, and HOTP. */
static void
test_oathtool_hex(void **state)
{
	static const struct {
		enum mfa_algo algo;
		const char *mode, *key;
	} keys[] = {
		{ MFA_SHA1, "--totp=sha1", "12345678901234567890" },
		{ MFA_SHA256, "--totp=sha256",
		    "12345678901234567890123456789012" },
		{ MFA_SHA512, "--totp=sha512",
		    "1234567890123456789012345678901234567890123456789012345678"
		    "901234" },
	};
	static const int64_t times[] = { 59, 1111111109, 1234567890,
	    2000000000 };
	char hex[2 * MFA_SECRET_MAX + 1], now[64], opt_now[96], opt_c[32];
	char out[64], code[MFA_CODE_MAX + 1];
	struct mfa_token tok;
	size_t k, t;
	uint64_t c;

	(void)state;
	for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		size_t n = strlen(keys[k].key);

		tok_init(&tok, MFA_TOTP, keys[k].algo, 8, 30, keys[k].key, n);
		tu_hex(hex, (const unsigned char *)keys[k].key, n);
		for (t = 0; t < sizeof(times) / sizeof(times[0]); t++) {
			oath_time(now, sizeof(now), times[t]);
			snprintf(opt_now, sizeof(opt_now), "--now=%s", now);
			assert_int_equal(tu_oathtool(out, sizeof(out),
			    keys[k].mode, "--digits=8", opt_now, hex, NULL), 0);
			assert_int_equal(otp_generate(&tok,
			    otp_step(&tok, times[t]), code), MFA_OK);
			assert_string_equal(out, code);
		}
	}
	/* The example of the brief: RFC 6238's SHA-256 row at 1234567890. */
	tu_hex(hex, (const unsigned char *)keys[1].key, 32);
	assert_int_equal(tu_oathtool(out, sizeof(out), "--totp=sha256",
	    "--digits=8", "--now=2009-02-13 23:31:30 UTC", hex, NULL), 0);
	assert_string_equal(out, "91819424");

	tok_init(&tok, MFA_HOTP, MFA_SHA1, 6, 0, KEY20, 20);
	tu_hex(hex, (const unsigned char *)KEY20, 20);
	for (c = 0; c < 1000; c += 97) {
		snprintf(opt_c, sizeof(opt_c), "--counter=%llu",
		    (unsigned long long)c);
		assert_int_equal(tu_oathtool(out, sizeof(out), "--hotp", opt_c,
		    hex, NULL), 0);
		assert_int_equal(otp_generate(&tok, c, code), MFA_OK);
		assert_string_equal(out, code);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_totp_exact),
		cmocka_unit_test(test_hotp_exact),
		cmocka_unit_test(test_encoding),
		cmocka_unit_test(test_label_round_trip),
		cmocka_unit_test(test_no_padding),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_oathtool_from_uri),
		cmocka_unit_test(test_oathtool_hex),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
