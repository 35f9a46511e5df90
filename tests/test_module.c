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
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "store.h"
#include "testutil.h"
#include "token.h"

static char *dir;		/* private root-owned 0755 test directory */
static char state_dir[256];
static char conf_path[256];
static const char *logfile;
static size_t log_seen;		/* bytes of the log already examined */

/* Secrets used by the tests, searched for in the log at the end. */
static const char *const secrets_hex[] = {
	"3132333435363738393031323334353637383930",
	"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
	"a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4",
	"f0e1d2c3b4a5968778695a4b3c2d1e0ff0e1d2c3",
};
static char codes_used[64][16];
static int n_codes_used;

static void
remember_code(const char *code)
{
	if (n_codes_used < 64)
		snprintf(codes_used[n_codes_used++], sizeof(codes_used[0]),
		    "%s", code);
}

static void
write_conf(const char *path, const char *extra)
{
	char text[4096];

	snprintf(text, sizeof(text), "state_dir = \"%s\";\n%s", state_dir,
	    extra);
	assert_int_equal(tu_write_file(path, text, 0644), 0);
}

static void
write_service(const char *name, const char *body)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/svc/%s", dir, name);
	assert_int_equal(tu_write_file(path, body, 0644), 0);
}

static void
service_with_conf(const char *name, const char *conf, const char *tail)
{
	char body[8192];

	snprintf(body, sizeof(body), "auth required %s conf=%s\n%s",
	    getenv("MFA_MODULE"), conf, tail);
	write_service(name, body);
}

static void
hex_decode(const char *hex, unsigned char *out, size_t *len)
{
	size_t i, n = strlen(hex) / 2;

	for (i = 0; i < n; i++) {
		unsigned int b;
		char pair[3] = { hex[2 * i], hex[2 * i + 1], '\0' };

		b = (unsigned int)strtoul(pair, NULL, 16);
		out[i] = (unsigned char)b;
	}
	*len = n;
}

/* Enroll user with a known secret straight through the store API. */
static void
enroll(const char *user, enum mfa_otp_type type, enum mfa_algo algo,
    unsigned digits, unsigned period, const char *secret_hex)
{
	char errmsg[CONF_ERRMSG_MAX];
	struct mfa_conf *conf = NULL;
	struct mfa_store *store = NULL;
	struct mfa_token tok;

	memset(&tok, 0, sizeof(tok));
	tok.id = (uint64_t)random() + 1;
	tok.created = time(NULL);
	tok.type = type;
	tok.algo = algo;
	tok.digits = digits;
	tok.period = period;
	hex_decode(secret_hex, tok.secret, &tok.secret_len);
	assert_int_equal(conf_load(conf_path, &conf, errmsg), MFA_OK);
	assert_int_equal(store_create(conf), MFA_OK);
	assert_int_equal(store_open(conf, &store), MFA_OK);
	assert_int_equal(store_token_put(store, user, &tok), MFA_OK);
	store_close(store);
	conf_free(conf);
}

/* The TOTP code oathtool computes for secret at now + offset seconds. */
static void
totp_code(char out[16], const char *algo, unsigned digits, unsigned period,
    const char *secret_hex, long offset)
{
	char dopt[32], sopt[32], nopt[64], aopt[32];

	snprintf(aopt, sizeof(aopt), "--totp=%s", algo);
	snprintf(dopt, sizeof(dopt), "--digits=%u", digits);
	snprintf(sopt, sizeof(sopt), "--time-step-size=%us", period);
	snprintf(nopt, sizeof(nopt), "--now=@%lld",
	    (long long)time(NULL) + offset);
	assert_int_equal(tu_oathtool(out, 16, aopt, dopt, sopt, nopt,
	    secret_hex, (char *)NULL), 0);
	remember_code(out);
}

static void
hotp_code(char out[16], const char *secret_hex, unsigned long counter)
{
	char copt[48];

	snprintf(copt, sizeof(copt), "--counter=%lu", counter);
	assert_int_equal(tu_oathtool(out, 16, "--hotp", copt, secret_hex,
	    (char *)NULL), 0);
	remember_code(out);
}

/* Run pam_authenticate for user on service answering every echo-off
 * prompt with code; return what it returned. */
