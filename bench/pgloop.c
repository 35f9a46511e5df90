/*
 * pgloop.c - the PostgreSQL store's login, taken apart (bench/pgsql.sh).
 * Links libmfacore and goes through the same store interface and
 * auth_attempt the module uses, without PAM, so that one store handle --
 * one connection -- can serve many attempts, as a host that kept its
 * connection would:
 *   connect  store_open, then the first statement (TCP, TLS 1.3 with the
 *            client certificate, startup) minus a second one on the
 *            connection it opened; store_close (pg_reuse_s = 0).  One
 *            line each for the whole first statement and for the one
 *            after it.
 *   first_stmt_kept_conn  store_open, the first statement on a kept
 *            connection (pg_reuse_s = 60: taken from the pool and
 *            checked), store_close giving it back.
 *   select   one statement round trip on an open connection (the
 *            token's SELECT, store_token_meta).
 *   valid    a valid code's auth_attempt on an open connection: the
 *            SELECT, the verification, the gw_commit and its flush.
 *   wrong    the same with a wrong code (deny = 0: verified and written).
 *   interleaved  with DIR: after each valid attempt, one SELECT round
 *            trip and one 8 kB pwrite + fdatasync of a file in DIR (the
 *            cluster's file system), so that the target (2 round trips +
 *            the flush) and the attempt are measured under the same load,
 *            and the attempt over that target, attempt by attempt.
 *            Then, on pgloop's own libpq connections (outside the
 *            module, the same conninfo), the login's two real statements
 *            for the same user: the SELECT of token and state and
 *            gw_commit with the state it read moved on as a success
 *            moves it (the floor one step up), same SQL text, same
 *            parameters (13 text values): unnamed, as the module sent
 *            them before, with synchronous_commit on (the commit's WAL
 *            flush inside) and off (without it), then prepared.  So the
 *            target measured with the real statements: their two round
 *            trips + the commit's flush, as it happened (real_target)
 *            and with the 8 kB fdatasync instead (real_target_fsync),
 *            and both prepared (real_target_prepared).  valid_cpu: the
 *            attempt's CPU time in this thread (the module, libpq, TLS).
 * Codes are computed from each user's token and replay floor, read
 * before the timed loop.  Nothing is changed in the module for this.
 *   pgloop CONF K N [DIR]   lines: "name n p50_us p99_us"
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "account.h"
#include "auth.h"
#include "conf.h"
#include "otp.h"
#include "store.h"

/* This thread's CPU time: the attempt's own work, libpq and TLS in. */
static double
cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
report(const char *name, double *t, long n)
{
	qsort(t, (size_t)n, sizeof(*t), cmp);
	printf("%s %ld %.1f %.1f\n", name, n, t[n / 2], t[n * 99 / 100]);
	fflush(stdout);
}

/* The module's two statements, as store_pgsql.c builds them. */
static const char *const real_begin = "SELECT t.token, s.version, "
    "s.token_id, s.next_step, s.fail_count, s.backup_used, s.backup_gen, "
    "s.first_fail, s.locked_until, s.last_success, s.last_fail, "
    "s.last_rhost, s.lock_step FROM (SELECT $1::text AS u) q "
    "LEFT JOIN pam_mfa.tokens t ON t.username = q.u "
    "LEFT JOIN pam_mfa.state s ON s.username = q.u";
static const char *const real_commit = "SELECT pam_mfa.gw_commit($1, $2, "
    "$3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";

/*
 * One real login's pair for user on c (prep: the prepared "b" and "c"):
 * *t1 the SELECT's round trip, *t2 gw_commit's, the state moved on as a
 * success does.  0, or -1 if anything was not as expected.
 */
