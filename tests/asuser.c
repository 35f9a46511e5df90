/*
 * asuser.c - for the module tests run a second time through pam_mfa_helper
 * (test_helper.sh): LD_PRELOADed before pam_wrapper, it runs each
 * pam_authenticate with the real and effective ids of the unprivileged
 * user MFA_AS_UID:MFA_AS_GID, whose only supplementary group is
 * MFA_AS_GROUP (the helper's), as a host like FreeRADIUS runs as freerad;
 * the saved uid stays root's so that the harness is root again after
 * (enrolling, reading state).  Ids are process-wide: with threads
 * (test_guest_pam), the first call in drops them and the last one out
 * restores them.  Tests only; never linked into anything.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <grp.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#define SHIM __attribute__((visibility("default")))

struct pam_handle;

static long
env_id(const char *name)
{
	const char *s = getenv(name);
	char *end;
	long v;

	if (s == NULL || *s == '\0')
		return -1;
	v = strtol(s, &end, 10);
	return *end == '\0' && v > 0 ? v : -1;
}

SHIM int pam_authenticate(struct pam_handle *pamh, int flags);

SHIM int
pam_authenticate(struct pam_handle *pamh, int flags)
{
	int (*real)(struct pam_handle *, int) =
	    (int (*)(struct pam_handle *, int))dlsym(RTLD_NEXT,
	    "pam_authenticate");
	long uid = env_id("MFA_AS_UID"), gid = env_id("MFA_AS_GID");
	long grp = env_id("MFA_AS_GROUP");
	static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	static int inside;
	gid_t g;
	int rc;

	if (real == NULL)
		abort();
	if (uid < 0 || gid < 0)
		return real(pamh, flags);
	g = (gid_t)grp;
	pthread_mutex_lock(&mu);
	if (inside++ == 0 && (setgroups(grp < 0 ? 0 : 1, &g) != 0 ||
	    setresgid((gid_t)gid, (gid_t)gid, 0) != 0 ||
	    setresuid((uid_t)uid, (uid_t)uid, 0) != 0))
		abort();
	pthread_mutex_unlock(&mu);
	rc = real(pamh, flags);
	pthread_mutex_lock(&mu);
	if (--inside == 0 && (setresuid(0, 0, 0) != 0 ||
	    setresgid(0, 0, 0) != 0 || setgroups(0, NULL) != 0))
		abort();
	pthread_mutex_unlock(&mu);
	return rc;
}