static int
auth(const char *service, const char *user, const char *code)
{
	const char *answers[] = { code, code, code, NULL };
	struct pamtest_conv_data conv = { .in_echo_off = answers };
	struct pam_testcase tests[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
	};

	enum pamtest_err perr;

	perr = run_pamtest(service, user, &conv, tests, NULL);
	/* Only a run that reached pam_authenticate tells anything. */
	if (perr != PAMTEST_ERR_OK && perr != PAMTEST_ERR_CASE)
		return -1000 - (int)perr;
	return tests[0].op_rv;
}

/*
 * Wait (bounded) until the log holds a new pam_mfa line containing every
 * fragment, and return 1; 0 if none came within two seconds.
 */
static int
log_wait(const char *f1, const char *f2)
{
	int tries;

	for (tries = 0; tries < 200; tries++) {
		char line[2048];
		FILE *f = fopen(logfile, "r");
		size_t pos = 0;
		int found = 0;

		if (f == NULL)
			return 0;
		while (fgets(line, sizeof(line), f) != NULL) {
			pos += strlen(line);
			if (pos <= log_seen || strstr(line, "pam_mfa(") == NULL)
				continue;
			if (strstr(line, f1) != NULL &&
			    (f2 == NULL || strstr(line, f2) != NULL)) {
				log_seen = pos;
				found = 1;
				break;
			}
		}
		fclose(f);
		if (found)
			return 1;
		usleep(10000);
	}
	return 0;
}

/*
 * Stage 1 (no pam_wrapper yet): make the private directory, the configs and
 * every service file, then re-exec under pam_wrapper, which copies the
 * service directory when it initialises.
 */
static void
write_fixtures(void)
{
	char path[512], body[8192];

	snprintf(state_dir, sizeof(state_dir), "%s/state", dir);
	snprintf(conf_path, sizeof(conf_path), "%s/mfa.conf", dir);
	write_conf(conf_path, "deny = 100;\n");
	service_with_conf("mfa", conf_path, "");
	/* A VPN-like stack: the code, then the password module's verdict. */
	snprintf(body, sizeof(body), "auth requisite %s conf=%s\n"
	    "auth required pam_permit.so\n", getenv("MFA_MODULE"), conf_path);
	write_service("mfa_stack", body);

	snprintf(path, sizeof(path), "%s/ignore.conf", dir);
	write_conf(path, "unenrolled = \"ignore\";\n");
	service_with_conf("mfa_ignore", path, "");
	service_with_conf("mfa_ignore_stack", path,
	    "auth required pam_permit.so\n");
	snprintf(path, sizeof(path), "%s/groups.conf", dir);
	write_conf(path, "unenrolled = \"ignore\";\n"
	    "unenrolled_groups = [ \"root\" ];\n");
	service_with_conf("mfa_groups", path, "");

	snprintf(path, sizeof(path), "%s/missing.conf", dir);
	service_with_conf("mfa_noconf", path, "");
	snprintf(path, sizeof(path), "%s/writable.conf", dir);
	write_conf(path, "");
	assert_int_equal(chmod(path, 0666), 0);
	service_with_conf("mfa_wconf", path, "");
	snprintf(path, sizeof(path), "%s/unknown.conf", dir);
	write_conf(path, "windwo = 3;\n");
	service_with_conf("mfa_uconf", path, "");
	snprintf(body, sizeof(body), "auth required %s conf=%s debug\n",
	    getenv("MFA_MODULE"), conf_path);
	write_service("mfa_badarg", body);
}

static int
setup(void **st)
{
	(void)st;
	logfile = getenv("MFA_TEST_LOG");
	dir = getenv("MFA_TEST_DIR");
	if (logfile == NULL || dir == NULL)
		return -1;
	dir = strdup(dir);
	snprintf(state_dir, sizeof(state_dir), "%s/state", dir);
	snprintf(conf_path, sizeof(conf_path), "%s/mfa.conf", dir);
	srandom((unsigned)getpid());
	return 0;
}

static int
teardown(void **st)
{
	(void)st;
	tu_rm_rf(dir);
	free(dir);
	return 0;
}

