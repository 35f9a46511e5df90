/*
 * token.c - token record codec; the layout is documented in token.h.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "bytes.h"
#include "crypto.h"
#include "token.h"

#define OFF_MAGIC	0
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
#define OFF_NONCE	44
#define OFF_TAG		56
#define OFF_SECRET	72
#define OFF_BGEN	136
#define OFF_BCOUNT	140
#define OFF_BLEN	142
#define OFF_BSLOTS	144
#define OFF_BITER	912
#define OFF_REPLACES	916
#define OFF_UID		924
#define OFF_OFFSET	928
#define BSLOT_SIZE	(TOKEN_BACKUP_SALT + TOKEN_BACKUP_HASH)
#define OFF_DIGEST	(TOKEN_FILE_SIZE - CRYPTO_DIGEST_LEN)

_Static_assert(OFF_SECRET + MFA_SECRET_MAX <= OFF_BGEN, "secret overlaps");
_Static_assert(OFF_BSLOTS + TOKEN_BACKUP_MAX * BSLOT_SIZE <= OFF_BITER,
    "backup slots overlap digest");

static const unsigned char token_magic[4] = { 'M', 'F', 'A', 'T' };

#define TOKEN_KNOWN_FLAGS	(TOKEN_F_PENDING | TOKEN_F_UID)
#define CIPHER_MAX		4

enum mfa_err
token_check(const struct mfa_token *tok)
{
	if (tok->type != MFA_TOTP && tok->type != MFA_HOTP)
		return MFA_ECORRUPT;
	if (tok->algo != MFA_SHA1 && tok->algo != MFA_SHA256 &&
	    tok->algo != MFA_SHA512)
		return MFA_ECORRUPT;
	/* liboath's HOTP is HMAC-SHA1 only, as RFC 4226 defines it. */
	if (tok->type == MFA_HOTP && tok->algo != MFA_SHA1)
		return MFA_ECORRUPT;
	if (tok->digits != 6 && tok->digits != 8)
		return MFA_ECORRUPT;
	if (tok->type == MFA_TOTP && tok->period != 30 && tok->period != 60)
		return MFA_ECORRUPT;
	if (tok->secret_len < MFA_SECRET_MIN || tok->secret_len > MFA_SECRET_MAX)
		return MFA_ECORRUPT;
	if (tok->backup_count > TOKEN_BACKUP_MAX)
		return MFA_ECORRUPT;
	/* Backup codes are told from one-time codes by their length. */
	if (tok->backup_count > 0 &&
	    ((tok->backup_len != 8 && tok->backup_len != 10) ||
	    tok->backup_len == tok->digits ||
	    tok->backup_iter < 1000 || tok->backup_iter > 10000000))
		return MFA_ECORRUPT;
	if ((tok->flags & ~TOKEN_KNOWN_FLAGS) != 0)
		return MFA_ECORRUPT;
	if (tok->cipher > CIPHER_MAX || (tok->cipher != 0 && tok->key_id == 0))
		return MFA_ECORRUPT;
	/* Ciphers 1 and 2 don't cover a uid: it came later. */
	if ((tok->cipher == 1 || tok->cipher == 2) &&
	    ((tok->flags & TOKEN_F_UID) || tok->uid != 0))
		return MFA_ECORRUPT;
	if (!(tok->flags & TOKEN_F_UID) && tok->uid != 0)
		return MFA_ECORRUPT;
	/* An offset is TOTP's, bounded, and bound by cipher 4 alone (or
	 * in clear, in memory). */
	if (tok->totp_offset != 0 && (tok->type != MFA_TOTP ||
	    tok->totp_offset > TOKEN_OFFSET_MAX ||
	    tok->totp_offset < -TOKEN_OFFSET_MAX ||
	    (tok->cipher != 0 && tok->cipher != 4)))
		return MFA_ECORRUPT;
	if (tok->cipher == 4 && tok->totp_offset == 0)
		return MFA_ECORRUPT;
	if (tok->id == 0)
		return MFA_ECORRUPT;
	return MFA_OK;
}

