/*
 * test_token.c - the token record codec: every field survives a round trip,
 * token_check refuses what an admin or an import may get wrong, and decoding
 * refuses damage, forgeries and newer formats and then holds no secret.
 * Forged records get their digest recomputed here with OpenSSL, so they test
 * the checks behind the digest.
 */
#include "config.h"

#include <openssl/sha.h>
#include <string.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "keyring.h"
#include "token.h"

/* Offsets from the layout in token.h. */
#define OFF_VERSION	4
#define OFF_FLAGS	6
#define OFF_ID		8
#define OFF_CREATED	16
#define OFF_TYPE	24
#define OFF_ALGO	25
#define OFF_DIGITS	26
#define OFF_CIPHER	27
#define OFF_PERIOD	28
#define OFF_SECLEN	30
#define OFF_COUNTER	32
#define OFF_KEYID	40
#define OFF_SECRET	72
#define OFF_BGEN	136
#define OFF_BCOUNT	140
#define OFF_BLEN	142
#define OFF_BITER	912
#define OFF_REPLACES	916
#define OFF_UID		924
#define OFF_OFFSET	928
#define OFF_DIGEST	992

/* A valid TOTP token whose fields all differ from their zero values. */
static void
tok_fill(struct mfa_token *tok, size_t secret_len, unsigned nbackup)
{
	size_t i;

	memset(tok, 0, sizeof(*tok));
	tok->id = 0xfedcba9876543210ULL;
	tok->created = 1700000000;
	tok->flags = 0;
	tok->type = MFA_TOTP;
	tok->algo = MFA_SHA1;
	tok->digits = 6;
	tok->period = 30;
	tok->counter = 0;
	tok->secret_len = secret_len;
	for (i = 0; i < secret_len; i++)
		tok->secret[i] = (unsigned char)(0xa0 + i);
	tok->backup_gen = 0x01020304;
	tok->backup_count = nbackup;
	tok->backup_len = nbackup > 0 ? 10 : 0;
	tok->backup_iter = nbackup > 0 ? 20000 : 0;
	for (i = 0; i < nbackup; i++) {
		memset(tok->backup[i].salt, (int)(0x10 + i), TOKEN_BACKUP_SALT);
		memset(tok->backup[i].hash, (int)(0x80 + i), TOKEN_BACKUP_HASH);
		tok->backup[i].hash[0] = (unsigned char)i;
	}
}

static void
assert_token_equal(const struct mfa_token *a, const struct mfa_token *b)
{
	unsigned i;

	assert_int_equal(a->id, b->id);
	assert_int_equal(a->created, b->created);
	assert_int_equal(a->flags, b->flags);
	assert_int_equal(a->type, b->type);
	assert_int_equal(a->algo, b->algo);
	assert_int_equal(a->digits, b->digits);
	assert_int_equal(a->period, b->period);
	assert_int_equal(a->counter, b->counter);
	assert_int_equal(a->secret_len, b->secret_len);
	assert_memory_equal(a->secret, b->secret, a->secret_len);
	assert_int_equal(a->backup_gen, b->backup_gen);
	assert_int_equal(a->backup_count, b->backup_count);
	assert_int_equal(a->backup_len, b->backup_len);
	assert_int_equal(a->backup_iter, b->backup_iter);
	assert_int_equal(a->replaces, b->replaces);
	assert_int_equal(a->uid, b->uid);
	for (i = 0; i < a->backup_count; i++) {
		assert_memory_equal(a->backup[i].salt, b->backup[i].salt,
		    TOKEN_BACKUP_SALT);
		assert_memory_equal(a->backup[i].hash, b->backup[i].hash,
		    TOKEN_BACKUP_HASH);
	}
}

/* Every byte of the struct is zero: nothing, and no secret, left. */
static void
assert_token_wiped(const struct mfa_token *tok)
{
	const unsigned char *p = (const unsigned char *)tok;
	size_t i;

	for (i = 0; i < sizeof(*tok); i++)
		if (p[i] != 0)
			fail_msg("byte %zu of the token is not wiped", i);
}

static void
forge(unsigned char *buf)
{
	SHA256(buf, OFF_DIGEST, buf + OFF_DIGEST);
}

/* Decode buf into a struct full of garbage; expect rc and a wiped struct. */
static void
assert_decode_fails(const unsigned char *buf, enum mfa_err rc)
{
	struct mfa_token tok;

	memset(&tok, 0xa5, sizeof(tok));
	assert_int_equal(token_decode(buf, &tok), rc);
	assert_token_wiped(&tok);
}

static void
round_trip(const struct mfa_token *in)
{
	unsigned char buf[TOKEN_FILE_SIZE];
	struct mfa_token out;
	unsigned i;

	assert_int_equal(token_check(in), MFA_OK);
	assert_int_equal(token_encode(in, buf), MFA_OK);
	memset(&out, 0x5a, sizeof(out));
	assert_int_equal(token_decode(buf, &out), MFA_OK);
	assert_token_equal(&out, in);
	/* Unused backup slots and secret bytes come back empty. */
	for (i = out.backup_count; i < TOKEN_BACKUP_MAX; i++) {
		static const struct mfa_backup_slot zero;

		assert_memory_equal(&out.backup[i], &zero, sizeof(zero));
	}
	for (i = (unsigned)out.secret_len; i < MFA_SECRET_MAX; i++)
		assert_int_equal(out.secret[i], 0);
}

