#!/bin/sh
# test_pgsql.sh - the PostgreSQL store against a private cluster
# (pgcluster.sh: initdb/pg_ctl as postgres, loopback, TLS client
# certificates only), with the module loading the build tree's
# store_pgsql.so from its fixed path: an overlay over that directory in
# this test's private mount namespace, so no variable ever points the
# module elsewhere.  Runs test_pgsql_pam (two gateways through libpam),
# then checks the server refuses the gateway role what it may not do,
# then test_pgsql_reuse (connections kept between logins) and
# test_pgsql_failover.
. "$(dirname "$0")/lib.sh"
need_root
here=$(cd "$(dirname "$0")" && pwd)
obj=$MFA_BUILDDIR/pam_mfa/.libs/store_pgsql.so
if [ ! -f "$obj" ]; then
	echo "SKIP: built without PostgreSQL (--without-postgresql)"
	exit 77
fi
# Deadlines of 1-1.5 s against sixteen processes doing TLS handshakes and
# PBKDF2 don't hold under valgrind; the sanitizer pass runs it (ASan,
# UBSan), and the plain run is this test.
if [ "${MFA_VALGRIND:-}" = 1 ]; then
	echo "skipped under valgrind: deadlines and races (ASan runs it)"
	echo "0 passed, 0 failed"
	exit 0
fi
if [ ! -x /usr/lib/postgresql/15/bin/initdb ]; then
	echo "FAIL: postgresql-15 is not installed (scripts/install-deps.sh)"
	exit 1
fi
: "${MFA_PGSQL_STORE:?run through make check}"
if [ "${MFA_IN_PGNS:-}" != 1 ]; then
	MFA_IN_PGNS=1 exec unshare -m --propagation private -- /bin/sh "$0"
fi
unset MFA_IN_PGNS

# The object at its fixed path, in here only.
target=$(dirname "$MFA_PGSQL_STORE")
base=$target
while [ ! -d "$base" ]; do base=$(dirname "$base"); done
mkdir "$WORK/ov"
if ! mount -t tmpfs -o mode=0755 tmpfs "$WORK/ov" ||
    ! mkdir "$WORK/ov/up" "$WORK/ov/work" ||
    ! mount -t overlay overlay \
    -o "lowerdir=$base,upperdir=$WORK/ov/up,workdir=$WORK/ov/work" "$base"
then
	# Never write the host's $base.
	echo "FAIL: no private overlay over $base"
	exit 1
fi
mkdir -p "$target"
install -m 0755 -o root -g root "$obj" "$MFA_PGSQL_STORE"

pg=$(mktemp -d /tmp/pam_mfa_pg.XXXXXX)
trap 'sh "$here/pgcluster.sh" stop "$pg"; rm -rf "$pg"; umount "$base" "$WORK/ov"; rm -rf "$WORK"' EXIT
t0=$(date +%s)
sh "$here/pgcluster.sh" start "$pg" || exit 1
sql() { sh "$here/pgcluster.sh" sql "$pg" "$@"; }
sql "CREATE ROLE mfaadmin LOGIN CREATEROLE" &&
    sql "CREATE DATABASE mfa OWNER mfaadmin" || exit 1
port=$(cat "$pg/port")
c=$pg/certs
conf=$WORK/db.conf
cat >"$conf" <<CONF
key_file = "$WORK/mfa.key";
store = "postgresql";
pg_conninfo = "host=127.0.0.1 port=$port dbname=mfa user=gw1 sslmode=verify-full sslrootcert=$c/ca.crt sslcert=$c/gw1.crt sslkey=$c/gw1.key";
pg_admin_conninfo = "host=127.0.0.1 port=$port dbname=mfa user=mfaadmin sslmode=verify-full sslrootcert=$c/ca.crt sslcert=$c/mfaadmin.crt sslkey=$c/mfaadmin.key";
CONF
# Its audit lines go to a private sink, never the host's log.
check "db init" "$here/with-logsink.sh" "$WORK/cli.log" "$MFA_CLI" -c "$conf" db init
check "db init again (idempotent)" "$here/with-logsink.sh" "$WORK/cli.log" \
    "$MFA_CLI" -c "$conf" db init
