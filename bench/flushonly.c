/*
 * flushonly.c - the benchmark's flushing floor: a PAM module that does
 * only what any module keeping a flushed record per user must do in a
 * login, and nothing else: open the user's 1,024-byte file (one of
 * FLUSH_FILES in DIR, picked by the user name), read it, write one
 * 512-byte slot in place, fdatasync, close.  Stacked before pam_permit
 * it is the "floor_flush" row: the floor plus one flushed slot write, as
 * a login sees it (the flush's wait, the timestamps the write changes,
 * the work after the wake-up).  Built -z nodelete, as pam_mfa.so is, so
 * that it stays loaded between logins.  Bench only: never installed.
 *   auth required pam_flushonly.so DIR
 */
#define _GNU_SOURCE
#include <security/pam_modules.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define FLUSH_FILES	1000	/* as populate.c */
#define EXPORT		__attribute__((visibility("default")))

EXPORT int
pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc,
    const char **argv)
{
	const char *user = NULL, *c;
	unsigned char buf[1024];
	char path[4096];
	unsigned h = 2166136261u;
	int fd, rc = PAM_AUTH_ERR;

	(void)flags;
	if (argc != 1 || pam_get_item(pamh, PAM_USER,
	    (const void **)&user) != PAM_SUCCESS || user == NULL)
		return PAM_AUTH_ERR;
	for (c = user; *c != '\0'; c++)
		h = (h ^ (unsigned char)*c) * 16777619u;
	snprintf(path, sizeof(path), "%s/s%u", argv[0], h % FLUSH_FILES);
	if ((fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return PAM_AUTH_ERR;
	if (pread(fd, buf, sizeof(buf), 0) == (ssize_t)sizeof(buf)) {
		/* Each slot begins with its sequence number: overwrite the
		 * older one, as a state file's two slots take turns. */
		uint32_t s0, s1;
		int next;

		memcpy(&s0, buf, sizeof(s0));
		memcpy(&s1, buf + 512, sizeof(s1));
		next = s1 < s0;
		s0 = (s0 > s1 ? s0 : s1) + 1;
		memcpy(buf + next * 512, &s0, sizeof(s0));
		if (pwrite(fd, buf + next * 512, 512, next * 512) == 512 &&
		    fdatasync(fd) == 0)
			rc = PAM_SUCCESS;
	}
	if (close(fd) != 0)
		rc = PAM_AUTH_ERR;
	return rc;
}

EXPORT int
pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_SUCCESS;
}