enum mfa_err
token_encode(const struct mfa_token *tok, unsigned char buf[TOKEN_FILE_SIZE])
{
	enum mfa_err rc;
	unsigned i;

	memset(buf, 0, TOKEN_FILE_SIZE);
	if ((rc = token_check(tok)) != MFA_OK)
		return rc;
	memcpy(buf + OFF_MAGIC, token_magic, sizeof(token_magic));
	put_u16(buf + OFF_VERSION, TOKEN_VERSION);
	put_u16(buf + OFF_FLAGS, tok->flags);
	put_u64(buf + OFF_ID, tok->id);
	put_u64(buf + OFF_CREATED, (uint64_t)tok->created);
	buf[OFF_TYPE] = (unsigned char)tok->type;
	buf[OFF_ALGO] = (unsigned char)tok->algo;
	buf[OFF_DIGITS] = (unsigned char)tok->digits;
	buf[OFF_CIPHER] = (unsigned char)tok->cipher;
	put_u32(buf + OFF_KEYID, tok->key_id);
	memcpy(buf + OFF_NONCE, tok->nonce, CRYPTO_NONCE_LEN);
	memcpy(buf + OFF_TAG, tok->tag, CRYPTO_TAG_LEN);
	put_u16(buf + OFF_PERIOD, (uint16_t)tok->period);
	put_u16(buf + OFF_SECLEN, (uint16_t)tok->secret_len);
	put_u64(buf + OFF_COUNTER, tok->counter);
	memcpy(buf + OFF_SECRET, tok->secret, tok->secret_len);
	put_u32(buf + OFF_BGEN, tok->backup_gen);
	put_u16(buf + OFF_BCOUNT, (uint16_t)tok->backup_count);
	buf[OFF_BLEN] = (unsigned char)tok->backup_len;
	put_u32(buf + OFF_BITER, tok->backup_iter);
	put_u64(buf + OFF_REPLACES, tok->replaces);
	put_u32(buf + OFF_UID, tok->uid);
	put_u32(buf + OFF_OFFSET, (uint32_t)tok->totp_offset);
	for (i = 0; i < tok->backup_count; i++) {
		unsigned char *s = buf + OFF_BSLOTS + i * BSLOT_SIZE;

		memcpy(s, tok->backup[i].salt, TOKEN_BACKUP_SALT);
		memcpy(s + TOKEN_BACKUP_SALT, tok->backup[i].hash,
		    TOKEN_BACKUP_HASH);
	}
	if ((rc = crypto_digest(buf, OFF_DIGEST, buf + OFF_DIGEST)) != MFA_OK) {
		crypto_wipe(buf, TOKEN_FILE_SIZE);
		return rc;
	}
	return MFA_OK;
}

enum mfa_err
token_decode(const unsigned char buf[TOKEN_FILE_SIZE], struct mfa_token *tok)
{
	unsigned char digest[CRYPTO_DIGEST_LEN];
	enum mfa_err rc;
	size_t seclen;
	unsigned i;

	memset(tok, 0, sizeof(*tok));
	if (memcmp(buf + OFF_MAGIC, token_magic, sizeof(token_magic)) != 0)
		return MFA_ECORRUPT;
	if ((rc = crypto_digest(buf, OFF_DIGEST, digest)) != MFA_OK)
		return rc;
	if (!crypto_equal(digest, buf + OFF_DIGEST, sizeof(digest)))
		return MFA_ECORRUPT;
	if (get_u16(buf + OFF_VERSION) > TOKEN_VERSION)
		return MFA_EVERSION;
	if (get_u16(buf + OFF_VERSION) != TOKEN_VERSION)
		return MFA_ECORRUPT;
	if (buf[OFF_CIPHER] > CIPHER_MAX)
		return MFA_EVERSION;
	seclen = get_u16(buf + OFF_SECLEN);
	if (seclen < MFA_SECRET_MIN || seclen > MFA_SECRET_MAX)
		return MFA_ECORRUPT;

	tok->flags = get_u16(buf + OFF_FLAGS);
	tok->id = get_u64(buf + OFF_ID);
	tok->created = (int64_t)get_u64(buf + OFF_CREATED);
	tok->type = (enum mfa_otp_type)buf[OFF_TYPE];
	tok->algo = (enum mfa_algo)buf[OFF_ALGO];
	tok->digits = buf[OFF_DIGITS];
	tok->period = get_u16(buf + OFF_PERIOD);
	tok->cipher = buf[OFF_CIPHER];
	tok->key_id = get_u32(buf + OFF_KEYID);
	memcpy(tok->nonce, buf + OFF_NONCE, CRYPTO_NONCE_LEN);
	memcpy(tok->tag, buf + OFF_TAG, CRYPTO_TAG_LEN);
	tok->counter = get_u64(buf + OFF_COUNTER);
	tok->secret_len = seclen;
	memcpy(tok->secret, buf + OFF_SECRET, seclen);
	tok->backup_gen = get_u32(buf + OFF_BGEN);
	tok->backup_count = get_u16(buf + OFF_BCOUNT);
	tok->backup_len = buf[OFF_BLEN];
	tok->backup_iter = get_u32(buf + OFF_BITER);
	tok->replaces = get_u64(buf + OFF_REPLACES);
	tok->uid = get_u32(buf + OFF_UID);
	tok->totp_offset = (int32_t)get_u32(buf + OFF_OFFSET);
	if (tok->backup_count > TOKEN_BACKUP_MAX) {
		token_wipe(tok);
		return MFA_ECORRUPT;
	}
	for (i = 0; i < tok->backup_count; i++) {
		const unsigned char *s = buf + OFF_BSLOTS + i * BSLOT_SIZE;

		memcpy(tok->backup[i].salt, s, TOKEN_BACKUP_SALT);
		memcpy(tok->backup[i].hash, s + TOKEN_BACKUP_SALT,
		    TOKEN_BACKUP_HASH);
	}
	if ((rc = token_check(tok)) != MFA_OK) {
		token_wipe(tok);
		return rc;
	}
	return MFA_OK;
}

