/*
 * test_account_pam.c - the account step (pam_sm_acct_mgmt) through the
 * real libpam, auth and account on one handle as OpenVPN's auth-pam,
 * rlm_pam and sshd run them: a stack that split a code no verify checked,
 * that made pam_mfa optional, or that skipped it, passes auth and is
 * refused at account; a verified code and an exempt user pass; an earlier
 * verdict does not survive a new auth phase nor a change of PAM_USER; an
 * exempt user's split and verify log one line between them.
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

#include "modutil.h"

static char conf_ignore[512];

static void
paths(const char *d)
{
	snprintf(conf_ignore, sizeof(conf_ignore), "%s/ignore.conf", d);
}

static void
fixtures(void)
{
	char body[8192], mods[1024];
	const char *m = getenv("MFA_MODULE");

	paths(mu_dir);
	mu_write_conf(conf_ignore, "unenrolled = \"ignore\";\n");
	/* Split with no verify: pam_permit stands in for the password. */
	snprintf(body, sizeof(body),
	    "auth requisite %1$s conf=%2$s onefield=split\n"
	    "auth required pam_permit.so\n"
	    "account required %1$s conf=%2$s\n", m, mu_conf_path);
	mu_write_service("split_only", body);
	snprintf(body, sizeof(body),
	    "auth requisite %1$s conf=%2$s onefield=split\n"
	    "auth requisite pam_permit.so\n"
	    "auth required %1$s conf=%2$s onefield=verify\n"
	    "account required %1$s conf=%2$s\n", m, mu_conf_path);
	mu_write_service("pwfirst", body);
	snprintf(body, sizeof(body),
	    "auth requisite %1$s conf=%2$s onefield=split\n"
	    "auth requisite pam_permit.so\n"
	    "auth required %1$s conf=%2$s onefield=verify\n"
	    "account required %1$s conf=%2$s\n"
	    "account required pam_permit.so\n", m, conf_ignore);
	mu_write_service("pwfirst_exempt", body);
	snprintf(body, sizeof(body),
	    "auth optional %1$s conf=%2$s\n"
	    "auth required pam_permit.so\n"
	    "account required %1$s conf=%2$s\n", m, mu_conf_path);
	mu_write_service("optional", body);
	snprintf(body, sizeof(body),
	    "auth sufficient pam_permit.so\n"
	    "auth required %1$s conf=%2$s\n"
	    "account required %1$s conf=%2$s\n"
	    "account required pam_permit.so\n", m, mu_conf_path);
	mu_write_service("skipped", body);
	snprintf(body, sizeof(body),
	    "auth sufficient pam_permit.so\n"
	    "auth required %1$s conf=%2$s\n"
	    "account required %1$s conf=%2$s\n"
	    "account required pam_permit.so\n", m, conf_ignore);
	mu_write_service("skipped_exempt", body);
	snprintf(body, sizeof(body),
	    "auth required %1$s conf=%2$s\n"
	    "account required %1$s conf=%2$s\n", m, mu_conf_path);
	mu_write_service("prompt", body);
	snprintf(body, sizeof(body),
	    "auth required pam_permit.so\n"
	    "account required %1$s conf=%2$s onefield=split\n", m,
	    mu_conf_path);
	mu_write_service("account_mode", body);
	/* pam_set_items sets PAM_USER from the environment: another user
	 * after the code was verified. */
	snprintf(mods, sizeof(mods), "%s", getenv("PAM_MATRIX"));
	*strrchr(mods, '/') = '\0';
	snprintf(body, sizeof(body),
	    "auth required %1$s conf=%2$s\n"
	    "account required %3$s/pam_set_items.so\n"
	    "account required %1$s conf=%2$s\n", m, mu_conf_path, mods);
	mu_write_service("user_change", body);
}

/*
 * pam_authenticate (n times, answering echo-off prompts from answers in
 * order) then pam_acct_mgmt on the same handle; each expected return
 * value must be what libpam answered.
 */
