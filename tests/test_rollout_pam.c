/*
 * test_rollout_pam.c - the rollout through the real libpam: a pending
 * token activated by the first login's code (enroll_at_login), exactly
 * once (the activating code is spent; 12 racing logins: one accept, 11
 * replays), a wrong code counted and activating nothing, nothing read
 * without the key or while a token is active, the one field, an expired
 * pending token refused (pending_lifetime), store_activate's guards, the
 * unenrolled exemption ending at enroll_deadline (auth and account
 * steps), and pam-mfa report reading the module's own lines.  Runs on
 * the test clock (faketime.c).
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <libpamtest.h>
#include <security/pam_appl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backup.h"
#include "conf.h"
#include "modutil.h"
#include "store.h"
#include "testutil.h"

#define T0 1900000000LL		/* the test clock's start: 2030-03-17 */
#define DEADLINE 1900281600LL	/* "2030-03-20" ends: 2030-03-21T00:00Z */
#define PASSWORD "s3cret-pw"

static char conf_main[512], conf_login[512], conf_ignore[512];
static char conf_grace[512], conf_grace_login[512], checkpw[512];

static void
paths(const char *d)
{
	snprintf(conf_main, sizeof(conf_main), "%s/main.conf", d);
	snprintf(conf_login, sizeof(conf_login), "%s/login.conf", d);
	snprintf(conf_ignore, sizeof(conf_ignore), "%s/ignore.conf", d);
	snprintf(conf_grace, sizeof(conf_grace), "%s/grace.conf", d);
	snprintf(conf_grace_login, sizeof(conf_grace_login),
	    "%s/grace_login.conf", d);
	snprintf(checkpw, sizeof(checkpw), "%s/checkpw", d);
}

static void
fixtures(void)
{
	char body[4096];
	const char *m = getenv("MFA_MODULE");

	paths(mu_dir);
	mu_write_conf(conf_main, "deny = 100;\n");
	mu_write_conf(conf_login, "deny = 100;\nenroll_at_login = true;\n"
	    "pending_lifetime = 86400;\nlock_wait_ms = 10000;\n");
	mu_write_conf(conf_ignore, "deny = 100;\nunenrolled = \"ignore\";\n");
	mu_write_conf(conf_grace, "deny = 100;\nunenrolled = \"ignore\";\n"
	    "enroll_deadline = \"2030-03-20\";\n");
	mu_write_conf(conf_grace_login, "deny = 100;\n"
	    "unenrolled = \"ignore\";\nenroll_deadline = \"2030-03-20\";\n"
	    "enroll_at_login = true;\n");
	mu_service_with_conf("code", conf_main, "");
	mu_service_with_conf("login", conf_login, "");
	mu_service_with_conf("ignore", conf_ignore, "");
	mu_service_with_conf("grace", conf_grace, "");
	mu_service_with_conf("grace_login", conf_grace_login, "");
	/* The account step alone (auth never ran pam_mfa: sshd by key). */
	snprintf(body, sizeof(body), "auth required pam_permit.so\n"
	    "account required %s conf=%s\naccount required pam_permit.so\n",
	    m, conf_grace);
	mu_write_service("grace_acct", body);
	assert_int_equal(tu_write_file(checkpw, "#!/bin/sh\n"
	    "pw=$(tr -d '\\000')\n[ \"$pw\" = '" PASSWORD "' ]\n", 0755), 0);
	assert_int_equal(chmod(checkpw, 0755), 0);
	snprintf(body, sizeof(body),
	    "auth requisite %1$s conf=%2$s onefield\n"
	    "auth [success=1 default=ignore] pam_exec.so quiet "
	    "expose_authtok %3$s\nauth requisite pam_deny.so\n"
	    "auth required pam_permit.so\n", m, conf_login, checkpw);
	mu_write_service("onefield", body);
}

