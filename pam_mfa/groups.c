/*
 * groups.c - group membership lookups; see groups.h.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "groups.h"

#define GROUPS_MAX	1024
#define NSS_BUF		16384

enum mfa_err
groups_member_of_any(const char *user, char *const *groups, size_t n)
{
	struct passwd pw, *pwp = NULL;
	struct group gr, *grp = NULL;
	gid_t *gids = NULL;
	char *buf = NULL;
	enum mfa_err rc = MFA_ENOTENROLLED;
	int ngids = GROUPS_MAX;
	size_t i;
	int j;

	if (n == 0)
		return MFA_ENOTENROLLED;
	if ((buf = malloc(NSS_BUF)) == NULL ||
	    (gids = calloc(GROUPS_MAX, sizeof(*gids))) == NULL) {
		rc = MFA_ENOMEM;
		goto out;
	}
	if (getpwnam_r(user, &pw, buf, NSS_BUF, &pwp) != 0 || pwp == NULL) {
		/* Not a local/NSS user: a member of nothing. */
		goto out;
	}
	if (getgrouplist(user, pw.pw_gid, gids, &ngids) < 0) {
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
