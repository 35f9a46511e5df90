#!/bin/sh
# e2e_pamtester.sh - pam_mfa in the PAM stacks of the multi-prompt hosts
# and the one-field hosts, driven by pamtester through the real libpam.
# pamtester answers each prompt with the next line of its standard input
# and prints the prompts and any message; the module's syslog lines are
# read from a private /dev/log (with-logsink.sh).
#
#  - sshd (conf/pam.d/sshd-snippet) and ocserv (conf/pam.d/ocserv): the
#    password prompt, then pam_mfa's own "Verification code: " prompt; a
#    wrong password stops before the code is asked for;
#  - su and sudo: the same stack without a profile, as local interactive
#    logins (PAM_TTY and PAM_RUSER set, no PAM_RHOST);
#  - pppd (conf/pam.d/pppd) and strongSwan (conf/pam.d/strongswan):
#    password-first one field (onefield=split, the password module with
#    use_first_pass, onefield=verify): a wrong password neither spends the
#    code nor counts toward the lockout;
#  - pam_wrapper's pam_matrix after onefield=split: it ignores
#    use_first_pass and asks for the password again.
#
# PAM service files go through pam_wrapper (LD_PRELOAD, a private service
# directory that the real libpam reads instead of /etc/pam.d), as in the
# other module tests: pamtester is a short-lived test driver, not the host
# under test.  The password module is pam_matrix (pam_wrapper's test
# module) where pam_mfa prompts for the code separately, and pam_userdb on
# a private database where the password must come from PAM_AUTHTOK
# (use_first_pass), which pam_matrix does not honour.
#
# Run as root with the make check environment:  . /tmp/env.sh; sh THIS
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
logns pamtester oathtool perl timeout
# In the private mount namespace (private /dev/log) from here on.
src=$MFA_SRCDIR/conf
conf=$WORK/cfg/mfa.conf
pamd=$WORK/pam.d

mkdir -m 0755 "$WORK/cfg" "$pamd"
# Its users are in no name service: exact names (user_lookup).
printf 'state_dir = "%s";\nkey_file = "%s";\nlock_message = true;\nuser_lookup = "exact";\n' \
    "$WORK/cfg/state" "$WORK/cfg/mfa.key" >"$conf"
chmod 0644 "$conf"
# Every path the module and pam-mfa use lies in the work directory: stop
# before anything is created if a path key came with a default elsewhere.
if "$MFA_CLI" -c "$conf" check | grep '^[a-z_]* = "/' |
    grep -v "= \"$WORK/"; then
	echo "FAIL: a path of the test config lies outside $WORK"
	exit 1
