#!/bin/sh
# SPDX-License-Identifier: ISC
# tests/boards.sh: letterd for the boards people have, one static binary
# per kind of board, each built by make static with Debian's compilers:
#
#   x86_64-linux-musl     x86-64 boxes and VMs                  musl-tools
#   arm-linux-musleabihf  32-bit ARMv7 with an FPU: Raspberry Pi 2 and
#                         later on a 32-bit OS, BeagleBone        musl-dev:armhf
#   arm-linux-musleabi    ARMv5TE and later, no FPU needed: Pi 1 and Zero
#                         (ARMv6, too old for armhf), Kirkwood NAS  musl-dev:armel
#   aarch64-linux-musl    64-bit ARM: Pi 3/4/5 on a 64-bit OS      musl-dev:arm64
#   mipsel-linux-musl     little-endian MIPS32r2 routers (MT7621,
#                         MT7628)                               musl-dev:mipsel
#   mips-linux-gnu        big-endian MIPS32r2 routers (ath79).  Debian has no
#                         musl for big-endian MIPS, so this one links
#                         glibc statically; it is kept for its byte order:
#                         if one were assumed anywhere, it would fail
#
# Each lands in build/TARGET/letterd, stripped, with an unstripped copy
# (the same flags without -s) in build/TARGET/letterd.debug for nm.
#
#   sh tests/boards.sh             (make boards) builds every board, checks
#                                  each binary's machine, byte order, float
#                                  ABI and libc, prints the sizes against
#                                  their budgets, fails one that is over,
#                                  then runs the checks for floating point
#   BOARDS="t1 t2" sh tests/boards.sh   only those boards
#   sh tests/boards.sh --build TARGET   one board, no floating-point checks
#                                  (tests/cross.sh builds with it)
#   sh tests/boards.sh --list      "TARGET QEMU" per board; QEMU is "-" for
#                                  the one this machine runs natively
#   sh tests/boards.sh --check TARGET   exit 0 if its compilers are installed,
#                                  else print the apt-get lines and exit 1
#
# A board whose compiler is missing is a failure: the script names the
# Debian packages and the exact commands that install them.  The last line
# is "N passed, M failed"; the exit status is non-zero on any failure.
set -u
cd "$(dirname "$0")/.." || exit 1
HOSTCC=${HOSTCC:-cc}
ALL="x86_64-linux-musl arm-linux-musleabihf arm-linux-musleabi aarch64-linux-musl mipsel-linux-musl mips-linux-gnu"

# ---- The size budgets: the one place to change them ------------------------
# Bytes of the stripped binary.  Each is the size reached with the feed
# (-s), the Origin policy (-o) and the page inside, rounded up to the next
# KiB, so that any growth is a decision and not an accident: whoever adds
# code on purpose raises the budget in the same commit, and
# docs/portability.md records the figures.
budget() {
	case $1 in
	x86_64-linux-musl)    echo 116736;;   # 114 KiB
	arm-linux-musleabihf) echo 92160;;    #  90 KiB
	arm-linux-musleabi)   echo 124928;;   # 122 KiB
	aarch64-linux-musl)   echo 124928;;   # 122 KiB
	mipsel-linux-musl)    echo 155648;;   # 152 KiB
	mips-linux-gnu)       echo 917504;;   # 896 KiB, static glibc
	*) echo 0;;
	esac
}

# ---- What each board needs --------------------------------------------------
# Flags added to make static's for every board:
#   -fno-pie   make static links with -static, which gives a fixed-address
#              executable (ET_EXEC) even where gcc makes PIE by default, as
#              Debian's does: position-independent code buys no address
#              randomisation there and costs 4 KiB on x86-64 and on MIPS.
# Flags only for the musl boards:
#   -Wl,-z,norelro   musl never makes the RELRO region read-only in a
#              static binary (it has no dynamic linker to do it; glibc's
#              static start-up does, so the glibc board keeps it), so the
#              segment protects nothing, while its page alignment costs up
#              to one page: 55 KiB on arm64, whose page can be 64 KiB.
# Not used:
#   -Wl,-z,max-page-size=4096  shrinks arm64 as much, but the binary then
#              fails to load under a 16 KiB or 64 KiB page kernel (the
#              Raspberry Pi 5's default kernel uses 16 KiB pages); with
#              norelro, arm64 is as small while it keeps 64 KiB alignment.
#   -Wl,-z,noseparate-code   -8 KiB on x86-64, but it maps read-only data
#              executable.
#   -Wl,--hash-style=gnu, -fno-unwind-tables, -fno-ident: no change (a
#              static binary has no hash table; make static already drops
#              the asynchronous unwind tables).
#   -fno-stack-protector: no change, Debian's gcc does not turn the
#              protector on; it would only ever remove a protection.
FLAGS_ALL="-fno-pie"
FLAGS_MUSL="-Wl,-z,norelro"

