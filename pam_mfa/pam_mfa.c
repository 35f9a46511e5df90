/*
 * pam_mfa.c - the PAM glue: module arguments, the conversation, one syslog
 * line per decision, PAM return codes.  Everything else is in the core.
 * Only pam_sm_* leave this object, and every path that is not a verified
 * code returns a failure (PAM_IGNORE only where the config exempts an
 * unenrolled user).
 *
 * The account step (pam_sm_acct_mgmt) refuses a login whose auth phase
 * did not end in pam_mfa's verdict: a verified code, or an exempt
 * unenrolled user.  The verdict is kept on the handle (VERDICT_NAME).
 */
#include "config.h"

#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "account.h"
#include "auth.h"
#include "clock.h"
#include "conf.h"
#include "crypto.h"
#include "enrollgrace.h"
#include "groups.h"
#include "logfield.h"
#include "helper_client.h"
#include "pending.h"
#include "profile.h"
#include "source.h"
#include "store.h"
#include "user.h"

#define FIELD_MAX	LOGFIELD_MAX
#define KEY_PATH_MAX	200	/* conf.c's bound on key_file */

#define MFA_PUBLIC __attribute__((visibility("default")))

/* An escaped user name: FIELD_MAX bytes, then "\..." if cut short. */
#define NAME_FIELD_MAX	(FIELD_MAX + 4)

/* What a log line says about where an attempt came from. */
struct log_ctx {
	char user[NAME_FIELD_MAX + 1];	/* the account, or the name typed */
	char typed[NAME_FIELD_MAX + 1];	/* the name typed, if not the same */
	char service[FIELD_MAX + 1];
	char rhost[FIELD_MAX + 1];
	char source[SOURCE_KEY_MAX + 1];	/* rhost's key (source.h) */
};

/*
 * Copy a user name as the client sent it, whatever it holds, for a log
 * line: printable ASCII but space, '=' and backslash as is, every other
 * byte as \xHH, at most FIELD_MAX bytes of that and then "\..." if there
 * was more; "-" when absent.  A name can't forge a field, and nothing
 * typed can end in "\..." (a backslash typed is "\x5c").
 */
static void
field_escape(char dst[NAME_FIELD_MAX + 1], const char *src)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, n = 0;

	if (src == NULL || src[0] == '\0') {
		memcpy(dst, "-", 2);
		return;
	}
	for (i = 0; src[i] != '\0'; i++) {
		unsigned char ch = (unsigned char)src[i];
		int plain = ch > 0x20 && ch < 0x7f && ch != '=' && ch != '\\';

		if (n + (plain ? 1 : 4) > FIELD_MAX) {
			memcpy(dst + n, "\\...", 4);
			n += 4;
			break;
		}
		if (plain) {
			dst[n++] = (char)ch;
		} else {
			dst[n++] = '\\';
			dst[n++] = 'x';
			dst[n++] = hex[ch >> 4];
			dst[n++] = hex[ch & 0xf];
		}
	}
	dst[n] = '\0';
}

static void
log_decision(pam_handle_t *pamh, int prio, const char *result,
    enum mfa_err reason, const struct log_ctx *lc, const char *detail)
{
	pam_syslog(pamh, prio, "result=%s reason=%s user=%s%s%s service=%s "
	    "rhost=%s%s%s", result, mfa_reason(reason), lc->user,
	    lc->typed[0] != '\0' ? " typed=" : "", lc->typed, lc->service,
	    lc->rhost, detail != NULL ? " " : "", detail != NULL ? detail : "");
}

enum mfa_mode {
	MODE_CODE,	/* get a code (prompt or one field) and verify it */
	MODE_SPLIT,	/* one field: take the code off, keep it for VERIFY */
	MODE_VERIFY,	/* verify the code SPLIT kept, after the password */
	MODE_PREAUTH,	/* refuse a locked user before anything is asked */
	MODE_AUTHFAIL,	/* count the failed password of the module above */
};

struct mfa_args {
	const char *conf_path;
	enum mfa_mode mode;
	const struct mfa_profile *profile;
	enum mfa_input input;
	int silent;
};

/* pam_set_data name of the code SPLIT keeps for VERIFY. */
#define STASH_NAME "pam_mfa:code"

/*
 * pam_set_data name of what pam_mfa's auth decided on this handle, for
 * the account step.  Reset to VERDICT_NONE when a code step, a split or
 * a preauth starts; only a verified code or an exempt decision lets the
 * account step pass.
 */
#define VERDICT_NAME "pam_mfa:verdict"

enum verdict {
	VERDICT_NONE,		/* auth ran: no code verified */
	VERDICT_SPLIT,		/* a code split off, no verify yet */
	VERDICT_CODE,		/* a code verified */
	VERDICT_EXEMPT,		/* an unenrolled user the config exempts */
};

struct verdict_data {
	enum verdict v;
	char user[MFA_USER_MAX + 1];	/* the PAM_USER it was decided for */
};

/* The mode an argument names, or MODE_CODE if it names none. */
static enum mfa_mode
mode_arg(const char *v)
{
	if (strcmp(v, "onefield=split") == 0)
		return MODE_SPLIT;
	if (strcmp(v, "onefield=verify") == 0)
		return MODE_VERIFY;
	if (strcmp(v, "preauth") == 0)
		return MODE_PREAUTH;
	if (strcmp(v, "authfail") == 0)
		return MODE_AUTHFAIL;
	return MODE_CODE;
}

/*
 * Module arguments: conf=/absolute/path; profile=NAME; onefield,
 * onefield=split or onefield=verify; preauth or authfail; silent.
 * Anything else, or two modes at once, is an error.
 */
