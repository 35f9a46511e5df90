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
finish
