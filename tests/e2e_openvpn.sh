#!/bin/sh
# e2e_openvpn.sh - pam_mfa behind a real OpenVPN 2.6 server: the auth-pam
# plugin, unwrapped libpam, the shipped conf/pam.d/openvpn* stacks and
# conf/openvpn/*.conf lines, a server and a client in a private network
# namespace talking over 127.0.0.1.  One-field logins (the password
# immediately followed by the code) and static-challenge logins (the code
# typed on the client's terminal), each judged by the client's outcome
# ("Initialization Sequence Completed" or AUTH_FAILED) and by the syslog
# lines pam_mfa left.
#
# Nothing is written to the real /etc: inside with-logsink.sh's private
# mount namespace, /etc/pam.d, /etc/passwd and /etc/shadow are bind mounts
# of files in the work directory (so libpam reads our stacks, and pam_unix
# checks users that exist only here), and /dev/net/tun and a pty instance
# live on that namespace's private /dev.  Runs in about 20 s; needs the
# make check environment (MFA_MODULE, MFA_CLI, OATHTOOL, PAM_MATRIX...),
# openvpn 2.6 with its auth-pam plugin, oathtool, openssl, script, ip.
. "$(dirname "$0")/lib.sh"
need_root
here=$(cd "$(dirname "$0")" && pwd)
self=$here/$(basename "$0")
ovconf=$MFA_SRCDIR/conf/openvpn
pamconf=$MFA_SRCDIR/conf/pam.d

if [ "${1:-}" != --in-netns ]; then
	if [ "${MFA_VALGRIND:-}" = 1 ]; then
		echo "skipped under valgrind: openvpn does not run under it"
		echo "0 passed, 0 failed"
		exit 0
	fi
	plugin=$(sed -n 's/^plugin \([^ ]*\) .*/\1/p' "$ovconf/server-pam.conf")
	for t in openvpn openssl script ip unshare mount mknod "$OATHTOOL" \
	    "$plugin"; do
		if ! command -v "$t" >/dev/null 2>&1 && [ ! -r "$t" ]; then
			fail "prerequisite $t"
			finish
			exit 1
		fi
	done
	trap 'exit 1' INT TERM HUP PIPE
	"$here/with-logsink.sh" "$WORK/syslog" \
	    unshare --net -- sh "$self" --in-netns "$WORK/syslog"
	exit $?
fi

# --- inside the namespaces ---------------------------------------------
log=$2
pids=""
cleanup() {
	for p in $pids; do
		stop "$p"
	done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE

# wait_for FILE ERE TENTHS: true once FILE matches, false after TENTHS/10 s.
wait_for() {
	i=0
	until grep -Eq -- "$2" "$1" 2>/dev/null; do
		i=$((i + 1))
		[ "$i" -gt "$3" ] && return 1
		sleep 0.1
	done
}

# stop PID: SIGTERM, up to 5 s to exit, then SIGKILL; reaped if our child.
stop() {
	if kill "$1" 2>/dev/null; then
		i=0
		while kill -0 "$1" 2>/dev/null && [ "$i" -lt 50 ]; do
			i=$((i + 1))
			sleep 0.1
		done
		kill -KILL "$1" 2>/dev/null
	fi
	wait "$1" 2>/dev/null
	pids=$(echo " $pids " | sed "s/ $1 / /")
}

# dump FILE: the end of a log, under a failed case.
dump() {
	echo "--- $1"
	tail -n "${2:-20}" "$1" | sed 's/^/# /'
}

ip link set lo up
mkdir -p /dev/net
[ -c /dev/net/tun ] || mknod -m 0600 /dev/net/tun c 10 200
# Ptys for the static-challenge client: the host's devpts, bound into the
# private /dev, hands out none here; an instance of our own does.
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts /dev/pts
mount --bind /dev/pts/ptmx /dev/ptmx
# Under systemd, openvpn asks through systemd-ask-password rather than on
# its terminal: hide systemd from it.
if [ -d /run/systemd/system ]; then
	mount -t tmpfs -o mode=0755,size=64k tmpfs /run/systemd
fi

# --- users, tokens, the private /etc -----------------------------------
conf=$WORK/mfa.conf
# Enrolled before the private /etc/passwd is in place: exact names.
printf 'state_dir = "%s";\nkey_file = "%s";\nuser_lookup = "exact";\n' \
    "$WORK/state" \
    "$WORK/mfa.key" >"$conf"
chmod 0644 "$conf"
users="alice bob carol dave"
pw() {
	case $1 in
	alice)	echo correct-horse ;;
	bob)	echo battery-staple ;;
	carol)	echo tr0ub4dor ;;
	dave)	echo hunter2-hunter2 ;;
	esac
}
echo "root:x:0:0:root:/root:/bin/sh" >"$WORK/passwd"
echo "root:*:19000:0:99999:7:::" >"$WORK/shadow"
uid=4000
for u in $users; do
	uid=$((uid + 1))
	echo "$u:x:$uid:65534:e2e:/nonexistent:/usr/sbin/nologin" \
	    >>"$WORK/passwd"
	echo "$u:$(openssl passwd -6 "$(pw "$u")"):19000:0:99999:7:::" \
	    >>"$WORK/shadow"
	# The URI's secret gives oathtool the codes; the backup codes kept.
	(umask 077 && "$MFA_CLI" -c "$conf" enroll -y "$u" >"$WORK/$u.enroll" &&
	    sed -n 's/.*[?&]secret=\([A-Z2-7]*\).*/\1/p' "$WORK/$u.enroll" \
	    >"$WORK/$u.secret" &&
	    sed -n 's/^  \([0-9]\{5\}-[0-9]\{5\}\)$/\1/p' "$WORK/$u.enroll" \
	    >"$WORK/$u.backup")
	if [ ! -s "$WORK/$u.secret" ]; then
		fail "enroll $u"
		finish
		exit 1
	fi
