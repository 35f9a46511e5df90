/*
 * fuzz_conf.c - conf_parse over any text: it must not read past the text
 * or leak, a refusal must come with a one-line reason and no config, and
 * an accepted config must hold every value within the bounds conf.h and
 * conf/pam_mfa.conf promise.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "user.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A string of min..max bytes without control characters. */
static int
string_ok(const char *s, size_t min, size_t max)
{
	size_t n, i;

	if (s == NULL)
		return 0;
	n = strlen(s);
	if (n < min || n > max)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

/* Absolute, and no component is "." or "..". */
static int
path_ok(const char *p)
{
	const char *c, *end;
	size_t n;

	if (!string_ok(p, 2, 200) || p[0] != '/')
		return 0;
	for (c = p; *c != '\0'; c = end) {
		while (*c == '/')
			c++;
		if ((end = strchr(c, '/')) == NULL)
			end = c + strlen(c);
		n = (size_t)(end - c);
		if ((n == 1 && c[0] == '.') ||
		    (n == 2 && c[0] == '.' && c[1] == '.'))
			return 0;
	}
	return 1;
}

/* p with runs of '/' made one and without a trailing '/'; caller frees. */
static char *
path_norm(const char *p)
{
	char *q, *o;

	if ((q = malloc(strlen(p) + 1)) == NULL)
		abort();
	for (o = q; *p != '\0'; p++)
		if (*p != '/' || o == q || o[-1] != '/')
			*o++ = *p;
	while (o - q > 1 && o[-1] == '/')
		o--;
	*o = '\0';
	return q;
}

/* key_file names nothing inside state_dir, however the paths are spelt. */
static int
key_outside(const char *key_file, const char *state_dir)
{
	char *k = path_norm(key_file), *d = path_norm(state_dir);
	size_t n = strlen(d);
	int inside;

	if (strcmp(d, "/") == 0)
		inside = strcmp(k, "/") != 0;
	else
		inside = strncmp(k, d, n) == 0 && k[n] == '/';
	free(k);
	free(d);
	return !inside;
}

static void
check_conf(const struct mfa_conf *c)
{
	size_t i;

	if (c->window > 10 || c->hotp_lookahead > 1000 ||
	    c->lock_wait_ms < 1 || c->lock_wait_ms > 10000 ||
	    c->deny > 1000 || c->fail_interval < 1 ||
	    c->fail_interval > 604800 || c->unlock_time > 604800 ||
	    c->fail_delay_ms > 10000)
		abort();
	if ((c->digits != 6 && c->digits != 8) ||
	    (c->period != 30 && c->period != 60) ||
	    c->secret_bytes < 20 || c->secret_bytes > MFA_SECRET_MAX)
		abort();
	if (c->algorithm != MFA_SHA1 && c->algorithm != MFA_SHA256 &&
	    c->algorithm != MFA_SHA512)
		abort();
	if ((c->unenrolled != MFA_UNENROLLED_DENY &&
	    c->unenrolled != MFA_UNENROLLED_IGNORE) ||
	    (c->state_flush != MFA_FLUSH_ALWAYS &&
	    c->state_flush != MFA_FLUSH_OS))
		abort();
	if (!path_ok(c->state_dir) || !path_ok(c->key_file) ||
	    !key_outside(c->key_file, c->state_dir))
		abort();
	if (!string_ok(c->prompt, 1, 80) ||
	    !string_ok(c->password_prompt, 1, 80) ||
	    !string_ok(c->issuer, 1, 64) || strchr(c->issuer, ':') != NULL)
		abort();
	if (c->n_unenrolled_groups > 64 || (c->n_unenrolled_groups > 0 &&
	    c->unenrolled != MFA_UNENROLLED_IGNORE))
		abort();
	for (i = 0; i < c->n_unenrolled_groups; i++)
		if (c->unenrolled_groups[i] == NULL ||
		    !user_valid(c->unenrolled_groups[i],
		    strlen(c->unenrolled_groups[i])))
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char errmsg[CONF_ERRMSG_MAX];
	struct mfa_conf unset, *c = &unset;
	enum mfa_err rc;
	size_t n;

	/* Poison what conf_parse must overwrite. */
	memset(errmsg, 0xa5, sizeof(errmsg));
	rc = conf_parse((const char *)data, size, &c, errmsg);
	if (rc == MFA_OK) {
		if (c == NULL)
			abort();
		check_conf(c);
		conf_free(c);
		return 0;
	}
	if (c != NULL || (rc != MFA_ECONFIG && rc != MFA_ENOMEM))
		abort();
	/* One line, NUL-terminated, and not empty for a config error. */
	n = strnlen(errmsg, sizeof(errmsg));
	if (n == sizeof(errmsg) || memchr(errmsg, '\n', n) != NULL ||
	    (rc == MFA_ECONFIG && n == 0))
		abort();
	return 0;
}
