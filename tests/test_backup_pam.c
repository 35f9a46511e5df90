/*
 * test_backup_pam.c - backup codes and pending tokens through the real
 * libpam: a backup code at the prompt with and without its hyphen, its
 * NOTICE log line, single use (also between 16 racing logins), lockout
 * and its reset, imported 8-digit codes, 10-digit codes beside 8-digit
 * one-time codes, the one-field forms and what a wrong password costs in
 * each stack order, a new generation, malformed replies, and pending
 * tokens that logins never read until store_install makes them active.
 * Runs on the test clock (faketime.c), so no step boundary can interfere.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <dlfcn.h>
#include <libpamtest.h>
#include <security/pam_appl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "backup.h"
#include "crypto.h"
#include "modutil.h"
#include "store.h"
#include "testutil.h"

#define T0 1900000000LL		/* the test clock's start: 2030-03-17 */
#define PASSWORD "s3cret-pw"	/* what the stacks' password check wants */
#define NCODES_MAX 512

static char conf_main[512], conf_deny3[512], conf_race[512];
static char conf_race5[512], conf_ignore[512], checkpw[512];

/* Every backup code handed out, in both forms: none may reach the log. */
static char backup_seen[NCODES_MAX][BACKUP_TEXT_MAX + 1];
static int n_backup_seen;

static void
paths(const char *d)
{
	snprintf(conf_main, sizeof(conf_main), "%s/main.conf", d);
	snprintf(conf_deny3, sizeof(conf_deny3), "%s/deny3.conf", d);
	snprintf(conf_race, sizeof(conf_race), "%s/race.conf", d);
	snprintf(conf_race5, sizeof(conf_race5), "%s/race5.conf", d);
	snprintf(conf_ignore, sizeof(conf_ignore), "%s/ignore.conf", d);
	snprintf(checkpw, sizeof(checkpw), "%s/checkpw", d);
}

static void
fixtures(void)
{
	char body[8192], mods[1024];
	const char *m = getenv("MFA_MODULE");

	paths(mu_dir);
	snprintf(mods, sizeof(mods), "%s", getenv("PAM_MATRIX"));
	/* pam_get_items lives beside pam_matrix. */
	*strrchr(mods, '/') = '\0';
	mu_write_conf(conf_main, "deny = 100;\n");
	mu_write_conf(conf_deny3, "deny = 3;\nfail_interval = 900;\n"
	    "unlock_time = 600;\n");
	/* 16 logins queue on one user's lock while each hashes. */
	mu_write_conf(conf_race, "deny = 100;\nlock_wait_ms = 10000;\n");
	mu_write_conf(conf_race5, "deny = 5;\nlock_wait_ms = 10000;\n");
	mu_write_conf(conf_ignore, "deny = 100;\nunenrolled = \"ignore\";\n");
	mu_service_with_conf("code", conf_main, "");
	mu_service_with_conf("deny3", conf_deny3, "");
	mu_service_with_conf("race", conf_race, "");
	mu_service_with_conf("race5", conf_race5, "");
	mu_service_with_conf("ignore", conf_ignore, "");
	mu_service_with_conf("ignore_stack", conf_ignore,
	    "auth required pam_permit.so\n");

	/*
	 * The password module of the one-field stacks takes the password
	 * pam_mfa hands on (PAM_AUTHTOK), as use_first_pass would: pam_exec
	 * with expose_authtok (pam_matrix always prompts for its own).  It
	 * fails with PAM_SYSTEM_ERR, so, as in Debian's common-auth, success
	 * jumps over pam_deny, which makes a wrong password PAM_AUTH_ERR.
	 */
	assert_int_equal(tu_write_file(checkpw, "#!/bin/sh\n"
	    "pw=$(tr -d '\\000')\n[ \"$pw\" = '" PASSWORD "' ]\n", 0755), 0);
	assert_int_equal(chmod(checkpw, 0755), 0);
	snprintf(body, sizeof(body),
	    "auth requisite %1$s conf=%2$s onefield\n"
	    "auth [success=1 default=ignore] pam_exec.so quiet "
	    "expose_authtok %3$s\nauth requisite pam_deny.so\n"
	    "auth required %4$s/pam_get_items.so\n", m, conf_main, checkpw,
	    mods);
	mu_write_service("onefield", body);
	snprintf(body, sizeof(body),
	    "auth requisite %1$s conf=%2$s profile=openvpn\n"
	    "auth [success=1 default=ignore] pam_exec.so quiet "
	    "expose_authtok %3$s\nauth requisite pam_deny.so\n"
	    "auth required %4$s/pam_get_items.so\n", m, conf_main, checkpw,
	    mods);
	mu_write_service("openvpn", body);
	/* Password first: the code is verified only after it. */
	snprintf(body, sizeof(body),
	    "auth requisite %1$s conf=%2$s onefield=split\n"
	    "auth [success=1 default=ignore] pam_exec.so quiet "
	    "expose_authtok %3$s\nauth requisite pam_deny.so\n"
	    "auth required %1$s conf=%2$s onefield=verify\n"
	    "auth required %4$s/pam_get_items.so\n", m, conf_main, checkpw,
	    mods);
	mu_write_service("split", body);
}

static void
set_clock(long long t)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", t);
	setenv("MFA_FAKE_TIME", buf, 1);
}

/* Remember a backup code (display form) and its plain digits. */
static void
remember_backup(const char *code)
{
	size_t i, j = 0;

	assert_true(n_backup_seen + 2 <= NCODES_MAX);
	snprintf(backup_seen[n_backup_seen++], BACKUP_TEXT_MAX + 1, "%s",
	    code);
	for (i = 0; code[i] != '\0'; i++)
		if (code[i] != '-')
			backup_seen[n_backup_seen][j++] = code[i];
	backup_seen[n_backup_seen++][j] = '\0';
}

/* code without its hyphen. */
static void
plain(char out[BACKUP_TEXT_MAX + 1], const char *code)
{
	size_t i, j = 0;

	for (i = 0; code[i] != '\0'; i++)
		if (code[i] != '-')
			out[j++] = code[i];
	out[j] = '\0';
}

/* A backup code of the same shape as codes[0..n) but none of them. */
static void
wrong_backup(char out[BACKUP_TEXT_MAX + 1],
    char codes[][BACKUP_TEXT_MAX + 1], unsigned n)
{
	unsigned i, bump = 1;
	int clash;

	do {
		size_t k;

		snprintf(out, BACKUP_TEXT_MAX + 1, "%s", codes[0]);
		for (k = 0; out[k] != '\0'; k++)
			if (out[k] != '-')
				out[k] = (char)('0' +
				    (out[k] - '0' + bump) % 10);
		clash = 0;
		for (i = 0; i < n; i++)
			clash |= strcmp(out, codes[i]) == 0;
		bump++;
	} while (clash);
	remember_backup(out);
}

