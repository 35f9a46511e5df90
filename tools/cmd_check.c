/*
 * cmd_check.c - pam-mfa check: validate the config as the module would and
 * print the effective value of every key, in pam_mfa.conf syntax.
 */
#include "config.h"

#include <stdio.h>

#include "cli.h"
#include "token.h"

static const char *
yesno(bool b)
{
	return b ? "true" : "false";
}

int
cmd_check(struct cli *cli, int argc, char **argv)
{
	const struct mfa_conf *c;
	size_t i;
	int ret;

	(void)argv;
	if ((ret = cli_require_root("check")) != CLI_OK)
		return ret;
	if (argc != 1) {
		fprintf(stderr, "usage: pam-mfa check\n");
		return CLI_USAGE;
	}
	if ((ret = cli_load_conf(cli)) != CLI_OK)
		return ret;
	c = cli->conf;
	printf("# %s: valid\n", cli->conf_path);
	printf("state_dir = \"%s\";\n", c->state_dir);
	printf("key_file = \"%s\";\n", c->key_file);
	printf("state_flush = \"%s\";\n",
	    c->state_flush == MFA_FLUSH_ALWAYS ? "always" : "os");
	printf("lock_wait_ms = %u;\n", c->lock_wait_ms);
	printf("window = %u;\n", c->window);
	printf("hotp_lookahead = %u;\n", c->hotp_lookahead);
	printf("unenrolled = \"%s\";\n",
	    c->unenrolled == MFA_UNENROLLED_DENY ? "deny" : "ignore");
	printf("unenrolled_groups = [");
	for (i = 0; i < c->n_unenrolled_groups; i++)
		printf("%s \"%s\"", i ? "," : "", c->unenrolled_groups[i]);
	printf(" ];\n");
	printf("deny = %u;\n", c->deny);
	printf("fail_interval = %u;\n", c->fail_interval);
	printf("unlock_time = %u;\n", c->unlock_time);
	printf("fail_delay_ms = %u;\n", c->fail_delay_ms);
	printf("lock_message = %s;\n", yesno(c->lock_message));
	printf("prompt = \"%s\";\n", c->prompt);
	printf("prompt_echo = %s;\n", yesno(c->prompt_echo));
	printf("password_prompt = \"%s\";\n", c->password_prompt);
	printf("issuer = \"%s\";\n", c->issuer);
	printf("algorithm = \"%s\";\n", token_algo_name(c->algorithm));
	printf("digits = %u;\n", c->digits);
	printf("period = %u;\n", c->period);
	printf("secret_bytes = %u;\n", c->secret_bytes);
	printf("backup_codes = %u;\n", c->backup_codes);
	printf("self_service = %s;\n", yesno(c->self_service));
	if (c->store == MFA_STORE_POSTGRESQL) {
		printf("store = \"postgresql\";\n");
		printf("pg_conninfo = \"%s\";\n", c->pg_conninfo);
		if (c->pg_admin_conninfo != NULL)
			printf("pg_admin_conninfo = \"%s\";\n",
			    c->pg_admin_conninfo);
		printf("pg_timeout_ms = %u;\n", c->pg_timeout_ms);
	}
	return fflush(stdout) == 0 ? CLI_OK : CLI_FAIL;
}
