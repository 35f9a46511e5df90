/*
 * cli.h - what the pam-mfa subcommands share: the caller and its
 * privileges, the loaded config, messages on stderr, prompts, and the
 * audit line in syslog.
 *
 * pam-mfa is installed setuid root so that users can manage their own
 * token (self_service), and a helpdesk group (admin_group) other users'
 * tokens within limits (cli_admin_target).  For a caller who is not root (self-service):
 *  1. the identity is the real uid's account name, never an argument or
 *     the environment, and every command acts on that account only;
 *  2. the environment is cleared, core dumps are off, fds 0-2 are open,
 *     the umask is 077, and -c is refused: the config is the compiled-in
 *     one;
 *  3. the process runs with the caller's effective uid and gid, and takes
 *     root's back (cli_priv_raise) only around the store operations, which
 *     act on the caller's own records; files the caller asked for (the QR
 *     code) are written with the caller's uid;
 *  4. the real and saved uid are root's, so the caller can't signal or
 *     trace the process; signals, resource limits and the signal mask it
 *     inherited are reset, descriptors above 2 it left open are closed,
 *     and the signals the caller can still cause (a terminal's, SIGPIPE)
 *     are held except at a prompt: no store lock is left held by a
 *     stopped process, and no change is made without its audit line.
 */
#ifndef MFA_CLI_H
#define MFA_CLI_H

#include <stdint.h>

#include "account.h"
#include "conf.h"
#include "mfa.h"

struct mfa_store;
struct mfa_token;

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
	int root;			/* the real uid is 0 */
	int setuid;			/* not root, but able to raise to it */
	char self[MFA_USER_MAX + 1];	/* the caller's account name */
	/* The account a command acts on (cli_target, cli_user_command):
	 * acct.name is the store's key; unknown: the name service doesn't
	 * know the name given, and acct.name is that name. */
	struct mfa_account acct;
	int unknown;
	/* The caller is in admin_group (cli_load_conf: the kernel's view of
	 * the setuid caller's groups); by_admin: the account acted on is
	 * someone else's, through those rights (cli_admin_target). */
	int admin;
	int by_admin;
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
int cmd_list(struct cli *, int, char **);
int cmd_backup_codes(struct cli *, int, char **);
int cmd_import(struct cli *, int, char **);
int cmd_db(struct cli *, int, char **);
int cmd_enroll_batch(struct cli *, int, char **);
int cmd_resync(struct cli *, int, char **);
int cmd_report(struct cli *, int, char **);
/* A time as status prints it: "2026-11-28T07:15:35Z", or "never". */
void cli_fmt_time(char *buf, size_t len, int64_t t);
/* fn(name, arg) for each member of group as the name service has them:
 * its listed members, then the accounts whose primary group it is; the
 * first result that is not CLI_OK ends it.  CLI_FAIL, said on stderr
 * for cmd, if there is no such group. */
int cli_group_members(const char *cmd, const char *group,
    int (*fn)(const char *, void *), void *arg);
int cmd_status_sources(struct cli *, int, char **);
int cmd_unlock_source(struct cli *, int, char **);
/* A new token for cli->acct: random id and secret (secret_bytes), bound
 * to the account; type, algorithm, digits and period as set in *tok. */
enum mfa_err enroll_new_token(struct cli *cli, struct mfa_token *tok);

/*
 * First thing in main: who the caller is, and the self-service rules
 * above.  Exits (status CLI_FAIL) if the process can't be made safe.
 */
void cli_init(struct cli *cli);
/* Effective uid root (setuid callers) for a store operation, and back. */
void cli_priv_raise(const struct cli *cli);
void cli_priv_lower(const struct cli *cli);
/*
 * The user a command acts on: for root, arg (required, validated); for
 * anyone else their own account, arg NULL or naming it, and only if the
 * config allows self-service (load the config first).  The name is
 * resolved (cli_account): *user is cli->acct.name.
 */
int cli_target(struct cli *cli, const char *cmd, const char *arg,
    const char **user);
/*
 * cli_target, and for a caller in admin_group naming another account:
 * that account, if the name service knows it and it is neither root's,
 * the caller's, nor a member of admin_group (those are root's to manage);
 * sets cli->by_admin.
 */
int cli_admin_target(struct cli *cli, const char *cmd, const char *arg,
    const char **user);
/* CLI_OK for root and for a caller in admin_group, else CLI_DENIED. */
int cli_require_admin(const struct cli *cli, const char *cmd);
/*
 * Resolve name into cli->acct as the module does (account_resolve,
 * user_lookup): every spelling the name service maps to one account
 * names that account.  A name it doesn't know sets cli->unknown and
 * keeps the name as given (a deleted account's records stay reachable:
 * the commands that make a token refuse it).  Prints why on failure.
 */
int cli_account(struct cli *cli, const char *cmd, const char *name);
/*
 * Prompt on stderr and read one line from stdin into buf (without the
 * newline).  CLI_OK, CLI_FAIL at end of input, CLI_USAGE if the line is
 * longer than size - 1 (the rest is read and dropped).
 */
int cli_prompt(const char *prompt, char *buf, size_t size);

/*
 * A user replacing their own token or backup codes proves they hold the
 * current one: a code (or a backup code) read from stdin and checked as a
 * login would be, so it is spent and a wrong one counts toward the lock.
 * CLI_OK with *proved_id the id of the token the code was from (what is
 * then replaced must still be that token), or CLI_DENIED/CLI_FAIL with
 * the reason printed and audited.
 */
int cli_current_code(struct cli *cli, struct mfa_store *store,
    const char *user, const char *action, uint64_t *proved_id);

/* Load cli->conf; prints why and returns CLI_CONFIG on failure. */
int cli_load_conf(struct cli *cli);
/* CLI_OK if the real and effective user are root, else CLI_DENIED. */
int cli_require_root(const char *cmd);
/* "pam-mfa: what: reason" on stderr, and cli_key_hint. */
void cli_error(const char *what, enum mfa_err err);
/* For an error of the key file (missing, unusable, lacking a token's
 * key): a line naming the configured key file and the way out. */
void cli_key_hint(enum mfa_err err);
/* Audit line in syslog (LOG_AUTHPRIV): action, target user, invoker. */
void cli_audit(const char *action, const char *user);
/* The same with detail (fixed fields, no secret) after by=. */
void cli_audit_detail(const char *action, const char *user,
    const char *detail);
/* Open the configured store; prints why not and returns CLI_FAIL. */
int cli_open_store(struct cli *cli, struct mfa_store **store);
/*
 * The start of a command taking one USER ("pam-mfa NAME USER") for root,
 * or for a caller in admin_group on another account (cli_admin_target):
 * the caller, the arguments, the user name, the config, the store.
 * Store operations after it go between cli_priv_raise and _lower.
 */
int cli_user_command(struct cli *cli, const char *name, int argc,
    char **argv, struct mfa_store **store);
/*
 * Whether tok is the user's active token as stored (its id and backup
 * generation): after an install that failed part way (the token written,
 * not its state), its backup codes are live and must be shown.  Call
 * raised.
 */
int cli_token_is(struct mfa_store *store, const char *user,
    const struct mfa_token *tok);
/*
 * pam-mfa check's second half: open every token and pending token with
 * the key ring; each that doesn't open is named on stderr (user, which,
 * reason) and makes it CLI_FAIL.  Root only.
 */
int cli_check_tokens(struct cli *cli);
/* Validate a user name argument; prints why not. */
int cli_user_arg(const char *user);

#endif
