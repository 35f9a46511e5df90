/*
 * token.h - a user's enrolled token: what the admin (the CLI) writes and the
 * module only reads.  Encoding and decoding are pure: no files, no clock.
 *
 * On disk a token is exactly TOKEN_FILE_SIZE bytes, little-endian, ending in
 * a SHA-256 digest of everything before it.  Version 1 layout:
 *   0 magic "MFAT"   4 version u16   6 flags u16    8 token id u64
 *  16 created s64   24 type u8      25 algorithm u8 26 digits u8
 *  27 cipher u8     28 period u16   30 secret length u16
 *  32 HOTP first counter u64        40 key id u32   44 nonce[12]
 *  56 tag[16]       72 secret[64]  136 backup generation u32
 * 140 backup count u16  142 backup code digits u8  143 reserved u8
 * 144 backup slots[16] of salt[16] hash[32]
 * 912 backup PBKDF2 iterations u32  916 replaces u64  924 uid u32
 * 928 TOTP offset s32 (cipher 4 only)   932 reserved   992 digest[32]
 * cipher 0: the secret in clear (only ever in memory: the store refuses
 * such a file); cipher 3 (what is written): the secret and the backup
 * slots in use sealed together with AES-256-GCM under key id (nonce,
 * tag), with the associated data "pam_mfa/token/v3", every other field
 * that decides what the token does (flags, id, created, type, algorithm,
 * digits, period, secret length, HOTP counter, key id, backup generation,
 * count, digits and iterations, replaces, uid: token_aad3) and the user
 * name, so that a copy of the state directory alone gives neither the
 * secret nor the hashes to attack the backup codes offline, and no field
 * can be changed without the key (the digest, unkeyed, only catches
 * damage); cipher 2 (read, no longer written): the same sealing with the
 * associated data "pam_mfa/token/v2", the token id and the user name
 * alone; cipher 1 (read, no longer written): secret[] holds the secret
 * alone sealed with
 * AES-256-GCM under key id, with nonce and tag, and the associated data
 * "pam_mfa/token/v1", the token id and the user name, so a token can't be
 * moved to another user or replayed as another token.  Other ciphers are
 * refused as a newer version's.  The uid (flag TOKEN_F_UID, cipher 3
 * only) is the account's the token was enrolled for (account.h); a
 * token without it is checked by name alone.
 * Cipher 4 is cipher 3 with one more field bound, the TOTP offset
 * (pam-mfa resync), under the label "pam_mfa/token/v4": written only for
 * a token whose offset is not 0, so that every other token stays in the
 * format an earlier version reads (which refuses cipher 4 as a newer
 * version's rather than ignore the offset).  Ciphers 1 to 3 carry no
 * offset.
 */
#ifndef MFA_TOKEN_H
#define MFA_TOKEN_H

#include <stdint.h>

#include "keyring.h"
#include "mfa.h"

#define TOKEN_FILE_SIZE		1024
#define TOKEN_VERSION		1
#define TOKEN_BACKUP_MAX	16
#define TOKEN_BACKUP_SALT	16
#define TOKEN_BACKUP_HASH	32
/* The largest TOTP offset, in periods either way (pam-mfa resync). */
#define TOKEN_OFFSET_MAX	1000

enum mfa_otp_type {
	MFA_TOTP = 1,
	MFA_HOTP = 2,
};

enum mfa_algo {
	MFA_SHA1 = 1,
	MFA_SHA256 = 2,
	MFA_SHA512 = 3,
};

#define TOKEN_F_PENDING	0x0001	/* enrolled but not yet confirmed */
#define TOKEN_F_UID	0x0002	/* uid holds the account's uid */

/* A code's PBKDF2 hash and its salt: the salt is the same in every slot
 * of a generation written now, one per slot in older records (both are
 * read; backup.h). */
struct mfa_backup_slot {
	unsigned char salt[TOKEN_BACKUP_SALT];
	unsigned char hash[TOKEN_BACKUP_HASH];
};

struct mfa_token {
	uint64_t id;			/* random; ties state to this token */
	int64_t created;		/* unix time of enrollment */
	uint16_t flags;
	enum mfa_otp_type type;
	enum mfa_algo algo;
	unsigned digits;		/* 6 or 8 */
	unsigned period;		/* TOTP step in seconds: 30 or 60 */
	uint64_t counter;		/* HOTP: first counter value accepted */
	unsigned cipher;		/* 0: in clear, 1 or 2: sealed */
	uint32_t key_id;
	unsigned char nonce[CRYPTO_NONCE_LEN];
	unsigned char tag[CRYPTO_TAG_LEN];
	size_t secret_len;
	unsigned char secret[MFA_SECRET_MAX];
	uint32_t backup_gen;		/* new codes, new generation */
	unsigned backup_count;		/* slots in use */
	unsigned backup_len;		/* digits per backup code */
	uint32_t backup_iter;		/* PBKDF2 iterations of the hashes */
	uint64_t replaces;		/* pending: the id of the active token
					 * it was made to replace (0: none) */
	uint32_t uid;			/* with TOKEN_F_UID: the account's */
	int32_t totp_offset;		/* TOTP: periods added to the host's
					 * step for this token (resync) */
	struct mfa_backup_slot backup[TOKEN_BACKUP_MAX];
};

/* Check the fields an admin or an import may get wrong. */
enum mfa_err token_check(const struct mfa_token *tok);
enum mfa_err token_encode(const struct mfa_token *tok,
    unsigned char buf[TOKEN_FILE_SIZE]);
/* Decodes and checks buf; on failure *tok is wiped. */
enum mfa_err token_decode(const unsigned char buf[TOKEN_FILE_SIZE],
    struct mfa_token *tok);
/* Encrypt the secret and backup slots in place with the active key
 * (cipher 0 to 3, or to 4 with a TOTP offset), every other field bound
 * to them. */
enum mfa_err token_seal(struct mfa_token *tok, const char *user,
    const struct mfa_keyring *kr);
/* Decrypt in place (cipher 1, 2, 3 or 4 to 0); MFA_ECORRUPT if it fails to open,
 * MFA_ECRYPTO if its key is not in the ring. */
enum mfa_err token_unseal(struct mfa_token *tok, const char *user,
    const struct mfa_keyring *kr);
/* Wipe the secret and everything else. */
void token_wipe(struct mfa_token *tok);

const char *token_algo_name(enum mfa_algo algo);
/* Parses "SHA1", "SHA256", "SHA512" (case-insensitive); 0 if unknown. */
enum mfa_algo token_algo_parse(const char *name);

#endif
