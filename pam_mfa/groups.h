/*
 * groups.h - group membership through NSS, for unenrolled_groups.
 */
#ifndef MFA_GROUPS_H
#define MFA_GROUPS_H

#include <stddef.h>

#include "mfa.h"

/*
 * MFA_OK if user is a member (primary or supplementary) of one of the n
 * groups, MFA_ENOTENROLLED if of none, another error if lookups failed.
 */
enum mfa_err groups_member_of_any(const char *user, char *const *groups,
    size_t n);

#endif
