/*
 * import.c - google-authenticator and pam_oath files into tokens; see
 * import.h.  The formats are those their modules read (and write back
 * after each login):
 *  - google-authenticator-libpam: line 1 the base32 secret; option lines
 *    '" KEY [VALUE]'; 8-digit scratch codes.  HMAC-SHA1, 6 digits.
 *    HOTP_COUNTER is the next counter the module accepts; DISALLOW_REUSE
 *    lists the time steps (unix time / STEP_SIZE) of the codes used
 *    within the window.
 *  - liboath's users file: "TYPE USER PIN SECRETHEX [COUNTER [LASTOTP
 *    [TIME]]]", whitespace-separated.  After a login liboath writes all
 *    seven fields: for HOTP, COUNTER is the counter of the code used
 *    (LASTOTP); for TOTP, COUNTER means nothing and TIME ("%Y-%m-%dT
 *    %H:%M:%SL", local time) is when LASTOTP was accepted.
 * Secrets are decoded by liboath (base32, hex); every copy is wiped.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "import.h"
#include "otp.h"
#include "user.h"

#define B32_CHARS_MAX	160	/* 64 bytes: 103 characters, padded 104 */
#define HEX_CHARS_MAX	(2 * MFA_SECRET_MAX)
#define OATH_FIELDS_MAX	7

/* google-authenticator-libpam's limits on its own options. */
#define GA_STEP_MAX	60
#define GA_WINDOW_MAX	100
#define GA_RATE_MAX	100
#define GA_RATE_TIME	3600
#define GA_SKEW_MAX	1000000

static void
clear_secrets(struct import_result *res)
{
	token_wipe(&res->tok);
	crypto_wipe(res->backup, sizeof(res->backup));
	res->backup_count = 0;
	res->next_step = 0;
}

void
import_result_wipe(struct import_result *res)
{
	clear_secrets(res);
	crypto_wipe(res, sizeof(*res));
}

/* Record why, forget the secret: always IMPORT_REFUSED. */
static enum import_status
refuse(struct import_result *res, const char *fmt, ...)
{
	va_list ap;

	clear_secrets(res);
	va_start(ap, fmt);
	vsnprintf(res->reason, sizeof(res->reason), fmt, ap);
	va_end(ap);
	return IMPORT_REFUSED;
}

static void
warn(struct import_result *res, const char *fmt, ...)
{
	va_list ap;

	if (res->warning_count >= IMPORT_WARN_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(res->warning[res->warning_count++], IMPORT_REASON_MAX, fmt,
	    ap);
	va_end(ap);
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* n > 0 decimal digits, nothing else, at most max. */
static int
parse_u64(const char *s, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0 || n > 20)
		return 0;
	for (i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return 0;
		if (v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return 0;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > max)
		return 0;
	*out = v;
	return 1;
}

/* The next space- or tab-separated word of s[*pos..n), or 0 if none. */
static int
next_word(const char *s, size_t n, size_t *pos, const char **w, size_t *wn)
{
	size_t i = *pos;

	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i == n) {
		*pos = i;
		return 0;
	}
	*w = s + i;
	while (i < n && s[i] != ' ' && s[i] != '\t')
		i++;
	*wn = (size_t)(s + i - *w);
	*pos = i;
	return 1;
}

/* A value of only numbers no greater than max, separated by blanks; the
 * highest in *hi (0 if none), their number in *count. */
static int
parse_numbers(const char *s, size_t n, uint64_t max, uint64_t *hi,
    unsigned *count)
{
	const char *w;
	size_t pos = 0, wn;
	uint64_t v;

	*hi = 0;
	*count = 0;
	while (next_word(s, n, &pos, &w, &wn)) {
		if (!parse_u64(w, wn, max, &v))
			return 0;
		if (v > *hi)
			*hi = v;
		(*count)++;
	}
	return 1;
}

static void
secret_bits_reason(struct import_result *res, size_t bytes)
{
	if (bytes < MFA_SECRET_MIN)
		refuse(res, "secret is %zu bits; pam_mfa needs at least %d",
		    bytes * 8, MFA_SECRET_MIN * 8);
	else
		refuse(res, "secret is %zu bits; pam_mfa takes at most %d",
		    bytes * 8, MFA_SECRET_MAX * 8);
}

/* The base32 secret of a google file (RFC 4648 letters, either case,
 * optional '=' padding) into res->tok. */
static enum import_status
secret_base32(struct import_result *res, const char *s, size_t n)
{
	size_t chars, i, binlen = 0;

	chars = n;
	while (chars > 0 && s[chars - 1] == '=')
		chars--;
	if (n > B32_CHARS_MAX)
		return refuse(res, "line 1: secret longer than %d characters",
		    B32_CHARS_MAX);
	for (i = 0; i < chars; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '2' &&
		    s[i] <= '7')))
			return refuse(res, "line 1: secret is not base32");
	if (chars * 5 / 8 < MFA_SECRET_MIN || chars * 5 / 8 > MFA_SECRET_MAX) {
		secret_bits_reason(res, chars * 5 / 8);
		return IMPORT_REFUSED;
	}
	if (otp_secret_decode(s, n, 1, res->tok.secret, &binlen) != MFA_OK ||
	    binlen < MFA_SECRET_MIN) {
		crypto_wipe(res->tok.secret, sizeof(res->tok.secret));
		return refuse(res, "line 1: secret is not valid base32");
	}
	res->tok.secret_len = binlen;
	return IMPORT_OK;
}

