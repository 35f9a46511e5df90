/*
 * cli.c - helpers shared by the pam-mfa subcommands; see cli.h.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "clock.h"
#include "cli.h"
#include "crypto.h"
#include "store.h"
#include "user.h"

static void
die(const char *what)
{
	fprintf(stderr, "pam-mfa: %s: %s\n", what, strerror(errno));
	exit(CLI_FAIL);
}

/* Non-dumpable: no core file, no /proc/PID/mem for the caller. */
static void
no_dumps(void)
{
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		die("prctl");
}

/*
 * The environment strings the kernel copied in stay on the stack after
 * clearenv(), the ones ld.so removed (LD_PRELOAD...) too, and show in
 * /proc/PID/environ: zero the whole block, whose bounds the kernel gives
 * in /proc/self/stat (fields 50 and 51), if they hold every string of
 * env (the original environ).  No /proc: clearenv() alone.
 */
static void
wipe_env_block(char **env)
{
	char buf[2048], *p, *tok, *save = NULL;
	unsigned long start = 0, end = 0;
	ssize_t n;
	int fd, field;

	if ((fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC)) < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	/* The command name, field 2, may hold anything: skip past it. */
	if ((p = strrchr(buf, ')')) == NULL)
		return;
	for (field = 3, tok = strtok_r(p + 1, " ", &save); tok != NULL;
	    field++, tok = strtok_r(NULL, " ", &save)) {
		if (field == 50)
			start = strtoul(tok, NULL, 10);
		else if (field == 51)
			end = strtoul(tok, NULL, 10);
	}
	if (start == 0 || end <= start || end - start > 4 * 1024 * 1024)
		return;
	for (; env != NULL && *env != NULL; env++)
		if ((unsigned long)*env < start ||
		    (unsigned long)*env + strlen(*env) >= end)
			return;
	explicit_bzero((void *)start, end - start);
}

/* The caller, fixed by cli_init: a self-service run's real uid becomes
 * root's (see cli_priv_lower), so getuid() no longer names them. */
static uid_t caller_uid;
static gid_t caller_gid;
static int caller_root;
static int caller_setuid;
/* admin_group's gid, if the config names a group the name service knows. */
static gid_t admin_gid;
static int admin_gid_set;
/* The key file of the config loaded, for cli_key_hint. */
static const char *key_file;

/*
 * The signals a self-service caller can still have sent to this process
 * once its real and saved uid are root's (kill(2) then refuses them):
 * those a terminal sends to its foreground group whatever the uids
 * (SIGINT, SIGQUIT, SIGTSTP from the keys or TIOCSIG on a pty the caller
 * holds, SIGHUP on hang-up, SIGTTIN/SIGTTOU), SIGPIPE from a pipe the
 * caller closes, and, should a reset fail, the timers' and limits'.  All
 * of them are held for the whole run except while the CLI waits at a
 * prompt (cli_prompt), where nothing is held open or owed.  So a change
 * to the store and its audit line are one step as far as the caller's
 * signals go: no signal from the caller can end or stop the process
 * between them (nor while a store lock is held).  Each command sends the
 * line before writing anything more to stdout or stderr, whose reader
 * (the caller) could otherwise keep a write, and the line, waiting.
 * Left: SIGKILL and stops that need no permission check -- a cgroup the
 * caller was delegated (cgroup.kill, cgroup.freeze), the OOM killer --
 * which no program can hold off; root and the kernel are not the caller.
 */
static sigset_t held_signals;

/*
 * What the caller of a setuid program may have set, reset: every signal
 * to its default and none blocked (an ignored SIGXFSZ with a file size
 * limit of 0 would make every write fail, and a failure to count a wrong
 * code would go unnoticed), and the resource limits that could make a
 * write or the process fail part way, lifted.
 */