#define AAD_LABEL_1	"pam_mfa/token/v1"	/* cipher 1 */
#define AAD_LABEL_2	"pam_mfa/token/v2"	/* cipher 2 */
#define AAD_LABEL_3	"pam_mfa/token/v3"	/* cipher 3 */
#define AAD_LABEL_4	"pam_mfa/token/v4"	/* cipher 4 */
#define AAD_LABEL_LEN	sizeof(AAD_LABEL_1)
#define AAD_FIELDS	60	/* what token_aad3 binds, before the name */
#define AAD_FIELDS4	(AAD_FIELDS + 4)	/* and cipher 4 */
#define AAD_MAX		(AAD_LABEL_LEN + AAD_FIELDS4 + MFA_USER_MAX)
#define SEALED_MAX	(MFA_SECRET_MAX + TOKEN_BACKUP_MAX * BSLOT_SIZE)

_Static_assert(sizeof(AAD_LABEL_1) == sizeof(AAD_LABEL_2) &&
    sizeof(AAD_LABEL_1) == sizeof(AAD_LABEL_3) &&
    sizeof(AAD_LABEL_1) == sizeof(AAD_LABEL_4), "labels");

/* Cipher 3 binds every field that decides what the token does: all but
 * the sealed bytes themselves, the nonce, the tag and the cipher (the
 * label says it). */
static size_t
token_aad3(unsigned char *p, const struct mfa_token *tok)
{
	unsigned char *s = p;

	put_u16(p, tok->flags);
	put_u64(p + 2, tok->id);
	put_u64(p + 10, (uint64_t)tok->created);
	p[18] = (unsigned char)tok->type;
	p[19] = (unsigned char)tok->algo;
	p[20] = (unsigned char)tok->digits;
	put_u16(p + 21, (uint16_t)tok->period);
	put_u16(p + 23, (uint16_t)tok->secret_len);
	put_u64(p + 25, tok->counter);
	put_u32(p + 33, tok->key_id);
	put_u32(p + 37, tok->backup_gen);
	put_u16(p + 41, (uint16_t)tok->backup_count);
	p[43] = (unsigned char)tok->backup_len;
	put_u32(p + 44, tok->backup_iter);
	put_u64(p + 48, tok->replaces);
	put_u32(p + 56, tok->uid);
	p += AAD_FIELDS;
	return (size_t)(p - s);
}

/* The associated data: the cipher's label, then for cipher 3 the fields
 * (token_aad3), for cipher 4 those and the TOTP offset, for 1 and 2 the
 * token id, then the user name.  0 if the name is too long. */
static size_t
token_aad(unsigned char aad[AAD_MAX], const struct mfa_token *tok,
    unsigned cipher, const char *user)
{
	size_t ulen = strnlen(user, MFA_USER_MAX + 1), n = AAD_LABEL_LEN;

	if (ulen > MFA_USER_MAX)
		return 0;
	memcpy(aad, cipher == 1 ? AAD_LABEL_1 : cipher == 2 ? AAD_LABEL_2 :
	    cipher == 3 ? AAD_LABEL_3 : AAD_LABEL_4, AAD_LABEL_LEN);
	if (cipher == 3 || cipher == 4) {
		n += token_aad3(aad + n, tok);
		if (cipher == 4) {
			put_u32(aad + n, (uint32_t)tok->totp_offset);
			n += 4;
		}
	} else {
		put_u64(aad + n, tok->id);
		n += 8;
	}
	memcpy(aad + n, user, ulen);
	return n + ulen;
}

/* What cipher 2 seals: the secret, then the backup slots in use. */
static size_t
sealed_get(const struct mfa_token *tok, unsigned char out[SEALED_MAX])
{
	size_t n = tok->secret_len;
	unsigned i;

	memcpy(out, tok->secret, tok->secret_len);
	for (i = 0; i < tok->backup_count; i++) {
		memcpy(out + n, tok->backup[i].salt, TOKEN_BACKUP_SALT);
		memcpy(out + n + TOKEN_BACKUP_SALT, tok->backup[i].hash,
		    TOKEN_BACKUP_HASH);
		n += BSLOT_SIZE;
	}
	return n;
}

