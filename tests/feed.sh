#!/bin/sh
# SPDX-License-Identifier: ISC
# tests/feed.sh BINARY - feed mode (-s PATH, -s -) end to end.
#
#   1  socket mode: values of every form reach a subscriber byte for byte,
#      no value before the first is written (-i ignored), late subscribers,
#      blank and comment lines, every error reason with its line number
#      (tests/ftest.c basic)
#   2  the 256-byte line limit (ftest long)
#   3  64 writers; the 65th refused (ftest writers)
#   4  standard input: a fifo, a regular file, /dev/null -- errors and the
#      end of input logged, the last values served, exit 0 on SIGTERM
#   5  the socket file: a stale socket replaced, a live one, a file, a
#      directory or a symbolic link left alone (exit 1), removed on
#      SIGTERM and SIGINT, created under the umask; -s with -u, an empty
#      or too long path (exit 2)
#   6  a burst of 20,000 lines: a reader that keeps up gets every value, a
#      stalled one the last of each letter; VmRSS bounded (ftest burst);
#      then 200,000 longer ones, which fill the stalled reader's socket
#   7  a writer that floods bad lines and never reads (ftest flood)
#   8  a relay of a feed-driven origin mirrors its values (ftest relay)
#   9  {"action": "ping"} -> {"pong": true} in feed, tick and relay mode
#
# Every process is started here and stopped by its PID (a trap kills what
# is left); every wait is bounded.  Each check prints one line; the last
# line is "N passed, M failed" and the exit status is non-zero on failure.
# shellcheck disable=SC2154 # NAME_port, NAME_pid, NAME_status: set by eval (tests/servers.sh)
# shellcheck disable=SC2016 # sh -c scripts get their values as "$0" and "$1"
set -u
BIN=${1:?usage: tests/feed.sh BINARY}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
cd "$(dirname "$0")/.." || exit 1
[ -x "$BIN" ] || { echo "FAIL: $BIN is not executable"; echo "0 passed, 1 failed"; exit 1; }

T=$(mktemp -d)
FT=tests/ftest
. tests/servers.sh

# waitfile FILE TENTHS: until FILE exists, TENTHS tenths of a second at most.
waitfile() {
	i=0
	while [ ! -e "$1" ] && [ $i -lt "$2" ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -e "$1" ]
}

# bounded NAME TENTHS CMD...: runs CMD with its output in $T/NAME.out and
# $T/NAME.err, waits TENTHS tenths of a second at most, then kills it by
# its PID; rc gets its exit status (137 if it had to be killed).
bounded() {
	b_name=$1
	b_max=$2
	shift 2
	"$@" >"$T/$b_name.out" 2>"$T/$b_name.err" &
	b_pid=$!
	PIDS="$PIDS $b_pid"
	reap "$b_pid" "$b_max"
}

# reap PID TENTHS: waits for PID, started in the background, TENTHS
# tenths of a second at most, then kills it; rc gets its exit status.
reap() {
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt "$2" ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null    # (the shell's "Killed": the caller reports)
	rc=$?
}

# ft NAME ARGS...: runs ftest ARGS (60 s at most) and tallies its checks.
ft() {
	f_name=$1
	shift
	bounded ft 600 "$FT" "$@"
	cat "$T/ft.err" >>"$T/ft.out"
	tally "$f_name" "$T/ft.out" "$rc"
}

# stopped NAME [SIGNAL]: stops NAME and checks that it exited 0.
stopped() {
	stop "$@"
	eval "st=\${${1}_status:-1}"
	check "$1 exits 0 on SIG${2:-TERM} (it was $st)" [ "$st" -eq 0 ]
}

# mode FILE: the permissions ls shows, e.g. srwx------ (POSIX has no
# other way to print them: stat(1) is not in it).
# shellcheck disable=SC2012 # one name, ours: ls is read only for its mode
mode() { ls -ld "$1" | cut -c1-10; }

# only FILE LINE: FILE holds exactly that one line.
only() { [ "$(cat "$1")" = "$2" ]; }

