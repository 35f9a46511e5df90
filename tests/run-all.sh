#!/bin/sh
# run-all.sh - every test, from a fresh Debian 12 as root: install the
# packages, build, run make check (unit, module, CLI tests), the same
# suite under ASan+UBSan and under valgrind, and make distcheck.  Ends with
# one line "N passed, N failed" counting individual test cases.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
if [ "$(id -u)" -ne 0 ]; then
	echo "run-all: run as root (module tests need a root-owned store)" >&2
	exit 1
fi
./scripts/install-deps.sh all || exit 1
passed=0
failed=0
t_all=$(date +%s)

# hdr NAME: end the previous stage with its time, and start stage NAME.
hdr() {
	now=$(date +%s)
	[ -n "${t_stage:-}" ] && echo "  ($((now - t_stage)) s)"
	t_stage=$now
	echo "==> $*"
}

# count DIR: add the cases of every test log automake left in DIR.
count() {
	for trs in "$1"/*.trs; do
		[ -e "$trs" ] || continue
		log=${trs%.trs}.log
		p=0 f=0
		# A script's own tally first: a script may show the output of
		# a cmocka program it ran, whose summary is only part of it.
		if grep -Eq '^[0-9]+ passed, [0-9]+ failed$' "$log"; then
			line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -1)
			p=${line%% passed*}
			f=${line#*, }
			f=${f%% failed}
		elif grep -q '^\[==========\] .* test(s) run' "$log"; then
			p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\./\1/p' "$log" | tail -1)
			f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s),.*/\1/p' "$log" | tail -1)
		fi
		p=${p:-0} f=${f:-0}
		# A crash before the summary still counts as a failure.
		if grep -q '^:test-result: \(FAIL\|ERROR\)' "$trs" && [ "$f" -eq 0 ]; then
			f=1
		fi
		echo "  $(basename "$log"): $p passed, $f failed"
		passed=$((passed + p))
		failed=$((failed + f))
	done
}

stage() {	# stage NAME CMD...: a whole step that passes or fails as one
	name=$1
	shift
	hdr "$name"
	if "$@"; then
		passed=$((passed + 1))
	else
		echo "FAIL: $name"
		failed=$((failed + 1))
	fi
}

# Out-of-tree builds, so the plain and the sanitizer build coexist.  A
# source tree configured in place (a developer's) is copied first, its
# tracked files only, and left as it is.
src=$top
if [ -f config.status ]; then
	src=$top/build-src
	rm -rf "$src"
	mkdir "$src"
	git ls-files -z | xargs -0 tar cf - | tar xf - -C "$src"
fi
hdr "build"
rm -rf build build-asan
if ! { (cd "$src" && autoreconf -fi >/dev/null 2>&1) && mkdir build &&
    cd build && "$src/configure" -q --enable-werror &&
    make -s -j2 >/dev/null; }; then
	echo "build failed"
	echo "0 passed, 1 failed"
	exit 1
fi
cd "$top"
hdr "make check"
(cd build && make -s -j2 check >/dev/null 2>&1)
count build/tests

hdr "make check under ASan+UBSan"
mkdir build-asan
if (cd build-asan && "$src/configure" -q --enable-werror \
    CFLAGS="-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
    LDFLAGS="-fsanitize=address,undefined" && make -s -j2 >/dev/null); then
	asan=$(gcc -print-file-name=libasan.so)
	(cd build-asan && MFA_PRELOAD="$asan" \
	    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    make -s -j2 check >/dev/null 2>&1)
	count build-asan/tests
else
	echo "FAIL: sanitizer build"
	failed=$((failed + 1))
fi

hdr "make check under valgrind"
(cd build && MFA_VALGRIND=1 make -s -j2 check >/dev/null 2>&1)
count build/tests

# tally NAME CMD...: a script that ends with "N passed, N failed".
tally() {
	name=$1
	shift
	hdr "$name"
	out=$("$@" 2>&1)
	st=$?
	line=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -1)
	p=${line%% passed*}
	f=${line#*, }
	f=${f%% failed}
	if [ -z "$line" ] || { [ "$st" -ne 0 ] && [ "${f:-0}" -eq 0 ]; }; then
		p=${p:-0} f=1
		printf '%s\n' "$out" | tail -30
	elif [ "$f" -ne 0 ]; then
		printf '%s\n' "$out" | grep '^FAIL' | head -20
	fi
	echo "  $name: $p passed, $f failed"
	passed=$((passed + p))
	failed=$((failed + f))
}

tally "fuzzing (libFuzzer, ASan+UBSan, 20 s a target)" sh tests/fuzz/run.sh
tally "static analysis and banned calls" sh scripts/lint.sh
tally "mutation stage (tests/mutants: every mutant killed)" sh tests/mutants/run.sh

# make install puts the module, and only the .so, in the PAM directory,
# the CLI setuid root (self-service enrollment), and pam_mfa_helper
# setuid root for its group (4700 root:root into a DESTDIR on a system
# without the group), and pam-mfa's bash completion where bash-completion
# looks.
install_layout() {
	d=$(mktemp -d)
	pamdir=$(sed -n 's/^pamdir = //p' build/pam_mfa/Makefile)
	(cd build && make -s install DESTDIR="$d" >/dev/null 2>&1) &&
	    [ -f "$d$pamdir/pam_mfa.so" ] && [ ! -e "$d$pamdir/pam_mfa.la" ] &&
	    [ -x "$d/usr/local/bin/pam-mfa" ] &&
	    [ "$(stat -c %a:%U "$d/usr/local/bin/pam-mfa")" = "4755:root" ] &&
	    case $(stat -c %a:%U:%G \
	        "$d/usr/local/libexec/pam_mfa/pam_mfa_helper") in
	    4750:root:pam_mfa|4700:root:root) true ;; *) false ;; esac &&
	    [ -f "$d/usr/local/etc/security/pam_mfa.conf" ] &&
	    [ -f "$d$(sed -n 's/^bashcompletiondir = //p' build/tools/Makefile)/pam-mfa" ]
	rc=$?
	rm -rf "$d"
	return $rc
}
stage "make install layout" install_layout

# The Debian packages: built, linted, installed, a login through them,
# removed and purged (in a private overlay of /etc /usr /var).
tally "Debian packages (tests/e2e_deb.sh)" env MFA_SRCDIR="$top" \
    MFA_BUILDDIR="$top/build" PAM_WRAPPER_LIB= sh tests/e2e_deb.sh
# An upgrade from the previous release's packages (built from its tag, or
# its commit), a downgrade back to them, and the upgrade again.
tally "Upgrade from the previous release (tests/e2e_upgrade.sh)" \
    env MFA_SRCDIR="$top" MFA_BUILDDIR="$top/build" PAM_WRAPPER_LIB= \
    sh tests/e2e_upgrade.sh

stage "make distcheck" sh -c 'cd build && { make -s distcheck >distcheck.log 2>&1 || { tail -40 distcheck.log; false; }; }'

echo "  ($(($(date +%s) - t_stage)) s; all stages $(($(date +%s) - t_all)) s)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
