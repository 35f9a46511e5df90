/*
 * cmd_sources.c - pam-mfa status --sources [--json] and pam-mfa unlock
 * --source ADDR: the per-source throttle's records (source.h), for root
 * and admin_group.  A key is printed as stored: an address or the
 * shared "non-address" key, never what a client sent.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "source.h"
#include "store.h"
#include "throttle.h"

static int
rec_cmp(const void *a, const void *b)
{
	const struct source_rec *x = a, *y = b;

	return strcmp(x->key, y->key);
}

static void
print_rec(const struct source_rec *r, int64_t now, int json, int first)
{
	char until[32], firstf[32], last[32];
	int locked = source_locked(r, now);

	cli_fmt_time(until, sizeof(until), r->locked_until);
	cli_fmt_time(firstf, sizeof(firstf), r->first_fail);
	cli_fmt_time(last, sizeof(last), r->last_fail);
	if (!json) {
		printf("%s failures=%u throttled=%s%s first_failure=%s "
		    "last_failure=%s\n", r->key, (unsigned)r->fail_count,
		    locked ? "until_" : "no", locked ? until : "", firstf,
		    last);
		return;
	}
	/* Keys are addresses or "non-address": nothing to escape. */
	printf("%s{\"source\": \"%s\", \"failures\": %u, \"throttled\": %s, "
	    "\"throttled_until\": ", first ? "\n  " : ",\n  ", r->key,
	    (unsigned)r->fail_count, locked ? "true" : "false");
	if (locked)
		printf("\"%s\"", until);
	else
		printf("null");
	printf(", \"first_failure\": \"%s\", \"last_failure\": \"%s\"}",
	    firstf, last);
}

int
cmd_status_sources(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "sources", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	struct mfa_store *store = NULL;
	struct source_policy p;
	struct source_rec *v = NULL;
	enum mfa_err rc;
	int64_t now = (int64_t)time(NULL);
	size_t n = 0, i;
	int ch, json = 0, ret;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (ch != 'j' && ch != 's')
			goto usage;
		json |= ch == 'j';
	}
	if (optind != argc)
		goto usage;
	if ((ret = cli_load_conf(cli)) != CLI_OK ||
	    (ret = cli_require_admin(cli, "status --sources")) != CLI_OK ||
	    (ret = cli_open_store(cli, &store)) != CLI_OK)
		return ret;
	throttle_policy(cli->conf, &p);
	cli_priv_raise(cli);
	rc = store_source_list(store, &p, now, &v, &n);
	cli_priv_lower(cli);
	store_close(store);
	if (rc != MFA_OK) {
		cli_error("status --sources", rc);
		return CLI_FAIL;
	}
	qsort(v, n, sizeof(*v), rec_cmp);
	if (json)
		printf("[");
	for (i = 0; i < n; i++)
		print_rec(&v[i], now, json, i == 0);
	if (json)
		printf("%s]\n", n > 0 ? "\n" : "");
	free(v);
	return CLI_OK;
usage:
	fprintf(stderr, "usage: pam-mfa status --sources [--json]\n");
	return CLI_USAGE;
}

/*
 * The key ADDR names: an IPv4 or IPv6 address in any form (an IPv6 one
 * stands for its source_ipv6_prefix network), the network as status
 * --sources prints it ("2001:db8::/64"), or "non-address".
 */
static int
source_arg(const struct mfa_conf *conf, const char *arg,
    char key[SOURCE_KEY_MAX + 1])
{
	char buf[SOURCE_KEY_MAX + 1];
	struct source src;
	char *slash;

	if (strcmp(arg, SOURCE_NONADDR) == 0) {
		snprintf(key, SOURCE_KEY_MAX + 1, "%s", SOURCE_NONADDR);
		return 0;
	}
	if (strlen(arg) >= sizeof(buf))
		return -1;
	memcpy(buf, arg, strlen(arg) + 1);
	/* "ADDR/PREFIX": the key status prints, of this prefix only. */
	if ((slash = strchr(buf, '/')) != NULL) {
		*slash = '\0';
		source_parse(buf, conf->source_ipv6_prefix, &src);
		if (src.kind != SOURCE_ADDR || src.v4 ||
		    strcmp(src.key, arg) != 0)
			return -1;
	} else {
		source_parse(buf, conf->source_ipv6_prefix, &src);
		if (src.kind != SOURCE_ADDR)
			return -1;
	}
	snprintf(key, SOURCE_KEY_MAX + 1, "%s", src.key);
	return 0;
}

int
cmd_unlock_source(struct cli *cli, int argc, char **argv)
{
	char key[SOURCE_KEY_MAX + 1];
	struct mfa_store *store = NULL;
	enum mfa_err rc;
	int ret;

	if (argc != 3) {
		fprintf(stderr, "usage: pam-mfa unlock --source ADDR\n");
		return CLI_USAGE;
	}
	if ((ret = cli_load_conf(cli)) != CLI_OK ||
	    (ret = cli_require_admin(cli, "unlock --source")) != CLI_OK)
		return ret;
	if (source_arg(cli->conf, argv[2], key) != 0) {
		fprintf(stderr, "pam-mfa: unlock --source: not an IPv4 or "
		    "IPv6 address, a network as status --sources shows it, "
		    "or \"%s\"\n", SOURCE_NONADDR);
		return CLI_USAGE;
	}
	if ((ret = cli_open_store(cli, &store)) != CLI_OK)
		return ret;
	cli_priv_raise(cli);
	rc = store_source_clear(store, key);
	cli_priv_lower(cli);
	store_close(store);
	if (rc == MFA_ENOTENROLLED) {
		printf("%s was not counted\n", key);
		return CLI_OK;
	}
	if (rc != MFA_OK) {
		cli_error("unlock --source", rc);
		return CLI_FAIL;
	}
	cli_audit("unlock_source", key);
	printf("unlocked source %s\n", key);
	return CLI_OK;
}
