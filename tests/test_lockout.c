/*
 * test_lockout.c - the lockout policy as a table: each row is a policy and
 * a script of failures, successes, admin unlocks and checks at given times,
 * with what the state must be after each step.  Then what a success records.
 */
#include "config.h"

#include <string.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "lockout.h"
#include "state.h"

#define T0	1700000000	/* an ordinary "now" */
#define FOREVER	STATE_LOCKED_FOREVER

enum op {
	END,
	FAIL,		/* lockout_fail: ret is whether it locked */
	OK,		/* lockout_success */
	CLEAR,		/* lockout_clear */
	CHECK,		/* lockout_locked: ret is whether locked */
};

struct step {
	enum op op;
	int64_t t;
	int ret;		/* FAIL and CHECK: expected return */
	uint32_t count;		/* fail_count after the step */
	int64_t until;		/* locked_until after the step */
};

#define DONE	{ END, 0, 0, 0, 0 }

struct lockout_case {
	const char *name;
	struct lockout_policy p;
	struct step steps[16];
};

/* pam_faillock's defaults: deny 3, fail_interval 900, unlock_time 600. */
#define FAILLOCK	{ 3, 900, 600, 1, 0 }

static const struct lockout_case cases[] = {
	{ "locks at exactly the deny-th failure", FAILLOCK, {
		{ FAIL,  T0,		0, 1, 0 },
		{ CHECK, T0,		0, 1, 0 },
		{ FAIL,  T0 + 10,	0, 2, 0 },
		{ CHECK, T0 + 10,	0, 2, 0 },
		{ FAIL,  T0 + 20,	1, 3, T0 + 620 },
		{ CHECK, T0 + 20,	1, 3, T0 + 620 },
		DONE } },
	{ "third failure at the interval's last second locks", FAILLOCK, {
		{ FAIL,  T0,		0, 1, 0 },
		{ FAIL,  T0 + 1,	0, 2, 0 },
		{ FAIL,  T0 + 899,	1, 3, T0 + 1499 },
		DONE } },
	{ "failures spread wider than fail_interval never lock", FAILLOCK, {
		{ FAIL,  T0,		0, 1, 0 },
		{ FAIL,  T0 + 500,	0, 2, 0 },
		/* fail_interval after the first: a new interval. */
		{ FAIL,  T0 + 900,	0, 1, 0 },
		{ FAIL,  T0 + 1400,	0, 2, 0 },
		{ FAIL,  T0 + 1800,	0, 1, 0 },
		{ FAIL,  T0 + 2700,	0, 1, 0 },
		{ FAIL,  T0 + 3600,	0, 1, 0 },
		{ CHECK, T0 + 3600,	0, 1, 0 },
		/* Two more inside the new interval do lock. */
		{ FAIL,  T0 + 3601,	0, 2, 0 },
		{ FAIL,  T0 + 4499,	1, 3, T0 + 5099 },
		DONE } },
	{ "lock ends exactly at locked_until", FAILLOCK, {
		{ FAIL,  T0,		0, 1, 0 },
		{ FAIL,  T0,		0, 2, 0 },
		{ FAIL,  T0,		1, 3, T0 + 600 },
		{ CHECK, T0 + 1,	1, 3, T0 + 600 },
		{ CHECK, T0 + 599,	1, 3, T0 + 600 },
		{ CHECK, T0 + 600,	0, 3, T0 + 600 },
		{ CHECK, T0 + 601,	0, 3, T0 + 600 },
		DONE } },
	{ "after expiry a failure starts a new count of 1", FAILLOCK, {
		{ FAIL,  T0,		0, 1, 0 },
		{ FAIL,  T0 + 1,	0, 2, 0 },
		{ FAIL,  T0 + 2,	1, 3, T0 + 602 },
		{ FAIL,  T0 + 602,	0, 1, 0 },
		{ CHECK, T0 + 602,	0, 1, 0 },
		{ FAIL,  T0 + 603,	0, 2, 0 },
		{ FAIL,  T0 + 604,	1, 3, T0 + 1204 },
		DONE } },
	{ "unlock_time 0 locks until an admin clears", { 3, 900, 0, 1, 0 }, {
		{ FAIL,  T0,		0, 1, 0 },
		{ FAIL,  T0 + 1,	0, 2, 0 },
		{ FAIL,  T0 + 2,	1, 3, FOREVER },
		{ CHECK, T0 + 86400 * 365, 1, 3, FOREVER },
		{ CHECK, INT64_MAX - 1,	1, 3, FOREVER },
		{ CLEAR, T0 + 10,	0, 0, 0 },
		{ CHECK, T0 + 10,	0, 0, 0 },
		{ FAIL,  T0 + 11,	0, 1, 0 },
		DONE } },
	{ "deny 0 never locks", { 0, 900, 600, 1, 0 }, {
		{ FAIL,  T0,		0, 1, 0 },
		{ FAIL,  T0,		0, 2, 0 },
		{ FAIL,  T0,		0, 3, 0 },
		{ FAIL,  T0,		0, 4, 0 },
		{ FAIL,  T0,		0, 5, 0 },
		{ CHECK, T0,		0, 5, 0 },
		DONE } },
	{ "deny 1 locks at the first failure", { 1, 900, 60, 1, 0 }, {
		{ CHECK, T0,		0, 0, 0 },
		{ FAIL,  T0,		1, 1, T0 + 60 },
		{ CHECK, T0 + 59,	1, 1, T0 + 60 },
		{ CHECK, T0 + 60,	0, 1, T0 + 60 },
		DONE } },
	{ "success clears count and lock", FAILLOCK, {
		{ FAIL,  T0,		0, 1, 0 },
		{ FAIL,  T0 + 1,	0, 2, 0 },
		{ OK,    T0 + 2,	0, 0, 0 },
		/* Not the third of the interval: the count restarted. */
		{ FAIL,  T0 + 3,	0, 1, 0 },
		{ FAIL,  T0 + 4,	0, 2, 0 },
		{ FAIL,  T0 + 5,	1, 3, T0 + 605 },
		{ OK,    T0 + 605,	0, 0, 0 },
		{ CHECK, T0 + 605,	0, 0, 0 },
		DONE } },
	{ "admin clear during a lock", FAILLOCK, {
		{ FAIL,  T0,		0, 1, 0 },
		{ FAIL,  T0,		0, 2, 0 },
		{ FAIL,  T0,		1, 3, T0 + 600 },
		{ CLEAR, T0 + 1,	0, 0, 0 },
		{ CHECK, T0 + 1,	0, 0, 0 },
		{ FAIL,  T0 + 2,	0, 1, 0 },
		DONE } },
	{ "clock stepped backwards keeps counting", FAILLOCK, {
		{ FAIL,  T0,		0, 1, 0 },
		{ FAIL,  T0 - 1000,	0, 2, 0 },
		{ FAIL,  T0 - 100000,	1, 3, T0 - 100000 + 600 },
		{ CHECK, T0 - 100000,	1, 3, T0 - 99400 },
		DONE } },
	{ "pam_mfa defaults: deny 5, 900 s, 900 s", { 5, 900, 900, 1, 0 }, {
		{ FAIL,  T0,		0, 1, 0 },
		{ FAIL,  T0 + 100,	0, 2, 0 },
		{ FAIL,  T0 + 200,	0, 3, 0 },
		{ FAIL,  T0 + 300,	0, 4, 0 },
		{ CHECK, T0 + 300,	0, 4, 0 },
		{ FAIL,  T0 + 400,	1, 5, T0 + 1300 },
		{ CHECK, T0 + 1299,	1, 5, T0 + 1300 },
		{ CHECK, T0 + 1300,	0, 5, T0 + 1300 },
		DONE } },
	{ "a lock that would end past INT64_MAX is forever", { 1, 900, 600, 1, 0 }, {
		{ FAIL,  INT64_MAX - 10, 1, 1, FOREVER },
		{ CHECK, INT64_MAX - 1,	1, 1, FOREVER },
		DONE } },
	{ "the longest configurable policy", { 1000, 604800, 604800, 1, 0 }, {
		{ FAIL,  T0,		0, 1, 0 },
		{ FAIL,  T0 + 604799,	0, 2, 0 },
		{ FAIL,  T0 + 604800,	0, 1, 0 },
		DONE } },
};

