#!/bin/sh
# test_keys.sh - the key file and the tokens it opens, as root through the
# CLI and the real libpam (pamtester under pam_wrapper), the log lines in
# a private /dev/log (with-logsink.sh).
# 1. rekey never drops a key a token or a pending token still needs: one
#    that exists but can't be read -- its mode, owner or link count, a
#    corrupt record, a newer version, EMFILE or EIO on that one file (the
#    fault injector, tests/faultinject.c) and an allocation failure at any
#    point -- makes rekey exit 1 naming its user and keep every key, run
#    after run; once readable again, the user logs in.  The key ids are
#    read from the files' documented layouts (keyring.h, token.h), not
#    asked of pam-mfa.
# 2. a lost key strands nobody silently: with the key file moved away,
#    status and check name every token that doesn't open, logins are
#    denied with reason=key_missing and the key file's path, enroll makes
#    no new key; an unusable key file is key_unreadable, one that lacks
#    the tokens' key key_unknown with the key id; with the right key file
#    back everyone logs in.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
logns pamtester oathtool jq timeout perl
cli="$VG $MFA_CLI"
pcli=$MFA_CLI	# plain: for runs with the fault injector preloaded
state=$WORK/state
key=$WORK/mfa.key
conf=$WORK/mfa.conf
# Its users are in no name service: exact names (user_lookup).
printf 'state_dir = "%s";\nkey_file = "%s";\nwindow = 10;\ndeny = 0;\nuser_lookup = "exact";\n' \
    "$state" "$key" >"$conf"
chmod 0644 "$conf"
OATHTOOL=${OATHTOOL:-oathtool}
FI="${MFA_PRELOAD:+$MFA_PRELOAD:}$MFA_BUILDDIR/tests/.libs/faultinject.so"

