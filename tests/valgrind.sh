#!/bin/sh
# tests/valgrind.sh BINARY: letterd under valgrind while 100 clients
# subscribe, unsubscribe and leave (cleanly, abruptly, by reset); then
# SIGTERM.  valgrind's exit status says whether it saw an error or a leak.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh
start_server valgrind -q --leak-check=full --show-leak-kinds=all \
    --errors-for-leak-kinds=all --error-exitcode=99 "$1" -i 20 -k 1 ||
    { echo "0 passed, 1 failed"; exit 1; }
tests/itest "$PORT" churn
rc=$?
stop_server TERM
if [ "$SERVER_STATUS" -eq 0 ]; then
	echo "valgrind: no error, no leak"
	echo "1 passed, 0 failed"
else
	echo "valgrind: exit status $SERVER_STATUS (99: errors or leaks above)"
	echo "0 passed, 1 failed"
	rc=1
fi
exit $rc
