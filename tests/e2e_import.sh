#!/bin/sh
# e2e_import.sh - pam-mfa import against the real modules it replaces.
# google-authenticator writes TOTP, HOTP and 60 s files; logins through
# pam_google_authenticator and pam_oath (real libpam: pamtester under
# pam_wrapper, one clock for all through the tests' faketime) make those
# modules record the codes they saw used.  After the import, logins
# through pam_mfa show: the secret, type, digits, period and counter kept;
# the codes the old module recorded as used refused, while the same code
# passes for a copy of the file without that record (so the record is
# why); google's scratch codes working once; pam_oath's local time read
# in its zone.  Also: refusals with their reasons and exit 1, -n writing
# nothing, -f needed to replace (and keeping the floor of the same token),
# the audit line, and no secret or code on stdout or stderr.  Everything
# runs in a private syslog namespace (lib.sh logns): pam-mfa's audit lines
# and the other modules' lines go to $log, never the host's syslog.
. "$(dirname "$0")/lib.sh"
logns google-authenticator pamtester oathtool
secdir=
for d in /usr/lib/*/security /lib/*/security /usr/lib/security; do
	if [ -e "$d/pam_oath.so" ] && [ -e "$d/pam_google_authenticator.so" ]
	then
		secdir=$d
	fi
done
if [ ! -e "${MFA_FAKETIME_LIB:-}" ]; then
	echo "FAIL: the tests' faketime library is not built"
	exit 1
fi
if [ -z "$secdir" ]; then
	echo "FAIL: pam_oath.so and pam_google_authenticator.so not found" \
	    "(libpam-oath, libpam-google-authenticator)"
	exit 1
fi

cli="$VG $MFA_CLI"
out=$WORK/all-output	# everything pam-mfa printed, for the secret check
: >"$out"
mkconf() {	# mkconf NAME: a config with its own store in $WORK
	# Its users are in no name service: exact names (user_lookup).
	printf 'state_dir = "%s";\nkey_file = "%s";\nuser_lookup = "exact";\n' \
	    "$WORK/$1.state" \
	    "$WORK/$1.key" >"$WORK/$1.conf"
	chmod 0644 "$WORK/$1.conf"
}
# imp CONF ARGS...: pam-mfa import; its output in $WORK/o, its status rc
imp() {
	c=$1
	shift
	$cli -c "$WORK/$c.conf" import "$@" >"$WORK/o" 2>"$WORK/e"
	rc=$?
	cat "$WORK/o" "$WORK/e" >>"$out"
}
has() {	# has LINE: the last import printed exactly this line
	grep -qxF "$1" "$WORK/o"
}

# One clock for every module, in the middle of a 30 s and a 60 s step.
T=1750000005
S=$((T / 30))
M=$((T / 60))
now=$T
mkdir -m 0755 "$WORK/svc" "$WORK/ga"
echo "auth required $secdir/pam_google_authenticator.so" \
    "secret=$WORK/ga/\${USER} user=root" >"$WORK/svc/ga"
echo "auth required $secdir/pam_oath.so usersfile=$WORK/users.oath" \
    "window=5" >"$WORK/svc/pamoath"
for c in mfa oath ctl; do
	mkconf $c
	echo "auth required $MFA_MODULE conf=$WORK/$c.conf" >"$WORK/svc/$c"
