/*
 * cmd_batch.c - pam-mfa enroll-batch: tokens for a list of users (a file,
 * one name a line, and/or the members of a group), for a rollout to users
 * without a shell: each user's QR code is written to a directory for the
 * administrator to hand over, with a manifest of what was done.
 *
 * Rules:
 *  1. root only;
 *  2. the directory is opened without following a symlink, must be root's
 *     and writable by nobody else, and becomes the working directory, so
 *     no name written is looked up through anything else; every file is
 *     created 0600 with O_EXCL|O_NOFOLLOW (never replaces anything);
 *  3. a user who has a token is skipped, and one with a pending token
 *     unless -f (which replaces the pending token): re-running the same
 *     list does nothing twice;
 *  4. nothing secret reaches stdout unless asked (-u: the URIs); the
 *     manifest (manifest.tsv, appended) holds no secret;
 *  5. each token made is audited as enroll does (enroll_pending, enroll).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backup.h"
#include "cli.h"
#include "crypto.h"
#include "qr.h"
#include "store.h"
#include "token.h"
#include "uri.h"
#include "user.h"

#define MANIFEST	"manifest.tsv"
#define BATCH_LINE_MAX	256

struct batch {
	struct cli *cli;
	struct mfa_store *store;
	FILE *manifest;
	int now;		/* -y: active at once */
	int force;		/* -f: replace a pending token */
	int show_uri;		/* -u: the URIs on stdout */
	unsigned done, skipped, failed;
	char **names;
	size_t n, cap;
};

static int
usage(void)
{
	fprintf(stderr, "usage: pam-mfa enroll-batch -d DIR [-g GROUP] [-y] "
	    "[-f] [-u] [FILE]\n");
	return CLI_USAGE;
}

/* Add name to the list once (a group and a file may both name it). */
static int
add_name(struct batch *b, const char *name)
{
	char **v;
	size_t i;

	for (i = 0; i < b->n; i++)
		if (strcmp(b->names[i], name) == 0)
			return CLI_OK;
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 64;
		if ((v = reallocarray(b->names, b->cap, sizeof(*v))) == NULL)
			goto nomem;
		b->names = v;
	}
	if ((b->names[b->n] = strdup(name)) == NULL)
		goto nomem;
	b->n++;
	return CLI_OK;
nomem:
	fprintf(stderr, "pam-mfa: enroll-batch: out of memory\n");
	return CLI_FAIL;
}

static int
read_file(struct batch *b, const char *path)
{
	char line[BATCH_LINE_MAX + 2];
	FILE *f;
	size_t len;
	int ret = CLI_OK;

	if (strcmp(path, "-") == 0)
		f = stdin;
	else if ((f = fopen(path, "re")) == NULL) {
		fprintf(stderr, "pam-mfa: enroll-batch: %s: %s\n", path,
		    strerror(errno));
		return CLI_FAIL;
	}
	while (ret == CLI_OK && fgets(line, sizeof(line), f) != NULL) {
		len = strlen(line);
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		else if (!feof(f)) {
			fprintf(stderr, "pam-mfa: enroll-batch: %s: a line "
			    "longer than %d bytes\n", path, BATCH_LINE_MAX);
			ret = CLI_USAGE;
			break;
		}
		if (len > 0 && line[len - 1] == '\r')
			line[--len] = '\0';
		if (len == 0 || line[0] == '#')
			continue;
		ret = add_name(b, line);
	}
	if (ret == CLI_OK && ferror(f)) {
		fprintf(stderr, "pam-mfa: enroll-batch: %s: read error\n", path);
		ret = CLI_FAIL;
	}
	if (f != stdin)
		fclose(f);
	return ret;
}

/* A member of the group (cli_group_members). */
static int
add_member(const char *name, void *arg)
{
	return add_name(arg, name);
}

/* The output directory, made the working directory: see rule 2. */
static int
enter_dir(const char *dir)
{
	struct stat sb;
	int fd, ret = CLI_FAIL;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		fprintf(stderr, "pam-mfa: enroll-batch: %s: %s\n", dir,
		    errno == ELOOP || errno == ENOTDIR ? "not a directory (a "
		    "symlink is refused)" : strerror(errno));
		return CLI_FAIL;
	}
	if (fstat(fd, &sb) != 0 || sb.st_uid != 0 || (sb.st_mode & 022) != 0)
		fprintf(stderr, "pam-mfa: enroll-batch: %s: must be root's "
		    "and writable by root alone (chmod 0700 it)\n", dir);
	else if (fchdir(fd) != 0)
		fprintf(stderr, "pam-mfa: enroll-batch: %s: %s\n", dir,
		    strerror(errno));
	else
		ret = CLI_OK;
	close(fd);
	return ret;
}

