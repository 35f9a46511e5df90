/*
 * test_backup.c - backup codes as pure functions: the forms a reply may
 * take, generation (uniform digits, distinct codes, a new generation),
 * the PBKDF2 hashes against RFC 7914's vector and the openssl command,
 * one salt per generation, matching once, the spent bitmap, records with
 * a salt per code (written before), and the token's backup fields.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "backup.h"
#include "crypto.h"
#include "token.h"

static void
test_parse_table(void **st)
{
	static const struct {
		const char *text;
		unsigned blen;
		int hyphen_only;
		const char *want;	/* NULL: refused */
	} cases[] = {
		{ "12345-67890", 10, 0, "1234567890" },
		{ "1234567890", 10, 0, "1234567890" },
		{ "1234567890", 10, 1, NULL },		/* one field: hyphen */
		{ "12345-67890", 10, 1, "1234567890" },
		{ "1234-5678", 8, 0, "12345678" },
		{ "12345678", 8, 0, "12345678" },
		{ "1234-5678", 10, 0, NULL },
		{ "12345-67890", 8, 0, NULL },
		{ "1234-56789", 10, 0, NULL },
		{ "123456-7890", 10, 0, NULL },
		{ "12345 67890", 10, 0, NULL },
		{ "12345-6789a", 10, 0, NULL },
		{ "-1234567890", 10, 0, NULL },
		{ "123456789", 10, 0, NULL },
		{ "12345678901", 10, 0, NULL },
		{ "12345-67890", 6, 0, NULL },		/* no such length */
		{ "123456", 6, 0, NULL },
		{ "", 10, 0, NULL },
	};
	char out[BACKUP_LEN_NEW + 1];
	size_t i;

	(void)st;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int ok = backup_parse(cases[i].text, strlen(cases[i].text),
		    cases[i].blen, cases[i].hyphen_only, out);

		if (ok != (cases[i].want != NULL))
			fail_msg("backup_parse(\"%s\", %u, %d) = %d",
			    cases[i].text, cases[i].blen,
			    cases[i].hyphen_only, ok);
		if (ok)
			assert_string_equal(out, cases[i].want);
	}
	/* A NUL inside is not a digit. */
	assert_int_equal(backup_parse("12345-6\0890", 11, 10, 0, out), 0);
	assert_int_equal(backup_parse(NULL, 11, 10, 0, out), 0);
}

/* RFC 7914 section 11, PBKDF2-HMAC-SHA-256, P "passwd", S "salt", c 1,
 * first 32 bytes; and one at the iteration count codes use, from
 * `openssl kdf -keylen 32 -kdfopt digest:SHA256 -kdfopt pass:1234567890
 * -kdfopt hexsalt:000102...0f -kdfopt iter:20000 PBKDF2`. */
static void
test_kdf_vectors(void **st)
{
	static const unsigned char rfc[32] = {
		0x55, 0xac, 0x04, 0x6e, 0x56, 0xe3, 0x08, 0x9f, 0xec, 0x16,
		0x91, 0xc2, 0x25, 0x44, 0xb6, 0x05, 0xf9, 0x41, 0x85, 0x21,
		0x6d, 0xde, 0x04, 0x65, 0xe6, 0x8b, 0x9d, 0x57, 0xc2, 0x0d,
		0xac, 0xbc,
	};
	static const unsigned char ossl[32] = {
		0x32, 0x6b, 0x2b, 0x4f, 0x55, 0xe8, 0x02, 0x7c, 0xb6, 0xfd,
		0x9d, 0xc7, 0x52, 0x1a, 0x84, 0x6c, 0xd8, 0x88, 0x64, 0x5c,
		0x36, 0x1d, 0xec, 0x4b, 0xd3, 0xe3, 0xb7, 0x28, 0xc8, 0x23,
		0x2b, 0xe3,
	};
	unsigned char salt[16], out[32];
	unsigned i;

	(void)st;
	assert_int_equal(crypto_kdf("passwd", 6, "salt", 4, 1, out), MFA_OK);
	assert_memory_equal(out, rfc, sizeof(rfc));
	for (i = 0; i < sizeof(salt); i++)
		salt[i] = (unsigned char)i;
	assert_int_equal(crypto_kdf("1234567890", 10, salt, sizeof(salt),
	    BACKUP_ITER_DEFAULT, out), MFA_OK);
	assert_memory_equal(out, ossl, sizeof(ossl));
	assert_int_equal(crypto_kdf("x", 1, salt, sizeof(salt), 0, out),
	    MFA_EINTERNAL);
}

