/*
 * test_state.c - the two-slot state record codec: every field survives a
 * round trip, the newest valid slot wins, a torn or damaged slot falls back
 * to the other, and damage or a newer format is never a fresh start.
 * Forged slots get their digest recomputed here with OpenSSL, so they test
 * the checks behind the digest.
 */
#include "config.h"

#include <openssl/sha.h>
#include <string.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "state.h"

/* Offsets from the layout in state.h. */
#define OFF_VERSION	4
#define OFF_SEQ		8
#define OFF_RHLEN	76
#define OFF_RHOST	80
#define OFF_LSTEP	144
#define OFF_DIGEST	224

/* A state with a distinct, non-zero value in every field. */
static void
st_fill(struct mfa_state *st, uint64_t v)
{
	memset(st, 0, sizeof(*st));
	st->token_id = 0x1122334455667788ULL ^ v;
	st->next_step = 0x0102030405060708ULL + v;
	st->fail_count = 3 + (uint32_t)v;
	st->backup_used = 0x80000001U ^ (uint32_t)v;
	st->backup_gen = 7 + (uint32_t)v;
	st->first_fail = -1700000000 - (int64_t)v;
	st->locked_until = 1700000900 + (int64_t)v;
	st->last_success = 1690000000 + (int64_t)v;
	st->last_fail = 1700000001 + (int64_t)v;
	st->lock_step = 0x01020304U + (uint32_t)v;
	memcpy(st->last_rhost, "198.51.100.7", sizeof("198.51.100.7"));
	st->last_rhost[0] = (char)('0' + v % 10);
}

static void
assert_state_equal(const struct mfa_state *a, const struct mfa_state *b)
{
	assert_int_equal(a->seq, b->seq);
	assert_int_equal(a->token_id, b->token_id);
	assert_int_equal(a->next_step, b->next_step);
	assert_int_equal(a->fail_count, b->fail_count);
	assert_int_equal(a->backup_used, b->backup_used);
	assert_int_equal(a->backup_gen, b->backup_gen);
	assert_int_equal(a->first_fail, b->first_fail);
	assert_int_equal(a->locked_until, b->locked_until);
	assert_int_equal(a->last_success, b->last_success);
	assert_int_equal(a->last_fail, b->last_fail);
	assert_int_equal(a->lock_step, b->lock_step);
	assert_string_equal(a->last_rhost, b->last_rhost);
}

static void
assert_state_zero(const struct mfa_state *st)
{
	struct mfa_state zero;

	memset(&zero, 0, sizeof(zero));
	assert_state_equal(st, &zero);
}

/* Recompute the digest of a slot after editing it. */
static void
forge(unsigned char *slot)
{
	SHA256(slot, OFF_DIGEST, slot + OFF_DIGEST);
}

static uint64_t
le64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/*
 * A two-slot file: a record of st_fill(v) with sequence seq0 in slot 0 and
 * v + 1 with seq1 in slot 1.
 */
static void
file_make(unsigned char file[STATE_FILE_SIZE], uint64_t seq0, uint64_t seq1)
{
	struct mfa_state st;

	st_fill(&st, 0);
	assert_int_equal(state_encode(&st, seq0, file), MFA_OK);
	st_fill(&st, 1);
	assert_int_equal(state_encode(&st, seq1, file + STATE_SLOT_SIZE),
	    MFA_OK);
}

/* Decode and check that slot want (0 or 1) as made by file_make won. */
static void
assert_decodes_to(const unsigned char *file, size_t len, int want,
    uint64_t seq)
{
	struct mfa_state st, exp;
	int slot = 9;

	assert_int_equal(state_decode(file, len, &st, &slot), MFA_OK);
	assert_int_equal(slot, want);
	st_fill(&exp, (uint64_t)want);
	exp.seq = seq;
	assert_state_equal(&st, &exp);
}

