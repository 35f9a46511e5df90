/*
 * fuzz_state.c - state_decode over any file image up to 2048 bytes, as
 * given and with the digest of every whole slot made valid: the result
 * must follow the rules of state.h (newest valid slot, a newer version
 * refused, a torn slot ignored), and a decoded record must round-trip
 * through state_encode.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "state.h"

#define FUZZ_MAX	2048
#define VERSION_OFF	4	/* the layout in state.h */
#define DIGEST_OFF	(STATE_RECORD_SIZE - CRYPTO_DIGEST_LEN)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
state_same(const struct mfa_state *a, const struct mfa_state *b)
{
	return a->seq == b->seq && a->token_id == b->token_id &&
	    a->next_step == b->next_step && a->fail_count == b->fail_count &&
	    a->backup_used == b->backup_used &&
	    a->backup_gen == b->backup_gen && a->first_fail == b->first_fail &&
	    a->locked_until == b->locked_until &&
	    a->last_success == b->last_success &&
	    a->last_fail == b->last_fail && a->lock_step == b->lock_step &&
	    strcmp(a->last_rhost, b->last_rhost) == 0;
}

static int
state_zero(const struct mfa_state *st)
{
	static const struct mfa_state zero;

	return state_same(st, &zero);
}

/* A decoded rhost is printable ASCII without spaces, NUL-terminated. */
static void
check_record(const struct mfa_state *st)
{
	size_t n, i;

	n = strnlen(st->last_rhost, sizeof(st->last_rhost));
	if (n > MFA_RHOST_MAX)
		abort();
	for (i = 0; i < n; i++)
		if (st->last_rhost[i] < 0x21 || st->last_rhost[i] > 0x7e)
			abort();
}

/* Encode, decode, encode again: same record, same bytes, newest wins. */
static void
round_trip(const struct mfa_state *st)
{
	unsigned char file[STATE_FILE_SIZE], again[STATE_SLOT_SIZE];
	struct mfa_state back;
	int slot;

	if (state_encode(st, st->seq, file) != MFA_OK)
		abort();
	if (state_decode(file, STATE_SLOT_SIZE, &back, &slot) != MFA_OK ||
	    slot != 0 || !state_same(st, &back))
		abort();
	if (state_encode(&back, back.seq, again) != MFA_OK ||
	    memcmp(file, again, STATE_SLOT_SIZE) != 0)
		abort();
	if (st->seq == UINT64_MAX)
		return;
	/* The next write goes to the other slot with the next number. */
	if (state_encode(st, st->seq + 1, file + STATE_SLOT_SIZE) != MFA_OK)
		abort();
	if (state_decode(file, STATE_FILE_SIZE, &back, &slot) != MFA_OK ||
	    slot != 1 || back.seq != st->seq + 1)
		abort();
	/* Torn: any bit of the newer record flipped, the older survives. */
	file[STATE_SLOT_SIZE + st->seq % STATE_RECORD_SIZE] ^=
	    (unsigned char)(1U << (st->token_id % 8));
	if (state_decode(file, STATE_FILE_SIZE, &back, &slot) != MFA_OK ||
	    slot != 0 || !state_same(st, &back))
		abort();
}

/*
 * What state.h says of one slot: a wrong magic or digest is corrupt, a
 * later version a newer version's.  MFA_OK means "up to the field checks".
 */
static enum mfa_err
slot_rule(const unsigned char *slot)
{
	unsigned char digest[CRYPTO_DIGEST_LEN];
	unsigned version = (unsigned)slot[VERSION_OFF] |
	    (unsigned)slot[VERSION_OFF + 1] << 8;

	if (memcmp(slot, "MFAS", 4) != 0)
		return MFA_ECORRUPT;
	if (crypto_digest(slot, DIGEST_OFF, digest) != MFA_OK)
		abort();
	if (memcmp(digest, slot + DIGEST_OFF, sizeof(digest)) != 0)
		return MFA_ECORRUPT;
	if (version > STATE_VERSION)
		return MFA_EVERSION;
	/* Version 1 (no lock step) is still read. */
	return version < 1 ? MFA_ECORRUPT : MFA_OK;
}

/* state_decode on len bytes, checked against each slot decoded alone. */
static void
check_decode(const unsigned char *file, size_t len)
{
	struct mfa_state st, one[2];
	enum mfa_err rc, want, r[2] = { MFA_ECORRUPT, MFA_ECORRUPT };
	int slot, s, pick;
	size_t n, i;

	rc = state_decode(file, len, &st, &slot);
	if (len == 0) {
		if (rc != MFA_OK || slot != -1 || !state_zero(&st))
			abort();
		return;
	}
	if (len < STATE_SLOT_SIZE || len > STATE_FILE_SIZE) {
		if (rc == MFA_OK)
			abort();
		return;
	}
	n = len / STATE_SLOT_SIZE;
	for (i = 0; i < n; i++) {
		r[i] = state_decode(file + i * STATE_SLOT_SIZE,
		    STATE_SLOT_SIZE, &one[i], &s);
		want = slot_rule(file + i * STATE_SLOT_SIZE);
		if ((r[i] == MFA_OK && s != 0) ||
		    (want != MFA_OK && r[i] != want) ||
		    (want == MFA_OK && r[i] == MFA_EVERSION))
			abort();
	}
	if (r[0] == MFA_EVERSION || r[1] == MFA_EVERSION)
		pick = -2;
	else if (r[0] == MFA_OK && r[1] == MFA_OK)
		/* Equal numbers never happen on disk: either slot will do. */
		pick = one[0].seq > one[1].seq ? 0 :
		    one[0].seq < one[1].seq ? 1 : slot;
	else if (r[0] == MFA_OK)
		pick = 0;
	else if (r[1] == MFA_OK)
		pick = 1;
	else
		pick = -1;
	if (pick == -2) {
		if (rc != MFA_EVERSION)
			abort();
		return;
	}
	if (pick == -1) {
		if (rc == MFA_OK)
			abort();
		return;
	}
	if (rc != MFA_OK || slot != pick || pick < 0 || pick > 1 ||
	    !state_same(&st, &one[pick]))
		abort();
	check_record(&st);
	round_trip(&st);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *buf;
	size_t off;

	if (size > FUZZ_MAX)
		return 0;
	check_decode(data, size);
	if (size == 0)
		return 0;

	/* Valid digests, so the field checks behind them are reached. */
	if ((buf = malloc(size)) == NULL)
		abort();
	memcpy(buf, data, size);
	for (off = 0; off + STATE_SLOT_SIZE <= size; off += STATE_SLOT_SIZE)
		if (crypto_digest(buf + off, DIGEST_OFF,
		    buf + off + DIGEST_OFF) != MFA_OK)
			abort();
	check_decode(buf, size);
	free(buf);
	return 0;
}
