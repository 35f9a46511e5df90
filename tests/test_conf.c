/*
 * test_conf.c - the config loader: documented defaults, every key applied,
 * one fixture per way a config can be wrong (tests/fixtures/bad-*.conf),
 * error messages that name the line or key but never echo the value, and
 * conf_load's refusal of files others could have written.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "conf.h"
#include "testutil.h"

/* Parse a NUL-terminated text; *c is NULL on failure. */
static enum mfa_err
parse(const char *text, struct mfa_conf **c, char *errmsg)
{
	return conf_parse(text, strlen(text), c, errmsg);
}

/* The errmsg contract of conf.h: one bounded line, no value in it. */
static void
assert_errmsg_clean(const char *errmsg, const char *value)
{
	size_t n = strnlen(errmsg, CONF_ERRMSG_MAX);

	assert_true(n > 0);
	assert_true(n < CONF_ERRMSG_MAX);
	assert_null(strchr(errmsg, '\n'));
	if (value != NULL && strstr(errmsg, value) != NULL)
		fail_msg("errmsg \"%s\" echoes the value \"%s\"", errmsg,
		    value);
}

/*
 * A file of the source tree in a malloc'd, NUL-terminated buffer of *len
 * bytes: $MFA_SRCDIR/rel, or ../rel when run from tests/ without it.
 */
static char *
src_read(const char *rel, size_t *len)
{
	const char *src = getenv("MFA_SRCDIR");
	char path[4096], *buf;
	FILE *f;
	long n;
	int r;

	if (src == NULL || src[0] == '\0')
		src = "..";
	r = snprintf(path, sizeof(path), "%s/%s", src, rel);
	assert_true(r > 0 && (size_t)r < sizeof(path));
	if ((f = fopen(path, "rb")) == NULL)
		fail_msg("%s: %s (set MFA_SRCDIR)", path, strerror(errno));
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0 && n < 65536);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static char *
fixture_read(const char *name, size_t *len)
{
	char rel[256];

	assert_true((size_t)snprintf(rel, sizeof(rel), "tests/fixtures/%s",
	    name) < sizeof(rel));
	return src_read(rel, len);
}

static void
assert_defaults(const struct mfa_conf *c)
{
	assert_non_null(c->state_dir);
	assert_int_equal(c->state_dir[0], '/');
	assert_null(strstr(c->state_dir, "/../"));
	assert_int_equal(c->window, 1);
	assert_int_equal(c->hotp_lookahead, 10);
	assert_int_equal(c->unenrolled, MFA_UNENROLLED_DENY);
	assert_null(c->unenrolled_groups);
	assert_int_equal(c->n_unenrolled_groups, 0);
	assert_int_equal(c->state_flush, MFA_FLUSH_ALWAYS);
	assert_int_equal(c->user_lookup, MFA_LOOKUP_NSS);
	assert_int_equal(c->lock_wait_ms, 500);
	assert_int_equal(c->deny, 5);
	assert_int_equal(c->fail_interval, 900);
	assert_int_equal(c->unlock_time, 900);
	assert_int_equal(c->unlock_growth, 2);
	assert_int_equal(c->unlock_time_max, 86400);
	assert_string_equal(c->prompt, "Verification code: ");
	assert_false(c->prompt_echo);
	assert_string_equal(c->issuer, "pam_mfa");
	assert_int_equal(c->algorithm, MFA_SHA1);
	assert_int_equal(c->digits, 6);
	assert_int_equal(c->period, 30);
	assert_int_equal(c->secret_bytes, 20);
	assert_int_equal(c->store, MFA_STORE_FILE);
	assert_null(c->pg_conninfo);
	assert_null(c->pg_admin_conninfo);
	assert_int_equal(c->pg_timeout_ms, 2000);
}

static void
test_defaults(void **state)
{
	static const char *const texts[] = {
		"",
		"\n",
		"# nothing set\n",
		"  \n\t\n/* a comment */\n// another\n",
	};
	char errmsg[CONF_ERRMSG_MAX];
	struct mfa_conf *c;
	size_t i, len;
	char *text;

	(void)state;
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		assert_int_equal(parse(texts[i], &c, errmsg), MFA_OK);
		assert_non_null(c);
		assert_defaults(c);
		assert_null(c->path);
		conf_free(c);
	}
	/* The shipped sample sets nothing: every key is commented out. */
	text = src_read("conf/pam_mfa.conf", &len);
	if (conf_parse(text, len, &c, errmsg) != MFA_OK)
		fail_msg("conf/pam_mfa.conf: %s", errmsg);
	assert_defaults(c);
	conf_free(c);
	free(text);
}