static void
run_case(const struct lockout_case *c)
{
	struct mfa_state st;
	const struct step *s;
	size_t i;

	memset(&st, 0, sizeof(st));
	for (i = 0; c->steps[i].op != END; i++) {
		s = &c->steps[i];
		switch (s->op) {
		case FAIL:
			if (lockout_fail(&c->p, &st, s->t) != (s->ret != 0))
				fail_msg("%s: step %zu: lockout_fail returned "
				    "%d", c->name, i, !s->ret);
			if (st.last_fail != s->t)
				fail_msg("%s: step %zu: last_fail not set",
				    c->name, i);
			break;
		case OK:
			lockout_success(&st, s->t, NULL);
			if (st.last_success != s->t || st.first_fail != 0)
				fail_msg("%s: step %zu: success not recorded",
				    c->name, i);
			break;
		case CLEAR:
			lockout_clear(&st);
			break;
		case CHECK:
			if (lockout_locked(&c->p, &st, s->t) != (s->ret != 0))
				fail_msg("%s: step %zu: lockout_locked "
				    "returned %d", c->name, i, !s->ret);
			break;
		case END:
			break;
		}
		if (st.fail_count != s->count)
			fail_msg("%s: step %zu: fail_count %u, want %u",
			    c->name, i, st.fail_count, s->count);
		if (st.locked_until != s->until)
			fail_msg("%s: step %zu: locked_until %lld, want %lld",
			    c->name, i, (long long)st.locked_until,
			    (long long)s->until);
	}
	assert_int_not_equal(i, 0);
}

