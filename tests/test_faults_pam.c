/*
 * test_faults_pam.c - every fault denies, loudly: through the real libpam,
 * with one libc call made to fail (faultinject.c) or one record damaged,
 * a login with the right code ends in a failure code — never PAM_SUCCESS
 * or PAM_IGNORE — and a syslog line naming the reason; the next login,
 * fault gone, succeeds (no fault leaves a store that blocks everyone).
 * HOTP tokens give a fresh right code for every attempt.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
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
#include <sys/stat.h>
#include <unistd.h>

#include "crypto.h"
#include "modutil.h"
#include "state.h"
#include "testutil.h"
#include "token.h"

static void (*fi_arm)(const char *, long, int);
static long (*fi_disarm)(void);
static unsigned long counter;	/* the next HOTP counter of "hal" */

static void
fixtures(void)
{
	char path[512], body[2048];

	mu_write_conf(mu_conf_path, "hotp_lookahead = 1;\ndeny = 0;\n"
	    "lock_wait_ms = 50;\n");
	mu_service_with_conf("mfa", mu_conf_path, "");
	snprintf(path, sizeof(path), "account required %s conf=%s\n",
	    getenv("MFA_MODULE"), mu_conf_path);
	mu_service_with_conf("mfa_acct", mu_conf_path, path);
	/* The account step alone, for an unenrolled user it exempts. */
	snprintf(path, sizeof(path), "%s/ignore.conf", mu_dir);
	mu_write_conf(path, "unenrolled = \"ignore\";\n");
	snprintf(body, sizeof(body), "auth required pam_permit.so\n"
	    "account required %s conf=%s\naccount required pam_permit.so\n",
	    getenv("MFA_MODULE"), path);
	mu_write_service("acct_exempt", body);
	snprintf(path, sizeof(path), "%s/nothere.conf", mu_dir);
	mu_service_with_conf("noconf", path, "");
	snprintf(path, sizeof(path), "%s/confdir", mu_dir);
	assert_int_equal(mkdir(path, 0755), 0);
	mu_service_with_conf("confisdir", path, "");
	snprintf(path, sizeof(path), "%s/syntax.conf", mu_dir);
	assert_int_equal(tu_write_file(path, "window = ;\n", 0644), 0);
	mu_service_with_conf("badsyntax", path, "");
}

static int
setup_fi(void **st)
{
	(void)st;
	fi_arm = (void (*)(const char *, long, int))dlsym(RTLD_DEFAULT,
	    "fi_arm");
	fi_disarm = (long (*)(void))dlsym(RTLD_DEFAULT, "fi_disarm");
	return fi_arm != NULL && fi_disarm != NULL ? 0 : -1;
}

/* A login of hal with the next right code. */
static int
login(void)
{
	char code[16];

	mu_hotp(code, mu_secrets_hex[0], counter);
	return mu_auth("mfa", "hal", code);
}

/*
 * A fresh right code succeeds.  After a fault the code tried may or may
 * not have been used up (a write that reached the page cache before its
 * flush failed stands), so the next counter is used, which the look-ahead
 * of 1 accepts either way.
 */
static void
login_ok(void)
{
	counter++;
	assert_int_equal(login(), PAM_SUCCESS);
	counter++;
	assert_true(mu_log_wait("result=accept reason=ok user=hal", NULL));
}

static void
test_enroll_and_control(void **st)
{
	(void)st;
	mu_enroll("hal", MFA_HOTP, MFA_SHA1, 6, 30, mu_secrets_hex[0]);
	login_ok();
	login_ok();
}

static const struct {
	const char *call;
	long nth;		/* 0: every call */
	int err;
	int rc;			/* what pam_authenticate must return */
	const char *reason;
} io_faults[] = {
	/* disk full, read-only file system, flush failing on commit */
	{ "pwrite", 1, ENOSPC, PAM_AUTH_ERR, "reason=state_error" },
	{ "pwrite", 1, EROFS, PAM_AUTH_ERR, "reason=state_error" },
	{ "fdatasync", 1, EIO, PAM_AUTH_ERR, "reason=state_error" },
	/* the token, the state record, the key file unreadable (in the
	 * order a login reads them: the key only once the user is known
	 * not to be locked); the key file's is its own reason */
	{ "pread", 1, EIO, PAM_AUTH_ERR, "reason=state_error" },
	{ "pread", 2, EIO, PAM_AUTH_ERR, "reason=state_error" },
	{ "pread", 3, EIO, PAM_AUTH_ERR, "reason=key_unreadable" },
	/* nothing can be opened: the config is the first casualty */
	{ "openat", 0, EACCES, PAM_SERVICE_ERR, "reason=config_error" },
	{ "openat", 0, EMFILE, PAM_SERVICE_ERR, "reason=config_error" },
	/* the lock held by someone else for longer than lock_wait_ms */
	{ "flock", 0, EWOULDBLOCK, PAM_AUTH_ERR, "reason=state_busy" },
	{ "flock", 1, EIO, PAM_AUTH_ERR, "reason=state_error" },
	/* the clock unreadable */
	{ "time", 0, 0, PAM_AUTH_ERR, "reason=clock_error" },
};