static FILE *
open_manifest(void)
{
	struct stat sb;
	FILE *f;
	int fd;

	if ((fd = open(MANIFEST, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) == -1) {
		fprintf(stderr, "pam-mfa: enroll-batch: %s: %s\n", MANIFEST,
		    strerror(errno));
		return NULL;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_uid != 0 ||
	    sb.st_nlink != 1 || (sb.st_mode & 077) != 0) {
		fprintf(stderr, "pam-mfa: enroll-batch: %s: must be a file of "
		    "root's, mode 0600, one link\n", MANIFEST);
		close(fd);
		return NULL;
	}
	if ((f = fdopen(fd, "a")) == NULL) {
		close(fd);
		return NULL;
	}
	if (sb.st_size == 0)
		fprintf(f, "user\tfile\tstatus\treason\n");
	return f;
}

/* One manifest line; a name that is not a valid user name is shown with
 * '?' for anything but its printable ASCII (never a tab or newline). */
static void
record(struct batch *b, const char *user, const char *file,
    const char *status, const char *reason)
{
	const char *p;

	for (p = user; *p != '\0'; p++)
		fputc(*p > 0x20 && *p < 0x7f ? *p : '?', b->manifest);
	fprintf(b->manifest, "\t%s\t%s\t%s\n", file != NULL ? file : "-",
	    status, reason != NULL ? reason : "-");
	/* Each line out as the user is done: a run cut short still says
	 * whom it enrolled. */
	(void)fflush(b->manifest);
	if (strcmp(status, "skipped") == 0)
		b->skipped++;
	else if (strcmp(status, "failed") == 0)
		b->failed++;
	else
		b->done++;
}

/* Write the user's backup codes (-y) to NAME.codes, 0600, new. */
static int
write_codes(const char *path, char codes[][BACKUP_TEXT_MAX + 1], unsigned n)
{
	FILE *f;
	unsigned i;
	int fd, ok;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) == -1)
		return -1;
	if ((f = fdopen(fd, "w")) == NULL) {
		close(fd);
		(void)unlink(path);
		return -1;
	}
	fprintf(f, "Backup codes: each works once, in place of a code.\n");
	for (i = 0; i < n; i++)
		fprintf(f, "  %s\n", codes[i]);
	ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
	ok = fclose(f) == 0 && ok;
	if (!ok)
		(void)unlink(path);
	return ok ? 0 : -1;
}

/* What a user already has that makes the batch skip them, or NULL. */
static const char *
has_token(struct batch *b, const char *user)
{
	struct mfa_token tok;
	enum mfa_err rc, prc;

	rc = store_token_meta(b->store, user, &tok);
	token_wipe(&tok);
	if (rc == MFA_OK)
		return "enrolled";
	if (rc != MFA_ENOTENROLLED)
		return "token_unreadable";
	prc = store_pending_meta(b->store, user, &tok);
	token_wipe(&tok);
	if (prc == MFA_OK)
		return b->force ? NULL : "pending";
	if (prc != MFA_ENOTENROLLED && !b->force)
		return "pending_unreadable";
	return NULL;
}

