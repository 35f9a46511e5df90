#!/bin/sh
# test_helpdesk.sh - the helpdesk (admin_group) through the setuid pam-mfa,
# the lost-phone command (enroll --replace-now) and batch enrollment
# (enroll-batch), with throwaway accounts in the test's own mount
# namespace, as test_selfservice.sh has them: users A and B, helpdesk
# members H and I (group G, supplementary), and nobody.
#
# Proven: H may run status, list, unlock, revoke, enroll -o/-y/-f,
# --replace-now and enroll -C on A, each audited with by=H; not rekey,
# import, db, check, enroll-batch, backup-codes for A, -c, nor anything on
# root, on I (a member) or on H's own account; a non-member gets nothing;
# membership is the kernel's view of the caller's groups, not the name
# service's; --replace-now ends the old token and backup codes at once and
# the new token confirms; self-service is off by default.  enroll-batch
# (root): a list and a group, an unknown name and an enrolled user skipped
# with the reason in the manifest, files 0600 root's, nothing secret on
# stdout, a symlinked or group-writable directory refused, a re-run that
# changes nothing, QR codes that decode (zbarimg) to the tokens' URIs.
here=$(cd "$(dirname "$0")" && pwd)
if [ "${MFA_HD_NS:-}" != 1 ]; then
	. "$here/lib.sh"
	need_root
	for t in setpriv unshare pamtester oathtool zbarimg timeout findmnt; do
		if ! command -v "$t" >/dev/null 2>&1; then
			echo "FAIL: $t is not installed"
			exit 1
		fi
	done
	A=mfha$$
	B=mfhb$$
	for u in "$A" "$B" mfhh$$ mfhi$$ mfhg$$; do
		if id "$u" >/dev/null 2>&1 || getent group "$u" >/dev/null; then
			echo "FAIL: user or group $u exists already"
			exit 1
		fi
	done
	trap 'rm -rf "$WORK"' EXIT
	trap 'exit 130' INT TERM HUP PIPE
	rc=0
	MFA_HD_NS=1 MFA_HD_A=$A MFA_HD_B=$B MFA_HD_LOG=$WORK/syslog \
	    LOGSINK=${LOGSINK:-$MFA_BUILDDIR/tests/logsink} \
	    "$here/with-logsink.sh" "$WORK/syslog" /bin/sh "$0" || rc=$?
	for u in "$A" "$B" mfhh$$ mfhi$$; do
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
A=$MFA_HD_A
B=$MFA_HD_B
# H and I: the helpdesk (group G); A and B: users; nobody: a non-member.
H=$(echo "$A" | sed 's/^mfha/mfhh/')
I=$(echo "$A" | sed 's/^mfha/mfhi/')
G=$(echo "$A" | sed 's/^mfha/mfhg/')
log=$MFA_HD_LOG
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
for u in "$A" "$B" "$H" "$I"; do
	nid=$((nid + 1))
	echo "$u:x:$nid:$nid:pam_mfa test:/nonexistent:/usr/sbin/nologin" \
	    >>"$WORK/etc.passwd"
	echo "$u:x:$nid:" >>"$WORK/etc.group"
	echo "$u:!:19000:0:99999:7:::" >>"$WORK/etc.shadow"
done
nid=$((nid + 1))
echo "$G:x:$nid:$H,$I" >>"$WORK/etc.group"
ggid=$nid
for f in passwd group shadow; do
	mount --bind "$WORK/etc.$f" "/etc/$f" ||
	    { echo "FAIL: bind-mount /etc/$f"; exit 1; }
