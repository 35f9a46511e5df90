/*
 * cmd_db.c - pam-mfa db init: create or migrate the PostgreSQL store's
 * schema, roles and grants (conf/postgresql/schema.sql), idempotently.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "store.h"

int
cmd_db(struct cli *cli, int argc, char **argv)
{
	enum mfa_err rc;
	int ret;

	if ((ret = cli_require_root("db")) != CLI_OK)
		return ret;
	if (argc != 2 || strcmp(argv[1], "init") != 0) {
		fprintf(stderr, "usage: pam-mfa db init\n");
		return CLI_USAGE;
	}
	if ((ret = cli_load_conf(cli)) != CLI_OK)
		return ret;
	if (cli->conf->store != MFA_STORE_POSTGRESQL) {
		fprintf(stderr, "pam-mfa: db init: the config does not say "
		    "store = \"postgresql\"\n");
		return CLI_CONFIG;
	}
	cli_priv_raise(cli);
	rc = store_init(cli->conf);
	cli_priv_lower(cli);
	if (rc != MFA_OK) {
		fprintf(stderr, "pam-mfa: db init: %s\n", mfa_strerror(rc));
		return CLI_FAIL;
	}
	cli_audit("db_init", "-");
	printf("database schema version 1 in place\n");
	return CLI_OK;
}