check "db init audited" grep -q "action=db_init user=- by=root" "$WORK/cli.log"
check "schema version 2" test "$(PGDB=mfa sql 'SELECT max(version) FROM pam_mfa.schema_version')" = 2
# A version 1 database (version 2's functions not there yet): db init
# migrates it, and the new functions are the gateway's and the admin's
# alone, never PUBLIC's.
PGDB=mfa sql "DROP FUNCTION pam_mfa.gw_activate(text, bytea, numeric); DROP FUNCTION pam_mfa.adm_activate(text, bytea, numeric); DROP FUNCTION pam_mfa.pending_to_active(text, bytea, numeric, boolean); DROP FUNCTION pam_mfa.gw_pending(text); DELETE FROM pam_mfa.schema_version WHERE version = 2" ||
    exit 1
check "a version 1 database" test "$(PGDB=mfa sql 'SELECT max(version) FROM pam_mfa.schema_version')" = 1
check "db init migrates it" "$here/with-logsink.sh" "$WORK/cli.log" \
    "$MFA_CLI" -c "$conf" db init
check "... to version 2" test "$(PGDB=mfa sql 'SELECT max(version) FROM pam_mfa.schema_version')" = 2
fpriv() {	# fpriv ROLE FUNCTION: t or f
	PGDB=mfa sql "SELECT has_function_privilege('$1', 'pam_mfa.$2', 'EXECUTE')"
}
check "gw_activate: the gateway's" test "$(fpriv pam_mfa_gateway 'gw_activate(text, bytea, numeric)')" = t
check "gw_pending: the gateway's" test "$(fpriv pam_mfa_gateway 'gw_pending(text)')" = t
check "adm_activate: the admin's" test "$(fpriv pam_mfa_admin 'adm_activate(text, bytea, numeric)')" = t
check "adm_activate: not the gateway's" test "$(fpriv pam_mfa_gateway 'adm_activate(text, bytea, numeric)')" = f
check "pending_to_active: neither role's" test \
    "$(fpriv pam_mfa_gateway 'pending_to_active(text, bytea, numeric, boolean)')$(fpriv pam_mfa_admin 'pending_to_active(text, bytea, numeric, boolean)')" = ff
for fn in 'gw_activate(text, bytea, numeric)' 'gw_pending(text)' \
    'adm_activate(text, bytea, numeric)' 'rec_u64(bytea, integer)' \
    'rec_i64(bytea, integer)'; do
	check "$fn: not PUBLIC's" test "$(fpriv public "$fn")" = f
done
# A version 1 database (this one with version 2's block undone: the
# per-source throttle) is migrated by db init.
PGDB=mfa sql "DROP FUNCTION pam_mfa.gw_source_fail(text, bigint, bigint, bigint, bigint); DROP FUNCTION pam_mfa.adm_source_clear(text); DROP TABLE pam_mfa.sources; DELETE FROM pam_mfa.schema_version WHERE version = 2" ||
    exit 1
check "a version 1 database: db init migrates it" "$here/with-logsink.sh" \
    "$WORK/cli.log" "$MFA_CLI" -c "$conf" db init
check "... to version 2" test "$(PGDB=mfa sql 'SELECT max(version) FROM pam_mfa.schema_version')" = 2
check "... with the sources table and its functions" test "$(PGDB=mfa sql "SELECT count(*) FROM pam_mfa.sources, (SELECT 'pam_mfa.gw_source_fail(text,bigint,bigint,bigint,bigint)'::regprocedure, 'pam_mfa.adm_source_clear(text)'::regprocedure) f")" = 0
sql "CREATE ROLE gw1 LOGIN IN ROLE pam_mfa_gateway" &&
    sql "CREATE ROLE gw2 LOGIN IN ROLE pam_mfa_gateway" &&
    sql "CREATE ROLE gwro LOGIN IN ROLE pam_mfa_gateway" &&
    sql "ALTER ROLE gwro SET default_transaction_read_only = on" || exit 1
