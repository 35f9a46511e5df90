/*
 * safefile.c - root-owned file access that trusts descriptors, not paths;
 * the rules are in safefile.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "crypto.h"
#include "safefile.h"

/* Rule 2 for one directory on the way; last: the directory asked for. */
static int
dir_trusted(const struct stat *st, mode_t forbidden, int last)
{
	if (!S_ISDIR(st->st_mode) || st->st_uid != 0)
		return 0;
	if (last)
		return (st->st_mode & forbidden) == 0 &&
		    (st->st_mode & SAFE_NOWRITE) == 0;
	if ((st->st_mode & SAFE_NOWRITE) == 0)
		return 1;
	return (st->st_mode & S_ISVTX) != 0;
}

/*
 * Check the directories above path's last component, from "/" down, each
 * by fstatat without following it: a directory (not a symlink), trusted
 * by rule 2; with parent_last, the last of them (the file's own directory)
 * by the final directory's rule.  norm receives path without repeated
 * slashes, for the open that follows; *base points to its last component
 * ("" for "/").
 *
 * Why the path may be opened afterwards without holding each directory:
 * every directory checked is root's and writable by root alone (or
 * sticky, where others can't rename root's entries), so between the check
 * and the open only root can change what a name on the way refers to,
 * and the last component is opened with O_NOFOLLOW and checked on its
 * descriptor.  One fstatat a directory instead of an fstat, an openat and
 * a close (issue 14: a third of a login's system calls).
 */
/*
 * The directory of near (a file safe_open opened moments before, for the
 * same caller), without repeated slashes, in dir: every directory from
 * "/" down to it was checked then, and it by the rule of a file's own
 * directory.  Its length, or 0 (no near, or not a plain absolute path).
 */
static size_t
near_dir(const char *near, char dir[PATH_MAX])
{
	const char *p = near, *c;
	size_t len = 0, n, last = 0;

	if (near == NULL || near[0] != '/' || strnlen(near, PATH_MAX) >= PATH_MAX)
		return 0;
	for (;;) {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		c = p;
		while (*p != '/' && *p != '\0')
			p++;
		n = (size_t)(p - c);
		if ((n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' &&
		    c[1] == '.'))
			return 0;
		last = len;
		dir[len++] = '/';
		memcpy(dir + len, c, n);
		len += n;
	}
	/* Drop the file's name: "/" is the directory of "/name". */
	if (last == 0) {
		dir[0] = '/';
		last = 1;
	}
	dir[last] = '\0';
	return last;
}

/* Whether the directory d (len bytes) is dir (dlen) or above it. */
static int
at_or_above(const char *d, size_t len, const char *dir, size_t dlen)
{
	if (dlen == 0 || len > dlen || memcmp(d, dir, len) != 0)
		return 0;
	return len == dlen || len == 1 || dir[len] == '/';
}

