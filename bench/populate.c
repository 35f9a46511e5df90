/*
 * populate.c - the benchmark's fixtures: K HOTP users for pam_mfa (sealed
 * tokens written directly, without the CLI's per-file flush), for pam_oath
 * (one users file) and for pam_google_authenticator (one file per user),
 * all with the same secret, plus the PAM service files.  Beside the K
 * HOTP users u0..u(K-1): TOTP_USERS TOTP users t0.. (30 s steps) for the
 * three modules, and F HOTP users f0.. for pam_mfa enrolled through the
 * store's own code (store_token_put, as pam-mfa enroll does), each for
 * one login: a first login after enrollment.  The others get the state
 * file a user who has logged in before has (both slots written), so their
 * rows time the steady state.
 *   populate DIR K MODULE [F [FLUSHONLY]]
 *     F: 100 if not given; written to DIR/first_users for the driver.
 *     FLUSHONLY: bench/pam_flushonly.so; with it, the service floor_flush
 *     (that module, then pam_permit) and its FLUSH_FILES files in
 *     DIR/flush.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keyring.h"
#include "conf.h"
#include "otp.h"
#include "state.h"
#include "store.h"
#include "token.h"

#define SECRET_HEX	"3132333435363738393031323334353637383930"
#define TOTP_USERS	4000
#define FLUSH_FILES	1000	/* as flushonly.c */

static void
die(const char *what)
{
	perror(what);
	exit(1);
}

static void
put(const char *path, const void *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	if (fd < 0 || write(fd, data, len) != (ssize_t)len || close(fd) != 0)
		die(path);
}

/* Write the concatenation of a and b to path. */
static void
put2(const char *path, mode_t mode, const char *a, const char *b)
{
	char buf[4096];
	int n = snprintf(buf, sizeof(buf), "%s%s", a, b);

	if (n < 0 || (size_t)n >= sizeof(buf))
		die("snprintf");
	put(path, buf, (size_t)n, mode);
}

