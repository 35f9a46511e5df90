/*
 * pam_mfa_helper.c - the setuid-root helper pam_mfa runs when its host is
 * not root (FreeRADIUS as freerad): one operation on one user's store
 * record, as the module would do it as root, for callers that are root or
 * in the helper group.  The request comes over standard input, the verdict
 * goes back as the exit status (helper.h, pam_mfa_helper(8)).  It prints
 * nothing, offers no other operation, and takes its config only from the
 * compiled-in path or the config directory.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "account.h"
#include "auth.h"
#include "clock.h"
#include "conf.h"
#include "crypto.h"
#include "helper.h"
#include "logfield.h"
#include "pending.h"
#include "store.h"
#include "user.h"

#define FIELD_MAX	LOGFIELD_MAX
/* Seconds to read the request; then the lock wait plus this for the
 * attempt: the helper ends itself (SIGALRM) before the module's own
 * deadline (lock_wait_ms + 10 s) passes. */
#define READ_SECONDS	5
#define WORK_SECONDS	5
#define GROUPS_MAX	65536

/* Who ran us, fixed before anything else. */
struct caller {
	uid_t uid;
	gid_t gid;
	char name[FIELD_MAX + 1];
};

struct logline {
	char user[FIELD_MAX + 1];
	char service[FIELD_MAX + 1];
	char rhost[FIELD_MAX + 1];
	const char *op;
	const char *caller;
};

static void
log_line(int prio, const char *result, enum mfa_err reason,
    const struct logline *l, const char *detail)
{
	syslog(prio, "result=%s reason=%s user=%s service=%s rhost=%s "
	    "op=%s via=helper caller=%s%s%s", result, mfa_reason(reason),
	    l->user, l->service, l->rhost, l->op, l->caller,
	    detail != NULL ? " " : "", detail != NULL ? detail : "");
}

/*
 * What the caller may have set, reset as the setuid CLI does (cli.c): no
 * core file and not dumpable, umask 077, fds 0-2 open and none other, an
 * empty environment, every signal default and none blocked, no interval
 * timer, and no resource limit that could fail a write part way.
 */
static int
clean_start(void)
{
	static const int limits[] = { RLIMIT_FSIZE, RLIMIT_CPU, RLIMIT_AS,
	    RLIMIT_DATA, RLIMIT_STACK };
	static const int timers[] = { ITIMER_REAL, ITIMER_VIRTUAL,
	    ITIMER_PROF };
	struct rlimit inf = { RLIM_INFINITY, RLIM_INFINITY };
	struct rlimit none = { 0, 0 }, nofile = { 64, 64 }, cur;
	struct itimerval off;
	struct sigaction dfl;
	sigset_t empty;
	size_t i;
	int fd, sig;

	umask(077);
	if (setrlimit(RLIMIT_CORE, &none) != 0 ||
	    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		return -1;
	for (fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) == -1 && errno == EBADF &&
		    open("/dev/null", O_RDWR) != fd)
			return -1;
	if (close_range(3, ~0U, 0) != 0)
		for (fd = 3; fd < 1024; fd++)
			(void)close(fd);
	if (clearenv() != 0)
		return -1;
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			(void)sigaction(sig, &dfl, NULL);	/* EINVAL: libc's */
	sigemptyset(&empty);
	if (sigprocmask(SIG_SETMASK, &empty, NULL) != 0)
		return -1;
	memset(&off, 0, sizeof(off));
	for (i = 0; i < sizeof(timers) / sizeof(timers[0]); i++)
		if (setitimer(timers[i], &off, NULL) != 0)
			return -1;
	for (i = 0; i < sizeof(limits) / sizeof(limits[0]); i++)
		if (setrlimit(limits[i], &inf) != 0)
			return -1;
	if (getrlimit(RLIMIT_NOFILE, &cur) != 0 ||
	    (cur.rlim_cur < nofile.rlim_cur &&
	    setrlimit(RLIMIT_NOFILE, &nofile) != 0))
		return -1;
	return 0;
}

/* Root, or the helper group among the caller's real and supplementary
 * groups (the process's, as the kernel gave them at exec). */
