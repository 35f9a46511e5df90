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

enum mfa_mode {
	MODE_CODE,	/* prompt for a code and verify it */
	MODE_PREAUTH,	/* refuse a locked user before anything is asked */
	MODE_AUTHFAIL,	/* count the failed password of the module above */
};

struct mfa_args {
	const char *conf_path;
	enum mfa_mode mode;
	int silent;
};

/* Module arguments: conf=/absolute/path, preauth or authfail, silent.
 * Anything else is an error. */
static int
parse_args(int argc, const char **argv, int flags, struct mfa_args *a)
{
	int i;

	a->conf_path = MFA_CONF_PATH;
	a->mode = MODE_CODE;
	a->silent = (flags & PAM_SILENT) != 0;
	for (i = 0; i < argc; i++) {
		if (strncmp(argv[i], "conf=", 5) == 0 && argv[i][5] == '/')
			a->conf_path = argv[i] + 5;
		else if (strcmp(argv[i], "preauth") == 0 &&
		    a->mode == MODE_CODE)
			a->mode = MODE_PREAUTH;
		else if (strcmp(argv[i], "authfail") == 0 &&
		    a->mode == MODE_CODE)
			a->mode = MODE_AUTHFAIL;
		else if (strcmp(argv[i], "silent") == 0)
			a->silent = 1;
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

/* What every refused attempt gets: the configured delay, and a word to
 * the user if they are locked and the config and the host allow it. */
static void
deny_feedback(pam_handle_t *pamh, const struct mfa_conf *conf,
    const struct mfa_args *a, int locked)
{
	if (conf->fail_delay_ms > 0)
		pam_fail_delay(pamh, conf->fail_delay_ms * 1000U);
	if (locked && conf->lock_message && !a->silent)
		pam_info(pamh, "%s", "Too many failed attempts: try again later.");
}

/* Log an attempt's outcome; return the PAM code for it. */
static int
report(pam_handle_t *pamh, const struct mfa_conf *conf,
    const struct mfa_args *a, const struct log_ctx *lc, enum mfa_err rc,
    const struct auth_result *res)
{
	char detail[96];

	switch (rc) {
	case MFA_OK:
		log_decision(pamh, LOG_INFO, "accept", rc, lc, NULL);
		return PAM_SUCCESS;
	case MFA_EBADCODE:
	case MFA_EREPLAY:
	case MFA_EPASSWORD:
		snprintf(detail, sizeof(detail), "failures=%u%s",
		    (unsigned)res->fail_count, res->locked_now ?
		    " locked=yes" : "");
		/* A replayed code was phished or intercepted: say it louder. */
		log_decision(pamh, rc == MFA_EREPLAY || res->locked_now ?
		    LOG_WARNING : LOG_NOTICE, "deny", rc, lc, detail);
		deny_feedback(pamh, conf, a, res->locked_now);
		return PAM_AUTH_ERR;
	case MFA_ELOCKED:
		snprintf(detail, sizeof(detail), "failures=%u%s",
		    (unsigned)res->fail_count,
		    a->mode == MODE_PREAUTH ? " detail=preauth" : "");
		log_decision(pamh, LOG_NOTICE, "deny", rc, lc, detail);
		deny_feedback(pamh, conf, a, 1);
		return PAM_AUTH_ERR;
	case MFA_ENOTENROLLED:
	case MFA_EINPUT:
		log_decision(pamh, LOG_NOTICE, "deny", rc, lc, NULL);
		deny_feedback(pamh, conf, a, 0);
		return PAM_AUTH_ERR;
	case MFA_ENOMEM:
		log_decision(pamh, LOG_ERR, "deny", rc, lc, NULL);
		return PAM_BUF_ERR;
	default:
		log_decision(pamh, LOG_ERR, "deny", rc, lc, NULL);
		deny_feedback(pamh, conf, a, 0);
		return PAM_AUTH_ERR;
	}
}

/* Read the clock once per attempt; 0 if it can't be read. */
static int64_t
clock_now(void)
{
	time_t now = time(NULL);

	return now == (time_t)-1 || now <= 0 ? 0 : (int64_t)now;
}

MFA_PUBLIC int
pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	char code[MFA_CODE_MAX + 1] = { 0 };
	char errmsg[CONF_ERRMSG_MAX];
	struct mfa_conf *conf = NULL;
	struct mfa_store *store = NULL;
	struct auth_request req;
	struct auth_result res;
	struct mfa_token tok;
	struct mfa_args args;
	struct log_ctx lc;
	const void *item = NULL;
	const char *user = NULL;
	enum mfa_err rc;
	int ret = PAM_AUTH_ERR, enrolled;

	memset(&tok, 0, sizeof(tok));
	memset(&res, 0, sizeof(res));
	field_copy(lc.user, NULL);
	pam_get_item(pamh, PAM_SERVICE, &item);
	field_copy(lc.service, item);
	item = NULL;
	pam_get_item(pamh, PAM_RHOST, &item);
	field_copy(lc.rhost, item);

	if (parse_args(argc, argv, flags, &args) != 0) {
		log_decision(pamh, LOG_ERR, "deny", MFA_ECONFIG, &lc,
		    "detail=bad_module_argument");
		return PAM_SERVICE_ERR;
	}
	if (pam_get_user(pamh, &user, NULL) != PAM_SUCCESS || user == NULL ||
	    !user_valid(user, strnlen(user, MFA_USER_MAX + 1))) {
		log_decision(pamh, LOG_NOTICE, "deny", MFA_EINPUT, &lc,
		    "detail=invalid_user_name");
		return PAM_AUTH_ERR;
	}
	field_copy(lc.user, user);

	if ((rc = conf_load(args.conf_path, &conf, errmsg)) != MFA_OK) {
		pam_syslog(pamh, LOG_ERR, "result=deny reason=%s user=%s "
		    "service=%s rhost=%s config=%s: %s", mfa_reason(MFA_ECONFIG),
		    lc.user, lc.service, lc.rhost, args.conf_path, errmsg);
		return rc == MFA_ENOMEM ? PAM_BUF_ERR : PAM_SERVICE_ERR;
	}
	if ((rc = store_open(conf, &store)) != MFA_OK) {
		log_decision(pamh, LOG_ERR, "deny", rc, &lc, "detail=store_open");
		goto out;
	}

	if (args.mode == MODE_PREAUTH) {
		rc = auth_check_locked(conf, store, user, clock_now(), &res);
		/* Not locked, or nothing to lock: the code step decides. */
		ret = rc == MFA_OK || rc == MFA_ENOTENROLLED ? PAM_IGNORE :
		    report(pamh, conf, &args, &lc, rc, &res);
		goto out;
	}
	if (args.mode == MODE_AUTHFAIL) {
		rc = auth_fail_password(conf, store, user, clock_now(), &res);
		if (rc == MFA_ENOTENROLLED)
			rc = MFA_EPASSWORD;
		(void)report(pamh, conf, &args, &lc, rc, &res);
		/* Whatever was recorded, a failed password fails. */
		ret = rc == MFA_ENOMEM ? PAM_BUF_ERR : PAM_AUTH_ERR;
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
		deny_feedback(pamh, conf, &args, 0);
		goto out;
	}
	if (!enrolled) {
		ret = report(pamh, conf, &args, &lc, MFA_ENOTENROLLED, &res);
		goto out;
	}
	req.user = user;
	req.code = code;
	req.rhost = item;
	if ((req.now = clock_now()) == 0) {
		ret = report(pamh, conf, &args, &lc, MFA_ECLOCK, &res);
		goto out;
	}
	rc = auth_attempt(conf, store, &req, &res);
	ret = report(pamh, conf, &args, &lc, rc, &res);
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
