/*
 * keyring.h - the keys that encrypt token secrets at rest: a root-only
 * file (key_file, mode 0600) outside the state directory, so a copy of the
 * state directory alone reveals no secret.  The first key is the active
 * one, used for new tokens; older keys stay until every token has been
 * re-encrypted (pam-mfa rekey), so no login fails during a rotation.
 * On disk: KEYRING_FILE_SIZE bytes, little-endian:
 *   0 magic "MFAK"  4 version u16  6 count u16
 *   8 entries[KEYRING_MAX] of id u32, key[32]   224 digest[32]
 * Encoding and decoding are pure.
 */
#ifndef MFA_KEYRING_H
#define MFA_KEYRING_H

#include <stdint.h>

#include "crypto.h"
#include "mfa.h"

#define KEYRING_FILE_SIZE	256
#define KEYRING_MAX		6
#define KEYRING_VERSION		1

struct mfa_key {
	uint32_t id;
	unsigned char key[CRYPTO_KEY_LEN];
};

struct mfa_keyring {
	unsigned n;			/* 1..KEYRING_MAX */
	struct mfa_key k[KEYRING_MAX];	/* k[0] is active */
};

enum mfa_err keyring_encode(const struct mfa_keyring *kr,
    unsigned char buf[KEYRING_FILE_SIZE]);
enum mfa_err keyring_decode(const unsigned char buf[KEYRING_FILE_SIZE],
    struct mfa_keyring *kr);
/* The key with this id, or NULL. */
const struct mfa_key *keyring_find(const struct mfa_keyring *kr, uint32_t id);
/*
 * Put a new random key first (the active one), keeping the others;
 * MFA_EEXIST if the ring is full (finish a rotation first).
 */
enum mfa_err keyring_add(struct mfa_keyring *kr);
/* Drop old key i (1..n-1; the active key k[0] stays), wiping it. */
void keyring_drop(struct mfa_keyring *kr, unsigned i);
void keyring_wipe(struct mfa_keyring *kr);

#endif
