#!/bin/sh
# pgsql.sh - the PostgreSQL store's rows of the benchmark: a private
# cluster (tests/pgcluster.sh: loopback, TLS 1.3, client certificates),
# made durable for the measurement (fsync = on, synchronous_commit = on,
# no standby), 1,000 HOTP users moved into it from populate's file store
# with pam-mfa db import-files, then the driver's floor, pg_valid,
# pg_wrong and pg_locked paths, three runs of one process and one of two
# (two gateways, gw1 and gw2, each with its own certificate, config and
# service, on disjoint users), at each K of BENCH_PG_K.  K beyond 1,000:
# filler users u1000... added with INSERT ... SELECT generate_series
# (tokens and states), their sealed records copied from u0's, so bound to
# another name and never opened: only the 1,000 real users log in, the
# tables and their indexes hold K rows.  The driver is one long-lived
# process: its pg_* rows keep connections between logins (pg_reuse_s,
# the default), its pg_*_new rows (three more runs, pg_reuse_s = 0) open
# a connection per login (TCP + TLS + startup); the connections and
# statements per login are counted from the server's log, not assumed.
# Then pgloop takes the valid login apart (connection setup, a first
# statement on a kept connection, one statement round trip, a login on an
# open connection with synchronous_commit on and off, and the login's two
# real statements run outside the module, interleaved with its attempts)
# and pg_test_fsync times the disk's fdatasync.  BENCH_PG_BEFORE=OBJ: an
# earlier build's store_pgsql.so, whose pgloop rows (pgloop_before,
# pgloop_before2) alternate with this one's (pgloop_sync_on,
# pgloop_after2) in the same run.  The load average is recorded beside
# pgloop's rows ("load").  Run from the build directory as root:
#   sh ../bench/pgsql.sh   (BENCH_PG_K="1000 1000000", BENCH_PG_N=300)
# Standalone it prints its own table; run.sh sets BENCH_RAW to gather the
# raw lines into its one table.  The store object is the build tree's,
# mounted at its fixed path in a private mount namespace.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
build=$(pwd)
PG_K=${BENCH_PG_K:-"1000 1000000"}
N=${BENCH_PG_N:-300}
M=1000		# the users that log in
module=$build/pam_mfa/.libs/pam_mfa.so
obj=$build/pam_mfa/.libs/store_pgsql.so
cli=$build/tools/pam-mfa
# The path the module loads the store from, as the build fixed it.
fixed=$(printf 'p:\n\t@echo $(pkglibdir)/store_pgsql.so\n' |
    make -s --no-print-directory -C "$build/pam_mfa" -f Makefile -f - p)
if [ "${MFA_IN_NS:-}" != 1 ]; then
	make -s -C "$build/bench" populate driver pgloop >/dev/null
	MFA_IN_NS=1 exec unshare -m --propagation private -- /bin/sh "$0"
fi
work=$(mktemp -d /var/tmp/pam_mfa_pgbench.XXXXXX)
chmod 0755 "$work"
pg=$(mktemp -d /tmp/pam_mfa_pgbench.XXXXXX)
target=$(dirname "$fixed")
base=$target
while [ ! -d "$base" ]; do base=$(dirname "$base"); done
trap 'sh "$top/tests/pgcluster.sh" stop "$pg"; rm -rf "$pg"; umount "$base" "$work/ov"; rm -rf "$work"' EXIT
mkdir "$work/ov"
mount -t tmpfs tmpfs "$work/ov"
mkdir "$work/ov/up" "$work/ov/w"
# set -e: no overlay, no run (the host's $base is never written).
mount -t overlay overlay -o "lowerdir=$base,upperdir=$work/ov/up,workdir=$work/ov/w" "$base"
mkdir -p "$target"
install -m 0755 "$obj" "$fixed"

sh "$top/tests/pgcluster.sh" start "$pg"
sql() { sh "$top/tests/pgcluster.sh" sql "$pg" "$@"; }
sql "CREATE ROLE mfaadmin LOGIN CREATEROLE" >/dev/null
sql "CREATE DATABASE mfa OWNER mfaadmin" >/dev/null
port=$(cat "$pg/port")
c=$pg/certs
d=$work/k$M
"$build/bench/populate" "$d" "$M" "$module"
ci="host=127.0.0.1 port=$port dbname=mfa sslmode=verify-full sslrootcert=$c/ca.crt"
for g in 1 2; do
	s2=""
	[ $g = 2 ] && s2=2
	for f in pg pg_locked; do
		extra="deny = 0;"
		[ $f = pg_locked ] && extra="deny = 1; unlock_time = 0;"
		cat >"$d/mfa/$f$s2.conf" <<CONF
state_dir = "$d/mfa/state";
key_file = "$d/mfa/key";
user_lookup = "exact";
store = "postgresql";
$extra
pg_conninfo = "$ci user=gw$g sslcert=$c/gw$g.crt sslkey=$c/gw$g.key";
pg_admin_conninfo = "$ci user=mfaadmin sslcert=$c/mfaadmin.crt sslkey=$c/mfaadmin.key";
CONF
		printf 'auth required %s conf=%s/mfa/%s%s.conf\n' "$module" \
		    "$d" "$f" "$s2" >"$d/svc/$f$s2"
	done
