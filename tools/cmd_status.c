/*
 * cmd_status.c - pam-mfa status [--json] [USER] and pam-mfa list: what an
 * admin (or a user, about themselves) needs to know, never a secret: the
 * token's parameters, whether one is pending, backup codes left,
 * failures, lock, last success and where from, and the uid the token is
 * bound to ("-": none, checked by name alone; account.h).
 *
 * The remote host was sent by a client (sshd's reverse DNS, for one): it
 * is printed with anything but printable ASCII replaced, and escaped in
 * JSON, so it can't drive the terminal.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "account.h"
#include "backup.h"
#include "cli.h"
#include "lockout.h"
#include "pending.h"
#include "store.h"
#include "token.h"

struct status {
	int active, pending;
	int pend_expired;		/* past pending_lifetime (pending.h) */
	enum mfa_err tok_err;		/* why the active one doesn't open */
	enum mfa_err pend_err;		/* why the pending one doesn't */
	struct mfa_token tok;		/* the active one, sealed */
	struct mfa_state st;
	unsigned backup_left;
	int locked;
};

static enum mfa_err
status_read(struct cli *cli, struct mfa_store *store, const char *user,
    int64_t now, struct status *s)
{
	struct lockout_policy policy = { cli->conf->deny,
	    cli->conf->fail_interval, cli->conf->unlock_time,
	    cli->conf->unlock_growth, cli->conf->unlock_time_max };
	struct mfa_token pend, copy;
	struct mfa_txn *txn;
	enum mfa_err rc;

	memset(s, 0, sizeof(*s));
	cli_priv_raise(cli);
	rc = store_pending_meta(store, user, &pend);
	/* An unreadable pending token is still a pending token.  Each
	 * token is opened with the key ring, as a login or a confirmation
	 * would, to show one that can't be (its secret wiped at once). */
	s->pending = rc != MFA_ENOTENROLLED;
	if (rc == MFA_OK)
		rc = store_unseal(store, user, &pend);
	s->pend_err = s->pending ? rc : MFA_OK;
	/* Its creation time as the unseal authenticated it. */
	s->pend_expired = rc == MFA_OK && pending_expired(cli->conf, &pend,
	    now);
	token_wipe(&pend);
	rc = store_begin(store, user, &s->tok, &s->st, &txn);
	if (rc == MFA_OK) {
		store_abort(txn);
		s->active = 1;
		copy = s->tok;
		s->tok_err = store_unseal(store, user, &copy);
		token_wipe(&copy);
	} else if (rc == MFA_ENOTENROLLED) {
		/* No token: the state may still hold failures. */
		rc = store_begin(store, user, NULL, &s->st, &txn);
		if (rc == MFA_OK)
			store_abort(txn);
	}
	cli_priv_lower(cli);
	if (rc != MFA_OK && rc != MFA_ENOTENROLLED)
		return rc;
	if (s->active)
		s->backup_left = backup_left(&s->tok, s->st.backup_used);
	s->locked = lockout_locked(&policy, &s->st, now);
	return MFA_OK;
}

/* rhost as printable ASCII, for the terminal. */
static void
safe_text(char *out, size_t len, const char *in)
{
	size_t i;

	for (i = 0; i + 1 < len && in[i] != '\0'; i++)
		out[i] = in[i] > 0x20 && in[i] < 0x7f ? in[i] : '?';
	out[i] = '\0';
}

