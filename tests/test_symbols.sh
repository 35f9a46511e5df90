#!/bin/sh
# The module exports pam_sm_* and nothing else (pam-u2f's dlsym_check).
. "$(dirname "$0")/lib.sh"
so=$MFA_MODULE
syms=$(nm -D --defined-only "$so" | awk '$2 ~ /^[TDBRVW]$/ {print $3}' | sort)
check "exports pam_sm_authenticate" sh -c "echo '$syms' | grep -qx pam_sm_authenticate"
check "exports pam_sm_setcred" sh -c "echo '$syms' | grep -qx pam_sm_setcred"
other=$(echo "$syms" | grep -v '^pam_sm_' || true)
if [ -z "$other" ]; then pass "no other exported symbol"; else
	fail "no other exported symbol: $other"; fi
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
