/*
 * store_pgsql.c - the shared store: tokens and state in PostgreSQL, so
 * that several gateways share one replay floor, one failure count and one
 * lock per user.  Built as its own object (store_pgsql.so, one exported
 * symbol) that store.c loads only when the config says so; the only file
 * that includes libpq-fe.h.  Rules this store obeys:
 *  1. Exact under concurrency without holding a lock across the network.
 *     store_begin is one SELECT of the token and the state with its
 *     version, no lock held; store_commit is one statement,
 *     pam_mfa.gw_commit, which writes the state only if its version is
 *     still the one read (FOR UPDATE / UPDATE ... WHERE version = v: under
 *     READ COMMITTED a concurrent writer waits for the row lock, then the
 *     WHERE is evaluated again on the row it left, so a stale version
 *     finds nothing).  Nothing written then: MFA_ECONFLICT, and auth.c runs
 *     the attempt again on the new state, which the winner wrote.  So a
 *     verdict is only ever returned for a state that was saved on top of
 *     every earlier one: a code is accepted at most once across gateways,
 *     and with deny = N exactly N wrong codes are ever verified (a loser
 *     runs again against the state its winner saved, locked at the Nth).
 *     This is MULTI-GATEWAY.md's CHARGE/ACCEPT exactness with one write
 *     per attempt instead of two: the charge is the version check itself.
 *     A conflict costs a loser one more round trip pair; nothing is held
 *     while the gateway computes HMACs or PBKDF2.  Never UPDATE ... FROM
 *     (SELECT ...), whose subquery is not evaluated again.
 *  2. Fail closed and bounded: one absolute deadline (pg_timeout_ms) per
 *     call, or per attempt between store_deadline_start/end, enforced with
 *     non-blocking libpq and poll(); statement_timeout and lock_timeout
 *     set in the startup packet so abandoned statements die on the server
 *     too.  On the deadline the connection is closed (PQfinish, never
 *     PQcancel).  A server down, unreachable or refusing: MFA_EUNAVAIL; no
 *     answer in time: MFA_ETIMEOUT; the connection lost, or a WARNING
 *     (the "canceling wait for synchronous replication" one) after a
 *     write was sent: MFA_EUNKNOWN.  A standby refuses the write
 *     (read-only transaction): MFA_EUNAVAIL.  No fallback.
 *  3. No environment: the connection is made from PQconninfoParse of the
 *     configured string, which must set host, dbname, user and
 *     sslmode=verify-full, with an explicit value for every other keyword
 *     libpq would take from a PG* variable or from $HOME (~/.pgpass and the
 *     files in ~/.postgresql) where one exists (libpq reads an empty value
 *     as none).  Left to the environment are only hostaddr, requirepeer,
 *     gsslib and a password (PGHOSTADDR, PGREQUIREPEER, PGGSSLIB,
 *     PGPASSWORD, or a PGSERVICE file), and verify-full with the
 *     configured sslrootcert makes any server but the configured one fail
 *     the handshake: a caller's environment can make a connection fail,
 *     never reach another server.  A password or a service in the string
 *     is refused (client certificates, or a root-only passfile).
 *  4. One connection per store_open, taken at the first statement from
 *     this process's kept connections (pool_take) or made then (so that
 *     the connection and the attempt share one deadline), used by one
 *     process and thread (the store handle is per call, and a kept
 *     connection is out of the pool while a handle holds it), given back
 *     in store_close if it is sound and idle (pool_give), else closed.
 *     Kept: at most POOL_MAX per process, each for pg_reuse_s seconds
 *     of idleness at most (0: none kept), only with the same conninfo
 *     and deadline, never the CLI's.  After a fork the child never uses
 *     or closes its parent's connection (pool_child).  A kept connection
 *     found broken is replaced within the login's deadline: before a
 *     statement if the server said goodbye while it idled, and if it
 *     then fails a read (which changes nothing, so running it again is
 *     safe) or stays silent past a quarter of the deadline; never a
 *     write.  A connection made in this login that failed is not made
 *     again in it.
 *  5. Hostile values only as bound parameters (PQsendQueryParams).
 *  6. Least privilege on the server (conf/postgresql/schema.sql): the
 *     module's role moves state only through gw_commit's allowed
 *     transitions; pam-mfa connects with pg_admin_conninfo.
 *  7. On a connection that may be kept (pool_on), a login's statements
 *     (the token's SELECT, begin's, gw_commit) are prepared, each once
 *     per connection at its first use there (PQsendPrepare, one more
 *     round trip, then PQsendQueryPrepared), so that a kept connection
 *     saves their parse and plan too.  Named after their text's hash: a
 *     name the server already has (42P05) is that text.  A connection
 *     whose statements were lost (DISCARD ALL, PgBouncer's transaction
 *     pooling giving another server connection: 26000) or whose cached
 *     plan no longer fits (0A000, a migration changed a table under
 *     it) runs its statements unprepared from then on: the statement
 *     that found it out is sent again unprepared, safe even for
 *     gw_commit, since an error ends the statement's implicit
 *     transaction with nothing written.  A refused prepare: that
 *     statement unprepared, this time.  pg_reuse_s = 0 and pam-mfa:
 *     never prepared.
 * Tokens are stored as token.c encodes them, sealed with the key file:
 * the database never sees a secret or a backup code hash in clear.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "crypto.h"
#include "keyfile.h"
#include "store.h"
#include "user.h"

#include "schema_sql.h"

struct pg_store {
	PGconn *conn;
	char *conninfo;
	int failed;			/* connection lost or refused: no
					 * second try in this login */
	pid_t pid;			/* the process that opened the store */
	int admin;
	unsigned timeout_ms;
	unsigned reuse_s;		/* pg_reuse_s: 0, never kept */
	int unproven;			/* conn is a kept one that has not
					 * answered in this login yet */
	int64_t probe;			/* its statement's own deadline */
	int pinned;			/* a deadline shared by several calls */
	int64_t deadline;		/* CLOCK_MONOTONIC, ms */
	int warned;			/* a WARNING came with the last result */
	unsigned prepared;		/* what conn has prepared (rule 7) */
	struct keyfile kf;		/* read lazily */
};

struct pg_txn {
	struct pg_store *ps;
	char user[MFA_USER_MAX + 1];
	uint64_t version;		/* 0: no state row yet */
};

/*
 * The columns of pam_mfa.state, one per field of struct mfa_state, in the
 * order of gw_commit's parameters: the one place to extend when the state
 * grows (and a migration in schema.sql).
 */
enum col_kind { COL_U64, COL_ID, COL_U32, COL_I64, COL_RHOST };
static const struct state_col {
	const char *name;
	size_t off;
	enum col_kind kind;
} state_cols[] = {
#define C(f, k) { #f, offsetof(struct mfa_state, f), k }
	C(token_id, COL_ID),		/* bigint: the id's 64 bits */
	C(next_step, COL_U64),		/* numeric(20) */
	C(fail_count, COL_U32),
	C(backup_used, COL_U32),
	C(backup_gen, COL_U32),
	C(first_fail, COL_I64),
	C(locked_until, COL_I64),
	C(last_success, COL_I64),
	C(last_fail, COL_I64),
	C(last_rhost, COL_RHOST),
	C(lock_step, COL_U32),
#undef C
};
#define NCOLS	(sizeof(state_cols) / sizeof(state_cols[0]))
#define NUM_MAX	24			/* a 64-bit number in decimal */

static int64_t
mono_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A call's deadline: its own, or the one an attempt started. */
static void
arm(struct pg_store *ps)
{
	if (!ps->pinned)
		ps->deadline = mono_ms() + ps->timeout_ms;
}

static void
pg_deadline(void *be, int on)
{
	struct pg_store *ps = be;

	ps->pinned = 0;
	if (on) {
		arm(ps);
		ps->pinned = 1;
	}
}

/* Wait for events on the connection's socket until the deadline. */
static enum mfa_err
wait_sock(struct pg_store *ps, short events)
{
	struct pollfd pfd;
	int64_t left;
	int n;

	for (;;) {
		left = ps->probe != 0 && ps->probe < ps->deadline ?
		    ps->probe : ps->deadline;
		if ((left -= mono_ms()) <= 0)
			return MFA_ETIMEOUT;
		pfd.fd = PQsocket(ps->conn);
		pfd.events = events;
		pfd.revents = 0;
		if (pfd.fd < 0)
			return MFA_EUNAVAIL;
		n = poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left);
		if (n > 0)
			return MFA_OK;
		if (n < 0 && errno != EINTR)
			return MFA_EUNAVAIL;
	}
}