static int
caller_allowed(const struct caller *c, const gid_t *groups, int n)
{
	struct group *gr;
	int i;

	if (c->uid == 0)
		return 1;
	errno = 0;
	if ((gr = getgrnam(MFA_HELPER_GROUP)) == NULL)
		return 0;
	if (c->gid == gr->gr_gid)
		return 1;
	for (i = 0; i < n; i++)
		if (groups[i] == gr->gr_gid)
			return 1;
	return 0;
}

/*
 * The configs a caller may name: the compiled-in one, or NAME.conf right
 * in the config directory (NAME of [A-Za-z0-9_.-], not starting with '.'),
 * a directory of root's that nobody else may write.  Any of them is the
 * admin's choice for some login, so none can lift the lockout.
 */
static int
conf_allowed(const char *path)
{
	static const char dir[] = MFA_CONF_DIR "/";
	const char *name;
	struct stat sb;
	size_t n, i;

	if (strcmp(path, MFA_CONF_PATH) == 0)
		return 1;
	if (strncmp(path, dir, sizeof(dir) - 1) != 0)
		return 0;
	name = path + sizeof(dir) - 1;
	n = strlen(name);
	if (n <= 5 || n > 64 || name[0] == '.' ||
	    strcmp(name + n - 5, ".conf") != 0)
		return 0;
	for (i = 0; i < n; i++)
		if (!(name[i] >= 'a' && name[i] <= 'z') &&
		    !(name[i] >= 'A' && name[i] <= 'Z') &&
		    !(name[i] >= '0' && name[i] <= '9') &&
		    name[i] != '_' && name[i] != '.' && name[i] != '-')
			return 0;
	return lstat(MFA_CONF_DIR, &sb) == 0 && S_ISDIR(sb.st_mode) &&
	    sb.st_uid == 0 && (sb.st_mode & 022) == 0;
}

