/*
 * helper_client.c - run pam_mfa_helper for one operation, as a guest in a
 * threaded host: posix_spawn (nothing but exec in the child), descriptors
 * close-on-exec, a socket (send with MSG_NOSIGNAL: no SIGPIPE), every
 * wait bounded, the child reaped by its pid.  See helper_client.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "crypto.h"
#include "helper_client.h"

/* After a kill on timeout, how long the exit may take to be seen. */
#define REAP_MS	1000

static int64_t
now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left before deadline, at least 0. */
static int
left_ms(int64_t deadline)
{
	int64_t d = deadline - now_ms();

	return d <= 0 ? 0 : d > 60000 ? 60000 : (int)d;
}

/* Send all of buf, then end the request (EOF for the helper). */
static int
send_all(int fd, const char *buf, size_t len, int64_t deadline)
{
	struct pollfd p = { fd, POLLOUT, 0 };
	size_t off = 0;
	ssize_t n;

	while (off < len) {
		if (poll(&p, 1, left_ms(deadline)) <= 0) {
			if (errno == EINTR && left_ms(deadline) > 0)
				continue;
			return -1;
		}
		n = send(fd, buf + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	return shutdown(fd, SHUT_WR);
}

/* Read the reply until EOF: its size if whole, -1 otherwise. */
static ssize_t
recv_all(int fd, void *buf, size_t size, int64_t deadline)
{
	struct pollfd p = { fd, POLLIN, 0 };
	char extra;
	size_t off = 0;
	ssize_t n;

	for (;;) {
		if (poll(&p, 1, left_ms(deadline)) <= 0) {
			if (errno == EINTR && left_ms(deadline) > 0)
				continue;
			return -1;
		}
		if (off < size)
			n = recv(fd, (char *)buf + off, size - off,
			    MSG_DONTWAIT);
		else
			n = recv(fd, &extra, 1, MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return (ssize_t)off;
		if (off >= size)
			return -1;	/* more than a reply */
		off += (size_t)n;
	}
}

/* Reap pid by the deadline: 0 with *st, -1 if the host reaped it
 * (ECHILD), -2 if it is still running. */
static int
reap(pid_t pid, int *st, int64_t deadline)
{
	/* It closed its end: it is exiting.  Short naps first. */
	struct timespec nap = { 0, 20000 };
	pid_t r;

	for (;;) {
		r = waitpid(pid, st, WNOHANG);
		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
		if (r == 0 && left_ms(deadline) == 0)
			return -2;
		(void)nanosleep(&nap, NULL);
		if (nap.tv_nsec < 2000000)
			nap.tv_nsec *= 2;
	}
}

/* The verdict an exit status carries (*why NULL), or an error. */
static enum mfa_err
verdict(int st, int whole, const struct helper_reply *rep,
    struct auth_result *res, unsigned *digits, unsigned *backup_len,
    const char **why)
{
	enum mfa_err err;
	int s;

	if (WIFSIGNALED(st)) {
		*why = "detail=helper_killed";
		return MFA_EINTERNAL;
	}
	if (!WIFEXITED(st)) {
		*why = "detail=helper_status";
		return MFA_EINTERNAL;
	}
	switch ((s = WEXITSTATUS(st))) {
	case HELPER_EXIT_REFUSED:
		*why = "detail=helper_refused_caller";
		return MFA_ECONFIG;
	case HELPER_EXIT_BADREQ:
		*why = "detail=helper_refused_request";
		return MFA_ECONFIG;
	case HELPER_EXIT_NOTROOT:
		*why = "detail=helper_not_setuid";
		return MFA_ECONFIG;
	}
	err = helper_err_of(s);
	if (helper_status_of(err) != s) {
		*why = "detail=helper_status";
		return MFA_EINTERNAL;
	}
	/* Every verdict comes with its counters, or it is not believed. */
	if (!whole || rep->magic != HELPER_REPLY_MAGIC) {
		*why = "detail=helper_reply";
		return MFA_EINTERNAL;
	}
	res->fail_count = rep->fail_count;
	res->locked_now = rep->locked_now != 0;
	res->backup = rep->backup != 0;
	res->backup_left = rep->backup_left;
	res->locked_until = rep->locked_until;
	res->lock_step = rep->lock_step;
	res->activated = rep->activated != 0;
	*digits = rep->digits;
	*backup_len = rep->backup_len;
	return err;
}

enum mfa_err
helper_call(const struct helper_req *req, unsigned timeout_ms,
    struct auth_result *res, unsigned *digits, unsigned *backup_len,
    const char **why)
{
	static char *const envp[] = { NULL };
	char *argv[] = { NULL, NULL };
	char arg0[] = "pam_mfa_helper";
	char buf[HELPER_REQ_MAX];
	posix_spawn_file_actions_t fa;
	struct helper_reply rep;
	enum mfa_err rc = MFA_EINTERNAL;
	int64_t deadline;
	size_t len = 0;
	ssize_t got = -1;
	pid_t pid = -1;
	int sv[2] = { -1, -1 }, fd, err, st = 0, r;

	memset(&rep, 0, sizeof(rep));
	memset(res, 0, sizeof(*res));
	*digits = 0;
	*backup_len = 0;
	*why = "detail=helper_request";
	argv[0] = arg0;
	deadline = now_ms() + timeout_ms;
	if ((rc = helper_req_encode(req, buf, &len)) != MFA_OK)
		goto out;
	/* No new privileges (systemd's NoNewPrivileges=, as Debian's
	 * freeradius.service has it): the setuid bit would be ignored. */
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1) {
		rc = MFA_ECONFIG;
		*why = "detail=no_new_privs";
		goto out;
	}
	rc = MFA_EINTERNAL;
	*why = "detail=helper_spawn";
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		rc = errno == ENOMEM || errno == ENOBUFS ? MFA_ENOMEM :
		    MFA_EINTERNAL;
		goto out;
	}
	/* The child's end goes to its fd 0: keep it off 0-2 until then. */
	if (sv[1] < 3) {
		if ((fd = fcntl(sv[1], F_DUPFD_CLOEXEC, 3)) < 0)
			goto out;
		close(sv[1]);
		sv[1] = fd;
	}
	if (posix_spawn_file_actions_init(&fa) != 0)
		goto out;
	err = posix_spawn_file_actions_adddup2(&fa, sv[1], 0);
	if (err == 0)
		err = posix_spawn_file_actions_addopen(&fa, 1, "/dev/null",
		    O_RDWR, 0);
	if (err == 0)
		err = posix_spawn_file_actions_adddup2(&fa, 1, 2);
	if (err == 0)
		err = posix_spawn(&pid, MFA_HELPER_PATH, &fa, NULL, argv,
		    envp);
	posix_spawn_file_actions_destroy(&fa);
	close(sv[1]);
	sv[1] = -1;
	if (err != 0) {
		pid = -1;
		/* Missing or not ours to run: the installation is wrong. */
		if (err == ENOENT || err == EACCES || err == EPERM)
			rc = MFA_ECONFIG;
		*why = err == ENOENT ? "detail=helper_missing" :
		    err == EACCES || err == EPERM ?
		    "detail=helper_not_executable" : "detail=helper_spawn";
		goto out;
	}
	/* The helper has read everything before it can answer; a helper
	 * gone early makes send fail (EPIPE, no signal), not the host. */
	if (send_all(sv[0], buf, len, deadline) == 0)
		got = recv_all(sv[0], &rep, sizeof(rep), deadline);
	close(sv[0]);
	sv[0] = -1;
	*why = "detail=helper_timeout";
	if ((r = reap(pid, &st, deadline)) == -2) {
		/* The helper bounds itself too (its own timer): this kill
		 * may be refused, as the caller may not signal root. */
		(void)kill(pid, SIGKILL);
		r = reap(pid, &st, now_ms() + REAP_MS);
		if (r == 0)
			goto out;	/* killed: a timeout, not a verdict */
	}
	if (r == -1) {
		*why = "detail=helper_reaped";
		goto out;
	}
	if (r == -2)
		goto out;
	*why = NULL;
	rc = verdict(st, got == (ssize_t)sizeof(rep), &rep, res, digits,
	    backup_len, why);
out:
	crypto_wipe(buf, sizeof(buf));
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	return rc;
}