done
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
# The default self_service (off); G the helpdesk.
write_conf() {	# write_conf [EXTRA LINE]
	printf 'state_dir = "%s";\nkey_file = "%s";\nissuer = "Example VPN";\nwindow = 3;\ndeny = 3;\nadmin_group = "%s";\n%s\n' \
	    "$state" "$WORK/mfa.key" "$G" "${1:-}" >"$conf"
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
mkdir -m 0700 "$WORK/home-$H"
chown "$H:$H" "$WORK/home-$H"
hh=$WORK/home-$H

# run_as USER ARGS...: the setuid pam-mfa as USER with the groups the name
# service gives USER (--init-groups: G for H and I), no input; stdout,
# stderr, status in $WORK/out, $WORK/err, $rc.  run_as_in FILE USER ARGS...:
# reading FILE.  run_grp GROUPS USER ARGS...: with exactly the
# supplementary groups GROUPS (setpriv --groups; "-": none).
run_as() {
	u=$1
	shift
	run_as_in /dev/null "$u" "$@"
}
run_as_in() {
	f=$1 u=$2
	shift 2
	setpriv --reuid="$u" --regid="$u" --init-groups "$SCLI" "$@" \
	    <"$f" >"$WORK/out" 2>"$WORK/err"
	rc=$?
}
run_grp() {
	g=$1 u=$2
	shift 2
	if [ "$g" = - ]; then
		set -- --clear-groups "$@"
	else
		set -- --groups="$g" "$@"
	fi
	setpriv --reuid="$u" --regid="$u" "$@" </dev/null >"$WORK/out" \
	    2>"$WORK/err"
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
# code SECRET: the next unused code of that token (window = 3).
code() {
	f=$WORK/step.$(echo "$1" | cksum | cut -d' ' -f1)
	[ -f "$f" ] || echo -2 >"$f"
	k=$(cat "$f")
	echo $((k + 1)) >"$f"
	"$OATHTOOL" --totp -b "$1" --now="@$(($(date +%s) + 30 * k))" |
	    tee -a "$WORK/codes"
}
mkdir "$WORK/svc"
echo "auth required $MFA_MODULE conf=$conf" >"$WORK/svc/vpn"
login() {	# login USER ANSWER: through the real libpam
	echo "$2" | env LD_PRELOAD="$PAM_PRELOAD" PAM_WRAPPER=1 \
	    PAM_WRAPPER_SERVICE_DIR="$WORK/svc" timeout 60 \
	    pamtester vpn "$1" authenticate >/dev/null 2>&1
}
refused() { if login "$2" "$3"; then fail "$1"; else pass "$1"; fi; }
files_of() {	# files_of DIR USER: the names of USER's files in DIR
	for f in "$1/$2".*; do
		[ -e "$f" ] && basename "$f"
	done
}
sums() { for f in "$state"/*; do [ -e "$f" ] && cksum "$f"; done; }
audited() {	# audited NAME ACTION USER BY
	sleep 0.1
	check "$1" grep -q " pam-mfa\[[0-9]*\]: action=$2 user=$3 by=$4\$" "$log"
}

# --- root enrolls A, B, I ------------------------------------------------
for u in "$A" "$B" "$I"; do
	"$MFA_CLI" enroll -y -q none "$u" >"$WORK/enroll.$u" 2>/dev/null
done
asecret=$(secret_of <"$WORK/enroll.$A")
codes_of <"$WORK/enroll.$A" >"$WORK/a.codes"
check "root enrolled A (URI and backup codes)" \
    [ -n "$asecret" ] && [ -s "$WORK/a.codes" ]
check "A logs in" login "$A" "$(code "$asecret")"

# --- what H may do on A --------------------------------------------------
run_as "$H" status "$A"; exits "H: status A exits 0" 0
check "H: status A shows A" grep -q "^$A enrolled=yes " "$WORK/out"
run_as "$H" status; exits "H: status (everyone) exits 0" 0
check "H: status shows everyone" sh -c "grep -q '^$A ' '$WORK/out' &&
    grep -q '^$B ' '$WORK/out' && grep -q '^$I ' '$WORK/out'"
run_as "$H" list; exits "H: list exits 0" 0
check "H: list names A active" grep -qx "$A active" "$WORK/out"
# Lock A, H unlocks.
for n in 1 2 3; do
	login "$A" 000000
done
check "A is locked" [ "$(field "$A" locked)" != no ]
run_as "$H" unlock "$A"; exits "H: unlock A exits 0" 0
check "H: unlock A says so" [ "$(cat "$WORK/out")" = "unlocked $A" ]
check "A is no longer locked" [ "$(field "$A" locked)" = no ]
audited "H: unlock audited with by=H" unlock "$A" "$H"
check "A logs in after the helpdesk's unlock" login "$A" "$(code "$asecret")"

# enroll -o on an enrolled user wants -f; a pending token by H.
run_as "$H" enroll -o "$hh/a0.png" "$A"; exits "H: enroll -o A (enrolled) exits 1" 1
says "H: enroll -o A (enrolled): names -f" "already enrolled; use -f"
check "H: nothing written" [ ! -e "$hh/a0.png" ]
run_as "$H" enroll -o "$hh/b.png" -f "$B"; exits "H: enroll -f -o B exits 0" 0
check "H: the QR file is H's, 0600" [ "$(stat -c %a:%U "$hh/b.png")" = "600:$H" ]
check "H: B has a pending token, the old one still active" \
    [ "$(field "$B" pending)" = yes ] && [ "$(field "$B" enrolled)" = yes ]
audited "H: enroll_pending audited with by=H" enroll_pending "$B" "$H"
bsecret=$(zbarimg -q --raw "$hh/b.png" | secret_of)
code "$bsecret" >"$WORK/in"
run_as_in "$WORK/in" "$H" enroll -C "$B"; exits "H: enroll -C B exits 0" 0
check "H: enroll -C B: the next-code hint" grep -q \
    "The code just typed is spent: wait for the app's next code" "$WORK/out"
audited "H: enroll_confirm audited with by=H" enroll_confirm "$B" "$H"
check "B logs in with the new token" login "$B" "$(code "$bsecret")"
run_as "$H" enroll -y -f -q none "$B"; exits "H: enroll -y -f B exits 0" 0
check "H: enroll -y B: backup codes shown" [ -n "$(codes_of <"$WORK/out")" ]
audited "H: enroll_replace audited with by=H" enroll_replace "$B" "$H"

# --- the lost phone: --replace-now ---------------------------------------
acode=$(code "$asecret")
abackup=$(sed -n 1p "$WORK/a.codes")
run_as "$H" enroll --replace-now -o "$hh/a.png" "$A"
exits "H: enroll --replace-now -o A exits 0" 0
says "H: --replace-now says the old token is ended" \
    "old token, pending token and backup codes no longer work"
refused "old token's code refused at once" "$A" "$acode"
refused "old backup code refused at once" "$A" "$abackup"
check "A: no active token, a pending one" \
    [ "$(field "$A" enrolled)" = no ] && [ "$(field "$A" pending)" = yes ]
audited "--replace-now audited with by=H" replace_now "$A" "$H"
audited "--replace-now's new token audited with by=H" enroll_pending "$A" "$H"
check "the new QR file is H's, 0600" [ "$(stat -c %a:%U "$hh/a.png")" = "600:$H" ]
anew=$(zbarimg -q --raw "$hh/a.png" | secret_of)
check "the new QR holds a new secret" [ -n "$anew" ] && [ "$anew" != "$asecret" ]
code "$anew" >"$WORK/in"
run_as_in "$WORK/in" "$H" enroll -C "$A"; exits "the new token confirms (exit 0)" 0
check "A logs in with the new token" login "$A" "$(code "$anew")"
refused "A's old token stays refused" "$A" "$(code "$asecret")"
# A refused QR name ends nothing.
run_as "$H" enroll --replace-now -o "$hh/a.png" "$A"
exits "--replace-now to an existing file exits 1" 1
says "--replace-now to an existing file: nothing done" "nothing done"
check "--replace-now to an existing file: A still enrolled" \
    [ "$(field "$A" enrolled)" = yes ]
run_as "$H" enroll --replace-now "$A" -f; exits "--replace-now with -f: usage (2)" 2

# --- what H may not do ---------------------------------------------------
before=$(sums)
for cmd in "rekey" "import oath $WORK/none" "db init" "db import-files" \
    "check" "check --pam $WORK/svc/vpn" "backup-codes $A" \
    "backup-codes -l $A" "enroll-batch -d $hh $WORK/none" \
    "status root" "enroll -y -f root" "revoke root" "unlock root" \
    "revoke $I" "unlock $I" "enroll -y -f $I" "status $I" \
    "revoke $H" "unlock $H" "enroll -y $H" "enroll --replace-now $H" \
    "-c $conf status $A" "-c $conf revoke $A"; do
	run_as "$H" $cmd; exits "H: $cmd refused (exit 4)" 4
done
check "H's refusals changed no file" [ "$(sums)" = "$before" ]
run_as "$H" revoke "$I"
says "H: revoke I names the rule" "is root or a member of admin_group: only root acts on it"
run_as "$H" revoke "$H"
says "H: revoke H names the rule" "your own account: admin_group gives no rights over it"
run_as "$H" enroll -y "$H"
says "H: enroll -y H: own account goes by self-service" "self-service is turned off"
run_as "$H" revoke "ghost$$"; exits "H: revoke of an unknown name refused (4)" 4

# --- a non-member, and the kernel's view of the groups -------------------
for cmd in "status $A" "list" "unlock $A" "revoke $A" "enroll -y -f $A" \
    "enroll -o $WORK/x.png -f $A" "enroll --replace-now $A" "status"; do
	run_grp - 65534 "$SCLI" $cmd; exits "nobody: $cmd refused (exit 4)" 4
	run_grp - "$B" "$SCLI" $cmd; exits "B: $cmd refused (exit 4)" 4
done
check "non-members changed no file" [ "$(sums)" = "$before" ]
# H without G among its process's groups: the name service lists H in G,
# which gives nothing.
run_grp - "$H" "$SCLI" revoke "$A"; exits "H without G in its groups: refused (4)" 4
# B with G among its process's groups (the name service doesn't list B):
# a member.
run_grp "$ggid" "$B" "$SCLI" status "$A"
exits "B with G in its process groups: status A exits 0" 0
run_grp "$ggid" "$B" "$SCLI" -c "$conf" list
exits "B with G: -c still refused (4)" 4
# The plain (not setuid) copy gives a member nothing.
setpriv --reuid="$H" --regid="$H" --init-groups "$bin/pam-mfa-plain" list \
    </dev/null >"$WORK/out" 2>"$WORK/err"; rc=$?
exits "H with the plain copy: list refused (4)" 4

# --- H revokes A ---------------------------------------------------------
run_as "$H" revoke "$A"; exits "H: revoke A exits 0" 0
check "H: revoke A removed A's files" [ -z "$(files_of "$state" "$A")" ]
audited "H: revoke audited with by=H" revoke "$A" "$H"
refused "A's token no longer works" "$A" "$(code "$anew")"
check "every audit line from the helpdesk names H (or root)" [ -z "$(grep \
    " pam-mfa\[[0-9]*\]: .* user=$A " "$log" | grep -v " by=$H\$" |
    grep -v " by=root\$")" ]
check "no secret or code in syslog" sh -c \
    "! cat '$WORK/codes' '$WORK/a.codes' | grep -F -f - '$log' >/dev/null &&
    ! grep -q 'secret=' '$log'"

# --- self-service is off by default --------------------------------------
run_grp - "$A" "$SCLI" enroll; exits "default: A's own enroll refused (4)" 4
says "default: the refusal names self_service" \
    "self-service is turned off (self_service = false)"
check "default: A has no token" [ -z "$(files_of "$state" "$A")" ]

# --- enroll-batch (root) -------------------------------------------------
tab=$(printf '\t')
mkdir -m 0700 "$WORK/batch"
printf '%s\nghost%s\n%s\n' "$A" "$$" "$B" >"$WORK/list"
before=$(sums)
"$MFA_CLI" enroll-batch -d "$WORK/batch" "$WORK/list" >"$WORK/out" \
    2>"$WORK/err"; rc=$?
exits "batch: exits 0" 0
man=$WORK/batch/manifest.tsv
check "batch: A pending in the manifest" grep -qx "$A$tab$A.png${tab}pending$tab-" "$man"
check "batch: the unknown name skipped, why" \
    grep -qx "ghost$$$tab-${tab}skipped${tab}unknown_user" "$man"
check "batch: enrolled B skipped, why" grep -qx "$B$tab-${tab}skipped${tab}enrolled" "$man"
check "batch: A has a pending token" [ "$(field "$A" pending)" = yes ]
check "batch: B's token unchanged" [ "$(field "$B" enrolled)" = yes ]
check "batch: nothing on stdout" [ ! -s "$WORK/out" ]
check "batch: the QR file is root's, 0600" \
    [ "$(stat -c %a:%U "$WORK/batch/$A.png")" = 600:root ]
check "batch: the manifest is root's, 0600" [ "$(stat -c %a:%U "$man")" = 600:root ]
check "batch: only the QR file and the manifest" \
    [ "$(ls "$WORK/batch" | sort | tr '\n' ' ')" = \
    "$(printf '%s\n' "$A.png" manifest.tsv | sort | tr '\n' ' ')" ]
audited "batch: enroll_pending audited" enroll_pending "$A" root
buri=$(zbarimg -q --raw "$WORK/batch/$A.png")
bsec=$(echo "$buri" | secret_of)
check "batch: the QR decodes to an otpauth URI" sh -c "echo '$buri' | grep -Eq \
'^otpauth://totp/Example%20VPN:$A\\?secret=[A-Z2-7]{32}&issuer=Example%20VPN&algorithm=SHA1&digits=6&period=30\$'"
check "batch: no secret on stderr" sh -c "! grep -q '$bsec' '$WORK/err'"
# The re-run changes nothing but the manifest.
cp "$man" "$WORK/man.1"
ls -l --time-style=+%s.%N "$WORK/batch" | grep -v manifest >"$WORK/ls.1"
mid=$(sums)
"$MFA_CLI" enroll-batch -d "$WORK/batch" "$WORK/list" >"$WORK/out" \
    2>"$WORK/err"; rc=$?
exits "batch re-run: exits 0" 0
check "batch re-run: the store unchanged" [ "$(sums)" = "$mid" ]
ls -l --time-style=+%s.%N "$WORK/batch" | grep -v manifest >"$WORK/ls.2"
check "batch re-run: no file written" cmp -s "$WORK/ls.1" "$WORK/ls.2"
check "batch re-run: A skipped as pending" \
    sh -c "tail -n +$(($(wc -l <"$WORK/man.1") + 1)) '$man' | grep -qx '$A$tab-${tab}skipped${tab}pending'"
# The pending token is the QR code's: A confirms with a code from it.
code "$bsec" >"$WORK/in"
"$MFA_CLI" enroll -C "$A" <"$WORK/in" >"$WORK/out" 2>"$WORK/err"; rc=$?
exits "batch: the QR code's token confirms" 0
check "batch: A logs in with the QR code's token" login "$A" "$(code "$bsec")"
# Refused directories: a symlink, one others may write.
ln -s "$WORK/batch" "$WORK/blink"
mkdir -m 0770 "$WORK/bgw"
mid=$(sums)
for d in "$WORK/blink" "$WORK/bgw"; do
	"$MFA_CLI" enroll-batch -d "$d" -g "$G" >"$WORK/out" 2>"$WORK/err"; rc=$?
	exits "batch: $d refused (exit 1)" 1
done
says "batch: a group-writable directory: says why" "writable by root alone"
check "batch: refused directories: no token made" [ "$(sums)" = "$mid" ]
check "batch: refused directories: no file written" \
    [ -z "$(ls "$WORK/bgw")" ] && cmp -s "$WORK/ls.1" "$WORK/ls.2"
# A group, active at once (-y), URIs asked for (-u).
mkdir -m 0700 "$WORK/batch2"
"$MFA_CLI" enroll-batch -d "$WORK/batch2" -g "$G" -y -u >"$WORK/out" \
    2>"$WORK/err"; rc=$?
exits "batch -g -y -u: exits 0" 0
check "batch -g: H active" grep -qx "$H$tab$H.png${tab}active$tab-" "$WORK/batch2/manifest.tsv"
check "batch -g: enrolled I skipped" \
    grep -qx "$I$tab-${tab}skipped${tab}enrolled" "$WORK/batch2/manifest.tsv"
check "batch -u: H's URI on stdout is the QR code's" \
    [ "$(sed -n "s/^$H //p" "$WORK/out")" = "$(zbarimg -q --raw "$WORK/batch2/$H.png")" ]
check "batch -y: the backup codes file is root's, 0600" \
    [ "$(stat -c %a:%U "$WORK/batch2/$H.codes")" = 600:root ]
hsec=$(sed -n "s/^$H //p" "$WORK/out" | secret_of)
check "batch -y: H logs in with a code" login "$H" "$(code "$hsec")"
check "batch -y: H logs in with a backup code" \
    login "$H" "$(codes_of <"$WORK/batch2/$H.codes" | sed -n 1p)"
audited "batch -y: enroll audited" enroll "$H" root
# A codes file already there: that user fails, the file is left alone.
"$MFA_CLI" revoke "$B" >/dev/null
mkdir -m 0700 "$WORK/batch3"
echo keep >"$WORK/batch3/$B.codes"
echo "$B" | "$MFA_CLI" enroll-batch -d "$WORK/batch3" -y - >"$WORK/out" \
    2>"$WORK/err"; rc=$?
exits "batch -y, codes file there: exits 1" 1
check "batch -y, codes file there: the file kept" \
    [ "$(cat "$WORK/batch3/$B.codes")" = keep ]
check "batch -y, codes file there: no QR file left" [ ! -e "$WORK/batch3/$B.png" ]
check "batch -y, codes file there: no token" [ -z "$(files_of "$state" "$B")" ]
check "batch -y, codes file there: failed in the manifest" \
    grep -q "^$B$tab-${tab}failed$tab" "$WORK/batch3/manifest.tsv"
"$MFA_CLI" enroll-batch -d "$WORK/batch2" >/dev/null 2>&1; rc=$?
exits "batch without FILE or -g: usage (2)" 2
run_as "$H" enroll-batch -d "$hh" -g "$G"; exits "batch as H refused (4)" 4
finish