static void
test_policy_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
}

/*
 * Escalation: each row a policy (deny, fail_interval, unlock_time, growth,
 * max_time) and a script; after each step the lock step and locked_until.
 */
struct esc_step {
	enum op op;
	int64_t t;
	int ret;		/* FAIL and CHECK: expected return */
	uint32_t lock_step;	/* after the step */
	int64_t until;		/* locked_until after the step */
};

struct esc_case {
	const char *name;
	struct lockout_policy p;
	struct esc_step steps[24];
};

#define ESC_DONE	{ END, 0, 0, 0, 0 }
/* pam_mfa's defaults: deny 5, 900 s, 900 s, doubling, capped at a day. */
#define DEFAULTS	{ 5, 900, 900, 2, 86400 }

static const struct esc_case esc_cases[] = {
	{ "doubling up to the cap, then the cap", { 1, 900, 900, 2, 86400 }, {
		{ FAIL,  T0,		1, 1, T0 + 900 },
		{ FAIL,  T0 + 900,	1, 2, T0 + 900 + 1800 },
		{ FAIL,  T0 + 2700,	1, 3, T0 + 2700 + 3600 },
		{ FAIL,  T0 + 6300,	1, 4, T0 + 6300 + 7200 },
		{ FAIL,  T0 + 13500,	1, 5, T0 + 13500 + 14400 },
		{ FAIL,  T0 + 27900,	1, 6, T0 + 27900 + 28800 },
		{ FAIL,  T0 + 56700,	1, 7, T0 + 56700 + 57600 },
		/* 115200 would pass the cap: the cap. */
		{ FAIL,  T0 + 114300,	1, 8, T0 + 114300 + 86400 },
		{ FAIL,  T0 + 200700,	1, 9, T0 + 200700 + 86400 },
		{ CHECK, T0 + 287099,	1, 9, T0 + 287100 },
		{ CHECK, T0 + 287100,	0, 9, T0 + 287100 },
		ESC_DONE } },
	{ "growth 1 (or 0) keeps every lock at unlock_time",
	    { 1, 900, 600, 1, 86400 }, {
		{ FAIL,  T0,		1, 1, T0 + 600 },
		{ FAIL,  T0 + 600,	1, 2, T0 + 1200 },
		{ FAIL,  T0 + 1200,	1, 3, T0 + 1800 },
		ESC_DONE } },
	{ "a success resets the step", DEFAULTS, {
		{ FAIL,  T0,		0, 0, 0 },
		{ FAIL,  T0,		0, 0, 0 },
		{ FAIL,  T0,		0, 0, 0 },
		{ FAIL,  T0,		0, 0, 0 },
		{ FAIL,  T0,		1, 1, T0 + 900 },
		{ FAIL,  T0 + 900,	0, 1, 0 },
		{ FAIL,  T0 + 900,	0, 1, 0 },
		{ FAIL,  T0 + 900,	0, 1, 0 },
		{ FAIL,  T0 + 900,	0, 1, 0 },
		{ FAIL,  T0 + 900,	1, 2, T0 + 2700 },
		{ OK,    T0 + 2700,	0, 0, 0 },
		{ FAIL,  T0 + 2800,	0, 0, 0 },
		{ FAIL,  T0 + 2800,	0, 0, 0 },
		{ FAIL,  T0 + 2800,	0, 0, 0 },
		{ FAIL,  T0 + 2800,	0, 0, 0 },
		{ FAIL,  T0 + 2800,	1, 1, T0 + 3700 },
		ESC_DONE } },
	{ "an admin unlock resets the step", { 1, 900, 900, 2, 86400 }, {
		{ FAIL,  T0,		1, 1, T0 + 900 },
		{ FAIL,  T0 + 900,	1, 2, T0 + 2700 },
		{ CLEAR, T0 + 901,	0, 0, 0 },
		{ FAIL,  T0 + 902,	1, 1, T0 + 1802 },
		ESC_DONE } },
	{ "failures that never lock keep the step",
	    { 3, 900, 600, 3, 100000 }, {
		{ FAIL,  T0,		0, 0, 0 },
		{ FAIL,  T0,		0, 0, 0 },
		{ FAIL,  T0,		1, 1, T0 + 600 },
		/* Spread out: no lock, no reset. */
		{ FAIL,  T0 + 5000,	0, 1, 0 },
		{ FAIL,  T0 + 10000,	0, 1, 0 },
		{ FAIL,  T0 + 10001,	0, 1, 0 },
		{ FAIL,  T0 + 10002,	1, 2, T0 + 10002 + 1800 },
		ESC_DONE } },
	{ "a cap below unlock_time never shortens a lock",
	    { 1, 900, 600, 2, 60 }, {
		{ FAIL,  T0,		1, 1, T0 + 600 },
		{ FAIL,  T0 + 600,	1, 2, T0 + 1200 },
		ESC_DONE } },
	{ "the largest growth and cap", { 1, 900, 604800, 10, 604800 }, {
		{ FAIL,  T0,		1, 1, T0 + 604800 },
		{ FAIL,  T0 + 604800,	1, 2, T0 + 2 * 604800 },
		ESC_DONE } },
	{ "unlock_time 0 stays until an admin unlocks", { 1, 900, 0, 2, 60 }, {
		{ FAIL,  T0,		1, 1, FOREVER },
		{ CLEAR, T0 + 1,	0, 0, 0 },
		{ FAIL,  T0 + 2,	1, 1, FOREVER },
		ESC_DONE } },
	{ "an escalated lock past INT64_MAX is forever",
	    { 1, 900, 900, 2, 86400 }, {
		{ FAIL,  INT64_MAX - 2000, 1, 1, INT64_MAX - 1100 },
		{ FAIL,  INT64_MAX - 1100, 1, 2, FOREVER },
		ESC_DONE } },
};

