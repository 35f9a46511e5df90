#!/bin/sh
# e2e_radius.sh - pam_mfa behind a real FreeRADIUS 3.2: radclient sends PAP
# requests (User-Name, User-Password = password immediately followed by the
# code), radiusd hands them to rlm_pam, libpam runs conf/pam.d/radiusd with
# the built module, and the test checks Access-Accept/Access-Reject and the
# module's syslog line for each.
#
# radiusd runs in the foreground (-f, threads on) from a private copy of
# /etc/freeradius/3.0 trimmed to radiusd.conf, the dictionary and policy.d
# (no proxy.conf, no other module, no other site), plus
# conf/freeradius/mods-enabled-pam, a virtual server made of the blocks of
# conf/freeradius/site-snippet listening on 127.0.0.1 on a high port, and
# one client (127.0.0.1).  It is stopped by PID.
#
# The PAM service file reaches libpam through a bind mount over /etc/pam.d
# inside the private mount namespace that with-logsink.sh makes (which also
# gives us a private /dev/log): radiusd is then the unmodified daemon with
# the real libpam reading /etc/pam.d/radiusd, as in production -- no
# LD_PRELOAD interposed in a threaded server -- and the real /etc is never
# touched.  pam_unix.so in conf/pam.d/radiusd is replaced by pam_userdb.so
# on a private database: it honours use_first_pass as pam_unix does, where
# pam_wrapper's pam_matrix ignores it and prompts again.
#
# radiusd runs as freerad, as Debian's radiusd.conf has it: the module
# runs pam_mfa_helper, put at its compiled-in path (helperns.sh: a tmpfs
# there, 4750 root:GROUP) with freerad a member of the helper group in a
# copy of /etc/group, and the config in the helper's config directory.
# Last, radiusd with no new privileges (as Debian's systemd unit starts
# it), then freerad out of the group: every login refused, saying why.
#
# Run as root with the make check environment:  . /tmp/env.sh; sh THIS
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
# radiusd dlopens rlm_pam with RTLD_DEEPBIND, which the sanitizer runtime
# refuses; it is not run under valgrind either (the plain run is this
# test; the module's memory is the module tests' business).
if [ -n "${MFA_PRELOAD:-}" ] || [ "${MFA_VALGRIND:-}" = 1 ]; then
	echo "skipped under sanitizers/valgrind: radiusd can't run there"
	echo "0 passed, 0 failed"
	exit 0
fi
logns freeradius radclient oathtool perl findmnt
# In the private mount namespace from here on.
srv_pid=""
RADIUSD_WRAP=""
src=$MFA_SRCDIR/conf
secret=e2e-$$-secret
raddb=$WORK/raddb
. "$here/helperns.sh"
conf=$CONFDIR/mfa.conf

# alive PID: the process exists and is not a zombie.
alive() {
	st=$(sed -n 's/^[0-9]* ([^)]*) \([A-Z]\).*/\1/p' "/proc/$1/stat" \
	    2>/dev/null)
	[ -n "$st" ] && [ "$st" != Z ]
}
stop_server() {
	[ -n "$srv_pid" ] || return 0
	kill "$srv_pid" 2>/dev/null
	i=0
	while alive "$srv_pid" && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	alive "$srv_pid" && kill -9 "$srv_pid" 2>/dev/null
	wait "$srv_pid" 2>/dev/null
	srv_pid=""
}
trap 'stop_server; rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM HUP PIPE

# The bind mount below must never reach the host's /etc.
if [ "$(readlink /proc/self/ns/mnt)" = "$(readlink /proc/1/ns/mnt)" ]; then
	echo "FAIL: not in a private mount namespace"
	exit 1
fi

# The helper, the config directory, freerad in the helper group.
hns_group "$WORK/etc.group" freerad
cp /etc/group "$WORK/etc.group.orig"
mount --bind "$WORK/etc.group" /etc/group ||
    { echo "FAIL: cannot bind-mount /etc/group"; exit 1; }
hns_setup
check "freerad is in $G (in this namespace)" \
    sh -c "id -Gn freerad | grep -qw '$G'"