/* Notices: a WARNING during a write (the sync-rep cancellation says the
 * commit is local only) makes its outcome unknown. */
static void
notice(void *arg, const PGresult *res)
{
	struct pg_store *ps = arg;
	const char *sev = PQresultErrorField(res,
	    PG_DIAG_SEVERITY_NONLOCALIZED);

	/* NULL: a kept connection between logins, which sends nothing. */
	if (ps != NULL && sev != NULL && strcmp(sev, "NOTICE") != 0 &&
	    strcmp(sev, "DEBUG") != 0 && strcmp(sev, "INFO") != 0 &&
	    strcmp(sev, "LOG") != 0)
		ps->warned = 1;
}

/* Keywords whose unset value libpq would take from the environment or
 * from $HOME, and what they get instead when the config leaves them out:
 * a file nobody can create, or libpq's compiled-in default. */
#define NO_FILE	"/dev/null/pam_mfa-none"
static const struct {
	const char *kw;
	const char *val;		/* NULL: libpq's compiled default */
} fixed_defaults[] = {
	{ "passfile", NO_FILE }, { "sslcert", NO_FILE },
	{ "sslkey", NO_FILE }, { "sslrootcert", NO_FILE },
	{ "sslcrl", NO_FILE }, { "sslcrldir", NO_FILE },
	{ "gssencmode", "disable" }, { "connect_timeout", "0" },
	{ "application_name", "pam_mfa" }, { "client_encoding", "UTF8" },
	{ "ssl_max_protocol_version", "TLSv1.3" },
};

/* Keywords the string must set: libpq would take them from PGHOST,
 * PGDATABASE, PGUSER (an empty value is no value to libpq). */
static const char *const required[] = { "host", "dbname", "user",
    "sslmode" };

/*
 * Connect with conninfo by the deadline.  Every keyword libpq knows is
 * given a value: the configured one, else fixed_defaults, else the
 * compiled default, else "" (none) — so no PG* variable and no file in
 * $HOME is ever consulted.  options gains the server-side timeouts.
 */
static enum mfa_err
pg_connect(struct pg_store *ps, const char *conninfo)
{
	PQconninfoOption *opts, *o;
	const char **kw = NULL, **val = NULL;
	char optbuf[1200];
	PostgresPollingStatusType st;
	enum mfa_err rc = MFA_ECONFIG;
	size_t n = 0, i, k;
	char *err = NULL;

	if ((opts = PQconninfoParse(conninfo, &err)) == NULL) {
		rc = err != NULL ? MFA_ECONFIG : MFA_ENOMEM;
		PQfreemem(err);
		return rc;
	}
	for (o = opts; o->keyword != NULL; o++)
		n++;
	if ((kw = calloc(n + 1, sizeof(*kw))) == NULL ||
	    (val = calloc(n + 1, sizeof(*val))) == NULL) {
		rc = MFA_ENOMEM;
		goto out;
	}
	for (k = 0; k < sizeof(required) / sizeof(required[0]); k++)
		for (o = opts; o->keyword != NULL; o++)
			if (strcmp(o->keyword, required[k]) == 0 &&
			    (o->val == NULL || o->val[0] == '\0'))
				goto out;
	for (i = 0, o = opts; o->keyword != NULL; o++, i++) {
		kw[i] = o->keyword;
		val[i] = o->val;
		/* Whatever PGHOSTADDR or a service file may say, the server
		 * must prove it is the configured host. */
		if (strcmp(o->keyword, "sslmode") == 0 &&
		    strcmp(o->val, "verify-full") != 0)
			goto out;
		if (strcmp(o->keyword, "password") == 0 && o->val != NULL &&
		    o->val[0] != '\0')
			goto out;	/* never a password in the config */
		if (strcmp(o->keyword, "service") == 0 && o->val != NULL)
			goto out;	/* service files are read from $HOME */
		if (strcmp(o->keyword, "options") == 0) {
			int len = snprintf(optbuf, sizeof(optbuf),
			    "-c statement_timeout=%u -c lock_timeout=%u "
			    "-c idle_in_transaction_session_timeout=%u %s",
			    ps->timeout_ms, ps->timeout_ms, ps->timeout_ms,
			    o->val != NULL ? o->val : "");
			if (len < 0 || (size_t)len >= sizeof(optbuf))
				goto out;
			val[i] = optbuf;
			continue;
		}
		if (val[i] != NULL || strcmp(o->keyword, "service") == 0)
			continue;
		for (k = 0; k < sizeof(fixed_defaults) /
		    sizeof(fixed_defaults[0]); k++)
			if (strcmp(o->keyword, fixed_defaults[k].kw) == 0)
				val[i] = fixed_defaults[k].val;
		if (val[i] == NULL)
			val[i] = o->compiled != NULL ? o->compiled : "";
	}
	/* By the caller's deadline: what is left of it after a kept
	 * connection was found broken. */
	rc = MFA_EUNAVAIL;
	if ((ps->conn = PQconnectStartParams(kw, val, 0)) == NULL) {
		rc = MFA_ENOMEM;
		goto out;
	}
	if (PQstatus(ps->conn) == CONNECTION_BAD)
		goto out;
	PQsetNoticeReceiver(ps->conn, notice, ps);
	st = PGRES_POLLING_WRITING;
	while (st != PGRES_POLLING_OK) {
		if (st == PGRES_POLLING_FAILED)
			goto out;
		if ((rc = wait_sock(ps, st == PGRES_POLLING_READING ?
		    POLLIN : POLLOUT)) != MFA_OK)
			goto out;
		rc = MFA_EUNAVAIL;
		st = PQconnectPoll(ps->conn);
	}
	if (PQsetnonblocking(ps->conn, 1) != 0)
		goto out;
	rc = MFA_OK;
out:
	if (rc != MFA_OK && ps->conn != NULL) {
		PQfinish(ps->conn);
		ps->conn = NULL;
	}
	free(kw);
	free(val);
	PQconninfoFree(opts);
	return rc;
}

/*
 * The connections kept between logins (rule 4), per process.  They live
 * in this object, which store.c loads with RTLD_NODELETE: libpam
 * dlcloses pam_mfa.so at every pam_end (which -z nodelete keeps mapped
 * too), and this object stays, so a long-lived host (radiusd, ocserv's
 * sec-mod, OpenVPN's auth-pam process) finds them at its next login;
 * the price is that this object, libpq and what it loads stay mapped,
 * and up to POOL_MAX connections stay open between logins, for the life
 * of the process.  pool_lock guards pool and pool_n and is held
 * only to move entries, never across a system call on a connection.
 */
#define POOL_MAX	8
struct kept {
	PGconn *conn;
	char *conninfo;			/* what it was made from */
	unsigned timeout_ms;		/* and with (its startup options) */
	pid_t pid;			/* the process that connected */
	int64_t until;			/* CLOCK_MONOTONIC ms: idle till */
	unsigned prepared;		/* its prepared statements */
};
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t pool_once = PTHREAD_ONCE_INIT;
static int pool_forksafe;		/* written once, under pool_once */
static struct kept pool[POOL_MAX];
static size_t pool_n;

/* A fork waits until no thread moves entries, so that the child gets
 * the lock free and the list whole. */
static void
pool_prepare(void)
{
	(void)pthread_mutex_lock(&pool_lock);
}

static void
pool_parent(void)
{
	(void)pthread_mutex_unlock(&pool_lock);
}

/*
 * In a forked child the parent's connections are not its own: each
 * socket, a copy of the parent's, is closed (close sends nothing, so the
 * parent's session goes on), and the PGconn with its TLS state is left
 * unfreed, because PQfinish would send a Terminate message, and TLS a
 * close_notify, on the parent's session.  That memory (some tens of
 * kilobytes a connection, at most POOL_MAX) is the child's loss, once.
 */
