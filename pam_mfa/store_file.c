/*
 * store_file.c - the embedded store: one directory, two files per user.
 * Rules this store obeys:
 *  1. the directory is root's, mode 0700, reached through trusted
 *     directories only (safefile.h); every file in it is checked on its
 *     descriptor: regular, root's, mode 0600 or stricter, one link;
 *  2. USER.token is written only by the CLI, replaced whole by rename;
 *  3. USER.state is updated in place by logins, in the alternating slots
 *     of state.h, so a crash at any instant leaves the old or the new
 *     record; with state_flush "always" the slot is fdatasync'd before
 *     the transaction ends; the first write gives a new file both slots
 *     (the second empty), so it grows once and is then only overwritten;
 *  4. the per-user lock is flock(2) on USER.state: held only between
 *     store_begin and store_commit/abort, never across a conversation,
 *     released by the kernel if the process dies, so it can't go stale;
 *     waiting for it is bounded by lock_wait_ms;
 *  5. temporary files start with '.', which no user name can, and are
 *     created with O_EXCL; a leftover one blocks nothing.
 * Every lookup is an openat in one directory: cost is O(1) in the number
 * of enrolled users.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crypto.h"
#include "keyfile.h"
#include "safefile.h"
#include "srctable.h"
#include "store.h"
#include "user.h"

struct file_store {
	int dirfd;
	enum mfa_flush flush;
	unsigned lock_wait_ms;
	struct keyfile kf;		/* read lazily */
};

struct file_txn {
	struct file_store *fs;
	int fd;
	int slot;		/* slot holding the record read, -1: none */
	uint64_t seq;
};

#define NAME_BUF (MFA_USER_MAX + 8)

static enum mfa_err
file_name(char buf[NAME_BUF], const char *user, const char *suffix)
{
	int n = snprintf(buf, NAME_BUF, "%s.%s", user, suffix);

	return n > 0 && n < NAME_BUF ? MFA_OK : MFA_EINPUT;
}

/* Whether name is a record sealed with the key ring: USER.token or
 * USER.pending (any USER: even a name logins would refuse). */
static int
sealed_name(const char *name)
{
	size_t len = strlen(name);

	if (name[0] == '.')
		return 0;
	return (len > 6 && strcmp(name + len - 6, ".token") == 0) ||
	    (len > 8 && strcmp(name + len - 8, ".pending") == 0);
}

/*
 * Whether the state directory (arg, its path) holds a token or a pending
 * token: MFA_EEXIST if it does, MFA_OK if not (or if there is no
 * directory).  keyfile_create's question.
 */
static enum mfa_err
any_sealed(const void *arg)
{
	const char *state_dir = arg;
	struct dirent *e;
	enum mfa_err rc;
	DIR *d;
	int fd;

	if ((fd = safe_opendir(state_dir, SAFE_PRIVATE, &rc)) < 0)
		return rc == MFA_EIO && errno == ENOENT ? MFA_OK : rc;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return MFA_EIO;
	}
	rc = MFA_OK;
	errno = 0;
	while (rc == MFA_OK && (e = readdir(d)) != NULL)
		if (sealed_name(e->d_name))
			rc = MFA_EEXIST;
	if (rc == MFA_OK && errno != 0)
		rc = MFA_EIO;
	closedir(d);
	return rc;
}

/* Whether name is a temporary file of safe_replace: ".NAME.<16 hex>". */
static int
temp_name(const char *name)
{
	size_t len = strlen(name), i;

	if (len < 19 || name[0] != '.' || name[len - 17] != '.')
		return 0;
	for (i = len - 16; i < len; i++)
		if (!((name[i] >= '0' && name[i] <= '9') ||
		    (name[i] >= 'a' && name[i] <= 'f')))
			return 0;
	return 1;
}

/*
 * Remove the temporary files writes left when killed before their
 * rename, once they are TEMP_STALE seconds old (a write takes
 * milliseconds): so that a caller who can kill pam-mfa (a cgroup, an OOM)
 * can't fill the directory.  Best effort: the CLI's, at each enroll.
 */
#define TEMP_STALE	300

