/*
 * mkseeds.c - writes the binary seed corpora of the fuzzers (valid state
 * files, tokens, URI and split inputs) under the directory given, one
 * subdirectory per fuzzer.  Run by "tests/fuzz/run.sh seeds"; its output
 * is kept in tests/fuzz/corpus.  Sealed tokens get a random nonce, so
 * those two files differ from run to run.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "crypto.h"
#include "keyring.h"
#include "state.h"
#include "token.h"

static const char *top;

static void
put(const char *dir, const char *name, const void *data, size_t len)
{
	char path[4096];
	FILE *f;
	int n;

	n = snprintf(path, sizeof(path), "%s/%s", top, dir);
	if (n < 0 || (size_t)n >= sizeof(path) ||
	    (mkdir(path, 0755) != 0 && errno != EEXIST))
		goto fail;
	n = snprintf(path, sizeof(path), "%s/%s/%s", top, dir, name);
	if (n < 0 || (size_t)n >= sizeof(path) ||
	    (f = fopen(path, "wb")) == NULL)
		goto fail;
	if (fwrite(data, 1, len, f) != len || fclose(f) != 0)
		goto fail;
	return;
fail:
	fprintf(stderr, "mkseeds: %s/%s/%s: %s\n", top, dir, name,
	    strerror(errno));
	exit(1);
}

static void
state_seeds(void)
{
	unsigned char file[STATE_FILE_SIZE];
	struct mfa_state st;

	memset(&st, 0, sizeof(st));
	st.token_id = 0x1122334455667788ULL;
	st.next_step = 59281010;
	if (state_encode(&st, 1, file) != MFA_OK)
		exit(1);
	put("fuzz_state", "one-slot", file, STATE_SLOT_SIZE);
	/* A partial second slot, as a crash while the file grows leaves. */
	put("fuzz_state", "torn-growth", file, STATE_SLOT_SIZE + 100);

	st.fail_count = 3;
	st.first_fail = 1780000000;
	st.last_fail = 1780000100;
	st.last_success = 1779990000;
	snprintf(st.last_rhost, sizeof(st.last_rhost), "198.51.100.7");
	if (state_encode(&st, 7, file) != MFA_OK)
		exit(1);
	st.fail_count = 5;
	st.locked_until = 1780000900;
	if (state_encode(&st, 8, file + STATE_SLOT_SIZE) != MFA_OK)
		exit(1);
	put("fuzz_state", "two-slots", file, STATE_FILE_SIZE);
	/* Newest in slot 0, a wrong digest in slot 1. */
	if (state_encode(&st, 9, file) != MFA_OK)
		exit(1);
	file[STATE_SLOT_SIZE + 8] ^= 1;
	put("fuzz_state", "slot1-torn", file, STATE_FILE_SIZE);

	st.locked_until = STATE_LOCKED_FOREVER;
	st.backup_used = 0x5;
	st.backup_gen = 2;
	snprintf(st.last_rhost, sizeof(st.last_rhost), "%s",
	    "vpn-gw-01.example.org:1194/udp~x_y-z[2001:db8::1]%eth0");
	if (state_encode(&st, UINT64_MAX, file) != MFA_OK)
		exit(1);
	put("fuzz_state", "locked-forever", file, STATE_SLOT_SIZE);
}

static void
token_base(struct mfa_token *tok, uint64_t id)
{
	size_t i;

	memset(tok, 0, sizeof(*tok));
	tok->id = id;
	tok->created = 1764310000;
	tok->type = MFA_TOTP;
	tok->algo = MFA_SHA1;
	tok->digits = 6;
	tok->period = 30;
	tok->secret_len = 20;
	for (i = 0; i < MFA_SECRET_MAX; i++)
		tok->secret[i] = (unsigned char)(0x30 + i);
}

/* The key fuzz_token.c unseals with: id 1, bytes 1..32. */
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

/* Seal as the version before did (cipher 2: label "pam_mfa/token/v2",
 * the token id and the user name; token.h), so the corpus keeps a record
 * of that kind: it is still read. */
static void
seal_v2(struct mfa_token *tok, const char *user,
    const struct mfa_keyring *kr)
{
	static const char label[] = "pam_mfa/token/v2";
	unsigned char aad[sizeof(label) + 8 + MFA_USER_MAX];
	unsigned char ct[MFA_SECRET_MAX];
	size_t ulen = strlen(user), i;

	memcpy(aad, label, sizeof(label));
	for (i = 0; i < 8; i++)
		aad[sizeof(label) + i] = (unsigned char)(tok->id >> (8 * i));
	memcpy(aad + sizeof(label) + 8, user, ulen);
	memset(tok->nonce, 0x5a, sizeof(tok->nonce));
	if (tok->backup_count != 0 || crypto_aead_seal(kr->k[0].key,
	    tok->nonce, aad, sizeof(label) + 8 + ulen, tok->secret,
	    tok->secret_len, ct, tok->tag) != MFA_OK)
		exit(1);
	memcpy(tok->secret, ct, tok->secret_len);
	tok->cipher = 2;
	tok->key_id = kr->k[0].id;
}

