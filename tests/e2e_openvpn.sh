#!/bin/sh
# e2e_openvpn.sh - pam_mfa behind a real OpenVPN 2.6 server: the auth-pam
# plugin, real libpam and the shipped conf/pam.d/openvpn* stacks and
# conf/openvpn/*.conf lines, a server and a client in a private network
# namespace on 127.0.0.1.  One-field logins (password immediately followed
# by the code) and static-challenge logins (the code typed on the client's
# terminal); each case is judged by the client's outcome ("Initialization
# Sequence Completed" or AUTH_FAILED) and by pam_mfa's syslog line.
#
# Nothing is written to the real /etc: inside with-logsink.sh's private
# mount namespace, /etc/pam.d, /etc/passwd and /etc/shadow are bind mounts
# of files in the work directory (so real, unwrapped libpam reads the
# stacks, and pam_unix checks users that exist only here), and /dev/net/tun
# is a node on that namespace's private /dev.
. "$(dirname "$0")/lib.sh"
need_root
here=$(cd "$(dirname "$0")" && pwd)
self=$here/$(basename "$0")
ovconf=$MFA_SRCDIR/conf/openvpn
pamconf=$MFA_SRCDIR/conf/pam.d

if [ "${1:-}" != --in-netns ]; then
	for t in openvpn openssl script ip unshare mknod "$OATHTOOL"; do
		if ! command -v "$t" >/dev/null 2>&1; then
			echo "SKIP: $t not found"
			exit 77
		fi
	done
	# The private mount and network namespaces; the second half of this
	# script runs inside them.
	"$here/with-logsink.sh" "$WORK/syslog" \
	    unshare --net -- sh "$self" --in-netns "$WORK/syslog"
	exit $?
fi

log=$2
pids=""
cleanup() {
	for p in $pids; do
		stop "$p"
	done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

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

# dump FILE: the end of a log under a failed case, for the reader.
dump() {
	echo "--- $1 (last lines)"
	tail -n 25 "$1" | sed 's/^/# /'
}

# --- the namespace: loopback, a tun device node, private /etc files ----
ip link set lo up
mkdir -p /dev/net
[ -c /dev/net/tun ] || mknod -m 0600 /dev/net/tun c 10 200
# Ptys for the static-challenge client: the host's devpts, bound into the
# private /dev, hands out none here; a new instance of our own does.
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts /dev/pts
mount --bind /dev/pts/ptmx /dev/ptmx

conf=$WORK/mfa.conf
printf 'state_dir = "%s";\nkey_file = "%s";\n' "$WORK/state" "$WORK/mfa.key" >"$conf"
chmod 0644 "$conf"
pw_alice=correct-horse
pw_bob=battery-staple
pw_carol=tr0ub4dor
{
	echo "root:x:0:0:root:/root:/bin/sh"
	echo "alice:x:4001:65534:e2e:/nonexistent:/usr/sbin/nologin"
	echo "bob:x:4002:65534:e2e:/nonexistent:/usr/sbin/nologin"
	echo "carol:x:4003:65534:e2e:/nonexistent:/usr/sbin/nologin"
} >"$WORK/passwd"
{
	echo "root:*:19000:0:99999:7:::"
	echo "alice:$(openssl passwd -6 "$pw_alice"):19000:0:99999:7:::"
	echo "bob:$(openssl passwd -6 "$pw_bob"):19000:0:99999:7:::"
	echo "carol:$(openssl passwd -6 "$pw_carol"):19000:0:99999:7:::"
} >"$WORK/shadow"
chmod 0644 "$WORK/passwd"
chmod 0600 "$WORK/shadow"
mkdir "$WORK/pam.d"
printf '%s required pam_deny.so\n' auth account password session \
    >"$WORK/pam.d/other"
# The shipped stacks, pam_mfa.so by its build path with our config.
for f in openvpn openvpn-static-challenge; do
	sed "s|pam_mfa\.so|$MFA_MODULE conf=$conf|" "$pamconf/$f" >"$WORK/$f.mfa"
done
# Harness check first: a password-only stack (pam_matrix, as the other
# tests) must let the client in before the module is judged.
printf 'alice:%s:openvpn\n' "$pw_alice" >"$WORK/passdb"
printf '%s required %s passdb=%s\n' auth "$PAM_MATRIX" "$WORK/passdb" \
    account "$PAM_MATRIX" "$WORK/passdb" >"$WORK/pam.d/openvpn"
cp "$WORK/openvpn-static-challenge.mfa" "$WORK/pam.d/openvpn-static-challenge"
mount --bind "$WORK/pam.d" /etc/pam.d
mount --bind "$WORK/passwd" /etc/passwd
mount --bind "$WORK/shadow" /etc/shadow

# Tokens: the URI's secret gives oathtool the codes.
enroll() {
	"$MFA_CLI" -c "$conf" enroll "$1" | sed -n 's/.*[?&]secret=\([A-Z2-7]*\).*/\1/p'
}
sec_alice=$(enroll alice)
sec_bob=$(enroll bob)
sec_carol=$(enroll carol)
if [ -z "$sec_alice" ] || [ -z "$sec_bob" ] || [ -z "$sec_carol" ]; then
	fail "enroll alice, bob and carol"
	finish
	exit 1
fi
pass "enroll alice, bob and carol"

# totp SECRET OFFSET: the code OFFSET seconds from now.
totp() {
	"$OATHTOOL" --totp -b "$1" --now="@$(($(date +%s) + $2))"
}
# wrong_code SECRET: a well-formed code no step near now accepts.
wrong_code() {
	near=" $(totp "$1" -60) $(totp "$1" -30) $(totp "$1" 0) $(totp "$1" 30) $(totp "$1" 60) "
	for c in 000000 111111 222222 333333 444444 555555; do
		case $near in *" $c "*) ;; *) echo "$c"; return ;; esac
	done
}