static void
test_round_trip(void **state)
{
	unsigned char file[STATE_FILE_SIZE];
	struct mfa_state in, out;
	int slot, s;

	(void)state;
	for (s = 0; s < 2; s++) {
		unsigned char *p = file + (size_t)s * STATE_SLOT_SIZE;

		memset(file, 0, sizeof(file));
		st_fill(&in, 5);
		in.seq = 42;
		assert_int_equal(state_encode(&in, 42, p), MFA_OK);
		assert_int_equal(state_decode(file, sizeof(file), &out, &slot),
		    MFA_OK);
		assert_int_equal(slot, s);
		assert_state_equal(&out, &in);
	}
}

/* The extremes of every field, an empty and a full-length rhost. */
static void
test_round_trip_extremes(void **state)
{
	unsigned char slot[STATE_SLOT_SIZE];
	struct mfa_state in, out;
	int idx;

	(void)state;
	memset(&in, 0, sizeof(in));
	in.seq = UINT64_MAX;
	in.token_id = UINT64_MAX;
	in.next_step = UINT64_MAX;
	in.fail_count = UINT32_MAX;
	in.backup_used = UINT32_MAX;
	in.backup_gen = UINT32_MAX;
	in.first_fail = INT64_MIN;
	in.locked_until = STATE_LOCKED_FOREVER;
	in.last_success = INT64_MIN;
	in.last_fail = -1;
	in.lock_step = UINT32_MAX;
	memset(in.last_rhost, '~', MFA_RHOST_MAX);
	assert_int_equal(state_encode(&in, UINT64_MAX, slot), MFA_OK);
	assert_int_equal(state_decode(slot, sizeof(slot), &out, &idx), MFA_OK);
	assert_int_equal(idx, 0);
	assert_state_equal(&out, &in);
	assert_int_equal(strlen(out.last_rhost), MFA_RHOST_MAX);

	memset(&in, 0, sizeof(in));
	assert_int_equal(state_encode(&in, 0, slot), MFA_OK);
	memset(&out, 0x5a, sizeof(out));
	assert_int_equal(state_decode(slot, sizeof(slot), &out, &idx), MFA_OK);
	assert_state_equal(&out, &in);
}

/* The layout state.h documents, byte for byte where it is fixed. */
static void
test_layout(void **state)
{
	unsigned char slot[STATE_SLOT_SIZE], digest[SHA256_DIGEST_LENGTH];
	struct mfa_state in;
	size_t i;

	(void)state;
	st_fill(&in, 0);
	memset(slot, 0xee, sizeof(slot));
	assert_int_equal(state_encode(&in, 0x0102030405060708ULL, slot),
	    MFA_OK);
	assert_memory_equal(slot, "MFAS", 4);
	assert_int_equal(slot[OFF_VERSION], STATE_VERSION);
	assert_int_equal(slot[OFF_VERSION + 1], 0);
	assert_int_equal(le64(slot + OFF_SEQ), 0x0102030405060708ULL);
	assert_int_equal(le64(slot + 16), in.token_id);
	assert_int_equal(le64(slot + 24), in.next_step);
	assert_int_equal((int64_t)le64(slot + 40), in.first_fail);
	assert_int_equal(slot[OFF_RHLEN], strlen(in.last_rhost));
	assert_memory_equal(slot + OFF_RHOST, in.last_rhost,
	    strlen(in.last_rhost));
	assert_int_equal(le64(slot + OFF_LSTEP) & 0xffffffffU, in.lock_step);
	SHA256(slot, OFF_DIGEST, digest);
	assert_memory_equal(slot + OFF_DIGEST, digest, sizeof(digest));
	/* Nothing past the record: no stale bytes reach the disk. */
	for (i = STATE_RECORD_SIZE; i < STATE_SLOT_SIZE; i++)
		assert_int_equal(slot[i], 0);
}

