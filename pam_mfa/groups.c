/*
 * groups.c - group membership lookups; see groups.h.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "groups.h"

#define GROUPS_MAX	1024
#define NSS_BUF		16384

enum mfa_err
groups_member_of_any(const struct mfa_account *acct, char *const *groups,
    size_t n)
{
	struct group gr, *grp = NULL;
	gid_t *gids = NULL;
	char *buf = NULL;
	enum mfa_err rc = MFA_ENOTENROLLED;
	int ngids = GROUPS_MAX;
	size_t i;
	int j;

	/* Not an account the name service knows: a member of nothing. */
	if (n == 0 || !acct->known)
		return MFA_ENOTENROLLED;
	if ((buf = malloc(NSS_BUF)) == NULL ||
	    (gids = calloc(GROUPS_MAX, sizeof(*gids))) == NULL) {
		rc = MFA_ENOMEM;
		goto out;
	}
	/* The account's groups, by its own name and primary group. */
	if (getgrouplist(acct->pw_name, acct->gid, gids, &ngids) < 0) {
		rc = MFA_EINTERNAL;	/* more than GROUPS_MAX groups */
		goto out;
	}
	for (i = 0; i < n && rc == MFA_ENOTENROLLED; i++) {
		if (getgrnam_r(groups[i], &gr, buf, NSS_BUF, &grp) != 0 ||
		    grp == NULL)
			continue;
		for (j = 0; j < ngids; j++)
			if (gids[j] == gr.gr_gid)
				rc = MFA_OK;
	}
out:
	free(gids);
	free(buf);
	return rc;
}
