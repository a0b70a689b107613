#!/bin/sh
# SPDX-License-Identifier: ISC
# tests/packaging.sh: what the packages in contrib/ count on, checked as far
# as this machine allows without OpenWrt, Buildroot or a board:
#
#   lint         shellcheck finds nothing in any shell script here
#   sysv         contrib/init/S50letterd under BusyBox's ash and
#                start-stop-daemon, then under dash and Debian's, against
#                the real ./letterd: start, status, the page and values
#                for a client, restart (a new pid), stop (no pid file)
#   packages     the build and install steps of Buildroot's letterd.mk
#                and of OpenWrt's package Makefile, run with the few
#                definitions of those systems that they use: their CC,
#                CFLAGS, LDFLAGS and HOSTCC reach every command of
#                letterd's Makefile (a marker header in CFLAGS, logging
#                compiler wrappers, a link map), a build of this machine
#                in the copied checkout is not taken for theirs, and the
#                files land where they should; make install DESTDIR=...
#                PREFIX=/usr gives the layout both expect
#   kconfig      contrib/buildroot's Config.in parses (python3-kconfiglib)
#   openwrt      the procd script and the UCI config parse under ash, and
#                the script turns the config into the expected command
#                line (OpenWrt's config and procd functions are stubbed),
#                which starts the real ./letterd
#   versions     config.h, the OpenWrt and Buildroot packages and NEWS
#                name the same version; LICENSE is ISC, as they say
#
# A part whose tool is missing prints "SKIP: ..." (test.sh counts that as
# a failure under CI=true).  Every process started is stopped by its pid,
# every wait is bounded, and everything is built in copies of the tree
# under a temporary directory: ./letterd and the rest stay as they are.
# The last line is "N passed, M failed"; the exit status is non-zero on
# any failure.
# shellcheck disable=SC2016 # sh -c scripts get their values as "$1" and on
set -u
cd "$(dirname "$0")/.." || exit 1
root=$(pwd)
. tests/lib.sh

passed=0
failed=0
T=$(mktemp -d "${TMPDIR:-/tmp}/letterd-pkg.XXXXXX") || exit 1
PIDS=
# The init script's letterds are not our children: at the end, each pid
# that is still this tree's letterd is killed (a pid that has been reused
# by another program is left alone).
cleanup() {
	stop_server KILL
	for p in $PIDS; do
		[ "$(readlink "/proc/$p/exe" 2>/dev/null)" = "$root/letterd" ] &&
		    kill -KILL "$p" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ok() { passed=$((passed + 1)); echo "ok: $*"; }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }
skip() { echo "SKIP: $*"; }
# check DESCRIPTION CMD...: one check, the command's status.
check() {
	_what=$1
	shift
	if "$@"; then ok "$_what"; else bad "$_what"; fi
}

# alive PID: running, and not a zombie (nor reaped between the two looks).
alive() {
	kill -0 "$1" 2>/dev/null || return 1
	case $(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) in
	Z* | "") return 1;;
	esac
}

gone() { ! alive "$1"; }

# free_port: a port nothing listens on now; letterd -p 0 picks it.
free_port() {
	start_server ./letterd >/dev/null || return 1
	p=$PORT
	stop_server TERM
	echo "$p"
}

if [ ! -x ./letterd ] && ! make letterd >"$T/make.log" 2>&1; then
	cat "$T/make.log"
	bad "make letterd"
fi

# ---- shellcheck -------------------------------------------------------------
echo "== shellcheck"
if ! command -v shellcheck >/dev/null 2>&1; then
	skip "shellcheck is missing (apt-get install shellcheck)"