static void
set_clock(long long t)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", t);
	setenv("MFA_FAKE_TIME", buf, 1);
}

static void
totp(char out[16], int secret, long offset)
{
	mu_totp(out, "sha1", 6, 30, mu_secrets_hex[secret], offset);
	mu_remember(out);
}

/* A pending token made at the test clock's now, as pam-mfa enroll does
 * (no backup codes until it is active); its id. */
static uint64_t
put_pending(const char *user, int secret, long long created)
{
	struct mfa_conf *conf;
	struct mfa_store *store;
	struct mfa_token tok;
	uint64_t id;

	mu_token(&tok, MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[secret]);
	tok.created = created;
	tok.flags |= TOKEN_F_PENDING;
	store = mu_store_open(&conf);
	assert_int_equal(store_pending_put(store, user, &tok), MFA_OK);
	id = tok.id;
	token_wipe(&tok);
	mu_store_close(store, conf);
	return id;
}

/* The ids of user's active and pending tokens (0: none). */
static void
ids(const char *user, uint64_t *active, uint64_t *pending)
{
	struct mfa_conf *conf;
	struct mfa_store *store;
	struct mfa_token tok;

	store = mu_store_open(&conf);
	*active = store_token_meta(store, user, &tok) == MFA_OK ? tok.id : 0;
	token_wipe(&tok);
	*pending = store_pending_meta(store, user, &tok) == MFA_OK ?
	    tok.id : 0;
	token_wipe(&tok);
	mu_store_close(store, conf);
}

static void
assert_status(const char *user, const char *frag)
{
	char out[1024];

	assert_int_equal(mu_cli(out, sizeof(out), conf_main, "status", user,
	    (char *)NULL), 0);
	if (strstr(out, frag) == NULL)
		fail_msg("status %s: want \"%s\" in: %s", user, frag, out);
}

/* The first login's valid code activates; the code is then spent. */
static void
test_activate_at_login(void **st)
{
	char code[16], next[16];
	uint64_t pid, a, p;

	(void)st;
	set_clock(T0);
	pid = put_pending("ada", 0, T0 - 3600);
	totp(code, 0, 0);
	assert_int_equal(mu_auth("login", "ada", code), PAM_SUCCESS);
	assert_true(mu_log_wait("result=accept reason=ok user=ada ",
	    "action=enroll_confirm by=login"));
	ids("ada", &a, &p);
	assert_true(a == pid);
	assert_true(p == 0);
	/* Active, no backup codes yet (pam-mfa backup-codes makes them). */
	assert_status("ada", "enrolled=yes pending=no");
	assert_status("ada", "backup_codes=0/0");
	/* The activating code can't be used again. */
	assert_int_equal(mu_auth("login", "ada", code), PAM_AUTH_ERR);
	assert_true(mu_log_wait("result=deny reason=replay user=ada ", NULL));
	/* Nor on a service without the key: the token is plainly active. */
	assert_int_equal(mu_auth("code", "ada", code), PAM_AUTH_ERR);
	assert_true(mu_log_wait("result=deny reason=replay user=ada ", NULL));
	set_clock(T0 + 30);
	totp(next, 0, 0);
	assert_int_equal(mu_auth("code", "ada", next), PAM_SUCCESS);
	assert_int_equal(mu_log_count("action=enroll_confirm by=login", 1), 1);
}

static int
race_login(int i, void *code)
{
	(void)i;
	return mu_auth("login", "lou", code) == PAM_SUCCESS ? 0 : 1;
}

/* 12 logins at once with the pending token's one code: one activates,
 * every other one is a replay of it (counted). */