/* Every key set to a value other than its default. */
static void
test_every_key(void **state)
{
	static const char text[] =
	    "state_dir = \"/srv/mfa/state\";\n"
	    "window = 3;\n"
	    "hotp_lookahead = 50;\n"
	    "unenrolled = \"ignore\";\n"
	    "unenrolled_groups = [ \"wheel\", \"mfa-exempt\" ];\n"
	    "state_flush = \"os\";\n"
	    "user_lookup = \"exact\";\n"
	    "lock_wait_ms = 2000;\n"
	    "deny = 3;\n"
	    "fail_interval = 600;\n"
	    "unlock_time = 0;\n"
	    "prompt = \"OTP for VPN: \";\n"
	    "prompt_echo = true;\n"
	    "issuer = \"Demo VPN\";\n"
	    "algorithm = \"SHA512\";\n"
	    "digits = 8;\n"
	    "period = 60;\n"
	    "secret_bytes = 64;\n";
	char errmsg[CONF_ERRMSG_MAX];
	struct mfa_conf *c;

	(void)state;
	assert_int_equal(parse(text, &c, errmsg), MFA_OK);
	assert_string_equal(c->state_dir, "/srv/mfa/state");
	assert_int_equal(c->window, 3);
	assert_int_equal(c->hotp_lookahead, 50);
	assert_int_equal(c->unenrolled, MFA_UNENROLLED_IGNORE);
	assert_int_equal(c->n_unenrolled_groups, 2);
	assert_string_equal(c->unenrolled_groups[0], "wheel");
	assert_string_equal(c->unenrolled_groups[1], "mfa-exempt");
	assert_null(c->unenrolled_groups[2]);
	assert_int_equal(c->state_flush, MFA_FLUSH_OS);
	assert_int_equal(c->user_lookup, MFA_LOOKUP_EXACT);
	assert_int_equal(c->lock_wait_ms, 2000);
	assert_int_equal(c->deny, 3);
	assert_int_equal(c->fail_interval, 600);
	assert_int_equal(c->unlock_time, 0);
	assert_string_equal(c->prompt, "OTP for VPN: ");
	assert_true(c->prompt_echo);
	assert_string_equal(c->issuer, "Demo VPN");
	assert_int_equal(c->algorithm, MFA_SHA512);
	assert_int_equal(c->digits, 8);
	assert_int_equal(c->period, 60);
	assert_int_equal(c->secret_bytes, 64);
	conf_free(c);
}

/* Accepted values at and inside the bounds, one key per text. */
static const struct {
	const char *text;
	size_t off;		/* of an unsigned field */
	unsigned want;
} good_uints[] = {
	{ "window = 0;",		offsetof(struct mfa_conf, window), 0 },
	{ "window = 10;",		offsetof(struct mfa_conf, window), 10 },
	{ "window = 0x2;",		offsetof(struct mfa_conf, window), 2 },
	{ "window = 2L;",		offsetof(struct mfa_conf, window), 2 },
	{ "window: 4",			offsetof(struct mfa_conf, window), 4 },
	{ "hotp_lookahead = 0;",
	    offsetof(struct mfa_conf, hotp_lookahead), 0 },
	{ "hotp_lookahead = 1000;",
	    offsetof(struct mfa_conf, hotp_lookahead), 1000 },
	{ "lock_wait_ms = 1;",	offsetof(struct mfa_conf, lock_wait_ms), 1 },
	{ "lock_wait_ms = 10000;",
	    offsetof(struct mfa_conf, lock_wait_ms), 10000 },
	{ "deny = 0;",			offsetof(struct mfa_conf, deny), 0 },
	{ "deny = 1000;",		offsetof(struct mfa_conf, deny), 1000 },
	{ "fail_interval = 1;",
	    offsetof(struct mfa_conf, fail_interval), 1 },
	{ "fail_interval = 604800;",
	    offsetof(struct mfa_conf, fail_interval), 604800 },
	{ "unlock_time = 604800;",
	    offsetof(struct mfa_conf, unlock_time), 604800 },
	{ "unlock_growth = 1;",
	    offsetof(struct mfa_conf, unlock_growth), 1 },
	{ "unlock_growth = 10;",
	    offsetof(struct mfa_conf, unlock_growth), 10 },
	{ "unlock_time_max = 1;",
	    offsetof(struct mfa_conf, unlock_time_max), 1 },
	{ "unlock_time_max = 604800;",
	    offsetof(struct mfa_conf, unlock_time_max), 604800 },
	{ "digits = 6;",		offsetof(struct mfa_conf, digits), 6 },
	{ "period = 30;",		offsetof(struct mfa_conf, period), 30 },
	{ "secret_bytes = 20;",
	    offsetof(struct mfa_conf, secret_bytes), 20 },
	{ "secret_bytes = 32;",
	    offsetof(struct mfa_conf, secret_bytes), 32 },
};

