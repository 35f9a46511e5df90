/*
 * test_otp.c - otp_generate and otp_verify against the RFC 4226 and RFC 6238
 * known answers, and the edges of the TOTP window, the replay floor, the
 * HOTP look-ahead and the code syntax.  oathtool cross-checks are in
 * test_uri.c, which links testutil.c.
 */
#include "config.h"

#include <string.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <liboath/oath.h>

#include "otp.h"
#include "token.h"

/* RFC 6238 Appendix B seeds: the RFC 4226 key repeated to the hash size. */
static const char seed_sha1[] = "12345678901234567890";
static const char seed_sha256[] = "12345678901234567890123456789012";
static const char seed_sha512[] =
    "1234567890123456789012345678901234567890123456789012345678901234";

/* A token with the RFC seed that matches algo. */
static void
tok_init(struct mfa_token *tok, enum mfa_otp_type type, enum mfa_algo algo,
    unsigned digits, unsigned period)
{
	const char *seed;

	memset(tok, 0, sizeof(*tok));
	seed = algo == MFA_SHA256 ? seed_sha256 :
	    algo == MFA_SHA512 ? seed_sha512 : seed_sha1;
	tok->id = 1;
	tok->type = type;
	tok->algo = algo;
	tok->digits = digits;
	tok->period = period;
	tok->secret_len = strlen(seed);
	memcpy(tok->secret, seed, tok->secret_len);
}

/* otp_verify of a NUL-terminated code. */
static enum mfa_err
verify(const struct mfa_token *tok, unsigned window, unsigned lookahead,
    const char *code, int64_t now, uint64_t next_step, uint64_t *matched)
{
	struct otp_params p = { window, lookahead };

	return otp_verify(tok, &p, code, strlen(code), now, next_step,
	    matched);
}

/* RFC 4226 Appendix D: HOTP-SHA1, 6 digits, counters 0..9. */
static const char *const rfc4226[] = {
	"755224", "287082", "359152", "969429", "338314",
	"254676", "287922", "162583", "399871", "520489",
};

static void
test_rfc4226_generate(void **state)
{
	struct mfa_token tok;
	char out[MFA_CODE_MAX + 1];
	uint64_t c;

	(void)state;
	tok_init(&tok, MFA_HOTP, MFA_SHA1, 6, 0);
	for (c = 0; c < 10; c++) {
		assert_int_equal(otp_generate(&tok, c, out), MFA_OK);
		assert_string_equal(out, rfc4226[c]);
	}
}

static void
test_rfc4226_verify(void **state)
{
	struct mfa_token tok;
	uint64_t c, m;

	(void)state;
	tok_init(&tok, MFA_HOTP, MFA_SHA1, 6, 0);
	for (c = 0; c < 10; c++) {
		/* Exactly at the floor, no look-ahead. */
		m = 99;
		assert_int_equal(verify(&tok, 0, 0, rfc4226[c], 1, c, &m),
		    MFA_OK);
		assert_int_equal(m, c);
		/* Found by look-ahead from counter 0. */
		m = 99;
		assert_int_equal(verify(&tok, 0, 9, rfc4226[c], 1, 0, &m),
		    MFA_OK);
		assert_int_equal(m, c);
	}
}

/* RFC 6238 Appendix B: 8 digits, 30-second steps from T0 = 0. */
static const struct {
	int64_t t;
	const char *code[3];	/* SHA1, SHA256, SHA512 */
} rfc6238[] = {
	{ 59,		{ "94287082", "46119246", "90693936" } },
	{ 1111111109,	{ "07081804", "68084774", "25091201" } },
	{ 1111111111,	{ "14050471", "67062674", "99943326" } },
	{ 1234567890,	{ "89005924", "91819424", "93441116" } },
	{ 2000000000,	{ "69279037", "90698825", "38618901" } },
	{ 20000000000,	{ "65353130", "77737706", "47863826" } },
};

static const enum mfa_algo algos[3] = { MFA_SHA1, MFA_SHA256, MFA_SHA512 };