done
"$cli" -c "$d/mfa/pg.conf" db init >/dev/null
sql "CREATE ROLE gw1 LOGIN IN ROLE pam_mfa_gateway" >/dev/null
sql "CREATE ROLE gw2 LOGIN IN ROLE pam_mfa_gateway" >/dev/null
t0=$(date +%s)
"$cli" -c "$d/mfa/pg.conf" db import-files >/dev/null
echo "pgsql: imported $M users in $(( $(date +%s) - t0 )) s" >&2
# Durable from here on: every commit flushed before it returns.
sql "ALTER SYSTEM SET fsync = on" >/dev/null
sql "SELECT pg_reload_conf()" >/dev/null
mdb() { PGDB=mfa sql "$@"; }
# noreuse on|off: pg_reuse_s = 0 in the gateways' configs, or the default.
noreuse() {
	for f in "$d"/mfa/pg*.conf; do
		grep -v '^pg_reuse_s' "$f" >"$f.new"
		[ "$1" = on ] && echo 'pg_reuse_s = 0;' >>"$f.new"
		mv "$f.new" "$f"
	done
}
raw=$work/raw
: >"$raw"
have=$M
for K in $PG_K; do
	if [ "$K" -gt "$have" ]; then
		t0=$(date +%s)
		mdb "INSERT INTO pam_mfa.tokens (username, token, token_id, backup_gen)
		    SELECT 'u' || g, t.token, t.token_id, t.backup_gen
		    FROM generate_series($have, $K - 1) g, pam_mfa.tokens t
		    WHERE t.username = 'u0'" >/dev/null
		mdb "INSERT INTO pam_mfa.state (username, version, token_id,
		    next_step, fail_count, backup_used, backup_gen, first_fail,
		    locked_until, last_success, last_fail, last_rhost, lock_step)
		    SELECT 'u' || g, 1, t.token_id, 1, 0, 0, t.backup_gen, 0, 0, 0,
		    0, '', 0 FROM generate_series($have, $K - 1) g,
		    pam_mfa.tokens t WHERE t.username = 'u0'" >/dev/null
		mdb "VACUUM ANALYZE pam_mfa.tokens" >/dev/null
		mdb "VACUUM ANALYZE pam_mfa.state" >/dev/null
		sql "CHECKPOINT" >/dev/null
		have=$K
		echo "pgsql: $K users in the tables (filler added in $(( $(date +%s) - t0 )) s): $(mdb "SELECT count(*) FROM pam_mfa.tokens") tokens, $(mdb "SELECT count(*) FROM pam_mfa.state") states" >&2
	fi
	# The driver logs in as u0..u999; its lines say K, the tables' size.
	# With BENCH_PG_BEFORE, each run followed by one of the earlier
	# store object (rows pg_*_before).
	for r in 1 2 3; do
		"$build/bench/driver" "$d/svc" "$M" "$N" 1 pg |
		    awk -v K="$K" '{ $3 = K; print }' >>"$raw"
		[ -n "${BENCH_PG_BEFORE:-}" ] || continue
		install -m 0755 "$BENCH_PG_BEFORE" "$fixed"
		"$build/bench/driver" "$d/svc" "$M" "$N" 1 pg | awk -v K="$K" \
		    '$1 != "floor" { $1 = $1 "_before"; $3 = K; print }' >>"$raw"
		install -m 0755 "$obj" "$fixed"
	done
	"$build/bench/driver" "$d/svc" "$M" "$N" 2 pg |
	    awk -v K="$K" '{ $3 = K; print }' >>"$raw"
	# The same logins with pg_reuse_s = 0: a new connection each.
	noreuse on
	for r in 1 2 3; do
		"$build/bench/driver" "$d/svc" "$M" "$N" 1 pg
	done | awk -v K="$K" '$1 != "floor" { $1 = $1 "_new" } { $3 = K; print }' >>"$raw"
	noreuse off
done

# Statements and connections per login, from the server's own log.
log=$pg/log/server.log
sql "ALTER SYSTEM SET log_min_messages = warning" >/dev/null
sql "ALTER SYSTEM SET log_statement = 'all'" >/dev/null
sql "ALTER SYSTEM SET log_connections = on" >/dev/null
sql "SELECT pg_reload_conf()" >/dev/null
sleep 1
for reuse in on off; do
	x=""
	[ $reuse = off ] && x=_new
	[ $reuse = off ] && noreuse on
	for p in pg_valid pg_wrong pg_locked; do
		before=$(wc -l <"$log")
		BENCH_PATH=$p "$build/bench/driver" "$d/svc" "$M" 10 1 pg >/dev/null
		# 3 warm-up logins and 10 timed (and pg_locked: the lock login).
		n=13
		[ $p = pg_locked ] && n=14
		tail -n +"$((before + 1))" "$log" | awk -v p="$p$x" -v n=$n '
		/connection authorized: user=gw/ { c++ }
		/(statement|execute [^:]*): / && /pam_mfa\./ { s++ }
		END { printf "rt %s %.2f %.2f\n", p, c / n, s / n }' >>"$raw"
	done
	noreuse off