done
pass "enroll $users"
chmod 0644 "$WORK/passwd"
chmod 0600 "$WORK/shadow"

mkdir "$WORK/pam.d"
printf '%s required pam_deny.so\n' auth account password session \
    >"$WORK/pam.d/other"
# The shipped stacks, pam_mfa.so by its build path with our config, and
# pam_unix without its 2 s delay after a failure: with deferred auth, a
# refusal that comes after the client's first push request is only sent
# at its next one, 5 s later, and the test would take twice as long.
for f in openvpn openvpn-static-challenge; do
	sed -e "s|pam_mfa\\.so|$MFA_MODULE conf=$conf|" \
	    -e '/^#*auth/s/pam_unix\.so/pam_unix.so nodelay/' \
	    "$pamconf/$f" >"$WORK/$f.mfa"
done
# The code-first alternative: the commented auth lines, the same account.
{
	sed -n 's/^#\(auth .*\)/\1/p' "$WORK/openvpn.mfa"
	grep '^account' "$WORK/openvpn.mfa"
} >"$WORK/openvpn.codefirst"
# First a password-only stack (pam_matrix, as in the other tests): the
# harness must let a client in before the module is judged.
printf 'alice:%s:openvpn\n' "$(pw alice)" >"$WORK/passdb"
printf '%s required %s passdb=%s\n' auth "$PAM_MATRIX" "$WORK/passdb" \
    account "$PAM_MATRIX" "$WORK/passdb" >"$WORK/pam.d/openvpn"
cp "$WORK/openvpn-static-challenge.mfa" "$WORK/pam.d/openvpn-static-challenge"
mount --bind "$WORK/pam.d" /etc/pam.d
mount --bind "$WORK/passwd" /etc/passwd
mount --bind "$WORK/shadow" /etc/shadow

# totp USER OFFSET: USER's code OFFSET seconds from now.
totp() {
	"$OATHTOOL" --totp -b "$(cat "$WORK/$1.secret")" \
	    --now="@$(($(date +%s) + $2))" | tee -a "$WORK/codes"
}
# near USER: the codes of the steps around now, space-separated.
near() {
	printf ' %s' "$(totp "$1" -60)" "$(totp "$1" -30)" "$(totp "$1" 0)" \
	    "$(totp "$1" 30)" "$(totp "$1" 60)"
	echo " "
}
# wrong_code USER: a well-formed code no step near now accepts.
wrong_code() {
	nc=$(near "$1")
	for c in 000000 111111 222222 333333 444444 555555; do
		case $nc in *" $c "*) ;; *) echo "$c"; return ;; esac
	done
}
# stale_code USER: the code of 5 minutes ago (or a little earlier, should
# that one be also a code near now).
stale_code() {
	nc=$(near "$1")
	for off in -300 -330 -360; do
		c=$(totp "$1" "$off")
		case $nc in *" $c "*) ;; *) echo "$c"; return ;; esac
	done
}