static void
test_rfc6238_generate(void **state)
{
	struct mfa_token tok;
	char out[MFA_CODE_MAX + 1];
	size_t i, a;

	(void)state;
	for (a = 0; a < 3; a++) {
		tok_init(&tok, MFA_TOTP, algos[a], 8, 30);
		for (i = 0; i < sizeof(rfc6238) / sizeof(rfc6238[0]); i++) {
			uint64_t step = otp_step(&tok, rfc6238[i].t);

			assert_int_equal(step, (uint64_t)rfc6238[i].t / 30);
			assert_int_equal(otp_generate(&tok, step, out), MFA_OK);
			assert_string_equal(out, rfc6238[i].code[a]);
		}
	}
}

static void
test_rfc6238_verify(void **state)
{
	struct mfa_token tok;
	size_t i, a;
	uint64_t m;

	(void)state;
	for (a = 0; a < 3; a++) {
		tok_init(&tok, MFA_TOTP, algos[a], 8, 30);
		for (i = 0; i < sizeof(rfc6238) / sizeof(rfc6238[0]); i++) {
			m = 0;
			assert_int_equal(verify(&tok, 0, 0, rfc6238[i].code[a],
			    rfc6238[i].t, 0, &m), MFA_OK);
			assert_int_equal(m, (uint64_t)rfc6238[i].t / 30);
		}
	}
}

/*
 * 6 digits are the last 6 of the 8-digit code (the same truncated value
 * modulo 10^6): the RFC 6238 code at t=59 ends in RFC 4226's counter 1.
 */
static void
test_digits_6_and_8(void **state)
{
	struct mfa_token t6, t8;
	char c6[MFA_CODE_MAX + 1], c8[MFA_CODE_MAX + 1];
	size_t i, a;
	uint64_t m;

	(void)state;
	for (a = 0; a < 3; a++) {
		tok_init(&t6, MFA_TOTP, algos[a], 6, 30);
		tok_init(&t8, MFA_TOTP, algos[a], 8, 30);
		for (i = 0; i < sizeof(rfc6238) / sizeof(rfc6238[0]); i++) {
			uint64_t s = otp_step(&t6, rfc6238[i].t);

			assert_int_equal(otp_generate(&t6, s, c6), MFA_OK);
			assert_int_equal(otp_generate(&t8, s, c8), MFA_OK);
			assert_int_equal(strlen(c6), 6);
			assert_int_equal(strlen(c8), 8);
			assert_string_equal(c6, rfc6238[i].code[a] + 2);
			assert_string_equal(c8, rfc6238[i].code[a]);
			/* Each token takes only its own length. */
			assert_int_equal(verify(&t6, 0, 0, c6, rfc6238[i].t,
			    0, &m), MFA_OK);
			assert_int_equal(verify(&t6, 0, 0, c8, rfc6238[i].t,
			    0, &m), MFA_EINPUT);
			assert_int_equal(verify(&t8, 0, 0, c6, rfc6238[i].t,
			    0, &m), MFA_EINPUT);
		}
	}
	tok_init(&t8, MFA_TOTP, MFA_SHA1, 6, 30);
	assert_int_equal(otp_generate(&t8, 1, c6), MFA_OK);
	assert_string_equal(c6, rfc4226[1]);
}

