/*
 * helper.h - what the module and pam_mfa_helper (the setuid helper a host
 * that is not root runs instead of opening the store) say to each other:
 * one request over a socket on the helper's standard input, the verdict
 * in its exit status, the counters a log line names back over the same
 * socket.  Pure: no I/O here (helper_proto.c), both ends built together.
 */
#ifndef MFA_HELPER_H
#define MFA_HELPER_H

#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "mfa.h"

/* The operations, and nothing else: no enroll, status, unlock, listing. */
enum helper_op {
	HELPER_ATTEMPT,		/* auth_attempt with the answer */
	HELPER_PREAUTH,		/* auth_check_locked */
	HELPER_AUTHFAIL,	/* auth_fail_password */
	HELPER_META,		/* store_token_meta: enrolled? lengths */
	HELPER_OP_MAX
};

/* Bounds on each request field (bytes, without the NUL). */
#define HELPER_CONF_MAX		255
#define HELPER_SERVICE_MAX	255
#define HELPER_RHOST_MAX	255
/*
 * The request: "OP\0CONF\0USER\0SERVICE\0RHOST\0ANSWER\0", six fields,
 * each NUL-terminated; OP one of the names below; ANSWER empty but for
 * HELPER_ATTEMPT.  Anything else, longer, or with more bytes, is refused.
 */
#define HELPER_REQ_MAX	(8 + HELPER_CONF_MAX + MFA_USER_MAX + \
	HELPER_SERVICE_MAX + HELPER_RHOST_MAX + MFA_ANSWER_MAX + 6)

struct helper_req {
	enum helper_op op;
	const char *conf;	/* these point into the decoded buffer */
	const char *user;
	const char *service;	/* "" when the host set none */
	const char *rhost;	/* "" when the host set none */
	const char *answer;
	size_t answer_len;
};

/* Exit statuses besides the verdicts (helper_status_of). */
#define HELPER_EXIT_REFUSED	64	/* caller not root, not in group */
#define HELPER_EXIT_BADREQ	65	/* request malformed or refused */
#define HELPER_EXIT_NOTROOT	66	/* not running setuid root */

/* What the helper writes back after a verdict, for the module's log
 * line: never a code, secret or store contents beyond these counters. */
struct helper_reply {
	uint32_t magic;
	uint32_t fail_count;
	uint32_t locked_now;
	uint32_t backup;
	uint32_t backup_left;
	uint32_t digits;	/* HELPER_META: the token's code length */
	uint32_t backup_len;	/* HELPER_META: backup codes', 0: none */
	uint32_t lock_step;	/* the lock's step in a row (lockout.h) */
	uint32_t activated;	/* a pending token activated (pending.h) */
	int64_t locked_until;	/* locked: until when (unix time) */
};
#define HELPER_REPLY_MAGIC	0x6d666132u	/* "mfa2" */

/*
 * The request in buf (at most HELPER_REQ_MAX bytes); *len its length.
 * MFA_EINPUT if a field is too long or holds a NUL.
 */
enum mfa_err helper_req_encode(const struct helper_req *req,
    char buf[HELPER_REQ_MAX], size_t *len);
/*
 * Parse len bytes of buf into req (pointing into buf): MFA_OK only for
 * exactly six fields within bounds, a known op, and an answer present
 * for HELPER_ATTEMPT alone.  Does not judge the user or the config path.
 */
enum mfa_err helper_req_decode(const char *buf, size_t len,
    struct helper_req *req);
/* The name of an op ("attempt") for log lines; "?" if none. */
const char *helper_op_name(enum helper_op op);

/* The exit status for a verdict, and back (the table in helper_proto.c);
 * a status that names none is MFA_EINTERNAL. */
int helper_status_of(enum mfa_err err);
enum mfa_err helper_err_of(int status);

#endif
