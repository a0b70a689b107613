#!/bin/sh
# SPDX-License-Identifier: ISC
# tests/static.sh BINARY [RUNNER]: what a board would get.  Checks that
# BINARY is one statically linked file, prints its size and the memory the
# server holds right after start, then runs the command-line and
# integration suites against it.
#
# RUNNER is the command that runs BINARY when this machine cannot, such as
# a script that execs qemu-mips BINARY "$@" (tests/cross.sh writes those);
# it is BINARY itself by default.  Under an emulator the memory is the
# emulator's, and it says so.
#
# LETTERD_SIZE_BUDGET=BYTES fails the run when BINARY is larger (make
# static-test passes its STATIC_BUDGET; the project aims at 98304 for the
# x86-64 musl build, docs/portability.md); 0 or unset, the size is only
# printed.
#
# The last line is "N passed, M failed"; the exit status is non-zero on any
# failure.  The lines before it starting "size:" and "rss:" are for
# tests/cross.sh, which collects them into its table.
set -u
cd "$(dirname "$0")/.." || exit 1
bin=${1:?usage: tests/static.sh BINARY [RUNNER]}
run=${2:-$bin}
budget=${LETTERD_SIZE_BUDGET:-0}
. tests/lib.sh
p=0
f=0
ok() { p=$((p + 1)); }
bad() { f=$((f + 1)); echo "FAIL: $*"; }

if [ ! -f "$bin" ]; then
	echo "FAIL: $bin: no such file"
	echo "0 passed, 1 failed"
	exit 1
fi

# One file: no interpreter, no shared library.  file(1) says "statically
# linked" (or "static-pie linked"); readelf is the fallback.
if command -v file >/dev/null 2>&1; then
	desc=$(file -b "$bin")
	echo "file: $desc"
	case $desc in
	*"statically linked"* | *"static-pie linked"*) ok;;
	*) bad "$bin is not statically linked";;
	esac
elif command -v readelf >/dev/null 2>&1; then
	if readelf -lW "$bin" | grep -q 'INTERP'; then
		bad "$bin has a program interpreter: not static"
	else
		ok
	fi
else
	echo "SKIP: neither file nor readelf: linkage not checked"
fi
# ldd only knows this machine's binaries; for those it must agree.
if [ "$run" = "$bin" ] && command -v ldd >/dev/null 2>&1; then
	if ldd "$bin" 2>&1 | grep -q '=>'; then
		bad "ldd lists shared libraries for $bin"
	else
		ok
	fi
fi

# The size as the board stores it: the file itself, stripped by the build.
size=$(wc -c <"$bin" | tr -d ' ')
kib=$(awk "BEGIN { printf \"%.1f\", $size / 1024 }")
echo "size: $size bytes ($kib KiB)"
if [ "$budget" -gt 0 ]; then
	if [ "$size" -le "$budget" ]; then
		ok
	else
		bad "$bin is $size bytes, over the budget of $budget" \
		    "(LETTERD_SIZE_BUDGET) by $((size - budget))"
	fi
fi

# Resident memory once the server is up and idle: the tables are
# allocated after the listening line, so give it a moment.
if start_server "$run"; then
	ok
	sleep 0.5
	rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$SERVER_PID/status" 2>/dev/null)
	if [ -z "$rss" ]; then
		echo "rss: unknown (no /proc/PID/status)"
	elif [ "$run" = "$bin" ]; then
		echo "rss: $rss kB"
	else
		echo "rss: $rss kB of the emulator process (not the board's figure)"
	fi
	stop_server TERM
	# shellcheck disable=SC2015 # ok never fails
	[ "$SERVER_STATUS" -eq 0 ] && ok || bad "exit status $SERVER_STATUS after SIGTERM"
else
	bad "$run did not start"
	stop_server KILL
fi

# The suites, each with its own counts; their failures are printed.
for suite in cli integration; do
	log=$(mktemp)
	t0=$(date +%s)
	sh "tests/$suite.sh" "$run" >"$log" 2>&1
	rc=$?
	t1=$(date +%s)
	counts=$(awk '/^[0-9]+ passed, [0-9]+ failed$/ { c = $1 " " $3 } END { print c }' "$log")
	if [ -z "$counts" ]; then
		bad "$suite: no counts (exit $rc)"
		tail -n 20 "$log"
	else
		sp=${counts% *}
		sf=${counts#* }
		p=$((p + sp))
		f=$((f + sf))
		if [ "$rc" -ne 0 ] && [ "$sf" -eq 0 ]; then
			bad "$suite exited $rc"
		fi
		grep -E 'FAIL' "$log"
		# The timings worth seeing next to an emulator's slowness.
		[ "$suite" = integration ] &&
		    grep -E 'values of A in|pings in|client 1 had' "$log"
		echo "$suite: $sp passed, $sf failed in $((t1 - t0)) s"
	fi
	rm -f "$log"
done

echo "$p passed, $f failed"
[ "$f" -eq 0 ]