static void
test_totp_valid_then_replay(void **st)
{
	char code[16];

	(void)st;
	enroll("alice", MFA_TOTP, MFA_SHA1, 6, 30, secrets_hex[0]);
	totp_code(code, "sha1", 6, 30, secrets_hex[0], 0);
	assert_int_equal(auth("mfa", "alice", code), PAM_SUCCESS);
	assert_true(log_wait("result=accept reason=ok user=alice service=mfa",
	    NULL));
	/* The same code again, in its own window: a replay. */
	assert_int_equal(auth("mfa", "alice", code), PAM_AUTH_ERR);
	assert_true(log_wait("result=deny reason=replay user=alice", NULL));
	/* A VPN stack ends in the same verdicts. */
	assert_int_equal(auth("mfa_stack", "alice", code), PAM_AUTH_ERR);
	assert_true(log_wait("reason=replay", NULL));
}

static void
test_totp_wrong_and_stale(void **st)
{
	char code[16], wrong[16];

	(void)st;
	enroll("bob", MFA_TOTP, MFA_SHA1, 6, 30, secrets_hex[2]);
	totp_code(code, "sha1", 6, 30, secrets_hex[2], 0);
	snprintf(wrong, sizeof(wrong), "%06d", (atoi(code) + 500000) % 1000000);
	assert_int_equal(auth("mfa", "bob", wrong), PAM_AUTH_ERR);
	assert_true(log_wait("result=deny reason=bad_code user=bob",
	    "failures=1"));
	/* Five minutes old and five minutes ahead: outside window 1. */
	totp_code(code, "sha1", 6, 30, secrets_hex[2], -300);
	assert_int_equal(auth("mfa", "bob", code), PAM_AUTH_ERR);
	assert_true(log_wait("reason=bad_code user=bob", "failures=2"));
	totp_code(code, "sha1", 6, 30, secrets_hex[2], 300);
	assert_int_equal(auth("mfa", "bob", code), PAM_AUTH_ERR);
	assert_true(log_wait("reason=bad_code user=bob", "failures=3"));
	/* One step old is inside the default window; success clears. */
	totp_code(code, "sha1", 6, 30, secrets_hex[2], -30);
	assert_int_equal(auth("mfa", "bob", code), PAM_SUCCESS);
	assert_true(log_wait("result=accept reason=ok user=bob", NULL));
	/* Once a newer step is used, an older one is a replay. */
	totp_code(code, "sha1", 6, 30, secrets_hex[2], 0);
	if (auth("mfa", "bob", code) == PAM_SUCCESS) {
		assert_true(log_wait("result=accept", "user=bob"));
		totp_code(code, "sha1", 6, 30, secrets_hex[2], -30);
		assert_int_equal(auth("mfa", "bob", code), PAM_AUTH_ERR);
		assert_true(log_wait("reason=replay user=bob", NULL));
	}
}

static void
test_totp_sha256_8_digits_60s(void **st)
{
	char code[16], code2[16];

	(void)st;
	enroll("carol", MFA_TOTP, MFA_SHA256, 8, 60, secrets_hex[1]);
	totp_code(code, "sha256", 8, 60, secrets_hex[1], 0);
	assert_int_equal(strlen(code), 8);
	/* Six of the eight digits are not a code for this token. */
	assert_int_equal(auth("mfa", "carol", code + 2), PAM_AUTH_ERR);
	assert_true(log_wait("reason=bad_code user=carol", NULL));
	assert_int_equal(auth("mfa", "carol", code), PAM_SUCCESS);
	assert_true(log_wait("result=accept", "user=carol"));
	/* SHA512 likewise, through the CLI-independent path. */
	enroll("carol512", MFA_TOTP, MFA_SHA512, 8, 30, secrets_hex[1]);
	totp_code(code2, "sha512", 8, 30, secrets_hex[1], 0);
	assert_int_equal(auth("mfa", "carol512", code2), PAM_SUCCESS);
	assert_true(log_wait("result=accept", "user=carol512"));
}