static void
reset_inherited(void)
{
	static const int limits[] = { RLIMIT_FSIZE, RLIMIT_CPU, RLIMIT_AS,
	    RLIMIT_DATA, RLIMIT_STACK };
	struct rlimit inf = { RLIM_INFINITY, RLIM_INFINITY };
	static const int timers[] = { ITIMER_REAL, ITIMER_VIRTUAL,
	    ITIMER_PROF };
	struct rlimit nofile = { 1024, 1024 }, cur_nofile;
	struct itimerval off;
	struct sigaction dfl;
	sigset_t none;
	size_t i;
	int sig;

	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			(void)sigaction(sig, &dfl, NULL);	/* EINVAL: libc's */
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) != 0)
		die("sigprocmask");
	/* Interval timers survive exec, and their signals need no
	 * permission: one could end the process in the middle of a write. */
	memset(&off, 0, sizeof(off));
	for (i = 0; i < sizeof(timers) / sizeof(timers[0]); i++)
		if (setitimer(timers[i], &off, NULL) != 0)
			die("setitimer");
	/* A hard limit lowered by the caller can be lifted only with
	 * CAP_SYS_RESOURCE (which some containers' root lacks): then refuse,
	 * before touching the store, which denies the caller alone. */
	for (i = 0; i < sizeof(limits) / sizeof(limits[0]); i++)
		if (setrlimit(limits[i], &inf) != 0) {
			fprintf(stderr, "pam-mfa: run with the file size, CPU "
			    "time, memory and stack limits unlimited (ulimit "
			    "-f -t -v -d -s)\n");
			exit(CLI_FAIL);
		}
	if (getrlimit(RLIMIT_NOFILE, &cur_nofile) != 0 ||
	    (cur_nofile.rlim_cur < nofile.rlim_cur &&
	    setrlimit(RLIMIT_NOFILE, &nofile) != 0))
		die("setrlimit");
}

/*
 * Close every descriptor above 2 the caller left open (a setuid run): a
 * file, pipe or socket of the caller's must not reach the store code, be
 * written by root by mistake, or keep something of the caller's open.
 * close_range(2) where the kernel has it; else each one /proc/self/fd
 * lists; else every number up to the descriptor limit.
 */
static void
close_inherited(void)
{
	struct rlimit rl;
	struct dirent *e;
	DIR *d;
	long fd, max;
	int dfd;

#ifdef SYS_close_range
	if (syscall(SYS_close_range, 3U, ~0U, 0U) == 0)
		return;
#endif
	if ((d = opendir("/proc/self/fd")) != NULL) {
		dfd = dirfd(d);
		while ((e = readdir(d)) != NULL) {
			fd = strtol(e->d_name, NULL, 10);
			if (fd > 2 && fd != dfd)
				(void)close((int)fd);
		}
		closedir(d);
		return;
	}
	max = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max !=
	    RLIM_INFINITY && rl.rlim_max < 1048576 ? (long)rl.rlim_max :
	    1048576;
	for (fd = 3; fd < max; fd++)
		(void)close((int)fd);
}