static void
pool_child(void)
{
	size_t i;
	int fd;

	for (i = 0; i < pool_n; i++)
		if ((fd = PQsocket(pool[i].conn)) >= 0)
			(void)close(fd);
	pool_n = 0;
	(void)pthread_mutex_unlock(&pool_lock);
}

static void
pool_init(void)
{
	pool_forksafe = pthread_atfork(pool_prepare, pool_parent,
	    pool_child) == 0;
}

/* Whether connections may be kept at all: not without the fork
 * handlers, not for pam-mfa, not with pg_reuse_s = 0. */
static int
pool_on(const struct pg_store *ps)
{
	return ps->reuse_s > 0 && !ps->admin &&
	    pthread_once(&pool_once, pool_init) == 0 && pool_forksafe;
}

/*
 * Whether a kept connection may carry a statement: open, in no
 * transaction, and nothing arrived while it idled -- a server that shuts
 * down or ends an idle session says so, then closes; a reset or a crash
 * reads the same.  A connection that died silently (a host gone, a
 * firewall's dropped state) passes: exec then finds it out.
 */
static int
conn_sound(PGconn *c)
{
	struct pollfd pfd;

	if (PQstatus(c) != CONNECTION_OK ||
	    PQtransactionStatus(c) != PQTRANS_IDLE || PQisBusy(c))
		return 0;
	pfd.fd = PQsocket(c);
	pfd.events = POLLIN;
	pfd.revents = 0;
	return pfd.fd >= 0 && poll(&pfd, 1, 0) == 0;
}

/*
 * A kept connection made from ps's conninfo and deadline, the one given
 * back last first, out of the pool for this handle alone; NULL if none.
 * Those idle past their time are closed on the way, those a parent left
 * (if the fork handler did not run) forgotten without a word.
 */
static PGconn *
pool_take(struct pg_store *ps)
{
	struct kept drop[POOL_MAX], got;
	size_t i, j, n = 0;
	int64_t now;
	pid_t pid = getpid();

	if (!pool_on(ps))
		return NULL;
	for (;;) {
		got.conn = NULL;
		got.conninfo = NULL;
		n = 0;
		now = mono_ms();
		if (pthread_mutex_lock(&pool_lock) != 0)
			return NULL;
		for (i = j = 0; i < pool_n; i++) {
			if (pool[i].pid != pid)
				continue;	/* not ours to touch */
			if (pool[i].until <= now)
				drop[n++] = pool[i];
			else
				pool[j++] = pool[i];
		}
		pool_n = j;
		for (i = pool_n; i-- > 0;)
			if (pool[i].timeout_ms == ps->timeout_ms &&
			    strcmp(pool[i].conninfo, ps->conninfo) == 0) {
				got = pool[i];
				memmove(&pool[i], &pool[i + 1],
				    (pool_n - i - 1) * sizeof(pool[0]));
				pool_n--;
				break;
			}
		(void)pthread_mutex_unlock(&pool_lock);
		for (i = 0; i < n; i++) {
			PQfinish(drop[i].conn);
			free(drop[i].conninfo);
		}
		free(got.conninfo);
		if (got.conn == NULL || conn_sound(got.conn)) {
			if (got.conn != NULL)
				PQsetNoticeReceiver(got.conn, notice, ps);
			ps->prepared = got.conn != NULL ? got.prepared : 0;
			return got.conn;
		}
		PQfinish(got.conn);	/* broken while it idled: next */
	}
}

/* store_close's: ps's connection back to the pool if it may be kept and
 * is sound (the oldest closed to make room), else closed. */
static void
pool_give(struct pg_store *ps)
{
	struct kept k, drop = { NULL, NULL, 0, 0, 0, 0 };
	PGconn *c = ps->conn;

	ps->conn = NULL;
	if (!pool_on(ps) || ps->failed || !conn_sound(c) ||
	    (k.conninfo = strdup(ps->conninfo)) == NULL) {
		PQfinish(c);
		return;
	}
	PQsetNoticeReceiver(c, notice, NULL);
	k.conn = c;
	k.timeout_ms = ps->timeout_ms;
	k.pid = ps->pid;
	k.until = mono_ms() + (int64_t)ps->reuse_s * 1000;
	k.prepared = ps->prepared;
	if (pthread_mutex_lock(&pool_lock) != 0) {
		PQfinish(c);
		free(k.conninfo);
		return;
	}
	if (pool_n == POOL_MAX) {
		drop = pool[0];
		memmove(&pool[0], &pool[1], (POOL_MAX - 1) * sizeof(pool[0]));
		pool_n--;
	}
	pool[pool_n++] = k;
	(void)pthread_mutex_unlock(&pool_lock);
	if (drop.conn != NULL && drop.pid == getpid())
		PQfinish(drop.conn);
	free(drop.conninfo);
}

/* What a failed statement means. */
static enum mfa_err
sql_error(const PGresult *res, int write)
{
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

	if (state == NULL)		/* the connection broke */
		return write ? MFA_EUNKNOWN : MFA_EUNAVAIL;
	if (strcmp(state, "57014") == 0 || strcmp(state, "55P03") == 0)
		return MFA_ETIMEOUT;	/* statement_timeout, lock_timeout */
	if (strcmp(state, "42501") == 0)
		return MFA_ECONFIG;	/* not this role's to do */
	if (strcmp(state, "55000") == 0)
		return MFA_ECRYPTO;	/* sealed under a key rekey retired */
	if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0)
		return MFA_ECONFLICT;
	if (strncmp(state, "08", 2) == 0 || strncmp(state, "57", 2) == 0)
		return write ? MFA_EUNKNOWN : MFA_EUNAVAIL;
	return MFA_EUNAVAIL;		/* read-only standby, schema missing */
}

/* The statements rule 7 prepares, by index: bits of ps->prepared. */
enum prep { PREP_NONE = -1, PREP_TOKEN, PREP_BEGIN, PREP_COMMIT };
#define PREP_OFF	(1U << 31)	/* this connection prepares nothing */

/* A prepared statement's name: its text's hash (FNV-1a, 64 bits), so
 * that one name is one text on any server connection. */
static void
prep_name(char *buf, size_t size, const char *sql)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *sql != '\0'; sql++)
		h = (h ^ (unsigned char)*sql) * 1099511628211ULL;
	snprintf(buf, size, "pam_mfa_%016llx", (unsigned long long)h);
}

/* Send what is queued and read every result by the deadline: *out gets
 * the first (MFA_OK) or nothing; lost is what a lost connection means. */
static enum mfa_err
await(struct pg_store *ps, enum mfa_err lost, PGresult **out)
{
	PGresult *res, *first = NULL;
	enum mfa_err rc;
	int f;

	*out = NULL;
	while ((f = PQflush(ps->conn)) == 1) {
		if ((rc = wait_sock(ps, POLLOUT | POLLIN)) != MFA_OK)
			return rc;
		if (!PQconsumeInput(ps->conn))
			return lost;
	}
	if (f < 0)
		return lost;
	for (;;) {
		while (PQisBusy(ps->conn)) {
			if ((rc = wait_sock(ps, POLLIN)) == MFA_OK &&
			    !PQconsumeInput(ps->conn))
				rc = lost;
			if (rc != MFA_OK) {
				PQclear(first);
				return rc;
			}
		}
		if ((res = PQgetResult(ps->conn)) == NULL)
			break;
		if (first == NULL)
			first = res;
		else
			PQclear(res);
	}
	if (first == NULL)
		return lost;
	*out = first;
	return MFA_OK;
}

/* Whether res is an error with SQLSTATE code. */
static int
sqlstate_is(const PGresult *res, const char *code)
{
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

	return state != NULL && strcmp(state, code) == 0;
}

/*
 * Run one statement with n text parameters (lens[i] > 0: binary) by the
 * deadline; *out gets its PGRES_TUPLES_OK result.  write: a statement
 * that may change the database, whose outcome is unknown if the
 * connection is lost once it was sent.  prep: which of rule 7's
 * statements it is, or PREP_NONE.
 */
