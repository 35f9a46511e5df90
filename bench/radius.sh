#!/bin/sh
# radius.sh - FreeRADIUS's own cost per request on this machine, to set
# pam_mfa_helper's against (README, Performance): radclient sends N PAP
# requests one after the other to a private radiusd (as in
# tests/e2e_radius.sh) that accepts them (a) by unlang alone and (b)
# through rlm_pam with a PAM stack of pam_permit alone; the wall time per
# request of each.  In a private mount namespace (/etc/pam.d bound over);
# radiusd stopped by its pid.  Reproduce with: make bench-radius (root).
set -eu
N=${BENCH_N:-2000}
if [ "${MFA_BR_NS:-}" != 1 ]; then
	MFA_BR_NS=1 exec unshare -m --propagation private -- /bin/sh "$0" "$@"
fi
work=$(mktemp -d /var/tmp/pam_mfa_bench.XXXXXX)
chmod 0755 "$work"
pid=""
trap '[ -z "$pid" ] || kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
sys=/etc/freeradius/3.0
raddb=$work/raddb
secret=bench-$$
mkdir -p "$raddb/mods-enabled" "$raddb/sites-enabled" "$raddb/run" \
    "$raddb/log" "$work/pam.d"
cp "$sys/radiusd.conf" "$sys/dictionary" "$raddb/"
cp -R "$sys/policy.d" "$raddb/"
sed -i -e "s|^raddbdir = .*|raddbdir = $raddb|" \
    -e "s|^logdir = .*|logdir = $raddb/log|" \
    -e "s|^run_dir = .*|run_dir = $raddb/run|" \
    -e 's|^proxy_requests *=.*|proxy_requests = no|' \
    -e '/^\$INCLUDE proxy.conf/d' "$raddb/radiusd.conf"
printf 'client b {\n\tipaddr = 127.0.0.1\n\tsecret = %s\n}\n' "$secret" \
    >"$raddb/clients.conf"
printf 'pam {\n\tpam_auth = floor\n}\n' >"$raddb/mods-enabled/pam"
echo 'auth required pam_permit.so' >"$work/pam.d/floor"
echo 'account required pam_permit.so' >>"$work/pam.d/floor"
mount --bind "$work/pam.d" /etc/pam.d
chown -R freerad "$raddb/run" "$raddb/log"
chmod -R a+rX "$raddb"
port=$((20000 + $$ % 30000))
# measure NAME AUTHTYPE: seconds per request, radiusd accepting by it.
measure() {
	cat >"$raddb/sites-enabled/b" <<EOS
server b {
	listen {
		type = auth
		ipaddr = 127.0.0.1
		port = $port
	}
	authorize {
		update control {
			&Auth-Type := $2
		}
	}
	authenticate {
		Auth-Type PAM {
			pam
		}
	}
}
EOS
	freeradius -f -d "$raddb" -l "$work/radius.log" >/dev/null 2>&1 &
	pid=$!
	i=0
	until echo 'Message-Authenticator = 0x00' | radclient -r 1 -t 1 \
	    "127.0.0.1:$port" status "$secret" >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -lt 100 ] || { echo "radiusd did not start"; exit 1; }
		sleep 0.1
	done
	printf 'User-Name = "alice"\nUser-Password = "x"\n' >"$work/req"
	t0=$(date +%s%N)
	n=$(radclient -c "$N" -p 1 -r 1 -t 4 -f "$work/req" \
	    "127.0.0.1:$port" auth "$secret" | grep -c 'Access-Accept')
	t1=$(date +%s%N)
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	pid=""
	echo "$1: $n of $N accepted, $(( (t1 - t0) / N / 1000 )) us per request"
}
echo "machine: $(nproc) cores, $(uname -r); radiusd as freerad"
measure "FreeRADIUS alone (unlang accept)" Accept
measure "FreeRADIUS + rlm_pam (pam_permit)" PAM
