#!/bin/sh
# tests/cli.sh BINARY: the command line -- usage, version, bad values (exit
# 2), an address in use (exit 1), -p 0 and IPv6 -- and a clean exit 0 on
# SIGTERM and SIGINT.
# shellcheck disable=SC2015 # ok never fails: "A && ok || bad" is if-then-else
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh
bin=$1
p=0
f=0
ok() { p=$((p + 1)); }
bad() { f=$((f + 1)); echo "FAIL: $*"; }

# expect_exit STATUS CMD...: runs CMD (5 s at most) and checks its status.
expect_exit() {
	want=$1
	shift
	"$@" >/dev/null 2>&1 &
	pid=$!
	i=0
	while kill -0 $pid 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	kill -KILL $pid 2>/dev/null
	wait $pid
	got=$?
	[ "$got" -eq "$want" ] && ok || bad "'$*' exited $got, expected $want"
}

"$bin" -h | grep -q '^usage: letterd' && ok || bad "-h prints usage on stdout"
expect_exit 0 "$bin" -h
"$bin" -V | grep -q '^letterd [0-9]' && ok || bad "-V prints the version"
for args in "-x" "-p" "-p 70000" "-p -1" "-p abc" "-i 0" "-i 1x" "-k -1" \
    "-m 0" "-c -2" "-b 300.1.1.1" "-b example.com" "-r /nonexistent/dir" \
    "-r /etc/hostname" "extra"; do
	# shellcheck disable=SC2086
	expect_exit 2 "$bin" $args
	# shellcheck disable=SC2086
	"$bin" $args 2>&1 >/dev/null | grep -q 'usage:' && ok || bad "'$args': usage on stderr"
done

start_server "$bin" || { echo "$p passed, $((f + 1)) failed"; exit 1; }
case $PORT in ''|*[!0-9]*) bad "-p 0 printed no port";; 0) bad "-p 0 printed port 0";; *) ok;; esac
head -n 1 "$SERVER_OUT" | grep -q "^letterd listening on http://127.0.0.1:$PORT/$" &&
    ok || bad "listening line: $(head -n 1 "$SERVER_OUT")"
# The same port again: one line on stderr, exit 1.
"$bin" -p "$PORT" >/dev/null 2>"$SERVER_OUT.inuse" 
rc=$?
[ $rc -eq 1 ] && ok || bad "address in use exited $rc, expected 1"
[ "$(wc -l <"$SERVER_OUT.inuse")" -eq 1 ] && ok || bad "address in use: not one line"
rm -f "$SERVER_OUT.inuse"
stop_server TERM
[ "$SERVER_STATUS" -eq 0 ] && ok || bad "SIGTERM exit status $SERVER_STATUS"

start_server "$bin" -i 10 || exit 1
stop_server INT
[ "$SERVER_STATUS" -eq 0 ] && ok || bad "SIGINT exit status $SERVER_STATUS"

# IPv6 loopback, when this machine has it.
if [ -e /proc/net/if_inet6 ] || [ ! -e /proc ]; then
	if start_server "$bin" -b ::1; then
		head -n 1 "$SERVER_OUT" | grep -q "^letterd listening on http://\[::1\]:$PORT/$" &&
		    ok || bad "IPv6 listening line: $(head -n 1 "$SERVER_OUT")"
		stop_server
	else
		bad "-b ::1 did not start"
	fi
fi
echo "$p passed, $f failed"
[ $f -eq 0 ]
