/*
 * faultinject.c - fault injection for tests, LD_PRELOADed into the test
 * process only: the test arms one libc call to fail (its nth call from now,
 * or every call) with a chosen errno, runs a login, and disarms.  Lets the
 * tests prove that disk full, I/O errors, a lock never granted, a clock
 * that can't be read and allocation failures all end in a denial.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define SHIM __attribute__((visibility("default")))

/* Called by the tests through dlsym. */
SHIM void fi_arm(const char *what, long n, int err);
SHIM long fi_disarm(void);
SHIM int __openat_2(int, const char *, int);

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);

static char armed[16];		/* the call to fail, "" when disarmed */
static long nth;		/* fail the nth call; 0: every call */
static long seen;		/* calls of the armed function so far */
static int fail_errno;
static long hits;		/* failures injected */
static char only_path[64];	/* "": any call; else only calls on a file
				 * whose path holds it (openat, pread) */
static char after_path[64];	/* "": from the start; else only once a
				 * file whose path holds it was opened */
static int after_seen;

SHIM void
fi_arm(const char *what, long n, int err)
{
	seen = 0;
	hits = 0;
	nth = n;
	fail_errno = err;
	strncpy(armed, what, sizeof(armed) - 1);
}

/*
 * A program that can't call fi_arm (the CLI, run by a shell test) is
 * armed from its environment: MFA_FI_ARM=CALL:NTH:ERRNO, and with
 * MFA_FI_PATH=TEXT only calls on a file whose path holds TEXT count (one
 * token file failing every read, say); with MFA_FI_AFTER=TEXT, calls
 * count only once a file whose path holds TEXT was opened (past the
 * libraries' start-up, whose allocation failures some don't survive).
 * Test code only: nothing shipped reads them.
 */
__attribute__((constructor)) static void
fi_arm_from_env(void)
{
	const char *v = getenv("MFA_FI_ARM");
	const char *p = getenv("MFA_FI_PATH");
	const char *a = getenv("MFA_FI_AFTER");
	char what[sizeof(armed)];
	long n;
	int err;

	if (v == NULL || sscanf(v, "%15[^:]:%ld:%d", what, &n, &err) != 3)
		return;
	if (p != NULL)
		strncpy(only_path, p, sizeof(only_path) - 1);
	if (a != NULL)
		strncpy(after_path, a, sizeof(after_path) - 1);
	fi_arm(what, n, err);
}

SHIM long
fi_disarm(void)
{
	armed[0] = '\0';
	return hits;
}

/*
 * Whether this call of what must fail.  "malloc" counts every allocation
 * in the process; "malloc@mfa" only those made directly by code in
 * pam_mfa.so, so that the failures tested are the module's to handle.
 */
static int
fire_from(const char *what, const void *caller, const char *path)
{
	if (armed[0] == '\0')
		return 0;
	if (after_path[0] != '\0' && !after_seen)
		return 0;
	if (only_path[0] != '\0' &&
	    (path == NULL || strstr(path, only_path) == NULL))
		return 0;
	if (strcmp(armed, "malloc@mfa") == 0 && strcmp(what, "malloc") == 0) {
		Dl_info info;

		if (dladdr(caller, &info) == 0 || info.dli_fname == NULL ||
		    strstr(info.dli_fname, "pam_mfa.so") == NULL)
			return 0;
	} else if (strcmp(armed, what) != 0) {
		return 0;
	}
	seen++;
	if (nth != 0 && seen != nth)
		return 0;
	hits++;
	errno = fail_errno;
	return 1;
}

#define fire(what) fire_from(what, __builtin_return_address(0), NULL)

/* The path of fd, for MFA_FI_PATH ("" if unknown). */
static const char *
fd_path(int fd, char *buf, size_t len)
{
	char link[32];
	ssize_t n;

	buf[0] = '\0';
	if (only_path[0] == '\0')
		return buf;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	if ((n = readlink(link, buf, len - 1)) > 0)
		buf[n] = '\0';
	return buf;
}

/* The next definition of name (libc's), looked up once. */
static void *
real(void **cache, const char *name)
{
	if (*cache == NULL)
		*cache = dlsym(RTLD_NEXT, name);
	return *cache;
}

