/*
 * modutil.c - the harness shared by the tests that drive pam_mfa.so through
 * the real libpam: a private directory of configs and PAM service files
 * (pam_wrapper copies it when it starts, so the binary writes them, then
 * re-executes itself under pam_wrapper), enrollment through the store API,
 * codes from oathtool, conversations through libpamtest, and the syslog
 * lines read back from the private /dev/log sink of with-logsink.sh.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <libpamtest.h>
#include <limits.h>
#include <security/pam_appl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backup.h"
#include "conf.h"
#include "modutil.h"
#include "store.h"
#include "testutil.h"

char *mu_dir;		/* private root-owned 0755 test directory */
char mu_state_dir[256];
char mu_conf_path[256];
const char *mu_logfile;
static size_t mu_log_seen;		/* bytes of the log already examined */

/* Secrets used by the tests, searched for in the log at the end. */
const char *const mu_secrets_hex[MU_SECRETS] = {
	"3132333435363738393031323334353637383930",
	"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
	"a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4",
	"f0e1d2c3b4a5968778695a4b3c2d1e0ff0e1d2c3",
};
char mu_codes_used[64][16];
int mu_n_codes_used;

void
mu_remember(const char *code)
{
	if (mu_n_codes_used < 64)
		snprintf(mu_codes_used[mu_n_codes_used++], sizeof(mu_codes_used[0]),
		    "%s", code);
}

void
mu_write_conf(const char *path, const char *extra)
{
	char text[4096];

	/* The tests' users are in no name service: exact names, unless
	 * the test says how to look them up (test_identity_pam.c). */
	snprintf(text, sizeof(text), "state_dir = \"%s\";\n"
	    "key_file = \"%s/mfa.key\";\n%s%s", mu_state_dir, mu_dir,
	    strstr(extra, "user_lookup") == NULL ?
	    "user_lookup = \"exact\";\n" : "", extra);
	assert_int_equal(tu_write_file(path, text, 0644), 0);
}

void
mu_write_service(const char *name, const char *body)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/svc/%s", mu_dir, name);
	assert_int_equal(tu_write_file(path, body, 0644), 0);
}

