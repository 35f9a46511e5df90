/*
 * check_tokens.c - pam-mfa check, the store's part: every token and
 * pending token opened with the key ring, as a login or a confirmation
 * would open it, so that a lost, wrong or unusable key file is found by
 * the admin before a user finds it at the VPN.  Read-only; each secret
 * opened is wiped at once.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>

#include "cli.h"
#include "store.h"
#include "token.h"

/* Open one record; 1 if it opens or there is none, else 0 (reported). */
static int
check_one(struct mfa_store *store, const char *user, int pending,
    size_t *count, enum mfa_err *key_err)
{
	struct mfa_token tok;
	enum mfa_err rc;
	uint32_t key_id = 0;

	rc = pending ? store_pending_meta(store, user, &tok) :
	    store_token_meta(store, user, &tok);
	if (rc == MFA_ENOTENROLLED)
		return 1;
	(*count)++;
	if (rc == MFA_OK) {
		key_id = tok.key_id;
		rc = store_unseal(store, user, &tok);
	}
	token_wipe(&tok);
	if (rc == MFA_OK)
		return 1;
	if (rc == MFA_EKEYUNKNOWN)
		fprintf(stderr, "pam-mfa: check: %s: %s does not open: %s "
		    "(key id %lu)\n", user, pending ? "pending token" : "token",
		    mfa_reason(rc), (unsigned long)key_id);
	else
		fprintf(stderr, "pam-mfa: check: %s: %s does not open: %s\n",
		    user, pending ? "pending token" : "token", mfa_reason(rc));
	if (*key_err == MFA_OK && (rc == MFA_EKEYMISSING ||
	    rc == MFA_EKEYUNREADABLE || rc == MFA_EKEYUNKNOWN))
		*key_err = rc;
	return 0;
}

int
cli_check_tokens(struct cli *cli)
{
	struct mfa_store *store = NULL;
	enum mfa_err rc, key_err = MFA_OK;
	char **users = NULL;
	size_t n = 0, i, ntok = 0, npend = 0, bad = 0;
	struct stat sb;

	if (cli->conf->store == MFA_STORE_POSTGRESQL) {
		/* As pam-mfa's role (the gateways' can't read pending
		 * tokens), connected at once: a database that can't be
		 * reached is a failure, never "nobody enrolled". */
		if (cli_open_store(cli, &store) != CLI_OK)
			return CLI_FAIL;
	} else if ((rc = store_open(cli->conf, &store)) != MFA_OK) {
		if (lstat(cli->conf->state_dir, &sb) != 0 && errno == ENOENT)
			return CLI_OK;	/* nobody enrolled yet */
		fprintf(stderr, "pam-mfa: check: state directory %s: %s\n",
		    cli->conf->state_dir, mfa_strerror(rc));
		return CLI_FAIL;
	}
	if ((rc = store_list(store, &users, &n)) != MFA_OK) {
		cli_error("check", rc);
		store_close(store);
		return CLI_FAIL;
	}
	for (i = 0; i < n; i++) {
		bad += !check_one(store, users[i], 0, &ntok, &key_err);
		bad += !check_one(store, users[i], 1, &npend, &key_err);
	}
	store_list_free(users, n);
	store_close(store);
	if (bad > 0) {
		fprintf(stderr, "pam-mfa: check: %zu of %zu tokens and pending "
		    "tokens do not open with the key file %s\n", bad,
		    ntok + npend, cli->conf->key_file);
		cli_key_hint(key_err);
		return CLI_FAIL;
	}
	fprintf(stderr, "pam-mfa: check: %zu tokens and %zu pending tokens "
	    "open with the key file %s\n", ntok, npend, cli->conf->key_file);
	return CLI_OK;
}