static void
test_hotp_lookahead_and_floor(void **st)
{
	char code[16];

	(void)st;
	enroll("dave", MFA_HOTP, MFA_SHA1, 6, 30, secrets_hex[3]);
	hotp_code(code, secrets_hex[3], 0);
	assert_int_equal(auth("mfa", "dave", code), PAM_SUCCESS);
	assert_int_equal(auth("mfa", "dave", code), PAM_AUTH_ERR);
	assert_true(log_wait("reason=replay user=dave", NULL));
	/* Beyond the look-ahead (10): refused, and the counter stays. */
	hotp_code(code, secrets_hex[3], 12);
	assert_int_equal(auth("mfa", "dave", code), PAM_AUTH_ERR);
	assert_true(log_wait("reason=bad_code user=dave", NULL));
	hotp_code(code, secrets_hex[3], 5);
	assert_int_equal(auth("mfa", "dave", code), PAM_SUCCESS);
	/* Skipped counters below the accepted one are now used up. */
	hotp_code(code, secrets_hex[3], 3);
	assert_int_equal(auth("mfa", "dave", code), PAM_AUTH_ERR);
	assert_true(log_wait("reason=replay user=dave", NULL));
	/* A failure did not move the counter: 6 is still good. */
	hotp_code(code, secrets_hex[3], 6);
	assert_int_equal(auth("mfa", "dave", code), PAM_SUCCESS);
}

static void
test_unenrolled_denied_by_default(void **st)
{
	(void)st;
	assert_int_equal(auth("mfa", "nobody-enrolled", "123456"),
	    PAM_AUTH_ERR);
	assert_true(log_wait("result=deny reason=not_enrolled "
	    "user=nobody-enrolled", NULL));
}

static void
test_unenrolled_ignore(void **st)
{
	(void)st;
	/* PAM_IGNORE, never PAM_SUCCESS: alone in a stack it can't pass. */
	assert_int_equal(auth("mfa_ignore", "unenrolled1", "123456"),
	    PAM_PERM_DENIED);
	assert_true(log_wait("result=ignore reason=not_enrolled "
	    "user=unenrolled1", NULL));
	assert_int_equal(auth("mfa_ignore_stack", "unenrolled1", "123456"),
	    PAM_SUCCESS);
	assert_true(log_wait("result=ignore", "user=unenrolled1"));

	/* Only members of the named groups: root is in group root. */
	assert_int_equal(auth("mfa_groups", "root", "123456"), PAM_PERM_DENIED);
	assert_true(log_wait("result=ignore reason=not_enrolled user=root",
	    NULL));
	assert_int_equal(auth("mfa_groups", "nobody", "123456"), PAM_AUTH_ERR);
	assert_true(log_wait("result=deny reason=not_enrolled user=nobody",
	    NULL));
}

static void
test_bad_codes(void **st)
{
	static const char *const bad[] = {
		"", "12345a", "12 456", " 123456", "123456 ", "+12345",
		"-12345", "123456789", "١٢٣٤٥٦", "12\n456", "0x1234",
		"\xff\xfe\xfd\xfc\xfb\xfa",
	};
	char huge[4096];
	size_t i;

	(void)st;
	enroll("erin", MFA_TOTP, MFA_SHA1, 6, 30, secrets_hex[0]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(auth("mfa", "erin", bad[i]), PAM_AUTH_ERR);
		assert_true(log_wait("result=deny reason=bad_input user=erin",
		    NULL));
	}
	memset(huge, '1', sizeof(huge) - 1);
	huge[sizeof(huge) - 1] = '\0';
	assert_int_equal(auth("mfa", "erin", huge), PAM_AUTH_ERR);
	assert_true(log_wait("result=deny reason=bad_input user=erin", NULL));
}

/* Wait (bounded) until the log holds at least n pam_mfa lines with frag;
 * return how many it holds. */