/* Enroll a TOTP/SHA1/6/30 user with n new backup codes. */
static uint64_t
enroll(const char *user, int secret, unsigned n,
    char codes[][BACKUP_TEXT_MAX + 1])
{
	uint64_t id;
	unsigned i;

	id = mu_enroll_backup(user, MFA_TOTP, MFA_SHA1, 6, 30,
	    mu_secrets_hex[secret], n, codes);
	for (i = 0; i < n; i++) {
		assert_int_equal(strlen(codes[i]), BACKUP_TEXT_MAX);
		assert_int_equal(codes[i][5], '-');
		remember_backup(codes[i]);
	}
	return id;
}

static void
totp(char out[16], int secret, long offset)
{
	mu_totp(out, "sha1", 6, 30, mu_secrets_hex[secret], offset);
}

/*
 * The last pam_mfa log line holding f1 (and f2) into line; its syslog
 * priority (the severity part of <PRI>), or -1 if there is none.
 */
static int
last_line(const char *f1, const char *f2, char *line, size_t len)
{
	char buf[2048];
	FILE *f;
	int prio = -1;

	line[0] = '\0';
	if ((f = fopen(mu_logfile, "r")) == NULL)
		return -1;
	while (fgets(buf, sizeof(buf), f) != NULL) {
		if (strstr(buf, "pam_mfa(") == NULL ||
		    strstr(buf, f1) == NULL ||
		    (f2 != NULL && strstr(buf, f2) == NULL))
			continue;
		snprintf(line, len, "%s", buf);
		prio = buf[0] == '<' ? atoi(buf + 1) & 7 : -1;
	}
	fclose(f);
	return prio;
}

/* pam-mfa status USER (with conf): the line, which must say user. */
static void
status(const char *conf, const char *user, char *out, size_t len)
{
	assert_int_equal(mu_cli(out, len, conf, "status", user, (char *)NULL),
	    0);
	assert_non_null(strstr(out, user));
}

static void
assert_status(const char *user, const char *frag)
{
	char out[1024];

	status(conf_main, user, out, sizeof(out));
	if (strstr(out, frag) == NULL)
		fail_msg("status %s: want \"%s\" in: %s", user, frag, out);
}

/* Authenticate on a one-field stack answering its prompt with field; the
 * PAM_AUTHTOK the modules after pam_mfa saw into authtok (if not NULL). */