static void
enroll_one(struct batch *b, const char *name)
{
	char codes[TOKEN_BACKUP_MAX][BACKUP_TEXT_MAX + 1];
	char png[MFA_USER_MAX + 8], txt[MFA_USER_MAX + 8];
	struct cli *cli = b->cli;
	unsigned nc = cli->conf->backup_codes;
	struct mfa_token tok;
	const char *user, *why;
	enum mfa_err rc;
	char *uri = NULL;
	int codes_written = 0;

	memset(&tok, 0, sizeof(tok));
	if (!user_valid(name, strlen(name))) {
		record(b, name, NULL, "skipped", "invalid_name");
		return;
	}
	if (cli_account(cli, "enroll-batch", name) != CLI_OK) {
		record(b, name, NULL, "failed", "account_lookup");
		return;
	}
	user = cli->acct.name;
	if (cli->unknown) {
		record(b, name, NULL, "skipped", "unknown_user");
		return;
	}
	if ((why = has_token(b, user)) != NULL) {
		record(b, user, NULL, "skipped", why);
		return;
	}
	tok.type = MFA_TOTP;
	tok.algo = cli->conf->algorithm;
	tok.digits = cli->conf->digits;
	tok.period = cli->conf->period;
	snprintf(png, sizeof(png), "%s.png", user);
	snprintf(txt, sizeof(txt), "%s.codes", user);
	if ((rc = enroll_new_token(cli, &tok)) != MFA_OK ||
	    (rc = uri_otpauth(cli->conf->issuer, user, &tok, &uri)) !=
	    MFA_OK) {
		cli_error(user, rc);
		record(b, user, NULL, "failed", "token");
		goto out;
	}
	if (qr_write_file(png, uri) != 0) {
		why = errno == EEXIST ? "file_exists" : "qr_write";
		record(b, user, png, why[0] == 'f' ? "skipped" : "failed",
		    why);
		goto out;
	}
	if (b->now) {
		tok.replaces = 0;
		if ((rc = backup_generate(&tok, nc, codes)) == MFA_OK &&
		    nc > 0) {
			if (write_codes(txt, codes, nc) != 0)
				rc = MFA_EIO;
			else
				codes_written = 1;
		}
		crypto_wipe(codes, sizeof(codes));
		/* Only if there is still no active token (0). */
		if (rc == MFA_OK)
			rc = store_install(b->store, user, &tok, 0,
			    STORE_ANY_GEN, 0);
	} else {
		tok.flags |= TOKEN_F_PENDING;
		rc = store_pending_put(b->store, user, &tok);
	}
	if (rc != MFA_OK) {
		cli_error(user, rc);
		(void)unlink(png);
		if (codes_written)
			(void)unlink(txt);
		record(b, user, NULL, "failed", rc == MFA_EEXIST ?
		    "changed_meanwhile" : "store");
		goto out;
	}
	cli_audit(b->now ? "enroll" : "enroll_pending", user);
	record(b, user, png, b->now ? "active" : "pending", NULL);
	if (b->show_uri)
		printf("%s %s\n", user, uri);
out:
	if (uri != NULL) {
		crypto_wipe(uri, strlen(uri));
		free(uri);
	}
	token_wipe(&tok);
}

int
cmd_enroll_batch(struct cli *cli, int argc, char **argv)
{
	struct batch b;
	enum mfa_err rc;
	const char *dir = NULL, *group = NULL;
	size_t i;
	int ch, ret;

	memset(&b, 0, sizeof(b));
	b.cli = cli;
	if ((ret = cli_require_root("enroll-batch")) != CLI_OK)
		return ret;
	while ((ch = getopt(argc, argv, "d:g:yfu")) != -1) {
		switch (ch) {
		case 'd':
			dir = optarg;
			break;
		case 'g':
			group = optarg;
			break;
		case 'y':
			b.now = 1;
			break;
		case 'f':
			b.force = 1;
			break;
		case 'u':
			b.show_uri = 1;
			break;
		default:
			return usage();
		}
	}
	if (dir == NULL || optind < argc - 1 ||
	    (group == NULL && optind == argc))
		return usage();
	if ((ret = cli_load_conf(cli)) != CLI_OK)
		return ret;
	if ((optind == argc - 1 && (ret = read_file(&b, argv[optind])) !=
	    CLI_OK) || (group != NULL && (ret = cli_group_members("enroll-batch", group,
	    add_member, &b)) !=
	    CLI_OK))
		goto out;
	ret = CLI_FAIL;
	if ((rc = store_create(cli->conf)) != MFA_OK) {
		fprintf(stderr, "pam-mfa: enroll-batch: %s: nothing done\n",
		    mfa_strerror(rc));
		cli_key_hint(rc);
		goto out;
	}
	if ((ret = cli_open_store(cli, &b.store)) != CLI_OK)
		goto out;
	ret = CLI_FAIL;
	if (enter_dir(dir) != CLI_OK || (b.manifest = open_manifest()) == NULL)
		goto out;
	for (i = 0; i < b.n; i++)
		enroll_one(&b, b.names[i]);
	ret = b.failed == 0 ? CLI_OK : CLI_FAIL;
	if (fclose(b.manifest) != 0 || fflush(stdout) != 0) {
		fprintf(stderr, "pam-mfa: enroll-batch: %s/%s: write error\n",
		    dir, MANIFEST);
		ret = CLI_FAIL;
	}
	fprintf(stderr, "pam-mfa: enroll-batch: %u enrolled, %u skipped, %u "
	    "failed: see %s/%s\n", b.done, b.skipped, b.failed, dir, MANIFEST);
out:
	store_close(b.store);
	for (i = 0; i < b.n; i++)
		free(b.names[i]);
	free(b.names);
	return ret;
}
