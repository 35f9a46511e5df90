/*
 * conf.c - the config loader, the only user of libconfig; see conf.h.
 */
#include "config.h"

#include <errno.h>
#include <libconfig.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "safefile.h"
#include "user.h"

#define CONF_FILE_MAX	(64 * 1024)

struct conf_key;
typedef enum mfa_err (*conf_setter)(struct mfa_conf *, const config_setting_t *,
    const struct conf_key *, char *);

struct conf_key {
	const char *name;
	conf_setter set;
	size_t off;
	long long min, max;	/* value bounds, or length bounds for strings */
};

/* "line N: key: what" into errmsg; never the value, which may be long. */
static void
conf_err(char *errmsg, const config_setting_t *s, const char *what)
{
	const char *name = s != NULL ? config_setting_name(s) : NULL;

	snprintf(errmsg, CONF_ERRMSG_MAX, "line %d: %s: %s",
	    s != NULL ? config_setting_source_line(s) : 0,
	    name != NULL ? name : "?", what);
}

static enum mfa_err
set_uint(struct mfa_conf *c, const config_setting_t *s,
    const struct conf_key *k, char *errmsg)
{
	char msg[96];
	long long v;

	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64) {
		conf_err(errmsg, s, "must be an integer");
		return MFA_ECONFIG;
	}
	v = config_setting_get_int64(s);
	if (v < k->min || v > k->max) {
		snprintf(msg, sizeof(msg), "must be between %lld and %lld",
		    k->min, k->max);
		conf_err(errmsg, s, msg);
		return MFA_ECONFIG;
	}
	*(unsigned *)(void *)((char *)c + k->off) = (unsigned)v;
	return MFA_OK;
}

static enum mfa_err
set_bool(struct mfa_conf *c, const config_setting_t *s,
    const struct conf_key *k, char *errmsg)
{
	if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
		conf_err(errmsg, s, "must be true or false");
		return MFA_ECONFIG;
	}
	*(bool *)(void *)((char *)c + k->off) = config_setting_get_bool(s) != 0;
	return MFA_OK;
}

/* The string value of s if it is a string of allowed length, else NULL. */
static const char *
get_string(const config_setting_t *s, const struct conf_key *k, char *errmsg)
{
	char msg[96];
	const char *v;
	size_t n, i;

	if (config_setting_type(s) != CONFIG_TYPE_STRING ||
	    (v = config_setting_get_string(s)) == NULL) {
		conf_err(errmsg, s, "must be a string");
		return NULL;
	}
	n = strlen(v);
	if ((long long)n < k->min || (long long)n > k->max) {
		snprintf(msg, sizeof(msg), "length must be between %lld and %lld",
		    k->min, k->max);
		conf_err(errmsg, s, msg);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)v[i];

		/* No control characters: they'd reach prompts and logs. */
		if (ch < 0x20 || ch == 0x7f) {
			conf_err(errmsg, s, "contains a control character");
			return NULL;
		}
	}
	return v;
}

static enum mfa_err
set_string(struct mfa_conf *c, const config_setting_t *s,
    const struct conf_key *k, char *errmsg)
{
	char **dst = (char **)(void *)((char *)c + k->off);
	const char *v;
	char *dup;

	if ((v = get_string(s, k, errmsg)) == NULL)
		return MFA_ECONFIG;
	if ((dup = strdup(v)) == NULL)
		return MFA_ENOMEM;
	free(*dst);
	*dst = dup;
	return MFA_OK;
}

/*
 * Absolute and canonical: no component is "." or "..", no "//", no
 * trailing "/", so that two such paths name the same place only if they
 * are equal (no symlink is followed on the way: safefile.h) and one lies
 * inside the other only if it is a prefix of it.
 */
