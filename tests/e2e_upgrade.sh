#!/bin/sh
# e2e_upgrade.sh - an upgrade from the previous release, and back (issue
# 15.3), as root.  The previous release (tests/fixtures/previous-release:
# its version and commit; the tag v<version> when the clone has it) is
# taken with git archive and built into packages, as this tree is
# (dpkg-buildpackage -us -uc -b).  With the previous release's packages
# installed: a locally edited conffile, a TOTP and an HOTP user enrolled
# with backup codes, logins (pamtester through /etc/pam.d, oathtool
# the oracle), a spent backup code, a replay floor, a failure count and
# a lock; and the previous release's own refusal of a record of a newer
# format (what a downgrade meets: denied with reason=state_version, pam-mfa
# saying so).  Then the upgrade to this tree's packages: state directory
# and key untouched (contents, owners, modes), the edited config kept,
# and every token, backup code, replay floor, failure count and lock
# carried over.  Then the downgrade: this tree's prerm says what it means,
# and each user either logs in (the records are of a format the previous
# release reads) or is refused with reason=state_version and pam-mfa says
# "record from a newer version", never anything else.  Then the upgrade
# again, and the logins go on.
# The host is not changed: apt, dpkg and the logins run in a private
# mount namespace whose /etc, /usr and /var are overlays, and syslog goes
# to a private /dev/log.  Not part of make check: tests/run-all.sh runs
# it.  Needs MFA_SRCDIR (a git clone holding the previous release's
# commit) and MFA_BUILDDIR (tests/logsink).
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
logns dpkg-buildpackage dh fakeroot apt-get pamtester oathtool git \
    unshare useradd perl
t0=$(date +%s)
arch=$(dpkg --print-architecture)
triplet=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
pamdir=/lib/$triplet/security
helper=/usr/libexec/pam_mfa/pam_mfa_helper
mkdir "$WORK/log" "$WORK/prev" "$WORK/cur"

# --- the previous release, from its tag or its commit ---------------------
# shellcheck disable=SC2046
set -- $(grep -v '^#' "$MFA_SRCDIR/tests/fixtures/previous-release")
prev=$1 prevhash=$2
cur=$(sed -n '1s/^pam-mfa (\([^)]*\)).*/\1/p' "$MFA_SRCDIR/debian/changelog")
check "this tree ($cur) is newer than the previous release ($prev)" \
    dpkg --compare-versions "$cur" gt "$prev"
git_() { git -C "$MFA_SRCDIR" "$@"; }
tagged=$(git_ rev-parse -q --verify "refs/tags/v$prev^{commit}" 2>/dev/null)
if [ -n "$tagged" ]; then
	ref=v$prev
	check "the tag v$prev names the commit of tests/fixtures/previous-release" \
	    [ "$tagged" = "$prevhash" ]
else
	ref=$prevhash
	echo "  no tag v$prev in this clone: the release's commit $prevhash"
fi
if ! git_ cat-file -e "$prevhash^{commit}" 2>/dev/null; then
	fail "the previous release's commit $prevhash is in the clone (shallow? git fetch --unshallow)"
	finish
	exit 1
fi
mkdir "$WORK/prev/src" "$WORK/cur/src"
git_ archive "$ref" | tar xf - -C "$WORK/prev/src"
check "the previous release's changelog is at $prev" \
    [ "$(sed -n '1s/^pam-mfa (\([^)]*\)).*/\1/p' "$WORK/prev/src/debian/changelog")" = "$prev" ]
# This tree's tracked files, as tests/e2e_deb.sh builds them.
(cd "$MFA_SRCDIR" && git ls-files -z | xargs -0 tar cf -) |
    tar xf - -C "$WORK/cur/src"
for r in prev cur; do
	t=$(date +%s)
	if (cd "$WORK/$r/src" && dpkg-buildpackage -us -uc -b) \
	    >"$WORK/log/build.$r" 2>&1; then
		pass "dpkg-buildpackage -us -uc -b ($r)"
	else
		fail "dpkg-buildpackage -us -uc -b ($r)"
		tail -30 "$WORK/log/build.$r"
		finish
		exit 1
	fi
	echo "  build $r: $(($(date +%s) - t)) s"
done
debs() {	# debs prev|cur: the three packages' files
	case $1 in prev) v=$prev ;; *) v=$cur ;; esac
	for p in libpam-mfa libpam-mfa-pgsql pam-mfa; do
		echo "$WORK/$1/${p}_${v}_$arch.deb"
	done
}

