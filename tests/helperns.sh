# helperns.sh - sourced by the tests that run the module as a user other
# than root, in a private mount namespace: the built pam_mfa_helper put at
# its compiled-in path (root-owned, 4750, the helper group) and the
# helper's config directory made, each on a tmpfs over that directory or
# its nearest existing parent (nothing on the real file system changes);
# the helper group given members in a copy of /etc/group.
: "${MFA_HELPER_PATH:?run through make check}"
HELPER=$MFA_HELPER_PATH
CONFDIR=$MFA_CONF_DIR
G=$MFA_HELPER_GROUP
hns_covered=""
# hns_cover DIR: DIR made on a tmpfs over itself or its nearest existing
# parent (a tmpfs this test made is written into, not covered again).
hns_cover() {
	top=$1
	while [ ! -d "$top" ]; do
		top=$(dirname "$top")
	done
	for c in $hns_covered; do
		case $top/ in "$c"/*) mkdir -p "$1"; chmod 0755 "$1"; return 0 ;;
		esac
	done
	case $top in /|/usr|/etc|/tmp|/var|/usr/lib|/lib|/bin|/sbin|/usr/bin)
		echo "FAIL: won't cover $top for $1"; exit 1 ;;
	esac
	# make distcheck installs under its build tree: a tmpfs over an
	# ancestor of that tree would hide the tests themselves.  The helper
	# is tested by make check, at its real path.
	case ${MFA_BUILDDIR:?}/ in "$top"/*)
		echo "SKIP: the helper's path is inside the build tree" \
		    "($top): make check tests it at its installed path"
		exit 77 ;;
	esac
	if [ "$(readlink /proc/self/ns/mnt)" = "$(readlink /proc/1/ns/mnt)" ]
	then
		echo "FAIL: not in a private mount namespace"
		exit 1
	fi
	mount -t tmpfs -o mode=0755 tmpfs "$top" ||
	    { echo "FAIL: can't mount a tmpfs over $top"; exit 1; }
	hns_covered="$hns_covered $top"
	mkdir -p "$1"
	chmod 0755 "$1"
}
# hns_install_helper [MODE [GROUP]]: the built helper at its path.
hns_install_helper() {
	rm -f "$HELPER"
	cp "$MFA_HELPER" "$HELPER"
	chown "root:${2:-$G}" "$HELPER"
	chmod "${1:-4750}" "$HELPER"
}
# hns_group FILE USER...: FILE, a copy of /etc/group in which the USERs
# are members of the helper group (added with a free gid if missing).
hns_group() {
	f=$1
	shift
	cp /etc/group "$f"
	chmod 0644 "$f"
	if ! grep -q "^$G:" "$f"; then
		gid=$(cut -d: -f3 "$f" | sort -n | awk '$1 >= 64000 &&
		    $1 < 65000 { last = $1 } END { print last + 0 }')
		[ "$gid" -ge 64000 ] || gid=64000
		echo "$G:x:$((gid + 1)):" >>"$f"
	fi
	for u in "$@"; do
		sed -i -e "s/^\($G:[^:]*:[0-9]*:\)\$/\1$u/" \
		    -e "t" -e "s/^\($G:[^:]*:[0-9]*:.*\)\$/\1,$u/" "$f"
	done
}
# hns_setup: the helper installed and the config directory made.
hns_setup() {
	hns_cover "$(dirname "$HELPER")"
	hns_cover "$CONFDIR"
	hns_install_helper
	if findmnt -n -o OPTIONS -T "$HELPER" | tr ',' '\n' | grep -qx nosuid
	then
		echo "FAIL: $HELPER is on a nosuid file system"
		exit 1
	fi
}