# board TARGET: sets cc (the compiler make static runs), real (the gcc it
# wraps, which must be there too), qemu, arch (Debian's name for the
# architecture, for dpkg --add-architecture; "-" for none), pkgs (what to
# install), want (what file(1) must say: machine, word size, byte order),
# abi (what readelf -h must say of the float ABI, or "") and extra (flags).
board() {
	abi=
	extra="$FLAGS_ALL $FLAGS_MUSL"
	case $1 in
	x86_64-linux-musl)
		cc=musl-gcc real=gcc qemu=- arch=-
		pkgs="musl-tools"
		want='64-bit LSB.*x86-64';;
	arm-linux-musleabihf)
		cc=arm-linux-musleabihf-gcc real=arm-linux-gnueabihf-gcc
		qemu=qemu-arm arch=armhf
		pkgs="gcc-arm-linux-gnueabihf musl-dev:armhf"
		want='32-bit LSB.*ARM' abi='hard-float ABI';;
	arm-linux-musleabi)
		# qemu-arm runs armel binaries as well as armhf ones.
		cc=arm-linux-musleabi-gcc real=arm-linux-gnueabi-gcc
		qemu=qemu-arm arch=armel
		pkgs="gcc-arm-linux-gnueabi musl-dev:armel"
		want='32-bit LSB.*ARM' abi='soft-float ABI';;
	aarch64-linux-musl)
		cc=aarch64-linux-musl-gcc real=aarch64-linux-gnu-gcc
		qemu=qemu-aarch64 arch=arm64
		pkgs="gcc-aarch64-linux-gnu musl-dev:arm64"
		want='64-bit LSB.*ARM aarch64';;
	mipsel-linux-musl)
		cc=mipsel-linux-musl-gcc real=mipsel-linux-gnu-gcc
		qemu=qemu-mipsel arch=mipsel
		pkgs="gcc-mipsel-linux-gnu musl-dev:mipsel"
		want='32-bit LSB.*MIPS';;
	mips-linux-gnu)
		cc=mips-linux-gnu-gcc real=mips-linux-gnu-gcc
		qemu=qemu-mips arch=-
		pkgs="gcc-mips-linux-gnu libc6-dev-mips-cross"
		want='32-bit MSB.*MIPS'
		extra=$FLAGS_ALL;;
	*) return 1;;
	esac
}

# install_lines TARGET: the commands that install TARGET's compilers.
install_lines() {
	board "$1" || return
	if [ "$arch" != - ]; then
		echo "    dpkg --add-architecture $arch && apt-get update"
	fi
	echo "    apt-get install $pkgs"
}

# have_tools TARGET: are the compiler and the gcc it wraps both there?
have_tools() {
	command -v "$cc" >/dev/null 2>&1 && command -v "$real" >/dev/null 2>&1
}

passed=0
failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }
skip() {
	echo "SKIP: $1"
	if [ "${CI:-}" = true ]; then
		bad "a SKIP is a failure under CI=true"
	fi
}
table=$(mktemp)
# older than whatever this run builds, and never written to
started=$(mktemp)
trap 'rm -f "$table" "$started"' EXIT
missing=