void
cli_init(struct cli *cli)
{
	struct rlimit none = { 0, 0 };
	struct passwd *pw;
	char **env;
	int fd;

	if (getuid() != 0 && geteuid() == 0)
		close_inherited();
	umask(077);
	if (setrlimit(RLIMIT_CORE, &none) != 0)
		die("setrlimit");
	no_dumps();
	/* A closed 0, 1 or 2 would let a file opened later take its place
	 * and receive what is meant for the terminal. */
	for (fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) == -1 && errno == EBADF &&
		    open("/dev/null", O_RDWR) != fd)
			die("/dev/null");
	/* Codes typed at a prompt stay in no stdio buffer. */
	if (setvbuf(stdin, NULL, _IONBF, 0) != 0)
		die("setvbuf");
	sigemptyset(&held_signals);
	sigaddset(&held_signals, SIGHUP);
	sigaddset(&held_signals, SIGINT);
	sigaddset(&held_signals, SIGQUIT);
	sigaddset(&held_signals, SIGTERM);
	sigaddset(&held_signals, SIGTSTP);
	sigaddset(&held_signals, SIGTTIN);
	sigaddset(&held_signals, SIGTTOU);
	sigaddset(&held_signals, SIGPIPE);
	sigaddset(&held_signals, SIGALRM);
	sigaddset(&held_signals, SIGVTALRM);
	sigaddset(&held_signals, SIGPROF);
	sigaddset(&held_signals, SIGXCPU);
	sigaddset(&held_signals, SIGXFSZ);
	sigaddset(&held_signals, SIGIO);
	sigaddset(&held_signals, SIGUSR1);
	sigaddset(&held_signals, SIGUSR2);
	caller_uid = getuid();
	caller_gid = getgid();
	caller_root = caller_uid == 0 && geteuid() == 0;
	cli->root = caller_root;
	cli->setuid = !cli->root && geteuid() == 0;
	caller_setuid = cli->setuid;
	cli->self[0] = '\0';
	if (!cli->root) {
		/* Nothing the caller sets may steer a setuid program. */
		env = environ;
		if (clearenv() != 0)
			die("clearenv");
		wipe_env_block(env);
		if (cli->setuid) {
			reset_inherited();
			/* Held from here on but at prompts (held_signals). */
			if (sigprocmask(SIG_BLOCK, &held_signals, NULL) != 0)
				die("sigprocmask");
		}
		cli_priv_lower(cli);
	}
	errno = 0;
	if ((pw = getpwuid(caller_uid)) != NULL &&
	    user_valid(pw->pw_name, strlen(pw->pw_name)))
		snprintf(cli->self, sizeof(cli->self), "%s", pw->pw_name);
}

void
cli_priv_raise(const struct cli *cli)
{
	if (!cli->setuid)
		return;
	/* Both ids: files the store creates are root:root, not the
	 * caller's group's. */
	if (seteuid(0) != 0 || setegid(0) != 0)
		die("seteuid");
	no_dumps();
}

/*
 * The caller's effective ids; the real and saved uid stay root's, so the
 * caller can neither send this process a signal (kill(2) needs their uid
 * to be its real or saved one) nor trace it, while it can raise again.
 */
void
cli_priv_lower(const struct cli *cli)
{
	uid_t r, e, s;

	if (!cli->setuid)
		return;
	if (setegid(caller_gid) != 0 || setresuid(0, caller_uid, 0) != 0 ||
	    getresuid(&r, &e, &s) != 0 || r != 0 || e != caller_uid ||
	    s != 0 || getegid() != caller_gid)
		die("setresuid");
	no_dumps();
}

int
cli_account(struct cli *cli, const char *cmd, const char *name)
{
	enum mfa_err rc;

	cli->unknown = 0;
	if (cli_user_arg(name) != CLI_OK)
		return CLI_USAGE;
	rc = account_resolve(name, cli->conf->user_lookup, &cli->acct);
	if (rc == MFA_ENOUSER) {
		memset(&cli->acct, 0, sizeof(cli->acct));
		snprintf(cli->acct.name, sizeof(cli->acct.name), "%s", name);
		cli->unknown = 1;
		return CLI_OK;
	}
	if (rc != MFA_OK) {
		fprintf(stderr, "pam-mfa: %s: %s: %s\n", cmd, name,
		    rc == MFA_EINPUT ? "the name service's name for this "
		    "account is not a valid user name" : mfa_strerror(rc));
		return CLI_FAIL;
	}
	return CLI_OK;
}