# --- PKI: one throwaway self-signed server certificate ------------------
# The client pins its fingerprint; clients have no certificate
# (verify-client-cert none): the password and the code are the login.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$WORK/server.key" -out "$WORK/server.crt" -days 1 \
    -subj /CN=pam-mfa-e2e >/dev/null 2>&1
fp=$(openssl x509 -in "$WORK/server.crt" -noout -fingerprint -sha256 | sed 's/.*=//')

# --- servers: one-field on port 11941, static challenge on 11942 ---------
# server NAME PORT NET PLUGIN-LINE: config = test network and TLS lines
# plus the operator's lines from conf/openvpn/server-pam.conf, the plugin
# line replaced by PLUGIN-LINE.
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
		grep -v -e '^[#;]' -e '^plugin ' -e '^$' "$ovconf/server-pam.conf"
		echo "$4"
	} >"$WORK/$1.conf"
	openvpn --config "$WORK/$1.conf" >"$WORK/$1.log" 2>&1 &
	pids="$pids $!"
}
plugin_onefield=$(grep '^plugin ' "$ovconf/server-pam.conf")
plugin_sc=$(sed -n 's/^;\(plugin .*static-challenge.*\)/\1/p' "$ovconf/server-pam.conf")
if [ -n "$plugin_onefield" ] && [ -n "$plugin_sc" ]; then
	pass "server-pam.conf has both plugin lines"
else
	fail "server-pam.conf has both plugin lines"
fi
server onefield 11941 10.201.0.0 "$plugin_onefield"
server sc 11942 10.202.0.0 "$plugin_sc"
for s in onefield sc; do
	if ! wait_for "$WORK/$s.log" 'Initialization Sequence Completed' 100; then
		fail "$s server starts"
		dump "$WORK/$s.log"
		finish
		exit 1
	fi
done
pass "servers start (tun in a private network namespace)"

# Client configs: the operator's lines from conf/openvpn/client.conf (the
# static-challenge one uncommented) plus the test's network lines.
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
connect-retry-max 1
verb 3
EOF
		grep -v -e '^[#;]' -e '^$' "$ovconf/client.conf"
		[ "$1" = sc ] && sed -n 's/^;\(static-challenge .*\)/\1/p' "$ovconf/client.conf"
	} >"$WORK/client-$1.conf"
}
client_conf onefield 11941
client_conf sc 11942
check "client.conf has a static-challenge line" grep -q '^static-challenge ' "$WORK/client-sc.conf"

n=0
extra=""
hold=""
# attempt MODE USER PASSWORD [RESPONSE]: one client login; sets $outcome
# to connected, refused or timeout, and $mark to the first syslog line it
# may have left.  MODE sc types RESPONSE on the client's terminal (a pty:
# script).  $extra: more client options (one-field mode); $hold: see below.
attempt() {
	n=$((n + 1))
	mark=$(($(wc -l <"$log") + 1))
	up=$WORK/up.$n
	clog=$WORK/client.$n.log
	(umask 077 && printf '%s\n%s\n' "$2" "$3" >"$up")
	if [ "$1" = sc ]; then
		printf '%s\n' "$4" | script -q -e -c "openvpn --config \
$WORK/client-sc.conf --auth-user-pass $up --writepid $WORK/client.$n.pid" \
		    /dev/null >"$clog" 2>&1 &
	else
		openvpn --config "$WORK/client-onefield.conf" \
		    --auth-user-pass "$up" $extra >"$clog" 2>&1 &
	fi
	cpid=$!
	pids="$pids $cpid"
	outcome=timeout
	if wait_for "$clog" 'Initialization Sequence Completed|AUTH_FAILED' 150; then
		if grep -q 'Initialization Sequence Completed' "$clog"; then
			outcome=connected
		else
			outcome=refused
		fi
	fi
	# Hold the tunnel until the server log shows $hold, then a second more:
	# $held says whether the client was still up and never refused.
	held=no
	if [ "$outcome" = connected ] && [ -n "$hold" ] &&
	    wait_for "$WORK/onefield.log" "$hold" 100; then
		sleep 1
		if kill -0 "$cpid" 2>/dev/null && ! grep -q AUTH_FAILED "$clog"; then
			held=yes
		fi
	fi
	if [ -s "$WORK/client.$n.pid" ]; then
		stop "$(cat "$WORK/client.$n.pid")"
	fi
	stop "$cpid"
	rm -f "$up"
}