static int
path_clean(const char *p)
{
	const char *c;
	size_t len = strlen(p);

	if (p[0] != '/' || len < 2 || p[len - 1] == '/' ||
	    strstr(p, "//") != NULL)
		return 0;
	for (c = p; c != NULL; c = strchr(c + 1, '/')) {
		const char *n = c + 1;

		if ((n[0] == '.' && (n[1] == '/' || n[1] == '\0')) ||
		    (n[0] == '.' && n[1] == '.' && (n[2] == '/' || n[2] == '\0')))
			return 0;
	}
	return 1;
}

/* state_dir and key_file: absolute paths without . or .. components. */
static enum mfa_err
set_state_dir(struct mfa_conf *c, const config_setting_t *s,
    const struct conf_key *k, char *errmsg)
{
	const char *v;

	if ((v = get_string(s, k, errmsg)) == NULL)
		return MFA_ECONFIG;
	if (!path_clean(v)) {
		conf_err(errmsg, s, "must be an absolute path without ., .., // "
		    "or a trailing /");
		return MFA_ECONFIG;
	}
	return set_string(c, s, k, errmsg);
}

static enum mfa_err
set_issuer(struct mfa_conf *c, const config_setting_t *s,
    const struct conf_key *k, char *errmsg)
{
	const char *v;

	if ((v = get_string(s, k, errmsg)) == NULL)
		return MFA_ECONFIG;
	/* ':' separates issuer and account in an otpauth label. */
	if (strchr(v, ':') != NULL) {
		conf_err(errmsg, s, "must not contain ':'");
		return MFA_ECONFIG;
	}
	return set_string(c, s, k, errmsg);
}

/* A group name (as user_valid allows), or "" for none. */
static enum mfa_err
set_group_name(struct mfa_conf *c, const config_setting_t *s,
    const struct conf_key *k, char *errmsg)
{
	const char *v;

	if ((v = get_string(s, k, errmsg)) == NULL)
		return MFA_ECONFIG;
	if (v[0] != '\0' && !user_valid(v, strlen(v))) {
		conf_err(errmsg, s, "invalid group name");
		return MFA_ECONFIG;
	}
	return set_string(c, s, k, errmsg);
}

/* Index of the string value of s in choices, or -1 after an error. */
static int
get_choice(const config_setting_t *s, const char *const *choices,
    char *errmsg)
{
	char msg[128];
	const char *v;
	size_t used = 0;
	int i;

	if (config_setting_type(s) == CONFIG_TYPE_STRING &&
	    (v = config_setting_get_string(s)) != NULL)
		for (i = 0; choices[i] != NULL; i++)
			if (strcmp(v, choices[i]) == 0)
				return i;
	msg[0] = '\0';
	for (i = 0; choices[i] != NULL && used < sizeof(msg); i++)
		used += (size_t)snprintf(msg + used, sizeof(msg) - used,
		    "%s\"%s\"", i == 0 ? "must be one of " : ", ", choices[i]);
	conf_err(errmsg, s, msg);
	return -1;
}

static enum mfa_err
set_unenrolled(struct mfa_conf *c, const config_setting_t *s,
    const struct conf_key *k, char *errmsg)
{
	static const char *const choices[] = { "deny", "ignore", NULL };
	int i;

	(void)k;
	if ((i = get_choice(s, choices, errmsg)) < 0)
		return MFA_ECONFIG;
	c->unenrolled = i == 0 ? MFA_UNENROLLED_DENY : MFA_UNENROLLED_IGNORE;
	return MFA_OK;
}

static enum mfa_err
set_user_lookup(struct mfa_conf *c, const config_setting_t *s,
    const struct conf_key *k, char *errmsg)
{
	static const char *const choices[] = { "nss", "exact", NULL };
	int i;

	(void)k;
	if ((i = get_choice(s, choices, errmsg)) < 0)
		return MFA_ECONFIG;
	c->user_lookup = i == 0 ? MFA_LOOKUP_NSS : MFA_LOOKUP_EXACT;
	return MFA_OK;
}

