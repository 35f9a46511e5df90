#!/bin/sh
# pam-mfa enroll/revoke: golden output, files and modes, refusals, the
# audit lines in syslog, and an enrolled user logging in through real
# libpam (pamtester under pam_wrapper) with a code oathtool computes from
# the printed URI.
. "$(dirname "$0")/lib.sh"
need_root
here=$(cd "$(dirname "$0")" && pwd)
cli="$VG $MFA_CLI"
state=$WORK/state
conf=$WORK/mfa.conf
printf 'state_dir = "%s";\nkey_file = "%s";\nissuer = "Example VPN";\n' \
    "$state" "$WORK/mfa.key" >"$conf"
chmod 0644 "$conf"

# Usage text is the dispatch table.
$cli -h >"$WORK/usage" 2>&1
check "usage golden" cmp -s "$WORK/usage" "$here/golden/usage.txt"
$cli frobnicate >/dev/null 2>&1; rc=$?
check "unknown command exits 2" [ "$rc" -eq 2 ]

# The shipped sample is valid, and the defaults it documents are the
# compiled ones: uncommenting every key changes no effective value.
sample=$MFA_SRCDIR/conf/pam_mfa.conf
cp "$sample" "$WORK/sample.conf"
sed 's/^#\([a-z_]* = .*;\)$/\1/' "$sample" >"$WORK/uncommented.conf"
chmod 0644 "$WORK/sample.conf" "$WORK/uncommented.conf"
check "sample documents every key" [ "$(grep -c '^[a-z_]* = ' "$WORK/uncommented.conf")" -eq 21 ]
$cli -c "$WORK/sample.conf" check | tail -n +2 >"$WORK/check.sample"
$cli -c "$WORK/uncommented.conf" check | tail -n +2 >"$WORK/check.uncommented"
check "sample config is valid" [ -s "$WORK/check.sample" ]
check "documented defaults are the compiled defaults" \
    cmp -s "$WORK/check.sample" "$WORK/check.uncommented"
check "check golden" cmp -s "$WORK/check.sample" "$here/golden/check-defaults.txt"

# Enroll: a URI on a line of its own, the store created root-only.
uri=$($cli -c "$conf" enroll alice); rc=$?
check "enroll exits 0" [ "$rc" -eq 0 ]
check "enroll prints a TOTP Key URI" sh -c "echo '$uri' | grep -Eqx \
'otpauth://totp/Example%20VPN:alice\?secret=[A-Z2-7]{32}&issuer=Example%20VPN&algorithm=SHA1&digits=6&period=30'"
check "state dir is 0700 root" [ "$(stat -c %a:%u "$state")" = "700:0" ]
check "token is 0600 root" [ "$(stat -c %a:%u "$state/alice.token")" = "600:0" ]
secret=$(echo "$uri" | sed 's/.*secret=\([A-Z2-7]*\).*/\1/')

# Refusals.
$cli -c "$conf" enroll alice >"$WORK/out" 2>"$WORK/err"; rc=$?
check "second enroll refused (exit 1)" [ "$rc" -eq 1 ]
check "second enroll names the fix" grep -q "already enrolled; use -f" "$WORK/err"
check "second enroll prints no URI" [ ! -s "$WORK/out" ]
$cli -c "$conf" enroll ../etc >/dev/null 2>&1; rc=$?
check "path traversal name refused (exit 2)" [ "$rc" -eq 2 ]
check "nothing created outside the store" [ ! -e "$WORK/etc.token" ]
$cli -c "$conf" enroll -d 7 bob >/dev/null 2>&1; rc=$?
check "bad digits refused (exit 2)" [ "$rc" -eq 2 ]
$cli -c "$conf" enroll -t hotp -a SHA256 bob >/dev/null 2>&1; rc=$?
check "HOTP with SHA256 refused (exit 2)" [ "$rc" -eq 2 ]
chmod 0666 "$conf"
$cli -c "$conf" enroll bob >/dev/null 2>"$WORK/err"; rc=$?
check "writable config refused (exit 3)" [ "$rc" -eq 3 ]
check "writable config error names the fix" grep -q "chmod 0644" "$WORK/err"
chmod 0644 "$conf"
setpriv --reuid=65534 --regid=65534 --clear-groups \
    $cli -c "$conf" enroll bob >/dev/null 2>&1; rc=$?