static void
token_base(struct mfa_token *tok)
{
	memset(tok, 0, sizeof(*tok));
	tok->id = 42;
	tok->type = MFA_TOTP;
	tok->algo = MFA_SHA1;
	tok->digits = 6;
	tok->period = 30;
	tok->secret_len = 20;
}

static void
test_generate_and_match(void **st)
{
	char codes[TOKEN_BACKUP_MAX][BACKUP_TEXT_MAX + 1];
	char digits[BACKUP_LEN_NEW + 1];
	unsigned char salt[TOKEN_BACKUP_SALT];
	struct mfa_token tok;
	uint32_t used = 0, gen;
	unsigned i, j, slot;

	(void)st;
	token_base(&tok);
	assert_int_equal(backup_generate(&tok, 10, codes), MFA_OK);
	assert_int_equal(tok.backup_count, 10);
	assert_int_equal(tok.backup_len, BACKUP_LEN_NEW);
	assert_int_equal(tok.backup_iter, BACKUP_ITER_DEFAULT);
	assert_int_not_equal(tok.backup_gen, 0);
	assert_int_equal(token_check(&tok), MFA_OK);
	for (i = 0; i < 10; i++) {
		assert_int_equal(strlen(codes[i]), 11);
		assert_int_equal(codes[i][5], '-');
		assert_true(backup_parse(codes[i], 11, 10, 1, digits));
		for (j = 0; j < i; j++)
			assert_string_not_equal(codes[i], codes[j]);
		/* One salt for the generation: one hash per attempt. */
		assert_memory_equal(tok.backup[i].salt, tok.backup[0].salt,
		    TOKEN_BACKUP_SALT);
	}
	memcpy(salt, tok.backup[0].salt, sizeof(salt));
	/* Each matches its own slot once; then it is spent. */
	for (i = 0; i < 10; i++) {
		assert_true(backup_parse(codes[i], 11, 10, 0, digits));
		assert_int_equal(backup_match(&tok, used, digits, &slot),
		    MFA_OK);
		assert_int_equal(slot, i);
		used |= 1U << slot;
		assert_int_equal(backup_left(&tok, used), 9 - i);
		assert_int_equal(backup_match(&tok, used, digits, &slot),
		    MFA_EREPLAY);
	}
	assert_int_equal(backup_match(&tok, 0, "0000000000", &slot),
	    MFA_EBADCODE);
	assert_int_equal(backup_match(&tok, 0, "12345678", &slot),
	    MFA_EBADCODE);
	/* A new generation: the old codes are gone. */
	gen = tok.backup_gen;
	assert_true(backup_parse(codes[0], 11, 10, 0, digits));
	assert_int_equal(backup_generate(&tok, 3, codes), MFA_OK);
	assert_int_not_equal(tok.backup_gen, gen);
	assert_int_equal(tok.backup_count, 3);
	/* ... under a fresh salt. */
	assert_memory_not_equal(tok.backup[0].salt, salt, sizeof(salt));
	assert_memory_equal(tok.backup[2].salt, tok.backup[0].salt,
	    sizeof(salt));
	assert_int_equal(backup_match(&tok, 0, digits, &slot), MFA_EBADCODE);
	/* None: no slots, no length, no match. */
	assert_int_equal(backup_generate(&tok, 0, codes), MFA_OK);
	assert_int_equal(tok.backup_count, 0);
	assert_int_equal(tok.backup_len, 0);
	assert_int_equal(token_check(&tok), MFA_OK);
	assert_int_equal(backup_match(&tok, 0, digits, &slot), MFA_EBADCODE);
	assert_int_equal(backup_generate(&tok, TOKEN_BACKUP_MAX + 1, codes),
	    MFA_EINTERNAL);
	crypto_wipe(codes, sizeof(codes));
}

/*
 * Records written before one salt per generation have a salt per code
 * (each hash as PBKDF2(code, its salt)): still matched, each to its own
 * slot, spent ones refused; so is a record mixing runs of salts.
 */
