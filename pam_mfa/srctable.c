/*
 * srctable.c - the file store's per-source records; see srctable.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bytes.h"
#include "crypto.h"
#include "safefile.h"
#include "srctable.h"

#define MAGIC		"pam_mfa sources\n"
#define MAGIC_LEN	16
#define TABLE_VERSION		1
#define SALT_LEN	32
#define BUCKET_LEN	(SRCTABLE_BUCKET_SLOTS * SRCTABLE_SLOT)
#define KEY_LEN		(SOURCE_KEY_MAX + 1)
#define CHECK_OFF	(SRCTABLE_SLOT - 8)

/* An open table: its descriptor and the salt of its header. */
struct table {
	int fd;
	unsigned char salt[SALT_LEN];
};

/* fcntl OFD lock on [start, start + len) (len 0: to the end), waiting at
 * most wait_ms, as store_file.c's flock does. */
static enum mfa_err
range_lock(int fd, short type, off_t start, off_t len, unsigned wait_ms)
{
	struct timespec begin, now, pause = { 0, 200 * 1000 };
	struct flock fl;
	long elapsed_ms;

	if (clock_gettime(CLOCK_MONOTONIC, &begin) != 0)
		return MFA_EINTERNAL;
	for (;;) {
		memset(&fl, 0, sizeof(fl));
		fl.l_type = type;
		fl.l_whence = SEEK_SET;
		fl.l_start = start;
		fl.l_len = len;
		if (fcntl(fd, F_OFD_SETLK, &fl) == 0)
			return MFA_OK;
		if (errno != EAGAIN && errno != EACCES && errno != EINTR)
			return MFA_EIO;
		if (clock_gettime(CLOCK_MONOTONIC, &now) != 0)
			return MFA_EINTERNAL;
		elapsed_ms = (now.tv_sec - begin.tv_sec) * 1000 +
		    (now.tv_nsec - begin.tv_nsec) / 1000000;
		if (elapsed_ms >= (long)wait_ms)
			return MFA_EBUSY;
		nanosleep(&pause, NULL);
	}
}

/* A new table, whole: header with a fresh salt, every slot empty. */
static enum mfa_err
table_create(int dirfd)
{
	unsigned char *buf;
	enum mfa_err rc;

	if ((buf = calloc(1, SRCTABLE_SIZE)) == NULL)
		return MFA_ENOMEM;
	memcpy(buf, MAGIC, MAGIC_LEN);
	put_u32(buf + MAGIC_LEN, TABLE_VERSION);
	put_u32(buf + MAGIC_LEN + 4, SRCTABLE_BUCKETS);
	put_u32(buf + MAGIC_LEN + 8, SRCTABLE_BUCKET_SLOTS);
	rc = crypto_random(buf + MAGIC_LEN + 12, SALT_LEN);
	if (rc == MFA_OK)
		rc = safe_publish(dirfd, SRCTABLE_NAME, buf, SRCTABLE_SIZE);
	free(buf);
	/* Another login made it first: theirs is as good. */
	return rc == MFA_EEXIST ? MFA_OK : rc;
}

/* Open the table (made first if create and missing): MFA_ENOTENROLLED
 * if it is missing and not to be made. */
