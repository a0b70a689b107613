// SPDX-License-Identifier: ISC
// tests/browser/test.mjs - letterd's page in a real browser.
//
// Run by run.sh, which starts the server under test and passes it in the
// environment: LETTERD_BIN (the binary), LETTERD_PORT and LETTERD_PID.
// Drives Debian's Chromium (/usr/bin/chromium) through playwright-core; no
// browser is ever downloaded. Prints one line per check and, last,
// "N passed, M failed"; the exit status is non-zero on any failure.
//
// How the page is tested without giving it test hooks: the page exposes
// nothing. Everything here is what a user can see (the DOM the page builds)
// or what the network carries. Two things cannot be provoked by a user
// against an honest server, so the test stands between the page and the
// server with playwright's routeWebSocket, from outside the page:
//   - an error reply: the page never sends a bad command, so the test adds
//     one of its own (an unsubscribe for a letter not subscribed, and a
//     subscribe without a letter) on the way to the REAL server; the real
//     server's real replies reach the page, which must show them.
//   - a dropped network: a socket that stays "open" but goes silent. The
//     test plays a server that answers once and then says nothing, not
//     even to the page's ping; the page must notice (QUIET_MS + PROBE_MS in
//     index.html, about 15 s) and reconnect. This one runs alongside the
//     other checks.
// The server restart is real: the test kills the server by its PID and
// starts the same binary again on the same port.
// Other servers of the same binary, each started here and stopped by its
// PID: one in feed mode (-s, the test writes its lines to the UNIX socket),
// whose quiet spell (no value for QUIET_MS + PROBE_MS and more: the page
// must ping, get its pong and stay) also runs alongside; and one with
// -o, for the Origin policy, whose other-origin page comes from a tiny
// HTTP server of this process on another port.
// The screenshots are taken against a played server that sends fixed
// values, and against the feed with fixed lines, so the PNGs come out the
// same from run to run.

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, mkdirSync, rmSync, mkdtempSync, existsSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');
const SHOTS = join(HERE, 'screenshots');
const BIN = process.env.LETTERD_BIN;
const PORT = Number(process.env.LETTERD_PORT);
const FIRST_PID = Number(process.env.LETTERD_PID);
if (!BIN || !PORT || !FIRST_PID) {
  console.log('usage: run.sh BINARY (it sets LETTERD_BIN, LETTERD_PORT, LETTERD_PID)');
  process.exit(2);
}
const ORIGIN = `http://127.0.0.1:${PORT}`;
const WS_ORIGIN = `ws://127.0.0.1:${PORT}`;
const URL_ = ORIGIN + '/';
// docs/protocol.md 7: the page stays under 24 KiB, and its update log
// keeps the last 200 lines.
const PAGE_LIMIT = 24 * 1024;
const LOG_LINES = 200;
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'.split('');
// A JSON number (RFC 8259 6): what a value may be, in a feed or a relay.
const NUM = '-?(?:0|[1-9]\\d*)(?:\\.\\d+)?(?:[eE][+-]?\\d+)?';
const LINE_RE = new RegExp(`^Letter ([A-Z]) updated with number (${NUM})\\.$`);
// The page's liveness timing, read from the page itself.
const PAGE_SOURCE = readFileSync(join(ROOT, 'index.html'), 'utf8');
const pageConst = (name) => Number(new RegExp(`const ${name} = (\\d+);`).exec(PAGE_SOURCE)[1]);
const QUIET_MS = pageConst('QUIET_MS');
const PROBE_MS = pageConst('PROBE_MS');

/* ------------------------------------------------------------------ *
 * A tiny harness: each check is named, runs once, and a failure is
 * reported and counted without stopping the run (later checks carry on
 * with whatever state the page is in).
 * ------------------------------------------------------------------ */
let passed = 0;
let failed = 0;
async function check(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    passed++;
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${(e && e.message) || e}`);
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Polls fn until it returns a truthy value, at most `ms`; throws `what`.
async function until(fn, ms, what) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms: ${what}`);
    await sleep(50);
  }
}

/* ------------------------------------------------------------------ *
 * Reading the page. Each reader is one page.evaluate, so what it
 * returns is a consistent snapshot (the page's script cannot run in the
 * middle of it).
 * ------------------------------------------------------------------ */
const statusText = (page) => page.$eval('#status', (e) => e.textContent.trim());

// "connected" exactly: "disconnected" contains "connected" too.
const waitConnected = (page, ms = 5000) =>
  until(async () => (await statusText(page)) === 'connected', ms, 'status "connected"');

// For one letter: the log's values (as numbers, and as written), the
// tile's value, the sparkline's points and the min/max the tile shows.
function tile(page, letter) {
  return page.evaluate(([L, NUM]) => {
    const log = [...document.querySelectorAll('#log li')].map((li) => li.textContent);
    const mine = log
      .map((t) => new RegExp(`^Letter ([A-Z]) updated with number (${NUM})\\.$`).exec(t))
      .filter((m) => m && m[1] === L)
      .map((m) => m[2]);
    const b = document.getElementById('letter-' + L);
    const line = b.querySelector('polyline');
    const pts = (line.getAttribute('points') || '').trim();
    const range = document.getElementById('range-' + L).textContent;
    return {
      logged: mine.map(Number),
      texts: mine,
      logSize: log.length,
      value: document.getElementById('value-' + L).textContent.trim(),
      points: pts ? pts.split(/\s+/).length : 0,
      xy: pts ? pts.split(/\s+/).map((p) => p.split(',').map(Number)) : [],
      dot: line.classList.contains('dot'),
      range,
      min: (new RegExp(`min (${NUM})`).exec(range) || [])[1],
      max: (new RegExp(`max (${NUM})`).exec(range) || [])[1],
      pressed: b.getAttribute('aria-pressed'),
      cls: b.getAttribute('class'),
    };
  }, [letter, NUM]);
}

// What sticks out of the tiles of `letters`: the tile itself, its number
// or its range, each wider inside than it is (scrollWidth > clientWidth).
function sticking(page, letters) {
  return page.evaluate((ls) => ls.flatMap((L) => {
    const b = document.getElementById('letter-' + L);
    return [b, b.querySelector('.v'), b.querySelector('.mm')]
      .filter((e) => e.scrollWidth > e.clientWidth)
      .map((e) => `${e.id || e.getAttribute('class')} ${e.scrollWidth} > ${e.clientWidth}`);
  }), [...letters]);
}