static void
auth_then_account(const char *svc, const char *user, const char **answers,
    int n_auth, int want_auth, int want_acct)
{
	struct pamtest_conv_data conv = { .in_echo_off = answers };
	struct pam_testcase tests[4];
	enum pamtest_err perr;
	int i;

	assert_true(n_auth >= 1 && n_auth <= 3);
	for (i = 0; i < n_auth; i++)
		tests[i] = (struct pam_testcase)pam_test(PAMTEST_AUTHENTICATE,
		    want_auth);
	tests[n_auth] = (struct pam_testcase)pam_test(PAMTEST_ACCOUNT,
	    want_acct);
	perr = _pamtest(svc, user, &conv, tests, (size_t)n_auth + 1, NULL);
	if (perr != PAMTEST_ERR_OK) {
		const struct pam_testcase *f = _pamtest_failed_case(tests,
		    (size_t)n_auth + 1);

		fail_msg("%s %s: %s (case %d returned %d)", svc, user,
		    pamtest_strerror(perr), f != NULL ? (int)f->pam_operation : -1,
		    f != NULL ? f->op_rv : 0);
	}
}

static void
field_for(char *field, size_t len, int secret, const char *password)
{
	char code[16];

	mu_totp(code, "sha1", 6, 30, mu_secrets_hex[secret], 0);
	snprintf(field, len, "%s%s", password, code);
}

/* Split and no verify: auth passes on the password alone; account
 * refuses, and says why. */
static void
test_split_without_verify_refused(void **st)
{
	char field[64];
	const char *answers[] = { field, NULL };

	(void)st;
	mu_remember("split-pw");
	mu_enroll("acc1", MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[0]);
	field_for(field, sizeof(field), 0, "split-pw");
	auth_then_account("split_only", "acc1", answers, 1, PAM_SUCCESS,
	    PAM_PERM_DENIED);
	assert_true(mu_log_wait("result=deny reason=config_error user=acc1",
	    "detail=split_without_verify"));
}

/* The shipped order, split, password, verify: account passes and adds
 * no line of its own. */
static void
test_split_and_verify_pass(void **st)
{
	char field[64];
	const char *answers[] = { field, NULL };

	(void)st;
	mu_enroll("acc2", MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[1]);
	field_for(field, sizeof(field), 1, "pw");
	auth_then_account("pwfirst", "acc2", answers, 1, PAM_SUCCESS,
	    PAM_SUCCESS);
	assert_true(mu_log_wait("result=accept reason=ok user=acc2", NULL));
	assert_int_equal(mu_log_count("user=acc2 ", 2), 1);
}

/* pam_mfa optional: a wrong code leaves auth passing; account refuses. */
static void
test_optional_wrong_code_refused(void **st)
{
	const char *answers[] = { "000000", NULL };
	char code[16];

	(void)st;
	mu_enroll("acc3", MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[2]);
	mu_totp(code, "sha1", 6, 30, mu_secrets_hex[2], 0);
	if (strcmp(code, "000000") == 0)
		answers[0] = "111111";
	auth_then_account("optional", "acc3", answers, 1, PAM_SUCCESS,
	    PAM_PERM_DENIED);
	assert_true(mu_log_wait("result=deny reason=config_error user=acc3",
	    "detail=no_code_verified"));
}

/* A right code, then a second auth phase on the same handle that fails
 * pam_mfa (optional): the first verdict does not carry over. */
static void
test_verdict_reset_by_new_auth(void **st)
{
	char code[16];
	const char *answers[] = { code, "000000", NULL };

	(void)st;
	mu_enroll("acc4", MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[3]);
	mu_totp(code, "sha1", 6, 30, mu_secrets_hex[3], 0);
	if (strcmp(code, "000000") == 0)
		answers[1] = "111111";
	auth_then_account("optional", "acc4", answers, 2, PAM_SUCCESS,
	    PAM_PERM_DENIED);
	assert_true(mu_log_wait("result=accept reason=ok user=acc4", NULL));
	assert_true(mu_log_wait("result=deny reason=config_error user=acc4",
	    "detail=no_code_verified"));
	/* One auth phase with the next code: account passes. */
	mu_totp(code, "sha1", 6, 30, mu_secrets_hex[3], 30);
	auth_then_account("optional", "acc4", answers, 1, PAM_SUCCESS,
	    PAM_SUCCESS);
}

/* A sufficient module before pam_mfa: pam_mfa's auth never ran.  An
 * enrolled user is refused; an exempt unenrolled one passes, logged. */
