#!/bin/sh
# tests/integration.sh BINARY: the end-to-end suite.  For each group of
# tests/itest it starts a fresh BINARY with the flags that group needs, runs
# the group against it, and stops the server by its PID.  A server that does
# not exit with status 0 on SIGTERM (a crash, a sanitizer report, a hang
# that needs SIGKILL) is one failure more.
#
# Prints each group's failures and counts, then the total as the last line,
# "N passed, M failed"; exits non-zero on any failure.  The per-group lines
# carry the group's name in front, so that only the last line is a total.
set -u
cd "$(dirname "$0")/.." || exit 1
bin=${1:?usage: tests/integration.sh BINARY}
. tests/lib.sh
log=$(mktemp)
# However the script ends, the server of the moment goes with it.
errlog=
trap 'stop_server KILL; rm -f "$log" $errlog; rm -rf "$tree"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# test.sh builds the test clients; build them here too when run on its own.
for t in itest stest mtest; do
	[ -x tests/$t ] && continue
	${CC:-cc} -std=c99 -Wall -Wextra -pedantic -O2 -D_XOPEN_SOURCE=700 \
	    -I. -Itests -o tests/$t tests/$t.c tests/wsc.c sha1.c \
	    base64.c || { echo "0 passed, 1 failed"; exit 1; }
done

# static_tree: the -r DIR of the static group, with a secret beside it
# that no request may ever read (see tests/stest.c).
tree=$(mktemp -d)
mkdir -p "$tree/static-root/sub"
printf 'hello, static\n' >"$tree/static-root/hello.txt"
printf 'body{}\n' >"$tree/static-root/sub/style.css"
printf 'SECRET-OUTSIDE-DIR\n' >"$tree/secret.txt"
ln -s hello.txt "$tree/static-root/inside-link"
ln -s ../secret.txt "$tree/static-root/out-link"
ln -s .. "$tree/static-root/out-dir"

passed=0
failed=0

# group NAME FLAGS...: one server, one group.
group() {
	name=$1
	shift
	if ! start_server "$bin" "$@"; then
		stop_server KILL
		echo "$name: FAIL: the server did not start with: $*"
		failed=$((failed + 1))
		return
	fi
	if [ "$name" = shutdown ]; then
		tests/itest "$PORT" "$name" "$SERVER_PID" >"$log" 2>&1
	elif [ "$name" = static ]; then
		tests/stest "$PORT" >"$log" 2>&1
	elif [ "$name" = metrics ]; then
		tests/mtest "$PORT" >"$log" 2>&1
	else
		tests/itest "$PORT" "$name" >"$log" 2>&1
	fi
	rc=$?
	# shutdown has sent SIGTERM already; this only collects the status.
	# The server's stderr is kept: a sanitizer writes its report there.
	errlog=$(mktemp)
	cp "$SERVER_OUT.err" "$errlog"
	stop_server TERM

	counts=$(awk '/^[0-9]+ passed, [0-9]+ failed$/ { print $1, $3 }' "$log")
	p=${counts% *}
	f=${counts#* }
	if [ -z "$counts" ]; then
		p=0
		f=1
		echo "$name: FAIL: itest printed no counts (exit $rc)"
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "$name: FAIL: itest exited $rc"
	fi
	if [ "$SERVER_STATUS" -eq 0 ]; then
		p=$((p + 1))
	else
		f=$((f + 1))
		echo "$name: FAIL: the server exited with status $SERVER_STATUS" \
		    "after SIGTERM, expected 0; the end of its stderr:"
		tail -n 30 "$errlog" | sed "s/^/$name: /"
	fi
	rm -f "$errlog"
	# Every line but the counts: failures and measurements.
	grep -v '^[0-9]* passed, [0-9]* failed$' "$log" | sed "s/^/$name: /"
	echo "$name: $p passed, $f failed (server: $bin $*)"
	passed=$((passed + p))
	failed=$((failed + f))
}

group http -i 50
group ws -i 50
group keepalive -k 1 -i 50
group maxclients -c 2
group msglimit -m 100
group shutdown -i 50
group static -r "$tree/static-root"
group metrics -M -i 50
# valgrind.sh runs churn under valgrind; here it runs at full speed.
group churn -i 50 -k 1

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
