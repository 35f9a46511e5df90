/*
 * test_pgsql_pam.c - the PostgreSQL store through the real libpam, two
 * "gateways" (two configs, two services, two client certificates) on one
 * private cluster that test_pgsql.sh starts: a code accepted on one is a
 * replay on the other; 16 processes across both sending one valid code:
 * exactly one accepted; 16 wrong codes with deny = 5: exactly 5 verified,
 * then the right code refused on both; a backup code raced on both: one
 * success; the server crashed and restarted: deny while down
 * (PAM_AUTHINFO_UNAVAIL), nothing lost or doubled after; a server that
 * never answers: the deadline holds; a file-store login never maps
 * libpq; pam-mfa status/list/unlock/revoke/backup-codes on the database;
 * the key file lost, unusable or from elsewhere (t_key_loss); a resync
 * on the database moves an HOTP counter and records a TOTP offset that
 * both gateways then apply (t_resync).
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <security/pam_appl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "account.h"
#include "conf.h"
#include "modutil.h"
#include "resync.h"
#include "store.h"
#include "testutil.h"

static char conf_gw1[512], conf_gw2[512], conf_file[512], conf_hang[512];
static char conf_ro[512], conf_multi[512], conf_ro_rw[512];
static char conf_pw[512], conf_nossl[512], conf_nohost[512];
static char conf_gw2fast[512], conf_gw1login[512];
static char conf_src1[512], conf_src2[512], conf_srcr1[512], conf_srcr2[512];

static void
paths(const char *d)
{
	snprintf(conf_gw1, sizeof(conf_gw1), "%s/gw1.conf", d);
	snprintf(conf_gw2, sizeof(conf_gw2), "%s/gw2.conf", d);
	snprintf(conf_file, sizeof(conf_file), "%s/file.conf", d);
	snprintf(conf_hang, sizeof(conf_hang), "%s/hang.conf", d);
	snprintf(conf_ro, sizeof(conf_ro), "%s/ro.conf", d);
	snprintf(conf_multi, sizeof(conf_multi), "%s/multi.conf", d);
	snprintf(conf_ro_rw, sizeof(conf_ro_rw), "%s/rorw.conf", d);
	snprintf(conf_pw, sizeof(conf_pw), "%s/pw.conf", d);
	snprintf(conf_gw2fast, sizeof(conf_gw2fast), "%s/gw2fast.conf", d);
	snprintf(conf_gw1login, sizeof(conf_gw1login), "%s/gw1login.conf", d);
	snprintf(conf_nossl, sizeof(conf_nossl), "%s/nossl.conf", d);
	snprintf(conf_nohost, sizeof(conf_nohost), "%s/nohost.conf", d);
	snprintf(conf_src1, sizeof(conf_src1), "%s/src1.conf", d);
	snprintf(conf_src2, sizeof(conf_src2), "%s/src2.conf", d);
	snprintf(conf_srcr1, sizeof(conf_srcr1), "%s/srcr1.conf", d);
	snprintf(conf_srcr2, sizeof(conf_srcr2), "%s/srcr2.conf", d);
}


/* The store keys of a gateway connecting as role gw on port. */
static void
pg_keys_hosts(char *buf, size_t size, const char *gw, const char *hosts,
    const char *port, const char *extra, unsigned timeout_ms)
{
	const char *d = getenv("MFA_PG_DIR");

	snprintf(buf, size, "store = \"postgresql\";\n"
	    "pg_timeout_ms = %u;\n"
	    "deny = 5;\n"
	    "pg_conninfo = \"host=%s port=%s dbname=mfa user=%s "
	    "sslmode=verify-full sslrootcert=%s/certs/ca.crt "
	    "sslcert=%s/certs/%s.crt sslkey=%s/certs/%s.key%s\";\n"
	    "pg_admin_conninfo = \"host=127.0.0.1 port=%s dbname=mfa "
	    "user=mfaadmin sslmode=verify-full sslrootcert=%s/certs/ca.crt "
	    "sslcert=%s/certs/mfaadmin.crt sslkey=%s/certs/mfaadmin.key\";\n",
	    timeout_ms, hosts, port, gw, d, d, gw, d, gw, extra, port, d, d,
	    d);
}

static void
pg_keys(char *buf, size_t size, const char *gw, const char *port,
    unsigned timeout_ms)
{
	pg_keys_hosts(buf, size, gw, "127.0.0.1", port, "", timeout_ms);
}

/* Gateway gw's config with the per-source throttle at deny. */
static void
source_conf(const char *path, const char *service, const char *gw,
    unsigned deny)
{
	char keys[4096];
	size_t n;

	pg_keys(keys, sizeof(keys), gw, getenv("MFA_PG_PORT"), 5000);
	n = strlen(keys);
	snprintf(keys + n, sizeof(keys) - n, "source_deny = %u;\n"
	    "source_lock_time = 600;\n", deny);
	mu_write_conf(path, keys);
	mu_service_with_conf(service, path, "");
}

/* A loopback port nothing listens on (refused at once). */
static void
closed_port(char port[16])
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	snprintf(port, 16, "%u", ntohs(sa.sin_port));
	close(fd);
}

static int hang_fd = -1;

