#!/bin/sh
# SPDX-License-Identifier: ISC
# tests/fault.sh BINARY: letterd against slow, rude and too many clients.
# For each scenario of tests/fault.c a fresh BINARY is started with the
# flags the scenario needs and stopped by its PID (tests/lib.sh: group).
#
# Prints each scenario's figures and failures, prefixed by its name, then
# the total as the last line, "N passed, M failed"; exits non-zero on any
# failure.  About 25 s in all.
set -u
cd "$(dirname "$0")/.." || exit 1
bin=${1:?usage: tests/fault.sh BINARY}
. tests/lib.sh
build_client fault || { echo "0 passed, 1 failed"; exit 1; }
passed=0
failed=0

group slowloris tests/fault "$bin" -i 1000
group slowreader tests/fault "$bin" -i 10
group resets tests/fault "$bin" -i 50
# ulimit -n sets the soft and the hard limit, so letterd cannot raise it;
# exec keeps the PID that start_server recorded.
# shellcheck disable=SC2016 # $0 and $@ are the inner sh's
group fdlimit tests/fault sh -c 'ulimit -n 64 && exec "$0" "$@"' "$bin" -i 50

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
