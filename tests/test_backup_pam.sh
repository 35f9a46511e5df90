#!/bin/sh
# Runs test_backup_pam under pam_wrapper and the test clock, with a
# private syslog sink at /dev/log and the KDF counter (kdfcount.c).
. "$(dirname "$0")/lib.sh"
need_root
here=$(cd "$(dirname "$0")" && pwd)
log=$WORK/syslog
export MFA_TEST_LOG="$log"
export MFA_EXTRA_PRELOAD="$MFA_BUILDDIR/tests/.libs/kdfcount.so"
"$here/with-logsink.sh" "$log" "$MFA_BUILDDIR/tests/test_backup_pam"
