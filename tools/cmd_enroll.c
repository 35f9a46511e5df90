/*
 * cmd_enroll.c - pam-mfa enroll: a new token with a random secret, shown
 * once (QR code and otpauth:// URI), kept pending until a code from it is
 * typed, then made active with a fresh set of backup codes.
 *
 * Rules:
 *  1. the secret is secret_bytes (at least 20: 160 bits) from OpenSSL's
 *     random generator, and reaches only this process's stdout, the QR
 *     file the caller named, and the store (sealed);
 *  2. a pending token is kept apart from the active one, which goes on
 *     working until the new one is confirmed (store.h), so a lost or
 *     mistyped enrollment never locks anyone out;
 *  3. replacing an active token takes root (or admin_group, for another
 *     user: cli_admin_target) with -f, or, for a user on their own
 *     account, a valid code from the current token (or a backup code),
 *     checked and counted as a login;
 *  4. the backup codes are made when the token becomes active, and shown
 *     to whoever activates it: once;
 *  5. root (or admin_group) may skip the confirmation (-y) to provision a
 *     token it hands over; `enroll -C` confirms a pending token later;
 *     --replace-now (a lost phone) first ends the active token, pending
 *     token, backup codes and state, so the old phone's codes fail at
 *     once, and only then makes the new token;
 *  6. a wrong confirmation code counts toward the user's lock as a failed
 *     login does (auth_confirm): whoever finds a pending token they were
 *     not given can't guess their way to its backup codes;
 *  7. a token is made only for an account the name service knows, under
 *     its own name (whatever spelling was given) and bound to its uid
 *     (account.h), unless user_lookup is "exact".
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "backup.h"
#include "cli.h"
#include "crypto.h"
#include "pending.h"
#include "qr.h"
#include "store.h"
#include "token.h"
#include "uri.h"

#define CONFIRM_TRIES	3

struct enroll_opts {
	int force;		/* -f: replace an active token (root) */
	int now;		/* -y: active at once, no confirmation (root) */
	int confirm;		/* -C: confirm the pending token */
	int replace_now;	/* --replace-now: end the old token first */
	int qr_style;		/* -1: none */
	const char *qr_file;	/* -o */
	const char *user_arg;
};

static int
usage(void)
{
	fprintf(stderr, "usage: pam-mfa enroll [-t totp|hotp] "
	    "[-a SHA1|SHA256|SHA512] [-d 6|8] [-p 30|60] [-q ansi|utf8|utf8i|none] "
	    "[-o FILE.png|FILE.svg] [-f] [-y] [USER]\n"
	    "       pam-mfa enroll --replace-now [-o FILE.png|FILE.svg] [-y] "
	    "USER\n"
	    "       pam-mfa enroll -C [USER]\n");
	return CLI_USAGE;
}

