#!/bin/sh
# SPDX-License-Identifier: ISC
# tests/docs.sh - the documents stay true to the code.
#
#   1. Every file.c:function that docs/*.md or README.md names exists: the
#      file is there and defines the function (return type on its own
#      line, so a definition starts its line with "name(").
#   2. Every section of docs/protocol.md that a source, a test, a script
#      or a document cites ("docs/protocol.md 4.3") is a heading there.
#   3. No file of the repository points outside it: not at the contract
#      the project started from (a sibling directory of the repository),
#      and not at an issue number; a reader has neither.
# Ends with "N passed, M failed"; exits non-zero on any failure.
set -u
cd "$(dirname "$0")/.." || exit 1
passed=0
failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }

# --- 1. file.c:function --------------------------------------------------
refs=$(grep -oh '[a-z_0-9]*\.c:[a-z_][a-z_0-9]*' docs/*.md README.md | sort -u)
for ref in $refs; do
	file=${ref%%:*}
	fn=${ref#*:}
	if [ ! -f "$file" ]; then
		bad "$ref: there is no $file"
	elif grep -q "^$fn(" "$file"; then
		ok
	else
		bad "$ref: $file defines no $fn()"
	fi
done
echo "$(echo "$refs" | wc -w) function references checked"

# --- 2. docs/protocol.md sections ------------------------------------------
heads=$(sed -n 's/^##* \([0-9][0-9.]*\)[. ].*/\1/p' docs/protocol.md | sed 's/\.$//')
files=$(ls ./*.c ./*.h tests/*.c tests/*.h tests/*.sh tests/fuzz/*.c tests/fuzz/*.sh \
    bench/*.c bench/*.sh docs/*.md README.md index.html tests/browser/*.mjs 2>/dev/null)
# shellcheck disable=SC2086 # the file list is split on purpose
cites=$(grep -oh 'docs/protocol\.md[ ,]*[0-9][0-9.]*[0-9]' $files | sed 's/.*md[ ,]*//' | sort -u)
for s in $cites; do
	if echo "$heads" | grep -qx "$s"; then
		ok
	else
		bad "docs/protocol.md $s is cited, but it has no such section"
		# shellcheck disable=SC2086
		grep -ln "docs/protocol\.md[ ,]*$s\b" $files | sed 's/^/      cited in /'
	fi
done
echo "$(echo "$cites" | wc -w) section citations checked"

# --- 3. nothing outside ----------------------------------------------------
# a checkout's tracked files (in a worktree too, where .git is a file);
# in a copy without git, every file, named as git would name it
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	tracked=$(git ls-files)
else
	tracked=$(find . -type f ! -path './.git/*' ! -path '*/node_modules/*' |
	    sed 's|^\./||')
fi
# shellcheck disable=SC2086
outside=$(grep -l -e 'PROTOCOL\.md' -e '\.\./shared' -e 'shared/PROTOCOL' \
    -e '[Ii]ssue [0-9]' $tracked 2>/dev/null | grep -v '^tests/docs\.sh$')
if [ -z "$outside" ]; then
	ok
else
	bad "files that point outside the repository:" "$(echo "$outside" | tr '\n' ' ')"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