/* The hex secret of a users file line into res->tok. */
static enum import_status
secret_hex(struct import_result *res, const char *s, size_t n)
{
	size_t i, binlen = 0;

	for (i = 0; i < n; i++)
		if (!is_digit(s[i]) && !((s[i] >= 'a' && s[i] <= 'f') ||
		    (s[i] >= 'A' && s[i] <= 'F')))
			return refuse(res, "secret is not hex");
	if (n % 2 != 0)
		return refuse(res, "secret is an odd number of hex digits");
	if (n / 2 < MFA_SECRET_MIN || n / 2 > MFA_SECRET_MAX) {
		secret_bits_reason(res, n / 2);
		return IMPORT_REFUSED;
	}
	if (otp_secret_decode(s, n, 0, res->tok.secret, &binlen) != MFA_OK ||
	    binlen != n / 2)
		return refuse(res, "secret is not valid hex");
	res->tok.secret_len = binlen;
	return IMPORT_OK;
}

/* google-authenticator's options: each at most once. */
enum ga_opt {
	GA_TOTP_AUTH,
	GA_HOTP_COUNTER,
	GA_STEP_SIZE,
	GA_WINDOW_SIZE,
	GA_RATE_LIMIT,
	GA_DISALLOW_REUSE,
	GA_TIME_SKEW,
	GA_RESETTING_TIME_SKEW,
	GA_OPT_MAX
};

static const char *const ga_names[GA_OPT_MAX] = {
	"TOTP_AUTH", "HOTP_COUNTER", "STEP_SIZE", "WINDOW_SIZE",
	"RATE_LIMIT", "DISALLOW_REUSE", "TIME_SKEW", "RESETTING_TIME_SKEW",
};

struct ga_file {
	int seen[GA_OPT_MAX];
	uint64_t counter;	/* HOTP_COUNTER */
	uint64_t step;		/* STEP_SIZE */
	uint64_t used_hi;	/* highest DISALLOW_REUSE step */
	unsigned used;		/* DISALLOW_REUSE steps */
	int64_t skew;		/* TIME_SKEW */
};

