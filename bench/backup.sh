#!/bin/sh
# backup.sh - how long wrong backup codes hold a single-threaded host,
# and what a flood of them does to another user's logins: a private
# radiusd started with -t (no threads: one request at a time, as ocserv's
# sec-mod serves every user from one process), as root so the module runs
# inside it, rlm_pam, and a stack of pam_mfa (one field: password then
# code) and pam_permit.  Users with 10 or 16 backup codes, hashed as
# earlier versions did (a salt per code) or as now (one salt).  Each
# round: N wrong backup codes, one at a time, for each of them (how long
# one hostile attempt holds the host, and radiusd's CPU time for them,
# from /proc); then N logins of a HOTP user, one
# after the other, alone and while C clients send wrong backup codes for
# one of those users as fast as they are answered.  Latencies are taken
# by the client; the cases take turns, R rounds, and the medians of the
# rounds' medians (and p90s) are printed.  The lockout is off (deny = 0),
# as a sprayer's one try per user meets it, and so is radiusd's
# reject_delay (the flood then runs at the module's pace).  In a private
# mount namespace (/etc/pam.d bound over); radiusd and every client are
# stopped by pid.  Reproduce with: make bench-backup (root; BENCH_N,
# BENCH_C, BENCH_R change N, C, R).
set -eu
N=${BENCH_N:-60}
C=${BENCH_C:-4}
R=${BENCH_R:-3}
BACKUPCPU=${BACKUPCPU:-./backupcpu}
if [ "${MFA_BB_NS:-}" != 1 ]; then
	MFA_BB_NS=1 exec unshare -m --propagation private -- /bin/sh "$0" "$@"
fi
work=$(mktemp -d /var/tmp/pam_mfa_bench.XXXXXX)
chmod 0755 "$work"
pid=""
apids=""
stop_all() {
	for p in $apids $pid; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	apids=""
	pid=""
}
trap 'stop_all; [ -n "${BENCH_KEEP:-}" ] || rm -rf "$work"' EXIT
sys=/etc/freeradius/3.0
raddb=$work/raddb
secret=bench-$$
mkdir -p "$raddb/mods-enabled" "$raddb/sites-enabled" "$raddb/run" \
    "$raddb/log" "$work/pam.d"
cp "$sys/radiusd.conf" "$sys/dictionary" "$raddb/"
cp -R "$sys/policy.d" "$raddb/"
# As root (no user/group switch), so pam_mfa runs inside radiusd.
sed -i -e "s|^raddbdir = .*|raddbdir = $raddb|" \
    -e "s|^logdir = .*|logdir = $raddb/log|" \
    -e "s|^run_dir = .*|run_dir = $raddb/run|" \
    -e 's|^proxy_requests *=.*|proxy_requests = no|' \
    -e '/^\$INCLUDE proxy.conf/d' \
    -e '/^[[:space:]]*user = freerad/d' -e '/^[[:space:]]*group = freerad/d' \
    -e 's/^\([[:space:]]*reject_delay = \).*/\10/' \
    "$raddb/radiusd.conf"
printf 'client b {\n\tipaddr = 127.0.0.1\n\tsecret = %s\n}\n' "$secret" \
    >"$raddb/clients.conf"
printf 'pam {\n\tpam_auth = mfa\n}\n' >"$raddb/mods-enabled/pam"
conf=$work/mfa.conf
cat >"$conf" <<EOF
state_dir = "$work/state";
key_file = "$work/mfa.key";
user_lookup = "exact";
deny = 0;
EOF
chmod 0644 "$conf"
printf 'auth requisite %s conf=%s onefield\nauth required pam_permit.so\n' \
    "$MODULE" "$conf" >"$work/pam.d/mfa"
echo 'account required pam_permit.so' >>"$work/pam.d/mfa"
mount --bind "$work/pam.d" /etc/pam.d
port=$((20000 + $$ % 30000))
cat >"$raddb/sites-enabled/b" <<EOS
server b {
	listen {
		type = auth
		ipaddr = 127.0.0.1
		port = $port
	}
	authorize {
		update control {
			&Auth-Type := PAM
		}
	}
	authenticate {
		Auth-Type PAM {
			pam
		}
	}
}
EOS

# The client: PAP Access-Requests for USER, one at a time.  "time FILE":
# one per password in FILE, printing each one's latency in microseconds
# and the reply's code; "flood PASSWORD": the same password until killed.
cat >"$work/pap.pl" <<'EOP'
use strict;
use IO::Socket::INET;
use Digest::MD5 qw(md5);
use Time::HiRes qw(time);
my ($port, $secret, $user, $mode, $arg) = @ARGV;
my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port",
    Proto => 'udp') or die "socket: $!";
my $id = 0;
sub request {
	my ($pw) = @_;
	my $ra = pack('N4', map { int(rand(2**32)) } 1 .. 4);
	my $p = $pw . ("\0" x ((16 - length($pw) % 16) % 16));
	my ($hidden, $prev) = ('', $ra);
	for (my $i = 0; $i < length($p); $i += 16) {
		my $c = substr($p, $i, 16) ^ md5($secret . $prev);
		$hidden .= $c;
		$prev = $c;
	}
	my $attrs = pack('CC', 1, 2 + length($user)) . $user .
	    pack('CC', 2, 2 + length($hidden)) . $hidden;
	$id = ($id + 1) % 256;
	my $pkt = pack('CCn', 1, $id, 20 + length($attrs)) . $ra . $attrs;
	my $t0 = time;
	$s->send($pkt) or die "send: $!";
	my $buf;
	while (1) {
		my $rin = '';
		vec($rin, fileno($s), 1) = 1;
		select($rin, undef, undef, 30) or return (-1, 0);
		$s->recv($buf, 4096);
		last if unpack('C', substr($buf, 1, 1)) == $id;
	}
	return ((time - $t0) * 1e6, unpack('C', $buf));
}
if ($mode eq 'time') {
	open(my $f, '<', $arg) or die "$arg: $!";
	$| = 1;
	while (my $pw = <$f>) {
		chomp $pw;
		my ($us, $code) = request($pw);
		printf("%d %d\n", $us, $code);
	}
} else {
	request($arg) while 1;
}
EOP

