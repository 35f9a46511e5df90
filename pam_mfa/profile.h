/*
 * profile.h - what each kind of VPN host does to a PAM conversation, as a
 * table of defaults (profile=NAME on the module line).  Pure data.
 */
#ifndef MFA_PROFILE_H
#define MFA_PROFILE_H

#include <stddef.h>

enum mfa_input {
	MFA_INPUT_PROMPT,	/* the code in a prompt of its own */
	MFA_INPUT_ONEFIELD,	/* password immediately followed by the code */
};

struct mfa_profile {
	const char *name;
	enum mfa_input input;
	int silent;		/* the host can't show or mishandles messages */
	const char *code_prompt; /* NULL: the config's prompt */
	size_t field_max;	/* longest reply the host can deliver */
	const char *why;	/* one line for pam-mfa and the docs */
};

/* The profile called name, or NULL. */
const struct mfa_profile *profile_find(const char *name);
/* The profile used when none is named: separate prompt, messages on. */
const struct mfa_profile *profile_default(void);

#endif
