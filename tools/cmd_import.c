/* placeholder until the import helper delivers; not to be committed */
#include "config.h"
#include <stdio.h>
#include "cli.h"
int
cmd_import(struct cli *cli, int argc, char **argv)
{
	(void)cli; (void)argc; (void)argv;
	fprintf(stderr, "pam-mfa: import: not built\n");
	return CLI_FAIL;
}