# HOTP codes of RFC 4226's secret, from counter 0, behind the password.
oathtool -c 0 -w $((N * (5 * R + 1))) \
    3132333435363738393031323334353637383930 | sed 's/^/pw/' \
    >"$work/codes"
"$BACKUPCPU" enroll "$conf" val 0 one >/dev/null
for f in per-code one; do
	for n in 10 16; do
		"$BACKUPCPU" enroll "$conf" "u$f$n" "$n" "$f" >"$work/c.$f$n"
	done
done
chmod 0644 "$conf"

freeradius -f -t -d "$raddb" -l "$work/radius.log" >/dev/null 2>&1 &
pid=$!
i=0
until echo 'Message-Authenticator = 0x00' | radclient -r 1 -t 1 \
    "127.0.0.1:$port" status "$secret" >/dev/null 2>&1; do
	i=$((i + 1))
	[ $i -lt 100 ] || { echo "radiusd did not start"; exit 1; }
	sleep 0.1
done
used=0
# ticks: radiusd's CPU time so far (user and system), in clock ticks.
hz=$(getconf CLK_TCK)
ticks() {
	awk '{ print $14 + $15 }' "/proc/$pid/stat"
}
# hold NAME USER: N wrong backup codes for USER, one at a time, nothing
# else running: how long each holds the host.
hold() {
	j=0
	: >"$work/w"
	while [ $j -lt "$N" ]; do
		echo pw98765-43210 >>"$work/w"
		j=$((j + 1))
	done
	c0=$(ticks)
	perl "$work/pap.pl" "$port" "$secret" "$2" time "$work/w" >"$work/out"
	c1=$(ticks)
	echo "$1 $(( (c1 - c0) * 1000000 / hz / N ))" >>"$work/cpu"
	med=$(awk '{ print $1 }' "$work/out" | sort -n |
	    awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
	p90=$(awk '{ print $1 }' "$work/out" | sort -n |
	    awk '{ v[NR] = $1 } END { print v[int(NR * 0.9)] }')
	echo "$1 $med $p90 $(awk '$2 == 3' "$work/out" | wc -l)" \
	    >>"$work/results"
}
# run NAME [USER]: N logins of val, with C clients flooding USER's
# account with a wrong backup code if USER is given; medians kept.
run() {
	sed -n "$((used + 1)),$((used + N))p" "$work/codes" >"$work/mine"
	used=$((used + N))
	if [ -n "${2:-}" ]; then
		j=0
		while [ $j -lt "$C" ]; do
			perl "$work/pap.pl" "$port" "$secret" "$2" flood \
			    "pw98765-43210" &
			apids="$apids $!"
			j=$((j + 1))
		done
		sleep 0.5
	fi
	perl "$work/pap.pl" "$port" "$secret" val time "$work/mine" \
	    >"$work/out"
	for p in $apids; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	apids=""
	ok=$(awk '$2 == 2' "$work/out" | wc -l)
	med=$(awk '{ print $1 }' "$work/out" | sort -n |
	    awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
	p90=$(awk '{ print $1 }' "$work/out" | sort -n |
	    awk '{ v[NR] = $1 } END { print v[int(NR * 0.9)] }')
	echo "$1 $med $p90 $ok" >>"$work/results"
	sleep 0.5
}
echo "machine: $(nproc) cores, $(uname -r), load $(cut -d' ' -f1-3 \
    /proc/loadavg); radiusd -t as root; N=$N logins, C=$C flooding clients"
r=0
while [ $r -lt "$R" ]; do
	run alone
	for n in 10 16; do
		hold "hold-per-code$n" "uper-code$n"
		hold "hold-one$n" "uone$n"
		run "per-code$n" "uper-code$n"
		run "one$n" "uone$n"
	done
	r=$((r + 1))
done
stop_all
# median FILE: the middle of the numbers in FILE.
median() {
	sort -n "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
printf '%-34s %10s %10s %9s\n' "" "median us" "p90 us" "answered"
for k in hold-per-code10 hold-one10 hold-per-code16 hold-one16 alone \
    per-code10 one10 per-code16 one16; do
	case $k in
	hold-per-code*) what="wrong code, ${k#hold-per-code} codes, a salt each" ;;
	hold-one*) what="wrong code, ${k#hold-one} codes, one salt" ;;
	alone) what="val's login, alone" ;;
	per-code*) what="val's, flood: ${k#per-code} codes, salt each" ;;
	one*) what="val's, flood: ${k#one} codes, one salt" ;;
	esac
	awk -v k="$k" '$1 == k { print $2 }' "$work/results" >"$work/m"
	awk -v k="$k" '$1 == k { print $3 }' "$work/results" >"$work/p"
	a=$(awk -v k="$k" '$1 == k { a += $4; n++ } END { print a "/" n * '"$N"' }' \
	    "$work/results")
	printf '%-34s %10s %10s %9s\n' "$what" "$(median "$work/m")" \
	    "$(median "$work/p")" "$a"
done
echo "radiusd's CPU time per wrong backup code (median of the rounds):"
for k in per-code10 one10 per-code16 one16; do
	awk -v k="hold-$k" '$1 == k { print $2 }' "$work/cpu" >"$work/m"
	printf '  %-32s %10s us\n' "$k" "$(median "$work/m")"
done