static void
fixtures(void)
{
	char keys[4096], port[16];
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);

	paths(mu_dir);
	/* Roomy deadlines where nothing is measured: make check runs tests
	 * two at a time, and the sanitizer pass runs this one too. */
	pg_keys(keys, sizeof(keys), "gw1", getenv("MFA_PG_PORT"), 5000);
	mu_write_conf(conf_gw1, keys);
	mu_write_conf(mu_conf_path, keys);	/* mu_enroll's */
	mu_service_with_conf("gw1", conf_gw1, "");
	pg_keys(keys, sizeof(keys), "gw2", getenv("MFA_PG_PORT"), 5000);
	mu_write_conf(conf_gw2, keys);
	mu_service_with_conf("gw2", conf_gw2, "");
	/* A gateway that activates pending tokens at the first login. */
	pg_keys(keys, sizeof(keys), "gw1", getenv("MFA_PG_PORT"), 5000);
	strncat(keys, "enroll_at_login = true;\n", sizeof(keys) -
	    strlen(keys) - 1);
	mu_write_conf(conf_gw1login, keys);
	mu_service_with_conf("gw1login", conf_gw1login, "");
	/* The deadline measured against a stopped server. */
	pg_keys(keys, sizeof(keys), "gw2", getenv("MFA_PG_PORT"), 1500);
	mu_write_conf(conf_gw2fast, keys);
	mu_service_with_conf("gw2fast", conf_gw2fast, "");
	mu_write_conf(conf_file, "");
	mu_service_with_conf("filesvc", conf_file, "");
	source_conf(conf_src1, "src1", "gw1", 6);
	source_conf(conf_src2, "src2", "gw2", 6);
	source_conf(conf_srcr1, "srcr1", "gw1", 1000);
	source_conf(conf_srcr2, "srcr2", "gw2", 1000);
	/* A server that accepts connections and never says a word: a
	 * listening socket nobody accepts from (the kernel completes the
	 * handshake); inherited by stage 2 through the exec. */
	hang_fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(hang_fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(hang_fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(hang_fd, 64), 0);
	assert_int_equal(getsockname(hang_fd, (struct sockaddr *)&sa, &len),
	    0);
	snprintf(port, sizeof(port), "%u", ntohs(sa.sin_port));
	pg_keys(keys, sizeof(keys), "gw1", port, 1000);
	mu_write_conf(conf_hang, keys);
	mu_service_with_conf("hang", conf_hang, "");

	/* A role whose sessions are read-only, as on a standby. */
	pg_keys(keys, sizeof(keys), "gwro", getenv("MFA_PG_PORT"), 1500);
	mu_write_conf(conf_ro, keys);
	mu_service_with_conf("ro", conf_ro, "");
	pg_keys_hosts(keys, sizeof(keys), "gwro", "127.0.0.1",
	    getenv("MFA_PG_PORT"), " target_session_attrs=read-write", 1500);
	mu_write_conf(conf_ro_rw, keys);
	mu_service_with_conf("rorw", conf_ro_rw, "");
	/* Two hosts, the first refusing: the second, read-write, is used. */
	closed_port(port);
	{
		char ports[40];

		snprintf(ports, sizeof(ports), "%s,%s", port,
		    getenv("MFA_PG_PORT"));
		pg_keys_hosts(keys, sizeof(keys), "gw2",
		    "127.0.0.1,127.0.0.1", ports,
		    " target_session_attrs=read-write", 1500);
	}
	mu_write_conf(conf_multi, keys);
	mu_service_with_conf("multi", conf_multi, "");

	/* Connection strings the store refuses before connecting. */
	pg_keys_hosts(keys, sizeof(keys), "gw1", "127.0.0.1",
	    getenv("MFA_PG_PORT"), " password=hunter2-db", 1500);
	mu_write_conf(conf_pw, keys);
	mu_service_with_conf("pw", conf_pw, "");
	pg_keys_hosts(keys, sizeof(keys), "gw1", "127.0.0.1",
	    getenv("MFA_PG_PORT"), " sslmode=require", 1500);
	mu_write_conf(conf_nossl, keys);
	mu_service_with_conf("nossl", conf_nossl, "");
	snprintf(keys, sizeof(keys), "store = \"postgresql\";\n"
	    "pg_conninfo = \"port=%s dbname=mfa user=gw1 "
	    "sslmode=verify-full\";\n", getenv("MFA_PG_PORT"));
	mu_write_conf(conf_nohost, keys);
	mu_service_with_conf("nohost", conf_nohost, "");

	mu_enroll("alice", MFA_HOTP, MFA_SHA1, 6, 30, mu_secrets_hex[0]);
	mu_enroll("bob", MFA_HOTP, MFA_SHA1, 6, 30, mu_secrets_hex[1]);
	mu_enroll("carol", MFA_HOTP, MFA_SHA1, 6, 30, mu_secrets_hex[2]);
	mu_enroll("erin", MFA_HOTP, MFA_SHA1, 6, 30, mu_secrets_hex[3]);
	mu_enroll("gina", MFA_HOTP, MFA_SHA1, 6, 30, mu_secrets_hex[0]);
}

static void
hotp(char out[16], int secret, unsigned long counter)
{
	mu_hotp(out, mu_secrets_hex[secret], counter);
	mu_remember(out);
}

static int
maps_hold(const char *frag)
{
	char line[4096];
	FILE *f = fopen("/proc/self/maps", "r");
	int found = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, frag) != NULL)
			found = 1;
	fclose(f);
	return found;
}