static enum mfa_err
set_flush(struct mfa_conf *c, const config_setting_t *s,
    const struct conf_key *k, char *errmsg)
{
	static const char *const choices[] = { "always", "os", NULL };
	int i;

	(void)k;
	if ((i = get_choice(s, choices, errmsg)) < 0)
		return MFA_ECONFIG;
	c->state_flush = i == 0 ? MFA_FLUSH_ALWAYS : MFA_FLUSH_OS;
	return MFA_OK;
}

static enum mfa_err
set_store(struct mfa_conf *c, const config_setting_t *s,
    const struct conf_key *k, char *errmsg)
{
	static const char *const choices[] = { "file", "postgresql", NULL };
	int i;

	(void)k;
	if ((i = get_choice(s, choices, errmsg)) < 0)
		return MFA_ECONFIG;
	c->store = i == 0 ? MFA_STORE_FILE : MFA_STORE_POSTGRESQL;
	return MFA_OK;
}

static enum mfa_err
set_algorithm(struct mfa_conf *c, const config_setting_t *s,
    const struct conf_key *k, char *errmsg)
{
	static const char *const choices[] = { "SHA1", "SHA256", "SHA512",
	    NULL };
	static const enum mfa_algo algos[] = { MFA_SHA1, MFA_SHA256,
	    MFA_SHA512 };
	int i;

	(void)k;
	if ((i = get_choice(s, choices, errmsg)) < 0)
		return MFA_ECONFIG;
	c->algorithm = algos[i];
	return MFA_OK;
}

static enum mfa_err
set_digits(struct mfa_conf *c, const config_setting_t *s,
    const struct conf_key *k, char *errmsg)
{
	enum mfa_err rc;

	if ((rc = set_uint(c, s, k, errmsg)) != MFA_OK)
		return rc;
	if (c->digits != 6 && c->digits != 8) {
		conf_err(errmsg, s, "must be 6 or 8");
		return MFA_ECONFIG;
	}
	return MFA_OK;
}

static enum mfa_err
set_period(struct mfa_conf *c, const config_setting_t *s,
    const struct conf_key *k, char *errmsg)
{
	enum mfa_err rc;

	if ((rc = set_uint(c, s, k, errmsg)) != MFA_OK)
		return rc;
	if (c->period != 30 && c->period != 60) {
		conf_err(errmsg, s, "must be 30 or 60");
		return MFA_ECONFIG;
	}
	return MFA_OK;
}

static enum mfa_err
set_groups(struct mfa_conf *c, const config_setting_t *s,
    const struct conf_key *k, char *errmsg)
{
	char **groups;
	int n, i;

	(void)k;
	if (config_setting_type(s) != CONFIG_TYPE_ARRAY &&
	    config_setting_type(s) != CONFIG_TYPE_LIST) {
		conf_err(errmsg, s, "must be an array of group names");
		return MFA_ECONFIG;
	}
	n = config_setting_length(s);
	if (n < 0 || n > 64) {
		conf_err(errmsg, s, "at most 64 groups");
		return MFA_ECONFIG;
	}
	if ((groups = calloc((size_t)n + 1, sizeof(*groups))) == NULL)
		return MFA_ENOMEM;
	for (i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s,
		    (unsigned)i);
		const char *v = e != NULL ? config_setting_get_string(e) : NULL;

		if (v == NULL || !user_valid(v, strlen(v))) {
			conf_err(errmsg, s, "invalid group name");
			goto fail;
		}
		if ((groups[i] = strdup(v)) == NULL)
			goto fail_nomem;
	}
	c->unenrolled_groups = groups;
	c->n_unenrolled_groups = (size_t)n;
	return MFA_OK;
fail_nomem:
	snprintf(errmsg, CONF_ERRMSG_MAX, "out of memory");
	for (i = 0; i < n; i++)
		free(groups[i]);
	free(groups);
	return MFA_ENOMEM;