static int
real_pair(PGconn *c, int prep, const char *user, double *t1, double *t2)
{
	char next[32], succ[32];
	const char *vals[13];
	PGresult *r, *w;
	double t0;
	long long now = (long long)time(NULL), last;
	int i, ok;

	t0 = now_us();
	r = prep ? PQexecPrepared(c, "b", 1, &user, NULL, NULL, 0) :
	    PQexecParams(c, real_begin, 1, NULL, &user, NULL, NULL, 0);
	*t1 = now_us() - t0;
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1 ||
	    PQnfields(r) != 13 || PQgetisnull(r, 0, 1)) {
		fprintf(stderr, "pgloop: real select: %s", PQerrorMessage(c));
		PQclear(r);
		return -1;
	}
	vals[0] = user;
	for (i = 1; i < 13; i++)
		vals[i] = PQgetvalue(r, 0, i);
	snprintf(next, sizeof(next), "%llu",
	    strtoull(PQgetvalue(r, 0, 3), NULL, 10) + 1);
	vals[3] = next;
	last = strtoll(PQgetvalue(r, 0, 9), NULL, 10);
	snprintf(succ, sizeof(succ), "%lld", now > last ? now : last);
	vals[9] = succ;
	t0 = now_us();
	w = prep ? PQexecPrepared(c, "c", 13, vals, NULL, NULL, 0) :
	    PQexecParams(c, real_commit, 13, NULL, vals, NULL, NULL, 0);
	*t2 = now_us() - t0;
	ok = PQresultStatus(w) == PGRES_TUPLES_OK && PQntuples(w) == 1 &&
	    strcmp(PQgetvalue(w, 0, 0), "t") == 0;
	if (!ok)
		fprintf(stderr, "pgloop: real gw_commit: %s", PQerrorMessage(c));
	PQclear(w);
	PQclear(r);
	return ok ? 0 : -1;
}

static PGconn *
real_conn(const char *conninfo, int sync)
{
	PGconn *c = PQconnectdb(conninfo);
	PGresult *r;

	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "pgloop: %s", PQerrorMessage(c));
		exit(1);
	}
	if (!sync) {
		r = PQexec(c, "SET synchronous_commit = off");
		if (PQresultStatus(r) != PGRES_COMMAND_OK)
			exit(1);
		PQclear(r);
	}
	return c;
}

static void
die(const char *what, enum mfa_err rc)
{
	fprintf(stderr, "pgloop: %s: %s\n", what, mfa_strerror(rc));
	exit(1);
}

