/*
 * crypto.h - the only door to OpenSSL: random bytes, wiping, constant-time
 * comparison, the digest that guards records against corruption, the KDF
 * that hashes backup codes and the cipher that seals secrets.
 */
#ifndef MFA_CRYPTO_H
#define MFA_CRYPTO_H

#include <stddef.h>

#include "mfa.h"

#define CRYPTO_DIGEST_LEN 32
#define CRYPTO_KEY_LEN	32	/* AES-256 */
#define CRYPTO_NONCE_LEN 12	/* GCM's 96-bit IV */
#define CRYPTO_TAG_LEN	16

enum mfa_err crypto_random(void *buf, size_t len);
void crypto_wipe(void *buf, size_t len);
/* 1 if the two buffers are equal; time depends only on len. */
int crypto_equal(const void *a, const void *b, size_t len);
enum mfa_err crypto_digest(const void *data, size_t len,
    unsigned char out[CRYPTO_DIGEST_LEN]);
/* PBKDF2-HMAC-SHA256 of pass with salt, iter iterations. */
enum mfa_err crypto_kdf(const void *pass, size_t len, const void *salt,
    size_t saltlen, unsigned iter, unsigned char out[CRYPTO_DIGEST_LEN]);

/*
 * AES-256-GCM: seal len bytes of in into out (same length) and a tag,
 * authenticating aad too; open checks the tag before any plaintext is
 * kept (MFA_ECORRUPT if it does not match: wrong key, data or aad).
 */
enum mfa_err crypto_aead_seal(const unsigned char key[CRYPTO_KEY_LEN],
    const unsigned char nonce[CRYPTO_NONCE_LEN], const void *aad,
    size_t aadlen, const void *in, size_t len, void *out,
    unsigned char tag[CRYPTO_TAG_LEN]);
enum mfa_err crypto_aead_open(const unsigned char key[CRYPTO_KEY_LEN],
    const unsigned char nonce[CRYPTO_NONCE_LEN], const void *aad,
    size_t aadlen, const void *in, size_t len, void *out,
    const unsigned char tag[CRYPTO_TAG_LEN]);

#endif
