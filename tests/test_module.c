/*
 * test_module.c - pam_mfa.so through the real libpam (pam_wrapper supplies
 * private service files, libpamtest drives the conversation): enrolled
 * users with codes computed by oathtool, wrong, replayed, stale, malformed
 * and unenrolled attempts, unsafe or unwritable stores, racing logins, and
 * the syslog line each decision leaves.  Runs as root inside a private
 * mount namespace (with-logsink.sh) whose /dev/log is $MFA_TEST_LOG's sink.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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
#include <signal.h>
#include <sys/mount.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "modutil.h"
#include "testutil.h"


/*
 * The per-user lock (the state file's flock) is exclusive: while anyone
 * else holds it, even shared, a login waits lock_wait_ms and is refused
 * as state_busy, its code not spent.  Deterministic, unlike a race.
 */
static void
test_user_lock_exclusive(void **st)
{
	char code[16], path[512];
	int fd;

	(void)st;
	mu_enroll("shlock", MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[3]);
	/* A first login makes the state file. */
	mu_totp(code, "sha1", 6, 30, mu_secrets_hex[3], -30);
	assert_int_equal(mu_auth("mfa_lockwait", "shlock", code), PAM_SUCCESS);
	assert_true(mu_log_wait("result=accept", "user=shlock"));
	snprintf(path, sizeof(path), "%s/shlock.state", mu_state_dir);
	assert_true((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0);
	assert_int_equal(flock(fd, LOCK_SH | LOCK_NB), 0);
	mu_totp(code, "sha1", 6, 30, mu_secrets_hex[3], 0);
	assert_int_equal(mu_auth("mfa_lockwait", "shlock", code),
	    PAM_AUTH_ERR);
	assert_true(mu_log_wait("result=deny reason=state_busy user=shlock",
	    NULL));
	close(fd);
	/* Released: the same code, never spent, logs in. */
	assert_int_equal(mu_auth("mfa_lockwait", "shlock", code), PAM_SUCCESS);
	assert_true(mu_log_wait("result=accept reason=ok user=shlock",
	    "service=mfa_lockwait"));
}

static void
write_fixtures(void)
{
	char path[512], body[8192];

	snprintf(mu_state_dir, sizeof(mu_state_dir), "%s/state", mu_dir);
	snprintf(mu_conf_path, sizeof(mu_conf_path), "%s/mfa.conf", mu_dir);
	mu_write_conf(mu_conf_path, "deny = 100;\n");
	mu_service_with_conf("mfa", mu_conf_path, "");
	/* A VPN-like stack: the code, then the password module's verdict. */
	snprintf(body, sizeof(body), "auth requisite %s conf=%s\n"
	    "auth required pam_permit.so\n", getenv("MFA_MODULE"), mu_conf_path);
	mu_write_service("mfa_stack", body);

	snprintf(path, sizeof(path), "%s/ignore.conf", mu_dir);
	mu_write_conf(path, "unenrolled = \"ignore\";\n");
	mu_service_with_conf("mfa_ignore", path, "");
	mu_service_with_conf("mfa_ignore_stack", path,
	    "auth required pam_permit.so\n");
	snprintf(path, sizeof(path), "%s/groups.conf", mu_dir);
	mu_write_conf(path, "unenrolled = \"ignore\";\n"
	    "unenrolled_groups = [ \"root\" ];\n");
	mu_service_with_conf("mfa_groups", path, "");

	snprintf(path, sizeof(path), "%s/missing.conf", mu_dir);
	mu_service_with_conf("mfa_noconf", path, "");
	snprintf(path, sizeof(path), "%s/writable.conf", mu_dir);
	mu_write_conf(path, "");
	assert_int_equal(chmod(path, 0666), 0);
	mu_service_with_conf("mfa_wconf", path, "");
	snprintf(path, sizeof(path), "%s/unknown.conf", mu_dir);
	mu_write_conf(path, "windwo = 3;\n");
	mu_service_with_conf("mfa_uconf", path, "");
	snprintf(body, sizeof(body), "auth required %s conf=%s debug\n",
	    getenv("MFA_MODULE"), mu_conf_path);
	mu_write_service("mfa_badarg", body);
	snprintf(path, sizeof(path), "%s/lockwait.conf", mu_dir);
	mu_write_conf(path, "deny = 100;\nlock_wait_ms = 200;\n");
	mu_service_with_conf("mfa_lockwait", path, "");
}

static void
test_totp_valid_then_replay(void **st)
{
	char code[16];

	(void)st;
	mu_enroll("alice", MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[0]);
	mu_totp(code, "sha1", 6, 30, mu_secrets_hex[0], 0);
	assert_int_equal(mu_auth("mfa", "alice", code), PAM_SUCCESS);
	assert_true(mu_log_wait("result=accept reason=ok user=alice service=mfa",
	    NULL));
	/* The same code again, in its own window: a replay. */
	assert_int_equal(mu_auth("mfa", "alice", code), PAM_AUTH_ERR);
	assert_true(mu_log_wait("result=deny reason=replay user=alice", NULL));
	/* A VPN stack ends in the same verdicts. */
	assert_int_equal(mu_auth("mfa_stack", "alice", code), PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=replay", NULL));
}

static void
test_totp_wrong_and_stale(void **st)
{
	char code[16], wrong[16];

	(void)st;
	mu_enroll("bob", MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[2]);
	mu_totp(code, "sha1", 6, 30, mu_secrets_hex[2], 0);
	snprintf(wrong, sizeof(wrong), "%06d", (atoi(code) + 500000) % 1000000);
	assert_int_equal(mu_auth("mfa", "bob", wrong), PAM_AUTH_ERR);
	assert_true(mu_log_wait("result=deny reason=bad_code user=bob",
	    "failures=1"));
	/* Five minutes old and five minutes ahead: outside window 1. */
	mu_totp(code, "sha1", 6, 30, mu_secrets_hex[2], -300);
	assert_int_equal(mu_auth("mfa", "bob", code), PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=bad_code user=bob", "failures=2"));
	mu_totp(code, "sha1", 6, 30, mu_secrets_hex[2], 300);
	assert_int_equal(mu_auth("mfa", "bob", code), PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=bad_code user=bob", "failures=3"));
	/* One step old is inside the default window; success clears. */
	mu_totp(code, "sha1", 6, 30, mu_secrets_hex[2], -30);
	assert_int_equal(mu_auth("mfa", "bob", code), PAM_SUCCESS);
	assert_true(mu_log_wait("result=accept reason=ok user=bob", NULL));
	/* Once a newer step is used, an older one is a replay. */
	mu_totp(code, "sha1", 6, 30, mu_secrets_hex[2], 0);
	if (mu_auth("mfa", "bob", code) == PAM_SUCCESS) {
		assert_true(mu_log_wait("result=accept", "user=bob"));
		mu_totp(code, "sha1", 6, 30, mu_secrets_hex[2], -30);
		assert_int_equal(mu_auth("mfa", "bob", code), PAM_AUTH_ERR);
		assert_true(mu_log_wait("reason=replay user=bob", NULL));
	}
}

static void
test_totp_sha256_8_digits_60s(void **st)
{
	char code[16], code2[16];

	(void)st;
	mu_enroll("carol", MFA_TOTP, MFA_SHA256, 8, 60, mu_secrets_hex[1]);
	mu_totp(code, "sha256", 8, 60, mu_secrets_hex[1], 0);
	assert_int_equal(strlen(code), 8);
	/* Six of the eight digits are not a code for this token. */
	assert_int_equal(mu_auth("mfa", "carol", code + 2), PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=bad_code user=carol", NULL));
	assert_int_equal(mu_auth("mfa", "carol", code), PAM_SUCCESS);
	assert_true(mu_log_wait("result=accept", "user=carol"));
	/* SHA512 likewise, through the CLI-independent path. */
	mu_enroll("carol512", MFA_TOTP, MFA_SHA512, 8, 30, mu_secrets_hex[1]);
	mu_totp(code2, "sha512", 8, 30, mu_secrets_hex[1], 0);
	assert_int_equal(mu_auth("mfa", "carol512", code2), PAM_SUCCESS);
	assert_true(mu_log_wait("result=accept", "user=carol512"));
}

static void
test_hotp_lookahead_and_floor(void **st)
{
	char code[16];

	(void)st;
	mu_enroll("dave", MFA_HOTP, MFA_SHA1, 6, 30, mu_secrets_hex[3]);
	mu_hotp(code, mu_secrets_hex[3], 0);
	assert_int_equal(mu_auth("mfa", "dave", code), PAM_SUCCESS);
	assert_int_equal(mu_auth("mfa", "dave", code), PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=replay user=dave", NULL));
	/* Beyond the look-ahead (10): refused, and the counter stays. */
	mu_hotp(code, mu_secrets_hex[3], 12);
	assert_int_equal(mu_auth("mfa", "dave", code), PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=bad_code user=dave", NULL));
	mu_hotp(code, mu_secrets_hex[3], 5);
	assert_int_equal(mu_auth("mfa", "dave", code), PAM_SUCCESS);
	/* Skipped counters below the accepted one are now used up. */
	mu_hotp(code, mu_secrets_hex[3], 3);
	assert_int_equal(mu_auth("mfa", "dave", code), PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=replay user=dave", NULL));
	/* A failure did not move the counter: 6 is still good. */
	mu_hotp(code, mu_secrets_hex[3], 6);
	assert_int_equal(mu_auth("mfa", "dave", code), PAM_SUCCESS);
}

static void
test_unenrolled_denied_by_default(void **st)
{
	(void)st;
	assert_int_equal(mu_auth("mfa", "nobody-enrolled", "123456"),
	    PAM_AUTH_ERR);
	assert_true(mu_log_wait("result=deny reason=not_enrolled "
	    "user=nobody-enrolled", NULL));
}

static void
test_unenrolled_ignore(void **st)
{
	(void)st;
	/* PAM_IGNORE, never PAM_SUCCESS: alone in a stack it can't pass. */
	assert_int_equal(mu_auth("mfa_ignore", "unenrolled1", "123456"),
	    PAM_PERM_DENIED);
	assert_true(mu_log_wait("result=ignore reason=not_enrolled "
	    "user=unenrolled1", NULL));
	assert_int_equal(mu_auth("mfa_ignore_stack", "unenrolled1", "123456"),
	    PAM_SUCCESS);
	assert_true(mu_log_wait("result=ignore", "user=unenrolled1"));

	/* Only members of the named groups: root is in group root. */
	assert_int_equal(mu_auth("mfa_groups", "root", "123456"), PAM_PERM_DENIED);
	assert_true(mu_log_wait("result=ignore reason=not_enrolled user=root",
	    NULL));
	assert_int_equal(mu_auth("mfa_groups", "nobody", "123456"), PAM_AUTH_ERR);
	assert_true(mu_log_wait("result=deny reason=not_enrolled user=nobody",
	    NULL));
}

static void
test_bad_codes(void **st)
{
	static const char *const bad[] = {
		"", "12345a", "12 456", " 123456", "123456 ", "+12345",
		"-12345", "12345678901", "١٢٣٤٥٦", "12\n456", "0x1234",
		"\xff\xfe\xfd\xfc\xfb\xfa",
	};
	char huge[4096];
	size_t i;

	(void)st;
	mu_enroll("erin", MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[0]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(mu_auth("mfa", "erin", bad[i]), PAM_AUTH_ERR);
		assert_true(mu_log_wait("result=deny reason=bad_input user=erin",
		    NULL));
	}
	memset(huge, '1', sizeof(huge) - 1);
	huge[sizeof(huge) - 1] = '\0';
	assert_int_equal(mu_auth("mfa", "erin", huge), PAM_AUTH_ERR);
	assert_true(mu_log_wait("result=deny reason=bad_input user=erin", NULL));
}

/* Names of files in the state directory, for "nothing else touched". */
static int
count_entries(const char *path)
{
	struct dirent *e;
	DIR *d = opendir(path);
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

/*
 * Refused before anything else, and logged as typed but escaped and
 * bounded (every byte outside printable ASCII, space, '=' and '\' as
 * \xHH; cut at 64 bytes with "\..."): a name can't add or hide a field.
 */
static void
test_bad_user_names(void **st)
{
	static const struct {
		const char *name, *logged;
	} bad[] = {
		{ "../alice", "../alice" }, { "..", ".." }, { ".", "." },
		{ "a/b", "a/b" }, { "/etc/passwd", "/etc/passwd" },
		{ "alice\n", "alice\\x0a" }, { "al ice", "al\\x20ice" },
		{ "alice\t", "alice\\x09" }, { "\x1b[31mred", "\\x1b[31mred" },
		{ "\xff\xfe", "\\xff\\xfe" }, { "caf\xc3\xa9", "caf\\xc3\\xa9" },
		{ "-rf", "-rf" }, { ".hidden", ".hidden" }, { "a:b", "a:b" },
		{ "a%2fb", "a%2fb" }, { "HOSP\\vpnalice", "HOSP\\x5cvpnalice" },
		{ "x result=accept", "x\\x20result\\x3daccept" },
		{ "a\\...", "a\\x5c..." },
	};
	char huge[300], parent[PATH_MAX], want[160];
	int before_state, before_dir;
	size_t i;

	(void)st;
	mu_enroll("frank", MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[0]);
	before_state = count_entries(mu_state_dir);
	before_dir = count_entries(mu_dir);
	snprintf(parent, sizeof(parent), "%s", mu_dir);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(mu_auth("mfa", bad[i].name, "123456"),
		    PAM_AUTH_ERR);
		snprintf(want, sizeof(want), "result=deny reason=bad_input "
		    "user=%s service=", bad[i].logged);
		if (!mu_log_wait(want, "detail=invalid_user_name"))
			fail_msg("no line with \"%s\"", want);
	}
	memset(huge, 'a', sizeof(huge) - 1);
	huge[sizeof(huge) - 1] = '\0';
	assert_int_equal(mu_auth("mfa", huge, "123456"), PAM_AUTH_ERR);
	/* 64 bytes of it, and the mark that there was more. */
	snprintf(want, sizeof(want), "reason=bad_input user=%.64s\\... "
	    "service=", huge);
	assert_true(mu_log_wait(want, NULL));
	/* Escapes count toward the 64: none is cut in two. */
	memset(huge, ' ', 40);
	huge[40] = '\0';
	assert_int_equal(mu_auth("mfa", huge, "123456"), PAM_AUTH_ERR);
	assert_true(mu_log_wait("user=\\x20\\x20\\x20\\x20\\x20\\x20\\x20"
	    "\\x20\\x20\\x20\\x20\\x20\\x20\\x20\\x20\\x20\\... service=",
	    NULL));
	/* Nothing was created, in the store or beside it. */
	assert_int_equal(count_entries(mu_state_dir), before_state);
	assert_int_equal(count_entries(parent), before_dir);
}

static void
test_config_errors(void **st)
{
	(void)st;
	assert_int_equal(mu_auth("mfa_noconf", "alice", "123456"),
	    PAM_SERVICE_ERR);
	assert_true(mu_log_wait("result=deny reason=config_error", "not found"));
	assert_int_equal(mu_auth("mfa_wconf", "alice", "123456"),
	    PAM_SERVICE_ERR);
	assert_true(mu_log_wait("reason=config_error", "writable only by root"));
	assert_int_equal(mu_auth("mfa_uconf", "alice", "123456"),
	    PAM_SERVICE_ERR);
	assert_true(mu_log_wait("reason=config_error", "windwo: unknown key"));
	assert_int_equal(mu_auth("mfa_badarg", "alice", "123456"),
	    PAM_SERVICE_ERR);
	assert_true(mu_log_wait("reason=config_error", "bad_module_argument"));
}

static void
test_unsafe_store(void **st)
{
	char code[16], path[512], target[512];

	(void)st;
	mu_enroll("gina", MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[2]);
	/* State directory readable by others. */
	assert_int_equal(chmod(mu_state_dir, 0755), 0);
	mu_totp(code, "sha1", 6, 30, mu_secrets_hex[2], 0);
	assert_int_equal(mu_auth("mfa", "gina", code), PAM_AUTH_ERR);
	assert_true(mu_log_wait("result=deny reason=unsafe_file user=gina", NULL));
	assert_int_equal(chmod(mu_state_dir, 0700), 0);

	/* A token readable by others. */
	snprintf(path, sizeof(path), "%s/gina.token", mu_state_dir);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(mu_auth("mfa", "gina", code), PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=unsafe_file user=gina", NULL));
	assert_int_equal(chmod(path, 0600), 0);

	/* A state file that is a symlink to a file elsewhere. */
	snprintf(path, sizeof(path), "%s/gina.state", mu_state_dir);
	snprintf(target, sizeof(target), "%s/elsewhere", mu_dir);
	assert_int_equal(tu_write_file(target, "", 0600), 0);
	unlink(path);
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(mu_auth("mfa", "gina", code), PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=unsafe_file user=gina", NULL));
	{
		struct stat sb;

		assert_int_equal(stat(target, &sb), 0);
		assert_int_equal(sb.st_size, 0);	/* not written */
	}
	unlink(path);
	assert_int_equal(mu_auth("mfa", "gina", code), PAM_SUCCESS);
}

/* The size of path, and whether its second slot is still empty. */
static off_t
state_shape(const char *path, int *slot1_empty)
{
	unsigned char buf[1024], zero[512];
	struct stat sb;
	int fd;

	memset(zero, 0, sizeof(zero));
	assert_true((fd = open(path, O_RDONLY)) >= 0);
	assert_int_equal(fstat(fd, &sb), 0);
	memset(buf, 0, sizeof(buf));
	assert_true(read(fd, buf, sizeof(buf)) >= 0);
	close(fd);
	assert_true(memcmp(buf, "MFAS", 4) == 0);
	*slot1_empty = memcmp(buf + 512, zero, 512) == 0;
	return sb.st_size;
}

/*
 * The first write of a state file (at enrollment) gives it both slots,
 * the second empty, so it grows once: the user's first login and every
 * later one overwrite a slot in place (store_file.c rule 3: nothing about
 * the file's size for an fdatasync to flush).
 */
static void
test_state_grows_once(void **st)
{
	char code[16], path[512];
	unsigned long c;
	int empty;

	(void)st;
	mu_enroll("stan", MFA_HOTP, MFA_SHA1, 6, 30, mu_secrets_hex[0]);
	snprintf(path, sizeof(path), "%s/stan.state", mu_state_dir);
	assert_int_equal(state_shape(path, &empty), 1024);
	assert_true(empty);
	for (c = 0; c < 3; c++) {
		mu_hotp(code, mu_secrets_hex[0], c);
		assert_int_equal(mu_auth("mfa", "stan", code), PAM_SUCCESS);
		assert_int_equal(state_shape(path, &empty), 1024);
		assert_false(empty);
	}
	/* The codes used stay used. */
	assert_int_equal(mu_auth("mfa", "stan", code), PAM_AUTH_ERR);
	/* A state file created empty (a login killed before its first
	 * write) is given both slots by the next write as well. */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(tu_write_file(path, "", 0600), 0);
	mu_hotp(code, mu_secrets_hex[0], 3);
	assert_int_equal(mu_auth("mfa", "stan", code), PAM_SUCCESS);
	assert_int_equal(state_shape(path, &empty), 1024);
	assert_true(empty);
}

static void
test_store_not_writable(void **st)
{
	char code[16];

	(void)st;
	mu_enroll("hank", MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[3]);
	/* A read-only file system under the store (private namespace). */
	assert_int_equal(mount(mu_state_dir, mu_state_dir, "none", MS_BIND,
	    NULL), 0);
	assert_int_equal(mount("none", mu_state_dir, "none",
	    MS_BIND | MS_REMOUNT | MS_RDONLY, NULL), 0);
	mu_totp(code, "sha1", 6, 30, mu_secrets_hex[3], 0);
	assert_int_equal(mu_auth("mfa", "hank", code), PAM_AUTH_ERR);
	assert_true(mu_log_wait("result=deny reason=state_error user=hank", NULL));
	assert_int_equal(umount(mu_state_dir), 0);
	assert_int_equal(mu_auth("mfa", "hank", code), PAM_SUCCESS);
	assert_true(mu_log_wait("result=accept", "user=hank"));
}

/* PAM_RHOST reaches the log line, reduced to a safe field, and the state
 * record that pam-mfa status shows. */
static void
test_rhost_logged_and_recorded(void **st)
{
	char code[16], out[512];

	(void)st;
	mu_enroll("jane", MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[1]);
	mu_totp(code, "sha1", 6, 30, mu_secrets_hex[1], 0);
	assert_int_equal(mu_auth_rhost("mfa", "jane", "000000x",
	    "203.0.113.9 evil=1\nforged"), PAM_AUTH_ERR);
	assert_true(mu_log_wait("result=deny reason=bad_input user=jane "
	    "service=mfa rhost=203.0.113.9?evil?1?forged", NULL));
	assert_int_equal(mu_auth_rhost("mfa", "jane", code, "198.51.100.7"),
	    PAM_SUCCESS);
	assert_true(mu_log_wait("result=accept reason=ok user=jane service=mfa "
	    "rhost=198.51.100.7", NULL));
	assert_int_equal(mu_cli(out, sizeof(out), mu_conf_path, "status",
	    "jane", (char *)NULL), 0);
	assert_non_null(strstr(out, "jane enrolled=yes pending=no "
	    "token=totp/SHA1/6/30 backup_codes=0/0 "
	    "failures=0 locked=no lock_step=0 last_success="));
	assert_non_null(strstr(out, " last_rhost=198.51.100.7 uid=-\n"));
}

/* The codes oathtool computes for secret from k steps back to k ahead. */
static int
in_window(const char *code, const char *secret_hex, int k)
{
	char c[16];
	int i;

	for (i = -k; i <= k; i++) {
		mu_totp(c, "sha1", 6, 30, secret_hex, 30L * i);
		if (strcmp(c, code) == 0)
			return 1;
	}
	return 0;
}

/*
 * code with the digit at pos changed, by (d + delta) % 10 for the first
 * delta from 5 on that makes a code outside the window (oathtool, three
 * steps either way): so never the right code, whatever the digits.
 */
static void
one_digit_off(char out[16], const char *code, size_t pos,
    const char *secret_hex)
{
	static const int deltas[] = { 5, 4, 6, 3, 7, 2, 8, 1, 9 };
	size_t i;

	for (i = 0; i < sizeof(deltas) / sizeof(deltas[0]); i++) {
		snprintf(out, 16, "%s", code);
		out[pos] = (char)('0' + (code[pos] - '0' + deltas[i]) % 10);
		if (!in_window(out, secret_hex, 3)) {
			mu_remember(out);
			return;
		}
	}
	fail_msg("no one-digit change of %s is outside the window", code);
}

/* Every digit counts: the right code with only its last, or only its
 * first, digit changed is refused; the right code then passes. */
static void
test_one_digit_off(void **st)
{
	char code[16], bad[16];

	(void)st;
	mu_enroll("lena", MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[1]);
	mu_totp(code, "sha1", 6, 30, mu_secrets_hex[1], 0);
	one_digit_off(bad, code, 5, mu_secrets_hex[1]);
	assert_memory_equal(bad, code, 5);
	assert_int_equal(mu_auth("mfa", "lena", bad), PAM_AUTH_ERR);
	assert_true(mu_log_wait("result=deny reason=bad_code user=lena",
	    "failures=1"));
	one_digit_off(bad, code, 0, mu_secrets_hex[1]);
	assert_string_equal(bad + 1, code + 1);
	assert_int_equal(mu_auth("mfa", "lena", bad), PAM_AUTH_ERR);
	assert_true(mu_log_wait("result=deny reason=bad_code user=lena",
	    "failures=2"));
	mu_totp(code, "sha1", 6, 30, mu_secrets_hex[1], 0);
	assert_int_equal(mu_auth("mfa", "lena", code), PAM_SUCCESS);
	assert_true(mu_log_wait("result=accept reason=ok user=lena", NULL));
}

/*
 * A state that can't be written denies: the store opens and locks, but
 * the write of the verdict fails (a file size limit of 0, SIGXFSZ
 * ignored, in a child).  The right code is refused, and, as nothing was
 * recorded, accepted afterwards.
 */
static void
test_state_write_fails(void **st)
{
	struct pam_conv conv = { NULL, NULL };
	char code[16];
	int status;
	pid_t pid;

	(void)st;
	/* Through pam_mfa_helper (test_helper.sh runs this suite as a
	 * member of its group), the caller's limits are the caller's: the
	 * helper resets them at its clean start, as it must, and
	 * test_helper.sh checks that a hostile start changes nothing. */
	if (getenv("MFA_AS_UID") != NULL)
		skip();
	mu_enroll("mona", MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[2]);
	mu_totp(code, "sha1", 6, 30, mu_secrets_hex[2], -30);
	/* A first login, so the state file exists and has a record. */
	assert_int_equal(mu_auth("mfa", "mona", code), PAM_SUCCESS);
	assert_true(mu_log_wait("result=accept reason=ok user=mona", NULL));
	mu_totp(code, "sha1", 6, 30, mu_secrets_hex[2], 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit rl;
		pam_handle_t *ph = NULL;

		/* pam_wrapper sets itself up (writing files) on its first
		 * pam_start: before the limit. */
		if (pam_start("mu-warmup", "nobody", &conv, &ph) == PAM_SUCCESS)
			pam_end(ph, PAM_SUCCESS);
		signal(SIGXFSZ, SIG_IGN);
		if (getrlimit(RLIMIT_FSIZE, &rl) != 0)
			_exit(3);
		rl.rlim_cur = 0;
		if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
			_exit(3);
		_exit(mu_auth("mfa", "mona", code) == PAM_AUTH_ERR ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_true(mu_log_wait("result=deny reason=state_error user=mona",
	    NULL));
	assert_int_equal(mu_auth("mfa", "mona", code), PAM_SUCCESS);
	assert_true(mu_log_wait("result=accept reason=ok user=mona", NULL));
}

static int
race_login(int i, void *code)
{
	(void)i;
	return mu_auth("mfa", "ivan", code) == PAM_SUCCESS ? 0 : 1;
}

/*
 * N processes send the same valid code at the same moment: exactly one
 * is accepted.
 */
static void
test_race_same_code(void **st)
{
	enum { N = 16 };
	char code[16];

	(void)st;
	mu_enroll("ivan", MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[0]);
	mu_totp(code, "sha1", 6, 30, mu_secrets_hex[0], 0);
	assert_int_equal(mu_race(N, race_login, code), 1);
	/* Every loser reached the module and was refused as a replay. */
	assert_int_equal(mu_log_count("result=accept reason=ok user=ivan ", 1),
	    1);
	assert_int_equal(mu_log_count("result=deny reason=replay user=ivan ",
	    N - 1), N - 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_totp_valid_then_replay),
		cmocka_unit_test(test_totp_wrong_and_stale),
		cmocka_unit_test(test_totp_sha256_8_digits_60s),
		cmocka_unit_test(test_hotp_lookahead_and_floor),
		cmocka_unit_test(test_unenrolled_denied_by_default),
		cmocka_unit_test(test_unenrolled_ignore),
		cmocka_unit_test(test_bad_codes),
		cmocka_unit_test(test_bad_user_names),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_unsafe_store),
		cmocka_unit_test(test_store_not_writable),
		cmocka_unit_test(test_one_digit_off),
		cmocka_unit_test(test_state_write_fails),
		cmocka_unit_test(test_rhost_logged_and_recorded),
		cmocka_unit_test(test_race_same_code),
		cmocka_unit_test(test_state_grows_once),
		cmocka_unit_test(test_user_lock_exclusive),
		cmocka_unit_test(mu_test_no_secret_in_log),
	};

	return mu_main("test_module", tests, sizeof(tests) / sizeof(tests[0]),
	    write_fixtures);
}
