#!/bin/sh
# SPDX-License-Identifier: ISC
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
# S6 is the feed (letterd -s): one writer publishing as fast as it can to
# the clients of S1-max's shape.  The ceiling has no feed, so S6 alternates
# letterd's feed with letterd's own tick fan-out (-i 1) instead, and runs
# the feed once more under malloc_count.so.
#
# BENCH_ONLY=S1,S6 (names: S1 S1max S2 S3 S4 S5 S6 alloc, comma- or
# space-separated) runs only those scenarios; S5 brings its -k 0 column, S6
# its tick runs and its allocation run.  The report then goes to
# bench/RESULTS-only.md (git-ignored), or RESULTS-quick.md in quick mode.
#
# BENCH_BASE=REV (a git revision) also builds REV's letterd and runs it as
# a third server in S1..S5, in the same rounds as ./letterd and the ceiling
# (base, letterd, ceiling, base, ...), so that a change is measured against
# the tree before it in the same minutes; "Before and after" then gives
# both ratios to the ceiling and the ratio of each round's two letterds.
# Use RUNS=N to change the number of rounds (3 by default).
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
*[!0-9]*|0) echo "usage: [BENCH_ONLY=S1,S6] sh bench/run.sh [QUICK_SECONDS]" >&2; exit 2 ;;
esac

# BENCH_ONLY: the scenarios to run, all when empty.
ONLY=$(printf '%s\n' "${BENCH_ONLY:-}" | tr ',' ' ' | sed 's/S1-max/S1max/g')
for s in $ONLY; do
	case $s in
	S1|S1max|S2|S3|S4|S5|S6|alloc) ;;
	*) echo "BENCH_ONLY: unknown scenario '$s' (S1 S1max S2 S3 S4 S5 S6 alloc)" >&2
	   exit 2 ;;
	esac
done
want() {    # want NAME: is scenario NAME to run?
	[ -z "$ONLY" ] && return 0
	case " $ONLY " in *" $1 "*) return 0 ;; esac
	return 1
}

CC=${CC:-cc}
BFLAGS="-std=c99 -O2 -Wall -Wextra -pedantic -D_GNU_SOURCE -I."

# ---- Scenarios and their sizes -------------------------------------------

if [ -z "$QUICK" ]; then
	MODE=full
	OUT=bench/RESULTS.md
	RUNS=${RUNS:-3}
	W=2                 # warm-up before each measured window, s
	T=10                # measured window, s
	S1_N=1000
	S2_N=10000
	S3_N=19000
	S3_W=1; S3_T=4      # hold: RSS is read at both edges
	S4_N=5000
	S5_N=1000
	S5_T=30
	S6_N=1000
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
	S6_N=100
	MC_N=100
fi
[ -n "$ONLY" ] && [ -z "$QUICK" ] && OUT=bench/RESULTS-only.md
BASE=${BENCH_BASE:-}
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
# S6's feed socket (letterd -s): a path without blanks (the server's
# arguments are split on them) and short enough for sun_path
FEED_SOCK=$TMP/feed.sock
case $FEED_SOCK in
*[[:space:]]*) FEED_SOCK=/tmp/letterd-bench-$$.sock ;;
esac
SRV_PID=""
FAILED=0

# BENCH_BASE: the revision's own tree and Makefile, built apart from ours.
BASE_BIN=""
if [ -n "$BASE" ]; then
	BASE_REV=$(git rev-parse --short "$BASE^{commit}") || exit 2
	mkdir "$TMP/base" || exit 2
	if ! { git archive "$BASE_REV" | tar -x -C "$TMP/base" &&
	    make -C "$TMP/base" letterd >"$TMP/base.log" 2>&1; }; then
		echo "BENCH_BASE=$BASE: the build failed"
		cat "$TMP/base.log"
		exit 2
	fi
	BASE_BIN=$TMP/base/letterd
fi

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
	rm -f "$FEED_SOCK"
}
trap cleanup EXIT
trap 'cleanup; trap - EXIT; exit 130' INT TERM