echo "feed mode: $BIN"
if ! ${CC:-cc} -std=c99 -Wall -Wextra -pedantic -O2 -D_XOPEN_SOURCE=700 -I. -Itests \
    -o "$FT" tests/ftest.c tests/wsc.c sha1.c base64.c 2>"$T/cc.log" || grep -q warning "$T/cc.log"; then
	cat "$T/cc.log"
	echo "FAIL: building tests/ftest.c"
	echo "0 passed, 1 failed"
	exit 1
fi

# --- 1, 2, 3: socket mode ------------------------------------------------------
echo "--- 1: values, subscriptions, ignored lines, errors (-i 10, to be ignored)"
S=$T/basic.sock
if start basic "$BIN" -p 0 -s "$S" -M -i 10; then
	check "the socket file is a socket" [ -S "$S" ]
	ft "basic" basic -p "$basic_port" -s "$S"
	stopped basic
	check "the socket file is gone after SIGTERM" [ ! -e "$S" ]
fi

echo "--- 2: the 256-byte line limit"
if start long "$BIN" -p 0 -s "$T/long.sock" -M; then
	ft "long lines" long -p "$long_port" -s "$T/long.sock"
	stopped long
fi

echo "--- 3: 64 writers at once"
if start writers "$BIN" -p 0 -s "$T/writers.sock" -M; then
	ft "many writers" writers -p "$writers_port" -s "$T/writers.sock"
	stopped writers
fi

# --- 4: standard input ---------------------------------------------------------
echo "--- 4: -s - on a fifo"
mkfifo "$T/in"
# The server's open of the fifo waits for ours, and ours for its: neither
# can be done first in one shell.  Its redirection is made in the child,
# before the exec, so the child's PID is letterd's.
"$BIN" -p 0 -s - -M <"$T/in" >"$T/stdin.out" 2>"$T/stdin.err" &
stdin_pid=$!
PIDS="$PIDS $stdin_pid"
exec 3>"$T/in"
if await stdin; then
	P=$stdin_port
	printf 'T 21.5\n!bad\n\n# note\nh -7\nA 01\nQ 5\n' >&3
	check "a bad line is logged: \"letterd: feed: standard input, line 2: expected a letter\"" \
	    waitfor "$T/stdin.err" '^letterd: feed: standard input, line 2: expected a letter$'
	check "and another: \"... line 6: invalid number\"" \
	    waitfor "$T/stdin.err" '^letterd: feed: standard input, line 6: invalid number$'
	ft "stdin" expect -p "$P" -l THQ -x '{"T": 21.5}' -x '{"H": -7}' -x '{"Q": 5}' \
	    -d "the values read from standard input are served"
	ft "stdin" metric -p "$P" -m letterd_feed_writers -e 1 -d "standard input is a writer"
	# The last lines: 2,000 values of W for a subscriber of W, then the
	# end at once.  Each W waits for the one before it to be flushed; the
	# end of input must not lose those still waiting.
	printf 'E 6.02e23\n' >"$T/last"
	awk 'BEGIN { for (i = 1; i <= 2000; i++) print "W " i; printf "Q 6" }' >>"$T/last"
	"$FT" expect -p "$P" -l W -r "$T/ready" -c 2000 \
	    -d "W 1 .. W 2000, then the end of input at once: a subscriber of W gets every one" \
	    >"$T/ft.out" 2>&1 3>&- &
	fpid=$!
	PIDS="$PIDS $fpid"
	waitfile "$T/ready" 50 || fail "the subscriber of W was not ready within 5 s"
	cat "$T/last" >&3
	exec 3>&-
	reap "$fpid" 100
	tally "stdin" "$T/ft.out" "$rc"
	waitfor "$T/stdin.err" 'end of standard input' 1 30
	check "the end of input is logged: \"letterd: feed: end of standard input after 2009 lines; serving the last values\"" \
	    grep -q '^letterd: feed: end of standard input after 2009 lines; serving the last values$' "$T/stdin.err"
	check "the line the end cut short is logged: \"... line 2009: line cut short at end of input\"" \
	    grep -q '^letterd: feed: standard input, line 2009: line cut short at end of input$' "$T/stdin.err"
	n=$(wc -l <"$T/stdin.err")
	check "stderr has those four lines and nothing else ($n)" [ "$n" -eq 4 ]
	ft "stdin" expect -p "$P" -l QTHEW -x '{"Q": 5}' -x '{"T": 21.5}' -x '{"H": -7}' \
	    -x '{"E": 6.02e23}' -x '{"W": 2000}' \
	    -d "after the end of input a new subscriber gets the last values (Q 5, not the cut Q 6)"
	ft "stdin" metric -p "$P" -m letterd_feed_writers -e 0 -d "no writer after the end of input"
	ft "stdin" metric -p "$P" -m letterd_feed_errors_total -e 3 -d "three bad lines counted"
	ft "stdin" ping -p "$P" -d "feed mode after the end of standard input"
	check "the server still runs after the end of its input" kill -0 "$stdin_pid"
	stopped stdin