/* Runs first: nothing has loaded the PostgreSQL store in this process. */
static void
t_file_store_never_maps_libpq(void **st)
{
	char code[16];

	(void)st;
	hotp(code, 0, 0);
	/* The file store (nobody enrolled there): a denial. */
	assert_int_equal(mu_auth("filesvc", "alice", code), PAM_AUTH_ERR);
	assert_true(mu_log_wait("result=deny", "service=filesvc"));
	assert_false(maps_hold("libpq"));
	assert_false(maps_hold("store_pgsql"));
	assert_false(maps_hold("libldap"));
	/* The same process on a PostgreSQL gateway: now it is mapped. */
	assert_int_equal(mu_auth("gw1", "nobody-here", code), PAM_AUTH_ERR);
	assert_true(maps_hold("libpq"));
	assert_true(maps_hold("store_pgsql.so"));
}

static void
t_replay_across_gateways(void **st)
{
	char code[16];

	(void)st;
	hotp(code, 0, 0);
	assert_int_equal(mu_auth("gw1", "alice", code), PAM_SUCCESS);
	assert_true(mu_log_wait("result=accept reason=ok user=alice",
	    "service=gw1"));
	assert_int_equal(mu_auth("gw2", "alice", code), PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=replay user=alice", "service=gw2"));
	/* And the next code works on the other one. */
	hotp(code, 0, 1);
	assert_int_equal(mu_auth("gw2", "alice", code), PAM_SUCCESS);
	assert_int_equal(mu_auth("gw1", "alice", code), PAM_AUTH_ERR);
}

/* A pending HOTP token for user, as pam-mfa enroll leaves it. */
static uint64_t
put_pending(const char *user, int secret)
{
	struct mfa_conf *conf;
	struct mfa_store *store;
	struct mfa_token tok;
	uint64_t id;

	mu_token(&tok, MFA_HOTP, MFA_SHA1, 6, 30, mu_secrets_hex[secret]);
	tok.created = (int64_t)time(NULL);
	tok.flags |= TOKEN_F_PENDING;
	store = mu_store_open(&conf);
	assert_int_equal(store_pending_put(store, user, &tok), MFA_OK);
	id = tok.id;
	token_wipe(&tok);
	mu_store_close(store, conf);
	return id;
}

/* The ids of user's active and pending tokens (0: none), as pam-mfa
 * reads them. */
static void
token_ids(const char *user, uint64_t *active, uint64_t *pending)
{
	struct mfa_conf *conf;
	struct mfa_store *store;
	struct mfa_token tok;

	store = mu_store_open(&conf);
	*active = store_token_meta(store, user, &tok) == MFA_OK ? tok.id : 0;
	token_wipe(&tok);
	*pending = store_pending_meta(store, user, &tok) == MFA_OK ?
	    tok.id : 0;
	token_wipe(&tok);
	mu_store_close(store, conf);
}

/*
 * enroll_at_login through the gateway role, which writes no token: the
 * pending token's code activates it (gw_activate), once; a wrong code is
 * counted; without the key nothing is read; a user with an active token
 * keeps it.
 */
static void
t_activate_at_login(void **st)
{
	char code[16];
	uint64_t pid, a, p;

	(void)st;
	pid = put_pending("pat", 2);
	hotp(code, 2, 0);
	/* The gateway without the key: not enrolled, nothing changed. */
	assert_int_equal(mu_auth("gw2", "pat", code), PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=not_enrolled user=pat", "service=gw2"));
	token_ids("pat", &a, &p);
	assert_true(a == 0 && p == pid);
	/* A wrong code: counted, nothing activated. */
	hotp(code, 3, 0);
	assert_int_equal(mu_auth("gw1login", "pat", code), PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=bad_code user=pat", "failures=1"));
	token_ids("pat", &a, &p);
	assert_true(a == 0 && p == pid);
	hotp(code, 2, 0);
	assert_int_equal(mu_auth("gw1login", "pat", code), PAM_SUCCESS);
	assert_true(mu_log_wait("result=accept reason=ok user=pat",
	    "action=enroll_confirm by=login"));
	token_ids("pat", &a, &p);
	assert_true(a == pid && p == 0);
	/* The activating code is spent on every gateway. */
	assert_int_equal(mu_auth("gw2", "pat", code), PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=replay user=pat", "service=gw2"));
	hotp(code, 2, 1);
	assert_int_equal(mu_auth("gw2", "pat", code), PAM_SUCCESS);
	/* An active token: a pending replacement waits for enroll -C. */
	pid = put_pending("pat", 3);
	hotp(code, 3, 0);
	assert_int_equal(mu_auth("gw1login", "pat", code), PAM_AUTH_ERR);
	token_ids("pat", &a, &p);
	assert_true(a != pid && p == pid);
}

struct race {
	const char *user;
	char codes[16][16];
};

static int
race_auth(int i, void *arg)
{
	struct race *r = arg;

	return mu_auth(i % 2 ? "gw2" : "gw1", r->user, r->codes[i]) ==
	    PAM_SUCCESS ? 0 : 1;
}

static void
t_race_one_code_once(void **st)
{
	struct race r;
	int i;

	(void)st;
	r.user = "bob";
	for (i = 0; i < 16; i++)
		hotp(r.codes[i], 1, 0);
	assert_int_equal(mu_race(16, race_auth, &r), 1);
	assert_int_equal(mu_log_count("result=accept reason=ok user=bob", 1),
	    1);
}

/* What the log says of frag, to standard output: why a count was off. */
static void
log_dump(const char *frag)
{
	char line[2048];
	FILE *f = fopen(mu_logfile, "r");

	if (f == NULL)
		return;
	printf("log lines with %s:\n", frag);
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, frag) != NULL)
			fputs(line, stdout);
	fclose(f);
}

static void
t_race_wrong_codes_deny5(void **st)
{
	char right[12][16], code[16];
	struct race r;
	int i, j, n;

	(void)st;
	r.user = "carol";
	for (j = 0; j < 12; j++)
		mu_hotp(right[j], mu_secrets_hex[2], (unsigned long)j);
	/* 16 different wrong codes: none is within the look-ahead. */
	for (i = 0, n = 0; i < 16; n++) {
		snprintf(r.codes[i], sizeof(r.codes[i]), "%06d",
		    (n * 7919 + 12345) % 1000000);
		for (j = 0; j < 12 && strcmp(r.codes[i], right[j]) != 0; j++)
			;
		if (j == 12)
			mu_remember(r.codes[i++]);
	}
	assert_int_equal(mu_race(16, race_auth, &r), 0);
	/* Exactly deny codes verified; the rest refused as locked. */
	if (mu_log_count("reason=bad_code user=carol", 5) != 5 ||
	    mu_log_count("reason=locked user=carol", 11) != 11)
		log_dump("user=carol");
	assert_int_equal(mu_log_count("reason=bad_code user=carol", 5), 5);
	assert_int_equal(mu_log_count("reason=locked user=carol", 11), 11);
	hotp(code, 2, 0);
	assert_int_equal(mu_auth("gw1", "carol", code), PAM_AUTH_ERR);
	assert_int_equal(mu_auth("gw2", "carol", code), PAM_AUTH_ERR);
	assert_int_equal(mu_log_count("reason=locked user=carol", 13), 13);
}

static void
t_race_backup_code(void **st)
{
	char codes[4][BACKUP_TEXT_MAX + 1], out[4096];
	struct race r;
	int i;

	(void)st;
	mu_enroll_backup("dave", MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[3],
	    4, codes);
	r.user = "dave";
	for (i = 0; i < 16; i++) {
		snprintf(r.codes[i], sizeof(r.codes[i]), "%s", codes[1]);
		mu_remember(r.codes[i]);
	}
	assert_int_equal(mu_race(16, race_auth, &r), 1);
	assert_int_equal(mu_log_count("detail=backup_code backup_left=3", 1),
	    1);
	/* The 15 losers were replays: dave is locked.  Unlocked, another
	 * of the codes works, once. */
	assert_int_equal(mu_log_count("reason=replay user=dave", 5), 5);
	assert_int_equal(mu_cli(out, sizeof(out), conf_gw1, "unlock", "dave",
	    NULL), 0);
	mu_remember(codes[2]);
	assert_int_equal(mu_auth("gw2", "dave", codes[2]), PAM_SUCCESS);
	assert_int_equal(mu_auth("gw1", "dave", codes[2]), PAM_AUTH_ERR);
}

static void
run(const char *what)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "env -u LD_PRELOAD sh %s/tests/pgcluster.sh "
	    "%s %s", getenv("MFA_SRCDIR"), what, getenv("MFA_PG_DIR"));
	assert_int_equal(system(cmd), 0);
}