fail:
	for (i = 0; i < n; i++)
		free(groups[i]);
	free(groups);
	return MFA_ECONFIG;
}

/*
 * enroll_deadline: "YYYY-MM-DD", a date of the Gregorian calendar in UTC
 * (1970-01-01 to 9999-12-31); the unenrolled pass through the end of that
 * day, so the deadline is the first second of the next day.  "": none.
 */
static enum mfa_err
set_deadline(struct mfa_conf *c, const config_setting_t *s,
    const struct conf_key *k, char *errmsg)
{
	static const unsigned mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };
	const char *v;
	unsigned y, m, d, i, leap;
	int64_t days;

	if ((v = get_string(s, k, errmsg)) == NULL)
		return MFA_ECONFIG;
	c->enroll_deadline = 0;
	if (v[0] == '\0')
		return MFA_OK;		/* none */
	for (i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? v[i] != '-' : v[i] < '0' || v[i] > '9')
			break;
	if (i != 10 || v[10] != '\0')
		goto bad;
	y = (unsigned)(v[0] - '0') * 1000 + (unsigned)(v[1] - '0') * 100 +
	    (unsigned)(v[2] - '0') * 10 + (unsigned)(v[3] - '0');
	m = (unsigned)(v[5] - '0') * 10 + (unsigned)(v[6] - '0');
	d = (unsigned)(v[8] - '0') * 10 + (unsigned)(v[9] - '0');
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 1970 || m < 1 || m > 12 || d < 1 ||
	    d > mdays[m - 1] + (m == 2 && leap))
		goto bad;
	/* Days from 1970-01-01 to the day after (civil to days). */
	days = 0;
	for (i = 1970; i < y; i++)
		days += 365 + ((i % 4 == 0 && i % 100 != 0) || i % 400 == 0);
	for (i = 1; i < m; i++)
		days += mdays[i - 1] + (i == 2 && leap);
	days += d;
	c->enroll_deadline = days * 86400;
	return MFA_OK;
bad:
	conf_err(errmsg, s, "must be a date \"YYYY-MM-DD\" (UTC) from "
	    "1970-01-01");
	return MFA_ECONFIG;
}

/* source_allow: networks never throttled (source.h). */
static enum mfa_err
set_nets(struct mfa_conf *c, const config_setting_t *s,
    const struct conf_key *k, char *errmsg)
{
	struct source_net *nets;
	int n, i;

	(void)k;
	if (config_setting_type(s) != CONFIG_TYPE_ARRAY &&
	    config_setting_type(s) != CONFIG_TYPE_LIST) {
		conf_err(errmsg, s, "must be an array of networks");
		return MFA_ECONFIG;
	}
	n = config_setting_length(s);
	if (n < 0 || n > 256) {
		conf_err(errmsg, s, "at most 256 networks");
		return MFA_ECONFIG;
	}
	if ((nets = calloc((size_t)n + 1, sizeof(*nets))) == NULL)
		return MFA_ENOMEM;
	for (i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s,
		    (unsigned)i);
		const char *v = e != NULL ? config_setting_get_string(e) : NULL;

		if (source_net_parse(v, &nets[i]) != MFA_OK) {
			conf_err(errmsg, s, "invalid network (ADDRESS or "
			    "ADDRESS/PREFIX)");
			free(nets);
			return MFA_ECONFIG;
		}
	}
	free(c->source_allow);
	c->source_allow = nets;
	c->n_source_allow = (size_t)n;
	return MFA_OK;
}