int
cli_target(struct cli *cli, const char *cmd, const char *arg,
    const char **user)
{
	int ret;

	*user = NULL;
	if (cli->root) {
		if (arg == NULL) {
			fprintf(stderr, "pam-mfa: %s: name the USER\n", cmd);
			return CLI_USAGE;
		}
		if ((ret = cli_account(cli, cmd, arg)) != CLI_OK)
			return ret;
		*user = cli->acct.name;
		return CLI_OK;
	}
	if (!cli->setuid) {
		fprintf(stderr, "pam-mfa: %s: must be run as root (this "
		    "pam-mfa is not installed setuid root for self-service)\n",
		    cmd);
		return CLI_DENIED;
	}
	if (cli->self[0] == '\0') {
		fprintf(stderr, "pam-mfa: %s: your account name can't be "
		    "used with pam_mfa: ask your administrator\n", cmd);
		return CLI_DENIED;
	}
	if (arg != NULL && strcmp(arg, cli->self) != 0) {
		fprintf(stderr, "pam-mfa: %s: you may act on your own "
		    "account (%s) only\n", cmd, cli->self);
		return CLI_DENIED;
	}
	if (!cli->conf->self_service) {
		fprintf(stderr, "pam-mfa: %s: self-service is turned off "
		    "(self_service = false): ask your administrator\n", cmd);
		return CLI_DENIED;
	}
	/* The name of the caller's uid: it must name that uid back. */
	if ((ret = cli_account(cli, cmd, cli->self)) != CLI_OK)
		return ret;
	if (cli->conf->user_lookup == MFA_LOOKUP_NSS && (cli->unknown ||
	    !cli->acct.known || cli->acct.uid != caller_uid)) {
		fprintf(stderr, "pam-mfa: %s: the name service does not map "
		    "your account name (%s) back to your account: ask your "
		    "administrator\n", cmd, cli->self);
		return CLI_DENIED;
	}
	*user = cli->acct.name;
	return CLI_OK;
}

int
cli_prompt(const char *prompt, char *buf, size_t size)
{
	size_t n = 0;
	int ch, ret = CLI_OK;

	fputs(prompt, stderr);
	fflush(stderr);
	/* Waiting for the caller, who may interrupt or stop it: nothing is
	 * held open or owed here (held_signals). */
	if (caller_setuid && geteuid() == 0)
		die("prompt while raised");
	if (caller_setuid &&
	    sigprocmask(SIG_UNBLOCK, &held_signals, NULL) != 0)
		die("sigprocmask");
	while ((ch = getchar()) != EOF && ch != '\n') {
		if (n + 1 < size)
			buf[n++] = (char)ch;
		else
			ret = CLI_USAGE;
	}
	if (caller_setuid && sigprocmask(SIG_BLOCK, &held_signals, NULL) != 0)
		die("sigprocmask");
	buf[n] = '\0';
	if (ch == EOF && n == 0) {
		fputc('\n', stderr);
		return CLI_FAIL;
	}
	if (n > 0 && buf[n - 1] == '\r')
		buf[--n] = '\0';
	if (ret != CLI_OK)
		crypto_wipe(buf, size);
	return ret;
}

/* gid in list (n entries). */
static int
gid_in(gid_t gid, const gid_t *list, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (list[i] == gid)
			return 1;
	return 0;
}

/*
 * Whether the caller of the setuid CLI is in admin_group: the kernel's
 * view of the process (its real gid and supplementary groups, which the
 * caller can't set), never the environment nor the name service's idea
 * of the caller's groups.  Root needs no group; a copy that is not
 * setuid gives nobody else rights.
 */
static int
caller_admin(const struct mfa_conf *conf)
{
	struct group *gr;
	gid_t *groups = NULL;
	int n, yes = 0;

	admin_gid_set = 0;
	if (!caller_setuid || conf->admin_group[0] == '\0')
		return 0;
	errno = 0;
	if ((gr = getgrnam(conf->admin_group)) == NULL)
		return 0;
	admin_gid = gr->gr_gid;
	admin_gid_set = 1;
	if (caller_gid == admin_gid)
		return 1;
	if ((n = getgroups(0, NULL)) <= 0 ||
	    (groups = calloc((size_t)n, sizeof(*groups))) == NULL)
		return 0;
	if ((n = getgroups(n, groups)) > 0)
		yes = gid_in(admin_gid, groups, n);
	free(groups);
	return yes;
}

/* Whether the account acct is in admin_group, as the name service says
 * (primary group or listed member); yes if that can't be told. */
