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
finish
