/*
 * cli.c - helpers shared by the pam-mfa subcommands; see cli.h.
 */
#include "config.h"

#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "cli.h"
#include "store.h"
#include "user.h"

int
cli_load_conf(struct cli *cli)
{
	char errmsg[CONF_ERRMSG_MAX];
	enum mfa_err rc;

	if ((rc = conf_load(cli->conf_path, &cli->conf, errmsg)) != MFA_OK) {
		fprintf(stderr, "pam-mfa: %s: %s\n", cli->conf_path, errmsg);
		if (rc == MFA_EUNSAFE)
			fprintf(stderr, "pam-mfa: fix with: chown root:root %s "
			    "&& chmod 0644 %s\n", cli->conf_path,
			    cli->conf_path);
		return CLI_CONFIG;
	}
	return CLI_OK;
}

int
cli_require_root(const char *cmd)
{
	if (getuid() != 0 || geteuid() != 0) {
		fprintf(stderr, "pam-mfa: %s: must be run as root\n", cmd);
		return CLI_DENIED;
	}
	return CLI_OK;
}

void
cli_error(const char *what, enum mfa_err err)
{
	fprintf(stderr, "pam-mfa: %s: %s\n", what, mfa_strerror(err));
}

void
cli_audit(const char *action, const char *user)
{
	struct passwd *pw = getpwuid(getuid());
	char by[64];

	if (pw != NULL && user_valid(pw->pw_name, strlen(pw->pw_name)))
		snprintf(by, sizeof(by), "%s", pw->pw_name);
	else
		snprintf(by, sizeof(by), "uid=%lu", (unsigned long)getuid());
	openlog("pam-mfa", LOG_PID, LOG_AUTHPRIV);
	syslog(LOG_NOTICE, "action=%s user=%s by=%s", action, user, by);
	closelog();
}

int
cli_user_arg(const char *user)
{
	if (!user_valid(user, strlen(user))) {
		fprintf(stderr, "pam-mfa: invalid user name: use 1-%d of "
		    "A-Z a-z 0-9 . _ @ -, not starting with . or -\n",
		    MFA_USER_MAX);
		return CLI_USAGE;
	}
	return CLI_OK;
}

int
cli_open_store(struct cli *cli, struct mfa_store **store)
{
	enum mfa_err rc;

	if ((rc = store_open(cli->conf, store)) != MFA_OK) {
		fprintf(stderr, "pam-mfa: state directory %s: %s\n",
		    cli->conf->state_dir, mfa_strerror(rc));
		return CLI_FAIL;
	}
	return CLI_OK;
}

int
cli_user_command(struct cli *cli, const char *name, int argc, char **argv,
    struct mfa_store **store)
{
	int ret;

	*store = NULL;
	if ((ret = cli_require_root(name)) != CLI_OK)
		return ret;
	if (argc != 2) {
		fprintf(stderr, "usage: pam-mfa %s USER\n", name);
		return CLI_USAGE;
	}
	if ((ret = cli_user_arg(argv[1])) != CLI_OK ||
	    (ret = cli_load_conf(cli)) != CLI_OK)
		return ret;
	return cli_open_store(cli, store);
}