static void
test_bounds_accepted(void **state)
{
	char errmsg[CONF_ERRMSG_MAX];
	struct mfa_conf *c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good_uints) / sizeof(good_uints[0]); i++) {
		unsigned v;

		if (parse(good_uints[i].text, &c, errmsg) != MFA_OK)
			fail_msg("\"%s\" refused: %s", good_uints[i].text,
			    errmsg);
		memcpy(&v, (char *)c + good_uints[i].off, sizeof(v));
		assert_int_equal(v, good_uints[i].want);
		conf_free(c);
	}
}

static void
test_strings_and_choices(void **state)
{
	char errmsg[CONF_ERRMSG_MAX], text[160];
	struct mfa_conf *c;

	(void)state;
	assert_int_equal(parse("algorithm = \"SHA256\";", &c, errmsg), MFA_OK);
	assert_int_equal(c->algorithm, MFA_SHA256);
	conf_free(c);
	assert_int_equal(parse("unenrolled = \"ignore\";", &c, errmsg), MFA_OK);
	assert_int_equal(c->unenrolled, MFA_UNENROLLED_IGNORE);
	assert_int_equal(c->n_unenrolled_groups, 0);
	conf_free(c);
	/* An empty list with "deny" exempts nobody: fine. */
	assert_int_equal(parse("unenrolled_groups = [ ];", &c, errmsg), MFA_OK);
	assert_int_equal(c->n_unenrolled_groups, 0);
	conf_free(c);
	/* A list () as well as an array []. */
	assert_int_equal(parse("unenrolled = \"ignore\";\n"
	    "unenrolled_groups = ( \"wheel\" );", &c, errmsg), MFA_OK);
	assert_int_equal(c->n_unenrolled_groups, 1);
	conf_free(c);
	/* 80 bytes of prompt, 64 of issuer, UTF-8 allowed in both. */
	snprintf(text, sizeof(text), "prompt = \"%080d\";", 0);
	assert_int_equal(parse(text, &c, errmsg), MFA_OK);
	assert_int_equal(strlen(c->prompt), 80);
	conf_free(c);
	snprintf(text, sizeof(text), "issuer = \"%064d\";", 0);
	assert_int_equal(parse(text, &c, errmsg), MFA_OK);
	assert_int_equal(strlen(c->issuer), 64);
	conf_free(c);
	assert_int_equal(parse("issuer = \"Caf\xc3\xa9\";\n"
	    "prompt = \"C\xc3\xb3" "digo: \";", &c, errmsg), MFA_OK);
	assert_string_equal(c->issuer, "Caf\xc3\xa9");
	conf_free(c);
	/* Paths must be canonical, so that "key_file outside state_dir"
	 * can be checked by prefix: no trailing /, no //. */
	assert_int_equal(parse("state_dir = \"/var/lib/pam_mfa/\";", &c,
	    errmsg), MFA_ECONFIG);
	assert_int_equal(parse("state_dir = \"/var//lib/pam_mfa\";", &c,
	    errmsg), MFA_ECONFIG);
	assert_int_equal(parse("key_file = \"/etc//pam_mfa.key\";", &c,
	    errmsg), MFA_ECONFIG);
	assert_int_equal(parse("state_dir = \"/srv/mfa\";\n"
	    "key_file = \"/srv/mfa/pam_mfa.key\";", &c, errmsg), MFA_ECONFIG);
	assert_non_null(strstr(errmsg, "key_file must be outside state_dir"));
	assert_int_equal(parse("state_dir = \"/srv/mfa\";\n"
	    "key_file = \"/srv/mfa.key\";", &c, errmsg), MFA_OK);
	conf_free(c);
}