#define OFF(f) offsetof(struct mfa_conf, f)
static const struct conf_key conf_keys[] = {
	{ "state_dir",		set_state_dir,	OFF(state_dir),	2, 200 },
	{ "key_file",		set_state_dir,	OFF(key_file),	2, 200 },
	{ "window",		set_uint,	OFF(window),	0, 10 },
	{ "hotp_lookahead",	set_uint,	OFF(hotp_lookahead), 0, 1000 },
	{ "unenrolled",		set_unenrolled,	0,		0, 0 },
	{ "unenrolled_groups",	set_groups,	0,		0, 0 },
	{ "state_flush",	set_flush,	0,		0, 0 },
	{ "lock_wait_ms",	set_uint,	OFF(lock_wait_ms), 1, 10000 },
	{ "deny",		set_uint,	OFF(deny),	0, 1000 },
	{ "fail_interval",	set_uint,	OFF(fail_interval), 1, 604800 },
	{ "unlock_time",	set_uint,	OFF(unlock_time), 0, 604800 },
	{ "unlock_growth",	set_uint,	OFF(unlock_growth), 1, 10 },
	{ "unlock_time_max",	set_uint,	OFF(unlock_time_max), 1, 604800 },
	{ "fail_delay_ms",	set_uint,	OFF(fail_delay_ms), 0, 10000 },
	{ "lock_message",	set_bool,	OFF(lock_message), 0, 0 },
	{ "prompt",		set_string,	OFF(prompt),	1, 80 },
	{ "password_prompt",	set_string,	OFF(password_prompt), 1, 80 },
	{ "prompt_echo",	set_bool,	OFF(prompt_echo), 0, 0 },
	{ "issuer",		set_issuer,	OFF(issuer),	1, 64 },
	{ "algorithm",		set_algorithm,	0,		0, 0 },
	{ "digits",		set_digits,	OFF(digits),	6, 8 },
	{ "period",		set_period,	OFF(period),	30, 60 },
	{ "secret_bytes",	set_uint,	OFF(secret_bytes), 20,
	    MFA_SECRET_MAX },
	{ "backup_codes",	set_uint,	OFF(backup_codes), 0,
	    TOKEN_BACKUP_MAX },
	{ "self_service",	set_bool,	OFF(self_service), 0, 0 },
	{ "admin_group",	set_group_name,	OFF(admin_group), 0,
	    MFA_USER_MAX },
	{ "user_lookup",	set_user_lookup, 0,		0, 0 },
	{ "store",		set_store,	0,		0, 0 },
	{ "pg_conninfo",	set_string,	OFF(pg_conninfo), 1, 1024 },
	{ "pg_admin_conninfo",	set_string,	OFF(pg_admin_conninfo), 1, 1024 },
	{ "pg_timeout_ms",	set_uint,	OFF(pg_timeout_ms), 100, 10000 },
	{ "require_clock_sync",	set_bool,	OFF(require_clock_sync), 0, 0 },
	{ "enroll_at_login",	set_bool,	OFF(enroll_at_login), 0, 0 },
	{ "pending_lifetime",	set_uint,	OFF(pending_lifetime), 0,
	    31536000 },
	{ "enroll_deadline",	set_deadline,	0,		0, 10 },
	{ "pg_reuse_s",		set_uint,	OFF(pg_reuse_s), 0, 3600 },
	{ "source_deny",	set_uint,	OFF(source_deny), 0, 100000 },
	{ "source_interval",	set_uint,	OFF(source_interval), 1, 604800 },
	{ "source_lock_time",	set_uint,	OFF(source_lock_time), 1, 604800 },
	{ "source_allow",	set_nets,	0,		0, 0 },
	{ "source_ipv6_prefix",	set_uint,	OFF(source_ipv6_prefix), 32, 128 },
};
#undef OFF

