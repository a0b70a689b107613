#!/bin/sh
# SPDX-License-Identifier: ISC
# tests/hostile.sh BINARY [valgrind]: the hostile-input tests of
# tests/hostile.c.  Each scenario gets a fresh BINARY with the flags it
# needs (tests/lib.sh: group).
#
# With `valgrind`, the server runs under valgrind (an error or a leak makes
# it exit non-zero, which is a failure) and every time bound of hostile.c
# is ten times as long (HOSTILE_SCALE=10).
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
'') set -- "$bin";;
valgrind)
	HOSTILE_SCALE=10
	export HOSTILE_SCALE
	set -- valgrind -q --leak-check=full --errors-for-leak-kinds=all \
	    --error-exitcode=99 "$bin";;
*) echo "usage: tests/hostile.sh BINARY [valgrind]" >&2; exit 2;;
esac
. tests/lib.sh
build_client hostile || { echo "0 passed, 1 failed"; exit 1; }
passed=0
failed=0

group halfopen tests/hostile "$@" -k 1 -i 50
group bigframes tests/hostile "$@" -i 50
group limits tests/hostile "$@"
group pipeline tests/hostile "$@"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