static void
sweep_temps(int dirfd)
{
	struct timespec now;
	struct dirent *e;
	struct stat sb;
	DIR *d;
	int fd;

	if (clock_gettime(CLOCK_REALTIME, &now) != 0 ||
	    (fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return;
	}
	while ((e = readdir(d)) != NULL)
		if (temp_name(e->d_name) &&
		    fstatat(dirfd, e->d_name, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(sb.st_mode) && sb.st_mtime < now.tv_sec - TEMP_STALE)
			(void)unlinkat(dirfd, e->d_name, 0);
	closedir(d);
}

static enum mfa_err
file_create(const struct mfa_conf *conf)
{
	char parent[PATH_MAX];
	const char *slash;
	enum mfa_err rc;
	int pfd, fd;

	/* Never a new key file beside the tokens of a lost one. */
	if ((rc = keyfile_create(conf->key_file, any_sealed,
	    conf->state_dir)) != MFA_OK)
		return rc;
	fd = safe_opendir(conf->state_dir, SAFE_PRIVATE, &rc);
	if (fd >= 0) {
		sweep_temps(fd);
		close(fd);
		return MFA_OK;
	}
	if (rc != MFA_EIO || errno != ENOENT)
		return rc;
	slash = strrchr(conf->state_dir, '/');
	if (slash == NULL || slash[1] == '\0' ||
	    (size_t)(slash - conf->state_dir) >= sizeof(parent))
		return MFA_ECONFIG;
	memcpy(parent, conf->state_dir, (size_t)(slash - conf->state_dir));
	parent[slash - conf->state_dir] = '\0';
	if ((pfd = safe_opendir(parent[0] ? parent : "/", 0, &rc)) < 0)
		return rc;
	rc = mkdirat(pfd, slash + 1, 0700) == 0 || errno == EEXIST ?
	    MFA_OK : MFA_EIO;
	if (rc == MFA_OK && fsync(pfd) != 0)
		rc = MFA_EIO;
	close(pfd);
	if (rc != MFA_OK)
		return rc;
	/* Check what is there now, whoever made it. */
	if ((fd = safe_opendir(conf->state_dir, SAFE_PRIVATE, &rc)) < 0)
		return rc;
	close(fd);
	return MFA_OK;
}

static enum mfa_err
file_open(const struct mfa_conf *conf, void **out)
{
	struct file_store *fs;
	enum mfa_err rc;

	*out = NULL;
	if ((fs = calloc(1, sizeof(*fs))) == NULL)
		return MFA_ENOMEM;
	/* The config was opened just before (conf->path, this login's or
	 * this command's): its walk is not made again. */
	if ((fs->dirfd = safe_opendir_near(conf->state_dir, SAFE_PRIVATE,
	    conf->path, &rc)) < 0) {
		free(fs);
		return rc;
	}
	if (keyfile_init(&fs->kf, conf->key_file) != MFA_OK ||
	    keyfile_near(&fs->kf, conf->path) != MFA_OK) {
		keyfile_free(&fs->kf);
		close(fs->dirfd);
		free(fs);
		return MFA_ENOMEM;
	}
	fs->flush = conf->state_flush;
	fs->lock_wait_ms = conf->lock_wait_ms;
	*out = fs;
	return MFA_OK;
}

static void
file_close(void *be)
{
	struct file_store *fs = be;

	if (fs == NULL)
		return;
	close(fs->dirfd);
	keyfile_free(&fs->kf);
	free(fs);
}

/* A token file as stored, its secret still sealed (cipher 1 or 2); *sb gets
 * the file's identity.  With keep, *keep receives the open descriptor
 * (the caller closes it), else it is closed. */
static enum mfa_err
token_read_keep(struct file_store *fs, const char *user, const char *suffix,
    struct mfa_token *tok, struct stat *sb, int *keep)
{
	unsigned char buf[TOKEN_FILE_SIZE];
	char name[NAME_BUF];
	enum mfa_err rc;
	int fd;

	memset(tok, 0, sizeof(*tok));
	if (keep != NULL)
		*keep = -1;
	if ((rc = file_name(name, user, suffix)) != MFA_OK)
		return rc;
	fd = safe_openat(fs->dirfd, name, O_RDONLY, SAFE_PRIVATE, sb, &rc);
	if (fd < 0)
		return rc;
	if (sb->st_size != TOKEN_FILE_SIZE)
		rc = MFA_ECORRUPT;
	else if ((rc = safe_pread(fd, buf, sizeof(buf), 0)) == MFA_OK)
		rc = token_decode(buf, tok);
	crypto_wipe(buf, sizeof(buf));
	/* Every stored secret is sealed: a clear one was not written by
	 * pam-mfa and is refused.  Only a .pending file may be pending. */
	if (rc == MFA_OK && (tok->cipher == 0 ||
	    (!(tok->flags & TOKEN_F_PENDING)) !=
	    (strcmp(suffix, "pending") != 0))) {
		token_wipe(tok);
		rc = MFA_ECORRUPT;
	}
	if (rc == MFA_OK && keep != NULL)
		*keep = fd;
	else
		close(fd);
	return rc;
}

static enum mfa_err
token_read(struct file_store *fs, const char *user, const char *suffix,
    struct mfa_token *tok, struct stat *sb)
{
	return token_read_keep(fs, user, suffix, tok, sb, NULL);
}

static enum mfa_err
file_token_meta(void *be, const char *user, struct mfa_token *tok)
{
	struct stat sb;

	return token_read(be, user, "token", tok, &sb);
}

/* Open a token file_token_meta read; the key file is read once. */
static enum mfa_err
file_unseal(void *be, const char *user, struct mfa_token *tok)
{
	struct file_store *fs = be;

	return keyfile_unseal(&fs->kf, user, tok);
}

static enum mfa_err
file_token_get(void *be, const char *user, struct mfa_token *tok)
{
	enum mfa_err rc;

	if ((rc = file_token_meta(be, user, tok)) != MFA_OK)
		return rc;
	return file_unseal(be, user, tok);
}

/* flock with a bounded wait, so a stuck holder can't stall every login. */
static enum mfa_err
lock_bounded_op(int fd, int op, unsigned wait_ms)
{
	struct timespec start, now, pause = { 0, 200 * 1000 };
	long elapsed_ms;

	if (clock_gettime(CLOCK_MONOTONIC, &start) != 0)
		return MFA_EINTERNAL;
	for (;;) {
		if (flock(fd, op | LOCK_NB) == 0)
			return MFA_OK;
		if (errno != EWOULDBLOCK && errno != EINTR)
			return MFA_EIO;
		if (clock_gettime(CLOCK_MONOTONIC, &now) != 0)
			return MFA_EINTERNAL;
		elapsed_ms = (now.tv_sec - start.tv_sec) * 1000 +
		    (now.tv_nsec - start.tv_nsec) / 1000000;
		if (elapsed_ms >= (long)wait_ms)
			return MFA_EBUSY;
		nanosleep(&pause, NULL);
	}
}

static enum mfa_err
lock_bounded(int fd, unsigned wait_ms)
{
	return lock_bounded_op(fd, LOCK_EX, wait_ms);
}

static int
state_open(struct file_store *fs, const char *name, int create,
    enum mfa_err *rc)
{
	struct stat st;
	int fd, tries;

	for (tries = 0; tries < 2; tries++) {
		fd = safe_openat(fs->dirfd, name, O_RDWR, SAFE_PRIVATE, &st, rc);
		if (fd >= 0 || *rc != MFA_ENOTENROLLED || !create)
			return fd;
		fd = safe_create(fs->dirfd, name, O_RDWR, rc);
		if (fd >= 0 || *rc != MFA_EEXIST)
			return fd;
		/* Another login created it first: open theirs. */
	}
	*rc = MFA_EIO;
	return -1;
}

/*
 * The key lock, KEYLOCK_NAME in the state directory: shared by every
 * write that seals with the key ring, from reading the key file to the
 * rename; exclusive for rekey while it adds a key and while it drops the
 * keys no record uses.  So no record is ever sealed with a key rekey
 * drops.  Logins never take it.  Returns the locked descriptor or -1.
 */
#define KEYLOCK_NAME	".keys.lock"

static int
keys_lock(struct file_store *fs, int op, enum mfa_err *rc)
{
	int fd;

	if ((fd = state_open(fs, KEYLOCK_NAME, 1, rc)) < 0)
		return -1;
	if ((*rc = lock_bounded_op(fd, op, fs->lock_wait_ms)) != MFA_OK) {
		close(fd);
		return -1;
	}
	return fd;
}

static enum mfa_err
begin_common(void *be, const char *user, struct mfa_token *tok,
    struct mfa_state *st, void **out, int create)
{
	struct file_store *fs = be;
	unsigned char buf[STATE_FILE_SIZE];
	struct file_txn *t = NULL;
	char name[NAME_BUF];
	struct stat sb, tsb;
	enum mfa_err rc;
	int fd = -1, tfd = -1;

	*out = NULL;
	memset(st, 0, sizeof(*st));
	/* The token stays sealed: the caller opens it only once it knows
	 * the user is not locked.  Read before the lock so that no state
	 * file is made for a user who is not enrolled; its descriptor stays
	 * open, which keeps its inode from being reused meanwhile. */
	if (tok != NULL &&
	    (rc = token_read_keep(fs, user, "token", tok, &tsb, &tfd)) !=
	    MFA_OK)
		return rc;
	if ((rc = file_name(name, user, "state")) != MFA_OK)
		goto fail;
	if ((fd = state_open(fs, name, create, &rc)) < 0)
		goto fail;
	if ((rc = lock_bounded(fd, fs->lock_wait_ms)) != MFA_OK)
		goto fail;
	/* Revoked while we waited: the file is no longer in the store. */
	if (fstat(fd, &sb) != 0) {
		rc = MFA_EIO;
		goto fail;
	}
	if (sb.st_nlink != 1) {
		rc = sb.st_nlink == 0 ? MFA_ENOTENROLLED : MFA_EUNSAFE;
		goto fail;
	}
	/* Tokens are replaced (renamed over) or removed under this lock
	 * (file_install, file_remove): one that lost its name while we
	 * waited is read again, so a login never pairs a new state with an
	 * old token. */
	if (tfd >= 0) {
		if (fstat(tfd, &tsb) != 0) {
			rc = MFA_EIO;
			goto fail;
		}
		if (tsb.st_nlink == 0) {
			token_wipe(tok);
			rc = token_read(fs, user, "token", tok, &tsb);
		}
		close(tfd);
		tfd = -1;
	}
	if (rc != MFA_OK)
		goto fail;
	if (sb.st_size > STATE_FILE_SIZE) {
		rc = MFA_ECORRUPT;
		goto fail;
	}
	if ((rc = safe_pread(fd, buf, (size_t)sb.st_size, 0)) != MFA_OK)
		goto fail;
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		rc = MFA_ENOMEM;
		goto fail;
	}
	if ((rc = state_decode(buf, (size_t)sb.st_size, st, &t->slot)) !=
	    MFA_OK)
		goto fail;
	t->fs = fs;
	t->fd = fd;
	t->seq = st->seq;
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
	*out = t;
	return MFA_OK;
fail:
	free(t);
	if (fd >= 0)
		close(fd);
	if (tfd >= 0)
		close(tfd);
	if (tok != NULL)
		token_wipe(tok);
	return rc;
}

static enum mfa_err
file_begin(void *be, const char *user, struct mfa_token *tok,
    struct mfa_state *st, void **out)
{
	return begin_common(be, user, tok, st, out, tok != NULL);
}

static enum mfa_err
file_begin_state(void *be, const char *user, struct mfa_state *st,
    void **out)
{
	return begin_common(be, user, NULL, st, out, 1);
}

static enum mfa_err
file_commit(void *txn, const struct mfa_state *st)
{
	struct file_txn *t = txn;
	unsigned char slot[STATE_SLOT_SIZE], file[STATE_FILE_SIZE];
	enum mfa_err rc;
	int next = t->slot == 0 ? 1 : 0;

	rc = state_encode(st, t->seq + 1, slot);
	/* A fresh (empty) file gets both slots, the second empty, so that
	 * it grows once: every later update overwrites a slot in place,
	 * which an fdatasync flushes without a journal commit of the
	 * file's size. */
	if (rc == MFA_OK && t->slot < 0) {
		memset(file + STATE_SLOT_SIZE, 0, STATE_SLOT_SIZE);
		memcpy(file, slot, sizeof(slot));
		rc = safe_pwrite(t->fd, file, sizeof(file), 0);
	} else if (rc == MFA_OK) {
		rc = safe_pwrite(t->fd, slot, sizeof(slot),
		    (off_t)next * STATE_SLOT_SIZE);
	}
	if (rc == MFA_OK && t->fs->flush == MFA_FLUSH_ALWAYS &&
	    fdatasync(t->fd) != 0)
		rc = MFA_EIO;
	/* close() releases the flock. */
	if (close(t->fd) != 0 && rc == MFA_OK)
		rc = MFA_EIO;
	free(t);
	return rc;
}

static void
file_abort(void *txn)
{
	struct file_txn *t = txn;

	if (t == NULL)
		return;
	close(t->fd);
	free(t);
}

/* Seal tok and replace name with it, under the shared key lock. */
static enum mfa_err
sealed_replace(struct file_store *fs, const char *user, const char *name,
    const struct mfa_token *tok)
{
	unsigned char buf[TOKEN_FILE_SIZE];
	enum mfa_err rc;
	int kfd;

	if ((kfd = keys_lock(fs, LOCK_SH, &rc)) < 0)
		return rc;
	/* The key file read again for every write: a CLI may have waited
	 * at a prompt while rekey replaced the key it loaded. */
	if ((rc = keyfile_seal(&fs->kf, user, tok, buf)) == MFA_OK)
		rc = safe_replace(fs->dirfd, name, buf, sizeof(buf));
	crypto_wipe(buf, sizeof(buf));
	close(kfd);
	return rc;
}

/* The state for tok, from the state st held before it (store.h). */
static void
state_follow(struct mfa_state *st, const struct mfa_token *tok,
    uint64_t next_step)
{
	uint64_t first = tok->type == MFA_HOTP ? tok->counter : 0;

	if (st->token_id != tok->id) {
		st->token_id = tok->id;
		st->next_step = next_step > first ? next_step : first;
		st->backup_used = 0;
		st->backup_gen = tok->backup_gen;
	} else if (next_step > st->next_step) {
		st->next_step = next_step;
	}
	if (st->backup_gen != tok->backup_gen) {
		st->backup_used = 0;
		st->backup_gen = tok->backup_gen;
	}
}

/*
 * The user's lock for an admin write: the state file, created if need be,
 * locked with the bounded wait, and checked as file_begin checks it.
 * Returns the locked descriptor (close it to unlock), or -1 and *rc.
 */
static int
user_lock(struct file_store *fs, const char *user, struct stat *sb,
    enum mfa_err *rc)
{
	char sname[NAME_BUF];
	int fd;

	if ((*rc = file_name(sname, user, "state")) != MFA_OK)
		return -1;
	if ((fd = state_open(fs, sname, 1, rc)) < 0)
		return -1;
	if ((*rc = lock_bounded(fd, fs->lock_wait_ms)) != MFA_OK)
		goto fail;
	if (fstat(fd, sb) != 0) {
		*rc = MFA_EIO;
		goto fail;
	}
	if (sb->st_nlink != 1 || sb->st_size > STATE_FILE_SIZE) {
		/* Revoked meanwhile, or not ours to trust. */
		*rc = sb->st_nlink == 0 ? MFA_EBUSY : sb->st_nlink > 1 ?
		    MFA_EUNSAFE : MFA_ECORRUPT;
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

/*
 * Under the user's lock: check the active token is still the expected
 * one, write the new one, then the state that follows it.  A crash
 * between the two leaves the new token with the old state, which
 * file_begin treats as a new token (floor from its start): never a torn
 * record.  The key is read under the lock, so a rekey that ran while the
 * caller waited is seen.
 */
static enum mfa_err
install_locked(struct file_store *fs, const char *user, int fd,
    const struct stat *lsb, const struct mfa_token *tok, uint64_t expect_id,
    uint32_t expect_gen, uint64_t next_step)
{
	unsigned char sbuf[STATE_FILE_SIZE];
	char tname[NAME_BUF], pname[NAME_BUF];
	struct file_txn *t = NULL;
	struct mfa_token cur;
	struct mfa_state st;
	struct stat sb = *lsb, tsb;
	enum mfa_err rc;
	uint64_t cur_id = 0;
	uint32_t cur_gen = 0;

	if ((rc = file_name(tname, user, "token")) != MFA_OK ||
	    (rc = file_name(pname, user, "pending")) != MFA_OK)
		goto out;
	rc = token_read(fs, user, "token", &cur, &tsb);
	if (rc == MFA_OK) {
		cur_id = cur.id;
		cur_gen = cur.backup_gen;
	}
	token_wipe(&cur);
	/* A damaged token may be replaced, but only by a forced write. */
	if (rc != MFA_OK && rc != MFA_ENOTENROLLED &&
	    !(expect_id == STORE_ANY &&
	    (rc == MFA_ECORRUPT || rc == MFA_EVERSION)))
		goto out;
	if (expect_id != STORE_ANY && (cur_id != expect_id ||
	    (expect_gen != STORE_ANY_GEN && cur_gen != expect_gen))) {
		rc = MFA_EEXIST;
		goto out;
	}
	if ((rc = safe_pread(fd, sbuf, (size_t)sb.st_size, 0)) != MFA_OK)
		goto out;
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		rc = MFA_ENOMEM;
		goto out;
	}
	if ((rc = state_decode(sbuf, (size_t)sb.st_size, &st, &t->slot)) !=
	    MFA_OK)
		goto out;
	state_follow(&st, tok, next_step);
	if ((rc = sealed_replace(fs, user, tname, tok)) != MFA_OK)
		goto out;
	t->fs = fs;
	t->fd = fd;
	t->seq = st.seq;
	fd = -1;
	rc = file_commit(t, &st);	/* frees t, closes the lock */
	t = NULL;
	/* A new active token ends any pending one; the same token (new
	 * backup codes, a new key) leaves it waiting. */
	if (rc == MFA_OK && cur_id != tok->id)
		rc = safe_unlink(fs->dirfd, pname);
out:
	free(t);
	if (fd >= 0)
		close(fd);
	return rc;
}

static enum mfa_err
file_install(void *be, const char *user, const struct mfa_token *tok,
    uint64_t expect_id, uint32_t expect_gen, uint64_t next_step)
{
	struct file_store *fs = be;
	struct stat sb;
	enum mfa_err rc;
	int fd;

	if ((fd = user_lock(fs, user, &sb, &rc)) < 0)
		return rc;
	return install_locked(fs, user, fd, &sb, tok, expect_id, expect_gen,
	    next_step);
}

/* store_activate: the pending token, still tok's, under the same lock as
 * the install. */
static enum mfa_err
file_activate(void *be, const char *user, const struct mfa_token *tok,
    uint64_t next_step)
{
	struct file_store *fs = be;
	struct mfa_token p;
	struct stat sb, psb;
	enum mfa_err rc;
	int fd;

	if ((fd = user_lock(fs, user, &sb, &rc)) < 0)
		return rc;
	rc = token_read(fs, user, "pending", &p, &psb);
	if (rc == MFA_OK && p.id != tok->id)
		rc = MFA_EEXIST;
	token_wipe(&p);
	if (rc != MFA_OK) {
		close(fd);
		return rc == MFA_ENOTENROLLED ? MFA_EEXIST : rc;
	}
	return install_locked(fs, user, fd, &sb, tok, 0, STORE_ANY_GEN,
	    next_step);
}

/* Under the user's lock, so that it can't cross an install or a rekey. */
static enum mfa_err
file_pending_put(void *be, const char *user, const struct mfa_token *tok)
{
	struct file_store *fs = be;
	char name[NAME_BUF];
	struct stat sb;
	enum mfa_err rc;
	int fd;

	if ((rc = file_name(name, user, "pending")) != MFA_OK)
		return rc;
	if ((fd = user_lock(fs, user, &sb, &rc)) < 0)
		return rc;
	rc = sealed_replace(fs, user, name, tok);
	close(fd);
	return rc;
}

/*
 * Rekey one record (suffix "token" or "pending") under the user's lock:
 * read, open, seal under the active key, replace.  The record written is
 * the one read, so a concurrent install or new backup codes are never
 * undone.  MFA_ENOTENROLLED if there is none.
 */
static enum mfa_err
file_reseal(struct file_store *fs, const char *user, const char *suffix)
{
	char name[NAME_BUF];
	struct mfa_token tok;
	struct stat sb, tsb;
	enum mfa_err rc;
	int fd;

	if ((rc = file_name(name, user, suffix)) != MFA_OK)
		return rc;
	/* No state file for a user with nothing to rekey. */
	if (faccessat(fs->dirfd, name, F_OK, AT_SYMLINK_NOFOLLOW) != 0)
		return errno == ENOENT ? MFA_ENOTENROLLED : MFA_EIO;
	if ((fd = user_lock(fs, user, &sb, &rc)) < 0)
		return rc;
	if ((rc = token_read(fs, user, suffix, &tok, &tsb)) == MFA_OK &&
	    (rc = file_unseal(fs, user, &tok)) == MFA_OK)
		rc = sealed_replace(fs, user, name, &tok);
	token_wipe(&tok);
	close(fd);
	return rc;
}

static enum mfa_err
file_pending_meta(void *be, const char *user, struct mfa_token *tok)
{
	struct stat sb;

	return token_read(be, user, "pending", tok, &sb);
}

static enum mfa_err
file_pending_get(void *be, const char *user, struct mfa_token *tok)
{
	enum mfa_err rc;

	if ((rc = file_pending_meta(be, user, tok)) != MFA_OK)
		return rc;
	return file_unseal(be, user, tok);
}

static enum mfa_err
file_remove(void *be, const char *user)
{
	struct file_store *fs = be;
	char tname[NAME_BUF], sname[NAME_BUF], pname[NAME_BUF];
	struct stat st;
	enum mfa_err rc, rc2, rc3;
	int fd, had_token;

	if ((rc = file_name(tname, user, "token")) != MFA_OK ||
	    (rc = file_name(sname, user, "state")) != MFA_OK ||
	    (rc = file_name(pname, user, "pending")) != MFA_OK)
		return rc;
	/* Hold the user's lock so no login is mid-update. */
	fd = safe_openat(fs->dirfd, sname, O_RDWR, SAFE_PRIVATE, &st, &rc);
	if (fd < 0 && rc != MFA_ENOTENROLLED)
		return rc;
	if (fd >= 0 && (rc = lock_bounded(fd, fs->lock_wait_ms)) != MFA_OK) {
		close(fd);
		return rc;
	}
	had_token = faccessat(fs->dirfd, tname, F_OK, AT_SYMLINK_NOFOLLOW) == 0 ||
	    faccessat(fs->dirfd, pname, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
	rc = safe_unlink(fs->dirfd, tname);
	rc2 = safe_unlink(fs->dirfd, sname);
	rc3 = safe_unlink(fs->dirfd, pname);
	if (fd >= 0)
		close(fd);
	if (rc == MFA_OK)
		rc = rc2;
	if (rc == MFA_OK)
		rc = rc3;
	if (rc == MFA_OK && !had_token)
		rc = MFA_ENOTENROLLED;
	return rc;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static enum mfa_err
file_list(void *be, char ***out, size_t *nout)
{
	struct file_store *fs = be;
	struct dirent *e;
	char **users = NULL, **grown;
	size_t n = 0, cap = 0, i, j;
	enum mfa_err rc = MFA_OK;
	DIR *d;
	int fd;

	*out = NULL;
	*nout = 0;
	if ((fd = openat(fs->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return MFA_EIO;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return MFA_EIO;
	}
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name), ulen;

		if (len > 6 && strcmp(e->d_name + len - 6, ".token") == 0)
			ulen = len - 6;
		else if (len > 8 && strcmp(e->d_name + len - 8, ".pending") == 0)
			ulen = len - 8;
		else
			continue;
		if (!user_valid(e->d_name, ulen))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			if ((grown = reallocarray(users, cap, sizeof(*users))) ==
			    NULL) {
				rc = MFA_ENOMEM;
				break;
			}
			users = grown;
		}
		if ((users[n] = strndup(e->d_name, ulen)) == NULL) {
			rc = MFA_ENOMEM;
			break;
		}
		n++;
	}
	closedir(d);
	if (rc != MFA_OK) {
		store_list_free(users, n);
		return rc;
	}
	if (n > 0)
		qsort(users, n, sizeof(*users), name_cmp);
	/* A user with both an active and a pending token: once. */
	for (i = 1, j = n > 0 ? 1 : 0; i < n; i++) {
		if (strcmp(users[i], users[j - 1]) == 0)
			free(users[i]);
		else
			users[j++] = users[i];
	}
	n = j;
	*out = users;
	*nout = n;
	return MFA_OK;
}

/* The id of the key a record (suffix "token" or "pending") was sealed
 * with, without opening it: MFA_ENOTENROLLED if there is none, another
 * error if it is there but can't be read. */
static enum mfa_err
record_key_id(struct file_store *fs, const char *user, const char *suffix,
    uint32_t *id)
{
	struct mfa_token tok;
	struct stat sb;
	enum mfa_err rc;

	if ((rc = token_read(fs, user, suffix, &tok, &sb)) == MFA_OK)
		*id = tok.key_id;
	token_wipe(&tok);
	return rc;
}

/*
 * Drop the old keys (all but the active one) that no record uses -- but
 * only if every record of users could be read and bad is empty.  A record
 * that is there but can't be read (mode, owner, links, corrupt, newer
 * version, EMFILE, EIO, ENOMEM...) may need any key: then no key is
 * dropped, and its user is added to bad.  MFA_OK, or why the records
 * could not be listed (ENOMEM: nothing dropped either).
 */
static enum mfa_err
keys_prune(struct file_store *fs, char **users, size_t n,
    struct store_names *bad)
{
	static const char *const suffixes[] = { "token", "pending" };
	int used[KEYRING_MAX] = { 0 };
	enum mfa_err rc;
	uint32_t id;
	unsigned k, j;
	size_t i;

	for (i = 0; i < n; i++)
		for (j = 0; j < 2; j++) {
			rc = record_key_id(fs, users[i], suffixes[j], &id);
			if (rc == MFA_ENOTENROLLED)
				continue;
			if (rc != MFA_OK) {
				if ((rc = store_names_add(bad, users[i])) !=
				    MFA_OK)
					return rc;
				continue;
			}
			for (k = 0; k < fs->kf.keys.n && k < KEYRING_MAX; k++)
				if (fs->kf.keys.k[k].id == id)
					used[k] = 1;
		}
	if (bad->n > 0)
		return MFA_OK;
	for (k = fs->kf.keys.n; k-- > 1;)
		if (!used[k])
			keyring_drop(&fs->kf.keys, k);
	return MFA_OK;
}

/*
 * Rotate the at-rest key with no moment at which a token's key is
 * missing: (1) the key file gets a new active key beside the old ones;
 * (2) every token is re-sealed under it, each replaced atomically;
 * (3) old keys no token uses any more are dropped.  A record (token or
 * pending token) that can't be read or opened is skipped, its user
 * reported, and then no old key at all is dropped: an old key is only
 * ever dropped when every record has been read and none needs it.
 * Interrupted, it leaves a key file that opens every token; run again,
 * it finishes.
 */
static enum mfa_err
file_rekey(void *be, size_t *done, char ***failed, size_t *nfailed)
{
	struct file_store *fs = be;
	struct store_names bad = { NULL, 0, 0 };
	char **users = NULL;
	size_t n = 0, i;
	enum mfa_err rc, prc;
	int kfd;

	*done = 0;
	*failed = NULL;
	*nfailed = 0;
	/* (1) A new active key, with no write sealing meanwhile. */
	if ((kfd = keys_lock(fs, LOCK_EX, &rc)) < 0)
		return rc;
	if ((rc = keyfile_reload(&fs->kf)) != MFA_OK ||
	    (rc = file_list(fs, &users, &n)) != MFA_OK)
		goto out;
	/* A full ring first drops what (3) would have dropped. */
	if (fs->kf.keys.n >= KEYRING_MAX &&
	    (rc = keys_prune(fs, users, n, &bad)) != MFA_OK)
		goto out;
	if (bad.n > 0) {
		rc = MFA_ECORRUPT;
		goto out;
	}
	if ((rc = keyring_add(&fs->kf.keys)) != MFA_OK ||
	    (rc = keyfile_save(fs->kf.path, &fs->kf.keys, 0)) != MFA_OK)
		goto out;
	close(kfd);
	kfd = -1;
	/* (2) Every record re-sealed under it, each under its user's lock
	 * (and the shared key lock); a pending token too, or it would lose
	 * its key. */
	for (i = 0; i < n; i++) {
		rc = file_reseal(fs, users[i], "token");
		if (rc == MFA_OK)
			(*done)++;
		prc = file_reseal(fs, users[i], "pending");
		/* MFA_ENOTENROLLED: none, or revoked meanwhile. */
		if (((rc != MFA_OK && rc != MFA_ENOTENROLLED) ||
		    (prc != MFA_OK && prc != MFA_ENOTENROLLED)) &&
		    (rc = store_names_add(&bad, users[i])) != MFA_OK)
			goto out;
	}
	/* (3) The keys no record uses dropped, the records listed afresh:
	 * one written since (1) was sealed with the key it names. */
	store_list_free(users, n);
	users = NULL;
	n = 0;
	if ((kfd = keys_lock(fs, LOCK_EX, &rc)) < 0)
		goto out;
	if ((rc = keyfile_reload(&fs->kf)) != MFA_OK ||
	    (rc = file_list(fs, &users, &n)) != MFA_OK ||
	    (rc = keys_prune(fs, users, n, &bad)) != MFA_OK)
		goto out;
	rc = bad.n > 0 ? MFA_ECORRUPT :
	    keyfile_save(fs->kf.path, &fs->kf.keys, 0);
out:
	if (kfd >= 0)
		close(kfd);
	store_list_free(users, n);
	store_names_finish(&bad);
	*failed = bad.v;
	*nfailed = bad.n;
	return rc;
}

/* The per-source records: srctable.c, in the state directory. */
static void
file_srctable(const struct file_store *fs, struct srctable *t)
{
	t->dirfd = fs->dirfd;
	t->flush = fs->flush;
	t->lock_wait_ms = fs->lock_wait_ms;
}

static enum mfa_err
file_source_get(void *be, const char *key, struct source_rec *r)
{
	struct srctable t;

	file_srctable(be, &t);
	return srctable_get(&t, key, r);
}

static enum mfa_err
file_source_fail(void *be, const struct source_policy *p, const char *key,
    int64_t now, struct source_rec *r, int *locked_now)
{
	struct srctable t;

	file_srctable(be, &t);
	return srctable_fail(&t, p, key, now, r, locked_now);
}

static enum mfa_err
file_source_list(void *be, const struct source_policy *p, int64_t now,
    struct source_rec **v, size_t *n)
{
	struct srctable t;

	file_srctable(be, &t);
	return srctable_list(&t, p, now, v, n);
}

static enum mfa_err
file_source_clear(void *be, const char *key)
{
	struct srctable t;

	file_srctable(be, &t);
	return srctable_clear(&t, key);
}

const struct store_ops store_file_ops = {
	.name = "file",
	.create = file_create,
	.open = file_open,
	.close = file_close,
	.begin = file_begin,
	.begin_state = file_begin_state,
	.token_get = file_token_get,
	.token_meta = file_token_meta,
	.unseal = file_unseal,
	.commit = file_commit,
	.abort = file_abort,
	.install = file_install,
	.activate = file_activate,
	.pending_put = file_pending_put,
	.pending_get = file_pending_get,
	.pending_meta = file_pending_meta,
	.remove = file_remove,
	.list = file_list,
	.rekey = file_rekey,
	.source_get = file_source_get,
	.source_fail = file_source_fail,
	.source_list = file_source_list,
	.source_clear = file_source_clear,
};
