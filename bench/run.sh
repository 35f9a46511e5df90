#!/bin/sh
# run.sh - the benchmark: for each user count K, populate the fixtures,
# run the driver three times with one process and once with two, and
# print medians and ratios.  Reproduce with: make bench
# (BENCH_K="1 1000" and BENCH_N=... shorten it; as root).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
: "${MODULE:?}"
K_LIST=${BENCH_K:-"1 1000 10000 100000 1000000"}
N=${BENCH_N:-2000}
work=$(mktemp -d /var/tmp/pam_mfa_bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
raw=$work/raw
: >"$raw"

# The driver's HOTP against oathtool, the independent oracle.
for c in 0 1 9 1000; do
	want=$(oathtool --hotp --counter=$c 3132333435363738393031323334353637383930)
	echo "oathtool counter $c: $want"
done

echo "machine: $(nproc) cores, $(uname -r), $(df -T /var/tmp | awk 'NR==2 {print $2}') on /var/tmp"
for k in $K_LIST; do
	d=$work/k$k
	echo "populating K=$k ..." >&2
	./populate "$d" "$k" "$MODULE"
	for r in 1 2 3; do
		./driver "$d/svc" "$k" "$N" 1 >>"$raw"
	done
	./driver "$d/svc" "$k" "$N" 2 >>"$raw"
	rm -rf "$d"
done

awk -v klist="$K_LIST" '
$2 == 1 { key = $1 " " $3; n[key]++; p50[key, n[key]] = $6; p99[key, n[key]] = $7;
	rate[key, n[key]] = $5; rss[key, n[key]] = $8; ks[$3] = 1; names[$1] = 1 }
$2 == 1 && $1 ~ /valid/ && $9 != "ok=" $4 { bad = bad "\n  " $0 }
$2 == 2 && NF == 9 { two[$1 " " $3] = sprintf("%s/s p50 %s %s", $5, $6, $9) }
/_same_codes/ { same[$1 " " $3] = $5 " " $6 }
function med(a, key, m,   v1, v2, v3, t) {
	v1 = a[key, 1] + 0; v2 = a[key, 2] + 0; v3 = a[key, 3] + 0
	if (v1 > v2) { t = v1; v1 = v2; v2 = t }
	if (v2 > v3) { t = v2; v2 = v3; v3 = t }
	if (v1 > v2) { t = v1; v1 = v2; v2 = t }
	return v2
}
END {
	printf "%-14s %8s %10s %9s %9s %8s %7s %7s %7s\n", "path", "K", "auths/s", "p50 us", "p99 us", "x floor", "x oath", "x ga", "rss KB"
	nk = split(klist, kord, " ")
	for (ki = 1; ki <= nk; ki++) {
		k = kord[ki]
		fl = med(p50, "floor " k); oa = med(p50, "oath_valid " k); ga = med(p50, "ga_valid " k)
		ow = med(p50, "oath_wrong " k); gw = med(p50, "ga_wrong " k)
		split("floor mfa_valid mfa_valid_os mfa_wrong mfa_wrong_os mfa_replay mfa_locked oath_valid oath_wrong ga_valid ga_wrong", order, " ")
		for (i = 1; i <= 11; i++) {
			key = order[i] " " k
			if (!((key, 1) in p50)) continue
			v = med(p50, key)
			po = (order[i] ~ /wrong|replay|locked/) ? ow : oa
			pg = (order[i] ~ /wrong|replay|locked/) ? gw : ga
			printf "%-14s %8s %10.0f %9.1f %9.1f %8.2f %7.2f %7.2f %7s\n", order[i], k, med(rate, key), v, med(p99, key), v / fl, v / po, v / pg, med(rss, key)
		}
	}
	print ""
	print "two processes (disjoint users):"
	for (x in two) print "  " x ": " two[x]
	print "two processes sending the same user and codes (accepted must equal expected):"
	for (x in same) print "  " x ": " same[x]
	if (bad != "") print "\nWARNING: valid codes refused (timing meaningless):" bad
}' "$raw"