static enum mfa_err
exec_once(struct pg_store *ps, enum prep prep, const char *sql, int n,
    const char *const *vals, const int *lens, int write, int fresh,
    int *unsent, PGresult **out)
{
	int fmts[16] = { 0 };
	char name[32];
	PGresult *first = NULL;
	enum mfa_err rc, lost = write ? MFA_EUNKNOWN : MFA_EUNAVAIL;
	unsigned bit = prep == PREP_NONE ? 0 : 1U << prep;
	int i, sent;

	*out = NULL;
	*unsent = 1;
	if (ps->pid != getpid() || n > 16)
		return MFA_EUNAVAIL;
	if (ps->conn == NULL) {
		ps->unproven = 0;
		if (ps->failed)
			return MFA_EUNAVAIL;
		if (!fresh && (ps->conn = pool_take(ps)) != NULL)
			ps->unproven = 1;
		else {
			ps->prepared = 0;
			if ((rc = pg_connect(ps, ps->conninfo)) != MFA_OK) {
				ps->failed = 1;
				return rc;
			}
		}
	}
	for (i = 0; i < n; i++)
		fmts[i] = lens != NULL && lens[i] > 0;
	if (bit == 0 || (ps->prepared & PREP_OFF) || !pool_on(ps))
		bit = 0;
	else
		prep_name(name, sizeof(name), sql);
	/* A read on a kept connection not yet heard from in this login
	 * gets a quarter of the deadline: silence then means it died (a
	 * prepare is a read too, and the statement is still unsent). */
	if (ps->unproven && (!write || (bit && !(ps->prepared & bit))))
		ps->probe = mono_ms() + ps->timeout_ms / 4;
	if (bit && !(ps->prepared & bit)) {
		if (!PQsendPrepare(ps->conn, name, sql, n, NULL)) {
			rc = MFA_EUNAVAIL;
			goto fail;
		}
		if ((rc = await(ps, MFA_EUNAVAIL, &first)) != MFA_OK)
			goto fail;
		ps->probe = 0;
		ps->unproven = 0;	/* it answered */
		if (PQresultStatus(first) == PGRES_COMMAND_OK ||
		    sqlstate_is(first, "42P05"))
			ps->prepared |= bit;
		else
			bit = 0;	/* refused: unprepared this time */
		PQclear(first);
		first = NULL;
	}
	for (;;) {
		ps->warned = 0;
		if (bit)
			sent = PQsendQueryPrepared(ps->conn, name, n, vals,
			    lens, fmts, 0);
		else
			sent = PQsendQueryParams(ps->conn, sql, n, NULL, vals,
			    lens, fmts, 0);
		if (!sent) {
			rc = MFA_EUNAVAIL;	/* nothing sent */
			goto fail;
		}
		*unsent = 0;
		if ((rc = await(ps, lost, &first)) != MFA_OK)
			goto fail;
		ps->probe = 0;
		ps->unproven = 0;	/* it answered */
		if (!bit || (!sqlstate_is(first, "26000") &&
		    !sqlstate_is(first, "0A000")))
			break;
		/* Not run (an error rolls its statement back): again,
		 * unprepared, on this connection. */
		PQclear(first);
		first = NULL;
		ps->prepared = PREP_OFF;
		bit = 0;
	}
	if (PQresultStatus(first) != PGRES_TUPLES_OK) {
		rc = sql_error(first, write);
		PQclear(first);
		if (rc == MFA_EUNKNOWN || rc == MFA_ETIMEOUT)
			goto fail;
		return rc;
	}
	if (write && ps->warned) {
		rc = MFA_EUNKNOWN;
		PQclear(first);
		goto fail;
	}
	*out = first;
	return MFA_OK;
fail:
	/* Unusable from here: closed, never cancelled. */
	ps->probe = 0;
	PQfinish(ps->conn);
	ps->conn = NULL;
	ps->failed = 1;
	return rc;
}

/*
 * exec_once, and once more on a new connection if the connection failed
 * was a kept one that had not answered in this login yet, the statement
 * a read or not sent at all (so that running it again can't do twice
 * what it does), and the deadline not past.  A write that was sent is
 * never run again: its outcome, if the connection broke, is unknown.
 */
static enum mfa_err
exec_as(struct pg_store *ps, enum prep prep, const char *sql, int n,
    const char *const *vals, const int *lens, int write, PGresult **out)
{
	enum mfa_err rc;
	int unsent;

	rc = exec_once(ps, prep, sql, n, vals, lens, write, 0, &unsent, out);
	if (rc == MFA_OK || !ps->unproven || ps->conn != NULL ||
	    (write && !unsent) || mono_ms() >= ps->deadline)
		return rc;
	ps->failed = 0;
	ps->unproven = 0;
	return exec_once(ps, prep, sql, n, vals, lens, write, 1, &unsent, out);
}

static enum mfa_err
exec(struct pg_store *ps, const char *sql, int n, const char *const *vals,
    const int *lens, int write, PGresult **out)
{
	return exec_as(ps, PREP_NONE, sql, n, vals, lens, write, out);
}

/* Numbers, without sscanf or atoi. */
static int
num_u64(const char *s, uint64_t *v)
{
	char *end;
	unsigned long long x;

	if (s == NULL || *s < '0' || *s > '9')
		return 0;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return 0;
	*v = x;
	return 1;
}

static int
num_i64(const char *s, int64_t *v)
{
	char *end;
	long long x;

	if (s == NULL || *s == '\0')
		return 0;
	errno = 0;
	x = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return 0;
	*v = x;
	return 1;
}

/* A sealed token record from a bytea column (text format). */
static enum mfa_err
token_from(const PGresult *res, int row, int col, struct mfa_token *tok)
{
	unsigned char *buf;
	size_t len = 0;
	enum mfa_err rc;

	memset(tok, 0, sizeof(*tok));
	if (PQgetisnull(res, row, col))
		return MFA_ENOTENROLLED;
	if ((buf = PQunescapeBytea((const unsigned char *)PQgetvalue(res,
	    row, col), &len)) == NULL)
		return MFA_ENOMEM;
	rc = len == TOKEN_FILE_SIZE ? token_decode(buf, tok) : MFA_ECORRUPT;
	/* The store holds only sealed records. */
	if (rc == MFA_OK && tok->cipher == 0)
		rc = MFA_ECORRUPT;
	crypto_wipe(buf, len);
	PQfreemem(buf);
	if (rc != MFA_OK)
		token_wipe(tok);
	return rc;
}

/* The state columns from res's row 0 at column first (NULL: none). */
static enum mfa_err
state_from(const PGresult *res, int first, struct mfa_state *st)
{
	size_t i;

	memset(st, 0, sizeof(*st));
	if (PQgetisnull(res, 0, first))
		return MFA_OK;
	for (i = 0; i < NCOLS; i++) {
		const struct state_col *c = &state_cols[i];
		const char *v = PQgetvalue(res, 0, first + (int)i);
		char *p = (char *)st + c->off;
		uint64_t u;
		int64_t s;

		switch (c->kind) {
		case COL_U64:
			if (!num_u64(v, &u))
				return MFA_ECORRUPT;
			memcpy(p, &u, sizeof(u));
			break;
		case COL_ID:
			if (!num_i64(v, &s))
				return MFA_ECORRUPT;
			u = (uint64_t)s;
			memcpy(p, &u, sizeof(u));
			break;
		case COL_U32: {
			uint32_t w;

			if (!num_u64(v, &u) || u > UINT32_MAX)
				return MFA_ECORRUPT;
			w = (uint32_t)u;
			memcpy(p, &w, sizeof(w));
			break;
		}
		case COL_I64:
			if (!num_i64(v, &s))
				return MFA_ECORRUPT;
			memcpy(p, &s, sizeof(s));
			break;
		case COL_RHOST:
			if (strlen(v) > MFA_RHOST_MAX)
				return MFA_ECORRUPT;
			memcpy(p, v, strlen(v) + 1);
			break;
		}
	}
	return MFA_OK;
}

