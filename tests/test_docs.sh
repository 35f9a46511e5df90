#!/bin/sh
# The man pages are valid mdoc (mandoc -Tlint), and every config key the
# loader knows is documented in the shipped sample.
. "$(dirname "$0")/lib.sh"
for page in pam_mfa.8 pam-mfa.8; do
	check "mandoc lint $page" mandoc -Tlint -Wwarning "$MFA_SRCDIR/man/$page"
done
keys=$(sed -n 's/^	{ "\([a-z_]*\)",.*/\1/p' "$MFA_SRCDIR/pam_mfa/conf.c")
check "config key table found" [ -n "$keys" ]
for k in $keys; do
	check "sample documents $k" grep -q "^#$k = " "$MFA_SRCDIR/conf/pam_mfa.conf"
done
# Every reason a log line can carry (error.c's table; "exists" is the
# CLI's alone) is named in pam_mfa(8) and the README.
reasons=$(sed -n 's/^	\[MFA_[A-Z]*\] =[	 ]*{ "\([a-z_]*\)",.*/\1/p' \
    "$MFA_SRCDIR/pam_mfa/error.c")
check "reason table found" [ -n "$reasons" ]
for r in $reasons; do
	[ "$r" = exists ] && continue
	check "pam_mfa(8) names reason $r" \
	    grep -Eq "(^|[ ,])$r([ ,.]|$)" "$MFA_SRCDIR/man/pam_mfa.8"
	check "README names reason $r" grep -q "\`$r\`" "$MFA_SRCDIR/README.md"
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
finish
