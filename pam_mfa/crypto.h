/*
 * crypto.h - the only door to OpenSSL: random bytes, wiping, constant-time
 * comparison and the digest that guards records against corruption.
 */
#ifndef MFA_CRYPTO_H
#define MFA_CRYPTO_H

#include <stddef.h>

#include "mfa.h"

#define CRYPTO_DIGEST_LEN 32

enum mfa_err crypto_random(void *buf, size_t len);
void crypto_wipe(void *buf, size_t len);
/* 1 if the two buffers are equal; time depends only on len. */
int crypto_equal(const void *a, const void *b, size_t len);
enum mfa_err crypto_digest(const void *data, size_t len,
    unsigned char out[CRYPTO_DIGEST_LEN]);

#endif
