#!/bin/sh
# run.sh - the benchmark: for each user count K, populate the fixtures,
# run the driver three times with one process and once with two, then
# the PostgreSQL store's rows (pgsql.sh: K = 1,000 and 1,000,000, two
# gateways, the valid login taken apart), and print one table of medians
# and ratios.  Reproduce with: make bench (as root; BENCH_K="1 1000",
# BENCH_N=..., BENCH_PG_K="1000", BENCH_PG_N=... shorten it; BENCH_PG_K=""
# leaves PostgreSQL out).  The raw lines are kept in BENCH_SAVE if set;
# BENCH_TABLE=FILE prints the table of such a file (one, or several
# concatenated) without measuring.  Cleaning up a K = 1,000,000 file
# store (two million files) can take long on a loaded machine.
# As on every production host, a syslog receiver reads /dev/log: the
# measurement runs in a private mount namespace whose /dev/log is a
# datagram socket read by tests/logsink (tests/with-logsink.sh), which
# appends each line to a file as a syslog daemon does.  There the name
# service is "passwd: files": the benchmark's users are made up, and a
# miss through systemd's userdb module costs tens of microseconds that a
# host's real users (found) don't pay: the line "name service" gives a
# miss's cost with the host's nsswitch.conf and with files alone.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
: "${MODULE:?}"
if [ -z "${BENCH_TABLE:-}" ] && [ "${BENCH_IN_NS:-}" != 1 ]; then
	log=$(mktemp /var/tmp/pam_mfa_bench_syslog.XXXXXX)
	rc=0
	BENCH_IN_NS=1 BENCH_SYSLOG=$log LOGSINK=${LOGSINK:?} \
	    "$here/../tests/with-logsink.sh" "$log" sh "$0" || rc=$?
	rm -f "$log"
	exit $rc