/* The state as parameters: vals[i] points into bufs[i] or at st. */
static void
state_params(const struct mfa_state *st, char bufs[][NUM_MAX],
    const char **vals)
{
	size_t i;

	for (i = 0; i < NCOLS; i++) {
		const struct state_col *c = &state_cols[i];
		const char *p = (const char *)st + c->off;
		uint64_t u;
		uint32_t w;
		int64_t s;

		vals[i] = bufs[i];
		switch (c->kind) {
		case COL_U64:
			memcpy(&u, p, sizeof(u));
			snprintf(bufs[i], NUM_MAX, "%llu", (unsigned long long)u);
			break;
		case COL_ID:
			memcpy(&u, p, sizeof(u));
			snprintf(bufs[i], NUM_MAX, "%lld", (long long)(int64_t)u);
			break;
		case COL_U32:
			memcpy(&w, p, sizeof(w));
			snprintf(bufs[i], NUM_MAX, "%lu", (unsigned long)w);
			break;
		case COL_I64:
			memcpy(&s, p, sizeof(s));
			snprintf(bufs[i], NUM_MAX, "%lld", (long long)s);
			break;
		case COL_RHOST:
			vals[i] = p;
			break;
		}
	}
}

/* "c1, c2, ..." with prefix before each column name. */
static void
col_list(char *buf, size_t size, const char *prefix)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < NCOLS && used < size; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s%s%s",
		    i ? ", " : "", prefix, state_cols[i].name);
}

static void pg_close(void *);

static enum mfa_err
open_common(const struct mfa_conf *conf, int admin, void **out)
{
	struct pg_store *ps;
	const char *ci = admin && conf->pg_admin_conninfo != NULL ?
	    conf->pg_admin_conninfo : conf->pg_conninfo;

	*out = NULL;
	if (ci == NULL)
		return MFA_ECONFIG;
	if ((ps = calloc(1, sizeof(*ps))) == NULL)
		return MFA_ENOMEM;
	ps->pid = getpid();
	ps->admin = admin;
	ps->timeout_ms = conf->pg_timeout_ms;
	ps->reuse_s = admin ? 0 : conf->pg_reuse_s;
	if (keyfile_init(&ps->kf, conf->key_file) != MFA_OK ||
	    (ps->conninfo = strdup(ci)) == NULL) {
		keyfile_free(&ps->kf);
		free(ps);
		return MFA_ENOMEM;
	}
	*out = ps;
	return MFA_OK;
}

static enum mfa_err
pg_open(const struct mfa_conf *conf, void **out)
{
	return open_common(conf, 0, out);
}

/* pam-mfa's: connected at once (with its privileges raised, where the
 * certificate's key is readable), so that it says so if it can't. */
static enum mfa_err
pg_open_admin(const struct mfa_conf *conf, void **out)
{
	struct pg_store *ps;
	enum mfa_err rc;

	if ((rc = open_common(conf, 1, out)) != MFA_OK)
		return rc;
	ps = *out;
	arm(ps);
	if ((rc = pg_connect(ps, ps->conninfo)) != MFA_OK) {
		pg_close(ps);
		*out = NULL;
	}
	return rc;
}

static void
pg_close(void *be)
{
	struct pg_store *ps = be;

	if (ps == NULL)
		return;
	/* A forked child leaves its parent's connection alone (PQfinish
	 * would end the parent's session): the memory is lost instead. */
	if (ps->conn != NULL && ps->pid == getpid())
		pool_give(ps);
	keyfile_free(&ps->kf);
	free(ps->conninfo);
	free(ps);
}

/*
 * Whether the database holds a token or a pending token (keyfile_create's
 * question): MFA_EEXIST if it does, MFA_OK if it holds none.  Asked as
 * pam-mfa (the admin role, which alone reads pending tokens); a database
 * that can't be asked, or an answer that is not a boolean, is that error,
 * and then no key file is made: fail closed.
 */
static enum mfa_err
pg_any_sealed(const void *arg)
{
	const struct mfa_conf *conf = arg;
	struct pg_store *ps;
	PGresult *res;
	enum mfa_err rc;
	const char *v;

	if ((rc = pg_open_admin(conf, (void **)&ps)) != MFA_OK)
		return rc;
	arm(ps);
	if ((rc = exec(ps, "SELECT EXISTS (SELECT 1 FROM pam_mfa.tokens "
	    "WHERE token IS NOT NULL OR pending IS NOT NULL)", 0, NULL, NULL,
	    0, &res)) == MFA_OK) {
		v = PQntuples(res) == 1 && !PQgetisnull(res, 0, 0) ?
		    PQgetvalue(res, 0, 0) : "";
		rc = strcmp(v, "f") == 0 ? MFA_OK : strcmp(v, "t") == 0 ?
		    MFA_EEXIST : MFA_EUNAVAIL;
		PQclear(res);
	}
	pg_close(ps);
	return rc;
}

/*
 * The CLI's first use: a key file with one fresh key, if there is none
 * (every gateway then needs a copy of it) -- never while the database
 * holds a token or a pending token (keyfile.h).  The database is asked
 * only when the key file is missing.
 */
static enum mfa_err
pg_create(const struct mfa_conf *conf)
{
	return keyfile_create(conf->key_file, pg_any_sealed, conf);
}

static const char *const sql_token =
    "SELECT token FROM pam_mfa.tokens WHERE username = $1";
static const char *const sql_pending =
    "SELECT pending FROM pam_mfa.tokens WHERE username = $1";
/* The gateway's: only while the user has no active token (schema.sql). */
static const char *const sql_gw_pending = "SELECT pam_mfa.gw_pending($1)";

/* The active (or pending) token, sealed. */
static enum mfa_err
read_token(struct pg_store *ps, const char *user, int pending,
    struct mfa_token *tok)
{
	const char *vals[1] = { user };
	PGresult *res;
	enum mfa_err rc;

	memset(tok, 0, sizeof(*tok));
	arm(ps);
	if ((rc = exec_as(ps, !pending ? PREP_TOKEN : PREP_NONE, !pending ?
	    sql_token : ps->admin ? sql_pending : sql_gw_pending, 1, vals,
	    NULL, 0, &res)) != MFA_OK)
		return rc;
	rc = PQntuples(res) == 1 ? token_from(res, 0, 0, tok) :
	    MFA_ENOTENROLLED;
	PQclear(res);
	return rc;
}

static enum mfa_err
pg_token_meta(void *be, const char *user, struct mfa_token *tok)
{
	return read_token(be, user, 0, tok);
}

static enum mfa_err
pg_unseal(void *be, const char *user, struct mfa_token *tok)
{
	struct pg_store *ps = be;

	return keyfile_unseal(&ps->kf, user, tok);
}

static enum mfa_err
pg_token_get(void *be, const char *user, struct mfa_token *tok)
{
	enum mfa_err rc;

	if ((rc = read_token(be, user, 0, tok)) != MFA_OK)
		return rc;
	return pg_unseal(be, user, tok);
}

static enum mfa_err
pg_pending_meta(void *be, const char *user, struct mfa_token *tok)
{
	return read_token(be, user, 1, tok);
}

static enum mfa_err
pg_pending_get(void *be, const char *user, struct mfa_token *tok)
{
	enum mfa_err rc;

	if ((rc = read_token(be, user, 1, tok)) != MFA_OK)
		return rc;
	return pg_unseal(be, user, tok);
}

/*
 * One SELECT of the token and the state with its version; no lock.  The
 * state is returned as of the token, as the file store does: a replaced
 * token starts its replay floor and backup use over, failures and a lock
 * carry across.
 */
static enum mfa_err
begin_common(void *be, const char *user, struct mfa_token *tok,
    struct mfa_state *st, void **out)
{
	struct pg_store *ps = be;
	char sql[1024], cols[512];
	const char *vals[1] = { user };
	struct pg_txn *t = NULL;
	PGresult *res = NULL;
	enum mfa_err rc;
	uint64_t version = 0;

