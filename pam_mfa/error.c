/*
 * error.c - the one table that names each mfa_err, for logs and for people.
 */
#include "config.h"

#include "mfa.h"

static const struct {
	const char *reason;
	const char *text;
} mfa_errors[MFA_ERR_MAX] = {
	[MFA_OK] =		{ "ok", "success" },
	[MFA_EINTERNAL] =	{ "internal_error", "internal error" },
	[MFA_ENOMEM] =		{ "out_of_memory", "out of memory" },
	[MFA_EINPUT] =		{ "bad_input", "malformed input" },
	[MFA_ENOTENROLLED] =	{ "not_enrolled", "user is not enrolled" },
	[MFA_EBADCODE] =	{ "bad_code", "wrong one-time code" },
	[MFA_EREPLAY] =		{ "replay", "one-time code already used" },
	[MFA_ELOCKED] =		{ "locked", "user is locked out" },
	[MFA_ECONFIG] =		{ "config_error", "invalid configuration" },
	[MFA_EUNSAFE] =		{ "unsafe_file", "unsafe file owner, mode or type" },
	[MFA_ECORRUPT] =	{ "corrupt_state", "corrupt record" },
	[MFA_EVERSION] =	{ "state_version", "record from a newer version" },
	[MFA_EIO] =		{ "state_error", "I/O error on the state store" },
	[MFA_EBUSY] =		{ "state_busy", "state record locked too long" },
	[MFA_EEXIST] =		{ "exists", "already exists" },
	[MFA_ECLOCK] =		{ "clock_error", "clock unreadable" },
	[MFA_ECRYPTO] =		{ "crypto_error", "cryptographic failure" },
	[MFA_EPASSWORD] =	{ "bad_password", "password refused" },
	[MFA_ENOUSER] =		{ "unknown_user",
	    "no such user in the name service" },
	[MFA_EUID] =		{ "uid_mismatch",
	    "the token was enrolled for another account (uid)" },
	[MFA_ENSS] =		{ "user_lookup_error",
	    "the name service lookup failed" },
	[MFA_EKEYMISSING] =	{ "key_missing", "the key file is missing" },
	[MFA_EKEYUNREADABLE] =	{ "key_unreadable", "the key file can't be "
				    "read (root's, mode 0600, one link, "
				    "256 bytes)" },
	[MFA_EKEYUNKNOWN] =	{ "key_unknown", "the key the token was "
				    "sealed with is not in the key file" },
	[MFA_ECONFLICT] =	{ "store_conflict", "changed by a concurrent attempt" },
	[MFA_EUNAVAIL] =	{ "store_unavailable", "database unavailable or refusing" },
	[MFA_ETIMEOUT] =	{ "store_timeout", "database did not answer in time" },
	[MFA_EUNKNOWN] =	{ "store_outcome_unknown", "connection lost: outcome unknown" },
	[MFA_EUNSYNCED] =	{ "clock_unsynced",
	    "the system clock is not synchronised (require_clock_sync)" },
	[MFA_EEXPIRED] =	{ "pending_expired", "the pending token has "
				    "expired (pending_lifetime)" },
	[MFA_EDEADLINE] =	{ "enroll_deadline", "not enrolled, and the "
				    "enrollment deadline has passed" },
	[MFA_ESOURCE] =		{ "source_throttled",
	    "too many failures from this source" },
};

const char *
mfa_reason(enum mfa_err err)
{
	if ((unsigned)err >= MFA_ERR_MAX)
		return "internal_error";
	return mfa_errors[err].reason;
}

const char *
mfa_strerror(enum mfa_err err)
{
	if ((unsigned)err >= MFA_ERR_MAX)
		return "unknown error";
	return mfa_errors[err].text;
}