else
	exec 3>&-
fi

# SIGTERM while standard input is still open: exit 0, and no "end of
# standard input" (the input did not end).
rm -f "$T/in"
mkfifo "$T/in"
"$BIN" -p 0 -s - <"$T/in" >"$T/stdin2.out" 2>"$T/stdin2.err" &
stdin2_pid=$!
PIDS="$PIDS $stdin2_pid"
exec 3>"$T/in"
if await stdin2; then
	printf 'T 1\n' >&3
	ft "stdin" expect -p "$stdin2_port" -l T -x '{"T": 1}' -d "a second server on a fifo serves T 1"
	stopped stdin2
	check "stopped with its input open, it logged nothing (no end of input)" [ ! -s "$T/stdin2.err" ]
fi
exec 3>&-

echo "--- 4: -s - on a regular file, and on /dev/null"
# A file longer than one read, with a line of 10,000 bytes in it.
printf 'T 21.5\n!bad\n\r\n# note\n' >"$T/feed.txt"
awk 'BEGIN { printf "X "; for (i = 0; i < 9998; i++) printf "1"; print "";
    for (i = 1; i <= 1000; i++) print "W " i }' >>"$T/feed.txt"
printf 'E 6.02e23\nh -7\nQ 5\nQ 6' >>"$T/feed.txt"
if start file sh -c 'exec "$0" -p 0 -s - <"$1"' "$BIN" "$T/feed.txt"; then
	ft "stdin file" expect -p "$file_port" -l TEHQWX -x '{"T": 21.5}' -x '{"E": 6.02e23}' \
	    -x '{"H": -7}' -x '{"Q": 5}' -x '{"W": 1000}' -d "the values of a regular file are served"
	cat >"$T/file.want" <<-'EOF'
	letterd: feed: standard input, line 2: expected a letter
	letterd: feed: standard input, line 5: line too long
	letterd: feed: standard input, line 1009: line cut short at end of input
	letterd: feed: end of standard input after 1009 lines; serving the last values
	EOF
	check "its bad line, its line too long, the cut line and its end are logged, and nothing else" \
	    cmp -s "$T/file.want" "$T/file.err"
	ft "stdin file" ping -p "$file_port" -d "feed mode after a regular file"
	stopped file
fi
if start null sh -c 'exec "$0" -p 0 -s - </dev/null' "$BIN"; then
	check "/dev/null: \"letterd: feed: end of standard input after 0 lines; serving the last values\"" \
	    only "$T/null.err" "letterd: feed: end of standard input after 0 lines; serving the last values"
	ft "stdin /dev/null" expect -p "$null_port" -l ABCZ -d "/dev/null: subscribers get nothing"
	ft "stdin /dev/null" ping -p "$null_port" -d "feed mode on /dev/null"
	stopped null
fi

# --- 5: the socket file ------------------------------------------------------------
echo "--- 5: the socket file"
S=$T/stale.sock
if start stale "$BIN" -p 0 -s "$S"; then
	stop stale KILL
	check "a letterd killed with SIGKILL leaves its socket file" [ -S "$S" ]
	if start stale2 "$BIN" -p 0 -s "$S"; then
		ft "stale socket" expect -p "$stale2_port" -s "$S" -l T -w 'T 1' -x '{"T": 1}' \
		    -d "a stale socket is replaced: a writer on it reaches a new letterd's subscriber"
		stopped stale2
	fi