done
# login SERVICE USER ANSWER [TZ]: authenticate through real libpam;
# services mfa, oath and ctl are pam_mfa on the store of that name.
# The other modules' leaks are not ours to find (the sanitizer build).
login() {
	vg=
	asan=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
	case $1 in mfa|oath|ctl) vg=$VG asan=${ASAN_OPTIONS:-} ;; esac
	printf '%s\n' "$3" | env TZ="${4:-UTC}" MFA_FAKE_TIME=$now \
	    ASAN_OPTIONS="$asan" \
	    LD_PRELOAD="$PAM_PRELOAD:$MFA_FAKETIME_LIB" PAM_WRAPPER=1 \
	    PAM_WRAPPER_SERVICE_DIR="$WORK/svc" $vg pamtester "$1" "$2" \
	    authenticate >/dev/null 2>&1
}
refused() {	# refused NAME SERVICE USER ANSWER
	name=$1
	shift
	if login "$@"; then fail "$name"; else pass "$name"; fi
}
# totp SECRET STEP [DIGITS [PERIOD]]: the code of that time step (base32)
totp() {
	oathtool --totp -b -d "${3:-6}" -s "${4:-30}s" \
	    --now="@$(($2 * ${4:-30}))" "$1"
}
hotp() {	# hotp SECRET COUNTER [DIGITS] (base32)
	oathtool --hotp -b -d "${3:-6}" -c "$2" "$1"
}
hexcode() {	# hexcode SECRETHEX STEP|COUNTER [DIGITS [PERIOD]]
	if [ -n "${4:-}" ]; then
		oathtool --totp -d "${3:-6}" -s "$4s" --now="@$(($2 * $4))" "$1"
	else
		oathtool --hotp -d "${3:-6}" -c "$2" "$1"
	fi
}
gen() {	# gen USER ARGS...: google-authenticator writes $WORK/ga/USER
	u=$1
	shift
	google-authenticator -f -u -Q NONE -q -s "$WORK/ga/$u" "$@" \
	    </dev/null >/dev/null 2>&1
}

# --- google-authenticator ---------------------------------------------
gen gtotp -t -d -w 3 -e 5
gen ghotp -c -w 3 -e 2
gen g60 -t -D -S 60 -w 3 -e 1
gen g45 -t -d -S 45 -w 3 -e 1
check "google-authenticator wrote the files" sh -c "cd '$WORK/ga' &&
    [ -s gtotp ] && [ -s ghotp ] && [ -s g60 ] && [ -s g45 ]"
gs=$(head -n 1 "$WORK/ga/gtotp")
hs=$(head -n 1 "$WORK/ga/ghotp")
s60=$(head -n 1 "$WORK/ga/g60")
scratch=$(grep -E '^[0-9]{8}$' "$WORK/ga/gtotp")
sc1=$(echo "$scratch" | sed -n 1p)
sc2=$(echo "$scratch" | sed -n 2p)
check "TOTP file as documented" grep -qx '" TOTP_AUTH' "$WORK/ga/gtotp"
check "HOTP file starts at counter 1" grep -qx '" HOTP_COUNTER 1' \
    "$WORK/ga/ghotp"
check "five scratch codes" [ "$(echo "$scratch" | wc -l)" -eq 5 ]

# Logins through pam_google_authenticator: it records the time step
# used (DISALLOW_REUSE), spends a scratch code, advances the counter.
check "google: TOTP login" login ga gtotp "$(totp "$gs" $S)"
check "google recorded the step used" \
    grep -qx "\" DISALLOW_REUSE $S" "$WORK/ga/gtotp"
check "google: scratch code login" login ga gtotp "$sc1"
check "google spent the scratch code" sh -c \
    "! grep -qx '$sc1' '$WORK/ga/gtotp'"
check "google: HOTP login (counter 1)" login ga ghotp "$(hotp "$hs" 1)"
check "google advanced the counter" grep -qx '" HOTP_COUNTER 2' \
    "$WORK/ga/ghotp"
# The same file without the record of the step used: the control.
grep -v DISALLOW_REUSE "$WORK/ga/gtotp" >"$WORK/ga/gctl"
chmod 0400 "$WORK/ga/gctl"
# Refused by pam_mfa, each for its reason.
printf 'AEBAGBAFAYDQQCIK\n" TOTP_AUTH\n' >"$WORK/ga/g80"
printf '%s\n" TOTP_AUTH\n12345678\nnot a code\n' "$gs" >"$WORK/ga/gbad"
cp "$WORK/ga/gtotp" "$WORK/ga/owned"
chown daemon "$WORK/ga/owned"
ln -s "$WORK/ga/gtotp" "$WORK/ga/link"
cp "$WORK/ga/g60" "$WORK/ga/g60copy"
ln "$WORK/ga/g60copy" "$WORK/ga/hardlink"
cp "$WORK/ga/g60" "$WORK/ga/gw"
chmod 0620 "$WORK/ga/gw"

