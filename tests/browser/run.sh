#!/bin/sh
# SPDX-License-Identifier: ISC
# tests/browser/run.sh BINARY - letterd's page in Debian's Chromium.
#
# Starts BINARY -i 200 on a free port (tests/lib.sh), then runs test.mjs,
# which drives /usr/bin/chromium through playwright-core (pinned in
# package.json; `npm ci` here installs it, and it never downloads a
# browser). test.mjs kills the server by its PID mid-run and starts the same
# binary again on the same port; it stops that one itself, and so the
# others it starts on free ports of 127.0.0.1: one in feed mode (-s, with
# its socket in a fresh directory under $TMPDIR or /tmp), one with -o, and
# a small HTTP server of its own for a page of another origin. The last
# line is "N passed, M failed"; the exit status is non-zero on any failure.
# Screenshots go to tests/browser/screenshots/.
set -u
[ $# -eq 1 ] || { echo "usage: $0 BINARY"; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
case $1 in
/*) bin=$1;;
*) bin=$(pwd)/$1;;
esac
[ -x "$bin" ] || { echo "not an executable: $1"; echo "0 passed, 1 failed"; exit 1; }

if [ ! -x /usr/bin/chromium ]; then
	echo "FAIL: /usr/bin/chromium is missing (apt-get install -y chromium)"
	echo "0 passed, 1 failed"
	exit 1
fi
if ! command -v node >/dev/null 2>&1; then
	echo "FAIL: node is missing (apt-get install -y nodejs npm)"
	echo "0 passed, 1 failed"
	exit 1
fi
if [ ! -d "$here/node_modules/playwright-core" ]; then
	(cd "$here" && npm ci --no-audit --no-fund >/dev/null) || {
		echo "FAIL: npm ci in $here"
		echo "0 passed, 1 failed"
		exit 1
	}
fi

. "$root/tests/lib.sh"
start_server "$bin" -i 200 || { echo "0 passed, 1 failed"; exit 1; }

LETTERD_BIN=$bin LETTERD_PORT=$PORT LETTERD_PID=$SERVER_PID node "$here/test.mjs"
rc=$?
# test.mjs has normally killed this one already; this reaps it either way.
stop_server KILL
exit $rc
