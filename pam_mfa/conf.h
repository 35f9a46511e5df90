/*
 * conf.h - pam_mfa.conf: loaded from a root-owned file that others can't
 * write, every key checked against its bounds, unknown keys refused.
 * conf/pam_mfa.conf documents each key and its default.
 */
#ifndef MFA_CONF_H
#define MFA_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mfa.h"
#include "source.h"
#include "token.h"

enum mfa_unenrolled {
	MFA_UNENROLLED_DENY,	/* PAM_AUTH_ERR */
	MFA_UNENROLLED_IGNORE,	/* PAM_IGNORE, never PAM_SUCCESS */
};

/* How a user name becomes the store's key (account.h). */
enum mfa_user_lookup {
	MFA_LOOKUP_NSS,		/* the name service's pw_name; unknown: deny */
	MFA_LOOKUP_EXACT,	/* the name as typed, known or not */
};

enum mfa_flush {
	MFA_FLUSH_ALWAYS,	/* fdatasync every state update before answering */
	MFA_FLUSH_OS,		/* leave flushing to the kernel */
};

enum mfa_store_kind {
	MFA_STORE_FILE,		/* state_dir on this host */
	MFA_STORE_POSTGRESQL,	/* shared by several gateways (store_pgsql.c) */
};

struct mfa_conf {
	char *path;			/* the file this came from */
	char *state_dir;
	char *key_file;
	unsigned window;
	unsigned hotp_lookahead;
	enum mfa_unenrolled unenrolled;
	char **unenrolled_groups;
	size_t n_unenrolled_groups;
	enum mfa_flush state_flush;
	unsigned lock_wait_ms;
	unsigned deny;
	unsigned fail_interval;
	unsigned unlock_time;
	unsigned unlock_growth;		/* lock after lock: times longer */
	unsigned unlock_time_max;	/* cap of an escalated lock */
	unsigned fail_delay_ms;
	bool lock_message;
	char *prompt;
	char *password_prompt;
	bool prompt_echo;
	char *issuer;
	enum mfa_algo algorithm;
	unsigned digits;
	unsigned period;
	unsigned secret_bytes;
	unsigned backup_codes;		/* how many enroll makes (0..16) */
	bool self_service;		/* users may enroll themselves */
	char *admin_group;		/* helpdesk's group ("": none) */
	enum mfa_user_lookup user_lookup;
	enum mfa_store_kind store;
	char *pg_conninfo;		/* libpq string of the gateways */
	char *pg_admin_conninfo;	/* the CLI's (NULL: pg_conninfo) */
	unsigned pg_timeout_ms;		/* deadline of one attempt's store work */
	bool require_clock_sync;	/* TOTP refused while the kernel says
					 * the clock is unsynchronised */
	bool enroll_at_login;		/* a pending token's code activates it */
	unsigned pending_lifetime;	/* seconds a pending token lasts (0:
					 * for ever) */
	int64_t enroll_deadline;	/* unenrolled = "ignore" ends at this
					 * unix time (0: never) */
	unsigned pg_reuse_s;		/* idle connection kept (0: none) */
	/* Per-source throttle (source.h). */
	unsigned source_deny;		/* 0: off */
	unsigned source_interval;
	unsigned source_lock_time;
	unsigned source_ipv6_prefix;
	struct source_net *source_allow;
	size_t n_source_allow;
};

#define CONF_ERRMSG_MAX 256

/*
 * Load path (absolute).  On failure returns MFA_ECONFIG, MFA_EUNSAFE,
 * MFA_EIO or MFA_ENOMEM with a one-line explanation in errmsg that names
 * the key or line but never echoes a value.
 */
enum mfa_err conf_load(const char *path, struct mfa_conf **out,
    char errmsg[CONF_ERRMSG_MAX]);
/* Parse a config text (used by conf_load and by the fuzzer). */
enum mfa_err conf_parse(const char *text, size_t len, struct mfa_conf **out,
    char errmsg[CONF_ERRMSG_MAX]);
void conf_free(struct mfa_conf *conf);

#endif