static void
test_round_trip_totp(void **state)
{
	static const enum mfa_algo algos[] = { MFA_SHA1, MFA_SHA256,
	    MFA_SHA512 };
	static const unsigned digits[] = { 6, 8 };
	static const unsigned periods[] = { 30, 60 };
	static const size_t lens[] = { MFA_SECRET_MIN, 20, 32, MFA_SECRET_MAX };
	struct mfa_token tok;
	size_t a, d, p, l;

	(void)state;
	for (a = 0; a < 3; a++)
		for (d = 0; d < 2; d++)
			for (p = 0; p < 2; p++)
				for (l = 0; l < 4; l++) {
					tok_fill(&tok, lens[l], 2);
					tok.algo = algos[a];
					tok.digits = digits[d];
					tok.period = periods[p];
					round_trip(&tok);
				}
}

static void
test_round_trip_hotp(void **state)
{
	static const uint64_t counters[] = { 0, 1, 0x0102030405060708ULL,
	    UINT64_MAX };
	struct mfa_token tok;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
		tok_fill(&tok, 20, 0);
		tok.type = MFA_HOTP;
		tok.counter = counters[i];
		tok.digits = i % 2 ? 8 : 6;
		round_trip(&tok);
	}
}

static void
test_round_trip_misc(void **state)
{
	struct mfa_token tok;
	unsigned n;

	(void)state;
	/* Every number of backup slots, 0 to full. */
	for (n = 0; n <= TOKEN_BACKUP_MAX; n++) {
		tok_fill(&tok, 20, n);
		round_trip(&tok);
	}
	tok_fill(&tok, 20, 3);
	tok.flags = TOKEN_F_PENDING;
	round_trip(&tok);
	tok.flags = TOKEN_F_PENDING | TOKEN_F_UID;
	tok.uid = UINT32_MAX;
	round_trip(&tok);
	tok.flags = TOKEN_F_UID;
	tok.uid = 0;		/* root's */
	round_trip(&tok);
	tok_fill(&tok, 20, 0);
	tok.id = UINT64_MAX;
	tok.created = INT64_MIN;
	tok.backup_gen = UINT32_MAX;
	round_trip(&tok);
	tok.created = -1;
	round_trip(&tok);
}

/* The layout token.h documents, where it is fixed. */
static void
test_layout(void **state)
{
	unsigned char buf[TOKEN_FILE_SIZE], digest[SHA256_DIGEST_LENGTH];
	struct mfa_token tok;

	(void)state;
	tok_fill(&tok, 20, 1);
	tok.algo = MFA_SHA512;
	tok.digits = 8;
	tok.period = 60;
	assert_int_equal(token_encode(&tok, buf), MFA_OK);
	assert_memory_equal(buf, "MFAT", 4);
	assert_int_equal(buf[OFF_VERSION], TOKEN_VERSION);
	assert_int_equal(buf[OFF_VERSION + 1], 0);
	assert_int_equal(buf[OFF_TYPE], MFA_TOTP);
	assert_int_equal(buf[OFF_ALGO], MFA_SHA512);
	assert_int_equal(buf[OFF_DIGITS], 8);
	assert_int_equal(buf[OFF_CIPHER], 0);
	assert_int_equal(buf[OFF_PERIOD], 60);
	assert_int_equal(buf[OFF_SECLEN], 20);
	assert_memory_equal(buf + OFF_SECRET, tok.secret, 20);
	assert_int_equal(buf[OFF_BCOUNT], 1);
	assert_int_equal(buf[OFF_BLEN], 10);
	assert_int_equal(buf[OFF_BITER] | buf[OFF_BITER + 1] << 8 |
	    buf[OFF_BITER + 2] << 16, 20000);
	SHA256(buf, OFF_DIGEST, digest);
	assert_memory_equal(buf + OFF_DIGEST, digest, sizeof(digest));
}

/* One field made wrong in an otherwise valid token. */
enum bad_field {
	F_TYPE, F_ALGO, F_HOTP_ALGO, F_DIGITS, F_PERIOD, F_SECLEN, F_ID,
	F_FLAGS, F_BCOUNT, F_BLEN, F_BITER, F_UID, F_CIPHER2_UID,
};

