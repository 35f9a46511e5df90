#!/bin/sh
# Runs test_identity_pam under pam_wrapper, the test clock and a name
# service that folds case and takes "user@example.com" (nssfold.so, also
# preloaded into the CLI it runs), with a private syslog sink at /dev/log.
. "$(dirname "$0")/lib.sh"
need_root
here=$(cd "$(dirname "$0")" && pwd)
log=$WORK/syslog
export MFA_TEST_LOG="$log"
export MFA_EXTRA_PRELOAD="$MFA_BUILDDIR/tests/.libs/nssfold.so"
export MFA_CLI_PRELOAD="$MFA_EXTRA_PRELOAD"
"$here/with-logsink.sh" "$log" "$MFA_BUILDDIR/tests/test_identity_pam"