fi

S=$T/live.sock
if start live "$BIN" -p 0 -s "$S"; then
	bounded other 50 "$BIN" -p 0 -s "$S"
	check "a second letterd on a live socket exits 1 (it was $rc)" [ "$rc" -eq 1 ]
	check "with \"letterd: -s $S: another process is listening on it\"" \
	    only "$T/other.err" "letterd: -s $S: another process is listening on it"
	ft "live socket" expect -p "$live_port" -s "$S" -l T -w 'T 2' -x '{"T": 2}' \
	    -d "the first letterd still serves its socket"
	bounded other 50 "$BIN" -p 0 -s "$S" -u "ws://127.0.0.1:$live_port/ws"
	check "-s with -u exits 2 (it was $rc)" [ "$rc" -eq 2 ]
	bounded other 50 "$BIN" -p 0 -u "ws://127.0.0.1:$live_port/ws" -s "$S"
	check "-u with -s exits 2 (it was $rc)" [ "$rc" -eq 2 ]
	stopped live
fi

# A listener that is not letterd: with room in its backlog, then with its
# queue full (listen(0) and a connection of its own waiting).  Either way
# it is another process listening: exit 1 at once, the listener unharmed.
# listener BACKLOG PENDING WHAT
listener() {
	S=$T/listener$1.sock
	rm -f "$T/ready"
	"$FT" listen -s "$S" -b "$1" -k "$2" -r "$T/ready" >"$T/listener.out" 2>&1 &
	lpid=$!
	PIDS="$PIDS $lpid"
	if waitfile "$T/ready" 50; then
		bounded other 50 "$BIN" -p 0 -s "$S"
		note=$rc
		[ "$rc" -eq 137 ] && note="killed: still running after 5 s"
		check "-s on a small listener with $3: exit 1 within 5 s (it was $note)" [ "$rc" -eq 1 ]
		check "with \"letterd: -s $S: another process is listening on it\"" \
		    only "$T/other.err" "letterd: -s $S: another process is listening on it"
		check "the listener's socket file is still there" [ -S "$S" ]
	else
		fail "the small listener did not start"
	fi
	kill -TERM "$lpid"
	reap "$lpid" 50
	tally "small listener" "$T/listener.out" "$rc"
}
listener 8 0 "room in its backlog"
listener 0 1 "its backlog full"

printf 'precious\n' >"$T/file"
cp "$T/file" "$T/file.orig"
mkdir "$T/dir"
ln -s "$T/nowhere" "$T/dangling"
ln -s "$T/file" "$T/link"
# a symbolic link to a socket is not a socket either
start linked "$BIN" -p 0 -s "$T/target.sock" && ln -s "$T/target.sock" "$T/socklink"
for p in file dir dangling link socklink; do
	bounded other 50 "$BIN" -p 0 -s "$T/$p"
	check "-s on a $p: exit 1 (it was $rc)" [ "$rc" -eq 1 ]
	check "-s on a $p: \"letterd: -s $T/$p: exists and is not a socket; leaving it alone\"" \
	    only "$T/other.err" "letterd: -s $T/$p: exists and is not a socket; leaving it alone"
done
check "the file is untouched" cmp -s "$T/file" "$T/file.orig"
check "the directory is still there" [ -d "$T/dir" ]
check "the links are still links" sh -c "[ -L '$T/dangling' ] && [ -L '$T/link' ] && [ -L '$T/socklink' ]"
stopped linked

S=$T/sigint.sock
if start sigint "$BIN" -p 0 -s "$S"; then
	stopped sigint INT
	check "the socket file is gone after SIGINT" [ ! -e "$S" ]
fi

# the file gets the process umask: its permissions say who may write
S=$T/u077.sock
if start u077 sh -c 'umask 077; exec "$0" -p 0 -s "$1"' "$BIN" "$S"; then
	m=$(mode "$S")
	check "under umask 077 the socket is srwx------ ($m)" [ "$m" = "srwx------" ]
	stopped u077