/* A 60-second token counts steps of 60 seconds, from the same HOTP core. */
static void
test_period_60(void **state)
{
	struct mfa_token t30, t60;
	char c30[MFA_CODE_MAX + 1], c60[MFA_CODE_MAX + 1];
	const int64_t now = 1234567890;
	uint64_t s60, s30, m;

	(void)state;
	tok_init(&t30, MFA_TOTP, MFA_SHA1, 6, 30);
	tok_init(&t60, MFA_TOTP, MFA_SHA1, 6, 60);
	assert_int_equal(otp_step(&t60, 59), 0);
	assert_int_equal(otp_step(&t60, 60), 1);
	assert_int_equal(otp_step(&t30, 59), 1);
	assert_int_equal(otp_step(&t30, 60), 2);

	s60 = otp_step(&t60, now);
	s30 = otp_step(&t30, now);
	assert_int_equal(s60, (uint64_t)now / 60);
	assert_int_equal(s30, (uint64_t)now / 30);
	/* The code for a step does not depend on the step's length. */
	assert_int_equal(otp_generate(&t60, s60, c60), MFA_OK);
	assert_int_equal(otp_generate(&t30, s60, c30), MFA_OK);
	assert_string_equal(c60, c30);

	assert_int_equal(verify(&t60, 0, 0, c60, now, 0, &m), MFA_OK);
	assert_int_equal(m, s60);
	/* Valid for the whole minute, not past it. */
	assert_int_equal(verify(&t60, 0, 0, c60, (int64_t)s60 * 60, 0, &m),
	    MFA_OK);
	assert_int_equal(verify(&t60, 0, 0, c60, (int64_t)s60 * 60 + 59, 0,
	    &m), MFA_OK);
	assert_int_equal(verify(&t60, 0, 0, c60, (int64_t)s60 * 60 + 60, 0,
	    &m), MFA_EBADCODE);
	/* The 30-second step number is another counter altogether. */
	assert_int_equal(otp_generate(&t30, s30, c30), MFA_OK);
	assert_string_not_equal(c30, c60);
	assert_int_equal(verify(&t60, 0, 0, c30, now, 0, &m), MFA_EBADCODE);
}

/* Codes for steps t-2..t+2, checked distinct so each test is decisive. */
static void
window_codes(const struct mfa_token *tok, uint64_t t,
    char codes[5][MFA_CODE_MAX + 1])
{
	int i, j;

	for (i = 0; i < 5; i++)
		assert_int_equal(otp_generate(tok, t - 2 + (uint64_t)i,
		    codes[i]), MFA_OK);
	for (i = 0; i < 5; i++)
		for (j = i + 1; j < 5; j++)
			assert_string_not_equal(codes[i], codes[j]);
}

static void
test_window_edges(void **state)
{
	struct mfa_token tok;
	char codes[5][MFA_CODE_MAX + 1];
	const int64_t now = 1111111111;
	uint64_t t, m;
	int i;

	(void)state;
	tok_init(&tok, MFA_TOTP, MFA_SHA1, 6, 30);
	t = otp_step(&tok, now);
	window_codes(&tok, t, codes);

	/* window = 1: t-1, t, t+1 only. */
	for (i = 1; i <= 3; i++) {
		m = 0;
		assert_int_equal(verify(&tok, 1, 0, codes[i], now, 0, &m),
		    MFA_OK);
		assert_int_equal(m, t - 2 + (uint64_t)i);
	}
	assert_int_equal(verify(&tok, 1, 0, codes[0], now, 0, &m),
	    MFA_EBADCODE);
	assert_int_equal(m, 0);
	assert_int_equal(verify(&tok, 1, 0, codes[4], now, 0, &m),
	    MFA_EBADCODE);

	/* window = 0: t only. */
	assert_int_equal(verify(&tok, 0, 0, codes[2], now, 0, &m), MFA_OK);
	assert_int_equal(m, t);
	assert_int_equal(verify(&tok, 0, 0, codes[1], now, 0, &m),
	    MFA_EBADCODE);
	assert_int_equal(verify(&tok, 0, 0, codes[3], now, 0, &m),
	    MFA_EBADCODE);

	/* window = 2 reaches t-2 and t+2. */
	assert_int_equal(verify(&tok, 2, 0, codes[0], now, 0, &m), MFA_OK);
	assert_int_equal(m, t - 2);
	assert_int_equal(verify(&tok, 2, 0, codes[4], now, 0, &m), MFA_OK);
	assert_int_equal(m, t + 2);

	/* The window follows the clock: one period later t-1 has left it. */
	assert_int_equal(verify(&tok, 1, 0, codes[1], now + 30, 0, &m),
	    MFA_EBADCODE);
	assert_int_equal(verify(&tok, 1, 0, codes[4], now + 30, 0, &m),
	    MFA_OK);
}

