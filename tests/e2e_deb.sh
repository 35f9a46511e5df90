#!/bin/sh
# e2e_deb.sh - the Debian packages end to end (issue 15), as root: build
# them from the tracked files (dpkg-buildpackage -us -uc -b), lintian
# (no error, no warning debian/*.lintian-overrides doesn't explain), the
# files and modes in each package, then install them with apt on a host
# with no source install, and check the installed layout, a login through
# the real libpam and the real /etc/pam.d (pamtester, the module found by
# name in the PAM directory, a user of the name service), an upgrade to
# the same tree as the next version (an edited config, the tokens, the
# state, failures, replay floor, key and modes carried over), a state
# record a newer pam_mfa wrote refused (a downgrade), remove (tokens,
# replay floor, key and config kept; a reinstall logs in where it left
# off; dpkg-statoverride honoured), and purge (state and key gone as
# README.Debian says, the group kept, /etc/pam.d as it was).
# The host is not changed: apt, dpkg and the logins run in a private
# mount namespace whose /etc, /usr and /var are overlays (their writes
# are thrown away with it), and syslog goes to a private /dev/log.  Not
# part of make check (a minute of build): tests/run-all.sh runs it.
# Needs MFA_SRCDIR (a git checkout) and MFA_BUILDDIR (tests/logsink).
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
logns dpkg-buildpackage dh lintian fakeroot apt-get pamtester oathtool \
    git unshare useradd
t0=$(date +%s)
version=$(sed -n '1s/^pam-mfa (\([^)]*\)).*/\1/p' "$MFA_SRCDIR/debian/changelog")
arch=$(dpkg --print-architecture)
triplet=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
pamdir=/lib/$triplet/security
helper=/usr/libexec/pam_mfa/pam_mfa_helper

# --- build and lint --------------------------------------------------
mkdir "$WORK/src" "$WORK/log"
(cd "$MFA_SRCDIR" && git ls-files -z | xargs -0 tar cf -) |
    tar xf - -C "$WORK/src"
if (cd "$WORK/src" && dpkg-buildpackage -us -uc -b) >"$WORK/log/build" 2>&1
then
	pass "dpkg-buildpackage -us -uc -b"
else
	fail "dpkg-buildpackage -us -uc -b"
	tail -30 "$WORK/log/build"
	finish
	exit 1
fi
echo "  build: $(($(date +%s) - t0)) s"
v=$version
deb() { echo "$WORK/${1}_${v}_$arch.deb"; }
for p in libpam-mfa libpam-mfa-pgsql pam-mfa libpam-mfa-dbgsym \
    libpam-mfa-pgsql-dbgsym pam-mfa-dbgsym; do
	check "built $p" [ -f "$(deb $p)" ]
done
if lintian --fail-on error,warning "$WORK/pam-mfa_${version}_$arch.changes" \
    >"$WORK/log/lintian" 2>&1; then
	pass "lintian: no error, no unexplained warning"
else
	fail "lintian: no error, no unexplained warning"
	grep '^[EW]:' "$WORK/log/lintian" | head -20
fi
# contents LINE PKG: dpkg-deb -c PKG has LINE (mode owner path).
has() {
	dpkg-deb -c "$(deb "$2")" | awk '{ print $1, $2, $6 }' |
	    grep -qxF -- "$1"
}
check "pam-mfa: setuid root CLI" has "-rwsr-xr-x root/root ./usr/bin/pam-mfa" pam-mfa
check "pam-mfa: the completion" \
    has "-rw-r--r-- root/root ./usr/share/bash-completion/completions/pam-mfa" pam-mfa
check "libpam-mfa: the module in the multiarch PAM directory" \
    has "-rw-r--r-- root/root .$pamdir/pam_mfa.so" libpam-mfa
check "libpam-mfa: the helper, not setuid until postinst" \
    has "-rwxr-xr-x root/root .$helper" libpam-mfa
check "libpam-mfa: pam_mfa.conf is its conffile" \
    [ "$(dpkg-deb --ctrl-tarfile "$(deb libpam-mfa)" | tar xOf - ./conffiles)" = \
        /etc/security/pam_mfa.conf ]
check "libpam-mfa-pgsql: the PostgreSQL store" \
    has "-rw-r--r-- root/root ./usr/lib/$triplet/pam_mfa/store_pgsql.so" \
    libpam-mfa-pgsql