# start_server KIND ARGS...: KIND is letterd, ceiling or letterd-mc (letterd
# under malloc_count.so, counts in $MC_OUT); S6's feed and tick are letterd
# too, and feed-mc is letterd-mc.  Sets SRV_PID and SRV_PORT.
start_server() {
	kind=$1
	shift
	so=$TMP/server.out
	: >"$so"
	case $kind in
	feed|feed-mc) rm -f "$FEED_SOCK" ;;
	esac
	case $kind in
	letterd|feed|tick) ./letterd -p 0 "$@" >"$so" 2>&1 & ;;
	base) "$BASE_BIN" -p 0 "$@" >"$so" 2>&1 & ;;
	ceiling) bench/ceiling -p 0 "$@" >"$so" 2>&1 & ;;
	letterd-mc|feed-mc)
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
	case $kind in
	feed*) echo "      feed: lines/s published $(kv feed_updates_per_sec), written" \
	    "$(kv feed_lines_per_sec), values missed $(kv skipped)," \
	    "out of order $(kv out_of_order)" ;;
	esac
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

# row SCENARIO LABEL FIGURE DECIMALS: one table row, both servers;
# KIND_A and KIND_B name them (letterd and ceiling unless set).
row() {
	l=$(median "$1" "${KIND_A:-letterd}" "$3")
	c=$(median "$1" "${KIND_B:-ceiling}" "$3")
	echo "| $2 | $(fmt "$l" "$4") | $(fmt "$c" "$4") | $(ratio "$l" "$c") |"
}

