#!/bin/sh
# SPDX-License-Identifier: ISC
# tests/fuzz/replay.sh [CC] - every seed and every input that ever made a
# fuzz target fail, run again through that target, without libFuzzer.
#
# Each target is linked with replay.c instead of libFuzzer and built with
# CC (default: $CC, else cc) and AddressSanitizer + UndefinedBehaviorSanitizer,
# warning-free under -std=c99 -Wall -Wextra -pedantic, into
# tests/fuzz/build/replay-CC/.  Then each runs over corpus/<target> and
# regress/<target>.  The whole-connection target runs twice: on the epoll
# backend and on poll().
#
# The last line is "N passed, M failed": N counts the inputs that ran
# clean (plus the builds), M the inputs that failed and the builds that
# did not succeed.  The exit status is non-zero if M is.  When an input
# fails, the tail of its report is shown, and the inputs are run one by
# one to name every failing one.
set -u
cd "$(dirname "$0")/../.." || exit 1

CC=${1:-${CC:-cc}}
F=tests/fuzz
B=$F/build/replay-$(basename "$CC")
WFLAGS="-std=c99 -Wall -Wextra -pedantic"
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
DEFS="-D_XOPEN_SOURCE=700 -I. -I$F"
passed=0
failed=0

mkdir -p "$B"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"

# The sources each target links: the server's files minus main.c (read
# from the Makefile, so a new file is picked up), and page.c, which make
# generates from index.html.
server_src() {
	sed -n 's/^SRC *= *//p' Makefile | tr ' ' '\n' | grep -v '^main\.c$' | tr '\n' ' '
	echo page.c
}
if [ ! -f page.c ] && ! make page.c >"$B/make.log" 2>&1; then
	cat "$B/make.log"
	echo "0 passed, 1 failed"
	exit 1
fi
SERVER=$(server_src)

sources() {
	case $1 in
	http) echo "http.c origin.c format.c" ;;
	ws) echo "ws.c utf8.c sha1.c base64.c $F/utf8_ref.c" ;;
	json) echo json.c ;;
	utf8) echo "utf8.c $F/utf8_ref.c" ;;
	conn | conn_poll) echo "$SERVER $F/utf8_ref.c" ;;
	line) echo "line.c json.c" ;;
	esac
}

for t in http ws json utf8 conn conn_poll line; do
	src=${t%_poll}
	extra=
	[ "$t" = conn_poll ] && extra=-DLETTERD_POLL=1
	bin=$B/replay_$t
	log=$B/$t.log
	# shellcheck disable=SC2046,SC2086 # word splitting of the flags and sources is meant
	if ! "$CC" $WFLAGS -O1 -g $SAN $DEFS $extra -o "$bin" $F/replay.c $F/fuzz_$src.c \
	    $(sources "$t") >"$log" 2>&1 || grep -q 'warning:' "$log"; then
		echo "FAIL: build of replay_$t with $CC"
		cat "$log"
		failed=$((failed + 1))
		continue
	fi
	passed=$((passed + 1))
	dirs=
	for d in $F/corpus/$src $F/regress/$src; do
		[ -d "$d" ] && dirs="$dirs $d"
	done
	# shellcheck disable=SC2086
	if "$bin" $dirs >"$log" 2>&1; then
		n=$(awk '/^[0-9]+ passed, [0-9]+ failed/ { print $1 }' "$log")
		echo "ok:   replay $t: ${n:-0} inputs"
		passed=$((passed + ${n:-0}))
		continue
	fi
	# Something died: run the inputs one at a time to count and name.
	echo "FAIL: replay $t; the first report:"
	tail -n 25 "$log"
	for d in $dirs; do
		for f in "$d"/*; do
			[ -f "$f" ] || continue
			if "$bin" "$f" >"$log.one" 2>&1; then
				passed=$((passed + 1))
			else
				failed=$((failed + 1))
				echo "FAIL: $t: $f ($(grep -m1 -E 'FUZZ_CHECK|ERROR: |runtime error' "$log.one" | cut -c1-160))"
			fi
		done
	done
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
