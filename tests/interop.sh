#!/bin/sh
# SPDX-License-Identifier: ISC
# tests/interop.sh PYTHON BINARY: Debian's python3-websockets, a client
# written by other people, against letterd.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh
start_server "$2" -i 50 || { echo "0 passed, 1 failed"; exit 1; }
"$1" tests/interop.py "$PORT"
rc=$?
stop_server
exit $rc
