/*
 * safefile.h - opening root-owned files without trusting the path.
 * Rules every function here obeys:
 *  1. paths are absolute and walked one component at a time, from "/"
 *     down, without following a symlink: each directory on the way is
 *     checked with fstatat(AT_SYMLINK_NOFOLLOW) before the name in it is
 *     used, and the last component is opened with O_NOFOLLOW;
 *  2. every directory on the way is owned by root and not writable by group
 *     or others (a sticky ancestor such as /tmp is allowed: others can't
 *     rename root's entries in it), so once checked, only root can change
 *     what a name in it refers to: the path may then be opened whole;
 *  3. the file or directory asked for is checked on its open descriptor
 *     (fstat), never on the path;
 *  4. files are created only with O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600, in a
 *     directory that passed rule 2, and replaced only by rename.
 */
#ifndef MFA_SAFEFILE_H
#define MFA_SAFEFILE_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "mfa.h"

/* Which mode bits a file or the final directory must not have. */
#define SAFE_PRIVATE	((mode_t)077)	/* secrets and state: root only */
#define SAFE_NOWRITE	((mode_t)022)	/* config: root writes, all read */

/*
 * Open the directory at absolute path, following rules 1 and 2; the final
 * directory must also have none of the bits in forbidden.
 * MFA_ENOTENROLLED is never returned; a missing directory is MFA_EIO.
 */
int safe_opendir(const char *path, mode_t forbidden, enum mfa_err *err);

/*
 * Open name (one component) in dirfd with flags (O_RDONLY or O_RDWR; O_CREAT
 * is refused).  The file must be regular, owned by root, have one link and
 * none of the bits in forbidden.  Returns the fd, or -1 with *err set;
 * a missing file is MFA_ENOTENROLLED.
 */
int safe_openat(int dirfd, const char *name, int flags, mode_t forbidden,
    struct stat *st, enum mfa_err *err);

/* Open an absolute file path: safe_opendir on its directory + safe_openat. */
int safe_open(const char *path, mode_t forbidden, struct stat *st,
    enum mfa_err *err);

/*
 * The same, for a caller that has just opened the file near with
 * safe_open (one login: the config, then the state directory and the key
 * file): the directories near's walk checked are not checked again --
 * its own directory and those above it, except a directory that must now
 * pass a stricter rule than it did then (the file's own directory, when
 * it is above near's).  NULL: everything is checked.
 */
int safe_opendir_near(const char *path, mode_t forbidden, const char *near,
    enum mfa_err *err);
int safe_open_near(const char *path, mode_t forbidden, const char *near,
    struct stat *st, enum mfa_err *err);

/* Create name in dirfd (must not exist): mode 0600, O_EXCL, O_NOFOLLOW. */
int safe_create(int dirfd, const char *name, int flags, enum mfa_err *err);

/* Read exactly len bytes at offset off; short reads are MFA_EIO. */
enum mfa_err safe_pread(int fd, void *buf, size_t len, off_t off);
/* Write exactly len bytes at offset off. */
enum mfa_err safe_pwrite(int fd, const void *buf, size_t len, off_t off);

/*
 * Replace name in dirfd by a file holding data, atomically: a temporary
 * file in the same directory, written, fsync'd, renamed over name, and the
 * directory fsync'd.  After a crash name holds the old or the new data.
 */
enum mfa_err safe_replace(int dirfd, const char *name, const void *data,
    size_t len);

/* The same, but only if name does not exist (MFA_EEXIST): two writers
 * racing to create it can't both believe they did. */
enum mfa_err safe_publish(int dirfd, const char *name, const void *data,
    size_t len);

/* Remove name from dirfd; a missing file is not an error.  The directory
 * is fsync'd. */
enum mfa_err safe_unlink(int dirfd, const char *name);

#endif