int
main(int argc, char **argv)
{
	char errmsg[CONF_ERRMSG_MAX], user[32], code[MFA_CODE_MAX + 1];
	struct mfa_conf *conf;
	struct mfa_store *s;
	struct mfa_token tok;
	struct mfa_state st;
	struct mfa_txn *txn;
	struct mfa_account acct;
	struct auth_request req;
	struct auth_result res;
	enum mfa_err rc;
	uint64_t *next;
	static char page[8192];
	double *t, *t2, *ts, *tf, *tr, t0, t1;
	double *r1, *r2, *r2o, *r1p, *r2p, *rt, *rr, *rtf, *rrf, dummy;
	double *rtp, *rrp, *cpu, c0;
	PGconn *con = NULL, *coff = NULL;
	PGresult *pr;
	int fd = -1;
	long k, n, i, u;
	int pass;

	if ((argc != 4 && argc != 5) || (k = atol(argv[2])) < 1 ||
	    (n = atol(argv[3])) < 10)
		return 2;
	if (argc == 5) {
		char path[4096];

		snprintf(path, sizeof(path), "%s/pgloop.fsync", argv[4]);
		if ((fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600)) < 0 ||
		    pwrite(fd, page, sizeof(page), 0) != (ssize_t)sizeof(page) ||
		    fsync(fd) != 0 || unlink(path) != 0)
			return 1;
	}
	if ((rc = conf_load(argv[1], &conf, errmsg)) != MFA_OK) {
		fprintf(stderr, "pgloop: %s\n", errmsg);
		return 1;
	}
	if ((t = calloc((size_t)n, sizeof(*t))) == NULL ||
	    (t2 = calloc((size_t)n, sizeof(*t2))) == NULL ||
	    (next = calloc((size_t)n, sizeof(*next))) == NULL ||
	    (ts = calloc((size_t)n, sizeof(*ts))) == NULL ||
	    (tf = calloc((size_t)n, sizeof(*tf))) == NULL ||
	    (tr = calloc((size_t)n, sizeof(*tr))) == NULL ||
	    (r1 = calloc((size_t)n, sizeof(*r1))) == NULL ||
	    (r2 = calloc((size_t)n, sizeof(*r2))) == NULL ||
	    (r2o = calloc((size_t)n, sizeof(*r2o))) == NULL ||
	    (r1p = calloc((size_t)n, sizeof(*r1p))) == NULL ||
	    (r2p = calloc((size_t)n, sizeof(*r2p))) == NULL ||
	    (rt = calloc((size_t)n, sizeof(*rt))) == NULL ||
	    (rr = calloc((size_t)n, sizeof(*rr))) == NULL ||
	    (rtf = calloc((size_t)n, sizeof(*rtf))) == NULL ||
	    (rrf = calloc((size_t)n, sizeof(*rrf))) == NULL ||
	    (rtp = calloc((size_t)n, sizeof(*rtp))) == NULL ||
	    (rrp = calloc((size_t)n, sizeof(*rrp))) == NULL ||
	    (cpu = calloc((size_t)n, sizeof(*cpu))) == NULL)
		return 1;
	if (fd >= 0) {
		/* The real statements' connections: synchronous_commit on
		 * (the statements prepared there too) and off. */
		con = real_conn(conf->pg_conninfo, 1);
		coff = real_conn(conf->pg_conninfo, 0);
		pr = PQprepare(con, "b", real_begin, 1, NULL);
		if (PQresultStatus(pr) != PGRES_COMMAND_OK)
			return 1;
		PQclear(pr);
		pr = PQprepare(con, "c", real_commit, 13, NULL);
		if (PQresultStatus(pr) != PGRES_COMMAND_OK)
			return 1;
		PQclear(pr);
	}

	/* A new connection per login, as the module makes them with
	 * pg_reuse_s = 0 (PGLOOP_ATTEMPTS_ONLY: the attempts alone, for a
	 * profile). */
	conf->pg_reuse_s = 0;
	for (i = 0; getenv("PGLOOP_ATTEMPTS_ONLY") == NULL && i < n; i++) {
		snprintf(user, sizeof(user), "u%ld", (i * 7919) % k);
		t0 = now_us();
		if ((rc = store_open(conf, &s)) != MFA_OK)
			die("store_open", rc);
		if ((rc = store_token_meta(s, user, &tok)) != MFA_OK)
			die("first statement", rc);
		t1 = now_us();
		if ((rc = store_token_meta(s, user, &tok)) != MFA_OK)
			die("second statement", rc);
		t2[i] = now_us() - t1;
		t[i] = t1 - t0;
		store_close(s);
	}
	if (getenv("PGLOOP_ATTEMPTS_ONLY") == NULL) {
		report("first_stmt_new_conn", t, n);
		for (i = 0; i < n; i++)
			t[i] -= t2[i];
		report("connect", t, n);
		report("stmt_after_connect", t2, n);
	}

	/* A login's first statement on a kept connection (pg_reuse_s):
	 * store_open, taking it from the pool, its check, the statement,
	 * store_close giving it back. */
	conf->pg_reuse_s = 60;
	if ((rc = store_open(conf, &s)) != MFA_OK)
		die("store_open", rc);
	if ((rc = store_token_meta(s, "u0", &tok)) != MFA_OK)
		die("first statement", rc);
	store_close(s);
	for (i = 0; i < n; i++) {
		snprintf(user, sizeof(user), "u%ld", (i * 7919) % k);
		t0 = now_us();
		if ((rc = store_open(conf, &s)) != MFA_OK)
			die("store_open", rc);
		if ((rc = store_token_meta(s, user, &tok)) != MFA_OK)
			die("first statement", rc);
		store_close(s);
		t[i] = now_us() - t0;
	}
	report("first_stmt_kept_conn", t, n);

	/* One connection for all that follows. */
	if ((rc = store_open(conf, &s)) != MFA_OK)
		die("store_open", rc);
	for (i = 0; i < n; i++) {
		snprintf(user, sizeof(user), "u%ld", (i * 7919) % k);
		t0 = now_us();
		if ((rc = store_token_meta(s, user, &tok)) != MFA_OK)
			die("select", rc);
		t[i] = now_us() - t0;
	}
	report("select", t, n);

	/* Each user's replay floor, read untimed; users distinct. */
	if (n > k)
		n = k;
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < n; i++) {
			u = (i * 7919) % k;
			snprintf(user, sizeof(user), "u%ld", u);
			if (account_resolve(user, MFA_LOOKUP_EXACT, &acct) !=
			    MFA_OK)
				return 1;
			if (pass == 0) {
				if ((rc = store_begin(s, user, &tok, &st, &txn)) !=
				    MFA_OK)
					die("begin", rc);
				next[i] = st.next_step;
				store_abort(txn);
			}
			if ((rc = store_token_get(s, user, &tok)) != MFA_OK)
				die("token", rc);
			if ((rc = otp_generate(&tok, next[i], code)) != MFA_OK)
				die("code", rc);
			token_wipe(&tok);
			if (pass == 1)	/* wrong: the last digit moved */
				code[5] = (char)('0' + (code[5] - '0' + 1) % 10);
			memset(&req, 0, sizeof(req));
			memset(&res, 0, sizeof(res));
			req.user = acct.name;
			req.acct = &acct;
			req.code = code;
			req.code_len = strlen(code);
			req.now = (int64_t)time(NULL);
			c0 = cpu_us();
			t0 = now_us();
			rc = auth_attempt(conf, s, &req, &res);
			t[i] = now_us() - t0;
			cpu[i] = cpu_us() - c0;
			if (rc != (pass == 0 ? MFA_OK : MFA_EBADCODE))
				die(pass == 0 ? "valid" : "wrong", rc);
			if (pass == 1 || fd < 0)
				continue;
			/* The target's parts, under the same load. */
			t0 = now_us();
			if ((rc = store_token_meta(s, user, &tok)) != MFA_OK)
				die("select", rc);
			ts[i] = now_us() - t0;
			token_wipe(&tok);
			t0 = now_us();
			if (pwrite(fd, page, sizeof(page), 0) !=
			    (ssize_t)sizeof(page) || fdatasync(fd) != 0)
				return 1;
			tf[i] = now_us() - t0;
			tr[i] = t[i] / (2 * ts[i] + tf[i]);
			/* The real statements, outside the module. */
			if (real_pair(con, 0, user, &r1[i], &r2[i]) != 0 ||
			    real_pair(coff, 0, user, &dummy, &r2o[i]) != 0 ||
			    real_pair(con, 1, user, &r1p[i], &r2p[i]) != 0)
				return 1;
			rt[i] = r1[i] + r2[i];
			rr[i] = t[i] / rt[i];
			rtf[i] = r1[i] + r2o[i] + tf[i];
			rrf[i] = t[i] / rtf[i];
			rtp[i] = r1p[i] + r2p[i];
			rrp[i] = t[i] / rtp[i];
		}
		report(pass == 0 ? "valid_open_conn" : "wrong_open_conn", t, n);
		report(pass == 0 ? "valid_cpu" : "wrong_cpu", cpu, n);
		if (pass == 0 && fd >= 0) {
			report("interleaved_select", ts, n);
			report("interleaved_fdatasync_8k", tf, n);
			for (i = 0; i < n; i++)
				ts[i] = 2 * ts[i] + tf[i];
			report("interleaved_target", ts, n);
			qsort(tr, (size_t)n, sizeof(*tr), cmp);
			printf("interleaved_attempt_over_target %ld %.3f %.3f\n",
			    n, tr[n / 2], tr[n * 99 / 100]);
			report("real_select", r1, n);
			report("real_commit", r2, n);
			report("real_commit_nosync", r2o, n);
			report("real_select_prepared", r1p, n);
			report("real_commit_prepared", r2p, n);
			report("real_target", rt, n);
			report("real_target_fsync", rtf, n);
			qsort(rr, (size_t)n, sizeof(*rr), cmp);
			printf("real_attempt_over_target %ld %.3f %.3f\n",
			    n, rr[n / 2], rr[n * 99 / 100]);
			qsort(rrf, (size_t)n, sizeof(*rrf), cmp);
			printf("real_attempt_over_target_fsync %ld %.3f %.3f\n",
			    n, rrf[n / 2], rrf[n * 99 / 100]);
			report("real_target_prepared", rtp, n);
			qsort(rrp, (size_t)n, sizeof(*rrp), cmp);
			printf("real_attempt_over_target_prepared %ld %.3f "
			    "%.3f\n", n, rrp[n / 2], rrp[n * 99 / 100]);
		}
	}
	if (fd >= 0) {
		close(fd);
		PQfinish(con);
		PQfinish(coff);
	}
	store_close(s);
	conf_free(conf);
	return 0;
}
