#!/bin/sh
# test_selfservice.sh - pam-mfa installed setuid root, run by users who
# are not root: two throwaway accounts A and B that exist only in the
# test's mount namespace (copies of /etc/passwd, group and shadow with
# them added, bind-mounted over the real ones).  The real files are never
# changed: useradd renames /etc/passwd, which would lazily unmount the
# bind mounts other tests running at the same time have on it.
#
# A non-root caller only gets the compiled-in config, so the test runs in
# a private mount namespace (with-logsink.sh: a private /dev/log too)
# where a tmpfs covers the directory of that config and holds the test's
# config; the state directory and key file are in the work directory, and
# the setuid copy of pam-mfa in a root-owned directory there.  Nothing on
# the real file system outside the work directory is created or changed.
#
# Proven: A enrolls and confirms themselves, then logs in through the real
# libpam (pamtester under pam_wrapper); A can't act on B nor use the
# root-only commands or -c, and B's files stay byte for byte the same; B
# can't read A's files; replacing a token and making backup codes take a
# valid current code, a wrong one or one already used counting as a
# failed login; QR files are written as A, 0600, never through a symlink
# or where A can't write; while waiting at a prompt pam-mfa runs as A
# (saved uid 0), with no environment and no core dumps; with fds 0-2
# closed the secret reaches no file; self_service = false turns it all
# off; audit lines name A.
here=$(cd "$(dirname "$0")" && pwd)
if [ "${MFA_SS_NS:-}" != 1 ]; then
	. "$here/lib.sh"
	need_root
	for t in setpriv unshare pamtester oathtool zbarimg timeout findmnt; do
		if ! command -v "$t" >/dev/null 2>&1; then
			echo "FAIL: $t is not installed"
			exit 1
		fi
	done
	A=mfsa$$
	B=mfsb$$
	for u in "$A" "$B"; do
		if id "$u" >/dev/null 2>&1 || getent group "$u" >/dev/null; then
			echo "FAIL: user or group $u exists already"
			exit 1
		fi
	done
	trap 'rm -rf "$WORK"' EXIT
	trap 'exit 130' INT TERM HUP PIPE
	rc=0
	MFA_SS_NS=1 MFA_SS_A=$A MFA_SS_B=$B MFA_SS_LOG=$WORK/syslog \
	    LOGSINK=${LOGSINK:-$MFA_BUILDDIR/tests/logsink} \
	    "$here/with-logsink.sh" "$WORK/syslog" /bin/sh "$0" || rc=$?
	for u in "$A" "$B"; do
		if id "$u" >/dev/null 2>&1; then
			echo "FAIL: user $u visible outside the test"
			rc=1
		fi
	done
	exit $rc
fi

# In the private mount namespace from here on.
. "$here/lib.sh"
trap 'exit 130' INT TERM HUP PIPE
A=$MFA_SS_A
B=$MFA_SS_B
log=$MFA_SS_LOG
# Under ASan: LeakSanitizer needs to trace the process, which a
# non-dumpable setuid process run by a user refuses; test_cli.sh checks
# the same code for leaks as root.
if [ -n "${ASAN_OPTIONS:-}" ]; then
	ASAN_OPTIONS=$ASAN_OPTIONS:detect_leaks=0
	export ASAN_OPTIONS
fi
# A and B, with ids no account or group has, in this namespace only.
nid=$(cut -d: -f3 /etc/passwd /etc/group | sort -n |
    awk '$1 >= 60000 && $1 < 64000 { last = $1 } END { print last + 0 }')
[ "$nid" -ge 60000 ] || nid=60000
for f in passwd group shadow; do
	cp "/etc/$f" "$WORK/etc.$f" && chmod 0644 "$WORK/etc.$f" ||
	    { echo "FAIL: copy /etc/$f"; exit 1; }
done
chmod 0640 "$WORK/etc.shadow"
for u in "$A" "$B"; do
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
auid=$(id -u "$A") agid=$(id -g "$A")
OATHTOOL=${OATHTOOL:-oathtool}

# The compiled-in config, on a tmpfs over its directory (or over its
# nearest existing parent, the rest made inside the tmpfs).
conf=$MFA_CONF_DEFAULT
cdir=$(dirname "$conf")
top=$cdir
while [ ! -d "$top" ]; do
	top=$(dirname "$top")
done
if [ "$top" = / ] || [ "$top" = "$(dirname "$WORK")" ]; then
	echo "FAIL: no directory to cover for $conf"
	exit 1
fi
mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs "$top" ||
    { echo "FAIL: can't mount a tmpfs over $top"; exit 1; }
mkdir -p "$cdir"
chmod 0755 "$cdir"
# The test's own files (outputs holding URIs and codes) are root's alone.
umask 077
state=$WORK/state
# Self-service is off by default: on here, unless EXTRA says otherwise.
write_conf() {	# write_conf [EXTRA LINE]
	printf 'state_dir = "%s";\nkey_file = "%s";\nissuer = "Example VPN";\nwindow = 3;\n%s\n' \
	    "$state" "$WORK/mfa.key" "${1:-self_service = true;}" >"$conf"
	chmod 0644 "$conf"
}
write_conf

