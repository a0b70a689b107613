#!/bin/sh
# tests/hostile.sh BINARY [valgrind]: the fault tests of tests/hostile.c.
# Each scenario gets a fresh BINARY with the flags it needs; the server is
# stopped by its PID and must exit 0 on SIGTERM (a crash, a hang that needs
# SIGKILL or, under valgrind, an error or a leak is one failure more).
#
# With `valgrind`, the server runs under valgrind and every time bound of
# hostile.c is ten times as long (HOSTILE_SCALE=10).
#
# Prints each scenario's failures, figures ("NAME: figure: WHAT: VALUE")
# and counts with its name in front, then the total as the last line,
# "N passed, M failed"; exits non-zero on any failure.
set -u
here=$(pwd)
cd "$(dirname "$0")/.." || exit 1
bin=${1:?usage: tests/hostile.sh BINARY [valgrind]}
mode=${2:-}
# BINARY may be relative to where we were called from.
case $bin in
/*) ;;
*) [ -e "$here/$bin" ] && bin=$here/${bin#./};;
esac
case $mode in
'') ;;
valgrind) HOSTILE_SCALE=10; export HOSTILE_SCALE;;
*) echo "usage: tests/hostile.sh BINARY [valgrind]" >&2; exit 2;;
esac
. tests/lib.sh
log=$(mktemp)
errlog=$(mktemp)
trap 'stop_server KILL; rm -f "$log" "$errlog"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Built here when missing or older than its sources, so that the script
# works on its own (find -newer, since test -nt is not POSIX).
if [ ! -x tests/hostile ] || [ -n "$(find tests/hostile.c tests/wsc.c \
    tests/wsc.h -newer tests/hostile)" ]; then
	${CC:-cc} -std=c99 -Wall -Wextra -pedantic -O2 -D_XOPEN_SOURCE=700 \
	    -I. -Itests -o tests/hostile tests/hostile.c tests/wsc.c sha1.c \
	    base64.c || { echo "0 passed, 1 failed"; exit 1; }
fi

passed=0
failed=0

# launch FLAGS...: start_server with BINARY, under valgrind if asked.
launch() {
	if [ "$mode" = valgrind ]; then
		start_server valgrind -q --leak-check=full \
		    --errors-for-leak-kinds=all --error-exitcode=99 "$bin" "$@"
	else
		start_server "$bin" "$@"
	fi
}

# scenario NAME FLAGS...: one server, one scenario.
scenario() {
	name=$1
	shift
	if ! launch "$@"; then
		stop_server KILL
		echo "$name: FAIL: the server did not start with: $*"
		failed=$((failed + 1))
		return
	fi
	tests/hostile "$PORT" "$name" "$SERVER_PID" >"$log" 2>&1
	rc=$?
	# The server's stderr is kept: valgrind writes its report there.
	cp "$SERVER_OUT.err" "$errlog"
	stop_server TERM

	counts=$(awk '/^[0-9]+ passed, [0-9]+ failed$/ { print $1, $3 }' "$log")
	p=${counts% *}
	f=${counts#* }
	if [ -z "$counts" ]; then
		p=0
		f=1
		echo "$name: FAIL: hostile printed no counts (exit $rc)"
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "$name: FAIL: hostile exited $rc"
	fi
	if [ "$SERVER_STATUS" -eq 0 ]; then
		p=$((p + 1))
	else
		f=$((f + 1))
		echo "$name: FAIL: the server exited with status $SERVER_STATUS" \
		    "after SIGTERM, expected 0; the end of its stderr:"
		tail -n 30 "$errlog" | sed "s/^/$name: /"
	fi
	grep -v '^[0-9]* passed, [0-9]* failed$' "$log" | sed "s/^/$name: /"
	echo "$name: $p passed, $f failed (server: ${mode:+valgrind }$bin $*)"
	passed=$((passed + p))
	failed=$((failed + f))
}

scenario halfopen -k 1 -i 50
scenario bigframes -i 50
scenario limits
scenario pipeline

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
