// pg_instances.mjs: two `latch serve` on one PostgreSQL database, by dataset size: admin writes
// per second on one instance, and the time from a write's acknowledgement there to the new
// snapshot serving it on the other (issue 11, point 3). `make bench-pg` runs it.
//   LATCH_BIN=build/latch scripts/node.sh bench/pg_instances.mjs [--seconds S] [--toggles N]
//     [--sizes 200,2000,10000]
// A private cluster (tests/integration/pg_harness.mjs; LATCH_TEST_PG_URL's server when set).
// For each size: a fresh database with that many flags (bench/gen-state.mjs), instances a and b
// (b's fallback poll 10 s: what it measures is LISTEN/NOTIFY and b's reload), then one client
// switching flags on a for S seconds (default 5), each write a change (the flag's state
// flipped; before, most were a switch to the state it had, which writes nothing), then N
// toggles (default 50) on a one at a time, each followed by polling b's
// GET /api/client/features/:name every 2 ms until it shows the change: its median and 99th
// percentile (nearest rank), and the largest.
// By hand, never in the test suite: the figures depend on the machine.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPostgres } from '../tests/integration/pg_harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const bin = process.env.LATCH_BIN || join(resolve(here, '..'), 'build', 'latch');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const seconds = Number(opt('--seconds', '5'));
const sizes = opt('--sizes', '200,2000,10000').split(',').map(Number);
const toggles = Number(opt('--toggles', '50'));
const rank = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

async function startServer(db, extra = []) {
  const child = spawn(bin, ['serve', '--port', '0', '--bind', '127.0.0.1', '--db', db, ...extra], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  const port = await new Promise((res, rej) => {
    const t = setTimeout(() => rej(new Error(`no start:\n${log}`)), 60000);
    child.stderr.on('data', (d) => {
      log += d;
      const m = /listening on 127\.0\.0\.1 port (\d+)/.exec(log);
      if (m) {
        clearTimeout(t);
        res(Number(m[1]));
      }
    });
  });
  return { child, url: `http://127.0.0.1:${port}` };
}

const toggle = async (url, token, name, on) => {
  const res = await fetch(`${url}/api/admin/projects/default/features/${name}/environments/development/${on ? 'on' : 'off'}`, {
    method: 'POST',
    headers: { Authorization: token },
  });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`write answered ${res.status}`);
};

const enabled = async (url, token, name) => {
  const res = await fetch(`${url}/api/client/features/${name}`, { headers: { Authorization: token } });
  const body = await res.json();
  return body.enabled;
};

const pg = await startPostgres();
console.log('two instances on one PostgreSQL database; writes on a, reads on b');
console.log(`binary ${bin}`);
console.log('flags   writes/s on a   a -> b: p50 ms   p99 ms   max ms');
try {
  for (const n of sizes) {
    const dir = mkdtempSync(join(tmpdir(), 'latch-bench-pg-'));
    const db = pg.createDatabase(`bench_${n}`);
    const servers = [];
    try {
      writeFileSync(join(dir, 'state.json'), execFileSync(process.execPath, [join(here, 'gen-state.mjs'), String(n)], { maxBuffer: 1 << 30 }));
      execFileSync(bin, ['import', join(dir, 'state.json'), '--environment', 'development', '--db', db], { stdio: 'ignore' });
      const admin = execFileSync(bin, ['token', 'create', '--type', 'admin', '--db', db], { encoding: 'utf8' }).trim();
      const client = execFileSync(bin, ['token', 'create', '--type', 'client', '--environment', 'development', '--db', db], { encoding: 'utf8' }).trim();
      const a = await startServer(db);
      servers.push(a);
      const b = await startServer(db, ['--watch-interval', '10000']);
      servers.push(b);
      const names = Array.from({ length: Math.min(n, 100) }, (_, i) => `flag-${String(i * Math.floor(n / Math.min(n, 100))).padStart(4, '0')}`);
      // every write a change (a switch already in the state asked writes nothing): each flag's
      // state is read first, then flipped
      const state = new Map();
      for (const name of names) state.set(name, await enabled(a.url, client, name));
      let count = 0;
      const t0 = Date.now();
      while (Date.now() - t0 < seconds * 1000) {
        const name = names[count % names.length];
        state.set(name, !state.get(name));
        await toggle(a.url, admin, name, state.get(name));
        count++;
      }
      const rate = (count * 1000) / (Date.now() - t0);
      const lat = [];
      for (let i = 0; i < toggles; i++) {
        const name = names[i % names.length];
        const want = !(await enabled(b.url, client, name));
        await toggle(a.url, admin, name, want);
        const s = performance.now();
        while ((await enabled(b.url, client, name)) !== want) await new Promise((r) => setTimeout(r, 2));
        lat.push(performance.now() - s);
      }
      lat.sort((x, y) => x - y);
      const row = [rate.toFixed(0).padStart(13), rank(lat, 50).toFixed(1).padStart(14), rank(lat, 99).toFixed(1).padStart(6), lat[lat.length - 1].toFixed(1).padStart(6)];
      console.log(`${String(n).padStart(5)}   ${row.join('   ')}`);
    } finally {
      for (const s of servers) {
        s.child.kill('SIGTERM');
        await new Promise((r) => s.child.on('exit', r));
      }
      rmSync(dir, { recursive: true, force: true });
    }
  }
} finally {
  pg.dispose();
}