static int
auth_field(const char *svc, const char *user, const char *field,
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

/* A reply of len raw bytes (NULs included), as a client might send. */
struct raw_reply {
	const char *bytes;
	size_t len;
};

static int
conv_raw(int n, const struct pam_message **msg, struct pam_response **resp,
    void *data)
{
	const struct raw_reply *r = data;
	struct pam_response *out = calloc((size_t)n, sizeof(*out));
	int i;

	if (out == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++) {
		if (msg[i]->msg_style != PAM_PROMPT_ECHO_OFF)
			continue;
		if ((out[i].resp = calloc(1, r->len + 1)) == NULL)
			return PAM_BUF_ERR;
		memcpy(out[i].resp, r->bytes, r->len);
	}
	*resp = out;
	return PAM_SUCCESS;
}

static int
auth_raw(const char *svc, const char *user, const char *bytes, size_t len)
{
	struct raw_reply r = { bytes, len };
	struct pam_conv conv = { conv_raw, &r };
	pam_handle_t *ph = NULL;
	int rc;

	if (pam_start(svc, user, &conv, &ph) != PAM_SUCCESS)
		return -1;
	rc = pam_authenticate(ph, 0);
	pam_end(ph, rc);
	return rc;
}

/* An accepted backup code: its NOTICE line with backup_left=left. */
static void
assert_backup_accept(const char *user, unsigned left)
{
	char want[64], who[64], line[2048];

	snprintf(who, sizeof(who), "result=accept reason=ok user=%s ", user);
	snprintf(want, sizeof(want), "detail=backup_code backup_left=%u",
	    left);
	if (!mu_log_wait(who, want))
		fail_msg("no log line \"%s ... %s\"", who, want);
	assert_int_equal(last_line(who, want, line, sizeof(line)),
	    LOG_NOTICE);
	/* The line ends with the detail: nothing else is said. */
	assert_non_null(strstr(line, "rhost=- detail=backup_code"));
}

/* An accepted one-time code: INFO, and no detail (no backup code). */
static void
assert_otp_accept(const char *user)
{
	char who[64], line[2048];
	size_t len;

	snprintf(who, sizeof(who), "result=accept reason=ok user=%s ", user);
	assert_true(mu_log_wait(who, NULL));
	assert_int_equal(last_line(who, NULL, line, sizeof(line)), LOG_INFO);
	len = strlen(line);
	assert_true(len > 8);
	assert_string_equal(line + len - 8, "rhost=-\n");
}

static void
assert_deny(const char *user, const char *reason, const char *detail)
{
	char who[96];

	snprintf(who, sizeof(who), "result=deny reason=%s user=%s ", reason,
	    user);
	if (!mu_log_wait(who, detail))
		fail_msg("no log line \"%s ... %s\"", who,
		    detail != NULL ? detail : "");
}

static void
test_prompt_both_forms(void **st)
{
	char codes[4][BACKUP_TEXT_MAX + 1], p[BACKUP_TEXT_MAX + 1];
	char code[16], line[2048];

	(void)st;
	set_clock(T0);
	enroll("bea", 0, 4, codes);
	assert_status("bea", "backup_codes=4/4 failures=0");
	/* As shown ("12345-67890")... */
	assert_int_equal(mu_auth("code", "bea", codes[0]), PAM_SUCCESS);
	assert_backup_accept("bea", 3);
	/* ...and as ten digits. */
	plain(p, codes[1]);
	assert_int_equal(mu_auth("code", "bea", p), PAM_SUCCESS);
	assert_backup_accept("bea", 2);
	/* A one-time code is still a one-time code. */
	totp(code, 0, 0);
	assert_int_equal(mu_auth("code", "bea", code), PAM_SUCCESS);
	assert_otp_accept("bea");
	assert_status("bea", "backup_codes=2/4 failures=0");

	/* Each code once, in either form: a replay, counted, WARNING. */
	assert_int_equal(mu_auth("code", "bea", codes[0]), PAM_AUTH_ERR);
	assert_deny("bea", "replay", "failures=1");
	assert_int_equal(last_line("reason=replay user=bea ", "failures=1",
	    line, sizeof(line)), LOG_WARNING);
	plain(p, codes[0]);
	assert_int_equal(mu_auth("code", "bea", p), PAM_AUTH_ERR);
	assert_deny("bea", "replay", "failures=2");
	assert_int_equal(mu_auth("code", "bea", codes[1]), PAM_AUTH_ERR);
	assert_deny("bea", "replay", "failures=3");
	assert_status("bea", "backup_codes=2/4 failures=3");
	/* The others still work, and a success clears the count. */
	assert_int_equal(mu_auth("code", "bea", codes[3]), PAM_SUCCESS);
	assert_backup_accept("bea", 1);
	assert_status("bea", "backup_codes=1/4 failures=0");
}

static void
test_wrong_backup_locks(void **st)
{
	char codes[3][BACKUP_TEXT_MAX + 1], bad[BACKUP_TEXT_MAX + 1];
	char p[BACKUP_TEXT_MAX + 1], code[16], out[1024];
	int i;

	(void)st;
	set_clock(T0 + 10000);
	enroll("lou", 1, 3, codes);
	wrong_backup(bad, codes, 3);
	for (i = 1; i <= 3; i++) {
		char want[32];

		assert_int_equal(mu_auth("deny3", "lou", bad), PAM_AUTH_ERR);
		snprintf(want, sizeof(want), "failures=%d%s", i,
		    i == 3 ? " locked=yes" : "");
		assert_deny("lou", "bad_code", want);
	}
	/* Locked: a valid backup code, in either form, and a valid one-time
	 * code are all refused, and nothing is spent. */
	assert_int_equal(mu_auth("deny3", "lou", codes[0]), PAM_AUTH_ERR);
	assert_deny("lou", "locked", "failures=3");
	plain(p, codes[1]);
	assert_int_equal(mu_auth("deny3", "lou", p), PAM_AUTH_ERR);
	assert_deny("lou", "locked", "failures=3");
	totp(code, 1, 0);
	assert_int_equal(mu_auth("deny3", "lou", code), PAM_AUTH_ERR);
	assert_deny("lou", "locked", "failures=3");
	status(conf_deny3, "lou", out, sizeof(out));
	assert_non_null(strstr(out,
	    "backup_codes=3/3 failures=3 locked=until_"));
	assert_int_equal(mu_log_count("result=accept reason=ok user=lou ", 0),
	    0);
	/* The lock expires: the code refused while locked is still good. */
	set_clock(T0 + 10600);
	assert_int_equal(mu_auth("deny3", "lou", codes[0]), PAM_SUCCESS);
	assert_backup_accept("lou", 2);
	status(conf_deny3, "lou", out, sizeof(out));
	assert_non_null(strstr(out, "backup_codes=2/3 failures=0 locked=no"));
}

static void
test_backup_success_resets_failures(void **st)
{
	char codes[2][BACKUP_TEXT_MAX + 1], bad[BACKUP_TEXT_MAX + 1];

	(void)st;
	set_clock(T0 + 20000);
	enroll("sue", 2, 2, codes);
	wrong_backup(bad, codes, 2);
	assert_int_equal(mu_auth("deny3", "sue", bad), PAM_AUTH_ERR);
	assert_int_equal(mu_auth("deny3", "sue", bad), PAM_AUTH_ERR);
	assert_deny("sue", "bad_code", "failures=2");
	assert_int_equal(mu_auth("deny3", "sue", codes[0]), PAM_SUCCESS);
	assert_backup_accept("sue", 1);
	/* Two more failures do not reach deny = 3. */
	assert_int_equal(mu_auth("deny3", "sue", bad), PAM_AUTH_ERR);
	assert_deny("sue", "bad_code", "failures=1");
	assert_int_equal(mu_auth("deny3", "sue", bad), PAM_AUTH_ERR);
	assert_deny("sue", "bad_code", "failures=2");
	assert_int_equal(mu_auth("deny3", "sue", codes[1]), PAM_SUCCESS);
	assert_backup_accept("sue", 0);
	assert_int_equal(mu_log_count("user=sue service=deny3 rhost=- "
	    "failures=3", 0), 0);
	assert_int_equal(mu_log_count("reason=locked user=sue ", 0), 0);
}

/* Scratch codes imported from google-authenticator: 8 digits. */
static void
test_imported_eight_digit_codes(void **st)
{
	static const char *const digits[] = {
		"31415926", "27182818", "16180339",
	};
	static char shown[3][BACKUP_TEXT_MAX + 1] = {
		"3141-5926", "2718-2818", "1618-0339",
	};
	struct mfa_conf *conf;
	struct mfa_store *store;
	struct mfa_token tok;
	char code[16], field[64], tok_seen[64];
	unsigned i;

	(void)st;
	set_clock(T0 + 30000);
	mu_token(&tok, MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[3]);
	assert_int_equal(backup_set(&tok, digits, 3, BACKUP_LEN_IMPORTED),
	    MFA_OK);
	store = mu_store_open(&conf);
	assert_int_equal(store_token_put(store, "ida", &tok), MFA_OK);
	token_wipe(&tok);
	mu_store_close(store, conf);
	for (i = 0; i < 3; i++)
		remember_backup(shown[i]);

	assert_int_equal(mu_auth("code", "ida", shown[0]), PAM_SUCCESS);
	assert_backup_accept("ida", 2);
	assert_int_equal(mu_auth("code", "ida", digits[1]), PAM_SUCCESS);
	assert_backup_accept("ida", 1);
	assert_int_equal(mu_auth("code", "ida", digits[0]), PAM_AUTH_ERR);
	assert_deny("ida", "replay", "failures=1");
	/* A new code's shape is not this token's: a wrong one-time code. */
	assert_int_equal(mu_auth("code", "ida", "31415-92653"), PAM_AUTH_ERR);
	assert_deny("ida", "bad_code", "failures=2");
	totp(code, 3, 0);
	assert_int_equal(mu_auth("code", "ida", code), PAM_SUCCESS);
	assert_otp_accept("ida");
	/* One field: "password1618-0339". */
	mu_remember(PASSWORD);
	snprintf(field, sizeof(field), "%s%s", PASSWORD, shown[2]);
	assert_int_equal(auth_field("onefield", "ida", field, tok_seen,
	    sizeof(tok_seen)), PAM_SUCCESS);
	assert_string_equal(tok_seen, PASSWORD);
	assert_backup_accept("ida", 0);
	assert_status("ida", "backup_codes=0/3 failures=0");
}

/* An 8-digit token's backup codes are 10 digits; 8 digits stay a code. */
static void
test_eight_digit_token(void **st)
{
	struct mfa_conf *conf;
	struct mfa_store *store;
	struct mfa_token tok;
	static const char *const eight[] = { "12121212" };
	char codes[2][BACKUP_TEXT_MAX + 1], p[BACKUP_TEXT_MAX + 1];
	char code[16];
	unsigned i;

	(void)st;
	set_clock(T0 + 40000);
	(void)mu_enroll_backup("ezra", MFA_TOTP, MFA_SHA256, 8, 30,
	    mu_secrets_hex[1], 2, codes);
	for (i = 0; i < 2; i++)
		remember_backup(codes[i]);
	mu_totp(code, "sha256", 8, 30, mu_secrets_hex[1], 0);
	assert_int_equal(strlen(code), 8);
	assert_int_equal(mu_auth("code", "ezra", code), PAM_SUCCESS);
	assert_otp_accept("ezra");
	/* The one-time code spent no backup slot. */
	assert_status("ezra", "backup_codes=2/2");
	plain(p, codes[0]);
	assert_int_equal(mu_auth("code", "ezra", p), PAM_SUCCESS);
	assert_backup_accept("ezra", 1);
	assert_int_equal(mu_auth("code", "ezra", codes[1]), PAM_SUCCESS);
	assert_backup_accept("ezra", 0);
	/* The next 8-digit one-time code is still taken as one. */
	set_clock(T0 + 40030);
	mu_totp(code, "sha256", 8, 30, mu_secrets_hex[1], 0);
	assert_int_equal(mu_auth("code", "ezra", code), PAM_SUCCESS);
	assert_otp_accept("ezra");
	/* 8-digit backup codes can't sit beside 8-digit one-time codes. */
	mu_token(&tok, MFA_TOTP, MFA_SHA256, 8, 30, mu_secrets_hex[1]);
	assert_int_equal(backup_set(&tok, eight, 1, BACKUP_LEN_IMPORTED),
	    MFA_OK);
	store = mu_store_open(&conf);
	assert_int_equal(store_token_put(store, "ezra2", &tok), MFA_ECORRUPT);
	token_wipe(&tok);
	mu_store_close(store, conf);
}

/* A backup code leaves an HOTP token's counter where it was. */
static void
test_hotp_counter_untouched(void **st)
{
	char codes[2][BACKUP_TEXT_MAX + 1], code[16];
	unsigned i;

	(void)st;
	set_clock(T0 + 45000);
	(void)mu_enroll_backup("hal", MFA_HOTP, MFA_SHA1, 6, 30,
	    mu_secrets_hex[0], 2, codes);
	for (i = 0; i < 2; i++)
		remember_backup(codes[i]);
	assert_int_equal(mu_auth("code", "hal", codes[0]), PAM_SUCCESS);
	assert_backup_accept("hal", 1);
	mu_hotp(code, mu_secrets_hex[0], 0);
	assert_int_equal(mu_auth("code", "hal", code), PAM_SUCCESS);
	assert_otp_accept("hal");
	assert_int_equal(mu_auth("code", "hal", code), PAM_AUTH_ERR);
	assert_deny("hal", "replay", "failures=1");
	assert_int_equal(mu_auth("code", "hal", codes[1]), PAM_SUCCESS);
	assert_backup_accept("hal", 0);
	mu_hotp(code, mu_secrets_hex[0], 1);
	assert_int_equal(mu_auth("code", "hal", code), PAM_SUCCESS);
	assert_otp_accept("hal");
}

static void
test_onefield_forms(void **st)
{
	char codes[4][BACKUP_TEXT_MAX + 1], p[BACKUP_TEXT_MAX + 1];
	char field[128], seen[128];

	(void)st;
	set_clock(T0 + 50000);
	mu_remember(PASSWORD);
	enroll("olga", 0, 4, codes);
	/* "password12345-67890": the code taken off, the password handed
	 * on to the password module, which checks it. */
	snprintf(field, sizeof(field), "%s%s", PASSWORD, codes[0]);
	assert_int_equal(auth_field("onefield", "olga", field, seen,
	    sizeof(seen)), PAM_SUCCESS);
	assert_string_equal(seen, PASSWORD);
	assert_backup_accept("olga", 3);
	snprintf(field, sizeof(field), "%s%s", PASSWORD, codes[1]);
	assert_int_equal(auth_field("openvpn", "olga", field, seen,
	    sizeof(seen)), PAM_SUCCESS);
	assert_string_equal(seen, PASSWORD);
	assert_backup_accept("olga", 2);
	/* The same field again: a replay. */
	assert_int_equal(auth_field("openvpn", "olga", field, NULL, 0),
	    PAM_AUTH_ERR);
	assert_deny("olga", "replay", "failures=1");

	/* Without its hyphen the code is not recognised in one field: the
	 * last six digits are taken as a (wrong) one-time code, counted,
	 * and the backup code is not spent. */
	plain(p, codes[2]);
	snprintf(field, sizeof(field), "%s%s", PASSWORD, p);
	assert_int_equal(auth_field("onefield", "olga", field, seen,
	    sizeof(seen)), PAM_AUTH_ERR);
	assert_deny("olga", "bad_code", "failures=2");
	assert_int_equal(mu_log_count("user=olga service=onefield rhost=- "
	    "detail=backup_code backup_left=1", 0), 0);
	assert_status("olga", "backup_codes=2/4 failures=2");
	snprintf(field, sizeof(field), "%s%s", PASSWORD, codes[2]);
	assert_int_equal(auth_field("onefield", "olga", field, seen,
	    sizeof(seen)), PAM_SUCCESS);
	assert_backup_accept("olga", 1);
	assert_status("olga", "backup_codes=1/4 failures=0");
	/* The code alone is no password and a code: refused uncounted. */
	assert_int_equal(auth_field("onefield", "olga", codes[3], NULL, 0),
	    PAM_AUTH_ERR);
	assert_deny("olga", "bad_input", "detail=no_code_in_field");
	assert_status("olga", "backup_codes=1/4 failures=0");
}

/*
 * A wrong password with a right backup code.  onefield: pam_mfa verifies
 * (and spends) the code before the password module runs, so the login
 * fails on the password and the code is gone.  onefield=split/verify:
 * the code is verified only once the password passed, so it survives.
 */
static void
test_onefield_wrong_password(void **st)
{
	char codes[3][BACKUP_TEXT_MAX + 1], field[128];

	(void)st;
	set_clock(T0 + 60000);
	mu_remember("wr0ng-pw");
	enroll("pete", 1, 3, codes);

	snprintf(field, sizeof(field), "wr0ng-pw%s", codes[0]);
	assert_int_equal(auth_field("onefield", "pete", field, NULL, 0),
	    PAM_AUTH_ERR);
	/* pam_mfa's own decision was an accept: the code is spent. */
	assert_backup_accept("pete", 2);
	assert_status("pete", "backup_codes=2/3 failures=0");
	snprintf(field, sizeof(field), "%s%s", PASSWORD, codes[0]);
	assert_int_equal(auth_field("onefield", "pete", field, NULL, 0),
	    PAM_AUTH_ERR);
	assert_deny("pete", "replay", "failures=1");

	/* Password first. */
	snprintf(field, sizeof(field), "wr0ng-pw%s", codes[1]);
	assert_int_equal(auth_field("split", "pete", field, NULL, 0),
	    PAM_AUTH_ERR);
	assert_int_equal(mu_log_count("user=pete service=split", 0), 0);
	assert_status("pete", "backup_codes=2/3 failures=1");
	snprintf(field, sizeof(field), "%s%s", PASSWORD, codes[1]);
	assert_int_equal(auth_field("split", "pete", field, NULL, 0),
	    PAM_SUCCESS);
	assert_backup_accept("pete", 1);
	assert_int_equal(mu_log_count("result=accept reason=ok user=pete "
	    "service=split", 1), 1);
	assert_status("pete", "backup_codes=1/3 failures=0");
	/* And a spent one is a replay there too, after the password. */
	assert_int_equal(auth_field("split", "pete", field, NULL, 0),
	    PAM_AUTH_ERR);
	assert_deny("pete", "replay", "failures=1");
}

/*
 * enroll() with the codes hashed at the fewest PBKDF2 iterations a token
 * may have: the racing logins queue on the user's lock while each one
 * hashes every slot, and under valgrind 16 of them at the default cost
 * outlast the longest lock_wait_ms.  The module takes the count from the
 * token.
 */
static void
enroll_cheap(const char *user, int secret, unsigned n,
    char codes[][BACKUP_TEXT_MAX + 1])
{
	char p[BACKUP_TEXT_MAX + 1];
	struct mfa_conf *conf;
	struct mfa_store *store;
	struct mfa_token tok;
	unsigned i;

	mu_token(&tok, MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[secret]);
	assert_int_equal(backup_generate(&tok, n, codes), MFA_OK);
	for (i = 0; i < n; i++) {
		plain(p, codes[i]);
		assert_int_equal(crypto_kdf(p, BACKUP_LEN_NEW,
		    tok.backup[i].salt, TOKEN_BACKUP_SALT, BACKUP_ITER_MIN,
		    tok.backup[i].hash), MFA_OK);
		remember_backup(codes[i]);
	}
	tok.backup_iter = BACKUP_ITER_MIN;
	store = mu_store_open(&conf);
	assert_int_equal(store_token_put(store, user, &tok), MFA_OK);
	token_wipe(&tok);
	mu_store_close(store, conf);
}

static int
race_login(int i, void *arg)
{
	const char *const *a = arg;

	(void)i;
	return mu_auth(a[0], a[1], a[2]) == PAM_SUCCESS ? 0 : 1;
}

/* 16 logins present one backup code at the same moment: one wins. */
static void
test_race_one_code(void **st)
{
	enum { N = 16 };
	char codes[2][BACKUP_TEXT_MAX + 1];
	const char *args[3] = { "race", "rick", NULL };

	(void)st;
	set_clock(T0 + 70000);
	enroll_cheap("rick", 2, 2, codes);
	args[2] = codes[0];
	assert_int_equal(mu_race(N, race_login, args), 1);
	assert_int_equal(mu_log_count("result=accept reason=ok user=rick ", 1),
	    1);
	assert_int_equal(mu_log_count("user=rick service=race rhost=- "
	    "detail=backup_code backup_left=1", 1), 1);
	assert_int_equal(mu_log_count("result=deny reason=replay user=rick ",
	    N - 1), N - 1);
	assert_int_equal(mu_log_count("user=rick ", N), N);
	assert_int_equal(mu_log_count("user=rick service=race rhost=- "
	    "failures=15", 1), 1);
	assert_int_equal(mu_log_count("user=rick service=race rhost=- "
	    "failures=16", 0), 0);
	assert_status("rick", "backup_codes=1/2 failures=15");
}

/* The same with deny = 5: one accept, five replays, then locked. */
static void
test_race_one_code_deny5(void **st)
{
	enum { N = 16 };
	char codes[1][BACKUP_TEXT_MAX + 1];
	const char *args[3] = { "race5", "rosa", NULL };

	(void)st;
	set_clock(T0 + 80000);
	enroll_cheap("rosa", 3, 1, codes);
	args[2] = codes[0];
	assert_int_equal(mu_race(N, race_login, args), 1);
	assert_int_equal(mu_log_count("result=accept reason=ok user=rosa ", 1),
	    1);
	assert_int_equal(mu_log_count("result=deny reason=replay user=rosa ",
	    5), 5);
	assert_int_equal(mu_log_count("user=rosa service=race5 rhost=- "
	    "failures=5 locked=yes", 1), 1);
	assert_int_equal(mu_log_count("result=deny reason=locked user=rosa ",
	    N - 6), N - 6);
	assert_int_equal(mu_log_count("user=rosa ", N), N);
}

static void
test_new_generation(void **st)
{
	char a[3][BACKUP_TEXT_MAX + 1], b[3][BACKUP_TEXT_MAX + 1];
	char code[16];
	struct mfa_conf *conf;
	struct mfa_store *store;
	struct mfa_token tok;
	uint64_t id;
	uint32_t gen;
	unsigned i;

	(void)st;
	set_clock(T0 + 90000);
	id = enroll("gus", 0, 3, a);
	assert_int_equal(mu_auth("code", "gus", a[0]), PAM_SUCCESS);
	assert_backup_accept("gus", 2);
	totp(code, 0, 0);
	assert_int_equal(mu_auth("code", "gus", code), PAM_SUCCESS);
	/* New codes for the same token, as pam-mfa backup makes them. */
	store = mu_store_open(&conf);
	assert_int_equal(store_token_get(store, "gus", &tok), MFA_OK);
	assert_true(tok.id == id);
	gen = tok.backup_gen;
	assert_int_equal(backup_generate(&tok, 3, b), MFA_OK);
	/* Only over the set it was made from: a stale generation is
	 * refused (a concurrent new set, or a rekey, would be undone). */
	assert_int_equal(store_install(store, "gus", &tok, id, gen + 1, 0),
	    MFA_EEXIST);
	assert_int_equal(store_install(store, "gus", &tok, id, gen, 0),
	    MFA_OK);
	assert_int_equal(store_install(store, "gus", &tok, id, gen, 0),
	    MFA_EEXIST);
	token_wipe(&tok);
	mu_store_close(store, conf);
	for (i = 0; i < 3; i++)
		remember_backup(b[i]);
	assert_status("gus", "backup_codes=3/3");

	/* The old codes, spent or not, are no codes at all now. */
	assert_int_equal(mu_auth("code", "gus", a[1]), PAM_AUTH_ERR);
	assert_deny("gus", "bad_code", "failures=1");
	assert_int_equal(mu_auth("code", "gus", a[0]), PAM_AUTH_ERR);
	assert_deny("gus", "bad_code", "failures=2");
	/* The same token keeps its replay floor. */
	assert_int_equal(mu_auth("code", "gus", code), PAM_AUTH_ERR);
	assert_deny("gus", "replay", "failures=3");
	/* Slot 0 was spent in the old generation, not in this one. */
	assert_int_equal(mu_auth("code", "gus", b[0]), PAM_SUCCESS);
	assert_backup_accept("gus", 2);
	assert_int_equal(mu_auth("code", "gus", b[2]), PAM_SUCCESS);
	assert_backup_accept("gus", 1);
	assert_status("gus", "backup_codes=1/3 failures=0");
}

static void
test_malformed_not_counted(void **st)
{
	static const char *const bad[] = {
		"12345-6789", "1234567890a", "12345--7890", "12345678901",
		"1234-567890", "123456-7890", "12345-67890 ", " 12345-67890",
		"12345_67890", "-1234567890", "1234567890-", "12345-6789O",
		"",
	};
	char codes[2][BACKUP_TEXT_MAX + 1], raw[32], code[16];
	size_t i;

	(void)st;
	set_clock(T0 + 100000);
	enroll("mal", 3, 2, codes);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(mu_auth("code", "mal", bad[i]), PAM_AUTH_ERR);
		assert_deny("mal", "bad_input", "detail=malformed_code");
	}
	/* A real code's own bytes, broken. */
	snprintf(raw, sizeof(raw), "%.5s--%s", codes[0], codes[0] + 6);
	assert_int_equal(mu_auth("code", "mal", raw), PAM_AUTH_ERR);
	assert_deny("mal", "bad_input", "detail=malformed_code");
	snprintf(raw, sizeof(raw), "%s0", codes[0]);
	assert_int_equal(mu_auth("code", "mal", raw), PAM_AUTH_ERR);
	assert_deny("mal", "bad_input", "detail=malformed_code");
	/* A NUL inside: the reply is a C string, the module sees "12345-",
	 * which is no code. */
	memcpy(raw, codes[0], 6);
	raw[6] = '\0';
	memcpy(raw + 7, codes[0] + 6, 6);
	assert_int_equal(auth_raw("code", "mal", raw, 13), PAM_AUTH_ERR);
	assert_deny("mal", "bad_input", "detail=malformed_code");
	assert_status("mal", "backup_codes=2/2 failures=0");
	assert_int_equal(mu_log_count("user=mal service=code rhost=- "
	    "failures=", 0), 0);

	/* The NUL after the first half leaves "12345": five digits are a
	 * one-time code of the wrong length, counted like any wrong code
	 * (auth.c: "digits, but not as many as enrolled"). */
	memcpy(raw, codes[0], 5);
	raw[5] = '\0';
	memcpy(raw + 6, codes[0] + 5, 7);
	assert_int_equal(auth_raw("code", "mal", raw, 12), PAM_AUTH_ERR);
	assert_deny("mal", "bad_code", "failures=1");
	assert_status("mal", "backup_codes=2/2 failures=1");

	/* None of it spent a code. */
	assert_int_equal(mu_auth("code", "mal", codes[0]), PAM_SUCCESS);
	assert_backup_accept("mal", 1);
	totp(code, 3, 0);
	assert_int_equal(mu_auth("code", "mal", code), PAM_SUCCESS);
	assert_status("mal", "backup_codes=1/2 failures=0");
}

