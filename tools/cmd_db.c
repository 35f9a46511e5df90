/*
 * cmd_db.c - pam-mfa db init: create or migrate the PostgreSQL store's
 * schema, roles and grants (conf/postgresql/schema.sql), idempotently;
 * pam-mfa db import-files: move the file store of state_dir into it.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "store.h"

/*
 * One user from the file store to the database, under the user's file
 * lock: the token (and a pending one) re-sealed with the same key file,
 * the state with its replay floor, spent backup codes, failures and lock;
 * then, still under that lock, the user is locked for good in the file
 * store, so that no login there can accept a code after its floor was
 * copied (no replay window, whatever the order the gateways switch in).
 * A user already in the database is left alone (MFA_EEXIST).
 */
static enum mfa_err
import_user(struct mfa_store *fs, struct mfa_store *db, const char *user)
{
	struct mfa_token tok, pend;
	struct mfa_state st, dst;
	struct mfa_txn *ftxn = NULL, *dtxn;
	enum mfa_err rc, urc;
	int has_tok, installed = 0;

	memset(&pend, 0, sizeof(pend));
	rc = store_begin(fs, user, &tok, &st, &ftxn);
	has_tok = rc == MFA_OK;
	if (rc == MFA_ENOTENROLLED)	/* a pending token only */
		rc = store_begin_state(fs, user, &st, &ftxn);
	if (rc != MFA_OK)
		return rc;
	if (has_tok && (rc = store_unseal(fs, user, &tok)) == MFA_OK) {
		rc = store_install(db, user, &tok, 0, STORE_ANY_GEN,
		    st.next_step);
		/* Done, or perhaps done (the answer was lost). */
		installed = rc == MFA_OK || rc == MFA_EUNKNOWN ||
		    rc == MFA_ETIMEOUT;
	}
	if (rc != MFA_OK)
		goto out;
	/* The floor came with the install; the rest of the state here. */
	if ((rc = store_begin_state(db, user, &dst, &dtxn)) != MFA_OK)
		goto out;
	if (has_tok && dst.backup_gen == st.backup_gen)
		dst.backup_used |= st.backup_used;
	dst.fail_count = st.fail_count;
	dst.first_fail = st.first_fail;
	dst.locked_until = st.locked_until;
	dst.last_success = st.last_success;
	dst.last_fail = st.last_fail;
	dst.lock_step = st.lock_step;
	memcpy(dst.last_rhost, st.last_rhost, sizeof(dst.last_rhost));
	if ((rc = store_commit(dtxn, &dst)) != MFA_OK)
		goto out;
	rc = store_pending_get(fs, user, &pend);
	if (rc == MFA_OK)
		rc = store_pending_put(db, user, &pend);
	else if (rc == MFA_ENOTENROLLED)
		rc = MFA_OK;
	if (rc != MFA_OK)
		goto out;
	installed = 1;
out:
	/*
	 * Once the database may hold the token (or the pending one), the
	 * file store's is locked for good, whatever failed after: a code
	 * must never be usable on both.  The user then logs in nowhere until
	 * the import is finished by hand (the error says why).
	 */
	if (installed && ftxn != NULL) {
		st.locked_until = STATE_LOCKED_FOREVER;
		urc = store_commit(ftxn, &st);
		ftxn = NULL;
		if (rc == MFA_OK)
			rc = urc;
	}
	token_wipe(&tok);
	token_wipe(&pend);
	store_abort(ftxn);
	return rc;
}

static int
import_files(struct cli *cli)
{
	struct mfa_conf fconf = *cli->conf;
	struct mfa_store *fs = NULL, *db = NULL;
	char **users = NULL;
	size_t n = 0, i, bad = 0, done = 0;
	enum mfa_err rc;

	fconf.store = MFA_STORE_FILE;
	cli_priv_raise(cli);
	if ((rc = store_open(&fconf, &fs)) != MFA_OK) {
		cli_priv_lower(cli);
		fprintf(stderr, "pam-mfa: db import-files: state directory "
		    "%s: %s\n", fconf.state_dir, mfa_strerror(rc));
		return CLI_FAIL;
	}
	if ((rc = store_open_admin(cli->conf, &db)) == MFA_OK)
		rc = store_list(fs, &users, &n);
	for (i = 0; rc == MFA_OK && i < n; i++) {
		enum mfa_err urc = import_user(fs, db, users[i]);

		if (urc == MFA_OK) {
			printf("imported %s\n", users[i]);
			cli_audit("db_import", users[i]);
			done++;
		} else {
			printf("skipped %s: %s\n", users[i],
			    urc == MFA_EEXIST ? "already in the database" :
			    mfa_strerror(urc));
			bad++;
		}
	}
	store_list_free(users, n);
	store_close(db);
	store_close(fs);
	cli_priv_lower(cli);
	if (rc != MFA_OK) {
		fprintf(stderr, "pam-mfa: db import-files: %s\n",
		    mfa_strerror(rc));
		return CLI_FAIL;
	}
	printf("%zu imported, %zu skipped; imported users are locked in "
	    "the file store\n", done, bad);
	return bad == 0 ? CLI_OK : CLI_FAIL;
}

int
cmd_db(struct cli *cli, int argc, char **argv)
{
	enum mfa_err rc;
	int ret, import;

	if ((ret = cli_require_root("db")) != CLI_OK)
		return ret;
	import = argc == 2 && strcmp(argv[1], "import-files") == 0;
	if (argc != 2 || (!import && strcmp(argv[1], "init") != 0)) {
		fprintf(stderr, "usage: pam-mfa db init | import-files\n");
		return CLI_USAGE;
	}
	if ((ret = cli_load_conf(cli)) != CLI_OK)
		return ret;
	if (cli->conf->store != MFA_STORE_POSTGRESQL) {
		fprintf(stderr, "pam-mfa: db init: the config does not say "
		    "store = \"postgresql\"\n");
		return CLI_CONFIG;
	}
	if (import)
		return import_files(cli);
	cli_priv_raise(cli);
	rc = store_init(cli->conf);
	cli_priv_lower(cli);
	if (rc != MFA_OK) {
		fprintf(stderr, "pam-mfa: db init: %s\n", mfa_strerror(rc));
		return CLI_FAIL;
	}
	cli_audit("db_init", "-");
	printf("database schema version 2 in place\n");
	return CLI_OK;
}
