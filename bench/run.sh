#!/bin/sh
# bench/run.sh [QUICK_SECONDS] - letterd against its ceiling, scenario by
# scenario (bench/README.md).  `make bench` runs it without an argument.
#
# It builds ./letterd (make), bench/load, bench/ceiling and
# bench/malloc_count.so, then runs every scenario below against letterd and
# against bench/ceiling -- the same accept, handshake and pre-framed writes
# by the simplest loop -- so that every figure comes with the limit of the
# syscalls on the same machine at the same moment.  Each scenario runs
# RUNS times per server, letterd and ceiling alternating so that both see
# the same background; the tables give the median of the runs and every
# run's value.  One more letterd runs under malloc_count.so to count
# allocations during a measured window.  The report is bench/RESULTS.md.
#
# With QUICK_SECONDS (CI's smoke test: `sh bench/run.sh 5`) every scenario
# runs once per server, scaled down (100 clients, 1,000 idle connections,
# ...) with a window of QUICK_SECONDS / 2 - 1 seconds (at least 1), so that
# a scenario's two runs take about QUICK_SECONDS; the report goes to
# bench/RESULTS-quick.md (git-ignored).
#
# Exit status: 0 when every run succeeded, 1 when any run failed (the
# report still says which), 2 for a usage or build error.
#
# Every process started here is stopped by its pid, and every wait is
# bounded: a server gets 5 s to print its first line and 3 s to exit after
# SIGTERM (then SIGKILL); bench/load has its own deadline, and `timeout`
# guards it too.

# shellcheck disable=SC2086 # $BFLAGS is a list of flags
set -u
cd "$(dirname "$0")/.." || exit 2

QUICK=${1:-}
case $QUICK in
'') ;;
*[!0-9]*|0) echo "usage: sh bench/run.sh [QUICK_SECONDS]" >&2; exit 2 ;;
esac

CC=${CC:-cc}
BFLAGS="-std=c99 -O2 -Wall -Wextra -pedantic -D_GNU_SOURCE -I."

# ---- Scenarios and their sizes -------------------------------------------

if [ -z "$QUICK" ]; then
	MODE=full
	OUT=bench/RESULTS.md
	RUNS=3
	W=2                 # warm-up before each measured window, s
	T=10                # measured window, s
	S1_N=1000
	S2_N=10000
	S3_N=19000
	S3_W=1; S3_T=4      # hold: RSS is read at both edges
	S4_N=5000
	S5_N=1000
	S5_T=30
	MC_N=1000
else
	MODE=quick
	OUT=bench/RESULTS-quick.md
	RUNS=1
	W=1
	T=$((QUICK / 2 - 1))
	[ "$T" -ge 1 ] || T=1
	S1_N=100
	S2_N=1000
	S3_N=1000
	S3_W=0; S3_T=1
	S4_N=500
	S5_N=100
	S5_T=$T
	MC_N=100
fi
S4_BOUND=20         # -C: the most the connect phase may take, s

# 19,000 idle connections need as many descriptors in the server and in
# bench/load (each raises its soft limit to the hard one); scale S3 down
# if this machine's hard limit is lower than the 20,000 it was sized for.
# shellcheck disable=SC3045 # dash, bash and BusyBox ash have ulimit -H
HARD=$(ulimit -Hn)
S3_NOTE=""
if [ "$HARD" != unlimited ] && [ "$S3_N" -gt $((HARD - 1000)) ]; then
	S3_N=$((HARD - 1000))
	S3_NOTE="(scaled down to $S3_N: the hard descriptor limit here is $HARD)"
fi

# ---- Build -----------------------------------------------------------------

T0=$(date +%s)
echo "== build"
make || exit 2
$CC $BFLAGS -o bench/load bench/load.c sha1.c base64.c || exit 2
$CC $BFLAGS -o bench/ceiling bench/ceiling.c sha1.c base64.c || exit 2
$CC $BFLAGS -fPIC -shared -o bench/malloc_count.so bench/malloc_count.c -ldl || exit 2

