/*
 * test_pgsql_failover.c - two gateways listing a primary and its
 * synchronous standby (target_session_attrs=read-write), which
 * test_pgsql.sh sets up: a code accepted before the primary is killed is
 * still a replay once the standby is promoted; while no primary exists
 * logins are denied as unavailable; the next code is accepted exactly
 * once on the new primary.
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

#include "modutil.h"
#include "testutil.h"

static void
keys(char *buf, size_t size, const char *user)
{
	const char *d = getenv("MFA_PG_DIR");
	const char *p1 = getenv("MFA_PG_PORT"), *p2 = getenv("MFA_PG_PORT2");

	snprintf(buf, size, "store = \"postgresql\";\n"
	    "pg_timeout_ms = 1500;\n"
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
}

static void
run(const char *what, const char *dir)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "env -u LD_PRELOAD sh %s/tests/pgcluster.sh "
	    "%s %s", getenv("MFA_SRCDIR"), what, dir);
	assert_int_equal(system(cmd), 0);
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
		cmocka_unit_test(t_sync_standby_failover),
		cmocka_unit_test(mu_test_no_secret_in_log),
	};

	return mu_main("pgsql_failover", tests,
	    sizeof(tests) / sizeof(tests[0]), fixtures);
}