# /dev/log as a system's syslog has it: anyone may write to it (the
# audit lines are sent with the caller's effective uid, the real one
# root's).
chmod 0666 /dev/log
# The setuid copy, in a root-owned directory on a file system that honours
# setuid; a plain copy beside it.
bin=$WORK/bin
mkdir -m 0755 "$bin"
cp "$MFA_CLI" "$bin/pam-mfa"
cp "$MFA_CLI" "$bin/pam-mfa-plain"
chown root:root "$bin/pam-mfa" "$bin/pam-mfa-plain"
chmod 4755 "$bin/pam-mfa"
chmod 0755 "$bin/pam-mfa-plain"
SCLI=$bin/pam-mfa
if findmnt -n -o OPTIONS -T "$bin" | tr ',' '\n' | grep -qx nosuid; then
	echo "FAIL: $bin is on a nosuid file system"
	exit 1
fi
check "the copy is setuid root (4755 root)" \
    [ "$(stat -c %a:%U "$SCLI")" = 4755:root ]
# Directories of the users' own, and one only root may write.
mkdir -m 0700 "$WORK/home-$A" "$WORK/home-$B"
chown "$A:$A" "$WORK/home-$A"
chown "$B:$B" "$WORK/home-$B"
mkdir -m 0755 "$WORK/rootonly"
echo keep >"$WORK/rootonly/target.png"