run() {		# run ARGS...: stdout, stderr, status in $WORK/out, err, $rc
	$cli -c "$conf" "$@" </dev/null >"$WORK/out" 2>"$WORK/err"
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
# code SECRET: the next unused code of that token, in increasing time
# steps from nine steps back (window = 10), so none is ever a replay.
code() {
	f=$WORK/step.$(echo "$1" | cksum | cut -d' ' -f1)
	[ -f "$f" ] || echo -9 >"$f"
	k=$(cat "$f")
	echo $((k + 1)) >"$f"
	"$OATHTOOL" --totp -b "$1" --now="@$(($(date +%s) + 30 * k))"
}
mkdir "$WORK/svc"
echo "auth required $MFA_MODULE conf=$conf" >"$WORK/svc/vpn"
login() {	# login USER ANSWER: through the real libpam
	echo "$2" | env LD_PRELOAD="$PAM_PRELOAD" PAM_WRAPPER=1 \
	    PAM_WRAPPER_USE_SYSLOG=1 PAM_WRAPPER_SERVICE_DIR="$WORK/svc" \
	    timeout 60 $VG pamtester vpn "$1" authenticate >/dev/null 2>&1
}
refused() { if login "$2" "$3"; then fail "$1"; else pass "$1"; fi; }
logged() {	# logged NAME PATTERN: a pam_mfa line matches (grep -E)
	sleep 0.1
	if grep -Eq "pam_mfa\\(vpn:auth\\): $2\$" "$log"; then
		pass "$1"
	else
		fail "$1"
		grep 'pam_mfa(' "$log" | tail -n 2 | sed 's/^/  got: /'
	fi
}
# The key ids of the key file (keyring.h: count u16 at 6, entries of
# id u32 + key[32] from 8), and the one a token names (token.h: u32 at 40).
key_ids() {
	n=$(od -An -tu2 -j6 -N2 "$key" | tr -d ' ')
	i=0
	while [ "$i" -lt "$n" ]; do
		od -An -tu4 -j$((8 + 36 * i)) -N4 "$key" | tr -d ' '
		i=$((i + 1))
	done
}
tok_key() { od -An -tu4 -j40 -N4 "$1" | tr -d ' '; }
key_has() { key_ids | grep -qx "$1"; }

# --- the users ----------------------------------------------------------
for u in alice bob zed; do
	$cli -c "$conf" enroll -y -q none "$u" >"$WORK/$u.out" 2>"$WORK/err"
	check "enroll -y $u" [ -n "$(secret_of <"$WORK/$u.out")" ]
done
asecret=$(secret_of <"$WORK/alice.out")
bsecret=$(secret_of <"$WORK/bob.out")
zsecret=$(secret_of <"$WORK/zed.out")
run enroll -q none frank; exits "enroll frank: pending" 0
fsecret=$(secret_of <"$WORK/out")
check "frank's token is pending" [ -f "$state/frank.pending" ]
check "alice logs in" login alice "$(code "$asecret")"
run check; exits "check: every token opens: exit 0" 0
says "check: counts what it opened" "3 tokens and 1 pending tokens open with the key file $key"

# --- a key file from another install -----------------------------------
# Its first key id is random: it lacks the id alice's token names
# (key_unknown), rather than holding another key under the same id.
mkdir -m 0700 "$WORK/other"
printf 'state_dir = "%s/other/state";\nkey_file = "%s/other/mfa.key";\nuser_lookup = "exact";\n' \
    "$WORK" "$WORK" >"$WORK/other.conf"
chmod 0644 "$WORK/other.conf"
$cli -c "$WORK/other.conf" enroll -y -q none olga >/dev/null 2>&1
cp -p "$key" "$WORK/key.mine"
cp -p "$WORK/other/mfa.key" "$key"
aid=$(tok_key "$state/alice.token")
refused "another install's key file: alice's login refused" alice \
    "$(code "$asecret")"
logged "another install's key file: logged reason=key_unknown key_id=$aid" \
    "result=deny reason=key_unknown user=alice service=vpn rhost=- key_id=$aid key_file=$key"
cp -p "$WORK/key.mine" "$key"

# --- 1. rekey keeps every key while a record can't be read --------------
# unreadable NAME USER FILE BREAK FIX [VAR=VALUE...]: the record FILE of
# USER made unreadable by the shell command BREAK (or by the fault
# injector, armed through the VAR=VALUE environment); two rekeys each
# exit 1, name USER and keep the key FILE names; FIX restores it, and a
# plain rekey then re-seals everything, down to one key.
unreadable() {
	what=$1 user=$2 file=$3 brk=$4 fix=$5
	shift 5
	kid=$(tok_key "$file")
	check "$what: the record names a key of the key file ($kid)" key_has "$kid"
	sh -c "$brk"
	for i in 1 2; do
		env "$@" $pcli -c "$conf" rekey </dev/null >"$WORK/out" \
		    2>"$WORK/err"
		rc=$?
		exits "$what: rekey $i exits 1" 1
		check "$what: rekey $i names $user" grep -q \
		    "could not be read and keep their old key, so no old key was dropped: $user\$" \
		    "$WORK/err"
		check "$what: rekey $i keeps key $kid ($(key_ids | tr '\n' ' '))" \
		    key_has "$kid"
	done
	sh -c "$fix"
	run check; exits "$what: fixed: every token opens (check)" 0
	run rekey; exits "$what: fixed: rekey exits 0" 0
	check "$what: fixed: rekey leaves one key" [ "$(key_ids | wc -l)" -eq 1 ]
}
a=$state/alice.token
unreadable "mode 0640" alice "$a" "chmod 0640 '$a'" "chmod 0600 '$a'"
check "mode 0640 fixed: alice logs in" login alice "$(code "$asecret")"
unreadable "owner daemon" alice "$a" "chown 1:1 '$a'" "chown 0:0 '$a'"
unreadable "two links" alice "$a" "ln '$a' '$WORK/alice.link'" \
    "rm '$WORK/alice.link'"
cp -p "$a" "$WORK/alice.saved"
unreadable "corrupt" alice "$a" \
    "printf X | dd of='$a' bs=1 seek=100 conv=notrunc 2>/dev/null" \
    "cp -p '$WORK/alice.saved' '$a'"
# Version 2, with a valid digest: a record from a newer pam_mfa.
cp -p "$a" "$WORK/alice.saved"
unreadable "newer version" alice "$a" \
    "perl -MDigest::SHA=sha256 -e 'open(my \$f, \"+<\", \$ARGV[0]) or die;
    binmode \$f; read(\$f, my \$b, 1024) == 1024 or die;
    substr(\$b, 4, 2) = pack(\"v\", 2);
    substr(\$b, 992, 32) = sha256(substr(\$b, 0, 992));
    seek(\$f, 0, 0); print \$f \$b; close(\$f) or die' '$a'" \
    "cp -p '$WORK/alice.saved' '$a'"
check "newer version fixed: alice logs in" login alice "$(code "$asecret")"
p=$state/frank.pending
unreadable "pending, mode 0640" frank "$p" "chmod 0640 '$p'" "chmod 0600 '$p'"
unreadable "EMFILE opening it" alice "$a" true true LD_PRELOAD="$FI" \
    MFA_FI_ARM=openat:0:24 MFA_FI_PATH=alice.token
unreadable "EIO reading it" alice "$a" true true LD_PRELOAD="$FI" \
    MFA_FI_ARM=pread:0:5 MFA_FI_PATH=alice.token
unreadable "EIO reading the pending one" frank "$p" true true \
    LD_PRELOAD="$FI" MFA_FI_ARM=pread:0:5 MFA_FI_PATH=frank.pending
# Out of memory at each allocation of a rekey in turn, from when it first
# opens zed's unreadable token (the last user: before that, OpenSSL's
# start-up, which does not survive its allocation failures), until the
# runs end as without a fault: zed's key never dropped.  The sanitizers
# and valgrind interpose malloc themselves: not there.
z=$state/zed.token
if [ -n "${MFA_PRELOAD:-}" ] || [ "${MFA_VALGRIND:-}" = 1 ]; then
	echo "skipped under sanitizers/valgrind: the allocation failures"
else
	n=1 dropped=0 oom=0 tail=0
	while [ $n -le 200 ] && [ $tail -lt 5 ]; do
		kid=$(tok_key "$z")
		chmod 0640 "$z"
		env LD_PRELOAD="$FI" MFA_FI_ARM=malloc:$n:12 \
		    MFA_FI_AFTER=zed.token $pcli -c "$conf" rekey </dev/null \
		    >/dev/null 2>"$WORK/err"
		key_has "$kid" || dropped=$((dropped + 1))
		grep -q "out of memory" "$WORK/err" && oom=$((oom + 1))
		if grep -q "no old key was dropped: zed\$" "$WORK/err"; then
			tail=$((tail + 1))
		else
			tail=0
		fi
		chmod 0600 "$z"
		if ! $pcli -c "$conf" rekey </dev/null >/dev/null 2>&1; then
			fail "ENOMEM at allocation $n: a clean rekey after it"
			break
		fi
		n=$((n + 1))
	done
	check "ENOMEM at each of $n allocations: zed's key never dropped" \
	    [ "$dropped" -eq 0 ]
	check "ENOMEM: some runs failed for it ($oom)" [ "$oom" -gt 0 ]
	check "ENOMEM: the sweep reached past the last allocation" \
	    [ "$tail" -eq 5 ]
fi
check "after the sweep: zed logs in" login zed "$(code "$zsecret")"
run rekey; exits "after the sweep: rekey exits 0" 0
check "after the sweep: alice logs in" login alice "$(code "$asecret")"
check "after the sweep: bob logs in" login bob "$(code "$bsecret")"
# A full key ring (keyring.h: KEYRING_MAX, 6) while alice's token can't be
# read: each rekey adds a key and drops none, until the ring is full; then
# rekey must make room by dropping the keys nobody uses -- and still keep
# the one alice's unreadable token names.
kid=$(tok_key "$a")
chmod 0640 "$a"
i=0 full=0 lost=0 ok1=0
while [ $i -lt 8 ]; do
	run rekey
	[ "$rc" -eq 1 ] && ok1=$((ok1 + 1))
	key_has "$kid" || lost=$((lost + 1))
	[ "$(key_ids | wc -l)" -eq 6 ] && full=$((full + 1))
	i=$((i + 1))
done
check "full ring: the ring filled up (full at $full of 8 rekeys)" \
    [ "$full" -ge 2 ]
check "full ring: every rekey exits 1 ($ok1 of 8)" [ "$ok1" -eq 8 ]
check "full ring: alice's key $kid kept by every rekey ($lost lost it)" \
    [ "$lost" -eq 0 ]
says "full ring: rekey names alice" \
    "could not be read and keep their old key, so no old key was dropped: alice"
chmod 0600 "$a"
run rekey; exits "full ring fixed: rekey exits 0" 0
check "full ring fixed: rekey leaves one key" [ "$(key_ids | wc -l)" -eq 1 ]
check "full ring fixed: alice logs in" login alice "$(code "$asecret")"

# --- 2. the key file moved away -----------------------------------------
mv "$key" "$WORK/key.away"
run status; exits "key missing: status exits 1" 1
check "key missing: status shows alice's token can't be opened" \
    grep -q '^alice enrolled=yes .* token_error=key_missing$' "$WORK/out"
check "key missing: status shows frank's pending token can't be opened" \
    grep -q '^frank enrolled=no pending=yes .* pending_error=key_missing$' \
    "$WORK/out"
says "key missing: status names the key file" "the key file $key is missing"
run status --json; exits "key missing: status --json exits 1" 1
check "key missing: status --json: token_error" jq -e \
    '[.[] | select(.token_error == "key_missing") | .user] == ["alice", "bob", "zed"]' \
    "$WORK/out"
check "key missing: status --json: pending_error" jq -e \
    '[.[] | select(.pending_error == "key_missing") | .user] == ["frank"]' \
    "$WORK/out"
run check; exits "key missing: check exits 1" 1
says "key missing: check names alice" "check: alice: token does not open: key_missing"
says "key missing: check names bob" "check: bob: token does not open: key_missing"
says "key missing: check names frank" \
    "check: frank: pending token does not open: key_missing"
says "key missing: check counts them" \
    "4 of 4 tokens and pending tokens do not open with the key file $key"
says "key missing: check names the key file" "the key file $key is missing"
refused "key missing: alice's login refused" alice "$(code "$asecret")"
logged "key missing: logged reason=key_missing with the key file" \
    "result=deny reason=key_missing user=alice service=vpn rhost=- key_file=$key"
run enroll -y -q none carol; exits "key missing: enroll -y carol exits 1" 1
says "key missing: enroll names the key file" "$key: the key file is missing"
check "key missing: enroll made no key file" [ ! -e "$key" ]
check "key missing: enroll made no token for carol" \
    sh -c "[ ! -e '$state/carol.token' ] && [ ! -e '$state/carol.pending' ]"
check "key missing: enroll showed no secret" [ ! -s "$WORK/out" ]
check "key missing: nothing audited for carol" \
    sh -c "! grep -q 'action=.* user=carol ' '$log'"
run enroll -q none dave; exits "key missing: enroll (pending) dave exits 1" 1
check "key missing: still no key file" [ ! -e "$key" ]
run rekey; exits "key missing: rekey exits 1" 1
says "key missing: rekey names the key file" "the key file $key is missing"
check "key missing: rekey made no key file" [ ! -e "$key" ]

# --- an unusable key file ----------------------------------------------
cp -p "$WORK/key.away" "$key"
chmod 0644 "$key"
refused "key readable by all: bob's login refused" bob "$(code "$bsecret")"
logged "key readable by all: logged reason=key_unreadable" \
    "result=deny reason=key_unreadable user=bob service=vpn rhost=- key_file=$key"
run status bob; exits "key readable by all: status bob exits 1" 1
check "key readable by all: status shows token_error=key_unreadable" \
    grep -q ' token_error=key_unreadable$' "$WORK/out"
run enroll -y -q none carol; exits "key readable by all: enroll exits 1" 1
check "key readable by all: no token for carol" [ ! -e "$state/carol.token" ]
chmod 0600 "$key"

# --- a key file that lacks the tokens' key ------------------------------
cp -p "$key" "$WORK/key.old"
run rekey; exits "rekey with the key back exits 0" 0
newid=$(tok_key "$state/alice.token")
check "rekey: alice's token names a new key" [ "$newid" != "$(od -An -tu4 \
    -j8 -N4 "$WORK/key.old" | tr -d ' ')" ]
cp -p "$key" "$WORK/key.good"
cp -p "$WORK/key.old" "$key"
refused "old key file: alice's login refused" alice "$(code "$asecret")"
logged "old key file: logged reason=key_unknown with the key id" \
    "result=deny reason=key_unknown user=alice service=vpn rhost=- key_id=$newid key_file=$key"
run check; exits "old key file: check exits 1" 1
says "old key file: check names the key id" \
    "check: alice: token does not open: key_unknown (key id $newid)"
run status alice; exits "old key file: status alice exits 1" 1
check "old key file: status shows token_error=key_unknown" \
    grep -q ' token_error=key_unknown$' "$WORK/out"
run rekey; exits "old key file: rekey exits 1" 1
says "old key file: rekey names the users" \
    "could not be read and keep their old key, so no old key was dropped: alice, bob, frank, zed"

# --- the right key file back: everyone logs in --------------------------
cp -p "$WORK/key.good" "$key"
run check; exits "key back: check exits 0" 0
run status; exits "key back: status exits 0" 0
check "key back: no token_error" sh -c "! grep -q _error= '$WORK/out'"
check "key back: alice logs in" login alice "$(code "$asecret")"
check "key back: bob logs in" login bob "$(code "$bsecret")"
code "$fsecret" >"$WORK/in"
$cli -c "$conf" enroll -C frank <"$WORK/in" >/dev/null 2>"$WORK/err"
rc=$?
exits "key back: frank confirms his pending token" 0
check "key back: frank logs in" login frank "$(code "$fsecret")"
run enroll -y -q none carol; exits "key back: enroll -y carol exits 0" 0
csecret=$(secret_of <"$WORK/out")
check "key back: carol logs in" login carol "$(code "$csecret")"
check "key back: alice still logs in" login alice "$(code "$asecret")"
logged "key back: alice's login logged as accepted" \
    "result=accept reason=ok user=alice service=vpn rhost=-"
finish