static int
log_count(const char *frag, int n)
{
	int tries, count = 0;

	for (tries = 0; tries < 300; tries++) {
		char line[2048];
		FILE *f = fopen(logfile, "r");

		if (f == NULL)
			return 0;
		count = 0;
		while (fgets(line, sizeof(line), f) != NULL)
			if (strstr(line, "pam_mfa(") != NULL &&
			    strstr(line, frag) != NULL)
				count++;
		fclose(f);
		if (count >= n)
			break;
		usleep(10000);
	}
	return count;
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

static void
test_bad_user_names(void **st)
{
	static const char *const bad[] = {
		"../alice", "..", ".", "a/b", "/etc/passwd", "alice\n",
		"al ice", "alice\t", "\x1b[31mred", "\xff\xfe", "caf\xc3\xa9",
		"-rf", ".hidden", "a:b", "a%2fb",
	};
	char huge[300], parent[PATH_MAX];
	int before_state, before_dir;
	size_t i;

	(void)st;
	enroll("frank", MFA_TOTP, MFA_SHA1, 6, 30, secrets_hex[0]);
	before_state = count_entries(state_dir);
	before_dir = count_entries(dir);
	snprintf(parent, sizeof(parent), "%s", dir);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(auth("mfa", bad[i], "123456"), PAM_AUTH_ERR);
		assert_true(log_wait("result=deny reason=bad_input user=-",
		    "detail=invalid_user_name"));
	}
	memset(huge, 'a', sizeof(huge) - 1);
	huge[sizeof(huge) - 1] = '\0';
	assert_int_equal(auth("mfa", huge, "123456"), PAM_AUTH_ERR);
	assert_true(log_wait("reason=bad_input user=-", NULL));
	/* Nothing was created, in the store or beside it. */
	assert_int_equal(count_entries(state_dir), before_state);
	assert_int_equal(count_entries(parent), before_dir);
}

static void
test_config_errors(void **st)
{
	(void)st;
	assert_int_equal(auth("mfa_noconf", "alice", "123456"),
	    PAM_SERVICE_ERR);
	assert_true(log_wait("result=deny reason=config_error", "not found"));
	assert_int_equal(auth("mfa_wconf", "alice", "123456"),
	    PAM_SERVICE_ERR);
	assert_true(log_wait("reason=config_error", "writable only by root"));
	assert_int_equal(auth("mfa_uconf", "alice", "123456"),
	    PAM_SERVICE_ERR);
	assert_true(log_wait("reason=config_error", "windwo: unknown key"));
	assert_int_equal(auth("mfa_badarg", "alice", "123456"),
	    PAM_SERVICE_ERR);
	assert_true(log_wait("reason=config_error", "bad_module_argument"));
}

static void
test_unsafe_store(void **st)
{
	char code[16], path[512], target[512];

	(void)st;
	enroll("gina", MFA_TOTP, MFA_SHA1, 6, 30, secrets_hex[2]);
	/* State directory readable by others. */
	assert_int_equal(chmod(state_dir, 0755), 0);
	totp_code(code, "sha1", 6, 30, secrets_hex[2], 0);
	assert_int_equal(auth("mfa", "gina", code), PAM_AUTH_ERR);
	assert_true(log_wait("result=deny reason=unsafe_file user=gina", NULL));
	assert_int_equal(chmod(state_dir, 0700), 0);

	/* A token readable by others. */
	snprintf(path, sizeof(path), "%s/gina.token", state_dir);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(auth("mfa", "gina", code), PAM_AUTH_ERR);
	assert_true(log_wait("reason=unsafe_file user=gina", NULL));
	assert_int_equal(chmod(path, 0600), 0);

	/* A state file that is a symlink to a file elsewhere. */
	snprintf(path, sizeof(path), "%s/gina.state", state_dir);
	snprintf(target, sizeof(target), "%s/elsewhere", dir);
	assert_int_equal(tu_write_file(target, "", 0600), 0);
	unlink(path);
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(auth("mfa", "gina", code), PAM_AUTH_ERR);
	assert_true(log_wait("reason=unsafe_file user=gina", NULL));
	{
		struct stat sb;

		assert_int_equal(stat(target, &sb), 0);
		assert_int_equal(sb.st_size, 0);	/* not written */
	}
	unlink(path);
	assert_int_equal(auth("mfa", "gina", code), PAM_SUCCESS);
}

