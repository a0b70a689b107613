# SPDX-License-Identifier: ISC
"""tests/origin.py PORT [INTERVAL_MS] - the original back-end design, again:
a small server of letterd's protocol (docs/protocol.md 3 and 4)
on Debian's python3-websockets, for the relay tests.  A relay must follow
any server of the protocol, not only letterd, so this one is written from
the specification alone.

  - WebSocket on / and /ws (anything else: 404); no extension, no
    subprotocol; messages over 4096 bytes: 1009; a binary message: 1003;
    text that is not UTF-8: 1007 (the library does that one).
  - {"action": "subscribe" | "unsubscribe", "letter": "a".."z" | "A".."Z"},
    keys in any order, unknown keys ignored, a key given twice counts with
    its last value (Python's json does that, and so does letterd).
  - Subscribing sends that client the letter's current value at once, also
    when it was already subscribed.  Every INTERVAL_MS (default 1000) the 26
    values are redrawn at random in 1000..9999, A to Z, and each client gets
    one {"A": 1234} per letter it is subscribed to, in A..Z order.
  - Unsubscribing from a letter not subscribed:
    {"A": "You need to subscribe before un-subscribing"}; any other invalid
    command: {"error": "<reason>"} with letterd's reasons, and the
    connection stays open.
  - A slow client holds at most one pending value per letter, the latest:
    each client has one sender task, the tick only marks letters as owed,
    and the library's write buffer is kept small (write_limit), so a client
    that does not read gets the newest values when it drains, not a backlog.

PORT 0 picks a free port.  The first line on stdout is
"origin.py listening on http://127.0.0.1:PORT/", the same form as
letterd's, so the same shell code reads either.  SIGTERM/SIGINT: close 1001
to every client and exit.
"""
import asyncio
import collections
import http
import json
import random
import signal
import string
import sys

import websockets

LETTERS = string.ascii_uppercase
MAX_MSG = 4096          # letterd's -m default: 4097 bytes is a 1009
MAX_DEPTH = 32          # letterd's JSON nesting limit, the command being 1
PING_SECS = 30          # letterd's -k default

values = [random.randint(1000, 9999) for _ in LETTERS]
clients = set()


def value_msg(i):
    return '{"%s": %d}' % (LETTERS[i], values[i])


def depth(v):
    """Nesting depth of a parsed JSON value: containers count, scalars not."""
    if isinstance(v, dict):
        v = list(v.values())
    if not isinstance(v, list):
        return 0
    return 1 + max([depth(x) for x in v] or [0])


def no_constant(name):
    # NaN, Infinity and -Infinity are Python's, not RFC 8259's
    raise ValueError(name)


def command(text):
    """(action, letter index) or (None, reason)."""
    try:
        cmd = json.loads(text, parse_constant=no_constant)
    except (ValueError, RecursionError):
        return None, "invalid JSON"
    if depth(cmd) > MAX_DEPTH:
        return None, "nesting too deep"
    if not isinstance(cmd, dict):
        return None, "expected a JSON object"
    if "action" not in cmd:
        return None, "missing action"
    action = cmd["action"]
    if not isinstance(action, str) or action not in ("subscribe", "unsubscribe"):
        return None, "action must be subscribe or unsubscribe"
    if "letter" not in cmd:
        return None, "missing letter"
    letter = cmd["letter"]
    if not isinstance(letter, str) or len(letter) != 1 or letter not in string.ascii_letters:
        return None, "letter must be one of A-Z"
    return action, LETTERS.index(letter.upper())


class Client:
    """One connection: its letters, what it is owed, and its replies.
    Everything it is sent goes through one task, in order."""

    def __init__(self, ws):
        self.ws = ws
        self.subs = set()
        self.owed = set()                  # letters owed since the last send
        self.replies = collections.deque()  # replies, in the order they were made
        self.wake = asyncio.Event()

    def reply(self, text):
        self.replies.append(text)
        self.wake.set()

    def tick(self):
        if self.subs:
            self.owed |= self.subs
            self.wake.set()

    async def sender(self):
        try:
            while True:
                await self.wake.wait()
                self.wake.clear()
                while self.replies or self.owed:
                    if self.replies:
                        msg = self.replies.popleft()
                    else:
                        i = min(self.owed)     # A..Z order
                        self.owed.discard(i)
                        msg = value_msg(i)     # the latest value, not an older one
                    await self.ws.send(msg)
        except websockets.ConnectionClosed:
            pass

    def handle(self, text):
        action, arg = command(text)
        if action is None:
            self.reply(json.dumps({"error": arg}))
        elif action == "subscribe":
            self.subs.add(arg)
            self.owed.discard(arg)         # the reply below is that value
            self.reply(value_msg(arg))
        elif arg in self.subs:
            self.subs.discard(arg)
            self.owed.discard(arg)
        else:
            self.reply('{"%s": "You need to subscribe before un-subscribing"}'
                       % LETTERS[arg])


async def handler(ws):
    client = Client(ws)
    clients.add(client)
    task = asyncio.ensure_future(client.sender())
    try:
        async for msg in ws:
            if isinstance(msg, bytes):
                await ws.close(1003, "binary messages are not accepted")
                break
            client.handle(msg)
    except websockets.ConnectionClosed:
        pass
    finally:
        clients.discard(client)
        task.cancel()


async def only_ws_paths(path, headers):
    if path.split("?", 1)[0] not in ("/", "/ws"):
        return http.HTTPStatus.NOT_FOUND, [("Content-Type", "text/plain")], b"Not found\n"
    return None


async def ticker(interval):
    loop = asyncio.get_running_loop()
    due = loop.time() + interval
    while True:
        await asyncio.sleep(max(0.0, due - loop.time()))
        for i in range(len(LETTERS)):
            values[i] = random.randint(1000, 9999)
        for c in list(clients):
            c.tick()
        due += interval
        if due <= loop.time():             # fell behind: skip, do not burst
            due = loop.time() + interval


async def main():
    if len(sys.argv) not in (2, 3):
        print("usage: origin.py PORT [INTERVAL_MS]", file=sys.stderr)
        sys.exit(2)
    port = int(sys.argv[1])
    interval = (int(sys.argv[2]) if len(sys.argv) == 3 else 1000) / 1000.0
    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(
            sig, lambda: stop.done() or stop.set_result(None))
    async with websockets.serve(handler, "127.0.0.1", port, compression=None,
                                max_size=MAX_MSG, write_limit=4096,
                                ping_interval=PING_SECS, ping_timeout=PING_SECS,
                                process_request=only_ws_paths) as server:
        port = server.sockets[0].getsockname()[1]
        print("origin.py listening on http://127.0.0.1:%d/" % port, flush=True)
        tick = asyncio.ensure_future(ticker(interval))
        await stop
        tick.cancel()
    # leaving "async with" closes every connection with 1001


if __name__ == "__main__":
    asyncio.run(main())