# --- no source install in the way; a private /etc, /usr, /var -------------
clean=yes
for f in /usr/local/bin/pam-mfa /usr/local/libexec/pam_mfa \
    /usr/local/lib/pam_mfa "$pamdir/pam_mfa.so" /usr/bin/pam-mfa "$helper"; do
	if [ -e "$f" ]; then
		echo "  in the way: $f (a source install? make uninstall)"
		clean=no
	fi
done
for p in libpam-mfa libpam-mfa-pgsql pam-mfa; do
	if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q installed
	then
		echo "  already installed: $p"
		clean=no
	fi
done
check "no source install or package in the way" [ "$clean" = yes ]
[ "$clean" = yes ] || { finish; exit 1; }
for d in etc usr var; do
	mkdir "$WORK/ov.$d.u" "$WORK/ov.$d.w"
	mount -t overlay "ov$d" -o \
	    "lowerdir=/$d,upperdir=$WORK/ov.$d.u,workdir=$WORK/ov.$d.w" "/$d" ||
	    { fail "overlay on /$d"; finish; exit 1; }
done
pass "private overlays on /etc /usr /var"

export DEBIAN_FRONTEND=noninteractive
# pkgs prev|cur [APT-OPTION...]: the three packages by apt, from the
# files; a conffile the site changed is kept (what unattended upgrades do).
pkgs() {
	r=$1
	shift
	# shellcheck disable=SC2046
	apt-get -y -q -o Dpkg::Use-Pty=0 --no-install-recommends \
	    -o Dpkg::Options::=--force-confdef \
	    -o Dpkg::Options::=--force-confold "$@" install $(debs "$r") \
	    >"$WORK/log/apt.$r" 2>&1
	st=$?
	cat "$WORK/log/apt.$r" >>"$WORK/log/apt"
	[ $st -eq 0 ] || tail -20 "$WORK/log/apt.$r"
	return $st
}
at() {	# at VERSION: every package is at VERSION
	for p in libpam-mfa libpam-mfa-pgsql pam-mfa; do
		[ "$(dpkg-query -W -f='${Version}' "$p")" = "$1" ] || return 1
	done
}
mode() { stat -c %a:%U:%G "$1" 2>/dev/null; }
modes_ok() {	# the packaged modes
	[ "$(mode /usr/bin/pam-mfa)" = 4755:root:root ] &&
	    [ "$(mode $helper)" = 4750:root:pam_mfa ] &&
	    [ "$(mode /var/lib/pam_mfa)" = 700:root:root ]
}
check "apt-get install the previous release ($prev)" pkgs prev
check "dpkg has $prev" at "$prev"
check "$prev: the packaged modes" modes_ok

# --- the previous release in use -----------------------------------------
# A site's edit of the conffile: a wider TOTP window (8 steps, 4 minutes
# each way), so that a code accepted before the upgrade is still inside
# the window after it, and refused only by the replay floor.
conf=/etc/security/pam_mfa.conf
printf '\n# a site'"'"'s edit\nwindow = 8;\n' >>"$conf"
confsum=$(md5sum "$conf")
echo "auth required pam_mfa.so" >/etc/pam.d/mfa-up
tu=mfa-up-totp hu=mfa-up-hotp lu=mfa-up-lock nu=mfa-up-new
for u in $tu $hu $lu $nu; do
	useradd --system --no-create-home --shell /usr/sbin/nologin "$u"
