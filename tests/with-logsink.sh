#!/bin/sh
# with-logsink.sh LOGFILE CMD [ARGS...] - run CMD in a private mount
# namespace whose /dev/log is a test syslog socket appending to LOGFILE,
# so tests check the lines operators' syslog would receive.  The host's
# /dev is untouched.
set -eu
if [ "${MFA_IN_LOGNS:-}" != 1 ]; then
	MFA_IN_LOGNS=1 exec unshare -m --propagation private -- "$0" "$@"
fi
unset MFA_IN_LOGNS
log=$1
shift
sink=${LOGSINK:-$(dirname "$0")/logsink}
old=$(mktemp -d)
# A tmpfs over /dev holding the devices tests need and our own /dev/log.
mount --rbind /dev "$old"
mount -t tmpfs -o mode=0755 tmpfs /dev
for d in null zero full random urandom tty ptmx; do
	if [ -e "$old/$d" ]; then
		touch "/dev/$d"
		mount --bind "$old/$d" "/dev/$d"
	fi
done
mkdir /dev/pts /dev/shm
mount --rbind "$old/pts" /dev/pts 2>/dev/null || true
mount -t tmpfs tmpfs /dev/shm
ln -s /proc/self/fd /dev/fd
ln -s /proc/self/fd/0 /dev/stdin
ln -s /proc/self/fd/1 /dev/stdout
ln -s /proc/self/fd/2 /dev/stderr
: >"$log"
"$sink" /dev/log "$log" &
sinkpid=$!
i=0
while [ ! -S /dev/log ]; do
	i=$((i + 1))
	if [ $i -gt 200 ]; then
		echo "with-logsink: sink did not start" >&2
		kill "$sinkpid" 2>/dev/null || true
		exit 99
	fi
	sleep 0.01
done
# As a system's syslog has it: setuid programs log after lowering their
# uid (pam-mfa's self-service).
chmod 0666 /dev/log
rc=0
"$@" || rc=$?
# Let the last datagrams land, then stop the sink by PID.
sleep 0.05
kill "$sinkpid" 2>/dev/null || true
wait "$sinkpid" 2>/dev/null || true
exit $rc
