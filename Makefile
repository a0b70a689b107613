# SPDX-License-Identifier: ISC
# letterd - POSIX make; CC, CFLAGS and LDFLAGS may be set on the command
# line.  The flags the build itself needs are in LETTERD_CPPFLAGS:
# POSIX.1-2008 with its XSI part (realpath), set here and nowhere else;
# 64-bit off_t and time_t on 32-bit glibc boards (files over 2 GiB, 2038).
.POSIX:

CC = cc
HOSTCC = cc
CFLAGS = -std=c99 -O2 -Wall -Wextra -pedantic
LDFLAGS =
PREFIX = /usr/local
DESTDIR =
# POLL=1 forces the poll() backend on Linux.
POLL = 0
# make fuzz: seconds per fuzz target.
FUZZ_SECONDS = 60

LETTERD_CPPFLAGS = -D_XOPEN_SOURCE=700 -D_FILE_OFFSET_BITS=64 -D_TIME_BITS=64 -DLETTERD_POLL=$(POLL) -I.

SRC = main.c loop.c log.c format.c entropy.c conn.c route.c pubsub.c relay.c feed.c http.c ws.c line.c origin.c state.c json.c metrics.c sha1.c base64.c utf8.c
OBJ = main.o loop.o log.o format.o entropy.o conn.o route.o pubsub.o relay.o feed.o http.o ws.o line.o origin.o state.o json.o metrics.o sha1.o base64.o utf8.o page.o
HDR = config.h loop.h log.h format.h entropy.h conn.h route.h pubsub.h relay.h feed.h \
    http.h ws.h line.h origin.h state.h json.h metrics.h sha1.h base64.h utf8.h

all: letterd

letterd: $(OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJ)

.c.o:
	$(CC) $(CFLAGS) $(LETTERD_CPPFLAGS) -c $<

$(OBJ): $(HDR) Makefile
loop.o: loop_epoll.c loop_poll.c poll$(POLL).stamp

# The backend is chosen when loop.o is compiled: a stamp per POLL value
# makes loop.o follow a change of POLL between two runs of make.
poll$(POLL).stamp:
	rm -f poll0.stamp poll1.stamp
	touch $@

page.c: index.html mkpage
	./mkpage < index.html > $@.tmp && mv $@.tmp $@

mkpage: mkpage.c
	$(HOSTCC) -o $@ mkpage.c

test: letterd
	./test.sh

fuzz: page.c
	sh tests/fuzz/run.sh $(FUZZ_SECONDS)

bench: letterd
	sh bench/run.sh

install: letterd
	mkdir -p $(DESTDIR)$(PREFIX)/bin
	cp letterd $(DESTDIR)$(PREFIX)/bin/letterd
	chmod 755 $(DESTDIR)$(PREFIX)/bin/letterd
	mkdir -p $(DESTDIR)$(MANDIR)/man1
	cp letterd.1 $(DESTDIR)$(MANDIR)/man1/letterd.1
	chmod 644 $(DESTDIR)$(MANDIR)/man1/letterd.1

clean:
	rm -f letterd mkpage page.c page.c.tmp *.o poll0.stamp poll1.stamp
	rm -rf build

.PHONY: all test fuzz bench install clean

# ---- Static and cross builds, the man page --------------------------------
# make static: one fully static, stripped letterd at $(STATIC_OUT), built
# with musl by default.  Every source goes to the compiler in one command,
# so no object of the normal build is touched and ./letterd stays as it is;
# build/ goes with make clean.  tests/cross.sh uses the same rule with a
# cross compiler: make static STATIC_CC=mips-linux-gnu-gcc
# STATIC_OUT=build/mips-linux-gnu/letterd.  mkpage still runs on the host
# (HOSTCC).  The size flags: -Os, one section per function and object so
# that the linker drops what is unused, no unwind tables (C has no
# exceptions), no build-id note.  STATIC_STRIP= keeps the symbols (for
# nm); STATIC_EXTRA adds a board's own flags (tests/boards.sh, make boards).
STATIC_CC = musl-gcc
STATIC_OUT = build/static/letterd
STATIC_CFLAGS = -std=c99 -Os -Wall -Wextra -pedantic -ffunction-sections \
    -fdata-sections -fno-asynchronous-unwind-tables
STATIC_STRIP = -s
STATIC_LDFLAGS = -static $(STATIC_STRIP) -Wl,--gc-sections -Wl,--build-id=none
STATIC_EXTRA =
# make install puts letterd.1 here.
MANDIR = $(PREFIX)/share/man

static: $(SRC) $(HDR) loop_epoll.c loop_poll.c page.c Makefile
	mkdir -p `dirname $(STATIC_OUT)`
	$(STATIC_CC) $(STATIC_CFLAGS) $(LETTERD_CPPFLAGS) $(STATIC_EXTRA) \
	    $(STATIC_LDFLAGS) -o $(STATIC_OUT) $(SRC) page.c

# make static-test: the static build through the command-line and
# integration suites, with its size and its memory right after start.
# STATIC_BUDGET=BYTES makes a larger binary a failure; docs/portability.md aims at
# 98304 (96 KiB) for x86-64.  0 only prints the size.
STATIC_BUDGET = 0
static-test: static
	LETTERD_SIZE_BUDGET=$(STATIC_BUDGET) sh tests/static.sh $(STATIC_OUT)

# make cross-test: every board of make boards (x86-64 natively; armhf,
# armel, arm64, mipsel and big-endian mips under qemu-user) through the
# command-line and integration suites, run by the native test client.
cross-test: page.c
	sh tests/cross.sh

.PHONY: static static-test cross-test

# ---- Board binaries ----------------------------------------------------------
# make boards: a static letterd per kind of board into build/TARGET/letterd
# (musl for x86-64, armhf, armel, arm64 and mipsel; glibc for big-endian
# mips), each through make static with Debian's compilers, then a table of
# their sizes; a binary over its budget fails.  The boards, their flags and
# the budgets are in tests/boards.sh.  BOARDS="arm-linux-musleabihf ..."
# builds only those; a missing compiler is named with its apt-get line.
BOARDS =
boards: page.c
	BOARDS='$(BOARDS)' HOSTCC='$(HOSTCC)' sh tests/boards.sh

.PHONY: boards
