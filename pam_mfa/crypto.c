/*
 * crypto.c - OpenSSL wrappers; see crypto.h.
 */
#include "config.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "crypto.h"

enum mfa_err
crypto_random(void *buf, size_t len)
{
	if (len > (size_t)INT32_MAX)
		return MFA_EINTERNAL;
	if (RAND_bytes(buf, (int)len) != 1)
		return MFA_ECRYPTO;
	return MFA_OK;
}

void
crypto_wipe(void *buf, size_t len)
{
	if (buf != NULL)
		OPENSSL_cleanse(buf, len);
}

int
crypto_equal(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0;
}

enum mfa_err
crypto_digest(const void *data, size_t len, unsigned char out[CRYPTO_DIGEST_LEN])
{
	unsigned int outlen = 0;

	if (EVP_Digest(data, len, out, &outlen, EVP_sha256(), NULL) != 1 ||
	    outlen != CRYPTO_DIGEST_LEN)
		return MFA_ECRYPTO;
	return MFA_OK;
}
