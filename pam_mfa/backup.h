/*
 * backup.h - backup codes: single-use codes for a user without their
 * phone.  Only salted PBKDF2-HMAC-SHA256 hashes are kept, in the token's
 * slots, which the store seals with the secret (token.h); which ones are
 * spent is a bitmap in the state, set under the user's lock, so a code is
 * accepted at most once.
 *
 * A backup code is BACKUP_LEN_NEW (10) digits, shown as two halves joined
 * by a hyphen ("12345-67890"); codes imported from google-authenticator
 * keep their 8 digits ("1234-5678").  A reply is a backup code, with or
 * without the hyphen, when its length is the token's backup length, which
 * is never the length of its one-time codes.  In one-field mode only the
 * hyphenated form is recognised: the hyphen sits where a one-time code
 * would have a digit, so the two never mix.  Pure, apart from the KDF.
 *
 * One hash per attempt.  All the codes of a generation share one fresh
 * random 16-byte salt, kept in every slot's salt field (the record's
 * layout is unchanged, token.h); backup_match hashes the typed code once
 * per run of equally salted slots and compares the result with every
 * slot's hash (crypto_equal, no early exit).  So an attempt -- right,
 * wrong or spent -- costs one PBKDF2-HMAC-SHA256 (BACKUP_ITER_DEFAULT
 * iterations) whatever the number of codes, where a salt per code cost
 * one per code (10 to 16).  Records written before (a salt per slot) keep
 * working unchanged, at one PBKDF2 per slot, until new codes are made;
 * records written now read correctly in earlier versions (each slot
 * hashed with its salt, which is the same one).  The time depends on the
 * record (how many salts), never on the code typed or the slot matched.
 *
 * What this changes for a thief (THREAT-MODEL: stolen backups):
 *  1. The state directory alone (token and state files; for PostgreSQL a
 *     dump of its tables, the same 1024-byte records): salts and hashes
 *     are inside the token's AES-256-GCM seal with the secret, under the
 *     key file's key, and the count, length, iterations and generation
 *     are bound to it (token.h).  No guess can be tested offline, and
 *     equal salts don't show through the seal (a fresh nonce each
 *     sealing).  Nothing changes: the only attack is online, against the
 *     lockout.
 *  2. The state directory and the key file: every seal opens, so the
 *     thief holds every user's OTP secret, hence every valid one-time
 *     code for as long as the token stands.  Backup codes are made when
 *     their token becomes active and die with it (new codes are a new
 *     generation; revoke and replace drop them; rekey re-seals both
 *     together), so no backup code outlives the secret sealed beside it
 *     and a recovered one opens no login the secret does not already
 *     open.  What this thief gets is unchanged.
 *  3. What does change is the cost, for that same thief, of recovering
 *     the codes themselves, and no design can avoid it: if a wrong
 *     attempt costs the module W, whoever holds all the module holds
 *     tests a guess against every slot for W, so the first of n codes
 *     costs about S * W / n for S possible codes.  Generated codes are
 *     10 uniform digits (S = 10^10, 33 bits); imported
 *     google-authenticator scratch codes 8 (S < 10^8).  With a salt per
 *     code (W = n PBKDF2) one code cost S PBKDF2 and the set n * S; now
 *     (W = 1) the set costs S and the first code S / (n + 1).  At 20,000
 *     iterations (4-5 ms a core here), S = 10^10 is about 1.5 core-years:
 *     before, up to 1.5 core-years a code and 15 for ten codes; now 1.5
 *     for the set, under two core-months for the first (GPUs divide all
 *     of these alike, by about 10^3).  Buying the factor n back costs
 *     the module n PBKDF2 again -- the stall this removes -- so it is
 *     not done: more iterations are that same cost; a pepper derived
 *     from the key file is held by this very thief; scrypt (OpenSSL 3.0
 *     has it, Argon2 needs 3.2) at the same CPU cost (N = 2^14, r = 1:
 *     2 MiB, 4.7 ms against PBKDF2's 5.0 ms here) moves about 4 MiB per
 *     guess, some 2 * 10^5 guesses a second on a GPU with 1 TB/s of
 *     memory bandwidth -- the order PBKDF2 at 20,000 iterations runs at
 *     -- and would change the record.
 *  4. A fresh salt per user and generation still makes any precomputed
 *     table useless beyond the one set it was built for.
 * In the module a backup-shaped reply is matched before the user's lock
 * (auth.c); only when new codes were made between that match and the
 * lock (an administrator's act) is it matched again, a second PBKDF2.
 */
#ifndef MFA_BACKUP_H
#define MFA_BACKUP_H

#include <stddef.h>
#include <stdint.h>

#include "mfa.h"
#include "token.h"

#define BACKUP_LEN_NEW		10	/* digits of a generated code */
#define BACKUP_LEN_IMPORTED	8	/* google-authenticator scratch codes */
#define BACKUP_TEXT_MAX		(BACKUP_LEN_NEW + 1)	/* with the hyphen */
#define BACKUP_ITER_DEFAULT	20000	/* PBKDF2 iterations per code */
#define BACKUP_ITER_MIN		1000
#define BACKUP_ITER_MAX		10000000

/*
 * If text[0..len) is a backup code of backup_len digits (hyphenated in the
 * middle, or, when hyphen_only is 0, plain), copy its digits to out
 * (NUL-ended) and return 1; else 0.
 */
int backup_parse(const char *text, size_t len, unsigned backup_len,
    int hyphen_only, char out[BACKUP_LEN_NEW + 1]);

/* The display form of digits: "12345-67890". */
void backup_format(const char *digits, unsigned len,
    char out[BACKUP_TEXT_MAX + 1]);

/*
 * Replace tok's backup codes with n new random ones (n <= TOKEN_BACKUP_MAX)
 * of BACKUP_LEN_NEW digits, under a new generation; codes[i] receives the
 * display form of each.  The caller wipes codes.
 */
enum mfa_err backup_generate(struct mfa_token *tok, unsigned n,
    char codes[][BACKUP_TEXT_MAX + 1]);

/*
 * Replace tok's backup codes with the given digit strings, all of len
 * digits (import), hashed under one fresh salt.
 */
enum mfa_err backup_set(struct mfa_token *tok, const char *const *digits,
    unsigned n, unsigned len);

/*
 * Check digits (backup_len of them) against every slot.  MFA_OK with *slot
 * if it matches an unused one, MFA_EREPLAY if it matches a spent one
 * (bit i of used), MFA_EBADCODE otherwise.  One PBKDF2 per run of slots
 * sharing a salt (one for codes made since one salt per generation),
 * every slot compared, so the time does not depend on which matched.
 */
enum mfa_err backup_match(const struct mfa_token *tok, uint32_t used,
    const char *digits, unsigned *slot);

/* Unused codes left. */
unsigned backup_left(const struct mfa_token *tok, uint32_t used);

#endif