# --- PKI: one throwaway self-signed server certificate -----------------
# The client pins its fingerprint; clients have none (verify-client-cert
# none): the password and the code are the whole login.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$WORK/server.key" -out "$WORK/server.crt" -days 1 \
    -subj /CN=pam-mfa-e2e >/dev/null 2>&1
fp=$(openssl x509 -in "$WORK/server.crt" -noout -fingerprint -sha256 |
    sed 's/.*=//')

# --- servers: one-field on port 11941, static challenge on 11942 --------
# Under the sanitizer build the module needs libasan first in the process.
# libcrypt too, loaded before pam_unix is: ASan's crypt_r interceptor
# resolves the real one at start-up and calls NULL otherwise.  Leaks are
# the module tests' business (openvpn's own would show here).
srvenv=""
if [ -n "${MFA_PRELOAD:-}" ]; then
	srvenv="LD_PRELOAD=$MFA_PRELOAD:libcrypt.so.1"
	srvenv="$srvenv ASAN_OPTIONS=detect_leaks=0:abort_on_error=1"
fi
# server NAME PORT NET PLUGIN-LINE: the test's network and TLS lines, the
# operator's lines of conf/openvpn/server-pam.conf, and PLUGIN-LINE.
server() {
	{
		cat <<EOF
dev tun
topology subnet
server $3 255.255.255.0
proto udp4
local 127.0.0.1
port $2
ca $WORK/server.crt
cert $WORK/server.crt
key $WORK/server.key
dh none
verify-client-cert none
tmp-dir $WORK
verb 4
EOF
		# The token key where the test keeps its files.
		grep -v -e '^[#;]' -e '^plugin ' -e '^$' \
		    "$ovconf/server-pam.conf" |
		    sed "s|^\(auth-gen-token-secret\) .*|\1 $WORK/auth-token.key|"
		echo "$4"
	} >"$WORK/$1.conf"
	# shellcheck disable=SC2086 # $srvenv: zero or more words
	env $srvenv openvpn --config "$WORK/$1.conf" >"$WORK/$1.log" 2>&1 &
	pids="$pids $!"
}
check "server-pam.conf: auth-gen-token with a lifetime" \
    grep -Eq '^auth-gen-token [1-9][0-9]*$' "$ovconf/server-pam.conf"
check "server-pam.conf: auth-gen-token-secret" \
    grep -q '^auth-gen-token-secret /' "$ovconf/server-pam.conf"
openvpn --genkey auth-token "$WORK/auth-token.key" >/dev/null 2>&1
chmod 0600 "$WORK/auth-token.key"
check "the auth-token key made as server-pam.conf says" \
    test -s "$WORK/auth-token.key"
plugin_onefield=$(grep '^plugin ' "$ovconf/server-pam.conf")
plugin_sc=$(sed -n 's/^;\(plugin .*static-challenge.*\)/\1/p' \
    "$ovconf/server-pam.conf")
if [ -n "$plugin_onefield" ] && [ -n "$plugin_sc" ]; then
	pass "server-pam.conf: both plugin lines"
else
	fail "server-pam.conf: both plugin lines"
fi
server onefield 11941 10.201.0.0 "$plugin_onefield"
srv_onefield=$!
server sc 11942 10.202.0.0 "$plugin_sc"
srv_sc=$!
for s in onefield sc; do
	if ! wait_for "$WORK/$s.log" 'Initialization Sequence Completed' 100
	then
		fail "$s server starts"
		dump "$WORK/$s.log"
		finish
		exit 1
	fi
done
pass "servers start (tun device in a private network namespace)"