/* An rhost that fills the array without a NUL can't be encoded. */
static void
test_encode_unterminated_rhost(void **state)
{
	unsigned char slot[STATE_SLOT_SIZE];
	struct mfa_state in;

	(void)state;
	st_fill(&in, 0);
	memset(in.last_rhost, 'a', sizeof(in.last_rhost));
	assert_int_not_equal(state_encode(&in, 1, slot), MFA_OK);
}

static void
test_empty_is_fresh(void **state)
{
	unsigned char file[STATE_FILE_SIZE];
	struct mfa_state st;
	int slot = 7;

	(void)state;
	file_make(file, 1, 2);	/* contents must not matter */
	memset(&st, 0xa5, sizeof(st));
	assert_int_equal(state_decode(file, 0, &st, &slot), MFA_OK);
	assert_int_equal(slot, -1);
	assert_state_zero(&st);
}

static void
test_newest_wins(void **state)
{
	static const struct {
		uint64_t seq0, seq1;
		int want;
	} cases[] = {
		{ 1, 2, 1 },
		{ 2, 1, 0 },
		{ 7, 8, 1 },
		{ 9, 8, 0 },
		{ 0, 1, 1 },
		{ UINT64_MAX, UINT64_MAX - 1, 0 },
		{ UINT64_MAX - 1, UINT64_MAX, 1 },
	};
	unsigned char file[STATE_FILE_SIZE];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		file_make(file, cases[i].seq0, cases[i].seq1);
		assert_decodes_to(file, sizeof(file), cases[i].want,
		    cases[i].want ? cases[i].seq1 : cases[i].seq0);
	}
}

/* Any damage to the newest record's bytes: the older slot is read. */
static void
test_damaged_newest_falls_back(void **state)
{
	static const unsigned char masks[] = { 0x01, 0x80, 0xff };
	unsigned char file[STATE_FILE_SIZE];
	size_t off, m;
	int newest;

	(void)state;
	for (newest = 0; newest < 2; newest++) {
		size_t base = (size_t)newest * STATE_SLOT_SIZE;
		uint64_t s0 = newest ? 10 : 11, s1 = newest ? 11 : 10;
		int older = !newest;

		for (off = 0; off < STATE_RECORD_SIZE; off++) {
			for (m = 0; m < sizeof(masks); m++) {
				file_make(file, s0, s1);
				file[base + off] ^= masks[m];
				assert_decodes_to(file, sizeof(file), older,
				    older ? s1 : s0);
			}
		}
		/* Zeroed, as a crash before the data reached the disk. */
		file_make(file, s0, s1);
		memset(file + base, 0, STATE_SLOT_SIZE);
		assert_decodes_to(file, sizeof(file), older, older ? s1 : s0);
	}
}

/* A write torn part way: the start of the new record over the old one. */
static void
test_torn_write_falls_back(void **state)
{
	unsigned char file[STATE_FILE_SIZE], fresh[STATE_SLOT_SIZE];
	struct mfa_state st;
	size_t cut;

	(void)state;
	st_fill(&st, 9);
	assert_int_equal(state_encode(&st, 12, fresh), MFA_OK);
	for (cut = 8; cut < STATE_RECORD_SIZE; cut += 8) {
		/* Slot 1 is the newer (11); slot 0 (10) is being rewritten. */
		file_make(file, 10, 11);
		memcpy(file, fresh, cut);
		assert_decodes_to(file, sizeof(file), 1, 11);
	}
}

/* A file cut inside its second slot keeps the complete first slot. */
static void
test_truncated_second_slot(void **state)
{
	unsigned char file[STATE_FILE_SIZE];

	(void)state;
	/* Newest in slot 1, cut: slot 0 is all there is. */
	file_make(file, 1, 2);
	assert_decodes_to(file, STATE_SLOT_SIZE + 100, 0, 1);
	assert_decodes_to(file, STATE_FILE_SIZE - 1, 0, 1);
	assert_decodes_to(file, STATE_SLOT_SIZE, 0, 1);
	/* Newest in slot 0. */
	file_make(file, 2, 1);
	assert_decodes_to(file, STATE_SLOT_SIZE + 100, 0, 2);
}