static const struct {
	const char *what;
	enum bad_field field;
	unsigned long long v;
} bad_tokens[] = {
	{ "type 0",		F_TYPE,		0 },
	{ "type 3",		F_TYPE,		3 },
	{ "type 255",		F_TYPE,		255 },
	{ "algo 0",		F_ALGO,		0 },
	{ "algo 4",		F_ALGO,		4 },
	{ "HOTP SHA256",	F_HOTP_ALGO,	MFA_SHA256 },
	{ "HOTP SHA512",	F_HOTP_ALGO,	MFA_SHA512 },
	{ "digits 0",		F_DIGITS,	0 },
	{ "digits 5",		F_DIGITS,	5 },
	{ "digits 7",		F_DIGITS,	7 },
	{ "digits 9",		F_DIGITS,	9 },
	{ "digits 10",		F_DIGITS,	10 },
	{ "period 0",		F_PERIOD,	0 },
	{ "period 29",		F_PERIOD,	29 },
	{ "period 45",		F_PERIOD,	45 },
	{ "period 90",		F_PERIOD,	90 },
	{ "secret_len 0",	F_SECLEN,	0 },
	{ "secret_len 15",	F_SECLEN,	MFA_SECRET_MIN - 1 },
	{ "secret_len 65",	F_SECLEN,	MFA_SECRET_MAX + 1 },
	{ "id 0",		F_ID,		0 },
	{ "flags 0x0004",	F_FLAGS,	0x0004 },
	{ "uid without TOKEN_F_UID", F_UID,	1000 },
	{ "uid in a cipher 2 record", F_CIPHER2_UID, 1000 },
	{ "flags 0x8000",	F_FLAGS,	0x8000 },
	{ "flags 0xffff",	F_FLAGS,	0xffff },
	{ "backup_count 17",	F_BCOUNT,	TOKEN_BACKUP_MAX + 1 },
	{ "backup_len 0",	F_BLEN,		0 },
	{ "backup_len 6 (= digits)", F_BLEN,	6 },
	{ "backup_len 9",	F_BLEN,		9 },
	{ "backup_len 11",	F_BLEN,		11 },
	{ "backup_iter 0",	F_BITER,	0 },
	{ "backup_iter 999",	F_BITER,	999 },
	{ "backup_iter 10000001", F_BITER,	10000001 },
};

static void
make_bad(struct mfa_token *tok, size_t i)
{
	unsigned long long v = bad_tokens[i].v;

	tok_fill(tok, 20, 0);
	switch (bad_tokens[i].field) {
	case F_TYPE:
		tok->type = (enum mfa_otp_type)v;
		break;
	case F_ALGO:
		tok->algo = (enum mfa_algo)v;
		break;
	case F_HOTP_ALGO:
		tok->type = MFA_HOTP;
		tok->algo = (enum mfa_algo)v;
		break;
	case F_DIGITS:
		tok->digits = (unsigned)v;
		break;
	case F_PERIOD:
		tok->period = (unsigned)v;
		break;
	case F_SECLEN:
		tok->secret_len = (size_t)v;
		break;
	case F_ID:
		tok->id = v;
		break;
	case F_FLAGS:
		tok->flags = (uint16_t)v;
		break;
	case F_BCOUNT:
		tok->backup_count = (unsigned)v;
		break;
	case F_BLEN:
		tok_fill(tok, 20, 2);
		tok->backup_len = (unsigned)v;
		break;
	case F_BITER:
		tok_fill(tok, 20, 2);
		tok->backup_iter = (uint32_t)v;
		break;
	case F_UID:
		tok->uid = (uint32_t)v;
		break;
	case F_CIPHER2_UID:
		tok->cipher = 2;
		tok->key_id = 1;
		tok->flags = TOKEN_F_UID;
		tok->uid = (uint32_t)v;
		break;
	}
}

static void
test_check_rejects(void **state)
{
	unsigned char buf[TOKEN_FILE_SIZE];
	struct mfa_token tok;
	size_t i, j;

	(void)state;
	tok_fill(&tok, 20, 0);
	assert_int_equal(token_check(&tok), MFA_OK);
	for (i = 0; i < sizeof(bad_tokens) / sizeof(bad_tokens[0]); i++) {
		make_bad(&tok, i);
		if (token_check(&tok) != MFA_ECORRUPT)
			fail_msg("token_check accepted %s", bad_tokens[i].what);
		/* Nothing is encoded, and no secret is left in buf. */
		memset(buf, 0xa5, sizeof(buf));
		assert_int_not_equal(token_encode(&tok, buf), MFA_OK);
		for (j = 0; j < sizeof(buf); j++)
			assert_int_equal(buf[j], 0);
	}
}

/* The same faults, written by something else with a valid digest. */
static void
test_decode_rejects_forged_fields(void **state)
{
	static const struct {
		size_t off;
		unsigned char val;
	} forged[] = {
		{ OFF_TYPE, 0 },
		{ OFF_TYPE, 3 },
		{ OFF_ALGO, 0 },
		{ OFF_ALGO, 4 },
		{ OFF_DIGITS, 7 },
		{ OFF_PERIOD, 45 },
		{ OFF_SECLEN, MFA_SECRET_MIN - 1 },
		{ OFF_SECLEN, MFA_SECRET_MAX + 1 },
		{ OFF_SECLEN + 1, 1 },		/* 276 */
		{ OFF_FLAGS, 4 },
		{ OFF_FLAGS + 1, 0x80 },
		{ OFF_UID, 1 },			/* a uid without its flag */
		{ OFF_BCOUNT, TOKEN_BACKUP_MAX + 1 },
		{ OFF_BCOUNT + 1, 1 },
	};
	unsigned char buf[TOKEN_FILE_SIZE];
	struct mfa_token tok;
	size_t i;

	(void)state;
	tok_fill(&tok, 20, 2);
	assert_int_equal(token_encode(&tok, buf), MFA_OK);
	forge(buf);	/* unchanged: still decodes, so the forge is right */
	assert_int_equal(token_decode(buf, &tok), MFA_OK);

	for (i = 0; i < sizeof(forged) / sizeof(forged[0]); i++) {
		tok_fill(&tok, 20, 2);
		assert_int_equal(token_encode(&tok, buf), MFA_OK);
		buf[forged[i].off] = forged[i].val;
		forge(buf);
		assert_decode_fails(buf, MFA_ECORRUPT);
	}
	/* The id: all eight bytes zero. */
	tok_fill(&tok, 20, 2);
	assert_int_equal(token_encode(&tok, buf), MFA_OK);
	memset(buf + 8, 0, 8);
	forge(buf);
	assert_decode_fails(buf, MFA_ECORRUPT);
	/* HOTP with SHA-256. */
	tok_fill(&tok, 20, 2);
	tok.type = MFA_HOTP;
	assert_int_equal(token_encode(&tok, buf), MFA_OK);
	buf[OFF_ALGO] = MFA_SHA256;
	forge(buf);
	assert_decode_fails(buf, MFA_ECORRUPT);
}