static void
run_esc_case(const struct esc_case *c)
{
	struct mfa_state st;
	const struct esc_step *s;
	size_t i;

	memset(&st, 0, sizeof(st));
	for (i = 0; c->steps[i].op != END; i++) {
		s = &c->steps[i];
		switch (s->op) {
		case FAIL:
			if (lockout_fail(&c->p, &st, s->t) != (s->ret != 0))
				fail_msg("%s: step %zu: lockout_fail returned "
				    "%d", c->name, i, !s->ret);
			break;
		case OK:
			lockout_success(&st, s->t, NULL);
			break;
		case CLEAR:
			lockout_clear(&st);
			break;
		case CHECK:
			if (lockout_locked(&c->p, &st, s->t) != (s->ret != 0))
				fail_msg("%s: step %zu: lockout_locked "
				    "returned %d", c->name, i, !s->ret);
			break;
		case END:
			break;
		}
		if (st.lock_step != s->lock_step)
			fail_msg("%s: step %zu: lock_step %u, want %u",
			    c->name, i, st.lock_step, s->lock_step);
		if (st.locked_until != s->until)
			fail_msg("%s: step %zu: locked_until %lld, want %lld",
			    c->name, i, (long long)st.locked_until,
			    (long long)s->until);
	}
	assert_int_not_equal(i, 0);
}