check "libpam-mfa doesn't pull libpq" \
    sh -c "! dpkg-deb -f '$(deb libpam-mfa)' Depends | grep -q libpq"
for p in libpam-mfa libpam-mfa-pgsql pam-mfa; do
	check "$p ships nothing in /etc/pam.d" \
	    sh -c "! dpkg-deb -c '$(deb $p)' | grep -q ' \./etc/pam\.d'"
	check "$p: no maintainer script names /etc/pam.d" \
	    sh -c "! dpkg-deb --ctrl-tarfile '$(deb $p)' |
	        tar xOf - --wildcards './*inst' './*rm' 2>/dev/null |
	        grep -v '^[[:space:]]*#' | grep -q pam\\.d"
done

# The same tree again as the next version (a changelog entry, the build
# reused): what an upgrade does to the installed files and the tokens.
next="$version+e2e1"
{
	printf 'pam-mfa (%s) unstable; urgency=medium\n\n  * e2e_deb.sh: an upgrade.\n\n' "$next"
	printf ' -- e2e <e2e@example.invalid>  %s\n\n' "$(date -R)"
	cat "$WORK/src/debian/changelog"
} >"$WORK/changelog.next"
cp "$WORK/changelog.next" "$WORK/src/debian/changelog"
if (cd "$WORK/src" && dpkg-buildpackage -us -uc -b -nc) >"$WORK/log/build.next" 2>&1
then
	pass "dpkg-buildpackage of the next version"
else
	fail "dpkg-buildpackage of the next version"
	tail -20 "$WORK/log/build.next"
fi

# --- no source install in the way ----------------------------------------
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

# --- a private /etc, /usr, /var ------------------------------------------
for d in etc usr var; do
	mkdir "$WORK/ov.$d.u" "$WORK/ov.$d.w"
	mount -t overlay "ov$d" -o \
	    "lowerdir=/$d,upperdir=$WORK/ov.$d.u,workdir=$WORK/ov.$d.w" "/$d" ||
	    { fail "overlay on /$d"; finish; exit 1; }
done
pass "private overlays on /etc /usr /var"
# pamd: what /etc/pam.d holds (names, modes, owners, contents).
pamd() {
	find /etc/pam.d -mindepth 1 -printf '%P %y %m %u:%g\n' | sort
	find /etc/pam.d -mindepth 1 -type f -exec md5sum {} + | sort
}
pamd_before=$(pamd)
export DEBIAN_FRONTEND=noninteractive
apt_() { apt-get -y -q -o Dpkg::Use-Pty=0 --no-install-recommends "$@" \
    >>"$WORK/log/apt" 2>&1; }
installed() {	# installed: the three packages, by apt, from the files
	apt_ install "$(deb libpam-mfa)" "$(deb libpam-mfa-pgsql)" \
	    "$(deb pam-mfa)" || { tail -20 "$WORK/log/apt"; false; }
}
t1=$(date +%s)
check "apt-get install the three packages" installed
mode() { stat -c %a:%U:%G "$1" 2>/dev/null; }
check "pam-mfa 4755 root:root" [ "$(mode /usr/bin/pam-mfa)" = 4755:root:root ]
check "the pam_mfa group made" sh -c "getent group pam_mfa >/dev/null"
check "helper 4750 root:pam_mfa" [ "$(mode $helper)" = 4750:root:pam_mfa ]
check "state directory 0700 root" [ "$(mode /var/lib/pam_mfa)" = 700:root:root ]
check "no key file yet" [ ! -e /etc/security/pam_mfa.key ]
check "the config installed" [ "$(mode /etc/security/pam_mfa.conf)" = 644:root:root ]
check "the store object installed" [ -f "/usr/lib/$triplet/pam_mfa/store_pgsql.so" ]
check "pam-mfa --version is the package's" \
    [ "$(pam-mfa --version)" = "pam-mfa $version" ]
check "the config the package ships passes pam-mfa check" \
    sh -c 'pam-mfa check >/dev/null'
check "/etc/pam.d untouched by install" \
    [ "$(pamd)" = "$pamd_before" ]

