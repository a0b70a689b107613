#!/bin/sh
# SPDX-License-Identifier: ISC
# tests/relay.sh BINARY - relay mode (-u ws://HOST:PORT/PATH) end to end.
#
#   a  a letterd origin: it speaks the protocol (rtest conform), and so does
#      a relay of a relay of it
#   b  tests/origin.py, a small server of the same protocol on Debian's
#      python3-websockets: it speaks the protocol too, and a relay of it
#      mirrors it exactly (skipped, with a SKIP line, without the module)
#   c  origin -> relay -> relay -> 50 clients: every value the origin sends
#      reaches every client, in order, the same as a client of the origin
#      sees (rtest chain)
#   d  one upstream connection per relay, whatever its number of clients
#      (/metrics: letterd_clients, letterd_upgrades_total)
#   e  the origin killed and restarted on its port: values flow again
#      within 5 s, no local client is dropped, the backoff grows and is
#      capped; a relay started before its upstream exists
#   f  a fake upstream (rtest fake): a wrong Sec-WebSocket-Accept, a 200,
#      an extension not offered, junk after the 101, a masked frame, bad
#      UTF-8, a huge length, half a frame then close, half a frame then
#      silence (-k 1), no answer at all, a 101 with an empty ping in the
#      same write (which must open) -- each one refused or failed with
#      the right close code, logged and retried, the local clients kept;
#      then a good upstream is followed
#
# Also: a relay ignores -i, serves the page, keeps every value at -i 2,
# sleeps between values, and answers its upstream's close 1001.
#
# Every process is started here and stopped by its PID (a trap kills what
# is left); every wait is bounded.  Each check prints one line; the last
# line is "N passed, M failed" and the exit status is non-zero on failure.
# shellcheck disable=SC2154 # NAME_port, NAME_pid, st: set by eval (tests/servers.sh)
set -u
BIN=${1:?usage: tests/relay.sh BINARY}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
cd "$(dirname "$0")/.." || exit 1
[ -x "$BIN" ] || { echo "FAIL: $BIN is not executable"; echo "0 passed, 1 failed"; exit 1; }

PY=${RELAY_PYTHON:-/usr/bin/python3}   # Debian's, with python3-websockets
T=$(mktemp -d)
RT=$T/rtest
. tests/servers.sh
TO=
command -v timeout >/dev/null 2>&1 && TO="timeout 60"

alive() { eval "kill -0 \${${1}_pid:-0} 2>/dev/null"; }

# rt NAME ARGS...: runs rtest in the foreground and tallies it.
rt() {
	name=$1
	shift
	$TO "$RT" "$@" >"$T/rt.log" 2>&1
	tally "$name" "$T/rt.log" $?
}

# The "retrying in N ms" delays a relay logged, one per line.
delays() { sed -n 's/.*; retrying in \([0-9]*\) ms$/\1/p' "$T/$1.err"; }

echo "relay mode: $BIN"
if ! cc -std=c99 -Wall -Wextra -pedantic -O2 -D_XOPEN_SOURCE=700 -I. -Itests \
    -o "$RT" tests/rtest.c tests/wsc.c sha1.c base64.c 2>"$T/cc.log" || grep -q warning "$T/cc.log"; then
	cat "$T/cc.log"
	echo "FAIL: building tests/rtest.c"
	echo "0 passed, 1 failed"
	exit 1
fi

# --- a, c, d: origin -> relay1 -> relay2 ---------------------------------------
echo "--- a letterd origin, a relay of it and a relay of that relay"
start origin "$BIN" -p 0 -i 50 -M || { echo "$passed passed, $((failed + 1)) failed"; exit 1; }
O=$origin_port
# shellcheck disable=SC2015 # either start failing ends the run
start relay1 "$BIN" -p 0 -M -u "ws://127.0.0.1:$O/ws" &&
start relay2 "$BIN" -p 0 -M -i 10 -u "ws://127.0.0.1:$relay1_port/ws" ||
    { echo "$passed passed, $((failed + 1)) failed"; exit 1; }
R1=$relay1_port
R2=$relay2_port
check "relay1 logs \"letterd: upstream 127.0.0.1:$O: connected\"" \
    waitfor "$T/relay1.err" "^letterd: upstream 127.0.0.1:$O: connected$"
check "relay2 logs \"letterd: upstream 127.0.0.1:$R1: connected\"" \
    waitfor "$T/relay2.err" "^letterd: upstream 127.0.0.1:$R1: connected$"

rt "conform: the letterd origin" conform -p "$O" -i 50
rt "conform: a relay of a relay (started with -i 10, which it must ignore)" conform -p "$R2" -i 50
rt "the page on a relay" http -p "$R2" -P / -s 200 -x "</html>"