static void
test_match_salt_per_code(void **st)
{
	char codes[TOKEN_BACKUP_MAX][BACKUP_TEXT_MAX + 1];
	char digits[TOKEN_BACKUP_MAX][BACKUP_LEN_NEW + 1];
	struct mfa_token tok;
	unsigned i, slot, pass;
	uint32_t used;

	(void)st;
	for (pass = 0; pass < 2; pass++) {
		token_base(&tok);
		assert_int_equal(backup_generate(&tok, TOKEN_BACKUP_MAX,
		    codes), MFA_OK);
		/* The fewest iterations a record may have: about 500 hashes
		 * a pass here, which valgrind runs 50 times slower. */
		tok.backup_iter = BACKUP_ITER_MIN;
		for (i = 0; i < TOKEN_BACKUP_MAX; i++) {
			assert_true(backup_parse(codes[i], 11, 10, 1,
			    digits[i]));
			/* Pass 0: a salt each; pass 1: runs of three. */
			if (pass == 0 || i % 3 == 0)
				assert_int_equal(crypto_random(
				    tok.backup[i].salt, TOKEN_BACKUP_SALT),
				    MFA_OK);
			else
				memcpy(tok.backup[i].salt,
				    tok.backup[i - 1].salt,
				    TOKEN_BACKUP_SALT);
			assert_int_equal(crypto_kdf(digits[i], 10,
			    tok.backup[i].salt, TOKEN_BACKUP_SALT,
			    tok.backup_iter, tok.backup[i].hash), MFA_OK);
		}
		used = 0;
		for (i = TOKEN_BACKUP_MAX; i-- > 0;) {
			assert_int_equal(backup_match(&tok, used, digits[i],
			    &slot), MFA_OK);
			assert_int_equal(slot, i);
			used |= 1U << slot;
			assert_int_equal(backup_match(&tok, used, digits[i],
			    &slot), MFA_EREPLAY);
		}
		assert_int_equal(backup_match(&tok, 0, "0000000000", &slot),
		    MFA_EBADCODE);
	}
	crypto_wipe(codes, sizeof(codes));
	crypto_wipe(digits, sizeof(digits));
}

/* Every digit about equally often: 16 x 10 x 10 digits, no digit absent
 * or more than three times its share. */
static void
test_generate_digits_spread(void **st)
{
	char codes[TOKEN_BACKUP_MAX][BACKUP_TEXT_MAX + 1];
	unsigned count[10] = { 0 }, i, r, k;
	struct mfa_token tok;

	(void)st;
	token_base(&tok);
	for (r = 0; r < 10; r++) {
		assert_int_equal(backup_generate(&tok, TOKEN_BACKUP_MAX, codes),
		    MFA_OK);
		for (i = 0; i < TOKEN_BACKUP_MAX; i++)
			for (k = 0; k < 11; k++)
				if (k != 5)
					count[codes[i][k] - '0']++;
	}
	for (k = 0; k < 10; k++) {
		assert_true(count[k] > 0);
		assert_true(count[k] < 3 * 160);
	}
}

static void
test_set_imported(void **st)
{
	static const char *const scratch[] = { "12345678", "87654321",
	    "00000001" };
	static const char *const bad[] = { "1234567" };
	static const char *const bad2[] = { "1234567a" };
	char digits[BACKUP_LEN_NEW + 1];
	struct mfa_token tok;
	unsigned slot;

	(void)st;
	token_base(&tok);
	assert_int_equal(backup_set(&tok, scratch, 3, 8), MFA_OK);
	assert_int_equal(tok.backup_len, 8);
	assert_int_equal(token_check(&tok), MFA_OK);
	assert_true(backup_parse("8765-4321", 9, 8, 1, digits));
	assert_int_equal(backup_match(&tok, 0, digits, &slot), MFA_OK);
	assert_int_equal(slot, 1);
	assert_int_equal(backup_match(&tok, 0, "00000001", &slot), MFA_OK);
	assert_int_equal(slot, 2);
	assert_int_equal(backup_set(&tok, bad, 1, 8), MFA_EINPUT);
	assert_int_equal(backup_set(&tok, bad2, 1, 8), MFA_EINPUT);
	assert_int_equal(backup_set(&tok, scratch, 3, 6), MFA_EINTERNAL);
	/* An 8-digit token can't have 8-digit backup codes. */
	tok.digits = 8;
	assert_int_equal(backup_set(&tok, scratch, 3, 8), MFA_OK);
	assert_int_equal(token_check(&tok), MFA_ECORRUPT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_kdf_vectors),
		cmocka_unit_test(test_generate_and_match),
		cmocka_unit_test(test_match_salt_per_code),
		cmocka_unit_test(test_generate_digits_spread),
		cmocka_unit_test(test_set_imported),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
