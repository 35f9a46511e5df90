#!/bin/sh
# test_cli.sh - pam-mfa as root: golden output of every command (secrets,
# codes and times masked), files and modes, exit statuses 0-5 and error
# messages that name the fix, the audit line of every change in syslog
# (a private /dev/log, with-logsink.sh), and enrolled users logging in
# through the real libpam (pamtester under pam_wrapper) with one-time
# codes oathtool computes from the printed URI, and with backup codes.
# The self-service (setuid) paths are in test_selfservice.sh, the
# terminal (QR code, prompts) in test_enroll_pty.sh.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
logns pamtester oathtool jq zbarimg timeout
# In the private mount namespace (private /dev/log) from here on.
golden=$here/golden
cli="$VG $MFA_CLI"
state=$WORK/state
conf=$WORK/mfa.conf
# Its users are in no name service: exact names (user_lookup).
printf 'state_dir = "%s";\nkey_file = "%s";\nissuer = "Example VPN";\nuser_lookup = "exact";\n' \
    "$state" "$WORK/mfa.key" >"$conf"
chmod 0644 "$conf"
OATHTOOL=${OATHTOOL:-oathtool}

# mask: the parts of the output that differ from run to run -- the work
# directory, the secret in a URI, backup codes on their own line, times.
mask() {
	sed -e "s|$WORK|@WORK@|g" \
	    -e 's/\([?&]secret=\)[A-Z2-7]\{32\}&/\1@SECRET@\&/' \
	    -e 's/^  [0-9]\{5\}-[0-9]\{5\}$/  @BACKUP@/' \
	    -e 's/20[0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]Z/@TIME@/g'
}
# golden NAME FILE GOLDEN: FILE, masked, is tests/golden/GOLDEN.  With
# MFA_GOLDEN_OUT=DIR the masked outputs are also copied there, to review
# and replace a golden file whose output legitimately changed.
golden() {
	mask <"$2" >"$2.masked"
	if [ -n "${MFA_GOLDEN_OUT:-}" ]; then
		cp "$2.masked" "$MFA_GOLDEN_OUT/$3"
	fi
	if cmp -s "$2.masked" "$golden/$3"; then
		pass "$1"
	else
		fail "$1"
		diff -u "$golden/$3" "$2.masked" | sed 's/^/  /' | head -40
	fi
}
# run ARGS...: pam-mfa -c CONF ARGS with no input (/dev/null); stdout
# in $WORK/out, stderr in $WORK/err, status in $rc.  run_in FILE ARGS...:
# the same reading FILE.
run() {
	run_in /dev/null "$@"
}
run_in() {
	f=$1
	shift
	$cli -c "$conf" "$@" <"$f" >"$WORK/out" 2>"$WORK/err"
	rc=$?
}
exits() {	# exits NAME STATUS: the last run exited STATUS
	if [ "$rc" -eq "$2" ]; then
		pass "$1"
	else
		fail "$1"
		echo "  exit $rc, want $2; stderr:"
		sed 's/^/  /' "$WORK/err"
	fi
}
says() {	# says NAME TEXT: the last run's stderr holds TEXT (fixed)
	check "$1" grep -qF -- "$2" "$WORK/err"
}
jqe() { jq -e "$@" >/dev/null; }	# jqe FILTER FILE: FILTER is true
secret_of() { sed -n 's/.*[?&]secret=\([A-Z2-7]*\).*/\1/p'; }
codes_of() { grep -Ex '  [0-9]{5}-[0-9]{5}' | sed 's/^  //'; }
field() {	# field USER NAME: a field of pam-mfa status USER
	$cli -c "$conf" status "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}
totp() {	# totp SECRET [SECONDS_FROM_NOW]: the code, kept in codes
	"$OATHTOOL" --totp -b "$1" --now="@$(($(date +%s) + ${2:-0}))" |
	    tee -a "$WORK/codes"
}
mkdir "$WORK/svc"
echo "auth required $MFA_MODULE conf=$conf" >"$WORK/svc/vpn"
login() {	# login USER ANSWER: pamtester authenticate ($ITEMS: PAM items)
	iargs=""
	for it in ${ITEMS:-}; do
		iargs="$iargs -I $it"
	done
	echo "$2" | env LD_PRELOAD="$PAM_PRELOAD" PAM_WRAPPER=1 \
	    PAM_WRAPPER_SERVICE_DIR="$WORK/svc" timeout 60 $VG \
	    pamtester $iargs vpn "$1" authenticate >/dev/null 2>&1
}
refused() {	# refused NAME USER ANSWER: the login fails
	if login "$2" "$3"; then fail "$1"; else pass "$1"; fi
}
# The audit lines (ident pam-mfa), consumed in order: every change has
# exactly one, and nothing else writes any.
seen=0
audit_count() { grep -c ' pam-mfa\[[0-9]*\]: ' "$log"; }
audit() {	# audit NAME TEXT: the next audit line is TEXT, authpriv.notice
	i=0
	while [ "$(audit_count)" -le $seen ] && [ $i -lt 40 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	seen=$((seen + 1))
	line=$(grep ' pam-mfa\[[0-9]*\]: ' "$log" | sed -n "${seen}p")
	if echo "$line" | grep -q "^<85>.* pam-mfa\[[0-9]*\]: $2\$"; then
		pass "$1"
	else
		fail "$1"
		echo "  want: $2"
		echo "  got:  ${line:-(no line)}"
		seen=$(audit_count)	# one miss, one failure: start afresh
	fi
}
no_audit() {	# no_audit NAME: no audit line since the last one checked
	sleep 0.1
	n=$(audit_count)
	if [ "$n" -eq $seen ]; then
		pass "$1"
	else
		fail "$1"
		grep ' pam-mfa\[[0-9]*\]: ' "$log" | sed -n "$((seen + 1)),\$s/^/  got: /p"
	fi
	seen=$n
}

# --- usage, check -------------------------------------------------------
# Usage text is the dispatch table.
$cli -h >"$WORK/usage" 2>&1; rc=$?
check "-h exits 0" [ "$rc" -eq 0 ]
check "usage golden" cmp -s "$WORK/usage" "$golden/usage.txt"
run frobnicate; exits "unknown command exits 2" 2
says "unknown command is named" "unknown command 'frobnicate'"
check "unknown command prints the usage" grep -q '^usage: pam-mfa' "$WORK/err"
$cli >/dev/null 2>"$WORK/err"; rc=$?
exits "no command exits 2" 2
check "no command prints the usage on stderr" \
    cmp -s "$WORK/err" "$golden/usage.txt"
$cli -x >/dev/null 2>&1; rc=$?
exits "unknown option exits 2" 2
# The conventions of packaged tools: --help and -h print the usage on
# standard output alone and exit 0; --version prints the release that
# configure.ac's AC_INIT names.
for opt in -h --help; do
	$cli $opt >"$WORK/out" 2>"$WORK/err"; rc=$?
	exits "$opt exits 0" 0
	check "$opt prints the usage on stdout" cmp -s "$WORK/out" "$golden/usage.txt"
	check "$opt prints nothing on stderr" [ ! -s "$WORK/err" ]
done
release=$(sed -n 's/^AC_INIT(\[pam_mfa\], \[\([^]]*\)\].*/\1/p' "$MFA_SRCDIR/configure.ac")
$cli --version >"$WORK/out" 2>"$WORK/err"; rc=$?
exits "--version exits 0" 0
check "--version prints the release" [ "$(cat "$WORK/out")" = "pam-mfa $release" ]
check "--version prints nothing on stderr" [ ! -s "$WORK/err" ]
$cli --frobnicate >"$WORK/out" 2>"$WORK/err"; rc=$?
exits "unknown long option exits 2" 2
check "unknown long option is named" grep -q "unrecognized option '--frobnicate'" "$WORK/err"
check "unknown long option: usage on stderr only" [ ! -s "$WORK/out" ]
if [ -f "$MFA_SRCDIR/debian/changelog" ]; then
	check "debian/changelog is at the release" \
	    [ "$(sed -n '1s/^pam-mfa (\([^)]*\)).*/\1/p' "$MFA_SRCDIR/debian/changelog")" = "$release" ]
fi

# The shipped sample is valid, and the defaults it documents are the
# compiled ones: uncommenting every key changes no effective value.
sample=$MFA_SRCDIR/conf/pam_mfa.conf
cp "$sample" "$WORK/sample.conf"
sed 's/^#\([a-z0-9_]* = .*;\)$/\1/' "$sample" >"$WORK/uncommented.conf"
chmod 0644 "$WORK/sample.conf" "$WORK/uncommented.conf"
check "sample documents every key" [ "$(grep -c '^[a-z0-9_]* = ' "$WORK/uncommented.conf")" -eq 41 ]
$cli -c "$WORK/sample.conf" check | tail -n +2 >"$WORK/check.sample"
$cli -c "$WORK/uncommented.conf" check | tail -n +2 >"$WORK/check.uncommented"
check "sample config is valid" [ -s "$WORK/check.sample" ]
check "documented defaults are the compiled defaults" \
    cmp -s "$WORK/check.sample" "$WORK/check.uncommented"
check "check golden (defaults)" cmp -s "$WORK/check.sample" "$golden/check-defaults.txt"
run check; exits "check exits 0" 0
golden "check golden (test config)" "$WORK/out" check-test.txt

# --- configuration errors: exit 3, naming the fix ------------------------
run -c "$WORK/none.conf" check; exits "missing config exits 3" 3
says "missing config: names the file" "$WORK/none.conf: file not found"
printf 'bogus = 1;\n' >"$WORK/bad.conf"
chmod 0644 "$WORK/bad.conf"
run -c "$WORK/bad.conf" check; exits "unknown key exits 3" 3
says "unknown key: names the line and key" "bad.conf: line 1: bogus: unknown key"
printf 'window = 11;\n' >"$WORK/bad.conf"
run -c "$WORK/bad.conf" check; exits "out-of-range value exits 3" 3
says "out-of-range value: names the key" "window"
chmod 0666 "$conf"
run enroll -y bob; exits "writable config refused (exit 3)" 3
says "writable config error names the fix" \
    "fix with: chown root:root $conf && chmod 0644 $conf"
chmod 0644 "$conf"
check "no state directory made by a refused command" [ ! -e "$state" ]

# --- enroll -y: active at once, URI then backup codes -------------------
run enroll -y alice; exits "enroll -y exits 0" 0
golden "enroll -y golden" "$WORK/out" enroll-y.txt
check "enroll -y: nothing on stderr" [ ! -s "$WORK/err" ]
uri=$(grep '^otpauth://' "$WORK/out")
check "enroll -y prints a TOTP Key URI" sh -c "echo '$uri' | grep -Eqx \
'otpauth://totp/Example%20VPN:alice\?secret=[A-Z2-7]{32}&issuer=Example%20VPN&algorithm=SHA1&digits=6&period=30'"
check "enroll -y: the URI is the first line" \
    [ "$(head -n 1 "$WORK/out")" = "$uri" ]
codes_of <"$WORK/out" >"$WORK/alice.codes"
check "enroll -y prints 10 backup codes" [ "$(wc -l <"$WORK/alice.codes")" -eq 10 ]
check "enroll -y: the backup codes differ" \
    [ "$(sort -u "$WORK/alice.codes" | wc -l)" -eq 10 ]
check "state dir is 0700 root" [ "$(stat -c %a:%u "$state")" = "700:0" ]
check "token is 0600 root" [ "$(stat -c %a:%u "$state/alice.token")" = "600:0" ]
check "enroll -y leaves nothing pending" [ ! -e "$state/alice.pending" ]
secret=$(echo "$uri" | secret_of)
audit "enroll -y audited" "action=enroll user=alice by=root"

# --- refusals: exit 1, 2, 4 ----------------------------------------------
run enroll -y alice; exits "second enroll refused (exit 1)" 1
says "second enroll names the fix" "alice is already enrolled; use -f to replace the token"
check "second enroll prints no URI" [ ! -s "$WORK/out" ]
run enroll alice; exits "second enroll without -y refused (exit 1)" 1
check "second enroll left nothing pending" [ ! -e "$state/alice.pending" ]
run enroll -y ../etc; exits "path traversal name refused (exit 2)" 2
says "bad name: says which names are valid" "invalid user name: use 1-"
check "nothing created outside the store" [ ! -e "$WORK/etc.token" ]
run enroll -y; exits "enroll without USER (root) exits 2" 2
says "enroll without USER: names the fix" "enroll: name the USER"
run enroll -y -d 7 bob; exits "bad digits refused (exit 2)" 2
run enroll -y -t hotp -a SHA256 bob; exits "HOTP with SHA256 refused (exit 2)" 2
says "HOTP with SHA256: says why" "HOTP is defined for SHA1 only"
run enroll -y -q sixel bob; exits "unknown QR style refused (exit 2)" 2
run enroll -C -y bob; exits "enroll -C with -y refused (exit 2)" 2
run enroll -y bob carl; exits "enroll with two users refused (exit 2)" 2
run status alice bob; exits "status with two users refused (exit 2)" 2
run revoke; exits "revoke without USER exits 2" 2
says "revoke without USER: usage" "usage: pam-mfa revoke USER"
run list extra; exits "list with an argument exits 2" 2
check "no token made by a refused enroll" [ ! -e "$state/bob.token" ]
no_audit "refusals are not audited"
# Non-root: the copy in the build tree is not setuid, and -c is root's.
for cmd in "enroll bob" "revoke alice" "status" "status alice" \
    "unlock alice" "list" "check" "backup-codes alice" "rekey"; do
	setpriv --reuid=65534 --regid=65534 --clear-groups \
	    $cli -c "$conf" $cmd >/dev/null 2>"$WORK/err"; rc=$?
	exits "non-root -c ... $cmd refused (exit 4)" 4
done
says "non-root -c: says why" "-c: only root may choose the config file"
for cmd in "revoke alice" "unlock alice" "list" "rekey"; do
	setpriv --reuid=65534 --regid=65534 --clear-groups \
	    $cli $cmd >/dev/null 2>"$WORK/err"; rc=$?
	exits "non-root $cmd refused (exit 4)" 4
	says "non-root $cmd: says it must be run as root" "must be run as root"
done
no_audit "non-root refusals change nothing"

# --- enroll, pending: EOF, wrong codes, enroll -C ------------------------
run enroll bob; exits "enroll at end of input exits 0" 0
golden "enroll pending golden (stdout)" "$WORK/out" enroll-pending.out
golden "enroll pending golden (stderr)" "$WORK/err" enroll-pending.err
bsecret=$(secret_of <"$WORK/out")
check "pending: bob.pending 0600 root, no bob.token" sh -c \
    "[ \"\$(stat -c %a:%u '$state/bob.pending')\" = 600:0 ] &&
    [ ! -e '$state/bob.token' ]"
check "pending: no backup codes shown" [ -z "$(codes_of <"$WORK/out")" ]
audit "enroll pending audited" "action=enroll_pending user=bob by=root"
refused "pending token does not log in" bob "$(totp "$bsecret")"
w=$(wrong_code "$bsecret")
printf '%s\n' 12345 "$w" abcdef >"$WORK/in"
run_in "$WORK/in" enroll -C bob; exits "enroll -C: three wrong codes exit 4" 4
golden "enroll -C wrong codes golden (stderr)" "$WORK/err" enroll-wrong.err
check "enroll -C wrong codes: nothing on stdout" [ ! -s "$WORK/out" ]
check "enroll -C wrong codes: still pending" \
    [ "$(field bob enrolled):$(field bob pending)" = "no:yes" ]
for k in 1 2 3; do
	audit "enroll -C wrong code $k audited" "action=enroll_denied user=bob by=root"
done
"$MFA_CLI" -c "$conf" unlock bob >/dev/null
audit "unlock after wrong codes audited" "action=unlock user=bob by=root"
totp "$bsecret" >"$WORK/in"
run_in "$WORK/in" enroll -C bob; exits "enroll -C with the right code exits 0" 0
golden "enroll -C golden (stdout)" "$WORK/out" enroll-confirm.txt
check "enroll -C golden (stderr: the prompt)" [ "$(cat "$WORK/err")" = \
    "Type a code from the app to activate the token: " ]
codes_of <"$WORK/out" >"$WORK/bob.codes"
check "enroll -C: 10 backup codes" [ "$(sort -u "$WORK/bob.codes" | wc -l)" -eq 10 ]
check "enroll -C: bob.token, no bob.pending" \
    sh -c "[ -f '$state/bob.token' ] && [ ! -e '$state/bob.pending' ]"
audit "enroll -C audited" "action=enroll_confirm user=bob by=root"
check "confirmed token logs in" login bob "$(totp "$bsecret" 30)"
run enroll -C bob; exits "enroll -C with nothing pending exits 5" 5
says "enroll -C with nothing pending: names the fix" \
    "bob has no pending token: run pam-mfa enroll"
run enroll -C nobody1; exits "enroll -C for an unknown user exits 5" 5
no_audit "failed enroll -C not audited"

# Root replacing a token: -f; without -y the new one waits and the old
# one goes on working; with -y it is active at once.
run enroll -y carol; exits "enroll -y carol" 0
csecret=$(secret_of <"$WORK/out")
audit "enroll -y carol audited" "action=enroll user=carol by=root"
run enroll -f carol; exits "enroll -f (pending) exits 0 at end of input" 0
c2secret=$(secret_of <"$WORK/out")
check "enroll -f: a new secret" [ -n "$c2secret" ] && [ "$c2secret" != "$csecret" ]
check "enroll -f: active and pending" \
    [ "$(field carol enrolled):$(field carol pending)" = "yes:yes" ]
audit "enroll -f (pending) audited" "action=enroll_pending user=carol by=root"
check "enroll -f: the old token still logs in" login carol "$(totp "$csecret")"
refused "enroll -f: the pending one does not" carol "$(totp "$c2secret" 30)"
run enroll -y dave; exits "enroll -y dave" 0
dsecret=$(secret_of <"$WORK/out")
audit "enroll -y dave audited" "action=enroll user=dave by=root"
run enroll -f -y dave; exits "enroll -f -y (replace) exits 0" 0
d2secret=$(secret_of <"$WORK/out")
check "enroll -f -y: a new secret and 10 backup codes" sh -c \
    "[ -n '$d2secret' ] && [ '$d2secret' != '$dsecret' ] &&
    [ \$(grep -Ecx '  [0-9]{5}-[0-9]{5}' '$WORK/out') -eq 10 ]"
audit "enroll -f -y audited as a replacement" "action=enroll_replace user=dave by=root"
refused "enroll -f -y: the old token no longer logs in" dave "$(totp "$dsecret")"
check "enroll -f -y: the new one does" login dave "$(totp "$d2secret")"
run enroll -y erin; exits "enroll -y erin" 0
audit "enroll -y erin audited" "action=enroll user=erin by=root"
run enroll frank; exits "enroll frank (pending)" 0
fsecret=$(secret_of <"$WORK/out")
audit "enroll frank audited" "action=enroll_pending user=frank by=root"

# QR code files: -o, 0600, and the image holds the URI.
run enroll -y -o "$WORK/gina.png" gina; exits "enroll -o FILE.png exits 0" 0
says "enroll -o: says it holds the secret" \
    "QR code written to $WORK/gina.png (mode 0600): it holds the secret"
check "enroll -o: PNG is 0600 root" [ "$(stat -c %a:%u "$WORK/gina.png")" = 600:0 ]
check "enroll -o: the PNG decodes to the printed URI" sh -c \
    "[ \"\$(zbarimg -q --raw '$WORK/gina.png' 2>/dev/null)\" = \
    \"\$(grep '^otpauth://' '$WORK/out')\" ]"
check "enroll -o: the URI is still printed, then the codes" \
    [ "$(codes_of <"$WORK/out" | wc -l)" -eq 10 ]
audit "enroll -o audited" "action=enroll user=gina by=root"
run enroll -y -o "$WORK/hugo.svg" hugo; exits "enroll -o FILE.svg exits 0" 0
check "enroll -o: SVG is 0600 root and an SVG" sh -c \
    "[ \"\$(stat -c %a:%u '$WORK/hugo.svg')\" = 600:0 ] &&
    head -n 2 '$WORK/hugo.svg' | grep -q '^<svg xmlns=\"http://www.w3.org/2000/svg\"'"
audit "enroll -o svg audited" "action=enroll user=hugo by=root"
echo keep >"$WORK/exists.png"
run enroll -y -o "$WORK/exists.png" ida; exits "enroll -o onto an existing file exits 1" 1
says "enroll -o onto a file: names the rule" \
    "could not write the QR code (it must be a new .png or .svg file)"
check "enroll -o onto a file: the file is unchanged" [ "$(cat "$WORK/exists.png")" = keep ]
ln -s "$WORK/exists.png" "$WORK/link.png"
run enroll -o "$WORK/link.png" ida2; exits "enroll -o onto a symlink exits 1" 1
check "enroll -o onto a symlink: the target is unchanged" [ "$(cat "$WORK/exists.png")" = keep ]
run enroll -y -o "$WORK/qr.txt" ida3; exits "enroll -o FILE.txt exits 1" 1
says "enroll -o FILE.txt: names the rule" "it must be a new .png or .svg file"
# Refused -o after -y: the user must not end up with an active token
# whose backup codes nobody saw.
for u in ida ida3; do
	check "refused -o with -y: $u has no token, or its codes were shown" \
	    sh -c "[ ! -e '$state/$u.token' ] ||
	    [ \"\$(grep -Ecx '  [0-9]{5}-[0-9]{5}' '$WORK/out')\" -eq 10 ]"
done
for u in ida ida2 ida3; do	# out of the way of the goldens below
	$cli -c "$conf" revoke "$u" >/dev/null 2>&1
done
seen=$(audit_count)	# the refused -o runs above: whatever they logged

# Every algorithm, digits, period: the URI's parameters give the codes.
for spec in "SHA1 6 30" "SHA256 8 30" "SHA512 6 60" "SHA512 8 60"; do
	set -- $spec
	u=$($cli -c "$conf" enroll -y -a "$1" -d "$2" -p "$3" "u$1$2$3" |
	    grep '^otpauth://')
	check "URI carries $1/$2/$3" sh -c "echo '$u' | grep -q 'algorithm=$1&digits=$2&period=$3'"
	check "u$1$2$3 logs in with its $2-digit code" login "u$1$2$3" \
	    "$("$OATHTOOL" --totp=$1 -d "$2" -s "$3" -b "$(echo "$u" | secret_of)")"
done
u=$($cli -c "$conf" enroll -y -t hotp carl | grep '^otpauth://')
check "HOTP URI" sh -c "echo '$u' | grep -Eq '^otpauth://hotp/.*&counter=0$'"
hsecret=$(echo "$u" | secret_of)
seen=$(audit_count)

# --- logins, backup codes, status, list ----------------------------------
code=$(totp "$secret")
check "login with the enrolled token" login alice "$code"
refused "same code refused" alice "$code"
check "the replay counted (failures=1)" [ "$(field alice failures)" = 1 ]
bcode=$(sed -n 1p "$WORK/alice.codes")
check "login with a backup code" login alice "$bcode"
check "a success clears the failures" [ "$(field alice failures)" = 0 ]
refused "the same backup code refused" alice "$bcode"
check "the backup code replay counted (failures=1)" [ "$(field alice failures)" = 1 ]
ITEMS="rhost=192.0.2.7"
check "login with a backup code without its hyphen" login alice \
    "$(sed -n 2p "$WORK/alice.codes" | tr -d -)"
ITEMS=""
run backup-codes -l alice; exits "backup-codes -l exits 0" 0
check "backup-codes -l: 8 of 10 left after two backup-code logins" \
    [ "$(cat "$WORK/out")" = "alice has 8 of 10 backup codes left" ]
check "status: backup_codes=8/10" [ "$(field alice backup_codes)" = 8/10 ]
run backup-codes -l ghost; exits "backup-codes -l of a user with no token exits 5" 5
says "backup-codes -l of a user with no token: says so" "ghost has no active token"
run backup-codes -l frank; exits "backup-codes -l of a pending user exits 5" 5
no_audit "logins and read-only commands write no audit line"

run status; exits "status exits 0" 0
golden "status golden (everyone)" "$WORK/out" status.txt
check "status shows no secret" sh -c "! grep -q -e '$secret' -e '$bsecret' '$WORK/out'"
run status alice; exits "status USER exits 0" 0
check "status USER is that user's line of status" \
    [ "$(cat "$WORK/out")" = "$($cli -c "$conf" status | grep '^alice ')" ]
check "status: last_success and last_rhost recorded" grep -Eq \
    'last_success=20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z last_rhost=192.0.2.7 uid=-$' \
    "$WORK/out"
run status ghost; exits "status of a user with nothing exits 0" 0
check "status of a user with nothing" [ "$(cat "$WORK/out")" = \
    "ghost enrolled=no pending=no token=- backup_codes=0/0 failures=0 locked=no lock_step=0 last_success=never last_rhost=- uid=-" ]
run status --json; exits "status --json exits 0" 0
golden "status --json golden" "$WORK/out" status.json
check "status --json is valid JSON" jqe . "$WORK/out"
check "status --json: an array of every user" \
    [ "$(jq length "$WORK/out")" -eq "$($cli -c "$conf" status | wc -l)" ]
check "status --json: alice's counts" jqe '.[] | select(.user == "alice") |
    .enrolled == true and .pending == false and .backup_codes_left == 8 and
    .backup_codes == 10 and .failures == 0 and .locked == false and
    .last_rhost == "192.0.2.7" and (.last_success | test("^20[0-9]{2}-"))' \
    "$WORK/out"
check "status --json: carol active and pending" jqe \
    '.[] | select(.user == "carol") | .enrolled and .pending' "$WORK/out"
check "status --json: frank pending only, no token fields" jqe \
    '.[] | select(.user == "frank") | (.enrolled | not) and .pending and
    (has("digits") | not)' "$WORK/out"
check "status --json: carl is HOTP, without a period" jqe \
    '.[] | select(.user == "carl") | .type == "hotp" and (has("period") | not)' \
    "$WORK/out"
check "status --json: the text and JSON agree on who" [ \
    "$(jq -r '.[].user' "$WORK/out" | tr '\n' ' ')" = \
    "$($cli -c "$conf" status | cut -d' ' -f1 | tr '\n' ' ')" ]
run status --json alice; exits "status --json USER exits 0" 0
check "status --json USER: one element" jqe \
    'length == 1 and .[0].user == "alice"' "$WORK/out"
run list; exits "list exits 0" 0
golden "list golden" "$WORK/out" list.txt
no_audit "status and list write no audit line"

# backup-codes (root): a new set, the old ones stop working at once.
run backup-codes alice; exits "backup-codes exits 0" 0
golden "backup-codes golden" "$WORK/out" backup-codes.txt
codes_of <"$WORK/out" >"$WORK/alice.codes2"
check "backup-codes: 10 new codes" [ "$(sort -u "$WORK/alice.codes2" | wc -l)" -eq 10 ]
audit "backup-codes audited" "action=backup_codes user=alice by=root"
refused "an unused old backup code no longer works" alice "$(sed -n 5p "$WORK/alice.codes")"
check "a new backup code works" login alice "$(sed -n 1p "$WORK/alice.codes2")"
run backup-codes -l alice
check "backup-codes -l counts the new set down (9 of 10)" \
    [ "$(cat "$WORK/out")" = "alice has 9 of 10 backup codes left" ]
run backup-codes ghost; exits "backup-codes for a user with no token exits 5" 5
run backup-codes; exits "backup-codes without USER (root) exits 2" 2
no_audit "failed backup-codes not audited"

# --- lock and unlock (HOTP: codes by counter, no clock) ------------------
hotp() { "$OATHTOOL" --hotp -b "$hsecret" -c "$1" | tee -a "$WORK/codes"; }
check "HOTP login (counter 0)" login carl "$(hotp 0)"
"$OATHTOOL" --hotp -b "$hsecret" -c 0 -w 30 >"$WORK/hotp.window"
n=100000
k=0
while [ $k -lt 5 ]; do
	while grep -qx "$n" "$WORK/hotp.window"; do n=$((n + 1)); done
	refused "HOTP wrong code $((k + 1))" carl "$n"
	n=$((n + 1))
	k=$((k + 1))
done
check "five failures lock (deny = 5)" sh -c \
    "[ \"\$($cli -c '$conf' status carl | sed -n 's/.* failures=\([0-9]*\) locked=\([^ ]*\) .*/\1 \2/p' |
    sed 's/until_20[0-9-]*T[0-9:]*Z/until_TIME/')\" = '5 until_TIME' ]"
refused "locked: the right code is refused" carl "$(hotp 1)"
check "the first lock is step 1 (status)" [ "$(field carl lock_step)" = 1 ]
$cli -c "$conf" status --json carl >"$WORK/carl.json"
check "the first lock is step 1 (status --json)" \
    jqe '.[0].lock_step == 1 and .[0].locked == true' "$WORK/carl.json"
run unlock carl; exits "unlock exits 0" 0
check "unlock golden" [ "$(cat "$WORK/out")" = "unlocked carl" ]
audit "unlock audited" "action=unlock user=carl by=root"
check "unlock clears failures and the lock" \
    [ "$(field carl failures):$(field carl locked)" = "0:no" ]
check "unlock resets the lock step" [ "$(field carl lock_step)" = 0 ]
check "unlocked: the next code logs in" login carl "$(hotp 2)"
run unlock ghost; exits "unlock of a user with no state exits 0" 0
check "unlock of a user with no state: says so" \
    [ "$(cat "$WORK/out")" = "ghost was not locked" ]
run unlock ../x; exits "unlock with a bad name exits 2" 2
no_audit "unlock of nobody not audited"

# --- secrets at rest ------------------------------------------------------
# Neither the base32 nor the raw secret is anywhere in the state
# directory (active or pending tokens); the key is elsewhere, root-only.
found=no
for s in "$secret" "$bsecret" "$c2secret" "$hsecret"; do
	hex=$(printf '%s' "$s" | base32 -d 2>/dev/null | od -An -tx1 -v | tr -d ' \n')
	[ ${#hex} -eq 40 ] || found=bad
	for f in "$state"/* "$state"/.[!.]*; do
		[ -f "$f" ] || continue
		grep -q "$s" "$f" && found=yes
		od -An -tx1 -v "$f" | tr -d ' \n' | grep -q "$hex" && found=yes
	done
done
check "no secret (base32 or raw) in the state directory" [ "$found" = no ]
check "key file is 0600 root" [ "$(stat -c %a:%u "$WORK/mfa.key")" = "600:0" ]
check "every file in the store is 0600 root" [ -z "$(find "$state" -type f \
    ! -perm 0600 -o -type f ! -user root)" ]
check "no backup code in the state directory" sh -c "! cat '$WORK/alice.codes' \
    '$WORK/alice.codes2' | tr -d - | grep -F -f - -r '$state' >/dev/null"

# A token copied to another user's name does not open for them.
code=$(totp "$secret" 30)
cp -p "$state/alice.token" "$state/mallory.token"
refused "token moved to another user refused" mallory "$code"
rm -f "$state/mallory.token" "$state/mallory.state"
# The module refuses a key file others can read.
chmod 0644 "$WORK/mfa.key"
refused "readable key file refused" alice "$code"
chmod 0600 "$WORK/mfa.key"

# --- rekey ----------------------------------------------------------------
ntok=0
for f in "$state"/*.token; do
	[ -f "$f" ] && ntok=$((ntok + 1))
done
before=$(od -An -tx1 -v "$WORK/mfa.key" | tr -d ' \n')
run rekey; exits "rekey exits 0" 0
check "rekey golden" [ "$(cat "$WORK/out")" = "re-encrypted $ntok tokens under a new key" ]
audit "rekey audited" "action=rekey user=- by=root"
after=$(od -An -tx1 -v "$WORK/mfa.key" | tr -d ' \n')
check "rekey replaced the key" [ "$before" != "$after" ]
check "login after rekey" login alice "$code"
code=$(totp "$secret" 60)
cp -p "$WORK/mfa.key" "$WORK/mfa.key.new"
$cli -c "$conf" rekey >/dev/null
audit "second rekey audited" "action=rekey user=- by=root"
cp -p "$WORK/mfa.key" "$WORK/mfa.key.latest"
# Tokens sealed under the newest key don't open with the one before.
cp -p "$WORK/mfa.key.new" "$WORK/mfa.key"
refused "retired key no longer opens tokens" alice "$code"
cp -p "$WORK/mfa.key.latest" "$WORK/mfa.key"
# A pending token survives the rekeys: frank confirms it now.
totp "$fsecret" >"$WORK/in"
run_in "$WORK/in" enroll -C frank
exits "a pending token made before two rekeys is confirmed after them" 0
audit "enroll -C frank audited" "action=enroll_confirm user=frank by=root"
# A token that can't be read makes rekey fail, every time, without ever
# costing another user their key.
zsecret=$($cli -c "$conf" enroll -y zed | secret_of)
audit "enroll -y zed audited" "action=enroll user=zed by=root"
printf 'X' | dd of="$state/carl.token" bs=1 seek=100 conv=notrunc 2>/dev/null
i=0
rekey_failed=yes
while [ $i -lt 8 ]; do
	if $cli -c "$conf" rekey >/dev/null 2>"$WORK/err"; then rekey_failed=no; fi
	i=$((i + 1))
done
check "rekey with a corrupt token fails" [ "$rekey_failed" = yes ]
check "rekey names the way out" grep -q "could not be read and keep their old key" "$WORK/err"
check "other users survive repeated failed rekeys" \
    login zed "$(totp "$zsecret")"
run list; exits "list with an unreadable token exits 1" 1
check "list marks the unreadable token" grep -qx 'carl unreadable' "$WORK/out"
seen=$(audit_count)	# rekey_partial lines, checked below
check "failed rekeys audited as partial" \
    [ "$(grep -c 'action=rekey_partial user=- by=root$' "$log")" -eq 8 ]
$cli -c "$conf" revoke carl >/dev/null
audit "revoke of a damaged token audited" "action=revoke user=carl by=root"
check "rekey succeeds once the bad token is gone" \
    sh -c "$cli -c '$conf' rekey >/dev/null"
audit "rekey audited" "action=rekey user=- by=root"

# --- revoke: token, pending token, backup codes and state ---------------
check "carol has a token, a pending token and state" sh -c \
    "[ -f '$state/carol.token' ] && [ -f '$state/carol.pending' ] &&
    [ -f '$state/carol.state' ]"
run revoke carol; exits "revoke exits 0" 0
check "revoke golden" [ "$(cat "$WORK/out")" = "revoked carol" ]
check "revoke removed token, pending token and state" sh -c \
    "[ ! -e '$state/carol.token' ] && [ ! -e '$state/carol.pending' ] &&
    [ ! -e '$state/carol.state' ]"
audit "revoke audited" "action=revoke user=carol by=root"
refused "revoked user can't log in" carol "$(totp "$csecret" 30)"
run status carol
check "status after revoke: nothing" [ "$(cat "$WORK/out")" = \
    "carol enrolled=no pending=no token=- backup_codes=0/0 failures=0 locked=no lock_step=0 last_success=never last_rhost=- uid=-" ]
run enroll ivy; exits "enroll ivy (pending)" 0
audit "enroll ivy audited" "action=enroll_pending user=ivy by=root"
run revoke ivy; exits "revoke of a pending-only user exits 0" 0
check "revoke of a pending-only user removes it" [ ! -e "$state/ivy.pending" ]
audit "revoke of a pending-only user audited" "action=revoke user=ivy by=root"
run revoke alice; exits "revoke alice" 0
audit "revoke alice audited" "action=revoke user=alice by=root"
run revoke alice; exits "revoke of unenrolled user exits 5" 5
says "revoke of unenrolled user: says so" "alice is not enrolled"
check "revoked user no longer listed" sh -c "! $cli -c '$conf' list | grep -q '^alice '"
code=$(totp "$secret" 30)
refused "revoked user can't log in (alice)" alice "$code"
no_audit "failed revoke not audited"

# --- the token stored but not its state: the codes are still shown -------
# The fault injector (tests/faultinject.c) fails the state's flush; it
# interposes malloc, so not under the sanitizers or valgrind.
if [ -n "${MFA_PRELOAD:-}" ] || [ "${MFA_VALGRIND:-}" = 1 ]; then
	echo "skipped under sanitizers/valgrind: the fault injector"
else
	env LD_PRELOAD="$MFA_BUILDDIR/tests/.libs/faultinject.so" \
	    MFA_FI_ARM=fdatasync:1:5 "$MFA_CLI" -c "$conf" enroll -y -q none \
	    zoe >"$WORK/out" 2>"$WORK/err"
	rc=$?
	exits "state write failed after the token: exit 0" 0
	says "state write failed after the token: says so" \
	    "the token is active, but its login state could not be written"
	codes_of <"$WORK/out" >"$WORK/zoe.codes"
	check "state write failed after the token: 10 codes shown" \
	    [ "$(wc -l <"$WORK/zoe.codes")" -eq 10 ]
	audit "state write failed after the token: audited" \
	    "action=enroll user=zoe by=root"
	check "state write failed after the token: a shown code logs in" \
	    login zoe "$(sed -n 1p "$WORK/zoe.codes")"
	cat "$WORK/zoe.codes" >>"$WORK/codes"
fi

# --- temporary files of writes killed before their rename ---------------
# enroll removes those 5 minutes old (a write takes milliseconds); a
# fresh one may be a write in progress, and stays.
stale=$state/.nobody.token.00112233445566ff
fresh=$state/.nobody.token.ffeeddccbbaa9988
other=$state/.nobody.token.notatemp
for f in "$stale" "$fresh" "$other"; do
	: >"$f"
	chmod 0600 "$f"
done
touch -d '10 minutes ago' "$stale" "$other"
run enroll -y -q none sweeper; exits "enroll with stale temp files: exit 0" 0
check "a stale temporary file is removed" [ ! -e "$stale" ]
check "a fresh temporary file stays" [ -e "$fresh" ]
check "a file not named as a temporary file stays" [ -e "$other" ]
rm -f "$fresh" "$other"
audit "enroll sweeper audited" "action=enroll user=sweeper by=root"

# --- syslog ---------------------------------------------------------------
check "audit lines are authpriv.notice" sh -c \
    "! grep ' pam-mfa\[' '$log' | grep -qv '^<85>'"
check "no secret, code or backup code in syslog" sh -c \
    "! cat '$WORK/codes' '$WORK/alice.codes' '$WORK/alice.codes2' \
    '$WORK/bob.codes' | grep -F -f - '$log' >/dev/null &&
    ! grep -q -e '$secret' -e '$bsecret' -e 'secret=' '$log'"
finish
