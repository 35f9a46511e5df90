/*
 * fuzz_token.c - token_decode over TOKEN_FILE_SIZE bytes made of the input
 * (cut or zero-padded), once as given and once with a valid digest
 * recomputed so the field checks are reached.  A refusal is the one
 * token.h names (corrupt, or a newer version's) and leaves the token
 * wiped; a decoded token obeys token.h, round-trips through token_encode,
 * is refused with any one bit flipped, and seals (cipher 3) and unseals
 * only for its own user and with its own fields.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "keyring.h"
#include "token.h"

#define VERSION_OFF	4	/* the layout in token.h */
#define CIPHER_OFF	27
#define DIGEST_OFF	(TOKEN_FILE_SIZE - CRYPTO_DIGEST_LEN)
#define FUZZ_USER	"fuzz"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The test key: id 1, bytes 1..32 (tests/fuzz/mkseeds.c seals with it). */
static void
keys_make(struct mfa_keyring *kr)
{
	unsigned i;

	memset(kr, 0, sizeof(*kr));
	kr->n = 1;
	kr->k[0].id = 1;
	for (i = 0; i < CRYPTO_KEY_LEN; i++)
		kr->k[0].key[i] = (unsigned char)(i + 1);
}

static int
token_same(const struct mfa_token *a, const struct mfa_token *b)
{
	unsigned i;

	if (a->id != b->id || a->created != b->created ||
	    a->flags != b->flags || a->type != b->type || a->algo != b->algo ||
	    a->digits != b->digits || a->period != b->period ||
	    a->counter != b->counter || a->cipher != b->cipher ||
	    a->key_id != b->key_id ||
	    memcmp(a->nonce, b->nonce, sizeof(a->nonce)) != 0 ||
	    memcmp(a->tag, b->tag, sizeof(a->tag)) != 0 ||
	    a->secret_len != b->secret_len || a->secret_len > MFA_SECRET_MAX ||
	    memcmp(a->secret, b->secret, a->secret_len) != 0 ||
	    a->backup_gen != b->backup_gen ||
	    a->backup_len != b->backup_len ||
	    a->backup_iter != b->backup_iter ||
	    a->replaces != b->replaces || a->uid != b->uid ||
	    a->backup_count != b->backup_count ||
	    a->backup_count > TOKEN_BACKUP_MAX)
		return 0;
	for (i = 0; i < a->backup_count; i++)
		if (memcmp(&a->backup[i], &b->backup[i],
		    sizeof(a->backup[i])) != 0)
			return 0;
	return 1;
}

static int
token_zero(const struct mfa_token *tok)
{
	const unsigned char *p = (const unsigned char *)tok;
	size_t i;

	for (i = 0; i < sizeof(*tok); i++)
		if (p[i] != 0)
			return 0;
	return 1;
}

/* Seal for FUZZ_USER: opens for FUZZ_USER only, with the fields it was
 * sealed with only, to the same secret. */
static void
check_seal(const struct mfa_token *tok, const struct mfa_keyring *kr)
{
	unsigned char enc[TOKEN_FILE_SIZE];
	struct mfa_token sealed, back, other;

	sealed = *tok;
	/* Cipher 4 for a token with a TOTP offset (resync), else 3. */
	if (token_seal(&sealed, FUZZ_USER, kr) != MFA_OK ||
	    sealed.cipher != (tok->totp_offset != 0 ? 4 : 3) ||
	    sealed.key_id != kr->k[0].id ||
	    sealed.secret_len != tok->secret_len)
		abort();
	if (token_encode(&sealed, enc) != MFA_OK ||
	    token_decode(enc, &back) != MFA_OK)
		abort();
	other = back;
	if (token_unseal(&other, FUZZ_USER "2", kr) == MFA_OK)
		abort();
	/* The fields that decide what it does are bound to it. */
	other = back;
	other.flags ^= TOKEN_F_PENDING;
	if (token_unseal(&other, FUZZ_USER, kr) == MFA_OK)
		abort();
	other = back;
	other.uid ^= 1;
	other.flags |= TOKEN_F_UID;
	if (token_unseal(&other, FUZZ_USER, kr) == MFA_OK)
		abort();
	other = back;
	other.digits ^= 6 ^ 8;
	if (token_unseal(&other, FUZZ_USER, kr) == MFA_OK)
		abort();
	other = back;
	other.replaces ^= 1;
	if (token_unseal(&other, FUZZ_USER, kr) == MFA_OK)
		abort();
	/* And so is a resynchronised token's offset (cipher 4). */
	other = back;
	other.totp_offset ^= 1;
	if (back.cipher == 4 && token_unseal(&other, FUZZ_USER, kr) == MFA_OK)
		abort();
	if (token_unseal(&back, FUZZ_USER, kr) != MFA_OK ||
	    back.cipher != 0 || back.secret_len != tok->secret_len ||
	    memcmp(back.secret, tok->secret, tok->secret_len) != 0 ||
	    back.backup_count != tok->backup_count ||
	    memcmp(back.backup, tok->backup,
	    tok->backup_count * sizeof(tok->backup[0])) != 0)
		abort();
	token_wipe(&sealed);
	token_wipe(&back);
	token_wipe(&other);
	crypto_wipe(enc, sizeof(enc));
}