	*out = NULL;
	if (tok != NULL)
		memset(tok, 0, sizeof(*tok));
	col_list(cols, sizeof(cols), "s.");
	snprintf(sql, sizeof(sql), "SELECT t.token, s.version, %s FROM "
	    "(SELECT $1::text AS u) q "
	    "LEFT JOIN pam_mfa.tokens t ON t.username = q.u "
	    "LEFT JOIN pam_mfa.state s ON s.username = q.u", cols);
	arm(ps);
	if ((rc = exec_as(ps, PREP_BEGIN, sql, 1, vals, NULL, 0, &res)) !=
	    MFA_OK)
		return rc;
	rc = MFA_ECORRUPT;
	if (PQntuples(res) != 1 || PQnfields(res) != (int)NCOLS + 2)
		goto fail;
	if (tok != NULL && (rc = token_from(res, 0, 0, tok)) != MFA_OK)
		goto fail;
	if (!PQgetisnull(res, 0, 1) &&
	    (!num_u64(PQgetvalue(res, 0, 1), &version) || version == 0)) {
		rc = MFA_ECORRUPT;
		goto fail;
	}
	if ((rc = state_from(res, 2, st)) != MFA_OK)
		goto fail;
	st->seq = version;
	if (tok != NULL && st->token_id != tok->id) {
		/* A new token: its codes have never been used. */
		st->token_id = tok->id;
		st->next_step = tok->type == MFA_HOTP ? tok->counter : 0;
		st->backup_used = 0;
		st->backup_gen = tok->backup_gen;
	}
	if (tok != NULL && st->backup_gen != tok->backup_gen) {
		st->backup_used = 0;
		st->backup_gen = tok->backup_gen;
	}
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		rc = MFA_ENOMEM;
		goto fail;
	}
	t->ps = ps;
	t->version = version;
	memcpy(t->user, user, strlen(user) + 1);
	PQclear(res);
	*out = t;
	return MFA_OK;
fail:
	PQclear(res);
	if (tok != NULL)
		token_wipe(tok);
	return rc;
}

static enum mfa_err
pg_begin(void *be, const char *user, struct mfa_token *tok,
    struct mfa_state *st, void **out)
{
	return begin_common(be, user, tok, st, out);
}

static enum mfa_err
pg_begin_state(void *be, const char *user, struct mfa_state *st,
    void **out)
{
	return begin_common(be, user, NULL, st, out);
}

/*
 * One statement, autocommitted: the state written only if its version is
 * still the one begin read (MFA_ECONFLICT otherwise, nothing written).
 * The module's role may only make a login's transitions (gw_commit);
 * pam-mfa writes any state (adm_commit, an unlock).
 */
static enum mfa_err
pg_commit(void *txn, const struct mfa_state *st)
{
	struct pg_txn *t = txn;
	struct pg_store *ps = t->ps;
	char bufs[NCOLS][NUM_MAX], vbuf[NUM_MAX], sql[256];
	const char *vals[NCOLS + 2];
	PGresult *res;
	enum mfa_err rc;
	size_t i, used;

	vals[0] = t->user;
	snprintf(vbuf, sizeof(vbuf), "%llu", (unsigned long long)t->version);
	vals[1] = vbuf;
	state_params(st, bufs, vals + 2);
	used = (size_t)snprintf(sql, sizeof(sql), "SELECT pam_mfa.%s($1, $2",
	    ps->admin ? "adm_commit" : "gw_commit");
	for (i = 0; i < NCOLS && used < sizeof(sql); i++)
		used += (size_t)snprintf(sql + used, sizeof(sql) - used,
		    ", $%zu", i + 3);
	if (used + 2 > sizeof(sql)) {
		free(t);
		return MFA_EINTERNAL;
	}
	memcpy(sql + used, ")", 2);
	if (!ps->pinned)
		arm(ps);
	rc = exec_as(ps, PREP_COMMIT, sql, (int)NCOLS + 2, vals, NULL, 1,
	    &res);
	if (rc == MFA_OK) {
		if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0))
			rc = MFA_EUNKNOWN;
		else if (strcmp(PQgetvalue(res, 0, 0), "t") != 0)
			rc = MFA_ECONFLICT;
		PQclear(res);
	}
	crypto_wipe(t, sizeof(*t));
	free(t);
	return rc;
}

static void
pg_abort(void *txn)
{
	struct pg_txn *t = txn;

	if (t == NULL)
		return;
	crypto_wipe(t, sizeof(*t));
	free(t);
}

static enum mfa_err
pg_install(void *be, const char *user, const struct mfa_token *tok,
    uint64_t expect_id, uint32_t expect_gen, uint64_t next_step)
{
	struct pg_store *ps = be;
	unsigned char buf[TOKEN_FILE_SIZE];
	char id[NUM_MAX], gen[NUM_MAX], eid[NUM_MAX], egen[NUM_MAX];
	char first[NUM_MAX], next[NUM_MAX];
	const char *vals[9];
	int lens[9] = { 0, TOKEN_FILE_SIZE, 0, 0, 0, 0, 0, 0, 0 };
	PGresult *res;
	enum mfa_err rc;

	/* The key file read again: a rekey may have run meanwhile. */
	if ((rc = keyfile_seal(&ps->kf, user, tok, buf)) != MFA_OK)
		goto out;
	snprintf(id, sizeof(id), "%lld", (long long)(int64_t)tok->id);
	snprintf(gen, sizeof(gen), "%lu", (unsigned long)tok->backup_gen);
	snprintf(eid, sizeof(eid), "%lld", (long long)(int64_t)expect_id);
	snprintf(egen, sizeof(egen), "%lu", (unsigned long)expect_gen);
	snprintf(first, sizeof(first), "%llu", (unsigned long long)
	    (tok->type == MFA_HOTP ? tok->counter : 0));
	snprintf(next, sizeof(next), "%llu", (unsigned long long)next_step);
	vals[0] = user;
	vals[1] = (const char *)buf;
	vals[2] = id;
	vals[3] = gen;
	vals[4] = expect_id == 0 ? "t" : "f";
	vals[5] = expect_id == STORE_ANY || expect_id == 0 ? NULL : eid;
	vals[6] = expect_gen == STORE_ANY_GEN ? NULL : egen;
	vals[7] = first;
	vals[8] = next;
	arm(ps);
	rc = exec(ps, "SELECT pam_mfa.adm_install($1, $2, $3, $4, $5, $6, "
	    "$7, $8, $9)", 9, vals, lens, 1, &res);
	if (rc == MFA_OK) {
		if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0))
			rc = MFA_EUNKNOWN;
		else if (strcmp(PQgetvalue(res, 0, 0), "0") != 0)
			rc = MFA_EEXIST;
		PQclear(res);
	}
out:
	crypto_wipe(buf, sizeof(buf));
	return rc;
}

/* store_activate: adm_activate for pam-mfa, gw_activate (which wants
 * the pending token itself, with no backup codes) for a gateway. */
static enum mfa_err
pg_activate(void *be, const char *user, const struct mfa_token *tok,
    uint64_t next_step)
{
	struct pg_store *ps = be;
	unsigned char buf[TOKEN_FILE_SIZE];
	char next[NUM_MAX];
	const char *vals[3];
	int lens[3] = { 0, TOKEN_FILE_SIZE, 0 };
	PGresult *res;
	enum mfa_err rc;

	if ((rc = keyfile_seal(&ps->kf, user, tok, buf)) != MFA_OK)
		goto out;
	snprintf(next, sizeof(next), "%llu", (unsigned long long)next_step);
	vals[0] = user;
	vals[1] = (const char *)buf;
	vals[2] = next;
	arm(ps);
	rc = exec(ps, ps->admin ? "SELECT pam_mfa.adm_activate($1, $2, $3)" :
	    "SELECT pam_mfa.gw_activate($1, $2, $3)", 3, vals, lens, 1, &res);
	if (rc == MFA_OK) {
		if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0))
			rc = MFA_EUNKNOWN;
		else if (strcmp(PQgetvalue(res, 0, 0), "0") != 0)
			rc = MFA_EEXIST;
		PQclear(res);
	}
out:
	crypto_wipe(buf, sizeof(buf));
	return rc;
}

static enum mfa_err
pg_pending_put(void *be, const char *user, const struct mfa_token *tok)
{
	struct pg_store *ps = be;
	unsigned char buf[TOKEN_FILE_SIZE];
	const char *vals[2];
	int lens[2] = { 0, TOKEN_FILE_SIZE };
	PGresult *res;
	enum mfa_err rc;

	if ((rc = keyfile_seal(&ps->kf, user, tok, buf)) == MFA_OK) {
		vals[0] = user;
		vals[1] = (const char *)buf;
		arm(ps);
		rc = exec(ps, "SELECT pam_mfa.adm_pending_put($1, $2)", 2,
		    vals, lens, 1, &res);
		if (rc == MFA_OK)
			PQclear(res);
	}
	crypto_wipe(buf, sizeof(buf));
	return rc;
}