static int
parse_args(int argc, const char **argv, int flags, struct mfa_args *a)
{
	enum mfa_mode m;
	int i, modes = 0, onefield = 0;

	a->conf_path = MFA_CONF_PATH;
	a->mode = MODE_CODE;
	a->profile = profile_default();
	a->silent = (flags & PAM_SILENT) != 0;
	for (i = 0; i < argc; i++) {
		const char *v = argv[i];

		if (strncmp(v, "conf=", 5) == 0 && v[5] == '/')
			a->conf_path = v + 5;
		else if (strncmp(v, "profile=", 8) == 0) {
			const struct mfa_profile *p = profile_find(v + 8);

			if (p == NULL)
				return -1;
			a->profile = p;
		} else if (strcmp(v, "onefield") == 0)
			onefield = 1;
		else if (strcmp(v, "silent") == 0)
			a->silent = 1;
		else if ((m = mode_arg(v)) != MODE_CODE) {
			a->mode = m;
			modes++;
			onefield |= m == MODE_SPLIT || m == MODE_VERIFY;
		} else
			return -1;
	}
	if (modes > 1)
		return -1;
	a->input = onefield ? MFA_INPUT_ONEFIELD : a->profile->input;
	if (a->profile->silent)
		a->silent = 1;
	return 0;
}

/*
 * A reply to one echo-off or echo-on prompt, copied into *out (malloc'd,
 * NUL-terminated, at most max bytes), the conversation's buffer wiped.
 */
static enum mfa_err
ask(pam_handle_t *pamh, int style, const char *prompt, size_t max,
    char **out, size_t *len)
{
	enum mfa_err rc = MFA_EINPUT;
	char *resp = NULL;
	size_t n;

	*out = NULL;
	*len = 0;
	if (pam_prompt(pamh, style, &resp, "%s", prompt) != PAM_SUCCESS ||
	    resp == NULL)
		goto out;
	n = strnlen(resp, max + 1);
	if (n <= max) {
		if ((*out = malloc(n + 1)) == NULL) {
			rc = MFA_ENOMEM;
		} else {
			memcpy(*out, resp, n + 1);
			*len = n;
			rc = MFA_OK;
		}
	}
	/* The whole reply, however long: it may hold a password. */
	crypto_wipe(resp, strlen(resp));
out:
	free(resp);
	return rc;
}

static void
free_secret(char *s, size_t len)
{
	if (s == NULL)
		return;
	crypto_wipe(s, len);
	free(s);
}

/* The separate prompt's code into code[], well-formed or MFA_EINPUT. */
static enum mfa_err
read_code(pam_handle_t *pamh, const struct mfa_conf *conf,
    const struct mfa_args *a, char code[MFA_ANSWER_MAX + 1], size_t *len)
{
	const char *prompt = a->profile->code_prompt != NULL ?
	    a->profile->code_prompt : conf->prompt;
	enum mfa_err rc;
	char *resp;
	size_t n;

	*len = 0;
	rc = ask(pamh, conf->prompt_echo ? PAM_PROMPT_ECHO_ON :
	    PAM_PROMPT_ECHO_OFF, prompt, MFA_INPUT_MAX, &resp, &n);
	if (rc != MFA_OK)
		return rc;
	if (auth_code_wellformed(resp, n)) {
		memcpy(code, resp, n);
		code[n] = '\0';
		*len = n;
	} else {
		rc = MFA_EINPUT;
	}
	free_secret(resp, n);
	return rc;
}

/*
 * The one field (password then code): PAM_AUTHTOK if an earlier module
 * collected it, otherwise asked for with the password prompt.
 */
static enum mfa_err
read_field(pam_handle_t *pamh, const struct mfa_conf *conf,
    const struct mfa_args *a, char **out, size_t *len)
{
	const void *item = NULL;
	size_t n;

	*out = NULL;
	*len = 0;
	if (pam_get_item(pamh, PAM_AUTHTOK, &item) == PAM_SUCCESS &&
	    item != NULL) {
		n = strnlen(item, a->profile->field_max + 1);
		if (n > a->profile->field_max)
			return MFA_EINPUT;
		if ((*out = malloc(n + 1)) == NULL)
			return MFA_ENOMEM;
		memcpy(*out, item, n);
		(*out)[n] = '\0';
		*len = n;
		return MFA_OK;
	}
	return ask(pamh, PAM_PROMPT_ECHO_OFF, conf->password_prompt,
	    a->profile->field_max, out, len);
}

/* Hand the password part on, as PAM_AUTHTOK, to use_first_pass. */
static enum mfa_err
set_password(pam_handle_t *pamh, char *field, size_t pw_len)
{
	char saved = field[pw_len];
	int rc;

	field[pw_len] = '\0';
	rc = pam_set_item(pamh, PAM_AUTHTOK, field);
	field[pw_len] = saved;
	return rc == PAM_SUCCESS ? MFA_OK :
	    rc == PAM_BUF_ERR ? MFA_ENOMEM : MFA_EINTERNAL;
}

static void
stash_cleanup(pam_handle_t *pamh, void *data, int status)
{
	(void)pamh;
	(void)status;
	free_secret(data, MFA_ANSWER_MAX + 1);
}

static void
verdict_cleanup(pam_handle_t *pamh, void *data, int status)
{
	(void)pamh;
	(void)status;
	free(data);
}

/*
 * Record v on the handle for PAM_USER as it stands (the string the
 * account step will compare, whatever name the lookup used).  If it
 * can't be, no earlier verdict is left behind either (the account step
 * then takes it that pam_mfa's auth never ran, and refuses an enrolled
 * user).
 */
static enum mfa_err
verdict_set(pam_handle_t *pamh, enum verdict v)
{
	struct verdict_data *d;
	const void *user = NULL;
	enum mfa_err rc = MFA_ENOMEM;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		goto fail;
	d->v = v;
	if (pam_get_item(pamh, PAM_USER, &user) == PAM_SUCCESS &&
	    user != NULL)
		snprintf(d->user, sizeof(d->user), "%s", (const char *)user);
	if (pam_set_data(pamh, VERDICT_NAME, d, verdict_cleanup) ==
	    PAM_SUCCESS)
		return MFA_OK;
	free(d);
	rc = MFA_EINTERNAL;
fail:
	(void)pam_set_data(pamh, VERDICT_NAME, NULL, NULL);
	return rc;
}

