/*
 * cmd_revoke.c - pam-mfa revoke: remove a user's token and login state
 * (root, or admin_group for other users: cli_user_command).
 */
#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include "cli.h"
#include "store.h"

int
cmd_revoke(struct cli *cli, int argc, char **argv)
{
	struct mfa_store *store = NULL;
	enum mfa_err rc;
	const char *user;
	int ret;

	if ((ret = cli_user_command(cli, "revoke", argc, argv, &store)) != CLI_OK)
		return ret;
	user = cli->acct.name;
	cli_priv_raise(cli);
	rc = store_remove(store, user);
	store_close(store);
	cli_priv_lower(cli);
	if (rc == MFA_ENOTENROLLED) {
		fprintf(stderr, "pam-mfa: revoke: %s is not enrolled\n", user);
		return CLI_NOTFOUND;
	}
	if (rc != MFA_OK) {
		cli_error("revoke", rc);
		return CLI_FAIL;
	}
	cli_audit("revoke", user);
	printf("revoked %s\n", user);
	return CLI_OK;
}
