# lib.sh - shared by the shell tests: results counted as "PASS: name" /
# "FAIL: name" lines, a private root-owned work directory, cleanup.
set -u
: "${MFA_BUILDDIR:?run through make check}"
passed=0
failed=0
pass() { passed=$((passed + 1)); echo "PASS: $1"; }
fail() { failed=$((failed + 1)); echo "FAIL: $1"; }
check() {	# check NAME CMD...: pass if CMD succeeds
	name=$1; shift
	if "$@"; then pass "$name"; else fail "$name"; fi
}
finish() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}
need_root() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "FAIL: must run as root (the store refuses non-root files)"
		exit 1
	fi
}
# logns TOOL...: called first thing by a test that reads syslog.  The
# first time: as root and with every TOOL installed, run this script again
# in a private mount namespace whose /dev/log writes to $WORK/syslog
# (with-logsink.sh), and exit with its status.  In there: set log to that
# file and return.
logns() {
	if [ -n "${MFA_LOGNS_LOG:-}" ]; then
		log=$MFA_LOGNS_LOG
		unset MFA_LOGNS_LOG
		trap 'exit 130' INT TERM HUP PIPE
		return 0
	fi
	trap 'exit 130' INT TERM HUP PIPE
	need_root
	for t in "$@"; do
		if ! command -v "$t" >/dev/null 2>&1; then
			echo "FAIL: $t is not installed"
			exit 1
		fi
	done
	MFA_LOGNS_LOG=$WORK/syslog \
	    LOGSINK=${LOGSINK:-$MFA_BUILDDIR/tests/logsink} \
	    "$(dirname "$0")/with-logsink.sh" "$WORK/syslog" /bin/sh "$0"
	exit $?
}
# wrong_code SECRET: 6 digits outside the accepted window of the TOTP
# SECRET (base32), from the test's own totp SECRET [SECONDS_FROM_NOW];
# also kept in $WORK/codes, which the tests search the syslog for.
wrong_code() {
	a=$(totp "$1" -30) b=$(totp "$1") c=$(totp "$1" 30)
	n=$(((1$b - 1000000 + 500000) % 1000000))
	w=$(printf '%06d' $n)
	while [ "$w" = "$a" ] || [ "$w" = "$b" ] || [ "$w" = "$c" ]; do
		n=$(((n + 1) % 1000000))
		w=$(printf '%06d' $n)
	done
	echo "$w" | tee -a "$WORK/codes"
}
# Under the sanitizer build, libasan must come first in LD_PRELOAD; under
# valgrind, programs that load the module run inside it.
PAM_PRELOAD="${MFA_PRELOAD:+$MFA_PRELOAD:}$PAM_WRAPPER_LIB"
VG=""
if [ "${MFA_VALGRIND:-}" = 1 ]; then
	VG="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --suppressions=$MFA_SRCDIR/tests/valgrind.supp"
fi
WORK=$(mktemp -d /tmp/pam_mfa_sh.XXXXXX)
chmod 0755 "$WORK"
trap 'rm -rf "$WORK"' EXIT
