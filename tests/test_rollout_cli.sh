#!/bin/sh
# test_rollout_cli.sh - the rollout through pam-mfa on the test clock
# (faketime.so): enroll -C refuses a pending token past pending_lifetime
# (its own audit line and message, no failure counted), pam-mfa status
# and list show it expired, a younger one still confirms; pam-mfa report
# lists a group's members (a group that exists only in this test's mount
# namespace) as enrolled, pending, pending_expired or unenrolled, with the
# exempt logins and deadline denials a syslog file records (golden), and
# refuses what it should.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
logns oathtool
# In the private mount namespace (private /dev/log) from here on.
if [ ! -e "${MFA_FAKETIME_LIB:-}" ]; then
	echo "FAIL: the tests' faketime library is not built"
	exit 1
fi
golden=$here/golden
state=$WORK/state
conf=$WORK/mfa.conf
T0=1900000000			# 2030-03-17T17:46:40Z
printf 'state_dir = "%s";\nkey_file = "%s";\nuser_lookup = "exact";\nunenrolled = "ignore";\nenroll_deadline = "2030-03-20";\npending_lifetime = 86400;\n' \
    "$state" "$WORK/mfa.key" >"$conf"
chmod 0644 "$conf"
OATHTOOL=${OATHTOOL:-oathtool}
now=$T0
# run ARGS...: pam-mfa at the test clock's $now, no input; stdout in
# $WORK/out, stderr in $WORK/err, status in $rc.  run_in FILE ARGS...:
# reading FILE.
run() { run_in /dev/null "$@"; }
run_in() {
	f=$1; shift
	env LD_PRELOAD="${MFA_PRELOAD:+$MFA_PRELOAD:}$MFA_FAKETIME_LIB" \
	    MFA_FAKE_TIME="$now" \
	    $VG "$MFA_CLI" -c "$conf" "$@" <"$f" >"$WORK/out" 2>"$WORK/err"
	rc=$?
}
exits() {
	if [ "$rc" -eq "$2" ]; then pass "$1"; else
		fail "$1 (exit $rc, want $2)"; sed 's/^/  /' "$WORK/err"; fi
}
says() { check "$1" grep -qF -- "$2" "$WORK/err"; }
secret_of() { sed -n 's/.*[?&]secret=\([A-Z2-7]*\).*/\1/p'; }
totp() { "$OATHTOOL" --totp -b "$1" --now="@$now"; }
golden() {
	if cmp -s "$2" "$golden/$3"; then pass "$1"; else
		fail "$1"; diff -u "$golden/$3" "$2" | sed 's/^/  /'; fi
}
audited() {	# audited NAME TEXT: some audit line holds TEXT
	check "$1" grep -qF -- "$2" "$log"
}

# --- pending_lifetime: enroll -C, status, list ---------------------------
run enroll -q none ann; exits "ann: enroll (pending)" 0
asec=$(secret_of <"$WORK/out")
run enroll -q none cat; exits "cat: enroll (pending)" 0
now=$((T0 + 86399))
run enroll -q none ben; exits "ben: enroll (pending)" 0
bsec=$(secret_of <"$WORK/out")
totp "$bsec" >"$WORK/in"
run_in "$WORK/in" enroll -C ben; exits "ben: a young pending token confirms" 0
now=$((T0 + 86400))
totp "$asec" >"$WORK/in"
run_in "$WORK/in" enroll -C ann; exits "ann: expired pending token refused (4)" 4
says "ann: enroll -C says it expired" \
    "ann's pending token has expired (pending_lifetime): make a new one"
check "ann: no prompt for a code" [ "$(grep -c 'Type a code' "$WORK/err")" -eq 0 ]
audited "ann: enroll -C audited enroll_expired" "action=enroll_expired user=ann by=root"
run status ann; exits "ann: status" 0
check "ann: status pending=expired, no failure" \
    grep -q "^ann enrolled=no pending=expired .* failures=0 " "$WORK/out"
run status --json ann
check "ann: status --json pending_expired" \
    grep -qF '"pending": true, "pending_expired": true' "$WORK/out"
run status cat
check "cat: expired too (made at T0)" grep -q "^cat enrolled=no pending=expired " "$WORK/out"
run list; exits "list" 0
check "list: ann and cat expired_pending, ben active" test \
    "$(cat "$WORK/out")" = "$(printf 'ann expired_pending\nben active\ncat expired_pending')"
# A new pending token for cat (the admin hands out another one).
run enroll -q none cat; exits "cat: enroll again (pending)" 0
run enroll -y -q none eve; exits "eve: enroll -y" 0
run status ben
check "ben: status unchanged by the key (pending=no)" \
    grep -q "^ben enrolled=yes pending=no " "$WORK/out"

# --- report ----------------------------------------------------------------
# A group that exists in this mount namespace only: ann ben cat dan.
G=mfrg$$
if getent group "$G" >/dev/null; then
	echo "FAIL: group $G exists already"; exit 1
fi
cp /etc/group "$WORK/etc.group" && chmod 0644 "$WORK/etc.group" &&
    echo "$G:x:64999:ann,ben,cat,dan,bad/name" >>"$WORK/etc.group" &&
    mount --bind "$WORK/etc.group" /etc/group ||
    { echo "FAIL: bind-mount /etc/group"; exit 1; }
syslog=$WORK/auth.log
L="Mar 18 10:00:00 gw sshd[7]: pam_mfa(sshd:auth):"
cat >"$syslog" <<LOG
$L result=ignore reason=not_enrolled user=dan service=sshd rhost=- detail=exempt_by_config grace_days_left=3
$L result=ignore reason=not_enrolled user=dan service=sshd rhost=192.0.2.1 detail=exempt_by_config grace_days_left=3
$L result=ignore reason=not_enrolled user=ann service=sshd rhost=- detail=exempt_by_config grace_days_left=2
$L result=deny reason=enroll_deadline user=dan service=sshd rhost=- detail=unenrolled
$L result=ignore reason=not_enrolled user=zed service=sshd rhost=- detail=exempt_by_config grace_days_left=1
$L result=ignore reason=not_enrolled user=ann\x20x service=sshd rhost=- detail=exempt_by_config
$L result=accept reason=ok user=ben service=sshd rhost=-
Mar 18 10:00:00 gw evil[9]: result=ignore reason=not_enrolled user=cat
LOG
run report --group "$G" --log "$syslog"; exits "report --group --log exits 0" 0
golden "report --group --log golden" "$WORK/out" report-group.txt
run report --group "$G" --unenrolled; exits "report --unenrolled exits 0" 0
golden "report --unenrolled golden" "$WORK/out" report-unenrolled.txt
now=$((T0 + 4 * 86400))
run report --log "$syslog"; exits "report (the store's users and the log's)" 0
golden "report without a group golden" "$WORK/out" report-store.txt
run report --group nosuchgroup$$; exits "report: unknown group exits 1" 1
says "report: unknown group named" "nosuchgroup$$: no such group"
run report --log "$WORK/none.log"; exits "report: missing log exits 1" 1
run report --bogus; exits "report: unknown option exits 2" 2
run report extra; exits "report: an argument exits 2" 2
# Root only: not through the setuid copy for anyone else.
check "report: root only" sh -c "setpriv --reuid=65534 --regid=65534 \
    --clear-groups '$MFA_CLI' -c '$conf' report >/dev/null 2>&1; [ \$? -eq 4 ]"
finish
