/*
 * pamlint.h - pam-mfa check --pam: read a pam.d service file as libpam
 * would (includes, @include and substacks from the same directory) and
 * name each way the stack lets a login through without pam_mfa checking a
 * code.  Reads only files; prints nothing: each finding goes to a
 * callback.
 */
#ifndef MFA_PAMLINT_H
#define MFA_PAMLINT_H

#define PAMLINT_DEPTH_MAX	8	/* nested includes followed */
#define PAMLINT_LOADS_MAX	512	/* included files read, in all */
#define PAMLINT_LINES_MAX	4096	/* module lines kept, per type */
#define PAMLINT_FINDINGS_MAX	1000	/* findings listed, then too-many */

/* One finding: the file and line it is about (line 0: the whole file). */
typedef void (*pamlint_report)(void *arg, const char *file, unsigned line,
    const char *what);

/*
 * Lint the service file path; conf_path is the config pam_mfa must read
 * (the CLI's).  Includes are opened in path's directory only, never
 * through a symbolic link.  Returns the number of findings reported (0:
 * none): at most PAMLINT_FINDINGS_MAX, and then a last one, too-many,
 * saying the rest are not listed.
 */
unsigned pamlint_check(const char *path, const char *conf_path,
    pamlint_report report, void *arg);

#endif
