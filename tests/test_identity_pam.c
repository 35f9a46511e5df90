/*
 * test_identity_pam.c - one account, one token, whatever the spelling,
 * through the real libpam, with a name service that folds case and
 * accepts "user@example.com" (tests/nssfold.c, LD_PRELOADed): a wrong code
 * under any spelling fails instead of passing as unenrolled; a code used
 * under one spelling is spent under all; the lockout and its preauth and
 * authfail steps are the account's; a name the name service doesn't know
 * is refused as unknown_user, not not_enrolled; a token enrolled for
 * another uid is refused; unenrolled_groups are the account's; "exact"
 * lookup keeps names as typed; the CLI canonicalises its USER, binds the
 * uid and refuses to enroll an unknown user.  The module's PAM_IGNORE
 * (exempt), alone in a stack, is libpam's PAM_PERM_DENIED: the log line
 * says which it was.
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
#include <unistd.h>

#include "conf.h"
#include "modutil.h"
#include "store.h"
#include "testutil.h"

#define T0 1900000000LL		/* the test clock's start */

static char conf_ign[512], conf_deny3[512], conf_exact[512];
static char conf_groups[512], passdb[512];

static void
set_clock(long long t)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", t);
	setenv("MFA_FAKE_TIME", buf, 1);
}

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
	mu_remember(out);
}

static void
paths(const char *d)
{
	snprintf(conf_ign, sizeof(conf_ign), "%s/ign.conf", d);
	snprintf(conf_deny3, sizeof(conf_deny3), "%s/deny3.conf", d);
	snprintf(conf_exact, sizeof(conf_exact), "%s/exact.conf", d);
	snprintf(conf_groups, sizeof(conf_groups), "%s/groups.conf", d);
	snprintf(passdb, sizeof(passdb), "%s/passdb", d);
}

static void
fixtures(void)
{
	char body[8192];

	paths(mu_dir);
	/* The default lookup ("nss"), said nowhere: what ships. */
	mu_write_conf(conf_ign, "user_lookup = \"nss\";\n"
	    "unenrolled = \"ignore\";\n");
	mu_service_with_conf("ign", conf_ign, "");
	mu_write_conf(conf_deny3, "user_lookup = \"nss\";\ndeny = 3;\n");
	mu_service_with_conf("deny3", conf_deny3, "");
	snprintf(body, sizeof(body), "auth required %s conf=%s preauth\n",
	    getenv("MFA_MODULE"), conf_deny3);
	mu_write_service("pre", body);
	mu_write_conf(conf_exact, "user_lookup = \"exact\";\n"
	    "unenrolled = \"ignore\";\n");
	mu_service_with_conf("exact", conf_exact, "");
	mu_write_conf(conf_groups, "user_lookup = \"nss\";\n"
	    "unenrolled = \"ignore\";\n"
	    "unenrolled_groups = [ \"vpnexempt\" ];\n");
	mu_service_with_conf("groups", conf_groups, "");
	/* A password module that knows the name as typed, then authfail. */
	assert_int_equal(tu_write_file(passdb,
	    "AUDIT3:secret-password:pwstack\n", 0600), 0);
	snprintf(body, sizeof(body),
	    "auth required %1$s conf=%2$s preauth\n"
	    "auth [success=1 default=ignore] %3$s passdb=%4$s\n"
	    "auth [default=die] %1$s conf=%2$s authfail\n"
	    "auth required %1$s conf=%2$s\n",
	    getenv("MFA_MODULE"), conf_deny3, getenv("PAM_MATRIX"), passdb);
	mu_write_service("pwstack", body);
}

/* Enroll user's account through the store, its uid bound (as `pam-mfa
 * enroll` does) unless uid is 0. */
static void
enroll_uid(const char *user, uint32_t uid, int secret)
{
	struct mfa_conf *conf;
	struct mfa_store *store;
	struct mfa_token tok;

	mu_token(&tok, MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[secret]);
	if (uid != 0) {
		tok.flags = TOKEN_F_UID;
		tok.uid = uid;
	}
	store = mu_store_open(&conf);
	assert_int_equal(store_token_put(store, user, &tok), MFA_OK);
	token_wipe(&tok);
	mu_store_close(store, conf);
}

