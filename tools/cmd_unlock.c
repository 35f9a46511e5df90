/*
 * cmd_unlock.c - pam-mfa unlock: clear a user's failure count and lock.
 */
#include "config.h"

#include <stdio.h>

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
	int ret;

	if ((ret = cli_user_command(cli, "unlock", argc, argv, &store)) != CLI_OK)
		return ret;
	rc = store_begin(store, argv[1], NULL, &st, &txn);
	if (rc == MFA_ENOTENROLLED) {
		/* No state: never failed, nothing to clear. */
		store_close(store);
		printf("%s was not locked\n", argv[1]);
		return CLI_OK;
	}
	if (rc == MFA_OK) {
		lockout_clear(&st);
		rc = store_commit(txn, &st);
	}
	store_close(store);
	if (rc != MFA_OK) {
		cli_error("unlock", rc);
		return CLI_FAIL;
	}
	cli_audit("unlock", argv[1]);
	printf("unlocked %s\n", argv[1]);
	return CLI_OK;
}