/* "N M [unix time ...]": a rate limit the module keeps in the file. */
static int
ga_rate_limit(const char *v, size_t n)
{
	const char *w;
	size_t pos = 0, wn;
	uint64_t x, hi;
	unsigned count;

	if (!next_word(v, n, &pos, &w, &wn) ||
	    !parse_u64(w, wn, GA_RATE_MAX, &x) || x < 1 ||
	    !next_word(v, n, &pos, &w, &wn) ||
	    !parse_u64(w, wn, GA_RATE_TIME, &x) || x < 1)
		return 0;
	return parse_numbers(v + pos, n - pos, UINT32_MAX, &hi, &count);
}

/* "[-+]N" */
static int
ga_skew(const char *v, size_t n, int64_t *skew)
{
	uint64_t x;
	int neg = 0;

	if (n > 0 && (v[0] == '-' || v[0] == '+')) {
		neg = v[0] == '-';
		v++;
		n--;
	}
	if (!parse_u64(v, n, GA_SKEW_MAX, &x))
		return 0;
	*skew = neg ? -(int64_t)x : (int64_t)x;
	return 1;
}

/* "TIME+SKEW TIME-SKEW ...": attempts at resetting the skew; only
 * checked for shape, as the module discards what it can't read. */
static int
ga_resetting(const char *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!is_digit(v[i]) && v[i] != '+' && v[i] != '-' &&
		    v[i] != ' ' && v[i] != '\t')
			return 0;
	return 1;
}

/* An option line ('" KEY [VALUE]', blanks trimmed) of line number no. */
static enum import_status
ga_option(struct import_result *res, struct ga_file *ga, const char *s,
    size_t n, unsigned no)
{
	const char *v;
	size_t klen, vlen;
	uint64_t x;
	int opt;

	if (n < 2 || s[1] != ' ')
		return refuse(res, "line %u: unknown option", no);
	s += 2;
	n -= 2;
	for (klen = 0; klen < n && s[klen] != ' ' && s[klen] != '\t'; klen++)
		;
	for (opt = 0; opt < GA_OPT_MAX; opt++)
		if (strlen(ga_names[opt]) == klen &&
		    memcmp(ga_names[opt], s, klen) == 0)
			break;
	if (opt == GA_OPT_MAX)
		return refuse(res, "line %u: unknown option", no);
	if (ga->seen[opt])
		return refuse(res, "line %u: %s given twice", no,
		    ga_names[opt]);
	ga->seen[opt] = 1;
	v = s + klen;
	vlen = n - klen;
	while (vlen > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		vlen--;
	}
	while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
		vlen--;

	switch (opt) {
	case GA_TOTP_AUTH:
		if (vlen != 0)
			return refuse(res, "line %u: TOTP_AUTH takes no value",
			    no);
		break;
	case GA_HOTP_COUNTER:
		if (!parse_u64(v, vlen, IMPORT_COUNTER_MAX, &ga->counter) ||
		    ga->counter < 1)
			return refuse(res, "line %u: bad HOTP_COUNTER", no);
		break;
	case GA_STEP_SIZE:
		if (!parse_u64(v, vlen, GA_STEP_MAX, &ga->step) || ga->step < 1)
			return refuse(res, "line %u: bad STEP_SIZE", no);
		break;
	case GA_WINDOW_SIZE:
		if (!parse_u64(v, vlen, GA_WINDOW_MAX, &x) || x < 1)
			return refuse(res, "line %u: bad WINDOW_SIZE", no);
		break;
	case GA_RATE_LIMIT:
		if (!ga_rate_limit(v, vlen))
			return refuse(res, "line %u: bad RATE_LIMIT", no);
		warn(res, "RATE_LIMIT not carried over: pam_mfa's lockout "
		    "applies");
		break;
	case GA_DISALLOW_REUSE:
		if (!parse_numbers(v, vlen, IMPORT_COUNTER_MAX, &ga->used_hi,
		    &ga->used))
			return refuse(res, "line %u: bad DISALLOW_REUSE", no);
		break;
	case GA_TIME_SKEW:
		if (!ga_skew(v, vlen, &ga->skew))
			return refuse(res, "line %u: bad TIME_SKEW", no);
		if (ga->skew != 0)
			warn(res, "TIME_SKEW %lld not carried over: the "
			    "authenticator's clock is that many steps off",
			    (long long)ga->skew);
		break;
	default:
		if (!ga_resetting(v, vlen))
			return refuse(res, "line %u: bad RESETTING_TIME_SKEW",
			    no);
		break;
	}
	return IMPORT_OK;
}

