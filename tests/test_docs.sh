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
finish
