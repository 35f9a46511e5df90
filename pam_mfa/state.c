/*
 * state.c - state record codec; the rules are in state.h.
 */
#include "config.h"

#include <string.h>

#include "bytes.h"
#include "crypto.h"
#include "state.h"

#define OFF_MAGIC	0
#define OFF_VERSION	4
#define OFF_SEQ		8
#define OFF_TOKEN	16
#define OFF_NEXT	24
#define OFF_FAILS	32
#define OFF_BUSED	36
#define OFF_FFIRST	40
#define OFF_LOCKED	48
#define OFF_LSUCC	56
#define OFF_LFAIL	64
#define OFF_BGEN	72
#define OFF_RHLEN	76
#define OFF_RHOST	80
#define OFF_LSTEP	144	/* version 2 */
#define OFF_DIGEST	(STATE_RECORD_SIZE - CRYPTO_DIGEST_LEN)

_Static_assert(OFF_RHOST + MFA_RHOST_MAX + 1 <= OFF_LSTEP, "rhost overlaps");
_Static_assert(OFF_LSTEP + 4 <= OFF_DIGEST, "lock step overlaps");

static const unsigned char state_magic[4] = { 'M', 'F', 'A', 'S' };

enum mfa_err
state_encode(const struct mfa_state *st, uint64_t seq,
    unsigned char slot[STATE_SLOT_SIZE])
{
	size_t rhlen = strnlen(st->last_rhost, sizeof(st->last_rhost));

	memset(slot, 0, STATE_SLOT_SIZE);
	if (rhlen > MFA_RHOST_MAX)
		return MFA_EINTERNAL;
	memcpy(slot + OFF_MAGIC, state_magic, sizeof(state_magic));
	put_u16(slot + OFF_VERSION, STATE_VERSION);
	put_u64(slot + OFF_SEQ, seq);
	put_u64(slot + OFF_TOKEN, st->token_id);
	put_u64(slot + OFF_NEXT, st->next_step);
	put_u32(slot + OFF_FAILS, st->fail_count);
	put_u32(slot + OFF_BUSED, st->backup_used);
	put_u64(slot + OFF_FFIRST, (uint64_t)st->first_fail);
	put_u64(slot + OFF_LOCKED, (uint64_t)st->locked_until);
	put_u64(slot + OFF_LSUCC, (uint64_t)st->last_success);
	put_u64(slot + OFF_LFAIL, (uint64_t)st->last_fail);
	put_u32(slot + OFF_BGEN, st->backup_gen);
	slot[OFF_RHLEN] = (unsigned char)rhlen;
	memcpy(slot + OFF_RHOST, st->last_rhost, rhlen);
	put_u32(slot + OFF_LSTEP, st->lock_step);
	return crypto_digest(slot, OFF_DIGEST, slot + OFF_DIGEST);
}

/* MFA_OK and the record, or why the slot can't be used. */
static enum mfa_err
slot_decode(const unsigned char *slot, struct mfa_state *st)
{
	unsigned char digest[CRYPTO_DIGEST_LEN];
	enum mfa_err rc;
	unsigned version;
	size_t rhlen;
	size_t i;

	if (memcmp(slot + OFF_MAGIC, state_magic, sizeof(state_magic)) != 0)
		return MFA_ECORRUPT;
	if ((rc = crypto_digest(slot, OFF_DIGEST, digest)) != MFA_OK)
		return rc;
	if (!crypto_equal(digest, slot + OFF_DIGEST, sizeof(digest)))
		return MFA_ECORRUPT;
	version = get_u16(slot + OFF_VERSION);
	if (version > STATE_VERSION)
		return MFA_EVERSION;
	if (version < STATE_VERSION_MIN)
		return MFA_ECORRUPT;
	rhlen = slot[OFF_RHLEN];
	if (rhlen > MFA_RHOST_MAX)
		return MFA_ECORRUPT;
	for (i = 0; i < rhlen; i++)
		if (slot[OFF_RHOST + i] < 0x21 || slot[OFF_RHOST + i] > 0x7e)
			return MFA_ECORRUPT;

	memset(st, 0, sizeof(*st));
	st->seq = get_u64(slot + OFF_SEQ);
	st->token_id = get_u64(slot + OFF_TOKEN);
	st->next_step = get_u64(slot + OFF_NEXT);
	st->fail_count = get_u32(slot + OFF_FAILS);
	st->backup_used = get_u32(slot + OFF_BUSED);
	st->first_fail = (int64_t)get_u64(slot + OFF_FFIRST);
	st->locked_until = (int64_t)get_u64(slot + OFF_LOCKED);
	st->last_success = (int64_t)get_u64(slot + OFF_LSUCC);
	st->last_fail = (int64_t)get_u64(slot + OFF_LFAIL);
	st->backup_gen = get_u32(slot + OFF_BGEN);
	memcpy(st->last_rhost, slot + OFF_RHOST, rhlen);
	st->last_rhost[rhlen] = '\0';
	/* Version 1 had no lock step: its bytes were reserved. */
	st->lock_step = version >= 2 ? get_u32(slot + OFF_LSTEP) : 0;
	return MFA_OK;
}

enum mfa_err
state_decode(const unsigned char *file, size_t len, struct mfa_state *st,
    int *slot)
{
	struct mfa_state rec[2];
	enum mfa_err rc[2] = { MFA_ECORRUPT, MFA_ECORRUPT };
	int n, i;

	memset(st, 0, sizeof(*st));
	*slot = -1;
	if (len == 0)
		return MFA_OK;
	/* A crash while the file grows may leave a partial second slot. */
	if (len < STATE_SLOT_SIZE || len > STATE_FILE_SIZE)
		return MFA_ECORRUPT;
	n = (int)(len / STATE_SLOT_SIZE);
	for (i = 0; i < n; i++)
		rc[i] = slot_decode(file + (size_t)i * STATE_SLOT_SIZE, &rec[i]);

	/*
	 * A newer format in either slot means a newer pam_mfa wrote here:
	 * falling back to the older slot would silently lose its updates.
	 */
	if (rc[0] == MFA_EVERSION || rc[1] == MFA_EVERSION)
		return MFA_EVERSION;
	if (rc[0] == MFA_OK && (rc[1] != MFA_OK || rec[0].seq > rec[1].seq))
		i = 0;
	else if (rc[1] == MFA_OK)
		i = 1;
	else
		return MFA_ECORRUPT;
	*st = rec[i];
	*slot = i;
	return MFA_OK;
}