TMP=$(mktemp -d "${TMPDIR:-/tmp}/letterd-bench.XXXXXX") || exit 2
RAW=$TMP/raw            # "scenario server run RESULT ..." per run
: >"$RAW"
SRV_PID=""
FAILED=0

# ---- Servers -----------------------------------------------------------------

stop_server() {
	[ -n "$SRV_PID" ] || return 0
	kill -TERM "$SRV_PID" 2>/dev/null
	i=0
	while kill -0 "$SRV_PID" 2>/dev/null && [ $i -lt 30 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$SRV_PID" 2>/dev/null; then
		echo "   server $SRV_PID did not exit in 3 s: SIGKILL"
		kill -KILL "$SRV_PID" 2>/dev/null
	fi
	wait "$SRV_PID" 2>/dev/null
	SRV_PID=""
}

cleanup() {
	stop_server
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'cleanup; trap - EXIT; exit 130' INT TERM

# start_server KIND ARGS...: KIND is letterd, ceiling or letterd-mc (letterd
# under malloc_count.so, counts in $MC_OUT).  Sets SRV_PID and SRV_PORT.
start_server() {
	kind=$1
	shift
	so=$TMP/server.out
	: >"$so"
	case $kind in
	letterd) ./letterd -p 0 "$@" >"$so" 2>&1 & ;;
	ceiling) bench/ceiling -p 0 "$@" >"$so" 2>&1 & ;;
	letterd-mc)
		MALLOC_COUNT_OUT=$MC_OUT LD_PRELOAD=$PWD/bench/malloc_count.so \
		    ./letterd -p 0 "$@" >"$so" 2>&1 & ;;
	esac
	SRV_PID=$!
	i=0
	while ! grep -q 'listening on http://' "$so" && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	SRV_PORT=$(sed -n 's|.*listening on http://[^ ]*:\([0-9][0-9]*\)/.*|\1|p' "$so")
	if [ -z "$SRV_PORT" ]; then
		echo "   $kind did not start:"
		cat "$so"
		stop_server
		return 1
	fi
	return 0
}

# ---- One run -------------------------------------------------------------------

# kv KEY: KEY's value in $R (a RESULT line), "na" if absent.
kv() {
	v=$(printf '%s\n' "$R" | tr ' ' '\n' | sed -n "s/^$1=//p")
	echo "${v:-na}"
}

# run SCENARIO KIND "SERVER ARGS" LOAD ARGS...: one server, one load run.
# Sets R to the RESULT line ("" if the run failed) and appends it to $RAW.
run() {
	scen=$1 kind=$2 sargs=$3
	shift 3
	R=""
	# shellcheck disable=SC2086
	if ! start_server "$kind" $sargs; then
		FAILED=$((FAILED + 1))
		echo "$scen $kind FAILED server did not start" >>"$RAW"
		return
	fi
	log=$TMP/load.log
	timeout 120 bench/load -p "$SRV_PORT" -s "$SRV_PID" "$@" >"$log" 2>&1
	rc=$?
	stop_server
	R=$(grep '^RESULT' "$log" | tail -n 1)
	if [ $rc -ne 0 ] || [ -z "$R" ]; then
		echo "   $scen $kind: bench/load exited with $rc"
		grep -v '^  ' "$log" | tail -n 8 | sed 's/^/     /'
		echo "$scen $kind FAILED rc=$rc $R" >>"$RAW"
		FAILED=$((FAILED + 1))
		R=""
		return
	fi
	echo "$scen $kind $R" >>"$RAW"
	echo "   $scen $kind: connected $(kv connected), msgs/s $(kv msgs_per_sec)," \
	    "us/msg $(kv server_cpu_us_per_msg), server CPU $(kv server_cpu_s) s," \
	    "RSS $(kv server_rss_before_kb)->$(kv server_rss_kb) kB, wake-ups $(kv server_vcsw)," \
	    "conns/s $(kv conns_per_sec), other load $(kv machine_other)"
}

# ---- Figures ----------------------------------------------------------------

# Per scenario and server, one file per figure holding a value per run.
add() {     # add SCENARIO KIND FIGURE VALUE
	echo "$4" >>"$TMP/fig.$1.$2.$3"
}

