/*
 * logfield.h - a host- or client-supplied string made safe for one field
 * of a syslog line: what the module and pam_mfa_helper log alike.
 */
#ifndef MFA_LOGFIELD_H
#define MFA_LOGFIELD_H

#define LOGFIELD_MAX	64	/* bytes of a field, without NUL */

/* Copy src for a log line: printable ASCII without spaces or '=' (any
 * other byte as '?'), at most LOGFIELD_MAX bytes, "-" when absent. */
void logfield_copy(char dst[LOGFIELD_MAX + 1], const char *src);

#endif
