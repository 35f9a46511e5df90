/*
 * pam-mfa.c - the companion CLI: a table of subcommands and a loop.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const struct cli_cmd commands[] = {
	{ "enroll", "[-t totp|hotp] [-a SHA1|SHA256|SHA512] [-d 6|8] "
	    "[-p 30|60] [-f] USER",
	    "create a token for USER and print its otpauth:// URI",
	    cmd_enroll },
	{ "revoke", "USER", "remove USER's token and state", cmd_revoke },
	{ "unlock", "USER", "clear USER's failed attempts and lock",
	    cmd_unlock },
	{ "status", "[USER]", "show enrollment, failures, lock and last "
	    "success of USER or of everyone", cmd_status },
	{ "rekey", "", "re-encrypt every token's secret under a new key",
	    cmd_rekey },
	{ "check", "", "validate the config and print the effective values",
	    cmd_check },
};

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: pam-mfa [-c CONFIG] COMMAND [ARGS]\n\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %s%s%s\n      %s\n", commands[i].name,
		    commands[i].args[0] != '\0' ? " " : "", commands[i].args,
		    commands[i].help);
}

int
main(int argc, char **argv)
{
	struct cli cli = { MFA_CONF_PATH, NULL };
	size_t i;
	int ch, rc;

	while ((ch = getopt(argc, argv, "+c:h")) != -1) {
		switch (ch) {
		case 'c':
			cli.conf_path = optarg;
			break;
		case 'h':
			usage(stdout);
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
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[0], commands[i].name) != 0)
			continue;
		optind = 1;
		rc = commands[i].run(&cli, argc, argv);
		conf_free(cli.conf);
		return rc;
	}
	fprintf(stderr, "pam-mfa: unknown command '%s'\n", argv[0]);
	usage(stderr);
	return CLI_USAGE;
}
