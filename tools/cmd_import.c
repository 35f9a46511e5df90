/*
 * cmd_import.c - pam-mfa import: move users from google-authenticator-
 * libpam files or a pam_oath users file (parsed by import.c) into the
 * store, each token with the codes its old module saw used refused, and
 * google's scratch codes as backup codes.  One line per user on stdout;
 * never a secret or a code.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "account.h"
#include "backup.h"
#include "cli.h"
#include "crypto.h"
#include "import.h"
#include "state.h"
#include "store.h"
#include "token.h"
#include "user.h"

#define OATH_FILE_MAX	(1024 * 1024)	/* bytes of a users file */
#define OATH_TOKENS_MAX	10000		/* lines with a token */

struct job {
	const char *label;	/* google: names it when no user is known */
	unsigned line;		/* oath: its line */
	char user[MFA_USER_MAX + 1];
	struct mfa_account acct;	/* user's, once canonical_users ran */
	enum import_status st;
	struct import_result res;
};

struct run {
	struct job *jobs;
	size_t n, cap;
	int dry, force;
	unsigned imported, skipped;
};

static void
usage(void)
{
	fprintf(stderr, "usage: pam-mfa import [-n] [-f] google-authenticator "
	    "FILE|USER=FILE ...\n"
	    "       pam-mfa import [-n] [-f] oath FILE\n");
}

static struct job *
job_new(struct run *r, const char *label)
{
	struct job *j;

	if (r->n == r->cap) {
		size_t cap = r->cap == 0 ? 16 : r->cap * 2;

		/* Not realloc: the old array holds secrets to wipe. */
		if ((j = calloc(cap, sizeof(*j))) == NULL) {
			fprintf(stderr, "pam-mfa: import: out of memory\n");
			return NULL;
		}
		if (r->n > 0) {
			memcpy(j, r->jobs, r->n * sizeof(*j));
			crypto_wipe(r->jobs, r->n * sizeof(*j));
		}
		free(r->jobs);
		r->jobs = j;
		r->cap = cap;
	}
	j = &r->jobs[r->n++];
	memset(j, 0, sizeof(*j));
	j->label = label;
	j->st = IMPORT_REFUSED;
	return j;
}

static void
jobs_free(struct run *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		import_result_wipe(&r->jobs[i].res);
	if (r->jobs != NULL)
		crypto_wipe(r->jobs, r->cap * sizeof(*r->jobs));
	free(r->jobs);
	r->jobs = NULL;
}

static void
job_refuse(struct job *j, const char *why)
{
	import_result_wipe(&j->res);
	j->st = IMPORT_REFUSED;
	snprintf(j->res.reason, sizeof(j->res.reason), "%s", why);
}

/*
 * Read a regular file of at most max bytes, not through a symbolic link,
 * with one link and writable by its owner only, into a buffer of max + 1
 * bytes the caller wipes and frees.  NULL with *why set if not.
 */
static char *
file_slurp(const char *path, size_t max, size_t *len, struct stat *sb,
    const char **why)
{
	char *buf = NULL;
	size_t got = 0;
	ssize_t k;
	int fd;

	/* O_NONBLOCK: a FIFO must not hang the import. */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK |
	    O_NOCTTY);
	if (fd < 0) {
		*why = errno == ELOOP ? "a symbolic link (not followed)" :
		    strerror(errno);
		return NULL;
	}
	if (fstat(fd, sb) != 0) {
		*why = strerror(errno);
		goto fail;
	}
	if (!S_ISREG(sb->st_mode)) {
		*why = "not a regular file";
		goto fail;
	}
	/* Another name for someone else's file, or anyone's to write: not
	 * a secret that belongs to the user it would go to. */
	if (sb->st_nlink != 1) {
		*why = "has other hard links";
		goto fail;
	}
	if (sb->st_mode & (S_IWGRP | S_IWOTH)) {
		*why = "writable by group or others";
		goto fail;
	}
	if (sb->st_size < 0 || (uint64_t)sb->st_size > max) {
		*why = max == OATH_FILE_MAX ? "larger than 1 MiB" :
		    "larger than 64 KiB";
		goto fail;
	}
	if ((buf = malloc(max + 1)) == NULL) {
		*why = "out of memory";
		goto fail;
	}
	/* Up to one byte past the limit, to see a file that grew. */
	while (got <= max) {
		k = read(fd, buf + got, max + 1 - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			*why = strerror(errno);
			goto fail;
		}
		if (k == 0)
			break;
		got += (size_t)k;
	}
	if (got > max) {
		*why = max == OATH_FILE_MAX ? "larger than 1 MiB" :
		    "larger than 64 KiB";
		goto fail;
	}
	close(fd);
	*len = got;
	return buf;