/* The verdict on the handle, or NULL if pam_mfa's auth never ran (or its
 * verdict could not be recorded). */
static const struct verdict_data *
verdict_get(pam_handle_t *pamh)
{
	const void *data = NULL;

	if (pam_get_data(pamh, VERDICT_NAME, &data) != PAM_SUCCESS)
		return NULL;
	return data;
}

/* Whether vd was recorded for the PAM_USER the handle holds now. */
static int
verdict_for(pam_handle_t *pamh, const struct verdict_data *vd)
{
	const void *user = NULL;

	return pam_get_item(pamh, PAM_USER, &user) == PAM_SUCCESS &&
	    user != NULL && strcmp(vd->user, user) == 0;
}

/* Whether the config lets this unenrolled account through as PAM_IGNORE
 * (never one the name service doesn't know, in "nss" lookup). */
static int
unenrolled_exempt(const struct mfa_conf *conf, const struct mfa_account *acct,
    int unknown)
{
	if (conf->unenrolled != MFA_UNENROLLED_IGNORE || unknown)
		return 0;
	if (conf->n_unenrolled_groups == 0)
		return 1;
	return groups_member_of_any(acct, conf->unenrolled_groups,
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

/* A time for a log line: "2030-03-17T12:00:00Z", or "-". */
static void
fmt_until(char *buf, size_t len, int64_t until)
{
	struct tm tm;
	time_t t = (time_t)until;

	if (until <= 0 || gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "-");
}

/* " locked_until=2030-03-17T12:00:00Z lock_step=N" for a lock line:
 * when the lock ends (admin_unlock: not by itself), and how many locks
 * in a row it is. */
static void
fmt_lock(char *buf, size_t len, const struct auth_result *res)
{
	char when[32];

	if (res->locked_until == STATE_LOCKED_FOREVER)
		snprintf(when, sizeof(when), "admin_unlock");
	else
		fmt_until(when, sizeof(when), res->locked_until);
	snprintf(buf, len, " locked_until=%s lock_step=%u", when,
	    (unsigned)res->lock_step);
}

/* " source=KEY source_failures=N" for a failure counted against its
 * source (source.h), with " source_locked_until=T" if it throttled it,
 * or " source_error=REASON" if it could not be counted; "" if none. */
static void
fmt_source(char *buf, size_t len, const struct auth_result *res)
{
	char when[32];

	buf[0] = '\0';
	if (res->source.key[0] == '\0')
		return;
	if (res->source.err != MFA_OK) {
		snprintf(buf, len, " source=%s source_error=%s",
		    res->source.key, mfa_reason(res->source.err));
		return;
	}
	fmt_until(when, sizeof(when), res->source.locked_until);
	snprintf(buf, len, " source=%s source_failures=%u%s%s",
	    res->source.key, (unsigned)res->source.fail_count,
	    res->source.locked_now ? " source_locked_until=" : "",
	    res->source.locked_now ? when : "");
}

/* The shared store could not be used (or its answer is unknown): the
 * login is denied as PAM_AUTHINFO_UNAVAIL, never a fallback. */
static int
store_down(enum mfa_err rc)
{
	return rc == MFA_EUNAVAIL || rc == MFA_ETIMEOUT ||
	    rc == MFA_EUNKNOWN || rc == MFA_ECONFLICT;
}

/* Log an attempt's outcome; return the PAM code for it. */
static int
report(pam_handle_t *pamh, const struct mfa_conf *conf,
    const struct mfa_args *a, const struct log_ctx *lc, enum mfa_err rc,
    const struct auth_result *res, const char *why)
{
	char detail[320], lock[80], src[160], when[32];

	switch (rc) {
	case MFA_OK:
		/* why: what is still to come (password=pending). */
		if (res->backup)
			snprintf(detail, sizeof(detail),
			    "detail=backup_code backup_left=%u%s%s",
			    res->backup_left, why != NULL ? " " : "",
			    why != NULL ? why : "");
		/* The first login activated the pending token (pending.h). */
		if (res->activated) {
			snprintf(detail, sizeof(detail),
			    "action=enroll_confirm by=login%s%s",
			    why != NULL ? " " : "", why != NULL ? why : "");
			why = detail;
		}
		/* A backup code means a lost phone, or a stolen code list. */
		log_decision(pamh, res->backup ? LOG_NOTICE : LOG_INFO,
		    "accept", rc, lc, res->backup ? detail : why);
		return PAM_SUCCESS;
	case MFA_EBADCODE:
	case MFA_EREPLAY:
	case MFA_EPASSWORD:
		lock[0] = '\0';
		if (res->locked_now)
			fmt_lock(lock, sizeof(lock), res);
		fmt_source(src, sizeof(src), res);
		snprintf(detail, sizeof(detail), "failures=%u%s%s%s",
		    (unsigned)res->fail_count, res->locked_now ?
		    " locked=yes" : "", lock, src);
		/* A replayed code was phished or intercepted: say it louder. */
		log_decision(pamh, rc == MFA_EREPLAY || res->locked_now ||
		    res->source.locked_now ? LOG_WARNING : LOG_NOTICE, "deny",
		    rc, lc, detail);
		deny_feedback(pamh, conf, a, res->locked_now);
		return PAM_AUTH_ERR;
	case MFA_ELOCKED:
		fmt_lock(lock, sizeof(lock), res);
		fmt_source(src, sizeof(src), res);
		snprintf(detail, sizeof(detail), "failures=%u%s%s%s",
		    (unsigned)res->fail_count, lock,
		    a->mode == MODE_PREAUTH ? " detail=preauth" : "", src);
		log_decision(pamh, LOG_NOTICE, "deny", rc, lc, detail);
		deny_feedback(pamh, conf, a, 1);
		return PAM_AUTH_ERR;
	case MFA_ESOURCE:
		/* As a wrong code to the client: same code, same delay, no
		 * word; the user's count untouched. */
		fmt_until(when, sizeof(when), res->source.locked_until);
		snprintf(detail, sizeof(detail), "source=%s "
		    "source_locked_until=%s", lc->source, when);
		log_decision(pamh, LOG_NOTICE, "deny", rc, lc, detail);
		deny_feedback(pamh, conf, a, 0);
		return PAM_AUTH_ERR;
	case MFA_ENOTENROLLED:
	case MFA_ENOUSER:
	case MFA_EINPUT:
	case MFA_EEXPIRED:
	case MFA_EDEADLINE:
		log_decision(pamh, LOG_NOTICE, "deny", rc, lc, why);
		deny_feedback(pamh, conf, a, 0);
		return PAM_AUTH_ERR;
	case MFA_EUID:
		/* The name now names another account than the token's. */
		log_decision(pamh, LOG_WARNING, "deny", rc, lc, why);
		deny_feedback(pamh, conf, a, 0);
		return PAM_AUTH_ERR;
	case MFA_ENOMEM:
		log_decision(pamh, LOG_ERR, "deny", rc, lc, why);
		return PAM_BUF_ERR;
	case MFA_EUNAVAIL:
	case MFA_ETIMEOUT:
	case MFA_EUNKNOWN:
	case MFA_ECONFLICT:
	case MFA_EUNSYNCED:	/* require_clock_sync: can't decide */
		log_decision(pamh, LOG_ERR, "deny", rc, lc, why);
		deny_feedback(pamh, conf, a, 0);
		return PAM_AUTHINFO_UNAVAIL;
	default:
		log_decision(pamh, LOG_ERR, "deny", rc, lc, why);
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

/* Everything one invocation needs. */
struct call {
	pam_handle_t *pamh;
	struct mfa_conf *conf;
	struct mfa_store *store;
	struct mfa_args args;
	struct log_ctx lc;
	struct mfa_account acct;
	const char *typed;	/* PAM_USER, which passed user_valid */
	const char *user;	/* acct.name; NULL if unknown */
	int unknown;		/* the name service doesn't know the name */
	const char *rhost;
	int down;		/* enrolled() found the store down */
	const char *service;
	int helper;		/* not root: pam_mfa_helper does the store */
};

/* How long the module waits for the helper: its lock wait, and more. */
#define HELPER_SLACK_MS	10000

/*
 * The operation op through pam_mfa_helper (when the module is not root),
 * as the core would run it on the store.  *why: the log line's detail
 * when the helper failed, else NULL.
 */
static enum mfa_err
via_helper(struct call *c, enum helper_op op, const char *answer, size_t len,
    struct auth_result *res, unsigned *digits, unsigned *backup_len,
    const char **why)
{
	char service[HELPER_SERVICE_MAX + 1], rhost[HELPER_RHOST_MAX + 1];
	struct helper_req req;
	unsigned d, b;

	/* As long as the core and the log line keep, and more. */
	snprintf(service, sizeof(service), "%s",
	    c->service != NULL ? c->service : "");
	snprintf(rhost, sizeof(rhost), "%s", c->rhost != NULL ? c->rhost : "");
	memset(&req, 0, sizeof(req));
	req.op = op;
	req.conf = c->args.conf_path;
	req.user = c->user;
	req.service = service;
	req.rhost = rhost;
	req.answer = answer;
	req.answer_len = len;
	return helper_call(&req, c->conf->lock_wait_ms + HELPER_SLACK_MS, res,
	    digits != NULL ? digits : &d, backup_len != NULL ? backup_len : &b,
	    why);
}

/*
 * For an error of the key file, where the admin must look: the key file
 * (the config's, reduced as field_copy does, up to its 200 bytes), and
 * the key id the token names when the key file lacks it.  NULL for any
 * other error.
 */
static const char *
key_detail(struct call *c, enum mfa_err rc, char *buf, size_t len)
{
	char path[KEY_PATH_MAX + 1];
	struct mfa_token tok;
	size_t i;

	if (rc != MFA_EKEYMISSING && rc != MFA_EKEYUNREADABLE &&
	    rc != MFA_EKEYUNKNOWN)
		return NULL;
	for (i = 0; i < KEY_PATH_MAX && c->conf->key_file[i] != '\0'; i++)
		path[i] = c->conf->key_file[i] > 0x20 &&
		    c->conf->key_file[i] < 0x7f &&
		    c->conf->key_file[i] != '=' ? c->conf->key_file[i] : '?';
	path[i] = '\0';
	memset(&tok, 0, sizeof(tok));
	/* Through the helper the store is not ours to read: no key id. */
	if (rc == MFA_EKEYUNKNOWN && c->store != NULL &&
	    store_token_meta(c->store, c->user, &tok) == MFA_OK)
		snprintf(buf, len, "key_id=%lu key_file=%s",
		    (unsigned long)tok.key_id, path);
	else
		snprintf(buf, len, "key_file=%s", path);
	token_wipe(&tok);
	return buf;
}

/* What an attempt by a user without a token is refused as. */
static enum mfa_err
no_token(const struct call *c)
{
	return c->unknown ? MFA_ENOUSER : MFA_ENOTENROLLED;
}

/*
 * The account the name typed names (account.h): c->user becomes its name,
 * the store's key, and the log lines say it, and the name typed if not
 * the same.  A name the name service doesn't know ("nss" lookup) leaves
 * c->unknown set and c->user NULL: refused as unknown_user where a user
 * without a token would be, after the same prompts.
 */
static enum mfa_err
resolve(struct call *c)
{
	const char *typed = c->user;
	enum mfa_err rc;

	c->typed = typed;
	c->user = NULL;
	rc = account_resolve(typed, c->conf->user_lookup, &c->acct);
	if (rc == MFA_ENOUSER) {
		c->unknown = 1;
		return MFA_OK;
	}
	if (rc != MFA_OK)
		return rc;
	c->user = c->acct.name;
	if (strcmp(typed, c->acct.name) != 0) {
		field_escape(c->lc.user, c->acct.name);
		field_escape(c->lc.typed, typed);
	}
	return MFA_OK;
}

/* Verify code; an accept line carries note (NULL: none). */
static int
verify(struct call *c, const char *code, size_t len, const char *note)
{
	char detail[KEY_PATH_MAX + 32];
	struct auth_request req;
	struct auth_result res;
	const char *why = NULL;
	enum mfa_err rc;

	memset(&res, 0, sizeof(res));
	if (c->unknown)
		return report(c->pamh, c->conf, &c->args, &c->lc, MFA_ENOUSER,
		    &res, NULL);
	if (c->helper) {
		rc = via_helper(c, HELPER_ATTEMPT, code, len, &res, NULL, NULL,
		    &why);
	} else {
		req.user = c->user;
		req.acct = &c->acct;
		req.code = code;
		req.code_len = len;
		req.rhost = c->rhost;
		if ((req.now = clock_now()) == 0)
			return report(c->pamh, c->conf, &c->args, &c->lc,
			    MFA_ECLOCK, &res, NULL);
		req.clock_unsynced = clock_unsynced(c->conf);
		rc = auth_attempt(c->conf, c->store, &req, &res);
	}
	if (rc != MFA_OK)
		return report(c->pamh, c->conf, &c->args, &c->lc, rc, &res,
		    why != NULL ? why : key_detail(c, rc, detail,
		    sizeof(detail)));
	/* The account step passes only with this mark. */
	if ((rc = verdict_set(c->pamh, VERDICT_CODE)) != MFA_OK)
		return report(c->pamh, c->conf, &c->args, &c->lc, rc, &res,
		    "detail=verdict");
	return report(c->pamh, c->conf, &c->args, &c->lc, MFA_OK, &res, note);
}

/*
 * Code, split: whether the user has a confirmed token (1), has none (0),
 * or the store failed (-1, logged).  digits receives the token's length,
 * backup_len its backup codes' (0: none).
 */
static int
enrolled(struct call *c, unsigned *digits, unsigned *backup_len)
{
	struct auth_result res;
	struct mfa_token tok;
	enum mfa_err rc;
	const char *why = NULL;
	int yes;

	*digits = 0;
	*backup_len = 0;
	if (c->unknown)
		return 0;
	if (c->helper) {
		/* The helper checks the token's owner as token_owner does. */
		rc = via_helper(c, HELPER_META, NULL, 0, &res, digits,
		    backup_len, &why);
		yes = rc == MFA_OK;
	} else {
		rc = store_token_meta(c->store, c->user, &tok);
		yes = rc == MFA_OK && !(tok.flags & TOKEN_F_PENDING);
		*digits = yes ? tok.digits : 0;
		*backup_len = yes && tok.backup_count > 0 ? tok.backup_len : 0;
		/* Another account's token (auth_attempt checks it again,
		 * opened). */
		if (rc == MFA_OK)
			rc = account_token_check(&c->acct, &tok);
		token_wipe(&tok);
		/* None active: one to activate now? (pending.h) */
		if (rc == MFA_ENOTENROLLED && (rc = pending_usable(c->conf,
		    c->store, &c->acct, clock_now(), digits)) == MFA_OK)
			yes = 1;
	}
	if (rc != MFA_OK && rc != MFA_ENOTENROLLED) {
		log_decision(c->pamh, rc == MFA_EUID ? LOG_WARNING : LOG_ERR,
		    "deny", rc, &c->lc, why != NULL ? why : "detail=token");
		c->down = store_down(rc);
		return -1;
	}
	/* A token under the name as typed, enrolled before names were
	 * resolved: never an exempt user (pam-mfa list names it). */
	if (rc == MFA_ENOTENROLLED &&
	    c->conf->unenrolled == MFA_UNENROLLED_IGNORE &&
	    strcmp(c->typed, c->user) != 0) {
		/* Through the helper, which resolves every name it is
		 * given, a token under the typed spelling can't be looked
		 * for: such a login is not exempt (fail closed). */
		if (c->helper) {
			log_decision(c->pamh, LOG_NOTICE, "deny",
			    MFA_ENOTENROLLED, &c->lc,
			    "detail=typed_name_unchecked");
			return -1;
		}
		rc = store_token_meta(c->store, c->typed, &tok);
		token_wipe(&tok);
		if (rc != MFA_ENOTENROLLED) {
			log_decision(c->pamh, LOG_WARNING, "deny",
			    MFA_ENOTENROLLED, &c->lc,
			    "detail=token_under_typed_name");
			return -1;
		}
	}
	return yes;
}

/* MFA_OK unless the user's token is another account's (MFA_EUID,
 * MFA_ENOUSER) or can't be read; MFA_OK without a token. */
static enum mfa_err
token_owner(struct call *c)
{
	return auth_token_owner(c->store, &c->acct);
}

static int
exempt(struct call *c)
{
	struct auth_result res;
	char detail[64];
	unsigned days;
	enum mfa_err rc;

	memset(&res, 0, sizeof(res));
	/* Exempt until the enrollment deadline, if any (enrollgrace.h). */
	if ((rc = enrollgrace_check(c->conf, clock_now(), &days)) != MFA_OK)
		return report(c->pamh, c->conf, &c->args, &c->lc, rc, &res,
		    "detail=unenrolled");
	if ((rc = verdict_set(c->pamh, VERDICT_EXEMPT)) != MFA_OK)
		return report(c->pamh, c->conf, &c->args, &c->lc, rc, &res,
		    "detail=verdict");
	snprintf(detail, sizeof(detail),
	    "detail=exempt_by_config grace_days_left=%u", days);
	log_decision(c->pamh, LOG_NOTICE, "ignore", MFA_ENOTENROLLED, &c->lc,
	    c->conf->enroll_deadline != 0 ? detail :
	    "detail=exempt_by_config");
	return PAM_IGNORE;
}

/* The separate prompt. */
static int
run_prompt(struct call *c)
{
	struct auth_result res;
	char code[MFA_ANSWER_MAX + 1] = { 0 };
	unsigned digits, backup_len;
	enum mfa_err rc;
	size_t len;
	int is, ret;

	memset(&res, 0, sizeof(res));
	/* Whether the user is enrolled matters before the prompt only if
	 * the unenrolled may pass; otherwise the attempt finds out. */
	if (c->conf->unenrolled == MFA_UNENROLLED_IGNORE) {
		if ((is = enrolled(c, &digits, &backup_len)) < 0)
			return c->down ? PAM_AUTHINFO_UNAVAIL : PAM_AUTH_ERR;
		if (!is && unenrolled_exempt(c->conf, &c->acct, c->unknown))
			return exempt(c);
	}
	/* Asked of everyone, so the prompt tells nobody who is enrolled. */
	if ((rc = read_code(c->pamh, c->conf, &c->args, code, &len)) != MFA_OK)
		ret = report(c->pamh, c->conf, &c->args, &c->lc, rc, &res,
		    "detail=malformed_code");
	else
		ret = verify(c, code, len, NULL);
	crypto_wipe(code, sizeof(code));
	return ret;
}

/*
 * One field: read it, take the code off its end, hand the password on.
 * MODE_CODE verifies the code now; MODE_SPLIT keeps it for MODE_VERIFY.
 */
static int
run_onefield(struct call *c)
{
	struct auth_result res;
	char *field = NULL, *stash;
	unsigned digits, backup_len;
	enum mfa_err rc;
	size_t len = 0, pw_len;
	int is, ret;

	memset(&res, 0, sizeof(res));
	if ((is = enrolled(c, &digits, &backup_len)) < 0)
		return c->down ? PAM_AUTHINFO_UNAVAIL : PAM_AUTH_ERR;
	if ((rc = read_field(c->pamh, c->conf, &c->args, &field, &len)) !=
	    MFA_OK) {
		ret = report(c->pamh, c->conf, &c->args, &c->lc, rc, &res,
		    "detail=malformed_field");
		goto out;
	}
	if (!is) {
		/* The whole field is the password of an exempt user. */
		if (unenrolled_exempt(c->conf, &c->acct, c->unknown) &&
		    (rc = set_password(c->pamh, field, len)) == MFA_OK)
			ret = exempt(c);
		else
			ret = report(c->pamh, c->conf, &c->args, &c->lc,
			    rc == MFA_OK ? no_token(c) : rc, &res, NULL);
		goto out;
	}
	if (!auth_split_field(field, len, digits, backup_len, &pw_len)) {
		ret = report(c->pamh, c->conf, &c->args, &c->lc, MFA_EINPUT,
		    &res, "detail=no_code_in_field");
		goto out;
	}
	if ((rc = set_password(c->pamh, field, pw_len)) != MFA_OK) {
		ret = report(c->pamh, c->conf, &c->args, &c->lc, rc, &res,
		    "detail=set_authtok");
		goto out;
	}
	if (c->args.mode == MODE_CODE) {
		/* Code first: the password module behind us decides next. */
		ret = verify(c, field + pw_len, len - pw_len,
		    "password=pending");
		goto out;
	}
	/* MODE_SPLIT: keep the code on the handle, wiped when it ends. */
	if ((stash = calloc(1, MFA_ANSWER_MAX + 1)) == NULL) {
		ret = report(c->pamh, c->conf, &c->args, &c->lc, MFA_ENOMEM,
		    &res, NULL);
		goto out;
	}
	memcpy(stash, field + pw_len, len - pw_len);
	if (pam_set_data(c->pamh, STASH_NAME, stash, stash_cleanup) !=
	    PAM_SUCCESS) {
		free_secret(stash, MFA_ANSWER_MAX + 1);
		ret = report(c->pamh, c->conf, &c->args, &c->lc, MFA_EINTERNAL,
		    &res, "detail=stash");
		goto out;
	}
	/* Nothing decided yet: the password module and VERIFY decide. */
	if ((rc = verdict_set(c->pamh, VERDICT_SPLIT)) != MFA_OK) {
		ret = report(c->pamh, c->conf, &c->args, &c->lc, rc, &res,
		    "detail=verdict");
		goto out;
	}
	ret = PAM_IGNORE;
out:
	free_secret(field, len);
	return ret;
}

/* After the password module: verify what MODE_SPLIT kept. */
static int
run_verify(struct call *c)
{
	const struct verdict_data *vd = verdict_get(c->pamh);
	struct auth_result res;
	const void *data = NULL;
	char code[MFA_ANSWER_MAX + 1];
	unsigned digits, backup_len;
	enum mfa_err rc;
	size_t len;
	int is, ret;

	memset(&res, 0, sizeof(res));
	/* SPLIT exempted this user and logged it: one decision, one line. */
	if (vd != NULL && vd->v == VERDICT_EXEMPT && verdict_for(c->pamh, vd))
		return PAM_IGNORE;
	if ((is = enrolled(c, &digits, &backup_len)) < 0)
		return c->down ? PAM_AUTHINFO_UNAVAIL : PAM_AUTH_ERR;
	if (pam_get_data(c->pamh, STASH_NAME, &data) != PAM_SUCCESS ||
	    data == NULL) {
		if (!is && unenrolled_exempt(c->conf, &c->acct, c->unknown))
			return exempt(c);
		/* No split before us: a stack without onefield=split. */
		return report(c->pamh, c->conf, &c->args, &c->lc,
		    is ? MFA_ECONFIG : no_token(c), &res,
		    is ? "detail=no_split_before_verify" : NULL);
	}
	len = strnlen(data, MFA_ANSWER_MAX);
	memcpy(code, data, len);
	/* Used once: drop it from the handle (the cleanup wipes it). */
	pam_set_data(c->pamh, STASH_NAME, NULL, NULL);
	/* Verified or not, the split is used up. */
	if ((rc = verdict_set(c->pamh, VERDICT_NONE)) != MFA_OK)
		ret = report(c->pamh, c->conf, &c->args, &c->lc, rc, &res,
		    "detail=verdict");
	else
		ret = verify(c, code, len, NULL);
	crypto_wipe(code, sizeof(code));
	return ret;
}

/* A call on pamh: its service and remote host, for the store and the
 * log lines; the user is not known yet. */
static void
call_start(struct call *c, pam_handle_t *pamh)
{
	const void *item = NULL;

	memset(c, 0, sizeof(*c));
	c->pamh = pamh;
	field_escape(c->lc.user, NULL);
	pam_get_item(pamh, PAM_SERVICE, &item);
	logfield_copy(c->lc.service, item);
	c->service = item;
	item = NULL;
	pam_get_item(pamh, PAM_RHOST, &item);
	logfield_copy(c->lc.rhost, item);
	c->rhost = item;
}

/* The key the remote host's failures count under, for the log line of
 * a throttled source (source.h). */
static void
source_log_key(struct call *c)
{
	struct source src;

	/* Throttle off: no source is ever refused, no line names one. */
	if (c->conf->source_deny == 0) {
		snprintf(c->lc.source, sizeof(c->lc.source), "-");
		return;
	}
	source_parse(c->rhost, c->conf->source_ipv6_prefix, &src);
	snprintf(c->lc.source, sizeof(c->lc.source), "%s",
	    src.kind == SOURCE_NONE ? "-" : src.key);
}

MFA_PUBLIC int
pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	char errmsg[CONF_ERRMSG_MAX];
	struct auth_result res;
	struct call c;
	const char *why = NULL;
	enum mfa_err rc;
	int ret = PAM_AUTH_ERR;

	memset(&res, 0, sizeof(res));
	call_start(&c, pamh);

	if (parse_args(argc, argv, flags, &c.args) != 0) {
		/* No earlier verdict survives a broken line (if this
		 * fails, verdict_set still drops the old one). */
		(void)verdict_set(pamh, VERDICT_NONE);
		log_decision(pamh, LOG_ERR, "deny", MFA_ECONFIG, &c.lc,
		    "detail=bad_module_argument");
		return PAM_SERVICE_ERR;
	}
	/* A new auth phase: no verdict of an earlier one counts. */
	if ((c.args.mode == MODE_CODE || c.args.mode == MODE_SPLIT ||
	    c.args.mode == MODE_PREAUTH) &&
	    (rc = verdict_set(pamh, VERDICT_NONE)) != MFA_OK) {
		log_decision(pamh, LOG_ERR, "deny", rc, &c.lc,
		    "detail=verdict");
		return rc == MFA_ENOMEM ? PAM_BUF_ERR : PAM_AUTH_ERR;
	}
	if (pam_get_user(pamh, &c.user, NULL) != PAM_SUCCESS ||
	    c.user == NULL ||
	    !user_valid(c.user, strnlen(c.user, MFA_USER_MAX + 1))) {
		/* Escaped and bounded: what was typed, never a new field. */
		field_escape(c.lc.user, c.user);
		log_decision(pamh, LOG_NOTICE, "deny", MFA_EINPUT, &c.lc,
		    "detail=invalid_user_name");
		return PAM_AUTH_ERR;
	}
	field_escape(c.lc.user, c.user);

	if ((rc = conf_load(c.args.conf_path, &c.conf, errmsg)) != MFA_OK) {
		pam_syslog(pamh, LOG_ERR, "result=deny reason=%s user=%s "
		    "service=%s rhost=%s config=%s: %s",
		    mfa_reason(rc == MFA_ENOMEM ? MFA_ENOMEM : MFA_ECONFIG),
		    c.lc.user, c.lc.service, c.lc.rhost, c.args.conf_path,
		    errmsg);
		return rc == MFA_ENOMEM ? PAM_BUF_ERR : PAM_SERVICE_ERR;
	}
	source_log_key(&c);
	if ((rc = resolve(&c)) != MFA_OK) {
		ret = report(pamh, c.conf, &c.args, &c.lc, rc, &res,
		    rc == MFA_EINPUT ? "detail=invalid_account_name" : NULL);
		goto out;
	}
	/* Not root (FreeRADIUS as freerad): the setuid helper opens the
	 * store for each operation instead. */
	if (geteuid() != 0)
		c.helper = 1;
	else if ((rc = store_open(c.conf, &c.store)) != MFA_OK) {
		log_decision(pamh, LOG_ERR, "deny", rc, &c.lc,
		    "detail=store_open");
		if (store_down(rc))
			ret = PAM_AUTHINFO_UNAVAIL;
		goto out;
	}

	switch (c.args.mode) {
	case MODE_PREAUTH:
		/* Unknown: nothing to lock, and nothing told before the
		 * code step, which refuses it. */
		if (c.unknown)
			rc = MFA_ENOTENROLLED;
		else if (c.helper)
			rc = via_helper(&c, HELPER_PREAUTH, NULL, 0, &res,
			    NULL, NULL, &why);
		else if ((rc = token_owner(&c)) == MFA_OK)
			rc = auth_check_locked(c.conf, c.store, c.user,
			    clock_now(), &res);
		/* Not locked, or nothing to lock: the code step decides. */
		ret = rc == MFA_OK || rc == MFA_ENOTENROLLED ? PAM_IGNORE :
		    report(pamh, c.conf, &c.args, &c.lc, rc, &res, why);
		break;
	case MODE_AUTHFAIL:
		if (c.unknown)
			rc = MFA_ENOUSER;
		else if (c.helper)
			rc = via_helper(&c, HELPER_AUTHFAIL, NULL, 0, &res,
			    NULL, NULL, &why);
		else if ((rc = token_owner(&c)) == MFA_OK)
			rc = auth_fail_password(c.conf, c.store, c.user,
			    c.rhost, clock_now(), &res);
		if (rc == MFA_ENOTENROLLED)
			rc = MFA_EPASSWORD;
		(void)report(pamh, c.conf, &c.args, &c.lc, rc, &res, why);
		/* Whatever was recorded, a failed password fails. */
		ret = rc == MFA_ENOMEM ? PAM_BUF_ERR : PAM_AUTH_ERR;
		break;
	case MODE_VERIFY:
		ret = run_verify(&c);
		break;
	case MODE_SPLIT:
		ret = run_onefield(&c);
		break;
	case MODE_CODE:
		ret = c.args.input == MFA_INPUT_ONEFIELD ? run_onefield(&c) :
		    run_prompt(&c);
		break;
	}
out:
	store_close(c.store);
	conf_free(c.conf);
	return ret;
}

/*
 * The account step: pass only what pam_mfa's auth decided on this handle
 * for this user (a verified code, or an exempt unenrolled user), so that
 * a stack that skipped or never ran the code check fails closed.  If
 * pam_mfa's auth never ran on this handle (a public-key-only sshd login,
 * an auth stack without pam_mfa), an enrolled user is refused and an
 * unenrolled one gets what the auth step would give them.  It logs only
 * a refusal or an exemption of its own: the auth step logged the rest.
 */
MFA_PUBLIC int
pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	char errmsg[CONF_ERRMSG_MAX];
	const struct verdict_data *vd;
	struct call c;
	const void *item = NULL;
	unsigned digits, backup_len;
	enum mfa_err rc;
	int is, ret = PAM_PERM_DENIED;

	call_start(&c, pamh);

	/* The auth step's modes mean nothing here. */
	if (parse_args(argc, argv, flags, &c.args) != 0 ||
	    c.args.mode != MODE_CODE) {
		log_decision(pamh, LOG_ERR, "deny", MFA_ECONFIG, &c.lc,
		    "detail=bad_module_argument");
		return PAM_SERVICE_ERR;
	}
	/* The user the auth phase settled on: never asked for here. */
	item = NULL;
	if (pam_get_item(pamh, PAM_USER, &item) != PAM_SUCCESS ||
	    item == NULL ||
	    !user_valid(item, strnlen(item, MFA_USER_MAX + 1))) {
		field_escape(c.lc.user, item);
		log_decision(pamh, LOG_NOTICE, "deny", MFA_EINPUT, &c.lc,
		    "detail=invalid_user_name");
		return PAM_PERM_DENIED;
	}
	c.user = item;
	field_escape(c.lc.user, c.user);

	if ((vd = verdict_get(pamh)) != NULL) {
		if (vd->v != VERDICT_NONE && !verdict_for(pamh, vd)) {
			log_decision(pamh, LOG_WARNING, "deny", MFA_ECONFIG,
			    &c.lc, "detail=user_changed_after_auth");
			return PAM_PERM_DENIED;
		}
		switch (vd->v) {
		case VERDICT_CODE:
			return PAM_SUCCESS;
		case VERDICT_EXEMPT:
			return PAM_IGNORE;
		case VERDICT_SPLIT:
			log_decision(pamh, LOG_ERR, "deny", MFA_ECONFIG, &c.lc,
			    "detail=split_without_verify");
			return PAM_PERM_DENIED;
		case VERDICT_NONE:
			break;
		}
		log_decision(pamh, LOG_ERR, "deny", MFA_ECONFIG, &c.lc,
		    "detail=no_code_verified");
		return PAM_PERM_DENIED;
	}

	/* pam_mfa's auth never ran on this handle. */
	if ((rc = conf_load(c.args.conf_path, &c.conf, errmsg)) != MFA_OK) {
		pam_syslog(pamh, LOG_ERR, "result=deny reason=%s user=%s "
		    "service=%s rhost=%s config=%s: %s",
		    mfa_reason(rc == MFA_ENOMEM ? MFA_ENOMEM : MFA_ECONFIG),
		    c.lc.user, c.lc.service, c.lc.rhost, c.args.conf_path,
		    errmsg);
		return PAM_PERM_DENIED;
	}
	/* The same account the auth step would have looked up. */
	if ((rc = resolve(&c)) != MFA_OK) {
		log_decision(pamh, LOG_ERR, "deny", rc, &c.lc,
		    rc == MFA_EINPUT ? "detail=invalid_account_name" : NULL);
		goto out;
	}
	/* Not root: the setuid helper reads the token, as for auth. */
	if (geteuid() != 0)
		c.helper = 1;
	else if ((rc = store_open(c.conf, &c.store)) != MFA_OK) {
		log_decision(pamh, LOG_ERR, "deny", rc, &c.lc,
		    "detail=store_open");
		goto out;
	}
	if ((is = enrolled(&c, &digits, &backup_len)) < 0)
		goto out;
	if (is)
		log_decision(pamh, LOG_ERR, "deny", MFA_ECONFIG, &c.lc,
		    "detail=no_mfa_auth");
	else if (unenrolled_exempt(c.conf, &c.acct, c.unknown))
		ret = exempt(&c) == PAM_IGNORE ? PAM_IGNORE : PAM_PERM_DENIED;
	else
		log_decision(pamh, LOG_NOTICE, "deny", no_token(&c),
		    &c.lc, "detail=no_mfa_auth");
out:
	store_close(c.store);
	conf_free(c.conf);
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