fi
enroll() {	# enroll [OPTIONS] USER: prints the base32 secret
	"$MFA_CLI" -c "$conf" enroll -y "$@" |
	    sed -n 's/.*[?&]secret=\([A-Z2-7]*\).*/\1/p'
}
# totp SECRET [SECONDS_FROM_NOW [DIGITS]]: the code, also kept in codes
totp() {
	oathtool --totp -d "${3:-6}" -b "$1" \
	    --now="@$(($(date +%s) + ${2:-0}))" |
	    tee -a "$WORK/codes"
}
failures() {	# failures USER: the failure count pam-mfa status shows
	"$MFA_CLI" -c "$conf" status "$1" |
	    sed -n 's/.* failures=\([0-9]*\).*/\1/p'
}
locked() {	# locked USER: the lock field pam-mfa status shows
	"$MFA_CLI" -c "$conf" status "$1" |
	    sed -n 's/.* locked=\([^ ]*\).*/\1/p'
}
s_alice=$(enroll alice) s_bob=$(enroll bob) s_carol=$(enroll carol)
s_dave=$(enroll dave) s_erin=$(enroll erin) s_frank=$(enroll frank)
s_gina=$(enroll gina) s_hank=$(enroll hank) s_judy=$(enroll judy)
s_ivan=$(enroll -d 8 ivan)
s_kim=$(enroll kim) s_lee=$(enroll lee) s_max=$(enroll max)
for s in "$s_alice" "$s_bob" "$s_carol" "$s_dave" "$s_erin" "$s_frank" \
    "$s_gina" "$s_hank" "$s_judy" "$s_ivan"; do
	[ ${#s} -eq 32 ] || { echo "FAIL: enroll printed no secret"; exit 1; }
done

# Password stand-ins.  Every password contains "-pw" (checked absent from
# syslog at the end); some end in digits, so only the code may be cut off.
cat >"$WORK/passdb" <<EOF
alice:Alice-pw:sshd
bob:Bob-pw-2024:ocserv
carol:Carol-pw:su
dave:Dave-pw:sudo
gina:Gina-pw:gina
judy:Judy-pw:sshd
kim:Kim-pw:sshd-src
lee:Lee-pw:sshd-src
max:Max-pw:sshd-src
EOF
perl -MDB_File -MFcntl -e '
	my $f = shift;
	tie my %h, "DB_File", $f, O_RDWR | O_CREAT | O_TRUNC, 0600, $DB_HASH
	    or die "$f: $!\n";
	while (@ARGV) { my $u = shift; $h{$u} = shift; }
	untie %h;' "$WORK/userdb.db" erin Erin-pw-31 frank Frank-pw \
    hank Hank-pw ivan Ivan-pw-1234 ||
    { echo "FAIL: cannot create the pam_userdb database"; exit 1; }
MATRIX="$PAM_MATRIX passdb=$WORK/passdb"
TWO="Password: |Verification code: |"
USERDB="pam_userdb.so db=$WORK/userdb crypt=none"

# use_file SERVICE PASSWORD_MODULE < FILE: a shipped PAM file as the test
# runs it: the built module with the test config, pam_unix and Debian's
# common-auth/common-account replaced by the password stand-in.
use_file() {
	sed -e '/^#/d' -e '/^$/d' \
	    -e "s|^@include common-auth\$|auth requisite $2|" \
	    -e "s|^@include common-account\$|account required $2|" \
	    -e "s|pam_unix\\.so|$2|" \
	    -e "s|pam_mfa\\.so|$MFA_MODULE conf=$conf|" >"$pamd/$1"
}
printf 'auth required pam_deny.so\naccount required pam_deny.so\n' \
    >"$pamd/other"

# login SERVICE USER ANSWER...: pamtester authenticate, one answer per
# prompt; ITEMS="rhost=... tty=..." sets PAM items.  Returns pamtester's
# status; what it printed is in $WORK/out.
login() {
	svc=$1 user=$2
	shift 2
	iargs=""
	for it in ${ITEMS:-}; do
		iargs="$iargs -I $it"
	done
	printf '%s\n' "$@" | env LD_PRELOAD="$PAM_PRELOAD" PAM_WRAPPER=1 \
	    PAM_WRAPPER_USE_SYSLOG=1 PAM_WRAPPER_SERVICE_DIR="$pamd" \
	    timeout 60 $VG pamtester $iargs "$svc" "$user" authenticate \
	    >"$WORK/out" 2>&1
}
ok() {	# ok NAME SERVICE USER ANSWER...: the login succeeds
	name=$1
	shift
	if login "$@"; then
		pass "$name"
	else
		fail "$name"
		sed 's/^/  /' "$WORK/out"
	fi
}
refused() {	# refused NAME SERVICE USER ANSWER...: the login fails
	name=$1
	shift
	if login "$@"; then fail "$name"; else pass "$name"; fi
}
prompts() {	# the prompts of the last login, "|"-separated
	tr -d '\n' <"$WORK/out" |
	    grep -o 'Password: \|Verification code: \|OTP: ' | tr '\n' '|'
}
prompted() {	# prompted NAME EXPECTED
	got=$(prompts)
	if [ "$got" = "$2" ]; then
		pass "$1"
	else
		fail "$1"
		echo "  want \"$2\", got \"$got\""
	fi
}
# What the last login printed besides the prompts and pamtester's own
# lines: the module's info/error messages, if any.
messages() {
	grep -v '^PWRAP_' "$WORK/out" |
	    sed -e 's/Password: //g' -e 's/Verification code: //g' |
	    grep -v '^pamtester: ' | grep -v '^$' || true
}
# The module's syslog lines, consumed in order.
seen=0
mfa_lines() { grep -c ' pam_mfa([^:)]*:auth): ' "$log"; }
next_line() {	# next_line NAME ERE: the next pam_mfa line matches
	i=0
	while [ "$(mfa_lines)" -le $seen ] && [ $i -lt 40 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	seen=$((seen + 1))
	line=$(grep ' pam_mfa([^:)]*:auth): ' "$log" | sed -n "${seen}p")
	if echo "$line" | grep -Eq " pam_mfa\\([^:)]+:auth\\): $2( |\$)"; then
		pass "$1"
	else
		fail "$1"
		echo "  want: $2"
		echo "  got:  ${line:-(no line)}"
	fi
}
no_line() {	# no_line NAME: no pam_mfa line since the last one checked
	sleep 0.1
	n=$(mfa_lines)
	check "$1" [ "$n" -eq $seen ]
	seen=$n
}

# sshd keyboard-interactive: password, then the code prompt; rhost and
# tty as sshd sets them.
use_file sshd "$MATRIX" <"$src/pam.d/sshd-snippet"
ITEMS="rhost=192.0.2.10 tty=ssh"
ok "sshd: right password, right code: success" sshd alice Alice-pw \
    "$(totp "$s_alice")"
prompted "sshd: prompts are password then code" "$TWO"
next_line "sshd: accept logged with the client address" \
    "result=accept reason=ok user=alice service=sshd rhost=192.0.2.10"
refused "sshd: wrong password: failure" sshd alice Wrong-pw \
    "$(totp "$s_alice" 30)"
prompted "sshd: wrong password: no code asked for" "Password: |"
no_line "sshd: wrong password: no pam_mfa decision"
check "sshd: wrong password: failures=0" [ "$(failures alice)" = 0 ]
refused "sshd: wrong code: failure" sshd alice Alice-pw \
    "$(wrong_code "$s_alice")"
next_line "sshd: wrong code logged" \
    "result=deny reason=bad_code user=alice service=sshd rhost=192.0.2.10 \
failures=1"
refused "sshd: no code (empty line): failure" sshd alice Alice-pw ""
next_line "sshd: empty code logged as a denial" \
    "result=deny reason=[a-z_]+ user=alice service=sshd rhost=192.0.2.10.*"

# sshd with the per-source throttle (source_deny = 3): three users' wrong
# codes from one address throttle it; the right code from there is then
# refused with the same prompts as a wrong one, logged source_throttled,
# and not counted against the user; from another address it is accepted.
srcconf=$WORK/cfg/src.conf
{ cat "$conf"; printf 'source_deny = 3;\n'; } >"$srcconf"
chmod 0644 "$srcconf"
sed "s|conf=$conf|conf=$srcconf|" "$pamd/sshd" >"$pamd/sshd-src"
ITEMS="rhost=203.0.113.66 tty=ssh"
refused "throttle: kim's wrong code" sshd-src kim Kim-pw "$(wrong_code "$s_kim")"
next_line "throttle: counted against the source" \
    "result=deny reason=bad_code user=kim service=sshd-src rhost=203.0.113.66 failures=1 source=203.0.113.66 source_failures=1"
refused "throttle: lee's wrong code" sshd-src lee Lee-pw "$(wrong_code "$s_lee")"
next_line "throttle: lee's counted" \
    "result=deny reason=bad_code user=lee service=sshd-src rhost=203.0.113.66 failures=1 source=203.0.113.66 source_failures=2"
refused "throttle: max's wrong code" sshd-src max Max-pw "$(wrong_code "$s_max")"
next_line "throttle: the third failure throttles the source" \
    "result=deny reason=bad_code user=max service=sshd-src rhost=203.0.113.66 failures=1 source=203.0.113.66 source_failures=3 source_locked_until=[0-9T:-]+Z"
code_kim=$(totp "$s_kim")
refused "throttle: kim's right code from the throttled source" sshd-src kim \
    Kim-pw "$code_kim"
prompted "throttle: the same prompts as a wrong code" "$TWO"
next_line "throttle: logged source_throttled" \
    "result=deny reason=source_throttled user=kim service=sshd-src rhost=203.0.113.66 source=203.0.113.66 source_locked_until=[0-9T:-]+Z"
check "throttle: kim's failures untouched" [ "$(failures kim)" = 1 ]
ITEMS="rhost=192.0.2.11 tty=ssh"
ok "throttle: kim's code from another address" sshd-src kim Kim-pw "$code_kim"
next_line "throttle: accepted from another address" \
    "result=accept reason=ok user=kim service=sshd-src rhost=192.0.2.11"

# ocserv: the same two rounds; sec-mod never shows messages.
use_file ocserv "$MATRIX" <"$src/pam.d/ocserv"
ITEMS="rhost=198.51.100.20"
ok "ocserv: right password, right code: success" ocserv bob Bob-pw-2024 \
    "$(totp "$s_bob")"
prompted "ocserv: prompts are password then code" "$TWO"
check "ocserv: prompt text has no & or <" \
    sh -c "! grep -q '[&<]' '$WORK/out'"
next_line "ocserv: accept logged" \
    "result=accept reason=ok user=bob service=ocserv rhost=198.51.100.20"
refused "ocserv: wrong code: failure" ocserv bob Bob-pw-2024 \
    "$(wrong_code "$s_bob")"
check "ocserv: no message sent (silent)" [ -z "$(messages)" ]
next_line "ocserv: wrong code logged" \
    "result=deny reason=bad_code user=bob service=ocserv rhost=198.51.100.20 \
failures=1"
refused "ocserv: wrong password: failure" ocserv bob Bob-pw \
    "$(totp "$s_bob" 30)"
prompted "ocserv: wrong password: no code asked for" "Password: |"
no_line "ocserv: wrong password: no pam_mfa decision"
check "ocserv: wrong password did not count (failures=1)" \
    [ "$(failures bob)" = 1 ]

# su and sudo: local, interactive; the default profile (separate prompt).
printf 'auth requisite %s\nauth required %s conf=%s\n' "$MATRIX" \
    "$MFA_MODULE" "$conf" >"$pamd/su"
cp "$pamd/su" "$pamd/sudo"
ITEMS="ruser=root tty=/dev/pts/7"
ok "su: right password, right code: success" su carol Carol-pw \
    "$(totp "$s_carol")"
prompted "su: prompts are password then code" "Password: |Verification code: |"
next_line "su: accept logged, no rhost" \
    "result=accept reason=ok user=carol service=su rhost=-"
ITEMS="ruser=dave tty=/dev/pts/8"
code=$(totp "$s_dave")
ok "sudo: right password, right code: success" sudo dave Dave-pw "$code"
next_line "sudo: accept logged" \
    "result=accept reason=ok user=dave service=sudo rhost=-"
refused "sudo: same code again: failure" sudo dave Dave-pw "$code"
next_line "sudo: replay logged" \
    "result=deny reason=replay user=dave service=sudo rhost=- failures=1"
ITEMS=""

# pppd: password-first one field.  Wrong passwords with the right code,
# more of them than the lockout allows (deny = 5): none reaches pam_mfa's
# verify, none counts, and the code is still good.
use_file ppp "$USERDB" <"$src/pam.d/pppd"
code=$(totp "$s_erin")
k=0
while [ $k -lt 6 ] && ! login ppp erin "Wrong-pw$code"; do
	k=$((k + 1))
done
check "pppd: wrong password + right code, six times: failure" [ $k -eq 6 ]
prompted "pppd: one prompt" "Password: |"
no_line "pppd: no pam_mfa decision for a wrong password"
check "pppd: wrong passwords counted nothing (failures=0)" \
    [ "$(failures erin)" = 0 ]
check "pppd: and locked nothing (locked=no)" [ "$(locked erin)" = no ]
ok "pppd: right password + the same code: success" ppp erin "Erin-pw-31$code"
prompted "pppd: one prompt for password+code" "Password: |"
next_line "pppd: accept logged" \
    "result=accept reason=ok user=erin service=ppp rhost=-"
refused "pppd: same code again: failure" ppp erin "Erin-pw-31$code"
next_line "pppd: replay logged" \
    "result=deny reason=replay user=erin service=ppp rhost=- failures=1"
refused "pppd: right password + wrong code: failure" ppp erin \
    "Erin-pw-31$(wrong_code "$s_erin")"
next_line "pppd: wrong code logged" \
    "result=deny reason=bad_code user=erin service=ppp rhost=- failures=2"
check "pppd: wrong codes count (failures=2)" [ "$(failures erin)" = 2 ]
check "pppd: no message sent (silent)" [ -z "$(messages)" ]

# strongSwan xauth-pam: the same order.
use_file ipsec "$USERDB" <"$src/pam.d/strongswan"
code=$(totp "$s_frank")
refused "strongswan: wrong password + right code: failure" ipsec frank \
    "Wrong-pw$code"
no_line "strongswan: no pam_mfa decision for a wrong password"
ok "strongswan: right password + the same code: success" ipsec frank \
    "Frank-pw$code"
prompted "strongswan: one prompt" "Password: |"
next_line "strongswan: accept logged" \
    "result=accept reason=ok user=frank service=ipsec rhost=-"
check "strongswan: failures=0" [ "$(failures frank)" = 0 ]

# An 8-digit token: the module cuts the user's own code length off a
# password that itself ends in digits.
ok "pppd: 8-digit token: right password + code: success" ppp ivan \
    "Ivan-pw-1234$(totp "$s_ivan" 0 8)"
next_line "pppd: 8-digit token: accept logged" \
    "result=accept reason=ok user=ivan service=ppp rhost=-"
refused "pppd: 8-digit token: only 6 digits of it: failure" ppp ivan \
    "Ivan-pw-1234$(totp "$s_ivan" 30 8 | cut -c3-)"
no_line "pppd: 8-digit token: 8 characters cut, the password left is wrong"

# The lock message (lock_message = true in the test config) reaches a
# host that shows messages (sshd) and not one whose profile is silent
# (ocserv); both refuse the right code while the user is locked.
k=0
while [ $k -lt 5 ]; do
	login sshd judy Judy-pw "$(wrong_code "$s_judy")"
	k=$((k + 1))
	next_line "lockout: wrong code $k logged" \
	    "result=deny reason=bad_code user=judy service=sshd rhost=- \
failures=$k.*"
done
check "lockout: the fifth failure locks (locked=yes in its line)" \
    sh -c "grep 'reason=bad_code user=judy' '$log' | tail -1 |
    grep -q 'failures=5 locked=yes'"
refused "lockout: sshd: right code while locked: failure" sshd judy Judy-pw \
    "$(totp "$s_judy")"
next_line "lockout: sshd: logged as reason=locked" \
    "result=deny reason=locked user=judy service=sshd rhost=-.*"
if messages | grep -q 'Too many failed attempts'; then
	pass "lockout: sshd shows the lock message"
else
	fail "lockout: sshd shows the lock message"
fi
cp "$pamd/sshd" "$pamd/ocserv-judy"
sed -i 's/profile=sshd/profile=ocserv/' "$pamd/ocserv-judy"
refused "lockout: ocserv: right code while locked: failure" ocserv-judy judy \
    Judy-pw "$(totp "$s_judy")"
next_line "lockout: ocserv: logged as reason=locked" \
    "result=deny reason=locked user=judy service=ocserv-judy rhost=-.*"
check "lockout: ocserv (silent) sends no message" [ -z "$(messages)" ]

# onefield takes PAM_AUTHTOK when an earlier module set it: here a
# pam_userdb line that asked for the password (and failed: it got
# password+code) -- no second prompt.
printf '%s\n' "auth optional $USERDB" \
    "auth requisite $MFA_MODULE conf=$conf onefield" \
    "auth required $USERDB use_first_pass" >"$pamd/preset"
ok "onefield: PAM_AUTHTOK set earlier: success" preset hank \
    "Hank-pw$(totp "$s_hank")"
prompted "onefield: PAM_AUTHTOK set earlier: no second prompt" "Password: |"
next_line "onefield: accept logged" \
    "result=accept reason=ok user=hank service=preset rhost=-"

# pam_matrix as the password module after onefield=split: it ignores
# use_first_pass and PAM_AUTHTOK and prompts "Password: " again, so it
# can't stand in for pam_unix use_first_pass (rlm_pam, pppd and xauth-pam
# would answer that prompt with password+code).
printf '%s\n' \
    "auth requisite $MFA_MODULE conf=$conf onefield=split" \
    "auth requisite $MATRIX use_first_pass" \
    "auth required $MFA_MODULE conf=$conf onefield=verify" >"$pamd/gina"
code=$(totp "$s_gina")
refused "pam_matrix use_first_pass: one answer is not enough" gina gina \
    "Gina-pw$code"
prompted "pam_matrix use_first_pass: it prompts again" "Password: |Password: |"
no_line "pam_matrix use_first_pass: no pam_mfa decision"
ok "pam_matrix: answering its own prompt, verify accepts the kept code" \
    gina gina "Gina-pw$code" Gina-pw
next_line "pam_matrix: accept logged" \
    "result=accept reason=ok user=gina service=gina rhost=-"

# Nothing the user typed reaches the log.
check "no password or code in syslog" \
    sh -c "! grep -q -e -pw -F -f '$WORK/codes' '$log'"
finish