int
main(int argc, char **argv)
{
	unsigned char buf[TOKEN_FILE_SIZE], kbuf[KEYRING_FILE_SIZE];
	unsigned char sbuf[STATE_FILE_SIZE];
	struct mfa_state st;
	char path[4096], conf[4096], user[32], *b32;
	struct mfa_keyring kr;
	struct mfa_token tok;
	const char *dir, *module;
	long k, i, nfirst;
	struct mfa_store *store;
	struct mfa_conf *mconf;
	char errmsg[CONF_ERRMSG_MAX];
	FILE *f;

	if (argc < 4 || argc > 6 || (k = atol(argv[2])) < 1 ||
	    (nfirst = argc >= 5 ? atol(argv[4]) : 100) < 1)
		return 2;
	dir = argv[1];
	module = argv[3];
	snprintf(path, sizeof(path), "%s/mfa", dir);
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		die(dir);
	if (chmod(dir, 0755) != 0 || mkdir(path, 0755) != 0)
		die(path);
	snprintf(path, sizeof(path), "%s/mfa/state", dir);
	if (mkdir(path, 0700) != 0)
		die(path);
	memset(&kr, 0, sizeof(kr));
	if (keyring_add(&kr) != MFA_OK || keyring_encode(&kr, kbuf) != MFA_OK)
		return 1;
	snprintf(path, sizeof(path), "%s/mfa/key", dir);
	put(path, kbuf, sizeof(kbuf), 0600);

	/* pam_mfa: deny = 0 so the wrong-code path verifies every time;
	 * a second config locks its user for good after one failure. */
	snprintf(conf, sizeof(conf), "%s/mfa/mfa.conf", dir);
	snprintf(path, sizeof(path), "state_dir = \"%s/mfa/state\";\n"
	    "key_file = \"%s/mfa/key\";\nuser_lookup = \"exact\";\n", dir, dir);
	put2(conf, 0644, path, "deny = 0;\n");
	snprintf(conf, sizeof(conf), "%s/mfa/sync.conf", dir);
	put2(conf, 0644, path, "deny = 0;\nstate_flush = \"always\";\n");
	snprintf(conf, sizeof(conf), "%s/mfa/os.conf", dir);
	put2(conf, 0644, path, "deny = 0;\nstate_flush = \"os\";\n");
	snprintf(conf, sizeof(conf), "%s/mfa/locked.conf", dir);
	put2(conf, 0644, path, "deny = 1;\nunlock_time = 0;\n");

	memset(&tok, 0, sizeof(tok));
	tok.type = MFA_HOTP;
	tok.algo = MFA_SHA1;
	tok.digits = 6;
	tok.secret_len = 20;
	memcpy(tok.secret, "12345678901234567890", 20);
	if (otp_secret_base32(&tok, &b32) != MFA_OK)
		return 1;
	snprintf(path, sizeof(path), "%s/oath.users", dir);
	if ((f = fopen(path, "w")) == NULL)
		die(path);
	snprintf(path, sizeof(path), "%s/ga", dir);
	if (mkdir(path, 0700) != 0)
		die(path);
	for (i = 0; i <= k + TOTP_USERS; i++) {
		struct mfa_token t = tok;
		int totp = i > k && i <= k + TOTP_USERS;

		/* u0..u(K-1), "locked" for the locked path, t0.., f0.. */
		if (i == k)
			snprintf(user, sizeof(user), "locked");
		else if (totp)
			snprintf(user, sizeof(user), "t%ld", i - k - 1);
		else
			snprintf(user, sizeof(user), "u%ld", i);
		t.id = (uint64_t)i + 1;
		if (totp) {
			t.type = MFA_TOTP;
			t.period = 30;
		}
		if (token_seal(&t, user, &kr) != MFA_OK ||
		    token_encode(&t, buf) != MFA_OK)
			return 1;
		snprintf(path, sizeof(path), "%s/mfa/state/%s.token", dir, user);
		put(path, buf, sizeof(buf), 0600);
		memset(&st, 0, sizeof(st));
		st.token_id = t.id;
		if (state_encode(&st, 1, sbuf) != MFA_OK ||
		    state_encode(&st, 2, sbuf + STATE_SLOT_SIZE) != MFA_OK)
			return 1;
		snprintf(path, sizeof(path), "%s/mfa/state/%s.state", dir, user);
		put(path, sbuf, sizeof(sbuf), 0600);
		fprintf(f, "%s %s - %s\n", totp ? "HOTP/T30" : "HOTP", user,
		    SECRET_HEX);
		snprintf(path, sizeof(path), "%s/ga/%s", dir, user);
		put2(path, 0600, b32, totp ?
		    "\n\" TOTP_AUTH\n\" DISALLOW_REUSE\n\" WINDOW_SIZE 3\n" :
		    "\n\" HOTP_COUNTER 1\n\" WINDOW_SIZE 10\n");
	}
	if (fclose(f) != 0)
		die("users file");
	/* The first-login users: enrolled as pam-mfa enroll does. */
	snprintf(path, sizeof(path), "%s/mfa/os.conf", dir);
	if (conf_load(path, &mconf, errmsg) != MFA_OK) {
		fprintf(stderr, "%s: %s\n", path, errmsg);
		return 1;
	}
	if (store_open_admin(mconf, &store) != MFA_OK)
		return 1;
	for (i = 0; i < nfirst; i++) {
		struct mfa_token t = tok;

		t.id = (uint64_t)(k + TOTP_USERS + 2 + i);
		snprintf(user, sizeof(user), "f%ld", i);
		if (store_token_put(store, user, &t) != MFA_OK)
			return 1;
		token_wipe(&t);
	}
	store_close(store);
	conf_free(mconf);
	snprintf(path, sizeof(path), "%s/first_users", dir);
	if ((f = fopen(path, "w")) == NULL || fprintf(f, "%ld\n", nfirst) < 0 ||
	    fclose(f) != 0)
		die(path);
	snprintf(path, sizeof(path), "%s/oath.users", dir);
	if (chmod(path, 0600) != 0)
		die(path);

	snprintf(path, sizeof(path), "%s/svc", dir);
	if (mkdir(path, 0755) != 0)
		die(path);
#define SERVICE(name, fmt, ...) do { \
	char body_[4096]; \
	snprintf(path, sizeof(path), "%s/svc/%s", dir, name); \
	snprintf(body_, sizeof(body_), fmt, __VA_ARGS__); \
	put(path, body_, strlen(body_), 0644); \
} while (0)
	SERVICE("floor", "%s", "auth required pam_permit.so\n");
	SERVICE("mfa", "auth required %s conf=%s/mfa/mfa.conf\n", module, dir);
	SERVICE("mfa_sync", "auth required %s conf=%s/mfa/sync.conf\n", module,
	    dir);
	SERVICE("mfa_os", "auth required %s conf=%s/mfa/os.conf\n", module,
	    dir);
	SERVICE("mfa_locked", "auth required %s conf=%s/mfa/locked.conf\n",
	    module, dir);
	SERVICE("oath", "auth required pam_oath.so usersfile=%s/oath.users "
	    "window=10\n", dir);
	SERVICE("ga", "auth required pam_google_authenticator.so "
	    "secret=%s/ga/${USER} user=root no_increment_hotp\n", dir);
	if (argc == 6) {
		static const char zero[1024];

		snprintf(path, sizeof(path), "%s/flush", dir);
		if (mkdir(path, 0700) != 0)
			die(path);
		for (i = 0; i < FLUSH_FILES; i++) {
			snprintf(path, sizeof(path), "%s/flush/s%ld", dir, i);
			put(path, zero, sizeof(zero), 0600);
		}
		SERVICE("floor_flush", "auth required %s %s/flush\n"
		    "auth required pam_permit.so\n", argv[5], dir);
	}
	crypto_wipe(b32, strlen(b32));
	free(b32);
	keyring_wipe(&kr);
	return 0;
}