static enum mfa_err
table_open(const struct srctable *t, int create, struct table *tb)
{
	unsigned char hdr[MAGIC_LEN + 12 + SALT_LEN];
	struct stat sb;
	enum mfa_err rc;
	int tries;

	tb->fd = -1;
	for (tries = 0; tries < 2; tries++) {
		tb->fd = safe_openat(t->dirfd, SRCTABLE_NAME, O_RDWR,
		    SAFE_PRIVATE, &sb, &rc);
		if (tb->fd >= 0 || rc != MFA_ENOTENROLLED || !create)
			break;
		if ((rc = table_create(t->dirfd)) != MFA_OK)
			return rc;
	}
	if (tb->fd < 0)
		return rc;
	rc = MFA_ECORRUPT;
	if (sb.st_size != SRCTABLE_SIZE)
		goto fail;
	if ((rc = safe_pread(tb->fd, hdr, sizeof(hdr), 0)) != MFA_OK)
		goto fail;
	rc = MFA_ECORRUPT;
	if (memcmp(hdr, MAGIC, MAGIC_LEN) != 0)
		goto fail;
	if (get_u32(hdr + MAGIC_LEN) > TABLE_VERSION) {
		rc = MFA_EVERSION;
		goto fail;
	}
	if (get_u32(hdr + MAGIC_LEN) != TABLE_VERSION ||
	    get_u32(hdr + MAGIC_LEN + 4) != SRCTABLE_BUCKETS ||
	    get_u32(hdr + MAGIC_LEN + 8) != SRCTABLE_BUCKET_SLOTS)
		goto fail;
	memcpy(tb->salt, hdr + MAGIC_LEN + 12, SALT_LEN);
	return MFA_OK;
fail:
	close(tb->fd);
	tb->fd = -1;
	return rc;
}

static void
table_close(struct table *tb)
{
	if (tb->fd >= 0)
		close(tb->fd);	/* and the OFD locks go with it */
	tb->fd = -1;
}

/* The offset of key's bucket. */
static enum mfa_err
bucket_of(const struct table *tb, const char *key, off_t *off)
{
	unsigned char in[SALT_LEN + KEY_LEN], d[CRYPTO_DIGEST_LEN];
	size_t len = strnlen(key, KEY_LEN);
	enum mfa_err rc;

	if (len == 0 || len == KEY_LEN)
		return MFA_EINPUT;
	memcpy(in, tb->salt, SALT_LEN);
	memcpy(in + SALT_LEN, key, len + 1);
	if ((rc = crypto_digest(in, SALT_LEN + len, d)) != MFA_OK)
		return rc;
	*off = SRCTABLE_HEADER +
	    (off_t)(get_u32(d) % SRCTABLE_BUCKETS) * BUCKET_LEN;
	return MFA_OK;
}

static enum mfa_err
slot_check(const unsigned char *s, unsigned char out[8])
{
	unsigned char d[CRYPTO_DIGEST_LEN];
	enum mfa_err rc;

	if ((rc = crypto_digest(s, CHECK_OFF, d)) == MFA_OK)
		memcpy(out, d, 8);
	return rc;
}

/* Decode slot s: 0 empty, 1 a record in *r, or MFA_ECORRUPT. */
static enum mfa_err
slot_decode(const unsigned char *s, struct source_rec *r, int *used)
{
	static const unsigned char zero[SRCTABLE_SLOT];
	unsigned char check[8];
	enum mfa_err rc;

	memset(r, 0, sizeof(*r));
	*used = 0;
	if (memcmp(s, zero, SRCTABLE_SLOT) == 0)
		return MFA_OK;
	if ((rc = slot_check(s, check)) != MFA_OK)
		return rc;
	if (!crypto_equal(check, s + CHECK_OFF, sizeof(check)) ||
	    s[0] == '\0' || memchr(s, '\0', KEY_LEN) == NULL)
		return MFA_ECORRUPT;
	memcpy(r->key, s, KEY_LEN);
	r->fail_count = get_u32(s + KEY_LEN);
	r->first_fail = (int64_t)get_u64(s + KEY_LEN + 4);
	r->last_fail = (int64_t)get_u64(s + KEY_LEN + 12);
	r->locked_until = (int64_t)get_u64(s + KEY_LEN + 20);
	*used = 1;
	return MFA_OK;
}

static enum mfa_err
slot_encode(const struct source_rec *r, unsigned char *s)
{
	memset(s, 0, SRCTABLE_SLOT);
	memcpy(s, r->key, strnlen(r->key, SOURCE_KEY_MAX));
	put_u32(s + KEY_LEN, r->fail_count);
	put_u64(s + KEY_LEN + 4, (uint64_t)r->first_fail);
	put_u64(s + KEY_LEN + 12, (uint64_t)r->last_fail);
	put_u64(s + KEY_LEN + 20, (uint64_t)r->locked_until);
	return slot_check(s, s + CHECK_OFF);
}

