/*
 * driver.c - times pam_start -> pam_authenticate -> pam_end in a loop
 * against the fixtures populate made, for the floor (pam_permit alone),
 * pam_mfa, pam_oath and pam_google_authenticator.  HOTP codes are
 * computed here with OpenSSL's HMAC (checked against oathtool by run.sh).
 * The driver links libpam and libcrypto only: like OpenVPN, FreeRADIUS and
 * sshd it has libcrypto loaded, and liboath and libconfig are loaded by
 * the modules themselves, as in those hosts.
 *   driver DIR K N PROCS [pg] one line per path (pg: the floor and the
 *                             PostgreSQL store's paths, bench/pgsql.sh):
 *   path procs K n auths/s p50_us p99_us rss_kb [accepts expected]
 * With pg and two processes the second is the second gateway: it logs in
 * through the services named with a "2" appended (pg2, pg_locked2), and
 * every path runs on both.  BENCH_PATH=NAME runs that path alone (no
 * floor), for pgsql.sh's count of round trips.
 * Beside HOTP: TOTP users t0.. (codes for steps within one of the
 * current, each user's steps in increasing order, as a phone gives
 * them), first logins after enrollment (users f0.., enrolled by
 * populate through the store, each used once: DIR/../first_users of
 * them), the cost of one pwrite + fdatasync of a 512-byte slot (row
 * fdatasync, see fsync_one: one after each flushed HOTP login of
 * mfa_valid and mfa_wrong, untimed in theirs, so that it sees the same
 * load of the disk as they do; measured alone if they did not run), the
 * flushing floor (row floor_flush, when populate made its service:
 * pam_permit after bench/pam_flushonly.so, which does one such flushed
 * write of a file per user and nothing else), and cold processes (rows
 * cold_*): each login a fork and an exec of this driver, which loads
 * libpam and runs one pam_start -> pam_authenticate -> pam_end, as sshd
 * runs PAM in a fresh process per connection; timed from the fork to the
 * wait.
 *   driver once SVC USER ANSWER CONFDIR    one login, exit 0 if accepted
 */
#define _GNU_SOURCE
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <security/pam_appl.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *confdir;
static int only_pg;
static const char *gw = "";	/* the second gateway's services: "2" */
static char answer[16];

static int
conv(int n, const struct pam_message **msg, struct pam_response **resp,
    void *data)
{
	struct pam_response *r = calloc((size_t)n, sizeof(*r));
	int i;

	(void)msg;
	(void)data;
	if (r == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++)
		r[i].resp = strdup(answer);
	*resp = r;
	return PAM_SUCCESS;
}

/* RFC 4226 HOTP, 6 digits, secret "12345678901234567890". */
static void
hotp(uint64_t c, char out[16])
{
	unsigned char msg[8], mac[EVP_MAX_MD_SIZE];
	unsigned int len = 0, off;
	uint32_t v;
	int i;

	for (i = 7; i >= 0; i--, c >>= 8)
		msg[i] = (unsigned char)c;
	HMAC(EVP_sha1(), "12345678901234567890", 20, msg, 8, mac, &len);
	off = mac[len - 1] & 15;
	v = ((uint32_t)(mac[off] & 0x7f) << 24 | (uint32_t)mac[off + 1] << 16 |
	    (uint32_t)mac[off + 2] << 8 | mac[off + 3]) % 1000000;
	snprintf(out, 16, "%06u", v);
}

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static long
rss_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "VmRSS:", 6) == 0)
			kb = atol(line + 6);
	if (f != NULL)
		fclose(f);
	return kb;
}

