#!/bin/sh
# SPDX-License-Identifier: ISC
# tests/cli.sh BINARY: the command line -- usage, version, bad values (exit
# 2), malformed -o origins and a 17th one (exit 2, a line naming the value,
# the usage), an address in use (exit 1), -p 0, IPv6 and the -o lists that
# start -- and a clean exit 0 on SIGTERM and SIGINT.
# shellcheck disable=SC2015 # ok never fails: "A && ok || bad" is if-then-else
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh
bin=$1
p=0
f=0
ok() { p=$((p + 1)); }
bad() { f=$((f + 1)); echo "FAIL: $*"; }

# reap PID TRIES SIGNAL: waits TRIES x 0.05 s at most for PID to exit,
# then sends it SIGNAL; got is its exit status.
reap() {
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt "$2" ]; do sleep 0.05; i=$((i + 1)); done
	kill "-$3" "$1" 2>/dev/null
	wait "$1"
	got=$?
}

# expect_exit STATUS CMD...: runs CMD (5 s at most) and checks its status.
expect_exit() {
	want=$1
	shift
	"$@" >/dev/null 2>&1 &
	reap $! 100 KILL
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

# expect_usage LINE CMD...: runs CMD (5 s at most); it must exit 2 with
# LINE as the first line of its stderr and the usage after it.
expect_usage() {
	want=$1
	shift
	err=$(mktemp)
	"$@" >/dev/null 2>"$err" &
	reap $! 100 KILL
	first=$(head -n 1 "$err")
	if [ "$got" -ne 2 ]; then
		bad "'$*' exited $got, expected 2"
	elif [ "$first" != "$want" ]; then
		bad "'$*': first line on stderr \"$first\", expected \"$want\""
	elif ! sed -n 2p "$err" | grep -q '^usage: letterd'; then
		bad "'$*': no usage after \"$first\""
	else
		ok
	fi
	rm -f "$err"
}

# -o: an origin is http[s]://HOST[:PORT] and nothing else, or * exactly.
"$bin" -h | grep -q -e '-o origin' && ok || bad "-h does not list -o"
not_origin='not an origin, scheme://HOST[:PORT], or *'
long=$(printf '%0250d' 0 | tr 0 a)          # "http://" + it: 257 bytes
for v in example.com ftp://x http://x/ http://x:0 null "" http://x:65536 \
    http://x:080 http://x: 'http://*' '**' ' *' '* ' HTTP://x/path \
    http://u@x http://x%41 ws://x https:// 'http://[::1' 'http://x y' \
    http://a_b 'http://[fe80::1%25eth0]' http://x.example?q \
    "http://$long"; do
	expect_usage "letterd: -o $v: $not_origin" "$bin" -o "$v"
done
# 16 origins are the most; '*' does not count, the same one twice does
set --
for n in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do
	set -- "$@" -o "http://h$n.example"
done
expect_usage "letterd: -o http://h17.example: more than 16 origins" \
    "$bin" "$@" -o http://h17.example
expect_usage "letterd: -o http://x/: $not_origin" "$bin" "$@" -o http://x/
expect_usage "letterd: -o https://a.example: more than 16 origins" "$bin" \
    -o https://a.example -o https://a.example -o https://a.example \
    -o https://a.example -o https://a.example -o https://a.example \
    -o https://a.example -o https://a.example -o https://a.example \
    -o https://a.example -o https://a.example -o https://a.example \
    -o https://a.example -o https://a.example -o https://a.example \
    -o https://a.example -o https://a.example
# ... and these start
starts() {
	if start_server "$bin" "$@"; then
		ok
		stop_server TERM
		[ "$SERVER_STATUS" -eq 0 ] && ok || bad "'$*': SIGTERM exit status $SERVER_STATUS"
	else
		bad "'$*' did not start"
		stop_server KILL
	fi
}
starts -o '*'
starts "$@"
starts "$@" -o '*'
starts -o '*' "$@"
starts -o HTTP://Example.COM:80 -o 'https://[::1]:8443' -o http://127.0.0.1:8000
starts -o "http://$(printf '%0249d' 0 | tr 0 a)"
set --

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
# Out of descriptors at start: under every limit from 4 to 12 letterd
# either starts or exits 1 with a line that says why; none is taken for
# "out of memory", and none is silent.  The feed's path holds a stale
# socket (a letterd killed with SIGKILL leaves one), which letterd probes
# with a socket of its own before it replaces it.  Only a binary run
# directly is tried: through a wrapper (tests/cross.sh's qemu-user) the
# limit would count the emulator's descriptors too.
dir=$(mktemp -d)
limits="4 5 6 7 8 9 10 11 12"
if ! head -c 4 "$bin" | grep -q ELF; then
	echo "descriptor limits: not tried, $bin is a script, not the binary"
	limits=""
fi
for n in $limits; do
	if [ ! -S "$dir/f.sock" ]; then
		start_server "$bin" -s "$dir/f.sock" && stop_server KILL
	fi
	[ -S "$dir/f.sock" ] || bad "no stale socket at $dir/f.sock"
	# shellcheck disable=SC3045 # dash, bash and BusyBox ash have ulimit -n
	(ulimit -n "$n" && exec "$bin" -p 0 -s "$dir/f.sock") \
	    </dev/null >"$dir/out" 2>"$dir/err" &
	reap $! 20 TERM         # one that started gets 1 s, then SIGTERM
	rc=$got
	if grep -q 'out of memory' "$dir/err"; then
		bad "ulimit -n $n: '$(cat "$dir/err")'"
	elif [ $rc -eq 0 ]; then
		ok      # it started, and SIGTERM ended it
	elif [ $rc -eq 1 ] && grep -q '^letterd: ..*' "$dir/err"; then
		ok
	else
		bad "ulimit -n $n: exit $rc with '$(cat "$dir/err")'"
	fi
done
rm -rf "$dir"

echo "$p passed, $f failed"
[ $f -eq 0 ]