echo "cluster ready in $(( $(date +%s) - t0 )) s"

log=$WORK/syslog
MFA_TEST_LOG=$log MFA_PG_DIR=$pg MFA_PG_PORT=$port \
    "$here/with-logsink.sh" "$log" "$MFA_BUILDDIR/tests/test_pgsql_pam"
rc=$?
if [ $rc -eq 0 ]; then pass "test_pgsql_pam"; else
	fail "test_pgsql_pam ($rc)"
	grep -a "pam_mfa" "$log" | tail -60
fi

# t_key_loss: the key id logged as key_unknown is the one alice's record
# names (token.h: u32 at 40), read from the bytes the database holds.
kid=$(PGDB=mfa sql "SELECT get_byte(token, 40)::bigint + get_byte(token, 41)::bigint * 256 + get_byte(token, 42)::bigint * 65536 + get_byte(token, 43)::bigint * 16777216 FROM pam_mfa.tokens WHERE username = 'alice'")
check "key file from elsewhere: logged key_unknown with alice's key id ($kid)" \
    grep -q "reason=key_unknown user=alice service=gw1 rhost=- key_id=$kid key_file=" "$log"

# The gateway role, connecting as a gateway does, against the server.
gw() {
	/usr/lib/postgresql/15/bin/psql -X -q -At -v ON_ERROR_STOP=1 \
	    "host=127.0.0.1 port=$port dbname=mfa user=gw1 sslmode=verify-full sslrootcert=$c/ca.crt sslcert=$c/gw1.crt sslkey=$c/gw1.key" \
	    -c "$1" 2>&1
}
refused() {	# refused NAME SQL PATTERN
	out=$(gw "$2")
	if echo "$out" | grep -q "$3"; then pass "$1"; else
		fail "$1: $out"; fi
}
PGDB=mfa sql "INSERT INTO pam_mfa.tokens (username, token_id, backup_gen) VALUES ('zed', 42, 1)"
PGDB=mfa sql "INSERT INTO pam_mfa.state VALUES ('zed', 7, 42, 1000, 5, 3, 1, 100, 9000000000, 50, 120, '', 2)"
refused "gateway can't write a token" \
    "UPDATE pam_mfa.tokens SET token = NULL WHERE username = 'zed'" \
    "permission denied"
refused "gateway can't read pending tokens" \
    "SELECT pending FROM pam_mfa.tokens" "permission denied"
refused "gateway can't write state directly" \
    "UPDATE pam_mfa.state SET fail_count = 0" "permission denied"
refused "gateway can't install" \
    "SELECT pam_mfa.adm_remove('zed')" "permission denied"
refused "gateway can't use the admin commit (unlock)" \
    "SELECT pam_mfa.adm_commit('zed', 7, 42, 1000, 0, 3, 1, 0, 0, 50, 120, '', 2)" \
    "permission denied"
refused "gateway can't clear a source's throttle" \
    "DELETE FROM pam_mfa.sources" "permission denied"
refused "gateway can't use the admin's source clear" \
    "SELECT pam_mfa.adm_source_clear('192.0.2.1')" "permission denied"
refused "gateway can't count a source failure from the far future (sweep)" \
    "SELECT * FROM pam_mfa.gw_source_fail('192.0.2.1', 99999999999, 5, 600, 900)" \
    "out of bounds"
refused "gateway can't write a source key no address has" \
    "SELECT * FROM pam_mfa.gw_source_fail('a b', extract(epoch FROM now())::bigint, 5, 600, 900)" \
    "violates check constraint"
refused "gateway may count a source failure" \
    "SELECT fail_count FROM pam_mfa.gw_source_fail('192.0.2.1', extract(epoch FROM now())::bigint, 5, 600, 900)" \
    "^1\$"
refused "gateway can't unlock through its commit" \
    "SELECT pam_mfa.gw_commit('zed', 7, 42, 1000, 0, 3, 1, 0, 0, 50, 120, '', 2)" \
    "without a success"
refused "gateway can't move the replay floor back" \
    "SELECT pam_mfa.gw_commit('zed', 7, 42, 999, 5, 3, 1, 100, 9000000000, 50, 120, '', 2)" \
    "floor moved back"