/* The request, whole, from fd 0 until EOF: its length, or -1. */
static ssize_t
read_request(char *buf, size_t size)
{
	size_t off = 0;
	ssize_t n;

	for (;;) {
		n = read(0, buf + off, size - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return (ssize_t)off;
		off += (size_t)n;
		if (off == size)
			return -1;	/* longer than any request */
	}
}

/* Run the operation on the store; fill rep. */
static enum mfa_err
run(const struct mfa_conf *conf, const struct helper_req *req,
    struct helper_reply *rep)
{
	struct mfa_store *store = NULL;
	struct mfa_account acct;
	struct auth_request ar;
	struct auth_result res;
	struct mfa_token tok;
	enum mfa_err rc;
	unsigned digits;
	int64_t now;
	time_t t;

	memset(&res, 0, sizeof(res));
	t = time(NULL);
	now = t == (time_t)-1 || t <= 0 ? 0 : (int64_t)t;
	/* The account the name names, resolved here as the module does
	 * (account.h): the caller's word for it counts for nothing. */
	if ((rc = account_resolve(req->user, conf->user_lookup, &acct)) !=
	    MFA_OK)
		return rc;
	if ((rc = store_open(conf, &store)) != MFA_OK)
		return rc;
	switch (req->op) {
	case HELPER_ATTEMPT:
		memset(&ar, 0, sizeof(ar));
		ar.user = acct.name;
		ar.acct = &acct;
		ar.code = req->answer;
		ar.code_len = req->answer_len;
		ar.rhost = req->rhost[0] != '\0' ? req->rhost : NULL;
		ar.now = now;
		ar.clock_unsynced = clock_unsynced(conf);
		rc = now == 0 ? MFA_ECLOCK :
		    auth_attempt(conf, store, &ar, &res);
		break;
	case HELPER_PREAUTH:
		if ((rc = auth_token_owner(store, &acct)) == MFA_OK)
			rc = auth_check_locked(conf, store, acct.name, now,
			    &res);
		break;
	case HELPER_AUTHFAIL:
		if ((rc = auth_token_owner(store, &acct)) == MFA_OK)
			rc = auth_fail_password(conf, store, acct.name,
			    req->rhost[0] != '\0' ? req->rhost : NULL, now,
			    &res);
		break;
	case HELPER_META:
		rc = store_token_meta(store, acct.name, &tok);
		if (rc == MFA_OK && (tok.flags & TOKEN_F_PENDING))
			rc = MFA_ENOTENROLLED;
		if (rc == MFA_OK)
			rc = account_token_check(&acct, &tok);
		if (rc == MFA_OK) {
			rep->digits = tok.digits;
			rep->backup_len = tok.backup_count > 0 ?
			    tok.backup_len : 0;
		}
		token_wipe(&tok);
		/* None active: one to activate now? (pending.h) */
		if (rc == MFA_ENOTENROLLED && (rc = pending_usable(conf, store,
		    &acct, now, &digits)) == MFA_OK)
			rep->digits = digits;
		break;
	default:
		rc = MFA_EINTERNAL;
		break;
	}
	store_close(store);
	rep->fail_count = res.fail_count;
	rep->locked_now = res.locked_now != 0;
	rep->backup = res.backup != 0;
	rep->backup_left = res.backup_left;
	rep->locked_until = res.locked_until;
	rep->lock_step = res.lock_step;
	rep->activated = res.activated != 0;
	return rc;
}

/* One log line for what the module would log too, none for the rest. */
static void
log_verdict(const struct helper_req *req, enum mfa_err rc,
    const struct helper_reply *rep, const struct logline *l)
{
	char detail[96];

	if (rc == MFA_OK && req->op == HELPER_ATTEMPT) {
		snprintf(detail, sizeof(detail),
		    "detail=backup_code backup_left=%u",
		    (unsigned)rep->backup_left);
		log_line(rep->backup ? LOG_NOTICE : LOG_INFO, "accept", rc, l,
		    rep->backup ? detail : rep->activated ?
		    "action=enroll_confirm by=login" : NULL);
		return;
	}
	if ((rc == MFA_OK || rc == MFA_ENOTENROLLED) &&
	    (req->op == HELPER_PREAUTH || req->op == HELPER_META))
		return;		/* nothing decided */
	switch (rc) {
	case MFA_EBADCODE:
	case MFA_EREPLAY:
	case MFA_EPASSWORD:
	case MFA_ELOCKED:
		snprintf(detail, sizeof(detail), "failures=%u%s",
		    (unsigned)rep->fail_count, rep->locked_now ?
		    " locked=yes" : "");
		log_line(rc == MFA_EREPLAY || rep->locked_now ? LOG_WARNING :
		    LOG_NOTICE, "deny", rc, l, detail);
		return;
	case MFA_ENOTENROLLED:
	case MFA_EINPUT:
	case MFA_ESOURCE:	/* the module's line names the source */
		log_line(LOG_NOTICE, "deny", rc, l, NULL);
		return;
	default:
		log_line(LOG_ERR, "deny", rc, l, NULL);
		return;
	}
}

int
main(int argc, char **argv)
{
	char buf[HELPER_REQ_MAX + 1], errmsg[CONF_ERRMSG_MAX];
	struct mfa_conf *conf = NULL;
	struct helper_reply rep;
	struct helper_req req;
	struct logline l;
	struct caller c;
	struct passwd *pw;
	gid_t *groups;
	enum mfa_err rc;
	ssize_t len;
	int n, status, ok;

	(void)argc;
	(void)argv;
	c.uid = getuid();
	c.gid = getgid();
	if ((groups = calloc(GROUPS_MAX, sizeof(*groups))) == NULL)
		return helper_status_of(MFA_ENOMEM);
	n = getgroups(GROUPS_MAX, groups);
	if (clean_start() != 0) {
		/* A hard limit the caller lowered, which this root may not
		 * lift (no CAP_SYS_RESOURCE): refuse, before the store. */
		free(groups);
		openlog("pam_mfa_helper", LOG_PID, LOG_AUTHPRIV);
		syslog(LOG_ERR, "result=deny reason=internal_error user=- "
		    "service=- rhost=- op=- via=helper uid=%lu "
		    "detail=clean_start", (unsigned long)c.uid);
		return helper_status_of(MFA_EINTERNAL);
	}
	memset(&l, 0, sizeof(l));
	logfield_copy(l.user, NULL);
	logfield_copy(l.service, NULL);
	logfield_copy(l.rhost, NULL);
	l.op = "-";
	l.caller = c.name;
	errno = 0;
	if ((pw = getpwuid(c.uid)) != NULL &&
	    user_valid(pw->pw_name, strlen(pw->pw_name)))
		snprintf(c.name, sizeof(c.name), "%s", pw->pw_name);
	else
		snprintf(c.name, sizeof(c.name), "uid=%lu",
		    (unsigned long)c.uid);
	openlog("pam_mfa_helper", LOG_PID, LOG_AUTHPRIV);
	if (geteuid() != 0) {
		free(groups);
		log_line(LOG_ERR, "deny", MFA_ECONFIG, &l,
		    "detail=helper_not_setuid");
		return HELPER_EXIT_NOTROOT;
	}
	ok = caller_allowed(&c, groups, n < 0 ? 0 : n);
	free(groups);
	/* All ids root's: the caller can no longer signal nor trace us, so
	 * no store lock is held by a process they stopped. */
	if (setgroups(0, NULL) != 0 || setresgid(0, 0, 0) != 0 ||
	    setresuid(0, 0, 0) != 0)
		return helper_status_of(MFA_EINTERNAL);
	if (!ok) {
		log_line(LOG_WARNING, "deny", MFA_ECONFIG, &l,
		    "detail=caller_not_in_group group=" MFA_HELPER_GROUP);
		return HELPER_EXIT_REFUSED;
	}
	alarm(READ_SECONDS);
	memset(&rep, 0, sizeof(rep));
	rep.magic = HELPER_REPLY_MAGIC;
	len = read_request(buf, sizeof(buf));
	if (len < 0 || helper_req_decode(buf, (size_t)len, &req) != MFA_OK) {
		log_line(LOG_WARNING, "deny", MFA_EINPUT, &l,
		    "detail=bad_request");
		status = HELPER_EXIT_BADREQ;
		goto out;
	}
	l.op = helper_op_name(req.op);
	logfield_copy(l.service, req.service);
	logfield_copy(l.rhost, req.rhost);
	if (!user_valid(req.user, strlen(req.user))) {
		log_line(LOG_WARNING, "deny", MFA_EINPUT, &l,
		    "detail=invalid_user_name");
		status = HELPER_EXIT_BADREQ;
		goto out;
	}
	logfield_copy(l.user, req.user);
	if (req.op == HELPER_ATTEMPT &&
	    !auth_code_wellformed(req.answer, req.answer_len)) {
		log_line(LOG_WARNING, "deny", MFA_EINPUT, &l,
		    "detail=malformed_code");
		status = HELPER_EXIT_BADREQ;
		goto out;
	}
	if (!conf_allowed(req.conf)) {
		log_line(LOG_WARNING, "deny", MFA_ECONFIG, &l,
		    "detail=config_not_allowed");
		status = HELPER_EXIT_BADREQ;
		goto out;
	}
	if ((rc = conf_load(req.conf, &conf, errmsg)) != MFA_OK) {
		syslog(LOG_ERR, "result=deny reason=%s user=%s service=%s "
		    "rhost=%s op=%s via=helper caller=%s config=%s: %s",
		    mfa_reason(rc == MFA_ENOMEM ? MFA_ENOMEM : MFA_ECONFIG),
		    l.user, l.service, l.rhost, l.op, l.caller, req.conf,
		    errmsg);
		status = helper_status_of(rc == MFA_ENOMEM ? MFA_ENOMEM :
		    MFA_ECONFIG);
		goto out_reply;
	}
	alarm(conf->lock_wait_ms / 1000 + WORK_SECONDS);
	rc = run(conf, &req, &rep);
	log_verdict(&req, rc, &rep, &l);
	status = helper_status_of(rc);
out_reply:
	/* A caller gone away makes this fail (no SIGPIPE): the verdict is
	 * recorded whatever it learns. */
	(void)send(0, &rep, sizeof(rep), MSG_NOSIGNAL);
out:
	crypto_wipe(buf, sizeof(buf));
	conf_free(conf);
	closelog();
	return status;
}
