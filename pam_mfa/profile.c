/*
 * profile.c - the host profiles; see profile.h and pam_mfa(8).
 */
#include "config.h"

#include <string.h>

#include "mfa.h"
#include "profile.h"

static const struct mfa_profile profiles[] = {
	{ "default", MFA_INPUT_PROMPT, 0, NULL, MFA_INPUT_MAX,
	    "separate prompt; messages allowed" },
	/* auth-pam plugin: one echo-off prompt answered with the whole
	 * password field, truncated at 127 bytes; in name/value mode an
	 * unmatched message fails the login. */
	{ "openvpn", MFA_INPUT_ONEFIELD, 1, NULL, 127,
	    "password+code in the password field; no messages" },
	/* static-challenge: the plugin matches prompts by name prefix, so
	 * the code prompt must start with the name mapped to OTP. */
	{ "openvpn-sc", MFA_INPUT_PROMPT, 1, "OTP: ", 127,
	    "static challenge: prompt \"OTP: \" matched by the plugin" },
	/* rlm_pam: every echo-off prompt gets the whole User-Password; an
	 * error message may be taken as failure; no PAM items. */
	{ "radius", MFA_INPUT_ONEFIELD, 1, NULL, 128,
	    "password+code in User-Password (PAP); no messages" },
	/* pppd (PAP/CHAP via PAM): one password for every prompt. */
	{ "pppd", MFA_INPUT_ONEFIELD, 1, NULL, 255,
	    "password+code in the PPP password; no messages" },
	/* xauth-pam: one message per call, password under 128 bytes. */
	{ "strongswan", MFA_INPUT_ONEFIELD, 1, NULL, 127,
	    "password+code in the XAuth password; no messages" },
	/* sec-mod: each prompt a round trip; messages never reach the
	 * user; prompts shown without XML escaping (no & or <). */
	{ "ocserv", MFA_INPUT_PROMPT, 1, NULL, MFA_INPUT_MAX,
	    "separate prompt; no messages" },
	/* keyboard-interactive: each prompt a round; users see messages. */
	{ "sshd", MFA_INPUT_PROMPT, 0, NULL, MFA_INPUT_MAX,
	    "separate prompt; messages allowed" },
};

const struct mfa_profile *
profile_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++)
		if (strcmp(profiles[i].name, name) == 0)
			return &profiles[i];
	return NULL;
}

const struct mfa_profile *
profile_default(void)
{
	return &profiles[0];
}