fail:
	if (buf != NULL) {
		crypto_wipe(buf, max + 1);
		free(buf);
	}
	close(fd);
	return NULL;
}

/* One google-authenticator argument: FILE (the owner's) or USER=FILE. */
static int
read_google(struct run *r, const char *arg)
{
	const char *path = arg, *eq = strchr(arg, '='), *why;
	struct mfa_account owner;
	struct passwd *pw;
	struct stat sb;
	struct job *j;
	char *buf;
	size_t len;

	if ((j = job_new(r, arg)) == NULL)
		return -1;
	if (eq != NULL && user_valid(arg, (size_t)(eq - arg))) {
		memcpy(j->user, arg, (size_t)(eq - arg));
		j->user[eq - arg] = '\0';
		path = eq + 1;
	}
	if ((buf = file_slurp(path, IMPORT_GOOGLE_MAX, &len, &sb, &why)) ==
	    NULL) {
		job_refuse(j, why);
		return 0;
	}
	if (j->user[0] == '\0') {
		/* The module finds the file by its user; we, the other way. */
		pw = getpwuid(sb.st_uid);
		if (pw == NULL || !user_valid(pw->pw_name,
		    strlen(pw->pw_name)))
			job_refuse(j, "its owner has no valid user name "
			    "(name it: USER=FILE)");
		else
			snprintf(j->user, sizeof(j->user), "%s", pw->pw_name);
	} else if (account_resolve(j->user, MFA_LOOKUP_EXACT, &owner) ==
	    MFA_OK && owner.known && sb.st_uid != owner.uid &&
	    sb.st_uid != 0) {
		/* Someone else's file: not this user's token. */
		job_refuse(j, "the file belongs to another user");
	}
	if (j->user[0] != '\0' && j->res.reason[0] == '\0')
		j->st = import_google(buf, len, &j->res);
	crypto_wipe(buf, IMPORT_GOOGLE_MAX + 1);
	free(buf);
	return 0;
}

/* pam_oath wrote the time of the last login in local time. */
static int64_t
local_mktime(struct tm *tm)
{
	time_t t;

	tm->tm_isdst = -1;
	t = mktime(tm);
	return t == (time_t)-1 ? -1 : (int64_t)t;
}

static int
read_oath(struct run *r, const char *path)
{
	const char *why, *line, *nl, *end;
	struct import_result res;
	struct stat sb;
	struct job *j;
	unsigned no = 0;
	size_t len, tokens = 0;
	char *buf;
	int ret = 0;

	if ((buf = file_slurp(path, OATH_FILE_MAX, &len, &sb, &why)) == NULL) {
		if ((j = job_new(r, path)) == NULL)
			return -1;
		job_refuse(j, why);
		return 0;
	}
	end = buf + len;
	for (line = buf; line < end && ret == 0; line = nl + 1) {
		if ((nl = memchr(line, '\n', (size_t)(end - line))) == NULL)
			nl = end;
		no++;
		if (import_oath_line(line, (size_t)(nl - line), local_mktime,
		    &res) == IMPORT_EMPTY) {
			import_result_wipe(&res);
			continue;
		}
		if (++tokens > OATH_TOKENS_MAX || (j = job_new(r, "")) ==
		    NULL) {
			import_result_wipe(&res);
			if (tokens > OATH_TOKENS_MAX)
				fprintf(stderr, "pam-mfa: import: %s: more "
				    "than %d tokens\n", path, OATH_TOKENS_MAX);
			ret = -1;
			break;
		}
		j->res = res;
		j->st = res.reason[0] == '\0' ? IMPORT_OK : IMPORT_REFUSED;
		snprintf(j->user, sizeof(j->user), "%s", res.user);
		j->line = no;
		import_result_wipe(&res);
	}
	crypto_wipe(buf, OATH_FILE_MAX + 1);
	free(buf);
	return ret;
}

/*
 * Every user name to its account's (account.h), as logins will look it
 * up: a user the name service doesn't know is refused, unless lookup is
 * "exact".  Before refuse_duplicates, so that two spellings of one
 * account are two tokens for it.
 */
static void
canonical_users(struct run *r, enum mfa_user_lookup lookup)
{
	struct job *j;
	enum mfa_err rc;
	size_t i;

	for (i = 0; i < r->n; i++) {
		j = &r->jobs[i];
		if (j->user[0] == '\0' || j->st != IMPORT_OK)
			continue;
		rc = account_resolve(j->user, lookup, &j->acct);
		if (rc == MFA_ENOUSER)
			job_refuse(j, "no such user in the name service");
		else if (rc != MFA_OK)
			job_refuse(j, mfa_strerror(rc));
		else
			memcpy(j->user, j->acct.name, sizeof(j->user));
	}
}