static int
acct_admin(const struct mfa_account *acct)
{
	gid_t *groups;
	int n = 64, yes;

	if (!admin_gid_set || acct->gid == admin_gid)
		return 1;
	for (;;) {
		if ((groups = calloc((size_t)n, sizeof(*groups))) == NULL)
			return 1;
		if (getgrouplist(acct->pw_name, acct->gid, groups, &n) != -1)
			break;
		free(groups);
		if (n <= 0 || n > 65536)
			return 1;
	}
	yes = gid_in(admin_gid, groups, n);
	free(groups);
	return yes;
}

int
cli_require_admin(const struct cli *cli, const char *cmd)
{
	if (caller_root || cli->admin)
		return CLI_OK;
	fprintf(stderr, "pam-mfa: %s: must be run as root or by a member of "
	    "admin_group\n", cmd);
	return CLI_DENIED;
}

int
cli_admin_target(struct cli *cli, const char *cmd, const char *arg,
    const char **user)
{
	int ret;

	*user = NULL;
	cli->by_admin = 0;
	if (cli->root || !cli->admin || arg == NULL ||
	    strcmp(arg, cli->self) == 0)
		return cli_target(cli, cmd, arg, user);
	if ((ret = cli_account(cli, cmd, arg)) != CLI_OK)
		return ret;
	if (cli->unknown || !cli->acct.known) {
		fprintf(stderr, "pam-mfa: %s: %s: no such user in the name "
		    "service: only root acts on it\n", cmd, arg);
		return CLI_DENIED;
	}
	if (cli->acct.uid == caller_uid) {
		fprintf(stderr, "pam-mfa: %s: %s is your own account: "
		    "admin_group gives no rights over it\n", cmd, arg);
		return CLI_DENIED;
	}
	if (cli->acct.uid == 0 || acct_admin(&cli->acct)) {
		fprintf(stderr, "pam-mfa: %s: %s is root or a member of "
		    "admin_group: only root acts on it\n", cmd, arg);
		return CLI_DENIED;
	}
	cli->by_admin = 1;
	*user = cli->acct.name;
	return CLI_OK;
}

int
cli_load_conf(struct cli *cli)
{
	char errmsg[CONF_ERRMSG_MAX];
	enum mfa_err rc;

	cli_priv_raise(cli);
	rc = conf_load(cli->conf_path, &cli->conf, errmsg);
	cli_priv_lower(cli);
	if (rc != MFA_OK) {
		fprintf(stderr, "pam-mfa: %s: %s\n", cli->conf_path, errmsg);
		if (rc == MFA_EUNSAFE)
			fprintf(stderr, "pam-mfa: fix with: chown root:root %s "
			    "&& chmod 0644 %s\n", cli->conf_path,
			    cli->conf_path);
		else if (cli->root && access(cli->conf_path, F_OK) != 0 &&
		    errno == ENOENT)
			fprintf(stderr, "pam-mfa: install one: the sample "
			    "pam_mfa.conf (make install puts it there), root's, "
			    "mode 0644\n");
		return CLI_CONFIG;
	}
	key_file = cli->conf->key_file;
	cli->admin = caller_admin(cli->conf);
	return CLI_OK;
}

int
cli_require_root(const char *cmd)
{
	if (!caller_root) {
		fprintf(stderr, "pam-mfa: %s: must be run as root\n", cmd);
		return CLI_DENIED;
	}
	return CLI_OK;
}

void
cli_error(const char *what, enum mfa_err err)
{
	fprintf(stderr, "pam-mfa: %s: %s\n", what, mfa_strerror(err));
	cli_key_hint(err);
}

void
cli_key_hint(enum mfa_err err)
{
	if (key_file == NULL)
		return;
	switch (err) {
	case MFA_EKEYMISSING:
		fprintf(stderr, "pam-mfa: the key file %s is missing: restore "
		    "it from a backup (a new key opens no token, and none is "
		    "made while tokens exist)\n", key_file);
		break;
	case MFA_EKEYUNREADABLE:
		fprintf(stderr, "pam-mfa: the key file %s can't be used: it "
		    "must be root's, mode 0600, one link, as pam-mfa wrote "
		    "it\n", key_file);
		break;
	case MFA_EKEYUNKNOWN:
		fprintf(stderr, "pam-mfa: the key file %s lacks the token's "
		    "key: restore the key file that goes with the state "
		    "directory (pam-mfa check names the key id each token "
		    "needs)\n", key_file);
		break;
	default:
		break;
	}
}