/* A pending token (the CLI's enroll before its confirmation). */
static uint64_t
put_pending(const char *user, int secret, unsigned n,
    char codes[][BACKUP_TEXT_MAX + 1])
{
	struct mfa_conf *conf;
	struct mfa_store *store;
	struct mfa_token tok;
	uint64_t id;
	unsigned i;

	mu_token(&tok, MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[secret]);
	assert_int_equal(backup_generate(&tok, n, codes), MFA_OK);
	for (i = 0; i < n; i++)
		remember_backup(codes[i]);
	store = mu_store_open(&conf);
	/* Without the flag it is not a pending token. */
	assert_int_equal(store_pending_put(store, user, &tok), MFA_EINTERNAL);
	tok.flags |= TOKEN_F_PENDING;
	assert_int_equal(store_pending_put(store, user, &tok), MFA_OK);
	/* Nor can a pending token be made active as it is. */
	assert_int_equal(store_install(store, user, &tok, STORE_ANY,
	    STORE_ANY_GEN, 0), MFA_EINTERNAL);
	id = tok.id;
	token_wipe(&tok);
	mu_store_close(store, conf);
	return id;
}

static void
test_pending_only_not_enrolled(void **st)
{
	char p[2][BACKUP_TEXT_MAX + 1], code[16], field[128], path[600];
	char out[1024];
	struct stat sb, before;

	(void)st;
	set_clock(T0 + 110000);
	(void)put_pending("pam", 2, 2, p);
	/* The CLI's write made the (empty) state file it locks. */
	snprintf(path, sizeof(path), "%s/pam.state", mu_state_dir);
	assert_int_equal(stat(path, &before), 0);
	assert_int_equal(before.st_size, 0);
	totp(code, 2, 0);
	assert_int_equal(mu_auth("code", "pam", code), PAM_AUTH_ERR);
	assert_deny("pam", "not_enrolled", NULL);
	assert_int_equal(mu_auth("code", "pam", p[0]), PAM_AUTH_ERR);
	assert_deny("pam", "not_enrolled", NULL);
	snprintf(field, sizeof(field), "%s%s", PASSWORD, p[1]);
	assert_int_equal(auth_field("onefield", "pam", field, NULL, 0),
	    PAM_AUTH_ERR);
	assert_deny("pam", "not_enrolled", NULL);
	/* Exempt as unenrolled where the config says so. */
	assert_int_equal(mu_auth("ignore", "pam", code), PAM_PERM_DENIED);
	assert_true(mu_log_wait("result=ignore reason=not_enrolled user=pam ",
	    "detail=exempt_by_config"));
	assert_int_equal(mu_auth("ignore_stack", "pam", p[0]), PAM_SUCCESS);
	assert_true(mu_log_wait("result=ignore reason=not_enrolled user=pam ",
	    NULL));
	assert_int_equal(mu_log_count("result=accept reason=ok user=pam ", 0),
	    0);
	/* No login wrote to its state. */
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_size, 0);
	assert_true(sb.st_mtim.tv_sec == before.st_mtim.tv_sec &&
	    sb.st_mtim.tv_nsec == before.st_mtim.tv_nsec);
	status(conf_main, "pam", out, sizeof(out));
	assert_non_null(strstr(out, "enrolled=no pending=yes"));
}