/* A user named twice: which token is meant is not ours to guess. */
static void
refuse_duplicates(struct run *r)
{
	size_t i, k;
	int dup;

	for (i = 0; i < r->n; i++) {
		if (r->jobs[i].user[0] == '\0')
			continue;
		dup = 0;
		for (k = 0; k < r->n; k++)
			if (k != i && strcmp(r->jobs[i].user,
			    r->jobs[k].user) == 0)
				dup = 1;
		if (dup)
			job_refuse(&r->jobs[i], "more than one token for this "
			    "user in the input; pam_mfa keeps one");
	}
}

static void
describe(const struct job *j, char *buf, size_t len)
{
	const struct mfa_token *t = &j->res.tok;
	unsigned n = j->res.backup_count;
	int k;

	if (t->type == MFA_TOTP)
		k = snprintf(buf, len, "TOTP %s %u digits %u s",
		    token_algo_name(t->algo), t->digits, t->period);
	else
		k = snprintf(buf, len, "HOTP %s %u digits counter %llu",
		    token_algo_name(t->algo), t->digits,
		    (unsigned long long)t->counter);
	if (k > 0 && (size_t)k < len && n > 0)
		snprintf(buf + k, len - (size_t)k, ", %u backup code%s", n,
		    n == 1 ? "" : "s");
}

/* "skipped alice: line 3: why", "skipped line 3: why", "skipped FILE:
 * why". */
static void
skip(struct run *r, const struct job *j, const char *why)
{
	if (j->user[0] != '\0' && j->line != 0)
		printf("skipped %s: line %u: %s\n", j->user, j->line, why);
	else if (j->user[0] != '\0')
		printf("skipped %s: %s\n", j->user, why);
	else if (j->line != 0)
		printf("skipped line %u: %s\n", j->line, why);
	else
		printf("skipped %s: %s\n", j->label, why);
	r->skipped++;
}

/*
 * -f over the same token (the same secret, as when a file is imported
 * again): keep its id, so that store_install keeps its replay floor and
 * the codes used since the first import stay refused, and leave out the
 * scratch codes already spent here.  *id is 0 for a different token.
 */
static enum mfa_err
same_token(struct mfa_store *store, struct job *j, uint64_t *id,
    unsigned *dropped)
{
	struct import_result *res = &j->res;
	struct mfa_token old;
	struct mfa_state st;
	struct mfa_txn *txn;
	enum mfa_err rc;
	uint32_t used = 0;
	unsigned i, k, slot;

	*id = 0;
	*dropped = 0;
	if ((rc = store_token_get(store, j->user, &old)) != MFA_OK)
		return rc;
	if (old.type != res->tok.type || old.algo != res->tok.algo ||
	    old.digits != res->tok.digits || (old.type == MFA_TOTP &&
	    old.period != res->tok.period) ||
	    old.secret_len != res->tok.secret_len ||
	    !crypto_equal(old.secret, res->tok.secret, old.secret_len))
		goto out;
	*id = old.id;
	if (res->backup_count == 0 || old.backup_count == 0)
		goto out;
	rc = store_begin(store, j->user, NULL, &st, &txn);
	if (rc == MFA_OK) {
		store_abort(txn);
		if (st.token_id == old.id && st.backup_gen == old.backup_gen)
			used = st.backup_used;
	} else if (rc == MFA_ENOTENROLLED) {
		rc = MFA_OK;
	} else {
		goto out;
	}
	for (i = k = 0; i < res->backup_count; i++) {
		if (backup_match(&old, used, res->backup[i], &slot) ==
		    MFA_EREPLAY) {
			(*dropped)++;
			continue;
		}
		if (k != i)
			memcpy(res->backup[k], res->backup[i],
			    sizeof(res->backup[k]));
		k++;
	}
	crypto_wipe(res->backup[k], (size_t)(TOKEN_BACKUP_MAX - k) *
	    sizeof(res->backup[0]));
	res->backup_count = k;
out:
	token_wipe(&old);
	return rc;
}

