# SPDX-License-Identifier: ISC
"""tests/interop.py PORT - letterd against a client written by other people:
Debian's python3-websockets.  It handshakes (offering permessage-deflate,
which letterd must decline), subscribes, receives ticks in A..Z order, gets
the error replies, pings, and closes cleanly with code 1000."""
import asyncio
import json
import re
import sys

import websockets

PORT = int(sys.argv[1])
URL = "ws://127.0.0.1:%d/ws" % PORT
VALUE = re.compile(r'^\{"([A-Z])": ([1-9][0-9]{3})\}$')
passed = failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL", what, file=sys.stderr)


async def recv(ws):
    return await asyncio.wait_for(ws.recv(), 3)


async def main():
    async with websockets.connect(URL) as ws:
        check(ws.extensions == [], "no extension negotiated")
        await ws.send(json.dumps({"action": "subscribe", "letter": "b"}))
        m = VALUE.match(await recv(ws))
        check(m is not None and m.group(1) == "B", "subscribe reply is a B value")
        await ws.send('{"letter": "\\u0041", "action": "subscribe"}')
        m = VALUE.match(await recv(ws))
        check(m is not None and m.group(1) == "A", "escaped letter subscribes A")

        # 10 ticks: each brings A then B, values in 1000..9999
        letters = []
        for _ in range(20):
            m = VALUE.match(await recv(ws))
            check(m is not None, "tick message is a value")
            letters.append(m.group(1) if m else "?")
        pairs = "".join(letters)
        check(pairs == "AB" * 10 or pairs == "B" + "AB" * 9 + "A",
              "ticks in A..Z order: " + pairs)

        await ws.send('{"action": "unsubscribe", "letter": "A"}')
        await ws.send('{"action": "unsubscribe", "letter": "A"}')
        deadline = asyncio.get_running_loop().time() + 3
        got = None
        while asyncio.get_running_loop().time() < deadline:
            msg = await recv(ws)
            if not VALUE.match(msg):
                got = msg
                break
        check(got == '{"A": "You need to subscribe before un-subscribing"}',
              "unsubscribe twice: %r" % got)

        await ws.send("this is not JSON")
        while True:
            msg = await recv(ws)
            if not VALUE.match(msg):
                break
        check(json.loads(msg).get("error") is not None, "error reply: %r" % msg)

        pong = await ws.ping(b"interop")
        try:
            await asyncio.wait_for(pong, 3)
            answered = True
        except asyncio.TimeoutError:
            answered = False
        check(answered, "ping answered within 3 s")

        await ws.close()
        check(ws.close_code == 1000, "close 1000 echoed: %r" % ws.close_code)

    # Many clients at once, each gets its own reply.
    conns = [await websockets.connect(URL) for _ in range(20)]
    for i, c in enumerate(conns):
        await c.send(json.dumps({"action": "subscribe", "letter": chr(65 + i)}))
    for i, c in enumerate(conns):
        m = VALUE.match(await recv(c))
        check(m is not None and m.group(1) == chr(65 + i), "client %d reply" % i)
    for c in conns:
        await c.close()
        check(c.close_code == 1000, "clean close")


asyncio.run(asyncio.wait_for(main(), 60))
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
