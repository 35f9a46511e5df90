/*
 * srctable.h - the file store's per-source records (store.h): one file,
 * SRCTABLE_NAME in the state directory, of fixed size, a keyed hash
 * table of buckets of slots updated in place.  Rules it obeys:
 *  1. the file is root's, mode 0600, one link, exactly SRCTABLE_SIZE
 *     bytes, checked on its descriptor (safefile.h); it is created whole
 *     (safe_publish: written, fsync'd, then given its name), so it never
 *     grows: a flood of distinct sources can't fill the disk;
 *  2. a source's key picks its bucket through SHA-256 of the table's
 *     random salt and the key, so a client can't aim its sources at one
 *     bucket; a source takes a free slot of its bucket, else one whose
 *     record has expired, else the one not throttled that failed last
 *     longest ago, else the throttle that ends first;
 *  3. a failure is counted under an exclusive OFD lock on the bucket
 *     (fcntl F_OFD_SETLK, per open file: threads and processes alike),
 *     waited for at most lock_wait_ms: read, count, write one 128-byte
 *     slot (one sector never torn), fdatasync with state_flush "always";
 *     reads take a shared lock.  Parallel failures are never lost;
 *  4. each slot carries a digest of itself: one that fails it is
 *     MFA_ECORRUPT (the login is denied; deleting the file starts an
 *     empty table).
 * Cost per call: one open, one lock, one 1 KiB read, at most one write.
 */
#ifndef MFA_SRCTABLE_H
#define MFA_SRCTABLE_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "mfa.h"
#include "source.h"

#define SRCTABLE_NAME		"sources.table"
#define SRCTABLE_HEADER		512
#define SRCTABLE_SLOT		128
#define SRCTABLE_BUCKET_SLOTS	8
#define SRCTABLE_BUCKETS	1024
#define SRCTABLE_SIZE		(SRCTABLE_HEADER + SRCTABLE_BUCKETS * \
				    SRCTABLE_BUCKET_SLOTS * SRCTABLE_SLOT)

struct srctable {
	int dirfd;
	enum mfa_flush flush;
	unsigned lock_wait_ms;
};

enum mfa_err srctable_get(const struct srctable *t, const char *key,
    struct source_rec *r);
enum mfa_err srctable_fail(const struct srctable *t,
    const struct source_policy *p, const char *key, int64_t now,
    struct source_rec *r, int *locked_now);
enum mfa_err srctable_list(const struct srctable *t,
    const struct source_policy *p, int64_t now, struct source_rec **v,
    size_t *n);
enum mfa_err srctable_clear(const struct srctable *t, const char *key);

#endif
