/*
 * test_pgsql_reuse.c - the PostgreSQL store's connections kept between
 * logins of one process (pg_reuse_s), through the real libpam, on the
 * private cluster test_pgsql.sh starts.  Connections are counted on the
 * server (pg_stat_activity, by the application_name each config sets),
 * never by asking the module: ten logins of one process use one backend;
 * pg_reuse_s = 0 keeps none; one idle past pg_reuse_s is closed; the
 * server restarted between two logins, the second succeeds on a new
 * connection within its deadline; a kept connection gone silent (its
 * relay frozen) is replaced within the deadline; a forked child makes
 * its own connection and its parent's goes on unharmed; two threads
 * logging in at once each hold their own, one code accepted once; ten at
 * once make ten, of which eight (the cap) are kept.  On a kept
 * connection the login's statements run prepared (named, in the
 * server's statement log), with pg_reuse_s = 0 unnamed; a prepared
 * statement whose plan the server can no longer use (the state's row
 * type changed under it) is run again unprepared, and the login goes
 * through.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "modutil.h"
#include "testutil.h"

static char conf_path[4][512];

/* Config i: gateway role gw1, application_name pam_mfa_rN, the given
 * hosts/ports, deadline and pg_reuse_s (-1: left to its default). */
static void
write_conf(int i, const char *hosts, const char *ports, unsigned timeout_ms,
    int reuse_s)
{
	const char *d = getenv("MFA_PG_DIR");
	char keys[4096], reuse[64] = "";

	if (reuse_s >= 0)
		snprintf(reuse, sizeof(reuse), "pg_reuse_s = %d;\n", reuse_s);
	snprintf(keys, sizeof(keys), "store = \"postgresql\";\n"
	    "pg_timeout_ms = %u;\n%s"
	    "pg_conninfo = \"host=%s port=%s dbname=mfa user=gw1 "
	    "sslmode=verify-full sslrootcert=%s/certs/ca.crt "
	    "sslcert=%s/certs/gw1.crt sslkey=%s/certs/gw1.key "
	    "application_name=pam_mfa_r%d target_session_attrs=read-write\";\n"
	    "pg_admin_conninfo = \"host=127.0.0.1 port=%s dbname=mfa "
	    "user=mfaadmin sslmode=verify-full sslrootcert=%s/certs/ca.crt "
	    "sslcert=%s/certs/mfaadmin.crt sslkey=%s/certs/mfaadmin.key\";\n",
	    timeout_ms, reuse, hosts, ports, d, d, d, i,
	    getenv("MFA_PG_PORT"), d, d, d);
	snprintf(conf_path[i], sizeof(conf_path[i]), "%s/r%d.conf", mu_dir, i);
	mu_write_conf(conf_path[i], keys);
	if (i == 0)
		mu_write_conf(mu_conf_path, keys);	/* mu_enroll's */
}

static void
fixtures(void)
{
	const char *port = getenv("MFA_PG_PORT");
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	char name[16], ports[40];
	int i, lfd;

	/* r0: the default pg_reuse_s; r1: none kept; r2: one second. */
	write_conf(0, "127.0.0.1", port, 5000, -1);
	write_conf(1, "127.0.0.1", port, 5000, 0);
	write_conf(2, "127.0.0.1", port, 5000, 1);
	/* r3: the relay first, then the server itself. */
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(lfd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 4), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sa, &len), 0);
	snprintf(ports, sizeof(ports), "%u,%s", ntohs(sa.sin_port), port);
	write_conf(3, "127.0.0.1,127.0.0.1", ports, 2000, -1);
	snprintf(name, sizeof(name), "%d", lfd);
	setenv("MFA_TEST_RELAY_FD", name, 1);
	for (i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "r%d", i);
		mu_service_with_conf(name, conf_path[i], "");
	}
	mu_enroll("rita", MFA_HOTP, MFA_SHA1, 6, 30, mu_secrets_hex[0]);
	mu_enroll("ross", MFA_HOTP, MFA_SHA1, 6, 30, mu_secrets_hex[1]);
	mu_enroll("ruth", MFA_HOTP, MFA_SHA1, 6, 30, mu_secrets_hex[2]);
	mu_enroll("rudy", MFA_HOTP, MFA_SHA1, 6, 30, mu_secrets_hex[3]);
}