/* An oversized window or look-ahead is a caller bug, not a pass. */
static void
test_params_bounded(void **state)
{
	struct mfa_token tok;
	char code[MFA_CODE_MAX + 1];
	uint64_t m;

	(void)state;
	tok_init(&tok, MFA_TOTP, MFA_SHA1, 6, 30);
	assert_int_equal(otp_generate(&tok, otp_step(&tok, 1111111111), code),
	    MFA_OK);
	assert_int_equal(verify(&tok, 10, 0, code, 1111111111, 0, &m), MFA_OK);
	assert_int_equal(verify(&tok, 11, 0, code, 1111111111, 0, &m),
	    MFA_EINTERNAL);
	tok_init(&tok, MFA_HOTP, MFA_SHA1, 6, 0);
	assert_int_equal(verify(&tok, 0, 1000, rfc4226[9], 1, 0, &m), MFA_OK);
	assert_int_equal(verify(&tok, 0, 1001, rfc4226[9], 1, 0, &m),
	    MFA_EINTERNAL);
}

static void
test_totp_replay_floor(void **state)
{
	struct mfa_token tok;
	char codes[5][MFA_CODE_MAX + 1];
	const int64_t now = 1234567890;
	uint64_t t, m;

	(void)state;
	tok_init(&tok, MFA_TOTP, MFA_SHA1, 6, 30);
	t = otp_step(&tok, now);
	window_codes(&tok, t, codes);

	/* The step just used, presented again: the floor is past it. */
	m = 7;
	assert_int_equal(verify(&tok, 1, 0, codes[2], now, t + 1, &m),
	    MFA_EREPLAY);
	assert_int_equal(m, 0);
	/* An older step inside the window, below the floor. */
	assert_int_equal(verify(&tok, 1, 0, codes[1], now, t, &m),
	    MFA_EREPLAY);
	/* At the floor is fine. */
	assert_int_equal(verify(&tok, 1, 0, codes[2], now, t, &m), MFA_OK);
	assert_int_equal(m, t);
	/* Floor above the whole window: every match is a replay. */
	assert_int_equal(verify(&tok, 1, 0, codes[3], now, t + 2, &m),
	    MFA_EREPLAY);
	/* The floor doesn't make a code that was never valid a replay. */
	assert_int_equal(verify(&tok, 1, 0, codes[0], now, t + 2, &m),
	    MFA_EBADCODE);
	/* A floor far above now (a clock stepped back) refuses everything. */
	assert_int_equal(verify(&tok, 1, 0, codes[2], now, t + 1000, &m),
	    MFA_EREPLAY);
}

/*
 * Two steps at most 20 apart whose 6-digit codes are equal, found by a
 * deterministic search; lets the tests see which of two matches is taken.
 */
static void
find_collision(const struct mfa_token *tok, uint64_t *s1, uint64_t *s2)
{
	static char ring[21][MFA_CODE_MAX + 1];
	uint64_t s;
	int k;

	for (s = 0; s < 2000000; s++) {
		assert_int_equal(otp_generate(tok, s, ring[s % 21]), MFA_OK);
		for (k = 1; k <= 20 && (uint64_t)k <= s; k++) {
			uint64_t prev = s - (uint64_t)k;

			if (strcmp(ring[s % 21], ring[prev % 21]) == 0) {
				*s1 = prev;
				*s2 = s;
				return;
			}
		}
	}
	fail_msg("no colliding steps found");
}