/*
 * One fixture per way to get the config wrong.  The errmsg must name the
 * line (0: the message is about the file, not a line) and the key (NULL:
 * none, a syntax error), and must not contain the value (NULL: the value
 * can't be told apart from the rest of the message).
 */
struct bad_conf {
	const char *file;
	int line;
	const char *key;
	const char *value;
};

static const struct bad_conf bad_confs[] = {
	{ "bad-unknown-key.conf",	3, "frobnicate", "hunter2-secret" },
	{ "bad-store.conf",		3, "store", "mysql" },
	{ "bad-pg-timeout.conf",	3, "pg_timeout_ms", "50" },
	{ "bad-pg-no-conninfo.conf",	0, "pg_conninfo", NULL },
	{ "bad-window-range.conf",	3, "window", "77" },
	{ "bad-window-type.conf",	3, "window", "three" },
	{ "bad-float.conf",		3, "window", "1.0" },
	{ "bad-bool-value.conf",	3, "window", "true" },
	{ "bad-group-value.conf",	3, "window", "steps" },
	{ "bad-syntax.conf",		3, NULL, "zzyzx" },
	{ "bad-duplicate.conf",		3, NULL, "750" },
	{ "bad-include.conf",		0, "@include", "pam_mfa-included" },
	{ "bad-include-indented.conf",	0, "@include", "pam_mfa-included" },
	{ "bad-digits.conf",		3, "digits", "7" },
	{ "bad-period.conf",		3, "period", "45" },
	{ "bad-unenrolled.conf",	3, "unenrolled", "allow" },
	{ "bad-user-lookup.conf",	3, "user_lookup", "NSS-folded" },
	{ "bad-user-lookup-type.conf",	3, "user_lookup", NULL },
	{ "bad-groups-without-ignore.conf", 0, "unenrolled_groups",
	    "wheelgroup" },
	{ "bad-groups-name.conf",	3, "unenrolled_groups", "../root" },
	{ "bad-groups-type.conf",	3, "unenrolled_groups", "wheelgroup" },
	{ "bad-state-dir-relative.conf", 3, "state_dir", "var/lib" },
	{ "bad-state-dir-dotdot.conf",	3, "state_dir", "etc/pam_mfa" },
	{ "bad-state-dir-dot.conf",	3, "state_dir", "/./" },
	{ "bad-prompt-control.conf",	3, "prompt", "Code" },
	{ "bad-prompt-control-soh.conf", 3, "prompt", "Code" },
	{ "bad-prompt-control-esc.conf", 3, "prompt", "[2J" },
	{ "bad-prompt-long.conf",	3, "prompt", "authenticator" },
	{ "bad-prompt-empty.conf",	3, "prompt", NULL },
	{ "bad-issuer-colon.conf",	3, "issuer", "Acme" },
	{ "bad-issuer-long.conf",	3, "issuer", "Acme" },
	{ "bad-negative.conf",		3, "deny", "-1" },
	{ "bad-deny-wrap.conf",		3, "deny", "4294967296" },
	{ "bad-bool.conf",		3, "prompt_echo", "yes" },
	{ "bad-bool-int.conf",		3, "prompt_echo", NULL },
	{ "bad-secret-bytes.conf",	3, "secret_bytes", "16" },
	{ "bad-algorithm.conf",		3, "algorithm", "MD5" },
	{ "bad-state-flush.conf",	3, "state_flush", "never" },
	{ "bad-lock-wait.conf",		3, "lock_wait_ms", NULL },
	{ "bad-fail-interval.conf",	3, "fail_interval", NULL },
	{ "bad-unlock-time.conf",	3, "unlock_time", "604801" },
	{ "bad-unlock-growth.conf",	3, "unlock_growth", "11" },
	{ "bad-unlock-growth-zero.conf", 3, "unlock_growth", NULL },
	{ "bad-unlock-time-max.conf",	3, "unlock_time_max", "604801" },
	{ "bad-hotp-lookahead.conf",	3, "hotp_lookahead", "1001" },
};

