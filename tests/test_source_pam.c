/*
 * test_source_pam.c - the per-source throttle through the real libpam:
 * a spray of 50 users x 2 wrong codes from one address throttles it (the
 * right code refused too, as a wrong one is: same PAM code, prompts and
 * delay) while every user still logs in from another address and no
 * user's count grows from the refused attempts; IPv6 forms of one
 * address and its /64 count as one, v4-mapped as the IPv4 address;
 * host names share one key; source_allow is never throttled; expiry on
 * the test clock; a flood of distinct sources stays in the table's fixed
 * size; concurrent failures from one source all counted; failed
 * passwords (authfail) counted; status --sources and unlock --source.
 */
#include "config.h"

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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "modutil.h"
#include "source.h"
#include "srctable.h"
#include "store.h"
#include "testutil.h"

#define T0 1900000000LL		/* the test clock's start: 2030-03-17 */

static char conf_spray[512], conf_small[512], conf_allow[512];
static char conf_flood[512], conf_race[512], passdb[512];
static char conf_delay[512];

static void
set_clock(long long t)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", t);
	setenv("MFA_FAKE_TIME", buf, 1);
}

static void
code_at(char out[16], int secret, long offset)
{
	mu_totp(out, "sha1", 6, 30, mu_secrets_hex[secret], offset);
}

static void
wrong_code(char out[16], int secret)
{
	char right[16];

	code_at(right, secret, 0);
	snprintf(out, 16, "%06d", (atoi(right) + 271828) % 1000000);
}

static void
paths(const char *d)
{
	snprintf(conf_spray, sizeof(conf_spray), "%s/spray.conf", d);
	snprintf(conf_small, sizeof(conf_small), "%s/small.conf", d);
	snprintf(conf_allow, sizeof(conf_allow), "%s/allow.conf", d);
	snprintf(conf_flood, sizeof(conf_flood), "%s/flood.conf", d);
	snprintf(conf_race, sizeof(conf_race), "%s/race.conf", d);
	snprintf(passdb, sizeof(passdb), "%s/passdb", d);
	snprintf(conf_delay, sizeof(conf_delay), "%s/delay.conf", d);
}

static void
fixtures(void)
{
	char body[4096];

	paths(mu_dir);
	mu_write_conf(conf_spray, "deny = 3;\n"
	    "source_deny = 20;\nsource_interval = 600;\n"
	    "source_lock_time = 900;\n");
	mu_service_with_conf("spray", conf_spray, "");
	/* The same with a fail delay, for the two attempts compared. */
	mu_write_conf(conf_delay, "deny = 3;\nfail_delay_ms = 1000;\n"
	    "source_deny = 20;\nsource_interval = 600;\n"
	    "source_lock_time = 900;\n");
	mu_service_with_conf("spraydelay", conf_delay, "");
	mu_write_conf(conf_small, "deny = 100;\nsource_deny = 3;\n"
	    "source_lock_time = 300;\n");
	mu_service_with_conf("small", conf_small, "");
	mu_write_conf(conf_allow, "deny = 100;\nsource_deny = 3;\n"
	    "source_allow = [ \"10.0.0.0/8\", \"2001:db8:aaaa::/48\" ];\n");
	mu_service_with_conf("allow", conf_allow, "");
	mu_write_conf(conf_flood, "deny = 3;\nstate_flush = \"os\";\n"
	    "source_deny = 5;\n");
	mu_service_with_conf("flood", conf_flood, "");
	mu_write_conf(conf_race, "deny = 1000;\nsource_deny = 1000;\n");
	mu_service_with_conf("race", conf_race, "");
	assert_int_equal(tu_write_file(passdb,
	    "pwu:secret-password:pwstack\n", 0600), 0);
	snprintf(body, sizeof(body),
	    "auth required %1$s conf=%2$s preauth\n"
	    "auth [success=1 default=ignore] %3$s passdb=%4$s\n"
	    "auth [default=die] %1$s conf=%2$s authfail\n"
	    "auth required %1$s conf=%2$s\n",
	    getenv("MFA_MODULE"), conf_small, getenv("PAM_MATRIX"), passdb);
	mu_write_service("pwstack", body);
}

