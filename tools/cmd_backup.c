/*
 * cmd_backup.c - pam-mfa backup-codes: replace a user's backup codes with
 * a new set, shown once, or (-l) say how many are left.
 *
 * The new set replaces the old one whole, under the user's lock and only
 * if the token is still the one read (store_install), with a new
 * generation, so every old code stops working at once; if another set
 * was made meanwhile, or the token replaced, nothing is done.  A user
 * doing it for themselves first types a code from their token
 * (cli_current_code), and gets codes only for that token: whoever holds
 * only their password and shell, or an old token, gets none.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backup.h"
#include "cli.h"
#include "crypto.h"
#include "store.h"

/* Backup codes left for user: read the token and the state. */
static int
codes_left(struct cli *cli, struct mfa_store *store, const char *user,
    unsigned *left, unsigned *total, uint32_t *gen)
{
	struct mfa_token tok;
	struct mfa_state st;
	struct mfa_txn *txn;
	enum mfa_err rc;

	cli_priv_raise(cli);
	rc = store_begin(store, user, &tok, &st, &txn);
	if (rc == MFA_OK)
		store_abort(txn);
	cli_priv_lower(cli);
	if (rc == MFA_ENOTENROLLED) {
		fprintf(stderr, "pam-mfa: backup-codes: %s has no active "
		    "token\n", user);
		return CLI_NOTFOUND;
	}
	if (rc != MFA_OK) {
		cli_error("backup-codes", rc);
		return CLI_FAIL;
	}
	*left = backup_left(&tok, st.backup_used);
	*total = tok.backup_count;
	*gen = tok.backup_gen;
	token_wipe(&tok);
	return CLI_OK;
}

int
cmd_backup_codes(struct cli *cli, int argc, char **argv)
{
	char codes[TOKEN_BACKUP_MAX][BACKUP_TEXT_MAX + 1];
	struct mfa_store *store = NULL;
	struct mfa_token tok;
	const char *user;
	enum mfa_err rc, partial = MFA_OK;
	unsigned left, total, i, n;
	uint64_t proved = 0;
	uint32_t gen;
	int ch, list_only = 0, ret;

	memset(&tok, 0, sizeof(tok));
	while ((ch = getopt(argc, argv, "l")) != -1) {
		if (ch != 'l')
			goto usage;
		list_only = 1;
	}
	if (optind < argc - 1)
		goto usage;
	if ((ret = cli_load_conf(cli)) != CLI_OK ||
	    (ret = cli_target(cli, "backup-codes",
	    optind == argc - 1 ? argv[optind] : NULL, &user)) != CLI_OK ||
	    (ret = cli_open_store(cli, &store)) != CLI_OK)
		return ret;
	/* The set replaced is this one, seen before any prompt: one made
	 * meanwhile (by root, say) is not silently voided. */
	if ((ret = codes_left(cli, store, user, &left, &total, &gen)) !=
	    CLI_OK)
		goto out;
	if (list_only) {
		printf("%s has %u of %u backup codes left\n", user, left,
		    total);
		ret = fflush(stdout) == 0 ? CLI_OK : CLI_FAIL;
		goto out;
	}
	n = cli->conf->backup_codes;
	if (n == 0) {
		fprintf(stderr, "pam-mfa: backup-codes: backup codes are "
		    "turned off (backup_codes = 0)\n");
		ret = CLI_FAIL;
		goto out;
	}
	if (!cli->root &&
	    (ret = cli_current_code(cli, store, user, "backup_codes",
	    &proved)) != CLI_OK)
		goto out;
	ret = CLI_FAIL;
	cli_priv_raise(cli);
	rc = store_token_get(store, user, &tok);
	cli_priv_lower(cli);
	/* The codes are for the token the caller proved, or none. */
	if (rc == MFA_OK && ((!cli->root && tok.id != proved) ||
	    tok.backup_gen != gen))
		rc = MFA_EEXIST;
	if (rc == MFA_OK)
		rc = backup_generate(&tok, n, codes);
	if (rc == MFA_OK) {
		cli_priv_raise(cli);
		rc = store_install(store, user, &tok, tok.id, gen, 0);
		/* Written but not its state: the new set is the live one. */
		if (rc != MFA_OK && rc != MFA_EEXIST &&
		    cli_token_is(store, user, &tok)) {
			partial = rc;
			rc = MFA_OK;
		}
		cli_priv_lower(cli);
	}
	if (rc != MFA_OK) {
		crypto_wipe(codes, sizeof(codes));
		if (rc == MFA_EEXIST)
			fprintf(stderr, "pam-mfa: backup-codes: %s's token "
			    "changed meanwhile: nothing done, try again\n",
			    user);
		else
			cli_error("backup-codes", rc);
		goto out;
	}
	/* The line before any message (cli.c, held_signals). */
	cli_audit("backup_codes", user);
	if (partial != MFA_OK)
		fprintf(stderr, "pam-mfa: backup-codes: the new codes are "
		    "live, but the login state could not be written (%s): "
		    "check the state directory\n", mfa_strerror(partial));
	printf("New backup codes for %s (the %u old ones, %u unused, no "
	    "longer work).\nEach works once, in place of a code; they are "
	    "not shown again.\n", user, total, left);
	for (i = 0; i < n; i++)
		printf("  %s\n", codes[i]);
	crypto_wipe(codes, sizeof(codes));
	printf("%s has %u of %u backup codes left\n", user, n, n);
	ret = fflush(stdout) == 0 ? CLI_OK : CLI_FAIL;
out:
	token_wipe(&tok);
	cli_priv_raise(cli);
	store_close(store);
	cli_priv_lower(cli);
	return ret;
usage:
	fprintf(stderr, "usage: pam-mfa backup-codes [-l] [USER]\n");
	return CLI_USAGE;
}
