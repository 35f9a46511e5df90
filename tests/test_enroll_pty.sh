#!/bin/sh
# test_enroll_pty.sh - the interactive enrollment as a person does it, on
# a terminal: pam-mfa runs in a pseudo-terminal (expect, enroll_pty.exp),
# so its standard output is a tty and the QR code is drawn.  The code the
# test types is computed (oathtool) from the URI decoded (zbarimg) from
# the QR code as the terminal drew it, which must equal the printed URI;
# then the user logs in through the real libpam (pamtester under
# pam_wrapper) with a one-time code and with a backup code.  Also: three
# wrong codes (exit 4, still pending), Ctrl-D (exit 0, still pending),
# `enroll -C` later, and the -q styles.  Audit lines are read from a
# private /dev/log (with-logsink.sh).
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
logns expect zbarimg oathtool pamtester perl timeout
# In the private mount namespace (private /dev/log) from here on.
# with-logsink.sh binds the host's /dev/ptmx, which finds no devpts from
# inside its /dev: a devpts instance of our own, in this namespace only.
if ! mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts \
    /dev/pts || ! mount --bind /dev/pts/ptmx /dev/ptmx; then
	echo "FAIL: no pseudo-terminals in the test namespace"
	exit 1
fi
conf=$WORK/mfa.conf
state=$WORK/state
# Its users are in no name service: exact names (user_lookup).
printf 'state_dir = "%s";\nkey_file = "%s";\nissuer = "Example VPN";\nuser_lookup = "exact";\n' \
    "$state" "$WORK/mfa.key" >"$conf"
chmod 0644 "$conf"
OATHTOOL=${OATHTOOL:-oathtool}

# pty TRANSCRIPT ANSWERS ARGS...: pam-mfa -c CONF ARGS in a terminal.
pty() {
	t=$1 a=$2
	shift 2
	timeout 120 expect -f "$here/enroll_pty.exp" "$t" "$a" \
	    $VG "$MFA_CLI" -c "$conf" "$@"
}