# Client configs: the test's network lines and the operator's lines of
# conf/openvpn/client.conf, its static-challenge line uncommented for sc.
client_conf() {
	{
		cat <<EOF
client
dev null
ifconfig-noexec
route-noexec
nobind
remote 127.0.0.1 $2 udp4
peer-fingerprint $fp
verb 3
EOF
		grep -v -e '^[#;]' -e '^$' "$ovconf/client.conf"
		if [ "$1" = sc ]; then
			sed -n 's/^;\(static-challenge .*\)/\1/p' \
			    "$ovconf/client.conf"
		fi
	} >"$WORK/client-$1.conf"
}
client_conf onefield 11941
client_conf sc 11942
check "client.conf: a static-challenge line" \
    grep -q '^static-challenge ' "$WORK/client-sc.conf"

# --- one login ----------------------------------------------------------
n=0
extra=""
hold=""
# attempt MODE USER PASSWORD [RESPONSE]: one client login.  Sets $outcome
# (connected, refused, timeout: 15 s, or "no server" when MODE's server
# has died) and $mark, the first syslog line the login may have left.
# MODE sc types RESPONSE on the client's terminal (a pty, from script).
# $extra: more client options (onefield).  $hold: an ERE; once connected,
# the tunnel is held until the one-field server's log matches it (10 s at
# most), then a second more; $held says whether the client was still up
# then, never refused.
attempt() {
	n=$((n + 1))
	mark=$(($(wc -l <"$log") + 1))
	up=$WORK/up.$n
	clog=$WORK/client.$n.log
	slog=$WORK/$1.log
	held=no
	spid=$srv_onefield
	[ "$1" = sc ] && spid=$srv_sc
	if ! kill -0 "$spid" 2>/dev/null; then
		outcome="no server"
		: >"$clog"
		return
	fi
	(umask 077 && printf '%s\n%s\n' "$2" "$3" >"$up")
	if [ "$1" = sc ]; then
		printf '%s\n' "$4" | script -q -e -c "openvpn --config \
$WORK/client-sc.conf --auth-user-pass $up --writepid $WORK/client.$n.pid" \
		    /dev/null >"$clog" 2>&1 &
	else
		# shellcheck disable=SC2086 # $extra: zero or more words
		openvpn --config "$WORK/client-onefield.conf" \
		    --auth-user-pass "$up" $extra >"$clog" 2>&1 &
	fi
	cpid=$!
	pids="$pids $cpid"
	outcome=timeout
	if wait_for "$clog" 'Initialization Sequence Completed|AUTH_FAILED' 150
	then
		if grep -q 'Initialization Sequence Completed' "$clog"; then
			outcome=connected
		else
			outcome=refused
		fi
	fi
	if [ "$outcome" = connected ] && [ -n "$hold" ] &&
	    wait_for "$WORK/onefield.log" "$hold" 100; then
		sleep 1
		if kill -0 "$cpid" 2>/dev/null &&
		    ! grep -q AUTH_FAILED "$clog"; then
			held=yes
		fi
	fi
	if [ -s "$WORK/client.$n.pid" ]; then
		stop "$(cat "$WORK/client.$n.pid")"
	fi
	stop "$cpid"
	rm -f "$up"
}

# wait_for_log ERE: up to 3 s for the login's syslog lines to match ERE.
wait_for_log() {
	i=0
	until tail -n +"$mark" "$log" | grep -Eq -- "$1"; do
		i=$((i + 1))
		[ "$i" -gt 30 ] && return 1
		sleep 0.1
	done
}

# judge NAME SERVICE USER WANT DECISION [pam_unix]: the client's outcome
# was WANT (connected or refused), and the login left exactly one pam_mfa
# line, "pam_mfa(SERVICE:auth): result=R reason=W user=USER service=SERVICE
# rhost=127.0.0.1" for DECISION "R W", or none for DECISION "none"; with
# pam_unix, also pam_unix's authentication failure for USER.
judge() {
	jname=$1 jsvc=$2 juser=$3 jwant=$4 jdecision=$5 junix=${6:-}
	if [ "$outcome" = "$jwant" ]; then
		pass "$jname: client $jwant"
	else
		fail "$jname: client $jwant (got $outcome)"
		dump "$clog" 8
		dump "$slog" 12
	fi
	ok=1
	lines=0
	what="no pam_mfa decision"
	if [ "$jdecision" != none ]; then
		# shellcheck disable=SC2086 # two words: result, reason
		set -- $jdecision
		what="result=$1 reason=$2"
		lines=1
		line="pam_mfa\\($jsvc:auth\\): $what user=$juser"
		line="$line service=$jsvc rhost=127\\.0\\.0\\.1( |\$)"
		wait_for_log "$line" || ok=0
	fi
	if [ "$junix" = pam_unix ]; then
		what="$what, pam_unix failure"
		line="pam_unix\\($jsvc:auth\\): authentication failure;"
		wait_for_log "$line.* user=$juser\$" || ok=0
	fi
	got=$(tail -n +"$mark" "$log" | grep -c 'pam_mfa(')
	if [ "$ok" = 1 ] && [ "$got" -eq "$lines" ]; then
		pass "$jname: syslog $what"
	else
		fail "$jname: syslog $what"
		tail -n +"$mark" "$log" | sed 's/^/# /'
	fi
}