/* Run pgcluster.sh (no LD_PRELOAD: psql is not under test); its output
 * into out, trimmed. */
static int
cluster(char *out, size_t size, const char *what, const char *sql)
{
	char cmd[2048];
	FILE *p;
	size_t n = 0;

	snprintf(cmd, sizeof(cmd), "env -u LD_PRELOAD PGDB=mfa sh "
	    "%s/tests/pgcluster.sh %s %s%s%s%s", getenv("MFA_SRCDIR"), what,
	    getenv("MFA_PG_DIR"), sql != NULL ? " \"" : "",
	    sql != NULL ? sql : "", sql != NULL ? "\"" : "");
	p = popen(cmd, "r");
	assert_non_null(p);
	if (out != NULL) {
		n = fread(out, 1, size - 1, p);
		out[n] = '\0';
		while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == ' '))
			out[--n] = '\0';
	} else {
		char buf[256];

		while (fread(buf, 1, sizeof(buf), p) > 0)
			;
	}
	return pclose(p);
}

/* The backends of config i, "pid,pid,..." in pid order ("" if none):
 * 0, or -1 if the server could not be asked. */
static int
backends_of(char *out, size_t size, int i)
{
	char sql[512];

	snprintf(sql, sizeof(sql), "SELECT coalesce(string_agg(pid::text, "
	    "',' ORDER BY pid), '') FROM pg_stat_activity WHERE "
	    "application_name = 'pam_mfa_r%d'", i);
	return cluster(out, size, "sql", sql) == 0 ? 0 : -1;
}

static void
backends(char *out, size_t size, int i)
{
	assert_int_equal(backends_of(out, size, i), 0);
}

/* Config i's backends once they are want (a closed one's backend takes
 * a moment to leave), for up to 2 s. */
static void
backends_become(int i, const char *want)
{
	char now[256];
	int k;

	for (k = 0; k < 40; k++) {
		backends(now, sizeof(now), i);
		if (strcmp(now, want) == 0)
			break;
		usleep(50 * 1000);
	}
	assert_string_equal(now, want);
}

/* Whether /proc/self/maps names frag. */
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

static unsigned long next[4];

/* User u's next HOTP code (secret u). */
static void
code_for(char out[16], int u)
{
	mu_hotp(out, mu_secrets_hex[u], next[u]++);
	mu_remember(out);
}

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void
t_many_logins_one_connection(void **st)
{
	char code[16], first[64], now[64];
	int i;

	(void)st;
	code_for(code, 0);
	assert_int_equal(mu_auth("r0", "rita", code), PAM_SUCCESS);
	backends(first, sizeof(first), 0);
	print_message("after one login: backend %s\n", first);
	assert_true(first[0] != '\0' && strchr(first, ',') == NULL);
	for (i = 0; i < 9; i++) {
		code_for(code, 0);
		assert_int_equal(mu_auth("r0", "rita", code), PAM_SUCCESS);
		/* A wrong code and a replay on it as well. */
		assert_int_equal(mu_auth("r0", "rita", code), PAM_AUTH_ERR);
		backends(now, sizeof(now), 0);
		assert_string_equal(now, first);
	}
	assert_int_equal(mu_log_count("result=accept reason=ok user=rita "
	    "service=r0", 10), 10);
	/* libpam dlcloses the module at each pam_end: the store's object,
	 * which holds the kept connection, stays (RTLD_NODELETE; the
	 * module too, linked with -z nodelete). */
	assert_true(maps_hold("/pam_mfa.so"));
	assert_true(maps_hold("store_pgsql.so"));
}

