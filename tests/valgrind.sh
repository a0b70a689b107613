#!/bin/sh
# SPDX-License-Identifier: ISC
# tests/valgrind.sh BINARY: letterd under valgrind while 100 clients
# subscribe, unsubscribe and leave (cleanly, abruptly, by reset); then
# SIGTERM.  valgrind's exit status (99 on an error or a leak) is checked by
# tests/lib.sh's group.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh
build_client itest || { echo "0 passed, 1 failed"; exit 1; }
passed=0
failed=0
group churn tests/itest valgrind -q --leak-check=full --show-leak-kinds=all \
    --errors-for-leak-kinds=all --error-exitcode=99 "$1" -i 20 -k 1
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