# --- a login through the installed files ----------------------------------
# A user of the name service (user_lookup "nss", the default), enrolled
# with the shipped config; a service that names the module as operators
# do, by file name, found in libpam's directory.
useradd --system --no-create-home --shell /usr/sbin/nologin mfa-e2e
pam-mfa enroll -y -q none mfa-e2e >"$WORK/enroll" 2>&1
check "pam-mfa enroll -y with the shipped config" grep -q '^otpauth://' "$WORK/enroll"
secret=$(sed -n 's/^otpauth:.*secret=\([A-Z2-7]*\).*/\1/p' "$WORK/enroll")
backup=$(sed -n 's/^  \([0-9]\{5\}-[0-9]\{5\}\)$/\1/p' "$WORK/enroll" | head -n 1)
backup2=$(sed -n 's/^  \([0-9]\{5\}-[0-9]\{5\}\)$/\1/p' "$WORK/enroll" | sed -n 2p)
backup3=$(sed -n 's/^  \([0-9]\{5\}-[0-9]\{5\}\)$/\1/p' "$WORK/enroll" | sed -n 3p)
case $(mode /etc/security/pam_mfa.key) in
*00:root:root) pass "the first enrollment made the key file (root's alone)" ;;
*) fail "the first enrollment made the key file (root's alone)" ;;
esac
echo "auth required pam_mfa.so" >/etc/pam.d/mfa-e2e
login() {	# login ANSWER: pamtester mfa-e2e mfa-e2e authenticate
	echo "$1" | timeout 60 pamtester mfa-e2e mfa-e2e authenticate \
	    >"$WORK/out" 2>&1
}
refused() {	# refused NAME ANSWER: the login fails
	if login "$2"; then fail "$1"; else pass "$1"; fi
}
code() { oathtool --totp -b "$secret" --now="@$(($(date +%s) + $1))"; }
c0=$(code 0)
check "a login with the current code" login "$c0"
refused "the same code again refused" "$c0"
n=$(echo "$c0" | sed 's/^0*//')
wrong=$(printf '%06d' $(((${n:-0} + 500000) % 1000000)))
refused "a wrong code refused" "$wrong"
check "a backup code accepted" login "$backup"
check "the module logged to syslog" grep -q 'pam_mfa(mfa-e2e:auth)' "$log"

# --- upgrade: everything carried over -------------------------------------
refused "a wrong code before the upgrade" "$wrong"
status_before=$(pam-mfa status mfa-e2e)
echo "# a site's edit" >>/etc/security/pam_mfa.conf
confsum=$(md5sum /etc/security/pam_mfa.conf)
before=$(find /var/lib/pam_mfa -type f -exec md5sum {} + | sort)
keysum=$(md5sum /etc/security/pam_mfa.key)
v=$next
check "apt-get install: upgrade to $next" installed
check "upgraded: dpkg has $next" \
    [ "$(dpkg-query -W -f='${Version}' libpam-mfa)" = "$next" ]
check "upgraded: the edited config kept, no .dpkg-new" \
    sh -c "[ \"\$(md5sum /etc/security/pam_mfa.conf)\" = '$confsum' ] &&
        ! ls /etc/security/pam_mfa.conf.dpkg-* 2>/dev/null"
check "upgraded: the state files untouched" \
    [ "$(find /var/lib/pam_mfa -type f -exec md5sum {} + | sort)" = "$before" ]
check "upgraded: the key untouched" [ "$(md5sum /etc/security/pam_mfa.key)" = "$keysum" ]
check "upgraded: the state directory still 0700 root" \
    [ "$(mode /var/lib/pam_mfa)" = 700:root:root ]
check "upgraded: helper 4750 root:pam_mfa" [ "$(mode $helper)" = 4750:root:pam_mfa ]
check "upgraded: pam-mfa 4755 root:root" [ "$(mode /usr/bin/pam-mfa)" = 4755:root:root ]
check "upgraded: status as before (failures, backup codes left, last success)" \
    [ "$(pam-mfa status mfa-e2e)" = "$status_before" ]
refused "upgraded: the spent code still refused (replay floor)" "$c0"
refused "upgraded: the spent backup code still refused" "$backup"
check "upgraded: the next code logs in" login "$(code 30)"

