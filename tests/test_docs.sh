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
