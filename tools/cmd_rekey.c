/*
 * cmd_rekey.c - pam-mfa rekey: rotate the key that encrypts secrets at
 * rest, re-sealing every token, with no moment at which logins fail.
 */
#include "config.h"

#include <stdio.h>

#include "cli.h"
#include "store.h"

int
cmd_rekey(struct cli *cli, int argc, char **argv)
{
	struct mfa_store *store = NULL;
	enum mfa_err rc;
	size_t n = 0, bad = 0;
	int ret;

	(void)argv;
	if ((ret = cli_require_root("rekey")) != CLI_OK)
		return ret;
	if (argc != 1) {
		fprintf(stderr, "usage: pam-mfa rekey\n");
		return CLI_USAGE;
	}
	if ((ret = cli_load_conf(cli)) != CLI_OK)
		return ret;
	if ((ret = cli_open_store(cli, &store)) != CLI_OK)
		return ret;
	rc = store_rekey(store, &n, &bad);
	store_close(store);
	if (rc == MFA_ECORRUPT && bad > 0) {
		fprintf(stderr, "pam-mfa: rekey: re-encrypted %zu tokens; %zu "
		    "could not be read and keep their old key: see pam-mfa "
		    "status, re-enroll or revoke those users, then run rekey "
		    "again\n", n, bad);
		cli_audit("rekey_partial", "-");
		return CLI_FAIL;
	}
	if (rc != MFA_OK) {
		fprintf(stderr, "pam-mfa: rekey: %s (after %zu tokens); run it "
		    "again to finish: every token stays readable meanwhile\n",
		    mfa_strerror(rc), n);
		return CLI_FAIL;
	}
	cli_audit("rekey", "-");
	printf("re-encrypted %zu tokens under a new key\n", n);
	return CLI_OK;
}