static enum mfa_err
conf_defaults(struct mfa_conf *c)
{
	c->window = 1;
	c->hotp_lookahead = 10;
	c->unenrolled = MFA_UNENROLLED_DENY;
	c->state_flush = MFA_FLUSH_ALWAYS;
	c->lock_wait_ms = 500;
	c->deny = 5;
	c->fail_interval = 900;
	c->unlock_time = 900;
	c->unlock_growth = 2;
	c->unlock_time_max = 86400;
	c->prompt_echo = false;
	c->algorithm = MFA_SHA1;
	c->digits = 6;
	c->period = 30;
	c->secret_bytes = 20;
	c->backup_codes = 10;
	c->self_service = false;
	c->user_lookup = MFA_LOOKUP_NSS;
	c->store = MFA_STORE_FILE;
	c->pg_timeout_ms = 2000;
	c->pg_reuse_s = 60;
	c->source_deny = 0;
	c->source_interval = 600;
	c->source_lock_time = 900;
	c->source_ipv6_prefix = 64;
	if ((c->state_dir = strdup(MFA_STATE_DIR)) == NULL ||
	    (c->key_file = strdup(MFA_KEY_PATH)) == NULL ||
	    (c->prompt = strdup("Verification code: ")) == NULL ||
	    (c->password_prompt = strdup("Password: ")) == NULL ||
	    (c->issuer = strdup("pam_mfa")) == NULL ||
	    (c->admin_group = strdup("")) == NULL)
		return MFA_ENOMEM;
	return MFA_OK;
}

void
conf_free(struct mfa_conf *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n_unenrolled_groups; i++)
		free(c->unenrolled_groups[i]);
	free(c->unenrolled_groups);
	free(c->path);
	free(c->state_dir);
	free(c->key_file);
	free(c->prompt);
	free(c->password_prompt);
	free(c->issuer);
	free(c->admin_group);
	free(c->pg_conninfo);
	free(c->pg_admin_conninfo);
	free(c->source_allow);
	free(c);
}

/* libconfig would follow @include to any file: refuse the directive. */
static int
has_include(const char *text, size_t len)
{
	size_t i = 0;

	while (i < len) {
		while (i < len && (text[i] == ' ' || text[i] == '\t'))
			i++;
		if (len - i >= 8 && memcmp(text + i, "@include", 8) == 0)
			return 1;
		while (i < len && text[i] != '\n')
			i++;
		i++;
	}
	return 0;
}

