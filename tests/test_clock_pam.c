/*
 * test_clock_pam.c - clock safety through the real libpam, on the test
 * clock and the test kernel (faketime.c: MFA_FAKE_TIME, MFA_FAKE_NTP):
 * require_clock_sync refuses TOTP codes while the kernel reports the
 * clock unsynchronised (each way it can say so), as clock_unsynced and
 * PAM_AUTHINFO_UNAVAIL, without counting or spending anything, and lets
 * HOTP and backup codes through; a clock stepped back never reopens a
 * used code, also after failures and an unlock rewrote the state; a
 * resync (resync_run, pam-mfa resync's core) moves an HOTP counter and
 * records a TOTP offset that later logins apply.  Codes from oathtool.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <security/pam_appl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "account.h"
#include "conf.h"
#include "modutil.h"
#include "resync.h"
#include "store.h"
#include "testutil.h"

#define T0 1900000000LL		/* the test clock's start: 2030-03-17 */

static char conf_sync[512], conf_plain[512];

static void
set_clock(long long t)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", t);
	setenv("MFA_FAKE_TIME", buf, 1);
}

/* oathtool's TOTP code of secret at unix time t (the test clock aside). */
static void
totp_at(char out[16], int secret, long long t)
{
	char now[32];

	snprintf(now, sizeof(now), "%lld", t);
	setenv("MFA_FAKE_TIME", now, 1);
	mu_totp(out, "sha1", 6, 30, mu_secrets_hex[secret], 0);
}

static void
paths(const char *d)
{
	snprintf(conf_sync, sizeof(conf_sync), "%s/sync.conf", d);
	snprintf(conf_plain, sizeof(conf_plain), "%s/plain.conf", d);
}

static void
fixtures(void)
{
	paths(mu_dir);
	/* deny = 1000: refusals counted, never a lock that would hide why
	 * a code is refused. */
	mu_write_conf(conf_sync, "require_clock_sync = true;\ndeny = 1000;\n");
	mu_service_with_conf("sync", conf_sync, "");
	mu_write_conf(conf_plain, "deny = 1000;\n");
	mu_service_with_conf("plain", conf_plain, "");
	mu_write_conf(mu_conf_path, "deny = 1000;\n");
}

/* The user's state as the store has it. */
static void
state_of(const char *user, struct mfa_state *st)
{
	struct mfa_conf *conf;
	struct mfa_store *store;
	struct mfa_txn *txn;

	store = mu_store_open(&conf);
	assert_int_equal(store_begin(store, user, NULL, st, &txn), MFA_OK);
	store_abort(txn);
	mu_store_close(store, conf);
}

/* The kernel says unsynchronised, in each of its ways: a TOTP code, the
 * right one, is refused as clock_unsynced (PAM_AUTHINFO_UNAVAIL), not
 * counted and not spent; synced again, the same code passes. */
