#!/bin/sh
# SPDX-License-Identifier: ISC
# bench/relay.sh [BINARY] - the figures of docs/scaling.md (its section "The
# figures, and how to measure them again").
#
#   1. The delivery time a relay hop adds: origin -i 10 -> relay1 -> relay2,
#      one client on each subscribed to one letter; 1,000 values paired by
#      content, arrival times on CLOCK_MONOTONIC in one process
#      (tests/rtest.c latency); per hop: min, median, p90, p99, max.
#   2. How many clients one relay serves at -i 10 before its deliveries fall
#      behind: bench/load against a relay of an origin at -i 10, every
#      client on all 26 letters, N growing until the messages per second
#      drop under 95 % of N x 26 x 100.  The same against an origin alone,
#      for comparison.
#
# Too slow for tests/relay.sh (three to five minutes).  Every process is
# stopped by its PID; every wait is bounded (bench/load has its own
# deadline, and `timeout` guards it too).
# shellcheck disable=SC2154 # NAME_port, NAME_pid: set by eval (tests/servers.sh)
set -u
BIN=${1:-./letterd}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
cd "$(dirname "$0")/.." || exit 2
[ -x "$BIN" ] || { echo "usage: sh bench/relay.sh [BINARY] ($BIN is not executable)" >&2; exit 2; }

T=$(mktemp -d)
LAT_COUNT=${LAT_COUNT:-1000}
STEPS=${STEPS:-"100 200 250 300 350 400 450 500 600 700 800 1000 1200 1600 2000"}
W=${W:-2}
WIN=${WIN:-5}

. tests/servers.sh


# CPU seconds (user + system) a process has used, from /proc.
cpu() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"; }

cc -std=c99 -Wall -Wextra -pedantic -O2 -D_XOPEN_SOURCE=700 -I. -Itests \
    -o "$T/rtest" tests/rtest.c tests/wsc.c sha1.c base64.c || exit 2
cc -std=c99 -O2 -Wall -Wextra -pedantic -D_GNU_SOURCE -I. \
    -o "$T/load" bench/load.c sha1.c base64.c || exit 2

echo "machine: $(nproc) CPUs, $(uname -sr), $(date -u +%Y-%m-%dT%H:%MZ)"
echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"

# ---- 1. latency per hop ----------------------------------------------------------
echo
echo "## 1. delivery time added per relay hop (origin -i 10, $LAT_COUNT values)"
start origin "$BIN" -p 0 -i 10 || exit 2
start relay1 "$BIN" -p 0 -u "ws://127.0.0.1:$origin_port/ws" || exit 2
start relay2 "$BIN" -p 0 -u "ws://127.0.0.1:$relay1_port/ws" || exit 2
for L in A Z; do
	echo "\$ rtest latency -p ORIGIN -p RELAY1 -p RELAY2 -l $L -c $LAT_COUNT -i 10"
	timeout 120 "$T/rtest" latency -p "$origin_port" -p "$relay1_port" -p "$relay2_port" \
	    -l "$L" -c "$LAT_COUNT" -i 10 2>&1 | grep -v '^[0-9]* passed'
done
# idle: a relay with no client must not use the CPU between values
c0=$(cpu "$relay1_pid")
sleep 2
c1=$(cpu "$relay1_pid")
echo "relay1 CPU over 2 s with one downstream relay and no client: $(echo "$c0 $c1" | awk '{ printf "%.2f s", $2 - $1 }')"
stop relay2
stop relay1
stop origin

# ---- 2. clients per relay at -i 10 --------------------------------------------------
echo
echo "## 2. clients one server keeps up with at -i 10 (all 26 letters each; enough = 95 % of N x 2600 msgs/s)"
# run KIND PORT PID N: one bench/load window; prints a table row and
# returns 1 once the server falls behind
run() {
	want=$(($4 * 2600))
	timeout $((W + WIN + 30)) "$T/load" -p "$2" -n "$4" -w "$W" -t "$WIN" -s "$3" >"$T/load.out" 2>&1
	rc=$?
	r=$(grep '^RESULT' "$T/load.out")
	get() { echo "$r" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
	got=$(get msgs_per_sec)
	[ -n "$got" ] || got=0
	pct=$(awk -v g="$got" -v w="$want" 'BEGIN { printf "%.1f", 100 * g / w }')
	printf "| %s | %5d | %9d | %9d | %5s %% | %s | %s | %s | %s | %s | %s |\n" "$1" "$4" "$want" "$got" "$pct" \
	    "$(get connected)" "$(get server_cpu_s)" "$(get server_cpu_us_per_msg)" "$(get client_cpu_pct)" \
	    "$(get machine_other)" "$rc"
	awk -v g="$got" -v w="$want" 'BEGIN { exit !(g >= 0.95 * w) }'
}
echo
echo "| server | clients | wanted msgs/s | got msgs/s | got/wanted | connected | server CPU s in ${WIN} s | server CPU µs/msg | load client CPU % | other CPUs | load exit |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for kind in relay origin; do
	for n in $STEPS; do
		start origin "$BIN" -p 0 -i 10 || exit 2
		if [ $kind = relay ]; then
			start relay "$BIN" -p 0 -u "ws://127.0.0.1:$origin_port/ws" || exit 2
			port=$relay_port
			pid=$relay_pid
		else
			port=$origin_port
			pid=$origin_pid
		fi
		run "$kind" "$port" "$pid" "$n"
		ok=$?
		[ $kind = relay ] && stop relay
		stop origin
		[ $ok -eq 0 ] || break
	done
done
echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
