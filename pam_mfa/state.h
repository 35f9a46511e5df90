/*
 * state.h - a user's login state: what every attempt may update (replay
 * floor, failure count, lock, last success), kept apart from the token.
 *
 * The state file holds two slots of STATE_SLOT_SIZE bytes at offsets 0 and
 * STATE_SLOT_SIZE, each in its own disk sector.  A write goes to the slot
 * that does not hold the newest record, so a write torn by a crash damages
 * only the slot being written and the previous record survives:
 *  1. every slot carries a sequence number and a SHA-256 digest;
 *  2. a reader takes the valid slot with the highest sequence number;
 *  3. no valid slot in a non-empty file is corruption, never a fresh start;
 *  4. an empty file is a fresh state (the file was created, nothing written).
 * Slot layout (version 2), little-endian:
 *   0 magic "MFAS"   4 version u16   6 reserved u16  8 sequence u64
 *  16 token id u64  24 next step u64 32 fail count u32 36 backup used u32
 *  40 first fail s64  48 locked until s64  56 last success s64
 *  64 last failure s64  72 backup generation u32  76 rhost length u8
 *  80 last success rhost[64]  144 lock step u32  148 reserved
 * 224 digest[32]
 * Version 1 is the same without the lock step (reserved, zero): it is
 * still read, as lock step 0; every write is version 2.
 * Encoding and decoding are pure.
 */
#ifndef MFA_STATE_H
#define MFA_STATE_H

#include <stdint.h>

#include "mfa.h"

#define STATE_SLOT_SIZE		512
#define STATE_FILE_SIZE		(2 * STATE_SLOT_SIZE)
#define STATE_RECORD_SIZE	256	/* bytes of a slot in use */
#define STATE_VERSION		2
#define STATE_VERSION_MIN	1	/* oldest version still read */
#define STATE_LOCKED_FOREVER	INT64_MAX

struct mfa_state {
	uint64_t seq;			/* sequence of the record read */
	uint64_t token_id;		/* token this replay floor belongs to */
	uint64_t next_step;		/* lowest TOTP step / HOTP counter
					 * still acceptable */
	uint32_t fail_count;		/* failures in the current interval */
	uint32_t backup_used;		/* bit i: backup code i consumed */
	uint32_t backup_gen;		/* generation backup_used refers to */
	int64_t first_fail;		/* start of the failure interval */
	int64_t locked_until;		/* 0: not locked */
	uint32_t lock_step;		/* locks since the last success or
					 * admin unlock (escalation) */
	int64_t last_success;
	int64_t last_fail;
	char last_rhost[MFA_RHOST_MAX + 1];
};

/* Encode st with sequence number seq into one slot image. */
enum mfa_err state_encode(const struct mfa_state *st, uint64_t seq,
    unsigned char slot[STATE_SLOT_SIZE]);

/*
 * Decode the newest valid record from a state file image of len bytes
 * (0, or STATE_SLOT_SIZE up to STATE_FILE_SIZE; an incomplete second slot
 * is ignored).  *slot receives the index of
 * the slot the record came from, or -1 for an empty (fresh) file.
 */
enum mfa_err state_decode(const unsigned char *file, size_t len,
    struct mfa_state *st, int *slot);

#endif
