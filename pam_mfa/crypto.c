/*
 * crypto.c - OpenSSL wrappers; see crypto.h.
 */
#include "config.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <string.h>

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

enum mfa_err
crypto_kdf(const void *pass, size_t len, const void *salt, size_t saltlen,
    unsigned iter, unsigned char out[CRYPTO_DIGEST_LEN])
{
	if (len > INT32_MAX || saltlen > INT32_MAX || iter == 0 ||
	    iter > INT32_MAX)
		return MFA_EINTERNAL;
	if (PKCS5_PBKDF2_HMAC(pass, (int)len, salt, (int)saltlen, (int)iter,
	    EVP_sha256(), CRYPTO_DIGEST_LEN, out) != 1) {
		OPENSSL_cleanse(out, CRYPTO_DIGEST_LEN);
		return MFA_ECRYPTO;
	}
	return MFA_OK;
}

/* One GCM operation; enc 1 seals, 0 opens.  out is wiped on failure. */
static enum mfa_err
aead(int enc, const unsigned char *key, const unsigned char *nonce,
    const void *aad, size_t aadlen, const void *in, size_t len, void *out,
    unsigned char *tag)
{
	EVP_CIPHER_CTX *ctx;
	enum mfa_err rc = MFA_ECRYPTO;
	int n, fin;

	if (len > INT32_MAX || aadlen > INT32_MAX)
		return MFA_EINTERNAL;
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		return MFA_ENOMEM;
	if (EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL,
	    enc) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, CRYPTO_NONCE_LEN,
	    NULL) != 1 ||
	    EVP_CipherInit_ex(ctx, NULL, NULL, key, nonce, enc) != 1 ||
	    EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aadlen) != 1 ||
	    EVP_CipherUpdate(ctx, out, &n, in, (int)len) != 1)
		goto out;
	if (!enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG,
	    CRYPTO_TAG_LEN, tag) != 1)
		goto out;
	fin = EVP_CipherFinal_ex(ctx, (unsigned char *)out + n, &n);
	if (fin != 1) {
		/* Opening: the tag did not match. */
		rc = enc ? MFA_ECRYPTO : MFA_ECORRUPT;
		goto out;
	}
	if (enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG,
	    CRYPTO_TAG_LEN, tag) != 1)
		goto out;
	rc = MFA_OK;
out:
	if (rc != MFA_OK)
		OPENSSL_cleanse(out, len);
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

enum mfa_err
crypto_aead_seal(const unsigned char key[CRYPTO_KEY_LEN],
    const unsigned char nonce[CRYPTO_NONCE_LEN], const void *aad,
    size_t aadlen, const void *in, size_t len, void *out,
    unsigned char tag[CRYPTO_TAG_LEN])
{
	return aead(1, key, nonce, aad, aadlen, in, len, out, tag);
}

enum mfa_err
crypto_aead_open(const unsigned char key[CRYPTO_KEY_LEN],
    const unsigned char nonce[CRYPTO_NONCE_LEN], const void *aad,
    size_t aadlen, const void *in, size_t len, void *out,
    const unsigned char tag[CRYPTO_TAG_LEN])
{
	unsigned char t[CRYPTO_TAG_LEN];

	memcpy(t, tag, sizeof(t));
	return aead(0, key, nonce, aad, aadlen, in, len, out, t);
}