else
	for f in test.sh .ci/run tests/*.sh tests/fuzz/*.sh tests/browser/run.sh \
	    bench/*.sh contrib/init/S50letterd; do
		[ -f "$f" ] || continue
		# -x: follow ". tests/lib.sh" and the like (from the top)
		if shellcheck -x "$f" >"$T/sc.log" 2>&1; then
			ok "shellcheck $f"
		else
			bad "shellcheck $f"
			cat "$T/sc.log"
		fi
	done
	# /etc/rc.common sources the procd script: it is plain sh (BusyBox
	# ash on the router), and the functions it calls are rc.common's.
	f=contrib/openwrt/letterd/files/letterd.init
	if shellcheck -s sh "$f" >"$T/sc.log" 2>&1; then
		ok "shellcheck -s sh $f"
	else
		bad "shellcheck -s sh $f"
		cat "$T/sc.log"
	fi
fi

# ---- the SysV script ----------------------------------------------------------
# sysv_run NAME SHELL BINDIR: one round of S50letterd under SHELL, with
# BINDIR first in PATH (where start-stop-daemon is BusyBox's), against
# ./letterd on a free port, its pid file and log in a directory of its own.
sysv_run() {
	n=$1 sh_=$2 bindir=$3
	sd=$T/sysv-$n
	mkdir -p "$sd/run"
	port=$(free_port) || { bad "$n: no free port"; return; }
	printf 'LETTERD_ARGS="-p %s -i 50"\n' "$port" >"$sd/default"
	pf=$sd/run/letterd.pid
	initd() {
		PATH=$bindir:$PATH PIDFILE=$pf DAEMON=$root/letterd \
		    DEFAULTS=$sd/default LETTERD_LOG=$sd/letterd.log \
		    "$sh_" contrib/init/S50letterd "$@" >"$sd/out" 2>&1
	}

	initd start
	check "$n: start exits 0" [ $? -eq 0 ]
	pid=$(cat "$pf" 2>/dev/null)
	if [ -z "$pid" ]; then
		bad "$n: start wrote no pid file"
		cat "$sd/out" "$sd/letterd.log" 2>/dev/null
		return
	fi
	PIDS="$PIDS $pid"
	check "$n: the pid file's process is letterd" \
	    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = letterd ]
	# letterd's output goes to LETTERD_LOG: wait for its line (5 s).
	i=0
	until grep -q "listening on http://127.0.0.1:$port/" "$sd/letterd.log" 2>/dev/null ||
	    [ $i -ge 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	check "$n: letterd's output is in LETTERD_LOG" \
	    grep -q "listening on http://127.0.0.1:$port/" "$sd/letterd.log"
	initd status
	check "$n: status exits 0 and names the pid" \
	    sh -c '[ "$1" -eq 0 ] && grep -q "running (pid $2)" "$3"' - $? "$pid" "$sd/out"
	# BusyBox's nc, as on a board (Debian's static BusyBox wget crashes on
	# a numeric host); HTTP/1.0, so letterd closes after the page.
	if [ -x /bin/busybox ]; then
		printf 'GET / HTTP/1.0\r\nHost: localhost\r\n\r\n' |
		    /bin/busybox timeout 5 /bin/busybox nc 127.0.0.1 "$port" >"$sd/page" 2>&1
		check "$n: GET / serves the page" grep -q '<title>letterd</title>' "$sd/page"
	fi
	# Values: the integration suite's WebSocket group (-i 50).
	if tests/itest "$port" ws >"$sd/itest.log" 2>&1; then
		ok "$n: a client subscribes and gets values ($(tail -n 1 "$sd/itest.log"))"
	else
		bad "$n: tests/itest $port ws"
		grep FAIL "$sd/itest.log" | head -n 10
	fi
	initd start
	check "$n: a second start leaves it alone" \
	    sh -c '[ "$1" -eq 0 ] && [ "$(cat "$2")" = "$3" ] && grep -q "already running" "$4"' \
	    - $? "$pf" "$pid" "$sd/out"

	initd restart
	rc=$?
	new=$(cat "$pf" 2>/dev/null)
	[ -n "$new" ] && PIDS="$PIDS $new"
	check "$n: restart exits 0 with a new pid ($pid, then ${new:-none})" \
	    sh -c '[ "$1" -eq 0 ] && [ -n "$2" ] && [ "$2" != "$3" ]' - $rc "$new" "$pid"
	if gone "$pid"; then
		ok "$n: restart stopped the old process"
	else
		bad "$n: restart stopped the old process: $pid is $(sed 's/.*) //' \
		    "/proc/$pid/stat" 2>/dev/null | cut -c 1), $(tr '\0' ' ' <"/proc/$pid/cmdline")"
		cat "$sd/out"
	fi
	check "$n: the new one is alive" alive "${new:-0}"

	initd stop
	check "$n: stop exits 0" [ $? -eq 0 ]
	check "$n: stop ended letterd" gone "${new:-0}"
	check "$n: stop removed the pid file" [ ! -e "$pf" ]
	initd status
	check "$n: status after stop exits 3" [ $? -eq 3 ]

	# A bad flag ends letterd at once: start says so and leaves nothing.
	printf 'LETTERD_ARGS="-x"\n' >"$sd/default"
	initd start
	rc=$?
	[ -f "$pf" ] && PIDS="$PIDS $(cat "$pf")"
	check "$n: start with a bad flag fails and leaves no pid file" \
	    sh -c '[ "$1" -ne 0 ] && [ ! -e "$2" ]' - $rc "$pf"
}

echo "== SysV init script"
build_client itest || bad "build tests/itest"
if [ ! -x /bin/busybox ]; then
	skip "BusyBox's ash and start-stop-daemon: /bin/busybox is missing (apt-get install busybox-static)"
else
	mkdir -p "$T/bb"
	ln -s /bin/busybox "$T/bb/start-stop-daemon"
	# BusyBox's ash, and the shell that the script's /bin/sh -c gives
	# letterd's redirection is the system's.
	cat >"$T/ash" <<EOF
#!/bin/sh
exec /bin/busybox ash "\$@"
EOF
	chmod +x "$T/ash"
	sysv_run busybox "$T/ash" "$T/bb"
fi
if command -v start-stop-daemon >/dev/null 2>&1 &&
    ! start-stop-daemon --version 2>&1 | grep -qi busybox; then
	mkdir -p "$T/none"
	sysv_run debian /bin/sh "$T/none"
else
	echo "(Debian's start-stop-daemon is not here: only BusyBox's was tried)"
fi

# ---- the packages' own build steps, and the Makefile under them ------------
echo "== the packages' build steps under Buildroot's and OpenWrt's flags"
# OpenWrt's and Buildroot's own make machinery is not here, so each is
# stood in for by a few lines that define what the package files use and
# run their steps as those systems do; the steps themselves are the
# packages' own, read from contrib/.  The flags carry a marker: a define
# and a forced include whose header fails the compile without the define
# and leaves a string in every object with it, so a compile that lost
# CFLAGS cannot go unnoticed.
cat >"$T/marker.h" <<'EOF'
#ifndef LETTERD_PKG_MARKER
#error "CFLAGS lost -DLETTERD_PKG_MARKER"
#endif
__attribute__((weak, used)) const char letterd_pkg_marker[] = "letterd-pkg-marker-cflags";
EOF
# Compiler wrappers that log each command before running cc.
for w in target host; do
	cat >"$T/$w-cc" <<EOF
#!/bin/sh
echo "\$*" >>"$T/$w-cc.log"
exec ${CC:-cc} "\$@"
EOF
	chmod +x "$T/$w-cc"
done

# made_with NAME DIR MAP: the checks of one build in DIR.
made_with() {
	n=$1 dir=$2 map=$3
	objs=$(sed -n 's/^OBJ = //p' "$dir/Makefile")
	missing=
	for o in $objs; do
		grep -q letterd-pkg-marker-cflags "$dir/$o" 2>/dev/null || missing="$missing $o"
	done
	check "$n: CFLAGS reached every object (missing in:${missing:- none})" [ -z "$missing" ]
	check "$n: CC compiled every object" \
	    [ "$(grep -c -- ' -c ' "$T/target-cc.log")" -eq "$(echo "$objs" | wc -w)" ]
	check "$n: CC linked letterd" grep -q -- '-o letterd' "$T/target-cc.log"
	check "$n: LDFLAGS reached the link (a link map)" [ -s "$map" ]
	check "$n: HOSTCC built mkpage" grep -q mkpage.c "$T/host-cc.log"
	check "$n: CC did not build mkpage" sh -c '! grep -q mkpage.c "$1"' - "$T/target-cc.log"
	check "$n: letterd carries the marker" grep -q letterd-pkg-marker-cflags "$dir/letterd"
	check "$n: letterd runs" sh -c '"$1" -V | grep -q "^letterd "' - "$dir/letterd"
}

# mode FILE: its permission bits, or "missing".
mode() { stat -c %a "$1" 2>/dev/null || echo missing; }

if ! make --version 2>/dev/null | grep -q 'GNU Make'; then
	skip "the packages' build steps: GNU make is missing (OpenWrt and Buildroot use it)"
else
	# Buildroot: letterd.mk with what Buildroot defines around it.  The
	# local site method rsyncs the checkout as it is, a build of this
	# machine included, with its times (tar here, without .git, build/
	# and node_modules); then the package's build and install steps run
	# with $(@D) the copy.
	brd=$T/br-build/letterd-custom
	cat >"$T/buildroot.mk" <<EOF
BR2_EXTERNAL_LETTERD_PATH = $root/contrib/buildroot
TARGET_CONFIGURE_OPTS = CC="$T/target-cc" \\
	CFLAGS="-Os -DLETTERD_PKG_MARKER -include $T/marker.h" \\
	CPPFLAGS="-D_LARGEFILE_SOURCE -D_FILE_OFFSET_BITS=64" \\
	LDFLAGS="-Wl,-Map,$T/br.map" AR=ar STRIP=strip
TARGET_MAKE_ENV = PATH="\$(PATH)"
HOSTCC = $T/host-cc
INSTALL = install
SED = sed -i -e
TARGET_DIR = $T/br-target
define stub-rules
all: $brd/.stamp_installed
site:
	@echo "\$(realpath \$(LETTERD_SITE))"
$brd/.stamp_rsynced:
	mkdir -p \$\$(@D)
	tar -C \$(LETTERD_SITE) --exclude=./.git --exclude=./build --exclude=node_modules -cf - . | tar -C \$\$(@D) -xf -
	touch \$\$@
$brd/.stamp_built: $brd/.stamp_rsynced
	\$\$(LETTERD_BUILD_CMDS)
	touch \$\$@
$brd/.stamp_installed: $brd/.stamp_built
	\$\$(LETTERD_INSTALL_TARGET_CMDS)
	\$\$(LETTERD_INSTALL_INIT_SYSV)
	\$\$(LETTERD_INSTALL_INIT_SYSTEMD)
	touch \$\$@
endef
generic-package = \$(stub-rules)
include $root/contrib/buildroot/letterd/letterd.mk
EOF
	check "buildroot: LETTERD_SITE is the checkout around the BR2_EXTERNAL tree" \
	    [ "$(make -s -f "$T/buildroot.mk" site 2>&1)" = "$root" ]
	rm -f "$T/target-cc.log" "$T/host-cc.log"
	if make -f "$T/buildroot.mk" >"$T/br.log" 2>&1; then
		ok "buildroot: letterd.mk's build and install steps"
		made_with buildroot "$brd" "$T/br.map"
	else
		bad "buildroot: letterd.mk's build and install steps"
		tail -n 30 "$T/br.log"
	fi
	tg=$T/br-target
	check "buildroot: /usr/bin/letterd, mode 755" [ "$(mode "$tg/usr/bin/letterd")" = 755 ]
	check "buildroot: /etc/init.d/S50letterd, mode 755" \
	    [ "$(mode "$tg/etc/init.d/S50letterd")" = 755 ]
	check "buildroot: letterd.service runs /usr/bin/letterd" \
	    grep -q '^ExecStart=/usr/bin/letterd ' "$tg/usr/lib/systemd/system/letterd.service"

	# make install, in the same tree, as both packages lay it out.
	if make -C "$brd" install DESTDIR="$T/root" PREFIX=/usr >"$T/install.log" 2>&1; then
		ok "make install DESTDIR=... PREFIX=/usr"
	else
		bad "make install DESTDIR=... PREFIX=/usr"
		cat "$T/install.log"
	fi
	check "install: usr/bin/letterd, mode 755" [ "$(mode "$T/root/usr/bin/letterd")" = 755 ]
	check "install: usr/share/man/man1/letterd.1, mode 644" \
	    [ "$(mode "$T/root/usr/share/man/man1/letterd.1")" = 644 ]
	check "install: nothing else" \
	    [ "$(cd "$T/root" && find . -type f | sort | tr '\n' ' ')" = \
	    "./usr/bin/letterd ./usr/share/man/man1/letterd.1 " ]

	# OpenWrt: the package's Makefile, run in its own directory (as the
	# feed's symlink resolves), with rules.mk and package.mk reduced to
	# what it uses.  OpenWrt's own compile step would put CFLAGS in the
	# environment; other CFLAGS there must not win over Build/Compile's.
	owt=$T/openwrt
	mkdir -p "$owt/include"
	cat >"$owt/rules.mk" <<EOF
INCLUDE_DIR = $owt/include
TARGET_CC = $T/target-cc
TARGET_CFLAGS = -Os -pipe -DLETTERD_PKG_MARKER -include $T/marker.h
TARGET_CPPFLAGS = -I$owt/staging/usr/include
TARGET_LDFLAGS = -Wl,-Map,$T/ow.map
HOSTCC = $T/host-cc
EOF
	cat >"$owt/include/package.mk" <<EOF
PKG_BUILD_DIR = $owt/build/\$(PKG_NAME)-\$(PKG_VERSION)
CP = cp -fpR
INSTALL_DIR = install -d -m0755
INSTALL_BIN = install -m0755
INSTALL_CONF = install -m0600
define stub-rules
all:
	\$\$(Build/Prepare)
	\$\$(Build/Compile)
	\$\$(call Package/\$(1)/install,$owt/root)
endef
BuildPackage = \$(call stub-rules,\$(1))
EOF
	rm -f "$T/target-cc.log" "$T/host-cc.log"
	if env CFLAGS="-O0 -DLETTERD_FROM_ENVIRONMENT" \
	    make -C contrib/openwrt/letterd TOPDIR="$owt" >"$T/ow.log" 2>&1; then
		ok "openwrt: the package's Build/Prepare, Build/Compile and install"
		made_with openwrt "$owt/build/letterd-$(sed -n 's/^PKG_VERSION:=//p' \
		    contrib/openwrt/letterd/Makefile)" "$T/ow.map"
		check "openwrt: the environment's CFLAGS did not win" \
		    sh -c '! grep -q LETTERD_FROM_ENVIRONMENT "$1"' - "$T/target-cc.log"
	else
		bad "openwrt: the package's Build/Prepare, Build/Compile and install"
		tail -n 30 "$T/ow.log"
	fi
	check "openwrt: /usr/bin/letterd, mode 755" [ "$(mode "$owt/root/usr/bin/letterd")" = 755 ]
	check "openwrt: /etc/init.d/letterd, mode 755" \
	    [ "$(mode "$owt/root/etc/init.d/letterd")" = 755 ]
	check "openwrt: /etc/config/letterd" [ -f "$owt/root/etc/config/letterd" ]
	check "openwrt: the build left nothing in contrib/openwrt" \
	    [ -z "$(git status --porcelain --ignored contrib/openwrt 2>/dev/null)" ]
fi

# ---- Buildroot's Config.in ------------------------------------------------------
echo "== kconfig"
# Debian's python3, where python3-kconfiglib installs (as test.sh's interop).
PY=/usr/bin/python3
if [ ! -x "$PY" ] || ! "$PY" -c 'import kconfiglib' 2>/dev/null; then
	skip "Config.in not parsed: python3-kconfiglib is missing (apt-get install python3-kconfiglib)"
else
	# The BR2_EXTERNAL tree's Config.in, as Buildroot sources it.
	printf 'mainmenu "letterd packaging test"\nsource "%s/contrib/buildroot/Config.in"\n' \
	    "$root" >"$T/Kconfig"
	if BR2_EXTERNAL_LETTERD_PATH=$root/contrib/buildroot "$PY" - "$T/Kconfig" \
	    >"$T/kconfig.log" 2>&1 <<'EOF'
import sys
import kconfiglib

k = kconfiglib.Kconfig(sys.argv[1], warn_to_stderr=False)
for w in k.warnings:
    print("warning:", w)
s = k.syms.get("BR2_PACKAGE_LETTERD")
assert s is not None, "no BR2_PACKAGE_LETTERD"
assert s.type == kconfiglib.BOOL, "BR2_PACKAGE_LETTERD is not a bool"
assert s.nodes[0].prompt and s.nodes[0].prompt[0] == "letterd", "no prompt"
assert s.nodes[0].help and "letterd" in s.nodes[0].help, "no help text"
s.set_value(2)
assert s.str_value == "y", "BR2_PACKAGE_LETTERD cannot be set to y"
assert not k.warnings, "kconfiglib warned"
print("BR2_PACKAGE_LETTERD=y")
EOF
	then
		ok "kconfig: contrib/buildroot/Config.in parses; BR2_PACKAGE_LETTERD is a bool with a prompt and help"
	else
		bad "kconfig: contrib/buildroot/Config.in"
		cat "$T/kconfig.log"
	fi
fi

# ---- OpenWrt's procd script and UCI config ---------------------------------------
echo "== OpenWrt"
ow_init=contrib/openwrt/letterd/files/letterd.init
ow_conf=contrib/openwrt/letterd/files/letterd.config
if [ ! -x /bin/busybox ]; then
	skip "OpenWrt's files: /bin/busybox is missing (apt-get install busybox-static)"
else
	check "openwrt: busybox ash -n letterd.init" /bin/busybox ash -n "$ow_init"
	check "openwrt: busybox ash -n letterd.config" /bin/busybox ash -n "$ow_conf"
	# OpenWrt's config_* (/lib/functions.sh) and procd_* (procd.sh)
	# functions, reduced to what the script uses: the UCI file is read
	# as shell, as uci_load does, and the instance's command is printed.
	cat >"$T/stubs.sh" <<'EOF'
config() { _sec=$2; }
option() { eval "CONFIG_${_sec}_$1=\$2"; }
list() {
	eval "_l=\${CONFIG_${_sec}_$1:-}"
	if [ -n "$_l" ]; then _l="$_l
$2"; else _l=$2; fi
	eval "CONFIG_${_sec}_$1=\$_l"
}
config_load() { . "$UCI_FILE"; }
config_get() { eval "$1=\${CONFIG_$2_$3:-\${4:-}}"; }
config_get_bool() {
	config_get "$1" "$2" "$3" "${4:-0}"
	eval "_b=\$$1"
	case $_b in
	1 | on | true | yes | enabled) eval "$1=1";;
	*) eval "$1=0";;
	esac
}
config_list_foreach() {
	eval "_l=\${CONFIG_$1_$2:-}"
	[ -n "$_l" ] || return 0
	_ifs=$IFS
	IFS='
'
	for _v in $_l; do IFS=$_ifs; "$3" "$_v"; done
	IFS=$_ifs
}
procd_open_instance() { :; }
procd_set_param() {
	_k=$1
	shift
	if [ "$_k" = command ]; then CMD=$*; else echo "param $_k $*"; fi
}
procd_append_param() { shift; CMD="$CMD $*"; }
procd_close_instance() { echo "command $CMD"; }
EOF
	# ow_cmd UCIFILE: the lines the script gives procd for UCIFILE.
	ow_cmd() {
		UCI_FILE=$1 /bin/busybox ash -c '. "$1"; . "$2"; start_service' - \
		    "$T/stubs.sh" "$ow_init"
	}
	ow_cmd "$ow_conf" >"$T/ow-default" 2>&1
	check "openwrt: the default config gives /usr/bin/letterd -b 0.0.0.0 -p 8000 -i 1000 -k 30 -c 64" \
	    grep -qx 'command /usr/bin/letterd -b 0.0.0.0 -p 8000 -i 1000 -k 30 -c 64' "$T/ow-default"
	check "openwrt: procd respawns letterd and logs its stdout and stderr" \
	    sh -c 'grep -qx "param respawn 3600 5 5" "$1" && grep -qx "param stdout 1" "$1" &&
	        grep -qx "param stderr 1" "$1"' - "$T/ow-default"
	# Every option set, two origins.
	sed -e 's/^	#option feed/	option feed/' -e 's/^	#list origin/	list origin/' \
	    -e "s/option verbose '0'/option verbose '1'/" \
	    -e "s/option max_clients '64'/option max_clients ''/" "$ow_conf" >"$T/ow-all.conf"
	ow_cmd "$T/ow-all.conf" >"$T/ow-all" 2>&1
	check "openwrt: feed, two origins and verbose become -s, -o, -o and -v; an empty max_clients no -c" \
	    grep -qx 'command /usr/bin/letterd -b 0.0.0.0 -p 8000 -i 1000 -k 30 -s /var/run/letterd.sock -o http://192.168.1.1:8000 -o https://status.example.org -v' \
	    "$T/ow-all"
	sed "s/option enabled '1'/option enabled '0'/" "$ow_conf" >"$T/ow-off.conf"
	ow_cmd "$T/ow-off.conf" >"$T/ow-off" 2>&1
	check "openwrt: enabled 0 starts nothing" [ ! -s "$T/ow-off" ]
	# The default config's command line, on this machine's letterd (on
	# 127.0.0.1 and a free port).
	port=$(free_port)
	sed -e "s/option bind '0.0.0.0'/option bind '127.0.0.1'/" \
	    -e "s/option port '8000'/option port '$port'/" "$ow_conf" >"$T/ow-run.conf"
	ow_cmd "$T/ow-run.conf" >"$T/ow-run" 2>&1
	args=$(sed -n 's|^command /usr/bin/letterd ||p' "$T/ow-run" | sed 's/ -p [0-9]*//')
	# start_server adds -p 0; the config's port is checked apart.
	# shellcheck disable=SC2086 # the command line, split as procd does
	if grep -q -- "-p $port " "$T/ow-run" && start_server ./letterd $args; then
		ok "openwrt: letterd starts with the default config's flags ($args)"
		stop_server TERM
		check "openwrt: and exits 0 on SIGTERM" [ "$SERVER_STATUS" -eq 0 ]
	else
		bad "openwrt: letterd did not start with the default config's flags"
		cat "$T/ow-run"
		stop_server KILL
	fi
