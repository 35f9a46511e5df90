/*
 * keyring.c - the at-rest key file codec; see keyring.h.
 */
#include "config.h"

#include <string.h>

#include "bytes.h"
#include "keyring.h"

#define OFF_ENTRIES	8
#define ENTRY_SIZE	(4 + CRYPTO_KEY_LEN)
#define OFF_DIGEST	(KEYRING_FILE_SIZE - CRYPTO_DIGEST_LEN)

_Static_assert(OFF_ENTRIES + KEYRING_MAX * ENTRY_SIZE <= OFF_DIGEST,
    "keyring entries overlap the digest");

static const unsigned char keyring_magic[4] = { 'M', 'F', 'A', 'K' };

static int
keyring_valid(const struct mfa_keyring *kr)
{
	unsigned i, j;

	if (kr->n == 0 || kr->n > KEYRING_MAX)
		return 0;
	for (i = 0; i < kr->n; i++) {
		if (kr->k[i].id == 0)
			return 0;
		for (j = 0; j < i; j++)
			if (kr->k[i].id == kr->k[j].id)
				return 0;
	}
	return 1;
}

enum mfa_err
keyring_encode(const struct mfa_keyring *kr,
    unsigned char buf[KEYRING_FILE_SIZE])
{
	unsigned i;

	memset(buf, 0, KEYRING_FILE_SIZE);
	if (!keyring_valid(kr))
		return MFA_EINTERNAL;
	memcpy(buf, keyring_magic, sizeof(keyring_magic));
	put_u16(buf + 4, KEYRING_VERSION);
	put_u16(buf + 6, (uint16_t)kr->n);
	for (i = 0; i < kr->n; i++) {
		unsigned char *e = buf + OFF_ENTRIES + i * ENTRY_SIZE;

		put_u32(e, kr->k[i].id);
		memcpy(e + 4, kr->k[i].key, CRYPTO_KEY_LEN);
	}
	return crypto_digest(buf, OFF_DIGEST, buf + OFF_DIGEST);
}

enum mfa_err
keyring_decode(const unsigned char buf[KEYRING_FILE_SIZE],
    struct mfa_keyring *kr)
{
	unsigned char digest[CRYPTO_DIGEST_LEN];
	enum mfa_err rc;
	unsigned i;

	memset(kr, 0, sizeof(*kr));
	if (memcmp(buf, keyring_magic, sizeof(keyring_magic)) != 0)
		return MFA_ECORRUPT;
	if ((rc = crypto_digest(buf, OFF_DIGEST, digest)) != MFA_OK)
		return rc;
	if (!crypto_equal(digest, buf + OFF_DIGEST, sizeof(digest)))
		return MFA_ECORRUPT;
	if (get_u16(buf + 4) != KEYRING_VERSION)
		return get_u16(buf + 4) > KEYRING_VERSION ? MFA_EVERSION :
		    MFA_ECORRUPT;
	kr->n = get_u16(buf + 6);
	if (kr->n == 0 || kr->n > KEYRING_MAX) {
		kr->n = 0;
		return MFA_ECORRUPT;
	}
	for (i = 0; i < kr->n; i++) {
		const unsigned char *e = buf + OFF_ENTRIES + i * ENTRY_SIZE;

		kr->k[i].id = get_u32(e);
		memcpy(kr->k[i].key, e + 4, CRYPTO_KEY_LEN);
	}
	if (!keyring_valid(kr)) {
		keyring_wipe(kr);
		return MFA_ECORRUPT;
	}
	return MFA_OK;
}

const struct mfa_key *
keyring_find(const struct mfa_keyring *kr, uint32_t id)
{
	unsigned i;

	for (i = 0; i < kr->n && i < KEYRING_MAX; i++)
		if (kr->k[i].id == id)
			return &kr->k[i];
	return NULL;
}

enum mfa_err
keyring_add(struct mfa_keyring *kr)
{
	struct mfa_key nk;
	enum mfa_err rc;
	uint32_t id = 0;
	unsigned i;

	if (kr->n >= KEYRING_MAX)
		return MFA_EEXIST;
	/* A new key file's first id is random (1..2^31-1), later ones count
	 * up from it: so a key file from another install or machine (a
	 * wrong backup restored) lacks the ids these tokens name, and says
	 * so (key_unknown), rather than holding another key under them. */
	if (kr->n == 0) {
		if ((rc = crypto_random(&id, sizeof(id))) != MFA_OK)
			return rc;
		id %= 0x7fffffffU;
	}
	for (i = 0; i < kr->n; i++)
		if (kr->k[i].id > id)
			id = kr->k[i].id;
	if (id == UINT32_MAX)
		return MFA_EINTERNAL;
	nk.id = id + 1;
	if ((rc = crypto_random(nk.key, sizeof(nk.key))) != MFA_OK)
		return rc;
	memmove(&kr->k[1], &kr->k[0], kr->n * sizeof(kr->k[0]));
	kr->k[0] = nk;
	kr->n++;
	crypto_wipe(&nk, sizeof(nk));
	return MFA_OK;
}

void
keyring_drop(struct mfa_keyring *kr, unsigned i)
{
	if (i == 0 || i >= kr->n || kr->n > KEYRING_MAX)
		return;
	memmove(&kr->k[i], &kr->k[i + 1], (kr->n - i - 1) * sizeof(kr->k[0]));
	kr->n--;
	crypto_wipe(&kr->k[kr->n], sizeof(kr->k[0]));
}

void
keyring_wipe(struct mfa_keyring *kr)
{
	crypto_wipe(kr, sizeof(*kr));
}