/* The server's statement log on (1) or back off (0). */
static void
statement_log(int on)
{
	assert_int_equal(cluster(NULL, 0, "sql", on ?
	    "ALTER SYSTEM SET log_min_messages = warning" :
	    "ALTER SYSTEM SET log_min_messages = fatal"), 0);
	assert_int_equal(cluster(NULL, 0, "sql", on ?
	    "ALTER SYSTEM SET log_statement = 'all'" :
	    "ALTER SYSTEM RESET log_statement"), 0);
	assert_int_equal(cluster(NULL, 0, "sql", "SELECT pg_reload_conf()"),
	    0);
	usleep(500 * 1000);		/* every backend has read it */
}

static long
log_size(void)
{
	char path[512];
	struct stat sb;

	snprintf(path, sizeof(path), "%s/log/server.log",
	    getenv("MFA_PG_DIR"));
	assert_int_equal(stat(path, &sb), 0);
	return (long)sb.st_size;
}

/* The server log's lines from byte off that hold a (and b). */
static int
log_count(long off, const char *a, const char *b)
{
	char path[512], line[8192];
	FILE *f;
	int n = 0;

	snprintf(path, sizeof(path), "%s/log/server.log",
	    getenv("MFA_PG_DIR"));
	assert_non_null(f = fopen(path, "r"));
	assert_int_equal(fseek(f, off, SEEK_SET), 0);
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, a) != NULL &&
		    (b == NULL || strstr(line, b) != NULL))
			n++;
	fclose(f);
	return n;
}

/* Right after t_many_logins_one_connection: r0 has one kept connection,
 * which has run the login's statements. */