runrow() {  # runrow SCENARIO LABEL FIGURE DECIMALS: every run's value
	echo "| $2, each run | $(runs "$1" "${KIND_A:-letterd}" "$3" "$4") |" \
	    "$(runs "$1" "${KIND_B:-ceiling}" "$3" "$4") | |"
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
# collect_NAME takes the figures.  A failed run is collected too, as "na"
# in every figure (kv and calc give na without a RESULT line): the medians
# pass over it, and the n-th line of each server's figure file stays the
# n-th round, which BENCH_BASE's pairing needs.
KINDS="${BASE:+base }letterd ceiling"
scenario() {
	name=$1 sargs=$2
	shift 2
	echo "== $name: $KINDS -p 0 $sargs | bench/load $*"
	t=$(date +%s)
	k=1
	while [ $k -le "$RUNS" ]; do
		for kind in $KINDS; do
			run "$name" "$kind" "$sargs" "$@"
			collect_"$name" "$name" "$kind"
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
collect_S6() {
	common_figures "$1" "$2"
	add "$1" "$2" smps "$(kv server_msgs_per_sec)"
	[ "$2" = feed ] || return 0
	add "$1" "$2" ups "$(kv feed_updates_per_sec)"
	add "$1" "$2" lps "$(kv feed_lines_per_sec)"
	add "$1" "$2" writer "$(kv writer_cpu_pct)"
	add "$1" "$2" skip "$(calc "$(kv skipped) / $(kv msgs)")"
	add "$1" "$2" ooo "$(kv out_of_order)"
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
want S1    && scenario S1    "-i 10"  -n "$S1_N" -w "$W" -t "$T"
want S1max && scenario S1max "-i 1"   -n "$S1_N" -w "$W" -t "$T"
want S2    && scenario S2    "-i 100" -n "$S2_N" -l "$ALL" -S -D -w "$W" -t "$T"
want S3    && scenario S3    ""       -n "$S3_N" -l "" -w "$S3_W" -t "$S3_T"
want S4    && scenario S4    ""       -n "$S4_N" -l A -C -t "$S4_BOUND"
want S5    && scenario S5    ""       -n "$S5_N" -l "" -w 1 -t "$S5_T"
# letterd alone without keepalive: its idle cost without the ping round
KINDS="${BASE:+base }letterd"
want S5    && scenario S5k0  "-k 0"   -n "$S5_N" -l "" -w 1 -t "$S5_T"
KINDS="${BASE:+base }letterd ceiling"

# S6, the feed: letterd -s with one writer (bench/load -F) against
# letterd's own tick fan-out at -i 1 (S1-max's shape), alternating; then
# the feed once more under malloc_count.so.  -M: bench/load reads
# letterd's counters at the window's edges.
MC6_R="" MC6_LINES=""
if want S6; then
	echo "== S6: letterd -p 0 -s $FEED_SOCK -M | bench/load -F $FEED_SOCK -M," \
	    "alternating with letterd -p 0 -i 1 -M | bench/load -M; -n $S6_N -w $W -t $T"
	t=$(date +%s)
	k=1
	while [ $k -le "$RUNS" ]; do
		run S6 feed "-s $FEED_SOCK -M" -F "$FEED_SOCK" -M -n "$S6_N" -w "$W" -t "$T"
		[ -n "$R" ] && collect_S6 S6 feed
		run S6 tick "-i 1 -M" -M -n "$S6_N" -w "$W" -t "$T"
		[ -n "$R" ] && collect_S6 S6 tick
		k=$((k + 1))
	done
	echo "$(($(date +%s) - t))" >"$TMP/secs.S6"
	echo "== S6 allocations: letterd -p 0 -s $FEED_SOCK -M under malloc_count.so |" \
	    "bench/load -F $FEED_SOCK -M -n $S6_N -w $W -t $T -U"
	t=$(date +%s)
	MC_OUT=$TMP/malloc6.counts
	: >"$MC_OUT"
	run S6mc feed-mc "-s $FEED_SOCK -M" -F "$FEED_SOCK" -M -n "$S6_N" -w "$W" -t "$T" -U
	MC6_R=$R
	echo "$(($(date +%s) - t))" >"$TMP/secs.S6mc"
	MC6_LINES=$(cat "$MC_OUT")
fi

# The allocation count: letterd at S1's shape under malloc_count.so;
# bench/load -U signals it at both edges of the window.
MC_R="" MC_LINES=""
if want alloc; then
	echo "== MC: letterd -p 0 -i 10 under malloc_count.so | bench/load -n $MC_N -w $W -t $T -U"
	t=$(date +%s)
	MC_OUT=$TMP/malloc.counts
	: >"$MC_OUT"
	run MC letterd-mc "-i 10" -n "$MC_N" -w "$W" -t "$T" -U
	MC_R=$R
	echo "$(($(date +%s) - t))" >"$TMP/secs.MC"
	MC_LINES=$(cat "$MC_OUT")
fi

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

# mc_table RESULT COUNTER_LINES CONNECTIONS WINDOW_LABEL: the table of a
# run under malloc_count.so, from the counts at its two SIGUSR1s; sets
# WIN_ALLOC, empty when the run failed (the counter lines are shown then).
mc_table() {
	WIN_ALLOC=""
	if [ -z "$1" ] || [ "$(printf '%s\n' "$2" | grep -c '^usr1')" -lt 2 ]; then
		echo "**The allocation run failed**; counter lines:"
		echo
		echo '```'
		printf '%s\n' "$2"
		echo '```'
		return
	fi
	a=$(printf '%s\n' "$2" | grep '^usr1' | sed -n 1p)
	b=$(printf '%s\n' "$2" | grep '^usr1' | sed -n 2p)
	s0=$(printf '%s\n' "$2" | grep '^start' | sed -n 1p)
	WIN_ALLOC=$(( $(mc_total "$b") - $(mc_total "$a") ))
	echo "| | allocations (malloc+calloc+realloc+aligned) | free |"
	echo "|---|---:|---:|"
	echo "| start-up, connect and warm-up ($3 connections) |" \
	    "$(( $(mc_total "$a") - $(mc_total "$s0") )) | $(( $(mc free "$a") - $(mc free "$s0") )) |"
	echo "| **measured window: $4** | **$WIN_ALLOC** | **$(( $(mc free "$b") - $(mc free "$a") ))** |"
}

mc_lines() {   # mc_lines COUNTER_LINES
	echo "The counter lines:"
	echo
	echo '```'
	printf '%s\n' "$1"
	echo '```'
}

verdict() {    # verdict RATIO LIMIT: "met" when RATIO <= LIMIT
	awk -v r="$1" -v m="$2" 'BEGIN { if (r !~ /^[0-9.]+$/) print "no figure";
	    else if (r + 0 <= m + 0) print "met"; else print "**not met**" }'
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
echo "* mode: $MODE, $RUNS run(s) per server per scenario, letterd and ceiling alternating${BASE:+ (and the letterd of $BASE_REV before them: BENCH_BASE)}"
echo "  (S6: letterd's feed and letterd's tick alternating);"
echo "  the tables give the **median** of the runs (and every run's value)"
[ -n "$ONLY" ] && echo "* scenarios: only $ONLY (BENCH_ONLY)"
WALL=""
for s in S1 S1max S2 S3 S4 S5 S5k0 S6 S6mc MC; do
	[ -f "$TMP/secs.$s" ] && WALL="$WALL${WALL:+, }$s $(secs "$s") s"
done
echo "* wall time: $((T1 - T0)) s in all ($WALL)"
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
echo "S6:     ./letterd -p 0 -s SOCK -M;  bench/load -p PORT -s PID -F SOCK -M -n $S6_N -w $W -t $T"
echo "        ./letterd -p 0 -i 1 -M;     bench/load -p PORT -s PID -M -n $S6_N -w $W -t $T"
echo "        MALLOC_COUNT_OUT=FILE LD_PRELOAD=\$PWD/bench/malloc_count.so ./letterd -p 0 -s SOCK -M;"
echo "        bench/load -p PORT -s PID -F SOCK -M -n $S6_N -w $W -t $T -U"
echo "alloc:  MALLOC_COUNT_OUT=FILE LD_PRELOAD=\$PWD/bench/malloc_count.so ./letterd -p 0 -i 10;"
echo "        bench/load -p PORT -s PID -n $MC_N -w $W -t $T -U"
echo '```'
echo
# rowab SCENARIO LABEL FIGURE DECIMALS [CEILING_SCENARIO]: BENCH_BASE's
# row: both letterds, the ceiling, both ratios to it, and the ratio of the
# two letterds in each round (they ran a minute apart at most), with its
# median.  A round where either run failed (na) is left out of the pairing.
rowab() {
	b=$(median "$1" base "$3") l=$(median "$1" letterd "$3")
	c=$(median "${5:-$1}" ceiling "$3")
	pairs=$(paste "$TMP/fig.$1.base.$3" "$TMP/fig.$1.letterd.$3" 2>/dev/null |
	    awk '$1 ~ /^[0-9.]+$/ && $2 ~ /^[0-9.]+$/ && $1 > 0 { printf "%.3f\n", $2 / $1 }')
	each=$(printf '%s\n' "$pairs" | paste -s -d ' ' - | sed 's| | / |g')
	mid=$(printf '%s\n' "$pairs" | grep . | sort -g | awk '{ a[NR] = $1 } END {
	    if (!NR) print "-"; else if (NR % 2) printf "%.3f\n", a[(NR + 1) / 2];
	    else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }')
	echo "| $2 | $(fmt "$b" "$4") | $(fmt "$l" "$4") | $(fmt "$c" "$4") |" \
	    "$(ratio "$b" "$c") | $(ratio "$l" "$c") | ${each:--} | **$mid** |"
}
if [ -n "$BASE" ]; then
echo "## Before and after: $BASE_REV (base) against this tree (letterd)"
echo
echo "Both letterds and the ceiling ran in the same rounds, one after another"
echo "(base, letterd, ceiling; $RUNS rounds), so each round's letterd / base compares"
echo "two runs at most a minute apart.  Below 1 is better for this tree.  S5 -k 0"
echo "is divided by S5's ceiling, which pings nobody either."
echo
echo "| figure | base | letterd | ceiling | base / ceiling | letterd / ceiling |" \
    "letterd / base, each round | letterd / base, median |"
echo "|---|---:|---:|---:|---:|---:|---|---:|"
want S1 && rowab S1 "S1 CPU per message, µs" usmsg 3
want S1max && rowab S1max "S1-max CPU per message, µs" usmsg 3
want S2 && rowab S2 "S2 CPU per message, µs" usmsg 3
want S3 && rowab S3 "S3 RSS per connection, bytes" perconn 0
want S4 && rowab S4 "S4 CPU per connection, µs" usconn 1
want S5 && rowab S5 "S5 CPU in the window, ms" cpums 2
want S5 && rowab S5k0 "S5 -k 0 CPU in the window, ms" cpums 2 S5
echo
fi
if want S1; then
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
fi
if want S1max; then
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
fi
if want S2; then
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
fi
if want S3; then
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
fi
if want S4; then
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
fi
if want S5; then
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
fi
if want S6; then
echo "## S6 — feed: $S6_N clients × 26 letters, one writer as fast as it goes, ${T} s window"
echo
echo "letterd -s SOCK: one writer process (bench/load -F) writes lines \`X NNNN\` to the"
echo "feed socket, A..Z in turn with increasing values, with blocking writes, from the"
echo "end of the connect phase to the end of the window; letterd publishes each one"
echo "to the letter's $S6_N subscribers.  It holds a second value of a letter back"
echo "until the first has been written to every subscriber, so one turn of its loop"
echo "publishes at most 26 lines and the writer goes as fast as the fan-out lets it."
echo "The reference is letterd's own tick fan-out at -i 1 with the same clients"
echo "(S1-max's shape), run alternately with the feed; the ceiling has no feed."
echo "Each client checks that every letter's values come in order; a value it never"
echo "got (conflated: it did not keep up) counts as missed.  Lines published are"
echo "letterd's counter over the window (bench/load -M reads /metrics at both edges)"
echo "and are the figure; lines written are the writer's, a socket buffer ahead, and"
echo "move in steps: Linux wakes a writer blocked on a UNIX socket only once three"
echo "quarters of what it queued has been read, thousands of lines at this pace."
echo
echo "| figure | feed | tick -i 1 | feed / tick |"
echo "|---|---:|---:|---:|"
row6f() {   # row6f LABEL FIGURE DECIMALS: a figure the tick runs do not have
	echo "| $1 | $(fmt "$(median S6 feed "$2")" "$3") | - | |"
}
KIND_A=feed KIND_B=tick
row S6 "values delivered/s (received by the clients)" mps 0
row S6 "server CPU per delivered value, µs" usmsg 3
row S6 "server CPU, % of a core" cpupct 0
row6f "lines/s published (letterd_feed_updates_total)" ups 0
row6f "lines/s written by the writer (in steps)" lps 0
row S6 "values sent/s (letterd_messages_sent_total)" smps 0
row6f "values missed by the clients, per value delivered" skip 5
row6f "values repeated or out of order (must be 0)" ooo 0
row S6 "server wake-ups (voluntary switches) per s" vcsw 0
row S6 "server involuntary switches per s" nvcsw 0
runrow S6 "server CPU per delivered value, µs" usmsg 3
runrow S6 "values delivered/s" mps 0
runrow S6 "other load, CPUs" other 2
runrow S6 "bench/load CPU, % of a core" client 0
KIND_A="" KIND_B=""
echo "| writer CPU, % of a core, each run | $(runs S6 feed writer 1) | - | |"
echo
f6=$(median S6 feed usmsg) t6=$(median S6 tick usmsg)
r6=$(ratio "$f6" "$t6")
echo "Server CPU per delivered value, feed / tick: **$r6** ($(fmt "$f6" 3) µs against"
echo "$(fmt "$t6" 3) µs).  Target: at most 1.3: $(verdict "$r6" 1.3)."
m6=$(median S1max letterd usmsg)
if [ "$m6" != na ]; then
	echo "S1-max's letterd runs, earlier in this run: $(fmt "$m6" 3) µs per message;"
	echo "feed / S1-max: $(ratio "$f6" "$m6")."
fi
echo
echo "### S6 allocations: the feed under malloc_count.so"
echo
echo "The feed at the same shape ($S6_N clients, one writer) under"
echo "bench/malloc_count.so; bench/load -U signals the edges of the ${T} s window and"
echo "reads /metrics outside them.  Target: no allocation per line."
echo
R=$MC6_R
mc_table "$MC6_R" "$MC6_LINES" "$S6_N" \
    "$(fmt "$(kv feed_updates)" 0) lines published, $(fmt "$(kv msgs)" 0) values delivered"
if [ -n "$WIN_ALLOC" ]; then
	echo
	echo "Allocations per line published: $(calc "$WIN_ALLOC / $(kv feed_updates)");"
	echo "per value delivered: $(calc "$WIN_ALLOC / $(kv msgs)").  Target, none in the"
	echo "window: $( [ "$WIN_ALLOC" -eq 0 ] && echo met || echo "**not met** ($WIN_ALLOC)")."
	echo "(lines/s under the shim: $(fmt "$(kv feed_updates_per_sec)" 0); other load $(kv machine_other) CPUs.)"
	echo
	mc_lines "$MC6_LINES"
fi
echo
fi
if want alloc; then
echo "## Allocations on the per-message path"
echo
echo "letterd at S1's shape ($MC_N clients × 26 letters, -i 10) under"
echo "bench/malloc_count.so, which counts malloc/calloc/realloc/free calls and"
echo "records the counts when bench/load -U signals the start and the end of the"
echo "${T} s window (SIGUSR1), and at exit."
echo
R=$MC_R
mc_table "$MC_R" "$MC_LINES" "$MC_N" "$(fmt "$(kv msgs)" 0) messages delivered"
if [ -n "$WIN_ALLOC" ]; then
	echo
	echo "Allocations per message in the window: $(calc "$WIN_ALLOC / $(kv msgs)")."
	echo "(messages/s under the shim: $(fmt "$(kv msgs_per_sec)" 0); other load $(kv machine_other) CPUs.)"
	echo
	mc_lines "$MC_LINES"
fi
echo
fi
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