# --- one field: password-first stack (conf/pam.d/openvpn) ---------------
attempt onefield alice "$(pw alice)"
if [ "$outcome" = connected ]; then
	pass "harness: password-only stack (pam_matrix) lets the client in"
else
	fail "harness: password-only stack (pam_matrix) lets the client in"
	dump "$clog"
	dump "$WORK/onefield.log"
fi
cp "$WORK/openvpn.mfa" "$WORK/pam.d/openvpn"

code_a=$(totp alice 0)
attempt onefield alice "$(pw alice)$code_a"
judge "(a) password+code in one field" openvpn alice connected "accept ok"
attempt onefield alice "$(pw alice)$code_a"
judge "(d) the code of (a) again" openvpn alice refused "deny replay"
attempt onefield alice "$(pw alice)$(wrong_code alice)"
judge "(b) right password, wrong code" openvpn alice refused "deny bad_code"
# The next step's code: (a) spent the current one.
code_c=$(totp alice 30)
attempt onefield alice "not-$(pw alice)$code_c"
judge "(c) wrong password, right code" openvpn alice refused none pam_unix
attempt onefield alice "$(pw alice)$code_c"
judge "(c) then the same code with the right password" \
    openvpn alice connected "accept ok"
attempt onefield alice "$(pw alice)$(stale_code alice)"
judge "(e) a code 5 minutes old" openvpn alice refused "deny bad_code"

# A backup code after the password, with its hyphen: once.
bc_a=$(sed -n 1p "$WORK/alice.backup")
attempt onefield alice "$(pw alice)$bc_a"
judge "(i) password+backup code in one field" openvpn alice connected \
    "accept ok"
attempt onefield alice "$(pw alice)$bc_a"
judge "(i) the backup code of (i) again" openvpn alice refused "deny replay"

# A renegotiation (every reneg-sec; 3 s here) must not ask PAM again: the
# password the client kept holds a spent code.  auth-gen-token's token
# stands in for it.
extra="--reneg-sec 3"
hold="Username/auth-token authentication succeeded for username 'carol'"
attempt onefield carol "$(pw carol)$(totp carol 0)"
extra=""
hold=""
judge "(g) renegotiation after 3 s" openvpn carol connected "accept ok"
check "(g) renegotiation after 3 s: the tunnel stays up on the token" \
    [ "$held" = yes ]

# --- one field, code first (the alternative in conf/pam.d/openvpn) -----
cp "$WORK/openvpn.codefirst" "$WORK/pam.d/openvpn"
attempt onefield dave "$(pw dave)$(totp dave 0)"
judge "(h) code first: password+code" openvpn dave connected "accept ok"
code_h=$(totp dave 30)
attempt onefield dave "not-$(pw dave)$code_h"
judge "(h) code first: wrong password spends the code" \
    openvpn dave refused "accept ok" pam_unix
attempt onefield dave "$(pw dave)$code_h"
judge "(h) code first: that code with the right password" \
    openvpn dave refused "deny replay"

# --- the account step: a split no verify checked -------------------------
# The shipped stack with its verify line deleted lets the password alone
# through the auth stack; the plugin's pam_acct_mgmt runs pam_mfa's
# account step, which refuses the login and says why.
grep -v 'onefield=verify' "$WORK/openvpn.mfa" >"$WORK/pam.d/openvpn"
attempt onefield carol "$(pw carol)$(totp carol 30)"
if [ "$outcome" = refused ]; then
	pass "(k) split without verify: client refused"