// After a change of viewport, the page's resize handler runs before the
// next frame: wait for two.
const settle = (page) => page.evaluate(() =>
  new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));

/* ------------------------------------------------------------------ *
 * The browser, and a record of every request and every console error.
 * ------------------------------------------------------------------ */
const requests = [];       // [context name, url] for every request and socket
const consoleErrors = [];  // [context name, text]
const expectedErrors = {}; // context name -> console errors it was allowed
const origins = {};        // context name -> the origins it may reach
let restarting = false;    // while true, refused socket connects are expected

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
// playwright launches Chromium with a fresh temporary profile
// (--user-data-dir) of its own and deletes it afterwards.

// A page in a context of its own, named for the report. `reach` lists the
// origins its requests may go to (letterd's page's own by default);
// console errors that match `expect` are kept in expectedErrors[name]
// instead of counting as errors.
async function newPage(name, { reach = [ORIGIN, WS_ORIGIN], expect = null, ...options } = {}) {
  origins[name] = reach;
  expectedErrors[name] = [];
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
  context.on('request', (r) => requests.push([name, r.url()]));
  const page = await context.newPage();
  page.on('websocket', (ws) => requests.push([name, ws.url()]));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const t = m.text();
    // The browser itself logs each refused connect while the server is down.
    if (restarting && /^WebSocket connection to 'ws:\/\/127\.0\.0\.1:\d+\/ws' failed/.test(t)) return;
    if (expect && expect.test(t)) expectedErrors[name].push(t);
    else consoleErrors.push([name, t]);
  });
  page.on('pageerror', (e) => consoleErrors.push([name, 'uncaught: ' + e.message]));
  page.on('dialog', (d) => {
    consoleErrors.push([name, 'a dialog opened: ' + d.message()]);
    d.dismiss();
  });
  return { context, page };
}

// The restarted server and the others are this process's children; they
// must not outlive us. Each is stopped by its PID (child.kill). Nor must
// the temporary directories, even if the run dies.
let restarted = null;
const children = new Set();
const tempDirs = new Set();
function stopRestarted() {
  if (restarted && restarted.exitCode === null) restarted.kill('SIGKILL');
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
}
process.on('exit', stopRestarted);
const cleanups = [];       // closers of this process's own servers and files

try {
  await run();
} catch (e) {
  failed++;
  console.log('FAIL the run stopped: ' + (e && e.stack || e));
} finally {
  await browser.close().catch(() => {});
  for (const f of cleanups.reverse()) await f().catch(() => {});
  stopRestarted();
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);