enum mfa_err
conf_parse(const char *text, size_t len, struct mfa_conf **out,
    char errmsg[CONF_ERRMSG_MAX])
{
	struct mfa_conf *c;
	config_setting_t *root;
	config_t cfg;
	enum mfa_err rc;
	char *buf;
	int i, n;

	*out = NULL;
	errmsg[0] = '\0';
	if (len > CONF_FILE_MAX || memchr(text, '\0', len) != NULL) {
		snprintf(errmsg, CONF_ERRMSG_MAX,
		    "larger than %d bytes or contains a NUL byte", CONF_FILE_MAX);
		return MFA_ECONFIG;
	}
	if (has_include(text, len)) {
		snprintf(errmsg, CONF_ERRMSG_MAX, "@include is not allowed");
		return MFA_ECONFIG;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return MFA_ENOMEM;
	if ((rc = conf_defaults(c)) != MFA_OK) {
		conf_free(c);
		return rc;
	}
	/* libconfig 1.5 ends a comment only at a newline: supply one, so a
	 * file whose last line is a comment without one is still valid. */
	if ((buf = malloc(len + 2)) == NULL) {
		conf_free(c);
		return MFA_ENOMEM;
	}
	memcpy(buf, text, len);
	buf[len] = '\n';
	buf[len + 1] = '\0';

	config_init(&cfg);
	config_set_options(&cfg, 0);	/* no autoconversion of types */
	rc = MFA_ECONFIG;
	if (config_read_string(&cfg, buf) != CONFIG_TRUE) {
		snprintf(errmsg, CONF_ERRMSG_MAX, "line %d: %s",
		    config_error_line(&cfg), config_error_text(&cfg) ?
		    config_error_text(&cfg) : "syntax error");
		goto out;
	}
	root = config_root_setting(&cfg);
	n = config_setting_length(root);
	for (i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(root,
		    (unsigned)i);
		const char *name = s != NULL ? config_setting_name(s) : NULL;
		size_t k;

		for (k = 0; name != NULL &&
		    k < sizeof(conf_keys) / sizeof(conf_keys[0]); k++)
			if (strcmp(name, conf_keys[k].name) == 0)
				break;
		if (name == NULL || k == sizeof(conf_keys) / sizeof(conf_keys[0])) {
			conf_err(errmsg, s, "unknown key");
			goto out;
		}
		if ((rc = conf_keys[k].set(c, s, &conf_keys[k], errmsg)) !=
		    MFA_OK)
			goto out;
		rc = MFA_ECONFIG;
	}
	/* A copy of the state directory must reveal no secret. */
	if (strncmp(c->key_file, c->state_dir, strlen(c->state_dir)) == 0 &&
	    c->key_file[strlen(c->state_dir)] == '/') {
		snprintf(errmsg, CONF_ERRMSG_MAX,
		    "key_file must be outside state_dir");
		goto out;
	}
	if (c->store == MFA_STORE_POSTGRESQL && c->pg_conninfo == NULL) {
		snprintf(errmsg, CONF_ERRMSG_MAX,
		    "store = \"postgresql\" needs pg_conninfo");
		goto out;
	}
	if (c->unenrolled == MFA_UNENROLLED_DENY && c->n_unenrolled_groups) {
		snprintf(errmsg, CONF_ERRMSG_MAX,
		    "unenrolled_groups needs unenrolled = \"ignore\"");
		goto out;
	}
	if (c->unenrolled == MFA_UNENROLLED_DENY && c->enroll_deadline) {
		snprintf(errmsg, CONF_ERRMSG_MAX,
		    "enroll_deadline needs unenrolled = \"ignore\"");
		goto out;
	}
	rc = MFA_OK;
	*out = c;
	c = NULL;
out:
	config_destroy(&cfg);
	free(buf);
	conf_free(c);
	return rc;
}

enum mfa_err
conf_load(const char *path, struct mfa_conf **out,
    char errmsg[CONF_ERRMSG_MAX])
{
	enum mfa_err rc;
	struct stat st;
	char *text = NULL;
	ssize_t n;
	int fd;

	*out = NULL;
	errmsg[0] = '\0';
	if ((fd = safe_open(path, SAFE_NOWRITE, &st, &rc)) < 0) {
		snprintf(errmsg, CONF_ERRMSG_MAX, "%s",
		    rc == MFA_ENOTENROLLED ? "file not found" :
		    rc == MFA_EUNSAFE ? "not a regular file owned by root and "
		    "writable only by root, or reached through an unsafe "
		    "directory or symlink" : rc == MFA_ECONFIG ?
		    "path is not absolute" : "cannot be opened");
		return rc == MFA_ENOTENROLLED ? MFA_ECONFIG : rc;
	}
	rc = MFA_ECONFIG;
	if (st.st_size > CONF_FILE_MAX) {
		snprintf(errmsg, CONF_ERRMSG_MAX, "larger than %d bytes",
		    CONF_FILE_MAX);
		goto out;
	}
	if ((text = malloc((size_t)st.st_size + 1)) == NULL) {
		rc = MFA_ENOMEM;
		goto out;
	}
	/* Read from the descriptor that was checked, up to the size seen. */
	n = read(fd, text, (size_t)st.st_size + 1);
	if (n < 0 || n > st.st_size) {
		snprintf(errmsg, CONF_ERRMSG_MAX, "read failed or file changed");
		rc = MFA_EIO;
		goto out;
	}
	if ((rc = conf_parse(text, (size_t)n, out, errmsg)) != MFA_OK)
		goto out;
	if (((*out)->path = strdup(path)) == NULL) {
		conf_free(*out);
		*out = NULL;
		rc = MFA_ENOMEM;
	}
out:
	free(text);
	close(fd);
	return rc;
}
