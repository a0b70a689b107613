#!/bin/sh
# SPDX-License-Identifier: ISC
# tests/integration.sh BINARY: the end-to-end suite.  For each group of
# tests/itest.c (and the static-file, metrics and Origin groups of stest.c,
# mtest.c and otest.c) a fresh BINARY is started with the flags that group
# needs and stopped by its PID (tests/lib.sh: group).
#
# Prints each group's failures and counts with its name in front, then the
# total as the last line, "N passed, M failed"; exits non-zero on any
# failure.
set -u
cd "$(dirname "$0")/.." || exit 1
bin=${1:?usage: tests/integration.sh BINARY}
. tests/lib.sh
tree=$(mktemp -d)
trap 'stop_server KILL; rm -rf "$tree"' EXIT

for t in itest stest mtest otest; do
	build_client $t || { echo "0 passed, 1 failed"; exit 1; }
done

# The -r DIR of the static group, with a secret beside it that no request
# may ever read (see tests/stest.c).
mkdir -p "$tree/static-root/sub"
printf 'hello, static\n' >"$tree/static-root/hello.txt"
printf 'body{}\n' >"$tree/static-root/sub/style.css"
printf 'SECRET-OUTSIDE-DIR\n' >"$tree/secret.txt"
ln -s hello.txt "$tree/static-root/inside-link"
ln -s ../secret.txt "$tree/static-root/out-link"
ln -s .. "$tree/static-root/out-dir"
mkfifo "$tree/static-root/fifo"
dd if=/dev/zero of="$tree/static-root/big.bin" bs=1048576 count=10 2>/dev/null

passed=0
failed=0

# The logged group's client reads the server's stderr, which group()
# (tests/lib.sh) keeps in $SERVER_OUT.err while the server runs.
logged_client() {
	OTEST_LOG=$SERVER_OUT.err tests/otest "$@"
}

group http tests/itest "$bin" -i 50
group ws tests/itest "$bin" -i 50
group keepalive tests/itest "$bin" -k 1 -i 50
group maxclients tests/itest "$bin" -c 2
group msglimit tests/itest "$bin" -m 100
group shutdown tests/itest "$bin" -i 50
group static tests/stest "$bin" -r "$tree/static-root"
group metrics tests/mtest "$bin" -M -i 50
# The Origin policy of the upgrade (tests/otest.c).
group default tests/otest "$bin" -i 50
group listed tests/otest "$bin" -i 50 -o http://example.com:8080 \
    -o HTTPS://Letters.Example.COM -o HTTP://Other.Example:80
group any tests/otest "$bin" -i 50 -o '*'
group any-listed tests/otest "$bin" -i 50 -o http://example.com:8080 -o '*'
group counted tests/otest "$bin" -i 50 -M -c 1
group logged logged_client "$bin" -i 50 -v
# valgrind.sh runs churn under valgrind; here it runs at full speed.
group churn tests/itest "$bin" -i 50 -k 1

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
