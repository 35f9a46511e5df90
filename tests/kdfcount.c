/*
 * kdfcount.c - counts KDF evaluations, LD_PRELOADed into test processes
 * only: PKCS5_PBKDF2_HMAC, EVP_PBE_scrypt and any EVP_KDF_derive (a login
 * on the file store makes no other), each forwarded to OpenSSL's own and
 * counted once (a
 * derivation made inside another, as OpenSSL 3's PKCS5_PBKDF2_HMAC makes
 * one through EVP_KDF_derive, is not counted again).  The tests read and
 * reset the count through kdfcount_get and kdfcount_reset (dlsym), so
 * "one KDF per backup-code attempt" is proven by counting, not by timing.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>
#include <stdint.h>

#define SHIM __attribute__((visibility("default")))

/* OpenSSL's types, opaque here: the shim needs none of its headers. */
struct evp_md_st;
struct evp_kdf_ctx_st;
struct ossl_param_st;

SHIM long kdfcount_get(void);
SHIM void kdfcount_reset(void);
SHIM int PKCS5_PBKDF2_HMAC(const char *, int, const unsigned char *, int,
    int, const struct evp_md_st *, int, unsigned char *);
SHIM int EVP_PBE_scrypt(const char *, size_t, const unsigned char *, size_t,
    uint64_t, uint64_t, uint64_t, uint64_t, unsigned char *, size_t);
SHIM int EVP_KDF_derive(struct evp_kdf_ctx_st *, unsigned char *, size_t,
    const struct ossl_param_st *);

static long calls;
static __thread int depth;	/* inside a counted derivation */

SHIM long
kdfcount_get(void)
{
	return __atomic_load_n(&calls, __ATOMIC_SEQ_CST);
}

SHIM void
kdfcount_reset(void)
{
	__atomic_store_n(&calls, 0, __ATOMIC_SEQ_CST);
}

static void
enter(void)
{
	if (depth++ == 0)
		__atomic_add_fetch(&calls, 1, __ATOMIC_SEQ_CST);
}

static void *
next(const char *name)
{
	return dlsym(RTLD_NEXT, name);
}

SHIM int
PKCS5_PBKDF2_HMAC(const char *pass, int passlen, const unsigned char *salt,
    int saltlen, int iter, const struct evp_md_st *md, int keylen,
    unsigned char *out)
{
	int (*real)(const char *, int, const unsigned char *, int, int,
	    const struct evp_md_st *, int, unsigned char *) =
	    (int (*)(const char *, int, const unsigned char *, int, int,
	    const struct evp_md_st *, int, unsigned char *))
	    next("PKCS5_PBKDF2_HMAC");
	int rc;

	if (real == NULL)
		return 0;
	enter();
	rc = real(pass, passlen, salt, saltlen, iter, md, keylen, out);
	depth--;
	return rc;
}

SHIM int
EVP_PBE_scrypt(const char *pass, size_t passlen, const unsigned char *salt,
    size_t saltlen, uint64_t n, uint64_t r, uint64_t p, uint64_t maxmem,
    unsigned char *key, size_t keylen)
{
	int (*real)(const char *, size_t, const unsigned char *, size_t,
	    uint64_t, uint64_t, uint64_t, uint64_t, unsigned char *, size_t) =
	    (int (*)(const char *, size_t, const unsigned char *, size_t,
	    uint64_t, uint64_t, uint64_t, uint64_t, unsigned char *, size_t))
	    next("EVP_PBE_scrypt");
	int rc;

	if (real == NULL)
		return 0;
	/* Called with no key, it only checks the parameters. */
	if (key == NULL)
		return real(pass, passlen, salt, saltlen, n, r, p, maxmem, key,
		    keylen);
	enter();
	rc = real(pass, passlen, salt, saltlen, n, r, p, maxmem, key, keylen);
	depth--;
	return rc;
}

SHIM int
EVP_KDF_derive(struct evp_kdf_ctx_st *ctx, unsigned char *key, size_t keylen,
    const struct ossl_param_st *params)
{
	int (*real)(struct evp_kdf_ctx_st *, unsigned char *, size_t,
	    const struct ossl_param_st *) =
	    (int (*)(struct evp_kdf_ctx_st *, unsigned char *, size_t,
	    const struct ossl_param_st *))next("EVP_KDF_derive");
	int rc;

	if (real == NULL)
		return 0;
	enter();
	rc = real(ctx, key, keylen, params);
	depth--;
	return rc;
}