/* Install one parsed token (or, dry, say it would be). */
static void
import_one(struct run *r, struct mfa_store *store, struct job *j)
{
	const char *codes[TOKEN_BACKUP_MAX];
	struct mfa_token old;
	struct import_result *res = &j->res;
	char desc[96];
	uint64_t expect = 0, keep = 0;
	enum mfa_err rc = MFA_ENOTENROLLED;
	unsigned i, dropped = 0;

	if (j->st != IMPORT_OK) {
		skip(r, j, res->reason);
		return;
	}
	memset(&old, 0, sizeof(old));
	if (store != NULL) {
		rc = store_token_meta(store, j->user, &old);
		expect = old.id;
		token_wipe(&old);
	}
	if (rc == MFA_OK && !r->force) {
		skip(r, j, "already enrolled (use -f)");
		return;
	}
	if (rc != MFA_OK && rc != MFA_ENOTENROLLED) {
		skip(r, j, mfa_strerror(rc));
		return;
	}
	if (rc == MFA_ENOTENROLLED)
		expect = 0;
	else if ((rc = same_token(store, j, &keep, &dropped)) != MFA_OK) {
		skip(r, j, mfa_strerror(rc));
		return;
	}
	describe(j, desc, sizeof(desc));
	for (i = 0; i < res->warning_count; i++)
		printf("warning %s: %s\n", j->user, res->warning[i]);
	if (dropped > 0)
		printf("warning %s: %u scratch code%s already used with "
		    "pam_mfa left out\n", j->user, dropped,
		    dropped == 1 ? "" : "s");
	if (r->dry) {
		printf("would import %s: %s\n", j->user, desc);
		r->imported++;
		return;
	}

	rc = MFA_OK;
	res->tok.id = keep;
	while (res->tok.id == 0 && rc == MFA_OK)
		rc = crypto_random(&res->tok.id, sizeof(res->tok.id));
	res->tok.created = (int64_t)time(NULL);
	for (i = 0; i < res->backup_count; i++)
		codes[i] = res->backup[i];
	if (rc == MFA_OK && res->backup_count > 0)
		rc = backup_set(&res->tok, codes, res->backup_count,
		    BACKUP_LEN_IMPORTED);
	account_token_bind(&j->acct, &res->tok);
	if (rc == MFA_OK)
		rc = token_check(&res->tok);
	if (rc == MFA_OK)
		rc = store_install(store, j->user, &res->tok, expect,
		    STORE_ANY_GEN, res->next_step);
	if (rc == MFA_EEXIST) {
		skip(r, j, "enrolled or replaced meanwhile; run again");
		return;
	}
	if (rc != MFA_OK) {
		skip(r, j, mfa_strerror(rc));
		return;
	}
	cli_audit("import", j->user);
	printf("imported %s: %s\n", j->user, desc);
	r->imported++;
}

/* The store, created unless dry; a dry run before the first enrollment
 * has none, and so nobody enrolled. */
static int
open_store(struct cli *cli, int dry, struct mfa_store **store)
{
	struct stat sb;
	enum mfa_err rc;

	*store = NULL;
	if (dry && stat(cli->conf->state_dir, &sb) != 0 && errno == ENOENT)
		return CLI_OK;
	if (!dry && (rc = store_create(cli->conf)) != MFA_OK) {
		fprintf(stderr, "pam-mfa: state directory %s: %s\n",
		    cli->conf->state_dir, mfa_strerror(rc));
		cli_key_hint(rc);
		return CLI_FAIL;
	}
	return cli_open_store(cli, store);
}

int
cmd_import(struct cli *cli, int argc, char **argv)
{
	struct mfa_store *store = NULL;
	struct run r;
	size_t i;
	int ch, ret, google;

	memset(&r, 0, sizeof(r));
	if ((ret = cli_require_root("import")) != CLI_OK)
		return ret;
	while ((ch = getopt(argc, argv, "nf")) != -1) {
		switch (ch) {
		case 'n':
			r.dry = 1;
			break;
		case 'f':
			r.force = 1;
			break;
		default:
			usage();
			return CLI_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 2 || (strcmp(argv[0], "google-authenticator") != 0 &&
	    (strcmp(argv[0], "oath") != 0 || argc != 2))) {
		usage();
		return CLI_USAGE;
	}
	google = strcmp(argv[0], "google-authenticator") == 0;
	if ((ret = cli_load_conf(cli)) != CLI_OK)
		return ret;

	ret = CLI_FAIL;
	for (i = 1; i < (size_t)argc; i++)
		if ((google ? read_google(&r, argv[i]) :
		    read_oath(&r, argv[i])) != 0)
			goto out;
	canonical_users(&r, cli->conf->user_lookup);
	refuse_duplicates(&r);
	if (open_store(cli, r.dry, &store) != CLI_OK)
		goto out;
	for (i = 0; i < r.n; i++) {
		import_one(&r, store, &r.jobs[i]);
		import_result_wipe(&r.jobs[i].res);
	}
	printf("%s %u, skipped %u\n", r.dry ? "would import" : "imported",
	    r.imported, r.skipped);
	ret = r.skipped == 0 ? CLI_OK : CLI_FAIL;
	if (fflush(stdout) != 0)
		ret = CLI_FAIL;
out:
	jobs_free(&r);
	store_close(store);
	return ret;
}
