/*
 * uri.h - the otpauth:// Key URI that authenticator apps scan (Google
 * Authenticator's Key URI format): issuer and account percent-encoded,
 * secret in base32, algorithm, digits, period or counter.
 */
#ifndef MFA_URI_H
#define MFA_URI_H

#include "mfa.h"
#include "token.h"

/* A NUL-terminated URI in *out; it holds the secret: wipe and free it. */
enum mfa_err uri_otpauth(const char *issuer, const char *account,
    const struct mfa_token *tok, char **out);

#endif