# -n writes nothing, not even the store.
imp mfa -n google-authenticator "gtotp=$WORK/ga/gtotp" "ghotp=$WORK/ga/ghotp"
check "-n exits 0" [ "$rc" -eq 0 ]
check "-n says what it would do" \
    has "would import gtotp: TOTP SHA1 6 digits 30 s, 4 backup codes"
check "-n summary" has "would import 2, skipped 0"
check "-n created no store" [ ! -e "$WORK/mfa.state" ]

imp mfa google-authenticator "gtotp=$WORK/ga/gtotp" "ghotp=$WORK/ga/ghotp" \
    "g60=$WORK/ga/g60" "gctl=$WORK/ga/gctl" "g45=$WORK/ga/g45" \
    "g80=$WORK/ga/g80" "gbad=$WORK/ga/gbad" "$WORK/ga/owned" \
    "gl=$WORK/ga/link" "bin=$WORK/ga/owned" "$WORK/ga/none" \
    "gh=$WORK/ga/hardlink" "gw=$WORK/ga/gw"
check "skips make the exit status 1" [ "$rc" -eq 1 ]
check "imported TOTP" \
    has "imported gtotp: TOTP SHA1 6 digits 30 s, 4 backup codes"
check "imported HOTP at the next counter" \
    has "imported ghotp: HOTP SHA1 6 digits counter 2, 2 backup codes"
check "imported 60 s" has "imported g60: TOTP SHA1 6 digits 60 s, 1 backup code"
check "FILE alone is its owner's" \
    has "imported daemon: TOTP SHA1 6 digits 30 s, 4 backup codes"
check "skipped: STEP_SIZE 45" \
    has "skipped g45: STEP_SIZE 45 not supported (30 or 60)"
check "skipped: 80-bit secret" \
    has "skipped g80: secret is 80 bits; pam_mfa needs at least 128"
check "skipped: garbage line" has "skipped gbad: line 4: not a scratch code"
check "skipped: symbolic link" \
    has "skipped gl: a symbolic link (not followed)"
check "skipped: another user's file" \
    has "skipped bin: the file belongs to another user"
check "skipped: missing file" \
    has "skipped $WORK/ga/none: No such file or directory"
check "skipped: a hard link" has "skipped gh: has other hard links"
check "skipped: writable by others" \
    has "skipped gw: writable by group or others"
check "summary" has "imported 5, skipped 8"
check "nothing on stderr" [ ! -s "$WORK/e" ]
st=$($cli -c "$WORK/mfa.conf" status gtotp)
check "status: TOTP SHA1 6 30, 4 scratch codes" sh -c "echo '$st' |
    grep -q 'token=totp/SHA1/6/30 backup_codes=4/4'"
st=$($cli -c "$WORK/mfa.conf" status g60)
check "status: period 60 kept" sh -c "echo '$st' | grep -q token=totp/SHA1/6/60"
st=$($cli -c "$WORK/mfa.conf" status ghotp)
check "status: HOTP SHA1 6" sh -c "echo '$st' | grep -q token=hotp/SHA1/6"

# Logins through pam_mfa.
refused "pam_mfa refuses the step google saw used" mfa gtotp "$(totp "$gs" $S)"
check "same code, file without the record: accepted (control)" \
    login mfa gctl "$(totp "$gs" $S)"
check "pam_mfa accepts the next step" login mfa gtotp "$(totp "$gs" $((S + 1)))"
refused "scratch code spent under google refused" mfa gtotp "$sc1"
check "imported scratch code accepted" login mfa gtotp "$sc2"
refused "imported scratch code refused the second time" mfa gtotp "$sc2"
refused "HOTP counter used under google refused" mfa ghotp "$(hotp "$hs" 1)"
check "HOTP next counter accepted" login mfa ghotp "$(hotp "$hs" 2)"
refused "60 s token: a 30 s code refused" mfa g60 "$(totp "$s60" $S)"
check "60 s token: its code accepted" login mfa g60 "$(totp "$s60" $M 6 60)"