static enum import_status
ga_scratch(struct import_result *res, const char *s, size_t n, unsigned no)
{
	size_t i;

	if (n != BACKUP_LEN_IMPORTED || s[0] < '1' || s[0] > '9')
		return refuse(res, "line %u: not a scratch code", no);
	for (i = 1; i < n; i++)
		if (!is_digit(s[i]))
			return refuse(res, "line %u: not a scratch code", no);
	if (res->backup_count == TOKEN_BACKUP_MAX)
		return refuse(res, "more than %d scratch codes",
		    TOKEN_BACKUP_MAX);
	memcpy(res->backup[res->backup_count], s, n);
	res->backup[res->backup_count][n] = '\0';
	res->backup_count++;
	return IMPORT_OK;
}

enum import_status
import_google(const char *text, size_t len, struct import_result *res)
{
	struct ga_file ga;
	const char *line, *nl, *end = text + len;
	size_t n;
	unsigned no = 0;
	enum import_status st;

	memset(res, 0, sizeof(*res));
	memset(&ga, 0, sizeof(ga));
	if (len == 0)
		return refuse(res, "empty file");
	if (len > IMPORT_GOOGLE_MAX)
		return refuse(res, "larger than %d bytes", IMPORT_GOOGLE_MAX);
	if (memchr(text, '\0', len) != NULL)
		return refuse(res, "contains a NUL byte");

	for (line = text; line < end; line = nl + 1) {
		if ((nl = memchr(line, '\n', (size_t)(end - line))) == NULL)
			nl = end;
		n = (size_t)(nl - line);
		no++;
		if (n > IMPORT_LINE_MAX)
			return refuse(res, "line %u: longer than %d bytes", no,
			    IMPORT_LINE_MAX);
		if (n > 0 && line[n - 1] == '\r')
			n--;
		if (no == 1) {
			if (n == 0 || line[0] == '"')
				return refuse(res, "line 1: no secret");
			st = secret_base32(res, line, n);
		} else if (n == 0) {
			continue;
		} else if (line[0] == '"') {
			st = ga_option(res, &ga, line, n, no);
		} else {
			st = ga_scratch(res, line, n, no);
		}
		if (st != IMPORT_OK)
			return st;
	}

	if (ga.seen[GA_TOTP_AUTH] && ga.seen[GA_HOTP_COUNTER])
		return refuse(res, "both TOTP_AUTH and HOTP_COUNTER");
	if (!ga.seen[GA_TOTP_AUTH] && !ga.seen[GA_HOTP_COUNTER])
		return refuse(res, "neither TOTP_AUTH nor HOTP_COUNTER");
	res->tok.algo = MFA_SHA1;
	res->tok.digits = 6;
	if (ga.seen[GA_HOTP_COUNTER]) {
		res->tok.type = MFA_HOTP;
		res->tok.counter = ga.counter;
		res->next_step = ga.counter;
		return IMPORT_OK;
	}
	if (!ga.seen[GA_STEP_SIZE])
		ga.step = 30;
	if (ga.step != 30 && ga.step != 60)
		return refuse(res, "STEP_SIZE %u not supported (30 or 60)",
		    (unsigned)ga.step);
	res->tok.type = MFA_TOTP;
	res->tok.period = (unsigned)ga.step;
	if (ga.used > 0)
		res->next_step = ga.used_hi + 1;
	return IMPORT_OK;
}

