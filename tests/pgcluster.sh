#!/bin/sh
# pgcluster.sh start DIR | stop DIR | kill DIR | sql DIR SQL | pid DIR |
#     standby PRIMARYDIR DIR | promote DIR | freeze DIR | thaw DIR
# A private PostgreSQL 15 cluster for the tests, run as the unprivileged
# postgres user from /usr/lib/postgresql/15/bin: data, sockets and a test
# CA in DIR (made here; mode 0755 so postgres can reach it), TCP only on
# 127.0.0.1 at a random port (retried), TLS with pg_hba "hostssl ... cert"
# only, the unix socket in a directory only postgres (and root) can enter.
# start: prints nothing; DIR/port holds the port.  Client certificates:
# DIR/certs/NAME.crt, NAME.key (root's, 0600) for gw1, gw2, gwro and
# mfaadmin;
# DIR/certs/ca.crt.  stop: fast shutdown, waited for (bounded); kill:
# SIGKILL the postmaster (a crash), then wait for it (bounded).
# standby: a streaming standby of PRIMARYDIR in DIR (pg_basebackup), made
# synchronous (synchronous_standby_names = '*' on the primary) once it
# streams; promote: make DIR's server the primary, waited for.
set -eu
bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
cmd=$1
dir=$2
data=$dir/data
sock=$dir/sock
asuser() { setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"; }

certs() {
	c=$dir/certs
	mkdir -p "$c"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$c/ca.key" -out "$c/ca.crt" -days 2 -subj "/CN=pam_mfa test CA" \
	    -addext basicConstraints=critical,CA:TRUE \
	    -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
	for n in server gw1 gw2 gwro mfaadmin; do
		if [ $n = server ]; then cn=localhost; ext="subjectAltName=IP:127.0.0.1,DNS:localhost"
		else cn=$n; ext="extendedKeyUsage=clientAuth"; fi
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		    -keyout "$c/$n.key" -out "$c/$n.csr" -subj "/CN=$cn" 2>/dev/null
		printf '%s\n' "$ext" >"$c/$n.ext"
		openssl x509 -req -in "$c/$n.csr" -CA "$c/ca.crt" -CAkey "$c/ca.key" \
		    -CAcreateserial -days 2 -extfile "$c/$n.ext" -out "$c/$n.crt" 2>/dev/null
		chmod 0600 "$c/$n.key"
	done
	chmod 0644 "$c"/*.crt
}

wait_gone() {	# wait_gone PID: up to 10 s
	i=0
	while kill -0 "$1" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 200 ] && return 1
		sleep 0.05
	done
	return 0
}

case $cmd in
start)
	if [ ! -d "$data" ]; then
		mkdir -p "$dir"
		chmod 0755 "$dir"
		certs
		mkdir -m 0700 "$sock" "$data" "$dir/log"
		chown postgres:postgres "$sock" "$data" "$dir/log"
		asuser "$bin/initdb" -D "$data" -U postgres -A trust \
		    --no-sync >/dev/null
		cp "$dir/certs/server.crt" "$dir/certs/server.key" \
		    "$dir/certs/ca.crt" "$data/"
		chown postgres:postgres "$data/server.crt" "$data/server.key" \
		    "$data/ca.crt"
		cat >"$data/pg_hba.conf" <<-HBA
		local all postgres trust
		local replication postgres trust
		hostssl all all 127.0.0.1/32 cert
		HBA
		cat >>"$data/postgresql.conf" <<-CONF
		listen_addresses = '127.0.0.1'
		unix_socket_directories = '$sock'
		ssl = on
		ssl_cert_file = 'server.crt'
		ssl_key_file = 'server.key'
		ssl_ca_file = 'ca.crt'
		fsync = off
		max_connections = 60
		shared_buffers = 16MB
		logging_collector = off
		log_min_messages = fatal
		CONF
		port=""
	else
		port=$(cat "$dir/port")
	fi
	tries=0
	while :; do
		[ -n "$port" ] || port=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 30000))
		if asuser "$bin/pg_ctl" -D "$data" -w -t 30 -l "$dir/log/server.log" \
		    -o "-p $port" start >/dev/null 2>&1; then
			echo "$port" >"$dir/port"
			exit 0
		fi
		tries=$((tries + 1))
		if [ $tries -ge 5 ] || [ -f "$dir/port" ]; then
			echo "pgcluster: could not start (see $dir/log/server.log)" >&2
			exit 1
		fi
		port=""
	done
	;;
stop)
	[ -f "$data/postmaster.pid" ] || exit 0
	sh "$0" thaw "$dir"
	pid=$(head -1 "$data/postmaster.pid")
	asuser "$bin/pg_ctl" -D "$data" -m fast -w -t 20 stop >/dev/null 2>&1 ||
	    kill -KILL "$pid" 2>/dev/null || true
	wait_gone "$pid"
	;;
kill)
	pid=$(head -1 "$data/postmaster.pid")
	kill -KILL "$pid"
	wait_gone "$pid"
	# The orphaned backends (their cwd is the data directory) end when
	# they notice; wait for them, bounded, before a restart.
	i=0
	while [ $i -lt 200 ]; do
		left=0
		for p in /proc/[0-9]*; do
			[ "$(readlink "$p/cwd" 2>/dev/null)" = "$data" ] && left=1
		done
		[ $left -eq 0 ] && break
		i=$((i + 1))
		sleep 0.05
	done
	;;
pid)
	head -1 "$data/postmaster.pid"
	;;
standby)
	pdir=$2
	dir=$3
	data=$dir/data
	sock=$dir/sock
	mkdir -p "$dir"
	chmod 0755 "$dir"
	mkdir -m 0700 "$sock" "$dir/log" "$data"
	chown postgres:postgres "$sock" "$dir/log" "$data"
	asuser "$bin/pg_basebackup" -D "$data" -h "$pdir/sock" \
	    -p "$(cat "$pdir/port")" -U postgres -R -X stream -c fast \
	    --no-sync
	cat >>"$data/postgresql.conf" <<-CONF
		unix_socket_directories = '$sock'
		CONF
	tries=0
	while :; do
		port=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 30000))
		if asuser "$bin/pg_ctl" -D "$data" -w -t 30 \
		    -l "$dir/log/server.log" -o "-p $port" start >/dev/null 2>&1
		then
			echo "$port" >"$dir/port"
			break
		fi
		tries=$((tries + 1))
		[ $tries -ge 5 ] && { echo "pgcluster: standby did not start" >&2; exit 1; }
	done
	i=0
	until [ "$(sh "$0" sql "$pdir" "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")" = 1 ]; do
		i=$((i + 1))
		[ $i -gt 200 ] && { echo "pgcluster: standby not streaming" >&2; exit 1; }
		sleep 0.05
	done
	sh "$0" sql "$pdir" "ALTER SYSTEM SET synchronous_standby_names = '*'"
	sh "$0" sql "$pdir" "SELECT pg_reload_conf()" >/dev/null
	i=0
	until [ "$(sh "$0" sql "$pdir" "SELECT sync_state FROM pg_stat_replication")" = sync ]; do
		i=$((i + 1))
		[ $i -gt 200 ] && { echo "pgcluster: standby not synchronous" >&2; exit 1; }
		sleep 0.05
	done
	;;
promote)
	asuser "$bin/pg_ctl" -D "$data" -w -t 30 promote >/dev/null
	;;
freeze|thaw)
	# SIGSTOP (SIGCONT) every process of the server (cwd: its data).
	sig=STOP
	[ "$cmd" = thaw ] && sig=CONT
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/cwd" 2>/dev/null)" = "$data" ] &&
		    kill -$sig "${p#/proc/}" 2>/dev/null
	done
	:
	;;
sql)
	shift 2
	"$bin/psql" -X -q -v ON_ERROR_STOP=1 -At -h "$sock" \
	    -p "$(cat "$dir/port")" -U postgres -d "${PGDB:-postgres}" -c "$*"
	;;
*)
	echo "usage: $0 start|stop|kill|pid|sql|promote DIR [SQL] | standby PDIR DIR" >&2
	exit 2
	;;
esac