static int
state_file(const char *user, const char *ext)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s.%s", mu_state_dir, user, ext);
	return access(path, F_OK) == 0;
}

/* The audit: with unenrolled = "ignore", a wrong code under another
 * spelling was PAM_IGNORE (password only); it is the account's failure. */
static void
test_spellings_wrong_code(void **st)
{
	char bad[16];

	(void)st;
	set_clock(T0);
	enroll_uid("audit1", 4901, 0);
	wrong_code(bad, 0);
	assert_int_equal(mu_auth("ign", "audit1", bad), PAM_AUTH_ERR);
	assert_true(mu_log_wait("result=deny reason=bad_code user=audit1 "
	    "service=", "failures=1"));
	assert_int_equal(mu_auth("ign", "AUDIT1", bad), PAM_AUTH_ERR);
	assert_true(mu_log_wait("result=deny reason=bad_code user=audit1 "
	    "typed=AUDIT1 service=", "failures=2"));
	assert_int_equal(mu_auth("ign", "audit1@example.com", bad),
	    PAM_AUTH_ERR);
	assert_true(mu_log_wait("result=deny reason=bad_code user=audit1 "
	    "typed=audit1@example.com service=", "failures=3"));
	/* One account, one state: nothing under the other spellings. */
	assert_true(state_file("audit1", "state"));
	assert_false(state_file("AUDIT1", "state"));
	assert_false(state_file("audit1@example.com", "state"));
}

/* A code used under one spelling is spent under every other. */
static void
test_spellings_share_replay(void **st)
{
	char code[16], next[16];

	(void)st;
	set_clock(T0 + 3000);
	enroll_uid("audit2", 4902, 1);
	code_at(code, 1, 0);
	code_at(next, 1, 30);
	assert_int_equal(mu_auth("ign", "audit2", code), PAM_SUCCESS);
	assert_true(mu_log_wait("result=accept reason=ok user=audit2 "
	    "service=", NULL));
	assert_int_equal(mu_auth("ign", "AUDIT2", code), PAM_AUTH_ERR);
	assert_true(mu_log_wait("result=deny reason=replay user=audit2 "
	    "typed=AUDIT2 ", NULL));
	assert_int_equal(mu_auth("ign", "Audit2@EXAMPLE.com", code),
	    PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=replay user=audit2 "
	    "typed=Audit2@EXAMPLE.com ", NULL));
	/* The next code, under another spelling: the account's login. */
	assert_int_equal(mu_auth("ign", "Audit2@EXAMPLE.com", next),
	    PAM_SUCCESS);
	assert_true(mu_log_wait("result=accept reason=ok user=audit2 "
	    "typed=Audit2@EXAMPLE.com ", NULL));
}

/* Failures under three spellings, one of them a failed password counted
 * by authfail, lock the account; preauth refuses it under a fourth. */
static void
test_spellings_share_lockout(void **st)
{
	const char *answers[] = { "wrong-password", "000000" };
	char bad[16], code[16];

	(void)st;
	set_clock(T0 + 6000);
	enroll_uid("audit3", 4903, 2);
	wrong_code(bad, 2);
	code_at(code, 2, 0);
	assert_int_equal(mu_auth("deny3", "audit3", bad), PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=bad_code user=audit3 ", "failures=1"));
	assert_int_equal(mu_auth_answers("pwstack", "AUDIT3", answers, NULL,
	    0), PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=bad_password user=audit3 "
	    "typed=AUDIT3 ", "failures=2"));
	assert_int_equal(mu_auth("deny3", "audit3@example.com", bad),
	    PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=bad_code user=audit3 "
	    "typed=audit3@example.com ", "locked=yes"));
	assert_int_equal(mu_auth("deny3", "audit3", code), PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=locked user=audit3 service=", NULL));
	assert_int_equal(mu_auth("pre", "AuDiT3", code), PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=locked user=audit3 typed=AuDiT3 ",
	    "detail=preauth"));
	assert_false(state_file("AUDIT3", "state"));
}

/* Unknown to the name service: refused as such, under "ignore" too,
 * after the same prompt; no state made for it. */