echo "--- c, d: origin -> relay1 -> relay2 -> 50 clients"
rt "chain of two relays" chain -o "$O" -r "$R2" -n 50 -t 3000 -i 50 \
    -M "$O:1-1" -M "$R1:1-1" -M "$R2:50-50" -U

# Fast ticks: a relay's read then often holds several ticks, so a letter
# comes twice in one read; both values must still reach every client.
echo "--- c: the same at -i 2 (500 ticks a second)"
start fast "$BIN" -p 0 -i 2 &&
start fast1 "$BIN" -p 0 -u "ws://127.0.0.1:$fast_port/ws" &&
start fast2 "$BIN" -p 0 -u "ws://127.0.0.1:$fast1_port/ws" &&
rt "chain of two relays at -i 2" chain -o "$fast_port" -r "$fast2_port" -n 2 -t 1000 -i 2
stop fast2
stop fast1
stop fast

# A relay must sleep between values: CPU time over 1 s with values every
# 50 ms and a client or two is a few milliseconds (a busy loop is 1 s).
if [ -r "/proc/$relay1_pid/stat" ]; then
	cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
	a1=$(cpu "$relay1_pid")
	a2=$(cpu "$relay2_pid")
	sleep 1
	b1=$(cpu "$relay1_pid")
	b2=$(cpu "$relay2_pid")
	hz=$(getconf CLK_TCK)
	check "the relays sleep between values (CPU over 1 s: relay1 $((b1 - a1)), relay2 $((b2 - a2)) ticks of 1/$hz s)" \
	    [ $((b1 - a1 > b2 - a2 ? b1 - a1 : b2 - a2)) -lt $((hz / 5)) ]
fi

# --- e: the origin killed and restarted on its port -----------------------------
echo "--- e: the origin killed (SIGKILL) and restarted on port $O"
"$RT" watch -r "$R1" -r "$R2" -n 10 -t 5000 -g 5000 -R 5000 >"$T/watch.log" 2>&1 &
W=$!
PIDS="$PIDS $W"
if waitfor "$T/watch.log" '^ready$' 1 50; then
	sleep 0.5
	stop origin KILL
	sleep 1
	# a client that subscribes while the upstream is away gets the last value at once
	rt "a subscriber during the outage gets the last values at once" watch -r "$R1" -n 1 -t 300
	start origin "$BIN" -p "$O" -i 50 -M
	kill -USR1 "$W"
fi
wait "$W"
tally "clients held through the restart" "$T/watch.log" $?
check "relay1 logged the loss: \"letterd: upstream 127.0.0.1:$O: <why>; retrying in N ms\"" \
    grep -q "^letterd: upstream 127.0.0.1:$O: .*; retrying in [0-9]* ms$" "$T/relay1.err"
check "relay1 connected again (\"connected\" twice)" \
    waitfor "$T/relay1.err" "^letterd: upstream 127.0.0.1:$O: connected$" 2 30
d=$(delays relay1 | tr '\n' ' ')
echo "  relay1's retry delays during the outage (ms): $d"
# Each delay is jittered within its step, so two in a row may go down once
# the 2 s cap is reached; the steps below it (50..100, 100..200, ...) do not overlap.
check "the backoff grows and stays within 50..2000 ms" \
    sh -c "echo '$d' | awk '{ for (i = 1; i <= NF; i++) { if (\$i < 50 || \$i > 2000 || (i > 1 && i <= 4 && \$i < \$(i-1))) exit 1 } exit NF < 2 || \$NF <= \$1 }'"
check "relay2 kept its upstream, relay1 (no retry logged)" \
    sh -c "! grep -q 'retrying' '$T/relay2.err' && [ \$(grep -c connected '$T/relay2.err') -eq 1 ]"
rt "after the restart" chain -o "$O" -r "$R2" -r "$R1" -n 10 -t 1500 -i 50 -M "$O:1-1" -M "$R1:6-6" -M "$R2:5-5"

# A relay started before its upstream exists: its subscribers get the
# first values when they come.
start spare "$BIN" -p 0 && S=$spare_port && stop spare
start early "$BIN" -p 0 -u "ws://127.0.0.1:$S/ws"
"$RT" watch -r "$early_port" -n 3 -t 2500 -R 2000 >"$T/watch.log" 2>&1 &
W=$!
PIDS="$PIDS $W"
sleep 0.7
start late "$BIN" -p "$S" -i 50
kill -USR1 "$W"
wait "$W"
tally "a relay started before its upstream" "$T/watch.log" $?
check "the early relay retried while nothing listened (Connection refused)" \
    grep -q "^letterd: upstream 127.0.0.1:$S: Connection refused; retrying in" "$T/early.err"
stop late
stop early