/* What a PAM call showed its client: return, prompts, delay asked. */
struct seen {
	int rc;
	int prompts;
	int infos;
	unsigned delay_usec;
};

static struct seen *cur_seen;

static void
record_delay(int retval, unsigned usec, void *appdata)
{
	(void)retval;
	(void)appdata;
	cur_seen->delay_usec = usec;
}

static int
conv_count(int n, const struct pam_message **msg, struct pam_response **resp,
    void *data)
{
	int i;

	for (i = 0; i < n; i++) {
		if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF ||
		    msg[i]->msg_style == PAM_PROMPT_ECHO_ON)
			cur_seen->prompts++;
		else
			cur_seen->infos++;
	}
	return mu_conv_answer(n, msg, resp, data);
}

static void
auth_seen(const char *service, const char *user, const char *code,
    const char *rhost, struct seen *s)
{
	struct pam_conv conv = { conv_count, tu_unconst(code) };
	pam_handle_t *ph = NULL;

	memset(s, 0, sizeof(*s));
	cur_seen = s;
	assert_int_equal(pam_start(service, user, &conv, &ph), PAM_SUCCESS);
	assert_int_equal(pam_set_item(ph, PAM_RHOST, rhost), PAM_SUCCESS);
	assert_int_equal(pam_set_item(ph, PAM_FAIL_DELAY,
	    (const void *)record_delay), PAM_SUCCESS);
	s->rc = pam_authenticate(ph, 0);
	pam_end(ph, s->rc);
	cur_seen = NULL;
}

/* Answers in turn, one per echo-off prompt. */
struct answers {
	const char *const *v;
	int next;
};

static int
conv_answers(int n, const struct pam_message **msg,
    struct pam_response **resp, void *data)
{
	struct answers *a = data;
	struct pam_response *r = calloc((size_t)n, sizeof(*r));
	int i;

	if (r == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++)
		if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF &&
		    a->v[a->next] != NULL)
			r[i].resp = strdup(a->v[a->next++]);
	*resp = r;
	return PAM_SUCCESS;
}

static int
auth_answers_rhost(const char *service, const char *user,
    const char *const *v, const char *rhost)
{
	struct answers a = { v, 0 };
	struct pam_conv conv = { conv_answers, &a };
	pam_handle_t *ph = NULL;
	int rc;

	assert_int_equal(pam_start(service, user, &conv, &ph), PAM_SUCCESS);
	assert_int_equal(pam_set_item(ph, PAM_RHOST, rhost), PAM_SUCCESS);
	rc = pam_authenticate(ph, 0);
	pam_end(ph, rc);
	return rc;
}

/* The failures pam-mfa status shows for user. */
static int
user_failures(const char *conf, const char *user)
{
	char out[4096], *p;

	assert_int_equal(mu_cli(out, sizeof(out), conf, "status", user,
	    (char *)NULL), 0);
	assert_non_null(p = strstr(out, " failures="));
	return atoi(p + 10);
}

/*
 * The spray: 50 users, two wrong codes each, from one address.  The
 * source is throttled at its 20th failure; the 80 attempts after it are
 * refused before any code (source_throttled), counted against nobody.
 * The right code from there is refused exactly as a wrong one is; from
 * another address every user logs in.
 */