static void
test_unknown_user(void **st)
{
	char bad[16];

	(void)st;
	set_clock(T0 + 9000);
	wrong_code(bad, 0);
	assert_int_equal(mu_auth("ign", "ghost", bad), PAM_AUTH_ERR);
	assert_true(mu_log_wait("result=deny reason=unknown_user user=ghost "
	    "service=", NULL));
	assert_int_equal(mu_auth("ign", "ghost@example.com", bad),
	    PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=unknown_user "
	    "user=ghost@example.com ", NULL));
	/* Another domain is another name, unknown. */
	assert_int_equal(mu_auth("ign", "audit1@example.org", bad),
	    PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=unknown_user "
	    "user=audit1@example.org ", NULL));
	assert_int_equal(mu_auth("deny3", "ghost", bad), PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=unknown_user user=ghost ", NULL));
	/* preauth tells nothing; the code step refuses. */
	assert_int_equal(mu_auth("pre", "ghost", bad), PAM_PERM_DENIED);
	/* Known, without a token: not_enrolled, ignored where allowed. */
	assert_int_equal(mu_auth("ign", "AUDIT6", bad), PAM_PERM_DENIED);
	assert_true(mu_log_wait("result=ignore reason=not_enrolled "
	    "user=audit6 typed=AUDIT6 ", "detail=exempt_by_config"));
	assert_int_equal(mu_auth("deny3", "audit6", bad), PAM_AUTH_ERR);
	assert_true(mu_log_wait("result=deny reason=not_enrolled user=audit6 ",
	    NULL));
	assert_false(state_file("ghost", "state"));
	assert_false(state_file("ghost@example.com", "state"));
}

/* user_lookup = "exact": names as typed, today's behaviour, risk and
 * all (documented): another spelling is another, unenrolled, user. */
static void
test_exact_mode(void **st)
{
	char code[16];

	(void)st;
	set_clock(T0 + 12000);
	enroll_uid("audit1", 4901, 0);
	code_at(code, 0, 0);
	assert_int_equal(mu_auth("exact", "AUDIT1", "000000"), PAM_PERM_DENIED);
	assert_true(mu_log_wait("result=ignore reason=not_enrolled "
	    "user=AUDIT1 service=", NULL));
	assert_int_equal(mu_auth("exact", "ghost", "000000"), PAM_PERM_DENIED);
	assert_true(mu_log_wait("result=ignore reason=not_enrolled "
	    "user=ghost service=", NULL));
	/* The name as enrolled, its uid the name service's: accepted. */
	assert_int_equal(mu_auth("exact", "audit1", code), PAM_SUCCESS);
	/* Enrolled for a uid the name no longer has: refused there too. */
	setenv("NSSFOLD_REUSED", "audit1", 1);
	code_at(code, 0, 30);
	assert_int_equal(mu_auth("exact", "audit1", code), PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=uid_mismatch user=audit1 ", NULL));
	unsetenv("NSSFOLD_REUSED");
}

/* The name now belongs to another account (another uid): the token of the
 * one it was enrolled for is refused, under every mode and spelling;
 * a token from before uids were bound is checked by name. */
static void
test_uid_mismatch(void **st)
{
	char code[16];

	(void)st;
	set_clock(T0 + 15000);
	enroll_uid("audit4", 4904, 3);
	code_at(code, 3, 0);
	setenv("NSSFOLD_REUSED", "audit4", 1);
	assert_int_equal(mu_auth("deny3", "audit4", code), PAM_AUTH_ERR);
	assert_true(mu_log_wait("result=deny reason=uid_mismatch user=audit4 ",
	    NULL));
	assert_int_equal(mu_auth("ign", "AUDIT4", code), PAM_AUTH_ERR);
	assert_true(mu_log_wait("result=deny reason=uid_mismatch user=audit4 "
	    "typed=AUDIT4 ", NULL));
	assert_int_equal(mu_auth("pre", "audit4", code), PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=uid_mismatch user=audit4 ", NULL));
	unsetenv("NSSFOLD_REUSED");
	/* Its own account again: the code, never checked, works. */
	assert_int_equal(mu_auth("deny3", "audit4", code), PAM_SUCCESS);

	/* No uid recorded (an older token): the name decides. */
	mu_enroll("audit5", MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[2]);
	code_at(code, 2, 0);
	setenv("NSSFOLD_REUSED", "audit5", 1);
	assert_int_equal(mu_auth("deny3", "AUDIT5", code), PAM_SUCCESS);
	unsetenv("NSSFOLD_REUSED");
}

/* The name service failing, or needing a bigger buffer than the bound,
 * or naming the account with an invalid name: denied, with its reason;
 * a buffer within the bound is grown to. */
static void
test_lookup_failures(void **st)
{
	char code[16];

	(void)st;
	set_clock(T0 + 21000);
	enroll_uid("audit1", 4901, 0);
	code_at(code, 0, 0);
	setenv("NSSFOLD_ERRNO", "5", 1);	/* EIO */
	assert_int_equal(mu_auth("ign", "AUDIT1", code), PAM_AUTH_ERR);
	assert_true(mu_log_wait("result=deny reason=user_lookup_error "
	    "user=AUDIT1 service=", NULL));
	assert_int_equal(mu_auth("exact", "audit1", code), PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=user_lookup_error user=audit1 ",
	    NULL));
	unsetenv("NSSFOLD_ERRNO");
	setenv("NSSFOLD_NEED", "1048576", 1);
	assert_int_equal(mu_auth("ign", "AUDIT1", code), PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=user_lookup_error user=AUDIT1 ",
	    NULL));
	setenv("NSSFOLD_NEED", "40000", 1);
	assert_int_equal(mu_auth("ign", "AUDIT1", code), PAM_SUCCESS);
	unsetenv("NSSFOLD_NEED");
	assert_int_equal(mu_auth("ign", "winuser", "000000"), PAM_AUTH_ERR);
	assert_true(mu_log_wait("result=deny reason=bad_input user=winuser ",
	    "detail=invalid_account_name"));
}