static void
print_text(const char *user, const struct status *s)
{
	char tokdesc[64], locked[64], last[32], host[MFA_RHOST_MAX + 1];
	char uid[16];

	if (s->active && s->tok.type == MFA_TOTP)
		snprintf(tokdesc, sizeof(tokdesc), "totp/%s/%u/%u",
		    token_algo_name(s->tok.algo), s->tok.digits,
		    s->tok.period);
	else if (s->active)
		snprintf(tokdesc, sizeof(tokdesc), "hotp/%s/%u",
		    token_algo_name(s->tok.algo), s->tok.digits);
	else
		snprintf(tokdesc, sizeof(tokdesc), "-");
	if (!s->locked)
		snprintf(locked, sizeof(locked), "no");
	else if (s->st.locked_until == STATE_LOCKED_FOREVER)
		snprintf(locked, sizeof(locked), "until_unlocked");
	else {
		char until[32];

		cli_fmt_time(until, sizeof(until), s->st.locked_until);
		snprintf(locked, sizeof(locked), "until_%s", until);
	}
	cli_fmt_time(last, sizeof(last), s->st.last_success);
	safe_text(host, sizeof(host), s->st.last_rhost);
	if (s->active && (s->tok.flags & TOKEN_F_UID))
		snprintf(uid, sizeof(uid), "%lu", (unsigned long)s->tok.uid);
	else
		snprintf(uid, sizeof(uid), "-");
	printf("%s enrolled=%s pending=%s token=%s backup_codes=%u/%u "
	    "failures=%u locked=%s lock_step=%u last_success=%s "
	    "last_rhost=%s uid=%s",
	    user, s->active ? "yes" : "no", s->pend_expired ? "expired" :
	    s->pending ? "yes" : "no", tokdesc, s->backup_left,
	    s->active ? s->tok.backup_count : 0,
	    (unsigned)s->st.fail_count, locked, (unsigned)s->st.lock_step,
	    last,
	    host[0] != '\0' ? host : "-", uid);
	/* Only for a resynchronised token (resync.h). */
	if (s->active && s->tok.totp_offset != 0)
		printf(" totp_offset=%+d", (int)s->tok.totp_offset);
	/* Only for a token that doesn't open, so a healthy line is as it
	 * always was. */
	if (s->tok_err != MFA_OK)
		printf(" token_error=%s", mfa_reason(s->tok_err));
	if (s->pend_err != MFA_OK)
		printf(" pending_error=%s", mfa_reason(s->pend_err));
	putchar('\n');
}

/* A JSON string: quotes, backslashes and every byte outside printable
 * ASCII escaped, so the output is valid whatever the bytes. */