static void
t_prepared_on_kept_connection(void **st)
{
	char code[16];
	long off;

	(void)st;
	statement_log(1);
	off = log_size();
	code_for(code, 0);
	assert_int_equal(mu_auth("r0", "rita", code), PAM_SUCCESS);
	code_for(code, 0);
	assert_int_equal(mu_auth("r0", "rita", code), PAM_SUCCESS);
	assert_int_equal(log_count(off, "execute pam_mfa_", "pam_mfa.state"),
	    2);
	assert_int_equal(log_count(off, "execute pam_mfa_",
	    "pam_mfa.gw_commit("), 2);
	assert_int_equal(log_count(off, "execute <unnamed>", "pam_mfa."), 0);
	/* pg_reuse_s = 0: unnamed, as before. */
	off = log_size();
	code_for(code, 1);
	assert_int_equal(mu_auth("r1", "ross", code), PAM_SUCCESS);
	assert_int_equal(log_count(off, "execute pam_mfa_", NULL), 0);
	assert_int_equal(log_count(off, "execute <unnamed>",
	    "pam_mfa.gw_commit("), 1);
	/* The state's row type changed under the kept connection: its
	 * prepared SELECT's plan no longer fits (0A000), the SELECT runs
	 * again unprepared, the login succeeds, the connection goes on
	 * unprepared; a replay is still refused. */
	assert_int_equal(cluster(NULL, 0, "sql", "ALTER TABLE pam_mfa.state "
	    "ALTER COLUMN last_rhost TYPE varchar"), 0);
	off = log_size();
	code_for(code, 0);
	assert_int_equal(mu_auth("r0", "rita", code), PAM_SUCCESS);
	assert_int_equal(log_count(off, "cached plan must not change result",
	    NULL), 1);
	assert_int_equal(log_count(off, "execute <unnamed>",
	    "pam_mfa.gw_commit("), 1);
	assert_int_equal(mu_auth("r0", "rita", code), PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=replay user=rita", "service=r0"));
	assert_int_equal(cluster(NULL, 0, "sql", "ALTER TABLE pam_mfa.state "
	    "ALTER COLUMN last_rhost TYPE text"), 0);
	statement_log(0);
}

static void
t_reuse_off_keeps_none(void **st)
{
	char code[16], now[64];

	(void)st;
	code_for(code, 1);
	assert_int_equal(mu_auth("r1", "ross", code), PAM_SUCCESS);
	backends(now, sizeof(now), 1);
	assert_string_equal(now, "");
}

static void
t_idle_past_reuse_closed(void **st)
{
	char code[16], first[64], now[64];
	int i;

	(void)st;
	code_for(code, 1);
	assert_int_equal(mu_auth("r2", "ross", code), PAM_SUCCESS);
	backends(first, sizeof(first), 2);
	assert_true(first[0] != '\0' && strchr(first, ',') == NULL);
	code_for(code, 1);
	assert_int_equal(mu_auth("r2", "ross", code), PAM_SUCCESS);
	backends(now, sizeof(now), 2);
	assert_string_equal(now, first);	/* within its second */
	usleep(1300 * 1000);
	code_for(code, 1);
	assert_int_equal(mu_auth("r2", "ross", code), PAM_SUCCESS);
	/* The old one was closed (its backend gone), a new one kept. */
	for (i = 0; i < 40; i++) {
		backends(now, sizeof(now), 2);
		if (strchr(now, ',') == NULL)
			break;
		usleep(50 * 1000);
	}
	assert_true(now[0] != '\0' && strchr(now, ',') == NULL);
	assert_string_not_equal(now, first);
}

static void
t_server_restarted_between_logins(void **st)
{
	char code[16], first[64], now[64];
	long t0, ms;

	(void)st;
	code_for(code, 0);
	assert_int_equal(mu_auth("r0", "rita", code), PAM_SUCCESS);
	backends(first, sizeof(first), 0);
	assert_true(first[0] != '\0');
	/* A clean restart (the server says goodbye), then a crash (it
	 * doesn't: the backends die with it). */
	assert_int_equal(cluster(NULL, 0, "stop", NULL), 0);
	assert_int_equal(cluster(NULL, 0, "start", NULL), 0);
	code_for(code, 0);
	t0 = now_ms();
	assert_int_equal(mu_auth("r0", "rita", code), PAM_SUCCESS);
	ms = now_ms() - t0;
	print_message("first login after a restart: %ld ms\n", ms);
	assert_true(ms < 5000);
	backends(now, sizeof(now), 0);
	assert_true(now[0] != '\0' && strchr(now, ',') == NULL);
	assert_string_not_equal(now, first);
	assert_int_equal(cluster(NULL, 0, "kill", NULL), 0);
	assert_int_equal(cluster(NULL, 0, "start", NULL), 0);
	code_for(code, 0);
	assert_int_equal(mu_auth("r0", "rita", code), PAM_SUCCESS);
	/* And the replay floor came through both. */
	assert_int_equal(mu_auth("r0", "rita", code), PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=replay user=rita", "service=r0"));
}

/*
 * A relay in front of the server that takes one connection, then closes
 * its listening socket (later connections to its port are refused, so
 * libpq goes to the next host) and copies bytes both ways until killed.
 * The listening socket is made with the fixtures (pam_wrapper takes the
 * services as they are then), and reaches the tests through the exec.
 */
static pid_t
relay(void)
{
	struct sockaddr_in sa;
	int lfd = (int)strtol(getenv("MFA_TEST_RELAY_FD"), NULL, 10), cfd, sfd;
	pid_t pid;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((pid = fork()) != 0) {
		assert_true(pid > 0);
		close(lfd);
		return pid;
	}
	if ((cfd = accept(lfd, NULL, NULL)) < 0)
		_exit(1);
	close(lfd);
	sa.sin_port = htons((unsigned short)strtol(getenv("MFA_PG_PORT"), NULL, 10));
	if ((sfd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    connect(sfd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		_exit(1);
	for (;;) {
		struct pollfd p[2] = { { cfd, POLLIN, 0 }, { sfd, POLLIN, 0 } };
		char buf[16384];
		ssize_t n;
		int i;

		if (poll(p, 2, -1) < 0)
			_exit(1);
		for (i = 0; i < 2; i++) {
			if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if ((n = read(p[i].fd, buf, sizeof(buf))) <= 0 ||
			    write(p[!i].fd, buf, (size_t)n) != n)
				_exit(0);
		}
	}
}

static void
t_silent_connection_replaced(void **st)
{
	char code[16], first[64], now[64];
	long t0, ms;
	pid_t rp;
	int status;

	(void)st;
	rp = relay();
	code_for(code, 2);
	assert_int_equal(mu_auth("r3", "ruth", code), PAM_SUCCESS);
	backends(first, sizeof(first), 3);
	assert_true(first[0] != '\0' && strchr(first, ',') == NULL);
	/* The relay frozen: the kept connection is open and silent. */
	assert_int_equal(kill(rp, SIGSTOP), 0);
	code_for(code, 2);
	t0 = now_ms();
	assert_int_equal(mu_auth("r3", "ruth", code), PAM_SUCCESS);
	ms = now_ms() - t0;
	print_message("kept connection silent: login in %ld ms (deadline "
	    "2000)\n", ms);
	assert_true(ms < 2000);
	backends(now, sizeof(now), 3);
	assert_true(strstr(now, first) != NULL && strchr(now, ',') != NULL);
	assert_int_equal(kill(rp, SIGKILL), 0);
	assert_int_equal(waitpid(rp, &status, 0), rp);
	/* The code is spent once. */
	assert_int_equal(mu_auth("r3", "ruth", code), PAM_AUTH_ERR);
}

static void
t_fork_child_own_connection(void **st)
{
	char code[16], first[64], now[64];
	pid_t pid;
	int status;

	(void)st;
	code_for(code, 3);
	assert_int_equal(mu_auth("r0", "rudy", code), PAM_SUCCESS);
	backends(first, sizeof(first), 0);
	assert_true(first[0] != '\0' && strchr(first, ',') == NULL);
	code_for(code, 3);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* The child logs in; meanwhile both connections exist: its
		 * own, and its parent's, untouched. */
		if (mu_auth("r0", "rudy", code) != PAM_SUCCESS)
			_exit(2);
		if (backends_of(now, sizeof(now), 0) != 0 ||
		    strstr(now, first) == NULL || strchr(now, ',') == NULL)
			_exit(3);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* The child's code is spent for its parent too; the parent's
	 * connection still works, and is still the one it had. */
	assert_int_equal(mu_auth("r0", "rudy", code), PAM_AUTH_ERR);
	code_for(code, 3);
	assert_int_equal(mu_auth("r0", "rudy", code), PAM_SUCCESS);
	backends_become(0, first);
}

struct th {
	const char *code;
	const char *user;
	pthread_barrier_t *go;
	int rc;
};

static void *
th_login(void *arg)
{
	struct th *t = arg;
	struct pam_conv conv = { mu_conv_answer, tu_unconst(t->code) };
	pam_handle_t *ph = NULL;

	pthread_barrier_wait(t->go);
	t->rc = -1;
	if (pam_start("r0", t->user, &conv, &ph) != PAM_SUCCESS)
		return NULL;
	t->rc = pam_authenticate(ph, 0);
	pam_end(ph, t->rc);
	return NULL;
}

/*
 * n threads of this process log in as user u with one code at once,
 * while a row lock on u's state is held 3 s: every thread's commit waits
 * for it, so that n logins hold a connection at the same moment.  Checks
 * that n backends of r0 wait at once (each thread has its own) and that
 * the code is accepted once; returns after all are done.
 */
#define THREADS_MAX	10
static void
threads_race(int u, const char *user, int n)
{
	char code[16], now[64], want[16], sql[512];
	pthread_barrier_t go;
	pthread_t tid[THREADS_MAX];
	struct th t[THREADS_MAX];
	pid_t holder;
	int i, ok = 0, status;

	assert_true(n <= THREADS_MAX);
	code_for(code, u);
	snprintf(sql, sizeof(sql), "env -u LD_PRELOAD PGDB=mfa sh "
	    "%s/tests/pgcluster.sh sql %s \"BEGIN; SELECT 1 FROM "
	    "pam_mfa.state WHERE username = '%s' FOR UPDATE; "
	    "SELECT pg_sleep(3); COMMIT\" >/dev/null",
	    getenv("MFA_SRCDIR"), getenv("MFA_PG_DIR"), user);
	holder = fork();
	assert_true(holder >= 0);
	if (holder == 0) {
		execl("/bin/sh", "sh", "-c", sql, (char *)NULL);
		_exit(127);
	}
	usleep(600 * 1000);
	assert_int_equal(pthread_barrier_init(&go, NULL, (unsigned)n), 0);
	for (i = 0; i < n; i++) {
		t[i].code = code;
		t[i].user = user;
		t[i].go = &go;
		assert_int_equal(pthread_create(&tid[i], NULL, th_login, &t[i]),
		    0);
	}
	/* All waiting for the lock: n backends of r0. */
	snprintf(want, sizeof(want), "%d", n);
	for (i = 0; i < 45; i++) {
		snprintf(sql, sizeof(sql), "SELECT count(DISTINCT pid) FROM "
		    "pg_stat_activity WHERE application_name = 'pam_mfa_r0' "
		    "AND wait_event_type = 'Lock'");
		assert_int_equal(cluster(now, sizeof(now), "sql", sql), 0);
		if (strcmp(now, want) == 0)
			break;
		usleep(50 * 1000);
	}
	print_message("backends of %d threads waiting at once: %s\n", n, now);
	assert_string_equal(now, want);
	for (i = 0; i < n; i++) {
		assert_int_equal(pthread_join(tid[i], NULL), 0);
		ok += t[i].rc == PAM_SUCCESS;
		assert_true(t[i].rc == PAM_SUCCESS || t[i].rc == PAM_AUTH_ERR);
	}
	pthread_barrier_destroy(&go);
	assert_int_equal(waitpid(holder, &status, 0), holder);
	/* One code, accepted once. */
	assert_int_equal(ok, 1);
}

static void
t_threads_own_connections(void **st)
{
	char code[16], now[64];

	(void)st;
	code_for(code, 2);
	/* ruth's state row, to lock. */
	assert_int_equal(mu_auth("r0", "ruth", code), PAM_SUCCESS);
	threads_race(2, "ruth", 2);
	assert_true(mu_log_wait("reason=replay user=ruth", "service=r0"));
	/* Both connections kept: two backends now. */
	backends(now, sizeof(now), 0);
	assert_non_null(strchr(now, ','));
}

/* Ten logins at once: ten connections, of which 8 (POOL_MAX) are kept. */
static void
t_pool_capped(void **st)
{
	char now[256];
	int i, n = 0;

	(void)st;
	threads_race(3, "rudy", 10);
	for (i = 0; i < 40; i++) {
		char *p;

		backends(now, sizeof(now), 0);
		for (n = 1, p = now; (p = strchr(p, ',')) != NULL; p++)
			n++;
		if (n == 8)
			break;
		usleep(50 * 1000);
	}
	print_message("kept after ten at once: %d\n", n);
	assert_int_equal(n, 8);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_many_logins_one_connection),
		cmocka_unit_test(t_prepared_on_kept_connection),
		cmocka_unit_test(t_reuse_off_keeps_none),
		cmocka_unit_test(t_idle_past_reuse_closed),
		cmocka_unit_test(t_fork_child_own_connection),
		cmocka_unit_test(t_threads_own_connections),
		cmocka_unit_test(t_pool_capped),
		cmocka_unit_test(t_silent_connection_replaced),
		cmocka_unit_test(t_server_restarted_between_logins),
		cmocka_unit_test(mu_test_no_secret_in_log),
	};

	return mu_main("pgsql_reuse", tests,
	    sizeof(tests) / sizeof(tests[0]), fixtures);
}
