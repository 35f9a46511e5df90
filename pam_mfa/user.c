/*
 * user.c - user name validation; see user.h.
 */
#include "config.h"

#include "mfa.h"
#include "user.h"

static bool
user_char_ok(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' ||
	    c == '@';
}

bool
user_valid(const char *name, size_t len)
{
	size_t i;

	if (name == NULL || len == 0 || len > MFA_USER_MAX)
		return false;
	if (name[0] == '.' || name[0] == '-')
		return false;
	for (i = 0; i < len; i++)
		if (!user_char_ok((unsigned char)name[i]))
			return false;
	return true;
}
