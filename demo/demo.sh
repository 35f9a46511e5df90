#!/bin/sh
# demo.sh - the main job, end to end, on a fresh Debian 12 as root:
# install what is needed, build, then enroll a demo user in a private
# state directory (QR code, URI, the pending token activated by a code),
# log in through a real PAM stack (libpam loading pam_mfa.so, driven by
# pamtester) with a correct code, and show the same code refused as a
# replay, a wrong code, and a backup code accepted once.
# Nothing is written to /etc or the system's PAM module directory: the
# PAM service file lives in a private directory (pam_wrapper), and the
# syslog lines go to a private /dev/log (a mount namespace).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
step() { printf '\n==> %s\n' "$*"; }

if [ "${MFA_DEMO_WORK:-}" = "" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "demo: run as root (the store must be root-owned)" >&2
		exit 1
	fi
	cd "$top"
	step "Installing build and demo dependencies (Debian packages)"
	./scripts/install-deps.sh all
	step "Building"
	if [ ! -f Makefile ]; then
		autoreconf -fi >/dev/null 2>&1
		./configure -q
	fi
	make -s -j2 >/dev/null
	make -s -C tests logsink >/dev/null
	work=$(mktemp -d /tmp/pam_mfa_demo.XXXXXX)
	chmod 0755 "$work"
	trap 'rm -rf "$work"' EXIT
	export MFA_DEMO_WORK="$work" LOGSINK="$top/tests/logsink"
	"$top/tests/with-logsink.sh" "$work/syslog" "$0"
	step "What syslog (LOG_AUTHPRIV) received from pam_mfa"
	grep 'pam_mfa(' "$work/syslog" | sed 's/^<[0-9]*>//'
	exit 0
fi

work=$MFA_DEMO_WORK
module=$top/pam_mfa/.libs/pam_mfa.so
cli=$top/tools/pam-mfa
conf=$work/pam_mfa.conf
mkdir "$work/pam.d"
# The demo user is in no name service: exact names (user_lookup).
printf 'state_dir = "%s";\nkey_file = "%s";\nissuer = "Demo VPN";\nuser_lookup = "exact";\n' \
    "$work/state" "$work/pam_mfa.key" >"$conf"
chmod 0644 "$conf"
# The line an admin adds after the password module of a service with
# separate prompts (sshd, ocserv).  OpenVPN's clients type password and
# code in one field: its stack is conf/pam.d/openvpn, not this line.
echo "auth required $module conf=$conf" >"$work/pam.d/demo-vpn"
step "PAM service 'demo-vpn'"
cat "$work/pam.d/demo-vpn"

step "Enrolling user 'demo': pam-mfa enroll -q utf8 demo"
echo "(an authenticator app scans the QR code; here oathtool plays the phone"
echo " and types the code that activates the pending token)"
mkfifo "$work/answer"
"$cli" -c "$conf" enroll -q utf8 demo <"$work/answer" >"$work/enroll.out" &
enroll_pid=$!
exec 3>"$work/answer"
tries=0
until grep -q '^otpauth://' "$work/enroll.out"; do
	tries=$((tries + 1))
	if [ "$tries" -gt 100 ]; then
		kill "$enroll_pid"
		echo "demo: enroll printed no URI" >&2
		exit 1
	fi
	sleep 0.1
done
secret=$(sed -n 's/^otpauth:.*secret=\([A-Z2-7]*\).*/\1/p' "$work/enroll.out")
oathtool --totp -b "$secret" >&3
exec 3>&-
wait "$enroll_pid"
cat "$work/enroll.out"
backup=$(sed -n 's/^  \([0-9]\{5\}-[0-9]\{5\}\)$/\1/p' "$work/enroll.out" | head -n 1)

login() {	# login CODE: pam_start/pam_authenticate/pam_end via libpam
	echo "$1" | env LD_PRELOAD=libpam_wrapper.so PAM_WRAPPER=1 \
	    PAM_WRAPPER_USE_SYSLOG=1 PAM_WRAPPER_SERVICE_DIR="$work/pam.d" \
	    pamtester demo-vpn demo authenticate 2>&1 |
	    grep -v 'PWRAP\|no default config' |
	    sed 's/^Verification code: //' || true
}

# The activating code is spent: the app's next one (30 s on, inside the
# window of one step either side) logs in.
code=$(oathtool --totp -b "$secret" --now="@$(( $(date +%s) + 30 ))")
step "Login with the app's next code $code"
login "$code"
step "The same code again (a phished code, replayed)"
login "$code"
n=$(echo "$code" | sed 's/^0*//')
wrong=$(printf '%06d' $(( (${n:-0} + 123457) % 1000000 )))
step "A wrong code $wrong"
login "$wrong"
step "A backup code $backup (a lost phone), then the same one again"
login "$backup"
login "$backup"
step "pam-mfa status demo"
"$cli" -c "$conf" status demo
step "Revoking: pam-mfa revoke demo"
"$cli" -c "$conf" revoke demo
step "Login after revocation, with a fresh code"
login "$(oathtool --totp -b "$secret" --now="@$(( $(date +%s) - 30 ))")"
