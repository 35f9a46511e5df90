#!/bin/sh
# Runs test_faults_pam under pam_wrapper and the fault injector, with a
# private syslog sink at /dev/log.  The injector replaces malloc, which
# the sanitizers and valgrind also do: there it is skipped (the plain run
# covers it).
. "$(dirname "$0")/lib.sh"
need_root
if [ -n "${MFA_PRELOAD:-}" ] || [ "${MFA_VALGRIND:-}" = 1 ]; then
	echo "skipped under sanitizers/valgrind: it interposes malloc"
	echo "0 passed, 0 failed"
	exit 0
fi
here=$(cd "$(dirname "$0")" && pwd)
log=$WORK/syslog
export MFA_TEST_LOG="$log"
# The test clock would shadow the injector's time().
unset MFA_FAKETIME_LIB
export MFA_EXTRA_PRELOAD="$MFA_BUILDDIR/tests/.libs/faultinject.so"
"$here/with-logsink.sh" "$log" "$MFA_BUILDDIR/tests/test_faults_pam"