# The store, users and their tokens.
mkdir -m 0755 "$WORK/cfg"
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
enroll() {	# enroll USER: prints the base32 secret; backup codes kept
	"$MFA_CLI" -c "$conf" enroll -y "$1" >"$WORK/$1.enroll"
	sed -n 's/^  \([0-9]\{5\}-[0-9]\{5\}\)$/\1/p' "$WORK/$1.enroll" \
	    >"$WORK/$1.backup"
	sed -n 's/.*[?&]secret=\([A-Z2-7]*\).*/\1/p' "$WORK/$1.enroll"
}
totp() {	# totp SECRET [SECONDS_FROM_NOW]: the code, also kept in codes
	oathtool --totp -b "$1" --now="@$(($(date +%s) + ${2:-0}))" |
	    tee -a "$WORK/codes"
}
s_alice=$(enroll alice) s_carol=$(enroll carol) s_dave=$(enroll dave)
s_eve=$(enroll eve) s_frank=$(enroll frank) s_gary=$(enroll gary)
for s in "$s_alice" "$s_carol" "$s_dave" "$s_eve" "$s_frank" "$s_gary"; do
	[ ${#s} -eq 32 ] || { echo "FAIL: enroll printed no secret"; exit 1; }
done
# The password database of pam_userdb (user -> password, no hashing);
# some passwords end in digits, so the module must cut exactly the code.
perl -MDB_File -MFcntl -e '
	my $f = shift;
	tie my %h, "DB_File", $f, O_RDWR | O_CREAT | O_TRUNC, 0600, $DB_HASH
	    or die "$f: $!\n";
	while (@ARGV) { my $u = shift; $h{$u} = shift; }
	untie %h;' "$WORK/userdb.db" alice Alice-pw-42 bob Bob-pw-7 \
    carol Carol-pw dave Dave-pw eve Eve-pw-99 frank Frank-pw gary Gary-pw ||
    { echo "FAIL: cannot create the pam_userdb database"; exit 1; }
# pam_userdb stands for pam_unix, whose unix_chkpwd reads the shadow file
# for freerad; pam_userdb reads its database as freerad.
chgrp freerad "$WORK/userdb.db"
chmod 0640 "$WORK/userdb.db"

# The PAM service: the shipped file with the module's path and config,
# pam_unix replaced by pam_userdb.  Everything else is denied ("other").
mkdir -m 0755 "$WORK/pam.d"
stack() {	# stack < FILE: a shipped PAM file as the test runs it
	sed -e "/^#/!s|pam_mfa\.so|$MFA_MODULE conf=$conf|" \
	    -e "/^#/!s|pam_unix\.so|pam_userdb.so db=$WORK/userdb crypt=none|"
}
use_stack() {	# use_stack < LINES: install them as /etc/pam.d/radiusd
	stack >"$WORK/pam.d/.radiusd.new"
	mv "$WORK/pam.d/.radiusd.new" "$WORK/pam.d/radiusd"
}
# The code-first alternative (the commented auth lines) first.
code_first() {
	{ sed -n 's/^#\(auth .*\)$/\1/p' "$src/pam.d/radiusd"
	  grep '^account' "$src/pam.d/radiusd"; } | use_stack
}
code_first
printf 'auth required pam_deny.so\naccount required pam_deny.so\n' \
    >"$WORK/pam.d/other"
mount --bind "$WORK/pam.d" /etc/pam.d ||
    { echo "FAIL: cannot bind-mount the PAM directory"; exit 1; }

# The private radiusd configuration.
sys=/etc/freeradius/3.0
mkdir -m 0755 "$raddb" "$raddb/mods-enabled" "$raddb/sites-enabled" \
    "$raddb/run" "$raddb/log"
cp "$sys/radiusd.conf" "$sys/dictionary" "$raddb/"
cp -R "$sys/policy.d" "$raddb/"
sed -i -e "s|^raddbdir = .*|raddbdir = $raddb|" \
    -e "s|^logdir = .*|logdir = $raddb/log|" \
    -e "s|^run_dir = .*|run_dir = $raddb/run|" \
    -e 's|^proxy_requests *=.*|proxy_requests = no|' \
    -e '/^\$INCLUDE proxy.conf/d' \
    "$raddb/radiusd.conf"
grep -q '^[[:space:]]*user = freerad' "$raddb/radiusd.conf" ||
    { echo "FAIL: radiusd.conf does not run radiusd as freerad"; exit 1; }
cat >"$raddb/clients.conf" <<EOF
client e2e {
	ipaddr = 127.0.0.1
	secret = $secret
}
EOF
cp "$src/freeradius/mods-enabled-pam" "$raddb/mods-enabled/pam"
block() {	# block NAME: the NAME block of site-snippet
	sed -n "/^## >>> $1\$/,/^## <<< $1\$/p" "$src/freeradius/site-snippet" |
	    sed '/^## /d'
}
{
	echo 'server mfa-e2e {'
	echo '	listen {'
	echo '		type = auth'
	echo '		ipaddr = 127.0.0.1'
	echo '		port = @PORT@'
	echo '	}'
	echo '	authorize {'
	block authorize
	echo '	}'
	echo '	authenticate {'
	block authenticate
	echo '	}'
	echo '}'
} >"$raddb/site.in"
chmod -R a+rX "$raddb"
chown freerad "$raddb/run" "$raddb/log"
# The private /dev/log is opened to the unprivileged daemon.
chmod 0666 /dev/log

status_ok() {
	echo 'Message-Authenticator = 0x00' |
	    radclient -d "$1" -r 1 -t 1 "127.0.0.1:$port" status "$secret" \
	    >/dev/null 2>&1
}
# start_server RADDB RADLOG: radiusd (under $RADIUSD_WRAP) answering Status-Server on a free high
# port (tried up to five times), or 1.
start_server() {
	for try in 1 2 3 4 5; do
		port=$((20000 + ($$ * 7 + try * 1009) % 40000))
		sed "s/@PORT@/$port/" "$1/site.in" >"$1/sites-enabled/mfa-e2e"
		: >"$2"
		chown freerad "$2"
		$RADIUSD_WRAP freeradius -f -xx -l "$2" -d "$1" \
		    >>"$WORK/radiusd.out" 2>&1 &
		srv_pid=$!
		i=0
		while [ $i -lt 100 ]; do
			status_ok "$1" && return 0
			alive "$srv_pid" || break
			sleep 0.1
			i=$((i + 1))
		done
		stop_server
		grep -q 'Address already in use' "$2" || break
	done
	echo "radiusd did not start; its output and log:"
	sed 's/^/  /' "$WORK/radiusd.out" "$2"
	return 1
}
# radius USER PASSWORD: Access-Accept, Access-Reject or nothing
radius() {
	printf 'User-Name = "%s"\nUser-Password = "%s"\n' "$1" "$2" |
	    radclient -d "$raddb" -r 1 -t 4 "127.0.0.1:$port" auth "$secret" \
	    2>/dev/null | sed -n 's/^Received \(Access-[A-Za-z]*\) .*/\1/p'
}
# The module's syslog lines, consumed in order: next_line NAME ERE checks
# that the next one matches; no_line NAME checks that none came.
seen=0
mfa_lines() { grep -c 'pam_mfa(radiusd:auth): ' "$log"; }
next_line() {
	i=0
	while [ "$(mfa_lines)" -le $seen ] && [ $i -lt 40 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	seen=$((seen + 1))
	line=$(grep 'pam_mfa(radiusd:auth): ' "$log" | sed -n "${seen}p")
	if echo "$line" | grep -Eq "pam_mfa\\(radiusd:auth\\): $2( |\$)"; then
		pass "$1"
	else
		fail "$1"
		echo "  want: $2"
		echo "  got:  ${line:-(no line)}"
	fi
}
no_line() {
	sleep 0.1
	n=$(mfa_lines)
	check "$1" [ "$n" -eq $seen ]
	seen=$n
}
failures() {	# failures USER: the failure count pam-mfa status shows
	"$MFA_CLI" -c "$conf" status "$1" |
	    sed -n 's/.* failures=\([0-9]*\).*/\1/p'
}
want() {	# want NAME RESULT USER PASSWORD
	got=$(radius "$3" "$4")
	if [ "$got" = "$2" ]; then
		pass "$1"
	else
		fail "$1"
		echo "  want $2, got ${got:-no answer}"
	fi
}
R='service=radiusd rhost=-'

if ! start_server "$raddb" "$WORK/radius.log"; then
	fail "radiusd starts"
	finish
	exit
fi
pass "radiusd answers Status-Server on 127.0.0.1:$port"
check "radiusd runs as freerad" \
    [ "$(stat -c %U "/proc/$srv_pid")" = freerad ]

# The code-first alternative of conf/pam.d/radiusd: pam_mfa profile=radius,
# then the password.
code=$(totp "$s_alice")
want "right password+code in one field: Access-Accept" Access-Accept \
    alice "Alice-pw-42$code"
next_line "accept logged, the password pending" \
    "result=accept reason=ok user=alice $R password=pending"
want "same code again: Access-Reject" Access-Reject alice "Alice-pw-42$code"
next_line "replay logged as reason=replay" \
    "result=deny reason=replay user=alice $R failures=1"
want "password without a code: Access-Reject" Access-Reject alice Alice-pw-42
next_line "missing code logged as a denial" \
    "result=deny reason=[a-z_]+ user=alice $R.*"

want "wrong code: Access-Reject" Access-Reject carol \
    "Carol-pw$(wrong_code "$s_carol")"
next_line "wrong code logged as reason=bad_code" \
    "result=deny reason=bad_code user=carol $R failures=1"
want "stale code (5 min old): Access-Reject" Access-Reject \
    carol "Carol-pw$(totp "$s_carol" -300)"
next_line "stale code logged as reason=bad_code" \
    "result=deny reason=bad_code user=carol $R failures=2"
want "right code after two failures: Access-Accept" Access-Accept \
    carol "Carol-pw$(totp "$s_carol")"
next_line "accept logged (carol)" "result=accept reason=ok user=carol $R"
check "a success clears the failures" [ "$(failures carol)" = 0 ]

# In this order the code is checked first: a wrong password with the
# right code is refused by the password module, the code is spent.
code=$(totp "$s_dave")
want "wrong password + right code: Access-Reject" Access-Reject \
    dave "Wrong-pw$code"
next_line "pam_mfa accepted the code before the password failed" \
    "result=accept reason=ok user=dave $R password=pending"
want "that code with the right password: Access-Reject (spent)" \
    Access-Reject dave "Dave-pw$code"
next_line "spent code logged as reason=replay" \
    "result=deny reason=replay user=dave $R failures=1"

# A backup code (a lost phone) after the password, with its hyphen, as
# PAP carries it: once.
bc=$(sed -n 1p "$WORK/carol.backup")
cat "$WORK/carol.backup" >>"$WORK/codes"
tr -d - <"$WORK/carol.backup" >>"$WORK/codes"
want "password + backup code in one field: Access-Accept" Access-Accept \
    carol "Carol-pw$bc"
next_line "backup code accept logged with the codes left" \
    "result=accept reason=ok user=carol $R detail=backup_code backup_left=9"
want "same backup code again: Access-Reject" Access-Reject carol "Carol-pw$bc"
next_line "spent backup code logged as reason=replay" \
    "result=deny reason=replay user=carol $R failures=1"
want "backup code without its hyphen: Access-Reject" Access-Reject carol \
    "Carol-pw$(sed -n 2p "$WORK/carol.backup" | tr -d -)"
next_line "unhyphenated backup code in one field: a denial" \
    "result=deny reason=[a-z_]+ user=carol $R.*"

want "unenrolled user with right password: Access-Reject" Access-Reject \
    bob "Bob-pw-7$(totp "$s_alice" 30)"
next_line "unenrolled logged as reason=not_enrolled" \
    "result=deny reason=not_enrolled user=bob $R.*"
want "unknown user: Access-Reject" Access-Reject nobody "x$(totp "$s_alice")"
next_line "unknown user logged as reason=not_enrolled" \
    "result=deny reason=not_enrolled user=nobody $R.*"

# Five wrong codes at once (one radclient, five requests in parallel; the
# store serialises them) lock the user; the right code is then refused.
# lock_message = true is in the config, but profile=radius is silent:
# rlm_pam would print an info message in its debug log.
code=$(wrong_code "$s_gary")
n=$({ k=0; while [ $k -lt 5 ]; do
	[ $k -gt 0 ] && echo
	printf 'User-Name = "gary"\nUser-Password = "Gary-pw%s"\n' "$code"
	k=$((k + 1))
done; } | radclient -d "$raddb" -p 5 -r 1 -t 4 "127.0.0.1:$port" auth \
    "$secret" 2>/dev/null | grep -c '^Received Access-Reject')
check "five wrong codes in parallel: five Access-Rejects" [ "$n" -eq 5 ]
k=0
while [ $k -lt 5 ]; do
	k=$((k + 1))
	next_line "wrong code $k of 5 logged" \
	    "result=deny reason=bad_code user=gary $R failures=$k.*"
done
check "the fifth failure locks (locked=yes)" \
    sh -c "grep 'user=gary' '$log' | tail -1 | grep -q 'failures=5 locked=yes'"
want "locked user, right code: Access-Reject" Access-Reject gary \
    "Gary-pw$(totp "$s_gary")"
next_line "locked user logged as reason=locked" \
    "result=deny reason=locked user=gary $R.*"
check "no lock message sent to rlm_pam (profile=radius is silent)" \
    sh -c "! grep -q 'Too many failed' '$WORK/radius.log'"

# conf/pam.d/radiusd as shipped: split, password, verify.  A wrong
# password stops before verify.
use_stack <"$src/pam.d/radiusd"
code=$(totp "$s_eve")
k=0
while [ $k -lt 6 ]; do
	got=$(radius eve "Wrong-pw$code")
	[ "$got" = Access-Reject ] || break
	k=$((k + 1))
done
check "split order: wrong password + right code six times: Access-Reject" \
    [ $k -eq 6 ]
no_line "split order: no pam_mfa decision for a wrong password"
check "split order: wrong passwords counted no failure (failures=0)" \
    [ "$(failures eve)" = 0 ]
want "split order: then the right password + same code: Access-Accept" \
    Access-Accept eve "Eve-pw-99$code"
next_line "split order: accept logged, no password pending" \
    "result=accept reason=ok user=eve $R"
check "split order: the accept line has no password=pending" \
    sh -c "! grep 'user=eve' '$log' | grep -q password=pending"
want "split order: replay: Access-Reject" Access-Reject eve "Eve-pw-99$code"
next_line "split order: replay logged" \
    "result=deny reason=replay user=eve $R failures=1"
want "split order: wrong code: Access-Reject" Access-Reject \
    eve "Eve-pw-99$(wrong_code "$s_eve")"
next_line "split order: wrong code logged" \
    "result=deny reason=bad_code user=eve $R failures=2"

# The shipped file with its verify line deleted lets the password alone
# through the auth stack: rlm_pam's pam_acct_mgmt runs pam_mfa's account
# step, which refuses it.
grep -v 'onefield=verify' "$src/pam.d/radiusd" | use_stack
want "split without verify: Access-Reject (the account step)" \
    Access-Reject eve "Eve-pw-99$(totp "$s_eve" 30)"
acct='pam_mfa(radiusd:account): result=deny reason=config_error user=eve'
i=0
while ! grep -qF "$acct" "$log" && [ $i -lt 40 ]; do
	sleep 0.05
	i=$((i + 1))
done
check "split without verify: logged detail=split_without_verify" \
    sh -c "grep -F '$acct' '$log' | grep -q 'detail=split_without_verify'"
no_line "split without verify: no auth decision of pam_mfa"
use_stack <"$src/pam.d/radiusd"

check "no error message reached rlm_pam (it fails the login on one)" \
    sh -c "! grep -q 'PAM conversation failed' '$WORK/radius.log'"
check "rlm_pam ran the PAM service radiusd" \
    grep -q 'Using pamauth string "radiusd"' "$WORK/radius.log"
pid=$srv_pid
stop_server
check "radiusd stopped by PID" sh -c "! kill -0 $pid 2>/dev/null"

# As Debian's freeradius.service starts it (NoNewPrivileges=true): the
# setuid bit can't work, and the module says so (the shipped systemd
# drop-in turns it off).
RADIUSD_WRAP=""
use_stack <"$src/pam.d/radiusd"
if command -v setpriv >/dev/null 2>&1; then
	RADIUSD_WRAP="setpriv --no-new-privs"
	if start_server "$raddb" "$WORK/radius-nnp.log"; then
		want "no new privileges: right password+code: Access-Reject" \
		    Access-Reject frank "Frank-pw$(totp "$s_frank")"
		next_line "no new privileges: logged as such" \
		    "result=deny reason=config_error user=frank $R detail=no_new_privs"
		stop_server
	else
		fail "radiusd with no new privileges starts"
	fi
	RADIUSD_WRAP=""
fi
check "the shipped drop-in turns NoNewPrivileges off" grep -qx \
    'NoNewPrivileges=false' "$src/freeradius/freeradius.service.d-pam_mfa.conf"

# freerad out of the helper group: the helper can't be run, and the
# module denies (closed) with a line saying why.
umount /etc/group
mount --bind "$WORK/etc.group.orig" /etc/group
if id -Gn freerad | grep -qw "$G"; then
	echo "skipped: freerad is in $G on this system"
elif start_server "$raddb" "$WORK/radius-out.log"; then
	want "freerad not in $G: right password+code: Access-Reject" \
	    Access-Reject frank "Frank-pw$(totp "$s_frank")"
	next_line "freerad not in $G: logged as the helper not executable" \
	    "result=deny reason=config_error user=frank $R detail=helper_not_executable"
	stop_server
else
	fail "radiusd as freerad starts"
fi

# Nothing the user typed reaches the log (every password has "-pw").
check "no password or code in syslog" \
    sh -c "! grep -q -e -pw -F -f '$WORK/codes' '$log'"
finish