static void
test_race_activation(void **st)
{
	enum { N = 12 };
	char code[16];
	uint64_t pid, a, p;

	(void)st;
	set_clock(T0 + 7000);
	pid = put_pending("lou", 0, T0 + 7000);
	totp(code, 0, 0);
	assert_int_equal(mu_race(N, race_login, code), 1);
	assert_int_equal(mu_log_count("result=accept reason=ok user=lou ", 1),
	    1);
	assert_int_equal(mu_log_count("user=lou service=login rhost=- "
	    "action=enroll_confirm by=login", 1), 1);
	assert_int_equal(mu_log_count("result=deny reason=replay user=lou ",
	    N - 1), N - 1);
	ids("lou", &a, &p);
	assert_true(a == pid && p == 0);
}

/* A wrong code is a failed login, and activates nothing. */
static void
test_wrong_code_counted(void **st)
{
	char code[16], other[16];
	uint64_t pid, a, p;

	(void)st;
	set_clock(T0 + 1000);
	pid = put_pending("bob", 1, T0);
	totp(other, 2, 0);		/* another secret's code */
	assert_int_equal(mu_auth("login", "bob", other), PAM_AUTH_ERR);
	assert_true(mu_log_wait("result=deny reason=bad_code user=bob ",
	    "failures=1"));
	ids("bob", &a, &p);
	assert_true(a == 0);
	assert_true(p == pid);
	assert_status("bob", "failures=1");
	totp(code, 1, 0);
	assert_int_equal(mu_auth("login", "bob", code), PAM_SUCCESS);
	ids("bob", &a, &p);
	assert_true(a == pid);
}

/* Without enroll_at_login, no login reads the pending token. */
static void
test_no_key_no_activation(void **st)
{
	char code[16];
	uint64_t pid, a, p;

	(void)st;
	set_clock(T0 + 2000);
	pid = put_pending("cal", 2, T0 + 2000);
	totp(code, 2, 0);
	assert_int_equal(mu_auth("code", "cal", code), PAM_AUTH_ERR);
	assert_true(mu_log_wait("result=deny reason=not_enrolled user=cal ",
	    NULL));
	/* Exempt as any unenrolled user where the config says so. */
	assert_int_equal(mu_auth("ignore", "cal", code), PAM_PERM_DENIED);
	assert_true(mu_log_wait("result=ignore reason=not_enrolled user=cal ",
	    "detail=exempt_by_config"));
	ids("cal", &a, &p);
	assert_true(a == 0);
	assert_true(p == pid);
	assert_status("cal", "failures=0");
}

/* An active token: the pending one waits for enroll -C, as before. */
static void
test_active_token_wins(void **st)
{
	char code[16];
	uint64_t pid, a, p;

	(void)st;
	set_clock(T0 + 3000);
	mu_enroll("dan", MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[0]);
	ids("dan", &a, &p);
	pid = put_pending("dan", 3, T0 + 3000);
	totp(code, 3, 0);
	assert_int_equal(mu_auth("login", "dan", code), PAM_AUTH_ERR);
	assert_true(mu_log_wait("result=deny reason=bad_code user=dan ",
	    "failures=1"));
	ids("dan", &a, &p);
	assert_true(p == pid);
	assert_true(a != pid && a != 0);
}

/* Past pending_lifetime: refused with its own reason, not counted. */
static void
test_expired_pending(void **st)
{
	char code[16];
	uint64_t pid, a, p;

	(void)st;
	set_clock(T0 + 90000);
	pid = put_pending("eve", 1, T0 + 90000 - 86400);
	totp(code, 1, 0);
	assert_int_equal(mu_auth("login", "eve", code), PAM_AUTH_ERR);
	assert_true(mu_log_wait("result=deny reason=pending_expired user=eve ",
	    NULL));
	ids("eve", &a, &p);
	assert_true(a == 0);
	assert_true(p == pid);
	assert_status("eve", "failures=0");
	/* One second younger, it still works. */
	pid = put_pending("eve", 1, T0 + 90000 - 86399);
	assert_int_equal(mu_auth("login", "eve", code), PAM_SUCCESS);
	ids("eve", &a, &p);
	assert_true(a == pid);
}

