/*
 * test_pgsql_failover.c - two gateways listing a primary and its
 * synchronous standby (target_session_attrs=read-write), which
 * test_pgsql.sh sets up: a code accepted before the primary is killed is
 * still a replay once the standby is promoted; while no primary exists
 * logins are denied as unavailable; the next code is accepted exactly
 * once on the new primary.  Before that, the synchronous standby frozen:
 * a commit waiting for it is denied at the deadline, and one whose wait
 * is cancelled (committed locally, with a WARNING) is denied as an
 * unknown outcome, its code then a replay.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <security/pam_appl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "modutil.h"
#include "testutil.h"

static void
keys(char *buf, size_t size, const char *user)
{
	const char *d = getenv("MFA_PG_DIR");
	const char *p1 = getenv("MFA_PG_PORT"), *p2 = getenv("MFA_PG_PORT2");

	snprintf(buf, size, "store = \"postgresql\";\n"
	    "pg_timeout_ms = 3000;\n"
	    "pg_conninfo = \"host=127.0.0.1,127.0.0.1 port=%s,%s dbname=mfa "
	    "user=%s sslmode=verify-full sslrootcert=%s/certs/ca.crt "
	    "sslcert=%s/certs/%s.crt sslkey=%s/certs/%s.key "
	    "target_session_attrs=read-write\";\n"
	    "pg_admin_conninfo = \"host=127.0.0.1,127.0.0.1 port=%s,%s "
	    "dbname=mfa user=mfaadmin sslmode=verify-full "
	    "sslrootcert=%s/certs/ca.crt sslcert=%s/certs/mfaadmin.crt "
	    "sslkey=%s/certs/mfaadmin.key target_session_attrs=read-write\";\n",
	    p1, p2, user, d, d, user, d, user, p1, p2, d, d, d);
}

static void
fixtures(void)
{
	char k[4096], path[512];

	keys(k, sizeof(k), "gw1");
	mu_write_conf(mu_conf_path, k);
	mu_service_with_conf("gwa", mu_conf_path, "");
	snprintf(path, sizeof(path), "%s/gwb.conf", mu_dir);
	keys(k, sizeof(k), "gw2");
	mu_write_conf(path, k);
	mu_service_with_conf("gwb", path, "");
	mu_enroll("fred", MFA_HOTP, MFA_SHA1, 6, 30, mu_secrets_hex[2]);
	mu_enroll("gus", MFA_HOTP, MFA_SHA1, 6, 30, mu_secrets_hex[1]);
	mu_enroll("hal", MFA_HOTP, MFA_SHA1, 6, 30, mu_secrets_hex[0]);
}

static void
run(const char *what, const char *dir)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "env -u LD_PRELOAD sh %s/tests/pgcluster.sh "
	    "%s %s", getenv("MFA_SRCDIR"), what, dir);
	assert_int_equal(system(cmd), 0);
}

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void
t_sync_standby_frozen(void **st)
{
	char code[16], cmd[1024];
	long t0, ms;
	pid_t pid;
	int status;

	(void)st;
	run("freeze", getenv("MFA_PG_DIR2"));
	/* The commit waits for the standby: denied at the deadline. */
	mu_hotp(code, mu_secrets_hex[0], 0);
	mu_remember(code);
	t0 = now_ms();
	assert_int_equal(mu_auth("gwa", "hal", code), PAM_AUTHINFO_UNAVAIL);
	ms = now_ms() - t0;
	print_message("commit waiting for a frozen standby: denied after "
	    "%ld ms (deadline 3000)\n", ms);
	assert_true(ms >= 2990 && ms < 4000);
	assert_true(mu_log_wait("reason=store_timeout user=hal",
	    "service=gwa"));
	/* The same, but the wait is cancelled on the server meanwhile: the
	 * statement succeeds with a WARNING, committed on the primary only. */
	mu_hotp(code, mu_secrets_hex[1], 0);
	mu_remember(code);
	snprintf(cmd, sizeof(cmd), "for i in 1 2 3 4 5 6 7 8 9 10; do "
	    "sleep 0.1; n=$(env -u LD_PRELOAD sh %s/tests/pgcluster.sh sql %s "
	    "\"SELECT count(pg_cancel_backend(pid)) FROM pg_stat_activity "
	    "WHERE wait_event = 'SyncRep' AND usename = 'gw2'\"); "
	    "[ \"$n\" = 1 ] && exit 0; done; exit 1",
	    getenv("MFA_SRCDIR"), getenv("MFA_PG_DIR"));
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	assert_int_equal(mu_auth("gwb", "gus", code), PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_true(mu_log_wait("reason=store_outcome_unknown user=gus",
	    "service=gwb"));
	run("thaw", getenv("MFA_PG_DIR2"));
	/* It did commit: the code is spent. */
	assert_int_equal(mu_auth("gwa", "gus", code), PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=replay user=gus", "service=gwa"));
}

static void
t_sync_standby_failover(void **st)
{
	char c0[16], c1[16];

	(void)st;
	mu_hotp(c0, mu_secrets_hex[2], 0);
	mu_hotp(c1, mu_secrets_hex[2], 1);
	mu_remember(c0);
	mu_remember(c1);
	assert_int_equal(mu_auth("gwa", "fred", c0), PAM_SUCCESS);
	run("kill", getenv("MFA_PG_DIR"));
	/* No primary: the standby is read-only, so nobody is let in. */
	assert_int_equal(mu_auth("gwb", "fred", c0), PAM_AUTHINFO_UNAVAIL);
	assert_true(mu_log_wait("reason=store_unavailable user=fred",
	    "service=gwb"));
	run("promote", getenv("MFA_PG_DIR2"));
	/* The accepted code came through the failover: a replay. */
	assert_int_equal(mu_auth("gwb", "fred", c0), PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=replay user=fred", "service=gwb"));
	assert_int_equal(mu_auth("gwb", "fred", c1), PAM_SUCCESS);
	assert_int_equal(mu_auth("gwa", "fred", c1), PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=replay user=fred", "service=gwa"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_sync_standby_frozen),
		cmocka_unit_test(t_sync_standby_failover),
		cmocka_unit_test(mu_test_no_secret_in_log),
	};

	return mu_main("pgsql_failover", tests,
	    sizeof(tests) / sizeof(tests[0]), fixtures);
}
