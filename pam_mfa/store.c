/*
 * store.c - dispatch to the configured store backend; see store.h.
 */
#include "config.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "safefile.h"
#include "store.h"
#include "user.h"

struct mfa_store {
	const struct store_ops *ops;
	void *be;
};

struct mfa_txn {
	const struct store_ops *ops;
	void *be;
};

/*
 * The PostgreSQL store's operations, from its object at the path fixed at
 * build time: regular, root's, one link, not writable by group or others,
 * reached through root's directories only (safefile.h), and loaded
 * through the descriptor that was checked, so that what is checked is
 * what is mapped.  Never unloaded (RTLD_NODELETE): libpq and OpenSSL
 * stay mapped for the process's life once a login used them.  A missing
 * object is MFA_ECONFIG (built --without-postgresql, or not installed).
 */
static enum mfa_err
pgsql_ops(const struct store_ops **ops)
{
	char path[64];
	struct stat st;
	enum mfa_err rc;
	void *h, *sym;
	int fd, n;

	*ops = NULL;
	if ((fd = safe_open(MFA_PGSQL_STORE, SAFE_NOWRITE, &st, &rc)) < 0)
		return rc == MFA_ENOTENROLLED || rc == MFA_OK ? MFA_ECONFIG :
		    rc;
	n = snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	rc = MFA_ECONFIG;
	if (n > 0 && (size_t)n < sizeof(path) &&
	    (h = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE)) != NULL) {
		if ((sym = dlsym(h, "store_pgsql_ops")) != NULL) {
			*ops = sym;
			rc = MFA_OK;
		}
		dlclose(h);	/* RTLD_NODELETE: stays mapped */
	}
	close(fd);
	return rc;
}

static enum mfa_err
ops_for(const struct mfa_conf *conf, const struct store_ops **ops)
{
	if (conf->store == MFA_STORE_POSTGRESQL)
		return pgsql_ops(ops);
	*ops = &store_file_ops;
	return MFA_OK;
}

enum mfa_err
store_create(const struct mfa_conf *conf)
{
	const struct store_ops *ops;
	enum mfa_err rc;

	if ((rc = ops_for(conf, &ops)) != MFA_OK)
		return rc;
	return ops->create(conf);
}

enum mfa_err
store_init(const struct mfa_conf *conf)
{
	const struct store_ops *ops;
	enum mfa_err rc;

	if ((rc = ops_for(conf, &ops)) != MFA_OK)
		return rc;
	return ops->init != NULL ? ops->init(conf) : MFA_ECONFIG;
}

static enum mfa_err
open_as(const struct mfa_conf *conf, int admin, struct mfa_store **out)
{
	struct mfa_store *s;
	enum mfa_err rc;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return MFA_ENOMEM;
	if ((rc = ops_for(conf, &s->ops)) != MFA_OK) {
		free(s);
		return rc;
	}
	rc = admin && s->ops->open_admin != NULL ?
	    s->ops->open_admin(conf, &s->be) : s->ops->open(conf, &s->be);
	if (rc != MFA_OK) {
		free(s);
		return rc;
	}
	*out = s;
	return MFA_OK;
}

enum mfa_err
store_open(const struct mfa_conf *conf, struct mfa_store **out)
{
	return open_as(conf, 0, out);
}

enum mfa_err
store_open_admin(const struct mfa_conf *conf, struct mfa_store **out)
{
	return open_as(conf, 1, out);
}

void
store_deadline_start(struct mfa_store *s)
{
	if (s->ops->deadline != NULL)
		s->ops->deadline(s->be, 1);
}

void
store_deadline_end(struct mfa_store *s)
{
	if (s->ops->deadline != NULL)
		s->ops->deadline(s->be, 0);
}

void
store_close(struct mfa_store *s)
{
	if (s == NULL)
		return;
	s->ops->close(s->be);
	free(s);
}

/* A transaction from the backend's begin (tok) or begin_state (no tok,
 * the state made if need be). */
static enum mfa_err
begin(struct mfa_store *s, const char *user, struct mfa_token *tok,
    int state_only, struct mfa_state *st, struct mfa_txn **out)
{
	struct mfa_txn *t;
	enum mfa_err rc;

	*out = NULL;
	if (!user_valid(user, strlen(user)))
		return MFA_EINPUT;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return MFA_ENOMEM;
	t->ops = s->ops;
	rc = state_only ? s->ops->begin_state(s->be, user, st, &t->be) :
	    s->ops->begin(s->be, user, tok, st, &t->be);
	if (rc != MFA_OK) {
		free(t);
		return rc;
	}
	*out = t;
	return MFA_OK;
}

enum mfa_err
store_begin(struct mfa_store *s, const char *user, struct mfa_token *tok,
    struct mfa_state *st, struct mfa_txn **out)
{
	return begin(s, user, tok, 0, st, out);
}

enum mfa_err
store_begin_state(struct mfa_store *s, const char *user, struct mfa_state *st,
    struct mfa_txn **out)
{
	return begin(s, user, NULL, 1, st, out);
}

enum mfa_err
store_token_get(struct mfa_store *s, const char *user, struct mfa_token *tok)
{
	if (!user_valid(user, strlen(user)))
		return MFA_EINPUT;
	return s->ops->token_get(s->be, user, tok);
}

enum mfa_err
store_token_meta(struct mfa_store *s, const char *user, struct mfa_token *tok)
{
	if (!user_valid(user, strlen(user)))
		return MFA_EINPUT;
	return s->ops->token_meta(s->be, user, tok);
}