/* Read the bucket at off; *found: the slot holding key, or -1. */
static enum mfa_err
bucket_read(const struct table *tb, off_t off, const char *key,
    unsigned char buf[BUCKET_LEN], struct source_rec recs[], int used[],
    int *found)
{
	enum mfa_err rc;
	int i;

	*found = -1;
	if ((rc = safe_pread(tb->fd, buf, BUCKET_LEN, off)) != MFA_OK)
		return rc;
	for (i = 0; i < SRCTABLE_BUCKET_SLOTS; i++) {
		if ((rc = slot_decode(buf + i * SRCTABLE_SLOT, &recs[i],
		    &used[i])) != MFA_OK)
			return rc;
		if (used[i] && strcmp(recs[i].key, key) == 0)
			*found = i;
	}
	return MFA_OK;
}

enum mfa_err
srctable_get(const struct srctable *t, const char *key, struct source_rec *r)
{
	unsigned char buf[BUCKET_LEN];
	struct source_rec recs[SRCTABLE_BUCKET_SLOTS];
	int used[SRCTABLE_BUCKET_SLOTS], found;
	struct table tb;
	enum mfa_err rc;
	off_t off;

	memset(r, 0, sizeof(*r));
	snprintf(r->key, sizeof(r->key), "%s", key);
	if ((rc = table_open(t, 0, &tb)) != MFA_OK)
		return rc == MFA_ENOTENROLLED ? MFA_OK : rc;
	if ((rc = bucket_of(&tb, key, &off)) == MFA_OK &&
	    (rc = range_lock(tb.fd, F_RDLCK, off, BUCKET_LEN,
	    t->lock_wait_ms)) == MFA_OK &&
	    (rc = bucket_read(&tb, off, key, buf, recs, used, &found)) ==
	    MFA_OK && found >= 0)
		*r = recs[found];
	table_close(&tb);
	return rc;
}

/* The slot a new key takes in a full bucket (srctable.h, rule 2). */
static int
victim(const struct source_policy *p, const struct source_rec recs[],
    const int used[], int64_t now)
{
	int i, best = -1;

	for (i = 0; i < SRCTABLE_BUCKET_SLOTS; i++)
		if (!used[i] || source_expired(p, &recs[i], now))
			return i;
	for (i = 0; i < SRCTABLE_BUCKET_SLOTS; i++)
		if (!source_locked(&recs[i], now) &&
		    (best < 0 || recs[i].last_fail < recs[best].last_fail))
			best = i;
	if (best >= 0)
		return best;
	for (i = 0, best = 0; i < SRCTABLE_BUCKET_SLOTS; i++)
		if (recs[i].locked_until < recs[best].locked_until)
			best = i;
	return best;
}

enum mfa_err
srctable_fail(const struct srctable *t, const struct source_policy *p,
    const char *key, int64_t now, struct source_rec *r, int *locked_now)
{
	unsigned char buf[BUCKET_LEN];
	struct source_rec recs[SRCTABLE_BUCKET_SLOTS];
	int used[SRCTABLE_BUCKET_SLOTS], found;
	struct table tb;
	enum mfa_err rc;
	off_t off;

	*locked_now = 0;
	memset(r, 0, sizeof(*r));
	if (strnlen(key, KEY_LEN) == 0 || strnlen(key, KEY_LEN) == KEY_LEN)
		return MFA_EINPUT;
	if ((rc = table_open(t, 1, &tb)) != MFA_OK)
		return rc;
	if ((rc = bucket_of(&tb, key, &off)) != MFA_OK ||
	    (rc = range_lock(tb.fd, F_WRLCK, off, BUCKET_LEN,
	    t->lock_wait_ms)) != MFA_OK ||
	    (rc = bucket_read(&tb, off, key, buf, recs, used, &found)) !=
	    MFA_OK)
		goto out;
	if (found < 0) {
		found = victim(p, recs, used, now);
		memset(&recs[found], 0, sizeof(recs[found]));
		snprintf(recs[found].key, sizeof(recs[found].key), "%s", key);
	}
	*r = recs[found];
	/* Throttled since the caller looked: not counted (source.h). */
	if (source_locked(r, now))
		goto out;
	*locked_now = source_fail(p, r, now);
	if ((rc = slot_encode(r, buf)) != MFA_OK ||
	    (rc = safe_pwrite(tb.fd, buf, SRCTABLE_SLOT,
	    off + (off_t)found * SRCTABLE_SLOT)) != MFA_OK)
		goto out;
	/* The next failure of the bucket may go on as soon as the slot is
	 * written: the flush (of this write, and of any since) waits
	 * outside the lock. */
	if ((rc = range_lock(tb.fd, F_UNLCK, off, BUCKET_LEN, 0)) != MFA_OK)
		goto out;
	if (t->flush == MFA_FLUSH_ALWAYS && fdatasync(tb.fd) != 0)
		rc = MFA_EIO;
out:
	table_close(&tb);
	if (rc != MFA_OK)
		*locked_now = 0;
	return rc;
}