static enum mfa_err
pg_remove(void *be, const char *user)
{
	struct pg_store *ps = be;
	const char *vals[1] = { user };
	PGresult *res;
	enum mfa_err rc;

	arm(ps);
	if ((rc = exec(ps, "SELECT pam_mfa.adm_remove($1)", 1, vals, NULL, 1,
	    &res)) != MFA_OK)
		return rc;
	if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0))
		rc = MFA_EUNKNOWN;
	else if (strcmp(PQgetvalue(res, 0, 0), "t") != 0)
		rc = MFA_ENOTENROLLED;
	PQclear(res);
	return rc;
}

static enum mfa_err
pg_list(void *be, char ***out, size_t *nout)
{
	struct pg_store *ps = be;
	PGresult *res;
	char **users;
	enum mfa_err rc;
	size_t n, i, j = 0;

	*out = NULL;
	*nout = 0;
	arm(ps);
	if ((rc = exec(ps, "SELECT username FROM pam_mfa.tokens WHERE "
	    "token IS NOT NULL OR pending IS NOT NULL ORDER BY username "
	    "COLLATE \"C\"", 0, NULL, NULL, 0, &res)) != MFA_OK)
		return rc;
	n = (size_t)PQntuples(res);
	if ((users = calloc(n + 1, sizeof(*users))) == NULL) {
		PQclear(res);
		return MFA_ENOMEM;
	}
	for (i = 0; i < n; i++) {
		const char *u = PQgetvalue(res, (int)i, 0);

		if (!user_valid(u, strlen(u)))
			continue;
		if ((users[j] = strdup(u)) == NULL) {
			store_list_free(users, j);
			PQclear(res);
			return MFA_ENOMEM;
		}
		j++;
	}
	PQclear(res);
	*out = users;
	*nout = j;
	return MFA_OK;
}

/* Drop the old keys no record in the database is sealed with. */
static enum mfa_err
keys_prune(struct pg_store *ps)
{
	PGresult *res;
	enum mfa_err rc;
	unsigned k;
	int i, n;

	arm(ps);
	if ((rc = exec(ps, "SELECT DISTINCT pam_mfa.rec_key_id(r) FROM "
	    "(SELECT token AS r FROM pam_mfa.tokens UNION ALL "
	    "SELECT pending FROM pam_mfa.tokens) q WHERE r IS NOT NULL", 0,
	    NULL, NULL, 0, &res)) != MFA_OK)
		return rc;
	n = PQntuples(res);
	for (k = ps->kf.keys.n; k-- > 1;) {
		int used = 0;

		for (i = 0; i < n; i++) {
			uint64_t id;

			if (!num_u64(PQgetvalue(res, i, 0), &id) ||
			    id == ps->kf.keys.k[k].id)
				used = 1;	/* unreadable: keep all */
		}
		if (!used)
			keyring_drop(&ps->kf.keys, k);
	}
	PQclear(res);
	return MFA_OK;
}

/* Re-seal one record (row, column col of res) under the active key, if
 * it is still the record read. */
static enum mfa_err
reseal(struct pg_store *ps, const PGresult *res, int row, int col)
{
	unsigned char *old = NULL, buf[TOKEN_FILE_SIZE];
	const char *user = PQgetvalue(res, row, 0);
	const char *vals[4];
	int lens[4] = { 0, 0, TOKEN_FILE_SIZE, TOKEN_FILE_SIZE };
	struct mfa_token tok;
	PGresult *r;
	enum mfa_err rc;
	size_t len = 0;

	if (!user_valid(user, strlen(user)))
		return MFA_ECORRUPT;
	if ((rc = token_from(res, row, col, &tok)) != MFA_OK)
		return rc;
	if ((old = PQunescapeBytea((const unsigned char *)PQgetvalue(res,
	    row, col), &len)) == NULL || len != TOKEN_FILE_SIZE) {
		rc = old == NULL ? MFA_ENOMEM : MFA_ECORRUPT;
		goto out;
	}
	if ((rc = keyfile_unseal(&ps->kf, user, &tok)) != MFA_OK ||
	    (rc = token_seal(&tok, user, &ps->kf.keys)) != MFA_OK ||
	    (rc = token_encode(&tok, buf)) != MFA_OK)
		goto out;
	vals[0] = user;
	vals[1] = col == 2 ? "t" : "f";
	vals[2] = (const char *)old;
	vals[3] = (const char *)buf;
	arm(ps);
	if ((rc = exec(ps, "SELECT pam_mfa.adm_reseal($1, $2, $3, $4)", 4,
	    vals, lens, 1, &r)) == MFA_OK)
		PQclear(r);
out:
	token_wipe(&tok);
	crypto_wipe(buf, sizeof(buf));
	if (old != NULL)
		PQfreemem(old);
	return rc;
}

/*
 * Rotate the at-rest key as the file store does, with no record ever
 * sealed under a key the key file lacks: (1) a new active key in the key
 * file, beside the old ones, made the database's active key, so that
 * from then on the database refuses a record sealed under any other
 * (pam_mfa.key_check: a pam-mfa that loaded the old key file meanwhile
 * fails and is run again); (2) every record re-sealed under it, each
 * replaced only if still the record read; (3) the old keys no record
 * uses dropped, unless a record could not be read or re-sealed: then no
 * old key is dropped (store.h), and those users are named.  Gateways
 * need the new key file before (2) reaches their users: copy it to every
 * gateway at once (README).
 */
static enum mfa_err
pg_rekey(void *be, size_t *done, char ***failed, size_t *nfailed)
{
	struct store_names bad = { NULL, 0, 0 };
	struct pg_store *ps = be;
	char id[NUM_MAX];
	const char *vals[1] = { id };
	PGresult *res = NULL, *r;
	enum mfa_err rc;
	int i, col;

	*done = 0;
	*failed = NULL;
	*nfailed = 0;
	if ((rc = keyfile_reload(&ps->kf)) != MFA_OK)
		return rc;
	if (ps->kf.keys.n >= KEYRING_MAX && (rc = keys_prune(ps)) != MFA_OK)
		return rc;
	if ((rc = keyring_add(&ps->kf.keys)) != MFA_OK ||
	    (rc = keyfile_save(ps->kf.path, &ps->kf.keys, 0)) != MFA_OK)
		return rc;
	snprintf(id, sizeof(id), "%lu", (unsigned long)ps->kf.keys.k[0].id);
	arm(ps);
	if ((rc = exec(ps, "SELECT pam_mfa.adm_set_active_key($1)", 1, vals,
	    NULL, 1, &r)) != MFA_OK)
		return rc;
	PQclear(r);
	arm(ps);
	if ((rc = exec(ps, "SELECT username, token, pending FROM "
	    "pam_mfa.tokens WHERE token IS NOT NULL OR pending IS NOT NULL",
	    0, NULL, NULL, 0, &res)) != MFA_OK)
		return rc;
	for (i = 0; i < PQntuples(res); i++)
		for (col = 1; col <= 2; col++) {
			if (PQgetisnull(res, i, col))
				continue;
			if ((rc = reseal(ps, res, i, col)) == MFA_OK) {
				if (col == 1)
					(*done)++;
			} else if (rc == MFA_ECORRUPT || rc == MFA_ECRYPTO ||
			    rc == MFA_EVERSION || rc == MFA_EKEYUNKNOWN) {
				if ((rc = store_names_add(&bad,
				    PQgetvalue(res, i, 0))) != MFA_OK)
					goto out;
			} else {
				goto out;
			}
		}
	/* (3) With the key file read again: what another pam-mfa wrote;
	 * nothing dropped while a record could not be re-sealed. */
	if (bad.n > 0)
		rc = MFA_ECORRUPT;
	else if ((rc = keyfile_reload(&ps->kf)) == MFA_OK &&
	    (rc = keys_prune(ps)) == MFA_OK)
		rc = keyfile_save(ps->kf.path, &ps->kf.keys, 0);
out:
	PQclear(res);
	store_names_finish(&bad);
	*failed = bad.v;
	*nfailed = bad.n;
	return rc;
}