else
	fail "(k) split without verify: client refused (got $outcome)"
fi
acct='pam_mfa\(openvpn:account\): result=deny reason=config_error'
if wait_for_log "$acct user=carol .*detail=split_without_verify"; then
	pass "(k) split without verify: the account step logs why"
else
	fail "(k) split without verify: the account step logs why"
	tail -n +"$mark" "$log" | sed 's/^/# /'
fi

# --- static challenge: the code on the client's terminal ----------------
attempt sc bob "$(pw bob)" "$(totp bob 0)"
judge "(f) static challenge, right password and code" \
    openvpn-static-challenge bob connected "accept ok"
attempt sc bob "$(pw bob)" "$(wrong_code bob)"
judge "(f) static challenge, wrong code" \
    openvpn-static-challenge bob refused "deny bad_code"
attempt sc bob "not-$(pw bob)" "$(totp bob 30)"
judge "(f) static challenge, wrong password" \
    openvpn-static-challenge bob refused none pam_unix
attempt sc bob "$(pw bob)" "$(sed -n 1p "$WORK/bob.backup")"
judge "(f) static challenge, a backup code" \
    openvpn-static-challenge bob connected "accept ok"

# --- the per-source throttle: PAM_RHOST from the real server -----------
# Every line above said rhost=127.0.0.1: the auth-pam plugin passes the
# client's address.  With source_deny = 2, two wrong codes from it (two
# users) throttle it: the right code is then refused, logged
# source_throttled, until pam-mfa unlock --source.  Last: the client's
# address is every login's.
cp "$WORK/openvpn.mfa" "$WORK/pam.d/openvpn"
printf 'source_deny = 2;\nsource_lock_time = 600;\n' >>"$conf"
attempt onefield alice "$(pw alice)$(wrong_code alice)"
judge "(l) throttle: a wrong code from 127.0.0.1" openvpn alice refused \
    "deny bad_code"
attempt onefield dave "$(pw dave)$(wrong_code dave)"
judge "(l) throttle: a second user's wrong code" openvpn dave refused \
    "deny bad_code"
check "(l) throttle: the second failure throttles the source" \
    wait_for_log 'user=dave .*source=127\.0\.0\.1 source_failures=2 source_locked_until='
# bob's floor is the step after (f)'s code: the next step's is good.
code_l=$(totp bob 30)
attempt onefield bob "$(pw bob)$code_l"
judge "(l) throttle: the right code from the throttled source" openvpn \
    bob refused "deny source_throttled"
check "(l) throttle: status --sources shows it" sh -c \
    "'$MFA_CLI' -c '$conf' status --sources | grep -q '^127\.0\.0\.1 failures=2 throttled=until_'"
check "(l) throttle: bob's failures untouched" sh -c \
    "'$MFA_CLI' -c '$conf' status bob | grep -q ' failures=0 '"
check "(l) throttle: unlock --source" \
    "$MFA_CLI" -c "$conf" unlock --source 127.0.0.1
attempt onefield bob "$(pw bob)$code_l"
judge "(l) throttle: after unlock --source, the same code" openvpn bob \
    connected "accept ok"

# Nothing the user typed, and no secret, reaches the log.
for u in $users; do
	pw "$u" >>"$WORK/codes"
	if [ -s "$WORK/$u.secret" ]; then
		printf '%s\n' "$(cat "$WORK/$u.secret")" >>"$WORK/codes"
	fi
	cat "$WORK/$u.backup" >>"$WORK/codes"
done
# (An empty pattern would match every line: there is none.)
if grep -q -x '' "$WORK/codes"; then
	fail "no password, code or secret in syslog (empty pattern)"
elif grep -q -F -f "$WORK/codes" "$log"; then
	fail "no password, code or secret in syslog"
else
	pass "no password, code or secret in syslog"
fi

if [ -n "${MFA_PRELOAD:-}" ]; then
	if grep -E 'ERROR: AddressSanitizer|runtime error:' \
	    "$WORK/onefield.log" "$WORK/sc.log"; then
		fail "no sanitizer report in the servers' logs"
	else
		pass "no sanitizer report in the servers' logs"
	fi
fi
finish
