/*
 * store.h - where tokens and login state live, behind a small interface so
 * that a shared backend (PostgreSQL, for several VPN gateways) can replace
 * the embedded file store.  A login attempt is one transaction on one
 * user: store_begin reads the token and the state and holds the user's
 * lock; store_commit writes the new state, flushes it as configured and
 * releases the lock; store_abort releases it without writing.  A
 * transaction never spans a PAM conversation.
 */
#ifndef MFA_STORE_H
#define MFA_STORE_H

#include <stdint.h>

#include "conf.h"
#include "mfa.h"
#include "source.h"
#include "state.h"
#include "token.h"

struct mfa_store;
struct mfa_txn;

/*
 * Open the store the config names; checks its location is safe.  The
 * PostgreSQL store is an object of its own (store_pgsql.c), loaded from
 * the path fixed at build time only when the config names it, after its
 * owner and mode are checked as a config file's are.  store_open_admin is
 * the CLI's: it connects with pg_admin_conninfo where the module uses
 * pg_conninfo (the same for the file store).
 */
enum mfa_err store_open(const struct mfa_conf *conf, struct mfa_store **out);
enum mfa_err store_open_admin(const struct mfa_conf *conf,
    struct mfa_store **out);
void store_close(struct mfa_store *store);
/*
 * A shared store bounds its work with a deadline (pg_timeout_ms): each
 * call gets one of its own, except between store_deadline_start and
 * store_deadline_end, where every call shares the one started there (one
 * attempt, retries included).  No-ops for the file store.
 */
void store_deadline_start(struct mfa_store *store);
void store_deadline_end(struct mfa_store *store);

/*
 * Begin a transaction on user (a name that passed user_valid).  If tok is
 * not NULL the token is read into it, its secret still sealed (open it
 * with store_unseal): MFA_ENOTENROLLED if there is none.
 * The state is returned as of the token: when the token was replaced since
 * the state was written, its replay floor and backup code use start over,
 * while failures and locks carry across.
 */
enum mfa_err store_begin(struct mfa_store *store, const char *user,
    struct mfa_token *tok, struct mfa_state *st, struct mfa_txn **txn);
/*
 * Begin a transaction on the user's state whether or not they have a
 * token (the state is created if need be): for the CLI's confirmation of
 * a pending token, whose wrong codes count toward the lock as a login's.
 */
enum mfa_err store_begin_state(struct mfa_store *store, const char *user,
    struct mfa_state *st, struct mfa_txn **txn);
/* Read the user's token without locking: MFA_ENOTENROLLED if none. */
enum mfa_err store_token_get(struct mfa_store *store, const char *user,
    struct mfa_token *tok);
/* The same with the secret left sealed: for what needs no secret (is the
 * user enrolled, how many digits, status), with no decryption at all. */
enum mfa_err store_token_meta(struct mfa_store *store, const char *user,
    struct mfa_token *tok);
/* Decrypt the secret of a token read sealed (wiped on failure). */
enum mfa_err store_unseal(struct mfa_store *store, const char *user,
    struct mfa_token *tok);
/* Write st, flush per state_flush, release, free txn (also on error).
 * A shared store returns MFA_ECONFLICT, having written nothing, when a
 * concurrent attempt changed the state since store_begin: the caller runs
 * its attempt again from a new store_begin.  The file store never does
 * (its lock excludes concurrent attempts). */
enum mfa_err store_commit(struct mfa_txn *txn, const struct mfa_state *st);
/* Release and free txn without writing. */
void store_abort(struct mfa_txn *txn);

/* Admin operations (the CLI). */
/* Create the store if it does not exist (the file store: its directory,
 * mode 0700, in a trusted parent). */
enum mfa_err store_create(const struct mfa_conf *conf);
/* pam-mfa db init: create or migrate a shared store's schema, roles and
 * grants (idempotent); MFA_ECONFIG for the file store. */
enum mfa_err store_init(const struct mfa_conf *conf);
/*
 * Make tok (secret in clear) the user's active token, atomically with
 * respect to logins: under the user's lock, and only if the active token's
 * id is still expect_id (0: the user has none; STORE_ANY: whatever it is)
 * and its backup generation expect_gen (STORE_ANY_GEN: whatever it is),
 * else MFA_EEXIST and nothing changes.  The state follows the token: a new
 * token id starts its replay floor at next_step (HOTP: at least its first
 * counter), the same id keeps its floor (raised to next_step if higher); a
 * new backup generation starts with no code spent; failures and a lock
 * carry over.  A new token id also ends any pending token of the user.
 */
#define STORE_ANY	UINT64_MAX
#define STORE_ANY_GEN	UINT32_MAX
enum mfa_err store_install(struct mfa_store *store, const char *user,
    const struct mfa_token *tok, uint64_t expect_id, uint32_t expect_gen,
    uint64_t next_step);
/*
 * Make the pending token tok (secret in clear, TOKEN_F_PENDING cleared)
 * the user's active token, as store_install(..., 0, STORE_ANY_GEN,
 * next_step) would, but only while the user has no active token and the
 * pending token is still tok's (its id), else MFA_EEXIST and nothing
 * changes.  The PostgreSQL store's gateway role, which can't write
 * tokens, does it through the narrow pam_mfa.gw_activate (schema.sql),
 * which also wants no backup codes in tok: the first login's activation
 * (pending.h).
 */
enum mfa_err store_activate(struct mfa_store *store, const char *user,
    const struct mfa_token *tok, uint64_t next_step);
/* store_install(store, user, tok, STORE_ANY, STORE_ANY_GEN, 0). */
enum mfa_err store_token_put(struct mfa_store *store, const char *user,
    const struct mfa_token *tok);