check "non-root enroll refused (exit 4)" [ "$rc" -eq 4 ]
setpriv --reuid=65534 --regid=65534 --clear-groups \
    $cli -c "$conf" revoke alice >/dev/null 2>&1; rc=$?
check "non-root revoke refused (exit 4)" [ "$rc" -eq 4 ]

for cmd in "status" "status alice" "unlock alice"; do
	setpriv --reuid=65534 --regid=65534 --clear-groups \
	    $cli -c "$conf" $cmd >/dev/null 2>&1; rc=$?
	check "non-root $cmd refused (exit 4)" [ "$rc" -eq 4 ]
done

# Every algorithm, digits, period: the URI's parameters give the codes.
for spec in "SHA1 6 30" "SHA256 8 30" "SHA512 6 60" "SHA512 8 60"; do
	set -- $spec
	u=$($cli -c "$conf" enroll -a "$1" -d "$2" -p "$3" "u$1$2$3")
	check "URI carries $1/$2/$3" sh -c "echo '$u' | grep -q 'algorithm=$1&digits=$2&period=$3'"
done
u=$($cli -c "$conf" enroll -t hotp carl)
check "HOTP URI" sh -c "echo '$u' | grep -Eq '^otpauth://hotp/.*&counter=0$'"

# Log in through real libpam with the enrolled token.
mkdir "$WORK/svc"
echo "auth required $MFA_MODULE conf=$conf" >"$WORK/svc/vpn"
login() {
	echo "$2" | env LD_PRELOAD="$PAM_PRELOAD" PAM_WRAPPER=1 \
	    PAM_WRAPPER_SERVICE_DIR="$WORK/svc" $VG pamtester vpn "$1" authenticate \
	    >/dev/null 2>&1
}
code=$("$OATHTOOL" --totp -b "$secret")
check "login with the enrolled token" login alice "$code"
if login alice "$code"; then fail "same code refused"; else
	pass "same code refused"; fi

# Each change leaves an audit line naming the invoking user.
"$here/with-logsink.sh" "$WORK/audit" sh -c \
    "$cli -c '$conf' enroll dora >/dev/null && $cli -c '$conf' revoke dora >/dev/null"
check "enroll audited" grep -q "pam-mfa\[[0-9]*\]: action=enroll user=dora by=root" "$WORK/audit"
check "revoke audited" grep -q "pam-mfa\[[0-9]*\]: action=revoke user=dora by=root" "$WORK/audit"
check "audit lines are authpriv" sh -c "grep -c '^<85>' '$WORK/audit' | grep -qx 2"
check "no secret in the audit log" sh -c "! grep -q 'secret' '$WORK/audit'"

# Status after the login: never a secret, the last success recorded.
st=$($cli -c "$conf" status alice)
check "status golden" sh -c "echo '$st' | grep -Eqx \
'alice enrolled=yes token=totp/SHA1/6/30 failures=1 locked=no last_success=[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z last_rhost=-'"
check "status shows no secret" sh -c "! echo '$st' | grep -q '$secret'"
all=$($cli -c "$conf" status | cut -d' ' -f1 | tr '\n' ' ')
check "status lists everyone, sorted" [ "$all" = "alice carl uSHA1630 uSHA256830 uSHA512660 uSHA512860 " ]
out=$($cli -c "$conf" unlock alice)
check "unlock golden" [ "$out" = "unlocked alice" ]
check "unlock clears failures" sh -c "$cli -c '$conf' status alice | grep -q 'failures=0 locked=no'"

