#!/bin/sh
# SPDX-License-Identifier: ISC
# tests/fuzz/run.sh [SECONDS] - builds every fuzz target with libFuzzer and
# runs each for SECONDS (default 60).  `make fuzz` and .ci/run call it.
#
# Each target is built with clang -fsanitize=fuzzer,address,undefined into
# tests/fuzz/build/fuzz_<target>, and run on a working corpus,
# tests/fuzz/build/corpus/<target>, which starts as a copy of the seeds in
# tests/fuzz/corpus/<target> and keeps what earlier runs found.  For each
# target it reports libFuzzer's figures -- executions per second, the
# corpus size (inputs/bytes) and the coverage (cov: edges reached) -- and
# any finding: a crash, leak, timeout or out-of-memory input is copied to
# tests/fuzz/regress/<target>/, where replay.sh will run it on every test
# run from then on.  The exit status is non-zero on any finding or build
# failure.
#
# Environment: CLANG (default clang); FUZZ_TARGETS (default: all six);
# FUZZ_CFLAGS, extra compiler flags (e.g. -DLETTERD_POLL=1 for the poll()
# backend); FUZZ_ARGS, extra libFuzzer flags (e.g. -jobs=4 -workers=4).
set -u
cd "$(dirname "$0")/../.." || exit 1

SECONDS_EACH=${1:-60}
CLANG=${CLANG:-clang}
TARGETS=${FUZZ_TARGETS:-"http ws json utf8 conn line"}
F=tests/fuzz
B=$F/build
CFLAGS="-std=c99 -Wall -Wextra -pedantic -g -O1 -fno-omit-frame-pointer"
SAN="-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all"
DEFS="-D_XOPEN_SOURCE=700 -I. -I$F"
status=0

mkdir -p "$B"

# libFuzzer's runtime comes with clang's compiler-rt, which Debian ships
# apart from clang itself.
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n)\n{ (void)d; (void)n; return 0; }\n' >"$B/probe.c"
if ! "$CLANG" -fsanitize=fuzzer -o "$B/probe" "$B/probe.c" >"$B/probe.log" 2>&1; then
	cat "$B/probe.log"
	echo "FAIL: $CLANG cannot link libFuzzer; on Debian: apt-get install -y libclang-rt-14-dev"
	exit 1
fi

if [ ! -f page.c ] && ! make page.c >"$B/make.log" 2>&1; then
	cat "$B/make.log"
	echo "FAIL: make page.c"
	exit 1
fi
SERVER="$(sed -n 's/^SRC *= *//p' Makefile | tr ' ' '\n' | grep -v '^main\.c$' | tr '\n' ' ') page.c"

sources() {
	case $1 in
	http) echo "http.c origin.c format.c" ;;
	ws) echo "ws.c utf8.c sha1.c base64.c $F/utf8_ref.c" ;;
	json) echo json.c ;;
	utf8) echo "utf8.c $F/utf8_ref.c" ;;
	conn) echo "$SERVER $F/utf8_ref.c" ;;
	line) echo "line.c json.c" ;;
	esac
}

printf '%-6s %10s %16s %8s  %s\n' target "execs/s" "corpus" "cov" finding
for t in $TARGETS; do
	bin=$B/fuzz_$t
	log=$B/fuzz_$t.log
	work=$B/corpus/$t
	art=$B/artifacts/$t
	# shellcheck disable=SC2046,SC2086 # the lists are meant to split
	if ! "$CLANG" $CFLAGS $SAN $DEFS ${FUZZ_CFLAGS:-} -o "$bin" $F/fuzz_$t.c \
	    $(sources "$t") >"$log" 2>&1 || grep -q 'warning:' "$log"; then
		cat "$log"
		printf '%-6s %10s %16s %8s  %s\n' "$t" - - - "BUILD FAILED"
		status=1
		continue
	fi
	mkdir -p "$work" "$art" "$F/regress/$t"
	rm -f "$art"/*
	cp "$F"/corpus/"$t"/* "$work"/
	dict=
	[ -f "$F/$t.dict" ] && dict=-dict=$F/$t.dict
	# -timeout: an input that takes 25 s is a hang, not a slow input;
	# -rss_limit_mb: a run that needs 2 GB is a leak of its own kind.
	# shellcheck disable=SC2086
	"$bin" -max_total_time="$SECONDS_EACH" -print_final_stats=1 -timeout=25 \
	    -rss_limit_mb=2048 -artifact_prefix="$art/" $dict ${FUZZ_ARGS:-} "$work" \
	    >"$log" 2>&1
	rc=$?

	execs=$(awk '/^stat::average_exec_per_sec:/ { print $2 }' "$log")
	# the last status line: "#N  DONE  cov: E ft: F corp: I/Sb ..."
	corp=$(awk '/ corp: / { for (i = 1; i < NF; i++) if ($i == "corp:") c = $(i + 1) } END { print c }' "$log")
	cov=$(awk '/ cov: / { for (i = 1; i < NF; i++) if ($i == "cov:") c = $(i + 1) } END { print c }' "$log")
	found=
	for a in "$art"/crash-* "$art"/leak-* "$art"/timeout-* "$art"/oom-*; do
		[ -f "$a" ] || continue
		cp "$a" "$F/regress/$t/"
		found="$found $(basename "$a")"
	done
	if [ -n "$found" ]; then
		status=1
		printf '%-6s %10s %16s %8s  %s\n' "$t" "${execs:--}" "${corp:--}" "${cov:--}" \
		    "FOUND:$found -> $F/regress/$t/"
		grep -m1 -E 'FUZZ_CHECK|ERROR: |runtime error' "$log" | cut -c1-200
		echo "    (full report: $log)"
	elif [ "$rc" -ne 0 ]; then
		status=1
		printf '%-6s %10s %16s %8s  %s\n' "$t" "${execs:--}" "${corp:--}" "${cov:--}" \
		    "FAILED (exit $rc, no input saved; see $log)"
		tail -n 15 "$log"
	else
		printf '%-6s %10s %16s %8s  %s\n' "$t" "${execs:--}" "${corp:--}" "${cov:--}" none
	fi
done
exit $status