/* liboath's token types (usersfile.c parse_type). */
static int
oath_type(const char *s, size_t n, unsigned *digits, unsigned *period)
{
	static const struct {
		const char *name;
		unsigned digits, period;
	} types[] = {
		{ "HOTP", 6, 0 }, { "HOTP/E", 6, 0 }, { "HOTP/E/6", 6, 0 },
		{ "HOTP/E/7", 7, 0 }, { "HOTP/E/8", 8, 0 },
		{ "HOTP/T30", 6, 30 }, { "HOTP/T30/6", 6, 30 },
		{ "HOTP/T30/7", 7, 30 }, { "HOTP/T30/8", 8, 30 },
		{ "HOTP/T60", 6, 60 }, { "HOTP/T60/6", 6, 60 },
		{ "HOTP/T60/7", 7, 60 }, { "HOTP/T60/8", 8, 60 },
	};
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strlen(types[i].name) == n &&
		    memcmp(types[i].name, s, n) == 0) {
			*digits = types[i].digits;
			*period = types[i].period;
			return 1;
		}
	return 0;
}

static int
two(const char *s, int lo, int hi, int *out)
{
	if (!is_digit(s[0]) || !is_digit(s[1]))
		return 0;
	*out = (s[0] - '0') * 10 + (s[1] - '0');
	return *out >= lo && *out <= hi;
}

/* liboath's "%Y-%m-%dT%H:%M:%SL" (local time), field by field. */
static int
oath_time(const char *s, size_t n, struct tm *tm)
{
	static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };
	int c, y, year;

	memset(tm, 0, sizeof(*tm));
	if (n != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
	    s[13] != ':' || s[16] != ':' || s[19] != 'L' ||
	    !two(s, 19, 99, &c) || !two(s + 2, 0, 99, &y) ||
	    !two(s + 5, 1, 12, &tm->tm_mon) ||
	    !two(s + 8, 1, 31, &tm->tm_mday) ||
	    !two(s + 11, 0, 23, &tm->tm_hour) ||
	    !two(s + 14, 0, 59, &tm->tm_min) ||
	    !two(s + 17, 0, 60, &tm->tm_sec))
		return 0;
	year = c * 100 + y;
	if (year < 1970 || tm->tm_mday > mdays[tm->tm_mon - 1] ||
	    (tm->tm_mon == 2 && tm->tm_mday == 29 && (year % 4 != 0 ||
	    (year % 100 == 0 && year % 400 != 0))))
		return 0;
	tm->tm_year = year - 1900;
	tm->tm_mon--;
	tm->tm_isdst = -1;
	return 1;
}

/*
 * The time step of the code a TOTP user last logged in with: the one
 * nearest the recorded time whose code is last_otp.  1 and *step if
 * found.
 */
static int
oath_find_step(const struct mfa_token *tok, int64_t when,
    const char *last_otp, size_t otp_len, uint64_t *step)
{
	char code[MFA_CODE_MAX + 1];
	struct mfa_token t = *tok;
	uint64_t base, s;
	int d, found = 0;

	t.id = 1;	/* otp_generate checks the token as a whole */
	base = otp_step(&t, when);
	for (d = 0; d <= IMPORT_OATH_SEARCH && !found; d++) {
		s = base + (uint64_t)d;
		if (otp_generate(&t, s, code) == MFA_OK &&
		    crypto_equal(code, last_otp, otp_len)) {
			found = 1;
			break;
		}
		if (d == 0 || base < (uint64_t)d)
			continue;
		s = base - (uint64_t)d;
		if (otp_generate(&t, s, code) == MFA_OK &&
		    crypto_equal(code, last_otp, otp_len))
			found = 1;
	}
	if (found)
		*step = s;
	crypto_wipe(code, sizeof(code));
	token_wipe(&t);
	return found;
}

enum import_status
import_oath_line(const char *line, size_t len, import_mktime_fn local_mktime,
    struct import_result *res)
{
	const char *f[OATH_FIELDS_MAX + 1];
	size_t fl[OATH_FIELDS_MAX + 1], i, start, nf = 0;
	unsigned digits, period;
	uint64_t counter = 0, found;
	int64_t when;
	struct tm tm;