enum mfa_err
store_unseal(struct mfa_store *s, const char *user, struct mfa_token *tok)
{
	return s->ops->unseal(s->be, user, tok);
}

enum mfa_err
store_commit(struct mfa_txn *t, const struct mfa_state *st)
{
	enum mfa_err rc = t->ops->commit(t->be, st);

	free(t);
	return rc;
}

void
store_abort(struct mfa_txn *t)
{
	if (t == NULL)
		return;
	t->ops->abort(t->be);
	free(t);
}

enum mfa_err
store_install(struct mfa_store *s, const char *user,
    const struct mfa_token *tok, uint64_t expect_id, uint32_t expect_gen,
    uint64_t next_step)
{
	if (!user_valid(user, strlen(user)))
		return MFA_EINPUT;
	if (tok->flags & TOKEN_F_PENDING)
		return MFA_EINTERNAL;
	return s->ops->install(s->be, user, tok, expect_id, expect_gen,
	    next_step);
}

enum mfa_err
store_activate(struct mfa_store *s, const char *user,
    const struct mfa_token *tok, uint64_t next_step)
{
	if (!user_valid(user, strlen(user)))
		return MFA_EINPUT;
	if (tok->flags & TOKEN_F_PENDING)
		return MFA_EINTERNAL;
	return s->ops->activate(s->be, user, tok, next_step);
}

enum mfa_err
store_token_put(struct mfa_store *s, const char *user,
    const struct mfa_token *tok)
{
	return store_install(s, user, tok, STORE_ANY, STORE_ANY_GEN, 0);
}

enum mfa_err
store_pending_put(struct mfa_store *s, const char *user,
    const struct mfa_token *tok)
{
	if (!user_valid(user, strlen(user)))
		return MFA_EINPUT;
	if (!(tok->flags & TOKEN_F_PENDING))
		return MFA_EINTERNAL;
	return s->ops->pending_put(s->be, user, tok);
}

enum mfa_err
store_pending_get(struct mfa_store *s, const char *user,
    struct mfa_token *tok)
{
	if (!user_valid(user, strlen(user)))
		return MFA_EINPUT;
	return s->ops->pending_get(s->be, user, tok);
}

enum mfa_err
store_pending_meta(struct mfa_store *s, const char *user,
    struct mfa_token *tok)
{
	if (!user_valid(user, strlen(user)))
		return MFA_EINPUT;
	return s->ops->pending_meta(s->be, user, tok);
}

enum mfa_err
store_remove(struct mfa_store *s, const char *user)
{
	if (!user_valid(user, strlen(user)))
		return MFA_EINPUT;
	return s->ops->remove(s->be, user);
}

enum mfa_err
store_list(struct mfa_store *s, char ***users, size_t *n)
{
	return s->ops->list(s->be, users, n);
}

void
store_list_free(char **users, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(users[i]);
	free(users);
}

static int
names_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

enum mfa_err
store_names_add(struct store_names *l, const char *user)
{
	char **grown;
	size_t cap;

	if (l->n > 0 && strcmp(l->v[l->n - 1], user) == 0)
		return MFA_OK;
	if (l->n == l->cap) {
		cap = l->cap ? 2 * l->cap : 8;
		if ((grown = reallocarray(l->v, cap, sizeof(*l->v))) == NULL)
			return MFA_ENOMEM;
		l->v = grown;
		l->cap = cap;
	}
	if ((l->v[l->n] = strdup(user)) == NULL)
		return MFA_ENOMEM;
	l->n++;
	return MFA_OK;
}

void
store_names_finish(struct store_names *l)
{
	size_t i, j;

	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), names_cmp);
	for (i = 1, j = l->n > 0 ? 1 : 0; i < l->n; i++) {
		if (strcmp(l->v[i], l->v[j - 1]) == 0)
			free(l->v[i]);
		else
			l->v[j++] = l->v[i];
	}
	l->n = j;
}

enum mfa_err
store_rekey(struct mfa_store *s, size_t *done, char ***failed,
    size_t *nfailed)
{
	return s->ops->rekey(s->be, done, failed, nfailed);
}

enum mfa_err
store_source_get(struct mfa_store *s, const char *key, struct source_rec *r)
{
	memset(r, 0, sizeof(*r));
	if (s->ops->source_get == NULL)
		return MFA_ECONFIG;
	return s->ops->source_get(s->be, key, r);
}

enum mfa_err
store_source_fail(struct mfa_store *s, const struct source_policy *p,
    const char *key, int64_t now, struct source_rec *r, int *locked_now)
{
	memset(r, 0, sizeof(*r));
	*locked_now = 0;
	if (s->ops->source_fail == NULL)
		return MFA_ECONFIG;
	return s->ops->source_fail(s->be, p, key, now, r, locked_now);
}

enum mfa_err
store_source_list(struct mfa_store *s, const struct source_policy *p,
    int64_t now, struct source_rec **v, size_t *n)
{
	*v = NULL;
	*n = 0;
	if (s->ops->source_list == NULL)
		return MFA_ECONFIG;
	return s->ops->source_list(s->be, p, now, v, n);
}

enum mfa_err
store_source_clear(struct mfa_store *s, const char *key)
{
	if (s->ops->source_clear == NULL)
		return MFA_ECONFIG;
	return s->ops->source_clear(s->be, key);
}