static void
check_bad_conf(const struct bad_conf *b)
{
	char errmsg[CONF_ERRMSG_MAX], line[32];
	struct mfa_conf *c = (struct mfa_conf *)&c;	/* must be cleared */
	enum mfa_err rc;
	size_t len;
	char *text;

	text = fixture_read(b->file, &len);
	rc = conf_parse(text, len, &c, errmsg);
	free(text);
	if (rc != MFA_ECONFIG)
		fail_msg("%s: %s, want MFA_ECONFIG", b->file, mfa_reason(rc));
	assert_null(c);
	assert_errmsg_clean(errmsg, b->value);
	if (b->line > 0) {
		snprintf(line, sizeof(line), "line %d", b->line);
		if (strstr(errmsg, line) == NULL)
			fail_msg("%s: \"%s\" does not name %s", b->file,
			    errmsg, line);
	}
	if (b->key != NULL && strstr(errmsg, b->key) == NULL)
		fail_msg("%s: \"%s\" does not name %s", b->file, errmsg,
		    b->key);
}

static void
test_bad_fixtures(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_confs) / sizeof(bad_confs[0]); i++)
		check_bad_conf(&bad_confs[i]);
}

/*
 * "/var/lib/pam_mfa/.." names /var/lib: a trailing . or .. component is
 * as much a way out of the intended directory as one in the middle.
 */
static void
test_state_dir_dot_at_end(void **state)
{
	static const struct bad_conf b = { "bad-state-dir-dotdot-end.conf", 3,
	    "state_dir", "pam_mfa/.." };
	char errmsg[CONF_ERRMSG_MAX];
	struct mfa_conf *c;

	(void)state;
	check_bad_conf(&b);
	c = NULL;
	if (parse("state_dir = \"/var/lib/pam_mfa/.\";", &c, errmsg) !=
	    MFA_ECONFIG)
		fail_msg("state_dir ending in /. accepted");
	assert_null(c);
}

/* Each fixture minus its last line is a valid config: only it is wrong. */
static void
test_bad_fixtures_controls(void **state)
{
	char errmsg[CONF_ERRMSG_MAX];
	struct mfa_conf *c;
	size_t i, len;
	char *text, *last;

	(void)state;
	for (i = 0; i < sizeof(bad_confs) / sizeof(bad_confs[0]); i++) {
		text = fixture_read(bad_confs[i].file, &len);
		assert_true(len > 0 && text[len - 1] == '\n');
		text[len - 1] = '\0';
		assert_non_null(last = strrchr(text, '\n'));
		last[1] = '\0';
		if (parse(text, &c, errmsg) != MFA_OK)
			fail_msg("%s without its last line: %s",
			    bad_confs[i].file, errmsg);
		conf_free(c);
		free(text);
	}
}

static void
test_nul_and_size(void **state)
{
	static const char nul[] = "window = 2;\0deny = 3;\n";
	char errmsg[CONF_ERRMSG_MAX];
	struct mfa_conf *c = (struct mfa_conf *)&c;	/* must be cleared */
	char *big;
	size_t max = 64 * 1024, i;

	(void)state;
	assert_int_equal(conf_parse(nul, sizeof(nul) - 1, &c, errmsg),
	    MFA_ECONFIG);
	assert_null(c);
	assert_errmsg_clean(errmsg, "deny");
	/* A NUL as the last byte too. */
	assert_int_equal(conf_parse("window = 2;\n", 13, &c, errmsg),
	    MFA_ECONFIG);

	/* 64 KiB of comment lines is the most; one byte more is refused. */
	big = malloc(max + 2);
	assert_non_null(big);
	memset(big, '#', max + 1);
	for (i = 63; i < max + 1; i += 64)
		big[i] = '\n';
	big[max - 1] = '\n';
	big[max] = '\n';
	big[max + 1] = '\0';
	assert_int_equal(conf_parse(big, max, &c, errmsg), MFA_OK);
	conf_free(c);
	assert_int_equal(conf_parse(big, max + 1, &c, errmsg), MFA_ECONFIG);
	assert_null(c);
	assert_errmsg_clean(errmsg, "####");
	free(big);
}

/*
 * A config whose last line is a comment without a newline (an editor that
 * doesn't add one, or the shipped all-comment sample with its last newline
 * lost) is still a valid config.
 */
static void
test_final_comment_without_newline(void **state)
{
	static const char *const texts[] = {
		"# only a comment",
		"window = 2;\n# trailing comment",
		"window = 2; # trailing comment",
		"window = 2;\n// trailing comment",
	};
	char errmsg[CONF_ERRMSG_MAX];
	struct mfa_conf *c;
	size_t i, len;
	char *text;

	(void)state;
	text = src_read("conf/pam_mfa.conf", &len);
	assert_true(len > 0 && text[len - 1] == '\n');
	if (conf_parse(text, len - 1, &c, errmsg) != MFA_OK)
		fail_msg("conf/pam_mfa.conf without its last newline: %s",
		    errmsg);
	conf_free(c);
	free(text);
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		if (parse(texts[i], &c, errmsg) != MFA_OK)
			fail_msg("text %zu refused: %s", i, errmsg);
		conf_free(c);
	}
}

