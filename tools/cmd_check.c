/*
 * cmd_check.c - pam-mfa check: validate the config as the module would and
 * print the effective value of every key, in pam_mfa.conf syntax; then
 * open every token with the key ring (check_tokens.c).
 * pam-mfa check --pam FILE: one line per way the PAM service FILE lets a
 * login through without a code (pamlint.h), exit 1 if there is any.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "pamlint.h"
#include "token.h"

/* s with anything but printable ASCII shown as '?': a pam.d file's
 * bytes never drive the terminal. */
static void
print_safe(const char *s)
{
	for (; *s != '\0'; s++)
		putchar(*s >= 0x20 && *s < 0x7f ? *s : '?');
}

static void
print_finding(void *arg, const char *file, unsigned line, const char *what)
{
	(void)arg;
	print_safe(file);
	if (line != 0)
		printf(":%u", line);
	printf(": ");
	print_safe(what);
	putchar('\n');
}

/* The stack is only read: the config is named (-c), never loaded. */
static int
check_pam(struct cli *cli, const char *path)
{
	unsigned n;

	n = pamlint_check(path, cli->conf_path, print_finding, NULL);
	if (n == 0)
		printf("# %s: no way through without a code found\n", path);
	if (fflush(stdout) != 0)
		return CLI_FAIL;
	if (n > 0)
		fprintf(stderr, "pam-mfa: check: %s: %u finding%s\n", path, n,
		    n == 1 ? "" : "s");
	return n == 0 ? CLI_OK : CLI_FAIL;
}

static const char *
yesno(bool b)
{
	return b ? "true" : "false";
}

/* enroll_deadline as written: the day before the instant it ends at. */
static void
fmt_deadline(char *buf, size_t len, int64_t t)
{
	struct tm tm;
	time_t day = (time_t)(t - 86400);

	buf[0] = '\0';
	if (t > 0 && gmtime_r(&day, &tm) != NULL)
		(void)strftime(buf, len, "%Y-%m-%d", &tm);
}

int
cmd_check(struct cli *cli, int argc, char **argv)
{
	char deadline[32];
	const struct mfa_conf *c;
	size_t i;
	int ret;

	if ((ret = cli_require_root("check")) != CLI_OK)
		return ret;
	if (argc == 3 && strcmp(argv[1], "--pam") == 0 && argv[2][0] != '\0')
		return check_pam(cli, argv[2]);
	if (argc != 1) {
		fprintf(stderr, "usage: pam-mfa check [--pam FILE]\n");
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
	printf("require_clock_sync = %s;\n", yesno(c->require_clock_sync));
	printf("unenrolled = \"%s\";\n",
	    c->unenrolled == MFA_UNENROLLED_DENY ? "deny" : "ignore");
	printf("unenrolled_groups = [");
	for (i = 0; i < c->n_unenrolled_groups; i++)
		printf("%s \"%s\"", i ? "," : "", c->unenrolled_groups[i]);
	printf(" ];\n");
	printf("deny = %u;\n", c->deny);
	printf("fail_interval = %u;\n", c->fail_interval);
	printf("unlock_time = %u;\n", c->unlock_time);
	printf("unlock_growth = %u;\n", c->unlock_growth);
	printf("unlock_time_max = %u;\n", c->unlock_time_max);
	printf("fail_delay_ms = %u;\n", c->fail_delay_ms);
	printf("lock_message = %s;\n", yesno(c->lock_message));
	printf("source_deny = %u;\n", c->source_deny);
	printf("source_interval = %u;\n", c->source_interval);
	printf("source_lock_time = %u;\n", c->source_lock_time);
	printf("source_allow = [");
	for (i = 0; i < c->n_source_allow; i++) {
		char net[64];

		source_net_format(&c->source_allow[i], net, sizeof(net));
		printf("%s \"%s\"", i ? "," : "", net);
	}
	printf(" ];\n");
	printf("source_ipv6_prefix = %u;\n", c->source_ipv6_prefix);
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
	printf("admin_group = \"%s\";\n", c->admin_group);
	printf("user_lookup = \"%s\";\n",
	    c->user_lookup == MFA_LOOKUP_NSS ? "nss" : "exact");
	printf("enroll_at_login = %s;\n", yesno(c->enroll_at_login));
	printf("pending_lifetime = %u;\n", c->pending_lifetime);
	fmt_deadline(deadline, sizeof(deadline), c->enroll_deadline);
	printf("enroll_deadline = \"%s\";\n", deadline);
	if (c->store == MFA_STORE_POSTGRESQL) {
		printf("store = \"postgresql\";\n");
		printf("pg_conninfo = \"%s\";\n", c->pg_conninfo);
		if (c->pg_admin_conninfo != NULL)
			printf("pg_admin_conninfo = \"%s\";\n",
			    c->pg_admin_conninfo);
		printf("pg_timeout_ms = %u;\n", c->pg_timeout_ms);
	}
	if (fflush(stdout) != 0)
		return CLI_FAIL;
	return cli_check_tokens(cli);
}