fi
S=$T/u022.sock
if start u022 sh -c 'umask 022; exec "$0" -p 0 -s "$1"' "$BIN" "$S"; then
	m=$(mode "$S")
	check "under umask 022 the socket is srwxr-xr-x ($m)" [ "$m" = "srwxr-xr-x" ]
	stopped u022
fi

bounded other 50 "$BIN" -p 0 -s ''
check "an empty -s path exits 2 (it was $rc)" [ "$rc" -eq 2 ]
long=$T/
while [ ${#long} -lt 108 ]; do long=${long}x; done
bounded other 50 "$BIN" -p 0 -s "$long"
check "a 108-byte -s path exits 2 (it was $rc)" [ "$rc" -eq 2 ]
check "and creates nothing" [ ! -e "$long" ]
long=${long%x}
if start max "$BIN" -p 0 -s "$long"; then
	check "a 107-byte -s path is a socket" [ -S "$long" ]
	stopped max
	check "and it is gone after SIGTERM" [ ! -e "$long" ]
fi

# --- 6, 7: a burst, and a flood ------------------------------------------------------
echo "--- 6: a burst of 20,000 lines, one reader keeping up, one stalled"
if start burst "$BIN" -p 0 -s "$T/burst.sock" -M; then
	ft "burst" burst -p "$burst_port" -s "$T/burst.sock" -P "$burst_pid" -n 20000
	stopped burst
fi
# A writer that writes its lines and goes at once (a script's batch):
# lines still waiting for a flush when it closes must not be lost.
echo "--- 6: the same 20,000 lines from a writer that closes as soon as it has written them"
if start burstc "$BIN" -p 0 -s "$T/burstc.sock" -M; then
	ft "burst, then close" burst -p "$burstc_port" -s "$T/burstc.sock" -P "$burstc_pid" -n 20000 -C
	stopped burstc
fi

# On loopback the kernel lets a socket queue megabytes, so 20,000 short
# values never fill even the stalled reader's: 200,000 values of 31 digits
# (8 MB of frames) do, and then it must be owed only the latest of each.
echo "--- 6: 200,000 values of 31 digits, so that the stalled reader's socket fills"
if start wide "$BIN" -p 0 -s "$T/wide.sock" -M; then
	ft "burst, wide" burst -p "$wide_port" -s "$T/wide.sock" -P "$wide_pid" -n 200000 -W
	stopped wide
fi

echo "--- 7: a writer that floods bad lines and never reads"
if start flood "$BIN" -p 0 -s "$T/flood.sock" -M; then
	ft "flood" flood -p "$flood_port" -s "$T/flood.sock" -P "$flood_pid" -n 100000
	stopped flood
fi

# --- 8, 9: a relay of a feed-driven origin, and ping ---------------------------------
echo "--- 8: a relay of a feed-driven origin"
S=$T/origin.sock
if start origin "$BIN" -p 0 -s "$S" -M &&
    start relay "$BIN" -p 0 -M -u "ws://127.0.0.1:$origin_port/ws"; then
	check "the relay logs \"letterd: upstream 127.0.0.1:$origin_port: connected\"" \
	    waitfor "$T/relay.err" "^letterd: upstream 127.0.0.1:$origin_port: connected$"
	ft "relay" relay -p "$relay_port" -o "$origin_port" -s "$S"
	echo "--- 9: ping"
	ft "ping" ping -p "$relay_port" -d "relay mode"
	ft "ping" ping -p "$origin_port" -d "feed mode"
	stopped relay
	stopped origin
fi
if start tick "$BIN" -p 0 -i 50; then
	ft "ping" ping -p "$tick_port" -d "tick mode (-i 50)"
	stopped tick
fi

if grep -l -e 'AddressSanitizer' -e 'runtime error' -e 'LeakSanitizer' "$T"/*.err >/dev/null 2>&1; then
	fail "sanitizer reports:"
	grep -h -A5 -e 'AddressSanitizer' -e 'runtime error' -e 'LeakSanitizer' "$T"/*.err | head -30
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