static void
test_both_corrupt(void **state)
{
	unsigned char file[STATE_FILE_SIZE];
	struct mfa_state st;
	int slot;

	(void)state;
	file_make(file, 1, 2);
	file[40] ^= 1;
	file[STATE_SLOT_SIZE + 40] ^= 1;
	assert_int_equal(state_decode(file, sizeof(file), &st, &slot),
	    MFA_ECORRUPT);

	/* A non-empty file of zeros is damage, not a fresh start. */
	memset(file, 0, sizeof(file));
	assert_int_equal(state_decode(file, sizeof(file), &st, &slot),
	    MFA_ECORRUPT);
	assert_int_equal(state_decode(file, STATE_SLOT_SIZE, &st, &slot),
	    MFA_ECORRUPT);

	/* One slot, damaged. */
	file_make(file, 1, 2);
	file[100] ^= 0x10;
	assert_int_equal(state_decode(file, STATE_SLOT_SIZE, &st, &slot),
	    MFA_ECORRUPT);
	/* Slot 0 damaged and slot 1 incomplete. */
	assert_int_equal(state_decode(file, STATE_SLOT_SIZE + 100, &st,
	    &slot), MFA_ECORRUPT);
}

/* Lengths outside 0 and [STATE_SLOT_SIZE, STATE_FILE_SIZE]. */
static void
test_bad_lengths(void **state)
{
	static const size_t lens[] = { 1, 2, 100, STATE_RECORD_SIZE,
	    STATE_SLOT_SIZE - 1, STATE_FILE_SIZE + 1, STATE_FILE_SIZE + 512,
	    2 * STATE_FILE_SIZE };
	unsigned char big[2 * STATE_FILE_SIZE];
	struct mfa_state st;
	size_t i;
	int slot;

	(void)state;
	/* Valid slots everywhere, so only the length can be wrong. */
	file_make(big, 1, 2);
	file_make(big + STATE_FILE_SIZE, 3, 4);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
		assert_int_equal(state_decode(big, lens[i], &st, &slot),
		    MFA_ECORRUPT);
}

/* A newer format in either slot stops the reader: no silent downgrade. */
static void
test_future_version(void **state)
{
	unsigned char file[STATE_FILE_SIZE];
	struct mfa_state st;
	int s, slot;

	(void)state;
	/* Forging an unchanged slot keeps it valid: the forge is right. */
	file_make(file, 1, 2);
	forge(file);
	forge(file + STATE_SLOT_SIZE);
	assert_decodes_to(file, sizeof(file), 1, 2);

	for (s = 0; s < 2; s++) {
		unsigned char *p = file + (size_t)s * STATE_SLOT_SIZE;

		file_make(file, 1, 2);
		p[OFF_VERSION] = STATE_VERSION + 1;
		forge(p);
		assert_int_equal(state_decode(file, sizeof(file), &st, &slot),
		    MFA_EVERSION);
		file_make(file, 1, 2);
		p[OFF_VERSION] = 0;
		p[OFF_VERSION + 1] = 1;		/* 256 */
		forge(p);
		assert_int_equal(state_decode(file, sizeof(file), &st, &slot),
		    MFA_EVERSION);
	}
	/* A single-slot file. */
	file_make(file, 1, 2);
	file[OFF_VERSION] = 0xff;
	file[OFF_VERSION + 1] = 0xff;
	forge(file);
	assert_int_equal(state_decode(file, STATE_SLOT_SIZE, &st, &slot),
	    MFA_EVERSION);
	/* Version 0 was never written: damage. */
	file_make(file, 1, 2);
	file[OFF_VERSION] = 0;
	forge(file);
	assert_int_equal(state_decode(file, STATE_SLOT_SIZE, &st, &slot),
	    MFA_ECORRUPT);
}

