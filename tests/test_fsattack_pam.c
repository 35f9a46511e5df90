/*
 * test_fsattack_pam.c - file-system attacks on the store, through the real
 * libpam: symlinks and hard links planted at the token, state and key
 * paths and on the way to them, wrong owners and modes, a parent directory
 * others can write.  Each login is denied with a log line naming the
 * refusal, nothing is read or written through the planted path, and with
 * the attack removed the next login succeeds.  HOTP gives a fresh code for
 * every attempt.
 */
#include "config.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <security/pam_appl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "modutil.h"
#include "testutil.h"

static char cfgdir[300], parent[300], sdir[400], key[400];
static char tok[600], sta[600], elsewhere[600], sdir_link[600];
static char plink[400], clink[400];
static unsigned long counter;

static void
paths(const char *d)
{
	snprintf(cfgdir, sizeof(cfgdir), "%s/cfg", d);
	snprintf(key, sizeof(key), "%s/fs.key", cfgdir);
	snprintf(parent, sizeof(parent), "%s/p", d);
	snprintf(sdir, sizeof(sdir), "%s/state", parent);
	snprintf(sdir_link, sizeof(sdir_link), "%s/statelink", parent);
	snprintf(tok, sizeof(tok), "%s/eve.token", sdir);
	snprintf(sta, sizeof(sta), "%s/eve.state", sdir);
	snprintf(elsewhere, sizeof(elsewhere), "%s/elsewhere", d);
	snprintf(plink, sizeof(plink), "%s/plink", d);
	snprintf(clink, sizeof(clink), "%s/cfglink", d);
}

static void
write_config(const char *path, const char *state_dir)
{
	char text[2048];

	snprintf(text, sizeof(text), "state_dir = \"%s\";\nkey_file = \"%s\";\n"
	    "hotp_lookahead = 1;\ndeny = 0;\nuser_lookup = \"exact\";\n",
	    state_dir, key);
	assert_int_equal(tu_write_file(path, text, 0644), 0);
}

static void
fixtures(void)
{
	char path[600], text[800];

	paths(mu_dir);
	assert_int_equal(mkdir(cfgdir, 0755), 0);
	assert_int_equal(mkdir(parent, 0755), 0);
	/* mu_enroll's config is this store. */
	write_config(mu_conf_path, sdir);
	mu_service_with_conf("fs", mu_conf_path, "");
	/* The same store reached through a symlinked state_dir. */
	snprintf(path, sizeof(path), "%s/link.conf", cfgdir);
	write_config(path, sdir_link);
	mu_service_with_conf("fs_link", path, "");
	/* A config reached through a symlink. */
	snprintf(path, sizeof(path), "%s/conflink", mu_dir);
	assert_int_equal(symlink(mu_conf_path, path), 0);
	mu_service_with_conf("fs_conflink", path, "");
	/* test_ancestors: a config named below a directory that will be a
	 * symlink, and one that is not. */
	snprintf(path, sizeof(path), "%s/anc.conf", cfgdir);
	write_config(path, sdir);
	mu_service_with_conf("fs_a", path, "");
	snprintf(text, sizeof(text), "%s/anc.conf", clink);
	mu_service_with_conf("fs_ac", text, "");
}

static int
login_as(const char *svc)
{
	char code[16];

	mu_hotp(code, mu_secrets_hex[0], counter);
	return mu_auth(svc, "eve", code);
}

/* With the attack gone, a fresh code works (move past one that a denied
 * attempt may have used: look-ahead 1 takes either). */
static void
login_ok(void)
{
	counter++;
	assert_int_equal(login_as("fs"), PAM_SUCCESS);
	counter++;
	assert_true(mu_log_wait("result=accept reason=ok user=eve", NULL));
}