done
enroll() {	# enroll USER [-t hotp]: secret, counter, backup codes in $WORK/USER.*
	u=$1
	shift
	pam-mfa enroll -y -q none "$@" "$u" >"$WORK/$u.enroll" 2>&1
	sed -n 's/^otpauth:.*secret=\([A-Z2-7]*\).*/\1/p' "$WORK/$u.enroll" \
	    >"$WORK/$u.secret"
	sed -n 's/^otpauth:.*counter=\([0-9]*\).*/\1/p' "$WORK/$u.enroll" \
	    >"$WORK/$u.counter"
	sed -n 's/^  \([0-9]\{5\}-[0-9]\{5\}\)$/\1/p' "$WORK/$u.enroll" \
	    >"$WORK/$u.backup"
	[ -s "$WORK/$u.secret" ] && [ "$(wc -l <"$WORK/$u.backup")" -ge 3 ]
}
check "$prev: pam-mfa enroll -y, TOTP, with backup codes" enroll $tu
check "$prev: pam-mfa enroll -y -t hotp, with backup codes" enroll $hu -t hotp
check "$prev: the HOTP token's URI has its counter" [ -s "$WORK/$hu.counter" ]
check "$prev: pam-mfa enroll -y, a user to lock" enroll $lu
check "$prev: pam-mfa enroll -y, a user for the newer records" enroll $nu
secret() { cat "$WORK/$1.secret"; }
backup() { sed -n "${2}p" "$WORK/$1.backup"; }
totp() {	# totp USER [SECONDS_FROM_NOW]
	oathtool --totp -b "$(secret "$1")" --now="@$(($(date +%s) + ${2:-0}))"
}
hotp() {	# hotp USER N: the code N presses past the enrolled counter
	oathtool --hotp -b "$(secret "$1")" -c "$(($(cat "$WORK/$1.counter") + $2))"
}
# wrong USER: 6 digits that no code in reach matches (TOTP: 15 steps
# each way; HOTP: the next 50 counter values).
wrong() {
	if [ -s "$WORK/$1.counter" ]; then
		oathtool --hotp -b "$(secret "$1")" -c "$(cat "$WORK/$1.counter")" \
		    -w 50 >"$WORK/near"
	else
		oathtool --totp -b "$(secret "$1")" \
		    --now="@$(($(date +%s) - 450))" -w 30 >"$WORK/near"
	fi
	n=$(( $(head -1 "$WORK/near" | sed 's/^0*//') + 500000 ))
	w=$(printf '%06d' $((n % 1000000)))
	while grep -qx "$w" "$WORK/near"; do
		n=$((n + 1))
		w=$(printf '%06d' $((n % 1000000)))
	done
	echo "$w"
}
login() {	# login USER ANSWER: pamtester mfa-up USER authenticate
	echo "$2" | timeout 60 pamtester mfa-up "$1" authenticate \
	    >"$WORK/out" 2>&1
}
# logged TEXT: a syslog line since the last login has TEXT (the sink may
# take a moment).
logged() {
	i=0
	while ! tail -n +"$((mark + 1))" "$log" | grep -qF -- "$1"; do
		i=$((i + 1))
		[ $i -le 40 ] || return 1
		sleep 0.05
	done
}
# accepted NAME USER ANSWER / refused NAME USER ANSWER REASON: the login's
# outcome and its syslog line.
accepted() {
	mark=$(wc -l <"$log")
	if login "$2" "$3" && logged "result=accept reason=ok user=$2 "; then
		pass "$1"
	else
		fail "$1"
		tail -n +"$((mark + 1))" "$log" | head -5
	fi
}
refused() {
	mark=$(wc -l <"$log")
	if ! login "$2" "$3" && logged "result=deny reason=$4 user=$2 "; then
		pass "$1"
	else
		fail "$1"
		tail -n +"$((mark + 1))" "$log" | head -5
	fi
}
# field USER KEY: KEY's value in pam-mfa status USER.
field() {
	pam-mfa status "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p"
}
# carried USER: what the upgrade must carry over, as pam-mfa status says.
carried() {
	for k in enrolled pending token backup_codes failures locked \
	    lock_step last_success last_rhost uid; do
		printf '%s=%s ' "$k" "$(field "$1" "$k")"
	done
}

tc=$(totp $tu)
accepted "$prev: TOTP: a login with the current code" $tu "$tc"
refused "$prev: TOTP: the same code again: replay" $tu "$tc" replay
accepted "$prev: TOTP: a backup code" $tu "$(backup $tu 1)"
refused "$prev: TOTP: a wrong code" $tu "$(wrong $tu)" bad_code
check "$prev: TOTP: failures=1, a backup code spent" \
    [ "$(field $tu failures)/$(field $tu backup_codes | cut -d/ -f1)" = \
        "1/$(($(wc -l <"$WORK/$tu.backup") - 1))" ]
hc=$(hotp $hu 0)
accepted "$prev: HOTP: a login with the next code" $hu "$hc"
refused "$prev: HOTP: the same code again: replay" $hu "$hc" replay
accepted "$prev: HOTP: a backup code" $hu "$(backup $hu 1)"
refused "$prev: HOTP: a wrong code" $hu "$(wrong $hu)" bad_code
refused "$prev: HOTP: another wrong code" $hu "$(wrong $hu)" bad_code
check "$prev: HOTP: failures=2" [ "$(field $hu failures)" = 2 ]
i=0
while [ "$(field $lu locked)" = no ] && [ $i -lt 20 ]; do
	login $lu "$(wrong $lu)"
	i=$((i + 1))
done
locked() { case $(field $lu locked) in until_*) true ;; *) false ;; esac; }
check "$prev: wrong codes lock a user (locked=until_... after $i)" locked
refused "$prev: the locked user's right code: locked" $lu "$(totp $lu)" locked