done
sql "ALTER SYSTEM RESET log_statement" >/dev/null
sql "ALTER SYSTEM RESET log_connections" >/dev/null
sql "ALTER SYSTEM SET log_min_messages = fatal" >/dev/null
sql "SELECT pg_reload_conf()" >/dev/null

# The valid login taken apart, on the largest table; its target's parts
# (a round trip, an fdatasync on the cluster's file system, the login's
# real statements) interleaved.
loop() {
	echo "load $1 $(cut -d' ' -f1-3 /proc/loadavg)" >>"$raw"
	"$build/bench/pgloop" "$d/mfa/pg.conf" "$M" "$N" "$pg" |
	    awk -v p="$1" '{ print p, $0 }' >>"$raw"
}
if [ -n "${BENCH_PG_BEFORE:-}" ]; then
	for r in "" 2; do
		install -m 0755 "$BENCH_PG_BEFORE" "$fixed"
		loop "pgloop_before$r"
		install -m 0755 "$obj" "$fixed"
		loop "$([ -z "$r" ] && echo pgloop_sync_on || echo pgloop_after2)"
	done
else
	loop pgloop_sync_on
fi
# BENCH_PG_PERF=1: where pgloop's time goes (perf, to stderr).
if [ -n "${BENCH_PG_PERF:-}" ]; then
	PGLOOP_ATTEMPTS_ONLY=1 perf record -q -F 10000 -o "$work/perf.data" \
	    -- "$build/bench/pgloop" "$d/mfa/pg.conf" "$M" "$N" >/dev/null 2>&1
	perf report -q -i "$work/perf.data" --sort dso --stdio 2>/dev/null |
	    head -15 >&2
	perf report -q -i "$work/perf.data" --sort dso,sym --stdio \
	    --dsos store_pgsql.so,libmfacore.so.0.0.0,libpq.so.5.15,libcrypto.so.3,libssl.so.3,libc.so.6,pgloop \
	    2>/dev/null | head -40 >&2
fi
sql "ALTER ROLE gw1 SET synchronous_commit = off" >/dev/null
"$build/bench/pgloop" "$d/mfa/pg.conf" "$M" "$N" |
    awk '/_open_conn/ { print "pgloop_sync_off", $0 }' >>"$raw"
sql "ALTER ROLE gw1 RESET synchronous_commit" >/dev/null
"$bin/pg_test_fsync" -s 1 -f "$pg/fsync.test" 2>/dev/null | awk '
/fdatasync/ && $2 ~ /^[0-9.]+$/ { print "fsync_test fdatasync_8k", $4; exit }' >>"$raw"
rm -f "$pg/fsync.test"

if [ -n "${BENCH_RAW:-}" ]; then
	# The floor of this run, beside the PostgreSQL rows: floor_pg.
	awk '$1 == "floor" { $1 = "floor_pg" } { print }' "$raw" >>"$BENCH_RAW"
	exit 0
fi
awk '
$1 == "rt" { rt[$2] = sprintf("%s conn + %s stmt", $3, $4); next }
$1 ~ /^pgloop|^fsync_test|^load/ { print; next }
$2 == 1 { key = $1 " " $3; n[key]++; p50[key, n[key]] = $6; p99[key, n[key]] = $7; rate[key, n[key]] = $5; ks[$3] = 1 }
$2 == 2 && NF == 9 { two[$1 " " $3] = sprintf("%s/s p50 %s us %s", $5, $6, $9) }
/_same_codes/ { same[$1 " " $3] = $5 " " $6 }
function med(a, key,   v1, v2, v3, t) {
	v1 = a[key, 1] + 0; v2 = a[key, 2] + 0; v3 = a[key, 3] + 0
	if (v1 > v2) { t = v1; v1 = v2; v2 = t }
	if (v2 > v3) { t = v2; v2 = v3; v3 = t }
	if (v1 > v2) { t = v1; v1 = v2; v2 = t }
	return v2
}
END {
	printf "%-10s %8s %9s %9s %9s %8s  %s\n", "path", "K", "auths/s", "p50 us", "p99 us", "x floor", "round trips"
	for (k in ks) {
		fl = med(p50, "floor " k)
		split("floor pg_valid pg_wrong pg_locked pg_valid_before pg_wrong_before pg_locked_before pg_valid_new pg_wrong_new pg_locked_new", order, " ")
		for (i = 1; i <= 10; i++) {
			key = order[i] " " k
			if (!((key, 1) in p50)) continue
			printf "%-10s %8s %9.0f %9.1f %9.1f %8.1f  %s\n", order[i], k, med(rate, key), med(p50, key), med(p99, key), med(p50, key) / fl, rt[order[i]]
		}
	}
	print "two gateways (disjoint users):"
	for (x in two) print "  " x ": " two[x]
	print "two gateways, same users and codes (accepted must equal expected):"
	for (x in same) print "  " x ": " same[x]
}' "$raw"