/* The one field: the password and the pending token's code. */
static void
test_onefield_activation(void **st)
{
	char code[16], field[64];
	uint64_t pid, a, p;

	(void)st;
	set_clock(T0 + 4000);
	pid = put_pending("fay", 2, T0 + 4000);
	totp(code, 2, 0);
	snprintf(field, sizeof(field), "%s%s", PASSWORD, code);
	mu_remember(field);
	{
		const char *answers[] = { field, NULL };

		assert_int_equal(mu_auth_answers("onefield", "fay", answers,
		    NULL, 0), PAM_SUCCESS);
	}
	ids("fay", &a, &p);
	assert_true(a == pid);
	assert_true(mu_log_wait("result=accept reason=ok user=fay ",
	    "action=enroll_confirm by=login password=pending"));
}

/* Exempt until the deadline, with the days left; denied from it on. */
static void
test_deadline(void **st)
{
	char code[16];

	(void)st;
	totp(code, 0, 0);
	set_clock(T0);		/* 2030-03-17T17:46:40Z: 4 days, today too */
	assert_int_equal(mu_auth("grace", "gus", code), PAM_PERM_DENIED);
	assert_true(mu_log_wait("result=ignore reason=not_enrolled user=gus ",
	    "detail=exempt_by_config grace_days_left=4"));
	set_clock(DEADLINE - 1);
	assert_int_equal(mu_auth("grace", "gus", code), PAM_PERM_DENIED);
	assert_true(mu_log_wait("result=ignore reason=not_enrolled user=gus ",
	    "grace_days_left=1"));
	set_clock(DEADLINE);
	assert_int_equal(mu_auth("grace", "gus", code), PAM_AUTH_ERR);
	assert_true(mu_log_wait("result=deny reason=enroll_deadline user=gus ",
	    "detail=unenrolled"));
	/* Without the key, as ever. */
	assert_int_equal(mu_auth("ignore", "gus", code), PAM_PERM_DENIED);
	assert_true(mu_log_wait("result=ignore reason=not_enrolled user=gus ",
	    NULL));
	/* The deadline ends only the exemption: the enrolled log in. */
	mu_enroll("gus", MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[1]);
	totp(code, 1, 0);
	assert_int_equal(mu_auth("grace", "gus", code), PAM_SUCCESS);
	/* pam-mfa report reads the module's own lines: three exempt
	 * logins (two in the grace, one without a deadline), one denial. */
	{
		char out[4096];

		assert_int_equal(mu_log_count("user=gus ", 5), 5);
		assert_int_equal(mu_cli(out, sizeof(out), conf_grace, "report",
		    "--log", mu_logfile, (char *)NULL), 0);
		if (strstr(out, "\ngus enrolled exempt_logins=3 "
		    "deadline_denials=1\n") == NULL)
			fail_msg("report: %s", out);
		assert_non_null(strstr(out, "enroll_deadline=2030-03-20 "
		    "passed\n"));
	}
}

/* The account step, when pam_mfa's auth never ran, ends the exemption
 * at the deadline too. */
static void
test_deadline_account_step(void **st)
{
	struct pamtest_conv_data conv = { 0 };
	struct pam_testcase t[2] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_ACCOUNT, PAM_SUCCESS),
	};

	(void)st;
	set_clock(T0);
	/* Exempt: PAM_IGNORE, and pam_permit behind it decides. */
	assert_int_equal(_pamtest("grace_acct", "ivy", &conv, t, 2, NULL),
	    PAMTEST_ERR_OK);
	assert_true(mu_log_wait("result=ignore reason=not_enrolled user=ivy ",
	    "grace_days_left=4"));
	set_clock(DEADLINE);
	t[1].expected_rv = PAM_PERM_DENIED;
	assert_int_equal(_pamtest("grace_acct", "ivy", &conv, t, 2, NULL),
	    PAMTEST_ERR_OK);
	assert_true(mu_log_wait("result=deny reason=enroll_deadline user=ivy ",
	    "detail=unenrolled"));
}