/* A flipped bit or byte anywhere, digest included, is damage. */
static void
test_decode_rejects_flips(void **state)
{
	static const unsigned char masks[] = { 0x01, 0x80, 0xff };
	unsigned char buf[TOKEN_FILE_SIZE];
	struct mfa_token tok;
	size_t off, m;

	(void)state;
	tok_fill(&tok, 32, 4);
	for (off = 0; off < TOKEN_FILE_SIZE; off++) {
		for (m = 0; m < sizeof(masks); m++) {
			assert_int_equal(token_encode(&tok, buf), MFA_OK);
			buf[off] ^= masks[m];
			assert_decode_fails(buf, MFA_ECORRUPT);
		}
	}
	/* All zeros, as a file created but never written. */
	memset(buf, 0, sizeof(buf));
	assert_decode_fails(buf, MFA_ECORRUPT);
}

static void
test_decode_rejects_magic(void **state)
{
	static const char *const magics[] = { "MFAS", "mfat", "MFA\0", "XFAT" };
	unsigned char buf[TOKEN_FILE_SIZE];
	struct mfa_token tok;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(magics) / sizeof(magics[0]); i++) {
		tok_fill(&tok, 20, 0);
		assert_int_equal(token_encode(&tok, buf), MFA_OK);
		memcpy(buf, magics[i], 4);
		forge(buf);
		assert_decode_fails(buf, MFA_ECORRUPT);
	}
}

/* Records from a newer pam_mfa are refused as such, not as damage. */
static void
test_decode_newer(void **state)
{
	static const uint16_t versions[] = { TOKEN_VERSION + 1, 0x100, 0xffff };
	static const unsigned char ciphers[] = { 5, 0x80, 0xff };
	unsigned char buf[TOKEN_FILE_SIZE];
	struct mfa_token tok;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		tok_fill(&tok, 20, 0);
		assert_int_equal(token_encode(&tok, buf), MFA_OK);
		buf[OFF_VERSION] = (unsigned char)versions[i];
		buf[OFF_VERSION + 1] = (unsigned char)(versions[i] >> 8);
		forge(buf);
		assert_decode_fails(buf, MFA_EVERSION);
	}
	/* A cipher this version does not know is a later version's. */
	for (i = 0; i < sizeof(ciphers); i++) {
		tok_fill(&tok, 20, 0);
		assert_int_equal(token_encode(&tok, buf), MFA_OK);
		buf[OFF_CIPHER] = ciphers[i];
		forge(buf);
		assert_decode_fails(buf, MFA_EVERSION);
	}
	/* Version 0 was never written. */
	tok_fill(&tok, 20, 0);
	assert_int_equal(token_encode(&tok, buf), MFA_OK);
	buf[OFF_VERSION] = 0;
	forge(buf);
	assert_decode_fails(buf, MFA_ECORRUPT);
}

static void
test_wipe(void **state)
{
	struct mfa_token tok;

	(void)state;
	tok_fill(&tok, MFA_SECRET_MAX, TOKEN_BACKUP_MAX);
	token_wipe(&tok);
	assert_token_wiped(&tok);
}