/* Rule 2 for the directory at path, not followed if a symlink. */
static enum mfa_err
dir_check(const char *dir, int last)
{
	struct stat st;

	/* ENOENT stays in errno: callers tell a missing directory apart. */
	if (fstatat(AT_FDCWD, dir, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return MFA_EIO;
	return dir_trusted(&st, 0, last) ? MFA_OK : MFA_EUNSAFE;
}

static int
walk_parents(const char *path, int parent_last, const char *near,
    char norm[PATH_MAX], const char **base, enum mfa_err *err)
{
	const char *p = path, *c, *end;
	char ndir[PATH_MAX];
	size_t len = 1, n, nlen = near_dir(near, ndir);
	int last;

	*err = MFA_ECONFIG;
	if (path == NULL || path[0] != '/' || strnlen(path, PATH_MAX) >= PATH_MAX)
		return -1;
	norm[0] = '/';
	norm[1] = '\0';
	*base = norm + 1;
	for (;;) {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		c = p;
		n = (end = strchr(c, '/')) != NULL ? (size_t)(end - c) :
		    strlen(c);
		if (n > NAME_MAX || (n == 1 && c[0] == '.') ||
		    (n == 2 && c[0] == '.' && c[1] == '.')) {
			*err = MFA_ECONFIG;
			return -1;
		}
		for (p = c + n; *p == '/'; p++)
			;
		/* The directory this component is in, unless near's walk
		 * checked it by the same rule. */
		last = parent_last && *p == '\0';
		if ((!at_or_above(norm, len, ndir, nlen) ||
		    (last && len != nlen)) &&
		    (*err = dir_check(norm, last)) != MFA_OK)
			return -1;
		if (len > 1)
			norm[len++] = '/';
		*base = norm + len;
		memcpy(norm + len, c, n);
		len += n;
		norm[len] = '\0';
	}
	*err = MFA_OK;
	return 0;
}

int
safe_opendir(const char *path, mode_t forbidden, enum mfa_err *err)
{
	return safe_opendir_near(path, forbidden, NULL, err);
}

int
safe_opendir_near(const char *path, mode_t forbidden, const char *near,
    enum mfa_err *err)
{
	char norm[PATH_MAX];
	const char *base;
	struct stat st;
	int fd;

	if (walk_parents(path, 0, near, norm, &base, err) != 0)
		return -1;
	*err = MFA_EIO;
	fd = openat(AT_FDCWD, norm, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd < 0) {
		/* ENOTDIR or ELOOP: a symlink or a file. */
		if (errno == ENOTDIR || errno == ELOOP)
			*err = MFA_EUNSAFE;
		return -1;
	}
	if (fstat(fd, &st) != 0 || !dir_trusted(&st, forbidden, 1)) {
		*err = MFA_EUNSAFE;
		close(fd);
		return -1;
	}
	*err = MFA_OK;
	return fd;
}

/* Open name in dirfd (a path from "/" with AT_FDCWD) and check it. */
static int
open_checked(int dirfd, const char *name, int flags, mode_t forbidden,
    struct stat *st, enum mfa_err *err)
{
	int fd;

	*err = MFA_EINTERNAL;
	fd = openat(dirfd, name, flags | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC |
	    O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT)
			*err = MFA_ENOTENROLLED;
		else if (errno == ELOOP)
			*err = MFA_EUNSAFE;
		else if (errno == ENOMEM)
			*err = MFA_ENOMEM;
		else
			*err = MFA_EIO;
		return -1;
	}
	if (fstat(fd, st) != 0) {
		*err = MFA_EIO;
		goto fail;
	}
	if (!S_ISREG(st->st_mode) || st->st_uid != 0 || st->st_nlink != 1 ||
	    (st->st_mode & forbidden) != 0) {
		*err = MFA_EUNSAFE;
		goto fail;
	}
	*err = MFA_OK;
	return fd;
fail:
	close(fd);
	return -1;
}

int
safe_openat(int dirfd, const char *name, int flags, mode_t forbidden,
    struct stat *st, enum mfa_err *err)
{
	*err = MFA_EINTERNAL;
	if ((flags & (O_CREAT | O_TRUNC)) != 0 || strchr(name, '/') != NULL)
		return -1;
	return open_checked(dirfd, name, flags, forbidden, st, err);
}

int
safe_open(const char *path, mode_t forbidden, struct stat *st,
    enum mfa_err *err)
{
	return safe_open_near(path, forbidden, NULL, st, err);
}

int
safe_open_near(const char *path, mode_t forbidden, const char *near,
    struct stat *st, enum mfa_err *err)
{
	char norm[PATH_MAX];
	const char *base;
	size_t len;

	*err = MFA_ECONFIG;
	if (path == NULL || path[0] != '/' ||
	    (len = strnlen(path, PATH_MAX)) >= PATH_MAX || path[len - 1] == '/')
		return -1;
	if (walk_parents(path, 1, near, norm, &base, err) != 0)
		return -1;
	return open_checked(AT_FDCWD, norm, O_RDONLY, forbidden, st, err);
}

int
safe_create(int dirfd, const char *name, int flags, enum mfa_err *err)
{
	int fd;

	*err = MFA_EINTERNAL;
	if (strchr(name, '/') != NULL)
		return -1;
	fd = openat(dirfd, name, flags | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_NOCTTY | O_CLOEXEC, 0600);
	if (fd < 0) {
		*err = errno == EEXIST ? MFA_EEXIST :
		    errno == ENOMEM ? MFA_ENOMEM : MFA_EIO;
		return -1;
	}
	*err = MFA_OK;
	return fd;
}

enum mfa_err
safe_pread(int fd, void *buf, size_t len, off_t off)
{
	unsigned char *p = buf;

	while (len > 0) {
		ssize_t n = pread(fd, p, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return MFA_EIO;
		p += n;
		len -= (size_t)n;
		off += n;
	}
	return MFA_OK;
}

enum mfa_err
safe_pwrite(int fd, const void *buf, size_t len, off_t off)
{
	const unsigned char *p = buf;

	while (len > 0) {
		ssize_t n = pwrite(fd, p, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return MFA_EIO;
		p += n;
		len -= (size_t)n;
		off += n;
	}
	return MFA_OK;
}

/* Write a temporary file and move it to name: over it (rename) or only
 * if there is none (link: MFA_EEXIST). */
static enum mfa_err
put_file(int dirfd, const char *name, const void *data, size_t len,
    int exclusive)
{
	unsigned char rnd[8];
	char tmp[NAME_MAX + 1];
	enum mfa_err rc;
	int fd, n;

	if ((rc = crypto_random(rnd, sizeof(rnd))) != MFA_OK)
		return rc;
	/* Names never start with '.', so a temp name can't be a record. */
	n = snprintf(tmp, sizeof(tmp), ".%s.%02x%02x%02x%02x%02x%02x%02x%02x",
	    name, rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6],
	    rnd[7]);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return MFA_EINTERNAL;
	if ((fd = safe_create(dirfd, tmp, O_WRONLY, &rc)) < 0)
		return rc;
	if ((rc = safe_pwrite(fd, data, len, 0)) != MFA_OK)
		goto fail;
	if (fsync(fd) != 0) {
		rc = MFA_EIO;
		goto fail;
	}
	if (close(fd) != 0) {
		fd = -1;
		rc = MFA_EIO;
		goto fail;
	}
	fd = -1;
	if (exclusive) {
		/* Atomic, with no moment of two links (which the one-link
		 * rule would refuse for good after a crash). */
		if (renameat2(dirfd, tmp, dirfd, name, RENAME_NOREPLACE) != 0 &&
		    (errno != EINVAL ||
		    linkat(dirfd, tmp, dirfd, name, 0) != 0)) {
			/* EINVAL: a file system without it; link instead. */
			rc = errno == EEXIST ? MFA_EEXIST : MFA_EIO;
			goto fail;
		}
		/* After a link, the temporary name goes (gone after a rename:
		 * ENOENT is fine). */
		if (unlinkat(dirfd, tmp, 0) != 0 && errno != ENOENT) {
			rc = MFA_EIO;
			goto fail;
		}
	} else if (renameat(dirfd, tmp, dirfd, name) != 0) {
		rc = MFA_EIO;
		goto fail;
	}
	return fsync(dirfd) == 0 ? MFA_OK : MFA_EIO;
fail:
	if (fd >= 0)
		close(fd);
	unlinkat(dirfd, tmp, 0);
	return rc;
}

enum mfa_err
safe_replace(int dirfd, const char *name, const void *data, size_t len)
{
	return put_file(dirfd, name, data, len, 0);
}

enum mfa_err
safe_publish(int dirfd, const char *name, const void *data, size_t len)
{
	return put_file(dirfd, name, data, len, 1);
}

enum mfa_err
safe_unlink(int dirfd, const char *name)
{
	if (unlinkat(dirfd, name, 0) != 0 && errno != ENOENT)
		return MFA_EIO;
	return fsync(dirfd) == 0 ? MFA_OK : MFA_EIO;
}
