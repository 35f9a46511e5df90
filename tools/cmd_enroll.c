/*
 * cmd_enroll.c - pam-mfa enroll: a new token with a random secret, saved
 * for the module, shown once as an otpauth:// URI.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "crypto.h"
#include "store.h"
#include "token.h"
#include "uri.h"

static int
parse_opts(struct cli *cli, int argc, char **argv, struct mfa_token *tok,
    int *force)
{
	int ch;

	tok->type = MFA_TOTP;
	tok->algo = cli->conf->algorithm;
	tok->digits = cli->conf->digits;
	tok->period = cli->conf->period;
	*force = 0;
	while ((ch = getopt(argc, argv, "t:a:d:p:f")) != -1) {
		switch (ch) {
		case 't':
			if (strcmp(optarg, "totp") == 0)
				tok->type = MFA_TOTP;
			else if (strcmp(optarg, "hotp") == 0)
				tok->type = MFA_HOTP;
			else
				goto bad;
			break;
		case 'a':
			if ((tok->algo = token_algo_parse(optarg)) == 0)
				goto bad;
			break;
		case 'd':
			if (strcmp(optarg, "6") == 0)
				tok->digits = 6;
			else if (strcmp(optarg, "8") == 0)
				tok->digits = 8;
			else
				goto bad;
			break;
		case 'p':
			if (strcmp(optarg, "30") == 0)
				tok->period = 30;
			else if (strcmp(optarg, "60") == 0)
				tok->period = 60;
			else
				goto bad;
			break;
		case 'f':
			*force = 1;
			break;
		default:
			goto bad;
		}
	}
	if (tok->type == MFA_HOTP && tok->algo != MFA_SHA1) {
		fprintf(stderr, "pam-mfa: enroll: HOTP is defined for SHA1 "
		    "only (RFC 4226)\n");
		return CLI_USAGE;
	}
	if (optind != argc - 1)
		goto bad;
	return CLI_OK;
bad:
	fprintf(stderr, "usage: pam-mfa enroll [-t totp|hotp] "
	    "[-a SHA1|SHA256|SHA512] [-d 6|8] [-p 30|60] [-f] USER\n");
	return CLI_USAGE;
}

int
cmd_enroll(struct cli *cli, int argc, char **argv)
{
	struct mfa_store *store = NULL;
	struct mfa_token tok, old;
	enum mfa_err rc;
	const char *user;
	char *uri = NULL;
	int force, ret;

	memset(&tok, 0, sizeof(tok));
	if ((ret = cli_require_root("enroll")) != CLI_OK ||
	    (ret = cli_load_conf(cli)) != CLI_OK ||
	    (ret = parse_opts(cli, argc, argv, &tok, &force)) != CLI_OK)
		return ret;
	user = argv[argc - 1];
	if ((ret = cli_user_arg(user)) != CLI_OK)
		return ret;

	ret = CLI_FAIL;
	if ((rc = store_create(cli->conf)) != MFA_OK ||
	    (rc = store_open(cli->conf, &store)) != MFA_OK) {
		fprintf(stderr, "pam-mfa: state directory %s: %s\n",
		    cli->conf->state_dir, mfa_strerror(rc));
		goto out;
	}
	rc = store_token_meta(store, user, &old);
	token_wipe(&old);
	if (rc == MFA_OK && !force) {
		fprintf(stderr, "pam-mfa: enroll: %s is already enrolled; "
		    "use -f to replace the token\n", user);
		goto out;
	}
	if (rc != MFA_OK && rc != MFA_ENOTENROLLED) {
		cli_error("reading the current token", rc);
		goto out;
	}

	tok.secret_len = cli->conf->secret_bytes;
	tok.created = (int64_t)time(NULL);
	do {
		if ((rc = crypto_random(&tok.id, sizeof(tok.id))) != MFA_OK)
			break;
	} while (tok.id == 0);
	if (rc == MFA_OK)
		rc = crypto_random(tok.secret, tok.secret_len);
	if (rc == MFA_OK)
		rc = uri_otpauth(cli->conf->issuer, user, &tok, &uri);
	if (rc == MFA_OK)
		rc = store_token_put(store, user, &tok);
	if (rc != MFA_OK) {
		cli_error("enroll", rc);
		goto out;
	}
	cli_audit(force ? "enroll_replace" : "enroll", user);
	printf("%s\n", uri);
	ret = fflush(stdout) == 0 ? CLI_OK : CLI_FAIL;
out:
	if (uri != NULL) {
		crypto_wipe(uri, strlen(uri));
		free(uri);
	}
	token_wipe(&tok);
	store_close(store);
	return ret;
}