static void
t_server_crash_and_restart(void **st)
{
	char c0[16], c1[16];

	(void)st;
	hotp(c0, 3, 0);
	hotp(c1, 3, 1);
	assert_int_equal(mu_auth("gw1", "erin", c0), PAM_SUCCESS);
	run("kill");
	/* Down: denied as unavailable, with its reason, on both. */
	assert_int_equal(mu_auth("gw2", "erin", c1), PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(mu_auth("gw1", "erin", c1), PAM_AUTHINFO_UNAVAIL);
	assert_true(mu_log_wait("reason=store_unavailable user=erin",
	    "service=gw2"));
	run("start");
	/* Nothing lost: the code accepted before the crash is a replay. */
	assert_int_equal(mu_auth("gw2", "erin", c0), PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=replay user=erin", "service=gw2"));
	/* Nothing doubled: the next code, tried while down, works once. */
	assert_int_equal(mu_auth("gw2", "erin", c1), PAM_SUCCESS);
	assert_int_equal(mu_auth("gw1", "erin", c1), PAM_AUTH_ERR);
}

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void
t_deadline_silent_server(void **st)
{
	char code[16];
	long t0, ms;

	(void)st;
	hotp(code, 0, 5);
	t0 = now_ms();
	assert_int_equal(mu_auth("hang", "alice", code), PAM_AUTHINFO_UNAVAIL);
	ms = now_ms() - t0;
	print_message("silent server: denied after %ld ms (deadline 1000)\n",
	    ms);
	assert_true(ms >= 990 && ms < 2000);
	assert_true(mu_log_wait("reason=store_timeout user=alice",
	    "service=hang"));
}

static void
t_deadline_stopped_postmaster(void **st)
{
	char code[16], buf[64], path[512];
	long t0, ms;
	pid_t pid;
	FILE *f;

	(void)st;
	snprintf(path, sizeof(path), "%s/data/postmaster.pid",
	    getenv("MFA_PG_DIR"));
	assert_non_null(f = fopen(path, "r"));
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	pid = (pid_t)strtol(buf, NULL, 10);
	assert_true(pid > 1);
	hotp(code, 0, 2);
	assert_int_equal(kill(pid, SIGSTOP), 0);
	t0 = now_ms();
	assert_int_equal(mu_auth("gw2fast", "alice", code),
	    PAM_AUTHINFO_UNAVAIL);
	ms = now_ms() - t0;
	assert_int_equal(kill(pid, SIGCONT), 0);
	print_message("stopped postmaster: denied after %ld ms (deadline "
	    "1500)\n", ms);
	assert_true(ms >= 1490 && ms < 2500);
	assert_true(mu_log_wait("reason=store_timeout user=alice",
	    "service=gw2fast"));
	/* The code was never used: it works once the server is back. */
	assert_int_equal(mu_auth("gw1", "alice", code), PAM_SUCCESS);
}

static void
t_cli_on_the_database(void **st)
{
	char out[8192], code[16];

	(void)st;
	assert_int_equal(mu_cli(out, sizeof(out), conf_gw1, "list", NULL), 0);
	assert_non_null(strstr(out, "alice"));
	assert_non_null(strstr(out, "gina"));
	assert_int_equal(mu_cli(out, sizeof(out), conf_gw1, "status", "carol",
	    NULL), 0);
	assert_non_null(strstr(out, "failures=5 locked=until_"));
	assert_int_equal(mu_cli(out, sizeof(out), conf_gw1, "unlock", "carol",
	    NULL), 0);
	assert_int_equal(mu_cli(out, sizeof(out), conf_gw1, "status", "carol",
	    NULL), 0);
	assert_non_null(strstr(out, "failures=0 locked=no"));
	/* Unlocked on every gateway. */
	hotp(code, 2, 0);
	assert_int_equal(mu_auth("gw2", "carol", code), PAM_SUCCESS);
	assert_int_equal(mu_cli(out, sizeof(out), conf_gw1, "backup-codes",
	    "-l", "dave", NULL), 0);
	assert_non_null(strstr(out, "2"));
	assert_int_equal(mu_cli(out, sizeof(out), conf_gw1, "revoke", "gina",
	    NULL), 0);
	assert_int_equal(mu_cli(out, sizeof(out), conf_gw1, "list", NULL), 0);
	assert_null(strstr(out, "gina"));
	hotp(code, 0, 0);
	assert_int_equal(mu_auth("gw1", "gina", code), PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=not_enrolled user=gina", NULL));
	assert_int_equal(mu_cli(out, sizeof(out), conf_gw1, "revoke", "gina",
	    NULL), 5);
}

/* A read-only server (a standby) denies as unavailable and consumes
 * nothing; a multi-host string reaches the read-write one. */
static void
t_read_only_and_multi_host(void **st)
{
	char code[16];

	(void)st;
	hotp(code, 0, 10);
	assert_int_equal(mu_auth("ro", "alice", code), PAM_AUTHINFO_UNAVAIL);
	assert_true(mu_log_wait("reason=store_unavailable user=alice",
	    "service=ro"));
	assert_int_equal(mu_auth("rorw", "alice", code),
	    PAM_AUTHINFO_UNAVAIL);
	assert_true(mu_log_wait("reason=store_unavailable user=alice",
	    "service=rorw"));
	assert_int_equal(mu_auth("multi", "alice", code), PAM_SUCCESS);
	assert_int_equal(mu_auth("gw1", "alice", code), PAM_AUTH_ERR);
}

/* No password in the string, the server's certificate verified, the
 * host named: else no connection is even tried. */
static void
t_conninfo_refused(void **st)
{
	char code[16];

	(void)st;
	mu_remember("hunter2-db");
	hotp(code, 0, 11);
	assert_int_equal(mu_auth("pw", "alice", code), PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=config_error user=alice",
	    "service=pw"));
	assert_int_equal(mu_auth("nossl", "alice", code), PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=config_error user=alice",
	    "service=nossl"));
	assert_int_equal(mu_auth("nohost", "alice", code), PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=config_error user=alice",
	    "service=nohost"));
	/* None of them used the code. */
	assert_int_equal(mu_auth("gw1", "alice", code), PAM_SUCCESS);
}

