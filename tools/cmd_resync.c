/*
 * cmd_resync.c - pam-mfa resync USER: two consecutive codes of the user's
 * token, read from stdin (never argv), move an HOTP counter past the
 * look-ahead or record a TOTP token's offset (resync.h).  Root, or
 * admin_group for other users (cli_user_command).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "clock.h"
#include "crypto.h"
#include "resync.h"
#include "store.h"

int
cmd_resync(struct cli *cli, int argc, char **argv)
{
	char code1[MFA_CODE_MAX + 2], code2[MFA_CODE_MAX + 2], detail[128];
	struct mfa_store *store = NULL;
	struct resync_result res;
	enum mfa_err rc;
	const char *user;
	int ret;

	if ((ret = cli_user_command(cli, "resync", argc, argv, &store)) !=
	    CLI_OK)
		return ret;
	user = cli->acct.name;
	memset(&res, 0, sizeof(res));
	/* Prompts and the codes on stdin: a script pipes two lines. */
	ret = cli_prompt("First code from the token: ", code1, sizeof(code1));
	if (ret == CLI_OK)
		ret = cli_prompt("The code that follows it: ", code2,
		    sizeof(code2));
	if (ret != CLI_OK) {
		crypto_wipe(code1, sizeof(code1));
		crypto_wipe(code2, sizeof(code2));
		store_close(store);
		fprintf(stderr, "pam-mfa: resync: two codes are needed, one "
		    "a line, of the token's %s\n", ret == CLI_FAIL ?
		    "digits (end of input)" : "digits (line too long)");
		return CLI_USAGE;
	}
	cli_priv_raise(cli);
	rc = resync_run(cli->conf, store, user, &cli->acct, code1,
	    strlen(code1), code2, strlen(code2), (int64_t)time(NULL),
	    clock_unsynced(cli->conf), &res);
	store_close(store);
	cli_priv_lower(cli);
	crypto_wipe(code1, sizeof(code1));
	crypto_wipe(code2, sizeof(code2));
	/* Each audit line before any message (cli.c, held_signals). */
	switch (rc) {
	case MFA_OK:
		if (res.type == MFA_HOTP) {
			snprintf(detail, sizeof(detail), "type=hotp steps=%llu",
			    (unsigned long long)(res.floor - res.floor_old));
			cli_audit_detail("resync", user, detail);
			printf("resynced %s: HOTP counter moved %llu ahead, "
			    "next counter %llu\n", user,
			    (unsigned long long)(res.floor - res.floor_old),
			    (unsigned long long)res.floor);
		} else {
			snprintf(detail, sizeof(detail), "type=totp offset=%d "
			    "offset_was=%d", (int)res.offset,
			    (int)res.offset_old);
			cli_audit_detail("resync", user, detail);
			printf("resynced %s: TOTP offset %+d periods (was "
			    "%+d)\n", user, (int)res.offset,
			    (int)res.offset_old);
		}
		return CLI_OK;
	case MFA_EBADCODE:
		snprintf(detail, sizeof(detail), "failures=%u%s",
		    (unsigned)res.fail_count, res.locked_now ?
		    " locked=yes" : "");
		cli_audit_detail("resync_failed", user, detail);
		if (res.type == MFA_HOTP)
			fprintf(stderr, "pam-mfa: resync: no two consecutive "
			    "codes within %u counters of the next one (it "
			    "counts as a failed login)\n",
			    (unsigned)RESYNC_HOTP_MAX);
		else
			fprintf(stderr, "pam-mfa: resync: no two consecutive "
			    "codes within %u periods of this host's time (it "
			    "counts as a failed login)\n",
			    (unsigned)RESYNC_TOTP_MAX);
		return CLI_DENIED;
	case MFA_EINPUT:
		fprintf(stderr, "pam-mfa: resync: those are not codes of the "
		    "token's length\n");
		return CLI_USAGE;
	case MFA_ELOCKED:
		cli_audit("resync_denied", user);
		fprintf(stderr, "pam-mfa: resync: %s is locked out: pam-mfa "
		    "unlock %s first\n", user, user);
		return CLI_DENIED;
	case MFA_EUNSYNCED:
		cli_audit("resync_denied", user);
		fprintf(stderr, "pam-mfa: resync: this host's clock is not "
		    "synchronised (require_clock_sync): a TOTP offset can't "
		    "be measured against it\n");
		return CLI_FAIL;
	case MFA_ENOTENROLLED:
		fprintf(stderr, "pam-mfa: resync: %s has no active token\n",
		    user);
		return CLI_NOTFOUND;
	default:
		cli_audit("resync_failed", user);
		cli_error("resync", rc);
		return CLI_FAIL;
	}
}
