/*
 * modutil.h - harness for tests that drive pam_mfa.so through libpam; see
 * modutil.c.
 */
#ifndef MFA_MODUTIL_H
#define MFA_MODUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "backup.h"
#include "token.h"

struct CMUnitTest;
struct mfa_conf;
struct mfa_store;

#define MU_SECRETS 4
extern char *mu_dir;			/* private root-owned 0755 directory */
extern char mu_state_dir[256];		/* mu_dir/state */
extern char mu_conf_path[256];		/* mu_dir/mfa.conf */
extern const char *mu_logfile;		/* the private syslog's file */
extern const char *const mu_secrets_hex[MU_SECRETS];
extern char mu_codes_used[64][16];
extern int mu_n_codes_used;

/* Config with state_dir = mu_state_dir, then extra. */
void mu_write_conf(const char *path, const char *extra);
void mu_write_service(const char *name, const char *body);
/* "auth required MODULE conf=CONF" then tail. */
void mu_service_with_conf(const char *name, const char *conf,
    const char *tail);
/* Enroll user (through the store API, config mu_conf_path). */
void mu_enroll(const char *user, enum mfa_otp_type type, enum mfa_algo algo,
    unsigned digits, unsigned period, const char *secret_hex);
/* The token mu_enroll writes: a random id, the secret in clear. */
void mu_token(struct mfa_token *tok, enum mfa_otp_type type,
    enum mfa_algo algo, unsigned digits, unsigned period,
    const char *secret_hex);
/* The store of mu_conf_path, created if need be; *conf is kept for
 * mu_store_close, which frees both. */
struct mfa_store *mu_store_open(struct mfa_conf **conf);
void mu_store_close(struct mfa_store *store, struct mfa_conf *conf);
/* mu_enroll with n new backup codes (backup_generate), their display form
 * in codes[0..n) ("12345-67890"); the token's id. */
uint64_t mu_enroll_backup(const char *user, enum mfa_otp_type type,
    enum mfa_algo algo, unsigned digits, unsigned period,
    const char *secret_hex, unsigned n, char codes[][BACKUP_TEXT_MAX + 1]);
/* oathtool's TOTP code at now + offset (out of the test clock if set). */
void mu_totp(char out[16], const char *algo, unsigned digits,
    unsigned period, const char *secret_hex, long offset);
void mu_hotp(char out[16], const char *secret_hex, unsigned long counter);
/* pam_authenticate answering every echo-off prompt with code: its return
 * value, or < -1000 if libpamtest could not run it. */
int mu_auth(const char *service, const char *user, const char *code);
/* pam_authenticate answering echo-off prompts in order; PAM_TEXT_INFO
 * messages into info (malloc'd, or NULL). */
int mu_auth_answers(const char *service, const char *user,
    const char **answers, char **info, size_t ninfo);
struct pam_message;
struct pam_response;
/* A pam_conv function answering every echo-off prompt with data. */
int mu_conv_answer(int n, const struct pam_message **msg,
    struct pam_response **resp, void *data);
/* pam_authenticate with PAM_RHOST set, answering prompts with code. */
int mu_auth_rhost(const char *service, const char *user, const char *code,
    const char *rhost);
/* n children run fn(i, arg) at once: how many returned 0. */
int mu_race(int n, int (*fn)(int, void *), void *arg);
/* Run pam-mfa -c conf ARGS... (NULL-terminated): exit status, stdout. */
int mu_cli(char *out, size_t outlen, const char *conf, ...);
/* A new pam_mfa log line holding f1 (and f2): 1, or 0 after 2 s. */
int mu_log_wait(const char *f1, const char *f2);
/* Any log line (any program) holding frag: 1, or 0 after 2 s. */
int mu_log_grep(const char *frag);
/* How many pam_mfa lines hold frag, waiting up to 3 s for n. */
int mu_log_count(const char *frag, int n);
/* Add a string (a code, a password) that must never reach the log. */
void mu_remember(const char *s);
/* A test case: no code, secret or remembered password is in the log. */
void mu_test_no_secret_in_log(void **st);
/* Stage 1: fixtures(), re-exec under pam_wrapper; stage 2: the tests. */
int mu_main(const char *name, const struct CMUnitTest *tests, size_t n,
    void (*fixtures)(void));

#endif
