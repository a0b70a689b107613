#!/bin/sh
# tests/fault.sh BINARY: letterd against slow, rude and too many clients.
# For each scenario of tests/fault it starts a fresh BINARY with the flags
# the scenario needs, runs it, and stops the server by its PID.  A server
# that does not exit with status 0 on SIGTERM afterwards (it crashed, or
# needed SIGKILL) is one failure more.
#
# Prints each scenario's figures and failures, prefixed by its name, then
# the total as the last line, "N passed, M failed"; exits non-zero on any
# failure.  About 25 s in all.
set -u
cd "$(dirname "$0")/.." || exit 1
bin=${1:?usage: tests/fault.sh BINARY}
. tests/lib.sh
log=$(mktemp)
trap 'stop_server KILL; rm -f "$log"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Built here when missing or older than its sources.
for src in tests/fault.c tests/wsc.c tests/wsc.h tests/check.h; do
	[ -x tests/fault ] && [ ! "$src" -nt tests/fault ] && continue
	${CC:-cc} -std=c99 -Wall -Wextra -pedantic -O2 -D_XOPEN_SOURCE=700 \
	    -I. -Itests -o tests/fault tests/fault.c tests/wsc.c sha1.c \
	    base64.c || { echo "0 passed, 1 failed"; exit 1; }
	break
done

passed=0
failed=0

# scenario NAME CMD...: starts CMD (which gets -p 0 added), runs the
# scenario against it, stops it.
scenario() {
	name=$1
	shift
	if ! start_server "$@"; then
		stop_server KILL
		echo "$name: FAIL: the server did not start: $*"
		failed=$((failed + 1))
		return
	fi
	tests/fault "$PORT" "$name" "$SERVER_PID" >"$log" 2>&1
	rc=$?
	# Gone (or a zombie) before we stop it: it crashed, or someone else
	# signalled it; the exit status below says which.
	state=$(ps -o stat= -p "$SERVER_PID" 2>/dev/null)
	case $state in
	"" | Z*) gone=1;;
	*) gone=0;;
	esac
	stop_server TERM

	counts=$(awk '/^[0-9]+ passed, [0-9]+ failed$/ { print $1, $3 }' "$log")
	p=${counts% *}
	f=${counts#* }
	if [ -z "$counts" ]; then
		p=0
		f=1
		echo "$name: FAIL: tests/fault printed no counts (exit $rc)"
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "$name: FAIL: tests/fault exited $rc"
	fi
	if [ "$gone" -eq 1 ]; then
		f=$((f + 1))
		echo "$name: FAIL: the server exited during the scenario," \
		    "status $SERVER_STATUS (0 would mean a SIGTERM or SIGINT" \
		    "it did not get from us)"
	elif [ "$SERVER_STATUS" -eq 0 ]; then
		p=$((p + 1))
	else
		f=$((f + 1))
		echo "$name: FAIL: the server exited with status" \
		    "$SERVER_STATUS after SIGTERM, expected 0"
	fi
	grep -v '^[0-9]* passed, [0-9]* failed$' "$log" | sed "s/^/$name: /"
	echo "$name: $p passed, $f failed (server: $*)"
	passed=$((passed + p))
	failed=$((failed + f))
}

scenario slowloris "$bin" -i 1000
scenario slowreader "$bin" -i 10
scenario resets "$bin" -i 50
# ulimit -n sets the soft and the hard limit, so letterd cannot raise it;
# exec keeps the PID that start_server recorded.
scenario fdlimit sh -c 'ulimit -n 64 && exec "$0" "$@"' "$bin" -i 50

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
