/*
 * cmd_unlock.c - pam-mfa unlock: clear a user's failure count and lock
 * (root, or admin_group for other users: cli_user_command); unlock
 * --source: cmd_sources.c.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "lockout.h"
#include "store.h"

int
cmd_unlock(struct cli *cli, int argc, char **argv)
{
	struct mfa_store *store = NULL;
	struct mfa_state st;
	struct mfa_txn *txn;
	enum mfa_err rc;
	const char *user;
	int ret;

	if (argc >= 2 && strcmp(argv[1], "--source") == 0)
		return cmd_unlock_source(cli, argc, argv);
	if ((ret = cli_user_command(cli, "unlock", argc, argv, &store)) != CLI_OK)
		return ret;
	user = cli->acct.name;
	cli_priv_raise(cli);
	rc = store_begin(store, user, NULL, &st, &txn);
	if (rc == MFA_ENOTENROLLED) {
		/* No state: never failed, nothing to clear. */
		store_close(store);
		cli_priv_lower(cli);
		printf("%s was not locked\n", user);
		return CLI_OK;
	}
	if (rc == MFA_OK) {
		lockout_clear(&st);
		rc = store_commit(txn, &st);
	}
	store_close(store);
	cli_priv_lower(cli);
	if (rc != MFA_OK) {
		cli_error("unlock", rc);
		return CLI_FAIL;
	}
	cli_audit("unlock", user);
	printf("unlocked %s\n", user);
	return CLI_OK;
}