static void
test_pending_replacement(void **st)
{
	char a[3][BACKUP_TEXT_MAX + 1], p[3][BACKUP_TEXT_MAX + 1];
	char q[3][BACKUP_TEXT_MAX + 1];
	char old1[16], new1[16], old2[16], new2[16];
	struct mfa_conf *conf;
	struct mfa_store *store;
	struct mfa_token tok;
	uint64_t active, pending;
	unsigned i;

	(void)st;
	set_clock(T0 + 120000);
	active = enroll("pia", 0, 3, a);
	pending = put_pending("pia", 1, 3, p);
	assert_true(active != pending);
	assert_status("pia", "enrolled=yes pending=yes");

	/* The pending token's codes are refused... */
	totp(new1, 1, 0);
	totp(old1, 0, 0);
	assert_string_not_equal(new1, old1);
	assert_int_equal(mu_auth("code", "pia", new1), PAM_AUTH_ERR);
	assert_deny("pia", "bad_code", "failures=1");
	assert_int_equal(mu_auth("code", "pia", p[0]), PAM_AUTH_ERR);
	assert_deny("pia", "bad_code", "failures=2");
	/* ...the active one's work. */
	assert_int_equal(mu_auth("code", "pia", old1), PAM_SUCCESS);
	assert_otp_accept("pia");
	assert_int_equal(mu_auth("code", "pia", a[0]), PAM_SUCCESS);
	assert_backup_accept("pia", 2);
	/* A failure before the switch, which must carry over. */
	assert_int_equal(mu_auth("code", "pia", new1), PAM_AUTH_ERR);
	assert_deny("pia", "bad_code", "failures=1");

	/* Confirmed with new1 (as pam-mfa enroll -C): made active only if
	 * the active token is still the one read, with new backup codes,
	 * the floor after the confirming code's step. */
	store = mu_store_open(&conf);
	assert_int_equal(store_pending_get(store, "pia", &tok), MFA_OK);
	assert_true(tok.id == pending);
	assert_true(tok.flags & TOKEN_F_PENDING);
	tok.flags &= (uint16_t)~TOKEN_F_PENDING;
	assert_int_equal(backup_generate(&tok, 3, q), MFA_OK);
	assert_int_equal(store_install(store, "pia", &tok, active + 1,
	    STORE_ANY_GEN, (uint64_t)(T0 + 120000) / 30 + 1), MFA_EEXIST);
	assert_int_equal(store_install(store, "pia", &tok, active,
	    STORE_ANY_GEN, (uint64_t)(T0 + 120000) / 30 + 1), MFA_OK);
	token_wipe(&tok);
	assert_int_equal(store_pending_get(store, "pia", &tok),
	    MFA_ENOTENROLLED);
	token_wipe(&tok);
	mu_store_close(store, conf);
	for (i = 0; i < 3; i++)
		remember_backup(q[i]);
	assert_status("pia", "enrolled=yes pending=no token=totp/SHA1/6/30 "
	    "backup_codes=3/3 failures=1");

	/* The confirming code is below the floor: a replay. */
	assert_int_equal(mu_auth("code", "pia", new1), PAM_AUTH_ERR);
	assert_deny("pia", "replay", "failures=2");
	/* The old token's codes are refused, one-time or backup. */
	set_clock(T0 + 120030);
	totp(old2, 0, 0);
	totp(new2, 1, 0);
	assert_int_equal(mu_auth("code", "pia", old2), PAM_AUTH_ERR);
	assert_deny("pia", "bad_code", "failures=3");
	assert_int_equal(mu_auth("code", "pia", a[1]), PAM_AUTH_ERR);
	assert_deny("pia", "bad_code", "failures=4");
	/* The pending token's own codes were replaced on activation. */
	assert_int_equal(mu_auth("code", "pia", p[1]), PAM_AUTH_ERR);
	assert_deny("pia", "bad_code", "failures=5");
	/* The new token's work. */
	assert_int_equal(mu_auth("code", "pia", new2), PAM_SUCCESS);
	assert_otp_accept("pia");
	assert_int_equal(mu_auth("code", "pia", q[0]), PAM_SUCCESS);
	assert_backup_accept("pia", 2);
	assert_status("pia", "backup_codes=2/3 failures=0");
}