/*
 * conf_load: root-owned, not group/other-writable, regular, reached
 * without symlinks through directories only root can write.
 */
struct load_fixture {
	char *dir;		/* fresh 0700 directory under /tmp */
	char path[4096];	/* dir/pam_mfa.conf, a good file */
};

static int
load_setup(void **state)
{
	struct load_fixture *f;

	if ((f = calloc(1, sizeof(*f))) == NULL || (f->dir = tu_tmpdir()) ==
	    NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/pam_mfa.conf", f->dir);
	if (tu_write_file(f->path, "window = 3;\ndeny = 4;\n", 0644) != 0)
		return -1;
	*state = f;
	return 0;
}

static int
load_teardown(void **state)
{
	struct load_fixture *f = *state;

	tu_rm_rf(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/*
 * libconfig's @include reads any file: refused however it is written, and
 * the included file's settings never take effect.
 */
static void
test_include_never_read(void **state)
{
	static const struct {
		const char *before, *after;
	} forms[] = {
		{ "", "\n" },
		{ "window = 2;\n", "\n" },
		{ "window = 2;\n   \t ", "\n" },
		{ "window = 2; ", "\n" },
		{ "window = 2;\r\n", "\r\n" },
		{ "", "" },
	};
	struct load_fixture *f = *state;
	char errmsg[CONF_ERRMSG_MAX], inc[4200], text[4300];
	struct mfa_conf *c;
	size_t i;

	snprintf(inc, sizeof(inc), "%s/inc.conf", f->dir);
	assert_int_equal(tu_write_file(inc, "deny = 7;\n", 0644), 0);
	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		snprintf(text, sizeof(text), "%s@include \"%s\"%s",
		    forms[i].before, inc, forms[i].after);
		c = NULL;
		if (parse(text, &c, errmsg) != MFA_ECONFIG)
			fail_msg("include form %zu accepted (deny = %u)", i,
			    c != NULL ? c->deny : 0);
		assert_null(c);
		assert_errmsg_clean(errmsg, "inc.conf");
	}
}

/*
 * enroll_deadline: a real date in UTC, ending at the next midnight (UTC);
 * "" is none; anything else, or with unenrolled = "deny", refused.  The
 * instants are date(1)'s: date -u -d 2027-04-01 +%s and so on.
 */
static void
test_enroll_deadline(void **state)
{
	static const struct {
		const char *date;
		long long end;
	} good[] = {
		{ "2027-03-31", 1806537600LL },	/* 2027-04-01T00:00Z */
		{ "1970-01-01", 86400LL },
		{ "2028-02-29", 1835481600LL },	/* a leap day */
		{ "2000-02-29", 951868800LL },	/* 400 years: leap */
		{ "2027-12-31", 1830297600LL },
		{ "", 0 },
	};
	static const char *const bad[] = { "2027-02-29", "1900-02-29",
	    "2027-3-31", "2027-03-3", "2027/03/31", "2027-13-01",
	    "2027-00-10", "2027-04-31", "2027-04-00", "1969-12-31",
	    "2027-03-31Z", " 2027-03-3", "2027-03-31 ", "+027-03-31",
	    "20270331", "2027-03-31T00" };
	char errmsg[CONF_ERRMSG_MAX], text[128];
	struct mfa_conf *c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(text, sizeof(text), "unenrolled = \"ignore\";\n"
		    "enroll_deadline = \"%s\";\n", good[i].date);
		if (parse(text, &c, errmsg) != MFA_OK)
			fail_msg("%s refused: %s", good[i].date, errmsg);
		if (c->enroll_deadline != good[i].end)
			fail_msg("%s: %lld, want %lld", good[i].date,
			    (long long)c->enroll_deadline, good[i].end);
		conf_free(c);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "unenrolled = \"ignore\";\n"
		    "enroll_deadline = \"%s\";\n", bad[i]);
		c = NULL;
		if (parse(text, &c, errmsg) != MFA_ECONFIG)
			fail_msg("%s accepted", bad[i]);
		assert_null(c);
		assert_errmsg_clean(errmsg, NULL);
	}
	/* Only an exemption can end. */
	assert_int_equal(parse("enroll_deadline = \"2027-03-31\";\n", &c,
	    errmsg), MFA_ECONFIG);
	assert_non_null(strstr(errmsg, "needs unenrolled"));
	assert_int_equal(parse("enroll_deadline = \"\";\n", &c, errmsg),
	    MFA_OK);
	conf_free(c);
	assert_int_equal(parse("pending_lifetime = 31536001;\n", &c, errmsg),
	    MFA_ECONFIG);
	assert_int_equal(parse("enroll_at_login = 1;\n", &c, errmsg),
	    MFA_ECONFIG);
}

