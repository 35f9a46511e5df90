/*
 * pam_mfa.c - the PAM glue: module arguments, the conversation, one syslog
 * line per decision, PAM return codes.  Everything else is in the core.
 * Only pam_sm_* leave this object, and every path that is not a verified
 * code returns a failure (PAM_IGNORE only where the config exempts an
 * unenrolled user).
 */
#include "config.h"

#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "auth.h"
#include "conf.h"
#include "crypto.h"
#include "groups.h"
#include "store.h"
#include "user.h"

#define FIELD_MAX	64

#define MFA_PUBLIC __attribute__((visibility("default")))

/* What a log line says about where an attempt came from. */
struct log_ctx {
	char user[FIELD_MAX + 1];
	char service[FIELD_MAX + 1];
	char rhost[FIELD_MAX + 1];
};

/* Copy a client- or host-supplied string for a log line: printable ASCII
 * without spaces or '=', bounded, "-" when absent. */
static void
field_copy(char dst[FIELD_MAX + 1], const char *src)
{
	size_t i;

	if (src == NULL || src[0] == '\0') {
		memcpy(dst, "-", 2);
		return;
	}
	for (i = 0; i < FIELD_MAX && src[i] != '\0'; i++)
		dst[i] = src[i] > 0x20 && src[i] < 0x7f && src[i] != '=' ?
		    src[i] : '?';
	dst[i] = '\0';
}

static void
log_decision(pam_handle_t *pamh, int prio, const char *result,
    enum mfa_err reason, const struct log_ctx *lc, const char *detail)
{
	pam_syslog(pamh, prio, "result=%s reason=%s user=%s service=%s "
	    "rhost=%s%s%s", result, mfa_reason(reason), lc->user, lc->service,
	    lc->rhost, detail != NULL ? " " : "", detail != NULL ? detail : "");
}

/* Module arguments: conf=/absolute/path.  Anything else is an error. */
static int
parse_args(int argc, const char **argv, const char **conf_path)
{
	int i;

	*conf_path = MFA_CONF_PATH;
	for (i = 0; i < argc; i++) {
		if (strncmp(argv[i], "conf=", 5) == 0 && argv[i][5] == '/')
			*conf_path = argv[i] + 5;
		else
			return -1;
	}
	return 0;
}

/*
 * Ask for the code.  MFA_OK with code[0..*len) on a well-formed answer;
 * the conversation's buffer is wiped whatever it held.
 */
static enum mfa_err
read_code(pam_handle_t *pamh, const struct mfa_conf *conf,
    char code[MFA_CODE_MAX + 1], size_t *len)
{
	enum mfa_err rc = MFA_EINPUT;
	char *resp = NULL;
	size_t n;

	*len = 0;
	if (pam_prompt(pamh, conf->prompt_echo ? PAM_PROMPT_ECHO_ON :
	    PAM_PROMPT_ECHO_OFF, &resp, "%s", conf->prompt) != PAM_SUCCESS ||
	    resp == NULL)
		goto out;
	n = strnlen(resp, MFA_INPUT_MAX + 1);
	if (auth_code_wellformed(resp, n)) {
		memcpy(code, resp, n);
		code[n] = '\0';
		*len = n;
		rc = MFA_OK;
	}
	/* The whole reply, however long: it may hold a password. */
	crypto_wipe(resp, strlen(resp));
out:
	free(resp);
	return rc;
}

/* Whether the config lets this unenrolled user through as PAM_IGNORE. */
static int
unenrolled_exempt(const struct mfa_conf *conf, const char *user)
{
	if (conf->unenrolled != MFA_UNENROLLED_IGNORE)
		return 0;
	if (conf->n_unenrolled_groups == 0)
		return 1;
	return groups_member_of_any(user, conf->unenrolled_groups,
	    conf->n_unenrolled_groups) == MFA_OK;
}

