#!/bin/sh
# The man pages are valid mdoc (mandoc -Tlint), and every config key the
# loader knows is documented in the shipped sample.
. "$(dirname "$0")/lib.sh"
for page in pam_mfa.8 pam-mfa.8 pam_mfa_helper.8; do
	check "mandoc lint $page" mandoc -Tlint -Wwarning "$MFA_SRCDIR/man/$page"
done
keys=$(sed -n 's/^	{ "\([a-z_]*\)",.*/\1/p' "$MFA_SRCDIR/pam_mfa/conf.c")
check "config key table found" [ -n "$keys" ]
for k in $keys; do
	check "sample documents $k" grep -q "^#$k = " "$MFA_SRCDIR/conf/pam_mfa.conf"
done
# Every reason a login's log line can carry (error.c's table; "exists" is
# the CLI's compare-and-swap alone) is in the list of reasons of
# pam_mfa(8) DIAGNOSTICS and of the README's Logging section.
reasons=$(sed -n 's/^	\[MFA_[A-Z]*\] =[[:space:]]*{ "\([a-z_]*\)",.*/\1/p' \
    "$MFA_SRCDIR/pam_mfa/error.c" | grep -vx exists)
check "reason table found" [ "$(echo "$reasons" | wc -w)" -ge 20 ]
sed -n '/^\.Ar reason$/,/^Replays/p' "$MFA_SRCDIR/man/pam_mfa.8" \
    >"$WORK/man.reasons"
sed -n '/^`result` is/,/^`internal_error`/p' "$MFA_SRCDIR/README.md" \
    >"$WORK/readme.reasons"
for r in $reasons; do
	check "pam_mfa(8) lists reason $r" grep -qw -- "$r" "$WORK/man.reasons"
	check "README lists reason $r" grep -q -- "\`$r\`" "$WORK/readme.reasons"
done
# user_lookup's two values, as the sample, pam_mfa(8) and the README say.
for v in nss exact; do
	check "sample documents user_lookup \"$v\"" \
	    grep -q "^# \"$v\"" "$MFA_SRCDIR/conf/pam_mfa.conf"
	check "pam_mfa(8) documents user_lookup $v" grep -q \
	    "^\.Cm user_lookup No = Qq $v" "$MFA_SRCDIR/man/pam_mfa.8"
	check "README documents user_lookup \"$v\"" grep -q \
	    "user_lookup = \"$v\"" "$MFA_SRCDIR/README.md"
done

# The escalating lockout's keys, in both pages operators read.
for k in unlock_growth unlock_time_max; do
	check "pam_mfa(8) documents $k" grep -q "$k" "$MFA_SRCDIR/man/pam_mfa.8"
	check "README documents $k" grep -q "$k" "$MFA_SRCDIR/README.md"