/* A pending token confirmed before the user ever logged in (no state
 * yet): the install still works, and so do its codes. */
static void
test_pending_confirmed_before_any_login(void **st)
{
	char a[1][BACKUP_TEXT_MAX + 1], p[1][BACKUP_TEXT_MAX + 1];
	char q[2][BACKUP_TEXT_MAX + 1], code[16];
	struct mfa_conf *conf;
	struct mfa_store *store;
	struct mfa_token tok;
	uint64_t active;
	unsigned i;

	(void)st;
	set_clock(T0 + 130000);
	active = enroll("nia", 2, 1, a);
	(void)put_pending("nia", 3, 1, p);
	store = mu_store_open(&conf);
	assert_int_equal(store_pending_get(store, "nia", &tok), MFA_OK);
	tok.flags &= (uint16_t)~TOKEN_F_PENDING;
	assert_int_equal(backup_generate(&tok, 2, q), MFA_OK);
	assert_int_equal(store_install(store, "nia", &tok, active,
	    STORE_ANY_GEN, (uint64_t)(T0 + 130000) / 30 + 1), MFA_OK);
	token_wipe(&tok);
	mu_store_close(store, conf);
	for (i = 0; i < 2; i++)
		remember_backup(q[i]);
	assert_status("nia", "enrolled=yes pending=no token=totp/SHA1/6/30 "
	    "backup_codes=2/2 failures=0");
	assert_int_equal(mu_auth("code", "nia", a[0]), PAM_AUTH_ERR);
	assert_deny("nia", "bad_code", "failures=1");
	assert_int_equal(mu_auth("code", "nia", q[1]), PAM_SUCCESS);
	assert_backup_accept("nia", 1);
	set_clock(T0 + 130030);
	totp(code, 3, 0);
	assert_int_equal(mu_auth("code", "nia", code), PAM_SUCCESS);
	assert_otp_accept("nia");
}

