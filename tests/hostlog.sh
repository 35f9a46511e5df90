#!/bin/sh
# hostlog.sh CMD [ARGS...] - how make check runs every test: in a private
# mount namespace whose /dev is the host's, each entry bound, except for
# two tripwires: /dev/log, a test syslog socket (logsink), and
# /dev/console, a file (where glibc's syslog writes when there is no
# /dev/log).  A test that logs does so into a private sink of its own
# (lib.sh logns, with-logsink.sh), so any line either tripwire receives
# would have reached the host's syslog or console: the test fails, and its
# log shows the lines.  Each tripwire is proven armed before the test: a
# probe line sent to /dev/log must arrive.  /tmp is private too (below).
# Not root (make check needs
# root anyway) or MFA_HOSTLOG_OFF=1: CMD runs as it is.
set -u
if [ "$(id -u)" -ne 0 ] || [ "${MFA_HOSTLOG_OFF:-}" = 1 ]; then
	exec "$@"
fi
if [ "${MFA_IN_HOSTLOG:-}" != 1 ]; then
	MFA_IN_HOSTLOG=1 exec unshare -m --propagation private -- \
	    /bin/sh "$0" "$@"
fi
unset MFA_IN_HOSTLOG
# A private /tmp: pam_wrapper makes its directory /tmp/pam.X with lstat
# and then mkdir, racing every other test program that starts at the
# same moment (make -j2); the loser shares, and at exit removes, the
# winner's directory, whose logins then fail.  Where the tests
# themselves live under /tmp (a checkout there, make distcheck in it),
# the tmpfs would hide them: each top directory of theirs under /tmp is
# bound back at its path, reached through a descriptor of the host's
# /tmp (mount -c: not canonicalised, which would name the new /tmp).
keep=""
for p in "$(pwd -P)" "$(cd "$(dirname "$0")" && pwd -P)" "${TMPDIR:-/tmp}" \
    "${MFA_SRCDIR:-/}" "${MFA_BUILDDIR:-/}"; do
	case $p/ in
	/tmp/?*)
		t=${p#/tmp/}
		keep="$keep${t%%/*}
" ;;
	esac
done
exec 8</tmp
if ! mount -t tmpfs -o mode=1777 tmpfs /tmp; then
	echo "hostlog.sh: can't mount a private /tmp" >&2
	exit 99
fi
while IFS= read -r t; do
	[ -n "$t" ] && [ ! -e "/tmp/$t" ] && [ -d "/proc/$$/fd/8/$t" ] ||
	    continue
	if ! { mkdir "/tmp/$t" &&
	    mount -c --rbind "/proc/$$/fd/8/$t" "/tmp/$t"; }; then
		echo "hostlog.sh: can't keep /tmp/$t in the private /tmp" >&2
		exit 99
	fi
done <<EOF
$keep
EOF
exec 8<&-
sink=${LOGSINK:-$(dirname "$0")/logsink}
dir=$(mktemp -d "${TMPDIR:-/tmp}/pam_mfa_hostlog.XXXXXX") || exit 99
old=$dir/dev
lines=$dir/syslog
mkdir "$old"
: >"$lines"
: >"$dir/console"
# A tmpfs over /dev holding every entry of the host's, bound.
if ! { mount --rbind /dev "$old" && mount -t tmpfs -o mode=0755 tmpfs /dev; }
then
	echo "hostlog.sh: can't set up the private /dev" >&2
	exit 99
fi
for e in "$old"/* "$old"/.[!.]*; do
	n=${e##*/}
	if [ -L "$e" ]; then
		cp -P "$e" "/dev/$n"
	elif [ "$n" = log ] || [ "$n" = console ] || [ ! -e "$e" ]; then
		continue
	elif [ -d "$e" ]; then
		mkdir "/dev/$n" && mount --rbind "$e" "/dev/$n"
	else
		touch "/dev/$n" && mount --bind "$e" "/dev/$n"
	fi
done
touch /dev/console
mount --bind "$dir/console" /dev/console
"$sink" /dev/log "$lines" &
sinkpid=$!
i=0
probe="mfa-hostlog-probe-$$"
until [ -S /dev/log ] && logger -t "$probe" armed 2>/dev/null &&
    grep -q "$probe" "$lines"; do
	i=$((i + 1))
	if [ $i -gt 300 ]; then
		echo "hostlog.sh: the tripwire /dev/log did not start" >&2
		kill "$sinkpid" 2>/dev/null
		exit 99
	fi
	sleep 0.01
done
chmod 0666 /dev/log
rc=0
"$@" || rc=$?
# Let the last datagrams land, then stop the sink by PID.
sleep 0.05
kill "$sinkpid" 2>/dev/null
wait "$sinkpid" 2>/dev/null
if grep -v "$probe" "$lines" | grep -q . || [ -s "$dir/console" ]; then
	echo "FAIL: no line reaches the host's /dev/log or console; these did:"
	grep -v "$probe" "$lines" | head -20 | sed 's/^/  syslog: /'
	head -20 "$dir/console" | sed 's/^/  console: /'
	[ "$rc" -eq 0 ] && rc=1
fi
# Only rmdir past here: $old still shows the host's /dev.
umount /dev/console
rm -f "$dir/console" "$lines"
umount -R -l "$old" 2>/dev/null && rmdir "$old"
rmdir "$dir" 2>/dev/null
exit $rc
