#!/bin/sh
# SPDX-License-Identifier: ISC
# tests/nginx.sh BINARY - the scaling example of docs/scaling.md, run:
# Debian's nginx on loopback balancing / and /ws over two relays of one
# origin, and 200 clients through it that must all see the origin's values.
# The relays keep the default Origin policy: a browser-style client with
# Origin http://127.0.0.1:NGINXPORT (nginx's own address) gets values
# through nginx, a foreign Origin gets 403 (tests/otest.c, proxied).
#
#   origin (-i 100) <- relay A <-+
#                   <- relay B <-+- nginx (round robin, WebSocket upgrade) <- 200 clients
#
# nginx runs with its own configuration, prefix and temp paths in a temp
# directory, in the foreground (daemon off), and is stopped by its PID like
# everything else here.  Without /usr/sbin/nginx: "SKIP: nginx missing".
# The last line is "N passed, M failed"; the exit status is non-zero on failure.
# shellcheck disable=SC2154 # NAME_port, NAME_pid, st: set by eval (tests/servers.sh)
set -u
BIN=${1:?usage: tests/nginx.sh BINARY}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
cd "$(dirname "$0")/.." || exit 1
NGINX=/usr/sbin/nginx
if [ ! -x "$NGINX" ]; then
	echo "SKIP: nginx missing (apt-get install nginx)"
	echo "0 passed, 0 failed"
	exit 0
fi

T=$(mktemp -d)
chmod 755 "$T"                  # nginx's workers may run as nobody
RT=$T/rtest
OT=$T/otest
. tests/servers.sh

rt() {
	name=$1
	shift
	"$RT" "$@" >"$T/rt.log" 2>&1
	tally "$name" "$T/rt.log" $?
}

finish() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit $?
}

echo "nginx in front of two relays: $BIN, $NGINX"
for t in rtest otest; do
	if ! cc -std=c99 -Wall -Wextra -pedantic -O2 -D_XOPEN_SOURCE=700 -I. -Itests \
	    -o "$T/$t" "tests/$t.c" tests/wsc.c sha1.c base64.c 2>"$T/cc.log" || grep -q warning "$T/cc.log"; then
		cat "$T/cc.log"
		fail "building tests/$t.c"
		finish
	fi
done

start origin "$BIN" -p 0 -i 100 -M || finish
O=$origin_port
start relayA "$BIN" -p 0 -M -u "ws://127.0.0.1:$O/ws" || finish
start relayB "$BIN" -p 0 -M -u "ws://127.0.0.1:$O/ws" || finish
A=$relayA_port
B=$relayB_port

# The configuration: everything under $T, nothing from /etc/nginx.
# map: "Connection: upgrade" when the client asked for an upgrade, else
# "close" (nginx's documented WebSocket proxying recipe).
# Host $http_host: the Host the browser sent, port included, which the
# relays' Origin policy compares with the page's origin ($host drops the
# port; nginx's default is the upstream's own address).
# proxy_read_timeout: a relay may be quiet for a long time (a tick of
# minutes, an upstream away); nginx would close a tunnel idle for 60 s.
write_conf() {
	mkdir -p "$T/logs" "$T/tmp"
	cat >"$T/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes 1;
pid $T/nginx.pid;
error_log $T/logs/error.log warn;

events {
	worker_connections 4096;
}

http {
	access_log off;
	client_body_temp_path $T/tmp/body;
	proxy_temp_path $T/tmp/proxy;
	fastcgi_temp_path $T/tmp/fastcgi;
	uwsgi_temp_path $T/tmp/uwsgi;
	scgi_temp_path $T/tmp/scgi;

	upstream letterd_relays {
		server 127.0.0.1:$A;
		server 127.0.0.1:$B;
	}

	map \$http_upgrade \$connection_upgrade {
		default upgrade;
		''      close;
	}

	server {
		listen 127.0.0.1:$1;

		location / {
			proxy_pass http://letterd_relays;
			proxy_http_version 1.1;
			proxy_set_header Upgrade \$http_upgrade;
			proxy_set_header Connection \$connection_upgrade;
			proxy_set_header Host \$http_host;
			proxy_read_timeout 1h;
		}

		location /ws {
			proxy_pass http://letterd_relays;
			proxy_http_version 1.1;
			proxy_set_header Upgrade \$http_upgrade;
			proxy_set_header Connection \$connection_upgrade;
			proxy_set_header Host \$http_host;
			proxy_read_timeout 1h;
		}
	}
}
EOF
}

# A free port for nginx: one letterd picks it (-p 0) and gives it back.
# Another program may take it in between, so nginx gets three tries.
N=
for _ in 1 2 3; do
	start spare "$BIN" -p 0 || finish
	port=$spare_port
	stop spare
	write_conf "$port"
	"$NGINX" -p "$T" -c "$T/nginx.conf" >"$T/nginx.out" 2>"$T/nginx.err" &
	nginx_pid=$!
	PIDS="$PIDS $nginx_pid"
	i=0
	while [ $i -lt 50 ] && kill -0 "$nginx_pid" 2>/dev/null; do
		if "$RT" http -p "$port" -P / -s 200 >/dev/null 2>&1; then
			N=$port
			break
		fi
		sleep 0.1
		i=$((i + 1))
	done
	[ -n "$N" ] && break
	stop nginx
done
if [ -z "$N" ]; then
	fail "nginx did not start"
	cat "$T/nginx.err" "$T/logs/error.log" 2>/dev/null | head -20
	finish
fi
pass "nginx (pid $nginx_pid) listens on 127.0.0.1:$N, balancing over relays on $A and $B"

rt "the page through nginx" http -p "$N" -P / -s 200 -x "</html>"
rt "200 clients through nginx" chain -o "$O" -r "$N" -n 200 -t 2000 -i 100 \
    -M "$O:2-2" -M "$A:50-150" -M "$B:50-150" -U
# A browser on the page nginx serves: Host 127.0.0.1:N and Origin
# http://127.0.0.1:N.  The relays keep the default Origin policy, so this
# works only because nginx passes the Host on as the browser sent it.
"$OT" "$N" proxied >"$T/ot.log" 2>&1
tally "pages of nginx's address through nginx, a foreign one refused" "$T/ot.log" $?
# The relays' own handshakes carry no Origin: the origin refused none.
rt "the origin refused no upgrade" http -p "$O" -P /metrics -s 200 \
    -x "letterd_origin_refused_total 0"

stop nginx QUIT
check "nginx stopped gracefully (SIGQUIT, exit ${nginx_status:-?})" [ "${nginx_status:-1}" -eq 0 ]
check "no error in nginx's error log" sh -c "! grep -q -e '\\[error\\]' -e '\\[crit\\]' -e '\\[alert\\]' -e '\\[emerg\\]' '$T/logs/error.log'"
for s in relayA relayB origin; do
	stop $s
	eval "st=\${${s}_status:-1}"
	check "$s exits 0 on SIGTERM" [ "$st" -eq 0 ]
done
finish