enum mfa_err
srctable_list(const struct srctable *t, const struct source_policy *p,
    int64_t now, struct source_rec **v, size_t *n)
{
	struct source_rec *out = NULL, rec;
	unsigned char *buf = NULL;
	struct table tb;
	enum mfa_err rc;
	size_t i, cnt = 0;
	int used;

	*v = NULL;
	*n = 0;
	if ((rc = table_open(t, 0, &tb)) != MFA_OK)
		return rc == MFA_ENOTENROLLED ? MFA_OK : rc;
	rc = MFA_ENOMEM;
	if ((buf = malloc(SRCTABLE_SIZE - SRCTABLE_HEADER)) == NULL ||
	    (out = calloc(SRCTABLE_BUCKETS * SRCTABLE_BUCKET_SLOTS,
	    sizeof(*out))) == NULL)
		goto out;
	if ((rc = range_lock(tb.fd, F_RDLCK, SRCTABLE_HEADER, 0,
	    t->lock_wait_ms)) != MFA_OK ||
	    (rc = safe_pread(tb.fd, buf, SRCTABLE_SIZE - SRCTABLE_HEADER,
	    SRCTABLE_HEADER)) != MFA_OK)
		goto out;
	for (i = 0; i < SRCTABLE_BUCKETS * SRCTABLE_BUCKET_SLOTS; i++) {
		if ((rc = slot_decode(buf + i * SRCTABLE_SLOT, &rec, &used)) !=
		    MFA_OK)
			goto out;
		if (used && !source_expired(p, &rec, now))
			out[cnt++] = rec;
	}
	*v = out;
	*n = cnt;
	out = NULL;
out:
	free(out);
	free(buf);
	table_close(&tb);
	return rc;
}

enum mfa_err
srctable_clear(const struct srctable *t, const char *key)
{
	unsigned char buf[BUCKET_LEN];
	struct source_rec recs[SRCTABLE_BUCKET_SLOTS];
	int used[SRCTABLE_BUCKET_SLOTS], found;
	struct table tb;
	enum mfa_err rc;
	off_t off;

	if ((rc = table_open(t, 0, &tb)) != MFA_OK)
		return rc;
	if ((rc = bucket_of(&tb, key, &off)) != MFA_OK ||
	    (rc = range_lock(tb.fd, F_WRLCK, off, BUCKET_LEN,
	    t->lock_wait_ms)) != MFA_OK ||
	    (rc = bucket_read(&tb, off, key, buf, recs, used, &found)) !=
	    MFA_OK)
		goto out;
	if (found < 0) {
		rc = MFA_ENOTENROLLED;
		goto out;
	}
	memset(buf, 0, SRCTABLE_SLOT);
	if ((rc = safe_pwrite(tb.fd, buf, SRCTABLE_SLOT,
	    off + (off_t)found * SRCTABLE_SLOT)) == MFA_OK &&
	    fdatasync(tb.fd) != 0)
		rc = MFA_EIO;
out:
	table_close(&tb);
	return rc;
}