/* Every backup code handed out, with or without its hyphen: none in the
 * log, from any program. */
/* The KDF evaluations kdfcount.c (LD_PRELOADed) counted since reset. */
static long
kdf_calls(int reset)
{
	long (*get)(void) = (long (*)(void))dlsym(RTLD_DEFAULT,
	    "kdfcount_get");
	void (*clear)(void) = (void (*)(void))dlsym(RTLD_DEFAULT,
	    "kdfcount_reset");

	if (get == NULL || clear == NULL)
		fail_msg("kdfcount.so is not preloaded");
	if (reset) {
		clear();
		return 0;
	}
	return get();
}

/* One login answering code: its PAM result, and the KDFs it cost. */
static long
auth_kdfs(const char *svc, const char *user, const char *code, int want)
{
	kdf_calls(1);
	assert_int_equal(mu_auth(svc, user, code), want);
	return kdf_calls(0);
}

/*
 * A backup-code attempt costs one KDF evaluation whatever the number of
 * codes (backup.h): right, wrong, spent, and on the one-field stack; a
 * one-time code none; and wrong and spent ones still count as failures.
 */
static void
test_one_kdf_per_attempt(void **st)
{
	static const unsigned sizes[] = { 1, 10, TOKEN_BACKUP_MAX };
	char codes[TOKEN_BACKUP_MAX][BACKUP_TEXT_MAX + 1];
	char bad[BACKUP_TEXT_MAX + 1], p[BACKUP_TEXT_MAX + 1];
	char user[32], field[64], code[16], want[64];
	unsigned k, n;

	(void)st;
	set_clock(T0 + 140000);
	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		n = sizes[k];
		snprintf(user, sizeof(user), "kdf%u", n);
		enroll(user, 3, n, codes);
		wrong_backup(bad, codes, n);
		assert_int_equal(auth_kdfs("code", user, bad, PAM_AUTH_ERR),
		    1);
		assert_deny(user, "bad_code", "failures=1");
		plain(p, bad);
		assert_int_equal(auth_kdfs("code", user, p, PAM_AUTH_ERR), 1);
		assert_deny(user, "bad_code", "failures=2");
		/* The last code, in the last slot: still one. */
		assert_int_equal(auth_kdfs("code", user, codes[n - 1],
		    PAM_SUCCESS), 1);
		assert_backup_accept(user, n - 1);
		/* Spent: refused, counted, one KDF. */
		assert_int_equal(auth_kdfs("code", user, codes[n - 1],
		    PAM_AUTH_ERR), 1);
		assert_deny(user, "replay", "failures=1");
		snprintf(field, sizeof(field), "%s%s", PASSWORD, bad);
		assert_int_equal(auth_kdfs("onefield", user, field,
		    PAM_AUTH_ERR), 1);
		assert_deny(user, "bad_code", "failures=2");
		snprintf(field, sizeof(field), "%s%s", PASSWORD, codes[0]);
		if (n > 1) {
			assert_int_equal(auth_kdfs("onefield", user, field,
			    PAM_SUCCESS), 1);
			assert_backup_accept(user, n - 2);
		}
		/* A one-time code hashes nothing. */
		totp(code, 3, 0);
		assert_int_equal(auth_kdfs("code", user, code, PAM_SUCCESS),
		    0);
		snprintf(want, sizeof(want), "backup_codes=%u/%u failures=0",
		    n > 1 ? n - 2 : 0, n);
		assert_status(user, want);
		set_clock(T0 + 140000 + 30 * (k + 1));
	}
}