done
# What the account step and the lock lines log: in the code, pam_mfa(8)
# and the README.
for f in detail=split_without_verify detail=no_code_verified \
    detail=no_mfa_auth detail=user_changed_after_auth locked_until= \
    lock_step= password=pending admin_unlock; do
	word=${f#detail=}
	check "pam_mfa.c logs $f" grep -q "$f" "$MFA_SRCDIR/pam_mfa/pam_mfa.c"
	check "pam_mfa(8) names $word" grep -q "$word" \
	    "$MFA_SRCDIR/man/pam_mfa.8"
	check "README names $word" grep -q "$word" "$MFA_SRCDIR/README.md"
done
# Every finding of check --pam: made by the code, named by pam-mfa(8)
# and the README, and exercised by a broken fixture (but syntax and
# unreadable, which test_pamlint.sh makes otherwise or not at all).
tags=$(sed -n 's/^# expect: //p' "$MFA_SRCDIR"/tests/fixtures/pam.d-bad/* |
    sort -u)
check "fixtures name findings" [ -n "$tags" ]
for t in $tags syntax unreadable; do
	check "pamlint.c makes $t" grep -q "\"$t: \|\"$t\"" \
	    "$MFA_SRCDIR/tools/pamlint.c"
	check "pam-mfa(8) documents $t" grep -q "^\.It Li $t\$" \
	    "$MFA_SRCDIR/man/pam-mfa.8"
	check "README names $t" grep -q "\`$t\`" "$MFA_SRCDIR/README.md"
done
check "pam-mfa(8) synopsis: check --pam" grep -q "^\.Fl Fl pam Ar file" \
    "$MFA_SRCDIR/man/pam-mfa.8"
check "pam_mfa(8) synopsis: the account type" \
    grep -q "^\.Cm account required" "$MFA_SRCDIR/man/pam_mfa.8"
# The shared store's reasons are named where operators look them up, and
# its command and shipped config are documented and valid.
reasons=$(sed -n 's/^	\[MFA_[A-Z]*\] =[	 ]*{ "\(store_[a-z_]*\)",.*/\1/p' \
    "$MFA_SRCDIR/pam_mfa/error.c")
check "store reasons found" [ "$(echo $reasons | wc -w)" -eq 4 ]
for r in $reasons; do
	check "README names $r" grep -q "\`$r\`" "$MFA_SRCDIR/README.md"
	check "pam_mfa(8) names $r" grep -qw "$r" "$MFA_SRCDIR/man/pam_mfa.8"
done
check "pam_mfa(8) names PAM_AUTHINFO_UNAVAIL" \
    grep -q "^.It Er PAM_AUTHINFO_UNAVAIL" "$MFA_SRCDIR/man/pam_mfa.8"
check "pam-mfa(8) documents db init" \
    grep -q "^.It Cm db init" "$MFA_SRCDIR/man/pam-mfa.8"
check "README documents db init" grep -q "pam-mfa db init" "$MFA_SRCDIR/README.md"
install -m 0644 "$MFA_SRCDIR/conf/postgresql/pam_mfa.conf" "$WORK/gw.conf"
check "shipped gateway config is valid" \
    sh -c "'$MFA_BUILDDIR/tools/pam-mfa' -c '$WORK/gw.conf' check | grep -q '^store = \"postgresql\";'"
# Packaging: pam-mfa(8) names --help and --version; the paths
# README.Debian's dpkg-statoverride commands name are the packages'.
check "pam-mfa(8) synopsis: -h, --help, --version" \
    grep -q '^\.Fl h | Fl Fl help | Fl Fl version$' "$MFA_SRCDIR/man/pam-mfa.8"
if [ -f "$MFA_SRCDIR/debian/README.Debian" ]; then
	for f in $(grep -o 'dpkg-statoverride --update --add root root 0755 [^ ]*' \
	    "$MFA_SRCDIR/debian/README.Debian" | sed 's/.* //'); do
		case $f in
		/usr/bin/pam-mfa) inst=pam-mfa.install ;;
		*) inst=libpam-mfa.install ;;
		esac
		check "README.Debian's $f is shipped" \
		    grep -qx "${f#/}" "$MFA_SRCDIR/debian/$inst"
	done
	check "README.Debian: the helper's override is documented" \
	    grep -q '/usr/libexec/pam_mfa/pam_mfa_helper' "$MFA_SRCDIR/debian/README.Debian"
fi
# pam_mfa_helper(8): its exit status table is helper_proto.c's, each
# number with the reason error.c gives its error; every detail= the helper
# and the module's helper client log is listed.
hman=$MFA_SRCDIR/man/pam_mfa_helper.8
pairs=$(sed -n 's/^	{ \(MFA_[A-Z]*\), \([0-9]*\) },$/\1 \2/p' \
    "$MFA_SRCDIR/pam_mfa/helper_proto.c")
check "helper status table found" [ "$(echo "$pairs" | wc -l)" -ge 17 ]
echo "$pairs" | while read -r err st; do
	reason=$(sed -n "s/^	\[$err\] = *{ \"\([a-z_]*\)\".*/\1/p" \
	    "$MFA_SRCDIR/pam_mfa/error.c")
	if [ "$err" = MFA_OK ]; then
		reason=accepted
	fi
	if awk -v st="$st" -v r="$reason" '
	    prev == ".It " st && index($0, r) == 1 { f = 1 } { prev = $0 }
	    END { exit !f }' "$hman"; then
		echo "PASS: pam_mfa_helper(8) status $st is $reason"
	else
		echo "FAIL: pam_mfa_helper(8) status $st is $reason"
		echo x >>"$WORK/docfail"
	fi
done
check "pam_mfa_helper(8) status table matches helper_proto.c" \
    [ ! -e "$WORK/docfail" ]
for st in HELPER_EXIT_REFUSED HELPER_EXIT_BADREQ HELPER_EXIT_NOTROOT; do
	n=$(sed -n "s/^#define $st[[:space:]]*\([0-9]*\).*/\1/p" \
	    "$MFA_SRCDIR/pam_mfa/helper.h")
	check "pam_mfa_helper(8) lists exit status $n ($st)" \
	    grep -qx ".It $n" "$hman"
done
for d in $(grep -oh 'detail=[a-z_]*' "$MFA_SRCDIR/pam_mfa/helper_client.c" \
    "$MFA_SRCDIR/tools/pam_mfa_helper.c" | sort -u); do
	check "pam_mfa_helper(8) lists $d" grep -q "^\.Cm $d" "$hman"
done
finish