/* Copy from to to, mode 0600. */
static void
copy_file(const char *from, const char *to)
{
	char buf[4096];
	ssize_t n;
	int in, out;

	assert_true((in = open(from, O_RDONLY)) >= 0);
	assert_true((out = open(to, O_WRONLY | O_CREAT | O_EXCL, 0600)) >= 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		assert_int_equal(write(out, buf, (size_t)n), n);
	assert_int_equal(n, 0);
	close(in);
	assert_int_equal(close(out), 0);
}

/* A login through fs_a (the same store, its config in cfgdir). */
static void
anc_ok(void)
{
	counter++;
	assert_int_equal(login_as("fs_a"), PAM_SUCCESS);
	counter++;
	assert_true(mu_log_wait("result=accept reason=ok user=eve", NULL));
}

static void
denied(const char *what, const char *svc, int rc, const char *reason)
{
	int got = login_as(svc);

	if (got != rc)
		fail_msg("%s: pam_authenticate returned %d", what, got);
	if (!mu_log_wait("result=deny", reason))
		fail_msg("%s: no log line with %s", what, reason);
}

static off_t
size_of(const char *path)
{
	struct stat st;

	assert_int_equal(lstat(path, &st), 0);
	return st.st_size;
}

static void
test_enroll(void **st)
{
	(void)st;
	mu_enroll("eve", MFA_HOTP, MFA_SHA1, 6, 30, mu_secrets_hex[0]);
	login_ok();
}

static void
test_links_at_record_paths(void **st)
{
	char moved[700];

	(void)st;
	/* The token replaced by a symlink to a (valid) token elsewhere. */
	snprintf(moved, sizeof(moved), "%s.real", elsewhere);
	assert_int_equal(rename(tok, moved), 0);
	assert_int_equal(symlink(moved, tok), 0);
	denied("token symlink", "fs", PAM_AUTH_ERR, "reason=unsafe_file");
	assert_int_equal(unlink(tok), 0);
	assert_int_equal(rename(moved, tok), 0);
	login_ok();

	/* A second hard link to the token (a copy an attacker keeps). */
	assert_int_equal(link(tok, moved), 0);
	denied("token hard link", "fs", PAM_AUTH_ERR, "reason=unsafe_file");
	assert_int_equal(unlink(moved), 0);
	login_ok();

	/* The state replaced by a symlink to a file elsewhere: that file
	 * must not be written. */
	assert_int_equal(rename(sta, moved), 0);
	assert_int_equal(tu_write_file(elsewhere, "", 0600), 0);
	assert_int_equal(symlink(elsewhere, sta), 0);
	denied("state symlink", "fs", PAM_AUTH_ERR, "reason=unsafe_file");
	assert_int_equal(size_of(elsewhere), 0);
	assert_int_equal(unlink(sta), 0);
	assert_int_equal(rename(moved, sta), 0);
	login_ok();

	/* A hard link to the state. */
	assert_int_equal(link(sta, moved), 0);
	denied("state hard link", "fs", PAM_AUTH_ERR, "reason=unsafe_file");
	assert_int_equal(unlink(moved), 0);
	login_ok();
}

static void
test_owners_and_modes(void **st)
{
	static const struct {
		const char *what;
		char *path;
		mode_t mode;	/* 0: chown to nobody instead */
		mode_t restore;
	} cases[] = {
		{ "token owned by nobody", tok, 0, 0600 },
		{ "token group-readable", tok, 0640, 0600 },
		{ "state owned by nobody", sta, 0, 0600 },
		{ "state world-writable", sta, 0606, 0600 },
		{ "state dir owned by nobody", sdir, 0, 0700 },
		{ "state dir group-readable", sdir, 0750, 0700 },
		/* the key file's own reason (pam_mfa(8)) */
		{ "key owned by nobody", key, 0, 0600 },
		{ "key readable by others", key, 0604, 0600 },
		{ "parent writable by others", parent, 0777, 0755 },
		{ "parent group-writable", parent, 0775, 0755 },
	};
	size_t i;

	(void)st;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].mode == 0)
			assert_int_equal(chown(cases[i].path, 65534, 65534), 0);
		else
			assert_int_equal(chmod(cases[i].path, cases[i].mode), 0);
		denied(cases[i].what, "fs", PAM_AUTH_ERR, cases[i].path == key ?
		    "reason=key_unreadable" : "reason=unsafe_file");
		assert_int_equal(chown(cases[i].path, 0, 0), 0);
		assert_int_equal(chmod(cases[i].path, cases[i].restore), 0);
		login_ok();
	}
	/* A root-owned sticky parent (like /tmp) is safe: others can't
	 * rename root's entries in it. */
	assert_int_equal(chmod(parent, 01777), 0);
	login_ok();
	assert_int_equal(chmod(parent, 0755), 0);
}