/* The previous format, as earlier versions wrote it: a salt per code. */
static uint64_t
enroll_salt_per_code(const char *user, unsigned n,
    char codes[][BACKUP_TEXT_MAX + 1])
{
	char p[BACKUP_TEXT_MAX + 1];
	struct mfa_conf *conf;
	struct mfa_store *store;
	struct mfa_token tok;
	uint64_t id;
	unsigned i, j;

	mu_token(&tok, MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[2]);
	assert_int_equal(backup_generate(&tok, n, codes), MFA_OK);
	for (i = 0; i < n; i++) {
		remember_backup(codes[i]);
		plain(p, codes[i]);
		assert_int_equal(crypto_random(tok.backup[i].salt,
		    TOKEN_BACKUP_SALT), MFA_OK);
		assert_int_equal(crypto_kdf(p, BACKUP_LEN_NEW,
		    tok.backup[i].salt, TOKEN_BACKUP_SALT, tok.backup_iter,
		    tok.backup[i].hash), MFA_OK);
		for (j = 0; j < i; j++)
			assert_memory_not_equal(tok.backup[i].salt,
			    tok.backup[j].salt, TOKEN_BACKUP_SALT);
	}
	store = mu_store_open(&conf);
	assert_int_equal(store_token_put(store, user, &tok), MFA_OK);
	id = tok.id;
	token_wipe(&tok);
	mu_store_close(store, conf);
	return id;
}

/*
 * Codes written before (a salt per code) keep working: each accepted once,
 * spent refused, a wrong one counted, at one KDF per code as before; new
 * codes for the same token are written the new way, at one KDF.
 */
static void
test_salt_per_code_codes(void **st)
{
	char a[TOKEN_BACKUP_MAX][BACKUP_TEXT_MAX + 1];
	char b[TOKEN_BACKUP_MAX][BACKUP_TEXT_MAX + 1];
	char bad[BACKUP_TEXT_MAX + 1], p[BACKUP_TEXT_MAX + 1];
	struct mfa_conf *conf;
	struct mfa_store *store;
	struct mfa_token tok;
	uint64_t id;
	uint32_t gen;
	unsigned i;

	(void)st;
	set_clock(T0 + 150000);
	id = enroll_salt_per_code("olda", TOKEN_BACKUP_MAX, a);
	assert_status("olda", "backup_codes=16/16 failures=0");
	/* The first slot's code as shown, the last one's plain. */
	for (i = 0; i < TOKEN_BACKUP_MAX; i += TOKEN_BACKUP_MAX - 1) {
		plain(p, a[i]);
		assert_int_equal(auth_kdfs("code", "olda", i > 0 ? p : a[i],
		    PAM_SUCCESS), TOKEN_BACKUP_MAX);
		assert_backup_accept("olda", i > 0 ? TOKEN_BACKUP_MAX - 2 :
		    TOKEN_BACKUP_MAX - 1);
		assert_int_equal(auth_kdfs("code", "olda", a[i],
		    PAM_AUTH_ERR), TOKEN_BACKUP_MAX);
		assert_deny("olda", "replay", "failures=1");
	}
	wrong_backup(bad, a, TOKEN_BACKUP_MAX);
	assert_int_equal(auth_kdfs("code", "olda", bad, PAM_AUTH_ERR),
	    TOKEN_BACKUP_MAX);
	assert_deny("olda", "bad_code", "failures=2");
	assert_status("olda", "backup_codes=14/16 failures=2");

	/* New codes (as pam-mfa backup-codes makes them): one salt. */
	store = mu_store_open(&conf);
	assert_int_equal(store_token_get(store, "olda", &tok), MFA_OK);
	assert_true(tok.id == id);
	gen = tok.backup_gen;
	assert_int_equal(backup_generate(&tok, TOKEN_BACKUP_MAX, b), MFA_OK);
	assert_int_equal(store_install(store, "olda", &tok, id, gen, 0),
	    MFA_OK);
	token_wipe(&tok);
	mu_store_close(store, conf);
	for (i = 0; i < TOKEN_BACKUP_MAX; i++)
		remember_backup(b[i]);
	assert_int_equal(auth_kdfs("code", "olda", a[1], PAM_AUTH_ERR), 1);
	assert_deny("olda", "bad_code", "failures=3");
	assert_int_equal(auth_kdfs("code", "olda", b[TOKEN_BACKUP_MAX - 1],
	    PAM_SUCCESS), 1);
	assert_backup_accept("olda", TOKEN_BACKUP_MAX - 1);
	assert_int_equal(auth_kdfs("code", "olda", b[TOKEN_BACKUP_MAX - 1],
	    PAM_AUTH_ERR), 1);
	assert_deny("olda", "replay", "failures=1");
}

static void
test_no_backup_code_in_log(void **st)
{
	char line[4096];
	FILE *f;
	int i, lines = 0, accepts = 0;

	(void)st;
	f = fopen(mu_logfile, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		lines++;
		accepts += strstr(line, "detail=backup_code") != NULL;
		for (i = 0; i < n_backup_seen; i++)
			if (strstr(line, backup_seen[i]) != NULL)
				fail_msg("backup code %s in log: %s",
				    backup_seen[i], line);
		assert_null(strstr(line, PASSWORD));
	}
	fclose(f);
	assert_true(lines > 100);
	assert_true(accepts > 20);
	assert_true(n_backup_seen > 60);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prompt_both_forms),
		cmocka_unit_test(test_wrong_backup_locks),
		cmocka_unit_test(test_backup_success_resets_failures),
		cmocka_unit_test(test_imported_eight_digit_codes),
		cmocka_unit_test(test_eight_digit_token),
		cmocka_unit_test(test_hotp_counter_untouched),
		cmocka_unit_test(test_onefield_forms),
		cmocka_unit_test(test_onefield_wrong_password),
		cmocka_unit_test(test_race_one_code),
		cmocka_unit_test(test_race_one_code_deny5),
		cmocka_unit_test(test_new_generation),
		cmocka_unit_test(test_malformed_not_counted),
		cmocka_unit_test(test_pending_only_not_enrolled),
		cmocka_unit_test(test_pending_replacement),
		cmocka_unit_test(test_pending_confirmed_before_any_login),
		cmocka_unit_test(test_one_kdf_per_attempt),
		cmocka_unit_test(test_salt_per_code_codes),
		cmocka_unit_test(test_no_backup_code_in_log),
		cmocka_unit_test(mu_test_no_secret_in_log),
	};

	if (getenv("MFA_TEST_DIR") != NULL)
		paths(getenv("MFA_TEST_DIR"));
	return mu_main("test_backup_pam", tests,
	    sizeof(tests) / sizeof(tests[0]), fixtures);
}