runs() {    # runs SCENARIO KIND FIGURE DECIMALS: the run values, " / "-separated
	f=$TMP/fig.$1.$2.$3
	[ -f "$f" ] || { echo "-"; return; }
	out=""
	while read -r v; do
		out="$out${out:+ / }$(fmt "$v" "$4")"
	done <"$f"
	echo "$out"
}

median() {  # the median of the numeric values
	f=$TMP/fig.$1.$2.$3
	[ -f "$f" ] || { echo "na"; return; }
	grep -E '^-?[0-9.]+$' "$f" | sort -g |
	    awk '{ a[NR] = $1 } END { if (!NR) print "na";
	        else if (NR % 2) print a[(NR + 1) / 2];
	        else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

ratio() {   # ratio A B: A / B to two places, or "-"
	awk -v a="$1" -v b="$2" 'BEGIN {
	    if (a !~ /^-?[0-9.]+$/ || b !~ /^-?[0-9.]+$/ || b + 0 == 0) print "-";
	    else printf "%.2f\n", a / b }'
}

fmt() {     # fmt VALUE DECIMALS: thousands separated
	awk -v v="$1" -v d="$2" 'BEGIN {
	    if (v !~ /^-?[0-9.]+$/) { print v; exit }
	    s = sprintf("%." d "f", v); i = index(s, "."); if (!i) i = length(s) + 1
	    int_ = substr(s, 1, i - 1); frac = substr(s, i)
	    out = ""; while (length(int_) > 3) {
	        out = "," substr(int_, length(int_) - 2) out
	        int_ = substr(int_, 1, length(int_) - 3) }
	    print int_ out frac }'
}

calc() {    # calc "AWK EXPRESSION": prints its value, "na" if an input was
	case $1 in *na*) echo na; return ;; esac
	awk "BEGIN { printf \"%.6g\n\", $1 }"
}

# row SCENARIO LABEL FIGURE DECIMALS: one table row, both servers.
row() {
	l=$(median "$1" letterd "$3")
	c=$(median "$1" ceiling "$3")
	echo "| $2 | $(fmt "$l" "$4") | $(fmt "$c" "$4") | $(ratio "$l" "$c") |"
}

runrow() {  # runrow SCENARIO LABEL FIGURE DECIMALS: every run's value
	echo "| $2, each run | $(runs "$1" letterd "$3" "$4") | $(runs "$1" ceiling "$3" "$4") | |"
}

# The figures every window run has.
common_figures() {   # common_figures SCENARIO KIND
	add "$1" "$2" mps "$(kv msgs_per_sec)"
	add "$1" "$2" usmsg "$(kv server_cpu_us_per_msg)"
	add "$1" "$2" cpupct "$(calc "100 * $(kv server_cpu_s) / $(kv window_s)")"
	add "$1" "$2" other "$(kv machine_other)"
	add "$1" "$2" client "$(kv client_cpu_pct)"
	add "$1" "$2" connected "$(kv connected)"
	add "$1" "$2" vcsw "$(calc "$(kv server_vcsw) / $(kv window_s)")"
	add "$1" "$2" nvcsw "$(calc "$(kv server_nvcsw) / $(kv window_s)")"
}

# scenario NAME "SERVER ARGS" LOAD ARGS...: letterd and ceiling alternately
# (or only the servers in $KINDS), RUNS times each, with the same arguments;
# collect_NAME takes the figures.
KINDS="letterd ceiling"
scenario() {
	name=$1 sargs=$2
	shift 2
	echo "== $name: $KINDS -p 0 $sargs | bench/load $*"
	t=$(date +%s)
	k=1
	while [ $k -le "$RUNS" ]; do
		for kind in $KINDS; do
			run "$name" "$kind" "$sargs" "$@"
			[ -n "$R" ] && collect_"$name" "$name" "$kind"
		done
		k=$((k + 1))
	done
	echo "$(($(date +%s) - t))" >"$TMP/secs.$name"
}