# -f: needed to replace; the same token keeps what pam_mfa saw used.
$cli -c "$WORK/mfa.conf" unlock gtotp >/dev/null	# the refusals above
tok=$WORK/mfa.state/gtotp.token
cp "$tok" "$WORK/gtotp.token.before"
imp mfa google-authenticator "gtotp=$WORK/ga/gtotp"
check "already enrolled: exit 1" [ "$rc" -eq 1 ]
check "already enrolled: says -f" has "skipped gtotp: already enrolled (use -f)"
check "already enrolled: token untouched" \
    cmp -s "$tok" "$WORK/gtotp.token.before"
imp mfa -f google-authenticator "gtotp=$WORK/ga/gtotp"
check "-f replaces" [ "$rc" -eq 0 ]
check "-f leaves out the scratch code used here" \
    has "warning gtotp: 1 scratch code already used with pam_mfa left out"
check "-f imported" \
    has "imported gtotp: TOTP SHA1 6 digits 30 s, 3 backup codes"
check "-f rewrote the token" sh -c "! cmp -s '$tok' '$WORK/gtotp.token.before'"
refused "after -f: the step used with pam_mfa still refused" mfa gtotp \
    "$(totp "$gs" $((S + 1)))"
refused "after -f: the scratch code used with pam_mfa still refused" mfa \
    gtotp "$sc2"
imp ctl google-authenticator "again=$WORK/ga/g60"
imp ctl -f google-authenticator "again=$WORK/ga/g60"
check "-f straight after an import (no login between)" [ "$rc" -eq 0 ]
now=$((T + 30))
check "after -f: the next step accepted (30 s later)" login mfa gtotp \
    "$(totp "$gs" $((S + 2)))"
now=$T

# --- pam_oath -----------------------------------------------------------
k() { od -An -tx1 -N "$1" /dev/urandom | tr -d ' \n'; }
hd=$(k 20) hb=$(k 20) hs8=$(k 32) hy=$(k 20) hg=$(k 20) hm=$(k 20)
{
	echo "# pam_oath users"
	echo "HOTP	daemon	-	$hd"
	echo ""
	echo "HOTP/T30	bin	-	$hb"
	echo "HOTP/T60/8	sys	pin8Zq	$hs8"
	echo "HOTP/E/8	sync	-	$hy	5"
	echo "HOTP/E/7	games	-	$hg"
	echo "HOTP/T30	man	-	$(k 10)"
	echo "HOTP/T45	lp	-	$hm"
	echo "HOTP	mail	-	$hm"
	echo "HOTP/T30	mail	-	$hm"
} >"$WORK/users.oath"
chmod 0600 "$WORK/users.oath"
grep -v '^#' "$WORK/users.oath" | sed -n '1,3p' >"$WORK/ctl.oath"
# Logins through pam_oath, which then rewrites their lines with the
# counter or time, the code and the local time of the login.
check "pam_oath: HOTP login (counter 0)" \
    login pamoath daemon "$(hexcode "$hd" 0)"
check "pam_oath: TOTP login" login pamoath bin "$(hexcode "$hb" $S 6 30)" \
    America/New_York
check "pam_oath rewrote the HOTP line" grep -qE \
    "^HOTP	daemon	-	$hd	0	[0-9]{6}	[0-9-]{10}T[0-9:]{8}L$" \
    "$WORK/users.oath"
ny=$(TZ=America/New_York date -d "@$T" +%Y-%m-%dT%H:%M:%SL)
check "pam_oath wrote New York time" grep -qE \
    "^HOTP/T30	bin	-	$hb	0	[0-9]{6}	${ny}\$" "$WORK/users.oath"

# Its time read in another zone: the code used can't be placed.
imp oath -n oath "$WORK/users.oath"
check "read as UTC: bin refused" has "skipped bin: line 4: last OTP not \
found within 130 steps of its time (is TZ pam_oath's?)"
check "-n on a users file created no store" [ ! -e "$WORK/oath.state" ]
TZ=America/New_York imp oath oath "$WORK/users.oath"
check "oath: skips make the exit status 1" [ "$rc" -eq 1 ]
check "oath: HOTP after its last used counter" \
    has "imported daemon: HOTP SHA1 6 digits counter 1"