static int
login(const char *svc, const char *user, double *us)
{
	struct pam_conv c = { conv, NULL };
	pam_handle_t *ph;
	double t0;
	int rc;
	char name[64];

	snprintf(name, sizeof(name), "%s%s", svc, strcmp(svc, "floor") == 0 ?
	    "" : gw);
	t0 = now_us();
	if (pam_start_confdir(name, user, &c, confdir, &ph) != PAM_SUCCESS)
		exit(3);
	rc = pam_authenticate(ph, 0);
	pam_end(ph, rc);
	*us = now_us() - t0;
	return rc;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

enum kind { VALID, WRONG, REPLAY, LOCKED, FLOOR, FIRST, FSYNC, NSS };

/* Token families with their own counters (HOTP) or step floors (TOTP). */
enum fam { F_MFA, F_OATH, F_GA, F_PG, F_MFA_T, F_OATH_T, F_GA_T, F_FIRST,
    NFAM };

struct path {
	const char *name, *svc;
	enum kind kind;
	int peer;		/* a peer: fewer iterations at large K */
	unsigned base;		/* the module's first HOTP counter */
	enum fam fam;
	int cold;		/* a fresh process per login */
};

#define TOTP_USERS	4000	/* as populate.c */
#define TOTP_W		1	/* steps either side every module accepts */

static const struct path paths[] = {
	{ "floor", "floor", FLOOR, 0, 0, F_MFA, 0 },
	{ "floor_flush", "floor_flush", FLOOR, 0, 0, F_MFA, 0 },
	{ "getpwnam_miss", "-", NSS, 0, 0, F_MFA, 0 },
	{ "mfa_valid", "mfa", VALID, 0, 0, F_MFA, 0 },
	{ "mfa_valid_os", "mfa_os", VALID, 0, 0, F_MFA, 0 },
	{ "mfa_wrong", "mfa", WRONG, 0, 0, F_MFA, 0 },
	{ "mfa_wrong_os", "mfa_os", WRONG, 0, 0, F_MFA, 0 },
	{ "fdatasync", "-", FSYNC, 0, 0, F_MFA, 0 },
	{ "mfa_replay", "mfa", REPLAY, 0, 0, F_MFA, 0 },
	{ "mfa_locked", "mfa_locked", LOCKED, 0, 0, F_MFA, 0 },
	{ "mfa_first", "mfa", FIRST, 0, 0, F_FIRST, 0 },
	{ "mfa_first_os", "mfa_os", FIRST, 0, 0, F_FIRST, 0 },
	{ "mfa_totp_valid", "mfa", VALID, 0, 0, F_MFA_T, 0 },
	{ "mfa_totp_valid_os", "mfa_os", VALID, 0, 0, F_MFA_T, 0 },
	{ "mfa_totp_wrong", "mfa", WRONG, 0, 0, F_MFA_T, 0 },
	{ "mfa_totp_wrong_os", "mfa_os", WRONG, 0, 0, F_MFA_T, 0 },
	{ "oath_valid", "oath", VALID, 1, 0, F_OATH, 0 },
	{ "oath_wrong", "oath", WRONG, 1, 0, F_OATH, 0 },
	{ "oath_totp_valid", "oath", VALID, 1, 0, F_OATH_T, 0 },
	{ "oath_totp_wrong", "oath", WRONG, 1, 0, F_OATH_T, 0 },
	{ "ga_valid", "ga", VALID, 1, 1, F_GA, 0 },
	{ "ga_wrong", "ga", WRONG, 1, 1, F_GA, 0 },
	{ "ga_totp_valid", "ga", VALID, 1, 0, F_GA_T, 0 },
	{ "ga_totp_wrong", "ga", WRONG, 1, 0, F_GA_T, 0 },
	{ "cold_floor", "floor", FLOOR, 1, 0, F_MFA, 1 },
	{ "cold_mfa_valid", "mfa", VALID, 1, 0, F_MFA, 1 },
	{ "cold_mfa_valid_os", "mfa_os", VALID, 1, 0, F_MFA, 1 },
	{ "cold_oath_valid", "oath", VALID, 1, 0, F_OATH, 1 },
	{ "cold_ga_valid", "ga", VALID, 1, 1, F_GA, 1 },
	{ "pg_valid", "pg", VALID, 0, 0, F_PG, 0 },
	{ "pg_wrong", "pg", WRONG, 0, 0, F_PG, 0 },
	{ "pg_locked", "pg_locked", LOCKED, 0, 0, F_PG, 0 },
};

/* Next HOTP counter, or lowest TOTP step not yet used, per family and
 * user. */
static uint32_t *ctr[NFAM];
static long K;
static long first_users;	/* populate's f0.. */
static const char *argv0;

static uint32_t *
counters(const struct path *p)
{
	return ctr[p->fam];
}

/* The users a family's counters cover. */
static size_t
fam_size(long f)
{
	return f == F_MFA_T || f == F_OATH_T || f == F_GA_T ? TOTP_USERS :
	    f == F_FIRST ? 1 : (size_t)K;
}

static int
totp_fam(const struct path *p)
{
	return p->fam == F_MFA_T || p->fam == F_OATH_T || p->fam == F_GA_T;
}

/* The users of a path's family. */
static long
fam_users(const struct path *p)
{
	return totp_fam(p) ? TOTP_USERS : K;
}

/*
 * A TOTP code for user idx not used before: the lowest step in
 * [now - TOTP_W, now + TOTP_W] above the ones used, in *step.  0 if the
 * user has none left in this window.
 */
static int
totp_next(uint32_t *c, long idx, uint32_t *step)
{
	uint32_t now = (uint32_t)(time(NULL) / 30);
	uint32_t s = c[idx] > now - TOTP_W ? c[idx] : now - TOTP_W;

	if (s > now + TOTP_W)
		return 0;
	*step = s;
	return 1;
}

/* One login in a fresh process: fork, exec "driver once ...", wait. */
static int
login_cold(const char *svc, const char *user, double *us)
{
	double t0 = now_us();
	pid_t pid;
	int st;

	if ((pid = fork()) < 0)
		exit(3);
	if (pid == 0) {
		execl(argv0, argv0, "once", svc, user, answer, confdir,
		    (char *)NULL);
		_exit(3);
	}
	if (waitpid(pid, &st, 0) != pid)
		exit(3);
	*us = now_us() - t0;
	if (!WIFEXITED(st) || WEXITSTATUS(st) > 1)
		exit(3);
	return WEXITSTATUS(st) == 0 ? PAM_SUCCESS : PAM_AUTH_ERR;
}

/* The fdatasync row's samples, taken between flushed logins. */
static double *fs_t;
static long fs_n, fs_cap;	/* fs_cap 0: none (two processes) */

#define FSYNC_FILES	1000

/*
 * One pwrite + fdatasync of a 512-byte slot, as a flushed login does: in
 * a file of its own, each sample the next of FSYNC_FILES files, so that,
 * like a user's state file, the file was last written long before (its
 * timestamps change with the write).  Rewriting one file within one tick
 * of the clock leaves them unchanged, and its fdatasync then cost about
 * 45 us less here than any state file's.
 */
static void
fsync_one(double *us)
{
	static unsigned char slot[512];
	static int ready;
	static long k;
	char path[4096];
	double t0;
	int i, fd;

	if (!ready) {
		snprintf(path, sizeof(path), "%s/../fsync", confdir);
		if (mkdir(path, 0700) != 0 && errno != EEXIST)
			exit(3);
		for (i = 0; i < FSYNC_FILES; i++) {
			snprintf(path, sizeof(path), "%s/../fsync/s%d",
			    confdir, i);
			if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC,
			    0600)) < 0 ||
			    pwrite(fd, slot, sizeof(slot), 0) != sizeof(slot) ||
			    pwrite(fd, slot, sizeof(slot), 512) !=
			    sizeof(slot) || fsync(fd) != 0 || close(fd) != 0)
				exit(3);
		}
		ready = 1;
	}
	/* The open and the close are untimed: only the write and flush. */
	snprintf(path, sizeof(path), "%s/../fsync/s%ld", confdir,
	    k % FSYNC_FILES);
	if ((fd = open(path, O_RDWR | O_CLOEXEC)) < 0)
		exit(3);
	slot[0]++;
	t0 = now_us();
	if (pwrite(fd, slot, sizeof(slot), (k / FSYNC_FILES % 2) * 512) !=
	    sizeof(slot) || fdatasync(fd) != 0)
		exit(3);
	*us = now_us() - t0;
	if (close(fd) != 0)
		exit(3);
	k++;
}

