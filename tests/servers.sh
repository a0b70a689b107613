# shellcheck shell=sh
# SPDX-License-Identifier: ISC
# tests/servers.sh - several named servers at once, for the relay and nginx
# suites and bench/relay.sh; sourced after T (a temp directory) is set.
# Every process started with `start` is killed by its PID when the script
# exits, and every wait is bounded.

PIDS=
passed=0
failed=0

servers_cleanup() {
	for p in $PIDS; do
		kill -KILL "$p" 2>/dev/null
	done
	for p in $PIDS; do
		wait "$p" 2>/dev/null
	done
	if [ -n "${RELAY_KEEP:-}" ]; then echo "logs kept in $T"; else rm -rf "$T"; fi
}
trap servers_cleanup EXIT
trap 'exit 130' INT TERM

pass() { passed=$((passed + 1)); echo "ok: $*"; }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
# check DESCRIPTION CMD...: one check, the command's status.
check() {
	d=$1
	shift
	if "$@"; then pass "$d"; else fail "$d"; fi
}

# start NAME CMD...: runs CMD in the background, waits (5 s at most) for
# its "... listening on http://ADDR:PORT/" line, sets NAME_pid, NAME_port.
# Returns 1 (and counts a failure) if it never came up.
start() {
	name=$1
	shift
	# a stale file from an earlier NAME would give its old port
	rm -f "$T/$name.out"
	"$@" >"$T/$name.out" 2>"$T/$name.err" &
	pid=$!
	PIDS="$PIDS $pid"
	eval "${name}_pid=$pid"
	await "$name" "$*"
}

# await NAME [WHAT]: for a server whose output goes to $T/NAME.out (as
# `start` does it, or started by hand): waits 5 s at most for the
# listening line, while NAME_pid (if set) lives, and sets NAME_port.
# Returns 1 (and counts a failure, naming WHAT) if it never came up.
await() {
	eval "apid=\${${1}_pid:-}"
	i=0
	while [ $i -lt 100 ]; do
		line=$(head -n 1 "$T/$1.out" 2>/dev/null)
		case $line in
		*" listening on http://"*)
			port=${line##*:}
			eval "${1}_port=${port%/}"
			return 0 ;;
		esac
		[ -z "$apid" ] || kill -0 "$apid" 2>/dev/null || break
		sleep 0.05
		i=$((i + 1))
	done
	fail "$1 did not start${2:+: $2}"
	sed 's/^/  /' "$T/$1.err"
	return 1
}

# waitfor FILE PATTERN [COUNT] [TENTHS]: until FILE has COUNT lines
# matching PATTERN (1), for TENTHS tenths of a second at most (50).
waitfor() {
	i=0
	while [ $i -lt "${4:-50}" ]; do
		[ "$(grep -c -e "$2" "$1" 2>/dev/null)" -ge "${3:-1}" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# stop NAME [SIGNAL]: signals NAME (TERM), waits 3 s at most, then kills
# it; NAME_status gets its exit status.
stop() {
	eval "pid=\${${1}_pid:-}"
	[ -n "$pid" ] || return 0
	kill "-${2:-TERM}" "$pid" 2>/dev/null
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 60 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid"
	eval "${1}_status=$?"
	eval "${1}_pid="
}

# tally NAME LOG STATUS: shows a rtest run's lines and adds up its
# "N passed, M failed" (indented here, so that only the script's own total
# line starts with a number); no such line or a bad status with no failure
# counted is one failure more.
tally() {
	awk -v name="$1" '/^[0-9]+ passed, [0-9]+ failed$/ { print "  " $0 " (" name ")"; next } { print }' "$2"
	counts=$(awk '/^[0-9]+ passed, [0-9]+ failed$/ { p = $1; f = $3 } END { if (p != "") print p, f }' "$2")
	if [ -z "$counts" ]; then
		fail "$1: no result (exit $3)"
		return
	fi
	passed=$((passed + ${counts% *}))
	failed=$((failed + ${counts#* }))
	if [ "$3" -ne 0 ] && [ "${counts#* }" -eq 0 ]; then
		fail "$1: exit $3"
	fi
}