/* conf_load(path) must fail with want and a clean errmsg. */
static void
assert_load_fails(const char *path, enum mfa_err want)
{
	char errmsg[CONF_ERRMSG_MAX];
	struct mfa_conf *c = (struct mfa_conf *)&c;	/* must be cleared */
	enum mfa_err rc;

	rc = conf_load(path, &c, errmsg);
	if (rc != want)
		fail_msg("%s: %s, want %s", path, mfa_reason(rc),
		    mfa_reason(want));
	assert_null(c);
	assert_errmsg_clean(errmsg, NULL);
}

static void
require_root(void)
{
	if (geteuid() != 0)
		skip();
}

static void
test_load_good(void **state)
{
	struct load_fixture *f = *state;
	char errmsg[CONF_ERRMSG_MAX];
	struct mfa_conf *c;

	require_root();
	assert_int_equal(conf_load(f->path, &c, errmsg), MFA_OK);
	assert_string_equal(c->path, f->path);
	assert_int_equal(c->window, 3);
	assert_int_equal(c->deny, 4);
	conf_free(c);
	/* 0600 and 0400 are fine too. */
	assert_int_equal(chmod(f->path, 0400), 0);
	assert_int_equal(conf_load(f->path, &c, errmsg), MFA_OK);
	conf_free(c);
}

static void
test_load_writable_file(void **state)
{
	static const mode_t modes[] = { 0664, 0646, 0666, 0620, 0602 };
	struct load_fixture *f = *state;
	size_t i;

	require_root();
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		assert_int_equal(chmod(f->path, modes[i]), 0);
		assert_load_fails(f->path, MFA_EUNSAFE);
	}
}

static void
test_load_not_root_owned(void **state)
{
	struct load_fixture *f = *state;

	require_root();
	assert_int_equal(chown(f->path, 65534, 65534), 0);
	assert_load_fails(f->path, MFA_EUNSAFE);
	/* Root's group but another owner: still not root's file. */
	assert_int_equal(chown(f->path, 65534, 0), 0);
	assert_load_fails(f->path, MFA_EUNSAFE);
}

static void
test_load_symlinks(void **state)
{
	struct load_fixture *f = *state;
	char link[4200], sub[4200], via[4400];

	require_root();
	/* The file itself a symlink to a good file. */
	snprintf(link, sizeof(link), "%s/link.conf", f->dir);
	assert_int_equal(symlink(f->path, link), 0);
	assert_load_fails(link, MFA_EUNSAFE);
	/* A symlinked directory on the way. */
	snprintf(sub, sizeof(sub), "%s/linkdir", f->dir);
	assert_int_equal(symlink(f->dir, sub), 0);
	snprintf(via, sizeof(via), "%s/pam_mfa.conf", sub);
	assert_load_fails(via, MFA_EUNSAFE);
}

static void
test_load_bad_paths(void **state)
{
	struct load_fixture *f = *state;
	char path[4200];

	require_root();
	assert_load_fails("pam_mfa.conf", MFA_ECONFIG);
	assert_load_fails("./pam_mfa.conf", MFA_ECONFIG);
	assert_load_fails("", MFA_ECONFIG);
	snprintf(path, sizeof(path), "%s/missing.conf", f->dir);
	assert_load_fails(path, MFA_ECONFIG);
	/* A directory where the file should be. */
	snprintf(path, sizeof(path), "%s/", f->dir);
	assert_load_fails(path, MFA_ECONFIG);
	assert_load_fails(f->dir, MFA_EUNSAFE);
}

