/*
 * backup.c - backup codes: parse, generate, hash, match; see backup.h.
 */
#include "config.h"

#include <string.h>

#include "backup.h"
#include "crypto.h"

static int
all_digits(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

int
backup_parse(const char *text, size_t len, unsigned backup_len,
    int hyphen_only, char out[BACKUP_LEN_NEW + 1])
{
	size_t half = backup_len / 2;

	out[0] = '\0';
	if (text == NULL || (backup_len != BACKUP_LEN_NEW &&
	    backup_len != BACKUP_LEN_IMPORTED))
		return 0;
	if (len == backup_len + 1 && text[half] == '-' &&
	    all_digits(text, half) && all_digits(text + half + 1, half)) {
		memcpy(out, text, half);
		memcpy(out + half, text + half + 1, half);
	} else if (!hyphen_only && len == backup_len &&
	    all_digits(text, len)) {
		memcpy(out, text, len);
	} else {
		return 0;
	}
	out[backup_len] = '\0';
	return 1;
}

void
backup_format(const char *digits, unsigned len, char out[BACKUP_TEXT_MAX + 1])
{
	unsigned half = len / 2;

	memcpy(out, digits, half);
	out[half] = '-';
	memcpy(out + half + 1, digits + half, len - half);
	out[len + 1] = '\0';
}

/* n uniformly random decimal digits. */
static enum mfa_err
random_digits(char *out, size_t n)
{
	unsigned char buf[32];
	enum mfa_err rc = MFA_OK;
	size_t got = 0, i;

	while (got < n) {
		if ((rc = crypto_random(buf, sizeof(buf))) != MFA_OK)
			break;
		/* 250 = 25 * 10: drop 250..255 so every digit is as likely. */
		for (i = 0; i < sizeof(buf) && got < n; i++)
			if (buf[i] < 250)
				out[got++] = (char)('0' + buf[i] % 10);
	}
	crypto_wipe(buf, sizeof(buf));
	return rc;
}

/* One code's hash under the generation's salt (backup.h). */
static enum mfa_err
hash_one(const char *digits, unsigned len, uint32_t iter,
    const unsigned char salt[TOKEN_BACKUP_SALT],
    struct mfa_backup_slot *slot)
{
	memcpy(slot->salt, salt, TOKEN_BACKUP_SALT);
	return crypto_kdf(digits, len, slot->salt, sizeof(slot->salt), iter,
	    slot->hash);
}

/* A generation different from the old one and never 0. */
static enum mfa_err
new_generation(struct mfa_token *tok)
{
	uint32_t gen = tok->backup_gen;
	enum mfa_err rc;

	do {
		if ((rc = crypto_random(&gen, sizeof(gen))) != MFA_OK)
			return rc;
	} while (gen == 0 || gen == UINT32_MAX || gen == tok->backup_gen);
	tok->backup_gen = gen;
	return MFA_OK;
}

static void
clear_slots(struct mfa_token *tok)
{
	crypto_wipe(tok->backup, sizeof(tok->backup));
	tok->backup_count = 0;
	tok->backup_len = 0;
	tok->backup_iter = 0;
}

enum mfa_err
backup_generate(struct mfa_token *tok, unsigned n,
    char codes[][BACKUP_TEXT_MAX + 1])
{
	char digits[TOKEN_BACKUP_MAX][BACKUP_LEN_NEW + 1];
	const char *ptr[TOKEN_BACKUP_MAX] = { NULL };
	enum mfa_err rc = MFA_OK;
	unsigned i;

	if (n > TOKEN_BACKUP_MAX)
		return MFA_EINTERNAL;
	for (i = 0; i < n && rc == MFA_OK; i++) {
		rc = random_digits(digits[i], BACKUP_LEN_NEW);
		digits[i][BACKUP_LEN_NEW] = '\0';
		ptr[i] = digits[i];
	}
	if (rc == MFA_OK)
		rc = backup_set(tok, ptr, n, BACKUP_LEN_NEW);
	for (i = 0; i < n && rc == MFA_OK; i++)
		backup_format(digits[i], BACKUP_LEN_NEW, codes[i]);
	crypto_wipe(digits, sizeof(digits));
	if (rc != MFA_OK)
		crypto_wipe(codes, (size_t)n * sizeof(codes[0]));
	return rc;
}

enum mfa_err
backup_set(struct mfa_token *tok, const char *const *digits, unsigned n,
    unsigned len)
{
	unsigned char salt[TOKEN_BACKUP_SALT];
	enum mfa_err rc = MFA_OK;
	unsigned i;

	if (n > TOKEN_BACKUP_MAX ||
	    (n > 0 && len != BACKUP_LEN_NEW && len != BACKUP_LEN_IMPORTED))
		return MFA_EINTERNAL;
	for (i = 0; i < n; i++)
		if (strlen(digits[i]) != len || !all_digits(digits[i], len))
			return MFA_EINPUT;
	clear_slots(tok);
	if ((rc = new_generation(tok)) != MFA_OK)
		return rc;
	/* One fresh salt for the whole generation: one KDF per attempt. */
	rc = crypto_random(salt, sizeof(salt));
	for (i = 0; i < n && rc == MFA_OK; i++)
		rc = hash_one(digits[i], len, BACKUP_ITER_DEFAULT, salt,
		    &tok->backup[i]);
	crypto_wipe(salt, sizeof(salt));
	if (rc != MFA_OK) {
		clear_slots(tok);
		return rc;
	}
	tok->backup_count = n;
	tok->backup_len = n > 0 ? len : 0;
	tok->backup_iter = n > 0 ? BACKUP_ITER_DEFAULT : 0;
	return MFA_OK;
}

enum mfa_err
backup_match(const struct mfa_token *tok, uint32_t used, const char *digits,
    unsigned *slot)
{
	unsigned char h[CRYPTO_DIGEST_LEN];
	const unsigned char *hsalt = NULL;	/* the salt h was made with */
	enum mfa_err rc, result = MFA_EBADCODE;
	unsigned i;

	*slot = 0;
	if (tok->backup_count == 0 || tok->backup_count > TOKEN_BACKUP_MAX ||
	    strlen(digits) != tok->backup_len)
		return MFA_EBADCODE;
	for (i = 0; i < tok->backup_count; i++) {
		/* A slot salted as the one before reuses its hash: the
		 * same function of the same input (backup.h). */
		if (hsalt == NULL || !crypto_equal(hsalt, tok->backup[i].salt,
		    TOKEN_BACKUP_SALT)) {
			hsalt = tok->backup[i].salt;
			rc = crypto_kdf(digits, tok->backup_len, hsalt,
			    TOKEN_BACKUP_SALT, tok->backup_iter, h);
			if (rc != MFA_OK) {
				crypto_wipe(h, sizeof(h));
				return rc;
			}
		}
		if (crypto_equal(h, tok->backup[i].hash, sizeof(h)) &&
		    result == MFA_EBADCODE) {
			if (used & (1U << i)) {
				result = MFA_EREPLAY;
			} else {
				result = MFA_OK;
				*slot = i;
			}
		}
	}
	crypto_wipe(h, sizeof(h));
	return result;
}

unsigned
backup_left(const struct mfa_token *tok, uint32_t used)
{
	unsigned i, n = 0;

	for (i = 0; i < tok->backup_count && i < TOKEN_BACKUP_MAX; i++)
		if (!(used & (1U << i)))
			n++;
	return n;
}
