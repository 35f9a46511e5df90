/*
 * test_lockout_pam.c - the lockout through the real libpam: lock at the
 * deny-th failure, the right code refused while locked with no disk write,
 * expiry on the test clock (no sleeping), admin-only locks and unlock,
 * failures spread beyond fail_interval, concurrent wrong codes verified
 * exactly deny times, failed passwords counted by the preauth/authfail
 * stack and the return code of each of its steps, the fail delay and the
 * optional lock message.
 */
#include "config.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <security/pam_appl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "modutil.h"
#include "testutil.h"

#define T0 1900000000LL		/* the test clock's start: 2030-03-17 */

static char conf_deny3[512], conf_forever[512], conf_deny5[512];
static char conf_msg[512], conf_delay[512], passdb[512];

static void
set_clock(long long t)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", t);
	setenv("MFA_FAKE_TIME", buf, 1);
}

/* The TOTP code at the test clock's now + offset. */
static void
code_at(char out[16], int secret, long offset)
{
	mu_totp(out, "sha1", 6, 30, mu_secrets_hex[secret], offset);
}

static void
wrong_code(char out[16], int secret)
{
	char right[16];

	code_at(right, secret, 0);
	snprintf(out, 16, "%06d", (atoi(right) + 271828) % 1000000);
}

/* Paths of the configs, in both stages (stage 2 knows the directory
 * only from the environment). */
static void
paths(const char *d)
{
	snprintf(conf_deny3, sizeof(conf_deny3), "%s/deny3.conf", d);
	snprintf(conf_forever, sizeof(conf_forever), "%s/forever.conf", d);
	snprintf(conf_deny5, sizeof(conf_deny5), "%s/deny5.conf", d);
	snprintf(conf_msg, sizeof(conf_msg), "%s/msg.conf", d);
	snprintf(conf_delay, sizeof(conf_delay), "%s/delay.conf", d);
	snprintf(passdb, sizeof(passdb), "%s/passdb", d);
}

static void
fixtures(void)
{
	char body[8192];

	paths(mu_dir);
	mu_write_conf(conf_deny3, "deny = 3;\nfail_interval = 900;\n"
	    "unlock_time = 600;\n");
	mu_service_with_conf("deny3", conf_deny3, "");
	mu_write_conf(conf_forever, "deny = 2;\nunlock_time = 0;\n");
	mu_service_with_conf("forever", conf_forever, "");
	mu_write_conf(conf_deny5, "deny = 5;\n");
	mu_service_with_conf("deny5", conf_deny5, "");
	mu_write_conf(conf_msg, "deny = 1;\nlock_message = true;\n");
	mu_service_with_conf("msg", conf_msg, "");
	snprintf(body, sizeof(body), "auth required %s conf=%s silent\n",
	    getenv("MFA_MODULE"), conf_msg);
	mu_write_service("msg_silent", body);
	mu_write_conf(conf_delay, "fail_delay_ms = 1500;\n");
	mu_service_with_conf("delay", conf_delay, "");

	/* pam_faillock's pattern: refuse a locked user first, count a
	 * failed password, then ask for the code. */
	assert_int_equal(tu_write_file(passdb,
	    "pia:secret-password:pwstack\n", 0600), 0);
	snprintf(body, sizeof(body),
	    "auth required %1$s conf=%2$s preauth\n"
	    "auth [success=1 default=ignore] %3$s passdb=%4$s\n"
	    "auth [default=die] %1$s conf=%2$s authfail\n"
	    "auth required %1$s conf=%2$s\n",
	    getenv("MFA_MODULE"), conf_deny3, getenv("PAM_MATRIX"), passdb);
	mu_write_service("pwstack", body);
	/* Each step alone, before a module that always passes: what it
	 * returns decides. */
	snprintf(body, sizeof(body), "auth required %1$s conf=%2$s preauth\n"
	    "auth required pam_permit.so\n", getenv("MFA_MODULE"), conf_deny3);
	mu_write_service("preauth_only", body);
	snprintf(body, sizeof(body), "auth required %1$s conf=%2$s authfail\n"
	    "auth required pam_permit.so\n", getenv("MFA_MODULE"), conf_deny3);
	mu_write_service("authfail_only", body);
}

/* The state file's bytes, to prove a refusal wrote nothing. */
static size_t
read_state(const char *user, unsigned char *buf, size_t len)
{
	char path[512];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s.state", mu_state_dir, user);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, buf, len);
	close(fd);
	assert_true(n > 0);
	return (size_t)n;
}