static void
test_links_on_the_way(void **st)
{
	char keyreal[700];

	(void)st;
	/* state_dir given as a symlink to the real, safe directory. */
	assert_int_equal(symlink(sdir, sdir_link), 0);
	denied("state_dir through a symlink", "fs_link", PAM_AUTH_ERR,
	    "reason=unsafe_file");
	assert_int_equal(unlink(sdir_link), 0);
	/* The key file as a symlink. */
	snprintf(keyreal, sizeof(keyreal), "%s.real", key);
	assert_int_equal(rename(key, keyreal), 0);
	assert_int_equal(symlink(keyreal, key), 0);
	denied("key symlink", "fs", PAM_AUTH_ERR, "reason=key_unreadable");
	assert_int_equal(unlink(key), 0);
	/* ... or with a second hard link. */
	assert_int_equal(link(keyreal, key), 0);
	denied("key hard link", "fs", PAM_AUTH_ERR, "reason=key_unreadable");
	assert_int_equal(unlink(keyreal), 0);
	login_ok();
	/* The config reached through a symlink. */
	denied("config symlink", "fs_conflink", PAM_SERVICE_ERR,
	    "reason=config_error");
	login_ok();
}

/*
 * Directories above the last component: each is checked before the name
 * in it is used (safefile.h rules 1 and 2), whether a symlink, writable
 * by others, or (for a file's own directory) sticky and writable.
 */
static void
test_ancestors(void **st)
{
	char text[2048], key2[700], conf[700];

	(void)st;
	/* The state directory below a symlinked directory (fs reads
	 * mu_conf_path at each login). */
	assert_int_equal(symlink(parent, plink), 0);
	snprintf(text, sizeof(text), "%s/state", plink);
	write_config(mu_conf_path, text);
	denied("state_dir below a symlink", "fs", PAM_AUTH_ERR,
	    "reason=unsafe_file");
	/* The key file and the config below a symlinked directory. */
	assert_int_equal(symlink(cfgdir, clink), 0);
	snprintf(text, sizeof(text), "state_dir = \"%s\";\n"
	    "key_file = \"%s/fs.key\";\nhotp_lookahead = 1;\ndeny = 0;\n"
	    "user_lookup = \"exact\";\n", sdir, clink);
	assert_int_equal(tu_write_file(mu_conf_path, text, 0644), 0);
	denied("key file below a symlink", "fs", PAM_AUTH_ERR,
	    "reason=key_unreadable");
	write_config(mu_conf_path, sdir);
	denied("config below a symlink", "fs_ac", PAM_SERVICE_ERR,
	    "reason=config_error");
	assert_int_equal(unlink(plink), 0);
	assert_int_equal(unlink(clink), 0);
	anc_ok();
	/* Two levels above the config, writable by others. */
	assert_int_equal(chmod(mu_dir, 0777), 0);
	denied("config's grandparent writable by others", "fs_a",
	    PAM_SERVICE_ERR, "reason=config_error");
	/* ... and sticky: allowed on the way, as /tmp is. */
	assert_int_equal(chmod(mu_dir, 01777), 0);
	anc_ok();
	assert_int_equal(chmod(mu_dir, 0755), 0);
	/* But a file's own directory may not be writable by others even if
	 * sticky (a state directory's parent may: test_owners_and_modes). */
	assert_int_equal(chmod(cfgdir, 01777), 0);
	denied("config directory sticky and writable", "fs_a",
	    PAM_SERVICE_ERR, "reason=config_error");
	assert_int_equal(chmod(cfgdir, 0755), 0);
	anc_ok();
	/* A key file whose own directory is above the config's: the
	 * config's walk passed it by the weaker rule, the key's checks it
	 * again by the file's (safe_open_near). */
	snprintf(key2, sizeof(key2), "%s/fs2.key", mu_dir);
	snprintf(conf, sizeof(conf), "%s/anc.conf", cfgdir);
	copy_file(key, key2);
	snprintf(text, sizeof(text), "state_dir = \"%s\";\n"
	    "key_file = \"%s\";\nhotp_lookahead = 1;\ndeny = 0;\n"
	    "user_lookup = \"exact\";\n", sdir, key2);
	assert_int_equal(tu_write_file(conf, text, 0644), 0);
	anc_ok();
	assert_int_equal(chmod(mu_dir, 01777), 0);
	denied("key file's directory sticky and writable", "fs_a",
	    PAM_AUTH_ERR, "reason=key_unreadable");
	assert_int_equal(chmod(mu_dir, 0755), 0);
	anc_ok();
	write_config(conf, sdir);
	assert_int_equal(unlink(key2), 0);
}

