/*
 * test_guest_pam.c - the module as a guest in a long-lived multi-threaded
 * host (as radiusd is): several PAM handles in parallel threads, then
 * checks that it changed no process-wide state (umask, working directory,
 * signal dispositions, environment, ids) and leaked no file descriptor.
 */
#include "config.h"

#include <dirent.h>
#include <pthread.h>
#include <signal.h>
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

#include "modutil.h"
#include "testutil.h"

#define THREADS		8
#define LOGINS		25

extern char **environ;

static void
fixtures(void)
{
	mu_write_conf(mu_conf_path, "hotp_lookahead = 0;\n");
	mu_service_with_conf("guest", mu_conf_path, "");
}

/* The open descriptors, as a sorted list of numbers in a string. */
static void
fd_list(char *buf, size_t len)
{
	struct dirent *e;
	DIR *d = opendir("/proc/self/fd");
	int fds[1024], n = 0, i, j, self;
	size_t used = 0;

	assert_non_null(d);
	self = dirfd(d);
	while ((e = readdir(d)) != NULL && n < 1024) {
		int fd = atoi(e->d_name);

		if (e->d_name[0] != '.' && fd != self)
			fds[n++] = fd;
	}
	closedir(d);
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && fds[j - 1] > fds[j]; j--) {
			int t = fds[j];

			fds[j] = fds[j - 1];
			fds[j - 1] = t;
		}
	buf[0] = '\0';
	for (i = 0; i < n && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%d ", fds[i]);
}

struct worker {
	int id;
	int ok;
};

static void *
work(void *arg)
{
	struct worker *w = arg;
	char user[32], code[16];
	int i;

	snprintf(user, sizeof(user), "guest%d", w->id);
	for (i = 0; i < LOGINS; i++) {
		char out[16];
		size_t k;

		/* oathtool is forked per code: keep it out of the timing by
		 * computing the codes in the thread, it is thread-safe. */
		mu_hotp(out, mu_secrets_hex[w->id % MU_SECRETS],
		    (unsigned long)i);
		for (k = 0; k < sizeof(code); k++)
			code[k] = out[k];
		if (mu_auth_rhost("guest", user, code, "192.0.2.1") ==
		    PAM_SUCCESS)
			w->ok++;
	}
	return NULL;
}

static void
test_parallel_handles_leave_no_trace(void **st)
{
	char fds_before[4096], fds_after[4096], cwd_before[512], cwd_after[512];
	struct sigaction before[NSIG], after;
	struct worker w[THREADS];
	pthread_t t[THREADS];
	size_t env_before = 0, env_after = 0;
	mode_t mask;
	uid_t euid = geteuid();
	gid_t egid = getegid();
	int i, sig;

	(void)st;
	for (i = 0; i < THREADS; i++) {
		char user[32];

		snprintf(user, sizeof(user), "guest%d", i);
		mu_enroll(user, MFA_HOTP, MFA_SHA1, 6, 30,
		    mu_secrets_hex[i % MU_SECRETS]);
	}
	/* One login first: libraries are loaded once per host process. */
	{
		char code[16];

		mu_hotp(code, mu_secrets_hex[0], 0);
		assert_int_equal(mu_auth_rhost("guest", "guest0", code,
		    "192.0.2.1"), PAM_SUCCESS);
	}
	umask(027);
	assert_non_null(getcwd(cwd_before, sizeof(cwd_before)));
	for (sig = 1; sig < NSIG; sig++)
		sigaction(sig, NULL, &before[sig]);
	while (environ[env_before] != NULL)
		env_before++;
	fd_list(fds_before, sizeof(fds_before));

	for (i = 0; i < THREADS; i++) {
		w[i].id = i;
		w[i].ok = 0;
		assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
	}
	for (i = 0; i < THREADS; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);

	/* Thread 0 repeats its first code once: a replay, the rest pass. */
	assert_int_equal(w[0].ok, LOGINS - 1);
	for (i = 1; i < THREADS; i++)
		assert_int_equal(w[i].ok, LOGINS);
	fd_list(fds_after, sizeof(fds_after));
	assert_string_equal(fds_before, fds_after);
	mask = umask(022);
	assert_int_equal(mask, 027);
	assert_non_null(getcwd(cwd_after, sizeof(cwd_after)));
	assert_string_equal(cwd_before, cwd_after);
	for (sig = 1; sig < NSIG; sig++) {
		if (sigaction(sig, NULL, &after) != 0)
			continue;
		assert_ptr_equal(after.sa_handler, before[sig].sa_handler);
	}
	while (environ[env_after] != NULL)
		env_after++;
	assert_int_equal(env_after, env_before);
	assert_int_equal(geteuid(), euid);
	assert_int_equal(getegid(), egid);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parallel_handles_leave_no_trace),
		cmocka_unit_test(mu_test_no_secret_in_log),
	};

	return mu_main("test_guest_pam", tests,
	    sizeof(tests) / sizeof(tests[0]), fixtures);
}