/* The object is checked before it is loaded, every time. */
static void
t_store_object_checked(void **st)
{
	const char *obj = getenv("MFA_PGSQL_STORE");
	char moved[1024], code[16];

	(void)st;
	assert_non_null(obj);
	hotp(code, 0, 12);
	assert_int_equal(chmod(obj, 0775), 0);
	assert_int_equal(mu_auth("gw1", "alice", code), PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=unsafe_file user=alice",
	    "detail=store_open"));
	assert_int_equal(chmod(obj, 0755), 0);
	snprintf(moved, sizeof(moved), "%s.away", obj);
	assert_int_equal(rename(obj, moved), 0);
	assert_int_equal(mu_auth("gw1", "alice", code), PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=config_error user=alice",
	    "detail=store_open"));
	assert_int_equal(rename(moved, obj), 0);
	assert_int_equal(mu_auth("gw1", "alice", code), PAM_SUCCESS);
}

/* pam-mfa rekey on the database: every record re-sealed under a new key,
 * logins go on (the gateways here share the key file). */
static void
t_rekey(void **st)
{
	char out[4096], code[16];

	(void)st;
	assert_int_equal(mu_cli(out, sizeof(out), conf_gw1, "rekey", NULL), 0);
	assert_non_null(strstr(out, "re-encrypted"));
	hotp(code, 0, 13);
	assert_int_equal(mu_auth("gw2", "alice", code), PAM_SUCCESS);
	assert_int_equal(mu_auth("gw1", "alice", code), PAM_AUTH_ERR);
	/* And again: the first new key is dropped in turn. */
	assert_int_equal(mu_cli(out, sizeof(out), conf_gw1, "rekey", NULL), 0);
	hotp(code, 0, 14);
	assert_int_equal(mu_auth("gw1", "alice", code), PAM_SUCCESS);
}