/* Run n attempts of p from this process over users u = first, first +
 * step, ...; fill t[] with latencies; return the number accepted. */
static long
run(const struct path *p, long n, double *t, long first, long step)
{
	uint32_t *c = counters(p);
	long i, ok = 0, u = first;
	char user[32];

	for (i = 0; i < n; i++, u += step) {
		long nu = fam_users(p), idx = u % nu, tries;
		uint32_t cur, tstep = 0;

		if (p->kind == FSYNC) {
			if (fs_n > 0) {
				/* Taken beside the flushed logins. */
				t[i] = fs_t[i * fs_n / n];
				ok++;
				continue;
			}
			fsync_one(&t[i]);
			ok++;
			continue;
		}
		if (p->kind == NSS) {
			/* What the module's user lookup costs a made-up name. */
			double t0 = now_us();

			snprintf(user, sizeof(user), "u%ld", idx);
			if (getpwnam(user) == NULL)
				ok++;
			t[i] = now_us() - t0;
			continue;
		}
		if (totp_fam(p) && p->kind == VALID) {
			/* The next user with a code left in this window. */
			for (tries = 0; !totp_next(c, idx, &tstep); tries++) {
				if (tries >= nu)
					exit(5);
				u += step;
				idx = u % nu;
			}
		} else if (totp_fam(p))
			tstep = (uint32_t)(time(NULL) / 30);
		if (p->kind == FIRST) {
			/* The next user never logged in. */
			if ((long)c[0] >= first_users)
				exit(5);
			idx = (long)c[0]++;
		}
		snprintf(user, sizeof(user), "%s%ld", totp_fam(p) ? "t" :
		    p->kind == FIRST ? "f" : "u", idx);
		cur = c[idx] + p->base;
		switch (p->kind) {
		case FSYNC:
		case NSS:
			break;
		case FLOOR:
			snprintf(answer, sizeof(answer), "000000");
			break;
		case FIRST:
			hotp(0, answer);
			break;
		case VALID:
			if (totp_fam(p)) {
				hotp(tstep, answer);
				c[idx] = tstep + 1;
				break;
			}
			hotp(cur, answer);
			c[idx]++;
			break;
		case WRONG:
			hotp(totp_fam(p) ? tstep : cur, answer);
			answer[5] = (char)('0' + (answer[5] - '0' + 1) % 10);
			break;
		case REPLAY:
			/* A code accepted before: make sure there is one. */
			if (c[idx] == 0) {
				double d;

				hotp(cur, answer);
				if (login(p->svc, user, &d) != PAM_SUCCESS)
					exit(4);
				c[idx]++;
			}
			hotp(c[idx] - 1 + p->base, answer);
			break;
		case LOCKED:
			snprintf(user, sizeof(user), "locked");
			snprintf(answer, sizeof(answer), "000000");
			break;
		}
		if ((p->cold ? login_cold(p->svc, user, &t[i]) :
		    login(p->svc, user, &t[i])) == PAM_SUCCESS)
			ok++;
		if (p->fam == F_MFA && !p->cold && strcmp(p->svc, "mfa") == 0 &&
		    (p->kind == VALID || p->kind == WRONG) && fs_n < fs_cap)
			fsync_one(&fs_t[fs_n++]);
	}
	return ok;
}