static void
test_lock_at_deny_and_expiry(void **st)
{
	unsigned char before[2048], after[2048];
	char code[16], bad[16];
	size_t nb, na;
	int i;

	(void)st;
	set_clock(T0);
	mu_enroll("lara", MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[0]);
	wrong_code(bad, 0);
	for (i = 1; i <= 3; i++) {
		char want[32];

		assert_int_equal(mu_auth("deny3", "lara", bad), PAM_AUTH_ERR);
		snprintf(want, sizeof(want), "failures=%d%s", i,
		    i == 3 ? " locked=yes" : "");
		assert_true(mu_log_wait("reason=bad_code user=lara", want));
	}
	/* Locked: the right code gets the same answer as a wrong one, and
	 * nothing is written. */
	nb = read_state("lara", before, sizeof(before));
	code_at(code, 0, 0);
	assert_int_equal(mu_auth("deny3", "lara", code), PAM_AUTH_ERR);
	assert_true(mu_log_wait("result=deny reason=locked user=lara",
	    "failures=3"));
	assert_int_equal(mu_auth("deny3", "lara", bad), PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=locked user=lara", NULL));
	na = read_state("lara", after, sizeof(after));
	assert_int_equal(na, nb);
	assert_memory_equal(before, after, nb);

	/* Still locked one second before unlock_time; free at it. */
	set_clock(T0 + 599);
	code_at(code, 0, 0);
	assert_int_equal(mu_auth("deny3", "lara", code), PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=locked user=lara", NULL));
	set_clock(T0 + 600);
	code_at(code, 0, 0);
	assert_int_equal(mu_auth("deny3", "lara", code), PAM_SUCCESS);
	assert_true(mu_log_wait("result=accept reason=ok user=lara", NULL));
}

static void
test_spread_failures_dont_lock(void **st)
{
	char bad[16], code[16];

	(void)st;
	set_clock(T0 + 10000);
	mu_enroll("mark", MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[1]);
	wrong_code(bad, 1);
	assert_int_equal(mu_auth("deny3", "mark", bad), PAM_AUTH_ERR);
	set_clock(T0 + 10500);
	assert_int_equal(mu_auth("deny3", "mark", bad), PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=bad_code user=mark", "failures=2"));
	/* 900 s after the first failure a new interval starts. */
	set_clock(T0 + 10900);
	wrong_code(bad, 1);
	assert_int_equal(mu_auth("deny3", "mark", bad), PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=bad_code user=mark", "failures=1"));
	code_at(code, 1, 0);
	assert_int_equal(mu_auth("deny3", "mark", code), PAM_SUCCESS);
}

static void
test_success_resets_count(void **st)
{
	char bad[16], code[16];

	(void)st;
	set_clock(T0 + 20000);
	mu_enroll("nina", MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[2]);
	wrong_code(bad, 2);
	assert_int_equal(mu_auth("deny3", "nina", bad), PAM_AUTH_ERR);
	assert_int_equal(mu_auth("deny3", "nina", bad), PAM_AUTH_ERR);
	code_at(code, 2, 0);
	assert_int_equal(mu_auth("deny3", "nina", code), PAM_SUCCESS);
	set_clock(T0 + 20030);
	wrong_code(bad, 2);
	assert_int_equal(mu_auth("deny3", "nina", bad), PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=bad_code user=nina", "failures=1"));
	assert_int_equal(mu_auth("deny3", "nina", bad), PAM_AUTH_ERR);
	code_at(code, 2, 0);
	assert_int_equal(mu_auth("deny3", "nina", code), PAM_SUCCESS);
}

static void
test_admin_lock_and_unlock(void **st)
{
	char bad[16], code[16], out[512];

	(void)st;
	set_clock(T0 + 30000);
	mu_enroll("olga", MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[3]);
	wrong_code(bad, 3);
	assert_int_equal(mu_auth("forever", "olga", bad), PAM_AUTH_ERR);
	assert_int_equal(mu_auth("forever", "olga", bad), PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=bad_code user=olga",
	    "failures=2 locked=yes"));
	/* A year later: still locked. */
	set_clock(T0 + 30000 + 365LL * 86400);
	code_at(code, 3, 0);
	assert_int_equal(mu_auth("forever", "olga", code), PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=locked user=olga", NULL));
	assert_int_equal(mu_cli(out, sizeof(out), conf_forever, "status",
	    "olga", (char *)NULL), 0);
	assert_non_null(strstr(out, "olga enrolled=yes pending=no "
	    "token=totp/SHA1/6/30 backup_codes=0/0 "
	    "failures=2 locked=until_unlocked lock_step=1 last_success=never "
	    "last_rhost=-"));
	/* Only root may unlock (the tests run as root; non-root refusal is
	 * in test_cli.sh), and it is audited. */
	assert_int_equal(mu_cli(out, sizeof(out), conf_forever, "unlock",
	    "olga", (char *)NULL), 0);
	assert_string_equal(out, "unlocked olga\n");
	assert_true(mu_log_grep("action=unlock user=olga by=root"));
	assert_int_equal(mu_auth("forever", "olga", code), PAM_SUCCESS);
	assert_int_equal(mu_cli(out, sizeof(out), conf_forever, "status",
	    "olga", (char *)NULL), 0);
	assert_non_null(strstr(out, "failures=0 locked=no lock_step=0 last_success="
	    "2031-03-18T"));
}

/* "locked_until=2030-...Z lock_step=N" as a lock line has it. */
static void
lock_field(char *out, size_t len, long long until, int step)
{
	char when[32];
	struct tm tm;
	time_t t = (time_t)until;

	assert_non_null(gmtime_r(&t, &tm));
	assert_true(strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ",
	    &tm) > 0);
	snprintf(out, len, "locked_until=%s lock_step=%d", when, step);
}

/*
 * Escalation with the default growth (2) over deny3's 600 s: a second
 * lock with no success in between lasts 1200 s, the lines say until
 * when and which step, status shows the step, a success resets it.
 */
static void
test_escalating_lock(void **st)
{
	const long long t = T0 + 80000;
	char bad[16], code[16], want[96], out[512];
	int i;

	(void)st;
	set_clock(t);
	mu_enroll("vera", MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[0]);
	wrong_code(bad, 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(mu_auth("deny3", "vera", bad), PAM_AUTH_ERR);
	lock_field(want, sizeof(want), t + 600, 1);
	assert_true(mu_log_wait("reason=bad_code user=vera", want));
	/* The lock ran out: the next lock is twice as long. */
	set_clock(t + 600);
	wrong_code(bad, 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(mu_auth("deny3", "vera", bad), PAM_AUTH_ERR);
	lock_field(want, sizeof(want), t + 600 + 1200, 2);
	assert_true(mu_log_wait("failures=3 locked=yes", want));
	assert_int_equal(mu_cli(out, sizeof(out), conf_deny3, "status",
	    "vera", (char *)NULL), 0);
	assert_non_null(strstr(out, " lock_step=2 "));
	/* 600 s would have ended it; 1200 s have not. */
	set_clock(t + 600 + 1199);
	code_at(code, 0, 0);
	assert_int_equal(mu_auth("deny3", "vera", code), PAM_AUTH_ERR);
	assert_true(mu_log_wait("result=deny reason=locked user=vera", want));
	set_clock(t + 600 + 1200);
	code_at(code, 0, 0);
	assert_int_equal(mu_auth("deny3", "vera", code), PAM_SUCCESS);
	assert_int_equal(mu_cli(out, sizeof(out), conf_deny3, "status",
	    "vera", (char *)NULL), 0);
	assert_non_null(strstr(out, " lock_step=0 "));
	/* After a success, the next lock is the first again. */
	set_clock(t + 5000);
	wrong_code(bad, 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(mu_auth("deny3", "vera", bad), PAM_AUTH_ERR);
	lock_field(want, sizeof(want), t + 5000 + 600, 1);
	assert_true(mu_log_wait("reason=bad_code user=vera", want));
}

/* unlock_time 0: the lock line says only an admin ends it. */
static void
test_forever_lock_line(void **st)
{
	char bad[16];

	(void)st;
	set_clock(T0 + 90000);
	mu_enroll("wade", MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[1]);
	wrong_code(bad, 1);
	assert_int_equal(mu_auth("forever", "wade", bad), PAM_AUTH_ERR);
	assert_int_equal(mu_auth("forever", "wade", bad), PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=bad_code user=wade",
	    "locked=yes locked_until=admin_unlock lock_step=1"));
}

static int
race_wrong(int i, void *code)
{
	(void)i;
	return mu_auth("deny5", "pete", code) == PAM_AUTH_ERR ? 0 : 1;
}

/*
 * 16 processes send wrong codes for one user at the same moment with
 * deny = 5: exactly five codes are verified, the rest refused as locked,
 * and then the right code is refused too.
 */
static void
test_concurrent_failures_exact(void **st)
{
	enum { N = 16 };
	char bad[16], code[16];

	(void)st;
	set_clock(T0 + 40000);
	mu_enroll("pete", MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[0]);
	wrong_code(bad, 0);
	assert_int_equal(mu_race(N, race_wrong, bad), N);
	assert_int_equal(mu_log_count("reason=bad_code user=pete ", 5), 5);
	assert_int_equal(mu_log_count("reason=locked user=pete ", N - 5),
	    N - 5);
	assert_int_equal(mu_log_count("failures=5 locked=yes", 1), 1);
	code_at(code, 0, 0);
	assert_int_equal(mu_auth("deny5", "pete", code), PAM_AUTH_ERR);
	assert_int_equal(mu_log_count("reason=locked user=pete ", N - 4),
	    N - 4);
}

static void
test_password_failures_count(void **st)
{
	const char *wrong_pw[] = { "not-the-password", NULL };
	char code[16], code2[16];
	const char *answers[3] = { NULL, NULL, NULL };
	int i;

	(void)st;
	set_clock(T0 + 50000);
	mu_enroll("pia", MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[1]);
	code_at(code, 1, 0);
	/* A wrong password fails before the code is asked: the code is not
	 * consumed and stays good for the right password. */
	answers[0] = "not-the-password";
	answers[1] = code;
	assert_int_equal(mu_auth_answers("pwstack", "pia", answers, NULL, 0),
	    PAM_AUTH_ERR);
	assert_true(mu_log_wait("result=deny reason=bad_password user=pia",
	    "failures=1"));
	answers[0] = "secret-password";
	assert_int_equal(mu_auth_answers("pwstack", "pia", answers, NULL, 0),
	    PAM_SUCCESS);
	assert_true(mu_log_wait("result=accept reason=ok user=pia", NULL));

	/* Three failed passwords lock the user: the same counter. */
	set_clock(T0 + 50100);
	for (i = 1; i <= 3; i++)
		assert_int_equal(mu_auth_answers("pwstack", "pia", wrong_pw,
		    NULL, 0), PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=bad_password user=pia",
	    "failures=3 locked=yes"));
	/* Now even the right password and code are refused up front. */
	code_at(code2, 1, 0);
	answers[0] = "secret-password";
	answers[1] = code2;
	assert_int_equal(mu_auth_answers("pwstack", "pia", answers, NULL, 0),
	    PAM_AUTH_ERR);
	assert_true(mu_log_wait("result=deny reason=locked user=pia",
	    "detail=preauth"));
	set_clock(T0 + 50100 + 600);
	code_at(code2, 1, 0);
	answers[1] = code2;
	assert_int_equal(mu_auth_answers("pwstack", "pia", answers, NULL, 0),
	    PAM_SUCCESS);
}

/*
 * preauth and authfail on their own, each followed by pam_permit: preauth
 * passes on (PAM_IGNORE) an unlocked or unenrolled user and fails a
 * locked one until the lock's last second is over; authfail always fails
 * (a failed password is never a pass), counting each failure.
 */
static void
test_preauth_authfail_codes(void **st)
{
	(void)st;
	set_clock(T0 + 80000);
	mu_enroll("tess", MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[0]);
	assert_int_equal(mu_auth("preauth_only", "tess", "x"), PAM_SUCCESS);
	assert_int_equal(mu_auth("preauth_only", "not-enrolled", "x"),
	    PAM_SUCCESS);
	assert_int_equal(mu_auth("authfail_only", "tess", "x"), PAM_AUTH_ERR);
	assert_true(mu_log_wait("result=deny reason=bad_password user=tess",
	    "failures=1"));
	assert_int_equal(mu_auth("authfail_only", "not-enrolled", "x"),
	    PAM_AUTH_ERR);
	assert_true(mu_log_wait("result=deny reason=bad_password "
	    "user=not-enrolled", NULL));
	/* Still one failure short of deny = 3: not locked. */
	assert_int_equal(mu_auth("authfail_only", "tess", "x"), PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=bad_password user=tess", "failures=2"));
	assert_int_equal(mu_auth("preauth_only", "tess", "x"), PAM_SUCCESS);
	assert_int_equal(mu_auth("authfail_only", "tess", "x"), PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=bad_password user=tess",
	    "failures=3 locked=yes"));
	/* Locked for unlock_time = 600 s from T0 + 80000. */
	assert_int_equal(mu_auth("preauth_only", "tess", "x"), PAM_AUTH_ERR);
	assert_true(mu_log_wait("result=deny reason=locked user=tess",
	    "detail=preauth"));
	assert_int_equal(mu_auth("authfail_only", "tess", "x"), PAM_AUTH_ERR);
	assert_true(mu_log_wait("result=deny reason=locked user=tess", NULL));
	set_clock(T0 + 80000 + 599);
	assert_int_equal(mu_auth("preauth_only", "tess", "x"), PAM_AUTH_ERR);
	assert_true(mu_log_wait("result=deny reason=locked user=tess",
	    "detail=preauth"));
	set_clock(T0 + 80000 + 600);
	assert_int_equal(mu_auth("preauth_only", "tess", "x"), PAM_SUCCESS);
}

static void
test_lock_message(void **st)
{
	char *info[2] = { NULL, NULL };
	const char *answers[] = { "000000", NULL };
	char code[16];

	(void)st;
	set_clock(T0 + 60000);
	mu_enroll("quin", MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[2]);
	wrong_code(code, 2);
	answers[0] = code;
	/* deny = 1: the first failure locks and says so. */
	assert_int_equal(mu_auth_answers("msg", "quin", answers, info, 2),
	    PAM_AUTH_ERR);
	assert_non_null(info[0]);
	assert_string_equal(info[0],
	    "Too many failed attempts: try again later.");
	free(info[0]);
	info[0] = NULL;
	/* silent: the same refusal, no message. */
	assert_int_equal(mu_auth_answers("msg_silent", "quin", answers, info,
	    2), PAM_AUTH_ERR);
	assert_null(info[0]);
	assert_true(mu_log_wait("reason=locked user=quin", NULL));
	/* The default config sends no message at all. */
	mu_enroll("rita", MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[2]);
	assert_int_equal(mu_auth_answers("deny3", "rita", answers, info, 2),
	    PAM_AUTH_ERR);
	assert_null(info[0]);
}

static unsigned fail_delay_usec;

static void
record_delay(int retval, unsigned usec, void *data)
{
	(void)retval;
	(void)data;
	fail_delay_usec = usec;
}

static void
test_fail_delay(void **st)
{
	char bad[16];
	struct pam_conv conv = { mu_conv_answer, bad };
	pam_handle_t *ph = NULL;

	(void)st;
	set_clock(T0 + 70000);
	mu_enroll("sam", MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[3]);
	wrong_code(bad, 3);
	assert_int_equal(pam_start("delay", "sam", &conv, &ph), PAM_SUCCESS);
	/* The application's delay hook receives what the module asked. */
	assert_int_equal(pam_set_item(ph, PAM_FAIL_DELAY,
	    (const void *)record_delay), PAM_SUCCESS);
	assert_int_equal(pam_authenticate(ph, 0), PAM_AUTH_ERR);
	pam_end(ph, PAM_AUTH_ERR);
	/* libpam randomises the delay around the request (up to 50%). */
	assert_in_range(fail_delay_usec, 750000, 2250000);

	/* Without fail_delay_ms the module asks for none. */
	fail_delay_usec = 12345;
	assert_int_equal(pam_start("deny3", "sam", &conv, &ph), PAM_SUCCESS);
	assert_int_equal(pam_set_item(ph, PAM_FAIL_DELAY,
	    (const void *)record_delay), PAM_SUCCESS);
	assert_int_equal(pam_authenticate(ph, 0), PAM_AUTH_ERR);
	pam_end(ph, PAM_AUTH_ERR);
	assert_int_equal(fail_delay_usec, 0);
}

int
main(void)
{
	if (getenv("MFA_TEST_DIR") != NULL)
		paths(getenv("MFA_TEST_DIR"));
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lock_at_deny_and_expiry),
		cmocka_unit_test(test_spread_failures_dont_lock),
		cmocka_unit_test(test_success_resets_count),
		cmocka_unit_test(test_admin_lock_and_unlock),
		cmocka_unit_test(test_concurrent_failures_exact),
		cmocka_unit_test(test_password_failures_count),
		cmocka_unit_test(test_preauth_authfail_codes),
		cmocka_unit_test(test_lock_message),
		cmocka_unit_test(test_fail_delay),
		cmocka_unit_test(test_escalating_lock),
		cmocka_unit_test(test_forever_lock_line),
		cmocka_unit_test(mu_test_no_secret_in_log),
	};

	return mu_main("test_lockout_pam", tests,
	    sizeof(tests) / sizeof(tests[0]), fixtures);
}