/* What the CLI writes goes only where it means to. */
static void
test_cli_does_not_follow(void **st)
{
	char out[1024], link[700];

	(void)st;
	/* A symlink planted where bob's token will be written: enroll
	 * refuses to read through it, and writes nothing. */
	assert_int_equal(tu_write_file(elsewhere, "precious", 0600), 0);
	snprintf(link, sizeof(link), "%s/bob.token", sdir);
	assert_int_equal(symlink(elsewhere, link), 0);
	assert_int_equal(mu_cli(out, sizeof(out), mu_conf_path, "enroll",
	    "-y", "-f",
	    "bob", (char *)NULL), 1);
	assert_string_equal(out, "");
	assert_int_equal(size_of(elsewhere), 8);
	{
		struct stat sb;

		assert_int_equal(lstat(link, &sb), 0);
		assert_true(S_ISLNK(sb.st_mode));
	}
	/* Removed, the enrollment goes through: a regular root file. */
	assert_int_equal(unlink(link), 0);
	assert_int_equal(mu_cli(out, sizeof(out), mu_conf_path, "enroll", "-y",
	    "bob", (char *)NULL), 0);
	{
		struct stat sb;

		assert_int_equal(lstat(link, &sb), 0);
		assert_true(S_ISREG(sb.st_mode));
		assert_int_equal(sb.st_mode & 0777, 0600);
		assert_int_equal(sb.st_uid, 0);
	}
	/* A stale temp file of an interrupted write blocks nothing. */
	snprintf(link, sizeof(link), "%s/.eve.token.0011223344556677", sdir);
	assert_int_equal(tu_write_file(link, "junk", 0600), 0);
	login_ok();
	assert_int_equal(mu_cli(out, sizeof(out), mu_conf_path, "enroll",
	    "-y", "-f",
	    "-t", "hotp", "carl", (char *)NULL), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_enroll),
		cmocka_unit_test(test_links_at_record_paths),
		cmocka_unit_test(test_owners_and_modes),
		cmocka_unit_test(test_links_on_the_way),
		cmocka_unit_test(test_ancestors),
		cmocka_unit_test(test_cli_does_not_follow),
		cmocka_unit_test(mu_test_no_secret_in_log),
	};

	if (getenv("MFA_TEST_DIR") != NULL)
		paths(getenv("MFA_TEST_DIR"));
	return mu_main("test_fsattack_pam", tests,
	    sizeof(tests) / sizeof(tests[0]), fixtures);
}
