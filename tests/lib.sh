# shellcheck shell=sh
# SPDX-License-Identifier: ISC
# tests/lib.sh - starting and stopping a server for a test, sourced by the
# test scripts.  Every server is stopped by its PID; every wait is bounded.

# start_server CMD...: runs CMD -p 0 in the background, waits (10 s at most)
# for its "listening" line and sets SERVER_PID and PORT.  Returns 1 if it
# never came up.
start_server() {
	SERVER_OUT=$(mktemp)
	"$@" -p 0 >"$SERVER_OUT" 2>"$SERVER_OUT.err" &
	SERVER_PID=$!
	PORT=
	i=0
	while [ $i -lt 200 ]; do
		line=$(head -n 1 "$SERVER_OUT")
		case $line in
		"letterd listening on "*)
			PORT=${line##*:}
			PORT=${PORT%/}
			return 0;;
		esac
		kill -0 "$SERVER_PID" 2>/dev/null || break
		sleep 0.05
		i=$((i + 1))
	done
	echo "server did not start: $*"
	cat "$SERVER_OUT.err"
	return 1
}

# stop_server [SIGNAL]: signals the server (TERM by default), waits 5 s at
# most, then kills it.  Sets SERVER_STATUS to its exit status.
stop_server() {
	[ -n "${SERVER_PID:-}" ] || return 0
	kill "-${1:-TERM}" "$SERVER_PID" 2>/dev/null
	i=0
	while kill -0 "$SERVER_PID" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	kill -KILL "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID"
	SERVER_STATUS=$?
	SERVER_PID=
	rm -f "$SERVER_OUT" "$SERVER_OUT.err"
}

trap 'stop_server KILL' EXIT INT TERM

# build_client NAME: builds tests/NAME from tests/NAME.c and the client
# library when it is missing or older than its sources (find -newer, since
# test -nt is not POSIX), so that each suite also runs on its own.
build_client() {
	if [ ! -x "tests/$1" ] || [ -n "$(find "tests/$1.c" tests/wsc.c tests/wsc.h \
	    tests/check.h -newer "tests/$1")" ]; then
		${CC:-cc} -std=c99 -Wall -Wextra -pedantic -O2 -D_XOPEN_SOURCE=700 \
		    -I. -Itests -o "tests/$1" "tests/$1.c" tests/wsc.c sha1.c base64.c
	fi
}

# group NAME CLIENT SERVER...: one server, one group of checks.  Starts
# SERVER... (-p 0 is added), runs "CLIENT PORT NAME PID", and stops the
# server by its PID.  The server must still be running when the client is
# done and must then exit 0 on SIGTERM: a crash, a hang that needs SIGKILL
# or, under valgrind, an error or a leak is one failure more.  Prints the
# client's lines with NAME in front and adds its counts to passed/failed
# (which the caller sets to 0 first).
group() {
	g_name=$1
	g_client=$2
	shift 2
	if ! start_server "$@"; then
		stop_server KILL
		echo "$g_name: FAIL: the server did not start: $*"
		failed=$((failed + 1))
		return
	fi
	g_log=$(mktemp)
	"$g_client" "$PORT" "$g_name" "$SERVER_PID" >"$g_log" 2>&1
	g_rc=$?
	# Gone (or a zombie) before we stop it: it crashed, or someone else
	# signalled it.
	case $(ps -o stat= -p "$SERVER_PID" 2>/dev/null) in
	"" | Z*) g_gone=1;;
	*) g_gone=0;;
	esac
	g_err=$(mktemp)
	cp "$SERVER_OUT.err" "$g_err"    # a sanitizer or valgrind report
	stop_server TERM

	g_counts=$(awk '/^[0-9]+ passed, [0-9]+ failed$/ { print $1, $3 }' "$g_log")
	g_p=${g_counts% *}
	g_f=${g_counts#* }
	if [ -z "$g_counts" ]; then
		g_p=0
		g_f=1
		echo "$g_name: FAIL: $g_client printed no counts (exit $g_rc)"
	elif [ "$g_rc" -ne 0 ] && [ "$g_f" -eq 0 ]; then
		g_f=1
		echo "$g_name: FAIL: $g_client exited $g_rc"
	fi
	if [ "$g_gone" -eq 1 ] && [ "$g_name" != shutdown ]; then
		g_f=$((g_f + 1))
		echo "$g_name: FAIL: the server exited during the group, status $SERVER_STATUS"
		tail -n 30 "$g_err" | sed "s/^/$g_name: /"
	elif [ "$SERVER_STATUS" -eq 0 ]; then
		g_p=$((g_p + 1))
	else
		g_f=$((g_f + 1))
		echo "$g_name: FAIL: the server exited with status $SERVER_STATUS" \
		    "after SIGTERM, expected 0; the end of its stderr:"
		tail -n 30 "$g_err" | sed "s/^/$g_name: /"
	fi
	grep -v '^[0-9]* passed, [0-9]* failed$' "$g_log" | sed "s/^/$g_name: /"
	echo "$g_name: $g_p passed, $g_f failed (server: $*)"
	passed=$((passed + g_p))
	failed=$((failed + g_f))
	rm -f "$g_log" "$g_err"
}