static void
test_lowest_match(void **state)
{
	struct mfa_token tok, hotp;
	char c1[MFA_CODE_MAX + 1], c2[MFA_CODE_MAX + 1];
	uint64_t s1 = 0, s2 = 0, d, t, m;
	unsigned w;
	int64_t now;

	(void)state;
	tok_init(&tok, MFA_TOTP, MFA_SHA1, 6, 30);
	find_collision(&tok, &s1, &s2);
	assert_int_equal(otp_generate(&tok, s1, c1), MFA_OK);
	assert_int_equal(otp_generate(&tok, s2, c2), MFA_OK);
	assert_string_equal(c1, c2);
	d = s2 - s1;
	t = s1 + d / 2;
	w = (unsigned)(d - d / 2);
	now = (int64_t)t * 30 + 7;

	/* Both steps in the window: the lower one is reported. */
	assert_int_equal(verify(&tok, w, 0, c1, now, 0, &m), MFA_OK);
	assert_int_equal(m, s1);
	assert_int_equal(verify(&tok, w, 0, c1, now, s1, &m), MFA_OK);
	assert_int_equal(m, s1);
	/* The lower one used: the higher one is still acceptable. */
	assert_int_equal(verify(&tok, w, 0, c1, now, s1 + 1, &m), MFA_OK);
	assert_int_equal(m, s2);
	/* Both used. */
	assert_int_equal(verify(&tok, w, 0, c1, now, s2 + 1, &m),
	    MFA_EREPLAY);

	/* HOTP-SHA1 and TOTP-SHA1 share the counter-to-code function. */
	tok_init(&hotp, MFA_HOTP, MFA_SHA1, 6, 0);
	assert_int_equal(verify(&hotp, 0, (unsigned)d, c1, 1, s1, &m), MFA_OK);
	assert_int_equal(m, s1);
	assert_int_equal(verify(&hotp, 0, (unsigned)d, c1, 1, s1 + 1, &m),
	    MFA_OK);
	assert_int_equal(m, s2);
}

/* The codes liboath computed: every oath_hotp_generate goes through here. */
static unsigned hotp_calls;

int __real_oath_hotp_generate(const char *, size_t, uint64_t, unsigned,
    bool, size_t, char *);
int __wrap_oath_hotp_generate(const char *, size_t, uint64_t, unsigned,
    bool, size_t, char *);

int
__wrap_oath_hotp_generate(const char *secret, size_t len, uint64_t ctr,
    unsigned digits, bool checksum, size_t off, char *out)
{
	hotp_calls++;
	return __real_oath_hotp_generate(secret, len, ctr, digits, checksum,
	    off, out);
}

/*
 * What a code costs: a valid one the acceptable counters' codes alone (the
 * floor to floor + lookahead), all of them wherever it matched; a wrong or
 * replayed one those and the lookahead below the floor too.
 */
static void
test_codes_computed(void **state)
{
	struct mfa_token tok;
	char c[MFA_CODE_MAX + 1];
	uint64_t m, at;

	(void)state;
	tok_init(&tok, MFA_HOTP, MFA_SHA1, 6, 0);
	for (at = 100; at <= 110; at += 5) {
		assert_int_equal(otp_generate(&tok, at, c), MFA_OK);
		hotp_calls = 0;
		assert_int_equal(verify(&tok, 0, 10, c, 1, 100, &m), MFA_OK);
		assert_int_equal(m, at);
		assert_int_equal(hotp_calls, 11);
	}
	/* 111 is past the lookahead; 95 is below the floor. */
	assert_int_equal(otp_generate(&tok, 111, c), MFA_OK);
	hotp_calls = 0;
	assert_int_equal(verify(&tok, 0, 10, c, 1, 100, &m), MFA_EBADCODE);
	assert_int_equal(hotp_calls, 21);
	assert_int_equal(otp_generate(&tok, 95, c), MFA_OK);
	hotp_calls = 0;
	assert_int_equal(verify(&tok, 0, 10, c, 1, 100, &m), MFA_EREPLAY);
	assert_int_equal(hotp_calls, 21);
	assert_int_equal(m, 0);
	/* Floor 0: nothing below it to compute. */
	assert_int_equal(otp_generate(&tok, 3, c), MFA_OK);
	hotp_calls = 0;
	assert_int_equal(verify(&tok, 0, 10, c, 1, 0, &m), MFA_OK);
	assert_int_equal(hotp_calls, 11);
}