/*
 * A pending token (TOKEN_F_PENDING) waits apart from the active one, which
 * keeps working, until the user confirms it with a code: logins never
 * read it.  put replaces any earlier pending token; get opens it
 * (MFA_ENOTENROLLED if there is none).
 */
enum mfa_err store_pending_put(struct mfa_store *store, const char *user,
    const struct mfa_token *tok);
enum mfa_err store_pending_get(struct mfa_store *store, const char *user,
    struct mfa_token *tok);
/* The same with the secret left sealed (is there one, for status). */
enum mfa_err store_pending_meta(struct mfa_store *store, const char *user,
    struct mfa_token *tok);
/* The users with an active or a pending token, sorted; free with
 * store_list_free. */
enum mfa_err store_list(struct mfa_store *store, char ***users, size_t *n);
void store_list_free(char **users, size_t n);
/*
 * Re-encrypt every token and pending token under a new key; *done: the
 * tokens re-sealed.  A record that exists but can't be read or opened
 * (mode, owner, corrupt, newer version, its key missing, EMFILE, EIO,
 * ENOMEM...) keeps its key, and so then does every record: no old key is
 * dropped.  *failed receives the names of those users (sorted, each once;
 * free with store_list_free, also on error), and MFA_ECORRUPT is returned.
 */
enum mfa_err store_rekey(struct mfa_store *store, size_t *done,
    char ***failed, size_t *nfailed);
/* For a backend's store_rekey: the users whose records could not be
 * read, gathered in any order; store_names_finish sorts them and keeps
 * each once.  The array (v, n) is then store_list_free's to free. */
struct store_names {
	char **v;
	size_t n, cap;
};
enum mfa_err store_names_add(struct store_names *l, const char *user);
void store_names_finish(struct store_names *l);
/* Remove the user's token, pending token and state (and so the backup
 * codes); MFA_ENOTENROLLED if there was neither token. */
enum mfa_err store_remove(struct mfa_store *store, const char *user);

/*
 * Per-source failure records (source.h), under source_parse's key, for
 * the throttle against password spraying.  Each is one O(1) operation,
 * and a store keeps them bounded: a record that has expired (source.h)
 * may be dropped or reused, so a flood of distinct sources can't fill
 * it (the file store: srctable.h; PostgreSQL: expired rows swept).
 * source_get: key's record (none: zeroed but for the key), no write.
 * source_fail: count one failure at now under p, atomically with every
 * concurrent one (none lost); not counted if the source is throttled at
 * now.  *r: the record as saved; *locked_now: this failure throttled it.
 * source_list: the records that count or throttle at now, in any order
 * (free(*v)).  source_clear: drop key's record (MFA_ENOTENROLLED: none).
 * MFA_ECONFIG from a store that keeps none.
 */
enum mfa_err store_source_get(struct mfa_store *store, const char *key,
    struct source_rec *r);
enum mfa_err store_source_fail(struct mfa_store *store,
    const struct source_policy *p, const char *key, int64_t now,
    struct source_rec *r, int *locked_now);
enum mfa_err store_source_list(struct mfa_store *store,
    const struct source_policy *p, int64_t now, struct source_rec **v,
    size_t *n);
enum mfa_err store_source_clear(struct mfa_store *store, const char *key);

/* The backend interface. */
struct store_ops {
	const char *name;
	enum mfa_err (*create)(const struct mfa_conf *);
	enum mfa_err (*open)(const struct mfa_conf *, void **);
	void (*close)(void *);
	enum mfa_err (*begin)(void *, const char *, struct mfa_token *,
	    struct mfa_state *, void **);
	enum mfa_err (*begin_state)(void *, const char *, struct mfa_state *,
	    void **);
	enum mfa_err (*token_get)(void *, const char *, struct mfa_token *);
	enum mfa_err (*token_meta)(void *, const char *, struct mfa_token *);
	enum mfa_err (*unseal)(void *, const char *, struct mfa_token *);
	enum mfa_err (*commit)(void *, const struct mfa_state *);
	void (*abort)(void *);
	enum mfa_err (*install)(void *, const char *,
	    const struct mfa_token *, uint64_t, uint32_t, uint64_t);
	enum mfa_err (*activate)(void *, const char *,
	    const struct mfa_token *, uint64_t);
	enum mfa_err (*pending_put)(void *, const char *,
	    const struct mfa_token *);
	enum mfa_err (*pending_get)(void *, const char *,
	    struct mfa_token *);
	enum mfa_err (*pending_meta)(void *, const char *,
	    struct mfa_token *);
	enum mfa_err (*remove)(void *, const char *);
	enum mfa_err (*list)(void *, char ***, size_t *);
	enum mfa_err (*rekey)(void *, size_t *, char ***, size_t *);
	/* Optional (NULL: open, nothing, nothing, unsupported). */
	enum mfa_err (*open_admin)(const struct mfa_conf *, void **);
	void (*deadline)(void *, int);
	enum mfa_err (*init)(const struct mfa_conf *);
	/* Per-source records (NULL: MFA_ECONFIG). */
	enum mfa_err (*source_get)(void *, const char *, struct source_rec *);
	enum mfa_err (*source_fail)(void *, const struct source_policy *,
	    const char *, int64_t, struct source_rec *, int *);
	enum mfa_err (*source_list)(void *, const struct source_policy *,
	    int64_t, struct source_rec **, size_t *);
	enum mfa_err (*source_clear)(void *, const char *);
};

extern const struct store_ops store_file_ops;

#endif