static void
sealed_put(struct mfa_token *tok, const unsigned char *in)
{
	size_t n = tok->secret_len;
	unsigned i;

	memcpy(tok->secret, in, tok->secret_len);
	for (i = 0; i < tok->backup_count; i++) {
		memcpy(tok->backup[i].salt, in + n, TOKEN_BACKUP_SALT);
		memcpy(tok->backup[i].hash, in + n + TOKEN_BACKUP_SALT,
		    TOKEN_BACKUP_HASH);
		n += BSLOT_SIZE;
	}
}

enum mfa_err
token_seal(struct mfa_token *tok, const char *user,
    const struct mfa_keyring *kr)
{
	unsigned char aad[AAD_MAX], pt[SEALED_MAX], ct[SEALED_MAX];
	struct mfa_token sealed;
	enum mfa_err rc;
	size_t aadlen, len;
	unsigned cipher;

	if (tok->cipher != 0 || kr->n == 0 ||
	    tok->secret_len > MFA_SECRET_MAX ||
	    tok->backup_count > TOKEN_BACKUP_MAX)
		return MFA_EINTERNAL;
	if ((rc = token_check(tok)) != MFA_OK)
		return rc;
	/* The key id is one of the fields bound: set before the data. */
	sealed = *tok;
	sealed.key_id = kr->k[0].id;
	/* Cipher 4 only when it must: an earlier version reads 3. */
	cipher = tok->totp_offset != 0 ? 4 : 3;
	if ((aadlen = token_aad(aad, &sealed, cipher, user)) == 0) {
		rc = MFA_EINPUT;
		goto out;
	}
	/* A fresh random nonce per sealing: never reused under a key. */
	if ((rc = crypto_random(sealed.nonce, sizeof(sealed.nonce))) != MFA_OK)
		goto out;
	len = sealed_get(tok, pt);
	rc = crypto_aead_seal(kr->k[0].key, sealed.nonce, aad, aadlen, pt,
	    len, ct, sealed.tag);
	if (rc == MFA_OK) {
		sealed_put(&sealed, ct);
		sealed.cipher = cipher;
		*tok = sealed;
	}
out:
	token_wipe(&sealed);
	crypto_wipe(pt, sizeof(pt));
	crypto_wipe(ct, sizeof(ct));
	return rc;
}

enum mfa_err
token_unseal(struct mfa_token *tok, const char *user,
    const struct mfa_keyring *kr)
{
	unsigned char aad[AAD_MAX], pt[SEALED_MAX], ct[SEALED_MAX];
	const struct mfa_key *key;
	enum mfa_err rc;
	size_t aadlen, len;

	if (tok->cipher < 1 || tok->cipher > CIPHER_MAX ||
	    tok->secret_len > MFA_SECRET_MAX ||
	    tok->backup_count > TOKEN_BACKUP_MAX)
		return MFA_ECORRUPT;
	if ((key = keyring_find(kr, tok->key_id)) == NULL)
		return MFA_ECRYPTO;
	if ((aadlen = token_aad(aad, tok, tok->cipher, user)) == 0)
		return MFA_EINPUT;
	/* Cipher 1, written before backup codes, sealed the secret alone. */
	if (tok->cipher == 1) {
		memcpy(ct, tok->secret, tok->secret_len);
		len = tok->secret_len;
	} else {
		len = sealed_get(tok, ct);
	}
	rc = crypto_aead_open(key->key, tok->nonce, aad, aadlen, ct, len, pt,
	    tok->tag);
	if (rc == MFA_OK) {
		if (tok->cipher == 1)
			memcpy(tok->secret, pt, tok->secret_len);
		else
			sealed_put(tok, pt);
		tok->cipher = 0;
		tok->key_id = 0;
	}
	crypto_wipe(pt, sizeof(pt));
	crypto_wipe(ct, sizeof(ct));
	return rc;
}

void
token_wipe(struct mfa_token *tok)
{
	crypto_wipe(tok, sizeof(*tok));
}

const char *
token_algo_name(enum mfa_algo algo)
{
	switch (algo) {
	case MFA_SHA1:
		return "SHA1";
	case MFA_SHA256:
		return "SHA256";
	case MFA_SHA512:
		return "SHA512";
	}
	return "?";
}

enum mfa_algo
token_algo_parse(const char *name)
{
	if (strcasecmp(name, "SHA1") == 0)
		return MFA_SHA1;
	if (strcasecmp(name, "SHA256") == 0)
		return MFA_SHA256;
	if (strcasecmp(name, "SHA512") == 0)
		return MFA_SHA512;
	return 0;
}