# judge NAME SERVICE USER WANT REASON: the client's outcome is WANT
# (connected/refused) and pam_mfa left exactly one line for this attempt,
# result=accept/deny reason=REASON user=USER service=SERVICE
# rhost=127.0.0.1; REASON "none": the password failed and pam_mfa logged
# no decision.
judge() {
	if [ "$outcome" = "$4" ]; then
		pass "$1: client $4"
	else
		fail "$1: client $4 (got $outcome)"
		dump "$clog"
	fi
	if [ "$5" = none ]; then
		wait_for_log "pam_unix\\($2:auth\\): authentication failure.* user=$3\$"
		got=$(tail -n +"$mark" "$log" | grep -c 'pam_mfa(')
		if [ "$got" -eq 0 ] && [ "$wait_rc" -eq 0 ]; then
			pass "$1: syslog: pam_unix failure, no pam_mfa decision"
		else
			fail "$1: syslog: pam_unix failure, no pam_mfa decision"
			tail -n +"$mark" "$log" | sed 's/^/# /'
		fi
		return
	fi
	result=deny
	[ "$4" = connected ] && result=accept
	want="pam_mfa\\($2:auth\\): result=$result reason=$5 user=$3 service=$2 rhost=127\\.0\\.0\\.1( |\$)"
	wait_for_log "$want"
	got=$(tail -n +"$mark" "$log" | grep -c 'pam_mfa(')
	if [ "$wait_rc" -eq 0 ] && [ "$got" -eq 1 ]; then
		pass "$1: syslog result=$result reason=$5"
	else
		fail "$1: syslog result=$result reason=$5"
		tail -n +"$mark" "$log" | sed 's/^/# /'
	fi
}
# wait_for_log ERE: up to 3 s for the attempt's syslog lines to match.
wait_for_log() {
	wait_rc=0
	i=0
	until tail -n +"$mark" "$log" | grep -Eq -- "$1"; do
		i=$((i + 1))
		if [ "$i" -gt 30 ]; then
			wait_rc=1
			return
		fi
		sleep 0.1
	done
}

# --- one field --------------------------------------------------------
attempt onefield alice "$pw_alice"
if [ "$outcome" = connected ]; then
	pass "harness: password-only stack (pam_matrix) connects"
else
	fail "harness: password-only stack (pam_matrix) connects (got $outcome)"
	dump "$clog"
	dump "$WORK/onefield.log"
fi
cp "$WORK/openvpn.mfa" "$WORK/pam.d/openvpn"

code_a=$(totp "$sec_alice" 0)
attempt onefield alice "$pw_alice$code_a"
judge "(a) password+current code in one field" openvpn alice connected ok

attempt onefield alice "$pw_alice$code_a"
judge "(d) the code of (a) again" openvpn alice refused replay

attempt onefield alice "$pw_alice$(wrong_code "$sec_alice")"
judge "(b) right password, wrong code" openvpn alice refused bad_code

# The next step's code: (a) spent the current one.
code_c=$(totp "$sec_alice" 30)
attempt onefield alice "not-$pw_alice$code_c"
judge "(c) wrong password, right code" openvpn alice refused none
attempt onefield alice "$pw_alice$code_c"
judge "(c2) the code typed with the wrong password still works" \
    openvpn alice connected ok

attempt onefield alice "$pw_alice$(totp "$sec_alice" -300)"
judge "(e) a code 5 minutes old" openvpn alice refused bad_code

# A renegotiation (every reneg-sec; 3 s here) must not ask PAM again: the
# code would be a replay.  auth-gen-token's token stands in for it.
extra="--reneg-sec 3"
hold="Username/auth-token authentication succeeded for username 'carol'"
attempt onefield carol "$pw_carol$(totp "$sec_carol" 0)"
extra=""
hold=""
judge "(g) a tunnel renegotiated after 3 s" openvpn carol connected ok
check "(g) a tunnel renegotiated after 3 s: kept by the auth-gen-token token" \
    [ "$held" = yes ]

# --- static challenge: the code on the client's terminal ---------------
attempt sc bob "$pw_bob" "$(totp "$sec_bob" 0)"
judge "(f) static challenge, right password and code" \
    openvpn-static-challenge bob connected ok
attempt sc bob "$pw_bob" "$(wrong_code "$sec_bob")"
judge "(f) static challenge, wrong code" \
    openvpn-static-challenge bob refused bad_code
attempt sc bob "not-$pw_bob" "$(totp "$sec_bob" 30)"
judge "(f) static challenge, wrong password" \
    openvpn-static-challenge bob refused none

finish