# Secrets at rest: neither the base32 nor the raw secret is anywhere in
# the state directory; the key is elsewhere, root-only.
hexsecret=$(printf '%s' "$secret" | base32 -d 2>/dev/null | od -An -tx1 -v | tr -d ' \n')
check "secret decodes to 20 bytes" [ "${#hexsecret}" -eq 40 ]
found=no
for f in "$state"/* "$state"/.[!.]*; do
	[ -f "$f" ] || continue
	grep -q "$secret" "$f" && found=yes
	od -An -tx1 -v "$f" | tr -d ' \n' | grep -q "$hexsecret" && found=yes
done
check "no secret (base32 or raw) in the state directory" [ "$found" = no ]
check "key file is 0600 root" [ "$(stat -c %a:%u "$WORK/mfa.key")" = "600:0" ]
code=$("$OATHTOOL" --totp -b "$secret" --now="@$(($(date +%s) + 30))")
# A token copied to another user's name does not open for them.
cp -p "$state/alice.token" "$state/mallory.token"
if login mallory "$code"; then fail "token moved to another user refused"; else
	pass "token moved to another user refused"; fi
rm -f "$state/mallory.token" "$state/mallory.state"
# The module refuses a key file others can read.
chmod 0644 "$WORK/mfa.key"
if login alice "$code"; then fail "readable key file refused"; else
	pass "readable key file refused"; fi
chmod 0600 "$WORK/mfa.key"
# Rotation: logins work before and after, the old key is gone.
before=$(od -An -tx1 -v "$WORK/mfa.key" | tr -d ' \n')
out=$($cli -c "$conf" rekey); rc=$?
check "rekey exits 0" [ "$rc" -eq 0 ]
check "rekey golden" [ "$out" = "re-encrypted 6 tokens under a new key" ]
after=$(od -An -tx1 -v "$WORK/mfa.key" | tr -d ' \n')
check "rekey replaced the key" [ "$before" != "$after" ]
check "login after rekey" login alice "$code"
code=$("$OATHTOOL" --totp -b "$secret" --now="@$(($(date +%s) + 60))")
cp -p "$WORK/mfa.key" "$WORK/mfa.key.new"
$cli -c "$conf" rekey >/dev/null
cp -p "$WORK/mfa.key" "$WORK/mfa.key.latest"
# Tokens sealed under the newest key don't open with the one before.
cp -p "$WORK/mfa.key.new" "$WORK/mfa.key"
if login alice "$code"; then fail "retired key no longer opens tokens"; else
	pass "retired key no longer opens tokens"; fi
cp -p "$WORK/mfa.key.latest" "$WORK/mfa.key"
# A token that can't be read makes rekey fail, every time, without ever
# costing another user their key.
zsecret=$($cli -c "$conf" enroll zed | sed 's/.*secret=\([A-Z2-7]*\).*/\1/')
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
    login zed "$("$OATHTOOL" --totp -b "$zsecret")"
$cli -c "$conf" revoke carl >/dev/null
check "rekey succeeds once the bad token is gone" \
    sh -c "$cli -c '$conf' rekey >/dev/null"

# Revoke.
out=$($cli -c "$conf" revoke alice); rc=$?
check "revoke exits 0" [ "$rc" -eq 0 ]
check "revoke golden" [ "$out" = "revoked alice" ]
check "revoke removed token and state" \
    sh -c "[ ! -e '$state/alice.token' ] && [ ! -e '$state/alice.state' ]"
$cli -c "$conf" revoke alice >/dev/null 2>&1; rc=$?
check "revoke of unenrolled user exits 5" [ "$rc" -eq 5 ]
code=$("$OATHTOOL" --totp -b "$secret" --now="@$(($(date +%s) + 30))")
check "revoked user can't log in" sh -c "! (echo $code | env LD_PRELOAD='$PAM_PRELOAD' PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR='$WORK/svc' $VG pamtester vpn alice authenticate >/dev/null 2>&1)"
finish