static void
token_put(const char *name, const struct mfa_token *tok)
{
	unsigned char buf[TOKEN_FILE_SIZE];

	if (token_encode(tok, buf) != MFA_OK) {
		fprintf(stderr, "mkseeds: %s: token_encode failed\n", name);
		exit(1);
	}
	put("fuzz_token", name, buf, sizeof(buf));
}

static void
token_seeds(void)
{
	struct mfa_keyring kr;
	struct mfa_token tok;
	unsigned i;

	token_base(&tok, 1);
	token_put("totp-sha1-6-30", &tok);
	token_base(&tok, 2);
	tok.algo = MFA_SHA256;
	tok.digits = 8;
	tok.period = 60;
	tok.secret_len = 32;
	token_put("totp-sha256-8-60", &tok);
	token_base(&tok, 3);
	tok.algo = MFA_SHA512;
	tok.secret_len = MFA_SECRET_MAX;
	tok.flags = TOKEN_F_PENDING;
	token_put("totp-sha512-pending", &tok);
	token_base(&tok, 4);
	tok.type = MFA_HOTP;
	tok.period = 0;
	tok.counter = 1000;
	tok.secret_len = MFA_SECRET_MIN;
	token_put("hotp-counter", &tok);
	token_base(&tok, UINT64_MAX);
	tok.backup_gen = 3;
	tok.backup_count = TOKEN_BACKUP_MAX;
	tok.backup_len = 10;
	tok.backup_iter = 20000;
	for (i = 0; i < TOKEN_BACKUP_MAX; i++) {
		memset(tok.backup[i].salt, (int)i + 1, TOKEN_BACKUP_SALT);
		memset(tok.backup[i].hash, 0xf0 ^ (int)i, TOKEN_BACKUP_HASH);
	}
	token_put("backup-codes", &tok);

	token_base(&tok, 8);
	tok.flags = TOKEN_F_UID;
	tok.uid = 0;
	token_put("clear-uid-root", &tok);

	keys_make(&kr);
	token_base(&tok, 5);
	seal_v2(&tok, "fuzz", &kr);
	token_put("sealed-key1", &tok);
	token_base(&tok, 9);
	tok.flags = TOKEN_F_UID;
	tok.uid = 1001;
	tok.replaces = 5;
	tok.backup_gen = 2;
	tok.backup_count = 2;
	tok.backup_len = 10;
	tok.backup_iter = 20000;
	if (token_seal(&tok, "fuzz", &kr) != MFA_OK)
		exit(1);
	token_put("sealed-v3-uid", &tok);
	token_base(&tok, 6);
	kr.k[0].id = 7;
	if (token_seal(&tok, "fuzz", &kr) != MFA_OK)
		exit(1);
	token_put("sealed-unknown-key", &tok);
	keyring_wipe(&kr);
	token_wipe(&tok);
}

/* fuzz_uri input: flags, secret length, counter, secret, issuer\0account */
static void
uri_put(const char *name, unsigned char flags, unsigned char seclen,
    const char *issuer, const char *account)
{
	unsigned char buf[512];
	size_t i, ilen = strlen(issuer), alen = strlen(account);
	size_t hdr = 2 + 8 + MFA_SECRET_MAX;

	if (hdr + ilen + 1 + alen > sizeof(buf))
		exit(1);
	memset(buf, 0, hdr);
	buf[0] = flags;
	buf[1] = seclen;
	buf[2] = 0xe8;	/* counter 1000 */
	buf[3] = 0x03;
	for (i = 0; i < MFA_SECRET_MAX; i++)
		buf[10 + i] = (unsigned char)(0x61 + i);
	memcpy(buf + hdr, issuer, ilen);
	buf[hdr + ilen] = '\0';
	memcpy(buf + hdr + ilen + 1, account, alen);
	put("fuzz_uri", name, buf, hdr + ilen + 1 + alen);
}

static void
uri_seeds(void)
{
	uri_put("totp-default", 0, 4, "pam_mfa", "alice");
	uri_put("totp-sha256-8-60", 2 | 8 | 16, 16, "Demo VPN",
	    "bob@example.org");
	uri_put("totp-sha512", 4, 48, "ACME Corp. (R&D)", "carol.o_neil-2");
	uri_put("hotp", 1, 0, "pam_mfa", "dave");
	uri_put("utf8-issuer", 0, 4, "\xc3\x9cnic\xc3\xb8" "de/VPN?x=1&y=%",
	    "e");
	uri_put("empty", 0, 0, "", "");
}

static void
split_put(const char *name, unsigned char digits, const char *field)
{
	unsigned char buf[256];
	size_t len = strlen(field);

	if (len + 1 > sizeof(buf))
		exit(1);
	buf[0] = digits;
	memcpy(buf + 1, field, len);
	put("fuzz_split", name, buf, len + 1);
}

static void
split_seeds(void)
{
	split_put("six", 6, "secret123456");
	split_put("eight", 8, "correct horse12345678");
	split_put("code-only", 6, "123456");
	split_put("short", 6, "x12345");
	split_put("user-name", 0, "alice.o_neil-2@example.org");
	split_put("bad-user", 3, "../etc/passwd");
}

int
main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: mkseeds CORPUS_DIR\n");
		return 2;
	}
	top = argv[1];
	state_seeds();
	token_seeds();
	uri_seeds();
	split_seeds();
	return 0;
}
