// connections.mjs: many keep-alive connections against `latch serve`, and what a normal client
// sees meanwhile (issue 10, point 7).
//   LATCH_BIN=build/latch node bench/connections.mjs [CONNECTIONS] [SLOWLORIS]
// Starts latch on a temporary store, opens CONNECTIONS keep-alive connections (default 10000,
// spread over 127.0.0.2-127.0.0.41, each after one answered GET /api/client/features, then
// held idle), plus SLOWLORIS connections (default 200) sending headers a byte every 500 ms, and
// measures: connections held and requests answered, the p50/p99/max latency of one client
// doing sequential client-API requests during the hold, how many slow clients were cut and
// when, and the server's RSS. Prints one JSON line. The client side needs about CONNECTIONS +
// 500 descriptors (ulimit -n).
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import http from 'node:http';

const here = dirname(fileURLToPath(import.meta.url));
const BIN = process.env.LATCH_BIN || resolve(here, '..', 'build', 'latch');
const N = Number(process.argv[2] ?? 10000);
const SLOW = Number(process.argv[3] ?? 200);
const dir = mkdtempSync(join(tmpdir(), 'latch-conns-'));
const db = join(dir, 'latch.db');
const cli = (args) => execFileSync(BIN, [...args, '--db', db], { encoding: 'utf8' }).trim();
cli(['import', resolve(here, '..', 'tests', 'data', 'client-features.json'), '--environment', 'development']);
const token = cli(['token', 'create', '--type', 'client', '--environment', 'development']);

const child = spawn(BIN, ['serve', '--port', '0', '--bind', '127.0.0.1', '--db', db, '--header-timeout', '5',
  '--max-connections', String(N + 2000)], { stdio: ['ignore', 'ignore', 'pipe'] });
let stderr = '';
const port = await new Promise((res, rej) => {
  child.stderr.on('data', (d) => {
    stderr += d;
    const m = /listening on 127\.0\.0\.1 port (\d+)/.exec(stderr);
    if (m) res(Number(m[1]));
  });
  child.on('exit', () => rej(new Error(stderr)));
});
const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))[1]) / 1024;
await new Promise((r) => setTimeout(r, 300));
const rssStart = rss();

const req = `GET /api/client/features HTTP/1.1\r\nHost: x\r\nAuthorization: ${token}\r\n\r\n`;
let answered = 0;
let failed = 0;
const socks = [];
function open(i) {
  return new Promise((resolveP) => {
    const s = net.connect({ port, host: '127.0.0.1', localAddress: `127.0.0.${2 + (i % 40)}` });
    let got = '';
    s.on('error', () => {});
    s.on('connect', () => s.write(req));
    s.on('data', (d) => {
      got += d;
      if (got.includes('\r\n\r\n')) {
        if (got.startsWith('HTTP/1.1 200')) answered++;
        else failed++;
        s.removeAllListeners('data');
        s.on('data', () => {});
        resolveP(s);
      }
    });
    s.on('close', () => {
      s.gone = true;
      resolveP(s);
    });
  });
}
const tOpen = performance.now();
for (let i = 0; i < N; i += 250) socks.push(...(await Promise.all(Array.from({ length: Math.min(250, N - i) }, (_, k) => open(i + k)))));
const openMs = performance.now() - tOpen;

// slowloris clients, cut by the header deadline (5 s here)
const slowCut = [];
const slow = Array.from({ length: SLOW }, () => {
  const s = net.connect({ port, host: '127.0.0.1', localAddress: '127.0.0.99' });
  const t0 = performance.now();
  const text = 'GET /health HTTP/1.1\r\nX-Slow: 1\r\n';
  let i = 0;
  const timer = setInterval(() => s.writable && s.write(text[i++ % text.length]), 500);
  s.on('error', () => {});
  s.on('close', () => {
    clearInterval(timer);
    slowCut.push(performance.now() - t0);
  });
  return s;
});

// a normal client during the hold: 500 sequential requests on one keep-alive connection
const agent = new http.Agent({ keepAlive: true, maxSockets: 1, localAddress: '127.0.0.200' });
const lat = [];
let normalFailed = 0;
for (let i = 0; i < 500; i++) {
  const t0 = performance.now();
  const status = await new Promise((res) => {
    const r = http.get({ port, host: '127.0.0.1', path: '/api/client/features', agent, headers: { Authorization: token } }, (x) => {
      x.resume();
      x.on('end', () => res(x.statusCode));
    });
    r.on('error', () => res(0));
  });
  if (status !== 200) normalFailed++;
  lat.push(performance.now() - t0);
}
lat.sort((a, b) => a - b);
const held = socks.filter((s) => !s.gone).length;
const rssHeld = rss();
await new Promise((r) => setTimeout(r, 7000)); // past the header deadline
const q = (p) => Number(lat[Math.min(lat.length - 1, Math.floor(p * lat.length))].toFixed(2));
console.log(JSON.stringify({
  connections: N, answered, failed, held, open_ms: Math.round(openMs),
  normal_client: { requests: lat.length, failed: normalFailed, p50_ms: q(0.5), p99_ms: q(0.99), max_ms: Number(lat.at(-1).toFixed(2)) },
  slowloris: { clients: SLOW, cut: slowCut.length, cut_after_max_ms: Math.round(Math.max(0, ...slowCut)) },
  rss_mb: { start: Math.round(rssStart), held: Math.round(rssHeld) },
}));
for (const s of [...socks, ...slow]) s.destroy();
agent.destroy();
child.kill('SIGTERM');
await new Promise((r) => child.on('exit', r));
rmSync(dir, { recursive: true, force: true });