typedef ssize_t (*pwrite_fn)(int, const void *, size_t, off_t);
typedef ssize_t (*pread_fn)(int, void *, size_t, off_t);
typedef int (*fd_fn)(int);
typedef int (*flock_fn)(int, int);
typedef int (*openat_fn)(int, const char *, int, ...);
typedef int (*openat2_fn)(int, const char *, int);
static void *c_pwrite, *c_pread, *c_fdatasync, *c_flock, *c_openat;
static void *c_openat2;

SHIM void *
malloc(size_t n)
{
	return fire("malloc") ? NULL : __libc_malloc(n);
}

SHIM void *
calloc(size_t a, size_t b)
{
	return fire("malloc") ? NULL : __libc_calloc(a, b);
}

SHIM void *
realloc(void *p, size_t n)
{
	return fire("malloc") ? NULL : __libc_realloc(p, n);
}

/* glibc allocates for these without going through malloc above. */
SHIM char *
strdup(const char *str)
{
	size_t n = strlen(str) + 1;
	char *p;

	if (fire("malloc") || (p = __libc_malloc(n)) == NULL)
		return NULL;
	return memcpy(p, str, n);
}

SHIM char *
strndup(const char *str, size_t max)
{
	size_t n = strnlen(str, max);
	char *p;

	if (fire("malloc") || (p = __libc_malloc(n + 1)) == NULL)
		return NULL;
	memcpy(p, str, n);
	p[n] = '\0';
	return p;
}

SHIM void *
reallocarray(void *p, size_t a, size_t b)
{
	if (b != 0 && a > SIZE_MAX / b) {
		errno = ENOMEM;
		return NULL;
	}
	return fire("malloc") ? NULL : __libc_realloc(p, a * b);
}

SHIM ssize_t
pwrite(int fd, const void *buf, size_t n, off_t off)
{
	pwrite_fn f = (pwrite_fn)real(&c_pwrite, "pwrite");

	return fire("pwrite") ? -1 : f(fd, buf, n, off);
}

SHIM ssize_t
pread(int fd, void *buf, size_t n, off_t off)
{
	pread_fn f = (pread_fn)real(&c_pread, "pread");
	char path[4096];

	return fire_from("pread", __builtin_return_address(0),
	    fd_path(fd, path, sizeof(path))) ? -1 : f(fd, buf, n, off);
}

SHIM int
fdatasync(int fd)
{
	fd_fn f = (fd_fn)real(&c_fdatasync, "fdatasync");

	return fire("fdatasync") ? -1 : f(fd);
}

SHIM int
flock(int fd, int op)
{
	flock_fn f = (flock_fn)real(&c_flock, "flock");

	return fire("flock") ? -1 : f(fd, op);
}

SHIM int
openat(int dirfd, const char *path, int flags, ...)
{
	openat_fn f = (openat_fn)real(&c_openat, "openat");
	mode_t mode = 0;

	if (flags & (O_CREAT | O_TMPFILE)) {
		va_list ap;

		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	if (after_path[0] != '\0' && strstr(path, after_path) != NULL)
		after_seen = 1;
	return fire_from("openat", __builtin_return_address(0), path) ? -1 :
	    f(dirfd, path, flags, mode);
}

/* What _FORTIFY_SOURCE makes of an openat without O_CREAT whose flags
 * the compiler can't see. */
SHIM int
__openat_2(int dirfd, const char *path, int flags)
{
	openat2_fn f = (openat2_fn)real(&c_openat2, "__openat_2");

	if (after_path[0] != '\0' && strstr(path, after_path) != NULL)
		after_seen = 1;
	return fire_from("openat", __builtin_return_address(0), path) ? -1 :
	    f(dirfd, path, flags);
}

SHIM time_t
time(time_t *t)
{
	struct timespec ts;

	if (fire("time")) {
		/* time(2) reports failure as (time_t)-1. */
		return (time_t)-1;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	if (t != NULL)
		*t = ts.tv_sec;
	return ts.tv_sec;
}