collect_S1() { common_figures "$1" "$2"; }
collect_S1max() { common_figures "$1" "$2"; }
collect_S2() { common_figures "$1" "$2"; }
collect_S3() {
	n=$(kv connected) a=$(kv server_rss_before_kb) b=$(kv server_rss_kb)
	add "$1" "$2" rss0 "$a"
	add "$1" "$2" rss1 "$b"
	add "$1" "$2" perconn "$(calc "($b - $a) * 1024 / $n")"
	add "$1" "$2" other "$(kv machine_other)"
	add "$1" "$2" connected "$n"
}
collect_S4() {
	add "$1" "$2" cps "$(kv conns_per_sec)"
	add "$1" "$2" usconn "$(kv server_cpu_us_per_conn)"
	add "$1" "$2" secs "$(kv window_s)"
	add "$1" "$2" other "$(kv machine_other)"
	add "$1" "$2" connected "$(kv connected)"
}
collect_S5k0() { collect_S5 "$@"; }
collect_S5() {
	add "$1" "$2" cpums "$(calc "1000 * $(kv server_cpu_s)")"
	add "$1" "$2" vcsw "$(kv server_vcsw)"
	add "$1" "$2" nvcsw "$(kv server_nvcsw)"
	add "$1" "$2" rssgrow "$(calc "$(kv server_rss_kb) - $(kv server_rss_before_kb)")"
	add "$1" "$2" wins "$(kv window_s)"
	add "$1" "$2" other "$(kv machine_other)"
	add "$1" "$2" connected "$(kv connected)"
}

# ---- The runs -------------------------------------------------------------------

ALL=ABCDEFGHIJKLMNOPQRSTUVWXYZ
scenario S1    "-i 10"  -n "$S1_N" -w "$W" -t "$T"
scenario S1max "-i 1"   -n "$S1_N" -w "$W" -t "$T"
scenario S2    "-i 100" -n "$S2_N" -l "$ALL" -S -D -w "$W" -t "$T"
scenario S3    ""       -n "$S3_N" -l "" -w "$S3_W" -t "$S3_T"
scenario S4    ""       -n "$S4_N" -l A -C -t "$S4_BOUND"
scenario S5    ""       -n "$S5_N" -l "" -w 1 -t "$S5_T"
# letterd alone without keepalive: its idle cost without the ping round
KINDS=letterd
scenario S5k0  "-k 0"   -n "$S5_N" -l "" -w 1 -t "$S5_T"
KINDS="letterd ceiling"

# The allocation count: letterd at S1's shape under malloc_count.so;
# bench/load -U signals it at both edges of the window.
echo "== MC: letterd -p 0 -i 10 under malloc_count.so | bench/load -n $MC_N -w $W -t $T -U"
t=$(date +%s)
MC_OUT=$TMP/malloc.counts
: >"$MC_OUT"
run MC letterd-mc "-i 10" -n "$MC_N" -w "$W" -t "$T" -U
MC_R=$R
echo "$(($(date +%s) - t))" >"$TMP/secs.MC"
MC_LINES=$(cat "$MC_OUT")

# ---- The report -----------------------------------------------------------------

T1=$(date +%s)
CPU=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -n 1)
REV=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
DIRTY=$(git status --porcelain 2>/dev/null | grep -v '^??' | grep -c . || true)
LOADAVG=$(cut -d' ' -f1-3 /proc/loadavg)
secs() { cat "$TMP/secs.$1" 2>/dev/null || echo "?"; }