void
mu_service_with_conf(const char *name, const char *conf, const char *tail)
{
	char body[8192];

	snprintf(body, sizeof(body), "auth required %s conf=%s\n%s",
	    getenv("MFA_MODULE"), conf, tail);
	mu_write_service(name, body);
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

/* A token with a known secret, its secret in clear, as mu_enroll makes. */
void
mu_token(struct mfa_token *tok, enum mfa_otp_type type, enum mfa_algo algo,
    unsigned digits, unsigned period, const char *secret_hex)
{
	memset(tok, 0, sizeof(*tok));
	tok->id = (uint64_t)random() + 1;
	tok->created = time(NULL);
	tok->type = type;
	tok->algo = algo;
	tok->digits = digits;
	tok->period = period;
	hex_decode(secret_hex, tok->secret, &tok->secret_len);
}

struct mfa_store *
mu_store_open(struct mfa_conf **conf)
{
	char errmsg[CONF_ERRMSG_MAX];
	struct mfa_store *store = NULL;

	*conf = NULL;
	if (conf_load(mu_conf_path, conf, errmsg) != MFA_OK)
		fail_msg("%s: %s", mu_conf_path, errmsg);
	assert_int_equal(store_create(*conf), MFA_OK);
	assert_int_equal(store_open_admin(*conf, &store), MFA_OK);
	return store;
}

void
mu_store_close(struct mfa_store *store, struct mfa_conf *conf)
{
	store_close(store);
	conf_free(conf);
}

/* Enroll user with a known secret straight through the store API. */
void
mu_enroll(const char *user, enum mfa_otp_type type, enum mfa_algo algo,
    unsigned digits, unsigned period, const char *secret_hex)
{
	struct mfa_conf *conf;
	struct mfa_store *store;
	struct mfa_token tok;

	mu_token(&tok, type, algo, digits, period, secret_hex);
	store = mu_store_open(&conf);
	assert_int_equal(store_token_put(store, user, &tok), MFA_OK);
	token_wipe(&tok);
	mu_store_close(store, conf);
}

uint64_t
mu_enroll_backup(const char *user, enum mfa_otp_type type, enum mfa_algo algo,
    unsigned digits, unsigned period, const char *secret_hex, unsigned n,
    char codes[][BACKUP_TEXT_MAX + 1])
{
	struct mfa_conf *conf;
	struct mfa_store *store;
	struct mfa_token tok;
	uint64_t id;

	mu_token(&tok, type, algo, digits, period, secret_hex);
	assert_int_equal(backup_generate(&tok, n, codes), MFA_OK);
	store = mu_store_open(&conf);
	assert_int_equal(store_token_put(store, user, &tok), MFA_OK);
	id = tok.id;
	token_wipe(&tok);
	mu_store_close(store, conf);
	return id;
}

/* The TOTP code oathtool computes for secret at now + offset seconds. */
void
mu_totp(char out[16], const char *algo, unsigned digits, unsigned period,
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
	mu_remember(out);
}

void
mu_hotp(char out[16], const char *secret_hex, unsigned long counter)
{
	char copt[48];

	snprintf(copt, sizeof(copt), "--counter=%lu", counter);
	assert_int_equal(tu_oathtool(out, 16, "--hotp", copt, secret_hex,
	    (char *)NULL), 0);
	mu_remember(out);
}

/* Run pam_authenticate for user on service answering every echo-off
 * prompt with code; return what it returned. */
int
mu_auth(const char *service, const char *user, const char *code)
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
 * Fork n children that call fn(i, arg) at the same moment; return how many
 * exited 0.  pam_wrapper initialises itself in each child on its first
 * pam_start, racily, so each child does that first, one child at a time,
 * and only the calls under test run concurrently.
 */
int
mu_race(int n, int (*fn)(int, void *), void *arg)
{
	struct pam_conv conv = { NULL, NULL };
	int go[2], ready[2], i, ok = 0;
	pid_t pids[64];
	char c;

	assert_true(n > 0 && n <= 64);
	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(ready), 0);
	for (i = 0; i < n; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			pam_handle_t *ph = NULL;

			close(go[1]);
			close(ready[0]);
			if (pam_start("mu-warmup", "nobody", &conv, &ph) ==
			    PAM_SUCCESS)
				pam_end(ph, PAM_SUCCESS);
			if (write(ready[1], "r", 1) != 1)
				_exit(2);
			/* Wait for the start signal: the pipe closing. */
			while (read(go[0], &c, 1) > 0)
				;
			_exit(fn(i, arg) == 0 ? 0 : 1);
		}
		assert_int_equal(read(ready[0], &c, 1), 1);
	}
	close(go[0]);
	close(go[1]);
	close(ready[0]);
	close(ready[1]);
	for (i = 0; i < n; i++) {
		int status;

		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status));
		assert_true(WEXITSTATUS(status) <= 1);
		if (WEXITSTATUS(status) == 0)
			ok++;
	}
	return ok;
}

/* A conversation answering each echo-off prompt with data. */
int
mu_conv_answer(int n, const struct pam_message **msg,
    struct pam_response **resp, void *data)
{
	struct pam_response *r = calloc((size_t)n, sizeof(*r));
	int i;

	if (r == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++)
		if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF)
			r[i].resp = strdup(data);
	*resp = r;
	return PAM_SUCCESS;
}

int
mu_auth_rhost(const char *service, const char *user, const char *code,
    const char *rhost)
{
	struct pam_conv conv = { mu_conv_answer, tu_unconst(code) };
	pam_handle_t *ph = NULL;
	int rc;

	if (pam_start(service, user, &conv, &ph) != PAM_SUCCESS)
		return -1;
	if (pam_set_item(ph, PAM_RHOST, rhost) != PAM_SUCCESS) {
		pam_end(ph, PAM_SUCCESS);
		return -1;
	}
	rc = pam_authenticate(ph, 0);
	pam_end(ph, rc);
	return rc;
}

/* Wait (bounded) for any log line, from any program, holding frag. */
int
mu_log_grep(const char *frag)
{
	int tries;

	for (tries = 0; tries < 200; tries++) {
		char line[2048];
		FILE *f = fopen(mu_logfile, "r");
		int found = 0;

		if (f == NULL)
			return 0;
		while (!found && fgets(line, sizeof(line), f) != NULL)
			found = strstr(line, frag) != NULL;
		fclose(f);
		if (found)
			return 1;
		usleep(10000);
	}
	return 0;
}

/*
 * pam_authenticate with the echo-off prompts answered in order from
 * answers (NULL-terminated); PAM_TEXT_INFO messages are copied to
 * info[0..ninfo) (each malloc'd or NULL).
 */
