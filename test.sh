#!/bin/sh
# SPDX-License-Identifier: ISC
# test.sh - letterd's whole test suite: unit tests, the integration suite
# against the real binary (plain, under ASan+UBSan, and on the poll()
# backend), a valgrind leak run, and interop with Debian's python3-websockets.
#
# The core needs only sh, make and cc.  Suites that need an outside client
# print "SKIP: ..." when it is absent; with CI=true a SKIP counts as a
# failure.  The last line is "N passed, M failed"; the exit status is
# non-zero on any failure.
# shellcheck disable=SC2086 # the flag and source lists are split on purpose
set -u
cd "$(dirname "$0")" || exit 1

CC=${CC:-cc}
CI=${CI:-}
WFLAGS="-std=c99 -Wall -Wextra -pedantic"
DEFS="-D_XOPEN_SOURCE=700 -D_FILE_OFFSET_BITS=64 -D_TIME_BITS=64 -I. -Itests"
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
SRC="$(sed -n 's/^SRC *= *//p' Makefile) page.c"
B=build/test
passed=0
failed=0

mkdir -p "$B"

# Adds up the "N passed, M failed" lines of a program's log; a program
# that printed no such line, or exited non-zero, counts one failure more.
tally() {
	name=$1 log=$2 rc=$3
	counts=$(awk '/^[0-9]+ passed, [0-9]+ failed/ { p += $1; f += $3; n++ }
	    END { if (n) print p, f }' "$log")
	p=${counts% *}
	f=${counts#* }
	[ -n "$counts" ] || { p=0; f=0; }
	passed=$((passed + p))
	failed=$((failed + f))
	if [ -z "$counts" ] || { [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; }; then
		failed=$((failed + 1))
		echo "FAIL: $name (exit $rc, see $log)"
		tail -n 20 "$log"
	elif [ "$f" -ne 0 ]; then
		echo "FAIL: $name: $p passed, $f failed"
		grep -E 'FAIL' "$log" | head -n 30
	else
		echo "ok:   $name: $p passed"
	fi
}

# run NAME CMD...: runs a test program and tallies it.
run() {
	name=$1
	shift
	log="$B/$(echo "$name" | tr ' /' '__').log"
	"$@" >"$log" 2>&1
	tally "$name" "$log" $?
	# a suite that skipped a part for want of a tool says so in a line
	# "SKIP: ..."; under CI=true that is a failure like any other SKIP
	grep '^SKIP' "$log" | while read -r line; do echo "$line"; done
	if grep -q '^SKIP' "$log" && [ "$CI" = true ]; then
		echo "FAIL: $name skipped a part under CI=true"
		failed=$((failed + 1))
	fi
}

skip() {
	echo "SKIP: $1"
	if [ "$CI" = true ]; then
		echo "FAIL: a SKIP is a failure under CI=true"
		failed=$((failed + 1))
	fi
}

build() {
	out=$1
	shift
	if ! "$CC" "$@" >"$B/build.log" 2>&1 || grep -q 'warning:' "$B/build.log"; then
		echo "FAIL: build of $out"
		cat "$B/build.log"
		failed=$((failed + 1))
		return 1
	fi
	passed=$((passed + 1))
}

# --- builds ------------------------------------------------------------------
if ! make >"$B/make.log" 2>&1; then
	cat "$B/make.log"
	echo "0 passed, 1 failed"
	exit 1
fi
build letterd-asan $WFLAGS -O1 -g $SAN $DEFS -DLETTERD_POLL=0 -o "$B/letterd-asan" $SRC
build letterd-poll $WFLAGS -O2 $DEFS -DLETTERD_POLL=1 -o "$B/letterd-poll" $SRC
for t in itest stest mtest hostile fault; do
	build $t $WFLAGS -O2 -g $DEFS -o tests/$t tests/$t.c tests/wsc.c sha1.c base64.c
done

# --- unit tests: published vectors, tables, every split ----------------------
for t in codec:"sha1.c base64.c utf8.c" json:"json.c" http:"http.c format.c" format:"format.c" \
    ws:"ws.c utf8.c sha1.c base64.c" line:"line.c json.c" origin:"origin.c"; do
	name=${t%%:*}
	srcs=${t#*:}
	[ -f "tests/unit_$name.c" ] || continue
	build "unit_$name" $WFLAGS -O1 -g $SAN $DEFS -o "$B/unit_$name" \
	    "tests/unit_$name.c" $srcs &&
	    run "unit $name (asan+ubsan)" "$B/unit_$name"
done

# --- fuzz regressions: every seed and every input that ever failed ---------------
run "fuzz replay (asan+ubsan)" sh tests/fuzz/replay.sh "$CC"

# --- end to end: the real binary, three builds -------------------------------
# Each suite starts its own servers (tests/lib.sh) and stops them by PID.
#   integration  every rule of the contract (tests/itest.c, stest.c, mtest.c)
#   hostile      huge frames, request limits, half-open peers (tests/hostile.c)
#   faults       slowloris, a slow reader, resets, fd exhaustion (tests/fault.c)
#   relay        relay mode against letterd, tests/origin.py and a fake
#                upstream that misbehaves (tests/rtest.c)
#   feed         feed mode: writers on the socket and on standard input,
#                the line protocol, bursts and floods (tests/ftest.c)
run "docs" tests/docs.sh
run "command line" tests/cli.sh ./letterd
for variant in epoll:./letterd asan+ubsan:$B/letterd-asan poll:$B/letterd-poll; do
	build_name=${variant%%:*}
	bin=${variant#*:}
	[ -x "$bin" ] || continue
	for suite in integration hostile fault relay feed; do
		ASAN_OPTIONS=detect_leaks=1 run "$suite ($build_name)" tests/$suite.sh "$bin"
	done
done

# --- valgrind: no error and no leak, while clients come and go -------------------
if command -v valgrind >/dev/null 2>&1; then
	run "valgrind churn" tests/valgrind.sh ./letterd
	run "hostile (valgrind)" tests/hostile.sh ./letterd valgrind
else
	skip "valgrind: not installed (apt-get install valgrind)"
fi

# --- interop: Debian's python3-websockets -------------------------------------
PY=/usr/bin/python3
if [ -x "$PY" ] && "$PY" -c 'import websockets' 2>/dev/null; then
	run "interop python3-websockets" tests/interop.sh "$PY" ./letterd
else
	skip "interop: Debian's python3-websockets is not installed (apt-get install python3-websockets)"
fi

# --- relays behind Debian's nginx ------------------------------------------------
if [ -x /usr/sbin/nginx ]; then
	run "nginx in front of two relays" tests/nginx.sh ./letterd
else
	skip "nginx: /usr/sbin/nginx is missing (apt-get install nginx)"
fi

# --- the page in a real browser: Debian's chromium + playwright-core -----------
if [ ! -x /usr/bin/chromium ]; then
	skip "browser: /usr/bin/chromium is missing (apt-get install chromium)"
elif ! command -v node >/dev/null 2>&1; then
	skip "browser: node is missing"
elif [ ! -d tests/browser/node_modules/playwright-core ]; then
	skip "browser: playwright-core is not installed (cd tests/browser && npm ci)"
else
	run "browser (chromium)" tests/browser/run.sh ./letterd
fi

# --- packaging: shellcheck, the init scripts, the Makefile as packages drive it --
run "packaging" sh tests/packaging.sh

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
