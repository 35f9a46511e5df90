/*
 * helper_client.h - the module's side of pam_mfa_helper: run it for one
 * operation when the module is not root; see helper.h.
 */
#ifndef MFA_HELPER_CLIENT_H
#define MFA_HELPER_CLIENT_H

#include "auth.h"
#include "helper.h"
#include "mfa.h"

/*
 * Run the helper at its compiled-in path for req and wait at most
 * timeout_ms for its verdict.  Returns the verdict (res, *digits and
 * *backup_len filled as the core would) with *why NULL; or, when the
 * helper could not be run, answered nothing or was refused, an error
 * (never MFA_OK, MFA_ENOTENROLLED nor MFA_ELOCKED) with *why the detail
 * for the log line ("detail=helper_missing"...).  No signal handler, no
 * environment, no descriptor of the host's changes; the request buffer
 * holding the answer is wiped.
 */
enum mfa_err helper_call(const struct helper_req *req, unsigned timeout_ms,
    struct auth_result *res, unsigned *digits, unsigned *backup_len,
    const char **why);

#endif
