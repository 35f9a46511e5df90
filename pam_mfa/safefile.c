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

int
safe_opendir(const char *path, mode_t forbidden, enum mfa_err *err)
{
	char comp[NAME_MAX + 1];
	const char *p, *end;
	struct stat st;
	int fd, nfd;

	*err = MFA_ECONFIG;
	if (path == NULL || path[0] != '/' || strnlen(path, PATH_MAX) >= PATH_MAX)
		return -1;
	*err = MFA_EIO;
	if ((fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	p = path;
	for (;;) {
		size_t n;

		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		end = strchr(p, '/');
		n = end != NULL ? (size_t)(end - p) : strlen(p);
		if (fstat(fd, &st) != 0 || !dir_trusted(&st, 0, 0)) {
			*err = MFA_EUNSAFE;
			goto fail;
		}
		if (n > NAME_MAX || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.')) {
			*err = MFA_ECONFIG;
			goto fail;
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		nfd = openat(fd, comp,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0) {
			/* ENOTDIR or ELOOP: a symlink or a file on the way. */
			*err = errno == ENOTDIR || errno == ELOOP ?
			    MFA_EUNSAFE : MFA_EIO;
			goto fail;
		}
		close(fd);
		fd = nfd;
		p += n;
	}
	if (fstat(fd, &st) != 0 || !dir_trusted(&st, forbidden, 1)) {
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
	int fd;

	*err = MFA_EINTERNAL;
	if ((flags & (O_CREAT | O_TRUNC)) != 0 || strchr(name, '/') != NULL)
		return -1;
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
safe_open(const char *path, mode_t forbidden, struct stat *st,
    enum mfa_err *err)
{
	char dir[PATH_MAX];
	const char *slash;
	int dfd, fd;

	*err = MFA_ECONFIG;
	if (path == NULL || path[0] != '/' || strnlen(path, PATH_MAX) >= PATH_MAX)
		return -1;
	slash = strrchr(path, '/');
	if (slash[1] == '\0')
		return -1;
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	if ((dfd = safe_opendir(dir[0] != '\0' ? dir : "/", 0, err)) < 0)
		return -1;
	fd = safe_openat(dfd, slash + 1, O_RDONLY, forbidden, st, err);
	close(dfd);
	return fd;
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
