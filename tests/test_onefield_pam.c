/*
 * test_onefield_pam.c - the VPN input modes through the real libpam: one
 * field holding the password then the code (the module takes the code off
 * the end and hands the password to the next module as PAM_AUTHTOK, read
 * back with pam_wrapper's pam_get_items), a password an earlier module
 * collected (pam_set_items), the password-first split/verify order, the
 * host profiles' prompt, silence and length limits.
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
#include <unistd.h>

#include "modutil.h"
#include "testutil.h"

static char conf_ignore[512], conf_msg[512];

static void
paths(const char *d)
{
	snprintf(conf_ignore, sizeof(conf_ignore), "%s/ignore.conf", d);
	snprintf(conf_msg, sizeof(conf_msg), "%s/msg.conf", d);
}

static void
service(const char *name, const char *conf, const char *args,
    const char *tail)
{
	char body[16384];

	snprintf(body, sizeof(body), "auth requisite %s conf=%s %s\n%s",
	    getenv("MFA_MODULE"), conf, args, tail);
	mu_write_service(name, body);
}

static void
fixtures(void)
{
	char body[8192], mods[1024];
	const char *m = getenv("MFA_MODULE");

	paths(mu_dir);
	snprintf(mods, sizeof(mods), "%s", getenv("PAM_MATRIX"));
	/* The test modules live beside pam_matrix. */
	*strrchr(mods, '/') = '\0';
	mu_write_conf(conf_ignore, "unenrolled = \"ignore\";\n");
	mu_write_conf(conf_msg, "deny = 1;\nlock_message = true;\n");

	snprintf(body, sizeof(body), "auth required %s/pam_get_items.so\n",
	    mods);
	service("onefield", mu_conf_path, "onefield", body);
	service("openvpn", mu_conf_path, "profile=openvpn", body);
	service("radius", mu_conf_path, "profile=radius", body);
	service("openvpn_msg", conf_msg, "profile=openvpn", body);
	service("sshd_msg", conf_msg, "profile=sshd", "");
	service("openvpn_sc", mu_conf_path, "profile=openvpn-sc", "");
	snprintf(body, sizeof(body), "auth [ignore=ignore default=die] %s "
	    "conf=%s onefield\nauth required %s/pam_get_items.so\n", m,
	    conf_ignore, mods);
	mu_write_service("onefield_exempt", body);
	/* An earlier module collected the password. */
	snprintf(body, sizeof(body), "auth required %s/pam_set_items.so\n"
	    "auth requisite %s conf=%s onefield\n"
	    "auth required %s/pam_get_items.so\n", mods, m, mu_conf_path,
	    mods);
	mu_write_service("collected", body);
	/* Password first: split, the password module (pam_permit or
	 * pam_deny standing in for a right or wrong password), verify. */
	snprintf(body, sizeof(body), "auth requisite %1$s conf=%2$s "
	    "onefield=split\nauth requisite pam_permit.so\n"
	    "auth required %1$s conf=%2$s onefield=verify\n", m, mu_conf_path);
	mu_write_service("pwfirst_ok", body);
	snprintf(body, sizeof(body), "auth requisite %1$s conf=%2$s "
	    "onefield=split\nauth requisite pam_deny.so\n"
	    "auth required %1$s conf=%2$s onefield=verify\n", m, mu_conf_path);
	mu_write_service("pwfirst_bad", body);
	service("verify_alone", mu_conf_path, "onefield=verify", "");
	service("two_modes", mu_conf_path, "onefield=split preauth", "");
	service("bad_profile", mu_conf_path, "profile=telnet", "");
}

/*
 * Authenticate answering echo-off prompts with field; the PAM_AUTHTOK
 * the next module saw (via pam_get_items) into authtok, if asked.
 */
static int
auth_env(const char *svc, const char *user, const char *field,
    char *authtok, size_t len)
{
	const char *answers[] = { field, NULL };
	struct pamtest_conv_data conv = { .in_echo_off = answers };
	struct pam_testcase tests[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_GETENVLIST, PAM_SUCCESS),
	};
	enum pamtest_err perr;
	char **env;
	size_t i;

	if (authtok != NULL)
		authtok[0] = '\0';
	perr = run_pamtest(svc, user, &conv, tests, NULL);
	if (perr != PAMTEST_ERR_OK && perr != PAMTEST_ERR_CASE)
		return -1000 - (int)perr;
	env = tests[1].case_out.envlist;
	for (i = 0; env != NULL && env[i] != NULL; i++) {
		if (authtok != NULL && strncmp(env[i], "PAM_AUTHTOK=", 12) == 0)
			snprintf(authtok, len, "%s", env[i] + 12);
		free(env[i]);
	}
	free(env);
	return tests[0].op_rv;
}