# The previous release meets a record of a newer format, as it will after
# a downgrade: the version of each record raised by one and its digest
# made again (well-formed, only newer).  Denied, said in syslog and by
# pam-mfa, never misread; the record as it was logs in again.
# newer FILE SLOT DIGEST_AT: in each SLOT-byte slot of FILE that starts
# with a magic "MFA?", the version (u16 at 4) plus one and the SHA-256 of
# the slot's first DIGEST_AT bytes stored at DIGEST_AT.
newer() {
	perl -e '
	use Digest::SHA qw(sha256);
	my ($path, $slot, $at) = @ARGV;
	local $/;
	open(my $f, "+<", $path) or die "$path: $!";
	binmode($f);
	my $d = <$f>;
	my $n = 0;
	for (my $o = 0; $o + $slot <= length($d); $o += $slot) {
		next unless substr($d, $o, 3) eq "MFA";
		my $v = unpack("v", substr($d, $o + 4, 2));
		substr($d, $o + 4, 2) = pack("v", $v + 1);
		substr($d, $o + $at, 32) = sha256(substr($d, $o, $at));
		$n++;
	}
	die "$path: no record\n" unless $n;
	seek($f, 0, 0) or die;
	print $f $d or die;
	close($f) or die;' "$@"
}
said_newer() {	# said_newer USER: pam-mfa status fails, saying why
	pam-mfa status "$1" >/dev/null 2>"$WORK/err"
	rc=$?
	[ $rc -ne 0 ] && grep -q 'record from a newer version' "$WORK/err"
}
sd=/var/lib/pam_mfa
for r in token:1024:992 state:512:224; do
	what=${r%%:*}
	rest=${r#*:}
	cp -p "$sd/$nu.$what" "$WORK/$nu.$what.orig"
	if newer "$sd/$nu.$what" "${rest%%:*}" "${rest#*:}"; then
		refused "$prev: a newer $what record: denied, reason=state_version" \
		    $nu "$(totp $nu)" state_version
		check "$prev: a newer $what record: pam-mfa status says \"record from a newer version\"" \
		    said_newer $nu
		tail -n +"$((mark + 1))" "$log" | grep -m 1 state_version |
		    sed 's/^.*pamtester: /  syslog: /'
		sed 's/^/  pam-mfa status: /' "$WORK/err"
	else
		fail "$prev: a newer $what record made"
	fi
	cp -p "$WORK/$nu.$what.orig" "$sd/$nu.$what"
done
accepted "$prev: the records as they were: the user logs in" $nu "$(totp $nu)"

# --- the upgrade -----------------------------------------------------------
# snap: the state directory and the key: names, modes, owners, contents.
snap() {
	find /var/lib/pam_mfa /etc/security/pam_mfa.key \
	    -printf '%p %y %m %u:%g %s\n' | sort
	find /var/lib/pam_mfa /etc/security/pam_mfa.key -type f \
	    -exec md5sum {} + | sort
}
for u in $tu $hu $lu; do
	carried "$u" >"$WORK/$u.carried"
done
before=$(snap)
shipped_prev=$(dpkg-deb --fsys-tarfile "$WORK/prev/libpam-mfa_${prev}_$arch.deb" |
    tar xOf - ./etc/security/pam_mfa.conf | md5sum)
shipped_cur=$(dpkg-deb --fsys-tarfile "$WORK/cur/libpam-mfa_${cur}_$arch.deb" |
    tar xOf - ./etc/security/pam_mfa.conf | md5sum)
t1=$(date +%s)
check "apt-get install: upgrade $prev -> $cur" pkgs cur
echo "  upgrade: $(($(date +%s) - t1)) s"
check "upgraded: dpkg has $cur" at "$cur"
check "upgraded: the state directory and the key untouched (contents, owners, modes)" \
    [ "$(snap)" = "$before" ]
check "upgraded: the edited config kept" [ "$(md5sum "$conf")" = "$confsum" ]
check "upgraded: no .dpkg-new or .dpkg-old beside it" \
    sh -c "! ls $conf.dpkg-new $conf.dpkg-old 2>/dev/null | grep -q ."
if [ "$shipped_prev" = "$shipped_cur" ]; then
	check "upgraded: the shipped config unchanged, so no .dpkg-dist" \
	    [ ! -e "$conf.dpkg-dist" ]
else
	check "upgraded: the new shipped config beside it as .dpkg-dist" \
	    [ "$(md5sum <"$conf.dpkg-dist")" = "$shipped_cur" ]
fi
check "upgraded: the packaged modes" modes_ok
check "upgraded: pam-mfa --version says $cur" \
    [ "$(pam-mfa --version)" = "pam-mfa $cur" ]
for u in $tu $hu $lu; do
	check "upgraded: $u: token, backup codes, failures, lock, last success carried over" \
	    [ "$(carried "$u")" = "$(cat "$WORK/$u.carried")" ]
done
check "upgraded: $tu still has failures=1" [ "$(field $tu failures)" = 1 ]
check "upgraded: $hu still has failures=2" [ "$(field $hu failures)" = 2 ]
check "upgraded: $lu still locked" locked
refused "upgraded: TOTP: the last accepted code still refused: replay" \
    $tu "$tc" replay
refused "upgraded: TOTP: the spent backup code refused" \
    $tu "$(backup $tu 1)" replay
accepted "upgraded: TOTP: an unspent backup code logs in" $tu "$(backup $tu 2)"
accepted "upgraded: TOTP: the next code logs in" $tu "$(totp $tu 30)"
refused "upgraded: HOTP: the last accepted code still refused: replay" \
    $hu "$hc" replay
refused "upgraded: HOTP: the spent backup code refused" \
    $hu "$(backup $hu 1)" replay
accepted "upgraded: HOTP: an unspent backup code logs in" $hu "$(backup $hu 2)"
accepted "upgraded: HOTP: the next code logs in" $hu "$(hotp $hu 1)"
refused "upgraded: the locked user's right code: locked" \
    $lu "$(totp $lu)" locked
check "upgraded: pam-mfa unlock" sh -c "pam-mfa unlock $lu >/dev/null 2>&1"
accepted "upgraded: unlocked, the right code logs in" $lu "$(totp $lu)"

# --- the downgrade ---------------------------------------------------------
# Records this tree wrote (the logins above) meet the previous release.
# Its prerm says what a downgrade means; each user then logs in, or is
# refused as a newer record and told so.
tc=$(totp $tu 60)
check "apt-get install --allow-downgrades: $cur -> $prev" \
    pkgs prev --allow-downgrades
check "downgraded: dpkg has $prev" at "$prev"
check "downgraded: $cur's prerm said it is a downgrade" \
    grep -qF "libpam-mfa: downgrade from $cur to $prev." "$WORK/log/apt.prev"
check "downgraded: ... and what an older release does with newer records" \
    grep -qF 'says "record from a newer version"' "$WORK/log/apt.prev"
sed -n '/^libpam-mfa: downgrade/,/"Upgrades and downgrades")/s/^/  apt: /p' \
    "$WORK/log/apt.prev"
check "downgraded: the edited config kept" [ "$(md5sum "$conf")" = "$confsum" ]
check "downgraded: the packaged modes" modes_ok
# either NAME USER ANSWER: accepted, or refused as a newer record and said.
either() {
	mark=$(wc -l <"$log")
	if login "$2" "$3"; then
		if logged "result=accept reason=ok user=$2 "; then
			pass "$1: logs in ($prev reads $cur's records)"
		else
			fail "$1: logged in, but no accept line"
		fi
	elif logged "result=deny reason=state_version user=$2 " &&
	    said_newer "$2"; then
		pass "$1: refused as a newer record, said in syslog and by pam-mfa"
	else
		fail "$1: refused, and not as a newer record"
		tail -n +"$((mark + 1))" "$log" | head -5
		cat "$WORK/err"
	fi
}
either "downgraded: TOTP" $tu "$tc"
either "downgraded: HOTP" $hu "$(hotp $hu 2)"
either "downgraded: a backup code" $hu "$(backup $hu 3)"
either "downgraded: the unlocked user" $lu "$(totp $lu 60)"
# Whatever it read, the previous release accepted no replay.
mark=$(wc -l <"$log")
check "downgraded: TOTP: the code just used refused" sh -c "! echo $tc |
    timeout 60 pamtester mfa-up $tu authenticate >/dev/null 2>&1"
check "downgraded: HOTP: a spent backup code refused" sh -c "! echo $(backup $hu 2) |
    timeout 60 pamtester mfa-up $hu authenticate >/dev/null 2>&1"

# --- and up again: the logins go on -------------------------------------
check "apt-get install: upgrade $prev -> $cur again" pkgs cur
check "upgraded again: dpkg has $cur" at "$cur"
check "upgraded again: the packaged modes" modes_ok
tc=$(totp $tu 90)
accepted "upgraded again: TOTP: the next code logs in" $tu "$tc"
refused "upgraded again: TOTP: the same code again: replay" $tu "$tc" replay
accepted "upgraded again: HOTP: the next code logs in" $hu "$(hotp $hu 3)"
accepted "upgraded again: an unspent backup code logs in" $tu "$(backup $tu 3)"
echo "  upgrade to the end: $(($(date +%s) - t1)) s; all: $(($(date +%s) - t0)) s"
finish