# build_board TARGET: build/TARGET/letterd and letterd.debug, then the
# checks of the binary and its budget; a line for the table.
build_board() {
	t=$1
	if ! board "$t"; then
		bad "$t: unknown board (the boards: $ALL)"
		return
	fi
	if ! have_tools; then
		bad "$t: $cc or $real is missing; to install them:"
		install_lines "$t"
		missing="$missing $t"
		printf '%s\t-\t-\t%s\tno compiler\n' "$t" "$(budget "$t")" >>"$table"
		return
	fi
	dir=build/$t
	mkdir -p "$dir"
	rm -f "$dir/letterd" "$dir/letterd.debug"
	make static STATIC_CC="$cc" STATIC_OUT="$dir/letterd" \
	    STATIC_EXTRA="$extra" HOSTCC="$HOSTCC" >"$dir/build.log" 2>&1 &&
	make static STATIC_CC="$cc" STATIC_OUT="$dir/letterd.debug" \
	    STATIC_EXTRA="$extra" STATIC_STRIP= HOSTCC="$HOSTCC" \
	    >>"$dir/build.log" 2>&1
	rc=$?
	# A compiler warning (one with its -W option) fails the build; the
	# linker's notes (static glibc and getaddrinfo) are only shown.
	if [ "$rc" -ne 0 ] || grep -q 'warning:.*\[-W' "$dir/build.log"; then
		bad "$t: build (exit $rc), $dir/build.log:"
		cat "$dir/build.log"
		printf '%s\t-\t-\t%s\tbuild failed\n' "$t" "$(budget "$t")" >>"$table"
		return
	fi
	grep 'warning:' "$dir/build.log" | sort -u | sed "s/^/$t: note: /"
	ok

	bin=$dir/letterd
	if command -v file >/dev/null 2>&1; then
		desc=$(file -b "$bin")
		if echo "$desc" | grep -q "$want" &&
		    echo "$desc" | grep -q 'statically linked'; then
			ok
		else
			bad "$t: file says '$desc'; expected '$want', statically linked"
		fi
		# glibc leaves its ABI note, which file(1) shows as "for
		# GNU/Linux": a musl board must not have one.
		case $t:$desc in
		*-musl*:*"for GNU/Linux"*) bad "$t: linked with glibc, not musl";;
		*-musl*:*) ok;;
		esac
	else
		skip "$t: file(1) is missing (apt-get install file): machine not checked"
	fi
	if [ -n "$abi" ]; then
		if ! command -v readelf >/dev/null 2>&1; then
			skip "$t: readelf is missing (apt-get install binutils): float ABI not checked"
		elif readelf -h "$bin" | grep -q "$abi"; then
			ok
		else
			bad "$t: readelf -h does not say '$abi'"
		fi
	fi

	size=$(wc -c <"$bin" | tr -d ' ')
	b=$(budget "$t")
	if [ "$size" -le "$b" ]; then
		ok
		verdict="ok, $((b - size)) to spare"
	else
		bad "$t: $size bytes, over its budget of $b by $((size - b))" \
		    "(tests/boards.sh, budget())"
		verdict="OVER by $((size - b))"
	fi
	printf '%s\t%s\t%s\t%s\t%s\n' "$t" "$size" \
	    "$(awk "BEGIN { printf \"%.1f\", $size / 1024 }")" "$b" "$verdict" >>"$table"
}

print_table() {
	echo
	echo "board                 bytes    KiB    budget   verdict"
	awk -F '\t' '{ printf "%-21s %-8s %-6s %-8s %s\n", $1, $2, $3, $4, $5 }' "$table"
}

case ${1:-} in
--list)
	for t in $ALL; do
		board "$t"
		echo "$t $qemu"
	done
	exit 0;;
--check)
	board "${2:-}" || { echo "unknown board: ${2:-}"; exit 2; }
	have_tools && exit 0
	echo "$cc or $real is missing; to install them:"
	install_lines "$2"
	exit 1;;
--build)
	build_board "${2:?usage: tests/boards.sh --build TARGET}"
	print_table
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit;;
"") ;;
*)
	echo "usage: tests/boards.sh [--list | --check TARGET | --build TARGET]" >&2
	exit 2;;
esac

for t in ${BOARDS:-$ALL}; do
	echo "== $t"
	build_board "$t"
done
print_table
if [ -n "$missing" ]; then
	echo
	echo "Missing compilers; as root, all at once:"
	archs=
	pkgs_all=
	for t in $missing; do
		board "$t"
		[ "$arch" = - ] || archs="$archs $arch"
		pkgs_all="$pkgs_all $pkgs"
	done
	for a in $archs; do
		echo "    dpkg --add-architecture $a"
	done
	echo "    apt-get update"
	echo "    apt-get install$pkgs_all"
