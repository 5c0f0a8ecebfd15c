// streams.mjs: open event streams held by one `latch serve`, what they cost, and how fast one
// change reaches all of them.
//   LATCH_BIN=build/latch node bench/streams.mjs [--streams 1000,5000] [--flags 50]
// For each count N: a fresh store with F small flags, `latch serve`, N streams opened on
// GET /api/client/streaming (one client token; each waits for its unleash-connected), the
// server's RSS and thread count before and after, then one admin write switching a flag, and
// the time from the write to the arrival of its unleash-updated on each stream (p50, p99, max).
// By hand, never in the test suite: the figures depend on the machine (see docs/BENCHMARKS.md).
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const bin = process.env.LATCH_BIN || join(resolve(here, '..'), 'build', 'latch');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const counts = opt('--streams', '1000,5000').split(',').map(Number);
const nFlags = Number(opt('--flags', '50'));

const proc = (pid) => {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  return { rssKb: Number(/VmRSS:\s+(\d+)/.exec(s)[1]), threads: Number(/Threads:\s+(\d+)/.exec(s)[1]) };
};
const pct = (xs, p) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

async function run(n) {
  const dir = mkdtempSync(join(tmpdir(), 'latch-bench-streams-'));
  const db = join(dir, 'latch.db');
  const flags = Array.from({ length: nFlags }, (_, i) => ({
    name: `flag-${i}`, enabled: true, project: 'default', type: 'release', stale: false, impressionData: false,
    strategies: [{ name: 'default', parameters: {}, constraints: [] }], variants: [],
  }));
  writeFileSync(join(dir, 'f.json'), JSON.stringify({ version: 2, features: flags }));
  const cli = (a) => execFileSync(bin, [...a, '--db', db], { encoding: 'utf8' }).trim();
  cli(['import', join(dir, 'f.json'), '--environment', 'development']);
  const token = cli(['token', 'create', '--type', 'client', '--environment', 'development']);
  const adminTok = cli(['token', 'create', '--type', 'admin']);
  const child = spawn(bin, ['serve', '--port', '0', '--bind', '127.0.0.1', '--db', db, '--stream-per-token', String(n + 10),
    '--stream-max', String(n + 10), '--log-level', 'debug'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  const port = await new Promise((res) => child.stderr.on('data', (d) => {
    log += d;
    const m = /listening on 127\.0\.0\.1 port (\d+)/.exec(log);
    if (m) res(Number(m[1]));
  }));
  await new Promise((r) => setTimeout(r, 300));
  const before = proc(child.pid);
  const socks = [];
  let connected = 0;
  const arrivals = [];
  let writeAt = 0;
  const open = () => new Promise((res, rej) => {
    const s = net.connect(port, '127.0.0.1', () =>
      s.write(`GET /api/client/streaming HTTP/1.1\r\nHost: x\r\nAuthorization: ${token}\r\nAccept: text/event-stream\r\n\r\n`));
    let seen = '';
    s.setEncoding('latin1');
    s.on('data', (d) => {
      seen += d;
      if (seen.includes('event: unleash-connected') && !s.connectedOnce) {
        s.connectedOnce = true;
        connected++;
        res();
      }
      if (writeAt && seen.includes('event: unleash-updated') && !s.updated) {
        s.updated = true;
        arrivals.push(performance.now() - writeAt);
      }
      if (seen.length > 65536) seen = seen.slice(-4096);
    });
    s.on('error', rej);
    socks.push(s);
  });
  const t0 = performance.now();
  for (let i = 0; i < n; i += 200) await Promise.all(Array.from({ length: Math.min(200, n - i) }, open));
  const openMs = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 500));
  const held = proc(child.pid);
  writeAt = performance.now();
  const r = await fetch(`http://127.0.0.1:${port}/api/admin/projects/default/features/flag-0/environments/development/off`,
    { method: 'POST', headers: { Authorization: adminTok } });
  await r.text();
  const ackMs = performance.now() - writeAt;
  while (arrivals.length < n && performance.now() - writeAt < 30000) await new Promise((r) => setTimeout(r, 5));
  arrivals.sort((a, b) => a - b);
  console.log(`${n} streams: opened in ${(openMs / 1000).toFixed(1)} s; server RSS ${(before.rssKb / 1024).toFixed(1)} -> ` +
    `${(held.rssKb / 1024).toFixed(1)} MiB (${((held.rssKb - before.rssKb) / n).toFixed(1)} KiB a stream), threads ` +
    `${before.threads} -> ${held.threads}; write acknowledged in ${ackMs.toFixed(1)} ms; change reached ` +
    `${arrivals.length}/${n}: p50 ${pct(arrivals, 50).toFixed(1)} ms, p99 ${pct(arrivals, 99).toFixed(1)} ms, max ` +
    `${arrivals.at(-1).toFixed(1)} ms`);
  const passes = [...log.matchAll(/stream: a pass over (\d+) streams at revision \d+ in ([\d.]+) ms/g)].map((m) => `${m[1]}:${m[2]}`);
  console.log(`  server passes (streams:ms), last 3: ${passes.slice(-3).join(' ')}`);
  for (const s of socks) s.destroy();
  child.kill('SIGTERM');
  await new Promise((r) => child.on('exit', r));
  rmSync(dir, { recursive: true, force: true });
}

for (const n of counts) await run(n);