refused "gateway can't unspend a backup code" \
    "SELECT pam_mfa.gw_commit('zed', 7, 42, 1000, 5, 1, 1, 100, 9000000000, 50, 120, '', 2)" \
    "unspent"
refused "gateway can't claim a success without a code" \
    "SELECT pam_mfa.gw_commit('zed', 7, 42, 1000, 0, 3, 1, 0, 0, 130, 120, '', 2)" \
    "success without a code"
refused "gateway can't point the state at another token" \
    "SELECT pam_mfa.gw_commit('zed', 7, 43, 0, 5, 0, 1, 100, 9000000000, 50, 120, '', 2)" \
    "another token"
refused "gateway can't clear the lock step (escalation)" \
    "SELECT pam_mfa.gw_commit('zed', 7, 42, 1000, 6, 3, 1, 100, 9000000000, 50, 130, '', 0)" \
    "lock step cleared"
refused "gateway can't skip lock steps" \
    "SELECT pam_mfa.gw_commit('zed', 7, 42, 1000, 6, 3, 1, 100, 9000000000, 50, 130, '', 4)" \
    "more than one lock"
refused "gateway may record a failure" \
    "SELECT pam_mfa.gw_commit('zed', 7, 42, 1000, 6, 3, 1, 100, 9000000000, 50, 130, '', 2)" \
    "^t$"
refused "a stale version writes nothing" \
    "SELECT pam_mfa.gw_commit('zed', 7, 42, 1000, 7, 3, 1, 100, 9000000000, 50, 140, '', 2)" \
    "^f$"
# enroll_at_login (schema version 2): the gateway reads a pending token
# only while its user has no active token, and makes it active only as
# itself (gw_activate): alice's record T stands for a sealed token.
T="(SELECT token FROM pam_mfa.tokens WHERE username = 'alice')"
PGDB=mfa sql "INSERT INTO pam_mfa.tokens (username, pending) SELECT 'quin', set_byte(token, 6, get_byte(token, 6) | 1) FROM pam_mfa.tokens WHERE username = 'alice'" &&
    PGDB=mfa sql "UPDATE pam_mfa.tokens SET pending = set_byte(token, 6, get_byte(token, 6) | 1) WHERE username = 'alice'" ||
    exit 1
refused "gateway reads no pending token of a user with an active one" \
    "SELECT pam_mfa.gw_pending('alice') IS NULL" "^t$"
refused "gateway reads the pending token of a user without one" \
    "SELECT length(pam_mfa.gw_pending('quin'))" "^1024$"
refused "gateway can't activate over an active token" \
    "SELECT pam_mfa.gw_activate('alice', $T, 1)" "^1$"
refused "gateway can't activate another token than the pending one" \
    "SELECT pam_mfa.gw_activate('quin', set_byte($T, 8, get_byte($T, 8) # 1), 1)" "^1$"
refused "gateway can't activate for a user with no pending token" \
    "SELECT pam_mfa.gw_activate('zed', $T, 1)" "^1$"
refused "gateway can't activate a record still pending" \
    "SELECT pam_mfa.gw_activate('quin', set_byte($T, 6, get_byte($T, 6) | 1), 1)" \
    "not the pending token made active"
refused "gateway can't activate with backup codes of its own" \
    "SELECT pam_mfa.gw_activate('quin', set_byte($T, 140, 1), 1)" \
    "not the pending token made active"
refused "gateway can't activate with other parameters (digits)" \
    "SELECT pam_mfa.gw_activate('quin', set_byte($T, 26, 8), 1)" \
    "not the pending token made active"
refused "gateway can't activate with another uid" \
    "SELECT pam_mfa.gw_activate('quin', set_byte($T, 924, get_byte($T, 924) # 1), 1)" \
    "not the pending token made active"
refused "gateway can't use the admin's activation" \
    "SELECT pam_mfa.adm_activate('quin', $T, 1)" "permission denied"