# --- remove: the tokens stay --------------------------------------------
statedir_sum() { find /var/lib/pam_mfa -type f -exec md5sum {} + | sort; }
before=$(statedir_sum)
keysum=$(md5sum /etc/security/pam_mfa.key)
check "apt-get remove" apt_ remove libpam-mfa-pgsql pam-mfa libpam-mfa
check "removed: the module gone" [ ! -e "$pamdir/pam_mfa.so" ]
check "removed: the CLI gone" [ ! -e /usr/bin/pam-mfa ]
check "removed: the state kept as it was" [ "$(statedir_sum)" = "$before" ]
check "removed: the key kept" [ "$(md5sum /etc/security/pam_mfa.key)" = "$keysum" ]
check "removed: the config kept" [ -f /etc/security/pam_mfa.conf ]
check "removed: the group kept" sh -c "getent group pam_mfa >/dev/null"
# An admin's overrides, then a reinstall: honoured, and the logins go on
# where they were (the replay floor too).
dpkg-statoverride --add root root 0755 /usr/bin/pam-mfa
dpkg-statoverride --add root root 0755 "$helper"
check "apt-get install again" installed
check "statoverride: pam-mfa not setuid" [ "$(mode /usr/bin/pam-mfa)" = 755:root:root ]
check "statoverride: helper not setuid" [ "$(mode $helper)" = 755:root:root ]
check "reinstalled: the key untouched" [ "$(md5sum /etc/security/pam_mfa.key)" = "$keysum" ]
refused "reinstalled: the replayed code still refused" "$c0"
refused "reinstalled: the spent backup code still refused" "$backup"
check "reinstalled: another backup code logs in" login "$backup2"
dpkg-statoverride --remove /usr/bin/pam-mfa
dpkg-statoverride --remove "$helper"

# --- a state record a newer pam_mfa wrote (a downgrade): refused, said --
# Every slot's version raised to 3, its digest made again: well-formed,
# only newer.  Then the record as it was: the same backup code logs in.
st=/var/lib/pam_mfa/mfa-e2e.state
cp -p "$st" "$WORK/state.orig"
perl -e '
	use Digest::SHA qw(sha256);
	local $/;
	open(my $f, "+<", $ARGV[0]) or die "$ARGV[0]: $!";
	binmode($f);
	my $d = <$f>;
	for my $o (grep { $_ % 512 == 0 } 0 .. length($d) - 512) {
		next unless substr($d, $o, 4) eq "MFAS";
		substr($d, $o + 4, 2) = pack("v", 3);
		substr($d, $o + 224, 32) = sha256(substr($d, $o, 224));
	}
	seek($f, 0, 0) or die;
	print $f $d or die;
	close($f) or die;' "$st"
refused "a newer state record: the login refused" "$backup3"
check "a newer state record: logged as reason=state_version" \
    grep -q 'result=deny reason=state_version user=mfa-e2e' "$log"
pam-mfa status mfa-e2e >/dev/null 2>"$WORK/err"
rc=$?
check "a newer state record: pam-mfa status fails" [ "$rc" -ne 0 ]
check "a newer state record: pam-mfa says so" grep -q 'newer version' "$WORK/err"
cp -p "$WORK/state.orig" "$st"
check "the record as it was: the same backup code logs in" login "$backup3"

# --- purge: state and key go, /etc/pam.d as it was ----------------------
rm /etc/pam.d/mfa-e2e
check "apt-get purge" apt_ purge libpam-mfa-pgsql pam-mfa libpam-mfa
check "purged: the state directory gone" [ ! -e /var/lib/pam_mfa ]
check "purged: the key gone" [ ! -e /etc/security/pam_mfa.key ]
check "purged: the config gone" [ ! -e /etc/security/pam_mfa.conf ]
check "purged: the group kept (README.Debian)" sh -c "getent group pam_mfa >/dev/null"
check "purged: nothing of the packages in dpkg" \
    sh -c "! dpkg-query -W libpam-mfa libpam-mfa-pgsql pam-mfa 2>/dev/null | grep -q ."
check "purged: /etc/pam.d as before the install" \
    [ "$(pamd)" = "$pamd_before" ]
left=$(find /usr /etc /var/lib -path /var/lib/apt -prune -o \
    \( -name '*pam_mfa*' -o -name 'pam-mfa*' \) -print 2>/dev/null |
    grep -v '^/var/lib/apt' | grep -v "^$WORK")
check "purged: no pam_mfa file left" [ -z "$left" ]
[ -z "$left" ] || echo "  left: $left"
echo "  install to purge: $(($(date +%s) - t1)) s; all: $(($(date +%s) - t0)) s"
finish
