#!/bin/sh
# pgsql.sh - the PostgreSQL store's rows of the benchmark: a private
# cluster (tests/pgcluster.sh: loopback, TLS 1.3, client certificates,
# synchronous_commit on, fsync off), K HOTP users moved into it from
# populate's file store with pam-mfa db import-files, then the driver's
# floor, pg_valid, pg_wrong and pg_locked paths, three runs of one process
# and one of two (two gateways).  Every login opens its own connection
# (TCP + TLS + startup) and makes two statement round trips: the SELECT
# of token and state and the conditional commit (a locked user: the
# SELECT only).  Run from the build directory as root:
#   sh ../bench/pgsql.sh   (BENCH_K="1000", BENCH_N=300)
# The store object is the build tree's, mounted at its fixed path in a
# private mount namespace.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
build=$(pwd)
K=${BENCH_K:-1000}
N=${BENCH_N:-300}
module=$build/pam_mfa/.libs/pam_mfa.so
obj=$build/pam_mfa/.libs/store_pgsql.so
cli=$build/tools/pam-mfa
# The path the module loads the store from, as the build fixed it.
fixed=$(printf 'p:\n\t@echo $(pkglibdir)/store_pgsql.so\n' |
    make -s --no-print-directory -C "$build/pam_mfa" -f Makefile -f - p)
if [ "${MFA_IN_NS:-}" != 1 ]; then
	make -s -C "$build/bench" populate driver >/dev/null
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
d=$work/k$K
"$build/bench/populate" "$d" "$K" "$module"
ci="host=127.0.0.1 port=$port dbname=mfa sslmode=verify-full sslrootcert=$c/ca.crt"
for f in pg pg_locked; do
	extra="deny = 0;"
	[ $f = pg_locked ] && extra="deny = 1; unlock_time = 0;"
	cat >"$d/mfa/$f.conf" <<CONF
state_dir = "$d/mfa/state";
key_file = "$d/mfa/key";
store = "postgresql";
$extra
pg_conninfo = "$ci user=gw1 sslcert=$c/gw1.crt sslkey=$c/gw1.key";
pg_admin_conninfo = "$ci user=mfaadmin sslcert=$c/mfaadmin.crt sslkey=$c/mfaadmin.key";
CONF
	printf 'auth required %s conf=%s/mfa/%s.conf\n' "$module" "$d" "$f" \
	    >"$d/svc/$f"
done
"$cli" -c "$d/mfa/pg.conf" db init >/dev/null
sql "CREATE ROLE gw1 LOGIN IN ROLE pam_mfa_gateway" >/dev/null
t0=$(date +%s)
"$cli" -c "$d/mfa/pg.conf" db import-files | tail -1
echo "imported K=$K in $(( $(date +%s) - t0 )) s"
echo "machine: $(nproc) cores, $(uname -r); PostgreSQL on loopback, TLS client certificates"
raw=$work/raw
for r in 1 2 3; do
	"$build/bench/driver" "$d/svc" "$K" "$N" 1 pg >>"$raw"
done
"$build/bench/driver" "$d/svc" "$K" "$N" 2 pg >>"$raw"
awk '
$2 == 1 { key = $1; n[key]++; p50[key, n[key]] = $6; p99[key, n[key]] = $7; rate[key, n[key]] = $5; names[key] = 1 }
$2 == 2 && NF == 9 { two[$1] = sprintf("%s/s p50 %s us %s", $5, $6, $9) }
/_same_codes/ { same[$1] = $5 " " $6 }
function med(a, key,   v1, v2, v3, t) {
	v1 = a[key, 1] + 0; v2 = a[key, 2] + 0; v3 = a[key, 3] + 0
	if (v1 > v2) { t = v1; v1 = v2; v2 = t }
	if (v2 > v3) { t = v2; v2 = v3; v3 = t }
	if (v1 > v2) { t = v1; v1 = v2; v2 = t }
	return v2
}
END {
	printf "%-10s %6s %9s %9s %9s %8s\n", "path", "K", "auths/s", "p50 us", "p99 us", "x floor"
	fl = med(p50, "floor")
	split("floor pg_valid pg_wrong pg_locked", order, " ")
	for (i = 1; i <= 4; i++) {
		k = order[i]
		if (!((k, 1) in p50)) continue
		printf "%-10s %6s %9.0f %9.1f %9.1f %8.1f\n", k, K, med(rate, k), med(p50, k), med(p99, k), med(p50, k) / fl
	}
	print "two processes (two gateways, disjoint users):"
	for (x in two) print "  " x ": " two[x]
	print "two processes, same users and codes (accepted must equal expected):"
	for (x in same) print "  " x ": " same[x]
}' K="$K" "$raw"