static void
report(const char *name, int procs, long n, double *t, double wall,
    long rss, long ok)
{
	qsort(t, (size_t)n, sizeof(*t), cmp);
	printf("%s %d %ld %ld %.0f %.1f %.1f %ld ok=%ld\n", name, procs, K,
	    n, 1e6 * (double)n / wall, t[n / 2], t[n * 99 / 100], rss, ok);
	fflush(stdout);
}

/* One process: p warmed up, then n attempts timed, reported as name. */
static void
run_one(const struct path *p, const char *name, long n, double *t)
{
	double wall;
	long rss0, ok, i;

	/* Warm up: the host has loaded everything once. */
	(void)run(p, 3, t, 0, 1);
	rss0 = rss_kb();
	wall = now_us();
	ok = run(p, n, t, (long)(random() % K), 7919);
	wall = now_us() - wall;
	if (p->kind == FSYNC)
		for (wall = 0, i = 0; i < n; i++)
			wall += t[i];
	report(name, 1, n, t, wall, rss_kb() - rss0, ok);
}

int
main(int argc, char **argv)
{
	char cpath[4096], spath[4096];
	FILE *cf;
	long n, np, i;
	int procs;
	double *t;
	size_t j;
	const char *only = getenv("BENCH_PATH");
	size_t cold_floor = 0;

	argv0 = argv[0];
	if (argc == 6 && strcmp(argv[1], "once") == 0) {
		double d;

		/*
		 * A cold process's one login (login_cold), after what sshd
		 * has done before PAM in the process that runs it: libcrypto
		 * initialised with its config file (sshd loads its host keys)
		 * and the user looked up (getpwnamallow), so the floor pays
		 * these as sshd does, and the rows above it are the modules'.
		 */
		OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG |
		    OPENSSL_INIT_ADD_ALL_CIPHERS | OPENSSL_INIT_ADD_ALL_DIGESTS,
		    NULL);
		(void)getpwnam(argv[3]);
		confdir = argv[5];
		snprintf(answer, sizeof(answer), "%s", argv[4]);
		return login(argv[2], argv[3], &d) == PAM_SUCCESS ? 0 : 1;
	}
	if (argc != 5 && (argc != 6 || strcmp(argv[5], "pg") != 0))
		return 2;
	only_pg = argc == 6;
	confdir = argv[1];
	K = atol(argv[2]);
	n = atol(argv[3]);
	procs = atoi(argv[4]);
	if (K < 1 || n < 10 || (procs != 1 && procs != 2))
		return 2;
	for (i = 0; i < NFAM; i++)
		if ((ctr[i] = calloc(fam_size(i), sizeof(uint32_t))) == NULL)
			return 1;
	snprintf(cpath, sizeof(cpath), "%s/../first_users", confdir);
	if ((cf = fopen(cpath, "r")) != NULL) {
		if (fscanf(cf, "%ld", &first_users) != 1)
			return 1;
		fclose(cf);
	}
	/* The counters a previous run left: the stores remember them. */
	snprintf(cpath, sizeof(cpath), "%s/../counters", confdir);
	if ((cf = fopen(cpath, "r")) != NULL) {
		for (i = 0; i < NFAM; i++)
			if (fread(ctr[i], sizeof(uint32_t), fam_size(i), cf) !=
			    fam_size(i))
				return 1;
		fclose(cf);
	}
	if ((t = calloc((size_t)n, sizeof(*t))) == NULL)
		return 1;
	fs_cap = procs == 1 ? 2 * n + 16 : 0;
	if ((fs_t = calloc((size_t)fs_cap, sizeof(*fs_t))) == NULL)
		return 1;
	/* Lock the locked path's user once. */
	if (only == NULL || strstr(only, "locked") != NULL) {
		double d;

		snprintf(answer, sizeof(answer), "000000");
		(void)login(only_pg ? "pg_locked" : "mfa_locked", "locked",
		    &d);
	}
	for (j = 0; j < sizeof(paths) / sizeof(paths[0]); j++)
		if (strcmp(paths[j].name, "cold_floor") == 0)
			cold_floor = j;
	for (j = 0; j < sizeof(paths) / sizeof(paths[0]); j++) {
		const struct path *p = &paths[j];
		double wall;

		if (p->kind != FLOOR && only_pg != (p->svc[0] == 'p'))
			continue;
		if (only_pg && p->cold)
			continue;
		if (only != NULL && strcmp(only, p->name) != 0)
			continue;
		/* populate makes the flushing floor's service on request. */
		snprintf(spath, sizeof(spath), "%s/%s", confdir, p->svc);
		if (p->kind == FLOOR && access(spath, F_OK) != 0)
			continue;

		/* pam_oath rewrites its whole users file per login. */
		np = p->peer && K >= 100000 ? (n < 40 ? n : 40) : n;
		/* A fresh process costs milliseconds: a tenth of them.  A
		 * first login uses up its user: a quarter. */
		if (p->cold && np == n)
			np = n / 10 < 10 ? 10 : n / 10;
		if (p->kind == FIRST)
			np = n / 4 < 10 ? 10 : n / 4;
		if (procs == 1 && only == NULL && !only_pg &&
		    p->kind != FLOOR && p->kind != FSYNC && p->kind != NSS) {
			/*
			 * The floor again, just before this path and as many
			 * logins, warm or cold as it is: the row's ratio is
			 * taken to this block (run.sh), so that drift within
			 * a run does not move it.
			 */
			char name[128];

			snprintf(name, sizeof(name), "floor@%s", p->name);
			run_one(&paths[p->cold ? cold_floor : 0], name, np, t);
		}
		if (procs == 1) {
			run_one(p, p->name, np, t);
			continue;
		}
		/* Two gateways: every path; else valid and the floor (HOTP,
		 * warm: a TOTP code depends on when each process asks). */
		if (p->kind != VALID && p->kind != FLOOR && !only_pg)
			continue;
		if (p->cold || totp_fam(p))
			continue;
		/* Disjoint users need two of them. */
		if (K < 2)
			continue;
		/*
		 * Two processes on disjoint users for throughput, then on
		 * the same users and codes: every code must be accepted by
		 * exactly one of them.
		 */
		{
			long acc[2] = { 0, 0 }, m = np;
			int fds[2][2], k, st;
			pid_t pid[2];
			double w0 = now_us();

			for (k = 0; k < 2; k++) {
				if (pipe(fds[k]) != 0)
					return 1;
				if ((pid[k] = fork()) == 0) {
					long a;

					if (only_pg && k == 1)
						gw = "2";
					a = run(p, m / 2, t, k, 2);

					if (write(fds[k][1], &a, sizeof(a)) < 0)
						_exit(1);
					if (write(fds[k][1], t, sizeof(*t) *
					    (size_t)(m / 2)) < 0)
						_exit(1);
					_exit(0);
				}
				close(fds[k][1]);
			}
			for (k = 0; k < 2; k++) {
				size_t got = 0;
				ssize_t r;

				if (read(fds[k][0], &acc[k], sizeof(acc[k])) < 0)
					return 1;
				while ((r = read(fds[k][0], (char *)(t +
				    k * (m / 2)) + got, sizeof(*t) *
				    (size_t)(m / 2) - got)) > 0)
					got += (size_t)r;
				waitpid(pid[k], &st, 0);
			}
			wall = now_us() - w0;
			report(p->name, 2, 2 * (m / 2), t, wall, 0, acc[0] + acc[1]);
			if (p->kind != VALID)
				continue;
			/* What the children used, the parent skips. */
			for (i = 0; i < m / 2; i++)
				for (k = 0; k < 2; k++)
					counters(p)[(k + 2 * i) % K]++;
			/* Contention: both send the same user and code. */
			for (k = 0; k < 2; k++) {
				if (pipe(fds[k]) != 0)
					return 1;
				if ((pid[k] = fork()) == 0) {
					long a;

					if (only_pg && k == 1)
						gw = "2";
					a = run(p, m / 2, t, 0, 1);

					if (write(fds[k][1], &a, sizeof(a)) < 0)
						_exit(1);
					_exit(0);
				}
				close(fds[k][1]);
			}
			for (k = 0; k < 2; k++) {
				if (read(fds[k][0], &acc[k], sizeof(acc[k])) < 0)
					return 1;
				waitpid(pid[k], &st, 0);
			}
			printf("%s_same_codes 2 %ld %ld accepted=%ld "
			    "expected=%ld\n", p->name, K, m / 2, acc[0] + acc[1],
			    m / 2);
			/* The parent's counters advanced by none of this:
			 * move them past what the children used. */
			for (i = 0; i < m / 2; i++)
				counters(p)[i % K]++;
		}
	}
	if ((cf = fopen(cpath, "w")) == NULL)
		return 1;
	for (i = 0; i < NFAM; i++)
		if (fwrite(ctr[i], sizeof(uint32_t), fam_size(i), cf) !=
		    fam_size(i))
			return 1;
	return fclose(cf) == 0 ? 0 : 1;
}
