/*
 * test_crash.c - a process killed with SIGKILL at random points of its
 * state updates leaves a store the next reader decodes, with no recorded
 * failure or accepted step lost and no lock left behind.  A child records
 * failures and raises the replay floor in a loop through the store API,
 * reporting each committed value on a pipe; the parent kills it after a
 * random delay, then checks the record against the last report.
 */
#include "config.h"

#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "lockout.h"
#include "store.h"
#include "testutil.h"

#define ITERATIONS 200

static char *dir;
static struct mfa_conf *conf;

static int
setup(void **st)
{
	char path[512], text[1024], errmsg[CONF_ERRMSG_MAX];

	(void)st;
	if (geteuid() != 0 || (dir = tu_tmpdir()) == NULL ||
	    chmod(dir, 0755) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/mfa.conf", dir);
	/* No lockout, so every failure is recorded; "os": what a SIGKILL
	 * must not lose is what the kernel already holds. */
	snprintf(text, sizeof(text), "state_dir = \"%s/state\";\n"
	    "key_file = \"%s/mfa.key\";\ndeny = 0;\nstate_flush = \"os\";\n"
	    "user_lookup = \"exact\";\n",
	    dir, dir);
	if (tu_write_file(path, text, 0644) != 0 ||
	    conf_load(path, &conf, errmsg) != MFA_OK ||
	    store_create(conf) != MFA_OK)
		return -1;
	return 0;
}

static int
teardown(void **st)
{
	(void)st;
	conf_free(conf);
	tu_rm_rf(dir);
	free(dir);
	return 0;
}

static void
enroll(struct mfa_store *store, const char *user)
{
	struct mfa_token tok;

	memset(&tok, 0, sizeof(tok));
	tok.id = 42;
	tok.type = MFA_HOTP;
	tok.algo = MFA_SHA1;
	tok.digits = 6;
	tok.secret_len = 20;
	memset(tok.secret, 0x5a, tok.secret_len);
	assert_int_equal(store_token_put(store, user, &tok), MFA_OK);
}

/* The child: update forever, reporting each committed record. */
static void
writer(const char *user, int report)
{
	struct lockout_policy p = { 0, 900, 0, 1, 0 };
	struct mfa_store *store;
	struct mfa_token tok;
	struct mfa_state st;
	struct mfa_txn *txn;
	int64_t now = 1900000000;

	if (store_open(conf, &store) != MFA_OK)
		_exit(2);
	for (;;) {
		uint64_t vals[2];

		if (store_begin(store, user, &tok, &st, &txn) != MFA_OK)
			_exit(3);
		(void)lockout_fail(&p, &st, now);
		st.next_step++;
		vals[0] = st.fail_count;
		vals[1] = st.next_step;
		if (store_commit(txn, &st) != MFA_OK)
			_exit(4);
		if (write(report, vals, sizeof(vals)) != sizeof(vals))
			_exit(5);
	}
}

static void
test_sigkill_during_updates(void **st)
{
	struct mfa_store *store;
	struct mfa_state rec;
	struct mfa_txn *txn;
	struct mfa_token tok;
	uint64_t last[2] = { 0, 0 };
	int i;

	(void)st;
	srandom((unsigned)time(NULL));
	assert_int_equal(store_open(conf, &store), MFA_OK);
	enroll(store, "kim");
	for (i = 0; i < ITERATIONS; i++) {
		uint64_t vals[2];
		struct timespec d = { 0, (long)(random() % 3000) * 1000 };
		int pfd[2], status;
		pid_t pid;

		assert_int_equal(pipe(pfd), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(pfd[0]);
			writer("kim", pfd[1]);
		}
		close(pfd[1]);
		/* Kill only once it is updating (valgrind slows it down),
		 * at a random point of the stream of updates. */
		assert_int_equal(read(pfd[0], vals, sizeof(vals)),
		    (ssize_t)sizeof(vals));
		last[0] = vals[0];
		last[1] = vals[1];
		nanosleep(&d, NULL);
		kill(pid, SIGKILL);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status));
		while (read(pfd[0], vals, sizeof(vals)) == sizeof(vals)) {
			last[0] = vals[0];
			last[1] = vals[1];
		}
		close(pfd[0]);

		/* The next reader: a valid record, nothing reported lost,
		 * and the lock free (begin would time out otherwise). */
		assert_int_equal(store_begin(store, "kim", &tok, &rec, &txn),
		    MFA_OK);
		assert_true(rec.fail_count >= last[0]);
		assert_true(rec.next_step >= last[1]);
		/* At most the one update in flight at the kill is extra. */
		assert_true(rec.fail_count <= last[0] + 1);
		last[0] = rec.fail_count;
		last[1] = rec.next_step;
		store_abort(txn);
		token_wipe(&tok);
	}
	/* Every child was killed while updating. */
	assert_true(last[0] > ITERATIONS);
	store_close(store);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sigkill_during_updates),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