static void
test_algo_names(void **state)
{
	static const struct {
		const char *name;
		enum mfa_algo algo;
	} names[] = {
		{ "SHA1", MFA_SHA1 }, { "sha1", MFA_SHA1 },
		{ "SHA256", MFA_SHA256 }, { "Sha256", MFA_SHA256 },
		{ "SHA512", MFA_SHA512 }, { "sha512", MFA_SHA512 },
		{ "", 0 }, { "SHA", 0 }, { "SHA-1", 0 }, { "SHA-256", 0 },
		{ "SHA384", 0 }, { "MD5", 0 }, { "SHA1 ", 0 }, { " SHA1", 0 },
		{ "SHA2560", 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		assert_int_equal(token_algo_parse(names[i].name),
		    names[i].algo);
	assert_string_equal(token_algo_name(MFA_SHA1), "SHA1");
	assert_string_equal(token_algo_name(MFA_SHA256), "SHA256");
	assert_string_equal(token_algo_name(MFA_SHA512), "SHA512");
	assert_int_equal(token_algo_parse(token_algo_name(MFA_SHA512)),
	    MFA_SHA512);
	assert_string_equal(token_algo_name((enum mfa_algo)0), "?");
	assert_string_equal(token_algo_name((enum mfa_algo)9), "?");
}

/* Sealing: the secret leaves memory only encrypted, bound to its user,
 * token id and key; any change makes it fail to open. */
static void
test_seal_unseal(void **state)
{
	struct mfa_keyring kr, other;
	struct mfa_token tok, orig, t2;
	unsigned char buf[TOKEN_FILE_SIZE];

	(void)state;
	memset(&kr, 0, sizeof(kr));
	memset(&other, 0, sizeof(other));
	assert_int_equal(keyring_add(&kr), MFA_OK);
	assert_int_equal(keyring_add(&other), MFA_OK);
	tok_fill(&tok, 32, 0);
	orig = tok;
	assert_int_equal(token_seal(&tok, "alice", &kr), MFA_OK);
	assert_int_equal(tok.cipher, 3);
	assert_int_equal(tok.key_id, kr.k[0].id);
	assert_memory_not_equal(tok.secret, orig.secret, orig.secret_len);
	/* Sealing twice is a bug, refused. */
	t2 = tok;
	assert_int_equal(token_seal(&t2, "alice", &kr), MFA_EINTERNAL);
	/* Through the codec and back. */
	assert_int_equal(token_encode(&tok, buf), MFA_OK);
	assert_null(memmem(buf, sizeof(buf), orig.secret, orig.secret_len));
	assert_int_equal(token_decode(buf, &t2), MFA_OK);
	assert_int_equal(token_unseal(&t2, "alice", &kr), MFA_OK);
	assert_int_equal(t2.cipher, 0);
	assert_memory_equal(t2.secret, orig.secret, orig.secret_len);

	/* Another user's name, another token id, another key, a flipped
	 * bit in the ciphertext, tag or nonce: nothing opens. */
	t2 = tok;
	assert_int_equal(token_unseal(&t2, "mallory", &kr), MFA_ECORRUPT);
	t2 = tok;
	t2.id ^= 1;
	assert_int_equal(token_unseal(&t2, "alice", &kr), MFA_ECORRUPT);
	t2 = tok;
	other.k[0].id = kr.k[0].id;
	assert_int_equal(token_unseal(&t2, "alice", &other), MFA_ECORRUPT);
	t2 = tok;
	t2.secret[3] ^= 0x10;
	assert_int_equal(token_unseal(&t2, "alice", &kr), MFA_ECORRUPT);
	t2 = tok;
	t2.tag[0] ^= 1;
	assert_int_equal(token_unseal(&t2, "alice", &kr), MFA_ECORRUPT);
	t2 = tok;
	t2.nonce[11] ^= 1;
	assert_int_equal(token_unseal(&t2, "alice", &kr), MFA_ECORRUPT);
	/* A key id the ring does not hold. */
	t2 = tok;
	t2.key_id = 999;
	assert_int_equal(token_unseal(&t2, "alice", &kr), MFA_ECRYPTO);
	/* A clear token can't be "opened". */
	assert_int_equal(token_unseal(&orig, "alice", &kr), MFA_ECORRUPT);
	/* Two sealings of one secret differ (fresh nonce). */
	t2 = orig;
	assert_int_equal(token_seal(&t2, "alice", &kr), MFA_OK);
	assert_memory_not_equal(t2.nonce, tok.nonce, sizeof(tok.nonce));
	keyring_wipe(&kr);
	keyring_wipe(&other);
}

/* Cipher 2 seals the backup hashes with the secret: neither is in the
 * file in clear, a flipped bit in either fails to open, and they come
 * back whole. */
static void
test_seal_backup_slots(void **state)
{
	struct mfa_token tok, orig, t2;
	unsigned char buf[TOKEN_FILE_SIZE];
	struct mfa_keyring kr;
	unsigned i;

	(void)state;
	memset(&kr, 0, sizeof(kr));
	assert_int_equal(keyring_add(&kr), MFA_OK);
	tok_fill(&tok, 20, TOKEN_BACKUP_MAX);
	orig = tok;
	assert_int_equal(token_seal(&tok, "alice", &kr), MFA_OK);
	assert_int_equal(token_encode(&tok, buf), MFA_OK);
	for (i = 0; i < TOKEN_BACKUP_MAX; i++) {
		assert_null(memmem(buf, sizeof(buf), orig.backup[i].hash,
		    TOKEN_BACKUP_HASH));
		assert_null(memmem(buf, sizeof(buf), orig.backup[i].salt,
		    TOKEN_BACKUP_SALT));
	}
	/* What is not secret stays readable without the key. */
	assert_int_equal(token_decode(buf, &t2), MFA_OK);
	assert_int_equal(t2.backup_count, TOKEN_BACKUP_MAX);
	assert_int_equal(t2.backup_gen, orig.backup_gen);
	assert_int_equal(token_unseal(&t2, "alice", &kr), MFA_OK);
	assert_memory_equal(t2.backup, orig.backup, sizeof(orig.backup));
	assert_memory_equal(t2.secret, orig.secret, orig.secret_len);
	/* One bit of one hash, or a slot fewer: it does not open. */
	t2 = tok;
	t2.backup[TOKEN_BACKUP_MAX - 1].hash[31] ^= 0x01;
	assert_int_equal(token_unseal(&t2, "alice", &kr), MFA_ECORRUPT);
	t2 = tok;
	t2.backup_count--;
	assert_int_equal(token_unseal(&t2, "alice", &kr), MFA_ECORRUPT);
	keyring_wipe(&kr);
	token_wipe(&tok);
	token_wipe(&t2);
}

/* Records sealed before backup codes (cipher 1: the secret alone, label
 * "pam_mfa/token/v1") still open. */
static void
test_unseal_cipher1(void **state)
{
	static const char label[] = "pam_mfa/token/v1";
	unsigned char aad[sizeof(label) + 8 + 5], ct[32];
	struct mfa_token tok, orig;
	struct mfa_keyring kr;
	unsigned i;

	(void)state;
	memset(&kr, 0, sizeof(kr));
	assert_int_equal(keyring_add(&kr), MFA_OK);
	tok_fill(&tok, 32, 0);
	orig = tok;
	memcpy(aad, label, sizeof(label));
	for (i = 0; i < 8; i++)
		aad[sizeof(label) + i] = (unsigned char)(tok.id >> (8 * i));
	memcpy(aad + sizeof(label) + 8, "alice", 5);
	assert_int_equal(crypto_aead_seal(kr.k[0].key, tok.nonce, aad,
	    sizeof(aad), tok.secret, 32, ct, tok.tag), MFA_OK);
	memcpy(tok.secret, ct, 32);
	tok.cipher = 1;
	tok.key_id = kr.k[0].id;
	assert_int_equal(token_unseal(&tok, "alice", &kr), MFA_OK);
	assert_int_equal(tok.cipher, 0);
	assert_memory_equal(tok.secret, orig.secret, 32);
	keyring_wipe(&kr);
}

/*
 * Cipher 3 binds every field that decides what the token does: one
 * changed on disk to another valid value (the digest made right again,
 * as anyone can) no longer opens.
 */
static void
test_seal_binds_fields(void **state)
{
	static const struct {
		const char *what;
		size_t off;
		unsigned char val;	/* XORed into the byte */
	} fields[] = {
		{ "flags: pending", OFF_FLAGS, TOKEN_F_PENDING },
		{ "flags: uid", OFF_FLAGS, TOKEN_F_UID },
		{ "id", OFF_ID, 0x01 },
		{ "created", OFF_CREATED, 0x01 },
		{ "type TOTP to HOTP", OFF_TYPE, MFA_TOTP ^ MFA_HOTP },
		{ "algorithm SHA1 to SHA256", OFF_ALGO, MFA_SHA1 ^ MFA_SHA256 },
		{ "digits 6 to 8", OFF_DIGITS, 6 ^ 8 },
		{ "period 30 to 60", OFF_PERIOD, 30 ^ 60 },
		{ "counter", OFF_COUNTER, 0x01 },
		{ "counter, high byte", OFF_COUNTER + 7, 0x80 },
		{ "key id", OFF_KEYID + 1, 0x01 },
		{ "backup generation", OFF_BGEN, 0x01 },
		{ "backup digits 10 to 8", OFF_BLEN, 10 ^ 8 },
		{ "backup iterations", OFF_BITER, 0x01 },
		{ "replaces", OFF_REPLACES, 0x01 },
		{ "uid", OFF_UID, 0x01 },
		{ "uid, high byte", OFF_UID + 3, 0x01 },
	};
	unsigned char buf[TOKEN_FILE_SIZE], good[TOKEN_FILE_SIZE];
	struct mfa_keyring kr;
	struct mfa_token tok;
	size_t i;

	(void)state;
	memset(&kr, 0, sizeof(kr));
	assert_int_equal(keyring_add(&kr), MFA_OK);
	tok_fill(&tok, 20, 2);
	tok.flags = TOKEN_F_UID;
	tok.uid = 1001;
	tok.replaces = 0x1122334455667788ULL;
	assert_int_equal(token_seal(&tok, "alice", &kr), MFA_OK);
	assert_int_equal(tok.cipher, 3);
	assert_int_equal(token_encode(&tok, good), MFA_OK);
	/* As written, it opens. */
	assert_int_equal(token_decode(good, &tok), MFA_OK);
	assert_int_equal(token_unseal(&tok, "alice", &kr), MFA_OK);
	assert_int_equal(tok.uid, 1001);
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		memcpy(buf, good, sizeof(buf));
		buf[fields[i].off] ^= fields[i].val;
		forge(buf);
		/* Refused when read (the uid flag cleared leaves a uid
		 * without it) or when opened; never a token that opens. */
		if (token_decode(buf, &tok) == MFA_OK &&
		    token_unseal(&tok, "alice", &kr) == MFA_OK)
			fail_msg("%s changed: the token still opens",
			    fields[i].what);
		token_wipe(&tok);
	}
	/* A slot fewer. */
	memcpy(buf, good, sizeof(buf));
	buf[OFF_BCOUNT] = 1;
	forge(buf);
	assert_int_equal(token_decode(buf, &tok), MFA_OK);
	assert_int_not_equal(token_unseal(&tok, "alice", &kr), MFA_OK);
	keyring_wipe(&kr);
	token_wipe(&tok);
}

/* Records sealed by the version before (cipher 2: label
 * "pam_mfa/token/v2", the token id and the user name) still open, and
 * can't claim a uid. */
static void
test_unseal_cipher2(void **state)
{
	static const char label[] = "pam_mfa/token/v2";
	unsigned char aad[sizeof(label) + 8 + 5], ct[20 + 2 * 48];
	unsigned char buf[TOKEN_FILE_SIZE];
	struct mfa_token tok, orig, back;
	struct mfa_keyring kr;
	unsigned i;

	(void)state;
	memset(&kr, 0, sizeof(kr));
	assert_int_equal(keyring_add(&kr), MFA_OK);
	tok_fill(&tok, 20, 2);
	orig = tok;
	memcpy(aad, label, sizeof(label));
	for (i = 0; i < 8; i++)
		aad[sizeof(label) + i] = (unsigned char)(tok.id >> (8 * i));
	memcpy(aad + sizeof(label) + 8, "alice", 5);
	memcpy(ct, tok.secret, 20);
	for (i = 0; i < 2; i++) {
		memcpy(ct + 20 + i * 48, tok.backup[i].salt, 16);
		memcpy(ct + 20 + i * 48 + 16, tok.backup[i].hash, 32);
	}
	assert_int_equal(crypto_aead_seal(kr.k[0].key, tok.nonce, aad,
	    sizeof(aad), ct, sizeof(ct), ct, tok.tag), MFA_OK);
	memcpy(tok.secret, ct, 20);
	for (i = 0; i < 2; i++) {
		memcpy(tok.backup[i].salt, ct + 20 + i * 48, 16);
		memcpy(tok.backup[i].hash, ct + 20 + i * 48 + 16, 32);
	}
	tok.cipher = 2;
	tok.key_id = kr.k[0].id;
	assert_int_equal(token_encode(&tok, buf), MFA_OK);
	assert_int_equal(token_decode(buf, &back), MFA_OK);
	assert_int_equal(back.cipher, 2);
	assert_int_equal(back.flags & TOKEN_F_UID, 0);
	assert_int_equal(token_unseal(&back, "alice", &kr), MFA_OK);
	assert_token_equal(&back, &orig);
	/* A uid written into it (with the digest made right): refused. */
	buf[OFF_FLAGS] |= TOKEN_F_UID;
	buf[OFF_UID] = 0xe9;
	forge(buf);
	assert_decode_fails(buf, MFA_ECORRUPT);
	keyring_wipe(&kr);
}

static void
test_keyring(void **state)
{
	unsigned char buf[KEYRING_FILE_SIZE];
	struct mfa_keyring kr, back;
	uint32_t base;
	unsigned i;

	(void)state;
	memset(&kr, 0, sizeof(kr));
	/* An empty ring is not a key file. */
	assert_int_equal(keyring_encode(&kr, buf), MFA_EINTERNAL);
	for (i = 0; i < KEYRING_MAX; i++)
		assert_int_equal(keyring_add(&kr), MFA_OK);
	assert_int_equal(keyring_add(&kr), MFA_EEXIST);
	/* The newest key is active; ids grow from a random first one, so
	 * two key files made apart share no id (but once in 2^31). */
	base = kr.k[KEYRING_MAX - 1].id;
	assert_true(base >= 1 && base <= 0x7fffffffU);
	assert_int_equal(kr.k[0].id, base + KEYRING_MAX - 1);
	memset(&back, 0, sizeof(back));
	assert_int_equal(keyring_add(&back), MFA_OK);
	assert_int_not_equal(back.k[0].id, base);
	keyring_wipe(&back);
	assert_int_equal(keyring_encode(&kr, buf), MFA_OK);
	assert_int_equal(keyring_decode(buf, &back), MFA_OK);
	assert_int_equal(back.n, KEYRING_MAX);
	assert_memory_equal(&back, &kr, sizeof(kr));
	assert_non_null(keyring_find(&back, base + 2));
	assert_null(keyring_find(&back, 0));
	assert_null(keyring_find(&back, base + KEYRING_MAX));
	/* The active key can't be dropped; old ones go, the rest stay. */
	keyring_drop(&back, 0);
	assert_int_equal(back.n, KEYRING_MAX);
	keyring_drop(&back, 2);
	assert_int_equal(back.n, KEYRING_MAX - 1);
	assert_null(keyring_find(&back, base + KEYRING_MAX - 3));
	assert_non_null(keyring_find(&back, base + KEYRING_MAX - 2));
	assert_non_null(keyring_find(&back, base));
	while (back.n > 1)
		keyring_drop(&back, back.n - 1);
	assert_int_equal(back.n, 1);
	assert_null(keyring_find(&back, base));
	assert_non_null(keyring_find(&back, base + KEYRING_MAX - 1));
	/* Any flipped byte is caught. */
	for (i = 0; i < KEYRING_FILE_SIZE; i++) {
		buf[i] ^= 0x01;
		assert_int_not_equal(keyring_decode(buf, &back), MFA_OK);
		assert_int_equal(back.n, 0);
		buf[i] ^= 0x01;
	}
	keyring_wipe(&kr);
	keyring_wipe(&back);
}

/* A TOTP offset (pam-mfa resync) is sealed as cipher 4, bound like every
 * other field: it comes back, and no change of it, nor the record passed
 * off as cipher 3, opens.  Without one the record stays cipher 3, what an
 * earlier version reads.  Bounded, TOTP's only. */
static void
test_seal_offset(void **state)
{
	static const int32_t offsets[] = { 1, -1, 37, -TOKEN_OFFSET_MAX,
	    TOKEN_OFFSET_MAX - 7 };
	unsigned char buf[TOKEN_FILE_SIZE], good[TOKEN_FILE_SIZE];
	struct mfa_keyring kr;
	struct mfa_token tok;
	size_t i;

	(void)state;
	memset(&kr, 0, sizeof(kr));
	assert_int_equal(keyring_add(&kr), MFA_OK);
	for (i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
		tok_fill(&tok, 20, 2);
		tok.totp_offset = offsets[i];
		assert_int_equal(token_seal(&tok, "alice", &kr), MFA_OK);
		assert_int_equal(tok.cipher, 4);
		assert_int_equal(token_encode(&tok, good), MFA_OK);
		assert_int_equal(token_decode(good, &tok), MFA_OK);
		assert_int_equal(tok.totp_offset, offsets[i]);
		assert_int_equal(token_unseal(&tok, "alice", &kr), MFA_OK);
		assert_int_equal(tok.totp_offset, offsets[i]);
		/* Another offset: it does not open. */
		memcpy(buf, good, sizeof(buf));
		buf[OFF_OFFSET] ^= 0x06;
		forge(buf);
		assert_int_equal(token_decode(buf, &tok), MFA_OK);
		assert_int_not_equal(tok.totp_offset, offsets[i]);
		assert_int_equal(token_unseal(&tok, "alice", &kr),
		    MFA_ECORRUPT);
		/* Passed off as cipher 3, which has no offset: refused. */
		memcpy(buf, good, sizeof(buf));
		buf[OFF_CIPHER] = 3;
		forge(buf);
		assert_decode_fails(buf, MFA_ECORRUPT);
		/* Nor cipher 3 with the offset dropped. */
		memcpy(buf, good, sizeof(buf));
		buf[OFF_CIPHER] = 3;
		memset(buf + OFF_OFFSET, 0, 4);
		forge(buf);
		assert_int_equal(token_decode(buf, &tok), MFA_OK);
		assert_int_equal(token_unseal(&tok, "alice", &kr),
		    MFA_ECORRUPT);
		/* Nor cipher 4 with none. */
		memcpy(buf, good, sizeof(buf));
		memset(buf + OFF_OFFSET, 0, 4);
		forge(buf);
		assert_decode_fails(buf, MFA_ECORRUPT);
	}
	/* No offset: cipher 3, the offset bytes 0. */
	tok_fill(&tok, 20, 0);
	assert_int_equal(token_seal(&tok, "alice", &kr), MFA_OK);
	assert_int_equal(tok.cipher, 3);
	assert_int_equal(token_encode(&tok, buf), MFA_OK);
	assert_int_equal(buf[OFF_OFFSET] | buf[OFF_OFFSET + 1] |
	    buf[OFF_OFFSET + 2] | buf[OFF_OFFSET + 3], 0);
	/* Past the bound, or on an HOTP token: refused. */
	tok_fill(&tok, 20, 0);
	tok.totp_offset = TOKEN_OFFSET_MAX;
	assert_int_equal(token_check(&tok), MFA_OK);
	tok.totp_offset = TOKEN_OFFSET_MAX + 1;
	assert_int_equal(token_check(&tok), MFA_ECORRUPT);
	tok.totp_offset = -TOKEN_OFFSET_MAX - 1;
	assert_int_equal(token_check(&tok), MFA_ECORRUPT);
	tok.totp_offset = 1;
	tok.type = MFA_HOTP;
	assert_int_equal(token_check(&tok), MFA_ECORRUPT);
	keyring_wipe(&kr);
	token_wipe(&tok);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_totp),
		cmocka_unit_test(test_round_trip_hotp),
		cmocka_unit_test(test_round_trip_misc),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_check_rejects),
		cmocka_unit_test(test_decode_rejects_forged_fields),
		cmocka_unit_test(test_decode_rejects_flips),
		cmocka_unit_test(test_decode_rejects_magic),
		cmocka_unit_test(test_decode_newer),
		cmocka_unit_test(test_wipe),
		cmocka_unit_test(test_seal_unseal),
		cmocka_unit_test(test_seal_backup_slots),
		cmocka_unit_test(test_unseal_cipher1),
		cmocka_unit_test(test_unseal_cipher2),
		cmocka_unit_test(test_seal_binds_fields),
		cmocka_unit_test(test_seal_offset),
		cmocka_unit_test(test_keyring),
		cmocka_unit_test(test_algo_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
