/*
 * cmd_rekey.c - pam-mfa rekey: rotate the key that encrypts secrets at
 * rest, re-sealing every token, with no moment at which logins fail.
 */
#include "config.h"

#include <stdio.h>

#include "cli.h"
#include "store.h"

/* The users rekey could not read, on stderr: "alice, bob". */
static void
print_names(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		fprintf(stderr, "%s%s", i > 0 ? ", " : "", names[i]);
	fputc('\n', stderr);
}

int
cmd_rekey(struct cli *cli, int argc, char **argv)
{
	struct mfa_store *store = NULL;
	enum mfa_err rc;
	char **bad = NULL;
	size_t n = 0, nbad = 0;
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
	rc = store_rekey(store, &n, &bad, &nbad);
	store_close(store);
	if (rc == MFA_ECORRUPT && nbad > 0) {
		fprintf(stderr, "pam-mfa: rekey: re-encrypted %zu tokens; the "
		    "tokens of %zu users could not be read and keep their old "
		    "key, so no old key was dropped: ", n, nbad);
		print_names(bad, nbad);
		fprintf(stderr, "pam-mfa: rekey: see pam-mfa check; fix, "
		    "re-enroll or revoke those users, then run rekey again\n");
		store_list_free(bad, nbad);
		cli_audit("rekey_partial", "-");
		return CLI_FAIL;
	}
	store_list_free(bad, nbad);
	if (rc != MFA_OK) {
		cli_error("rekey", rc);
		fprintf(stderr, "pam-mfa: rekey: stopped after %zu tokens; run "
		    "it again to finish: every token stays readable "
		    "meanwhile\n", n);
		return CLI_FAIL;
	}
	cli_audit("rekey", "-");
	printf("re-encrypted %zu tokens under a new key\n", n);
	return CLI_OK;
}