static void
test_spray(void **st)
{
	enum { USERS = 50 };
	const char *spray = "203.0.113.9", *home = "198.51.100.7";
	struct seen wrong, right;
	char user[32], bad[16], code[16], out[4096];
	int i, k;

	(void)st;
	set_clock(T0);
	for (i = 0; i < USERS; i++) {
		snprintf(user, sizeof(user), "sp%02d", i);
		mu_enroll(user, MFA_TOTP, MFA_SHA1, 6, 30,
		    mu_secrets_hex[i % MU_SECRETS]);
	}
	for (i = 0; i < USERS; i++)
		for (k = 0; k < 2; k++) {
			snprintf(user, sizeof(user), "sp%02d", i);
			wrong_code(bad, i % MU_SECRETS);
			assert_int_equal(mu_auth_rhost("spray", user, bad,
			    spray), PAM_AUTH_ERR);
		}
	assert_int_equal(mu_log_count("reason=bad_code user=sp", 20), 20);
	assert_int_equal(mu_log_count("reason=source_throttled user=sp", 80),
	    80);
	assert_int_equal(mu_log_count("source=203.0.113.9 source_failures=20 "
	    "source_locked_until=2030-03-17T", 1), 1);
	/* Counted against the first ten users only, none locked. */
	assert_int_equal(user_failures(conf_spray, "sp00"), 2);
	assert_int_equal(user_failures(conf_spray, "sp10"), 0);
	assert_int_equal(user_failures(conf_spray, "sp49"), 0);

	/* The right code from the sprayer's address: as a wrong code. */
	code_at(code, 1, 0);
	auth_seen("spraydelay", "sp41", code, spray, &right);
	wrong_code(bad, 2);
	auth_seen("spraydelay", "sp42", bad, home, &wrong);
	assert_int_equal(right.rc, PAM_AUTH_ERR);
	assert_int_equal(right.rc, wrong.rc);
	assert_int_equal(right.prompts, wrong.prompts);
	assert_int_equal(right.infos, wrong.infos);
	assert_int_equal(right.prompts, 1);
	/* The same delay asked (libpam randomises it by up to 50%). */
	assert_in_range(right.delay_usec, 500000, 1500000);
	assert_in_range(wrong.delay_usec, 500000, 1500000);
	assert_true(mu_log_wait("result=deny reason=source_throttled "
	    "user=sp41", "source=203.0.113.9 source_locked_until="));
	assert_int_equal(user_failures(conf_spray, "sp41"), 0);

	/* Everyone from home, in the next time step. */
	set_clock(T0 + 30);
	for (i = 0; i < USERS; i++) {
		snprintf(user, sizeof(user), "sp%02d", i);
		code_at(code, i % MU_SECRETS, 0);
		assert_int_equal(mu_auth_rhost("spray", user, code, home),
		    PAM_SUCCESS);
	}
	/* status --sources: the sprayer throttled, home counted once. */
	assert_int_equal(mu_cli(out, sizeof(out), conf_spray, "status",
	    "--sources", (char *)NULL), 0);
	assert_non_null(strstr(out, "203.0.113.9 failures=20 "
	    "throttled=until_2030-03-17T"));
	assert_non_null(strstr(out, "198.51.100.7 failures=1 throttled=no"));
	assert_int_equal(mu_cli(out, sizeof(out), conf_spray, "status",
	    "--sources", "--json", (char *)NULL), 0);
	assert_non_null(strstr(out, "{\"source\": \"203.0.113.9\", "
	    "\"failures\": 20, \"throttled\": true"));

	/* unlock --source: the address may try again at once. */
	assert_int_equal(mu_cli(out, sizeof(out), conf_spray, "unlock",
	    "--source", "203.0.113.9", (char *)NULL), 0);
	assert_non_null(strstr(out, "unlocked source 203.0.113.9"));
	set_clock(T0 + 60);
	code_at(code, 1, 0);
	assert_int_equal(mu_auth_rhost("spray", "sp41", code, spray),
	    PAM_SUCCESS);
	assert_int_equal(mu_cli(out, sizeof(out), conf_spray, "unlock",
	    "--source", "203.0.113.9", (char *)NULL), 0);
	assert_non_null(strstr(out, "203.0.113.9 was not counted"));
	assert_int_equal(mu_cli(out, sizeof(out), conf_spray, "unlock",
	    "--source", "host.example", (char *)NULL), 2);
	assert_int_equal(mu_cli(out, sizeof(out), conf_spray, "unlock",
	    "--source", "203.0.113.9/24", (char *)NULL), 2);
}

/* Three wrong codes from the forms of one source throttle it. */
static void
throttle_by(const char *user, int secret, const char *const forms[3],
    const char *probe, long long t)
{
	char bad[16], code[16];
	int i;

	set_clock(t);
	mu_enroll(user, MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[secret]);
	for (i = 0; i < 3; i++) {
		wrong_code(bad, secret);
		assert_int_equal(mu_auth_rhost("small", user, bad, forms[i]),
		    PAM_AUTH_ERR);
	}
	code_at(code, secret, 0);
	assert_int_equal(mu_auth_rhost("small", user, code, probe),
	    PAM_AUTH_ERR);
	/* Another address is not throttled. */
	assert_int_equal(mu_auth_rhost("small", user, code, "192.0.2.200"),
	    PAM_SUCCESS);
}