static void
test_hotp_lookahead(void **state)
{
	struct mfa_token tok;
	uint64_t c, m;

	(void)state;
	tok_init(&tok, MFA_HOTP, MFA_SHA1, 6, 0);
	/* Floor 5, look-ahead 3: counters 5..8. */
	for (c = 5; c <= 8; c++) {
		m = 0;
		assert_int_equal(verify(&tok, 0, 3, rfc4226[c], 1, 5, &m),
		    MFA_OK);
		assert_int_equal(m, c);
	}
	assert_int_equal(verify(&tok, 0, 3, rfc4226[9], 1, 5, &m),
	    MFA_EBADCODE);
	/* Look-ahead 0: the floor only. */
	assert_int_equal(verify(&tok, 0, 0, rfc4226[5], 1, 5, &m), MFA_OK);
	assert_int_equal(verify(&tok, 0, 0, rfc4226[6], 1, 5, &m),
	    MFA_EBADCODE);
	/* HOTP ignores the clock. */
	assert_int_equal(verify(&tok, 0, 0, rfc4226[5], 0, 5, &m), MFA_OK);
	assert_int_equal(verify(&tok, 0, 0, rfc4226[5], -1, 5, &m), MFA_OK);
	/* No wrap-around at the top of the counter space. */
	assert_int_equal(verify(&tok, 0, 10, rfc4226[0], 1, UINT64_MAX - 5,
	    &m), MFA_EINTERNAL);
}

/*
 * otp.h: "MFA_EREPLAY: the code matches only steps below the floor" -- for
 * HOTP counters as for TOTP steps.  The code of the counter just used,
 * presented again, is a replay, not a wrong code.
 */
static void
test_hotp_replay_below_floor(void **state)
{
	struct mfa_token tok;
	uint64_t m;

	(void)state;
	tok_init(&tok, MFA_HOTP, MFA_SHA1, 6, 0);
	assert_int_equal(verify(&tok, 0, 3, rfc4226[4], 1, 4, &m), MFA_OK);
	assert_int_equal(m, 4);
	/* The caller raised the floor to 5; counter 4 comes back. */
	assert_int_equal(verify(&tok, 0, 3, rfc4226[4], 1, 5, &m),
	    MFA_EREPLAY);
}

/* Codes that are not exactly tok->digits ASCII digits. */
static const struct {
	const char *code;
	size_t len;
} malformed[] = {
	{ "", 0 },
	{ "12345", 5 },
	{ "1234567", 7 },
	{ "12345678", 8 },
	{ "123456789", 9 },
	{ " 12345", 6 },
	{ "12345 ", 6 },
	{ "123 45", 6 },
	{ "12345\n", 6 },
	{ "12345\r", 6 },
	{ "\t12345", 6 },
	{ "abcdef", 6 },
	{ "12345a", 6 },
	{ "ABCDEF", 6 },
	{ "+12345", 6 },
	{ "-12345", 6 },
	{ "1234.5", 6 },
	{ "12345/", 6 },	/* '0' - 1 */
	{ "12345:", 6 },	/* '9' + 1 */
	{ "12\0" "456", 6 },	/* NUL inside */
	{ "755224\0", 7 },	/* right code, NUL counted */
	/* U+0661..U+0666 ARABIC-INDIC DIGITS ONE..SIX, 12 bytes. */
	{ "\xd9\xa1\xd9\xa2\xd9\xa3\xd9\xa4\xd9\xa5\xd9\xa6", 12 },
	/* Three of them: 6 bytes, the right length. */
	{ "\xd9\xa1\xd9\xa2\xd9\xa3", 6 },
	/* FULLWIDTH DIGIT SEVEN, FIVE: 6 bytes. */
	{ "\xef\xbc\x97\xef\xbc\x95", 6 },
	/* Bytes with the high bit set over ASCII digits' low bits. */
	{ "\xb7\xb5\xb5\xb2\xb2\xb4", 6 },
};

