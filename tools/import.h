/*
 * import.h - parsers for the files of the modules pam-mfa import migrates
 * from: google-authenticator-libpam's per-user file and a pam_oath
 * (liboath) users file.  Pure: text in, a token out; no files, no
 * printing.  The input is hostile (users wrote it): lengths are bounded,
 * a NUL or anything unexpected refuses the whole token with a reason, and
 * the reason and warnings are built from fixed text and parsed numbers
 * only, never from the input's bytes, so they hold no secret.
 */
#ifndef MFA_IMPORT_H
#define MFA_IMPORT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "backup.h"
#include "mfa.h"
#include "token.h"

#define IMPORT_GOOGLE_MAX	(64 * 1024)	/* bytes: the module's limit */
#define IMPORT_LINE_MAX		2048		/* bytes in one line */
#define IMPORT_COUNTER_MAX	UINT32_MAX	/* counters, time steps */
#define IMPORT_REASON_MAX	96
#define IMPORT_WARN_MAX		4
/* pam_oath's TOTP: how far from the time of the last login its code is
 * looked for, in time steps either side: pam_oath's window (5 by
 * default) and a shift of daylight saving time. */
#define IMPORT_OATH_SEARCH	130

enum import_status {
	IMPORT_OK,		/* res holds a token to install */
	IMPORT_EMPTY,		/* oath: a blank or comment line */
	IMPORT_REFUSED,		/* res->reason says why */
};

struct import_result {
	/* Secret in clear (cipher 0), type, algo, digits, period and, for
	 * HOTP, counter (the first counter accepted) set; id and created
	 * are left 0 for the caller. */
	struct mfa_token tok;
	/* oath: the line's user name, also on refusal when it is a valid
	 * one; google: empty (the caller knows the user). */
	char user[MFA_USER_MAX + 1];
	/* google scratch codes: BACKUP_LEN_IMPORTED digits each. */
	char backup[TOKEN_BACKUP_MAX][BACKUP_LEN_IMPORTED + 1];
	unsigned backup_count;
	/* The lowest time step (TOTP) or counter (HOTP) to accept: past
	 * the codes the source records as used. */
	uint64_t next_step;
	char reason[IMPORT_REASON_MAX];
	char warning[IMPORT_WARN_MAX][IMPORT_REASON_MAX];
	unsigned warning_count;
};

/*
 * Local time to unix time (mktime with tm_isdst = -1 for the CLI; a
 * fixed zone in the tests): pam_oath records the time of the last login
 * in local time.  Returns -1 if it has no answer.
 */
typedef int64_t (*import_mktime_fn)(struct tm *tm);

/* The text of one google-authenticator file, len bytes. */
enum import_status import_google(const char *text, size_t len,
    struct import_result *res);

/* One line of a pam_oath users file, len bytes, its newline (if any)
 * included or not. */
enum import_status import_oath_line(const char *line, size_t len,
    import_mktime_fn local_mktime, struct import_result *res);

/* Wipe everything, the secret and the scratch codes first. */
void import_result_wipe(struct import_result *res);

#endif
