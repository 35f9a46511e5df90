/*
 * cli.h - what the pam-mfa subcommands share: the loaded config, the root
 * check, messages on stderr, and the audit line in syslog.
 */
#ifndef MFA_CLI_H
#define MFA_CLI_H

#include "conf.h"
#include "mfa.h"

struct mfa_store;

/* Exit statuses, documented in pam-mfa(8). */
#define CLI_OK		0
#define CLI_FAIL	1	/* the operation failed */
#define CLI_USAGE	2	/* bad command line */
#define CLI_CONFIG	3	/* config missing or invalid */
#define CLI_DENIED	4	/* caller not allowed */
#define CLI_NOTFOUND	5	/* user not enrolled */

struct cli {
	const char *conf_path;
	struct mfa_conf *conf;
};

struct cli_cmd {
	const char *name;
	const char *args;
	const char *help;
	int (*run)(struct cli *, int, char **);
};

int cmd_enroll(struct cli *, int, char **);
int cmd_revoke(struct cli *, int, char **);
int cmd_check(struct cli *, int, char **);
int cmd_unlock(struct cli *, int, char **);
int cmd_status(struct cli *, int, char **);
int cmd_rekey(struct cli *, int, char **);

/* Load cli->conf; prints why and returns CLI_CONFIG on failure. */
int cli_load_conf(struct cli *cli);
/* CLI_OK if the real and effective user are root, else CLI_DENIED. */
int cli_require_root(const char *cmd);
/* "pam-mfa: what: reason" on stderr. */
void cli_error(const char *what, enum mfa_err err);
/* Audit line in syslog (LOG_AUTHPRIV): action, target user, invoker. */
void cli_audit(const char *action, const char *user);
/* Open the configured store; prints why not and returns CLI_FAIL. */
int cli_open_store(struct cli *cli, struct mfa_store **store);
/*
 * The start of a root-only command taking one USER ("pam-mfa NAME USER"):
 * the caller, the arguments, the user name, the config, the store.
 */
int cli_user_command(struct cli *cli, const char *name, int argc,
    char **argv, struct mfa_store **store);
/* Validate a user name argument; prints why not. */
int cli_user_arg(const char *user);

#endif