int
mu_auth_answers(const char *service, const char *user, const char **answers,
    char **info, size_t ninfo)
{
	char *msgs[8] = { NULL };
	char *errs[8] = { NULL };
	struct pamtest_conv_data conv = { .in_echo_off = answers,
	    .out_info = msgs, .out_err = errs };
	struct pam_testcase tests[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
	};
	enum pamtest_err perr;
	size_t i;

	for (i = 0; i < 8; i++) {
		msgs[i] = calloc(1, 256);
		errs[i] = calloc(1, 256);
	}
	perr = run_pamtest(service, user, &conv, tests, NULL);
	for (i = 0; i < 8; i++) {
		if (i < ninfo)
			info[i] = msgs[i][0] != '\0' ? msgs[i] : NULL;
		if (i >= ninfo || msgs[i][0] == '\0')
			free(msgs[i]);
		free(errs[i]);
	}
	if (perr != PAMTEST_ERR_OK && perr != PAMTEST_ERR_CASE)
		return -1000 - (int)perr;
	return tests[0].op_rv;
}

/* Run pam-mfa with args (NULL-terminated) and config conf; its exit status,
 * stdout in out (NUL-terminated, truncated to outlen - 1). */
int
mu_cli(char *out, size_t outlen, const char *conf, ...)
{
	char *argv[16], preload[2 * PATH_MAX];
	size_t got = 0;
	int pfd[2], st, n = 0;
	ssize_t r;
	va_list ap;
	pid_t pid;

	argv[n++] = getenv("MFA_CLI");
	argv[n++] = tu_unconst("-c");
	argv[n++] = tu_unconst(conf);
	va_start(ap, conf);
	while (n < 15 &&
	    (argv[n] = tu_unconst(va_arg(ap, const char *))) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	if (argv[0] == NULL || pipe(pfd) != 0)
		return -1;
	if ((pid = fork()) == 0) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		/* The CLI needs no pam_wrapper: keep the sanitizer runtime
		 * (first, as it must be), the test clock and the test's
		 * own shim for it (MFA_CLI_PRELOAD). */
		snprintf(preload, sizeof(preload), "%s%s%s%s%s",
		    getenv("MFA_PRELOAD") ? getenv("MFA_PRELOAD") : "",
		    getenv("MFA_PRELOAD") ? ":" : "",
		    getenv("MFA_FAKETIME_LIB") ? getenv("MFA_FAKETIME_LIB") : "",
		    getenv("MFA_CLI_PRELOAD") ? ":" : "",
		    getenv("MFA_CLI_PRELOAD") ? getenv("MFA_CLI_PRELOAD") : "");
		setenv("LD_PRELOAD", preload, 1);
		execv(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	while (got + 1 < outlen &&
	    (r = read(pfd[0], out + got, outlen - 1 - got)) > 0)
		got += (size_t)r;
	close(pfd[0]);
	out[got] = '\0';
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/*
 * Wait (bounded) until the log holds a new pam_mfa line containing every
 * fragment, and return 1; 0 if none came within two seconds.
 */
int
mu_log_wait(const char *f1, const char *f2)
{
	int tries;

	for (tries = 0; tries < 200; tries++) {
		char line[2048];
		FILE *f = fopen(mu_logfile, "r");
		size_t pos = 0;
		int found = 0;

		if (f == NULL)
			return 0;
		while (fgets(line, sizeof(line), f) != NULL) {
			pos += strlen(line);
			if (pos <= mu_log_seen || strstr(line, "pam_mfa(") == NULL)
				continue;
			if (strstr(line, f1) != NULL &&
			    (f2 == NULL || strstr(line, f2) != NULL)) {
				mu_log_seen = pos;
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
/* Wait (bounded) until the log holds at least n pam_mfa lines with frag;
 * return how many it holds. */
int
mu_log_count(const char *frag, int n)
{
	int tries, count = 0;

	for (tries = 0; tries < 300; tries++) {
		char line[2048];
		FILE *f = fopen(mu_logfile, "r");

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


/* Stage 1 to 2: LD_PRELOAD pam_wrapper (after libasan in the sanitizer
 * build) and the test clock, and valgrind around the whole when
 * MFA_VALGRIND=1. */
static int
reexec_under_pam_wrapper(void)
{
	char self[PATH_MAX], preload[2 * PATH_MAX], supp[PATH_MAX + 32];
	const char *asan = getenv("MFA_PRELOAD");
	const char *fake = getenv("MFA_FAKETIME_LIB");
	const char *extra = getenv("MFA_EXTRA_PRELOAD");
	/* Before pam_wrapper, to wrap its pam_authenticate (asuser.c). */
	const char *first = getenv("MFA_FIRST_PRELOAD");
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0)
		return 1;
	self[n] = '\0';
	snprintf(preload, sizeof(preload), "%s%s%s%s%s%s%s%s%s",
	    asan ? asan : "", asan ? ":" : "", first ? first : "",
	    first ? ":" : "", getenv("PAM_WRAPPER_LIB"), fake ? ":" : "",
	    fake ? fake : "", extra ? ":" : "", extra ? extra : "");
	setenv("LD_PRELOAD", preload, 1);
	snprintf(supp, sizeof(supp), "--suppressions=%s/tests/valgrind.supp",
	    getenv("MFA_SRCDIR") ? getenv("MFA_SRCDIR") : ".");
	if (getenv("MFA_VALGRIND") != NULL &&
	    strcmp(getenv("MFA_VALGRIND"), "1") == 0)
		execlp("valgrind", "valgrind", "-q", "--error-exitcode=99",
		    "--leak-check=full", "--errors-for-leak-kinds=definite",
		    supp, self, (char *)NULL);
	else
		execl(self, "test_module", (char *)NULL);
	perror("exec");
	return 1;
}


static int
mu_setup(void **st)
{
	(void)st;
	mu_logfile = getenv("MFA_TEST_LOG");
	mu_dir = getenv("MFA_TEST_DIR");
	if (mu_logfile == NULL || mu_dir == NULL)
		return -1;
	mu_dir = strdup(mu_dir);
	snprintf(mu_state_dir, sizeof(mu_state_dir), "%s/state", mu_dir);
	snprintf(mu_conf_path, sizeof(mu_conf_path), "%s/mfa.conf", mu_dir);
	srandom((unsigned)getpid());
	return 0;
}

static int
mu_teardown(void **st)
{
	(void)st;
	/* Only the directory mu_main made goes: one given to it (the
	 * helper's config directory, test_helper.sh's) is its caller's. */
	if (getenv("MFA_TEST_HELPER_DIR") == NULL)
		tu_rm_rf(mu_dir);
	free(mu_dir);
	return 0;
}

void
mu_test_no_secret_in_log(void **st)
{
	char line[4096];
	FILE *f;
	size_t i;
	int n, lines = 0;

	(void)st;
	f = fopen(mu_logfile, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		lines++;
		for (i = 0; i < MU_SECRETS; i++)
			assert_null(strstr(line, mu_secrets_hex[i]));
		for (n = 0; n < mu_n_codes_used; n++)
			assert_null(strstr(line, mu_codes_used[n]));
	}
	fclose(f);
	assert_true(lines > 5);
	assert_true(mu_n_codes_used > 3);
}

int
mu_main(const char *name, const struct CMUnitTest *tests, size_t n,
    void (*fixtures)(void))
{
	char svc[512];

	if (getenv("MFA_TEST_DIR") != NULL)
		return _cmocka_run_group_tests(name, tests, n, mu_setup,
		    mu_teardown);
	/* Stage 1. */
	if (getenv("MFA_MODULE") == NULL || getenv("MFA_TEST_LOG") == NULL ||
	    getenv("PAM_WRAPPER_LIB") == NULL) {
		fprintf(stderr, "run through its .sh wrapper (make check)\n");
		return 1;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "must run as root\n");
		return 1;
	}
	/* Through pam_mfa_helper (test_helper.sh): the configs must lie in
	 * the helper's config directory, a private tmpfs there. */
	if (getenv("MFA_TEST_HELPER_DIR") != NULL)
		mu_dir = strdup(getenv("MFA_TEST_HELPER_DIR"));
	else
		mu_dir = tu_tmpdir();
	if (mu_dir == NULL || chmod(mu_dir, 0755) != 0) {
		fprintf(stderr, "the test directory %s: %s\n",
		    mu_dir != NULL ? mu_dir : "(none)", strerror(errno));
		return 1;
	}
	snprintf(mu_state_dir, sizeof(mu_state_dir), "%s/state", mu_dir);
	snprintf(mu_conf_path, sizeof(mu_conf_path), "%s/mfa.conf", mu_dir);
	snprintf(svc, sizeof(svc), "%s/svc", mu_dir);
	if (mkdir(svc, 0755) != 0) {
		fprintf(stderr, "mkdir %s: %s\n", svc, strerror(errno));
		return 1;
	}
	/* The config mu_enroll uses; fixtures may replace it. */
	mu_write_conf(mu_conf_path, "");
	fixtures();
	setenv("MFA_TEST_DIR", mu_dir, 1);
	setenv("PAM_WRAPPER_SERVICE_DIR", svc, 1);
	setenv("PAM_WRAPPER", "1", 1);
	setenv("PAM_WRAPPER_USE_SYSLOG", "1", 1);
	return reexec_under_pam_wrapper();
}