refused "gateway can't call the inner activation" \
    "SELECT pam_mfa.pending_to_active('quin', $T, 1, false)" \
    "permission denied"
check "nothing activated by the refused calls" test \
    "$(PGDB=mfa sql "SELECT token IS NULL AND pending IS NOT NULL FROM pam_mfa.tokens WHERE username = 'quin'")" = t
refused "gateway activates the pending token itself" \
    "SELECT pam_mfa.gw_activate('quin', $T, 77)" "^0$"
check "... active, no pending, the state following it (floor 77)" test \
    "$(PGDB=mfa sql "SELECT t.token = a.token, t.pending IS NULL, s.token_id = a.token_id, s.next_step FROM pam_mfa.tokens t, pam_mfa.tokens a, pam_mfa.state s WHERE t.username = 'quin' AND a.username = 'alice' AND s.username = 'quin'")" = "t|t|t|77"
refused "... once" "SELECT pam_mfa.gw_activate('quin', $T, 78)" "^1$"
PGDB=mfa sql "UPDATE pam_mfa.tokens SET pending = NULL WHERE username = 'alice'" || exit 1
# pam-mfa's commit (an unlock) is checked against the version too: a
# stale one writes nothing, the current one writes.
adm() {
	/usr/lib/postgresql/15/bin/psql -X -q -At -v ON_ERROR_STOP=1 \
	    "host=127.0.0.1 port=$port dbname=mfa user=mfaadmin sslmode=verify-full sslrootcert=$c/ca.crt sslcert=$c/mfaadmin.crt sslkey=$c/mfaadmin.key" \
	    -c "$1" 2>&1
}
out=$(adm "SELECT pam_mfa.adm_commit('zed', 7, 42, 1000, 0, 3, 1, 0, 0, 50, 130, '', 0)")
if [ "$out" = f ]; then pass "a stale admin commit writes nothing"; else
	fail "a stale admin commit writes nothing: $out"; fi
check "a stale admin commit left the failures" test \
    "$(PGDB=mfa sql "SELECT version, fail_count FROM pam_mfa.state WHERE username = 'zed'")" = "8|6"
out=$(adm "SELECT pam_mfa.adm_commit('zed', 8, 42, 1000, 0, 3, 1, 0, 0, 50, 130, '', 0)")
if [ "$out" = t ]; then pass "the current admin commit writes"; else
	fail "the current admin commit writes: $out"; fi
check "the current admin commit unlocked" test \
    "$(PGDB=mfa sql "SELECT version, fail_count FROM pam_mfa.state WHERE username = 'zed'")" = "9|0"
# After test_pgsql_pam's rekeys: one key seals every record, and a record
# sealed under another (a pam-mfa that loaded the key file before a
# rekey) is refused by the server.
check "every token sealed under one key after rekey" test \
    "$(PGDB=mfa sql 'SELECT count(DISTINCT pam_mfa.rec_key_id(token)) FROM pam_mfa.tokens WHERE token IS NOT NULL')" = 1
out=$(/usr/lib/postgresql/15/bin/psql -X -q -At -v ON_ERROR_STOP=1 \
    "host=127.0.0.1 port=$port dbname=mfa user=mfaadmin sslmode=verify-full sslrootcert=$c/ca.crt sslcert=$c/mfaadmin.crt sslkey=$c/mfaadmin.key" \
    -c "SELECT pam_mfa.adm_pending_put('zed', overlay(token placing '\\x01000000'::bytea from 41 for 4)) FROM pam_mfa.tokens WHERE username = 'alice'" 2>&1)
if echo "$out" | grep -q "not the active one"; then
	pass "a record under a retired key is refused"
else
	fail "a record under a retired key is refused: $out"
fi

