/*
 * account.c - user names to accounts through the name service; see
 * account.h.
 */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "user.h"

/* getpwnam_r's buffer: grown on ERANGE up to the last size, no further. */
static const size_t pw_bufs[] = { 4096, 16384, 65536 };

/* The entry for name: MFA_OK, MFA_ENOUSER, MFA_ENSS or MFA_ENOMEM.  On
 * MFA_OK acct's known, uid, gid and pw_name are set (pw_name checked). */
static enum mfa_err
pw_lookup(const char *name, struct mfa_account *acct)
{
	struct passwd pw, *pwp = NULL;
	enum mfa_err rc = MFA_ENSS;
	char *buf = NULL;
	size_t i, len, size = 0;
	int err = 0;

	for (i = 0; i < sizeof(pw_bufs) / sizeof(pw_bufs[0]); i++) {
		free(buf);
		size = pw_bufs[i];
		if ((buf = malloc(size)) == NULL) {
			rc = MFA_ENOMEM;
			goto out;
		}
		pwp = NULL;
		if ((err = getpwnam_r(name, &pw, buf, size, &pwp)) != ERANGE)
			break;
	}
	/* Not found: 0 and no entry, or what some services answer for it
	 * (getpwnam_r(3)). */
	if ((err == 0 && pwp == NULL) || err == ENOENT || err == ESRCH) {
		rc = MFA_ENOUSER;
		goto out;
	}
	if (err != 0 || pwp == NULL || pw.pw_name == NULL)
		goto out;
	len = strnlen(pw.pw_name, MFA_USER_MAX + 1);
	if (!user_valid(pw.pw_name, len)) {
		rc = MFA_EINPUT;
		goto out;
	}
	memcpy(acct->pw_name, pw.pw_name, len);
	acct->pw_name[len] = '\0';
	acct->uid = pw.pw_uid;
	acct->gid = pw.pw_gid;
	acct->known = true;
	rc = MFA_OK;
out:
	if (buf != NULL)
		explicit_bzero(buf, size);	/* the password hash, maybe */
	free(buf);
	return rc;
}

enum mfa_err
account_resolve(const char *name, enum mfa_user_lookup lookup,
    struct mfa_account *acct)
{
	enum mfa_err rc;
	size_t len;

	memset(acct, 0, sizeof(*acct));
	if (name == NULL)
		return MFA_EINPUT;
	len = strnlen(name, MFA_USER_MAX + 1);
	if (!user_valid(name, len))
		return MFA_EINPUT;
	rc = pw_lookup(name, acct);
	if (lookup == MFA_LOOKUP_EXACT) {
		if (rc == MFA_ENOUSER) {
			memset(acct, 0, sizeof(*acct));
			rc = MFA_OK;
		}
		if (rc == MFA_OK)
			memcpy(acct->name, name, len + 1);
		return rc;
	}
	if (rc == MFA_OK)
		memcpy(acct->name, acct->pw_name, sizeof(acct->name));
	return rc;
}

enum mfa_err
account_token_check(const struct mfa_account *acct,
    const struct mfa_token *tok)
{
	if (!(tok->flags & TOKEN_F_UID))
		return MFA_OK;
	if (!acct->known)
		return MFA_ENOUSER;
	return (uint32_t)acct->uid == tok->uid ? MFA_OK : MFA_EUID;
}

void
account_token_bind(const struct mfa_account *acct, struct mfa_token *tok)
{
	if (acct->known) {
		tok->flags |= TOKEN_F_UID;
		tok->uid = (uint32_t)acct->uid;
	} else {
		tok->flags &= (uint16_t)~TOKEN_F_UID;
		tok->uid = 0;
	}
}
