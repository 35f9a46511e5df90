/*
 * fuzz_import.c - the parsers of pam-mfa import over any bytes: the first
 * byte picks import_google (the rest as one file) or import_oath_line
 * (the rest cut into lines).  Each reads only the bytes it is given,
 * returns the same answer twice, and either refuses with a printable
 * reason, keeping nothing of the secret, or returns a token pam_mfa
 * accepts: SHA1, 6 or 8 digits, 30 or 60 s, a secret of 16 to 64 bytes,
 * at most 16 scratch codes of 8 digits, HOTP's floor its first counter.
 * import.c is a source of the CLI, not of the core run.sh builds: it is
 * compiled in here.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../tools/import.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int64_t
utc_mktime(struct tm *tm)
{
	return (int64_t)timegm(tm);
}

static int
zero(const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != 0)
			return 0;
	return 1;
}

/* NUL-ended within its buffer, printable ASCII: no byte of the input. */
static int
printable(const char *s, size_t size)
{
	size_t i;

	for (i = 0; i < size && s[i] != '\0'; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return 0;
	return i < size;
}

static void
check(const struct import_result *res, enum import_status st, int google)
{
	struct mfa_token t;
	unsigned i, k;

	if (!printable(res->reason, sizeof(res->reason)) ||
	    res->warning_count > IMPORT_WARN_MAX ||
	    !printable(res->user, sizeof(res->user)))
		abort();
	for (i = 0; i < res->warning_count; i++)
		if (!printable(res->warning[i], sizeof(res->warning[i])) ||
		    res->warning[i][0] == '\0')
			abort();
	if (st == IMPORT_EMPTY) {
		if (google || !zero(res, sizeof(*res)))
			abort();
		return;
	}
	if (st == IMPORT_REFUSED) {
		if (res->reason[0] == '\0' ||
		    !zero(&res->tok, sizeof(res->tok)) ||
		    !zero(res->backup, sizeof(res->backup)) ||
		    res->backup_count != 0 || res->next_step != 0)
			abort();
		return;
	}
	if (st != IMPORT_OK || res->reason[0] != '\0')
		abort();
	t = res->tok;
	t.id = 1;
	if (token_check(&t) != MFA_OK || t.algo != MFA_SHA1 || t.cipher != 0 ||
	    res->tok.id != 0 || res->tok.created != 0 ||
	    (google && t.digits != 6) ||
	    (t.type == MFA_HOTP && t.counter != res->next_step) ||
	    (t.type == MFA_TOTP && t.counter != 0) ||
	    res->backup_count > TOKEN_BACKUP_MAX ||
	    (!google && res->backup_count != 0))
		abort();
	token_wipe(&t);
	if (google ? res->user[0] != '\0' :
	    !user_valid(res->user, strlen(res->user)))
		abort();
	for (i = 0; i < res->backup_count; i++) {
		if (strlen(res->backup[i]) != BACKUP_LEN_IMPORTED ||
		    res->backup[i][0] == '0')
			abort();
		for (k = 0; k < BACKUP_LEN_IMPORTED; k++)
			if (res->backup[i][k] < '0' || res->backup[i][k] > '9')
				abort();
	}
	if (google && res->next_step > (uint64_t)IMPORT_COUNTER_MAX + 1)
		abort();
}

/* Parse twice: the same answer; then wiped to zeros. */
static void
run(const char *p, size_t n, int google)
{
	struct import_result *a, *b;
	enum import_status sa, sb;

	if ((a = malloc(sizeof(*a))) == NULL ||
	    (b = malloc(sizeof(*b))) == NULL)
		abort();
	memset(a, 0xa5, sizeof(*a));	/* the parsers must clear it */
	memset(b, 0x5a, sizeof(*b));
	if (google) {
		sa = import_google(p, n, a);
		sb = import_google(p, n, b);
	} else {
		sa = import_oath_line(p, n, utc_mktime, a);
		sb = import_oath_line(p, n, utc_mktime, b);
	}
	if (sa != sb || memcmp(a, b, sizeof(*a)) != 0)
		abort();
	check(a, sa, google);
	import_result_wipe(a);
	import_result_wipe(b);
	if (!zero(a, sizeof(*a)))
		abort();
	free(a);
	free(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p, *end, *nl;
	char *copy;

	if (size == 0)
		return 0;
	/* An exact-size copy: ASan sees any read past the end. */
	if ((copy = malloc(size - 1 == 0 ? 1 : size - 1)) == NULL)
		abort();
	memcpy(copy, data + 1, size - 1);
	if (data[0] % 2 == 0) {
		run(copy, size - 1, 1);
	} else {
		end = copy + size - 1;
		for (p = copy; p < end; p = nl + 1) {
			if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
				nl = end;
			run(p, (size_t)(nl - p), 0);
		}
	}
	free(copy);
	return 0;
}
