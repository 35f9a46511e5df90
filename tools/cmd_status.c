/*
 * cmd_status.c - pam-mfa status [USER]: one line per user, never a secret:
 * token parameters, failures, lock, last success and where from.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "lockout.h"
#include "store.h"
#include "token.h"

static void
fmt_time(char *buf, size_t len, int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (t <= 0 || gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "never");
}

static int
status_one(struct cli *cli, struct mfa_store *store, const char *user,
    int64_t now)
{
	struct lockout_policy policy = { cli->conf->deny,
	    cli->conf->fail_interval, cli->conf->unlock_time };
	char tokdesc[64], locked[64], last[32];
	struct mfa_token tok;
	struct mfa_state st;
	struct mfa_txn *txn;
	enum mfa_err rc;
	int enrolled;

	memset(&st, 0, sizeof(st));
	rc = store_token_meta(store, user, &tok);
	if (rc != MFA_OK && rc != MFA_ENOTENROLLED) {
		fprintf(stderr, "pam-mfa: status: %s: %s\n", user,
		    mfa_strerror(rc));
		return CLI_FAIL;
	}
	enrolled = rc == MFA_OK;
	if (enrolled && tok.type == MFA_TOTP)
		snprintf(tokdesc, sizeof(tokdesc), "totp/%s/%u/%u",
		    token_algo_name(tok.algo), tok.digits, tok.period);
	else if (enrolled)
		snprintf(tokdesc, sizeof(tokdesc), "hotp/%s/%u",
		    token_algo_name(tok.algo), tok.digits);
	else
		snprintf(tokdesc, sizeof(tokdesc), "-");
	if (enrolled && (tok.flags & TOKEN_F_PENDING))
		strncat(tokdesc, "/pending", sizeof(tokdesc) - strlen(tokdesc) - 1);
	token_wipe(&tok);

	rc = store_begin(store, user, NULL, &st, &txn);
	if (rc == MFA_OK)
		store_abort(txn);
	else if (rc != MFA_ENOTENROLLED) {
		fprintf(stderr, "pam-mfa: status: %s: %s\n", user,
		    mfa_strerror(rc));
		return CLI_FAIL;
	}
	if (!lockout_locked(&policy, &st, now))
		snprintf(locked, sizeof(locked), "no");
	else if (st.locked_until == STATE_LOCKED_FOREVER)
		snprintf(locked, sizeof(locked), "until_unlocked");
	else {
		char until[32];

		fmt_time(until, sizeof(until), st.locked_until);
		snprintf(locked, sizeof(locked), "until_%s", until);
	}
	fmt_time(last, sizeof(last), st.last_success);
	printf("%s enrolled=%s token=%s failures=%u locked=%s "
	    "last_success=%s last_rhost=%s\n", user, enrolled ? "yes" : "no",
	    tokdesc, (unsigned)st.fail_count, locked, last,
	    st.last_rhost[0] != '\0' ? st.last_rhost : "-");
	return CLI_OK;
}

int
cmd_status(struct cli *cli, int argc, char **argv)
{
	struct mfa_store *store = NULL;
	char **users = NULL;
	size_t n = 0, i;
	enum mfa_err rc;
	int64_t now = (int64_t)time(NULL);
	int ret;

	if ((ret = cli_require_root("status")) != CLI_OK)
		return ret;
	if (argc > 2) {
		fprintf(stderr, "usage: pam-mfa status [USER]\n");
		return CLI_USAGE;
	}
	if ((argc == 2 && (ret = cli_user_arg(argv[1])) != CLI_OK) ||
	    (ret = cli_load_conf(cli)) != CLI_OK)
		return ret;
	if ((ret = cli_open_store(cli, &store)) != CLI_OK)
		return ret;
	if (argc == 2) {
		ret = status_one(cli, store, argv[1], now);
	} else if ((rc = store_list(store, &users, &n)) != MFA_OK) {
		cli_error("status", rc);
		ret = CLI_FAIL;
	} else {
		for (i = 0; i < n; i++)
			if (status_one(cli, store, users[i], now) != CLI_OK)
				ret = CLI_FAIL;
		store_list_free(users, n);
	}
	store_close(store);
	return ret;
}
