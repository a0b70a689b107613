#!/bin/sh
# SPDX-License-Identifier: ISC
# board-values.sh - a board's own values, as letterd's feed lines: its CPU
# temperature (T, U, V... one letter per thermal zone, in degrees Celsius
# with one decimal) and its load average over one minute (L), every
# INTERVAL seconds (default 2).
#
#   sh board-values.sh | letterd -b 0.0.0.0 -s -
#   sh board-values.sh | sh feed-writer.sh /run/letterd/feed   (letterd -s PATH)
#
# Needs only a POSIX shell and awk (BusyBox has both).  Stops when the
# reader goes away.
interval=${1:-2}
letters="T U V W X Y Z"

while :; do
	# shellcheck disable=SC2086 # one letter per word, on purpose
	set -- $letters
	for zone in /sys/class/thermal/thermal_zone*/temp; do
		if [ ! -r "$zone" ] || [ $# -eq 0 ]; then
			break
		fi
		# millidegrees, possibly negative, to degrees with one decimal
		awk -v l="$1" '{ printf "%s %.1f\n", l, $1 / 1000 }' "$zone" || exit 0
		shift
	done
	if read -r load _ </proc/loadavg 2>/dev/null; then
		echo "L $load" || exit 0
	fi
	sleep "$interval"
done