static void
test_unsynced_refuses_totp(void **st)
{
	static const char *const ways[] = { "unsync", "error", "fail" };
	struct mfa_state s;
	char code[16];
	size_t i;

	(void)st;
	set_clock(T0);
	mu_enroll("tina", MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[0]);
	mu_totp(code, "sha1", 6, 30, mu_secrets_hex[0], 0);
	for (i = 0; i < sizeof(ways) / sizeof(ways[0]); i++) {
		setenv("MFA_FAKE_NTP", ways[i], 1);
		assert_int_equal(mu_auth("sync", "tina", code),
		    PAM_AUTHINFO_UNAVAIL);
		assert_true(mu_log_wait("result=deny reason=clock_unsynced "
		    "user=tina", NULL));
	}
	state_of("tina", &s);
	assert_int_equal(s.fail_count, 0);
	assert_int_equal(s.next_step, 0);
	/* The kernel synced: the very code passes, once. */
	setenv("MFA_FAKE_NTP", "synced", 1);
	assert_int_equal(mu_auth("sync", "tina", code), PAM_SUCCESS);
	assert_int_equal(mu_auth("sync", "tina", code), PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=replay user=tina", NULL));
	unsetenv("MFA_FAKE_NTP");
}

/* Opt-in: without require_clock_sync the kernel is not asked. */
static void
test_unsynced_ignored_without_key(void **st)
{
	char code[16];

	(void)st;
	set_clock(T0 + 300);
	mu_enroll("uma", MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[1]);
	mu_totp(code, "sha1", 6, 30, mu_secrets_hex[1], 0);
	setenv("MFA_FAKE_NTP", "unsync", 1);
	assert_int_equal(mu_auth("plain", "uma", code), PAM_SUCCESS);
	unsetenv("MFA_FAKE_NTP");
}

/* HOTP doesn't depend on the clock, nor do backup codes: both pass
 * while TOTP codes are refused. */
static void
test_unsynced_hotp_and_backup_pass(void **st)
{
	char codes[2][BACKUP_TEXT_MAX + 1], code[16];

	(void)st;
	set_clock(T0 + 600);
	mu_enroll("hal", MFA_HOTP, MFA_SHA1, 6, 0, mu_secrets_hex[2]);
	mu_hotp(code, mu_secrets_hex[2], 0);
	setenv("MFA_FAKE_NTP", "unsync", 1);
	assert_int_equal(mu_auth("sync", "hal", code), PAM_SUCCESS);
	mu_enroll_backup("bea", MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[3],
	    2, codes);
	mu_remember(codes[0]);
	mu_remember(codes[1]);
	mu_totp(code, "sha1", 6, 30, mu_secrets_hex[3], 0);
	assert_int_equal(mu_auth("sync", "bea", code), PAM_AUTHINFO_UNAVAIL);
	assert_true(mu_log_wait("reason=clock_unsynced user=bea", NULL));
	assert_int_equal(mu_auth("sync", "bea", codes[0]), PAM_SUCCESS);
	assert_true(mu_log_wait("result=accept", "user=bea"));
	unsetenv("MFA_FAKE_NTP");
}

/* Every code of the times from..to (by periods) is refused for user at
 * the test clock's now. */
static void
all_refused(const char *user, int secret, long long from, long long to)
{
	char code[16];
	long long t, now = atoll(getenv("MFA_FAKE_TIME"));

	for (t = from; t <= to; t += 30) {
		totp_at(code, secret, t);
		set_clock(now);
		assert_int_equal(mu_auth("plain", user, code), PAM_AUTH_ERR);
	}
}

/* The replay floor is a watermark: accept a code at T, step the clock
 * back several periods, and that code and every earlier one is refused,
 * also once failures and an unlock have rewritten the state; time going
 * forward past T, the next code passes. */
static void
test_clock_back_never_reopens(void **st)
{
	struct mfa_state s;
	char code[16], out[4096];
	long long t = T0 + 3000;	/* a step boundary: 30 | T0 + 3000 */
	int i;

	(void)st;
	mu_enroll("walt", MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[0]);
	set_clock(t);
	totp_at(code, 0, t);
	set_clock(t);
	assert_int_equal(mu_auth("plain", "walt", code), PAM_SUCCESS);
	/* Five periods back: the code of T (now out of the window) and
	 * every one from ten periods before T up to it. */
	set_clock(t - 150);
	all_refused("walt", 0, t - 300, t);
	/* Those in the window of the clock now are named replays. */
	totp_at(code, 0, t - 150);
	set_clock(t - 150);
	assert_int_equal(mu_auth("plain", "walt", code), PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=replay user=walt", NULL));
	/* Failures rewrite the state (the floor kept), then an unlock. */
	for (i = 0; i < 3; i++)
		assert_int_equal(mu_auth("plain", "walt", "000000"),
		    PAM_AUTH_ERR);
	state_of("walt", &s);
	assert_true(s.fail_count >= 3);
	assert_int_equal(mu_cli(out, sizeof(out), mu_conf_path, "unlock",
	    "walt", (char *)NULL), 0);
	state_of("walt", &s);
	assert_int_equal(s.fail_count, 0);
	assert_int_equal(s.next_step, (uint64_t)t / 30 + 1);
	set_clock(t - 90);
	all_refused("walt", 0, t - 300, t);
	/* Real time passes T: the next code is good. */
	totp_at(code, 0, t + 30);
	set_clock(t + 30);
	assert_int_equal(mu_auth("plain", "walt", code), PAM_SUCCESS);
}

/* resync_run on the store the module reads (pam-mfa resync's core). */
static enum mfa_err
resync(const char *user, const char *c1, const char *c2,
    struct resync_result *res)
{
	struct mfa_account acct;
	struct mfa_conf *conf;
	struct mfa_store *store;
	enum mfa_err rc;

	store = mu_store_open(&conf);
	assert_int_equal(account_resolve(user, conf->user_lookup, &acct),
	    MFA_OK);
	rc = resync_run(conf, store, user, &acct, c1, strlen(c1), c2,
	    strlen(c2), atoll(getenv("MFA_FAKE_TIME")), 0, res);
	mu_store_close(store, conf);
	return rc;
}

/* An HOTP token pressed 500 times away from the server: its codes are
 * past the look-ahead until a resync with two of them moves the counter
 * past the second; then the second is spent and the next one passes. */
static void
test_resync_moves_hotp_counter(void **st)
{
	struct resync_result res;
	struct mfa_state s;
	char c1[16], c2[16], c3[16];

	(void)st;
	set_clock(T0 + 6000);
	mu_enroll("hank", MFA_HOTP, MFA_SHA1, 6, 0, mu_secrets_hex[1]);
	mu_hotp(c1, mu_secrets_hex[1], 500);
	mu_hotp(c2, mu_secrets_hex[1], 501);
	mu_hotp(c3, mu_secrets_hex[1], 502);
	assert_int_equal(mu_auth("plain", "hank", c3), PAM_AUTH_ERR);
	/* Out of order: not a pair, counted. */
	assert_int_equal(resync("hank", c2, c1, &res), MFA_EBADCODE);
	state_of("hank", &s);
	assert_int_equal(s.fail_count, 2);
	assert_int_equal(resync("hank", c1, c2, &res), MFA_OK);
	assert_int_equal(res.type, MFA_HOTP);
	assert_int_equal(res.floor_old, 0);
	assert_int_equal(res.floor, 502);
	assert_int_equal(mu_auth("plain", "hank", c2), PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=replay user=hank", NULL));
	assert_int_equal(mu_auth("plain", "hank", c3), PAM_SUCCESS);
	/* The same pair again: spent, below the floor. */
	assert_int_equal(resync("hank", c1, c2, &res), MFA_EBADCODE);
}

/* A TOTP token whose clock runs 20 periods (10 minutes) ahead: refused
 * until a resync with two of its codes records the offset, which every
 * later login applies; the host's own codes are then refused. */
static void
test_resync_records_totp_offset(void **st)
{
	struct resync_result res;
	char c1[16], c2[16], c3[16], host[16];
	long long t = T0 + 9000;

	(void)st;
	mu_enroll("olga", MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[2]);
	totp_at(c1, 2, t + 570);
	totp_at(c2, 2, t + 600);
	totp_at(c3, 2, t + 630);
	totp_at(host, 2, t + 30);
	set_clock(t);
	assert_int_equal(mu_auth("plain", "olga", c3), PAM_AUTH_ERR);
	assert_int_equal(resync("olga", c1, c2, &res), MFA_OK);
	assert_int_equal(res.type, MFA_TOTP);
	assert_int_equal(res.offset_old, 0);
	assert_int_equal(res.offset, 20);
	/* Spent by the resync. */
	assert_int_equal(mu_auth("plain", "olga", c2), PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=replay user=olga", NULL));
	/* The host's time +1 period is the token's -19: bad. */
	set_clock(t + 30);
	assert_int_equal(mu_auth("plain", "olga", host), PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=bad_code user=olga", NULL));
	assert_int_equal(mu_auth("plain", "olga", c3), PAM_SUCCESS);
}

int
main(void)
{
	if (getenv("MFA_TEST_DIR") != NULL)
		paths(getenv("MFA_TEST_DIR"));
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unsynced_refuses_totp),
		cmocka_unit_test(test_unsynced_ignored_without_key),
		cmocka_unit_test(test_unsynced_hotp_and_backup_pass),
		cmocka_unit_test(test_clock_back_never_reopens),
		cmocka_unit_test(test_resync_moves_hotp_counter),
		cmocka_unit_test(test_resync_records_totp_offset),
		cmocka_unit_test(mu_test_no_secret_in_log),
	};

	return mu_main("test_clock_pam", tests,
	    sizeof(tests) / sizeof(tests[0]), fixtures);
}
