#!/bin/sh
# test_helper.sh - pam_mfa in a host that is not root (FreeRADIUS runs as
# freerad): the module runs pam_mfa_helper, installed setuid root 4750
# root:GROUP at its compiled-in path, for every store operation.
#
# Everything happens in a private mount namespace (with-logsink.sh: a
# private /dev/log too): throwaway accounts exist only there (copies of
# /etc/passwd, group and shadow bind-mounted over the real ones): IN, a
# member of the helper group, and OUT, who is not; a tmpfs covers the
# directories of the helper's compiled-in path and of its config
# directory (or their nearest existing parents), where a root-owned 4750
# copy of the built helper and the tests' configs are put.  Nothing
# outside the work directory is created or changed on the real system.
#
# Proven: the module's libpam suites (test_module, test_onefield_pam,
# test_guest_pam's threads) pass a second time with every
# pam_authenticate run as IN (real and effective ids, asuser.c) through
# the helper (test_lockout_pam and test_backup_pam run on a fake clock
# the setuid helper never sees: their cases are in part 2, on the real
# clock); wrong codes through the helper lock the user for root
# logins too, and so do failed passwords (preauth/authfail); faults
# (helper missing, not setuid, not executable by the caller, caller not
# in the group, store unsafe, corrupt state, lock never granted, helper
# killed mid-attempt, stopped past the module's deadline, a config
# outside the config directory, a host that ignores SIGCHLD or runs
# with no new privileges, the key file gone) all deny with a log line naming why; the caller may not
# signal a running helper; the helper refuses a malformed request, an
# unknown operation and a bad user name, prints nothing, and nothing the
# caller sets (environment, descriptors, signals, umask, resource
# limits) changes its verdict.
here=$(cd "$(dirname "$0")" && pwd)
if [ "${MFA_HP_NS:-}" != 1 ]; then
	. "$here/lib.sh"
	need_root
	for t in setpriv unshare pamtester oathtool flock timeout findmnt \
	    pgrep perl; do
		if ! command -v "$t" >/dev/null 2>&1; then
			echo "FAIL: $t is not installed"
			exit 1
		fi
	done
	IN=mfhi$$
	OUT=mfho$$
	for u in "$IN" "$OUT"; do
		if id "$u" >/dev/null 2>&1 || getent group "$u" >/dev/null; then
			echo "FAIL: user or group $u exists already"
			exit 1
		fi
	done
	trap 'rm -rf "$WORK"' EXIT
	trap 'exit 130' INT TERM HUP PIPE
	rc=0
	MFA_HP_NS=1 MFA_HP_IN=$IN MFA_HP_OUT=$OUT MFA_HP_LOG=$WORK/syslog \
	    LOGSINK=${LOGSINK:-$MFA_BUILDDIR/tests/logsink} \
	    "$here/with-logsink.sh" "$WORK/syslog" /bin/sh "$0" || rc=$?
	exit $rc
fi

# In the private mount namespace from here on.
. "$here/lib.sh"
trap 'exit 130' INT TERM HUP PIPE
IN=$MFA_HP_IN
OUT=$MFA_HP_OUT
log=$MFA_HP_LOG
bin=$MFA_BUILDDIR/tests
if [ "$(readlink /proc/self/ns/mnt)" = "$(readlink /proc/1/ns/mnt)" ]; then
	echo "FAIL: not in a private mount namespace"
	exit 1
fi
# Under ASan: LeakSanitizer can't trace a non-dumpable setuid process.
if [ -n "${ASAN_OPTIONS:-}" ]; then
	ASAN_OPTIONS=$ASAN_OPTIONS:detect_leaks=0
	export ASAN_OPTIONS
fi

# The accounts, and the helper group (made here if the system has none).
. "$here/helperns.sh"
nid=$(cut -d: -f3 /etc/passwd /etc/group | sort -n |
    awk '$1 >= 60000 && $1 < 64000 { last = $1 } END { print last + 0 }')
[ "$nid" -ge 60000 ] || nid=60000
for f in passwd shadow; do
	cp "/etc/$f" "$WORK/etc.$f" && chmod 0644 "$WORK/etc.$f" ||
	    { echo "FAIL: copy /etc/$f"; exit 1; }
