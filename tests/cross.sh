#!/bin/sh
# tests/cross.sh: letterd on the boards it is meant for, without the boards.
# For each target it builds a static letterd with Debian's cross compiler
# into build/TARGET/letterd (make static: the same sources and flags as
# every other build; mkpage runs on this machine), writes build/TARGET/run,
# a wrapper that execs qemu-user on it, and runs tests/static.sh with that
# wrapper: linkage, size, memory after start, then the command-line and
# integration suites, whose native test client talks to the emulated
# server over loopback.
#
#   arm-linux-gnueabihf  32-bit ARM, hard float (Raspberry Pi OS, BeagleBone)
#   aarch64-linux-gnu    64-bit ARM
#   mips-linux-gnu       32-bit big-endian MIPS: if a byte order were
#                        assumed anywhere (SHA-1 words, frame lengths, close
#                        codes, ports), this one would fail
#
# CROSS_TARGETS="..." picks some of them.  A target whose compiler or qemu
# is missing prints "SKIP: ..."; with CI=true a SKIP counts as a failure.
# The packages: gcc-arm-linux-gnueabihf gcc-aarch64-linux-gnu
# gcc-mips-linux-gnu libc6-dev-armhf-cross libc6-dev-arm64-cross
# libc6-dev-mips-cross qemu-user.
#
# The binaries are static, so qemu needs no -L sysroot (and is not given
# one: -L also redirects the server's own absolute paths, such as -r DIR).
# Ends with a table and "N passed, M failed"; exits non-zero on failure.
set -u
cd "$(dirname "$0")/.." || exit 1
root=$(pwd)
CI=${CI:-}
HOSTCC=${HOSTCC:-cc}
targets=${CROSS_TARGETS:-arm-linux-gnueabihf aarch64-linux-gnu mips-linux-gnu}
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

for t in $targets; do
	# qemu's name for the machine, and what file(1) must say of the
	# binary: the right machine, word size and byte order.
	case $t in
	arm-linux-gnueabihf) qemu='qemu-arm'; want='32-bit LSB.*ARM';;
	aarch64-linux-gnu) qemu='qemu-aarch64'; want='64-bit LSB.*ARM aarch64';;
	mips-linux-gnu) qemu='qemu-mips'; want='32-bit MSB.*MIPS';;
	*) echo "FAIL: $t: unknown target"; failed=$((failed + 1)); continue;;
	esac
	echo "== $t"
	if ! command -v "$t-gcc" >/dev/null 2>&1; then
		skip "$t: $t-gcc not installed (apt-get install gcc-$t)"
		continue
	fi
	if ! command -v "$qemu" >/dev/null 2>&1; then
		skip "$t: $qemu not installed (apt-get install qemu-user)"
		continue
	fi

	dir=build/$t
	mkdir -p "$dir"
	t0=$(date +%s)
	make static STATIC_CC="$t-gcc" STATIC_OUT="$dir/letterd" \
	    HOSTCC="$HOSTCC" >"$dir/build.log" 2>&1
	rc=$?
	t1=$(date +%s)
	# A compiler warning (one with its -W option) fails the build;
	# the linker's notes are shown.
	if [ "$rc" -ne 0 ] || grep -q 'warning:.*\[-W' "$dir/build.log"; then
		echo "FAIL: $t: build (exit $rc)"
		cat "$dir/build.log"
		failed=$((failed + 1))
		printf '%s\t-\t-\tbuild failed\t%s s\t-\n' "$t" $((t1 - t0)) >>"$table"
		continue
	fi
	grep 'warning:' "$dir/build.log" | sed "s/^/$t: note: /"
	passed=$((passed + 1))
	if ! command -v file >/dev/null 2>&1; then
		skip "$t: file(1) not installed: machine and byte order not checked"
	elif file -b "$dir/letterd" | grep -q "$want"; then
		passed=$((passed + 1))
	else
		echo "FAIL: $t: file says '$(file -b "$dir/letterd")', expected '$want'"
		failed=$((failed + 1))
	fi

	cat >"$dir/run" <<EOF
#!/bin/sh
# made by tests/cross.sh: the $t letterd under $qemu
exec $qemu "$root/$dir/letterd" "\$@"
EOF
	chmod +x "$dir/run"

	sh tests/static.sh "$dir/letterd" "$dir/run" >"$dir/test.log" 2>&1
	rc=$?
	t2=$(date +%s)
	sed "s/^/$t: /" "$dir/test.log"
	counts=$(awk '/^[0-9]+ passed, [0-9]+ failed$/ { c = $1 " " $3 } END { print c }' \
	    "$dir/test.log")
	if [ -z "$counts" ]; then
		p=0
		f=1
	else
		p=${counts% *}
		f=${counts#* }
		[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
	fi
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
