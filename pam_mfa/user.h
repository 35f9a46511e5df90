/*
 * user.h - what a user name may look like.  Names reach file names and log
 * lines, so anything outside a conservative portable set is refused.
 */
#ifndef MFA_USER_H
#define MFA_USER_H

#include <stdbool.h>
#include <stddef.h>

/*
 * True if the len bytes at name form a valid user name: 1..MFA_USER_MAX
 * bytes of [A-Za-z0-9._@-], not starting with '.' or '-', no NUL inside.
 */
bool user_valid(const char *name, size_t len);

#endif
