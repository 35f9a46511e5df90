/*
 * pam-mfa.c - the companion CLI: a table of subcommands and a loop.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const struct cli_cmd commands[] = {
	{ "enroll", "[-t totp|hotp] [-a SHA1|SHA256|SHA512] [-d 6|8] "
	    "[-p 30|60] [-q ansi|utf8|utf8i|none] [-o FILE.png|FILE.svg] [-f] [-y] "
	    "[USER]",
	    "create a token, show its QR code and otpauth:// URI, and "
	    "activate it once a code from it is typed (-y: at once, root)",
	    cmd_enroll },
	{ "enroll", "--replace-now [-o FILE.png|FILE.svg] [-y] USER",
	    "lost phone: end USER's token, pending token and backup codes at "
	    "once, and make a new token (pending, or -y: active)",
	    cmd_enroll },
	{ "enroll-batch", "-d DIR [-g GROUP] [-y] [-f] [-u] [FILE]",
	    "a token for each user of FILE (one a line) and GROUP: QR codes "
	    "in DIR, a manifest in DIR/manifest.tsv; users with a token "
	    "skipped", cmd_enroll_batch },
	{ "enroll -C", "[USER]",
	    "confirm a pending token with a code from it", cmd_enroll },
	{ "backup-codes", "[-l] [USER]",
	    "replace the backup codes and show the new ones once (-l: only "
	    "say how many are left)", cmd_backup_codes },
	{ "status", "[--json] [USER]", "show enrollment, backup codes left, "
	    "failures, lock and last success of USER or of everyone",
	    cmd_status },
	{ "list", "", "list the users with a token, active or pending",
	    cmd_list },
	{ "revoke", "USER", "remove USER's token, pending token, backup "
	    "codes and state", cmd_revoke },
	{ "unlock", "USER", "clear USER's failed attempts and lock",
	    cmd_unlock },
	{ "resync", "USER", "read two consecutive codes of USER's token "
	    "(stdin) and move an HOTP counter to them, or record a TOTP "
	    "token's clock offset", cmd_resync },
	{ "status", "--sources [--json]", "list the remote sources whose "
	    "failures are counted or that are throttled", cmd_status },
	{ "unlock", "--source ADDR", "clear the failures and throttle of "
	    "the source ADDR", cmd_unlock },
	{ "import", "[-n] [-f] google-authenticator FILE|USER=FILE ...",
	    "import users' tokens from google-authenticator files", cmd_import },
	{ "import", "[-n] [-f] oath FILE",
	    "import the tokens of a pam_oath users file", cmd_import },
	{ "rekey", "", "re-encrypt every token's secret under a new key",
	    cmd_rekey },
	{ "check", "", "validate the config and print the effective values",
	    cmd_check },
	{ "check", "--pam FILE", "name each way the PAM service FILE lets a "
	    "login through without a code", cmd_check },
	{ "db", "init", "create or update the PostgreSQL store's schema, "
	    "roles and grants (store = \"postgresql\")", cmd_db },
	{ "db", "import-files", "copy the file store of state_dir into the "
	    "database and lock its users there", cmd_db },
	{ "report", "[--unenrolled] [--group GROUP] [--log FILE]...",
	    "each member of GROUP (or user of the store) as enrolled, pending "
	    "or unenrolled, with the exempt logins the syslog FILEs record",
	    cmd_report },
};

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: pam-mfa [-c CONFIG] COMMAND [ARGS]\n"
	    "       pam-mfa -h | --help | --version\n\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %s%s%s\n      %s\n", commands[i].name,
		    commands[i].args[0] != '\0' ? " " : "", commands[i].args,
		    commands[i].help);
	fprintf(f, "\nUsers who are not root may enroll, confirm, make "
	    "backup codes and see\nthe status of their own account only.\n"
	    "Exit status: 0 done, 1 failed, 2 usage, 3 config, 4 not allowed, "
	    "5 not enrolled.\n");
}

/* The table entry for argv[0]: "enroll -C" is enroll's. */
static const struct cli_cmd *
lookup(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(name, commands[i].name) == 0)
			return &commands[i];
	return NULL;
}

int
main(int argc, char **argv)
{
	struct cli cli = { .conf_path = MFA_CONF_PATH };
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cli_cmd *cmd;
	int ch, rc;

	cli_init(&cli);
	while ((ch = getopt_long(argc, argv, "+c:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			if (!cli.root) {
				fprintf(stderr, "pam-mfa: -c: only root may "
				    "choose the config file\n");
				return CLI_DENIED;
			}
			cli.conf_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return CLI_OK;
		case 'V':
			printf("pam-mfa %s\n", PACKAGE_VERSION);
			return CLI_OK;
		default:
			usage(stderr);
			return CLI_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage(stderr);
		return CLI_USAGE;
	}
	if ((cmd = lookup(argv[0])) == NULL) {
		fprintf(stderr, "pam-mfa: unknown command '%s'\n", argv[0]);
		usage(stderr);
		return CLI_USAGE;
	}
	/* 0: glibc starts over, also dropping main's "+" (options after
	 * operands are the subcommands' to allow). */
	optind = 0;
	rc = cmd->run(&cli, argc, argv);
	conf_free(cli.conf);
	return rc;
}
