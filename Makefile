# letterd - POSIX make; CC, CFLAGS and LDFLAGS may be set on the command
# line.  The flags the build itself needs are in LETTERD_CPPFLAGS:
# POSIX.1-2008 with its XSI part (realpath), set here and nowhere else.
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

LETTERD_CPPFLAGS = -D_XOPEN_SOURCE=700 -DLETTERD_POLL=$(POLL) -I.

SRC = main.c conn.c loop.c http.c ws.c state.c json.c metrics.c relay.c sha1.c base64.c utf8.c
OBJ = main.o conn.o loop.o http.o ws.o state.o json.o metrics.o relay.o sha1.o base64.o utf8.o page.o
HDR = config.h conn.h loop.h http.h ws.h state.h json.h metrics.h relay.h sha1.h base64.h utf8.h

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

clean:
	rm -f letterd mkpage page.c page.c.tmp *.o poll0.stamp poll1.stamp
	rm -rf build

.PHONY: all test fuzz bench install clean