	memset(res, 0, sizeof(*res));
	if (len > IMPORT_LINE_MAX)
		return refuse(res, "longer than %d bytes", IMPORT_LINE_MAX);
	if (memchr(line, '\0', len) != NULL)
		return refuse(res, "contains a NUL byte");
	/* Fields as liboath splits them: on blanks, CR and LF. */
	for (i = 0; i < len;) {
		while (i < len && strchr(" \t\r\n", line[i]) != NULL)
			i++;
		if (i == len)
			break;
		start = i;
		while (i < len && strchr(" \t\r\n", line[i]) == NULL)
			i++;
		if (nf <= OATH_FIELDS_MAX) {
			f[nf] = line + start;
			fl[nf] = i - start;
		}
		nf++;
	}
	if (nf == 0 || f[0][0] == '#')
		return IMPORT_EMPTY;
	if (nf >= 2 && user_valid(f[1], fl[1])) {
		memcpy(res->user, f[1], fl[1]);
		res->user[fl[1]] = '\0';
	}
	if (nf > OATH_FIELDS_MAX)
		return refuse(res, "more than %d fields", OATH_FIELDS_MAX);
	if (!oath_type(f[0], fl[0], &digits, &period))
		return refuse(res, "unknown token type");
	if (nf < 4)
		return refuse(res, "fewer than 4 fields (TYPE USER PIN "
		    "SECRET)");
	if (res->user[0] == '\0')
		return refuse(res, "invalid user name");
	if (digits != 6 && digits != 8)
		return refuse(res, "%u digits not supported (6 or 8)", digits);
	if (secret_hex(res, f[3], fl[3]) != IMPORT_OK)
		return IMPORT_REFUSED;
	if (nf >= 5 && !parse_u64(f[4], fl[4], IMPORT_COUNTER_MAX, &counter))
		return refuse(res, "bad counter");
	if (nf >= 6) {
		if (fl[5] != digits)
			return refuse(res, "bad last OTP: not %u digits",
			    digits);
		for (i = 0; i < fl[5]; i++)
			if (!is_digit(f[5][i]))
				return refuse(res, "bad last OTP: not %u "
				    "digits", digits);
	}
	if (nf >= 7 && !oath_time(f[6], fl[6], &tm))
		return refuse(res, "bad time of the last OTP");

	res->tok.algo = MFA_SHA1;
	res->tok.digits = digits;
	if (period == 0) {
		/* COUNTER is the first to try, or the last used one when
		 * LASTOTP records its code. */
		if (nf >= 6 && counter == IMPORT_COUNTER_MAX)
			return refuse(res, "bad counter");
		res->tok.type = MFA_HOTP;
		res->next_step = nf >= 6 ? counter + 1 : counter;
		res->tok.counter = res->next_step;
	} else {
		res->tok.type = MFA_TOTP;
		res->tok.period = period;
		if (nf == 6)
			return refuse(res, "last OTP without its time");
		if (nf == 7) {
			if (local_mktime == NULL ||
			    (when = local_mktime(&tm)) < 0)
				return refuse(res, "bad time of the last OTP");
			/* Not found: the time was read in another zone
			 * than pam_oath wrote it in, or the line was made
			 * up.  Which codes were used is then unknown. */
			if (!oath_find_step(&res->tok, when, f[5], fl[5],
			    &found))
				return refuse(res, "last OTP not found within "
				    "%d steps of its time (is TZ pam_oath's?)",
				    IMPORT_OATH_SEARCH);
			res->next_step = found + 1;
		}
	}
	/* "-": no PIN; "+": checked by another module. */
	if (!(fl[2] == 1 && (f[2][0] == '-' || f[2][0] == '+')))
		warn(res, "PIN not carried over: pam_mfa leaves the password "
		    "to the password module");
	return IMPORT_OK;
}
