/*
 * mfa.h - error codes and limits shared by every part of pam_mfa.
 * The core returns these codes and never logs; the edges (the PAM glue and
 * the CLI) turn them into syslog lines, PAM codes and exit statuses.
 */
#ifndef MFA_H
#define MFA_H

#include <stddef.h>

enum mfa_err {
	MFA_OK = 0,
	MFA_EINTERNAL,		/* bug or unexpected library failure */
	MFA_ENOMEM,		/* allocation failed */
	MFA_EINPUT,		/* hostile or malformed client input */
	MFA_ENOTENROLLED,	/* no token for this user */
	MFA_EBADCODE,		/* code does not match any allowed step */
	MFA_EREPLAY,		/* code matches an already used step */
	MFA_ELOCKED,		/* user is locked out */
	MFA_ECONFIG,		/* configuration missing, unsafe or invalid */
	MFA_EUNSAFE,		/* file or directory fails ownership/mode checks */
	MFA_ECORRUPT,		/* record fails its checksum or format checks */
	MFA_EVERSION,		/* record written by a newer version */
	MFA_EIO,		/* read, write or flush failed */
	MFA_EBUSY,		/* lock not obtained in bounded time */
	MFA_EEXIST,		/* object already exists */
	MFA_ECLOCK,		/* clock unreadable or before the epoch */
	MFA_ECRYPTO,		/* random or cryptographic primitive failed */
	MFA_EPASSWORD,		/* the password module refused (authfail) */
	MFA_ENOUSER,		/* the name service knows no such user */
	MFA_EUID,		/* the token is another uid's: name reused */
	MFA_ENSS,		/* the name service lookup failed */
	MFA_EKEYMISSING,	/* the key file does not exist */
	MFA_EKEYUNREADABLE,	/* the key file exists but can't be used */
	MFA_EKEYUNKNOWN,	/* the token's key id is not in the key file */
	MFA_ECONFLICT,		/* a concurrent attempt changed the state first:
				 * run the attempt again (shared stores) */
	MFA_EUNAVAIL,		/* shared store down, unreachable, read-only
				 * or refusing the statement */
	MFA_ETIMEOUT,		/* shared store did not answer in time */
	MFA_EUNKNOWN,		/* connection lost after a write was sent:
				 * whether it happened is unknown */
	MFA_EUNSYNCED,		/* require_clock_sync: the kernel says the
				 * clock is not synchronised (clock.h) */
	MFA_EEXPIRED,		/* the pending token outlived pending_lifetime */
	MFA_EDEADLINE,		/* unenrolled after enroll_deadline */
	MFA_ESOURCE,		/* the source is throttled (source.h) */
	MFA_ERR_MAX
};

/* Short, fixed, log-friendly reason for an error ("bad_code"). */
const char *mfa_reason(enum mfa_err err);
/* Human-readable description for the CLI. */
const char *mfa_strerror(enum mfa_err err);

/* Limits on what a client may send; anything longer is refused. */
#define MFA_USER_MAX	128	/* bytes in a user name, without NUL */
#define MFA_CODE_MAX	8	/* digits in a one-time code */
#define MFA_ANSWER_MAX	11	/* a code or a backup code ("12345-67890") */
#define MFA_INPUT_MAX	512	/* bytes accepted from one conversation reply */

/* Limits on what the admin may configure or enroll. */
#define MFA_SECRET_MIN	16	/* bytes: 128 bits, RFC 4226 minimum */
#define MFA_SECRET_MAX	64	/* bytes: one SHA-512 block */
#define MFA_RHOST_MAX	63	/* bytes of PAM_RHOST kept in the state record */

#endif