/* The fields token.h and mfa.h allow, checked apart from token_check. */
static int
token_rule(const struct mfa_token *t)
{
	return t->id != 0 &&
	    (t->type == MFA_TOTP || t->type == MFA_HOTP) &&
	    (t->algo == MFA_SHA1 || (t->type == MFA_TOTP &&
	    (t->algo == MFA_SHA256 || t->algo == MFA_SHA512))) &&
	    (t->digits == 6 || t->digits == 8) &&
	    (t->type == MFA_HOTP || t->period == 30 || t->period == 60) &&
	    t->secret_len >= MFA_SECRET_MIN &&
	    t->secret_len <= MFA_SECRET_MAX &&
	    t->backup_count <= TOKEN_BACKUP_MAX &&
	    (t->backup_count == 0 || ((t->backup_len == 8 ||
	    t->backup_len == 10) && t->backup_len != t->digits &&
	    t->backup_iter >= 1000 && t->backup_iter <= 10000000)) &&
	    (t->flags & ~(TOKEN_F_PENDING | TOKEN_F_UID)) == 0 &&
	    (t->uid == 0 || (t->flags & TOKEN_F_UID)) &&
	    (t->cipher == 0 || ((t->cipher == 1 || t->cipher == 2 ||
	    t->cipher == 3 || t->cipher == 4) && t->key_id != 0)) &&
	    (!(t->flags & TOKEN_F_UID) || t->cipher == 0 || t->cipher == 3 ||
	    t->cipher == 4) &&
	    /* A TOTP offset (resync): bounded, in clear or under cipher 4,
	     * which has one. */
	    (t->totp_offset == 0 || (t->type == MFA_TOTP &&
	    t->totp_offset <= TOKEN_OFFSET_MAX &&
	    t->totp_offset >= -TOKEN_OFFSET_MAX &&
	    (t->cipher == 0 || t->cipher == 4))) &&
	    (t->cipher != 4 || t->totp_offset != 0);
}

/*
 * What token.h says of the header: a wrong magic or digest is corrupt;
 * a later version or an unknown cipher is a newer version's.  MFA_OK
 * here means "up to the field checks".
 */
static enum mfa_err
header_rule(const unsigned char *buf)
{
	unsigned char digest[CRYPTO_DIGEST_LEN];
	unsigned version = (unsigned)buf[VERSION_OFF] |
	    (unsigned)buf[VERSION_OFF + 1] << 8;

	if (memcmp(buf, "MFAT", 4) != 0)
		return MFA_ECORRUPT;
	if (crypto_digest(buf, DIGEST_OFF, digest) != MFA_OK)
		abort();
	if (memcmp(digest, buf + DIGEST_OFF, sizeof(digest)) != 0)
		return MFA_ECORRUPT;
	if (version > TOKEN_VERSION)
		return MFA_EVERSION;
	if (version != TOKEN_VERSION)
		return MFA_ECORRUPT;
	return buf[CIPHER_OFF] > 4 ? MFA_EVERSION : MFA_OK;
}

static void
check_decode(const unsigned char *buf)
{
	unsigned char enc[TOKEN_FILE_SIZE], again[TOKEN_FILE_SIZE];
	struct mfa_keyring kr;
	struct mfa_token tok, back;
	size_t bit;
	enum mfa_err rc, want;

	rc = token_decode(buf, &tok);
	want = header_rule(buf);
	if ((want != MFA_OK && rc != want) || (rc == MFA_OK && want != MFA_OK))
		abort();
	if (rc != MFA_OK) {
		if (!token_zero(&tok))
			abort();
		return;
	}
	if (token_check(&tok) != MFA_OK || !token_rule(&tok))
		abort();

	/* Encode, decode, encode: the same token and the same bytes. */
	if (token_encode(&tok, enc) != MFA_OK ||
	    token_decode(enc, &back) != MFA_OK ||
	    !token_same(&tok, &back) ||
	    token_encode(&back, again) != MFA_OK ||
	    memcmp(enc, again, sizeof(enc)) != 0)
		abort();
	token_wipe(&back);

	/* The digest covers every byte. */
	bit = (tok.id ^ (uint64_t)tok.created) % (TOKEN_FILE_SIZE * 8);
	again[bit / 8] ^= (unsigned char)(1U << (bit % 8));
	if (token_decode(again, &back) == MFA_OK || !token_zero(&back))
		abort();

	keys_make(&kr);
	if (tok.cipher >= 1 && tok.cipher <= 4) {
		back = tok;
		rc = token_unseal(&back, FUZZ_USER, &kr);
		if (tok.key_id != kr.k[0].id && rc != MFA_ECRYPTO)
			abort();
		if (rc == MFA_OK && (back.cipher != 0 ||
		    token_check(&back) != MFA_OK))
			abort();
		/* Refused: still sealed or wiped, never half-opened. */
		if (rc != MFA_OK && back.cipher != tok.cipher &&
		    !token_zero(&back))
			abort();
		token_wipe(&back);
	} else {
		check_seal(&tok, &kr);
	}
	keyring_wipe(&kr);
	token_wipe(&tok);
	crypto_wipe(enc, sizeof(enc));
	crypto_wipe(again, sizeof(again));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *buf;

	if ((buf = calloc(1, TOKEN_FILE_SIZE)) == NULL)
		abort();
	memcpy(buf, data, size < TOKEN_FILE_SIZE ? size : TOKEN_FILE_SIZE);
	check_decode(buf);

	/* A valid digest, so the field checks behind it are reached. */
	if (crypto_digest(buf, DIGEST_OFF, buf + DIGEST_OFF) != MFA_OK)
		abort();
	check_decode(buf);
	crypto_wipe(buf, TOKEN_FILE_SIZE);
	free(buf);
	return 0;
}