static void
test_io_faults(void **st)
{
	size_t i;

	(void)st;
	for (i = 0; i < sizeof(io_faults) / sizeof(io_faults[0]); i++) {
		int rc;
		long hits;

		fi_arm(io_faults[i].call, io_faults[i].nth, io_faults[i].err);
		rc = login();
		hits = fi_disarm();
		if (hits == 0)
			fail_msg("%s #%ld: never called", io_faults[i].call,
			    io_faults[i].nth);
		if (rc != io_faults[i].rc)
			fail_msg("%s #%ld: got %d", io_faults[i].call,
			    io_faults[i].nth, rc);
		if (!mu_log_wait("result=deny", io_faults[i].reason))
			fail_msg("%s #%ld: no log line with %s",
			    io_faults[i].call, io_faults[i].nth,
			    io_faults[i].reason);
		/* The fault gone, the same right code works. */
		login_ok();
	}
}

/*
 * Each allocation the module makes, made to fail in turn: never a
 * success, never a crash, and the login after it succeeds.  Only the
 * module's own allocations are failed: failing every allocation in the
 * process finds libconfig 1.5's config_init() dereferencing an unchecked
 * malloc() (a crash of the host at out-of-memory that no caller can
 * prevent; reported upstream material, not this module's).
 */
static void
test_allocation_failures(void **st)
{
	long n, hits;
	int rc, failed = 0;

	(void)st;
	for (n = 1; n < 2000; n++) {
		fi_arm("malloc@mfa", n, ENOMEM);
		rc = login();
		hits = fi_disarm();
		if (hits == 0) {
			/* Fewer than n allocations: the login ran clean. */
			assert_int_equal(rc, PAM_SUCCESS);
			counter++;
			break;
		}
		assert_int_not_equal(rc, PAM_SUCCESS);
		assert_int_not_equal(rc, PAM_IGNORE);
		failed++;
		login_ok();
	}
	/* Every allocation the module made failed closed. */
	assert_int_equal(failed, n - 1);
	assert_true(failed >= 5);
	login_ok();
}

/*
 * The account step under the same failures: whichever allocation fails,
 * in the auth step or the account step, the two never both pass; with
 * none failing they do.  Then the account step on its own, deciding
 * from the config and the store: it passes an exempt user only when
 * nothing failed.
 */
static void
test_allocation_failures_account(void **st)
{
	char code[16];
	struct pam_conv conv = { mu_conv_answer, code };
	pam_handle_t *ph;
	long n, hits;
	int a, b = PAM_PERM_DENIED, failed = 0;

	(void)st;
	for (n = 1; n < 2000; n++) {
		mu_hotp(code, mu_secrets_hex[0], counter);
		ph = NULL;
		assert_int_equal(pam_start("mfa_acct", "hal", &conv, &ph),
		    PAM_SUCCESS);
		fi_arm("malloc@mfa", n, ENOMEM);
		a = pam_authenticate(ph, 0);
		if (a == PAM_SUCCESS)
			b = pam_acct_mgmt(ph, 0);
		hits = fi_disarm();
		pam_end(ph, a);
		if (hits == 0) {
			assert_int_equal(a, PAM_SUCCESS);
			assert_int_equal(b, PAM_SUCCESS);
			counter++;
			break;
		}
		assert_false(a == PAM_SUCCESS && b == PAM_SUCCESS);
		failed++;
		login_ok();
	}
	assert_int_equal(failed, n - 1);
	assert_true(failed >= 5);
	login_ok();

	/* The account step reading the config and the store itself (no
	 * auth step of pam_mfa ran): an exempt user passes only when no
	 * allocation failed. */
	failed = 0;
	for (n = 1; n < 2000; n++) {
		ph = NULL;
		assert_int_equal(pam_start("acct_exempt", "ghost", &conv, &ph),
		    PAM_SUCCESS);
		assert_int_equal(pam_authenticate(ph, 0), PAM_SUCCESS);
		fi_arm("malloc@mfa", n, ENOMEM);
		b = pam_acct_mgmt(ph, 0);
		hits = fi_disarm();
		pam_end(ph, b);
		if (hits == 0) {
			assert_int_equal(b, PAM_SUCCESS);
			break;
		}
		assert_int_not_equal(b, PAM_SUCCESS);
		failed++;
	}
	assert_int_equal(failed, n - 1);
	assert_true(failed >= 3);
}

static void
state_path(char *buf, size_t len, const char *ext)
{
	snprintf(buf, len, "%s/hal.%s", mu_state_dir, ext);
}