static void
test_ipv6_forms(void **st)
{
	const char *v6[3] = { "2001:db8:5:6::1",
	    "2001:0db8:0005:0006:0000:0000:0000:0001", "2001:DB8:5:6::1" };
	const char *net[3] = { "2001:db8:7:8::1", "2001:db8:7:8:1:2:3:4",
	    "2001:db8:7:8:ffff::" };
	const char *mapped[3] = { "::ffff:192.0.2.77", "192.0.2.77",
	    "::FFFF:c000:024d" };

	(void)st;
	throttle_by("v6a", 0, v6, "2001:db8:5:6:0::1", T0 + 10000);
	assert_true(mu_log_wait("reason=source_throttled user=v6a",
	    "source=2001:db8:5:6::/64 "));
	/* One /64: another address of it is throttled too. */
	throttle_by("v6b", 1, net, "2001:db8:7:8::99", T0 + 10100);
	assert_true(mu_log_wait("reason=source_throttled user=v6b",
	    "source=2001:db8:7:8::/64 "));
	throttle_by("v6c", 2, mapped, "::ffff:192.0.2.77", T0 + 10200);
	assert_true(mu_log_wait("reason=source_throttled user=v6c",
	    "source=192.0.2.77 "));
}

/* Host names, garbage and overlong values share the one key. */
static void
test_non_address(void **st)
{
	char longname[400];
	const char *names[3] = { "host.example.com", "\xff\xfe\x01",
	    longname };

	(void)st;
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	throttle_by("nad", 3, names, "other.example.net", T0 + 20000);
	assert_true(mu_log_wait("reason=source_throttled user=nad",
	    "source=non-address "));
}

/* source_allow: never counted, never throttled. */
static void
test_allow_list(void **st)
{
	char bad[16], code[16], out[4096];
	int i;

	(void)st;
	set_clock(T0 + 30000);
	mu_enroll("alw", MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[0]);
	for (i = 0; i < 10; i++) {
		wrong_code(bad, 0);
		assert_int_equal(mu_auth_rhost("allow", "alw", bad,
		    i % 2 ? "10.9.8.7" : "2001:db8:aaaa:1::5"), PAM_AUTH_ERR);
	}
	code_at(code, 0, 0);
	assert_int_equal(mu_auth_rhost("allow", "alw", code, "10.9.8.7"),
	    PAM_SUCCESS);
	assert_int_equal(mu_log_count("reason=source_throttled user=alw", 0),
	    0);
	assert_int_equal(mu_cli(out, sizeof(out), conf_allow, "status",
	    "--sources", (char *)NULL), 0);
	assert_null(strstr(out, "10.9.8.7"));
	assert_null(strstr(out, "2001:db8:aaaa:"));
}

/* The throttle ends source_lock_time after it began, on the test clock,
 * however often the source knocked meanwhile. */
static void
test_expiry(void **st)
{
	const char *src = "198.18.0.1";
	char bad[16], code[16];
	int i;

	(void)st;
	set_clock(T0 + 40000);
	mu_enroll("exp", MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[1]);
	for (i = 0; i < 3; i++) {
		wrong_code(bad, 1);
		assert_int_equal(mu_auth_rhost("small", "exp", bad, src),
		    PAM_AUTH_ERR);
	}
	set_clock(T0 + 40000 + 299);
	code_at(code, 1, 0);
	assert_int_equal(mu_auth_rhost("small", "exp", code, src),
	    PAM_AUTH_ERR);
	set_clock(T0 + 40000 + 300);
	code_at(code, 1, 0);
	assert_int_equal(mu_auth_rhost("small", "exp", code, src),
	    PAM_SUCCESS);
}

/*
 * A flood of 9,000 distinct sources (more than the table's 8,192
 * slots), counted as the module counts them (store_source_fail) and the
 * last 20 through libpam: the table keeps its size, and a source
 * throttled before the flood stays throttled (the flood's records, one
 * failure each, go first).
 */