# --- f: upstreams that misbehave ----------------------------------------------------
echo "--- f: a fake upstream that misbehaves, then behaves"
MODES=badaccept,no101,ext,junk,masked,utf8,huge,half,nul,stall,mute,good
start fake "$RT" fake -m "$MODES" -t 20000
F=$fake_port
start frelay "$BIN" -p 0 -k 1 -u "ws://127.0.0.1:$F/ws"
$TO "$RT" watch -r "$frelay_port" -n 5 -t 12000 \
    -x '{"A": 2000}' -x '{"B": 2001}' -x '{"Z": 2025}' >"$T/watch.log" 2>&1
tally "the relay's clients, held through it all" "$T/watch.log" $?
check "the fake upstream saw every mode (12 connections)" waitfor "$T/fake.out" ': good$' 1 10
stop fake
cat "$T/fake.out" "$T/fake.err" >"$T/fake.log"   # its failures went to stderr
tally "the fake upstream's checks" "$T/fake.log" "${fake_status:-1}"
check "the relay is still running" alive frelay
for why in "wrong Sec-WebSocket-Accept" "the upstream did not answer 101" \
    "an extension or subprotocol we did not ask for" \
    "the upstream closed the connection" "no answer to ping" \
    "protocol error, closed with 1002" "protocol error, closed with 1007" \
    "protocol error, closed with 1009" "timed out"; do
	check "the relay logged \"letterd: upstream 127.0.0.1:$F: $why; retrying in N ms\"" \
	    grep -q "^letterd: upstream 127.0.0.1:$F: $why; retrying in [0-9]* ms$" "$T/frelay.err"
done
echo "  the relay's reasons for its losses:"
sed -n 's/^letterd: upstream [^ ]*: \(.*\); retrying in [0-9]* ms$/\1/p' "$T/frelay.err" |
    sort | uniq -c | sed 's/^ */    /'
n=$(grep -c "^letterd: upstream 127.0.0.1:$F: connected$" "$T/frelay.err")
check "the relay connected again after each loss ($n \"connected\" lines, 8 expected)" [ "$n" -eq 8 ]
d=$(delays frelay | tr '\n' ' ')
echo "  the relay's retry delays (ms): $d"
check "every delay within 100..2000 ms" \
    sh -c "echo '$d' | awk '{ for (i = 1; i <= NF; i++) if (\$i < 100 || \$i > 2000) exit 1; exit NF < 10 }'"
stop frelay
check "the relay exits 0 on SIGTERM (it was ${frelay_status:-?})" [ "${frelay_status:-1}" -eq 0 ]

# --- b: tests/origin.py ---------------------------------------------------------------
echo "--- b: tests/origin.py, the protocol on python3-websockets"
if [ -x "$PY" ] && "$PY" -c 'import websockets' 2>/dev/null; then
	if start pyorigin "$PY" tests/origin.py 0 50; then
		P=$pyorigin_port
		rt "conform: tests/origin.py" conform -p "$P" -i 50
		start pyrelay "$BIN" -p 0 -M -u "ws://127.0.0.1:$P/ws"
		check "the relay of origin.py logs \"connected\"" \
		    waitfor "$T/pyrelay.err" "^letterd: upstream 127.0.0.1:$P: connected$"
		rt "conform: a relay of origin.py" conform -p "$pyrelay_port" -i 50
		rt "origin.py -> relay -> 20 clients" chain -o "$P" -r "$pyrelay_port" -n 20 -t 2000 -i 50 \
		    -M "$pyrelay_port:20-20"
		stop pyrelay
		stop pyorigin
		check "origin.py exits 0 on SIGTERM" [ "${pyorigin_status:-1}" -eq 0 ]
	fi
else
	echo "SKIP: python3-websockets missing (apt-get install python3-websockets)"
fi

# --- the end: the origin goes away cleanly (close 1001), then everyone --------------------
stop origin
check "origin exits 0 on SIGTERM" [ "${origin_status:-1}" -eq 0 ]
check "relay1 answered the origin's close 1001 and logged it (\"closed by the upstream with 1001\")" \
    waitfor "$T/relay1.err" "^letterd: upstream 127.0.0.1:$O: closed by the upstream with 1001; retrying in [0-9]* ms$" 1 20
check "relay2 still kept its upstream, relay1" sh -c "! grep -q 'retrying' '$T/relay2.err'"
for s in relay2 relay1; do
	stop $s
	eval "st=\${${s}_status:-1}"
	check "$s exits 0 on SIGTERM" [ "$st" -eq 0 ]
done
if grep -l -e 'AddressSanitizer' -e 'runtime error' "$T"/*.err >/dev/null 2>&1; then
	fail "sanitizer reports:"
	grep -h -A5 -e 'AddressSanitizer' -e 'runtime error' "$T"/*.err | head -30
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