static void
test_escalation_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(esc_cases) / sizeof(esc_cases[0]); i++)
		run_esc_case(&esc_cases[i]);
}

/*
 * The figures conf/pam_mfa.conf states: an attacker who holds the password
 * and guesses as fast as the lock allows gets 480 guesses a day with
 * growth 1, 35 in the first day with the defaults, and 5 a day after.
 */
static int
guesses(const struct lockout_policy *p, int64_t from, int64_t to)
{
	struct mfa_state st;
	int64_t t = T0;
	int n = 0;

	memset(&st, 0, sizeof(st));
	while (t < T0 + to) {
		if (lockout_locked(p, &st, t)) {
			t = st.locked_until;
			continue;
		}
		if (t >= T0 + from)
			n++;
		(void)lockout_fail(p, &st, t);
	}
	return n;
}

static void
test_guesses_per_day(void **state)
{
	struct lockout_policy fixed = { 5, 900, 900, 1, 86400 };
	struct lockout_policy def = DEFAULTS;

	(void)state;
	assert_int_equal(guesses(&fixed, 0, 86400), 480);
	assert_int_equal(guesses(&def, 0, 86400), 35);
	/* Day 2 onwards: one lock of a day per five guesses. */
	assert_int_equal(guesses(&def, 86400 * 10, 86400 * 11), 5);
	assert_int_equal(lockout_duration(&def, &(struct mfa_state){
	    .lock_step = 7 }), 86400);
	assert_int_equal(lockout_duration(&def, &(struct mfa_state){
	    .lock_step = UINT32_MAX }), 86400);
	assert_int_equal(lockout_duration(&def, &(struct mfa_state){
	    .lock_step = 0 }), 900);
}

/* A lock never extends itself through lockout_locked. */
static void
test_locked_is_pure(void **state)
{
	struct lockout_policy p = FAILLOCK;
	struct mfa_state st, before;
	int i;

	(void)state;
	memset(&st, 0, sizeof(st));
	for (i = 0; i < 3; i++)
		(void)lockout_fail(&p, &st, T0);
	before = st;
	for (i = 0; i < 1000; i++)
		assert_true(lockout_locked(&p, &st, T0 + i % 600));
	assert_memory_equal(&st, &before, sizeof(st));
	assert_false(lockout_locked(&p, &st, T0 + 600));
}

/* deny = 0 over many failures, and a count that can't wrap. */
static void
test_deny_zero_many(void **state)
{
	struct lockout_policy p = { 0, 900, 600, 1, 0 };
	struct mfa_state st;
	int i;

	(void)state;
	memset(&st, 0, sizeof(st));
	for (i = 0; i < 10000; i++)
		assert_false(lockout_fail(&p, &st, T0 + i % 900));
	assert_int_equal(st.fail_count, 10000);
	assert_int_equal(st.locked_until, 0);
	assert_false(lockout_locked(&p, &st, T0));

	st.fail_count = UINT32_MAX;
	st.first_fail = T0;
	assert_false(lockout_fail(&p, &st, T0 + 1));
	assert_int_equal(st.fail_count, UINT32_MAX);
}

