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