void
cli_audit(const char *action, const char *user)
{
	cli_audit_detail(action, user, NULL);
}

void
cli_audit_detail(const char *action, const char *user, const char *detail)
{
	struct passwd *pw = getpwuid(caller_uid);
	char by[64];

	if (pw != NULL && user_valid(pw->pw_name, strlen(pw->pw_name)))
		snprintf(by, sizeof(by), "%s", pw->pw_name);
	else
		snprintf(by, sizeof(by), "uid=%lu", (unsigned long)caller_uid);
	/* Sent with the real uid root's, so the caller can't signal the
	 * process meanwhile (the line names them in by=), and with the
	 * caller's signals held (held_signals): the change this line
	 * reports can't be separated from it.  Called lowered: /dev/log is
	 * reached with the caller's file permissions. */
	if (caller_setuid && geteuid() != caller_uid)
		die("audit while raised");
	openlog("pam-mfa", LOG_PID, LOG_AUTHPRIV);
	syslog(LOG_NOTICE, "action=%s user=%s by=%s%s%s", action, user, by,
	    detail != NULL ? " " : "", detail != NULL ? detail : "");
	closelog();
}

int
cli_token_is(struct mfa_store *store, const char *user,
    const struct mfa_token *tok)
{
	struct mfa_token cur;
	int yes;

	yes = store_token_meta(store, user, &cur) == MFA_OK &&
	    cur.id == tok->id && cur.backup_gen == tok->backup_gen;
	token_wipe(&cur);
	return yes;
}

int
cli_user_arg(const char *user)
{
	if (!user_valid(user, strlen(user))) {
		fprintf(stderr, "pam-mfa: invalid user name: use 1-%d of "
		    "A-Z a-z 0-9 . _ @ -, not starting with . or -\n",
		    MFA_USER_MAX);
		return CLI_USAGE;
	}
	return CLI_OK;
}

int
cli_open_store(struct cli *cli, struct mfa_store **store)
{
	struct stat sb;
	enum mfa_err rc;

	cli_priv_raise(cli);
	if (cli->conf->store == MFA_STORE_POSTGRESQL) {
		rc = store_open_admin(cli->conf, store);
		cli_priv_lower(cli);
		if (rc != MFA_OK) {
			fprintf(stderr, "pam-mfa: database: %s\n",
			    mfa_strerror(rc));
			return CLI_FAIL;
		}
		return CLI_OK;
	}
	rc = store_open(cli->conf, store);
	if (rc != MFA_OK && lstat(cli->conf->state_dir, &sb) != 0 &&
	    errno == ENOENT) {
		cli_priv_lower(cli);
		fprintf(stderr, "pam-mfa: state directory %s does not exist: "
		    "nobody is enrolled yet (pam-mfa enroll creates it)\n",
		    cli->conf->state_dir);
		return CLI_NOTFOUND;
	}
	cli_priv_lower(cli);
	if (rc != MFA_OK) {
		fprintf(stderr, "pam-mfa: state directory %s: %s\n",
		    cli->conf->state_dir, mfa_strerror(rc));
		return CLI_FAIL;
	}
	return CLI_OK;
}

int
cli_user_command(struct cli *cli, const char *name, int argc, char **argv,
    struct mfa_store **store)
{
	int ret;

	const char *user;