static void
test_malformed_codes(void **state)
{
	struct otp_params p = { 1, 10 };
	struct mfa_token totp, hotp;
	size_t i;
	uint64_t m;

	(void)state;
	tok_init(&totp, MFA_TOTP, MFA_SHA1, 6, 30);
	tok_init(&hotp, MFA_HOTP, MFA_SHA1, 6, 0);
	/* Control: the well-formed code passes with these tokens. */
	assert_int_equal(verify(&hotp, 1, 10, "755224", 59, 0, &m), MFA_OK);
	assert_true(otp_code_wellformed(&totp, "755224", 6));

	for (i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
		const char *c = malformed[i].code;
		size_t n = malformed[i].len;

		assert_false(otp_code_wellformed(&totp, c, n));
		m = 5;
		assert_int_equal(otp_verify(&totp, &p, c, n, 59, 0, &m),
		    MFA_EINPUT);
		assert_int_equal(m, 0);
		assert_int_equal(otp_verify(&hotp, &p, c, n, 59, 0, &m),
		    MFA_EINPUT);
	}
	assert_false(otp_code_wellformed(&totp, NULL, 6));
	assert_int_equal(otp_verify(&totp, &p, NULL, 6, 59, 0, &m),
	    MFA_EINPUT);
	/* An 8-digit token wants 8. */
	tok_init(&totp, MFA_TOTP, MFA_SHA1, 8, 30);
	assert_true(otp_code_wellformed(&totp, "12345678", 8));
	assert_false(otp_code_wellformed(&totp, "123456", 6));
	assert_false(otp_code_wellformed(&totp, "123456789", 9));
}

static void
test_clock(void **state)
{
	struct mfa_token tok;
	char code[MFA_CODE_MAX + 1];
	uint64_t m;

	(void)state;
	tok_init(&tok, MFA_TOTP, MFA_SHA1, 6, 30);
	assert_int_equal(otp_generate(&tok, 0, code), MFA_OK);
	assert_int_equal(verify(&tok, 1, 0, code, 0, 0, &m), MFA_ECLOCK);
	assert_int_equal(verify(&tok, 1, 0, code, -1, 0, &m), MFA_ECLOCK);
	assert_int_equal(verify(&tok, 1, 0, code, INT64_MIN, 0, &m),
	    MFA_ECLOCK);
	/* The first second after the epoch is a clock. */
	assert_int_equal(verify(&tok, 1, 0, code, 1, 0, &m), MFA_OK);
	assert_int_equal(m, 0);
	/* Far future, RFC 6238's last vector and beyond 2^32. */
	assert_int_equal(otp_generate(&tok, otp_step(&tok, 20000000000),
	    code), MFA_OK);
	assert_int_equal(verify(&tok, 1, 0, code, 20000000000, 0, &m), MFA_OK);
	assert_int_equal(m, 20000000000 / 30);
}

/* otp_generate refuses a token that token_check refuses; out is empty. */
static void
test_generate_bad_token(void **state)
{
	struct mfa_token tok;
	char out[MFA_CODE_MAX + 1];
	uint64_t m;

	(void)state;
	tok_init(&tok, MFA_HOTP, MFA_SHA256, 6, 0);
	memset(out, 'x', sizeof(out));
	assert_int_equal(otp_generate(&tok, 0, out), MFA_EINTERNAL);
	assert_string_equal(out, "");
	assert_int_not_equal(verify(&tok, 0, 0, "755224", 1, 0, &m), MFA_OK);
	tok_init(&tok, MFA_TOTP, MFA_SHA1, 7, 30);
	assert_int_equal(otp_generate(&tok, 0, out), MFA_EINTERNAL);
	assert_int_not_equal(verify(&tok, 0, 0, "7552240", 1, 0, &m), MFA_OK);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc4226_generate),
		cmocka_unit_test(test_rfc4226_verify),
		cmocka_unit_test(test_rfc6238_generate),
		cmocka_unit_test(test_rfc6238_verify),
		cmocka_unit_test(test_digits_6_and_8),
		cmocka_unit_test(test_period_60),
		cmocka_unit_test(test_window_edges),
		cmocka_unit_test(test_params_bounded),
		cmocka_unit_test(test_totp_replay_floor),
		cmocka_unit_test(test_lowest_match),
		cmocka_unit_test(test_hotp_lookahead),
		cmocka_unit_test(test_hotp_replay_below_floor),
		cmocka_unit_test(test_malformed_codes),
		cmocka_unit_test(test_clock),
		cmocka_unit_test(test_generate_bad_token),
		cmocka_unit_test(test_codes_computed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
