#!/bin/sh
# pam-mfa check --pam: every shipped stack in conf/pam.d is clean (next to
# Debian 12's common-auth and common-account, which some include), and
# each broken stack in tests/fixtures/pam.d-bad is flagged with exactly
# the findings its "# expect: TAG" lines name, one line each, exit 1.
. "$(dirname "$0")/lib.sh"
need_root
WORK=$(mktemp -d "${TMPDIR:-/tmp}/pamlint.XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT
src=$MFA_SRCDIR
cli=$MFA_CLI

# The config the CLI manages by default is what a stack without conf=
# reads: the compiled-in path, the CLI's without -c.
mkdir "$WORK/good"
cp "$src"/conf/pam.d/* "$src"/tests/fixtures/pam.d-common/* "$WORK/good/"
for f in "$src"/conf/pam.d/*; do
	name=$(basename "$f")
	"$cli" check --pam "$WORK/good/$name" >"$WORK/out" 2>"$WORK/err"
	rc=$?
	if [ $rc -eq 0 ] && [ ! -s "$WORK/err" ] &&
	    [ "$(cat "$WORK/out")" = \
	    "# $WORK/good/$name: no way through without a code found" ]; then
		pass "conf/pam.d/$name: clean"
	else
		fail "conf/pam.d/$name: clean (exit $rc)"
		sed 's/^/  /' "$WORK/out" "$WORK/err"
	fi
done

# The same stacks against another config: every pam_mfa line without
# conf= reads the compiled-in one, not it.
"$cli" -c /etc/security/pam_mfa-elsewhere.conf check \
    --pam "$WORK/good/openvpn" >"$WORK/out" 2>&1
rc=$?
n=$(grep -c ': conf: no conf=: pam_mfa reads ' "$WORK/out")
check "-c another config: each pam_mfa line of openvpn flagged (3)" \
    [ "$rc:$n" = 1:3 ]

# The broken stacks.
mkdir "$WORK/bad"
cp "$src"/tests/fixtures/pam.d-bad/* "$WORK/bad/"
ln -s inc-sufficient "$WORK/bad/inc-link"
for f in "$WORK"/bad/*; do
	name=$(basename "$f")
	grep -q '^# expect: ' "$f" || continue	# an include target
	sed -n 's/^# expect: //p' "$f" | sort >"$WORK/want"
	"$cli" check --pam "$f" >"$WORK/out" 2>"$WORK/err"
	rc=$?
	# FILE:LINE: TAG: ... or FILE: TAG: ... (the whole file)
	sed -n 's/^[^:]*\(:[0-9]*\)\{0,1\}: \([a-z-]*\): .*/\2/p' \
	    "$WORK/out" | sort >"$WORK/got"
	if [ $rc -eq 1 ] && cmp -s "$WORK/want" "$WORK/got" &&
	    [ "$(wc -l <"$WORK/out")" -eq "$(wc -l <"$WORK/want")" ] &&
	    grep -q "check: $f: [0-9]* finding" "$WORK/err"; then
		pass "pam.d-bad/$name: flagged $(tr '\n' ' ' <"$WORK/want")"
	else
		fail "pam.d-bad/$name: flagged $(tr '\n' ' ' <"$WORK/want")(exit $rc)"
		sed 's/^/  /' "$WORK/out" "$WORK/err"
	fi
done
"$cli" check --pam "$WORK/bad/include-split" >"$WORK/out" 2>&1
check "a finding in an included file names the include" grep -q \
    "inc-split:1: split-without-verify: .*(included from $WORK/bad/include-split:4)" \
    "$WORK/out"

# A file's bytes never reach the terminal raw: an escape sequence in a
# module name is printed as '?'.
printf 'auth sufficient pam_\033[2Jx.so\nauth required pam_mfa.so\n' \
    >"$WORK/bad/escape"
printf 'account required pam_mfa.so\n' >>"$WORK/bad/escape"
"$cli" check --pam "$WORK/bad/escape" >"$WORK/out" 2>&1
check "an escape in the file: flagged (skipped)" \
    grep -q 'skipped: sufficient pam_?\[2Jx.so before pam_mfa' "$WORK/out"
check "an escape in the file: not printed" \
    sh -c "! grep -q \"\$(printf '\\033')\" '$WORK/out'"

# The command line.
# repeat N LINE: LINE, N times.
repeat() {
	r=0
	while [ $r -lt "$1" ]; do
		echo "$2"
		r=$((r + 1))
	done
}
# Bounded work: a fan of includes that adds up to more module lines than
# the linter keeps is a finding, not a hang.
mkdir "$WORK/fan"
repeat 40 "auth required pam_permit.so" >"$WORK/fan/many"
{
	echo "auth required pam_mfa.so"
	repeat 120 "auth include many"
	echo "account required pam_mfa.so"
} >"$WORK/fan/svc"
timeout 60 "$cli" check --pam "$WORK/fan/svc" >"$WORK/out" 2>&1
check "4,800 auth lines through includes: a finding, exit 1" [ $? -eq 1 ]
check "... that says the rest was not checked" grep -q \
    "many:[0-9]*: include: more than 4096 auth lines: the rest not checked" "$WORK/out"
check "... and the account line past them still read" sh -c \
    "! grep -q no-account '$WORK/out'"
# Bounded output and work: 1,000 sufficient lines before 1,000 pam_mfa
# lines are a million ways through; the first 1,000 findings are listed,
# then one line says the rest are not.
mkdir "$WORK/wide"
repeat 1000 "auth sufficient pam_permit.so" >"$WORK/wide/open"
repeat 1000 "auth required pam_mfa.so" >"$WORK/wide/codes"
printf 'auth include open\nauth include codes\n' >"$WORK/wide/svc"
timeout 120 "$cli" check --pam "$WORK/wide/svc" >"$WORK/out" 2>"$WORK/err"
check "a million ways through: exit 1" [ $? -eq 1 ]
check "... 1,000 findings listed and one more" \
    [ "$(wc -l <"$WORK/out")" -eq 1001 ]
check "... the last says the rest are not listed" sh -c \
    "tail -n 1 '$WORK/out' | grep -qx '$WORK/wide/[a-z]*: too-many: more than 1000 findings: the rest are not listed'"
check "... the others are findings about the stack" sh -c \
    "head -n 1000 '$WORK/out' | grep -vc ': skipped: \\|: conf: ' | grep -qx 0"
check "... counted on stderr" grep -q "1001 findings" "$WORK/err"
"$cli" check --pam "$WORK/nowhere" >"$WORK/out" 2>&1
check "a missing file: a finding, exit 1" [ $? -eq 1 ]
check "a missing file: says so" grep -q "nowhere: unreadable: " "$WORK/out"
"$cli" check --pam >/dev/null 2>&1
check "--pam without FILE: usage, exit 2" [ $? -eq 2 ]
"$cli" check --pam "" >/dev/null 2>&1
check "--pam with an empty FILE: usage, exit 2" [ $? -eq 2 ]
finish