# run_as USER ARGS...: the setuid pam-mfa as USER, no input; stdout, stderr,
# status in $WORK/out, $WORK/err, $rc.  run_as_in FILE USER ARGS...: reading
# FILE.
run_as() {
	u=$1
	shift
	run_as_in /dev/null "$u" "$@"
}
run_as_in() {
	f=$1 u=$2
	shift 2
	setpriv --reuid="$u" --regid="$u" --clear-groups "$SCLI" "$@" \
	    <"$f" >"$WORK/out" 2>"$WORK/err"
	rc=$?
}
exits() {	# exits NAME STATUS
	if [ "$rc" -eq "$2" ]; then
		pass "$1"
	else
		fail "$1"
		echo "  exit $rc, want $2; stderr:"
		sed 's/^/  /' "$WORK/err"
	fi
}
says() { check "$1" grep -qF -- "$2" "$WORK/err"; }
secret_of() { sed -n 's/.*[?&]secret=\([A-Z2-7]*\).*/\1/p'; }
codes_of() { grep -Ex '  [0-9]{5}-[0-9]{5}' | sed 's/^  //'; }
field() {	# field USER NAME: a field of pam-mfa status (as root)
	"$MFA_CLI" status "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}
# code SECRET: the next unused code of that token, in increasing time
# steps from two steps back (window = 3), so none is ever a replay.
code() {
	f=$WORK/step.$(echo "$1" | cksum | cut -d' ' -f1)
	[ -f "$f" ] || echo -2 >"$f"
	k=$(cat "$f")
	echo $((k + 1)) >"$f"
	"$OATHTOOL" --totp -b "$1" --now="@$(($(date +%s) + 30 * k))" |
	    tee -a "$WORK/codes"
}
wrong_code() {	# 6 digits outside the window of SECRET
	for k in -5 -4 -3 -2 -1 0 1 2 3 4 5; do
		"$OATHTOOL" --totp -b "$1" --now="@$(($(date +%s) + 30 * k))"
	done >"$WORK/window"
	n=$(((1$(sed -n 6p "$WORK/window") - 1000000 + 500000) % 1000000))
	while grep -qx "$(printf '%06d' $n)" "$WORK/window"; do
		n=$(((n + 1) % 1000000))
	done
	printf '%06d\n' $n
}
mkdir "$WORK/svc"
echo "auth required $MFA_MODULE conf=$conf" >"$WORK/svc/vpn"
login() {	# login USER ANSWER: through the real libpam
	echo "$2" | env LD_PRELOAD="$PAM_PRELOAD" PAM_WRAPPER=1 \
	    PAM_WRAPPER_SERVICE_DIR="$WORK/svc" timeout 60 \
	    pamtester vpn "$1" authenticate >/dev/null 2>&1
}
refused() { if login "$2" "$3"; then fail "$1"; else pass "$1"; fi; }

# A pam-mfa waiting at a prompt: bg_start USER ARGS... runs it as USER
# (with a hostile environment) reading a FIFO this shell holds open;
# bg_wait TEXT waits until its stderr shows TEXT; bg_send LINE types a
# line; bg_end closes its input (end of input) and waits for it, bounded,
# status in $rc.
bg_start() {
	u=$1
	shift
	rm -f "$WORK/fifo"
	mkfifo -m 0600 "$WORK/fifo"
	: >"$WORK/out"
	: >"$WORK/err"
	env LD_LIBRARY_PATH=/tmp/evil LD_PRELOAD=/tmp/evil.so FOO=bar \
	    setpriv --reuid="$u" --regid="$u" --clear-groups "$SCLI" "$@" \
	    <"$WORK/fifo" >"$WORK/out" 2>"$WORK/err" &
	bgpid=$!
	exec 7>"$WORK/fifo"
}
bg_wait() {
	i=0
	while ! grep -qF -- "$1" "$WORK/err" && [ $i -lt 200 ]; do
		kill -0 "$bgpid" 2>/dev/null || break
		sleep 0.05
		i=$((i + 1))
	done
	grep -qF -- "$1" "$WORK/err"
}
bg_send() { printf '%s\n' "$1" >&7; }
bg_end() {
	exec 7>&-
	i=0
	while kill -0 "$bgpid" 2>/dev/null && [ $i -lt 200 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	if kill -0 "$bgpid" 2>/dev/null; then
		echo "  pam-mfa $bgpid still running: killed"
		kill -9 "$bgpid"
	fi
	wait "$bgpid"
	rc=$?
}
# snapshot NAME USER: a copy of USER's files in the store
files_of() {	# files_of DIR USER: the names of USER's files in DIR
	for f in "$1/$2".*; do
		[ -e "$f" ] && basename "$f"
	done
}
snapshot() {
	rm -rf "$WORK/snap.$1"
	mkdir "$WORK/snap.$1"
	for f in $(files_of "$state" "$2"); do
		cp -p "$state/$f" "$WORK/snap.$1/"
	done
}
unchanged() {	# unchanged NAME USER: USER's files are as in the snapshot
	[ -n "$(files_of "$WORK/snap.$1" "$2")" ] &&
	    [ "$(files_of "$state" "$2")" = "$(files_of "$WORK/snap.$1" "$2")" ] ||
	    return 1
	for f in $(files_of "$WORK/snap.$1" "$2"); do
		cmp -s "$WORK/snap.$1/$f" "$state/$f" || return 1
	done
}
audited() {	# audited NAME TEXT: a pam-mfa audit line ends in TEXT
	sleep 0.1
	check "$1" grep -q "^<85>.* pam-mfa\[[0-9]*\]: $2\$" "$log"
}

# --- a plain (not setuid) copy run by A ----------------------------------
setpriv --reuid="$A" --regid="$A" --clear-groups "$bin/pam-mfa-plain" \
    enroll </dev/null >"$WORK/out" 2>"$WORK/err"; rc=$?
exits "not setuid: enroll as A exits 4" 4
says "not setuid: says it must be run as root" "must be run as root"
check "not setuid: no URI printed" [ ! -s "$WORK/out" ]
check "not setuid: nothing created" [ ! -e "$state" ]

# --- fds 0-2 closed: the secret lands in no file -------------------------
# (glibc gives a setuid program /dev/null or /dev/full in their place, so
# the URI can't be shown: exit 0 or 1 either way, the secret nowhere.)
setpriv --reuid="$A" --regid="$A" --clear-groups "$SCLI" enroll \
    <&- >&- 2>&-; rc=$?
check "fds 0-2 closed: enroll as A ends, exit 0 or 1 ($rc)" [ "$rc" -le 1 ]
check "fds 0-2 closed: the token is made pending" [ -f "$state/$A.pending" ]
grep -rlE 'otpauth|secret=|Type a code|pending: until' "$WORK" "$cdir" \
    2>/dev/null | grep -v "^$WORK/bin/" >"$WORK/leaks"
check "fds 0-2 closed: no URI, secret or prompt in any file" [ ! -s "$WORK/leaks" ]
sed 's/^/  found in: /' "$WORK/leaks"
check "fds 0-2 closed: the store's files are 0600 root" [ -z "$(find "$state" \
    "$WORK/mfa.key" -type f ! -perm 0600 -o -type f ! -user root)" ]

# --- A's QR files: refused where A can't write, or onto a symlink -------
# (A has no active token yet: each run leaves a pending one, replaced.)
run_as "$A" enroll -o "$WORK/rootonly/b.png"
exits "A -o in a directory A can't write: exit 1" 1
check "A -o in a root directory: no file" [ ! -e "$WORK/rootonly/b.png" ]
ln -s "$WORK/rootonly/target.png" "$WORK/home-$A/link.png"
run_as "$A" enroll -o "$WORK/home-$A/link.png"
exits "A -o onto a symlink: exit 1" 1
check "A -o onto a symlink: the target is unchanged" \
    [ "$(cat "$WORK/rootonly/target.png")" = keep ]
ln -s "$WORK/rootonly/new.png" "$WORK/home-$A/dangling.png"
run_as "$A" enroll -o "$WORK/home-$A/dangling.png"
exits "A -o onto a dangling symlink: exit 1" 1
check "A -o onto a dangling symlink: nothing made through it" \
    [ ! -e "$WORK/rootonly/new.png" ]
says "A -o refused: names the rule" "it must be a new .png or .svg file"
# --- A enrolls and confirms, with a QR file; privileges while waiting ---
bg_start "$A" enroll -o "$WORK/home-$A/qr.png"
if bg_wait "Type a code from the app to activate the token: "; then
	pass "A enroll: waits at the prompt"
else
	fail "A enroll: waits at the prompt"
	sed 's/^/  /' "$WORK/err"
fi
check "waiting: the process is the setuid pam-mfa" \
    [ "$(readlink "/proc/$bgpid/exe")" = "$SCLI" ]
uids=$(sed -n 's/^Uid:[[:space:]]*//p' "/proc/$bgpid/status" | tr -s '\t ' ' ')
# Effective and fs uid A's; real and saved root's, so A can't signal it.
check "waiting: real, effective, saved, fs uid = 0 A 0 A ($uids)" \
    [ "$uids" = "0 $auid 0 $auid" ]
if setpriv --reuid="$A" --regid="$A" --clear-groups kill -STOP "$bgpid" \
    2>/dev/null; then
	fail "waiting: A can't stop it (SIGSTOP refused)"
	kill -CONT "$bgpid" 2>/dev/null
else
	pass "waiting: A can't stop it (SIGSTOP refused)"
fi
check "waiting: not stopped" sh -c "! grep -q '^State:.*T' /proc/$bgpid/status"
gids=$(sed -n 's/^Gid:[[:space:]]*//p' "/proc/$bgpid/status" | tr -s '\t ' ' ')
check "waiting: every gid is A's ($gids)" \
    [ "$gids" = "$agid $agid $agid $agid" ]
check "waiting: no supplementary groups" \
    [ -z "$(sed -n 's/^Groups:[[:space:]]*//p' "/proc/$bgpid/status" | tr -d ' \t')" ]
env_left=$(tr '\0' '\n' <"/proc/$bgpid/environ" | grep -v '^$' | cut -d= -f1 |
    tr '\n' ' ')
check "waiting: /proc/PID/environ is empty (left: ${env_left:-none})" \
    [ -z "$(tr -d '\0' <"/proc/$bgpid/environ")" ]
check "waiting: core file size limit 0" [ "$(grep '^Max core file size' \
    "/proc/$bgpid/limits" | awk '{print $5 " " $6}')" = "0 0" ]
check "waiting: not dumpable (/proc/PID/environ is root's)" \
    [ "$(stat -c %u "/proc/$bgpid/environ")" = 0 ]
auri=$(grep '^otpauth://' "$WORK/out")
asecret=$(echo "$auri" | secret_of)
check "A enroll: the URI names A" sh -c "echo '$auri' | grep -Eqx \
'otpauth://totp/Example%20VPN:$A\\?secret=[A-Z2-7]{32}&issuer=Example%20VPN&algorithm=SHA1&digits=6&period=30'"
png=$WORK/home-$A/qr.png
check "A enroll -o: the PNG is A's, 0600" [ "$(stat -c %U:%a "$png")" = "$A:600" ]
check "A enroll -o: the PNG holds the URI" \
    [ "$(zbarimg -q --raw "$png" 2>/dev/null)" = "$auri" ]
bg_send "$(code "$asecret")"
bg_end
check "A enroll: confirmed, exit 0" [ "$rc" -eq 0 ]
check "A enroll: 'The token is active'" \
    grep -q "The token is active: $A logs in with it from now on\." "$WORK/out"
codes_of <"$WORK/out" >"$WORK/a.codes"
check "A enroll: 10 backup codes" [ "$(sort -u "$WORK/a.codes" | wc -l)" -eq 10 ]
check "A's token and state are root's, 0600" sh -c \
    "[ \"\$(stat -c %U:%G:%a '$state/$A.token')\" = root:root:600 ] &&
    [ \"\$(stat -c %U:%G:%a '$state/$A.state')\" = root:root:600 ] &&
    [ ! -e '$state/$A.pending' ]"
audited "A enroll: pending audited by=A" "action=enroll_pending user=$A by=$A"
audited "A enroll: confirmation audited by=A" "action=enroll_confirm user=$A by=$A"
check "A logs in through PAM" login "$A" "$(code "$asecret")"
run_as "$A" status; exits "A status exits 0" 0
check "A status: A's line only" sh -c "[ \$(wc -l <'$WORK/out') -eq 1 ] &&
    grep -q '^$A enrolled=yes pending=no ' '$WORK/out'"
run_as "$A" -c "$conf" status; exits "A -c exits 4" 4
says "A -c: says only root chooses the config" "-c: only root may choose the config file"
run_as "$A" enroll -y; exits "A enroll -y exits 4" 4
says "A enroll -y: says why" "-f, -y and --replace-now are for root"
run_as "$A" enroll -f; exits "A enroll -f exits 4" 4

# --- B enrolls, with an SVG QR file, and confirms -----------------------
run_as "$B" enroll -o "$WORK/home-$B/b.svg"
exits "B enroll -o FILE.svg, end of input: exit 0" 0
check "B -o: the SVG is B's, 0600" \
    [ "$(stat -c %U:%a "$WORK/home-$B/b.svg")" = "$B:600" ]
bsecret=$(secret_of <"$WORK/out")
code "$bsecret" >"$WORK/in"
run_as_in "$WORK/in" "$B" enroll -C; exits "B enroll -C exits 0" 0
check "B is enrolled" [ "$(field "$B" enrolled)" = yes ]
audited "B enroll -C audited by=B" "action=enroll_confirm user=$B by=$B"

# --- A against B, and the root-only commands -----------------------------
snapshot b "$B"
cp -p "$WORK/mfa.key" "$WORK/mfa.key.before"
code "$asecret" >"$WORK/in"	# were any of them to ask for a code
for cmd in "enroll $B" "enroll -C $B" "backup-codes $B" "backup-codes -l $B" \
    "status $B" "status --json $B" "revoke $B" "unlock $B"; do
	run_as_in "$WORK/in" "$A" $cmd; exits "A: $cmd exits 4" 4
	check "A: $cmd prints nothing" [ ! -s "$WORK/out" ]
done
for cmd in "list" "import oath /etc/passwd" "rekey" "check"; do
	run_as "$A" $cmd; exits "A: $cmd exits 4" 4
	check "A: $cmd prints nothing" [ ! -s "$WORK/out" ]
done
run_as "$A" status "$B"
says "A on B: says A may act on their own account only" \
    "you may act on your own account ($A) only"
run_as "$A" revoke "$A"; exits "A: revoke A (own) exits 4" 4
run_as "$A" unlock "$A"; exits "A: unlock A (own) exits 4" 4
check "B's files are byte for byte unchanged" unchanged b "$B"
check "the key file is unchanged" cmp -s "$WORK/mfa.key" "$WORK/mfa.key.before"
check "nothing audited as A acting on B" \
    sh -c "! grep -q 'user=$B by=$A\$' '$log'"
check "B still logs in" login "$B" "$(code "$bsecret")"

# --- B can't read A's files or secret ------------------------------------
for f in "$state/$A.token" "$state/$A.state" "$WORK/mfa.key" \
    "$WORK/home-$A/qr.png"; do
	if setpriv --reuid="$B" --regid="$B" --clear-groups cat "$f" \
	    >/dev/null 2>&1; then
		fail "B can't read $(basename "$f")"
	else
		pass "B can't read $(basename "$f")"
	fi
done
if setpriv --reuid="$B" --regid="$B" --clear-groups ls "$state" \
    >/dev/null 2>&1; then
	fail "B can't list the state directory"
else
	pass "B can't list the state directory"
fi
run_as "$B" status "$A"; exits "B: status A exits 4" 4
check "B: status A shows nothing" [ ! -s "$WORK/out" ]
run_as "$B" status --json; exits "B: status --json exits 0" 0
check "B: status --json is B alone" \
    [ "$(jq -r '.[].user' "$WORK/out" | tr '\n' ' ')" = "$B " ]
check "B: no secret of A's anywhere B can read" sh -c \
    "! setpriv --reuid='$B' --regid='$B' --clear-groups \
    grep -rqs '$asecret' '$WORK' '$cdir'"

# --- replacing A's token takes a valid current code ----------------------
snapshot a "$A"
w=$(wrong_code "$asecret")
echo "$w" >"$WORK/in"
run_as_in "$WORK/in" "$A" enroll; exits "replace with a wrong code: exit 4" 4
says "replace with a wrong code: says it counts" \
    "wrong code (it counts as a failed login)"
check "replace with a wrong code: no URI" [ ! -s "$WORK/out" ]
check "replace with a wrong code: counted (status: failures=1)" sh -c \
    "setpriv --reuid='$A' --regid='$A' --clear-groups '$SCLI' status |
    grep -q ' failures=1 '"
check "replace with a wrong code: nothing pending" [ ! -e "$state/$A.pending" ]
check "replace with a wrong code: the token is unchanged" \
    cmp -s "$state/$A.token" "$WORK/snap.a/$A.token"
audited "replace with a wrong code: audited by=A" \
    "action=enroll_denied user=$A by=$A"
run_as "$A" enroll; exits "replace with no code: exit 4" 4
says "replace with no code: says so" "no code given"
bg_start "$A" enroll
if bg_wait "Code from your current token (or a backup code): "; then
	pass "replace: asks for a code from the current token"
else
	fail "replace: asks for a code from the current token"
	sed 's/^/  stderr: /' "$WORK/err"
fi
check "replace: no URI before the code" [ ! -s "$WORK/out" ]
bg_send "$(code "$asecret")"
bg_wait "Type a code from the app to activate the token: "
a2secret=$(secret_of <"$WORK/out")
bg_end
check "replace with the right code: a new pending token, exit 0" \
    sh -c "[ $rc -eq 0 ] && [ -n '$a2secret' ] && [ '$a2secret' != '$asecret' ]"
check "replace: active and pending" \
    [ "$(field "$A" enrolled):$(field "$A" pending)" = "yes:yes" ]
check "replace: the old token still logs in" login "$A" "$(code "$asecret")"
refused "replace: the pending one does not yet" "$A" "$(code "$a2secret")"
code "$a2secret" >"$WORK/in"
run_as_in "$WORK/in" "$A" enroll -C; exits "replace: enroll -C exits 0" 0
check "replace: 10 new backup codes" \
    [ "$(codes_of <"$WORK/out" | sort -u | wc -l)" -eq 10 ]
codes_of <"$WORK/out" >"$WORK/a2.codes"
refused "replace confirmed: the old token no longer logs in" "$A" \
    "$(code "$asecret")"
refused "replace confirmed: the old backup codes no longer work" "$A" \
    "$(sed -n 1p "$WORK/a.codes")"
check "replace confirmed: the new token logs in" login "$A" "$(code "$a2secret")"
# A backup code stands for the current code, and is spent.
sed -n 2p "$WORK/a2.codes" >"$WORK/in"
run_as_in "$WORK/in" "$A" enroll; exits "replace with a backup code: exit 0" 0
check "replace with a backup code: a new pending token" \
    [ "$(field "$A" pending)" = yes ]
run_as "$A" backup-codes -l
check "replace with a backup code: it is spent (9 of 10 left)" \
    [ "$(cat "$WORK/out")" = "$A has 9 of 10 backup codes left" ]
refused "replace with a backup code: it no longer logs in" "$A" \
    "$(sed -n 2p "$WORK/a2.codes")"
"$MFA_CLI" unlock "$A" >/dev/null

# --- backup codes take a valid code too ---------------------------------
snapshot a "$A"
echo "$(wrong_code "$a2secret")" >"$WORK/in"
run_as_in "$WORK/in" "$A" backup-codes; exits "backup-codes with a wrong code: exit 4" 4
check "backup-codes with a wrong code: no codes shown" \
    [ -z "$(codes_of <"$WORK/out")" ]
check "backup-codes with a wrong code: counted (failures=1)" \
    [ "$(field "$A" failures)" = 1 ]
check "backup-codes with a wrong code: the token is unchanged" \
    cmp -s "$state/$A.token" "$WORK/snap.a/$A.token"
audited "backup-codes with a wrong code: audited by=A" \
    "action=backup_codes_denied user=$A by=$A"
run_as "$A" backup-codes; exits "backup-codes with no code: exit 4" 4
code "$a2secret" >"$WORK/in"
run_as_in "$WORK/in" "$A" backup-codes; exits "backup-codes with the right code: exit 0" 0
codes_of <"$WORK/out" >"$WORK/a3.codes"
check "backup-codes: 10 new codes" [ "$(sort -u "$WORK/a3.codes" | wc -l)" -eq 10 ]
audited "backup-codes audited by=A" "action=backup_codes user=$A by=$A"
refused "backup-codes: an old unused code no longer works" "$A" \
    "$(sed -n 5p "$WORK/a2.codes")"
check "backup-codes: a new code logs in" login "$A" "$(sed -n 1p "$WORK/a3.codes")"

# --- a code already used is no proof -------------------------------------
# A logs in with code c; c fed to enroll and to backup-codes is a replay:
# "wrong code", exit 4, counted as a failed login, nothing changed.
snapshot a "$A"
c=$(code "$a2secret")
check "replayed proof: A logs in with c" login "$A" "$c"
f0=$(field "$A" failures)
echo "$c" >"$WORK/in"
run_as_in "$WORK/in" "$A" enroll; exits "enroll fed a used code: exit 4" 4
says "enroll fed a used code: wrong code" \
    "wrong code (it counts as a failed login)"
check "enroll fed a used code: no URI" [ ! -s "$WORK/out" ]
check "enroll fed a used code: counted (failures=$((f0 + 1)))" \
    [ "$(field "$A" failures)" = $((f0 + 1)) ]
check "enroll fed a used code: no new pending token" sh -c \
    "cmp -s '$state/$A.pending' '$WORK/snap.a/$A.pending' ||
    { [ ! -e '$state/$A.pending' ] && [ ! -e '$WORK/snap.a/$A.pending' ]; }"
run_as_in "$WORK/in" "$A" backup-codes
exits "backup-codes fed a used code: exit 4" 4
says "backup-codes fed a used code: wrong code" \
    "wrong code (it counts as a failed login)"
check "backup-codes fed a used code: no codes shown" \
    [ -z "$(codes_of <"$WORK/out")" ]
check "backup-codes fed a used code: counted (failures=$((f0 + 2)))" \
    [ "$(field "$A" failures)" = $((f0 + 2)) ]
check "a used code as proof: the token is unchanged" \
    cmp -s "$state/$A.token" "$WORK/snap.a/$A.token"
"$MFA_CLI" unlock "$A" >/dev/null

# --- what A's shell hands down can't make a wrong code go uncounted ------
# A file size limit of 0 with SIGXFSZ ignored would make every write of
# the state fail.  pam-mfa lifts the limit (with CAP_SYS_RESOURCE: then
# the wrong code is refused and counted); where root lacks that
# capability (some containers) the write fails and no verdict is given.
snapshot a "$A"
f0=$(field "$A" failures)
echo "$(wrong_code "$a2secret")" >"$WORK/in"
sh -c 'ulimit -f 0; trap "" XFSZ HUP INT TERM; exec setpriv --reuid="$1" \
    --regid="$1" --clear-groups "$2" enroll' sh "$A" "$SCLI" \
    <"$WORK/in" >"$WORK/out" 2>"$WORK/err"
rc=$?
f1=$(field "$A" failures)
if [ "$rc" -eq 4 ]; then
	check "ulimit -f 0, SIGXFSZ ignored: refused (exit 4) and counted" \
	    [ "$f1" = $((f0 + 1)) ]
else
	check "ulimit -f 0, SIGXFSZ ignored: no limit lifted, no verdict ($rc)" \
	    sh -c "[ $rc -ne 0 ] && [ $f1 = $f0 ] &&
	    ! grep -q -e 'wrong code' -e 'does not match' '$WORK/err'"
fi
check "ulimit -f 0: the token is unchanged" \
    cmp -s "$state/$A.token" "$WORK/snap.a/$A.token"
# An interval timer set before exec would deliver SIGALRM (no permission
# needed) in the middle of a write: pam-mfa clears it.
(sleep 1; echo) | perl -MTime::HiRes=setitimer,ITIMER_REAL -e \
    'setitimer(ITIMER_REAL, 0.05); exec @ARGV' setpriv --reuid="$A" \
    --regid="$A" --clear-groups "$SCLI" enroll -C >"$WORK/out" 2>"$WORK/err"
rc=$?
check "an inherited interval timer: cleared, no SIGALRM (exit $rc)" \
    [ "$rc" -ne 142 ]

# held PID: whether SIGINT, SIGTSTP, SIGHUP, SIGPIPE are blocked (1) or
# not (0) in PID, from /proc/PID/status
held() {
	m=$(sed -n 's/^SigBlk:[[:space:]]*//p' "/proc/$1/status")
	for n in 2 20 1 13; do
		echo $(((0x$m >> (n - 1)) & 1))
	done | tr '\n' ' ' | sed 's/ $//'
}

# --- descriptors A leaves open are closed at start -----------------------
# fds 10 and 251 open on a file of A's, inherited through setpriv (perl's
# dup2 leaves them open across exec): none of them in the running pam-mfa.
: >"$WORK/home-$A/open-me"
rm -f "$WORK/fifo"
mkfifo -m 0600 "$WORK/fifo"
: >"$WORK/err"
perl -MPOSIX -e 'open(my $f, "<", shift) or die; POSIX::dup2(fileno($f), 10);
    POSIX::dup2(fileno($f), 251); exec @ARGV or die' \
    "$WORK/home-$A/open-me" setpriv --reuid="$A" --regid="$A" \
    --clear-groups "$SCLI" enroll <"$WORK/fifo" >"$WORK/out" 2>"$WORK/err" &
bgpid=$!
exec 7>"$WORK/fifo"
if bg_wait "Code from your current token (or a backup code): "; then
	fds=$(ls "/proc/$bgpid/fd" | sort -n | tr '\n' ' ')
	check "inherited fds: 10 and 251 are closed in pam-mfa (open: $fds)" \
	    sh -c "! ls /proc/$bgpid/fd | grep -qx -e 10 -e 251"
	check "inherited fds: nothing of A's open in pam-mfa" sh -c \
	    "! ls -l /proc/$bgpid/fd/ | grep -q 'open-me'"
	# At a prompt the caller may interrupt or stop it (nothing held).
	check "at a prompt: SIGINT, SIGTSTP, SIGHUP, SIGPIPE deliverable" \
	    [ "$(held "$bgpid")" = "0 0 0 0" ]
else
	fail "inherited fds: pam-mfa waits at the prompt"
	sed 's/^/  /' "$WORK/err"
fi
bg_end

# --- away from a prompt, the signals A can still cause are held ---------
# pam-mfa status as A writing to a full pipe (A's reader gone quiet):
# blocked in write, lowered to A's uid, it holds SIGINT, SIGTSTP, SIGHUP
# (a terminal's: no permission needed) and SIGPIPE.  (Before, they were
# held only while root's uid was.)
rm -f "$WORK/fifo"
mkfifo -m 0600 "$WORK/fifo"
exec 8<>"$WORK/fifo"
perl -MFcntl -e 'open(my $h, ">&=", 8) or die; fcntl($h, F_SETFL, O_NONBLOCK)
    or die; 1 while syswrite($h, "x" x 4096)'
setpriv --reuid="$A" --regid="$A" --clear-groups "$SCLI" status \
    </dev/null >"$WORK/fifo" 2>"$WORK/err" &
bgpid=$!
writing() { grep -q 'pipe_write' "/proc/$bgpid/wchan" 2>/dev/null; }
i=0
while ! writing && [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
check "status to a full pipe: blocked writing" writing
uids=$(sed -n 's/^Uid:[[:space:]]*//p' "/proc/$bgpid/status" | tr -s '\t ' ' ')
check "status to a full pipe: lowered (uids $uids)" [ "$uids" = "0 $auid 0 $auid" ]
check "status to a full pipe: SIGINT, SIGTSTP, SIGHUP, SIGPIPE held" \
    [ "$(held "$bgpid")" = "1 1 1 1" ]
# Drained, it ends on its own.
perl -MFcntl -e 'open(my $h, "<&=", 8) or die; fcntl($h, F_SETFL, O_NONBLOCK)
    or die; my $b; for (1 .. 100) { 1 while sysread($h, $b, 65536);
    last unless kill(0, $ARGV[0]); select(undef, undef, undef, 0.05) }' \
    "$bgpid"
exec 8<&-
wait "$bgpid"
rc=$?
exits "status to a full pipe: drained, exit 0" 0

# --- A can't stop or kill a run, nor part a change from its line --------
# Runs of backup-codes with a wrong code (a failure counted, then the
# action=backup_codes_denied line), each waiting at its prompt while a
# loop as A starts sending SIGSTOP, SIGKILL, SIGINT and SIGTERM with
# kill(2), then fed the code, the loop going on to the run's end: every
# kill is refused, every run ends on its own (exit 4), and every run's
# line reaches syslog.  (With its real uid A's while sending the line, as
# before, a run was caught stopped there and killed.)
cat >"$WORK/killer.pl" <<'EOF_KILLER'
# killer.pl PID: once PID is pam-mfa with root's real uid, kill(2) it with
# STOP, KILL, INT and TERM until it is gone; print how many kills worked.
my $pid = shift;
my ($ok, $armed, $n) = (0, 0, 0);
while ($n++ < 2000000) {
	open(my $st, "<", "/proc/$pid/status") or last;
	local $/;
	my $s = <$st>;
	close($st);
	last if !defined($s) || $s =~ /^State:\s*[ZX]/m;
	$armed ||= $s =~ /^Name:\s*pam-mfa$/m && $s =~ /^Uid:\s*0\s/m;
	next unless $armed;
	$ok += kill($_, $pid) for qw(STOP KILL INT TERM);
}
print "$ok\n";
EOF_KILLER
chmod 0644 "$WORK/killer.pl"
runs=300
before=$(grep -c "action=backup_codes_denied user=$A by=$A\$" "$log")
w=$(wrong_code "$a2secret")
i=0 killed=0 badexit=0
while [ $i -lt $runs ]; do
	rm -f "$WORK/fifo"
	mkfifo -m 0600 "$WORK/fifo"
	setpriv --reuid="$A" --regid="$A" --clear-groups "$SCLI" \
	    backup-codes <"$WORK/fifo" >/dev/null 2>"$WORK/err" &
	bgpid=$!
	exec 7>"$WORK/fifo"
	setpriv --reuid="$A" --regid="$A" --clear-groups perl \
	    "$WORK/killer.pl" "$bgpid" >"$WORK/killed" &
	kpid=$!
	sleep 0.01
	printf '%s\n' "$w" >&7
	exec 7>&-
	wait "$bgpid"
	rc=$?
	[ "$rc" -eq 4 ] || badexit=$((badexit + 1))
	# A run caught stopped would never end: bounded, then killed.
	j=0
	while kill -0 "$kpid" 2>/dev/null && [ $j -lt 100 ]; do
		sleep 0.05
		j=$((j + 1))
	done
	kill -9 "$kpid" 2>/dev/null
	wait "$kpid"
	killed=$((killed + $(cat "$WORK/killed" 2>/dev/null || echo 1)))
	i=$((i + 1))
done
sleep 0.2
after=$(grep -c "action=backup_codes_denied user=$A by=$A\$" "$log")
check "kill loop: every kill(2) as A refused ($killed worked)" [ "$killed" -eq 0 ]
check "kill loop: every run ended on its own, exit 4 ($badexit did not)" \
    [ "$badexit" -eq 0 ]
check "kill loop: every run's line reached syslog ($((after - before)) of $runs)" \
    [ $((after - before)) -eq $runs ]
"$MFA_CLI" unlock "$A" >/dev/null

# --- self_service = false -----------------------------------------------
snapshot a "$A"
write_conf "self_service = false;"
code "$a2secret" >"$WORK/in"
for cmd in "enroll" "enroll -C" "backup-codes" "backup-codes -l" "status"; do
	run_as_in "$WORK/in" "$A" $cmd; exits "self_service = false: $cmd exits 4" 4
	says "self_service = false: $cmd names the key" "self_service = false"
done
check "self_service = false: A's files unchanged" unchanged a "$A"
# The default: off.  No account makes itself a token, not even nobody.
write_conf "# self_service: the default"
for u in "$A" 65534; do
	run_as_in "$WORK/in" "$u" enroll
	exits "default config: enroll as $u exits 4" 4
	says "default config: enroll as $u says self-service is off" \
	    "self-service is turned off (self_service = false): ask your administrator"
	check "default config: enroll as $u printed no URI" [ ! -s "$WORK/out" ]
done
check "default config: A's files unchanged" unchanged a "$A"
check "default config: nobody has no token" [ -z "$(files_of "$state" nobody)" ]
write_conf

# --- audit ----------------------------------------------------------------
check "A's actions were audited" grep -q "user=$A by=$A\$" "$log"
check "every audit line about A names A as the invoker" [ -z "$(grep \
    " pam-mfa\[[0-9]*\]: .* user=$A " "$log" | grep -v " by=$A\$" |
    grep -v "action=unlock user=$A by=root\$")" ]
check "no secret or code in syslog" sh -c \
    "! cat '$WORK/codes' '$WORK/a.codes' '$WORK/a2.codes' '$WORK/a3.codes' |
    grep -F -f - '$log' >/dev/null && ! grep -q -e 'secret=' -e '$asecret' '$log'"
finish
