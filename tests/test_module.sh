#!/bin/sh
# Runs test_module (which re-executes itself under pam_wrapper) with a
# private syslog sink at /dev/log.
. "$(dirname "$0")/lib.sh"
need_root
here=$(cd "$(dirname "$0")" && pwd)
bin=${MFA_BUILDDIR}/tests
log=$WORK/syslog
export LOGSINK="$bin/logsink" MFA_TEST_LOG="$log"
"$here/with-logsink.sh" "$log" "$bin/test_module"