static void
test_flood_bounded(void **st)
{
	struct source_policy p = { 5, 600, 900 };
	struct mfa_store *store;
	struct mfa_conf *conf;
	struct source_rec r;
	char rhost[32], bad[16], code[16], path[512];
	struct stat sb;
	int i, locked;

	(void)st;
	set_clock(T0 + 50000);
	mu_enroll("fld", MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[2]);
	mu_enroll("fld2", MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[3]);
	wrong_code(bad, 2);
	for (i = 0; i < 5; i++)
		assert_int_equal(mu_auth_rhost("flood", "fld2", bad,
		    "198.19.255.1"), PAM_AUTH_ERR);
	store = mu_store_open(&conf);
	for (i = 0; i < 9000; i++) {
		snprintf(rhost, sizeof(rhost), "100.%d.%d.%d", 64 + i / 65536,
		    (i / 256) % 256, i % 256);
		assert_int_equal(store_source_fail(store, &p, rhost,
		    T0 + 50000, &r, &locked), MFA_OK);
	}
	mu_store_close(store, conf);
	for (i = 0; i < 20; i++) {
		snprintf(rhost, sizeof(rhost), "100.127.0.%d", i);
		assert_int_equal(mu_auth_rhost("flood", "fld", bad, rhost),
		    PAM_AUTH_ERR);
	}
	assert_int_equal(mu_log_count("source=100.127.0.19 source_failures=1",
	    1), 1);
	snprintf(path, sizeof(path), "%s/%s", mu_state_dir, SRCTABLE_NAME);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_size, SRCTABLE_SIZE);
	assert_true(sb.st_blocks * 512 <= SRCTABLE_SIZE + 4096);
	code_at(code, 3, 0);
	assert_int_equal(mu_auth_rhost("flood", "fld2", code, "198.19.255.1"),
	    PAM_AUTH_ERR);
	assert_true(mu_log_wait("reason=source_throttled user=fld2",
	    "source=198.19.255.1 "));
}

/* 32 processes fail from one source at once: all 32 counted. */
static int
race_wrong(int i, void *arg)
{
	char user[16];

	snprintf(user, sizeof(user), "rc%02d", i);
	return mu_auth_rhost("race", user, arg, "198.51.100.77") ==
	    PAM_AUTH_ERR ? 0 : 1;
}

static void
test_concurrent_one_source(void **st)
{
	enum { N = 32 };
	char user[16], bad[16], out[8192];
	int i;

	(void)st;
	set_clock(T0 + 60000);
	for (i = 0; i < N; i++) {
		snprintf(user, sizeof(user), "rc%02d", i);
		mu_enroll(user, MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[0]);
	}
	wrong_code(bad, 0);
	assert_int_equal(mu_race(N, race_wrong, bad), N);
	assert_int_equal(mu_cli(out, sizeof(out), conf_race, "status",
	    "--sources", (char *)NULL), 0);
	assert_non_null(strstr(out, "198.51.100.77 failures=32 "));
}

/*
 * The table's lock, without PAM's cost between updates: 8 processes
 * count 250 failures each against one source through the store as fast
 * as they can; every one of the 2,000 is in the record.
 */
static void
test_store_hammer_one_source(void **st)
{
	enum { PROCS = 8, EACH = 250 };
	struct source_policy p = { 1000000, 604800, 900 };
	struct mfa_store *store;
	struct mfa_conf *conf;
	struct source_rec r;
	pid_t pids[PROCS];
	int i, k, status, locked;

	(void)st;
	for (i = 0; i < PROCS; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			store = mu_store_open(&conf);
			for (k = 0; k < EACH; k++)
				if (store_source_fail(store, &p, "192.0.2.99",
				    T0 + 80000, &r, &locked) != MFA_OK)
					_exit(1);
			mu_store_close(store, conf);
			_exit(0);
		}
	}
	for (i = 0; i < PROCS; i++) {
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	store = mu_store_open(&conf);
	assert_int_equal(store_source_get(store, "192.0.2.99", &r), MFA_OK);
	mu_store_close(store, conf);
	assert_int_equal(r.fail_count, PROCS * EACH);
}

/* Failed passwords (authfail) count against the source; once it is
 * throttled, neither they nor the code count against the user. */