/*
 * A lost key strands nobody silently on the database either (issue 17.1,
 * as test_keys.sh walks it on the file store): with the key file moved
 * away, logins are denied key_missing naming it, status and check report
 * every token and pending token that doesn't open, enroll makes no key
 * file -- nor when the database can't be asked whether it holds tokens;
 * an unusable key file is key_unreadable; a key file from elsewhere is
 * key_unknown with the key id (test_pgsql.sh checks it against the
 * record's bytes); with the key file back everyone logs in.
 */
static void
t_key_loss(void **st)
{
	char key[600], away[600], other[600], text[2048], down[600];
	char out[8192], code[16], msg[700], port[16], keys[4096];
	struct stat sb;

	(void)st;
	snprintf(key, sizeof(key), "%s/mfa.key", mu_dir);
	snprintf(away, sizeof(away), "%s/mfa.key.away", mu_dir);
	snprintf(other, sizeof(other), "%s/other.conf", mu_dir);
	snprintf(down, sizeof(down), "%s/down.conf", mu_dir);
	/* A pending token beside the active ones. */
	assert_int_equal(mu_cli(out, sizeof(out), conf_gw1, "enroll", "-q",
	    "none", "frank", NULL), 0);
	assert_int_equal(mu_cli(out, sizeof(out), conf_gw1, "check", NULL),
	    0);
	/* pam-mfa's and the gateways' database down (a port nobody
	 * listens on), the same key file. */
	closed_port(port);
	pg_keys(keys, sizeof(keys), "gw1", port, 1500);
	mu_write_conf(down, keys);

	assert_int_equal(rename(key, away), 0);
	hotp(code, 0, 15);
	assert_int_equal(mu_auth("gw1", "alice", code), PAM_AUTH_ERR);
	snprintf(msg, sizeof(msg), "rhost=- key_file=%s", key);
	assert_true(mu_log_wait("result=deny reason=key_missing user=alice "
	    "service=gw1", msg));
	assert_int_equal(mu_cli(out, sizeof(out), conf_gw1, "status", NULL),
	    1);
	assert_non_null(strstr(out, " token_error=key_missing"));
	assert_non_null(strstr(out, " pending_error=key_missing"));
	assert_int_equal(mu_cli(out, sizeof(out), conf_gw1, "check", NULL),
	    1);
	/* No new key beside the database's tokens, nor when the database
	 * can't say whether it holds any. */
	assert_int_equal(mu_cli(out, sizeof(out), conf_gw1, "enroll", "-y",
	    "-q", "none", "newuser", NULL), 1);
	assert_int_equal(stat(key, &sb), -1);
	assert_null(strstr(out, "secret="));
	assert_int_equal(mu_cli(out, sizeof(out), down, "enroll", "-y",
	    "-q", "none", "newuser", NULL), 1);
	assert_int_equal(stat(key, &sb), -1);
	assert_int_equal(mu_cli(out, sizeof(out), conf_gw1, "list", NULL), 0);
	assert_null(strstr(out, "newuser"));

	/* Readable by all: key_unreadable. */
	assert_int_equal(rename(away, key), 0);
	assert_int_equal(chmod(key, 0644), 0);
	assert_int_equal(mu_auth("gw2", "alice", code), PAM_AUTH_ERR);
	assert_true(mu_log_wait("result=deny reason=key_unreadable user=alice "
	    "service=gw2", msg));
	assert_int_equal(chmod(key, 0600), 0);

	/* Another install's key file (made by a file store elsewhere):
	 * its first key id is random, so it lacks alice's. */
	snprintf(text, sizeof(text), "state_dir = \"%s/other\";\n"
	    "key_file = \"%s/other.key\";\nuser_lookup = \"exact\";\n",
	    mu_dir, mu_dir);
	assert_int_equal(tu_write_file(other, text, 0644), 0);
	assert_int_equal(mu_cli(out, sizeof(out), other, "enroll", "-y", "-q",
	    "none", "olga", NULL), 0);
	assert_int_equal(rename(key, away), 0);
	snprintf(text, sizeof(text), "%s/other.key", mu_dir);
	assert_int_equal(rename(text, key), 0);
	assert_int_equal(mu_auth("gw1", "alice", code), PAM_AUTH_ERR);
	snprintf(msg, sizeof(msg), "key_file=%s", key);
	assert_true(mu_log_wait("result=deny reason=key_unknown user=alice "
	    "service=gw1 rhost=- key_id=", msg));
	assert_int_equal(mu_cli(out, sizeof(out), conf_gw1, "status", "alice",
	    NULL), 1);
	assert_non_null(strstr(out, " token_error=key_unknown"));
	assert_int_equal(mu_cli(out, sizeof(out), conf_gw1, "check", NULL),
	    1);

	/* The right key file back: every token opens, everyone logs in,
	 * and the code refused meanwhile was never spent. */
	assert_int_equal(rename(away, key), 0);
	assert_int_equal(mu_cli(out, sizeof(out), conf_gw1, "check", NULL),
	    0);
	assert_int_equal(mu_cli(out, sizeof(out), conf_gw1, "status", NULL),
	    0);
	assert_null(strstr(out, "_error="));
	assert_int_equal(mu_auth("gw2", "alice", code), PAM_SUCCESS);
	hotp(code, 3, 2);
	assert_int_equal(mu_auth("gw1", "erin", code), PAM_SUCCESS);
	assert_int_equal(mu_cli(out, sizeof(out), conf_gw1, "enroll", "-y",
	    "-q", "none", "newuser", NULL), 0);
	assert_non_null(strstr(out, "secret="));
	assert_int_equal(mu_cli(out, sizeof(out), conf_gw1, "revoke",
	    "newuser", NULL), 0);
	assert_int_equal(mu_cli(out, sizeof(out), conf_gw1, "revoke",
	    "frank", NULL), 0);
}

