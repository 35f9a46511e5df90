#!/bin/sh
# The module exports pam_sm_* and nothing else (pam-u2f's dlsym_check);
# crypto_equal, in the object the build made, calls CRYPTO_memcmp (a
# plain memcmp would leak through its timing how much of a code, secret
# or digest matched).
. "$(dirname "$0")/lib.sh"
so=$MFA_MODULE
syms=$(nm -D --defined-only "$so" | awk '$2 ~ /^[TDBRVW]$/ {print $3}' | sort)
check "exports pam_sm_authenticate" sh -c "echo '$syms' | grep -qx pam_sm_authenticate"
check "exports pam_sm_setcred" sh -c "echo '$syms' | grep -qx pam_sm_setcred"
check "exports pam_sm_acct_mgmt" sh -c "echo '$syms' | grep -qx pam_sm_acct_mgmt"
other=$(echo "$syms" | grep -v '^pam_sm_' || true)
if [ -z "$other" ]; then pass "no other exported symbol"; else
	fail "no other exported symbol: $other"; fi

# The object of the core that defines crypto_equal, and the calls its
# code makes (relocations: the object is not linked yet).
obj=
for o in "$MFA_BUILDDIR"/pam_mfa/.libs/*.o "$MFA_BUILDDIR"/pam_mfa/*.o; do
	[ -f "$o" ] || continue
	if nm --defined-only "$o" 2>/dev/null | grep -q ' T crypto_equal$'; then
		obj=$o
		break
	fi
done
check "an object of the build defines crypto_equal" [ -n "$obj" ]
if [ -n "$obj" ]; then
	# Its section, start and size, then the relocations in that range.
	# shellcheck disable=SC2046
	set -- $(objdump -t "$obj" | awk '$NF == "crypto_equal" {
	    for (i = 2; i < NF; i++) if ($i ~ /^\.text/) break
	    print $i, $1, $(i + 1) }')
	sec=${1:-none} lo=$((0x${2:-0})) hi=$((0x${2:-0} + 0x${3:-0}))
	check "crypto_equal's code found ($sec, $lo-$hi)" [ "$hi" -gt "$lo" ]
	calls=$(objdump -r -j "$sec" "$obj" | while read -r off _ val; do
		case $off in [0-9a-f]*) ;; *) continue ;; esac
		o=$((0x$off))
		[ "$o" -ge "$lo" ] && [ "$o" -lt "$hi" ] && echo "${val%%[-+]*}"
	done | grep -v '^__\(asan\|ubsan\|sanitizer\)' | sort -u | tr '\n' ' ')
	check "crypto_equal calls CRYPTO_memcmp (calls: $calls)" sh -c \
	    "echo '$calls' | grep -qw CRYPTO_memcmp"
	check "crypto_equal calls no plain compare" sh -c \
	    "! echo '$calls' | grep -Eqw 'memcmp|bcmp|strcmp|strncmp|__memcmp_chk'"
fi

# The PostgreSQL store object exports its operations and nothing else.
pg=$(dirname "$so")/store_pgsql.so
if [ -f "$pg" ]; then
	syms=$(nm -D --defined-only "$pg" | awk '$2 ~ /^[TDBRVW]$/ {print $3}')
	check "store_pgsql.so exports only store_pgsql_ops" \
	    [ "$syms" = store_pgsql_ops ]
	check "pam_mfa.so does not link libpq" \
	    sh -c "! nm -D --undefined-only '$so' | grep -q ' PQ'"
fi
finish
