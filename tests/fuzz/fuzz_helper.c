/*
 * fuzz_helper.c - the request pam_mfa_helper reads from a caller it does
 * not trust: helper_req_decode over any bytes.  A request it accepts has
 * a known operation, every field within its bound and without a NUL, an
 * answer for an attempt alone, and encodes back to exactly those bytes;
 * every exit status maps to a verdict and back, or to internal_error.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "helper.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[HELPER_REQ_MAX];
	struct helper_req req;
	size_t len;
	int s;

	if (helper_req_decode((const char *)data, size, &req) != MFA_OK)
		return 0;
	if ((unsigned)req.op >= HELPER_OP_MAX ||
	    strlen(req.conf) == 0 || strlen(req.conf) > HELPER_CONF_MAX ||
	    strlen(req.user) == 0 || strlen(req.user) > MFA_USER_MAX ||
	    strlen(req.service) > HELPER_SERVICE_MAX ||
	    strlen(req.rhost) > HELPER_RHOST_MAX ||
	    req.answer_len > MFA_ANSWER_MAX ||
	    strlen(req.answer) != req.answer_len ||
	    (req.op == HELPER_ATTEMPT) != (req.answer_len > 0))
		abort();
	if (helper_req_encode(&req, buf, &len) != MFA_OK || len != size ||
	    memcmp(buf, data, size) != 0)
		abort();
	s = (int)(size > 0 ? data[0] : 0);
	if (helper_err_of(s) != MFA_EINTERNAL &&
	    helper_status_of(helper_err_of(s)) != s)
		abort();
	return 0;
}