/* store_activate makes the pending token active only while the user has
 * none and only as that pending token. */
static void
test_store_activate_guards(void **st)
{
	struct mfa_conf *conf;
	struct mfa_store *store;
	struct mfa_token tok, other;
	uint64_t pid, a, p;

	(void)st;
	set_clock(T0 + 6000);
	store = mu_store_open(&conf);
	/* No pending token at all. */
	mu_token(&tok, MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[0]);
	assert_int_equal(store_activate(store, "jon", &tok, 0), MFA_EEXIST);
	token_wipe(&tok);
	mu_store_close(store, conf);
	ids("jon", &a, &p);
	assert_true(a == 0 && p == 0);
	/* Another token than the pending one (replaced meanwhile). */
	pid = put_pending("jon", 1, T0 + 6000);
	store = mu_store_open(&conf);
	mu_token(&other, MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[1]);
	assert_true(other.id != pid);
	assert_int_equal(store_activate(store, "jon", &other, 0), MFA_EEXIST);
	/* Still flagged pending: refused as a caller's mistake. */
	other.id = pid;
	other.flags |= TOKEN_F_PENDING;
	assert_int_equal(store_activate(store, "jon", &other, 0),
	    MFA_EINTERNAL);
	other.flags &= (uint16_t)~TOKEN_F_PENDING;
	token_wipe(&other);
	mu_store_close(store, conf);
	ids("jon", &a, &p);
	assert_true(a == 0 && p == pid);
	/* An active token: the pending one is not made active over it. */
	mu_enroll("kim", MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[2]);
	pid = put_pending("kim", 3, T0 + 6000);
	store = mu_store_open(&conf);
	assert_int_equal(store_pending_get(store, "kim", &tok), MFA_OK);
	tok.flags &= (uint16_t)~TOKEN_F_PENDING;
	assert_int_equal(store_activate(store, "kim", &tok, 0), MFA_EEXIST);
	token_wipe(&tok);
	mu_store_close(store, conf);
	ids("kim", &a, &p);
	assert_true(a != pid && a != 0 && p == pid);
}

/* Under the grace, a user with a pending token to activate is asked for
 * its code (not exempt), and after the deadline still activates. */
static void
test_grace_pending_asked(void **st)
{
	char code[16];
	uint64_t pid, a, p;

	(void)st;
	set_clock(T0 + 5000);
	pid = put_pending("hal", 3, T0 + 5000);
	assert_int_equal(mu_auth("grace_login", "hal", "123"), PAM_AUTH_ERR);
	ids("hal", &a, &p);
	assert_true(a == 0);
	set_clock(DEADLINE + 10);
	pid = put_pending("hal", 3, DEADLINE);
	totp(code, 3, 0);
	assert_int_equal(mu_auth("grace_login", "hal", code), PAM_SUCCESS);
	ids("hal", &a, &p);
	assert_true(a == pid);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_activate_at_login),
		cmocka_unit_test(test_wrong_code_counted),
		cmocka_unit_test(test_race_activation),
		cmocka_unit_test(test_no_key_no_activation),
		cmocka_unit_test(test_active_token_wins),
		cmocka_unit_test(test_expired_pending),
		cmocka_unit_test(test_onefield_activation),
		cmocka_unit_test(test_deadline),
		cmocka_unit_test(test_grace_pending_asked),
		cmocka_unit_test(test_deadline_account_step),
		cmocka_unit_test(test_store_activate_guards),
		cmocka_unit_test(mu_test_no_secret_in_log),
	};

	if (getenv("MFA_TEST_DIR") != NULL)
		paths(getenv("MFA_TEST_DIR"));
	return mu_main("test_rollout_pam", tests,
	    sizeof(tests) / sizeof(tests[0]), fixtures);
}