static void
test_auth_never_ran(void **st)
{
	const char *answers[] = { NULL };

	(void)st;
	mu_enroll("acc5", MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[0]);
	auth_then_account("skipped", "acc5", answers, 1, PAM_SUCCESS,
	    PAM_PERM_DENIED);
	assert_true(mu_log_wait("result=deny reason=config_error user=acc5",
	    "detail=no_mfa_auth"));
	/* Unenrolled, unenrolled = "deny": refused too. */
	auth_then_account("skipped", "acc5none", answers, 1, PAM_SUCCESS,
	    PAM_PERM_DENIED);
	assert_true(mu_log_wait("result=deny reason=not_enrolled "
	    "user=acc5none", "detail=no_mfa_auth"));
	/* Unenrolled and exempt by config: passes, one line. */
	auth_then_account("skipped_exempt", "acc5free", answers, 1,
	    PAM_SUCCESS, PAM_SUCCESS);
	assert_true(mu_log_wait("result=ignore reason=not_enrolled "
	    "user=acc5free", "detail=exempt_by_config"));
}

/* An exempt user through split and verify: one ignore line, and account
 * lets them through. */
static void
test_exempt_split_verify_one_line(void **st)
{
	const char *answers[] = { "only-a-password", NULL };

	(void)st;
	mu_remember("only-a-password");
	auth_then_account("pwfirst_exempt", "acc6", answers, 1, PAM_SUCCESS,
	    PAM_SUCCESS);
	assert_true(mu_log_wait("result=ignore reason=not_enrolled user=acc6",
	    "detail=exempt_by_config"));
	/* Waits for a second line, which must never come. */
	assert_int_equal(mu_log_count("result=ignore reason=not_enrolled "
	    "user=acc6 ", 2), 1);
}

/* The separate prompt: a right code passes account, a wrong one fails
 * auth (account is never reached). */
static void
test_prompt_stack(void **st)
{
	char code[16];
	const char *answers[] = { code, NULL };

	(void)st;
	mu_enroll("acc7", MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[1]);
	mu_totp(code, "sha1", 6, 30, mu_secrets_hex[1], 0);
	auth_then_account("prompt", "acc7", answers, 1, PAM_SUCCESS,
	    PAM_SUCCESS);
}

/* PAM_USER changed after the code was verified: refused. */
static void
test_user_changed_after_auth(void **st)
{
	char code[16];
	const char *answers[] = { code, NULL };

	(void)st;
	mu_enroll("acc9", MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[2]);
	mu_totp(code, "sha1", 6, 30, mu_secrets_hex[2], 0);
	assert_int_equal(setenv("PAM_USER", "acc9other", 1), 0);
	auth_then_account("user_change", "acc9", answers, 1, PAM_SUCCESS,
	    PAM_PERM_DENIED);
	assert_int_equal(unsetenv("PAM_USER"), 0);
	assert_true(mu_log_wait("result=accept reason=ok user=acc9 ", NULL));
	assert_true(mu_log_wait("result=deny reason=config_error "
	    "user=acc9other", "detail=user_changed_after_auth"));
}

/* An auth mode on the account line is a configuration error. */
static void
test_account_mode_argument(void **st)
{
	const char *answers[] = { NULL };

	(void)st;
	auth_then_account("account_mode", "acc8", answers, 1, PAM_SUCCESS,
	    PAM_SERVICE_ERR);
	assert_true(mu_log_wait("result=deny reason=config_error user=-",
	    "detail=bad_module_argument"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_without_verify_refused),
		cmocka_unit_test(test_split_and_verify_pass),
		cmocka_unit_test(test_optional_wrong_code_refused),
		cmocka_unit_test(test_verdict_reset_by_new_auth),
		cmocka_unit_test(test_auth_never_ran),
		cmocka_unit_test(test_exempt_split_verify_one_line),
		cmocka_unit_test(test_prompt_stack),
		cmocka_unit_test(test_user_changed_after_auth),
		cmocka_unit_test(test_account_mode_argument),
		cmocka_unit_test(mu_test_no_secret_in_log),
	};

	if (getenv("MFA_TEST_DIR") != NULL)
		paths(getenv("MFA_TEST_DIR"));
	return mu_main("test_account_pam", tests,
	    sizeof(tests) / sizeof(tests[0]), fixtures);
}