static int
parse_opts(struct cli *cli, int argc, char **argv, struct mfa_token *tok,
    struct enroll_opts *o)
{
	static const struct option longopts[] = {
		{ "replace-now", no_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	int ch, token_opts = 0;

	tok->type = MFA_TOTP;
	tok->algo = cli->conf->algorithm;
	tok->digits = cli->conf->digits;
	tok->period = cli->conf->period;
	memset(o, 0, sizeof(*o));
	/* A QR code for a terminal, not for a pipe. */
	o->qr_style = isatty(STDOUT_FILENO) ? QR_ANSI : -1;
	while ((ch = getopt_long(argc, argv, "t:a:d:p:q:o:fyC", longopts,
	    NULL)) != -1) {
		token_opts += strchr("tadp", ch) != NULL;
		switch (ch) {
		case 't':
			if (strcmp(optarg, "totp") == 0)
				tok->type = MFA_TOTP;
			else if (strcmp(optarg, "hotp") == 0)
				tok->type = MFA_HOTP;
			else
				return usage();
			break;
		case 'a':
			if ((tok->algo = token_algo_parse(optarg)) == 0)
				return usage();
			break;
		case 'd':
			if (strcmp(optarg, "6") == 0)
				tok->digits = 6;
			else if (strcmp(optarg, "8") == 0)
				tok->digits = 8;
			else
				return usage();
			break;
		case 'p':
			if (strcmp(optarg, "30") == 0)
				tok->period = 30;
			else if (strcmp(optarg, "60") == 0)
				tok->period = 60;
			else
				return usage();
			break;
		case 'q':
			if (strcmp(optarg, "ansi") == 0)
				o->qr_style = QR_ANSI;
			else if (strcmp(optarg, "utf8") == 0)
				o->qr_style = QR_UTF8;
			else if (strcmp(optarg, "utf8i") == 0)
				o->qr_style = QR_UTF8_INVERTED;
			else if (strcmp(optarg, "none") == 0)
				o->qr_style = -1;
			else
				return usage();
			break;
		case 'o':
			o->qr_file = optarg;
			break;
		case 'f':
			o->force = 1;
			break;
		case 'y':
			o->now = 1;
			break;
		case 'C':
			o->confirm = 1;
			break;
		case 'R':
			o->replace_now = 1;
			break;
		default:
			return usage();
		}
	}
	if (optind < argc - 1)
		return usage();
	o->user_arg = optind == argc - 1 ? argv[optind] : NULL;
	if (o->confirm && (token_opts || o->force || o->now || o->qr_file ||
	    o->replace_now))
		return usage();
	if (o->replace_now && (o->force || o->user_arg == NULL))
		return usage();
	if (tok->type == MFA_HOTP && tok->algo != MFA_SHA1) {
		fprintf(stderr, "pam-mfa: enroll: HOTP is defined for SHA1 "
		    "only (RFC 4226)\n");
		return CLI_USAGE;
	}
	return CLI_OK;
}

/* -f, -y and --replace-now: root's, and admin_group's for others. */
static int
check_privileged_opts(const struct cli *cli, const struct enroll_opts *o)
{
	if ((o->force || o->now || o->replace_now) && !cli->root &&
	    !cli->by_admin) {
		fprintf(stderr, "pam-mfa: enroll: -f, -y and --replace-now "
		    "are for root (and admin_group, for other users); you "
		    "replace your token with a code from the current one\n");
		return CLI_DENIED;
	}
	return CLI_OK;
}

/*
 * --replace-now: the user's token, pending token, backup codes and login
 * state end at once (a lost or stolen phone), before the new token is
 * made; its line is sent before anything else is written.
 */
static int
end_old_token(struct cli *cli, struct mfa_store *store, const char *user)
{
	enum mfa_err rc;

	cli_priv_raise(cli);
	rc = store_remove(store, user);
	cli_priv_lower(cli);
	if (rc == MFA_ENOTENROLLED)
		return CLI_OK;
	if (rc != MFA_OK) {
		cli_error("enroll: ending the old token", rc);
		return CLI_FAIL;
	}
	cli_audit("replace_now", user);
	fprintf(stderr, "pam-mfa: enroll: %s's old token, pending token and "
	    "backup codes no longer work\n", user);
	return CLI_OK;
}

/* The QR code file the caller named, written with the caller's own uid
 * (never root's), before anything is stored: a refused name stores
 * nothing. */
static int
write_qr_file(struct cli *cli, const struct enroll_opts *o, const char *uri)
{
	if (o->qr_file == NULL)
		return CLI_OK;
	cli_priv_lower(cli);
	if (qr_write_file(o->qr_file, uri) != 0) {
		fprintf(stderr, "pam-mfa: enroll: %s: could not write the QR "
		    "code (it must be a new .png or .svg file): %s\n",
		    o->qr_file, strerror(errno));
		return CLI_FAIL;
	}
	return CLI_OK;
}

/* Whether write_qr_file can be expected to take path (a new .png or .svg
 * file, as the caller sees it): asked before --replace-now ends anything. */
static int
qr_path_usable(const char *path)
{
	struct stat sb;
	size_t n = strlen(path);
	int err;

	if (n <= 4 || (strcmp(path + n - 4, ".png") != 0 &&
	    strcmp(path + n - 4, ".svg") != 0))
		err = EINVAL;
	else if (lstat(path, &sb) == 0)
		err = EEXIST;
	else if ((err = errno) == ENOENT)
		return CLI_OK;
	fprintf(stderr, "pam-mfa: enroll: %s: could not write the QR code "
	    "(it must be a new .png or .svg file): %s: nothing done\n", path,
	    strerror(err));
	return CLI_FAIL;
}

/* Undo write_qr_file when the token could not be stored. */
static void
unwrite_qr_file(struct cli *cli, const struct enroll_opts *o)
{
	if (o->qr_file == NULL)
		return;
	cli_priv_lower(cli);
	if (unlink(o->qr_file) != 0)
		fprintf(stderr, "pam-mfa: enroll: %s: remove it: it holds the "
		    "secret of a token that was not stored\n", o->qr_file);
}

/* The URI and QR code on stdout. */
static int
show_token(const struct enroll_opts *o, const char *uri)
{
	if (o->qr_style >= 0) {
		printf("Scan this QR code with your authenticator app:\n\n");
		if (qr_print(stdout, uri, (enum qr_style)o->qr_style) != 0) {
			fprintf(stderr, "pam-mfa: enroll: the QR code could "
			    "not be drawn; use the URI\n");
		}
		printf("\nor enter this URI in it:\n");
	}
	printf("%s\n", uri);
	if (fflush(stdout) != 0)
		return CLI_FAIL;
	if (o->qr_file != NULL)
		fprintf(stderr, "pam-mfa: QR code written to %s (mode 0600): "
		    "it holds the secret, delete it once scanned\n",
		    o->qr_file);
	return CLI_OK;
}

static int
print_backup_codes(char codes[][BACKUP_TEXT_MAX + 1], unsigned n)
{
	unsigned i;

	if (n == 0)
		return CLI_OK;
	printf("\nBackup codes: each works once, in place of a code. Keep "
	    "them apart from\nyour phone; they are not shown again.\n");
	for (i = 0; i < n; i++)
		printf("  %s\n", codes[i]);
	return fflush(stdout) == 0 ? CLI_OK : CLI_FAIL;
}

/*
 * What store_install (rc, privileges raised) did with tok: CLI_OK if it
 * is active, with the audit line; codes[] wiped if not.
 */
static int
installed(struct cli *cli, struct mfa_store *store, const char *user,
    const struct mfa_token *tok, enum mfa_err rc, const char *action,
    char codes[][BACKUP_TEXT_MAX + 1])
{
	unsigned n = cli->conf->backup_codes;

	/* The token written but not its state: it is active, and so are
	 * the codes about to be lost with it; show them. */
	if (rc != MFA_OK && rc != MFA_EEXIST && cli_token_is(store, user, tok)) {
		cli_priv_lower(cli);
		/* The line first: a reader of stderr can't hold it back. */
		cli_audit(action, user);
		fprintf(stderr, "pam-mfa: %s: the token is active, but its "
		    "login state could not be written (%s): check the state "
		    "directory\n", action, mfa_strerror(rc));
		return CLI_OK;
	}
	cli_priv_lower(cli);
	if (rc != MFA_OK) {
		crypto_wipe(codes, (size_t)n * sizeof(codes[0]));
		if (rc == MFA_EEXIST)
			fprintf(stderr, "pam-mfa: %s: %s's token changed "
			    "meanwhile: nothing done, try again\n", action,
			    user);
		else
			cli_error(action, rc);
		return CLI_FAIL;
	}
	cli_audit(action, user);
	return CLI_OK;
}

/*
 * Make tok (secret in clear) the active token with a new set of backup
 * codes, if the active token is still expect_id; codes[] receives them
 * for the caller to show and wipe.
 */
static int
activate(struct cli *cli, struct mfa_store *store, const char *user,
    struct mfa_token *tok, uint64_t expect_id, const char *action,
    char codes[][BACKUP_TEXT_MAX + 1])
{
	enum mfa_err rc;

	tok->flags &= (uint16_t)~TOKEN_F_PENDING;
	tok->replaces = 0;	/* a pending token's only */
	if ((rc = backup_generate(tok, cli->conf->backup_codes, codes)) !=
	    MFA_OK) {
		cli_error("making backup codes", rc);
		return CLI_FAIL;
	}
	cli_priv_raise(cli);
	rc = store_install(store, user, tok, expect_id, STORE_ANY_GEN, 0);
	return installed(cli, store, user, tok, rc, action, codes);
}

/* An expired pending token (pending_lifetime): refused, with its line. */
static int
pending_gone(const char *user)
{
	cli_audit("enroll_expired", user);
	fprintf(stderr, "pam-mfa: enroll: %s's pending token has expired "
	    "(pending_lifetime): make a new one with pam-mfa enroll\n", user);
	return CLI_DENIED;
}

/*
 * Ask for a code from the pending token until one is right; then make it
 * active, if the active token is still the one it was made to replace
 * (tok->replaces: the one whose code the user typed, or that root
 * replaced with -f): an admin's replacement meanwhile wins.  confirm_only:
 * `enroll -C`, where ending without a confirmation is a failure.
 */
static int
confirm(struct cli *cli, struct mfa_store *store, const char *user,
    struct mfa_token *tok, int confirm_only)
{
	char codes[TOKEN_BACKUP_MAX][BACKUP_TEXT_MAX + 1];
	char code[MFA_INPUT_MAX + 1];
	struct auth_result res;
	enum mfa_err rc;
	int tries, ret, confirmed = 0;

	if (pending_expired(cli->conf, tok, (int64_t)time(NULL)))
		return pending_gone(user);
	for (tries = 0; tries < CONFIRM_TRIES; tries++) {
		ret = cli_prompt("Type a code from the app to activate the "
		    "token: ", code, sizeof(code));
		if (ret == CLI_FAIL)
			break;
		/* Checked as a login: a wrong code counts toward the lock,
		 * so nobody guesses through a token they were not given. */
		if (ret != CLI_OK || !auth_code_wellformed(code, strlen(code))) {
			rc = MFA_EBADCODE;
		} else {
			/* The one path, the first login's too (pending.h). */
			cli_priv_raise(cli);
			rc = pending_activate(cli->conf, store, user, tok,
			    tok->replaces, code, strlen(code),
			    (int64_t)time(NULL), cli->conf->backup_codes, codes,
			    &confirmed, &res);
			if (!confirmed)
				cli_priv_lower(cli);
		}
		crypto_wipe(code, sizeof(code));
		if (rc == MFA_EEXPIRED)
			return pending_gone(user);
		if (confirmed) {
			ret = installed(cli, store, user, tok, rc,
			    "enroll_confirm", codes);
			if (ret != CLI_OK)
				return ret;
			printf("\nThe token is active: %s logs in with it "
			    "from now on.\nThe code just typed is spent: wait "
			    "for the app's next code before logging in.\n",
			    user);
			ret = print_backup_codes(codes,
			    cli->conf->backup_codes);
			crypto_wipe(codes, sizeof(codes));
			return ret;
		}
		/* Each audit line before any message (cli.c, held_signals). */
		if (rc == MFA_ELOCKED) {
			cli_audit("enroll_denied", user);
			fprintf(stderr, "pam-mfa: enroll: too many failed "
			    "attempts: try again later, or ask your "
			    "administrator to unlock you\n");
			return CLI_DENIED;
		}
		if (rc != MFA_EBADCODE) {
			cli_audit("enroll_confirm_failed", user);
			cli_error("checking the code", rc);
			return CLI_FAIL;
		}
		cli_audit("enroll_denied", user);
		fprintf(stderr, "pam-mfa: that code does not match (it counts "
		    "as a failed login): check the app's clock and the "
		    "code's length\n");
	}
	fprintf(stderr, "pam-mfa: %s's new token is pending: until it is "
	    "confirmed with `pam-mfa enroll -C`, logins use the old one (if "
	    "any)\n", user);
	if (tries == CONFIRM_TRIES)
		return CLI_DENIED;
	return confirm_only ? CLI_FAIL : CLI_OK;
}

/* The active token's id, 0 if none; MFA_OK or why it can't be read. */
static enum mfa_err
active_id(struct cli *cli, struct mfa_store *store, const char *user,
    uint64_t *id)
{
	struct mfa_token cur;
	enum mfa_err rc;

	*id = 0;
	cli_priv_raise(cli);
	rc = store_token_meta(store, user, &cur);
	cli_priv_lower(cli);
	if (rc == MFA_OK)
		*id = cur.id;
	token_wipe(&cur);
	return rc == MFA_ENOTENROLLED ? MFA_OK : rc;
}

static int
confirm_pending(struct cli *cli, struct mfa_store *store, const char *user)
{
	struct mfa_token tok;
	enum mfa_err rc;
	int ret;

	cli_priv_raise(cli);
	rc = store_pending_get(store, user, &tok);
	cli_priv_lower(cli);
	if (rc == MFA_ENOTENROLLED) {
		fprintf(stderr, "pam-mfa: enroll: %s has no pending token: "
		    "run pam-mfa enroll\n", user);
		return CLI_NOTFOUND;
	}
	if (rc != MFA_OK) {
		cli_error("reading the pending token", rc);
		return CLI_FAIL;
	}
	/* Made for another account that had the name (account.h). */
	if ((rc = account_token_check(&cli->acct, &tok)) != MFA_OK) {
		cli_error("reading the pending token", rc);
		token_wipe(&tok);
		return CLI_FAIL;
	}
	ret = confirm(cli, store, user, &tok, 1);
	token_wipe(&tok);
	return ret;
}

enum mfa_err
enroll_new_token(struct cli *cli, struct mfa_token *tok)
{
	enum mfa_err rc;

	account_token_bind(&cli->acct, tok);
	tok->secret_len = cli->conf->secret_bytes;
	tok->created = (int64_t)time(NULL);
	do {
		if ((rc = crypto_random(&tok->id, sizeof(tok->id))) != MFA_OK)
			return rc;
	} while (tok->id == 0 || tok->id == STORE_ANY);
	return crypto_random(tok->secret, tok->secret_len);
}

int
cmd_enroll(struct cli *cli, int argc, char **argv)
{
	char codes[TOKEN_BACKUP_MAX][BACKUP_TEXT_MAX + 1];
	struct mfa_store *store = NULL;
	struct enroll_opts o;
	struct mfa_token tok;
	enum mfa_err rc;
	const char *user;
	uint64_t cur_id = 0, expect;
	char *uri = NULL;
	int ret, privileged;

	memset(&tok, 0, sizeof(tok));
	if ((ret = cli_load_conf(cli)) != CLI_OK ||
	    (ret = parse_opts(cli, argc, argv, &tok, &o)) != CLI_OK ||
	    (ret = cli_admin_target(cli, "enroll", o.user_arg, &user)) !=
	    CLI_OK || (ret = check_privileged_opts(cli, &o)) != CLI_OK)
		return ret;
	privileged = cli->root || cli->by_admin;
	if (cli->unknown) {
		fprintf(stderr, "pam-mfa: enroll: %s: no such user in the name "
		    "service (for users it doesn't know, see user_lookup in "
		    "pam_mfa.conf)\n", user);
		return CLI_NOTFOUND;
	}

	cli_priv_raise(cli);
	rc = store_create(cli->conf);
	cli_priv_lower(cli);
	if (rc == MFA_EKEYMISSING || rc == MFA_EKEYUNREADABLE) {
		/* Never a new key beside existing tokens (store_file.c). */
		fprintf(stderr, "pam-mfa: enroll: %s: %s: nothing done\n",
		    cli->conf->key_file, mfa_strerror(rc));
		cli_key_hint(rc);
		return CLI_FAIL;
	}
	if (rc != MFA_OK && cli->conf->store == MFA_STORE_POSTGRESQL &&
	    (rc == MFA_EUNAVAIL || rc == MFA_ETIMEOUT || rc == MFA_EUNKNOWN)) {
		/* Only a missing key file makes the store ask the database
		 * whether it holds tokens: no answer, no new key. */
		fprintf(stderr, "pam-mfa: enroll: %s: the key file is missing "
		    "and the database can't be asked whether it holds tokens "
		    "sealed with it: %s: no key file made, nothing done\n",
		    cli->conf->key_file, mfa_strerror(rc));
		return CLI_FAIL;
	}
	if (rc != MFA_OK && cli->conf->store == MFA_STORE_POSTGRESQL) {
		fprintf(stderr, "pam-mfa: enroll: database: %s: nothing done\n",
		    mfa_strerror(rc));
		return CLI_FAIL;
	}
	if (rc != MFA_OK) {
		fprintf(stderr, "pam-mfa: state directory %s: %s\n",
		    cli->conf->state_dir, mfa_strerror(rc));
		return CLI_FAIL;
	}
	if ((ret = cli_open_store(cli, &store)) != CLI_OK)
		return ret;
	if (o.confirm) {
		ret = confirm_pending(cli, store, user);
		goto out;
	}

	ret = CLI_FAIL;
	/* Checked before anything ends: a refused name changes nothing. */
	if (o.replace_now && o.qr_file != NULL &&
	    qr_path_usable(o.qr_file) != CLI_OK)
		goto out;
	if (o.replace_now && (ret = end_old_token(cli, store, user)) !=
	    CLI_OK)
		goto out;
	ret = CLI_FAIL;
	rc = active_id(cli, store, user, &cur_id);
	expect = cur_id;
	if (rc != MFA_OK && !(privileged && o.force &&
	    (rc == MFA_ECORRUPT || rc == MFA_EVERSION))) {
		cli_error("reading the current token", rc);
		if (privileged && (rc == MFA_ECORRUPT || rc == MFA_EVERSION))
			fprintf(stderr, "pam-mfa: enroll: -f replaces it\n");
		goto out;
	}
	if (rc != MFA_OK)
		expect = STORE_ANY;	/* a damaged token, replaced by -f */
	if (cur_id != 0 && privileged && !o.force) {
		fprintf(stderr, "pam-mfa: enroll: %s is already enrolled; "
		    "use -f to replace the token\n", user);
		goto out;
	}
	/* The replacement may replace only the token the user proved. */
	if (cur_id != 0 && !privileged &&
	    (ret = cli_current_code(cli, store, user, "enroll", &expect)) !=
	    CLI_OK)
		goto out;
	ret = CLI_FAIL;
	tok.replaces = expect;

	if ((rc = enroll_new_token(cli, &tok)) != MFA_OK ||
	    (rc = uri_otpauth(cli->conf->issuer, user, &tok, &uri)) !=
	    MFA_OK) {
		cli_error("enroll", rc);
		goto out;
	}
	if ((ret = write_qr_file(cli, &o, uri)) != CLI_OK)
		goto out;
	if (o.now) {
		ret = activate(cli, store, user, &tok, expect,
		    cur_id != 0 ? "enroll_replace" : "enroll", codes);
		if (ret != CLI_OK)
			unwrite_qr_file(cli, &o);
		else if ((ret = show_token(&o, uri)) == CLI_OK)
			ret = print_backup_codes(codes,
			    cli->conf->backup_codes);
		crypto_wipe(codes, sizeof(codes));
		goto out;
	}
	tok.flags |= TOKEN_F_PENDING;
	cli_priv_raise(cli);
	rc = store_pending_put(store, user, &tok);
	cli_priv_lower(cli);
	if (rc != MFA_OK) {
		cli_error("enroll", rc);
		unwrite_qr_file(cli, &o);
		ret = CLI_FAIL;
		goto out;
	}
	cli_audit("enroll_pending", user);
	if ((ret = show_token(&o, uri)) != CLI_OK)
		goto out;
	ret = confirm(cli, store, user, &tok, 0);
out:
	if (uri != NULL) {
		crypto_wipe(uri, strlen(uri));
		free(uri);
	}
	token_wipe(&tok);
	cli_priv_raise(cli);
	store_close(store);
	cli_priv_lower(cli);
	return ret;
}