/* A token enrolled under a spelling that is not the account's own name
 * (before names were resolved) is not found; the spelling it was
 * enrolled under is never let through as unenrolled. */
static void
test_legacy_spelling(void **st)
{
	(void)st;
	set_clock(T0 + 24000);
	enroll_uid("LEGACY1", 0, 1);
	assert_int_equal(mu_auth("ign", "LEGACY1", "000000"), PAM_AUTH_ERR);
	assert_true(mu_log_wait("result=deny reason=not_enrolled "
	    "user=legacy1 typed=LEGACY1 ", "detail=token_under_typed_name"));
	/* Unenrolled = "deny": denied as any user without a token. */
	assert_int_equal(mu_auth("deny3", "LEGACY1", "000000"), PAM_AUTH_ERR);
	assert_true(mu_log_wait("result=deny reason=not_enrolled "
	    "user=legacy1 typed=LEGACY1 ", NULL));
}

/* unenrolled_groups: the account's groups, whatever was typed. */
static void
test_groups_canonical(void **st)
{
	(void)st;
	set_clock(T0 + 18000);
	assert_int_equal(mu_auth("groups", "EXEMPT1@example.com", "000000"),
	    PAM_PERM_DENIED);
	assert_true(mu_log_wait("result=ignore reason=not_enrolled "
	    "user=exempt1 typed=EXEMPT1@example.com ",
	    "detail=exempt_by_config"));
	assert_int_equal(mu_auth("groups", "exempt1", "000000"),
	    PAM_PERM_DENIED);
	assert_int_equal(mu_auth("groups", "PLAIN1", "000000"), PAM_AUTH_ERR);
	assert_true(mu_log_wait("result=deny reason=not_enrolled user=plain1 "
	    "typed=PLAIN1 ", NULL));
	assert_int_equal(mu_auth("groups", "ghost", "000000"), PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=unknown_user user=ghost ", NULL));
}

/* The CLI resolves its USER the same way. */
static void
test_cli_canonical(void **st)
{
	char out[8192], path[512], line[256];
	struct mfa_conf *conf;
	struct mfa_store *store;
	struct mfa_token tok;

	(void)st;
	unsetenv("MFA_FAKE_TIME");
	assert_int_equal(mu_cli(out, sizeof(out), conf_ign, "enroll", "-y",
	    "ghost", (char *)NULL), 5);
	assert_false(state_file("ghost", "token"));
	assert_int_equal(mu_cli(out, sizeof(out), conf_ign, "enroll", "-y",
	    "AUDIT7@example.com", (char *)NULL), 0);
	assert_true(state_file("audit7", "token"));
	assert_false(state_file("AUDIT7@example.com", "token"));
	store = mu_store_open(&conf);
	assert_int_equal(store_token_meta(store, "audit7", &tok), MFA_OK);
	assert_true(tok.flags & TOKEN_F_UID);
	assert_int_equal(tok.uid, 4907);
	mu_store_close(store, conf);
	assert_int_equal(mu_cli(out, sizeof(out), conf_ign, "status",
	    "Audit7", (char *)NULL), 0);
	assert_non_null(strstr(out, "audit7 enrolled=yes "));
	assert_non_null(strstr(out, " uid=4907\n"));
	assert_int_equal(mu_cli(out, sizeof(out), conf_ign, "enroll", "-y",
	    "audit7", (char *)NULL), 1);	/* already enrolled: -f */
	assert_int_equal(mu_cli(out, sizeof(out), conf_ign, "revoke",
	    "AUDIT7", (char *)NULL), 0);
	assert_false(state_file("audit7", "token"));
	/* Exact names: an unknown user is the operator's choice. */
	assert_int_equal(mu_cli(out, sizeof(out), conf_exact, "enroll", "-y",
	    "ghost", (char *)NULL), 0);
	assert_true(state_file("ghost", "token"));
	assert_int_equal(mu_cli(out, sizeof(out), conf_exact, "status",
	    "ghost", (char *)NULL), 0);
	assert_non_null(strstr(out, " uid=-\n"));
	/* import: each user as the account's own name, bound to its uid;
	 * one the name service doesn't know, skipped. */
	snprintf(path, sizeof(path), "%s/users.oath", mu_dir);
	snprintf(line, sizeof(line), "HOTP/T30\tAudit7@Example.com\t-\t%s\n"
	    "HOTP/T30\tghost2\t-\t%s\n", mu_secrets_hex[0],
	    mu_secrets_hex[2]);
	assert_int_equal(tu_write_file(path, line, 0600), 0);
	assert_int_equal(mu_cli(out, sizeof(out), conf_ign, "import", "oath",
	    path, (char *)NULL), 1);		/* one skipped */
	assert_non_null(strstr(out, "imported audit7: "));
	assert_non_null(strstr(out, "skipped ghost2: line 2: no such user in "
	    "the name service\n"));
	assert_false(state_file("ghost2", "token"));
	store = mu_store_open(&conf);
	assert_int_equal(store_token_meta(store, "audit7", &tok), MFA_OK);
	assert_true(tok.flags & TOKEN_F_UID);
	assert_int_equal(tok.uid, 4907);
	mu_store_close(store, conf);
	/* list names what logins under each stored name reach: a token
	 * enrolled under another spelling (before names were resolved)
	 * is no longer found, and says so. */
	enroll_uid("AUDIT6", 0, 1);
	assert_int_equal(mu_cli(out, sizeof(out), conf_ign, "list",
	    (char *)NULL), 0);
	assert_non_null(strstr(out, "AUDIT6 active account=audit6\n"));
	assert_non_null(strstr(out, "\nghost active unknown_user\n"));
	assert_non_null(strstr(out, "\naudit1 active\n"));
	assert_int_equal(mu_cli(out, sizeof(out), conf_exact, "list",
	    (char *)NULL), 0);
	assert_int_equal(strncmp(out, "AUDIT6 active\n", 14), 0);
}

int
main(void)
{
	if (getenv("MFA_TEST_DIR") != NULL)
		paths(getenv("MFA_TEST_DIR"));
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spellings_wrong_code),
		cmocka_unit_test(test_spellings_share_replay),
		cmocka_unit_test(test_spellings_share_lockout),
		cmocka_unit_test(test_unknown_user),
		cmocka_unit_test(test_exact_mode),
		cmocka_unit_test(test_uid_mismatch),
		cmocka_unit_test(test_lookup_failures),
		cmocka_unit_test(test_legacy_spelling),
		cmocka_unit_test(test_groups_canonical),
		cmocka_unit_test(test_cli_canonical),
		cmocka_unit_test(mu_test_no_secret_in_log),
	};

	return mu_main("test_identity_pam", tests,
	    sizeof(tests) / sizeof(tests[0]), fixtures);
}