/* pam-mfa db import-files: the file store's user moves with its floor,
 * and the file store refuses them from then on. */
static void
t_import_files(void **st)
{
	char errmsg[CONF_ERRMSG_MAX], out[4096], c0[16], c1[16];
	struct mfa_conf *conf = NULL;
	struct mfa_store *fs = NULL;
	struct mfa_token tok;

	(void)st;
	assert_int_equal(conf_load(conf_file, &conf, errmsg), MFA_OK);
	assert_int_equal(store_create(conf), MFA_OK);
	assert_int_equal(store_open(conf, &fs), MFA_OK);
	mu_token(&tok, MFA_HOTP, MFA_SHA1, 6, 30, mu_secrets_hex[1]);
	assert_int_equal(store_token_put(fs, "ivan", &tok), MFA_OK);
	token_wipe(&tok);
	store_close(fs);
	conf_free(conf);
	hotp(c0, 1, 0);
	hotp(c1, 1, 1);
	assert_int_equal(mu_auth("filesvc", "ivan", c0), PAM_SUCCESS);
	assert_int_equal(mu_cli(out, sizeof(out), conf_gw1, "db",
	    "import-files", NULL), 0);
	assert_non_null(strstr(out, "imported ivan"));
	/* The floor came along: c0 is a replay on both gateways. */
	assert_int_equal(mu_auth("gw2", "ivan", c0), PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=replay user=ivan", "service=gw2"));
	/* The file store refuses ivan now: c1 can't be used there and
	 * then again on the database. */
	assert_int_equal(mu_auth("filesvc", "ivan", c1), PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=locked user=ivan", "service=filesvc"));
	assert_int_equal(mu_auth("gw1", "ivan", c1), PAM_SUCCESS);
	/* Again: ivan is in the database already, nothing changes. */
	assert_int_equal(mu_cli(out, sizeof(out), conf_gw1, "db",
	    "import-files", NULL), 1);
	assert_non_null(strstr(out, "skipped ivan: already in the database"));
	assert_int_equal(mu_auth("gw2", "ivan", c1), PAM_AUTH_ERR);
}

/* pam-mfa resync's core on the database (the admin connection). */
static enum mfa_err
resync(const char *user, const char *c1, const char *c2,
    struct resync_result *res)
{
	struct mfa_account acct;
	struct mfa_conf *conf;
	struct mfa_store *store;
	enum mfa_err rc;

	store = mu_store_open(&conf);
	assert_int_equal(account_resolve(user, conf->user_lookup, &acct),
	    MFA_OK);
	rc = resync_run(conf, store, user, &acct, c1, strlen(c1), c2,
	    strlen(c2), (int64_t)time(NULL), 0, res);
	mu_store_close(store, conf);
	return rc;
}

/* An HOTP counter moved past the look-ahead, and a TOTP token 20
 * periods ahead given its offset, on the database: the gateways agree
 * (the second code spent on both, the next one good). */
static void
t_resync(void **st)
{
	struct resync_result res;
	char c1[16], c2[16], c3[16];

	(void)st;
	mu_enroll("rita", MFA_HOTP, MFA_SHA1, 6, 30, mu_secrets_hex[1]);
	hotp(c1, 1, 700);
	hotp(c2, 1, 701);
	hotp(c3, 1, 702);
	assert_int_equal(mu_auth("gw1", "rita", c3), PAM_AUTH_ERR);
	assert_int_equal(resync("rita", c1, c2, &res), MFA_OK);
	assert_int_equal(res.floor, 702);
	assert_int_equal(mu_auth("gw2", "rita", c2), PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=replay user=rita", "service=gw2"));
	assert_int_equal(mu_auth("gw1", "rita", c3), PAM_SUCCESS);

	mu_enroll("tom", MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[2]);
	mu_totp(c1, "sha1", 6, 30, mu_secrets_hex[2], 570);
	mu_totp(c2, "sha1", 6, 30, mu_secrets_hex[2], 600);
	mu_totp(c3, "sha1", 6, 30, mu_secrets_hex[2], 630);
	assert_int_equal(resync("tom", c1, c2, &res), MFA_OK);
	/* 19 if a period began between the codes and the resync. */
	assert_in_range(res.offset, 19, 20);
	assert_int_equal(mu_auth("gw2", "tom", c2), PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=replay user=tom", "service=gw2"));
	assert_int_equal(mu_auth("gw1", "tom", c3), PAM_SUCCESS);
}

/* 16 processes, alternating gateways, fail from one source at once. */
static int
race_source(int i, void *arg)
{
	char user[16];

	(void)arg;
	snprintf(user, sizeof(user), "sr%02d", i);
	return mu_auth_rhost(i % 2 ? "srcr2" : "srcr1", user, "000000",
	    "198.51.100.61") == PAM_AUTH_ERR ? 0 : 1;
}

/*
 * The per-source throttle shared by two gateways: six wrong codes from
 * one address, alternating gateways and users, throttle it on both (the
 * right code refused there, accepted from another address, the user's
 * count untouched); sixteen concurrent failures across the gateways all
 * counted; status --sources and unlock --source on the database.
 */
static void
t_sources_across_gateways(void **st)
{
	char user[16], code[16], bad[16], out[8192];
	int i;

	(void)st;
	for (i = 0; i < 8; i++) {
		snprintf(user, sizeof(user), "sa%d", i);
		mu_enroll(user, MFA_HOTP, MFA_SHA1, 6, 30,
		    mu_secrets_hex[i % MU_SECRETS]);
	}
	for (i = 0; i < 6; i++) {
		snprintf(user, sizeof(user), "sa%d", i);
		hotp(code, i % MU_SECRETS, 0);
		snprintf(bad, sizeof(bad), "%06d", (atoi(code) + 1) % 1000000);
		assert_int_equal(mu_auth_rhost(i % 2 ? "src2" : "src1", user,
		    bad, "203.0.113.60"), PAM_AUTH_ERR);
	}
	assert_int_equal(mu_log_count("reason=bad_code user=sa", 6), 6);
	assert_true(mu_log_wait("source=203.0.113.60 source_failures=6 "
	    "source_locked_until=", NULL));
	hotp(code, 6 % MU_SECRETS, 0);
	assert_int_equal(mu_auth_rhost("src2", "sa6", code, "203.0.113.60"),
	    PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=source_throttled user=sa6",
	    "service=src2"));
	assert_int_equal(mu_auth_rhost("src1", "sa6", code, "203.0.113.60"),
	    PAM_AUTH_ERR);
	assert_int_equal(mu_log_count("reason=source_throttled user=sa6", 2),
	    2);
	assert_int_equal(mu_cli(out, sizeof(out), conf_src1, "status", "sa6",
	    (char *)NULL), 0);
	assert_non_null(strstr(out, " failures=0 "));
	assert_int_equal(mu_auth_rhost("src1", "sa6", code, "198.51.100.60"),
	    PAM_SUCCESS);

	assert_int_equal(mu_cli(out, sizeof(out), conf_src1, "status",
	    "--sources", (char *)NULL), 0);
	assert_non_null(strstr(out, "203.0.113.60 failures=6 "
	    "throttled=until_"));
	assert_int_equal(mu_cli(out, sizeof(out), conf_src2, "unlock",
	    "--source", "203.0.113.60", (char *)NULL), 0);
	hotp(code, 7 % MU_SECRETS, 0);
	assert_int_equal(mu_auth_rhost("src2", "sa7", code, "203.0.113.60"),
	    PAM_SUCCESS);

	for (i = 0; i < 16; i++) {
		snprintf(user, sizeof(user), "sr%02d", i);
		mu_enroll(user, MFA_HOTP, MFA_SHA1, 6, 30,
		    mu_secrets_hex[i % MU_SECRETS]);
	}
	assert_int_equal(mu_race(16, race_source, NULL), 16);
	assert_int_equal(mu_cli(out, sizeof(out), conf_srcr1, "status",
	    "--sources", (char *)NULL), 0);
	assert_non_null(strstr(out, "198.51.100.61 failures=16 "));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_file_store_never_maps_libpq),
		cmocka_unit_test(t_replay_across_gateways),
		cmocka_unit_test(t_activate_at_login),
		cmocka_unit_test(t_race_one_code_once),
		cmocka_unit_test(t_race_wrong_codes_deny5),
		cmocka_unit_test(t_race_backup_code),
		cmocka_unit_test(t_deadline_silent_server),
		cmocka_unit_test(t_deadline_stopped_postmaster),
		cmocka_unit_test(t_server_crash_and_restart),
		cmocka_unit_test(t_cli_on_the_database),
		cmocka_unit_test(t_import_files),
		cmocka_unit_test(t_read_only_and_multi_host),
		cmocka_unit_test(t_conninfo_refused),
		cmocka_unit_test(t_store_object_checked),
		cmocka_unit_test(t_rekey),
		cmocka_unit_test(t_key_loss),
		cmocka_unit_test(t_resync),
		cmocka_unit_test(t_sources_across_gateways),
		cmocka_unit_test(mu_test_no_secret_in_log),
	};

	if (getenv("MFA_TEST_DIR") != NULL)
		paths(getenv("MFA_TEST_DIR"));
	return mu_main("pgsql_pam", tests, sizeof(tests) / sizeof(tests[0]),
	    fixtures);
}