fi

# ---- one version, one license ---------------------------------------------------
echo "== versions"
v_src=$(sed -n 's/^#define LETTERD_VERSION "\(.*\)"/\1/p' config.h)
v_ow=$(sed -n 's/^PKG_VERSION:=//p' contrib/openwrt/letterd/Makefile)
v_br=$(sed -n 's/^LETTERD_VERSION = //p' contrib/buildroot/letterd/letterd.mk)
v_news=$(grep -m 1 -E '^[0-9]+\.[0-9]+\.[0-9]+$' NEWS)
if [ -n "$v_src" ] && [ "$v_src" = "$v_ow" ] && [ "$v_src" = "$v_br" ] &&
    [ "$v_src" = "$v_news" ]; then
	ok "versions agree: $v_src"
else
	bad "versions agree: config.h '$v_src', OpenWrt PKG_VERSION '$v_ow'," \
	    "Buildroot LETTERD_VERSION '$v_br', NEWS '$v_news'"
fi
check "LICENSE is the ISC license, as both packages declare" \
    sh -c 'grep -q "^ISC License" LICENSE &&
        grep -qx "PKG_LICENSE:=ISC" contrib/openwrt/letterd/Makefile &&
        grep -qx "LETTERD_LICENSE = ISC" contrib/buildroot/letterd/letterd.mk'

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