/* pam-mfa db init: the schema, roles and grants, in one transaction. */
static enum mfa_err
pg_init(const struct mfa_conf *conf)
{
	static const char schema[] = SCHEMA_SQL;
	struct pg_store *ps;
	PGresult *res;
	enum mfa_err rc;
	char *sql;
	size_t len = strlen(schema);

	if ((rc = pg_open_admin(conf, (void **)&ps)) != MFA_OK)
		return rc;
	/* Simple query protocol: several statements, one implicit
	 * transaction; no parameter, nothing hostile. */
	if ((sql = malloc(len + 32)) == NULL) {
		pg_close(ps);
		return MFA_ENOMEM;
	}
	snprintf(sql, len + 32, "BEGIN;\n%s\nCOMMIT;\n", schema);
	arm(ps);
	ps->deadline += 30000;		/* DDL, once */
	rc = MFA_EUNAVAIL;
	if (PQsendQuery(ps->conn, sql)) {
		rc = MFA_OK;
		while (rc == MFA_OK && PQflush(ps->conn) == 1)
			if ((rc = wait_sock(ps, POLLOUT | POLLIN)) == MFA_OK &&
			    !PQconsumeInput(ps->conn))
				rc = MFA_EUNKNOWN;
		while (rc == MFA_OK && PQisBusy(ps->conn)) {
			if ((rc = wait_sock(ps, POLLIN)) == MFA_OK &&
			    !PQconsumeInput(ps->conn))
				rc = MFA_EUNKNOWN;
			if (rc != MFA_OK)
				break;
		}
		while (rc == MFA_OK && (res = PQgetResult(ps->conn)) != NULL) {
			if (PQresultStatus(res) != PGRES_COMMAND_OK &&
			    PQresultStatus(res) != PGRES_TUPLES_OK)
				rc = sql_error(res, 1);
			PQclear(res);
			while (rc == MFA_OK && PQisBusy(ps->conn)) {
				if ((rc = wait_sock(ps, POLLIN)) == MFA_OK &&
				    !PQconsumeInput(ps->conn))
					rc = MFA_EUNKNOWN;
			}
		}
	}
	free(sql);
	pg_close(ps);
	return rc;
}

/*
 * The per-source records (store.h, source.h): the table pam_mfa.sources,
 * shared by the gateways, written only through gw_source_fail (the
 * count, atomic on the row; expired rows swept) and adm_source_clear.
 */
static enum mfa_err
source_row(const PGresult *res, int row, int first, struct source_rec *r)
{
	int64_t count;

	if (!num_i64(PQgetvalue(res, row, first), &count) || count < 0 ||
	    count > UINT32_MAX ||
	    !num_i64(PQgetvalue(res, row, first + 1), &r->first_fail) ||
	    !num_i64(PQgetvalue(res, row, first + 2), &r->last_fail) ||
	    !num_i64(PQgetvalue(res, row, first + 3), &r->locked_until))
		return MFA_ECORRUPT;
	r->fail_count = (uint32_t)count;
	return MFA_OK;
}

static enum mfa_err
pg_source_get(void *be, const char *key, struct source_rec *r)
{
	struct pg_store *ps = be;
	const char *vals[1] = { key };
	PGresult *res;
	enum mfa_err rc;

	memset(r, 0, sizeof(*r));
	snprintf(r->key, sizeof(r->key), "%s", key);
	arm(ps);
	if ((rc = exec(ps, "SELECT fail_count, first_fail, last_fail, "
	    "locked_until FROM pam_mfa.sources WHERE source = $1", 1, vals,
	    NULL, 0, &res)) != MFA_OK)
		return rc;
	if (PQntuples(res) == 1 && PQnfields(res) == 4)
		rc = source_row(res, 0, 0, r);
	else if (PQntuples(res) != 0)
		rc = MFA_ECORRUPT;
	PQclear(res);
	return rc;
}

static enum mfa_err
pg_source_fail(void *be, const struct source_policy *p, const char *key,
    int64_t now, struct source_rec *r, int *locked_now)
{
	struct pg_store *ps = be;
	char t[NUM_MAX], deny[NUM_MAX], intv[NUM_MAX], lck[NUM_MAX];
	const char *vals[5] = { key, t, deny, intv, lck };
	PGresult *res;
	enum mfa_err rc;

	*locked_now = 0;
	memset(r, 0, sizeof(*r));
	snprintf(r->key, sizeof(r->key), "%s", key);
	snprintf(t, sizeof(t), "%lld", (long long)now);
	snprintf(deny, sizeof(deny), "%u", p->deny);
	snprintf(intv, sizeof(intv), "%u", p->interval);
	snprintf(lck, sizeof(lck), "%u", p->lock_time);
	arm(ps);
	if ((rc = exec(ps, "SELECT fail_count, first_fail, last_fail, "
	    "locked_until, locked_now FROM pam_mfa.gw_source_fail($1, $2, "
	    "$3, $4, $5)", 5, vals, NULL, 1, &res)) != MFA_OK)
		return rc;
	if (PQntuples(res) != 1 || PQnfields(res) != 5)
		rc = MFA_EUNKNOWN;
	else if ((rc = source_row(res, 0, 0, r)) == MFA_OK)
		*locked_now = strcmp(PQgetvalue(res, 0, 4), "t") == 0;
	PQclear(res);
	return rc;
}

static enum mfa_err
pg_source_list(void *be, const struct source_policy *p, int64_t now,
    struct source_rec **v, size_t *n)
{
	struct pg_store *ps = be;
	struct source_rec *out;
	PGresult *res;
	enum mfa_err rc;
	size_t rows, i, cnt = 0;

	*v = NULL;
	*n = 0;
	arm(ps);
	if ((rc = exec(ps, "SELECT source, fail_count, first_fail, last_fail, "
	    "locked_until FROM pam_mfa.sources", 0, NULL, NULL, 0, &res)) !=
	    MFA_OK)
		return rc;
	rows = (size_t)PQntuples(res);
	if (PQnfields(res) != 5) {
		PQclear(res);
		return MFA_ECORRUPT;
	}
	if ((out = calloc(rows + 1, sizeof(*out))) == NULL) {
		PQclear(res);
		return MFA_ENOMEM;
	}
	for (i = 0; i < rows; i++) {
		const char *k = PQgetvalue(res, (int)i, 0);

		if (strlen(k) > SOURCE_KEY_MAX ||
		    (rc = source_row(res, (int)i, 1, &out[cnt])) != MFA_OK) {
			free(out);
			PQclear(res);
			return rc == MFA_OK ? MFA_ECORRUPT : rc;
		}
		snprintf(out[cnt].key, sizeof(out[cnt].key), "%s", k);
		if (!source_expired(p, &out[cnt], now))
			cnt++;
	}
	PQclear(res);
	*v = out;
	*n = cnt;
	return MFA_OK;
}

static enum mfa_err
pg_source_clear(void *be, const char *key)
{
	struct pg_store *ps = be;
	const char *vals[1] = { key };
	PGresult *res;
	enum mfa_err rc;

	arm(ps);
	if ((rc = exec(ps, "SELECT pam_mfa.adm_source_clear($1)", 1, vals,
	    NULL, 1, &res)) != MFA_OK)
		return rc;
	if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0))
		rc = MFA_EUNKNOWN;
	else if (strcmp(PQgetvalue(res, 0, 0), "t") != 0)
		rc = MFA_ENOTENROLLED;
	PQclear(res);
	return rc;
}

__attribute__((visibility("default"))) const struct store_ops store_pgsql_ops = {
	.name = "postgresql",
	.create = pg_create,
	.open = pg_open,
	.close = pg_close,
	.begin = pg_begin,
	.begin_state = pg_begin_state,
	.token_get = pg_token_get,
	.token_meta = pg_token_meta,
	.unseal = pg_unseal,
	.commit = pg_commit,
	.abort = pg_abort,
	.install = pg_install,
	.activate = pg_activate,
	.pending_put = pg_pending_put,
	.pending_get = pg_pending_get,
	.pending_meta = pg_pending_meta,
	.remove = pg_remove,
	.list = pg_list,
	.rekey = pg_rekey,
	.open_admin = pg_open_admin,
	.deadline = pg_deadline,
	.init = pg_init,
	.source_get = pg_source_get,
	.source_fail = pg_source_fail,
	.source_list = pg_source_list,
	.source_clear = pg_source_clear,
};
