/*
 * helper_proto.c - the request codec and the exit-status table shared by
 * the module and pam_mfa_helper; see helper.h.  Pure.
 */
#include "config.h"

#include <string.h>

#include "helper.h"

static const char *const op_names[HELPER_OP_MAX] = {
	[HELPER_ATTEMPT] = "attempt",
	[HELPER_PREAUTH] = "preauth",
	[HELPER_AUTHFAIL] = "authfail",
	[HELPER_META] = "enrolled-meta",
};

/*
 * Exit status of each verdict: fixed numbers (pam_mfa_helper(8)), not
 * the enum's order, so that adding an error code changes none of them.
 */
static const struct {
	enum mfa_err err;
	int status;
} status_table[] = {
	{ MFA_OK, 0 },
	{ MFA_EBADCODE, 1 },
	{ MFA_EREPLAY, 2 },
	{ MFA_ELOCKED, 3 },
	{ MFA_ENOTENROLLED, 4 },
	{ MFA_EPASSWORD, 5 },
	{ MFA_EINPUT, 6 },
	{ MFA_ECONFIG, 7 },
	{ MFA_EUNSAFE, 8 },
	{ MFA_ECORRUPT, 9 },
	{ MFA_EVERSION, 10 },
	{ MFA_EIO, 11 },
	{ MFA_EBUSY, 12 },
	{ MFA_ECLOCK, 13 },
	{ MFA_ECRYPTO, 14 },
	{ MFA_ENOMEM, 15 },
	{ MFA_EINTERNAL, 16 },
	{ MFA_ENOUSER, 17 },
	{ MFA_EUID, 18 },
	{ MFA_ENSS, 19 },
	{ MFA_EKEYMISSING, 20 },
	{ MFA_EKEYUNREADABLE, 21 },
	{ MFA_EKEYUNKNOWN, 22 },
	{ MFA_ECONFLICT, 23 },
	{ MFA_EUNAVAIL, 24 },
	{ MFA_ETIMEOUT, 25 },
	{ MFA_EUNKNOWN, 26 },
	{ MFA_EUNSYNCED, 27 },
	{ MFA_EEXPIRED, 28 },
	{ MFA_EDEADLINE, 29 },
	{ MFA_ESOURCE, 30 },
};
#define N_STATUS (sizeof(status_table) / sizeof(status_table[0]))

int
helper_status_of(enum mfa_err err)
{
	size_t i;

	for (i = 0; i < N_STATUS; i++)
		if (status_table[i].err == err)
			return status_table[i].status;
	return 16;	/* internal_error */
}

enum mfa_err
helper_err_of(int status)
{
	size_t i;

	for (i = 0; i < N_STATUS; i++)
		if (status_table[i].status == status)
			return status_table[i].err;
	return MFA_EINTERNAL;
}

const char *
helper_op_name(enum helper_op op)
{
	if ((unsigned)op >= HELPER_OP_MAX)
		return "?";
	return op_names[op];
}

/* Append s (at most max bytes, no NUL inside) and its NUL. */
static int
put(char *buf, size_t *off, const char *s, size_t n, size_t max)
{
	if (n > max || memchr(s, '\0', n) != NULL ||
	    *off + n + 1 > HELPER_REQ_MAX)
		return -1;
	memcpy(buf + *off, s, n);
	buf[*off + n] = '\0';
	*off += n + 1;
	return 0;
}

enum mfa_err
helper_req_encode(const struct helper_req *req, char buf[HELPER_REQ_MAX],
    size_t *len)
{
	const char *op = helper_op_name(req->op);
	size_t off = 0, alen;

	*len = 0;
	alen = req->answer != NULL ? req->answer_len : 0;
	if ((unsigned)req->op >= HELPER_OP_MAX ||
	    put(buf, &off, op, strlen(op), 16) != 0 ||
	    put(buf, &off, req->conf, strlen(req->conf),
	    HELPER_CONF_MAX) != 0 ||
	    put(buf, &off, req->user, strlen(req->user), MFA_USER_MAX) != 0 ||
	    put(buf, &off, req->service, strlen(req->service),
	    HELPER_SERVICE_MAX) != 0 ||
	    put(buf, &off, req->rhost, strlen(req->rhost),
	    HELPER_RHOST_MAX) != 0 ||
	    put(buf, &off, alen > 0 ? req->answer : "", alen,
	    MFA_ANSWER_MAX) != 0)
		return MFA_EINPUT;
	*len = off;
	return MFA_OK;
}

enum mfa_err
helper_req_decode(const char *buf, size_t len, struct helper_req *req)
{
	static const size_t max[6] = { 16, HELPER_CONF_MAX, MFA_USER_MAX,
	    HELPER_SERVICE_MAX, HELPER_RHOST_MAX, MFA_ANSWER_MAX };
	const char *f[6];
	size_t off = 0, n, i;
	int op;

	memset(req, 0, sizeof(*req));
	if (len > HELPER_REQ_MAX)
		return MFA_EINPUT;
	for (i = 0; i < 6; i++) {
		const char *nul = off < len ?
		    memchr(buf + off, '\0', len - off) : NULL;

		if (nul == NULL)
			return MFA_EINPUT;
		n = (size_t)(nul - (buf + off));
		if (n > max[i])
			return MFA_EINPUT;
		f[i] = buf + off;
		off += n + 1;
		if (i == 5)
			req->answer_len = n;
	}
	if (off != len)
		return MFA_EINPUT;
	for (op = 0; op < HELPER_OP_MAX; op++)
		if (strcmp(f[0], op_names[op]) == 0)
			break;
	if (op == HELPER_OP_MAX || f[1][0] == '\0' || f[2][0] == '\0' ||
	    (op == HELPER_ATTEMPT) != (req->answer_len > 0))
		return MFA_EINPUT;
	req->op = (enum helper_op)op;
	req->conf = f[1];
	req->user = f[2];
	req->service = f[3];
	req->rhost = f[4];
	req->answer = f[5];
	return MFA_OK;
}