fi

# ---- No floating point ------------------------------------------------------
# letterd needs no floating point, and on the boards without an FPU (armel,
# most MIPS routers) it is emulated: in software by libgcc (armel) or by
# the kernel, trapping on each instruction (MIPS).  Two checks, which hold
# once metrics.c formats its seconds with integers, and a note:
echo
echo "== no floating point"
# 1. No product source says float or double.  Comments are stripped first
#    (gcc -fpreprocessed), so a comment may use the words; mkpage.c runs on
#    the build machine and page.c is generated data.
hits=
for s in ./*.c ./*.h; do
	case $s in ./mkpage.c | ./page.c) continue;; esac
	# (the lines shown are the file's own, comments and all)
	if "$HOSTCC" -fpreprocessed -dD -E -P "$s" >/dev/null 2>&1; then
		"$HOSTCC" -fpreprocessed -dD -E -P "$s" 2>/dev/null |
		    grep -qwE 'float|double' || continue
	fi
	h=$(grep -nwE 'float|double' "$s" | sed "s|^|${s#./}:|")
	[ -n "$h" ] && hits="$hits$h
"
done
if [ -z "$hits" ]; then
	ok
	echo "ok: no float or double in the product sources"
else
	bad "no floating point: float or double in the product sources:"
	printf '%s' "$hits"
fi

# 2. letterd's own code calls none of the soft-float routines: each product
#    source compiled for armel, where every double or float operation is a
#    call to libgcc (__aeabi_dadd, __aeabi_l2d, ...), and nm -u on it.
#    Only letterd's objects: musl's printf brings such calls of its own.
board arm-linux-musleabi
if ! have_tools; then
	skip "no floating point: the armel compilers are missing, soft-float calls not checked"
elif ! command -v nm >/dev/null 2>&1; then
	skip "no floating point: nm is missing (apt-get install binutils), soft-float calls not checked"
else
	objdir=$(mktemp -d)
	cppflags=$(sed -n 's/^LETTERD_CPPFLAGS = //p' Makefile | sed 's/[$](POLL)/0/')
	srcs=$(sed -n 's/^SRC = //p' Makefile)
	calls=
	for s in $srcs; do
		o=$objdir/${s%.c}.o
		# shellcheck disable=SC2086 # lists of flags
		if ! "$cc" -std=c99 -Os $cppflags -c "$s" -o "$o" 2>"$objdir/err"; then
			calls="$calls$s: does not compile for armel: $(head -n 1 "$objdir/err")
"
			continue
		fi
		c=$(nm -u "$o" | awk '{ print $NF }' |
		    grep -E '^__aeabi_(d|f|cd|cf)|^__aeabi_[a-z0-9]+2[df]$' | tr '\n' ' ')
		[ -n "$c" ] && calls="$calls$s: $c
"
	done
	rm -rf "$objdir"
	if [ -z "$calls" ]; then
		ok
		echo "ok: letterd's own objects call no soft-float routine (armel)"
	else
		bad "no floating point: letterd's own objects call soft-float routines (armel):"
		printf '%s' "$calls"
	fi
fi

# musl's printf_core calls its floating-point formatter, fmt_fp, for
# %e/%f/%g/%a, so a binary that uses any of the printf family links fmt_fp
# (4.6 KiB on x86-64) even when no double is ever formatted: letterd uses
# none (format.c), and the unstripped x86-64 build shows it.
dbg=build/x86_64-linux-musl/letterd.debug
if [ -f "$dbg" ] && [ -z "$(find "$started" -newer "$dbg")" ] &&
    command -v nm >/dev/null 2>&1; then
	fp=$(nm -S "$dbg" | awk '$4 == "fmt_fp" || $4 == "printf_core" { print $4 }' | tr '\n' ' ')
	if [ -z "$fp" ]; then
		ok
		echo "ok: $dbg links neither musl's fmt_fp nor its printf_core"
	else
		bad "no floating point: $dbg links $fp(a printf-family call is back)"
	fi
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