/* What lockout_success keeps of PAM_RHOST, a client-controlled string. */
static void
test_success_rhost(void **state)
{
	static const struct {
		const char *in, *want;
	} rhosts[] = {
		{ NULL,				"" },
		{ "",				"" },
		{ "198.51.100.7",		"198.51.100.7" },
		{ "2001:db8::1",		"2001:db8::1" },
		{ "host.example.org",		"host.example.org" },
		{ "evil\nFailed for root",	"evil?Failed?for?root" },
		{ "a\tb\rc\033[1m",		"a?b?c?[1m" },
		{ "\x7f\x01x",			"??x" },
		{ "caf\xc3\xa9",		"caf??" },
		{ "\x80\xff",			"??" },
		{ "a b",			"a?b" },
	};
	struct mfa_state st;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rhosts) / sizeof(rhosts[0]); i++) {
		memset(&st, 0, sizeof(st));
		memset(st.last_rhost, 'Z', MFA_RHOST_MAX);	/* stale */
		st.fail_count = 2;
		st.first_fail = T0 - 5;
		st.locked_until = T0 + 100;
		st.next_step = 77;
		lockout_success(&st, T0 + (int64_t)i, rhosts[i].in);
		assert_string_equal(st.last_rhost, rhosts[i].want);
		assert_int_equal(st.last_success, T0 + (int64_t)i);
		assert_int_equal(st.fail_count, 0);
		assert_int_equal(st.first_fail, 0);
		assert_int_equal(st.locked_until, 0);
		/* Not the policy's business. */
		assert_int_equal(st.next_step, 77);
	}
}

static void
test_success_rhost_truncated(void **state)
{
	char host[200];
	struct mfa_state st;

	(void)state;
	memset(host, 'h', sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	host[MFA_RHOST_MAX - 1] = 'e';		/* last byte kept */
	host[MFA_RHOST_MAX] = 'X';		/* first byte dropped */
	memset(&st, 0, sizeof(st));
	lockout_success(&st, T0, host);
	assert_int_equal(strlen(st.last_rhost), MFA_RHOST_MAX);
	assert_memory_equal(st.last_rhost, host, MFA_RHOST_MAX);
	assert_int_equal(st.last_rhost[MFA_RHOST_MAX - 1], 'e');

	/* Exactly MFA_RHOST_MAX: kept whole. */
	host[MFA_RHOST_MAX] = '\0';
	lockout_success(&st, T0, host);
	assert_string_equal(st.last_rhost, host);
}

/*
 * Whatever the client sends as rhost, the state a success leaves can be
 * saved and read back: the policy and the codec agree on what is printable.
 */
static void
test_success_state_saves(void **state)
{
	unsigned char slot[STATE_SLOT_SIZE];
	struct mfa_state st, back;
	char host[4];
	int b, idx;

	(void)state;
	for (b = 1; b < 256; b++) {
		host[0] = 'a';
		host[1] = (char)b;
		host[2] = 'z';
		host[3] = '\0';
		memset(&st, 0, sizeof(st));
		lockout_success(&st, T0, host);
		assert_int_equal(state_encode(&st, 1, slot), MFA_OK);
		assert_int_equal(state_decode(slot, sizeof(slot), &back, &idx),
		    MFA_OK);
		assert_string_equal(back.last_rhost, st.last_rhost);
		assert_int_equal(strlen(back.last_rhost), 3);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy_table),
		cmocka_unit_test(test_escalation_table),
		cmocka_unit_test(test_guesses_per_day),
		cmocka_unit_test(test_locked_is_pure),
		cmocka_unit_test(test_deny_zero_many),
		cmocka_unit_test(test_success_rhost),
		cmocka_unit_test(test_success_rhost_truncated),
		cmocka_unit_test(test_success_state_saves),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
