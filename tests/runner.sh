#!/bin/sh
# runner.sh TEST - how make check starts a compiled test: directly, or
# under valgrind when MFA_VALGRIND=1 (errors and definite leaks fail it).
if [ "${MFA_VALGRIND:-}" = 1 ]; then
	exec valgrind -q --error-exitcode=99 --leak-check=full \
	    --errors-for-leak-kinds=definite \
	    --suppressions="$(dirname "$0")/valgrind.supp" "$@"
fi
exec "$@"