# mc FIELD LINE: a count from a malloc_count line
mc() { printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
mc_total() {   # allocations (everything but free) on a line
	echo $(( $(mc malloc "$1") + $(mc calloc "$1") + $(mc realloc "$1") + $(mc other "$1") ))
}

{
echo "# letterd benchmark results${QUICK:+ (quick mode: $QUICK s, smoke test)}"
echo
echo "Written by \`sh bench/run.sh${QUICK:+ $QUICK}\` (\`make bench\`); do not edit by hand."
echo
echo "## Machine and run"
echo
echo "* date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "* machine: $(nproc) CPUs online, $CPU; kernel $(uname -sr) ($(uname -m))"
echo "* load average at the end: $LOADAVG"
echo "* descriptors: hard limit $HARD per process"
echo "* tree: $REV$( [ "$DIRTY" -gt 0 ] && echo " with $DIRTY uncommitted changes")"
echo "* compiler: $($CC --version 2>/dev/null | head -n 1)"
echo "* mode: $MODE, $RUNS run(s) per server per scenario, letterd and ceiling alternating;"
echo "  the tables give the **median** of the runs (and every run's value)"
echo "* wall time: $((T1 - T0)) s in all (S1 $(secs S1) s, S1-max $(secs S1max) s, S2 $(secs S2) s," \
    "S3 $(secs S3) s, S4 $(secs S4) s, S5 $(secs S5) s + $(secs S5k0) s, allocations $(secs MC) s)"
echo
echo "Server and clients share this machine, and so does whatever else runs on it."
echo "\"Other load\" is CPU time, in CPUs, used during the window by neither the server"
echo "nor bench/load (bench/load's \`machine\` line); above about 0.2 the figures of that"
echo "run are disturbed.  Compare letterd with the ceiling of the same run, not"
echo "with another machine."
echo
echo "## Commands"
echo
echo "Each run starts a fresh server, waits for its first line, runs bench/load"
echo "against it (PORT and PID are that server's), then stops it with SIGTERM:"
echo
echo '```'
echo "make; $CC $BFLAGS -o bench/load bench/load.c sha1.c base64.c"
echo "$CC $BFLAGS -o bench/ceiling bench/ceiling.c sha1.c base64.c"
echo "$CC $BFLAGS -fPIC -shared -o bench/malloc_count.so bench/malloc_count.c -ldl"
echo "S1:     ./letterd -p 0 -i 10   | bench/ceiling -p 0 -i 10;   bench/load -p PORT -s PID -n $S1_N -w $W -t $T"
echo "S1-max: ./letterd -p 0 -i 1    | bench/ceiling -p 0 -i 1;    bench/load -p PORT -s PID -n $S1_N -w $W -t $T"
echo "S2:     ./letterd -p 0 -i 100  | bench/ceiling -p 0 -i 100;  bench/load -p PORT -s PID -n $S2_N -l ABCDEFGHIJKLMNOPQRSTUVWXYZ -S -D -w $W -t $T"
echo "S3:     ./letterd -p 0         | bench/ceiling -p 0;         bench/load -p PORT -s PID -n $S3_N -l \"\" -w $S3_W -t $S3_T"
echo "S4:     ./letterd -p 0         | bench/ceiling -p 0;         bench/load -p PORT -s PID -n $S4_N -l A -C -t $S4_BOUND"
echo "S5:     ./letterd -p 0         | bench/ceiling -p 0;         bench/load -p PORT -s PID -n $S5_N -l \"\" -w 1 -t $S5_T"
echo "        ./letterd -p 0 -k 0    (third column: letterd without keepalive, same load)"
echo "alloc:  MALLOC_COUNT_OUT=FILE LD_PRELOAD=\$PWD/bench/malloc_count.so ./letterd -p 0 -i 10;"
echo "        bench/load -p PORT -s PID -n $MC_N -w $W -t $T -U"
echo '```'
echo
echo "## S1 — $S1_N clients × 26 letters, tick 10 ms, ${T} s window"
echo
echo "Every tick delivered would be $(fmt $((S1_N * 26 * 100)) 0) messages/s."
echo
echo "| figure | letterd | ceiling | letterd / ceiling |"
echo "|---|---:|---:|---:|"
row S1 "messages/s" mps 0
row S1 "server CPU per message, µs" usmsg 3
row S1 "server CPU, % of a core" cpupct 0
row S1 "server wake-ups (voluntary switches) per s" vcsw 0
row S1 "server involuntary switches per s" nvcsw 0
runrow S1 "messages/s" mps 0
runrow S1 "other load, CPUs" other 2
runrow S1 "bench/load CPU, % of a core" client 0
echo
echo "## S1-max — $S1_N clients × 26 letters, tick 1 ms (most delivered), ${T} s window"
echo
echo "Every tick delivered would be $(fmt $((S1_N * 26 * 1000)) 0) messages/s."
echo
echo "| figure | letterd | ceiling | letterd / ceiling |"
echo "|---|---:|---:|---:|"
row S1max "messages/s" mps 0
row S1max "server CPU per message, µs" usmsg 3
row S1max "server CPU, % of a core" cpupct 0
row S1max "server wake-ups (voluntary switches) per s" vcsw 0
row S1max "server involuntary switches per s" nvcsw 0
runrow S1max "messages/s" mps 0
runrow S1max "other load, CPUs" other 2
runrow S1max "bench/load CPU, % of a core" client 0
echo
echo "## S2 — $S2_N clients × 1 letter (A..Z in turn), tick 100 ms, ${T} s window"
echo
echo "Every tick delivered would be $(fmt $((S2_N * 10)) 0) messages/s.  The clients subscribe"
echo "only once all are connected (bench/load -D): a server already fanning out to"
echo "thousands of subscribers answers each new handshake only between two fan-outs,"
echo "and one at a time the connect phase alone outlasted the run."
echo
echo "| figure | letterd | ceiling | letterd / ceiling |"
echo "|---|---:|---:|---:|"
row S2 "messages/s" mps 0
row S2 "server CPU per message, µs" usmsg 3
row S2 "server CPU, % of a core" cpupct 0
row S2 "server wake-ups (voluntary switches) per s" vcsw 0
row S2 "server involuntary switches per s" nvcsw 0
runrow S2 "messages/s" mps 0
runrow S2 "other load, CPUs" other 2
runrow S2 "bench/load CPU, % of a core" client 0
echo
echo "## S3 — $S3_N idle WebSocket connections (upgraded, not subscribed) $S3_NOTE"
echo
echo "RSS per connection = (VmRSS with $S3_N connections, at the end of a ${S3_T} s hold"
echo "− VmRSS before the first connect) / $S3_N.  Kernel socket memory is not in it."
echo
echo "| figure | letterd | ceiling | letterd / ceiling |"
echo "|---|---:|---:|---:|"
row S3 "RSS per connection, bytes" perconn 0
row S3 "RSS with 0 clients, kB" rss0 0
row S3 "RSS with $S3_N clients, kB" rss1 0
runrow S3 "RSS per connection, bytes" perconn 0
runrow S3 "connections open at the end" connected 0
echo
echo "## S4 — $S4_N × (connect + handshake + subscribe + first value)"
echo
echo "From the first connect() until the last client has the value its subscribe"
echo "asked for; bench/load keeps 64 handshakes in flight (its LOAD_INFLIGHT), so"
echo "this is the rate at that concurrency.  Server CPU is from /proc/PID/schedstat."
echo
echo "| figure | letterd | ceiling | letterd / ceiling |"
echo "|---|---:|---:|---:|"
row S4 "connections/s" cps 0
row S4 "server CPU per connection, µs" usconn 1
row S4 "time for all $S4_N, s" secs 3
runrow S4 "connections/s" cps 0
runrow S4 "other load, CPUs" other 2
echo
echo "## S5 — idle: $S5_N idle clients, default tick (1000 ms), ${S5_T} s"
echo
echo "Ticks in the window: $S5_T.  Wake-ups = voluntary context switches of the server"
echo "over the window (/proc/PID/status): each one is a sleep in epoll_wait that ended."
if [ "$S5_T" -ge 29 ]; then
	echo "letterd's keepalive (-k 30, the default) pings every client once 30 s after it"
	echo "starts, which falls in this window: sending $S5_N pings and reading the pongs is"
	echo "part of letterd's figures (the ceiling never pings).  The last two columns are"
	echo "letterd with -k 0, the same load: its idle cost without the keepalive round."
else
	echo "letterd's keepalive (-k 30, the default) does not fire in so short a window;"
	echo "the last two columns are letterd with -k 0, for comparison."
fi
echo
echo "| figure | letterd | ceiling | letterd / ceiling | letterd -k 0 | letterd -k 0 / ceiling |"
echo "|---|---:|---:|---:|---:|---:|"
row5() {    # row5 LABEL FIGURE DECIMALS
	l=$(median S5 letterd "$2") c=$(median S5 ceiling "$2") z=$(median S5k0 letterd "$2")
	echo "| $1 | $(fmt "$l" "$3") | $(fmt "$c" "$3") | $(ratio "$l" "$c") | $(fmt "$z" "$3") | $(ratio "$z" "$c") |"
}
runrow5() { # runrow5 LABEL FIGURE DECIMALS
	echo "| $1, each run | $(runs S5 letterd "$2" "$3") | $(runs S5 ceiling "$2" "$3") | | $(runs S5k0 letterd "$2" "$3") | |"
}
row5 "server CPU in the window, ms" cpums 2
row5 "wake-ups (voluntary switches)" vcsw 0
row5 "involuntary switches" nvcsw 0
row5 "RSS growth from before the first connect to the end, kB" rssgrow 0
echo "| ticks | $S5_T | $S5_T | | $S5_T | |"
runrow5 "wake-ups" vcsw 0
runrow5 "server CPU, ms" cpums 2
runrow5 "other load, CPUs" other 2
echo
echo "## Allocations on the per-message path"
echo
echo "letterd at S1's shape ($MC_N clients × 26 letters, -i 10) under"
echo "bench/malloc_count.so, which counts malloc/calloc/realloc/free calls and"
echo "records the counts when bench/load -U signals the start and the end of the"
echo "${T} s window (SIGUSR1), and at exit."
echo
if [ -n "$MC_R" ] && [ "$(printf '%s\n' "$MC_LINES" | grep -c '^usr1')" -ge 2 ]; then
	R=$MC_R
	a=$(printf '%s\n' "$MC_LINES" | grep '^usr1' | sed -n 1p)
	b=$(printf '%s\n' "$MC_LINES" | grep '^usr1' | sed -n 2p)
	s=$(printf '%s\n' "$MC_LINES" | grep '^start' | sed -n 1p)
	WIN_ALLOC=$(( $(mc_total "$b") - $(mc_total "$a") ))
	WIN_FREE=$(( $(mc free "$b") - $(mc free "$a") ))
	PRE_ALLOC=$(( $(mc_total "$a") - $(mc_total "$s") ))
	echo "| | allocations (malloc+calloc+realloc+aligned) | free |"
	echo "|---|---:|---:|"
	echo "| start-up, connect and warm-up ($MC_N connections) | $PRE_ALLOC | $(( $(mc free "$a") - $(mc free "$s") )) |"
	echo "| **measured window: $(fmt "$(kv msgs)" 0) messages delivered** | **$WIN_ALLOC** | **$WIN_FREE** |"
	echo
	echo "Allocations per message in the window: $(calc "$WIN_ALLOC / $(kv msgs)")."
	echo "(messages/s under the shim: $(fmt "$(kv msgs_per_sec)" 0); other load $(kv machine_other) CPUs.)"
	echo
	echo "The counter lines:"
	echo
	echo '```'
	printf '%s\n' "$MC_LINES"
	echo '```'
else
	echo "**The allocation run failed**; counter lines:"
	echo
	echo '```'
	printf '%s\n' "$MC_LINES"
	echo '```'
fi
echo
echo "## Failed runs"
echo
if [ "$FAILED" -eq 0 ]; then
	echo "None."
else
	echo "$FAILED run(s) failed; they are left out of the medians:"
	echo
	echo '```'
	grep ' FAILED ' "$RAW"
	echo '```'
fi
echo
echo "## Every RESULT line"
echo
echo "Scenario, server, then bench/load's RESULT line (its keys are described in"
echo "bench/README.md)."
echo
echo '```'
cat "$RAW"
echo '```'
} >"$OUT.tmp" && mv "$OUT.tmp" "$OUT"

echo "== wrote $OUT in $((T1 - T0)) s; $FAILED failed run(s)"
[ "$FAILED" -eq 0 ]