fi
K_LIST=${BENCH_K:-"1 1000 10000 100000 1000000"}
N=${BENCH_N:-2000}
PG_K=${BENCH_PG_K-"1000 1000000"}
work=$(mktemp -d /var/tmp/pam_mfa_bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
raw=$work/raw
: >"$raw"
if [ -n "${BENCH_TABLE:-}" ]; then
	cat "$BENCH_TABLE" >"$raw"
	K_LIST=$(awk '$2 == 1 && $1 == "floor" { print $3 }' "$raw" | sort -nu | tr '\n' ' ')
	PG_K=$(awk '$2 == 1 && $1 == "floor_pg" { print $3 }' "$raw" | sort -nu | tr '\n' ' ')
else

if [ -n "${BENCH_SYSLOG:-}" ]; then
	mkdir -p "$work/nss/svc"
	BENCH_PATH=getpwnam_miss ./driver "$work/nss/svc" 1000 "$N" 1 |
	    sed 's/^getpwnam_miss/getpwnam_host/' >>"$raw"
	sed 's/^passwd:.*/passwd:         files/' /etc/nsswitch.conf \
	    >"$work/nsswitch.conf"
	mount --bind "$work/nsswitch.conf" /etc/nsswitch.conf
	echo "syslog receiver: /dev/log ($(stat -c %F /dev/log)), read by logsink"
fi
# The driver's HOTP against oathtool, the independent oracle.
for c in 0 1 9 1000; do
	want=$(oathtool --hotp --counter=$c 3132333435363738393031323334353637383930)
	echo "oathtool counter $c: $want"
done

echo "machine: $(nproc) cores, $(uname -r), $(df -T /var/tmp | awk 'NR==2 {print $2}') on /var/tmp"
echo "file store runs start: $(uptime)"
for k in $K_LIST; do
	d=$work/k$k
	echo "populating K=$k ..." >&2
	# Each first-login user logs in once: two paths of N / 4 logins
	# (at least 10) and 3 warm-ups, three runs.
	nf=$((N / 4)); [ "$nf" -ge 10 ] || nf=10
	./populate "$d" "$k" "$MODULE" $((6 * (nf + 3) + 10)) ${FLUSHONLY:+"$FLUSHONLY"}
	# Every fixture on disk before the timing: no first flush of a
	# fixture pays for its blocks' allocation.
	sync
	for r in 1 2 3; do
		./driver "$d/svc" "$k" "$N" 1 >>"$raw"
	done
	./driver "$d/svc" "$k" "$N" 2 >>"$raw"
	rm -rf "$d"
done

# The PostgreSQL store, from the build directory (pgsql.sh).
if [ -z "$PG_K" ]; then
	echo "PostgreSQL rows: left out (BENCH_PG_K is empty)"
elif [ ! -x /usr/lib/postgresql/15/bin/initdb ] ||
    [ ! -f ../pam_mfa/.libs/store_pgsql.so ]; then
	echo "PostgreSQL rows: left out (no PostgreSQL 15 server, or built without libpq)"
else
	echo "PostgreSQL runs start: $(uptime)"
	(cd .. && BENCH_PG_K=$PG_K BENCH_RAW=$raw sh "$here/pgsql.sh")
fi
[ -z "${BENCH_SAVE:-}" ] || cp "$raw" "$BENCH_SAVE"
[ -z "${BENCH_SYSLOG:-}" ] ||
	echo "syslog receiver: $(wc -l <"$BENCH_SYSLOG") lines received"
fi

fileorder="floor floor_flush fdatasync getpwnam_miss mfa_valid mfa_valid_os mfa_wrong mfa_wrong_os mfa_replay mfa_locked mfa_first mfa_first_os mfa_totp_valid mfa_totp_valid_os mfa_totp_wrong mfa_totp_wrong_os oath_valid oath_wrong oath_totp_valid oath_totp_wrong ga_valid ga_wrong ga_totp_valid ga_totp_wrong cold_floor cold_mfa_valid cold_mfa_valid_os cold_oath_valid cold_ga_valid"
awk -v klist="$K_LIST" -v pgklist="$PG_K" -v fileorder="$fileorder" '
BEGIN {
	mdorder = "floor floor_flush fdatasync mfa_valid mfa_wrong mfa_valid_os mfa_wrong_os mfa_totp_valid mfa_totp_wrong mfa_totp_valid_os mfa_totp_wrong_os mfa_first mfa_first_os mfa_replay mfa_locked oath_valid oath_wrong oath_totp_valid ga_valid ga_wrong ga_totp_valid getpwnam_miss cold_floor cold_mfa_valid cold_mfa_valid_os cold_oath_valid cold_ga_valid"
	mdlabel["floor"] = "floor (pam_permit)"
	mdlabel["floor_flush"] = "flushing floor: pam_permit after one flushed slot write (`bench/flushonly.c`)"
	mdlabel["fdatasync"] = "one `pwrite` + `fdatasync` of a 512-byte slot, alone"
	mdlabel["mfa_valid"] = "pam_mfa HOTP valid, `\"always\"` (default)"
	mdlabel["mfa_wrong"] = "pam_mfa HOTP wrong, `\"always\"`"
	mdlabel["mfa_valid_os"] = "pam_mfa HOTP valid, `\"os\"`"
	mdlabel["mfa_wrong_os"] = "pam_mfa HOTP wrong, `\"os\"`"
	mdlabel["mfa_totp_valid"] = "pam_mfa TOTP valid, `\"always\"`"
	mdlabel["mfa_totp_wrong"] = "pam_mfa TOTP wrong, `\"always\"`"
	mdlabel["mfa_totp_valid_os"] = "pam_mfa TOTP valid, `\"os\"`"
	mdlabel["mfa_totp_wrong_os"] = "pam_mfa TOTP wrong, `\"os\"`"
	mdlabel["mfa_first"] = "pam_mfa first login after enrollment, `\"always\"`"
	mdlabel["mfa_first_os"] = "pam_mfa first login after enrollment, `\"os\"`"
	mdlabel["mfa_replay"] = "pam_mfa replayed code, `\"always\"`"
	mdlabel["mfa_locked"] = "pam_mfa locked user (no write, no crypto)"
	mdlabel["oath_valid"] = "pam_oath HOTP valid"
	mdlabel["oath_wrong"] = "pam_oath HOTP wrong"
	mdlabel["oath_totp_valid"] = "pam_oath TOTP valid"
	mdlabel["ga_valid"] = "pam_google_authenticator HOTP valid"
	mdlabel["ga_wrong"] = "pam_google_authenticator HOTP wrong"
	mdlabel["ga_totp_valid"] = "pam_google_authenticator TOTP valid"
	mdlabel["getpwnam_miss"] = "getpwnam of an unknown name (`passwd: files`; in every pam_mfa row)"
	mdlabel["cold_floor"] = "cold process: floor (fork + exec + pam_permit)"
	mdlabel["cold_mfa_valid"] = "cold process: pam_mfa HOTP valid, `\"always\"`"
	mdlabel["cold_mfa_valid_os"] = "cold process: pam_mfa HOTP valid, `\"os\"`"
	mdlabel["cold_oath_valid"] = "cold process: pam_oath HOTP valid"
	mdlabel["cold_ga_valid"] = "cold process: pam_google_authenticator HOTP valid"
}
$1 == "rt" { rt[$2] = sprintf("%gc+%g", $3, $4); next }
$1 ~ /^pgloop/ { dec[$1 " " $2] = $4; dec99[$1 " " $2] = $5; next }
$1 == "fsync_test" { fsyncus = $3; next }
$1 == "getpwnam_host" { nsshost = $6; next }
$2 == 1 { key = $1 " " $3; n[key]++; p50[key, n[key]] = $6; p99[key, n[key]] = $7;
	rate[key, n[key]] = $5; rss[key, n[key]] = $8; ks[$3] = 1; names[$1] = 1 }
$2 == 1 && $1 ~ /valid/ && $9 != "ok=" $4 { bad = bad "\n  " $0 }
$2 == 2 && NF == 9 { two[$1 " " $3] = sprintf("%s/s p50 %s us %s", $5, $6, $9) }
$2 == 2 && NF == 9 && $1 ~ /^(mfa|pg)_valid/ && $9 != "ok=" $4 { bad = bad "\n  " $0 }
/_same_codes/ { same[$1 " " $3] = $5 " " $6 }
function med(a, key, m,   v1, v2, v3, t) {
	v1 = a[key, 1] + 0; v2 = a[key, 2] + 0; v3 = a[key, 3] + 0
	if (v1 > v2) { t = v1; v1 = v2; v2 = t }
	if (v2 > v3) { t = v2; v2 = v3; v3 = t }
	if (v1 > v2) { t = v1; v1 = v2; v2 = t }
	return v2
}
# The median over the runs of the p50 of a row divided by the p50 of base
# (the floor block run just before it) in the same run: the ratio
# measured side by side.
function ratio(key, base,   r, i) {
	for (i = 1; i <= 3; i++) {
		r[key, i] = 0
		if ((base, i) in p50 && (key, i) in p50 && p50[base, i] + 0 > 0)
			r[key, i] = p50[key, i] / p50[base, i]
	}
	return med(r, key)
}
# The floor of a row: the block the driver ran just before it
# (floor@NAME), else the floor of the run.
function basefor(name, k) {
	if (("floor@" name " " k, 1) in p50) return "floor@" name " " k
	return (name ~ /^cold_/ ? "cold_floor " : name ~ /^floor_pg/ ? "floor_pg " : name ~ /^pg_/ ? "floor_pg " : "floor ") k
}
function row(name, k, fl, po, pg, rts,   key, v, xo, xg, base) {
	key = name " " k
	if (!((key, 1) in p50)) return
	v = med(p50, key)
	base = basefor(name, k)
	xo = po > 0 ? sprintf("%7.2f", v / po) : sprintf("%7s", "-")
	xg = pg > 0 ? sprintf("%7.2f", v / pg) : sprintf("%7s", "-")
	printf "%-18s %8s %10.0f %9.1f %9.1f %8.2f %s %s %7s  %s\n", name, k, med(rate, key), v, med(p99, key), ratio(key, base), xo, xg, med(rss, key), rts
}
# One cell of the table of the README: p50 (ratio to its floor).
function cell(name, k,   key, base) {
	key = name " " k
	if (!((key, 1) in p50)) return " - |"
	base = basefor(name, k)
	if (name == "floor" || name == "cold_floor" || name == "fdatasync" || name == "getpwnam_miss")
		return sprintf(" %.1f |", med(p50, key))
	return sprintf(" %.1f (%.2f×) |", med(p50, key), ratio(key, base))
}
END {
	printf "%-18s %8s %10s %9s %9s %8s %7s %7s %7s  %s\n", "path", "K", "auths/s", "p50 us", "p99 us", "x floor", "x oath", "x ga", "rss KB", "round trips"
	nk = split(klist, kord, " ")
	for (ki = 1; ki <= nk; ki++) {
		k = kord[ki]
		fl = med(p50, "floor " k); oa = med(p50, "oath_valid " k); ga = med(p50, "ga_valid " k)
		ow = med(p50, "oath_wrong " k); gw = med(p50, "ga_wrong " k)
		no = split(fileorder, order, " ")
		for (i = 1; i <= no; i++) {
			po = (order[i] ~ /wrong|replay|locked/) ? ow : oa
			pg = (order[i] ~ /wrong|replay|locked/) ? gw : ga
			if (order[i] ~ /totp/) {
				po = (order[i] ~ /wrong/) ? med(p50, "oath_totp_wrong " k) : med(p50, "oath_totp_valid " k)
				pg = (order[i] ~ /wrong/) ? med(p50, "ga_totp_wrong " k) : med(p50, "ga_totp_valid " k)
			}
			if (order[i] ~ /^cold_/) {
				po = med(p50, "cold_oath_valid " k); pg = med(p50, "cold_ga_valid " k)
			}
			if (order[i] ~ /^(fdatasync|getpwnam)/)
				po = pg = 0
			row(order[i], k, fl, po, pg, order[i] ~ /mfa/ ? "0 (file)" : "-")
		}
	}
	# The PostgreSQL rows: ratios to the floor measured in their own
	# run (floor_pg), and to the peers where the file store ran at that K.
	npk = split(pgklist, pko, " ")
	for (ki = 1; ki <= npk; ki++) {
		k = pko[ki]
		fl = med(p50, "floor_pg " k); oa = med(p50, "oath_valid " k); ga = med(p50, "ga_valid " k)
		ow = med(p50, "oath_wrong " k); gw = med(p50, "ga_wrong " k)
		row("floor_pg", k, fl, 0, 0, "-")
		split("pg_valid pg_wrong pg_locked pg_valid_new pg_wrong_new pg_locked_new", order, " ")
		for (i = 1; i <= 6; i++) {
			po = (order[i] ~ /wrong|locked/) ? ow : oa
			pg = (order[i] ~ /wrong|locked/) ? gw : ga
			row(order[i], k, fl, po, pg, rt[order[i]])
		}
	}
	print "round trips: 0 (file): no network; Nc+M: N connections (TCP + TLS + startup) and M statements per login, counted in the server log; pg_*: connections kept between logins (pg_reuse_s = 60), pg_*_new: a new one per login (pg_reuse_s = 0)"
	print ""
	print "two processes (disjoint users; PostgreSQL: two gateways, gw1 and gw2):"
	for (x in two) print "  " x ": " two[x]
	print "two processes sending the same user and codes (accepted must equal expected):"
	for (x in same) print "  " x ": " same[x]
	if (("pgloop_sync_on connect") in dec) {
		fl = med(p50, "floor_pg " pko[npk])
		con = dec["pgloop_sync_on connect"]; sel = dec["pgloop_sync_on select"]
		von = dec["pgloop_sync_on valid_open_conn"]; voff = dec["pgloop_sync_off valid_open_conn"]
		print ""
		print "PostgreSQL valid login taken apart (pgloop, p50 us; K = " pko[npk] ", one process):"
		printf "  connection setup (TCP + TLS 1.3 + client cert + startup): %.1f (p99 %.1f)\n", con, dec99["pgloop_sync_on connect"]
		printf "  first statement on a new connection, whole: %.1f\n", dec["pgloop_sync_on first_stmt_new_conn"]
		printf "  one statement round trip (SELECT), connection open: %.1f (p99 %.1f)\n", sel, dec99["pgloop_sync_on select"]
		printf "  valid attempt, connection open, synchronous_commit on: %.1f (p99 %.1f)\n", von, dec99["pgloop_sync_on valid_open_conn"]
		printf "  valid attempt, connection open, synchronous_commit off: %.1f (p99 %.1f)\n", voff, dec99["pgloop_sync_off valid_open_conn"]
		printf "  wrong attempt, connection open, on / off: %.1f / %.1f\n", dec["pgloop_sync_on wrong_open_conn"], dec["pgloop_sync_off wrong_open_conn"]
		printf "  the commit flush (on - off): %.1f; pg_test_fsync fdatasync 8 kB: %s\n", von - voff, fsyncus
		printf "  target, connection open: floor %.1f + 2 x %.1f + fsync %s = %.1f\n", fl, sel, fsyncus, fl + 2 * sel + fsyncus
		printf "  measured, connection open: floor + valid attempt = %.1f\n", fl + von
		printf "  measured, PAM login with its own connection - setup: %.1f\n", med(p50, "pg_valid_new " pko[npk]) - con
		printf "  measured, PAM login on a kept connection (pg_reuse_s): %.1f\n", med(p50, "pg_valid " pko[npk])
		printf "  interleaved, same load: SELECT %.1f, fdatasync 8 kB %.1f, target 2 x SELECT + fdatasync %.1f; valid attempt / its target, attempt by attempt: %.2f\n", dec["pgloop_sync_on interleaved_select"], dec["pgloop_sync_on interleaved_fdatasync_8k"], dec["pgloop_sync_on interleaved_target"], dec["pgloop_sync_on interleaved_attempt_over_target"]
		printf "  first statement of a login on a kept connection (pool, check, statement, give back): %.1f\n", dec["pgloop_sync_on first_stmt_kept_conn"]
		printf "  the login'"'"'s real statements outside the module, same load: SELECT of token and state %.1f, gw_commit %.1f (synchronous_commit off: %.1f; both prepared: %.1f + %.1f); target floor + both with the commit'"'"'s flush = %.1f (with fdatasync: %.1f); valid attempt / its real target, attempt by attempt: %.2f (%.2f)\n", dec["pgloop_sync_on real_select"], dec["pgloop_sync_on real_commit"], dec["pgloop_sync_on real_commit_nosync"], dec["pgloop_sync_on real_select_prepared"], dec["pgloop_sync_on real_commit_prepared"], fl + dec["pgloop_sync_on real_target"], fl + dec["pgloop_sync_on real_target_fsync"], dec["pgloop_sync_on real_attempt_over_target"], dec["pgloop_sync_on real_attempt_over_target_fsync"]
		if (("pgloop_before valid_open_conn") in dec)
			printf "  valid attempt, connection open, earlier store object / this one, alternating: %.1f / %.1f, %.1f / %.1f\n", dec["pgloop_before valid_open_conn"], von, dec["pgloop_before2 valid_open_conn"], dec["pgloop_after2 valid_open_conn"]
	}
	# The table of the README (copy and paste): p50 in us (ratio to the
	# floor of the same run, median of the ratios of the runs).
	print ""
	printf "| path |"
	for (ki = 1; ki <= nk; ki++) printf " K = %s |", kord[ki]
	printf "\n|------|"
	for (ki = 1; ki <= nk; ki++) printf "------:|"
	printf "\n"
	nl = split(mdorder, mdo, " ")
	for (i = 1; i <= nl; i++) {
		split(mdo[i], nm, "=")
		printf "| %s |", mdlabel[nm[1]]
		for (ki = 1; ki <= nk; ki++) printf "%s", cell(nm[1], kord[ki])
		printf "\n"
	}
	print ""
	if (nsshost != "")
		printf "name service: getpwnam of an unknown name %.1f us with the host'"'"'s nsswitch.conf, %.1f us with passwd: files (the rows above)\n", nsshost, med(p50, "getpwnam_miss " kord[1])
	for (ki = 1; ki <= nk; ki++) {
		k = kord[ki]
		fl = med(p50, "floor " k); fs = med(p50, "fdatasync " k)
		printf "K = %s targets (p50): \"always\" <= floor + fdatasync + 15 = %.1f us: valid %.1f, wrong %.1f, TOTP valid %.1f, wrong %.1f, first login %.1f; \"os\" <= 1.4 x floor = %.1f us: valid %.1f, wrong %.1f, TOTP valid %.1f, wrong %.1f, first login %.1f\n", k, fl + fs + 15, med(p50, "mfa_valid " k), med(p50, "mfa_wrong " k), med(p50, "mfa_totp_valid " k), med(p50, "mfa_totp_wrong " k), med(p50, "mfa_first " k), 1.4 * fl, med(p50, "mfa_valid_os " k), med(p50, "mfa_wrong_os " k), med(p50, "mfa_totp_valid_os " k), med(p50, "mfa_totp_wrong_os " k), med(p50, "mfa_first_os " k)
		ff = med(p50, "floor_flush " k)
		if (ff > 0)
			printf "K = %s the flushed path (p50): the flushing floor (one flushed slot write in a login, nothing else) is floor + %.1f us, where the write and its fdatasync alone take %.1f; pam_mfa \"always\" over the flushing floor: valid %.1f, wrong %.1f, TOTP valid %.1f, wrong %.1f, first login %.1f; its own work without the flush (\"os\" - floor): valid %.1f, wrong %.1f, TOTP valid %.1f, wrong %.1f, first login %.1f\n", k, ff - fl, fs, med(p50, "mfa_valid " k) - ff, med(p50, "mfa_wrong " k) - ff, med(p50, "mfa_totp_valid " k) - ff, med(p50, "mfa_totp_wrong " k) - ff, med(p50, "mfa_first " k) - ff, med(p50, "mfa_valid_os " k) - fl, med(p50, "mfa_wrong_os " k) - fl, med(p50, "mfa_totp_valid_os " k) - fl, med(p50, "mfa_totp_wrong_os " k) - fl, med(p50, "mfa_first_os " k) - fl
	}
	if (bad != "") print "\nWARNING: valid codes refused (timing meaningless):" bad
}' "$raw"