done
chmod 0640 "$WORK/etc.shadow"
hns_group "$WORK/etc.group" "$IN"
for u in "$IN" "$OUT"; do
	nid=$((nid + 1))
	echo "$u:x:$nid:$nid:pam_mfa test:/nonexistent:/usr/sbin/nologin" \
	    >>"$WORK/etc.passwd"
	echo "$u:x:$nid:" >>"$WORK/etc.group"
	echo "$u:!:19000:0:99999:7:::" >>"$WORK/etc.shadow"
done
for f in passwd group shadow; do
	mount --bind "$WORK/etc.$f" "/etc/$f" ||
	    { echo "FAIL: bind-mount /etc/$f"; exit 1; }
done
in_uid=$(id -u "$IN") in_gid=$(id -g "$IN")
ggid=$(getent group "$G" | cut -d: -f3)
check "the throwaway user is in $G, the other not" \
    sh -c "id -Gn '$IN' | grep -qw '$G' && ! id -Gn '$OUT' | grep -qw '$G'"

hns_setup
install_helper() { hns_install_helper "$@"; }
check "the helper is at its compiled-in path, 4750 root:$G" \
    [ "$(stat -c %a:%U:%G "$HELPER")" = "4750:root:$G" ]
chmod 0666 /dev/log

# 1. The module's libpam suites, every pam_authenticate run as IN.
suite() {	# suite NAME: the test binary through the helper
	rm -rf "${CONFDIR:?}"/* "${CONFDIR:?}"/.[!.]* 2>/dev/null
	env MFA_TEST_LOG="$log" MFA_TEST_HELPER_DIR="$CONFDIR" \
	    MFA_FIRST_PRELOAD="$bin/.libs/asuser.so" MFA_AS_UID="$in_uid" \
	    MFA_AS_GID="$in_gid" MFA_AS_GROUP="$ggid" \
	    "$bin/$1" >"$WORK/$1.out" 2>&1
	st=$?
	if [ $st -ne 0 ]; then
		sed 's/^/    /' "$WORK/$1.out" | grep -v '^    \[ *\(RUN\|OK\) ' |
		    tail -40
	fi
	return $st
}
n_lines() { grep -c "$1" "$log" || true; }
before=$(n_lines 'pam_mfa_helper\[.*via=helper caller='"$IN")
# (test_lockout_pam and test_backup_pam run on the tests' fake clock,
# years ahead, which a setuid helper rightly never sees: their cases
# through the helper are below, on the real clock.)
for t in test_module test_onefield_pam test_guest_pam; do
	check "$t through the helper as $IN" suite "$t"
	# (the directory is this script's: a suite empties it, never
	# removes it, wherever it lies, /tmp too)
	check "... and left $CONFDIR in place" [ -d "$CONFDIR" ]
done
check "the suites went through the helper (its lines name $IN)" \
    [ "$(n_lines 'pam_mfa_helper\[.*via=helper caller='"$IN")" -gt \
    $((before + 50)) ]
check "test_guest_pam's threads went through it (200 accepts)" \
    [ "$(n_lines 'pam_mfa_helper\[.*result=accept.* user=guest[0-7] .*caller='"$IN")" \
    -ge 199 ]

# 2. Logins through pamtester as IN (or OUT, or root), one per case.
OATHTOOL=${OATHTOOL:-oathtool}
state=$WORK/state
write_conf() {	# write_conf FILE [EXTRA]
	# Its users are in no name service: exact names (user_lookup).
	printf 'state_dir = "%s";\nkey_file = "%s";\ndeny = 3;\nuser_lookup = "exact";\n%s\n' \
	    "$state" "$WORK/mfa.key" "${2:-lock_wait_ms = 300;}" >"$1"
	chmod 0644 "$1"
}
rm -rf "${CONFDIR:?}"/*
write_conf "$CONFDIR/t.conf"
write_conf "$CONFDIR/slow.conf" "lock_wait_ms = 10000;"
write_conf "$CONFDIR/stop.conf" "lock_wait_ms = 2000;"
write_conf "$CONFDIR/src.conf" "source_deny = 1;"
write_conf "$WORK/outside.conf"
pamd=$WORK/pam.d
mkdir -m 0755 "$pamd"
svc() {	# svc NAME CONF
	echo "auth required $MFA_MODULE conf=$2" >"$pamd/$1"
	chmod 0644 "$pamd/$1"
}
svc t "$CONFDIR/t.conf"
svc slow "$CONFDIR/slow.conf"
svc stop "$CONFDIR/stop.conf"
svc outside "$WORK/outside.conf"
svc dotdot "$CONFDIR/../pam_mfa.d/t.conf"
# preauth/authfail around a password module that always fails.
{
	echo "auth required $MFA_MODULE conf=$CONFDIR/t.conf preauth"
	echo "auth [success=1 default=ignore] pam_deny.so"
	echo "auth [default=die] $MFA_MODULE conf=$CONFDIR/t.conf authfail"
	echo "auth required $MFA_MODULE conf=$CONFDIR/t.conf"
} >"$pamd/pa"
chmod 0644 "$pamd/pa"
enroll() {	# enroll USER: prints the base32 secret; backup codes kept
	"$MFA_CLI" -c "$CONFDIR/t.conf" enroll -y "$1" >"$WORK/$1.enroll"
	sed -n 's/^  \([0-9]\{5\}-[0-9]\{5\}\)$/\1/p' "$WORK/$1.enroll" \
	    >"$WORK/$1.backup"
	sed -n 's/.*[?&]secret=\([A-Z2-7]*\).*/\1/p' "$WORK/$1.enroll"
}
totp() {	# totp SECRET [SECONDS_FROM_NOW]
	"$OATHTOOL" --totp -b "$1" --now="@$(($(date +%s) + ${2:-0}))" |
	    tee -a "$WORK/codes"
}
# login WHO SERVICE USER ANSWER: pamtester authenticate as WHO (root,
# IN or OUT); its exit status.  $HOST_WRAP: a command pamtester runs
# under.
HOST_WRAP=""
login() {
	who=$1 s=$2 u=$3
	shift 3
	if [ "$who" = root ]; then
		set --  "$@"
		printf '%s\n' "$@" | env LD_PRELOAD="$PAM_PRELOAD" \
		    PAM_WRAPPER=1 PAM_WRAPPER_USE_SYSLOG=1 \
		    PAM_WRAPPER_SERVICE_DIR="$pamd" \
		    timeout 60 pamtester "$s" "$u" authenticate \
		    >"$WORK/pt.out" 2>&1
		return
	fi
	printf '%s\n' "$@" | setpriv --reuid="$who" --regid="$who" \
	    --init-groups env LD_PRELOAD="$PAM_PRELOAD" \
	    PAM_WRAPPER=1 PAM_WRAPPER_USE_SYSLOG=1 \
	    PAM_WRAPPER_SERVICE_DIR="$pamd" \
	    timeout 60 $HOST_WRAP pamtester "$s" "$u" authenticate \
	    >"$WORK/pt.out" 2>&1
}
denied() { ! login "$@"; }
# logged FRAG [FRAG2 [FRAG3]]: a pam_mfa( line since the last match holds
# every FRAG; waits up to 2 s.
seen=0
logged() {
	i=0
	while [ $i -lt 100 ]; do
		if tail -n +$((seen + 1)) "$log" | grep 'pam_mfa(' |
		    awk -v a="$1" -v b="${2:-}" -v c="${3:-}" \
		    'index($0, a) && index($0, b) && index($0, c) { f = 1 }
		    END { exit !f }'; then
			seen=$(wc -l <"$log")
			return 0
		fi
		sleep 0.02
		i=$((i + 1))
	done
	echo "    no line with: $*"
	tail -n 4 "$log" | sed 's/^/    /'
	return 1
}
# helper_logged FRAG [FRAG2]: a helper line holds both.
helper_logged() {
	i=0
	while [ $i -lt 100 ]; do
		if grep 'pam_mfa_helper\[' "$log" | awk -v a="$1" \
		    -v b="${2:-}" 'index($0, a) && index($0, b) { f = 1 }
		    END { exit !f }'; then
			return 0
		fi
		sleep 0.02
		i=$((i + 1))
	done
	echo "    no helper line with: $*"
	return 1
}
s_alice=$(enroll alice) s_bob=$(enroll bob) s_carol=$(enroll carol)
s_dave=$(enroll dave) s_erin=$(enroll erin) s_frank=$(enroll frank)
for s in "$s_alice" "$s_bob" "$s_carol" "$s_dave" "$s_erin" "$s_frank"; do
	[ ${#s} -eq 32 ] || { echo "FAIL: enroll printed no secret"; exit 1; }
done
seen=$(wc -l <"$log")

c=$(totp "$s_alice")
check "a code through the helper: accepted" login "$IN" t alice "$c"
check "... the module's line as for root" \
    logged "result=accept reason=ok user=alice service=t"
check "... and the helper's, naming the caller" \
    helper_logged "result=accept reason=ok user=alice service=t rhost=- op=attempt" \
    "via=helper caller=$IN"
check "the same code again: refused as a replay" denied "$IN" t alice "$c"
check "... logged as a replay" logged "result=deny reason=replay user=alice"

# Each guess through the helper counts toward the lockout of every login.
for i in 1 2 3; do
	w=$(wrong_code "$s_bob")
	check "wrong code $i for bob through the helper: refused" \
	    denied "$IN" t bob "$w"
done
# (the lock's end and step come back from the helper to the module's line)
check "... the third locked bob, until when, the first lock" \
    logged "reason=bad_code user=bob" "failures=3 locked=yes locked_until=20" \
    "lock_step=1"
check "bob's good code as root, after: refused, locked" \
    denied root t bob "$(totp "$s_bob")"
check "... logged as locked" logged "result=deny reason=locked user=bob"

# Failed passwords counted through the helper (authfail), the lock then
# refused before anything is asked (preauth).
for i in 1 2 3; do
	check "failed password $i for frank: refused" \
	    denied "$IN" pa frank "pw" "$(totp "$s_frank")"
	check "... counted through the helper (authfail)" \
	    logged "result=deny reason=bad_password user=frank" "failures=$i"
done
check "frank locked: refused at preauth" \
    denied "$IN" pa frank "pw" "$(totp "$s_frank")"
check "... logged by preauth" \
    logged "result=deny reason=locked user=frank" "detail=preauth"
check "frank's good code as root: refused, locked" \
    denied root t frank "$(totp "$s_frank")"
check "... logged as locked" logged "result=deny reason=locked user=frank"

b=$(head -n 1 "$WORK/alice.backup")
check "a backup code through the helper: accepted" login "$IN" t alice "$b"
check "... logged as a backup code, as for root" \
    logged "result=accept reason=ok user=alice" "detail=backup_code"
check "the backup code again: refused" denied "$IN" t alice "$b"
check "... logged as a replay, as for root" \
    logged "result=deny reason=replay user=alice"
check "a malformed answer: refused before the helper" \
    denied "$IN" t alice "12ab56"
check "... logged as malformed" \
    logged "reason=bad_input user=alice" "detail=malformed_code"

# enroll_at_login through the helper: under unenrolled = "ignore" a user
# with a pending token is asked for its code (the helper's meta op says
# so), and the code activates it, as for root.
write_conf "$CONFDIR/lg.conf" 'lock_wait_ms = 300;
unenrolled = "ignore";
enroll_at_login = true;'
svc lg "$CONFDIR/lg.conf"
"$MFA_CLI" -c "$CONFDIR/t.conf" enroll -q none gail </dev/null \
    >"$WORK/gail.enroll" 2>/dev/null
s_gail=$(sed -n 's/.*[?&]secret=\([A-Z2-7]*\).*/\1/p' "$WORK/gail.enroll")
check "gail: a pending token" [ ${#s_gail} -eq 32 ]
check "gail's pending code through the helper: accepted" \
    login "$IN" lg gail "$(totp "$s_gail")"
check "... the module's line says it activated the token" \
    logged "result=accept reason=ok user=gail service=lg" \
    "action=enroll_confirm by=login"
check "... and the helper's" helper_logged \
    "result=accept reason=ok user=gail service=lg" \
    "action=enroll_confirm by=login"
check "... gail is enrolled" sh -c "'$MFA_CLI' -c '$CONFDIR/t.conf' status \
    gail | grep -q 'enrolled=yes pending=no'"
check "a user without a pending token: still exempt" \
    denied "$IN" lg hank "123456"
check "... logged as exempt" \
    logged "result=ignore reason=not_enrolled user=hank" "exempt_by_config"

# 3. Faults: each denies, with a line naming it.
check "a caller outside $G (4750): refused" \
    denied "$OUT" t carol "$(totp "$s_carol")"
check "... logged: the helper can't be run" \
    logged "result=deny reason=config_error user=carol" \
    "detail=helper_not_executable"
install_helper 4755
check "a caller outside $G (helper 4755): refused" \
    denied "$OUT" t carol "$(totp "$s_carol")"
check "... logged: the helper refused the caller" \
    logged "result=deny reason=config_error user=carol" \
    "detail=helper_refused_caller"
check "... and the helper's line names them" \
    helper_logged "detail=caller_not_in_group" "caller=$OUT"
install_helper 0755
check "a helper not setuid: refused" \
    denied "$IN" t carol "$(totp "$s_carol")"
check "... logged" logged "result=deny reason=config_error user=carol" \
    "detail=helper_not_setuid"
rm -f "$HELPER"
check "no helper: refused" denied "$IN" t carol "$(totp "$s_carol")"
check "... logged" logged "result=deny reason=config_error user=carol" \
    "detail=helper_missing"
install_helper
check "a config outside $CONFDIR: refused" \
    denied "$IN" outside carol "$(totp "$s_carol")"
check "... logged" logged "result=deny reason=config_error user=carol" \
    "detail=helper_refused_request"
check "... the helper's line says why" \
    helper_logged "detail=config_not_allowed" "user=carol"
check "a config named through ..: refused" \
    denied "$IN" dotdot carol "$(totp "$s_carol")"
check "... logged" logged "reason=config_error user=carol" "config="
chmod 0755 "$state"
check "a store others can read: refused" \
    denied "$IN" t carol "$(totp "$s_carol")"
check "... logged" logged "result=deny reason=unsafe_file user=carol"
chmod 0700 "$state"
cp "$state/dave.state" "$WORK/dave.state.good"
head -c 4096 /dev/urandom >"$state/dave.state"
check "corrupt state: refused" denied "$IN" t dave "$(totp "$s_dave")"
check "... logged" logged "result=deny reason=corrupt_state user=dave"
cp "$WORK/dave.state.good" "$state/dave.state"
# The lock held by a process of ours that we stop by its pid.
sh -c 'exec 9<"$1"; flock 9; exec sleep 30' x "$state/erin.state" &
holder=$!
sleep 0.2
check "the lock never granted: refused" \
    denied "$IN" t erin "$(totp "$s_erin")"
check "... logged" logged "result=deny reason=state_busy user=erin"
# desc PID NAME: the descendants of PID (ours) named NAME.
desc() {
	for c in $(pgrep -P "$1"); do
		[ "$(cat "/proc/$c/comm" 2>/dev/null)" = "$2" ] && echo "$c"
		desc "$c" "$2"
	done
}
# helper_of PID: the helper our login PID runs, waited for (up to 4 s).
helper_of() {
	i=0
	hp=""
	while [ -z "$hp" ] && [ $i -lt 200 ]; do
		sleep 0.02
		hp=$(desc "$1" pam_mfa_helper | head -n 1)
		i=$((i + 1))
	done
	[ -n "$hp" ]
}
# Killed while it waits for that lock.
login "$IN" slow erin "$(totp "$s_erin")" &
pt=$!
helper_of "$pt" && kill -9 "$hp"
wait "$pt"
rc=$?
check "the helper killed mid-attempt: refused" \
    [ $rc -ne 0 ] && [ -n "$hp" ]
check "... logged" logged "result=deny reason=internal_error user=erin" \
    "detail=helper_killed"
# Stopped (by root: its caller can't) while it waits: the module gives
# up at its deadline (lock_wait_ms + 10 s); the helper, continued, ends
# itself (its own timer ran out meanwhile).
login "$IN" stop erin "$(totp "$s_erin")" &
pt=$!
# Once it has taken root's ids for all its uids (then it waits 2 s for
# the lock).
if helper_of "$pt"; then
	i=0
	until grep -qs '^Uid:[[:space:]]*0[[:space:]]*0[[:space:]]*0' \
	    "/proc/$hp/status" || [ $i -ge 100 ]; do
		sleep 0.01
		i=$((i + 1))
	done
	kill -STOP "$hp"
fi
check "... its caller may not signal it (kill -0: EPERM)" \
    sh -c "! setpriv --reuid=$IN --regid=$IN --init-groups \
    kill -0 $hp 2>/dev/null"
wait "$pt"
rc=$?
check "the helper stopped past the deadline: refused" \
    [ $rc -ne 0 ] && [ -n "$hp" ]
check "... logged" logged "result=deny reason=internal_error user=erin" \
    "detail=helper_timeout"
[ -n "$hp" ] && kill -CONT "$hp" 2>/dev/null
i=0
while [ -n "$hp" ] && [ -e "/proc/$hp" ] && [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
check "... and, continued, it ended itself" [ ! -e "/proc/$hp" ]
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
if login "$IN" t erin "$(totp "$s_erin" 30)"; then
	pass "after the faults, erin's good code through the helper: accepted"
else
	fail "after the faults, erin's good code through the helper: accepted"
	sed 's/^/    /' "$WORK/pt.out"
	tail -n 4 "$log" | sed 's/^/    /'
fi

# A host that ignores SIGCHLD: the kernel reaps the helper, its exit
# status (the verdict) is lost, and the login is refused.
# (dash's trap "" CHLD does not ignore it: perl sets SIG_IGN, which an
# exec keeps.  The check reads SIGCHLD's bit, 1 << 16, alone: a run in the
# background also ignores SIGINT and SIGQUIT.)
HOST_WRAP="perl -e \$SIG{CHLD}=q(IGNORE);exec(@ARGV)or(exit(127))"
check "the wrapper ignores SIGCHLD" $HOST_WRAP \
    grep -q '^SigIgn:.*[13579bdf][0-9a-f][0-9a-f][0-9a-f][0-9a-f]$' \
    /proc/self/status
check "a host ignoring SIGCHLD (the helper reaped): refused" \
    denied "$IN" t erin "$(wrong_code "$s_erin")"
check "... logged" logged "result=deny reason=internal_error user=erin" \
    "detail=helper_reaped"
HOST_WRAP=""
# A host with no new privileges (systemd's NoNewPrivileges=true): the
# setuid bit would be ignored, the module says so without running it.
HOST_WRAP="setpriv --no-new-privs"
check "a host with no new privileges: refused" \
    denied "$IN" t erin "$(wrong_code "$s_erin")"
check "... logged" logged "result=deny reason=config_error user=erin" \
    "detail=no_new_privs"
HOST_WRAP=""
# The key file gone: the helper can't decrypt the secret.
mv "$WORK/mfa.key" "$WORK/mfa.key.away"
check "the key file gone: refused" denied "$IN" t dave "$(totp "$s_dave")"
check "... logged" logged "result=deny reason=" "user=dave service=t"
check "... not as an accept" sh -c "! tail -n 3 '$log' |
    grep -q 'result=accept reason=ok user=dave'"
mv "$WORK/mfa.key.away" "$WORK/mfa.key"
check "and back: dave's next code through the helper: accepted" \
    login "$IN" t dave "$(totp "$s_dave" 30)"

# 4. The helper alone, run by IN with a request on its standard input.
# req FIELD...: the request, each field NUL-terminated.
req() { printf '%s\000' "$@"; }
direct() {	# direct FILE [PREFIX...]: status of the helper fed FILE
	setpriv --reuid="$IN" --regid="$IN" --init-groups "$@" "$HELPER" \
	    <"$WORK/req" >"$WORK/h.out" 2>"$WORK/h.err"
}
status_is() {	# status_is N CMD...: CMD's status is N, it printed nothing
	want=$1
	shift
	"$@"
	got=$?
	if [ "$got" -ne "$want" ]; then
		echo "    exit status $got, not $want"
		sed 's/^/    /' "$WORK/h.err"
		tail -n 3 "$log" | sed "s/^/    /"
		return 1
	fi
	[ ! -s "$WORK/h.out" ] && [ ! -s "$WORK/h.err" ]
}
C=$CONFDIR/t.conf
req enroll "$C" carol svc - "" >"$WORK/req"
check "no operation but the four: enroll refused (65)" status_is 65 direct
req status "$C" carol svc - "" >"$WORK/req"
check "status refused (65)" status_is 65 direct
req attempt "$C" ../carol svc - 123456 >"$WORK/req"
check "a user name with a path: refused (65)" status_is 65 direct
req attempt "$C" carol svc - 1234567890123 >"$WORK/req"
check "an answer too long: refused (65)" status_is 65 direct
req attempt "$C" carol svc - 123456 extra >"$WORK/req"
check "a seventh field: refused (65)" status_is 65 direct
req attempt "$WORK/outside.conf" carol svc - 123456 >"$WORK/req"
check "a config outside the directory: refused (65)" status_is 65 direct
req attempt "$CONFDIR/../pam_mfa.d/t.conf" carol svc - 123456 >"$WORK/req"
check "a config named through ..: refused (65)" status_is 65 direct
req attempt "$CONFDIR/.t.conf" carol svc - 123456 >"$WORK/req"
check "a hidden config name: refused (65)" status_is 65 direct
req preauth "$C" carol svc - 123456 >"$WORK/req"
check "an answer to preauth: refused (65)" status_is 65 direct
req enrolled-meta "$C" carol svc - "" >"$WORK/req"
check "enrolled-meta of carol: enrolled (0), nothing printed" \
    status_is 0 direct
req enrolled-meta "$C" nobody-here svc - "" >"$WORK/req"
check "enrolled-meta of nobody: not enrolled (4)" status_is 4 direct
req attempt "$C" carol svc 192.0.2.9 "$(wrong_code "$s_carol")" >"$WORK/req"
check "a wrong code: bad code (1), nothing printed" status_is 1 direct
check "... logged by the helper with its rhost" \
    helper_logged "reason=bad_code user=carol service=svc rhost=192.0.2.9" \
    "failures=1"
# The per-source throttle in the helper (a host that is not root): one
# wrong code from 192.0.2.77 throttles it (source_deny = 1); the right
# code from there is then refused as source_throttled (30), from another
# address accepted.
s_sam=$(enroll sam)
req attempt "$CONFDIR/src.conf" sam svc 192.0.2.77 \
    "$(wrong_code "$s_sam")" >"$WORK/req"
check "throttle: a wrong code through the helper: bad code (1)" \
    status_is 1 direct
code_src=$(totp "$s_sam")
req attempt "$CONFDIR/src.conf" sam svc 192.0.2.77 "$code_src" \
    >"$WORK/req"
check "throttle: the right code from the throttled source: 30" \
    status_is 30 direct
check "... logged by the helper as source_throttled" \
    helper_logged "result=deny reason=source_throttled user=sam service=svc rhost=192.0.2.77"
req attempt "$CONFDIR/src.conf" sam svc 192.0.2.78 "$code_src" \
    >"$WORK/req"
check "throttle: the same code from another address: accepted (0)" \
    status_is 0 direct
# A hostile start: environment, umask, limits, ignored signals, an extra
# descriptor, closed output; the verdict and the count are the same.
# (Soft limits: a hard one lowered can only be lifted with
# CAP_SYS_RESOURCE, which some containers' root lacks; then the helper
# refuses, as the CLI does.)
req attempt "$C" carol svc2 - "$(wrong_code "$s_carol")" >"$WORK/req"
check "a hostile start changes nothing: bad code (1)" status_is 1 \
    sh -c 'umask 0; trap "" XFSZ HUP INT TERM PIPE ALRM
	exec 7>"$1/h.fd7" <"$1/req" >&- 2>"$1/h.err"; ulimit -S -f 0
	ulimit -S -n 8; exec setpriv --reuid="$2" --regid="$2" --init-groups \
	env -i LD_PRELOAD=/nonexistent.so MALLOC_CHECK_=3 TZ=Mars/Base "$3"' \
	x "$WORK" "$IN" "$HELPER"
check "... counted: failures=2" \
    helper_logged "reason=bad_code user=carol service=svc2" "failures=2"
check "... the state still root's 0600" \
    [ "$(stat -c %a:%U "$state/carol.state")" = 600:root ]
check "no code or secret in the log" sh -c '! grep -F -f "$1" "$2" &&
    ! grep -e "$3" -e "$4" -e "$5" "$2"' x "$WORK/codes" "$log" "$s_alice" \
    "$s_bob" "$s_carol"

finish