static void
test_store_not_writable(void **st)
{
	char code[16];

	(void)st;
	enroll("hank", MFA_TOTP, MFA_SHA1, 6, 30, secrets_hex[3]);
	/* A read-only file system under the store (private namespace). */
	assert_int_equal(mount(state_dir, state_dir, NULL, MS_BIND, NULL), 0);
	assert_int_equal(mount(NULL, state_dir, NULL,
	    MS_BIND | MS_REMOUNT | MS_RDONLY, NULL), 0);
	totp_code(code, "sha1", 6, 30, secrets_hex[3], 0);
	assert_int_equal(auth("mfa", "hank", code), PAM_AUTH_ERR);
	assert_true(log_wait("result=deny reason=state_error user=hank", NULL));
	assert_int_equal(umount(state_dir), 0);
	assert_int_equal(auth("mfa", "hank", code), PAM_SUCCESS);
	assert_true(log_wait("result=accept", "user=hank"));
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
	pid_t pids[N];
	int go[2], i, ok = 0, fail = 0;

	(void)st;
	enroll("ivan", MFA_TOTP, MFA_SHA1, 6, 30, secrets_hex[0]);
	totp_code(code, "sha1", 6, 30, secrets_hex[0], 0);
	assert_int_equal(pipe(go), 0);
	for (i = 0; i < N; i++) {
		char c;

		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			close(go[1]);
			/* Wait for the start signal: the pipe closing. */
			while (read(go[0], &c, 1) > 0)
				;
			_exit(auth("mfa", "ivan", code) == PAM_SUCCESS ? 0 : 1);
		}
	}
	close(go[0]);
	close(go[1]);
	for (i = 0; i < N; i++) {
		int status;

		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status));
		if (WEXITSTATUS(status) == 0)
			ok++;
		else
			fail++;
	}
	assert_int_equal(ok, 1);
	assert_int_equal(fail, N - 1);
	/* Every loser reached the module and was refused as a replay. */
	assert_int_equal(log_count("result=accept reason=ok user=ivan ", 1), 1);
	assert_int_equal(log_count("result=deny reason=replay user=ivan ",
	    N - 1), N - 1);
}

/* No secret and no code ever reached a log line. */
static void
test_no_secret_in_log(void **st)
{
	char line[4096];
	FILE *f;
	size_t i;
	int n, lines = 0;

	(void)st;
	f = fopen(logfile, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		lines++;
		for (i = 0; i < sizeof(secrets_hex) / sizeof(secrets_hex[0]); i++)
			assert_null(strstr(line, secrets_hex[i]));
		for (n = 0; n < n_codes_used; n++)
			assert_null(strstr(line, codes_used[n]));
	}
	fclose(f);
	assert_true(lines > 20);
	assert_true(n_codes_used > 10);
}

/* Stage 1 to 2: LD_PRELOAD pam_wrapper (after libasan in the sanitizer
 * build), and valgrind around the whole when MFA_VALGRIND=1. */
static int
reexec_under_pam_wrapper(void)
{
	char self[PATH_MAX], preload[2 * PATH_MAX];
	const char *asan = getenv("MFA_PRELOAD");
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0)
		return 1;
	self[n] = '\0';
	snprintf(preload, sizeof(preload), "%s%s%s", asan ? asan : "",
	    asan ? ":" : "", getenv("PAM_WRAPPER_LIB"));
	setenv("LD_PRELOAD", preload, 1);
	if (getenv("MFA_VALGRIND") != NULL &&
	    strcmp(getenv("MFA_VALGRIND"), "1") == 0)
		execlp("valgrind", "valgrind", "-q", "--error-exitcode=99",
		    "--leak-check=full", "--errors-for-leak-kinds=definite",
		    "--trace-children=no", self, (char *)NULL);
	else
		execl(self, "test_module", (char *)NULL);
	perror("exec");
	return 1;
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
		cmocka_unit_test(test_race_same_code),
		cmocka_unit_test(test_no_secret_in_log),
	};

	char svc[512];

	if (getenv("MFA_TEST_DIR") == NULL) {
		/* Stage 1. */
		if (getenv("MFA_MODULE") == NULL || getenv("MFA_TEST_LOG") ==
		    NULL || getenv("PAM_WRAPPER_LIB") == NULL) {
			fprintf(stderr, "run through test_module.sh\n");
			return 1;
		}
		if (geteuid() != 0) {
			fprintf(stderr, "must run as root\n");
			return 1;
		}
		if ((dir = tu_tmpdir()) == NULL || chmod(dir, 0755) != 0)
			return 1;
		snprintf(svc, sizeof(svc), "%s/svc", dir);
		if (mkdir(svc, 0755) != 0)
			return 1;
		write_fixtures();
		setenv("MFA_TEST_DIR", dir, 1);
		setenv("PAM_WRAPPER_SERVICE_DIR", svc, 1);
		setenv("PAM_WRAPPER", "1", 1);
		setenv("PAM_WRAPPER_USE_SYSLOG", "1", 1);
		return reexec_under_pam_wrapper();
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