static void
test_password_spray(void **st)
{
	const char *wrong_pw[] = { "not-the-password", NULL };
	const char *answers[3] = { "secret-password", NULL, NULL };
	const char *src = "192.0.2.250";
	char code[16];
	int i;

	(void)st;
	set_clock(T0 + 70000);
	mu_enroll("pwu", MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[1]);
	for (i = 0; i < 5; i++)
		assert_int_equal(auth_answers_rhost("pwstack", "pwu", wrong_pw,
		    src), PAM_AUTH_ERR);
	assert_int_equal(mu_log_count("reason=bad_password user=pwu", 3), 3);
	assert_int_equal(mu_log_count("reason=source_throttled user=pwu", 2),
	    2);
	assert_int_equal(user_failures(conf_small, "pwu"), 3);
	code_at(code, 1, 0);
	answers[1] = code;
	assert_int_equal(auth_answers_rhost("pwstack", "pwu", answers, src),
	    PAM_AUTH_ERR);
	assert_int_equal(auth_answers_rhost("pwstack", "pwu", answers,
	    "192.0.2.251"), PAM_SUCCESS);
}

/*
 * The table is checked as every file of the store: a symlink in its
 * place, a table of the wrong size, a slot that fails its digest each
 * deny a counted login (fail closed) with the reason logged; removing
 * the file starts an empty table.
 */
static void
test_table_unsafe_or_corrupt(void **st)
{
	char path[512], code[16];
	unsigned char junk[4096];
	FILE *f;
	int fd;

	(void)st;
	set_clock(T0 + 90000);
	mu_enroll("tbl", MFA_TOTP, MFA_SHA1, 6, 30, mu_secrets_hex[0]);
	snprintf(path, sizeof(path), "%s/%s", mu_state_dir, SRCTABLE_NAME);
	code_at(code, 0, 0);

	assert_int_equal(unlink(path), 0);
	assert_int_equal(symlink("/etc/passwd", path), 0);
	assert_int_equal(mu_auth_rhost("small", "tbl", code, "192.0.2.140"),
	    PAM_AUTH_ERR);
	assert_true(mu_log_wait("result=deny reason=unsafe_file user=tbl",
	    NULL));
	assert_int_equal(unlink(path), 0);

	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fputs("short", f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(mu_auth_rhost("small", "tbl", code, "192.0.2.141"),
	    PAM_AUTH_ERR);
	assert_true(mu_log_wait("result=deny reason=corrupt_state user=tbl",
	    "rhost=192.0.2.141"));
	assert_int_equal(unlink(path), 0);

	/* A fresh table, then every slot overwritten with junk. */
	assert_int_equal(mu_auth_rhost("small", "tbl", "000000",
	    "192.0.2.142"), PAM_AUTH_ERR);
	memset(junk, 0x5a, sizeof(junk));
	assert_true((fd = open(path, O_WRONLY)) >= 0);
	for (off_t o = SRCTABLE_HEADER; o < SRCTABLE_SIZE;
	    o += (off_t)sizeof(junk))
		assert_int_equal(pwrite(fd, junk, sizeof(junk), o),
		    (ssize_t)sizeof(junk));
	assert_int_equal(close(fd), 0);
	assert_int_equal(mu_auth_rhost("small", "tbl", code, "192.0.2.143"),
	    PAM_AUTH_ERR);
	assert_true(mu_log_wait("result=deny reason=corrupt_state user=tbl",
	    "rhost=192.0.2.143"));

	/* The documented way out: remove it. */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mu_auth_rhost("small", "tbl", code, "192.0.2.143"),
	    PAM_SUCCESS);
}

int
main(void)
{
	if (getenv("MFA_TEST_DIR") != NULL)
		paths(getenv("MFA_TEST_DIR"));
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spray),
		cmocka_unit_test(test_ipv6_forms),
		cmocka_unit_test(test_non_address),
		cmocka_unit_test(test_allow_list),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_flood_bounded),
		cmocka_unit_test(test_concurrent_one_source),
		cmocka_unit_test(test_store_hammer_one_source),
		cmocka_unit_test(test_password_spray),
		cmocka_unit_test(test_table_unsafe_or_corrupt),
		cmocka_unit_test(mu_test_no_secret_in_log),
	};

	return mu_main("test_source_pam", tests,
	    sizeof(tests) / sizeof(tests[0]), fixtures);
}
