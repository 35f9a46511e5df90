/*
 * groups.h - group membership through NSS, for unenrolled_groups.
 */
#ifndef MFA_GROUPS_H
#define MFA_GROUPS_H

#include <stddef.h>

#include "mfa.h"

struct mfa_account;

/*
 * MFA_OK if the account (account_resolve) is a member (primary or
 * supplementary) of one of the n groups, MFA_ENOTENROLLED if of none or
 * if the name service doesn't know it, another error if lookups failed.
 */
enum mfa_err groups_member_of_any(const struct mfa_account *acct,
    char *const *groups, size_t n);

#endif