static void
json_string(const char *s)
{
	putchar('"');
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void
json_time(const char *key, int64_t t)
{
	char buf[32];

	printf(", \"%s\": ", key);
	if (t <= 0) {
		printf("null");
		return;
	}
	cli_fmt_time(buf, sizeof(buf), t);
	json_string(buf);
}

static void
print_json(const char *user, const struct status *s)
{
	printf("{\"user\": ");
	json_string(user);
	printf(", \"enrolled\": %s, \"pending\": %s", s->active ?
	    "true" : "false", s->pending ? "true" : "false");
	/* Only for an expired one, so other lines are as they were. */
	if (s->pend_expired)
		printf(", \"pending_expired\": true");
	if (s->active) {
		printf(", \"type\": \"%s\", \"algorithm\": \"%s\", "
		    "\"digits\": %u", s->tok.type == MFA_TOTP ? "totp" :
		    "hotp", token_algo_name(s->tok.algo), s->tok.digits);
		if (s->tok.type == MFA_TOTP)
			printf(", \"period\": %u", s->tok.period);
		/* pam-mfa resync's, only when there is one. */
		if (s->tok.totp_offset != 0)
			printf(", \"totp_offset\": %d",
			    (int)s->tok.totp_offset);
		json_time("created", s->tok.created);
		printf(", \"backup_codes_left\": %u, \"backup_codes\": %u",
		    s->backup_left, s->tok.backup_count);
	}
	printf(", \"failures\": %u, \"locked\": %s",
	    (unsigned)s->st.fail_count, s->locked ? "true" : "false");
	if (s->locked && s->st.locked_until != STATE_LOCKED_FOREVER)
		json_time("locked_until", s->st.locked_until);
	else
		printf(", \"locked_until\": %s", s->locked ? "\"unlock\"" :
		    "null");
	printf(", \"lock_step\": %u", (unsigned)s->st.lock_step);
	json_time("last_success", s->st.last_success);
	printf(", \"last_rhost\": ");
	if (s->st.last_rhost[0] != '\0')
		json_string(s->st.last_rhost);
	else
		printf("null");
	json_time("last_failure", s->st.last_fail);
	if (s->active && (s->tok.flags & TOKEN_F_UID))
		printf(", \"uid\": %lu", (unsigned long)s->tok.uid);
	else
		printf(", \"uid\": null");
	if (s->tok_err != MFA_OK)
		printf(", \"token_error\": \"%s\"", mfa_reason(s->tok_err));
	if (s->pend_err != MFA_OK)
		printf(", \"pending_error\": \"%s\"",
		    mfa_reason(s->pend_err));
	printf("}");
}

/* A token that doesn't open: shown, said on stderr, and a failure;
 * *key_err keeps the first error of the key file, for one hint. */
static int
status_err(const char *user, const char *which, enum mfa_err err,
    enum mfa_err *key_err)
{
	if (err == MFA_OK)
		return CLI_OK;
	fprintf(stderr, "pam-mfa: status: %s: the %s can't be opened: %s\n",
	    user, which, mfa_strerror(err));
	if (*key_err == MFA_OK && (err == MFA_EKEYMISSING ||
	    err == MFA_EKEYUNREADABLE || err == MFA_EKEYUNKNOWN))
		*key_err = err;
	return CLI_FAIL;
}

static int
status_one(struct cli *cli, struct mfa_store *store, const char *user,
    int64_t now, int json, int first, enum mfa_err *key_err)
{
	struct status s;
	enum mfa_err rc;
	int ret = CLI_OK;

	if ((rc = status_read(cli, store, user, now, &s)) != MFA_OK) {
		fprintf(stderr, "pam-mfa: status: %s: %s\n", user,
		    mfa_strerror(rc));
		token_wipe(&s.tok);
		return CLI_FAIL;
	}
	if (json) {
		printf("%s", first ? "\n  " : ",\n  ");
		print_json(user, &s);
	} else {
		print_text(user, &s);
	}
	token_wipe(&s.tok);
	if (status_err(user, "token", s.tok_err, key_err) != CLI_OK)
		ret = CLI_FAIL;
	if (status_err(user, "pending token", s.pend_err, key_err) != CLI_OK)
		ret = CLI_FAIL;
	return ret;
}

int
cmd_status(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct mfa_store *store = NULL;
	char **users = NULL;
	const char *user = NULL;
	size_t n = 0, i;
	enum mfa_err rc, key_err = MFA_OK;
	int64_t now = (int64_t)time(NULL);
	int ch, json = 0, ret, all;

	for (i = 1; i < (size_t)argc; i++)
		if (strcmp(argv[i], "--sources") == 0)
			return cmd_status_sources(cli, argc, argv);
	while ((ch = getopt_long(argc, argv, "j", longopts, NULL)) != -1) {
		if (ch != 'j') {
			fprintf(stderr, "usage: pam-mfa status [--json] "
			    "[USER]\n");
			return CLI_USAGE;
		}
		json = 1;
	}
	if (optind < argc - 1) {
		fprintf(stderr, "usage: pam-mfa status [--json] [USER]\n");
		return CLI_USAGE;
	}
	if ((ret = cli_load_conf(cli)) != CLI_OK)
		return ret;
	/* Root or admin_group without a name: everyone.  Anyone else:
	 * themselves; admin_group: others too (cli_admin_target). */
	all = (cli->root || cli->admin) && optind == argc;
	if (!all && (ret = cli_admin_target(cli, "status",
	    optind == argc - 1 ? argv[optind] : NULL, &user)) != CLI_OK)
		return ret;
	if ((ret = cli_open_store(cli, &store)) != CLI_OK)
		return ret;
	if (json)
		printf("[");
	if (!all) {
		ret = status_one(cli, store, user, now, json, 1, &key_err);
	} else {
		cli_priv_raise(cli);
		rc = store_list(store, &users, &n);
		cli_priv_lower(cli);
		if (rc != MFA_OK) {
			cli_error("status", rc);
			ret = CLI_FAIL;
		}
		for (i = 0; i < n; i++)
			if (status_one(cli, store, users[i], now, json,
			    i == 0, &key_err) != CLI_OK)
				ret = CLI_FAIL;
		store_list_free(users, n);
	}
	if (json)
		printf("\n]\n");
	if (fflush(stdout) != 0)
		ret = CLI_FAIL;
	cli_key_hint(key_err);
	cli_priv_raise(cli);
	store_close(store);
	cli_priv_lower(cli);
	return ret;
}

/* What logins under this stored name reach (user_lookup): "" if its own
 * account's name, else " account=NAME" (a token enrolled under another
 * spelling, which logins no longer find) or " unknown_user". */
static const char *
list_account(const struct cli *cli, const char *user, char *buf, size_t len)
{
	struct mfa_account acct;
	enum mfa_err rc;

	rc = account_resolve(user, cli->conf->user_lookup, &acct);
	if (rc == MFA_ENOUSER)
		return " unknown_user";
	if (rc != MFA_OK || strcmp(acct.name, user) == 0)
		return "";
	snprintf(buf, len, " account=%s", acct.name);
	return buf;
}

int
cmd_list(struct cli *cli, int argc, char **argv)
{
	char acctbuf[MFA_USER_MAX + 16];
	struct mfa_store *store = NULL;
	struct mfa_token tok;
	char **users = NULL;
	size_t n = 0, i;
	enum mfa_err rc, prc;
	int64_t now;
	int ret, expired;

	(void)argv;
	/* Root, or admin_group through the setuid copy. */
	if (!cli->setuid && (ret = cli_require_root("list")) != CLI_OK)
		return ret;
	if (argc != 1) {
		fprintf(stderr, "usage: pam-mfa list\n");
		return CLI_USAGE;
	}
	if ((ret = cli_load_conf(cli)) != CLI_OK ||
	    (ret = cli_require_admin(cli, "list")) != CLI_OK ||
	    (ret = cli_open_store(cli, &store)) != CLI_OK)
		return ret;
	cli_priv_raise(cli);
	rc = store_list(store, &users, &n);
	cli_priv_lower(cli);
	if (rc != MFA_OK) {
		cli_error("list", rc);
		cli_priv_raise(cli);
		store_close(store);
		cli_priv_lower(cli);
		return CLI_FAIL;
	}
	now = (int64_t)time(NULL);
	for (i = 0; i < n; i++) {
		cli_priv_raise(cli);
		rc = store_token_meta(store, users[i], &tok);
		token_wipe(&tok);
		prc = store_pending_meta(store, users[i], &tok);
		cli_priv_lower(cli);
		/* Its creation time as read (status opens it). */
		expired = prc == MFA_OK && pending_expired(cli->conf, &tok,
		    now);
		token_wipe(&tok);
		printf("%s %s%s%s%s\n", users[i],
		    rc == MFA_OK ? "active" : rc == MFA_ENOTENROLLED ? "" :
		    "unreadable",
		    rc != MFA_ENOTENROLLED && prc != MFA_ENOTENROLLED ? "+" :
		    "", expired ? "expired_pending" : prc == MFA_OK ? "pending" :
		    prc == MFA_ENOTENROLLED ? "" : "unreadable_pending",
		    list_account(cli, users[i], acctbuf, sizeof(acctbuf)));
		if ((rc != MFA_OK && rc != MFA_ENOTENROLLED) ||
		    (prc != MFA_OK && prc != MFA_ENOTENROLLED))
			ret = CLI_FAIL;
	}
	store_list_free(users, n);
	cli_priv_raise(cli);
	store_close(store);
	cli_priv_lower(cli);
	return fflush(stdout) == 0 ? ret : CLI_FAIL;
}
