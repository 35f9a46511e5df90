#!/bin/sh
# install-deps.sh [build|test|pkg|all] - install the Debian 12 packages
# needed to build pam_mfa, to test it, and to build and test its Debian
# packages (pkg; all is every set).  Does nothing when all are present.
set -eu
build="build-essential autoconf automake autoconf-archive libtool pkg-config
libpam0g-dev liboath-dev libssl-dev libconfig-dev libqrencode-dev libpng-dev
libpq-dev bash-completion"
test="libcmocka-dev libpam-wrapper libpamtest0-dev oathtool pamtester
util-linux valgrind mandoc openssl openvpn freeradius freeradius-utils
libpam-modules perl bsdutils iproute2 procps
clang libclang-rt-14-dev llvm-14 cppcheck clang-tidy
zbar-tools libgdk-pixbuf2.0-bin librsvg2-common libxml2-utils expect jq
libpam-google-authenticator libpam-oath passwd
postgresql"
# dpkg-buildpackage (dpkg-dev, in build-essential), dh and lintian; no
# devscripts: tests/e2e_deb.sh calls dpkg-buildpackage and lintian itself;
# git: tests/e2e_upgrade.sh builds the previous release from its tag.
pkg="debhelper dh-autoreconf fakeroot lintian adduser apt git"
# The peers the benchmark compares against.
bench="libpam-oath libpam-google-authenticator oathtool util-linux
freeradius freeradius-utils postgresql openssl"
case "${1:-all}" in
build) pkgs=$build ;;
test) pkgs="$build $test" ;;
pkg) pkgs="$build $pkg" ;;
all) pkgs="$build $test $pkg" ;;
bench) pkgs="$build $bench" ;;
*) echo "usage: $0 [build|test|pkg|all|bench]" >&2; exit 2 ;;
esac
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
	    missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages:$missing (run as root)" >&2
	exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