MFA_PUBLIC int
pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	char code[MFA_CODE_MAX + 1] = { 0 };
	char errmsg[CONF_ERRMSG_MAX];
	char detail[128];
	struct mfa_conf *conf = NULL;
	struct mfa_store *store = NULL;
	struct auth_request req;
	struct auth_result res;
	struct mfa_token tok;
	struct log_ctx lc;
	const void *item = NULL;
	const char *user = NULL, *conf_path;
	enum mfa_err rc;
	int ret = PAM_AUTH_ERR, enrolled;
	time_t now;

	(void)flags;
	memset(&tok, 0, sizeof(tok));
	field_copy(lc.user, NULL);
	pam_get_item(pamh, PAM_SERVICE, &item);
	field_copy(lc.service, item);
	item = NULL;
	pam_get_item(pamh, PAM_RHOST, &item);
	field_copy(lc.rhost, item);

	if (parse_args(argc, argv, &conf_path) != 0) {
		log_decision(pamh, LOG_ERR, "deny", MFA_ECONFIG, &lc,
		    "detail=bad_module_argument");
		return PAM_SERVICE_ERR;
	}
	if (pam_get_user(pamh, &user, NULL) != PAM_SUCCESS || user == NULL ||
	    !user_valid(user, strnlen(user, MFA_USER_MAX + 1))) {
		snprintf(detail, sizeof(detail), "detail=invalid_user_name");
		log_decision(pamh, LOG_NOTICE, "deny", MFA_EINPUT, &lc, detail);
		return PAM_AUTH_ERR;
	}
	field_copy(lc.user, user);

	if ((rc = conf_load(conf_path, &conf, errmsg)) != MFA_OK) {
		pam_syslog(pamh, LOG_ERR, "result=deny reason=%s user=%s "
		    "service=%s rhost=%s config=%s: %s", mfa_reason(MFA_ECONFIG),
		    lc.user, lc.service, lc.rhost, conf_path, errmsg);
		return rc == MFA_ENOMEM ? PAM_BUF_ERR : PAM_SERVICE_ERR;
	}
	if ((rc = store_open(conf, &store)) != MFA_OK) {
		log_decision(pamh, LOG_ERR, "deny", rc, &lc, "detail=store_open");
		goto out;
	}

	rc = store_token_get(store, user, &tok);
	enrolled = rc == MFA_OK && !(tok.flags & TOKEN_F_PENDING);
	token_wipe(&tok);
	if (rc != MFA_OK && rc != MFA_ENOTENROLLED) {
		log_decision(pamh, LOG_ERR, "deny", rc, &lc, "detail=token");
		goto out;
	}
	if (!enrolled && unenrolled_exempt(conf, user)) {
		log_decision(pamh, LOG_NOTICE, "ignore", MFA_ENOTENROLLED, &lc,
		    "detail=exempt_by_config");
		ret = PAM_IGNORE;
		goto out;
	}

	/* Asked of everyone, so the prompt tells nobody who is enrolled. */
	if ((rc = read_code(pamh, conf, code, &req.code_len)) != MFA_OK) {
		log_decision(pamh, LOG_NOTICE, "deny", rc, &lc,
		    "detail=malformed_code");
		goto out;
	}
	if (!enrolled) {
		log_decision(pamh, LOG_NOTICE, "deny", MFA_ENOTENROLLED, &lc,
		    NULL);
		goto out;
	}
	if ((now = time(NULL)) == (time_t)-1) {
		log_decision(pamh, LOG_ERR, "deny", MFA_ECLOCK, &lc, NULL);
		goto out;
	}
	req.user = user;
	req.code = code;
	req.rhost = item;
	req.now = (int64_t)now;
	rc = auth_attempt(conf, store, &req, &res);
	switch (rc) {
	case MFA_OK:
		log_decision(pamh, LOG_INFO, "accept", rc, &lc, NULL);
		ret = PAM_SUCCESS;
		break;
	case MFA_EBADCODE:
	case MFA_EREPLAY:
		snprintf(detail, sizeof(detail), "failures=%u%s",
		    (unsigned)res.fail_count, res.locked_now ? " locked=yes" :
		    "");
		/* A replayed code was phished or intercepted: say it louder. */
		log_decision(pamh, rc == MFA_EREPLAY || res.locked_now ?
		    LOG_WARNING : LOG_NOTICE, "deny", rc, &lc, detail);
		break;
	case MFA_ELOCKED:
		snprintf(detail, sizeof(detail), "failures=%u",
		    (unsigned)res.fail_count);
		log_decision(pamh, LOG_NOTICE, "deny", rc, &lc, detail);
		break;
	case MFA_ENOTENROLLED:
	case MFA_EINPUT:
		log_decision(pamh, LOG_NOTICE, "deny", rc, &lc, NULL);
		break;
	case MFA_ENOMEM:
		log_decision(pamh, LOG_ERR, "deny", rc, &lc, NULL);
		ret = PAM_BUF_ERR;
		break;
	default:
		log_decision(pamh, LOG_ERR, "deny", rc, &lc, NULL);
		break;
	}
out:
	crypto_wipe(code, sizeof(code));
	store_close(store);
	conf_free(conf);
	return ret;
}

MFA_PUBLIC int
pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_SUCCESS;
}