static void
test_load_unsafe_directory(void **state)
{
	struct load_fixture *f = *state;
	char sub[4200], path[4300], errmsg[CONF_ERRMSG_MAX];
	struct mfa_conf *c;

	require_root();
	snprintf(sub, sizeof(sub), "%s/ww", f->dir);
	snprintf(path, sizeof(path), "%s/pam_mfa.conf", sub);
	assert_int_equal(mkdir(sub, 0755), 0);
	assert_int_equal(tu_write_file(path, "window = 2;\n", 0644), 0);
	/* World-writable, no sticky bit: anyone could swap the file. */
	assert_int_equal(chmod(sub, 0777), 0);
	assert_load_fails(path, MFA_EUNSAFE);
	/* Group-writable. */
	assert_int_equal(chmod(sub, 0775), 0);
	assert_load_fails(path, MFA_EUNSAFE);
	/* Not root's directory. */
	assert_int_equal(chmod(sub, 0755), 0);
	assert_int_equal(chown(sub, 65534, 65534), 0);
	assert_load_fails(path, MFA_EUNSAFE);
	/* Control: back to root's 0755, the file loads. */
	assert_int_equal(chown(sub, 0, 0), 0);
	assert_int_equal(conf_load(path, &c, errmsg), MFA_OK);
	assert_int_equal(c->window, 2);
	conf_free(c);
}

/* A second name for the file: whoever made it could change the file. */
static void
test_load_hard_link(void **state)
{
	struct load_fixture *f = *state;
	char other[4200];

	require_root();
	snprintf(other, sizeof(other), "%s/other.conf", f->dir);
	assert_int_equal(link(f->path, other), 0);
	assert_load_fails(f->path, MFA_EUNSAFE);
}

static void
test_load_fifo(void **state)
{
	struct load_fixture *f = *state;
	char path[4200];

	require_root();
	snprintf(path, sizeof(path), "%s/fifo.conf", f->dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_load_fails(path, MFA_EUNSAFE);	/* and doesn't block */
}

static void
test_load_contents(void **state)
{
	struct load_fixture *f = *state;
	char errmsg[CONF_ERRMSG_MAX];
	struct mfa_conf *c;
	size_t max = 64 * 1024;
	char *big;

	require_root();
	/* A parse error through conf_load names the line. */
	assert_int_equal(tu_write_file(f->path, "window = 2;\nwindow = 3;\n"
	    "bogus = 1;\n", 0644), 0);
	assert_load_fails(f->path, MFA_ECONFIG);
	assert_int_equal(tu_write_file(f->path, "window = 2;\nbogus = 1;\n",
	    0644), 0);
	assert_int_equal(conf_load(f->path, &c, errmsg), MFA_ECONFIG);
	assert_null(c);
	assert_non_null(strstr(errmsg, "line 2"));
	assert_null(strstr(errmsg, "bogus = 1"));
	/* Larger than 64 KiB. */
	big = malloc(max + 2);
	assert_non_null(big);
	memset(big, '\n', max + 1);
	big[max + 1] = '\0';
	assert_int_equal(tu_write_file(f->path, big, 0644), 0);
	assert_load_fails(f->path, MFA_ECONFIG);
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_bounds_accepted),
		cmocka_unit_test(test_strings_and_choices),
		cmocka_unit_test(test_bad_fixtures),
		cmocka_unit_test(test_bad_fixtures_controls),
		cmocka_unit_test(test_state_dir_dot_at_end),
		cmocka_unit_test(test_nul_and_size),
		cmocka_unit_test(test_enroll_deadline),
		cmocka_unit_test_setup_teardown(test_include_never_read,
		    load_setup, load_teardown),
		cmocka_unit_test(test_final_comment_without_newline),
		cmocka_unit_test_setup_teardown(test_load_good, load_setup,
		    load_teardown),
		cmocka_unit_test_setup_teardown(test_load_writable_file,
		    load_setup, load_teardown),
		cmocka_unit_test_setup_teardown(test_load_not_root_owned,
		    load_setup, load_teardown),
		cmocka_unit_test_setup_teardown(test_load_symlinks,
		    load_setup, load_teardown),
		cmocka_unit_test_setup_teardown(test_load_bad_paths,
		    load_setup, load_teardown),
		cmocka_unit_test_setup_teardown(test_load_unsafe_directory,
		    load_setup, load_teardown),
		cmocka_unit_test_setup_teardown(test_load_hard_link,
		    load_setup, load_teardown),
		cmocka_unit_test_setup_teardown(test_load_fifo,
		    load_setup, load_teardown),
		cmocka_unit_test_setup_teardown(test_load_contents,
		    load_setup, load_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
