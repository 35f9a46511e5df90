/*
 * backupcpu.c - the CPU time of one backup-code attempt's matching
 * (backup_match), for a set of 10 and of 16 codes, written as earlier
 * versions wrote them (a salt per code) and as now (one salt per
 * generation), with a wrong, a right and a spent code.  The cases take
 * turns, round after round, so a busy machine slows them alike; the
 * median of the rounds is printed.  With "enroll", it writes a user's
 * HOTP token (RFC 4226's secret) with n backup codes hashed either way
 * into the store of CONF and prints the codes, for bench/backup.sh.
 *   backupcpu [ROUNDS]
 *   backupcpu enroll CONF USER N one|per-code
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backup.h"
#include "conf.h"
#include "crypto.h"
#include "store.h"
#include "token.h"

#define NCASES	12

struct bcase {
	const char *name;
	unsigned n;		/* codes in the set */
	int per_code;		/* a salt per code (earlier versions) */
	int what;		/* 0 wrong, 1 right (last slot), 2 spent */
	struct mfa_token tok;
	char code[BACKUP_LEN_NEW + 1];
	double *t;		/* per round, ms */
};

static void
die(const char *what)
{
	fprintf(stderr, "backupcpu: %s\n", what);
	exit(1);
}

static double
cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* A HOTP token with n backup codes, a salt per code or one; the last
 * code's digits into last. */
static void
make_token(struct mfa_token *tok, unsigned n, int per_code,
    char codes[][BACKUP_TEXT_MAX + 1], char last[BACKUP_LEN_NEW + 1])
{
	char d[BACKUP_LEN_NEW + 1];
	unsigned i;

	memset(tok, 0, sizeof(*tok));
	if (crypto_random(&tok->id, sizeof(tok->id)) != MFA_OK)
		die("crypto_random");
	tok->id |= 1;
	tok->created = time(NULL);
	tok->type = MFA_HOTP;
	tok->algo = MFA_SHA1;
	tok->digits = 6;
	tok->secret_len = 20;
	memcpy(tok->secret, "12345678901234567890", 20);
	if (backup_generate(tok, n, codes) != MFA_OK)
		die("backup_generate");
	for (i = 0; i < n; i++) {
		if (!backup_parse(codes[i], strlen(codes[i]), BACKUP_LEN_NEW,
		    1, d))
			die("backup_parse");
		/* As earlier versions hashed: a fresh salt per code. */
		if (per_code && (crypto_random(tok->backup[i].salt,
		    TOKEN_BACKUP_SALT) != MFA_OK || crypto_kdf(d,
		    BACKUP_LEN_NEW, tok->backup[i].salt, TOKEN_BACKUP_SALT,
		    tok->backup_iter, tok->backup[i].hash) != MFA_OK))
			die("crypto_kdf");
		if (i == n - 1)
			memcpy(last, d, sizeof(d));
	}
	crypto_wipe(d, sizeof(d));
}

static int
enroll(const char *path, const char *user, unsigned n, int per_code)
{
	char codes[TOKEN_BACKUP_MAX][BACKUP_TEXT_MAX + 1];
	char errmsg[CONF_ERRMSG_MAX], last[BACKUP_LEN_NEW + 1];
	struct mfa_store *store = NULL;
	struct mfa_conf *conf = NULL;
	struct mfa_token tok;
	unsigned i;

	if (n > TOKEN_BACKUP_MAX)
		die("N: 0 to 16");
	if (conf_load(path, &conf, errmsg) != MFA_OK)
		die(errmsg);
	if (store_create(conf) != MFA_OK ||
	    store_open_admin(conf, &store) != MFA_OK)
		die("store");
	make_token(&tok, n, per_code, codes, last);
	if (store_token_put(store, user, &tok) != MFA_OK)
		die("store_token_put");
	for (i = 0; i < n; i++)
		printf("%s\n", codes[i]);
	token_wipe(&tok);
	store_close(store);
	conf_free(conf);
	return 0;
}

static void
setup(struct bcase *c)
{
	char codes[TOKEN_BACKUP_MAX][BACKUP_TEXT_MAX + 1];
	unsigned i;

	make_token(&c->tok, c->n, c->per_code, codes, c->code);
	if (c->what == 0) {
		/* Not one of the codes: each digit moved on by one. */
		for (i = 0; i < BACKUP_LEN_NEW; i++)
			c->code[i] = (char)('0' + (c->code[i] - '0' + 1) % 10);
	}
	crypto_wipe(codes, sizeof(codes));
}

int
main(int argc, char **argv)
{
	static const char *const whats[] = { "wrong", "right", "spent" };
	struct bcase cs[NCASES];
	long rounds = argc > 1 ? strtol(argv[1], NULL, 10) : 50, r;
	unsigned k, slot, want;
	double t0;

	if (argc == 6 && strcmp(argv[1], "enroll") == 0)
		return enroll(argv[2], argv[3], (unsigned)strtoul(argv[4],
		    NULL, 10), strcmp(argv[5], "per-code") == 0);
	if (rounds < 1 || rounds > 100000)
		die("ROUNDS: 1 to 100000");
	for (k = 0; k < NCASES; k++) {
		cs[k].n = k % 2 ? TOKEN_BACKUP_MAX : 10;
		cs[k].per_code = (k / 2) % 2 == 0;
		cs[k].what = (int)(k / 4);
		cs[k].name = whats[cs[k].what];
		if ((cs[k].t = calloc((size_t)rounds, sizeof(double))) == NULL)
			die("calloc");
		setup(&cs[k]);
	}
	for (r = 0; r < rounds; r++) {
		for (k = 0; k < NCASES; k++) {
			uint32_t used = cs[k].what == 2 ?
			    1U << (cs[k].n - 1) : 0;
			enum mfa_err rc;

			t0 = cpu_ms();
			rc = backup_match(&cs[k].tok, used, cs[k].code, &slot);
			cs[k].t[r] = cpu_ms() - t0;
			want = cs[k].what == 0 ? MFA_EBADCODE :
			    cs[k].what == 1 ? MFA_OK : MFA_EREPLAY;
			if (rc != (enum mfa_err)want)
				die("unexpected verdict");
		}
	}
	printf("backup_match CPU time, median of %ld rounds (ms); "
	    "PBKDF2-HMAC-SHA256, %u iterations\n", rounds,
	    BACKUP_ITER_DEFAULT);
	printf("%-7s %6s %16s %16s %7s\n", "attempt", "codes",
	    "salt per code", "one salt", "ratio");
	for (k = 0; k < NCASES; k++) {
		double a, b;

		if (!cs[k].per_code)
			continue;
		qsort(cs[k].t, (size_t)rounds, sizeof(double), cmp);
		qsort(cs[k + 2].t, (size_t)rounds, sizeof(double), cmp);
		a = cs[k].t[rounds / 2];
		b = cs[k + 2].t[rounds / 2];
		printf("%-7s %6u %16.2f %16.2f %6.1fx\n", cs[k].name, cs[k].n,
		    a, b, b > 0 ? a / b : 0);
	}
	for (k = 0; k < NCASES; k++) {
		token_wipe(&cs[k].tok);
		free(cs[k].t);
	}
	return 0;
}
