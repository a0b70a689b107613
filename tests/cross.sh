#!/bin/sh
# SPDX-License-Identifier: ISC
# tests/cross.sh: letterd on the boards it is meant for, without the boards.
# For each board of tests/boards.sh (make boards) it builds the static
# letterd into build/TARGET/letterd with that script (the same sources,
# flags and checks as make boards: machine, byte order, float ABI, libc,
# size budget), writes build/TARGET/run, a wrapper that execs qemu-user on
# it, and runs tests/static.sh with that wrapper: linkage, size, memory
# after start, then the command-line and integration suites, whose native
# test client talks to the emulated server over loopback.
#
#   x86_64-linux-musl     runs here, without an emulator
#   arm-linux-musleabihf  qemu-arm
#   arm-linux-musleabi    qemu-arm (it runs armel binaries too)
#   aarch64-linux-musl    qemu-aarch64
#   mipsel-linux-musl     qemu-mipsel
#   mips-linux-gnu        qemu-mips: big-endian, so if a byte order were
#                         assumed anywhere (SHA-1 words, frame lengths,
#                         close codes, ports), this one would fail
#
# CROSS_TARGETS="..." picks some of them.  A board whose compiler or qemu
# is missing prints "SKIP: ..." with the apt-get lines that install it;
# with CI=true a SKIP counts as a failure.  qemu is in qemu-user.
#
# The binaries are static, so qemu needs no -L sysroot (and is not given
# one: -L also redirects the server's own absolute paths, such as -r DIR).
# Ends with a table and "N passed, M failed"; exits non-zero on failure.
set -u
cd "$(dirname "$0")/.." || exit 1
root=$(pwd)
CI=${CI:-}
HOSTCC=${HOSTCC:-cc}
export HOSTCC
boards=$(sh tests/boards.sh --list) || exit 1
targets=${CROSS_TARGETS:-$(echo "$boards" | awk '{ print $1 }')}
passed=0
failed=0
table=$(mktemp)
trap 'rm -f "$table"' EXIT

skip() {
	echo "SKIP: $1"
	if [ "$CI" = true ]; then
		echo "FAIL: a SKIP is a failure under CI=true"
		failed=$((failed + 1))
	fi
}

# counts LOG: "P F" from the last "N passed, M failed" line of LOG, or "".
counts() {
	awk '/^[0-9]+ passed, [0-9]+ failed$/ { c = $1 " " $3 } END { print c }' "$1"
}

for t in $targets; do
	qemu=$(echo "$boards" | awk -v t="$t" '$1 == t { print $2 }')
	if [ -z "$qemu" ]; then
		echo "FAIL: $t: not a board of tests/boards.sh"
		failed=$((failed + 1))
		continue
	fi
	echo "== $t"
	if ! why=$(sh tests/boards.sh --check "$t"); then
		skip "$t: $why"
		continue
	fi
	if [ "$qemu" != - ] && ! command -v "$qemu" >/dev/null 2>&1; then
		skip "$t: $qemu is missing (apt-get install qemu-user)"
		continue
	fi

	dir=build/$t
	mkdir -p "$dir"
	t0=$(date +%s)
	sh tests/boards.sh --build "$t" >"$dir/boards.log" 2>&1
	rc=$?
	t1=$(date +%s)
	c=$(counts "$dir/boards.log")
	p=${c% *}
	f=${c#* }
	[ -n "$c" ] || { p=0; f=1; }
	[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
	passed=$((passed + p))
	failed=$((failed + f))
	grep -E '^(FAIL|SKIP)|note:' "$dir/boards.log" | sed "s/^/$t: /"
	if [ ! -f "$dir/letterd" ]; then
		echo "FAIL: $t: no binary (tests/boards.sh --build $t)"
		cat "$dir/boards.log"
		printf '%s\t-\t-\tbuild failed\t%s s\t-\n' "$t" $((t1 - t0)) >>"$table"
		continue
	fi

	if [ "$qemu" = - ]; then
		run=$dir/letterd
	else
		run=$dir/run
		cat >"$run" <<EOF
#!/bin/sh
# made by tests/cross.sh: the $t letterd under $qemu
exec $qemu "$root/$dir/letterd" "\$@"
EOF
		chmod +x "$run"
	fi

	sh tests/static.sh "$dir/letterd" "$run" >"$dir/test.log" 2>&1
	rc=$?
	t2=$(date +%s)
	sed "s/^/$t: /" "$dir/test.log"
	c=$(counts "$dir/test.log")
	p=${c% *}
	f=${c#* }
	[ -n "$c" ] || { p=0; f=1; }
	[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
	passed=$((passed + p))
	failed=$((failed + f))
	size=$(sed -n 's/^size: \([0-9]*\) bytes.*/\1/p' "$dir/test.log")
	rss=$(sed -n 's/^rss: \([0-9]*\) kB.*/\1/p' "$dir/test.log")
	printf '%s\t%s\t%s\t%s passed, %s failed\t%s s\t%s s\n' "$t" \
	    "${size:--}" "${rss:--}" "$p" "$f" $((t1 - t0)) $((t2 - t1)) >>"$table"
done

echo
echo "target               size (bytes)  RSS kB (qemu)  tests                build  suites"
awk -F '\t' '{ printf "%-20s %-13s %-14s %-20s %-6s %s\n", $1, $2, $3, $4, $5, $6 }' "$table"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
