#!/bin/sh
# Runs test_source_pam under pam_wrapper and the test clock, with a
# private syslog sink at /dev/log.
. "$(dirname "$0")/lib.sh"
need_root
here=$(cd "$(dirname "$0")" && pwd)
log=$WORK/syslog
export MFA_TEST_LOG="$log"
"$here/with-logsink.sh" "$log" "$MFA_BUILDDIR/tests/test_source_pam"