static void
save(const char *path, unsigned char *buf, size_t *len)
{
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	*len = (size_t)read(fd, buf, 4096);
	close(fd);
}

static void
restore(const char *path, const unsigned char *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_TRUNC);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);
}

static void
damage(const char *path, const unsigned char *data, size_t len)
{
	restore(path, data, len);
}

static void
test_damaged_records(void **st)
{
	unsigned char tok[4096], sta[4096], junk[2048];
	char tpath[512], spath[512];
	size_t tlen, slen;
	int i;

	(void)st;
	state_path(tpath, sizeof(tpath), "token");
	state_path(spath, sizeof(spath), "state");
	save(tpath, tok, &tlen);
	save(spath, sta, &slen);
	assert_int_equal(tlen, TOKEN_FILE_SIZE);
	assert_int_equal(crypto_random(junk, sizeof(junk)), MFA_OK);

	struct {
		const char *what, *path, *reason;
		const unsigned char *data;
		size_t len;
	} cases[] = {
		{ "state: garbage", spath, "reason=corrupt_state", junk,
		    STATE_FILE_SIZE },
		{ "state: truncated", spath, "reason=corrupt_state", sta, 300 },
		{ "state: oversized", spath, "reason=corrupt_state", junk,
		    2000 },
		{ "token: garbage", tpath, "reason=corrupt_state", junk,
		    TOKEN_FILE_SIZE },
		{ "token: truncated", tpath, "reason=corrupt_state", tok, 1000 },
		{ "token: oversized", tpath, "reason=corrupt_state", junk,
		    1500 },
		{ "token: empty", tpath, "reason=corrupt_state", tok, 0 },
	};
	for (i = 0; i < (int)(sizeof(cases) / sizeof(cases[0])); i++) {
		damage(cases[i].path, cases[i].data, cases[i].len);
		if (login() != PAM_AUTH_ERR)
			fail_msg("%s: not denied", cases[i].what);
		if (!mu_log_wait("result=deny", cases[i].reason))
			fail_msg("%s: no %s line", cases[i].what,
			    cases[i].reason);
		restore(tpath, tok, tlen);
		restore(spath, sta, slen);
		login_ok();
		save(spath, sta, &slen);
	}

	/* Written by a newer pam_mfa: refused as such, not as damage. */
	memcpy(junk, tok, tlen);
	junk[4] = (unsigned char)(TOKEN_VERSION + 1);
	assert_int_equal(crypto_digest(junk, TOKEN_FILE_SIZE - 32,
	    junk + TOKEN_FILE_SIZE - 32), MFA_OK);
	damage(tpath, junk, tlen);
	assert_int_equal(login(), PAM_AUTH_ERR);
	assert_true(mu_log_wait("result=deny", "reason=state_version"));
	restore(tpath, tok, tlen);
	memcpy(junk, sta, slen);
	for (i = 0; i * STATE_SLOT_SIZE < (int)slen; i++) {
		unsigned char *slot = junk + i * STATE_SLOT_SIZE;

		if (memcmp(slot, "MFAS", 4) != 0)
			continue;
		slot[4] = STATE_VERSION + 1;
		assert_int_equal(crypto_digest(slot, STATE_RECORD_SIZE - 32,
		    slot + STATE_RECORD_SIZE - 32), MFA_OK);
	}
	damage(spath, junk, slen);
	assert_int_equal(login(), PAM_AUTH_ERR);
	assert_true(mu_log_wait("result=deny", "reason=state_version"));
	restore(spath, sta, slen);
	login_ok();
}

static void
test_config_faults(void **st)
{
	char code[16];

	(void)st;
	mu_hotp(code, mu_secrets_hex[0], counter);
	assert_int_equal(mu_auth("noconf", "hal", code), PAM_SERVICE_ERR);
	assert_true(mu_log_wait("reason=config_error", "file not found"));
	assert_int_equal(mu_auth("confisdir", "hal", code), PAM_SERVICE_ERR);
	assert_true(mu_log_wait("reason=config_error", NULL));
	assert_int_equal(mu_auth("badsyntax", "hal", code), PAM_SERVICE_ERR);
	assert_true(mu_log_wait("reason=config_error", "syntax error"));
	login_ok();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_enroll_and_control),
		cmocka_unit_test(test_io_faults),
		cmocka_unit_test(test_allocation_failures),
		cmocka_unit_test(test_allocation_failures_account),
		cmocka_unit_test(test_damaged_records),
		cmocka_unit_test(test_config_faults),
		cmocka_unit_test(mu_test_no_secret_in_log),
	};

	if (getenv("MFA_TEST_DIR") != NULL && setup_fi(NULL) != 0) {
		fprintf(stderr, "faultinject.so not preloaded\n");
		return 1;
	}
	return mu_main("test_faults_pam", tests,
	    sizeof(tests) / sizeof(tests[0]), fixtures);
}