# db import-files: a user whose import fails once the database holds the
# token (here the state's write, refused by a constraint) is locked in
# the file store all the same: a code must never work on both.
mkdir -m 0700 "$WORK/fstate"
{ echo "state_dir = \"$WORK/fstate\";"; echo 'user_lookup = "exact";'; } \
    >"$WORK/fstate.part"
{ echo "key_file = \"$WORK/mfa.key\";"; cat "$WORK/fstate.part"; } \
    >"$WORK/files.conf"
{ cat "$conf"; cat "$WORK/fstate.part"; } >"$WORK/import.conf"
chmod 0644 "$WORK/files.conf" "$WORK/import.conf"
cli() { "$here/with-logsink.sh" "$WORK/cli.log" "$MFA_CLI" "$@"; }
check "a file-store user to import" sh -c "'$here/with-logsink.sh' \
    '$WORK/cli.log' '$MFA_CLI' -c '$WORK/files.conf' enroll -y -q none vera \
    >/dev/null"
# (the file store seals with the key file's active key: the database's
# own choice of active key, from the rekeys above, is dropped first)
PGDB=mfa sql "DELETE FROM pam_mfa.keystate" &&
    PGDB=mfa sql "ALTER TABLE pam_mfa.state ADD CONSTRAINT import_fails CHECK (username <> 'vera' OR version < 2)" ||
    exit 1
cli -c "$WORK/import.conf" db import-files >"$WORK/import.out" 2>&1
check "an import that fails half-way exits 1" [ $? -eq 1 ]
check "... and says so" grep -q "^skipped vera" "$WORK/import.out"
check "... the database took the token" test \
    "$(PGDB=mfa sql "SELECT count(*) FROM pam_mfa.tokens WHERE username = 'vera' AND token IS NOT NULL")" = 1
check "... so the file store locked vera for good" sh -c \
    "'$MFA_CLI' -c '$WORK/files.conf' status vera | grep -q ' locked=until_unlocked '"
PGDB=mfa sql "ALTER TABLE pam_mfa.state DROP CONSTRAINT import_fails" ||
    exit 1

# Connections kept between logins (pg_reuse_s), on an empty database:
# that test has a key file of its own too.
PGDB=mfa sql "DELETE FROM pam_mfa.keystate" &&
    PGDB=mfa sql "DELETE FROM pam_mfa.state" &&
    PGDB=mfa sql "DELETE FROM pam_mfa.tokens" || exit 1
logr=$WORK/syslogr
MFA_TEST_LOG=$logr MFA_PG_DIR=$pg MFA_PG_PORT=$port \
    "$here/with-logsink.sh" "$logr" "$MFA_BUILDDIR/tests/test_pgsql_reuse"
rc=$?
if [ $rc -eq 0 ]; then pass "test_pgsql_reuse"; else
	fail "test_pgsql_reuse ($rc)"
	grep -a "pam_mfa" "$logr" | tail -40
fi

# A synchronous standby, the primary killed, the standby promoted.  That
# test has a key file of its own: the database forgets the active key,
# and the tokens sealed with this test's key file (no key file is made
# while the database holds a token sealed with another).
PGDB=mfa sql "DELETE FROM pam_mfa.keystate" &&
    PGDB=mfa sql "DELETE FROM pam_mfa.state" &&
    PGDB=mfa sql "DELETE FROM pam_mfa.tokens" || exit 1
pg2=$(mktemp -d /tmp/pam_mfa_pg2.XXXXXX)
trap 'sh "$here/pgcluster.sh" stop "$pg2"; sh "$here/pgcluster.sh" stop "$pg"; rm -rf "$pg" "$pg2"; umount "$base" "$WORK/ov"; rm -rf "$WORK"' EXIT
if sh "$here/pgcluster.sh" standby "$pg" "$pg2"; then
	pass "synchronous standby streaming"
	log2=$WORK/syslog2
	MFA_TEST_LOG=$log2 MFA_PG_DIR=$pg MFA_PG_PORT=$port \
	    MFA_PG_DIR2=$pg2 MFA_PG_PORT2=$(cat "$pg2/port") \
	    "$here/with-logsink.sh" "$log2" \
	    "$MFA_BUILDDIR/tests/test_pgsql_failover"
	rc=$?
	if [ $rc -eq 0 ]; then pass "test_pgsql_failover"; else
		fail "test_pgsql_failover ($rc)"
		grep -a "pam_mfa" "$log2" | tail -30
	fi
else
	fail "synchronous standby streaming"
fi
finish