# Helpers shared with the code command that expect runs (fns.sh).
cat >"$WORK/fns.sh" <<'EOF_FNS'
# qr2pbm STYLE TRANSCRIPT: the QR code the terminal showed, as a PBM
# image (4 pixels a module).  Each character cell is two modules, top and
# bottom (half blocks, qr.h); ansi: black on white by SGR 30;47 on every
# line; utf8: the blocks are dark; utf8i: the blocks are light.  Fails
# unless the drawing is a square of a QR code's size (21 + 4k modules)
# with its 4-module quiet zone.
qr2pbm() {
	perl -e '
	use strict;
	my ($style, $file) = @ARGV;
	open(my $f, "<:encoding(UTF-8)", $file) or die "$file: $!\n";
	local $/;
	my $t = <$f>;
	$t =~ s/\r//g;
	$t =~ /Scan this QR code with your authenticator app:\n\n(.*?)\n\nor enter this URI in it:\n/s
	    or die "no QR code block\n";
	my (@rows, $n);
	for my $l (split /\n/, $1) {
		if ($style eq "ansi") {
			$l =~ s/^\e\[30;47m(.*)\e\[0m$/$1/
			    or die "line without its colours\n";
		}
		die "not a half block\n" if $l =~ /[^ \x{2580}\x{2584}\x{2588}]/;
		$n //= length $l;
		die "ragged lines\n" if length $l != $n;
		my (@top, @bot);
		for my $c (split //, $l) {
			my $tp = ($c eq "\x{2580}" || $c eq "\x{2588}") ? 1 : 0;
			my $bt = ($c eq "\x{2584}" || $c eq "\x{2588}") ? 1 : 0;
			($tp, $bt) = (1 - $tp, 1 - $bt) if $style eq "utf8i";
			push @top, $tp;
			push @bot, $bt;
		}
		push @rows, \@top, \@bot;
	}
	die "no lines\n" unless $n;
	# Below the last row of an odd-sized drawing: light.
	die "not square\n" if @rows != $n + 1 && @rows != $n;
	die "padding row not light\n"
	    if @rows == $n + 1 && grep { $_ } @{$rows[-1]};
	splice(@rows, $n);
	die "not a QR code size\n" if $n < 29 || ($n - 29) % 4;
	for my $i (0 .. 3, $n - 4 .. $n - 1) {
		die "quiet zone not light\n"
		    if grep { $_ } @{$rows[$i]} or grep { $_->[$i] } @rows;
	}
	my $s = 4;
	print "P1\n", $n * $s, " ", $n * $s, "\n";
	for my $r (@rows) {
		print((join(" ", map { ($_) x $s } @$r) . "\n") x $s);
	}' "$1" "$2"
}
# decode STYLE TRANSCRIPT: the text of the QR code on the terminal
decode() {
	qr2pbm "$1" "$2" >"$2.pbm" && zbarimg -q --raw "$2.pbm" 2>/dev/null
}
# uri_of TRANSCRIPT: the otpauth:// URI printed on a line of its own
uri_of() {
	tr -d '\r' <"$1" | grep -E '^otpauth://' | head -n 1
}
secret_of() { sed -n 's/.*[?&]secret=\([A-Z2-7]*\).*/\1/p'; }
totp() {	# totp SECRET [SECONDS_FROM_NOW]
	"$OATHTOOL" --totp -b "$1" --now="@$(($(date +%s) + ${2:-0}))"
}
# (Not lib.sh's: expect runs these in a shell of their own.)
wrong_code() {	# 6 digits outside the accepted window of SECRET
	a=$(totp "$1" -30) b=$(totp "$1") c=$(totp "$1" 30)
	n=$(((1$b - 1000000 + 500000) % 1000000))
	w=$(printf '%06d' $n)
	while [ "$w" = "$a" ] || [ "$w" = "$b" ] || [ "$w" = "$c" ]; do
		n=$(((n + 1) % 1000000))
		w=$(printf '%06d' $n)
	done
	echo "$w"
}
EOF_FNS
export OATHTOOL
. "$WORK/fns.sh"
# codecmd STYLE: MFA_PTY_CODECMD typing the code of the token whose URI
# is decoded from the QR code drawn in STYLE (kept in TRANSCRIPT.qr).
codecmd() {
	echo ". '$WORK/fns.sh'; decode $1 \"\$1\" >\"\$1.qr\" &&
	    totp \"\$(secret_of <\"\$1.qr\")\""
}
# MFA_PTY_CODECMD typing a wrong code for the token the transcript shows.
WRONGCMD=". '$WORK/fns.sh'; wrong_code \"\$(uri_of \"\$1\" | secret_of)\""

codes_of() {	# the backup codes a transcript shows, one a line
	tr -d '\r' <"$1" | grep -Ex '  [0-9]{5}-[0-9]{5}' | sed 's/^  //'
}
status_of() { "$MFA_CLI" -c "$conf" status "$1"; }
field() {	# field USER NAME: a field of pam-mfa status
	status_of "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}
mkdir "$WORK/svc"
echo "auth required $MFA_MODULE conf=$conf" >"$WORK/svc/vpn"
login() {	# login USER ANSWER: pamtester authenticate
	echo "$2" | env LD_PRELOAD="$PAM_PRELOAD" PAM_WRAPPER=1 \
	    PAM_WRAPPER_SERVICE_DIR="$WORK/svc" timeout 60 $VG \
	    pamtester vpn "$1" authenticate >/dev/null 2>&1
}
refused() {	# refused NAME USER ANSWER
	if login "$2" "$3"; then fail "$1"; else pass "$1"; fi
}
# The pam-mfa audit lines, consumed in order.
seen=0
audit_lines() { grep ' pam-mfa\[[0-9]*\]: ' "$log"; }
audit() {	# audit NAME TEXT: the next audit line is "action=... by=..."
	i=0
	while [ "$(audit_lines | wc -l)" -le $seen ] && [ $i -lt 40 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	seen=$((seen + 1))
	line=$(audit_lines | sed -n "${seen}p")
	if echo "$line" | grep -q "^<85>.* pam-mfa\[[0-9]*\]: $2\$"; then
		pass "$1"
	else
		fail "$1"
		echo "  want: $2"
		echo "  got:  ${line:-(no line)}"
	fi
}
no_audit() {	# no_audit NAME: no audit line since the last one checked
	sleep 0.1
	n=$(audit_lines | wc -l)
	check "$1" [ "$n" -eq $seen ]
	[ "$n" -eq $seen ] || audit_lines | sed -n "$((seen + 1)),\$s/^/  got: /p"
	seen=$n
}

# 1. alice: the whole enrollment on a terminal, the default (ANSI) QR.
t=$WORK/alice.tty
MFA_PTY_CODECMD=$(codecmd ansi) pty "$t" "@code" enroll alice; rc=$?
check "enroll on a tty: exit 0" [ "$rc" -eq 0 ]
uri=$(uri_of "$t")
secret=$(echo "$uri" | secret_of)
check "enroll on a tty: the URI is printed" sh -c "echo '$uri' | grep -Eqx \
'otpauth://totp/Example%20VPN:alice\?secret=[A-Z2-7]{32}&issuer=Example%20VPN&algorithm=SHA1&digits=6&period=30'"
check "enroll on a tty: the QR code is announced" \
    grep -q 'Scan this QR code with your authenticator app:' "$t"
n=$(grep -c "$(printf '\033')\[30;47m" "$t")
check "enroll on a tty: the QR code is drawn in ANSI colours ($n lines)" \
    [ "$n" -ge 15 ]
check "enroll on a tty: every QR line resets its colours" \
    [ "$(grep -c "$(printf '\033')\[0m" "$t")" -eq "$n" ]
check "enroll on a tty: the QR code is a square QR symbol" \
    sh -c ". '$WORK/fns.sh'; qr2pbm ansi '$t' >/dev/null"
check "enroll on a tty: the QR code decodes (zbarimg)" [ -s "$t.qr" ]
check "enroll on a tty: the QR code holds the printed URI" \
    sh -c "[ -n '$uri' ] && [ \"\$(cat '$t.qr')\" = '$uri' ]"
check "enroll on a tty: the prompt is on the terminal" \
    grep -q 'Type a code from the app to activate the token: ' "$t"
check "enroll on a tty: 'The token is active'" \
    grep -q 'The token is active: alice logs in with it from now on\.' "$t"
check "enroll on a tty: 10 backup codes" [ "$(codes_of "$t" | wc -l)" -eq 10 ]
check "enroll on a tty: the backup codes differ" \
    [ "$(codes_of "$t" | sort -u | wc -l)" -eq 10 ]
check "enroll on a tty: active, not pending" \
    [ "$(field alice enrolled):$(field alice pending)" = "yes:no" ]
check "enroll on a tty: alice.token 0600 root, no alice.pending" \
    sh -c "[ \"\$(stat -c %a:%u '$state/alice.token')\" = 600:0 ] &&
    [ ! -e '$state/alice.pending' ]"
audit "enroll on a tty: pending audited" "action=enroll_pending user=alice by=root"
audit "enroll on a tty: confirmation audited" \
    "action=enroll_confirm user=alice by=root"
# The code typed to confirm is spent: the next step's code logs in.
check "login through PAM with a one-time code" login alice "$(totp "$secret" 30)"
bcode=$(codes_of "$t" | sed -n 3p)
check "login through PAM with a backup code" login alice "$bcode"
refused "the same backup code is refused the second time" alice "$bcode"
check "backup codes left: 9/10" [ "$(field alice backup_codes)" = 9/10 ]
check "backup code replay counted (failures=1)" [ "$(field alice failures)" = 1 ]
check "no secret in syslog" sh -c "! grep -q -e '$secret' -e '$bcode' '$log'"

# 2. bob: three wrong codes: exit 4, the token stays pending.
t=$WORK/bob.tty
MFA_PTY_CODECMD=$WRONGCMD pty "$t" "123 @code @code" enroll bob; rc=$?
bsecret=$(uri_of "$t" | secret_of)
check "three wrong codes: exit 4" [ "$rc" -eq 4 ]
check "three wrong codes: three times 'does not match'" \
    [ "$(grep -c 'that code does not match' "$t")" -eq 3 ]
check "three wrong codes: says it is pending and how to confirm" \
    grep -q "bob's new token is pending: until it is confirmed with \`pam-mfa enroll -C\`" "$t"
check "three wrong codes: no backup codes shown" [ -z "$(codes_of "$t")" ]
check "three wrong codes: still pending, not enrolled" \
    [ "$(field bob enrolled):$(field bob pending)" = "no:yes" ]
check "three wrong codes: bob.pending kept, no bob.token" \
    sh -c "[ -f '$state/bob.pending' ] && [ ! -e '$state/bob.token' ]"
refused "three wrong codes: bob can't log in" bob "$(totp "$bsecret" 30)"
check "three wrong codes: counted as failed logins (failures=3)" \
    [ "$(field bob failures)" = 3 ]
audit "three wrong codes: pending audited" "action=enroll_pending user=bob by=root"
for k in 1 2 3; do
	audit "three wrong codes: wrong code $k audited" \
	    "action=enroll_denied user=bob by=root"
done
no_audit "three wrong codes: no confirmation audited"

# 3. carol: Ctrl-D at the prompt: exit 0, still pending; `enroll -C`
# later, on a terminal too, draws no QR code and shows no URI.
t=$WORK/carol.tty
pty "$t" "@eof" enroll carol; rc=$?
csecret=$(uri_of "$t" | secret_of)
check "Ctrl-D: exit 0" [ "$rc" -eq 0 ]
check "Ctrl-D: says it is pending" grep -q "carol's new token is pending" "$t"
check "Ctrl-D: no backup codes" [ -z "$(codes_of "$t")" ]
check "Ctrl-D: still pending" \
    [ "$(field carol enrolled):$(field carol pending)" = "no:yes" ]
refused "Ctrl-D: the pending token does not log in" carol "$(totp "$csecret" 30)"
audit "Ctrl-D: pending audited" "action=enroll_pending user=carol by=root"
t=$WORK/carol-C.tty
MFA_PTY_CODECMD="\"\$OATHTOOL\" --totp -b '$csecret'" \
    pty "$t" "@code" enroll -C carol; rc=$?
check "enroll -C: exit 0" [ "$rc" -eq 0 ]
check "enroll -C: 'The token is active'" \
    grep -q 'The token is active: carol logs in with it from now on\.' "$t"
check "enroll -C: 10 backup codes" [ "$(codes_of "$t" | wc -l)" -eq 10 ]
check "enroll -C: no QR code, no URI" \
    sh -c "[ -s '$t' ] && ! grep -q -e 'Scan this QR' -e 'otpauth:' -e '$csecret' '$t'"
check "enroll -C: active, not pending" \
    [ "$(field carol enrolled):$(field carol pending)" = "yes:no" ]
audit "enroll -C: confirmation audited" "action=enroll_confirm user=carol by=root"
check "enroll -C: carol logs in" login carol "$(totp "$csecret" 30)"
t=$WORK/bob-C.tty
MFA_PTY_CODECMD="\"\$OATHTOOL\" --totp -b '$bsecret'" \
    pty "$t" "@code" enroll -C bob; rc=$?
check "enroll -C after three wrong codes: exit 0" [ "$rc" -eq 0 ]
check "enroll -C after three wrong codes: bob logs in" \
    login bob "$(totp "$bsecret" 30)"
audit "enroll -C after wrong codes: audited" \
    "action=enroll_confirm user=bob by=root"
t=$WORK/carol-C2.tty
pty "$t" "" enroll -C carol; rc=$?
check "enroll -C with nothing pending: exit 5" [ "$rc" -eq 5 ]
check "enroll -C with nothing pending: names the fix" \
    grep -q 'carol has no pending token: run pam-mfa enroll' "$t"

# 4. The other styles on a terminal: utf8 (dark blocks, no escapes) and
# utf8i (light blocks) decode to the URI; none draws nothing.
for style in utf8 utf8i; do
	t=$WORK/$style.tty
	MFA_PTY_CODECMD=$(codecmd "$style") pty "$t" "@eof" enroll -q "$style" \
	    "u$style"; rc=$?
	check "-q $style: exit 0 (Ctrl-D)" [ "$rc" -eq 0 ]
	check "-q $style: no escape sequence" \
	    sh -c "[ -s '$t' ] && ! grep -q \"\$(printf '\033')\" '$t'"
	decode "$style" "$t" >"$t.qr"
	check "-q $style: the QR code holds the printed URI" \
	    sh -c "[ -s '$t.qr' ] && [ \"\$(cat '$t.qr')\" = '$(uri_of "$t")' ]"
	audit "-q $style: pending audited" "action=enroll_pending user=u$style by=root"
done
t=$WORK/none.tty
pty "$t" "@eof" enroll -q none unone; rc=$?
check "-q none: exit 0" [ "$rc" -eq 0 ]
check "-q none: no QR code" sh -c "[ -s '$t' ] && ! grep -q -e 'Scan this QR' -e \
\"\$(printf '\342\226')\" '$t'"
check "-q none: the URI alone" \
    [ "$(tr -d '\r' <"$t" | grep -c '^otpauth://totp/Example%20VPN:unone?')" -eq 1 ]
audit "-q none: pending audited" "action=enroll_pending user=unone by=root"
finish