check "oath: TOTP" has "imported bin: TOTP SHA1 6 digits 30 s"
check "oath: PIN warned about" has "warning sys: PIN not carried over: \
pam_mfa leaves the password to the password module"
check "oath: 8 digits 60 s" has "imported sys: TOTP SHA1 8 digits 60 s"
check "oath: counter kept" has "imported sync: HOTP SHA1 8 digits counter 5"
check "oath: 7 digits skipped" \
    has "skipped games: line 7: 7 digits not supported (6 or 8)"
check "oath: short secret skipped" \
    has "skipped man: line 8: secret is 80 bits; pam_mfa needs at least 128"
check "oath: unknown type skipped" has "skipped lp: line 9: unknown token type"
check "oath: two tokens for one user, both skipped" sh -c "grep -c \
'^skipped mail: line 1[01]: more than one token for this user in the \
input; pam_mfa keeps one$' '$WORK/o' | grep -qx 2"
check "oath: summary" has "imported 4, skipped 5"
st=$($cli -c "$WORK/oath.conf" status sys)
check "oath status: TOTP SHA1 8 60" \
    sh -c "echo '$st' | grep -q token=totp/SHA1/8/60"
refused "HOTP counter used under pam_oath refused" oath daemon \
    "$(hexcode "$hd" 0)"
check "HOTP next counter accepted" login oath daemon "$(hexcode "$hd" 1)"
refused "TOTP step used under pam_oath refused" oath bin \
    "$(hexcode "$hb" $S 6 30)"
check "TOTP next step accepted" login oath bin \
    "$(hexcode "$hb" $((S + 1)) 6 30)"
check "8 digits 60 s accepted" login oath sys "$(hexcode "$hs8" $M 8 60)"
refused "HOTP below the counter refused" oath sync "$(hexcode "$hy" 4 8)"
check "HOTP at the counter accepted" login oath sync "$(hexcode "$hy" 5 8)"
# Control: the same lines before pam_oath's logins took the same codes.
imp ctl oath "$WORK/ctl.oath"
check "control imported" has "imported 2, skipped 0"
check "control: the HOTP code is accepted" login ctl daemon "$(hexcode "$hd" 0)"
check "control: the TOTP code is accepted" \
    login ctl bin "$(hexcode "$hb" $S 6 30)"

# --- the command line and its output -------------------------------------
$cli -c "$WORK/mfa.conf" import >/dev/null 2>&1; rc=$?
check "no arguments: exit 2" [ "$rc" -eq 2 ]
$cli -c "$WORK/mfa.conf" import oath a b >/dev/null 2>&1; rc=$?
check "oath takes one file: exit 2" [ "$rc" -eq 2 ]
$cli -c "$WORK/mfa.conf" import yubikey x >/dev/null 2>&1; rc=$?
check "unknown source: exit 2" [ "$rc" -eq 2 ]
setpriv --reuid=65534 --regid=65534 --clear-groups \
    $cli import oath "$WORK/users.oath" >/dev/null 2>&1; rc=$?
check "non-root: exit 4" [ "$rc" -eq 4 ]
$cli -c "$WORK/ctl.conf" import google-authenticator "aud=$WORK/ga/ghotp" \
    >/dev/null 2>&1
sleep 0.1
check "audit line" grep -q "pam-mfa\[[0-9]*\]: action=import user=aud by=root" \
    "$log"

leak=no
for s in "$gs" "$hs" "$s60" "$hd" "$hb" "$hs8" "$hy" "$hg" "$hm" $scratch \
    pin8Zq; do
	grep -qi -- "$s" "$out" && leak=yes
done
check "pam-mfa printed no secret, scratch code or PIN" [ "$leak" = no ]
leak=no
for s in "$gs" "$hs" "$s60" "$hd" "$hb" "$hs8" "$hy" "$hg" "$hm" $scratch \
    pin8Zq; do
	grep -qi -- "$s" "$log" && leak=yes
done
check "the private syslog holds no secret, scratch code or PIN" \
    [ "$leak" = no ]
check "the private syslog got the modules' lines" \
    grep -q "pam_google_authenticator" "$log"
check "pam-mfa printed something to check" [ "$(wc -l <"$out")" -gt 30 ]
finish
