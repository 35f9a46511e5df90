#!/bin/sh
# test_resync.sh - pam-mfa resync as root: two consecutive codes read from
# stdin (never argv) move an HOTP counter past the look-ahead or record a
# TOTP offset, which logins through the real libpam (pamtester under
# pam_wrapper) then apply; exit statuses and messages; the audit line
# (action=resync with the steps or the offset, never a code); a wrong
# pair counted as a failed login; a locked user refused; status shows the
# offset; the token record is cipher 4 only with an offset.  Also
# require_clock_sync through pamtester with a faked kernel (faketime.c).
# On the test clock (MFA_FAKE_TIME); codes from oathtool.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
logns pamtester oathtool timeout setpriv
OATHTOOL=${OATHTOOL:-oathtool}
state=$WORK/state
conf=$WORK/mfa.conf
printf 'state_dir = "%s";\nkey_file = "%s/mfa.key";\nuser_lookup = "exact";\ndeny = 5;\n' \
    "$state" "$WORK" >"$conf"
sconf=$WORK/sync.conf
{ cat "$conf"; echo 'require_clock_sync = true;'; } >"$sconf"
chmod 0644 "$conf" "$sconf"
NOW=1900000020
export MFA_FAKE_TIME=$NOW
cli="env LD_PRELOAD=${MFA_PRELOAD:+$MFA_PRELOAD:}$MFA_FAKETIME_LIB $VG $MFA_CLI"
mkdir "$WORK/svc"
echo "auth required $MFA_MODULE conf=$conf" >"$WORK/svc/vpn"
echo "auth required $MFA_MODULE conf=$sconf" >"$WORK/svc/sync"
login() {	# login SERVICE USER CODE: pamtester authenticate
	echo "$3" | env LD_PRELOAD="$PAM_PRELOAD:$MFA_FAKETIME_LIB" \
	    PAM_WRAPPER=1 PAM_WRAPPER_USE_SYSLOG=1 \
	    PAM_WRAPPER_SERVICE_DIR="$WORK/svc" timeout 60 $VG \
	    pamtester "$1" "$2" authenticate >/dev/null 2>&1
}
accepted() { if login "$2" "$3" "$4"; then pass "$1"; else fail "$1"; fi; }
refused() { if login "$2" "$3" "$4"; then fail "$1"; else pass "$1"; fi; }
run_in() {	# run_in INPUT ARGS...: stdout, stderr, status in out, err, rc
	f=$1
	shift
	printf '%b' "$f" | $cli -c "$conf" "$@" >"$WORK/out" 2>"$WORK/err"
	rc=$?
}
resync() {	# resync USER CODE1 CODE2
	run_in "$2\n$3\n" resync "$1"
}
exits() {
	if [ "$rc" -eq "$2" ]; then pass "$1"; else
		fail "$1"; echo "  exit $rc, want $2"; sed 's/^/  /' "$WORK/err"
	fi
}
says() { check "$1" grep -qF -- "$2" "$WORK/err"; }
prints() { check "$1" grep -qxF -- "$2" "$WORK/out"; }
logged() {	# logged NAME ERE: a log line matches, waiting up to 2 s
	i=0
	while ! grep -qE -- "$2" "$log" && [ $i -lt 40 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	check "$1" grep -qE -- "$2" "$log"
}
hotp() { "$OATHTOOL" --hotp -b "$1" -c "$2" | tee -a "$WORK/codes"; }
totp() { "$OATHTOOL" --totp -b "$1" --now="@$(($NOW + $2))" |
    tee -a "$WORK/codes"; }
field() {
	$cli -c "$conf" status "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}
secret_of() { sed -n 's/.*[?&]secret=\([A-Z2-7]*\).*/\1/p' | head -1; }

$cli -c "$conf" enroll -y -t hotp -q none bob >"$WORK/out" 2>&1
hs=$(secret_of <"$WORK/out")
$cli -c "$conf" enroll -y -q none tina >"$WORK/out" 2>&1
ts=$(secret_of <"$WORK/out")
check "two tokens enrolled" [ -n "$hs" ] && [ -n "$ts" ]

# --- HOTP: a counter 500 presses ahead ----------------------------------
refused "hotp: a code 500 ahead is past the look-ahead" vpn bob "$(hotp "$hs" 502)"
resync bob "$(hotp "$hs" 501)" "$(hotp "$hs" 500)"
exits "hotp: codes out of order: exit 4" 4
says "hotp: says no pair within the bound" "no two consecutive codes within 10000 counters"
logged "hotp: audited resync_failed with the failures" \
    'pam-mfa\[[0-9]+\]: action=resync_failed user=bob by=root failures=2$'
resync bob "$(hotp "$hs" 500)" "$(hotp "$hs" 501)"
exits "hotp: resync exits 0" 0
prints "hotp: says how far" "resynced bob: HOTP counter moved 502 ahead, next counter 502"
logged "hotp: audited action=resync type=hotp steps=502" \
    'pam-mfa\[[0-9]+\]: action=resync user=bob by=root type=hotp steps=502$'
refused "hotp: the second code is spent" vpn bob "$(hotp "$hs" 501)"
accepted "hotp: the next code logs in" vpn bob "$(hotp "$hs" 502)"
resync bob "$(hotp "$hs" 500)" "$(hotp "$hs" 501)"
exits "hotp: the same pair again is spent: exit 4" 4
# Past the bound: 10,000 counters from the floor (503).
resync bob "$(hotp "$hs" 10504)" "$(hotp "$hs" 10505)"
exits "hotp: a pair past the bound is not found" 4

# --- TOTP: a token 10 minutes ahead --------------------------------------
refused "totp: the token's code is refused before" vpn tina "$(totp "$ts" 630)"
resync tina "$(totp "$ts" 570)" "$(totp "$ts" 600)"
exits "totp: resync exits 0" 0
prints "totp: says the offset" "resynced tina: TOTP offset +20 periods (was +0)"
logged "totp: audited action=resync type=totp offset=20" \
    'pam-mfa\[[0-9]+\]: action=resync user=tina by=root type=totp offset=20 offset_was=0$'
check "totp: status shows totp_offset=+20" [ "$(field tina totp_offset)" = "+20" ]
check "hotp: status shows no offset" [ -z "$(field bob totp_offset)" ]
check "totp: status --json shows it" sh -c \
    "$cli -c '$conf' status --json tina | grep -q '\"totp_offset\": 20,'"
refused "totp: a resync code is spent" vpn tina "$(totp "$ts" 600)"
refused "totp: the host's own code is refused" vpn tina "$(totp "$ts" 0)"
accepted "totp: the token's next code logs in" vpn tina "$(totp "$ts" 630)"
# The record: cipher 4 (byte 27) for tina's, 3 for bob's.
c4=$(od -An -tu1 -j27 -N1 "$state/tina.token" | tr -d ' ')
c3=$(od -An -tu1 -j27 -N1 "$state/bob.token" | tr -d ' ')
check "totp: tina's record is cipher 4, bob's 3" [ "$c4" = 4 ] && [ "$c3" = 3 ]
# Back below the steps spent: never (the floor is a watermark).
resync tina "$(totp "$ts" 30)" "$(totp "$ts" 60)"
exits "totp: a pair below the spent steps is not found" 4
resync tina "$(totp "$ts" 1200)" "$(totp "$ts" 1230)"
prints "totp: on to +41" "resynced tina: TOTP offset +41 periods (was +20)"
# Bounded: 1000 periods.
resync tina "$(totp "$ts" $((1001 * 30)))" "$(totp "$ts" $((1002 * 30)))"
exits "totp: an offset past 1000 periods is not found" 4

# --- refusals -----------------------------------------------------------
run_in "" resync bob
exits "no codes: exit 2" 2
says "no codes: says two are needed" "two codes are needed"
run_in "123456\n" resync bob
exits "one code: exit 2" 2
run_in "12345\n123456\n" resync bob
exits "a short code: exit 2" 2
says "a short code: says so" "not codes of the token's length"
run_in "" resync bob 123456 654321
exits "codes on argv: usage, exit 2" 2
run_in "123456\n654321\n" resync nobody-here
exits "no token: exit 5" 5
printf '123456\n654321\n' | setpriv --reuid=65534 --regid=65534 --clear-groups \
    $MFA_CLI -c "$conf" resync bob >/dev/null 2>&1
rc=$?
exits "not root: exit 4" 4
# bob has two failures since his login (deny = 5): three more lock him.
for i in 1 2 3; do
	resync bob 111111 222222
done
check "bob locked" [ "$(field bob locked)" != no ]
resync bob "$(hotp "$hs" 600)" "$(hotp "$hs" 601)"
exits "locked: exit 4" 4
says "locked: says unlock first" "pam-mfa unlock bob first"
logged "locked: audited resync_denied" 'action=resync_denied user=bob by=root$'

# --- require_clock_sync through pamtester --------------------------------
MFA_FAKE_NTP=unsync
export MFA_FAKE_NTP
refused "unsync: a TOTP code is refused" sync tina "$(totp "$ts" $((41 * 30 + 30)))"
logged "unsync: logged clock_unsynced" 'result=deny reason=clock_unsynced user=tina'
MFA_FAKE_NTP=synced
accepted "synced: the same code passes" sync tina "$(totp "$ts" $((41 * 30 + 30)))"
# A TOTP resync is refused on an unsynchronised clock (nothing counted);
# an HOTP one is not.
tf=$(field tina failures)
MFA_FAKE_NTP=unsync
export MFA_FAKE_NTP
printf '%s\n%s\n' "$(totp "$ts" 1500)" "$(totp "$ts" 1530)" |
    $cli -c "$sconf" resync tina >"$WORK/out" 2>"$WORK/err"
rc=$?
exits "unsync: a TOTP resync is refused (exit 1)" 1
says "unsync: says why" "this host's clock is not synchronised"
logged "unsync: audited resync_denied" 'action=resync_denied user=tina by=root$'
unset MFA_FAKE_NTP
check "unsync: nothing counted" [ "$(field tina failures)" = "$tf" ]
$cli -c "$conf" unlock bob >/dev/null
MFA_FAKE_NTP=unsync
export MFA_FAKE_NTP
printf '%s\n%s\n' "$(hotp "$hs" 800)" "$(hotp "$hs" 801)" |
    $cli -c "$sconf" resync bob >"$WORK/out" 2>"$WORK/err"
rc=$?
exits "unsync: an HOTP resync passes" 0
unset MFA_FAKE_NTP
run_in "" check
$cli -c "$sconf" check >"$WORK/out" 2>&1
prints "check prints require_clock_sync" "require_clock_sync = true;"

# No code reached the log.
leaked=0
while read -r c; do
	grep -q -- "$c" "$log" && leaked=1
done <"$WORK/codes"
check "no code in the log" [ $leaked -eq 0 ]
finish