async function run() {
  /* ---------------------------------------------------------------- *
   * The page as served: the tree's index.html, self-contained, small.
   * ---------------------------------------------------------------- */
  const served = Buffer.from(await (await fetch(URL_)).arrayBuffer());
  // Every run takes every screenshot again: none is left from an old run.
  rmSync(SHOTS, { recursive: true, force: true });
  mkdirSync(SHOTS, { recursive: true });
  // What mkpage makes of index.html: the file without its comments and
  // indentation (mkpage.c), which is what the binary carries.
  const source = execFileSync(join(ROOT, 'mkpage'), ['-t'],
    { input: readFileSync(join(ROOT, 'index.html')) });

  await check('the binary serves the tree\'s index.html, as mkpage strips it (else: make)', () => {
    assert.ok(served.equals(source), `served ${served.length} bytes, mkpage -t gives ${source.length}`);
  });
  await check(`the page is under 24 KB (${served.length} bytes)`, () => {
    assert.ok(served.length < PAGE_LIMIT, `${served.length} >= ${PAGE_LIMIT}`);
  });
  await check('the page refers to nothing outside itself', () => {
    const html = served.toString('utf8');
    // Every src/href must be a data: URL; no CSS import or url(); no
    // script API that fetches.
    for (const m of html.matchAll(/\b(?:src|href)\s*=\s*["']?([^"'\s>]*)/gi)) {
      assert.match(m[1], /^data:/, `reference to ${m[1]}`);
    }
    for (const re of [/@import/i, /url\(/i, /\bfetch\(/, /XMLHttpRequest/, /EventSource/,
      /sendBeacon/, /\bimport\(/, /<iframe/i, /<link(?![^>]*rel="icon")/i]) {
      assert.doesNotMatch(html, re);
    }
  });

  /* ---------------------------------------------------------------- *
   * The silent-network check runs alongside everything else: it needs
   * about 15 s of page time and no attention.
   * ---------------------------------------------------------------- */
  // Settles to null or to its error, so that an early failure is reported
  // by its check below, not as an unhandled rejection.
  const silent = silentNetwork().then(() => null, (e) => e);

  /* ---------------------------------------------------------------- *
   * Feed mode: any JSON number, letters with no value, a quiet socket
   * that must stay (its wait, too, runs alongside the rest).
   * ---------------------------------------------------------------- */
  const quiet = await feedMode();

  /* ---------------------------------------------------------------- *
   * Page one: loads, 26 buttons, connects.
   * ---------------------------------------------------------------- */
  const { page } = await newPage('main');
  await check('the page loads', async () => {
    const r = await page.goto(URL_);
    assert.equal(r.status(), 200);
    assert.equal(await page.title(), 'letterd');
  });
  await check('status reaches "connected"', () => waitConnected(page));

  await check('26 letter buttons, named "Letter A".."Letter Z", all off, values a dash', async () => {
    assert.equal(await page.locator('#tiles button').count(), 26);
    // By role and accessible name, as assistive technology finds them.
    const named = await page.getByRole('button', { name: /^Letter [A-Z]$/ }).evaluateAll((els) =>
      els.map((e) => [e.id, e.getAttribute('aria-label'), e.getAttribute('aria-pressed'), e.getAttribute('class')]));
    assert.deepEqual(named, LETTERS.map((L) => ['letter-' + L, 'Letter ' + L, 'false', null]));
    const values = await page.$$eval('#tiles .v', (els) => els.map((e) => [e.id, e.textContent]));
    assert.deepEqual(values, LETTERS.map((L) => ['value-' + L, '\u2013']), 'a dash before any value');
    assert.equal(await page.getByRole('button', { name: 'All', exact: true }).count(), 1);
    assert.equal(await page.getByRole('button', { name: 'None', exact: true }).count(), 1);
    assert.equal(await page.getByRole('group', { name: 'Subscribe' }).count(), 1);
  });

  /* ---------------------------------------------------------------- *
   * Two letters: values change, the sparklines grow, min/max shown.
   * ---------------------------------------------------------------- */
  await check('subscribing A and M: class "subscribed", aria-pressed="true"', async () => {
    await page.click('#letter-A');
    await page.click('#letter-M');
    for (const L of 'AM') {
      const t = await tile(page, L);
      assert.equal(t.pressed, 'true');
      assert.equal(t.cls, 'subscribed');
    }
  });
  await check('A and M: values change and the sparklines grow', async () => {
    const seen = { A: new Set(), M: new Set() };
    const first = { A: await tile(page, 'A'), M: await tile(page, 'M') };
    const end = Date.now() + 1500;   // ~7 ticks at -i 200
    while (Date.now() < end) {
      for (const L of 'AM') seen[L].add((await tile(page, L)).value);
      await sleep(60);
    }
    for (const L of 'AM') {
      const t = await tile(page, L);
      assert.ok(seen[L].size >= 3, `${L} took only ${seen[L].size} values`);
      assert.match(t.value, /^\d{4}$/);
      assert.ok(t.points >= first[L].points + 4, `${L}: ${first[L].points} -> ${t.points} points`);
      assert.equal(t.points, t.logged.length, `${L}: one point per value received`);
    }
  });
  await check('A and M: the chart\'s min and max are shown and right', async () => {
    for (const L of 'AM') {
      const t = await tile(page, L);
      assert.ok(t.logged.length >= 2 && t.logged.length <= 60);
      assert.equal(t.min, String(Math.min(...t.logged)), `${L} min`);
      assert.equal(t.max, String(Math.max(...t.logged)), `${L} max`);
      const shown = await page.locator('#range-' + L).innerText();   // as rendered
      assert.match(shown, new RegExp(`${t.min}[^]*${t.max}`), `${L}: "${shown}" on screen`);
    }
  });

  await check('unsubscribing M stops M; A goes on', async () => {
    await page.click('#letter-M');
    let m = await tile(page, 'M');
    assert.equal(m.pressed, 'false');
    assert.equal(m.cls, null);
    assert.equal(m.points, 0, 'M\'s sparkline is cleared');
    assert.equal(m.range, '', 'M\'s range is cleared');
    await sleep(400);   // a tick already on its way may still arrive
    m = await tile(page, 'M');
    const a = await tile(page, 'A');
    await sleep(1200);
    const m2 = await tile(page, 'M');
    const a2 = await tile(page, 'A');
    assert.deepEqual(m2.logged, m.logged, 'no new M values');
    assert.equal(m2.value, m.value);
    assert.ok(a2.logged.length >= a.logged.length + 3, `A: ${a.logged.length} -> ${a2.logged.length}`);
  });

  /* ---------------------------------------------------------------- *
   * A second browser context is another client with its own letters.
   * ---------------------------------------------------------------- */
  await check('a second context is independent of the first', async () => {
    const two = await newPage('second');
    await two.page.goto(URL_);
    await waitConnected(two.page);
    // The second page starts with nothing on, though the first has A.
    assert.equal((await tile(two.page, 'A')).pressed, 'false');
    await two.page.click('#letter-Z');
    await two.page.click('#letter-A');
    await until(async () => (await tile(two.page, 'Z')).logged.length >= 3, 3000, 'Z values in page two');
    await two.page.click('#letter-A');   // page two lets go of A
    await sleep(300);
    const a = await tile(page, 'A');
    await sleep(1000);
    const a2 = await tile(page, 'A');
    const z = await tile(page, 'Z');
    assert.ok(a2.logged.length >= a.logged.length + 3, 'page one still gets A');
    assert.equal(a2.pressed, 'true');
    assert.equal(z.logged.length, 0, 'page one got Z values');
    assert.equal(z.pressed, 'false');
    assert.match(z.value, /^[-\u2010-\u2015]$/);
    assert.equal((await tile(two.page, 'M')).logged.length, 0, 'page two got M values');
    await two.context.close();
  });

  /* ---------------------------------------------------------------- *
   * Keyboard: letter keys, Tab, Enter; a visible focus ring.
   * ---------------------------------------------------------------- */
  await check('keyboard: pressing "c" toggles C on and off', async () => {
    await page.locator('h1').click();   // focus on nothing in particular
    await page.keyboard.press('c');
    let c = await tile(page, 'C');
    assert.equal(c.pressed, 'true');
    assert.equal(c.cls, 'subscribed');
    await until(async () => (await tile(page, 'C')).logged.length >= 1, 2000, 'a value for C');
    await page.keyboard.press('Shift+C');
    c = await tile(page, 'C');
    assert.equal(c.pressed, 'false');
    assert.equal(c.cls, null);
  });
  await check('keyboard: Tab reaches the tiles with a visible focus ring; Enter toggles', async () => {
    await page.locator('h1').click();
    const ring = () => page.evaluate(() => {
      const e = document.activeElement;
      const s = getComputedStyle(e);
      return { id: e.id, style: s.outlineStyle, width: parseFloat(s.outlineWidth) };
    });
    const seen = [];
    for (let i = 0; i < 6; i++) {
      await page.keyboard.press('Tab');
      const r = await ring();
      seen.push(r.id);
      if (r.id === 'letter-A') break;
    }
    assert.deepEqual(seen.slice(-3), ['all', 'none', 'letter-A'], 'tab order');
    const r = await ring();
    assert.notEqual(r.style, 'none');
    assert.ok(r.width >= 2, 'outline ' + r.width + 'px');
    await page.keyboard.press('Enter');            // A off
    assert.equal((await tile(page, 'A')).pressed, 'false');
    await page.keyboard.press('Enter');            // and on again
    assert.equal((await tile(page, 'A')).pressed, 'true');
  });

  /* ---------------------------------------------------------------- *
   * Server error replies, from the real server (see the top).
   * ---------------------------------------------------------------- */
  const errors = await newPage('errors');
  await check('error replies from the server are shown, unobtrusively', async () => {
    const { page: p } = errors;
    // Each bad command goes out once (the page reconnects later, when the
    // server restarts, and subscribes Q and R again).
    const bad = {
      Q: '{"action": "unsubscribe", "letter": "Q"}',
      R: '{"action": "subscribe"}',
    };
    await p.routeWebSocket((u) => u.pathname === '/ws', (ws) => {
      const server = ws.connectToServer();
      ws.onMessage((msg) => {
        const m = JSON.parse(msg);
        if (m.action === 'subscribe' && bad[m.letter]) {
          server.send(bad[m.letter]);
          delete bad[m.letter];
        }
        server.send(msg);
      });
    });
    await p.goto(URL_);
    await waitConnected(p);
    const notice = p.locator('#notice');
    assert.equal(await notice.isVisible(), false, 'no notice before any error');
    assert.equal(await notice.getAttribute('aria-live'), 'polite');
    await p.keyboard.press('q');
    await until(async () => /Q.*You need to subscribe before un-subscribing/.test(await notice.innerText()),
      3000, 'the unsubscribe notice');
    assert.ok(await notice.isVisible());
    await p.keyboard.press('r');
    await until(async () => /missing letter/.test(await notice.innerText()), 3000, 'the error notice');
    // Unobtrusive: no dialog (see newPage), one line, in view however the
    // page is scrolled, and clicks pass through it; the page goes on.
    await p.setViewportSize({ width: 360, height: 740 });
    await p.evaluate(() => scrollTo(0, 0));
    const box = await notice.boundingBox();
    assert.ok(box.height < 40, 'notice is ' + box.height + ' px high');
    assert.ok(box.y >= 0 && box.y + box.height <= 740 && box.x >= 0 && box.x + box.width <= 360,
      'notice out of view: ' + JSON.stringify(box));
    const under = await p.evaluate(([x, y]) => document.elementFromPoint(x, y).closest('#notice'),
      [box.x + box.width / 2, box.y + box.height / 2]);
    assert.equal(under, null, 'the notice takes the clicks');
    const q = await until(async () => (await tile(p, 'Q')).logged.length >= 2 && tile(p, 'Q'), 3000, 'Q values');
    assert.equal(q.pressed, 'true');
    assert.equal((await tile(p, 'R')).pressed, 'true');
  });

  /* ---------------------------------------------------------------- *
   * The Origin policy, and the page under both names of this host.
   * ---------------------------------------------------------------- */
  await originPolicy();
  await check('letterd\'s own page gets values as http://127.0.0.1:PORT/ and as http://localhost:PORT/', async () => {
    for (const host of ['127.0.0.1', 'localhost']) {
      const name = 'host ' + host;
      const { context, page: p } = await newPage(name,
        { reach: [`http://${host}:${PORT}`, `ws://${host}:${PORT}`] });
      try {
        await p.goto(`http://${host}:${PORT}/`);
        await waitConnected(p);
        assert.ok(requests.some(([n, u]) => n === name && u === `ws://${host}:${PORT}/ws`), `${host}: the socket`);
        await p.keyboard.press('b');
        await until(async () => (await tile(p, 'B')).logged.length >= 2, 3000, `B values on ${host}`);
      } finally {
        await context.close();
      }
    }
  });

  /* ---------------------------------------------------------------- *
   * The log: all 26 letters at -i 200 is 130 lines a second.
   * ---------------------------------------------------------------- */
  await check('"All" subscribes all 26; the log stays at 200 lines', async () => {
    await page.click('#all');
    for (const L of LETTERS) assert.equal((await tile(page, L)).pressed, 'true', L);
    await until(async () => (await tile(page, 'A')).logSize >= LOG_LINES, 5000, 'a full log');
    await sleep(1000);                      // ~130 lines more
    const lines = await page.$$eval('#log li', (li) => li.map((e) => e.textContent));
    assert.equal(lines.length, LOG_LINES);
    for (const l of lines) assert.match(l, LINE_RE);
    const letters = new Set(lines.map((l) => LINE_RE.exec(l)[1]));
    assert.equal(letters.size, 26, 'all letters in the log');
  });
  await check('"None" unsubscribes all, with no error notice', async () => {
    await page.click('#none');
    for (const L of LETTERS) {
      const t = await tile(page, L);
      assert.equal(t.pressed, 'false', L);
      assert.equal(t.cls, null, L);
    }
    await sleep(400);
    const before = await page.$$eval('#log li', (li) => li.map((e) => e.textContent).join('\n'));
    await sleep(800);
    const after = await page.$$eval('#log li', (li) => li.map((e) => e.textContent).join('\n'));
    assert.equal(after, before, 'the log has stopped');
    assert.equal(await page.locator('#notice').isVisible(), false, 'a notice appeared');
  });

  await check('no console error, no uncaught exception, no dialog so far', () => {
    assert.deepEqual(consoleErrors, []);
  });

  /* ---------------------------------------------------------------- *
   * The server restarts on the same port: the page reconnects and
   * subscribes again to what was on.
   * ---------------------------------------------------------------- */
  await check('server killed and restarted on its port: reconnecting, then connected, letters back', async () => {
    for (const L of 'AM') {
      if ((await tile(page, L)).pressed !== 'true') await page.click('#letter-' + L);
    }
    await until(async () => (await tile(page, 'M')).logged.length >= 2, 2000, 'M values');
    restarting = true;
    process.kill(FIRST_PID, 'SIGKILL');
    try {
      await until(async () => /reconnecting|disconnected/.test(await statusText(page)), 3000,
        'status "reconnecting"');
      assert.equal(await page.locator('#letter-A').getAttribute('aria-pressed'), 'true', 'A stays on');
      await sleep(1000);                       // down a while: the backoff grows
      await startAgain();
      const t0 = Date.now();
      await waitConnected(page, 5000);
      console.log(`     (connected again ${Date.now() - t0} ms after the restart)`);
    } finally {
      if (!restarted) await startAgain();      // the checks after this need a server
      restarting = false;
    }
    const seen = { A: new Set(), M: new Set(), B: new Set() };
    const end = Date.now() + 1200;
    while (Date.now() < end) {
      for (const L of 'AMB') seen[L].add((await tile(page, L)).value);
      await sleep(60);
    }
    assert.ok(seen.A.size >= 3 && seen.M.size >= 3, `A ${seen.A.size}, M ${seen.M.size} values after the restart`);
    assert.equal(seen.B.size, 1, 'B, which is off, did not change');
  });

  /* ---------------------------------------------------------------- *
   * Came in by now: the silent network, and the error notice's timeout.
   * ---------------------------------------------------------------- */
  await check('a silent socket is dropped and replaced, and the letters resubscribed', async () => {
    const e = await silent;
    if (e) throw e;
  });
  await check(`feed mode: ${QUIET_MS + PROBE_MS + 3000} ms without a value: the page pings, gets its pong, stays connected`, async () => {
    const e = await quiet;
    if (e) throw e;
  });
  await check('the error notice goes away by itself', async () => {
    await until(async () => !(await errors.page.locator('#notice').isVisible()), 8000, 'notice gone');
    await errors.context.close();
  });

  /* ---------------------------------------------------------------- *
   * Screenshots, and the layout at phone width.
   * ---------------------------------------------------------------- */
  let looks = {};
  await check('screenshots: desktop light and dark at 1280x800, phone at 360x740', async () => {
    looks = await pictures();
  });
  await check('light and dark schemes differ', () => {
    const { light, dark } = looks;
    assert.ok(light && dark, 'no screenshots');
    const lum = (rgb) => rgb.match(/\d+/g).slice(0, 3).reduce((x, y) => x + Number(y), 0) / 3;
    assert.ok(lum(light.bg) > 200, 'light background ' + light.bg);
    assert.ok(lum(light.fg) < 60, 'light text ' + light.fg);
    assert.ok(lum(dark.bg) < 60, 'dark background ' + dark.bg);
    assert.ok(lum(dark.fg) > 180, 'dark text ' + dark.fg);
  });
  await check('at 360 px: three tile columns, nothing sticks out', () => {
    const { phone } = looks;
    assert.ok(phone, 'no phone screenshot');
    assert.ok(phone.scrollWidth <= 360, 'page is ' + phone.scrollWidth + ' px wide');
    assert.deepEqual(phone.overflowing, []);
    assert.equal(phone.columns, 3);
  });
  await check('from 320 to 1920 px with all 26 letters on, nothing sticks out', () => {
    assert.ok(looks.sweep, 'no sweep');
    assert.deepEqual(looks.sweep, {}, 'what sticks out, by width');
  });

  await check('every request went to the page\'s own origin', () => {
    const others = requests.filter(([name, u]) => {
      if (u.startsWith('data:')) return false;     // no request at all
      return !origins[name].includes(new URL(u).origin);
    });
    assert.deepEqual(others, []);
    assert.ok(requests.some(([, u]) => u === WS_ORIGIN + '/ws'), 'the socket went to /ws');
    assert.ok(requests.length >= 5, requests.length + ' requests recorded');
  });
  await check('no console error, no uncaught exception, no dialog in the whole run', () => {
    assert.deepEqual(consoleErrors, []);
  });
}

/* Starts the binary again on PORT (the old one was killed by its PID),
 * as a child of this process, retrying while the port is not yet free. */
async function startAgain() {
  for (let i = 0; i < 20; i++) {
    const child = spawn(BIN, ['-p', String(PORT), '-i', '200'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    const up = await new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), 3000);
      child.stdout.on('data', () => {
        if (out.includes('letterd listening on')) { clearTimeout(timer); resolve(true); }
      });
      child.on('exit', () => { clearTimeout(timer); resolve(false); });
    });
    if (up) {
      restarted = child;
      return;
    }
    if (child.exitCode === null) child.kill('SIGKILL');
    await sleep(100);
  }
  throw new Error('could not start the server again on port ' + PORT);
}

/* The page against a played server that answers the first subscribe and
 * then says nothing, not even to a ping, as over a network that has
 * dropped. */
async function silentNetwork() {
  const { context, page: p } = await newPage('silent');
  const sockets = [];     // per connection: the messages the page sent
  await p.routeWebSocket((u) => u.pathname === '/ws', (ws) => {
    const got = [];
    sockets.push(got);
    const n = sockets.length;
    ws.onMessage((msg) => {
      got.push(String(msg));
      // Connection 1 answers only the first message; later ones, all: a
      // ping with a pong, a subscribe with a value.
      if (n > 1 && JSON.parse(msg).action === 'ping') ws.send('{"pong": true}');
      else if (n > 1 || got.length === 1) ws.send('{"K": ' + (1000 + n * 1000 + got.length) + '}');
    });
  });
  try {
    await p.goto(URL_);
    await waitConnected(p);
    await p.keyboard.press('k');
    await until(async () => (await tile(p, 'K')).logged.length === 1, 2000, 'the first K value');
    // The page pings after QUIET_MS of quiet and gives up PROBE_MS later.
    await until(() => sockets.length >= 2, QUIET_MS + PROBE_MS + 7000, 'a second connection');
    assert.deepEqual(sockets[0], ['{"action": "subscribe", "letter": "K"}', '{"action": "ping"}'],
      'the page pinged the quiet socket (once) before dropping it');
    await waitConnected(p, 3000);
    await until(() => sockets[1].includes('{"action": "subscribe", "letter": "K"}'), 2000, 'K resubscribed');
    await until(async () => (await tile(p, 'K')).value === '3001', 2000, 'K\'s value on the new socket');
    assert.equal((await tile(p, 'K')).pressed, 'true');
  } finally {
    await context.close();
  }
}

/* The screenshots, against a played server with fixed values (a seeded
 * generator per letter), so every run draws the same picture. A
 * subscribe to one of SHOWN is answered with 60 values at once, so its
 * sparkline is full; any other letter gets two. One page takes all three
 * pictures (the played server is slow to send: ~8 ms a message), then
 * turns every letter on and is measured at a range of widths. */
async function pictures() {
  const SHOWN = 'ACFKQX';
  const { context, page: p } = await newPage('screenshots');
  await p.routeWebSocket((u) => u.pathname === '/ws', (ws) => {
    ws.onMessage((msg) => {
      const m = JSON.parse(msg);
      if (m.action !== 'subscribe') return;
      let seed = m.letter.charCodeAt(0) * 2654435761 >>> 0;
      const rand = () => {                      // mulberry32
        seed = (seed + 0x6D2B79F5) >>> 0;
        let t = seed;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      };
      const n = SHOWN.includes(m.letter) ? 60 : 2;
      for (let i = 0; i < n; i++) ws.send(`{"${m.letter}": ${1000 + Math.floor(rand() * 9000)}}`);
    });
  });
  const looks = {};
  const shoot = async (name, file) => { looks[name] = await screenshot(p, file); };
  try {
    await p.emulateMedia({ colorScheme: 'light' });
    await p.goto(URL_);
    await waitConnected(p);
    for (const k of SHOWN.toLowerCase()) await p.keyboard.press(k);
    await until(async () => (await tile(p, SHOWN.at(-1))).points === 60, 5000, 'full sparklines');
    // Dark first: a picture taken straight after the log fills differs
    // from run to run in a few anti-aliased pixels of the log's corners; one
    // taken after a change of scheme (a full repaint) does not, so the
    // PNGs stay the same byte for byte.
    await p.emulateMedia({ colorScheme: 'dark' });
    await shoot('dark', 'desktop-dark.png');
    await p.emulateMedia({ colorScheme: 'light' });
    await shoot('light', 'desktop-light.png');
    await p.setViewportSize({ width: 360, height: 740 });
    await shoot('phone', 'phone-360.png');

    looks.sweep = {};
    await p.click('#all');
    await until(async () => (await tile(p, 'Z')).points === 2, 5000, 'all letters with a range');
    for (const w of [320, 360, 400, 480, 560, 639, 640, 700, 800, 1024, 1280, 1920]) {
      await p.setViewportSize({ width: w, height: 800 });
      await settle(p);
      const l = await p.evaluate(layout);
      if (l.overflowing.length || l.scrollWidth > w) looks.sweep[w] = l.overflowing;
    }
    return looks;
  } finally {
    await context.close();
  }
}

/* Starts the binary with ARGS on a free port (-p 0), as a child of this
 * process, and waits (5 s at most) for its "listening" line. */
async function spawnLetterd(args) {
  const child = spawn(BIN, ['-p', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  const port = await new Promise((resolve) => {
    const timer = setTimeout(() => resolve(0), 5000);
    child.stdout.on('data', () => {
      const m = /letterd listening on http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
    child.on('exit', () => { clearTimeout(timer); resolve(0); });
  });
  if (!port) {
    await stopChild(child);
    throw new Error(`letterd ${args.join(' ')} did not start: ${out.trim()}`);
  }
  return { child, port, origin: `http://127.0.0.1:${port}` };
}

/* SIGTERM by its PID, 2 s to exit, then SIGKILL. */
async function stopChild(child) {
  if (child.exitCode === null && child.signalCode === null) {
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([gone, sleep(2000)]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  children.delete(child);
}

/* A writer on the feed's UNIX socket, as a local program would be. */
async function feedWriter(path) {
  await until(() => existsSync(path), 3000, 'the feed socket ' + path);
  const sock = netConnect({ path });
  let replies = '';
  sock.on('data', (d) => { replies += d; });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('connecting to the feed timed out')), 3000);
    sock.once('connect', () => { clearTimeout(timer); resolve(); });
    sock.once('error', (e) => { clearTimeout(timer); reject(e); });
  });
  return {
    write: (text) => new Promise((r) => sock.write(text, r)),
    replies: () => replies,
    close: () => sock.destroy(),
  };
}

/* Feed mode (-s): the values are what the test writes, any JSON number.
 * Runs its checks in order, then starts the quiet spell and returns it
 * (a promise that settles to null or to its error). */
async function feedMode() {
  const dir = mkdtempSync(join(tmpdir(), 'letterd-browser-'));
  tempDirs.add(dir);
  const path = join(dir, 'feed.sock');
  let server;
  let writer;
  const name = 'feed';
  let page;
  const frames = { sockets: 0, sent: [], received: [] };
  let context;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    // The page first: it would try to reconnect to the stopped server.
    if (context) await context.close();
    if (writer) writer.close();
    if (server) await stopChild(server.child);
    rmSync(dir, { recursive: true, force: true });
  };
  cleanups.push(stop);

  // Each round is one write, its letters in A..Z order, the order in
  // which the server sends them (docs/protocol.md 4.3): so the log, and
  // the screenshot, come out the same every run. Letters: each one the
  // writer's spelling, kept (G is 0.001 written 1E-3; H is 32 bytes, the
  // longest value there is); F twice the same (a flat line); P, S and T
  // 60 values each, a full sparkline (a pressure, a swing around zero, a
  // temperature); N never gets a value.
  const ONCE = { A: '-7', B: '21.5', C: '6.02e23', D: '0.001', E: '-1e-9', F: '1234', G: '1E-3',
    H: '-1.2345678901234567890123456e-10' };
  // f(i) rounded to 1/k (+ 0 writes -0 as 0).
  const series = (f, k) => Array.from({ length: 60 }, (_, i) => String(Math.round(f(i) * k) / k + 0));
  const SERIES = {
    P: series((i) => 1012.5 + 0.9 * Math.cos(i / 8) + 0.2 * Math.sin(i * 2.1), 100),
    S: series((i) => 12 * Math.sin(i / 4) * Math.cos(i / 11), 2),
    T: series((i) => 21 + 1.5 * Math.sin(i / 5) + 0.5 * Math.sin(i * 1.3), 4),
  };
  const rounds = SERIES.S.map((_, i) => {
    const r = i === 0 ? { ...ONCE } : i === 1 ? { F: ONCE.F } : {};
    for (const L of Object.keys(SERIES)) r[L] = SERIES[L][i];
    return Object.keys(r).sort().map((L) => [L, r[L]]);
  });
  const ON = 'ABCDEFGHNPST';
  const expected = rounds.flat().map(([L, v]) => `Letter ${L} updated with number ${v}.`);
  const last = {};
  for (const [L, v] of rounds.flat()) last[L] = v;
  assert.ok(ONCE.H.length === 32, 'H is the longest value a feed takes');

  await check('feed mode: letterd -s starts; the page connects; letters on with no value yet show a dash, no line, no notice', async () => {
    server = await spawnLetterd(['-s', path]);
    writer = await feedWriter(path);
    ({ context, page } = await newPage(name, { reach: [server.origin, server.origin.replace('http', 'ws')] }));
    page.on('websocket', (ws) => {
      frames.sockets++;
      ws.on('framesent', (f) => frames.sent.push(String(f.payload)));
      ws.on('framereceived', (f) => frames.received.push(String(f.payload)));
    });
    await page.goto(server.origin + '/');
    await waitConnected(page);
    for (const L of ON) await page.keyboard.press(L.toLowerCase());
    await until(() => frames.sent.length >= ON.length, 2000, 'the subscribes on the wire');
    await sleep(300);                       // anything owed would be here by now
    for (const L of ON) {
      const t = await tile(page, L);
      assert.equal(t.pressed, 'true', L);
      assert.equal(t.value, '\u2013', `${L}: a dash`);
      assert.equal(t.points, 0, `${L}: no sparkline`);
      assert.equal(t.range, '', `${L}: no range`);
      assert.equal(t.logSize, 0, 'no log line');
    }
    assert.deepEqual(frames.received, [], 'the server sent nothing');
    assert.equal(await page.locator('#notice').isVisible(), false, 'a notice appeared');
  });

  await check('feed mode: every value shown as written, in its tile and its log line (-7, 21.5, 6.02e23, 0.001, -1e-9, 1E-3, 32 bytes)', async () => {
    let n = 0;
    for (const round of rounds) {
      await writer.write(round.map(([L, v]) => `${L} ${v}\n`).join(''));
      n += round.length;
      await page.waitForFunction((k) => document.querySelectorAll('#log li').length >= k, n, { timeout: 3000 });
    }
    const lines = await page.$$eval('#log li', (li) => li.map((e) => e.textContent));
    assert.deepEqual(lines, expected, 'the log, line by line');
    for (const l of lines) assert.match(l, LINE_RE);
    for (const L of Object.keys(last)) assert.equal((await tile(page, L)).value, last[L], L);
    const n2 = await tile(page, 'N');
    assert.equal(n2.value, '\u2013', 'N, with no value, still a dash');
    assert.equal(n2.points, 0, 'N has no sparkline');
    assert.equal(writer.replies(), '', 'the feed took every line');
    assert.equal(await page.locator('#notice').isVisible(), false, 'a notice appeared');
  });

  await check('feed mode: sparklines span their min..max (negatives too, shown as written); one value is a dot, equal values a flat line', async () => {
    for (const L of 'PST') {
      const t = await tile(page, L);
      const v = SERIES[L].map(Number);
      const lo = Math.min(...v);
      const hi = Math.max(...v);
      assert.equal(t.min, SERIES[L][v.indexOf(lo)], `${L} min`);
      assert.equal(t.max, SERIES[L][v.indexOf(hi)], `${L} max`);
      assert.deepEqual(t.xy.map(([x]) => x), v.map((_, i) => i), `${L}: 60 points, newest at the right`);
      t.xy.forEach(([, y], i) => {
        const want = 19 - ((v[i] - lo) / (hi - lo)) * 18;     // 1 (highest) .. 19 (lowest)
        assert.ok(Math.abs(y - want) <= 0.051, `${L} ${v[i]} at y ${y}, not ${want.toFixed(2)}`);
      });
      assert.equal(t.dot, false);
    }
    const s = SERIES.S.map(Number);
    assert.ok(Math.min(...s) < 0 && Math.max(...s) > 0 && s.includes(0), 'S crosses zero: ' + SERIES.S.join(' '));
    for (const L of 'ABCDEGH') {
      const one = await tile(page, L);
      assert.ok(one.dot && one.points === 2 && one.xy[0].join() === '59,10' && one.xy[1].join() === '59,10',
        `${L}: one value, a dot at the right: ${JSON.stringify(one)}`);
      assert.equal(one.min, ONCE[L], `${L}: min as written`);
      assert.equal(one.max, ONCE[L], `${L}: max as written`);
    }
    const f = await tile(page, 'F');
    assert.deepEqual(f.xy, [[58, 10], [59, 10]], 'F: 1234 twice, a flat line in the middle');
    assert.equal(f.dot, false);
  });

  await check('feed mode: from 320 to 1920 px nothing sticks out of a tile, its number or its range; the text stays as written', async () => {
    const fitted = {};
    for (const w of [320, 360, 800, 1280, 1920]) {
      await page.setViewportSize({ width: w, height: 800 });
      await settle(page);
      assert.deepEqual(await sticking(page, ON), [], `at ${w} px`);
      const l = await page.evaluate(layout);
      assert.deepEqual(l.overflowing, [], `at ${w} px, out of its box`);
      assert.ok(l.scrollWidth <= w, `at ${w} px the page is ${l.scrollWidth} px wide`);
      for (const L of Object.keys(last)) assert.equal((await tile(page, L)).value, last[L], `${L} at ${w} px`);
      fitted[w] = await page.$$eval('[data-fit]', (els) => els.map((e) => e.id + ':' + e.dataset.fit).join(' '));
    }
    console.log(`     (fitted at 360 px: ${fitted[360] || 'none'}; at 1280 px: ${fitted[1280] || 'none'})`);
  });

  await check('screenshot: feed-values.png (1280x800, fixed lines through a real feed)', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await settle(page);
    // A picture in dark first, then the one kept, in light: see pictures().
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'feed-values.png');
    await page.emulateMedia({ colorScheme: 'light' });
    const l = await screenshot(page, 'feed-values.png');
    assert.deepEqual(l.overflowing, []);
  });

  // Nothing more is written: the page must ping after QUIET_MS, take the
  // pong as a sign of life, show nothing for it and keep its one socket.
  return (async () => {
    if (!page) throw new Error('the feed page did not start');
    const before = await page.$$eval('#log li', (li) => li.map((e) => e.textContent).join('\n'));
    const sent = frames.sent.length;
    const end = Date.now() + QUIET_MS + PROBE_MS + 3000;
    while (Date.now() < end) {
      assert.equal(await statusText(page), 'connected', 'the status while quiet');
      await sleep(250);
    }
    assert.equal(frames.sockets, 1, 'the page opened another socket');
    assert.ok(frames.sent.slice(sent).includes('{"action": "ping"}'),
      'no ping on the wire: ' + JSON.stringify(frames.sent.slice(sent)));
    assert.ok(frames.received.includes('{"pong": true}'), 'no pong on the wire');
    const after = await page.$$eval('#log li', (li) => li.map((e) => e.textContent).join('\n'));
    assert.equal(after, before, 'the pong went into the log');
    assert.equal(await page.locator('#notice').isVisible(), false, 'the pong made a notice');
    for (const L of Object.keys(last)) assert.equal((await tile(page, L)).value, last[L], L);
  })().then(() => null, (e) => e).finally(stop);
}

/* An upgrade request to letterd on PORT with this Origin (none if
 * null); resolves to the status of the answer. */
function upgradeStatus(port, origin) {
  return new Promise((resolve, reject) => {
    const headers = { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13',
      'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' };
    if (origin) headers.Origin = origin;
    const req = request({ host: '127.0.0.1', port, path: '/ws', headers, agent: false, timeout: 3000 });
    req.on('response', (r) => { r.resume(); resolve(r.statusCode); });
    req.on('upgrade', (r, sock) => { sock.destroy(); resolve(r.statusCode); });
    req.on('timeout', () => { req.destroy(); reject(new Error('no answer to the upgrade')); });
    req.on('error', reject);
    req.end();
  });
}

/* The Origin policy (letterd -o): a page of another origin, served by
 * this process on another port, opens a socket to letterd on ?port=N,
 * subscribes to A and writes what happens into #out, one line each: open,
 * message TEXT, error, close CODE. */
async function originPolicy() {
  const OTHER_PAGE = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>another site</title>
<link rel="icon" href="data:,"></head><body><pre id="out"></pre><script>
const out = document.getElementById('out');
const say = (t) => { out.textContent += t + '\\n'; };
const port = new URLSearchParams(location.search).get('port');
const ws = new WebSocket('ws://127.0.0.1:' + port + '/ws');
ws.onopen = () => { say('open'); ws.send('{"action": "subscribe", "letter": "A"}'); };
ws.onmessage = (e) => say('message ' + e.data);
ws.onerror = () => say('error');
ws.onclose = (e) => say('close ' + e.code);
</script></body></html>
`;
  const site = createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(OTHER_PAGE);
  });
  await new Promise((r) => site.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise((r) => { site.closeAllConnections(); site.close(r); }));
  const SITE = `http://127.0.0.1:${site.address().port}`;
  const outOf = (p) => p.$eval('#out', (e) => e.textContent.trim().split('\n').filter(Boolean));

  await check('Origin: a page of another origin is refused by default (403) and gets nothing', async () => {
    assert.equal(await upgradeStatus(PORT, SITE), 403, 'Origin ' + SITE);
    assert.equal(await upgradeStatus(PORT, ORIGIN), 101, 'its own origin');
    assert.equal(await upgradeStatus(PORT, null), 101, 'no Origin');
    const name = 'other site, refused';
    const { context, page: p } = await newPage(name,
      { reach: [SITE, WS_ORIGIN], expect: /^WebSocket connection to 'ws:\/\/127\.0\.0\.1:\d+\/ws' failed/ });
    try {
      await p.goto(`${SITE}/?port=${PORT}`);
      await until(async () => (await outOf(p)).some((l) => l.startsWith('close')), 5000, 'the socket closed');
      const out = await outOf(p);
      assert.deepEqual(out.filter((l) => !/^(error|close \d+)$/.test(l)), [], 'it opened, or got something');
      assert.ok(out.includes('error'), 'no error event: ' + out.join(' | '));
      assert.ok(expectedErrors[name].some((t) => /\b403\b/.test(t)),
        'the browser did not see a 403: ' + JSON.stringify(expectedErrors[name]));
    } finally {
      await context.close();
    }
  });

  await check('Origin: with -o ' + SITE + ' the same page gets values; other origins are still refused', async () => {
    const allowed = await spawnLetterd(['-i', '200', '-o', SITE]);
    try {
      assert.equal(await upgradeStatus(allowed.port, SITE), 101, 'Origin ' + SITE);
      assert.equal(await upgradeStatus(allowed.port, SITE.replace('127.0.0.1', 'localhost')), 403, 'another origin');
      const { context, page: p } = await newPage('other site, allowed',
        { reach: [SITE, allowed.origin.replace('http', 'ws')] });
      try {
        await p.goto(`${SITE}/?port=${allowed.port}`);
        await until(async () => (await outOf(p)).filter((l) => l.startsWith('message')).length >= 2, 5000, 'two values');
        const out = await outOf(p);
        assert.equal(out[0], 'open');
        for (const l of out.slice(1)) assert.match(l, /^message \{"A": \d{4}\}$/);
      } finally {
        await context.close();
      }
    } finally {
      await stopChild(allowed.child);
    }
  });
}

/* One picture of the page as it is (no hover, no focus, scrolled to the
 * top), into SHOTS/file; returns its layout(). */
async function screenshot(p, file) {
  await p.mouse.move(0, 0);
  await p.evaluate(() => { document.activeElement.blur(); scrollTo(0, 0); });
  await sleep(200);                            // transitions settle
  await p.screenshot({ path: join(SHOTS, file), animations: 'disabled', caret: 'hide' });
  return p.evaluate(layout);
}

/* In the page: its colours, its width, its tile columns, and whatever
 * sticks out (of a tile, or past the viewport's right edge). Visually
 * hidden text (clip-path) is skipped. */
function layout() {
  const width = document.documentElement.clientWidth;
  const overflowing = [];
  for (const e of document.querySelectorAll('body *')) {
    if (getComputedStyle(e).clipPath !== 'none') continue;
    const r = e.getBoundingClientRect();
    const b = e.closest('#tiles button');
    const box = b && b !== e ? b.getBoundingClientRect() : null;
    if (r.right > width + 0.5 ||
        (box && (r.left < box.left - 0.5 || r.right > box.right + 0.5 ||
                 r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5))) {
      overflowing.push(e.id || e.getAttribute('class') || e.tagName);
    }
  }
  const body = getComputedStyle(document.body);
  return {
    bg: body.backgroundColor,
    fg: body.color,
    scrollWidth: document.documentElement.scrollWidth,
    overflowing,
    columns: getComputedStyle(document.getElementById('tiles')).gridTemplateColumns.split(' ').length,
  };
}