/*
 * Version 1 (before the lock step) is still read: its bytes 144..147 were
 * reserved, so whatever they hold the record decodes with lock step 0 and
 * every other field as written; the next write is version 2.
 */
static void
test_version1_read(void **state)
{
	unsigned char slot[STATE_SLOT_SIZE];
	struct mfa_state in, out;
	int idx;

	(void)state;
	st_fill(&in, 3);
	in.seq = 9;
	assert_int_equal(state_encode(&in, 9, slot), MFA_OK);
	slot[OFF_VERSION] = 1;
	forge(slot);
	assert_int_equal(state_decode(slot, sizeof(slot), &out, &idx), MFA_OK);
	in.lock_step = 0;
	assert_state_equal(&out, &in);
	/* Written again: version 2, the step kept. */
	out.lock_step = 6;
	assert_int_equal(state_encode(&out, 10, slot), MFA_OK);
	assert_int_equal(slot[OFF_VERSION], 2);
	assert_int_equal(state_decode(slot, sizeof(slot), &in, &idx), MFA_OK);
	assert_int_equal(in.lock_step, 6);
}

/* Forged records whose digest is right but whose content is not. */
static void
test_forged_content(void **state)
{
	static const unsigned char bad_bytes[] = { 0x00, 0x01, 0x09, 0x0a,
	    0x1b, ' ', 0x7f, 0x80, 0xc3, 0xff };
	unsigned char file[STATE_FILE_SIZE];
	struct mfa_state st;
	size_t i;
	int slot;

	(void)state;
	for (i = 0; i < sizeof(bad_bytes); i++) {
		file_make(file, 1, 2);
		file[OFF_RHLEN] = 3;
		memcpy(file + OFF_RHOST, "abc", 3);
		file[OFF_RHOST + 1] = bad_bytes[i];
		forge(file);
		assert_int_equal(state_decode(file, STATE_SLOT_SIZE, &st,
		    &slot), MFA_ECORRUPT);
	}
	/* The same edit with a printable byte is accepted: control. */
	file_make(file, 1, 2);
	file[OFF_RHLEN] = 3;
	memcpy(file + OFF_RHOST, "a~c", 3);
	forge(file);
	assert_int_equal(state_decode(file, STATE_SLOT_SIZE, &st, &slot),
	    MFA_OK);
	assert_string_equal(st.last_rhost, "a~c");

	/* An rhost length past MFA_RHOST_MAX. */
	file_make(file, 1, 2);
	file[OFF_RHLEN] = MFA_RHOST_MAX + 1;
	memset(file + OFF_RHOST, 'x', MFA_RHOST_MAX + 1);
	forge(file);
	assert_int_equal(state_decode(file, STATE_SLOT_SIZE, &st, &slot),
	    MFA_ECORRUPT);

	/* Wrong magic. */
	file_make(file, 1, 2);
	memcpy(file, "MFAT", 4);
	forge(file);
	assert_int_equal(state_decode(file, STATE_SLOT_SIZE, &st, &slot),
	    MFA_ECORRUPT);

	/* A bad newest slot next to a good one still falls back. */
	file_make(file, 1, 2);
	file[STATE_SLOT_SIZE + OFF_RHLEN] = 1;
	file[STATE_SLOT_SIZE + OFF_RHOST] = '\n';
	forge(file + STATE_SLOT_SIZE);
	assert_decodes_to(file, sizeof(file), 0, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_round_trip_extremes),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_encode_unterminated_rhost),
		cmocka_unit_test(test_empty_is_fresh),
		cmocka_unit_test(test_newest_wins),
		cmocka_unit_test(test_damaged_newest_falls_back),
		cmocka_unit_test(test_torn_write_falls_back),
		cmocka_unit_test(test_truncated_second_slot),
		cmocka_unit_test(test_both_corrupt),
		cmocka_unit_test(test_bad_lengths),
		cmocka_unit_test(test_future_version),
		cmocka_unit_test(test_version1_read),
		cmocka_unit_test(test_forged_content),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
