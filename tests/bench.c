/*
 * bench.c - cost of one login through libpam with pam_mfa, against the
 * floor (a stack of pam_permit alone), for the valid-code, wrong-code and
 * locked-user paths.  Uses pam_start_confdir with a private directory; the
 * driver links libcrypto (through the core), as OpenVPN, FreeRADIUS and
 * sshd do, so the module's libcrypto load is not counted.  HOTP codes
 * are computed per iteration by the driver.
 *   bench MODULE ITERATIONS [always|os]
 */
#include "config.h"

#include <security/pam_appl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "otp.h"
#include "store.h"
#include "testutil.h"
#include "token.h"

static const char *answer;

static int
conv(int n, const struct pam_message **msg, struct pam_response **resp,
    void *data)
{
	struct pam_response *r = calloc((size_t)n, sizeof(*r));
	int i;

	(void)msg;
	(void)data;
	if (r == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++)
		r[i].resp = strdup(answer);
	*resp = r;
	return PAM_SUCCESS;
}

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int last_rc;

static double
one(const char *confdir, const char *svc, const char *user)
{
	struct pam_conv c = { conv, NULL };
	pam_handle_t *ph;
	double t0 = now_us();

	if (pam_start_confdir(svc, user, &c, confdir, &ph) != PAM_SUCCESS)
		exit(1);
	last_rc = pam_authenticate(ph, 0);
	pam_end(ph, PAM_SUCCESS);
	return now_us() - t0;
}

static void
report(const char *name, double *t, int n, double floor_p50)
{
	double sum = 0;
	int i;

	for (i = 0; i < n; i++)
		sum += t[i];
	qsort(t, (size_t)n, sizeof(*t), cmp_double);
	printf("%-22s %8.0f auths/s  p50 %7.1f us  p99 %7.1f us  x%.2f floor\n",
	    name, 1e6 * n / sum, t[n / 2], t[n * 99 / 100],
	    floor_p50 > 0 ? t[n / 2] / floor_p50 : 1.0);
}

int
main(int argc, char **argv)
{
	char dir[] = "/tmp/pam_mfa_bench.XXXXXX", path[512], body[1024];
	char code[MFA_CODE_MAX + 1], errmsg[CONF_ERRMSG_MAX];
	struct mfa_conf *conf;
	struct mfa_store *store;
	struct mfa_token tok;
	double *t, floor_p50;
	int n, i;

	if (argc < 3 || (n = atoi(argv[2])) < 100)
		return 2;
	t = calloc((size_t)n, sizeof(*t));
	if (t == NULL || mkdtemp(dir) == NULL || chmod(dir, 0755) != 0)
		return 1;
	snprintf(path, sizeof(path), "%s/mfa.conf", dir);
	snprintf(body, sizeof(body), "state_dir = \"%s/state\";\n"
	    "key_file = \"%s/mfa.key\";\n"
	    "state_flush = \"%s\";\ndeny = 0;\nhotp_lookahead = 0;\n", dir,
	    dir, argc > 3 ? argv[3] : "always");
	tu_write_file(path, body, 0644);
	snprintf(path, sizeof(path), "%s/locked.conf", dir);
	snprintf(body, sizeof(body), "state_dir = \"%s/state\";\n"
	    "key_file = \"%s/mfa.key\";\ndeny = 1;\nunlock_time = 0;\n",
	    dir, dir);
	tu_write_file(path, body, 0644);
	snprintf(path, sizeof(path), "%s/floor", dir);
	tu_write_file(path, "auth required pam_permit.so\n", 0644);
	snprintf(path, sizeof(path), "%s/mfa", dir);
	snprintf(body, sizeof(body), "auth required %s conf=%s/mfa.conf\n",
	    argv[1], dir);
	tu_write_file(path, body, 0644);
	snprintf(path, sizeof(path), "%s/locked", dir);
	snprintf(body, sizeof(body), "auth required %s conf=%s/locked.conf\n",
	    argv[1], dir);
	tu_write_file(path, body, 0644);

	snprintf(path, sizeof(path), "%s/mfa.conf", dir);
	memset(&tok, 0, sizeof(tok));
	tok.id = 1;
	tok.type = MFA_HOTP;
	tok.algo = MFA_SHA1;
	tok.digits = 6;
	tok.secret_len = 20;
	memset(tok.secret, 7, 20);
	if (conf_load(path, &conf, errmsg) != MFA_OK ||
	    store_create(conf) != MFA_OK || store_open(conf, &store) != MFA_OK ||
	    store_token_put(store, "bench", &tok) != MFA_OK ||
	    store_token_put(store, "locked", &tok) != MFA_OK)
		return 1;

	answer = "000000";
	for (i = 0; i < n; i++)
		t[i] = one(dir, "floor", "bench");
	qsort(t, (size_t)n, sizeof(*t), cmp_double);
	floor_p50 = t[n / 2];
	report("floor (pam_permit)", t, n, floor_p50);

	for (i = 0; i < n; i++) {
		otp_generate(&tok, (uint64_t)i, code);
		answer = code;
		t[i] = one(dir, "mfa", "bench");
		if (last_rc != PAM_SUCCESS) {
			fprintf(stderr, "valid code refused at %d\n", i);
			return 1;
		}
	}
	report("valid code", t, n, floor_p50);
	answer = "999999";	/* HOTP with no look-ahead: never valid here */
	for (i = 0; i < n; i++)
		t[i] = one(dir, "mfa", "bench");
	report("wrong code", t, n, floor_p50);
	(void)one(dir, "locked", "locked");
	for (i = 0; i < n; i++) {
		t[i] = one(dir, "locked", "locked");
		if (last_rc == PAM_SUCCESS)
			return 1;
	}
	report("locked user", t, n, floor_p50);
	store_close(store);
	conf_free(conf);
	tu_rm_rf(dir);
	return 0;
}