	*store = NULL;
	/* Not root: only admin_group through the setuid copy. */
	if (!cli->setuid && (ret = cli_require_root(name)) != CLI_OK)
		return ret;
	if (argc != 2) {
		fprintf(stderr, "usage: pam-mfa %s USER\n", name);
		return CLI_USAGE;
	}
	if ((ret = cli_user_arg(argv[1])) != CLI_OK ||
	    (ret = cli_load_conf(cli)) != CLI_OK)
		return ret;
	if (!cli->root) {
		if (!cli->admin)
			return cli_require_root(name);
		/* Someone else only, each through the admin path. */
		if (strcmp(argv[1], cli->self) == 0) {
			fprintf(stderr, "pam-mfa: %s: %s is your own account: "
			    "admin_group gives no rights over it\n", name,
			    argv[1]);
			return CLI_DENIED;
		}
		if ((ret = cli_admin_target(cli, name, argv[1], &user)) !=
		    CLI_OK)
			return ret;
	} else if ((ret = cli_account(cli, name, argv[1])) != CLI_OK)
		return ret;
	return cli_open_store(cli, store);
}

int
cli_current_code(struct cli *cli, struct mfa_store *store, const char *user,
    const char *action, uint64_t *proved_id)
{
	char code[MFA_INPUT_MAX + 1], what[64];
	struct auth_request req;
	struct auth_result res;
	enum mfa_err rc;
	int ret;

	ret = cli_prompt("Code from your current token (or a backup code): ",
	    code, sizeof(code));
	if (ret == CLI_FAIL) {
		fprintf(stderr, "pam-mfa: %s: no code given\n", action);
		return CLI_DENIED;
	}
	memset(&req, 0, sizeof(req));
	memset(&res, 0, sizeof(res));
	req.user = user;
	req.acct = &cli->acct;
	req.code = code;
	req.code_len = strlen(code);
	req.now = (int64_t)time(NULL);
	req.clock_unsynced = clock_unsynced(cli->conf);
	if (ret != CLI_OK || !auth_code_wellformed(code, req.code_len)) {
		rc = MFA_EINPUT;
	} else {
		cli_priv_raise(cli);
		rc = auth_attempt(cli->conf, store, &req, &res);
		cli_priv_lower(cli);
	}
	crypto_wipe(code, sizeof(code));
	*proved_id = rc == MFA_OK ? res.token_id : 0;
	if (rc == MFA_OK)
		return CLI_OK;
	snprintf(what, sizeof(what), "%s_denied", action);
	cli_audit(what, user);
	switch (rc) {
	case MFA_EINPUT:
		fprintf(stderr, "pam-mfa: %s: that is not a code (digits, or "
		    "a backup code 12345-67890)\n", action);
		return CLI_DENIED;
	case MFA_EBADCODE:
	case MFA_EREPLAY:
		fprintf(stderr, "pam-mfa: %s: wrong code (it counts as a "
		    "failed login)\n", action);
		return CLI_DENIED;
	case MFA_ELOCKED:
		fprintf(stderr, "pam-mfa: %s: too many failed attempts: try "
		    "again later, or ask your administrator to unlock you\n",
		    action);
		return CLI_DENIED;
	default:
		cli_error(action, rc);
		return CLI_FAIL;
	}
}

/* A time as status prints it: "2026-11-28T07:15:35Z", or "never". */
void
cli_fmt_time(char *buf, size_t len, int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (t <= 0 || gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "never");
}

int
cli_group_members(const char *cmd, const char *group,
    int (*fn)(const char *, void *), void *arg)
{
	struct passwd *pw;
	struct group *gr;
	gid_t gid;
	char **m;
	int ret = CLI_OK;

	errno = 0;
	if ((gr = getgrnam(group)) == NULL) {
		fprintf(stderr, "pam-mfa: %s: %s: no such group in the name "
		    "service\n", cmd, group);
		return CLI_FAIL;
	}
	gid = gr->gr_gid;
	for (m = gr->gr_mem; ret == CLI_OK && m != NULL && *m != NULL; m++)
		ret = fn(*m, arg);
	setpwent();
	while (ret == CLI_OK && (pw = getpwent()) != NULL)
		if (pw->pw_gid == gid)
			ret = fn(pw->pw_name, arg);
	endpwent();
	return ret;
}
