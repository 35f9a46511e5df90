#!/bin/sh
# helper.sh - what a login through pam_mfa_helper costs over the same
# login as root: the bench driver runs the mfa paths (valid, wrong,
# locked; HOTP, K users) once as root, where the module opens the store
# itself, and once as an unprivileged member of the helper group, where
# it runs the setuid helper (posix_spawn, exec, config, store) for each
# store operation.  In a private mount namespace: the built helper at its
# compiled-in path and the fixtures' configs in its config directory, as
# tests/helperns.sh makes them; a throwaway user in copies of /etc/passwd
# and /etc/group.  Reproduce with: make bench-helper (as root).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
: "${MODULE:?}" "${MFA_HELPER:?}" "${MFA_HELPER_PATH:?}" "${MFA_CONF_DIR:?}"
: "${MFA_HELPER_GROUP:?}"
K=${BENCH_K:-1000}
N=${BENCH_N:-1000}
if [ "${MFA_BH_NS:-}" != 1 ]; then
	MFA_BH_NS=1 exec unshare -m --propagation private -- /bin/sh "$0" "$@"
fi
work=$(mktemp -d /var/tmp/pam_mfa_bench.XXXXXX)
chmod 0755 "$work"
trap 'rm -rf "$work"' EXIT
. "$here/../tests/helperns.sh"
u=mfbh$$
cp /etc/passwd "$work/passwd"
echo "$u:x:64999:64999:bench:/nonexistent:/usr/sbin/nologin" \
    >>"$work/passwd"
hns_group "$work/group" "$u"
echo "$u:x:64999:" >>"$work/group"
chmod 0644 "$work/passwd" "$work/group"
mount --bind "$work/passwd" /etc/passwd
mount --bind "$work/group" /etc/group
hns_setup
# fixtures DIR: populate's, its configs reached through the directory.
fixtures() {
	./populate "$1" "$K" "$MODULE"
	chmod 0755 "$1" "$1/mfa"
	sed -i "s|conf=$1/mfa/|conf=$CONFDIR/|" "$1/svc/"*
}
echo "machine: $(nproc) cores, $(uname -r); K=$K, N=$N logins per path"
fixtures "$work/root"
mount --bind "$work/root/mfa" "$CONFDIR"
for r in 1 2 3; do
	./driver "$work/root/svc" "$K" "$N" 1 | sed 's/^/root /'
done >"$work/raw"
umount "$CONFDIR"
fixtures "$work/helper"
mount --bind "$work/helper/mfa" "$CONFDIR"
# The services in a directory of $u's, where the driver keeps its
# counters file.
mkdir -m 0755 "$work/u"
cp -R "$work/helper/svc" "$work/u/svc"
chown -R "$u" "$work/u"
for r in 1 2 3; do
	setpriv --reuid="$u" --regid="$u" --init-groups \
	    ./driver "$work/u/svc" "$K" "$N" 1 | sed 's/^/helper /'
done >>"$work/raw"
awk '
$2 ~ /^(floor|mfa_valid|mfa_valid_os|mfa_wrong|mfa_wrong_os|mfa_locked)$/ {
	k = $1 " " $2; n[k]++; v[k, n[k]] = $7; ok[k] = $10; names[$2] = 1 }
function med(k,   a, b, c, t) {
	a = v[k, 1] + 0; b = v[k, 2] + 0; c = v[k, 3] + 0
	if (a > b) { t = a; a = b; b = t }
	if (b > c) { t = b; b = c; c = t }
	if (a > b) { t = a; a = b; b = t }
	return b
}
END {
	printf "%-14s %12s %12s %10s  %s\n", "path", "root p50 us", \
	    "helper p50", "extra us", "accepted (root / helper)"
	split("floor mfa_valid mfa_valid_os mfa_wrong mfa_wrong_os mfa_locked", o, " ")
	for (i = 1; i <= 6; i++) {
		r = med("root " o[i]); h = med("helper " o[i])
		printf "%-14s %12.1f %12.1f %10.1f  %s / %s\n", o[i], r, h, \
		    h - r, ok["root " o[i]], ok["helper " o[i]]
	}
}' "$work/raw"