static void
test_onefield_splits_and_hands_on(void **st)
{
	char code[16], field[128], tok[128];

	(void)st;
	mu_remember("pa55 w0rd 123");
	mu_enroll("ola", MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[0]);
	mu_totp(code, "sha1", 6, 30, mu_secrets_hex[0], 0);
	snprintf(field, sizeof(field), "pa55 w0rd 123%s", code);
	assert_int_equal(auth_env("onefield", "ola", field, tok, sizeof(tok)),
	    PAM_SUCCESS);
	assert_string_equal(tok, "pa55 w0rd 123");
	assert_true(mu_log_wait("result=accept reason=ok user=ola", NULL));
	/* The same field again: the code is a replay. */
	assert_int_equal(auth_env("onefield", "ola", field, NULL, 0),
	    PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=replay user=ola", NULL));
	/* A wrong code at the end. */
	snprintf(field, sizeof(field), "pa55 w0rd 123%06d",
	    (atoi(code) + 1) % 1000000);
	assert_int_equal(auth_env("onefield", "ola", field, NULL, 0),
	    PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=bad_code user=ola", NULL));
}

static void
test_onefield_malformed(void **st)
{
	static const char *const bad[] = {
		"password", "123456", "pass12345", "pass12345x", "",
		"pass123456 ", "pass\xd9\xa1\xd9\xa2\xd9\xa3\xd9\xa4\xd9\xa5"
		"\xd9\xa6",
	};
	char huge[600];
	size_t i;

	(void)st;
	mu_enroll("pat", MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[1]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(auth_env("onefield", "pat", bad[i], NULL, 0),
		    PAM_AUTH_ERR);
		assert_true(mu_log_wait("result=deny reason=bad_input user=pat",
		    NULL));
	}
	/* Longer than the host can deliver (OpenVPN: 127 bytes). */
	memset(huge, 'p', 128);
	memcpy(huge + 122, "123456", 7);
	assert_int_equal(auth_env("openvpn", "pat", huge, NULL, 0),
	    PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=bad_input user=pat",
	    "detail=malformed_field"));
	memset(huge, 'p', sizeof(huge) - 1);
	huge[sizeof(huge) - 1] = '\0';
	assert_int_equal(auth_env("onefield", "pat", huge, NULL, 0),
	    PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=bad_input user=pat", NULL));
}

static void
test_onefield_eight_digits_and_profiles(void **st)
{
	char code[16], field[128], tok[128];

	(void)st;
	mu_remember("hunter2");
	mu_enroll("quentin", MFA_TOTP, MFA_SHA256, 8, 30, mu_secrets_hex[1]);
	mu_totp(code, "sha256", 8, 30, mu_secrets_hex[1], 0);
	snprintf(field, sizeof(field), "hunter2%s", code);
	/* profile=openvpn is one-field. */
	assert_int_equal(auth_env("openvpn", "quentin", field, tok,
	    sizeof(tok)), PAM_SUCCESS);
	assert_string_equal(tok, "hunter2");
	mu_totp(code, "sha256", 8, 30, mu_secrets_hex[1], 30);
	snprintf(field, sizeof(field), "hunter2%s", code);
	/* profile=radius too. */
	assert_int_equal(auth_env("radius", "quentin", field, tok,
	    sizeof(tok)), PAM_SUCCESS);
	assert_string_equal(tok, "hunter2");
}

static void
test_password_collected_earlier(void **st)
{
	const char *none[] = { NULL };
	struct pamtest_conv_data conv = { .in_echo_off = none };
	struct pam_testcase tests[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
	};
	char code[16], field[128];

	(void)st;
	mu_enroll("rosa", MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[2]);
	mu_totp(code, "sha1", 6, 30, mu_secrets_hex[2], 0);
	snprintf(field, sizeof(field), "secret%s", code);
	/* pam_set_items puts it in PAM_AUTHTOK; nobody may prompt. */
	setenv("PAM_AUTHTOK", field, 1);
	(void)run_pamtest("collected", "rosa", &conv, tests, NULL);
	unsetenv("PAM_AUTHTOK");
	assert_int_equal(tests[0].op_rv, PAM_SUCCESS);
	assert_true(mu_log_wait("result=accept reason=ok user=rosa", NULL));
}

static void
test_password_first_order(void **st)
{
	char code[16], field[128], out[512];

	(void)st;
	mu_remember("wrongpass");
	mu_remember("rightpass");
	mu_enroll("sven", MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[3]);
	mu_totp(code, "sha1", 6, 30, mu_secrets_hex[3], 0);
	snprintf(field, sizeof(field), "wrongpass%s", code);
	/* The password module refuses: the code is never checked, so it
	 * is neither used up nor counted. */
	assert_int_equal(auth_env("pwfirst_bad", "sven", field, NULL, 0),
	    PAM_AUTH_ERR);
	assert_int_equal(mu_cli(out, sizeof(out), mu_conf_path, "status",
	    "sven", (char *)NULL), 0);
	assert_non_null(strstr(out, "failures=0 locked=no lock_step=0 last_success=never"));
	snprintf(field, sizeof(field), "rightpass%s", code);
	assert_int_equal(auth_env("pwfirst_ok", "sven", field, NULL, 0),
	    PAM_SUCCESS);
	assert_true(mu_log_wait("result=accept reason=ok user=sven", NULL));
	/* Verify with no split before it is a broken stack: denied. */
	assert_int_equal(auth_env("verify_alone", "sven", field, NULL, 0),
	    PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=config_error user=sven",
	    "detail=no_split_before_verify"));
	assert_int_equal(auth_env("two_modes", "sven", field, NULL, 0),
	    PAM_SERVICE_ERR);
	assert_int_equal(auth_env("bad_profile", "sven", field, NULL, 0),
	    PAM_SERVICE_ERR);
	assert_true(mu_log_wait("reason=config_error", "bad_module_argument"));
}

static void
test_exempt_user_keeps_whole_field(void **st)
{
	char tok[128];

	(void)st;
	mu_remember("plainpass");
	assert_int_equal(auth_env("onefield_exempt", "tina", "plainpass999999",
	    tok, sizeof(tok)), PAM_SUCCESS);
	/* Not enrolled: nothing is taken off the password. */
	assert_string_equal(tok, "plainpass999999");
	assert_true(mu_log_wait("result=ignore reason=not_enrolled user=tina",
	    NULL));
}

/* The prompt a static-challenge OpenVPN client's plugin must match. */
static char seen_prompt[128];

static int
conv_record(int n, const struct pam_message **msg,
    struct pam_response **resp, void *data)
{
	struct pam_response *r = calloc((size_t)n, sizeof(*r));
	int i;

	if (r == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++) {
		if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF) {
			snprintf(seen_prompt, sizeof(seen_prompt), "%s",
			    msg[i]->msg);
			r[i].resp = strdup(data);
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}

static void
test_static_challenge_prompt(void **st)
{
	char code[16];
	struct pam_conv conv = { conv_record, code };
	pam_handle_t *ph = NULL;

	(void)st;
	mu_enroll("ulla", MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[0]);
	mu_totp(code, "sha1", 6, 30, mu_secrets_hex[0], 0);
	assert_int_equal(pam_start("openvpn_sc", "ulla", &conv, &ph),
	    PAM_SUCCESS);
	assert_int_equal(pam_authenticate(ph, 0), PAM_SUCCESS);
	pam_end(ph, PAM_SUCCESS);
	assert_string_equal(seen_prompt, "OTP: ");
}

static void
test_profiles_silence_messages(void **st)
{
	const char *answers[] = { NULL, NULL };
	char *info[2] = { NULL, NULL };
	char field[64];

	(void)st;
	/* lock_message = true, deny = 1: sshd users are told... */
	mu_enroll("vera", MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[2]);
	answers[0] = "000000";
	assert_int_equal(mu_auth_answers("sshd_msg", "vera", answers, info, 2),
	    PAM_AUTH_ERR);
	assert_non_null(info[0]);
	free(info[0]);
	info[0] = NULL;
	/* ...OpenVPN users never: a message would fail the login. */
	mu_enroll("walt", MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[2]);
	snprintf(field, sizeof(field), "pw000000");
	answers[0] = field;
	assert_int_equal(mu_auth_answers("openvpn_msg", "walt", answers, info,
	    2), PAM_AUTH_ERR);
	assert_true(mu_log_wait("user=walt", "locked=yes"));
	assert_null(info[0]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_onefield_splits_and_hands_on),
		cmocka_unit_test(test_onefield_malformed),
		cmocka_unit_test(test_onefield_eight_digits_and_profiles),
		cmocka_unit_test(test_password_collected_earlier),
		cmocka_unit_test(test_password_first_order),
		cmocka_unit_test(test_exempt_user_keeps_whole_field),
		cmocka_unit_test(test_static_challenge_prompt),
		cmocka_unit_test(test_profiles_silence_messages),
		cmocka_unit_test(mu_test_no_secret_in_log),
	};

	if (getenv("MFA_TEST_DIR") != NULL)
		paths(getenv("MFA_TEST_DIR"));
	return mu_main("test_onefield_pam", tests,
	    sizeof(tests) / sizeof(tests[0]), fixtures);
}
