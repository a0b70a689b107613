#!/bin/sh
# SPDX-License-Identifier: ISC
# feed-writer.sh PATH - copies standard input to letterd's feed socket
# (letterd -s PATH), line by line, and shows letterd's replies (an
# "error: REASON (line N)" for each bad line) on standard error.
#
#   echo "T 21.5" | sh feed-writer.sh /run/letterd/feed
#   sh board-values.sh | sh feed-writer.sh /run/letterd/feed
#
# A board rarely has a tool that speaks UNIX-domain sockets, so this tries
# what may be there: socat, then an nc that knows -U (OpenBSD's netcat,
# or BusyBox's when built with it).  If neither is there, run the writer
# as letterd's standard input instead: `sh board-values.sh | letterd -s -`.
set -u
path=${1:?usage: feed-writer.sh PATH}

if [ ! -S "$path" ]; then
	echo "feed-writer.sh: $path is not a socket (is letterd -s $path running?)" >&2
	exit 1
fi
if command -v socat >/dev/null 2>&1; then
	# replies come back on standard output: send them to stderr
	exec socat - "UNIX-CONNECT:$path" 1>&2
fi
if command -v nc >/dev/null 2>&1 && nc -h 2>&1 | grep -q -- '-U'; then
	exec nc -U "$path" 1>&2
fi
echo "feed-writer.sh: no socat and no nc -U here; pipe the values into" \
    "letterd -s - instead" >&2
exit 1
